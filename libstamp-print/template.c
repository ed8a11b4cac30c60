/*
 * template.c - label templates: the built-in sheets, the template file
 * parser, the geometry inside a label, and the print gate.
 *
 * Cooperatives buy whatever A4 sticker sheets the stationer sells, so the
 * common ones are built in and any other is a few lines of INI. The geometry
 * lives here, apart from the cairo drawing in sheet.c, so that it can be
 * checked (and tested) before any page is drawn: a template that would print
 * a code too small to scan, or a grid that runs off its page, is refused
 * while nothing has been written yet.
 */
#define _GNU_SOURCE
#include <errno.h>
#include "stamp/ini.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "internal.h"
#include "stamp/render.h"
#include "stamp/template.h"

#define EPS 1e-6
#define TEXT_GAP 0.5   /* mm between the quiet zone and the text */
#define MIN_TEXT_W 8.0 /* mm: the serial at the smallest font size */
#define MIN_TEXT_H 5.0 /* mm: three lines at the smallest font size */

static const stamp_template presets[] = {
	{.name = "a4-3x8",
	 .desc = "A4, 3 x 8 labels of 70 x 37 mm, no side margins",
	 .page_w = 210,
	 .page_h = 297,
	 .label_w = 70,
	 .label_h = 37,
	 .columns = 3,
	 .rows = 8,
	 .margin_left = 0,
	 .margin_top = 0.5,
	 .qr = 28,
	 .padding = 3},
	{.name = "a4-4x10",
	 .desc = "A4, 4 x 10 labels of 48.5 x 25.4 mm",
	 .page_w = 210,
	 .page_h = 297,
	 .label_w = 48.5,
	 .label_h = 25.4,
	 .columns = 4,
	 .rows = 10,
	 .margin_left = 8,
	 .margin_top = 21.5,
	 .qr = 22,
	 .padding = 1.2},
	{.name = "a4-5x13",
	 .desc = "A4, 5 x 13 labels of 38 x 21.2 mm",
	 .page_w = 210,
	 .page_h = 297,
	 .label_w = 38,
	 .label_h = 21.2,
	 .columns = 5,
	 .rows = 13,
	 .margin_left = 10,
	 .margin_top = 10.7,
	 .qr = 20,
	 .padding = 0.6},
	{.name = "roll-50x30",
	 .desc = "label printer roll, one 50 x 30 mm label per page",
	 .page_w = 50,
	 .page_h = 30,
	 .label_w = 50,
	 .label_h = 30,
	 .columns = 1,
	 .rows = 1,
	 .qr = 26,
	 .padding = 2},
};

const stamp_template *stamp_template_preset(size_t i)
{
	return i < sizeof presets / sizeof presets[0] ? &presets[i] : NULL;
}

int stamp_template_per_page(const stamp_template *t)
{
	return t->columns * t->rows;
}

unsigned long stamp_template_pages(const stamp_template *t, unsigned long count)
{
	unsigned long per = (unsigned long)stamp_template_per_page(t);
	return count == 0 ? 0 : (count + per - 1) / per;
}

void stamp_template_label_at(const stamp_template *t, int index, double *x, double *y)
{
	int col = index % t->columns, row = index / t->columns;
	*x = t->margin_left + col * (t->label_w + t->gap_x);
	*y = t->margin_top + row * (t->label_h + t->gap_y);
}

double stamp_template_bottom_margin(const stamp_template *t)
{
	return t->page_h - t->margin_top - t->rows * t->label_h - (t->rows - 1) * t->gap_y;
}

