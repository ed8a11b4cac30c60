/*
 * sheet_text.h - fitting a label's text lines into their box; private to
 * sheet.c and its tests, never installed.
 */
#ifndef STAMP_SHEET_TEXT_H
#define STAMP_SHEET_TEXT_H

#include <cairo.h>
#include <stddef.h>

#define STAMP_FIT_ITEMS 4
#define STAMP_FIT_LINES 24
#define STAMP_FIT_MAX_PT 11.0	 /* largest size of the first item */
#define STAMP_FIT_MIN_PT 4.0	 /* smallest size before wrapping beyond 2 lines */
#define STAMP_FIT_ONELINE_PT 6.0 /* below this, wrap rather than shrink further */
#define STAMP_FIT_LAST_PT 1.5	 /* last resort: still never clipped */

typedef struct stamp_fit_item {
	const char *text; /* UTF-8, NFC, single spaces */
	double rel;	  /* size relative to the first item */
	int bold;
	int nowrap; /* always one line (the serial): shrink instead */
} stamp_fit_item;

typedef struct stamp_fit_line {
	int item;
	size_t off, len; /* bytes of item's text on this line */
	int space_after; /* the break replaced one space */
	double size;	 /* font size in user units */
	double width;	 /* measured width in user units */
	double ascent, descent;
} stamp_fit_line;

typedef struct stamp_fit {
	double pt; /* size of the first item, in points */
	int nlines;
	double height; /* of the whole block, user units */
	stamp_fit_line line[STAMP_FIT_LINES];
} stamp_fit;

/* Line spacing added under each line, relative to its size. */
#define STAMP_FIT_LEADING 0.12

/*
 * Choose the largest size at which every item fits w x h (user units;
 * units_per_pt converts points to them): first each item on one line down
 * to STAMP_FIT_ONELINE_PT, then up to two lines each down to
 * STAMP_FIT_MIN_PT, then any number of lines down to STAMP_FIT_LAST_PT.
 * Lines break at spaces, or between characters inside a word too long for a
 * line. Returns 0, or -1 when nothing fits even then. Uses cr's font
 * options; leaves its font face and size changed.
 */
int stamp_sheet_fit(cairo_t *cr, const stamp_fit_item *items, int n, double w, double h,
		    double units_per_pt, stamp_fit *out);

/* Select the font of a line (DejaVu Sans, regular or bold) at size. */
void stamp_sheet_font(cairo_t *cr, int bold, double size);

/* Width of len bytes of s at the current font: the larger of advance and ink. */
double stamp_sheet_measure(cairo_t *cr, const char *s, size_t len);

#endif
