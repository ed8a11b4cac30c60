/*
 * sheet.c - print-ready sheets of a stored batch: cairo PDF at true size,
 * or PNG pages, on a label template.
 *
 * A cooperative prints one PDF at 100% on A4 sticker paper, so the PDF is in
 * real millimetres and every QR symbol is vector: one rectangle per run of
 * dark modules in a row, one fill per symbol, sharp at any printer
 * resolution. Text goes through cairo's PDF text API (DejaVu Sans, NFC) so a
 * PDF reader can copy the Vietnamese names back out exactly.
 *
 * Memory stays flat whatever the batch size: the labels' fixed text is fitted
 * once, then each page reads its own stamps in a short read transaction,
 * encodes and draws them and is written out (cairo_show_page, or one PNG)
 * before the next. Output goes to a temporary name beside out and is renamed
 * into place when complete, like issue.c does for its folder.
 *
 * Determinism: cairo 1.16 stamps the PDF with the current time unless told a
 * date and writes no /ID, so the creation and modification dates are set to
 * the batch's creation time; PNGs carry no time chunk.
 */
#define _GNU_SOURCE
#include <cairo-pdf.h>
#include <cairo.h>
#include <errno.h>
#include <fontconfig/fontconfig.h>
#include <limits.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "pngfile.h"
#include "sheet_text.h"
#include "stamp/render.h"
#include "stamp/sheet.h"

#define MM_PER_PT (25.4 / 72.0)
#define FONT "DejaVu Sans"
#define FOOTER_MIN_MM 4.0
#define MARK_LEN 4.0   /* mm of a cut mark */
#define MARK_CLEAR 1.0 /* mm between a cut mark and any label */

/* ---- text fitting ---- */

void stamp_sheet_font(cairo_t *cr, int bold, double size)
{
	cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL,
			       bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
}

double stamp_sheet_measure(cairo_t *cr, const char *s, size_t len)
{
	char buf[1024];
	cairo_text_extents_t e;

	if (len >= sizeof buf)
		len = sizeof buf - 1; /* texts are bounded far below this */
	memcpy(buf, s, len);
	buf[len] = '\0';
	cairo_text_extents(cr, buf, &e);
	double ink = e.x_bearing + e.width;
	return ink > e.x_advance ? ink : e.x_advance;
}

