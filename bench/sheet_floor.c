/*
 * sheet_floor.c - the floor that bench/sheets.sh compares `stampgen sheet`
 * with: the same QR codes (read from a batch's manifest.csv) encoded with the
 * same encoder and drawn at the same label positions on the same pages of a
 * cairo PDF, one filled path per code (one rectangle per horizontal run of
 * dark modules), and nothing else: no text, no store, no fonts.
 *
 * usage: bench_sheet_floor MANIFEST.csv TEMPLATE OUT.pdf
 */
#include <cairo-pdf.h>
#include <cairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stamp/render.h"
#include "stamp/template.h"

#define MM_PER_PT (25.4 / 72.0)

static void draw(cairo_t *cr, const stamp_qr *qr, double x, double y, double size)
{
	double m = size / (qr->width + 2 * STAMP_QUIET_MODULES);
	x += STAMP_QUIET_MODULES * m;
	y += STAMP_QUIET_MODULES * m;
	for (int r = 0; r < qr->width; r++) {
		const uint8_t *row = qr->dark + (size_t)r * (size_t)qr->width;
		for (int c = 0; c < qr->width;) {
			if (!row[c]) {
				c++;
				continue;
			}
			int start = c;
			while (c < qr->width && row[c])
				c++;
			cairo_rectangle(cr, x + start * m, y + r * m, (c - start) * m, m);
		}
	}
	cairo_fill(cr);
}

int main(int argc, char **argv)
{
	stamp_template t;
	stamp_label_box box;
	stamp_diag d = {{0}};
	char line[512];
	int n = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: bench_sheet_floor MANIFEST.csv TEMPLATE OUT.pdf\n");
		return 2;
	}
	if (stamp_template_find(argv[2], &t, &d) || stamp_template_check(&t, 45, &d)) {
		fprintf(stderr, "bench_sheet_floor: %s\n", d.msg);
		return 2;
	}
	stamp_template_layout(&t, &box);
	FILE *f = fopen(argv[1], "r");
	if (!f || !fgets(line, sizeof line, f)) {
		perror(argv[1]);
		return 2;
	}
	cairo_surface_t *s =
		cairo_pdf_surface_create(argv[3], t.page_w / MM_PER_PT, t.page_h / MM_PER_PT);
	cairo_t *cr = cairo_create(s);
	cairo_scale(cr, 1 / MM_PER_PT, 1 / MM_PER_PT);
	int per = stamp_template_per_page(&t);
	while (fgets(line, sizeof line, f)) {
		char *code = strchr(line, ',');
		if (!code)
			continue;
		code++;
		code[strcspn(code, ",\r\n")] = '\0';
		stamp_qr *qr;
		if (stamp_qr_encode(code, &qr)) {
			fprintf(stderr, "bench_sheet_floor: cannot encode %s\n", code);
			return 1;
		}
		double x, y;
		if (n > 0 && n % per == 0)
			cairo_show_page(cr);
		stamp_template_label_at(&t, n % per, &x, &y);
		draw(cr, qr, x + box.qr_x, y + box.qr_y, box.qr);
		stamp_qr_free(qr);
		n++;
	}
	fclose(f);
	cairo_show_page(cr);
	cairo_destroy(cr);
	cairo_surface_finish(s);
	int bad = cairo_surface_status(s) != CAIRO_STATUS_SUCCESS;
	cairo_surface_destroy(s);
	printf("%d codes\n", n);
	return bad;
}
