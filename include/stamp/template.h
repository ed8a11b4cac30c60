/*
 * template.h - label templates: where on a page each stamp label goes.
 *
 * A template is a grid of equal labels on a page (A4 sticker sheets), or a
 * single label per page (roll printers). Every length is in millimetres.
 * Built-in presets cover the common A4 sheets; a custom template is a small
 * INI file (docs/printing.md, samples/templates/). Inside a label the QR
 * symbol, quiet zone included, sits `padding` from the top-left corner and
 * the text goes to its right or under it, never into the quiet zone.
 *
 * Print gate: a template whose QR module would print under 0.375 mm for the
 * batch's symbol, or whose label cannot hold the symbol with its quiet zone
 * and some text, is refused with STAMP_EPRINT.
 */
#ifndef STAMP_TEMPLATE_H
#define STAMP_TEMPLATE_H

#include <stddef.h>

#include "error.h"

#define STAMP_TEMPLATE_NAME_MAX 63
#define STAMP_TEMPLATE_DESC_MAX 127

enum {
	STAMP_TEXT_AUTO = 0, /* the side with the larger text box */
	STAMP_TEXT_RIGHT = 1,
	STAMP_TEXT_BELOW = 2,
};

typedef struct stamp_template {
	char name[STAMP_TEMPLATE_NAME_MAX + 1];
	char desc[STAMP_TEMPLATE_DESC_MAX + 1];
	double page_w, page_h;		/* page size */
	double label_w, label_h;	/* one label */
	int columns, rows;		/* labels per row, rows per page */
	double margin_left, margin_top; /* page corner to the first label */
	double gap_x, gap_y;		/* between columns, between rows */
	double qr;			/* QR side including its 4-module quiet zone */
	double padding;			/* label edge to the QR and to the text */
	int text;			/* STAMP_TEXT_* */
} stamp_template;

/* Where things go inside one label, from the label's top-left corner. */
typedef struct stamp_label_box {
	double qr_x, qr_y, qr;		       /* the symbol with its quiet zone */
	double text_x, text_y, text_w, text_h; /* the text block */
	int text;			       /* STAMP_TEXT_RIGHT or _BELOW */
} stamp_label_box;

/* The built-in presets, in listing order; i past the end gives NULL. */
const stamp_template *stamp_template_preset(size_t i);

/*
 * A preset by name, else a template file at that path. STAMP_ENOTFOUND (diag
 * lists the presets) when it is neither; file errors as stamp_template_load.
 */
int stamp_template_find(const char *name_or_path, stamp_template *out, stamp_diag *diag) STAMP_WUR;

/*
 * Parse a template file. STAMP_EINPUT with "FILE:LINE: key: rule" for a bad
 * value, an unknown key or a missing one; geometry is checked as by
 * stamp_template_check with the smallest symbol. The name defaults to the
 * file's base name.
 */
int stamp_template_load(const char *path, stamp_template *out, stamp_diag *diag) STAMP_WUR;

/*
 * Geometry and print gate for a symbol `modules` wide (without the quiet
 * zone): labels fit the page, the label holds the symbol with its quiet zone
 * and a text box, and one module is at least STAMP_MODULE_MIN_UM. STAMP_EINPUT
 * for a grid that does not fit its page, STAMP_EPRINT for the print gate.
 */
int stamp_template_check(const stamp_template *t, int modules, stamp_diag *diag) STAMP_WUR;

/* The label box of a checked template. */
void stamp_template_layout(const stamp_template *t, stamp_label_box *out);

/* Labels per page, and pages for count labels. */
int stamp_template_per_page(const stamp_template *t);
unsigned long stamp_template_pages(const stamp_template *t, unsigned long count);

/* Top-left corner of the label at index (0 ... per_page - 1) on its page. */
void stamp_template_label_at(const stamp_template *t, int index, double *x, double *y);

/* Space under the last row of labels (for a page footer). */
double stamp_template_bottom_margin(const stamp_template *t);

#endif