/* Bytes of the UTF-8 sequence starting with c (texts are valid UTF-8). */
static size_t u8len(unsigned char c)
{
	return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/*
 * Greedy wrap of one item at the current font: appends lines to out, at most
 * max_lines. -1 when it needs more.
 */
static int wrap_item(cairo_t *cr, const stamp_fit_item *it, int item, double w, int max_lines,
		     stamp_fit *out)
{
	const char *s = it->text;
	size_t len = strlen(s), pos = 0;
	int used = 0;

	while (pos < len || used == 0) {
		size_t best = 0, end = pos;
		/* longest run of whole words from pos that fits */
		while (end < len) {
			const char *sp = memchr(s + end, ' ', len - end);
			size_t e = sp ? (size_t)(sp - s) : len;
			if (stamp_sheet_measure(cr, s + pos, e - pos) > w)
				break;
			best = e;
			end = e + 1;
		}
		if (best == 0 && pos < len) {
			/* a word wider than the line: break between characters */
			size_t k = pos + u8len((unsigned char)s[pos]);
			while (k < len && s[k] != ' ') {
				size_t n = k + u8len((unsigned char)s[k]);
				if (stamp_sheet_measure(cr, s + pos, n - pos) > w)
					break;
				k = n;
			}
			best = k;
			if (stamp_sheet_measure(cr, s + pos, k - pos) > w)
				return -1; /* not even one character fits */
		} else if (pos >= len) {
			best = pos; /* empty item: one empty line */
		}
		if (used >= max_lines || out->nlines >= STAMP_FIT_LINES)
			return -1;
		stamp_fit_line *l = &out->line[out->nlines++];
		l->item = item;
		l->off = pos;
		l->len = best - pos;
		l->space_after = best < len && s[best] == ' ';
		l->width = stamp_sheet_measure(cr, s + pos, best - pos);
		used++;
		pos = l->space_after ? best + 1 : best;
		if (pos >= len)
			break;
	}
	return used;
}

/* Lay out every item at base size pt; 0 when the block fits w x h. */
static int try_size(cairo_t *cr, const stamp_fit_item *items, int n, double w, double h,
		    double units_per_pt, double pt, int max_lines, stamp_fit *out)
{
	cairo_font_extents_t fe;

	out->nlines = 0;
	out->height = 0;
	out->pt = pt;
	for (int i = 0; i < n; i++) {
		double size = pt * items[i].rel * units_per_pt;
		int first = out->nlines;
		stamp_sheet_font(cr, items[i].bold, size);
		cairo_font_extents(cr, &fe);
		if (wrap_item(cr, &items[i], i, w, items[i].nowrap ? 1 : max_lines, out) < 0)
			return -1;
		for (int k = first; k < out->nlines; k++) {
			out->line[k].size = size;
			out->line[k].ascent = fe.ascent;
			out->line[k].descent = fe.descent;
			out->height += fe.ascent + fe.descent;
			if (k + 1 < out->nlines || i + 1 < n)
				out->height += STAMP_FIT_LEADING * size;
		}
		if (out->height > h)
			return -1;
	}
	return 0;
}

int stamp_sheet_fit(cairo_t *cr, const stamp_fit_item *items, int n, double w, double h,
		    double units_per_pt, stamp_fit *out)
{
	static const struct {
		double min_pt;
		int max_lines;
	} pass[] = {{STAMP_FIT_ONELINE_PT, 1},
		    {STAMP_FIT_MIN_PT, 2},
		    {STAMP_FIT_LAST_PT, STAMP_FIT_LINES}};

	if (n < 1 || n > STAMP_FIT_ITEMS)
		return -1;
	for (size_t p = 0; p < sizeof pass / sizeof pass[0]; p++) {
		for (double pt = STAMP_FIT_MAX_PT; pt >= pass[p].min_pt - 1e-9; pt -= 0.25) {
			if (try_size(cr, items, n, w, h, units_per_pt, pt, pass[p].max_lines,
				     out) == 0)
				return 0;
		}
	}
	return -1;
}

/* ---- output streams ---- */

typedef struct pdf_out {
	FILE *f;
	int err;
} pdf_out;

static cairo_status_t pdf_write(void *ctx, const unsigned char *data, unsigned int len)
{
	pdf_out *o = ctx;
	if (o->err)
		return CAIRO_STATUS_WRITE_ERROR;
	if (fwrite(data, 1, len, o->f) != len) {
		o->err = errno ? errno : EIO;
		return CAIRO_STATUS_WRITE_ERROR;
	}
	return CAIRO_STATUS_SUCCESS;
}

/* The writer's rows of an A8 page surface: ink is alpha, paper is white. */
typedef struct page_rows {
	const unsigned char *data;
	int stride;
	unsigned char *row;
	int width;
} page_rows;

static const uint8_t *page_row(void *ctx, uint32_t y)
{
	page_rows *p = ctx;
	const unsigned char *a = p->data + (size_t)y * (size_t)p->stride;
	for (int x = 0; x < p->width; x++)
		p->row[x] = (unsigned char)(255 - a[x]);
	return p->row;
}

/* 8-bit grey PNG of an A8 surface, with pHYs and no time. */
static int png_page(cairo_surface_t *s, unsigned dpi, const char *path, stamp_diag *diag)
{
	page_rows p = {cairo_image_surface_get_data(s), cairo_image_surface_get_stride(s), NULL,
		       cairo_image_surface_get_width(s)};
	stamp_png_spec spec = {.width = (uint32_t)p.width,
			       .height = (uint32_t)cairo_image_surface_get_height(s),
			       .depth = 8,
			       .dpi = dpi,
			       .level = 6,
			       .filters = PNG_FILTER_NONE | PNG_FILTER_UP,
			       .row = page_row,
			       .ctx = &p};
	if (!(p.row = malloc((size_t)p.width)))
		return ENOMEM;
	int rc = stamp_png_file(path, &spec, diag);
	free(p.row);
	return rc;
}

/* ---- one sheet ---- */

enum { ITEM_NAME, ITEM_STARS, ITEM_SERIAL, ITEM_COOP };

typedef struct sheet {
	const stamp_template *t;
	const stamp_sheet_opts *o;
	stamp_batch b;
	stamp_label_box box;
	char name[STAMP_TEXT_MAX + 1];
	char coop[STAMP_TEXT_MAX + 1];
	char stars[64];
	stamp_fit fit;
	stamp_fit footer;
	char footer_text[STAMP_TEXT_MAX * 2];
	unsigned long pages;
	unsigned dpi;
	cairo_surface_t *surf;
	cairo_t *cr;
	pdf_out pdf;
	char tmp[PATH_MAX];
	char path[PATH_MAX];
	uint8_t edges[178 * 178]; /* outline_qr's scratch: version 40 is 177 modules */
} sheet;

/* Serials zero-padded to 10 digits, as the per-stamp PNG files are named. */
static void serial_text(unsigned long long serial, char *out, size_t cap)
{
	snprintf(out, cap, "Số %010llu", serial);
}

/*
 * Outline the dark modules of qr as closed polygons, in module units with
 * the symbol's top-left module at (0, 0). Each boundary edge between a dark
 * and a light module is directed with the dark side on its right, so outer
 * outlines run one way and holes the other, and the nonzero fill of the
 * path is exactly the dark modules: one path per symbol, and far fewer
 * points than a rectangle per run (the PDF's size is mostly these points).
 * out holds (width + 1)^2 bytes, zeroed.
 */
enum { E_EAST = 1, E_SOUTH = 2, E_WEST = 4, E_NORTH = 8 };

static int dark_at(const stamp_qr *qr, int r, int c)
{
	return r >= 0 && c >= 0 && r < qr->width && c < qr->width &&
	       qr->dark[(size_t)r * (size_t)qr->width + (size_t)c];
}

static void outline_qr(cairo_t *cr, const stamp_qr *qr, uint8_t *out)
{
	static const int dx[4] = {1, 0, -1, 0}, dy[4] = {0, 1, 0, -1};
	int w = qr->width, n = w + 1;

	for (int r = 0; r < w; r++) {
		for (int c = 0; c < w; c++) {
			if (!dark_at(qr, r, c))
				continue;
			if (!dark_at(qr, r - 1, c))
				out[r * n + c] |= E_EAST;
			if (!dark_at(qr, r, c + 1))
				out[r * n + c + 1] |= E_SOUTH;
			if (!dark_at(qr, r + 1, c))
				out[(r + 1) * n + c + 1] |= E_WEST;
			if (!dark_at(qr, r, c - 1))
				out[(r + 1) * n + c] |= E_NORTH;
		}
	}
	for (int v = 0; v < n * n; v++) {
		while (out[v]) {
			int x = v % n, y = v / n, d = 0;
			while (!(out[v] & (1 << d)))
				d++;
			cairo_move_to(cr, x, y);
			for (;;) {
				out[y * n + x] &= (uint8_t) ~(1 << d);
				x += dx[d];
				y += dy[d];
				if (x == v % n && y == v / n)
					break;
				/* at a corner shared by two diagonal dark modules, turn right:
				   any choice closes, as every vertex has as many edges in as out */
				int o = out[y * n + x], nd;
				if (o & (1 << ((d + 1) & 3)))
					nd = (d + 1) & 3;
				else if (o & (1 << d))
					nd = d;
				else if (o & (1 << ((d + 3) & 3)))
					nd = (d + 3) & 3;
				else
					break; /* cannot happen; the path closes anyway */
				if (nd != d)
					cairo_line_to(cr, x, y);
				d = nd;
			}
			cairo_close_path(cr);
		}
	}
}

/*
 * Draw the symbol with its quiet zone in the square x, y, size. In a PDF the
 * outline goes into a recording surface in module units, which cairo writes
 * as a Form XObject: small integer coordinates instead of three-decimal
 * points, which halves the PDF. PNG pages draw it straight, unsmoothed.
 */
static int draw_qr(sheet *sh, const stamp_qr *qr, double x, double y, double size)
{
	double m = size / (qr->width + 2 * STAMP_QUIET_MODULES);
	size_t cells = (size_t)(qr->width + 1) * (size_t)(qr->width + 1);
	cairo_t *cr = sh->cr;

	if (cells > sizeof sh->edges)
		return STAMP_EINPUT;
	memset(sh->edges, 0, cells);
	cairo_save(cr);
	cairo_translate(cr, x + STAMP_QUIET_MODULES * m, y + STAMP_QUIET_MODULES * m);
	cairo_scale(cr, m, m);
	if (sh->o->png) {
		cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE);
		outline_qr(cr, qr, sh->edges);
		cairo_fill(cr);
	} else {
		cairo_rectangle_t ext = {0, 0, qr->width, qr->width};
		cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_ALPHA, &ext);
		cairo_t *rc = cairo_create(rec);
		outline_qr(rc, qr, sh->edges);
		cairo_fill(rc);
		cairo_destroy(rc);
		cairo_set_source_surface(cr, rec, 0, 0);
		cairo_paint(cr);
		cairo_surface_destroy(rec);
	}
	cairo_restore(cr);
	return cairo_status(cr) ? ENOMEM : 0;
}

