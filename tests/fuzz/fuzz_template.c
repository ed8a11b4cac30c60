/*
 * fuzz_template.c - libFuzzer target for label template files
 * (libstamp-print/template.c: stamp_template_load, inih underneath).
 *
 * Invariants: a refusal is STAMP_EINPUT or STAMP_EPRINT with a message that
 * names the file, and a line number, when it gives one, within the file. An
 * accepted template has every length within the range of docs/printing.md,
 * passes the print gate for the smallest symbol, and lays out: every label
 * on the page, the QR and the text box inside the label and apart. Round
 * trip: the template written out as INI loads to the same struct.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ini.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "stamp/template.h"

#define SLACK 0.01 /* mm: what check_grid allows */

/*
 * Lines as inih counts them: it reads ini_max_line - 1 bytes at most at a
 * time, and the rest of a longer line is read as a line of its own (so a
 * message may name line 3 of a file of one long line: tests/fuzz/README).
 */
static size_t ini_lines(const uint8_t *data, size_t size)
{
	size_t n = 0, max = (size_t)ini_max_line - 1;
	for (size_t i = 0; i < size; n++)
		for (size_t j = 0; i < size && j < max; j++)
			if (data[i++] == '\n')
				break;
	return n;
}

static void check_refusal(int rc, const stamp_diag *d, const char *path, size_t lines)
{
	size_t pl = strlen(path);

	if (rc != STAMP_EINPUT && rc != STAMP_EPRINT)
		fuzz_fail("stamp_template_load: %d (%s)", rc, d->msg);
	if (!fuzz_starts(d->msg, path) || d->msg[pl] != ':' || !d->msg[pl + 1])
		fuzz_fail("a message that does not name the file: %s", d->msg);
	char *end;
	unsigned long line = strtoul(d->msg + pl + 1, &end, 10);
	if (end != d->msg + pl + 1 && *end == ':' && (line == 0 || line > lines))
		fuzz_fail("line %lu of a file of %zu lines: %s", line, lines, d->msg);
}

static void mm(const char *name, double v, double lo, double hi)
{
	if (!(v >= lo && v <= hi))
		fuzz_fail("%s = %g, outside %g..%g", name, v, lo, hi);
}

static void check_template(const stamp_template *t)
{
	stamp_label_box b;
	double x, y;

	if (strnlen(t->name, sizeof t->name) == sizeof t->name || !t->name[0] ||
	    strnlen(t->desc, sizeof t->desc) == sizeof t->desc)
		fuzz_fail("name or description does not fit");
	mm("page width", t->page_w, 20, 1200);
	mm("page height", t->page_h, 20, 1200);
	mm("label_width", t->label_w, 5, 1000);
	mm("label_height", t->label_h, 5, 1000);
	mm("margin_left", t->margin_left, 0, 1000);
	mm("margin_top", t->margin_top, 0, 1000);
	mm("gap_x", t->gap_x, 0, 100);
	mm("gap_y", t->gap_y, 0, 100);
	mm("qr_size", t->qr, 5, 500);
	mm("padding", t->padding, 0, 50);
	if (t->columns < 1 || t->columns > 100 || t->rows < 1 || t->rows > 100)
		fuzz_fail("%d columns, %d rows", t->columns, t->rows);
	if (t->text != STAMP_TEXT_AUTO && t->text != STAMP_TEXT_RIGHT &&
	    t->text != STAMP_TEXT_BELOW)
		fuzz_fail("text %d", t->text);
	if (stamp_template_check(t, 21, NULL) != 0)
		fuzz_fail("loaded, but fails its own check");
	int per = stamp_template_per_page(t);
	if (per != t->columns * t->rows || stamp_template_pages(t, 1) != 1 ||
	    stamp_template_pages(t, (unsigned long)per + 1) != 2)
		fuzz_fail("labels per page");
	stamp_template_label_at(t, per - 1, &x, &y);
	if (x + t->label_w > t->page_w + SLACK || y + t->label_h > t->page_h + SLACK ||
	    stamp_template_bottom_margin(t) < -SLACK)
		fuzz_fail("the last label runs off the page");
	stamp_template_layout(t, &b);
	if (b.text != STAMP_TEXT_RIGHT && b.text != STAMP_TEXT_BELOW)
		fuzz_fail("layout without a text box");
	if (b.qr_x + b.qr > t->label_w + SLACK || b.qr_y + b.qr > t->label_h + SLACK ||
	    b.text_x + b.text_w > t->label_w + SLACK || b.text_y + b.text_h > t->label_h + SLACK ||
	    b.text_w <= 0 || b.text_h <= 0)
		fuzz_fail("the layout runs out of the label");
	if (b.text == STAMP_TEXT_RIGHT ? b.text_x < b.qr_x + b.qr : b.text_y < b.qr_y + b.qr)
		fuzz_fail("the text box overlaps the QR code");
}

static const char *text_name(int text)
{
	return text == STAMP_TEXT_RIGHT ? "right" : text == STAMP_TEXT_BELOW ? "below" : "auto";
}

static void round_trip(const stamp_template *t)
{
	char *ini = NULL;
	size_t len = 0;
	stamp_template again;
	stamp_diag d = {{0}};
	FILE *f;

	if (!(f = open_memstream(&ini, &len)))
		fuzz_fail("open_memstream");
	/* key=value, no blanks: a value may start with ';' (inih: a comment after a blank) */
	fprintf(f, "[template]\nname=%s\ndescription=%s\npage=%.17gx%.17g\n", t->name, t->desc,
		t->page_w, t->page_h);
	fprintf(f, "label_width=%.17g\nlabel_height=%.17g\ncolumns=%d\nrows=%d\n", t->label_w,
		t->label_h, t->columns, t->rows);
	fprintf(f, "margin_left=%.17g\nmargin_top=%.17g\ngap_x=%.17g\ngap_y=%.17g\n",
		t->margin_left, t->margin_top, t->gap_x, t->gap_y);
	fprintf(f, "qr_size=%.17g\npadding=%.17g\ntext=%s\n", t->qr, t->padding,
		text_name(t->text));
	fclose(f);
	const char *path = fuzz_file("again.ini", (const uint8_t *)ini, len, 0644);
	memset(&again, 0, sizeof again); /* padding as in t */
	if (stamp_template_load(path, &again, &d) != 0)
		fuzz_fail("the template written out is refused: %s\n%s", d.msg, ini);
	free(ini);
	/* the strings up to their NUL (a name set twice keeps the longer one's tail) */
	size_t geometry = offsetof(stamp_template, page_w);
	if (strcmp(t->name, again.name) != 0 || strcmp(t->desc, again.desc) != 0 ||
	    memcmp((const char *)t + geometry, (const char *)&again + geometry,
		   sizeof again - geometry) != 0)
		fuzz_fail("the template written out loads to another");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file("fuzz.ini", data, size, 0644);
	stamp_template t;
	stamp_diag d = {{0}};

	memset(&t, 0, sizeof t);
	int rc = stamp_template_load(path, &t, &d);
	fuzz_result = rc;
	if (rc != 0) {
		check_refusal(rc, &d, path, ini_lines(data, size));
		return 0;
	}
	check_template(&t);
	round_trip(&t);
	return 0;
}