/* The two candidate text boxes; returns the chosen kind or 0 if none fits. */
static int text_box(const stamp_template *t, stamp_label_box *b)
{
	double rw = t->label_w - 2 * t->padding - t->qr - TEXT_GAP;
	double rh = t->label_h - 2 * t->padding;
	double bw = t->label_w - 2 * t->padding;
	double bh = t->label_h - 2 * t->padding - t->qr - TEXT_GAP;
	int right_ok = rw >= MIN_TEXT_W - EPS && rh >= MIN_TEXT_H - EPS;
	int below_ok = bw >= MIN_TEXT_W - EPS && bh >= MIN_TEXT_H - EPS;
	int kind = t->text;

	if (kind == STAMP_TEXT_AUTO) {
		if (right_ok && below_ok)
			kind = rw * rh >= bw * bh ? STAMP_TEXT_RIGHT : STAMP_TEXT_BELOW;
		else
			kind = right_ok ? STAMP_TEXT_RIGHT : below_ok ? STAMP_TEXT_BELOW : 0;
	} else if ((kind == STAMP_TEXT_RIGHT && !right_ok) ||
		   (kind == STAMP_TEXT_BELOW && !below_ok)) {
		kind = 0;
	}
	b->qr_x = t->padding;
	b->qr_y = t->padding;
	b->qr = t->qr;
	b->text = kind;
	if (kind == STAMP_TEXT_BELOW) {
		b->text_x = t->padding;
		b->text_y = t->padding + t->qr + TEXT_GAP;
		b->text_w = bw;
		b->text_h = bh;
	} else {
		b->text_x = t->padding + t->qr + TEXT_GAP;
		b->text_y = t->padding;
		b->text_w = rw;
		b->text_h = rh;
	}
	return kind;
}

void stamp_template_layout(const stamp_template *t, stamp_label_box *out)
{
	text_box(t, out);
}

static int check_grid(const stamp_template *t, stamp_diag *diag)
{
	double w = t->margin_left + t->columns * t->label_w + (t->columns - 1) * t->gap_x;
	double h = t->margin_top + t->rows * t->label_h + (t->rows - 1) * t->gap_y;

	if (w > t->page_w + 0.01)
		return stamp_diag_set(diag, STAMP_EINPUT,
				      "template %s: %d columns of %.2f mm with margin %.2f mm and "
				      "gap %.2f mm need %.2f mm, the page is %.2f mm wide",
				      t->name, t->columns, t->label_w, t->margin_left, t->gap_x, w,
				      t->page_w);
	if (h > t->page_h + 0.01)
		return stamp_diag_set(diag, STAMP_EINPUT,
				      "template %s: %d rows of %.2f mm with margin %.2f mm and "
				      "gap %.2f mm need %.2f mm, the page is %.2f mm high",
				      t->name, t->rows, t->label_h, t->margin_top, t->gap_y, h,
				      t->page_h);
	return 0;
}

int stamp_template_check(const stamp_template *t, int modules, stamp_diag *diag)
{
	stamp_label_box b;
	int rc;

	if (t->columns < 1 || t->rows < 1 || !(t->qr > 0) || !(t->label_w > 0) || !(t->label_h > 0))
		return stamp_diag_set(diag, STAMP_EINPUT, "template %s: incomplete", t->name);
	if ((rc = check_grid(t, diag)))
		return rc;
	if (t->qr + 2 * t->padding > t->label_w + EPS || t->qr + 2 * t->padding > t->label_h + EPS)
		return stamp_diag_set(
			diag, STAMP_EPRINT,
			"template %s: a %.2f x %.2f mm label cannot hold a %.2f mm QR "
			"code (quiet zone included) with %.2f mm padding",
			t->name, t->label_w, t->label_h, t->qr, t->padding);
	double module = t->qr / (modules + 2 * STAMP_QUIET_MODULES);
	if (module * 1000 < STAMP_MODULE_MIN_UM - EPS)
		return stamp_diag_set(diag, STAMP_EPRINT,
				      "template %s: a %.2f mm QR code of %d modules (quiet zone "
				      "included) prints modules of %.3f mm, under the minimum of "
				      "%.3f mm; use a template with a larger qr_size",
				      t->name, t->qr, modules + 2 * STAMP_QUIET_MODULES, module,
				      STAMP_MODULE_MIN_UM / 1000.0);
	if (!text_box(t, &b))
		return stamp_diag_set(diag, STAMP_EPRINT,
				      "template %s: no room for the serial and product name beside "
				      "or under the QR code (needs %.0f x %.0f mm)",
				      t->name, MIN_TEXT_W, MIN_TEXT_H);
	return 0;
}

/* ---- template files ---- */

typedef struct parse_ctx {
	stamp_template t;
	int seen_left, seen_top, seen_page;
	unsigned have; /* bit per required key */
	int err;       /* first error; inih reports its line */
	stamp_diag diag;
} parse_ctx;