/*
 * Draw a fitted block in the box x, y, w, h: lines centred or flush left,
 * the block centred vertically or from the top.
 */
static void draw_block(sheet *sh, const stamp_fit *fit, const char *const texts[], double x,
		       double y, double w, double h, int hcentre, int vcentre)
{
	cairo_t *cr = sh->cr;
	char buf[sizeof sh->footer_text];

	if (vcentre)
		y += (h - fit->height) / 2;
	for (int i = 0; i < fit->nlines; i++) {
		const stamp_fit_line *l = &fit->line[i];
		int bold = l->item == ITEM_NAME && fit != &sh->footer;
		size_t n = l->len < sizeof buf - 1 ? l->len : sizeof buf - 1;
		memcpy(buf, texts[l->item] + l->off, n);
		buf[n] = '\0';
		stamp_sheet_font(cr, bold, l->size);
		double lw = stamp_sheet_measure(cr, buf, strlen(buf));
		double size = l->size;
		if (lw > w) { /* a wider serial than the fitted sample: shrink, never clip */
			size *= w / lw;
			stamp_sheet_font(cr, bold, size);
			lw = w;
		}
		y += l->ascent;
		cairo_move_to(cr, hcentre ? x + (w - lw) / 2 : x, y);
		cairo_show_text(cr, buf);
		y += l->descent + STAMP_FIT_LEADING * l->size;
	}
}

static int draw_label(sheet *sh, const stamp_stamp *s, double lx, double ly, stamp_diag *diag)
{
	char url[STAMP_CODE_TEXT_MAX + 1], serial[32];
	const char *texts[STAMP_FIT_ITEMS] = {sh->name, sh->stars, serial, sh->coop};
	stamp_code c;
	stamp_qr *qr;
	int rc;

	stamp_batch_code(&sh->b, s->serial, s->sig, &c);
	stamp_code_to_url(&c, sh->b.base_url, url);
	if ((rc = stamp_qr_encode(url, &qr)))
		return stamp_diag_set(diag, rc, "serial %llu: cannot encode the QR symbol",
				      (unsigned long long)s->serial);
	rc = draw_qr(sh, qr, lx + sh->box.qr_x, ly + sh->box.qr_y, sh->box.qr);
	stamp_qr_free(qr);
	if (rc)
		return stamp_diag_set(diag, rc, "serial %llu: cannot draw the QR symbol",
				      (unsigned long long)s->serial);
	serial_text(s->serial, serial, sizeof serial);
	draw_block(sh, &sh->fit, texts, lx + sh->box.text_x, ly + sh->box.text_y, sh->box.text_w,
		   sh->box.text_h, sh->box.text == STAMP_TEXT_BELOW,
		   sh->box.text != STAMP_TEXT_BELOW);
	return 0;
}

/* Ticks in the page margins on the lines of the label edges, clear of labels. */
static void draw_cut_marks(sheet *sh)
{
	const stamp_template *t = sh->t;
	cairo_t *cr = sh->cr;
	double bottom = stamp_template_bottom_margin(t);
	double right =
		t->page_w - t->margin_left - t->columns * t->label_w - (t->columns - 1) * t->gap_x;
	double grid_b = t->page_h - bottom, grid_r = t->page_w - right;

	cairo_set_line_width(cr, 0.1);
	for (int c = 0; c < t->columns; c++) {
		for (int e = 0; e < 2; e++) {
			double x = t->margin_left + c * (t->label_w + t->gap_x) + e * t->label_w;
			if (t->margin_top >= MARK_CLEAR + 1) {
				double len = fmin(MARK_LEN, t->margin_top - MARK_CLEAR);
				cairo_move_to(cr, x, t->margin_top - MARK_CLEAR - len);
				cairo_rel_line_to(cr, 0, len);
			}
			if (bottom >= MARK_CLEAR + 1) {
				cairo_move_to(cr, x, grid_b + MARK_CLEAR);
				cairo_rel_line_to(cr, 0, fmin(MARK_LEN, bottom - MARK_CLEAR));
			}
		}
	}
	for (int r = 0; r < t->rows; r++) {
		for (int e = 0; e < 2; e++) {
			double y = t->margin_top + r * (t->label_h + t->gap_y) + e * t->label_h;
			if (t->margin_left >= MARK_CLEAR + 1) {
				double len = fmin(MARK_LEN, t->margin_left - MARK_CLEAR);
				cairo_move_to(cr, t->margin_left - MARK_CLEAR - len, y);
				cairo_rel_line_to(cr, len, 0);
			}
			if (right >= MARK_CLEAR + 1) {
				cairo_move_to(cr, grid_r + MARK_CLEAR, y);
				cairo_rel_line_to(cr, fmin(MARK_LEN, right - MARK_CLEAR), 0);
			}
		}
	}
	cairo_stroke(cr);
}