enum { REQ_LABEL_W = 1, REQ_LABEL_H = 2, REQ_COLUMNS = 4, REQ_ROWS = 8, REQ_QR = 16 };

/* A decimal number of millimetres in [min, max], nothing after it. */
static int parse_mm(const char *s, double min, double max, double *out)
{
	char *end;
	if (!*s || strchr(s, 'x') || strchr(s, 'X'))
		return -1;
	errno = 0;
	double v = strtod(s, &end);
	while (*end == ' ')
		end++;
	if (end[0] == 'm' && end[1] == 'm')
		end += 2;
	if (errno || *end || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_int(const char *s, int min, int max, int *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

static int parse_page(const char *s, stamp_template *t)
{
	static const struct {
		const char *name;
		double w, h;
	} sizes[] = {
		{"A4", 210, 297}, {"A5", 148, 210}, {"A6", 105, 148}, {"Letter", 215.9, 279.4}};
	char w[32], h[32];

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		if (strcasecmp(s, sizes[i].name) == 0) {
			t->page_w = sizes[i].w;
			t->page_h = sizes[i].h;
			return 0;
		}
	}
	const char *x = strchr(s, 'x');
	if (!x || (size_t)(x - s) >= sizeof w || strlen(x + 1) >= sizeof h)
		return -1;
	memcpy(w, s, (size_t)(x - s));
	w[x - s] = '\0';
	strcpy(h, x + 1);
	return parse_mm(w, 20, 1200, &t->page_w) || parse_mm(h, 20, 1200, &t->page_h) ? -1 : 0;
}

static int bad(parse_ctx *p, const char *key, const char *value, const char *rule)
{
	if (!p->err)
		p->err = stamp_diag_set(&p->diag, STAMP_EINPUT, "%s: %s, got \"%s\"", key, rule,
					value);
	return 0; /* inih records the line of the first error */
}

static int on_key(void *user, const char *section, const char *key, const char *value)
{
	parse_ctx *p = user;
	stamp_template *t = &p->t;
	static const struct {
		const char *key;
		size_t off;
		double min, max;
		unsigned req;
	} mm[] = {
		{"label_width", offsetof(stamp_template, label_w), 5, 1000, REQ_LABEL_W},
		{"label_height", offsetof(stamp_template, label_h), 5, 1000, REQ_LABEL_H},
		{"margin_left", offsetof(stamp_template, margin_left), 0, 1000, 0},
		{"margin_top", offsetof(stamp_template, margin_top), 0, 1000, 0},
		{"gap_x", offsetof(stamp_template, gap_x), 0, 100, 0},
		{"gap_y", offsetof(stamp_template, gap_y), 0, 100, 0},
		{"qr_size", offsetof(stamp_template, qr), 5, 500, REQ_QR},
		{"padding", offsetof(stamp_template, padding), 0, 50, 0},
	};

	if (*section && strcmp(section, "template") != 0) {
		if (!p->err)
			p->err = stamp_diag_set(&p->diag, STAMP_EINPUT,
						"[%s]: unknown section; expected [template]",
						section);
		return 0;
	}
	for (size_t i = 0; i < sizeof mm / sizeof mm[0]; i++) {
		if (strcmp(key, mm[i].key) != 0)
			continue;
		char rule[64];
		snprintf(rule, sizeof rule, "expected millimetres from %g to %g", mm[i].min,
			 mm[i].max);
		if (parse_mm(value, mm[i].min, mm[i].max, (double *)((char *)t + mm[i].off)))
			return bad(p, key, value, rule);
		p->have |= mm[i].req;
		p->seen_left |= strcmp(key, "margin_left") == 0;
		p->seen_top |= strcmp(key, "margin_top") == 0;
		return 1;
	}
	if (strcmp(key, "columns") == 0 || strcmp(key, "rows") == 0) {
		int *dst = key[0] == 'c' ? &t->columns : &t->rows;
		if (parse_int(value, 1, 100, dst))
			return bad(p, key, value, "expected a whole number from 1 to 100");
		p->have |= key[0] == 'c' ? REQ_COLUMNS : REQ_ROWS;
		return 1;
	}
	if (strcmp(key, "page") == 0) {
		if (parse_page(value, t))
			return bad(p, key, value,
				   "expected A4, A5, A6, Letter or WIDTHxHEIGHT in millimetres");
		p->seen_page = 1;
		return 1;
	}
	if (strcmp(key, "text") == 0) {
		if (strcmp(value, "auto") == 0)
			t->text = STAMP_TEXT_AUTO;
		else if (strcmp(value, "right") == 0)
			t->text = STAMP_TEXT_RIGHT;
		else if (strcmp(value, "below") == 0)
			t->text = STAMP_TEXT_BELOW;
		else
			return bad(p, key, value, "expected auto, right or below");
		return 1;
	}
	if (strcmp(key, "name") == 0 || strcmp(key, "description") == 0) {
		char *dst = key[0] == 'n' ? t->name : t->desc;
		size_t cap = key[0] == 'n' ? sizeof t->name : sizeof t->desc;
		if (strlen(value) >= cap)
			return bad(p, key, value, "too long");
		strcpy(dst, value);
		return 1;
	}
	return bad(p, key, value,
		   "unknown key (page, label_width, label_height, columns, rows, margin_left, "
		   "margin_top, gap_x, gap_y, qr_size, padding, text, name, description)");
}

int stamp_template_load(const char *path, stamp_template *out, stamp_diag *diag)
{
	static const char *const req_names[] = {"label_width", "label_height", "columns", "rows",
						"qr_size"};
	parse_ctx *p = calloc(1, sizeof *p);
	int rc = 0;

	if (!p)
		return ENOMEM;
	p->t.page_w = 210;
	p->t.page_h = 297;
	p->t.padding = 1.5;
	int line;
	rc = stamp_ini_parse(path, NULL, on_key, p, &line, diag);
	if (rc == STAMP_EINPUT && p->err)
		stamp_diag_set(diag, rc, "%s:%d: %s", path, line, p->diag.msg);
	if (rc)
		goto leave;
	for (unsigned i = 0; i < 5; i++) {
		if (!(p->have & (1u << i))) {
			rc = stamp_diag_set(diag, STAMP_EINPUT, "%s: %s is missing", path,
					    req_names[i]);
			goto leave;
		}
	}
	stamp_template *t = &p->t;
	if (!t->name[0]) {
		const char *base = strrchr(path, '/');
		base = base ? base + 1 : path;
		size_t n = strcspn(base, ".");
		if (n >= sizeof t->name)
			n = sizeof t->name - 1;
		memcpy(t->name, base, n);
		t->name[n] = '\0';
	}
	/* Unstated margins centre the grid, as most sheets are laid out. */
	if (!p->seen_left)
		t->margin_left =
			(t->page_w - t->columns * t->label_w - (t->columns - 1) * t->gap_x) / 2;
	if (!p->seen_top)
		t->margin_top = (t->page_h - t->rows * t->label_h - (t->rows - 1) * t->gap_y) / 2;
	if (t->margin_left < 0)
		t->margin_left = 0; /* check_grid then says why it does not fit */
	if (t->margin_top < 0)
		t->margin_top = 0;
	/* The smallest symbol (version 1) here; sheet rendering checks the real one. */
	if ((rc = stamp_template_check(t, 21, diag))) {
		char msg[sizeof diag->msg];
		if (diag) {
			snprintf(msg, sizeof msg, "%s", diag->msg);
			stamp_diag_set(diag, rc, "%s: %s", path, msg);
		}
		goto leave;
	}
	*out = *t;
leave:
	free(p);
	return rc;
}

int stamp_template_find(const char *name_or_path, stamp_template *out, stamp_diag *diag)
{
	char names[256] = "";
	size_t used = 0;

	for (size_t i = 0; stamp_template_preset(i); i++) {
		const stamp_template *t = stamp_template_preset(i);
		if (strcmp(t->name, name_or_path) == 0) {
			*out = *t;
			return 0;
		}
		int n = snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "", t->name);
		if (n > 0 && (size_t)n < sizeof names - used)
			used += (size_t)n;
	}
	if (strchr(name_or_path, '/') || strchr(name_or_path, '.') ||
	    access(name_or_path, F_OK) == 0)
		return stamp_template_load(name_or_path, out, diag);
	return stamp_diag_set(diag, STAMP_ENOTFOUND,
			      "template \"%s\": not a built-in template (%s) nor a file",
			      name_or_path, names);
}