static int footer_fit(sheet *sh, stamp_diag *diag)
{
	double room = stamp_template_bottom_margin(sh->t);
	char probe[sizeof sh->footer_text];
	int n;

	if (room < FOOTER_MIN_MM)
		return stamp_diag_set(diag, STAMP_EINPUT,
				      "--footer: template %s leaves %.1f mm under the labels; a "
				      "footer needs %.0f mm",
				      sh->t->name, room, FOOTER_MIN_MM);
	/* widest page numbers: every digit of the last page as '8' */
	n = snprintf(probe, sizeof probe, "Đợt %u · %s · lô %s · trang %lu/%lu", sh->b.id, sh->name,
		     sh->b.lot, sh->pages, sh->pages);
	if (n < 0 || (size_t)n >= sizeof probe)
		return stamp_diag_set(diag, STAMP_EINPUT, "--footer: text too long");
	for (char *p = strstr(probe, "trang "); p && *p; p++)
		if (*p >= '0' && *p <= '9')
			*p = '8';
	stamp_fit_item it = {probe, 1.0, 0, 1};
	double w = sh->t->page_w - 2 * fmax(sh->t->margin_left, 5.0);
	if (stamp_sheet_fit(sh->cr, &it, 1, w, room - 1.0, MM_PER_PT, &sh->footer) ||
	    sh->footer.nlines != 1)
		return stamp_diag_set(diag, STAMP_EINPUT, "--footer: no room for the footer text");
	return 0;
}

static void draw_footer(sheet *sh, unsigned long page)
{
	const char *texts[1] = {sh->footer_text};
	snprintf(sh->footer_text, sizeof sh->footer_text, "Đợt %u · %s · lô %s · trang %lu/%lu",
		 sh->b.id, sh->name, sh->b.lot, page + 1, sh->pages);
	sh->footer.line[0].len = strlen(sh->footer_text);
	double room = stamp_template_bottom_margin(sh->t);
	double w = sh->t->page_w - 2 * fmax(sh->t->margin_left, 5.0);
	double x = (sh->t->page_w - w) / 2;
	draw_block(sh, &sh->footer, texts, x, sh->t->page_h - room, w, room, 1, 1);
}

/* Read the stamps of one page in a short read transaction and draw them. */
static int draw_page(sheet *sh, stamp_store *st, unsigned long page, stamp_diag *diag)
{
	int per = stamp_template_per_page(sh->t);
	uint64_t first = (uint64_t)page * (uint64_t)per;
	stamp_txn *txn = NULL;
	stamp_stamp s;
	int rc;

	if ((rc = stamp_txn_begin(st, 0, &txn)))
		return rc;
	for (int i = 0; i < per && first + (uint64_t)i < sh->b.count; i++) {
		uint64_t serial = sh->b.first_serial + first + (uint64_t)i;
		double x, y;
		rc = stamp_store_get_stamp(txn, serial, &s);
		if (rc == 0 && s.batch_id != sh->b.id)
			rc = STAMP_ECORRUPT;
		if (rc) {
			stamp_diag_set(diag, rc, "batch %u: stamp %llu: %s", sh->b.id,
				       (unsigned long long)serial, stamp_strerror(rc));
			break;
		}
		stamp_template_label_at(sh->t, i, &x, &y);
		if ((rc = draw_label(sh, &s, x, y, diag)))
			break;
	}
	stamp_txn_abort(txn);
	if (rc)
		return rc;
	if (sh->o->cut_marks)
		draw_cut_marks(sh);
	if (sh->o->footer)
		draw_footer(sh, page);
	return 0;
}

static int cairo_fail(cairo_status_t s, const char *what, stamp_diag *diag)
{
	return stamp_diag_set(diag, s == CAIRO_STATUS_NO_MEMORY ? ENOMEM : EIO, "%s: cairo: %s",
			      what, cairo_status_to_string(s));
}

static int label_text(sheet *sh, const stamp_product *p, const stamp_coop *c, stamp_diag *diag);

/* Load the batch and its product and cooperative; the label's fixed text. */
static int load_batch(sheet *sh, stamp_store *st, uint32_t batch_id, stamp_diag *diag)
{
	stamp_product p;
	stamp_coop c;
	stamp_txn *txn;
	int rc;

	if ((rc = stamp_txn_begin(st, 0, &txn)))
		return stamp_diag_set(diag, rc, "cannot read the store: %s", stamp_strerror(rc));
	rc = stamp_store_get_batch(txn, batch_id, &sh->b);
	if (rc == STAMP_ENOTFOUND)
		stamp_diag_set(diag, rc, "batch %u does not exist", batch_id);
	if (rc == 0 && (rc = stamp_store_get_product(txn, sh->b.product_id, &p)))
		stamp_diag_set(diag, rc, "product \"%s\" of batch %u: %s", sh->b.product_id,
			       batch_id, stamp_strerror(rc));
	if (rc == 0 && (rc = stamp_store_get_coop(txn, p.coop_id, &c)))
		stamp_diag_set(diag, rc, "cooperative \"%s\" of product \"%s\": %s", p.coop_id,
			       p.id, stamp_strerror(rc));
	stamp_txn_abort(txn);
	return rc ? rc : label_text(sh, &p, &c, diag);
}

/* The label's fixed text: the product's short name, its stars, the cooperative. */
static int label_text(sheet *sh, const stamp_product *p, const stamp_coop *c, stamp_diag *diag)
{
	int rc;
	/* Stored text is NFC already; cleaning again costs nothing and guards old records. */
	if ((rc = stamp_text_clean(p->short_name[0] ? p->short_name : p->name, sh->name,
				   sizeof sh->name - 1, "product name", diag)) ||
	    (rc = stamp_text_clean(c->name, sh->coop, sizeof sh->coop - 1, "cooperative name",
				   diag)))
		return rc;
	int n = snprintf(sh->stars, sizeof sh->stars, "OCOP ");
	for (unsigned i = 0; i < p->stars && i < 5 && n > 0; i++)
		n += snprintf(sh->stars + n, sizeof sh->stars - (size_t)n, "★");
	return 0;
}

/* Collapse runs of spaces so that lines break and rejoin on single spaces. */
static void single_spaces(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++)
		if (*r != ' ' || (w > s && w[-1] != ' '))
			*w++ = *r;
	if (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
}

static int fit_labels(sheet *sh, stamp_diag *diag)
{
	char sample[32];
	unsigned long long last = sh->b.first_serial + sh->b.count - 1;
	serial_text(last, sample, sizeof sample);
	stamp_fit_item items[STAMP_FIT_ITEMS] = {{sh->name, 1.0, 1, 0},
						 {sh->stars, 0.85, 0, 1},
						 {sample, 0.85, 0, 1},
						 {sh->coop, 0.75, 0, 0}};
	single_spaces(sh->name);
	single_spaces(sh->coop);
	if (stamp_sheet_fit(sh->cr, items, sh->o->coop_name ? 4 : 3, sh->box.text_w, sh->box.text_h,
			    MM_PER_PT, &sh->fit))
		return stamp_diag_set(diag, STAMP_EPRINT,
				      "template %s: the label text does not fit a %.1f x %.1f mm "
				      "box even at %.1f pt",
				      sh->t->name, sh->box.text_w, sh->box.text_h,
				      STAMP_FIT_LAST_PT);
	return 0;
}

/* Print gate with the batch's real symbol size. */
static int gate(sheet *sh, stamp_diag *diag)
{
	int modules;
	int rc = stamp_batch_symbol(&sh->b, &modules, diag);
	if (rc == 0)
		rc = stamp_template_check(sh->t, modules, diag);
	if (rc == 0)
		stamp_template_layout(sh->t, &sh->box);
	return rc;
}

static int open_output(sheet *sh, const char *out, stamp_diag *diag)
{
	int fd = -1;
	int rc = stamp_output_reserve(out, sh->o->png, sh->tmp, &fd, diag);
	if (rc || sh->o->png) {
		sh->path[0] = '\0';
		return rc;
	}
	if (!(sh->pdf.f = fdopen(fd, "wb"))) {
		rc = stamp_diag_set(diag, errno, "%s: %s", sh->tmp, strerror(errno));
		close(fd);
		stamp_output_discard(sh->tmp);
	}
	return rc;
}

static void pdf_metadata(sheet *sh)
{
	char date[32], title[STAMP_TEXT_MAX + 128];
	struct tm tm;
	time_t when = (time_t)sh->b.created;

	if (gmtime_r(&when, &tm) && strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm)) {
		cairo_pdf_surface_set_metadata(sh->surf, CAIRO_PDF_METADATA_CREATE_DATE, date);
		cairo_pdf_surface_set_metadata(sh->surf, CAIRO_PDF_METADATA_MOD_DATE, date);
	}
	if (snprintf(title, sizeof title, "Tem OCOP, đợt %u: %s, lô %s", sh->b.id, sh->name,
		     sh->b.lot) < (int)sizeof title)
		cairo_pdf_surface_set_metadata(sh->surf, CAIRO_PDF_METADATA_TITLE, title);
	cairo_pdf_surface_set_metadata(sh->surf, CAIRO_PDF_METADATA_CREATOR, "ocopstamp");
}

static int make_surface(sheet *sh, stamp_diag *diag)
{
	double scale;

	if (sh->o->png) {
		int w = (int)lround(sh->t->page_w / 25.4 * sh->dpi);
		int h = (int)lround(sh->t->page_h / 25.4 * sh->dpi);
		sh->surf = cairo_image_surface_create(CAIRO_FORMAT_A8, w, h);
		scale = sh->dpi / 25.4;
	} else {
		sh->surf = cairo_pdf_surface_create_for_stream(
			pdf_write, &sh->pdf, sh->t->page_w / MM_PER_PT, sh->t->page_h / MM_PER_PT);
		scale = 1 / MM_PER_PT;
	}
	if (cairo_surface_status(sh->surf))
		return cairo_fail(cairo_surface_status(sh->surf), "cannot create the page", diag);
	if (!sh->o->png)
		pdf_metadata(sh);
	sh->cr = cairo_create(sh->surf);
	cairo_scale(sh->cr, scale, scale);
	/* Unhinted metrics: widths measured once must hold on every label and surface. */
	cairo_font_options_t *fo = cairo_font_options_create();
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	cairo_set_font_options(sh->cr, fo);
	cairo_font_options_destroy(fo);
	cairo_set_source_rgb(sh->cr, 0, 0, 0);
	if (cairo_status(sh->cr))
		return cairo_fail(cairo_status(sh->cr), "cannot draw", diag);
	return 0;
}

static int end_page(sheet *sh, unsigned long page, stamp_diag *diag)
{
	if (!sh->o->png) {
		cairo_show_page(sh->cr);
		if (sh->pdf.err)
			return stamp_diag_set(diag, sh->pdf.err, "%s: write failed: %s", sh->tmp,
					      strerror(sh->pdf.err));
		if (cairo_status(sh->cr))
			return cairo_fail(cairo_status(sh->cr), sh->tmp, diag);
		return 0;
	}
	int digits = snprintf(NULL, 0, "%lu", sh->pages);
	if (digits < 4)
		digits = 4;
	if (snprintf(sh->path, sizeof sh->path, "%s/page-%0*lu.png", sh->tmp, digits, page + 1) >=
	    (int)sizeof sh->path)
		return stamp_diag_set(diag, ENAMETOOLONG, "%s: path too long", sh->tmp);
	cairo_surface_flush(sh->surf);
	if (cairo_status(sh->cr))
		return cairo_fail(cairo_status(sh->cr), sh->path, diag);
	int rc = png_page(sh->surf, sh->dpi, sh->path, diag);
	/* clear to paper white for the next page */
	cairo_save(sh->cr);
	cairo_set_operator(sh->cr, CAIRO_OPERATOR_CLEAR);
	cairo_paint(sh->cr);
	cairo_restore(sh->cr);
	return rc;
}

static int finish_output(sheet *sh, const char *out, stamp_diag *diag)
{
	int rc = 0;

	cairo_destroy(sh->cr);
	sh->cr = NULL;
	cairo_surface_finish(sh->surf);
	cairo_status_t cs = cairo_surface_status(sh->surf);
	cairo_surface_destroy(sh->surf);
	sh->surf = NULL;
	if (sh->pdf.f) {
		if (sh->pdf.err)
			rc = stamp_diag_set(diag, sh->pdf.err, "%s: write failed: %s", sh->tmp,
					    strerror(sh->pdf.err));
		else if (cs)
			rc = cairo_fail(cs, sh->tmp, diag);
		else if (fflush(sh->pdf.f) != 0 || fsync(fileno(sh->pdf.f)) != 0)
			rc = stamp_diag_set(diag, errno, "%s: write failed: %s", sh->tmp,
					    strerror(errno));
		if (fclose(sh->pdf.f) != 0 && rc == 0)
			rc = stamp_diag_set(diag, errno, "%s: write failed: %s", sh->tmp,
					    strerror(errno));
		sh->pdf.f = NULL;
	}
	if (rc == 0)
		rc = stamp_output_publish(sh->tmp, out, diag);
	return rc;
}

void stamp_sheet_release(void)
{
	cairo_debug_reset_static_data();
	FcFini();
}

int stamp_sheet_render(stamp_store *st, uint32_t batch_id, const stamp_template *t,
		       const stamp_sheet_opts *o, const char *out, stamp_diag *diag)
{
	sheet *sh = calloc(1, sizeof *sh);
	int rc;

	if (!sh)
		return ENOMEM;
	sh->t = t;
	sh->o = o;
	sh->dpi = o->dpi ? o->dpi : STAMP_SHEET_DPI_DEFAULT;
	if (o->png && (sh->dpi < STAMP_SHEET_DPI_MIN || sh->dpi > STAMP_SHEET_DPI_MAX)) {
		rc = stamp_diag_set(diag, STAMP_EINPUT, "dpi: expected %d to %d, got %u",
				    STAMP_SHEET_DPI_MIN, STAMP_SHEET_DPI_MAX, sh->dpi);
		goto leave;
	}
	if ((rc = load_batch(sh, st, batch_id, diag)) || (rc = gate(sh, diag)))
		goto leave;
	sh->pages = stamp_template_pages(t, sh->b.count);
	if ((rc = open_output(sh, out, diag)) || (rc = make_surface(sh, diag)) ||
	    (rc = fit_labels(sh, diag)) || (o->footer && (rc = footer_fit(sh, diag))))
		goto leave;
	for (unsigned long page = 0; page < sh->pages; page++) {
		if ((rc = draw_page(sh, st, page, diag)) || (rc = end_page(sh, page, diag)))
			goto leave;
		if (o->progress) {
			uint64_t done = (page + 1) * (uint64_t)stamp_template_per_page(t);
			o->progress(done < sh->b.count ? done : sh->b.count, sh->b.count,
				    o->progress_ctx);
		}
	}
	rc = finish_output(sh, out, diag);
leave:
	if (sh->cr)
		cairo_destroy(sh->cr);
	if (sh->surf)
		cairo_surface_destroy(sh->surf);
	if (sh->pdf.f)
		fclose(sh->pdf.f);
	stamp_output_discard(sh->tmp);
	free(sh);
	return rc;
}

int stamp_sheet_label_png(const stamp_template *t, const stamp_batch *b, const stamp_product *p,
			  const stamp_coop *c, const uint8_t sig[STAMP_SIG_BYTES], unsigned dpi,
			  const char *path, stamp_diag *diag)
{
	stamp_sheet_opts o = {.png = 1, .dpi = dpi};
	stamp_stamp s = {.serial = b->first_serial, .batch_id = b->id};
	sheet *sh = calloc(1, sizeof *sh);
	stamp_template one = *t; /* a page the size of one label */
	int rc;

	if (!sh)
		return ENOMEM;
	one.page_w = t->label_w, one.page_h = t->label_h;
	one.columns = one.rows = 1;
	one.margin_left = one.margin_top = one.gap_x = one.gap_y = 0;
	sh->t = t;
	sh->o = &o;
	sh->b = *b;
	sh->dpi = dpi ? dpi : STAMP_SHEET_DPI_DEFAULT;
	memcpy(s.sig, sig, STAMP_SIG_BYTES);
	if (sh->dpi < STAMP_SHEET_DPI_MIN || sh->dpi > STAMP_SHEET_DPI_MAX)
		rc = stamp_diag_set(diag, STAMP_EINPUT, "dpi: expected %d to %d, got %u",
				    STAMP_SHEET_DPI_MIN, STAMP_SHEET_DPI_MAX, sh->dpi);
	else if ((rc = label_text(sh, p, c, diag)) == 0 && (rc = gate(sh, diag)) == 0) {
		sh->t = &one;
		if ((rc = make_surface(sh, diag)) == 0 && (rc = fit_labels(sh, diag)) == 0 &&
		    (rc = draw_label(sh, &s, 0, 0, diag)) == 0) {
			cairo_surface_flush(sh->surf);
			rc = png_page(sh->surf, sh->dpi, path, diag);
		}
	}
	if (sh->cr)
		cairo_destroy(sh->cr);
	if (sh->surf)
		cairo_surface_destroy(sh->surf);
	free(sh);
	return rc;
}
