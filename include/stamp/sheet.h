/*
 * sheet.h - print-ready sheets of a stored batch: one vector PDF at true
 * size, or one PNG per page, on a label template (template.h).
 *
 * Each label carries the stamp's QR symbol (vector rectangles, 4-module quiet
 * zone), the serial, the product's short name and its OCOP stars, and
 * optionally the cooperative's name. Text is DejaVu Sans, NFC, shrunk and
 * then wrapped to fit its box, never clipped. Pages are drawn and written one
 * at a time, so memory does not grow with the batch.
 *
 * A sheet is a pure function of the store and the template: the PDF's dates
 * are the batch's creation time, PNGs carry no time, so the same batch gives
 * the same bytes every time.
 */
#ifndef STAMP_SHEET_H
#define STAMP_SHEET_H

#include <stdint.h>

#include "error.h"
#include "issue.h"
#include "store.h"
#include "template.h"

#define STAMP_SHEET_DPI_DEFAULT 300
#define STAMP_SHEET_DPI_MIN 72
#define STAMP_SHEET_DPI_MAX 1200

typedef struct stamp_sheet_opts {
	int png;		    /* 0: one PDF file at out; 1: a folder out of PNG pages */
	unsigned dpi;		    /* PNG pages; 0 = STAMP_SHEET_DPI_DEFAULT */
	int cut_marks;		    /* short marks in the margins and gaps at label edges */
	int coop_name;		    /* the cooperative's name as a last text line */
	int footer;		    /* "batch, lot, page i/n" under the labels */
	stamp_progress_cb progress; /* may be NULL; labels done / total */
	void *progress_ctx;
} stamp_sheet_opts;

/*
 * Render stored batch batch_id on template t into out: a PDF file, or (png)
 * a folder of page-0001.png ... (8-bit grey, pHYs = dpi). out must not exist;
 * the file or folder appears only when complete. STAMP_ENOTFOUND for an
 * unknown batch; STAMP_EPRINT (print gate) when the template cannot print
 * the batch's symbol or its text; STAMP_EINPUT for a footer that has no room.
 */
int stamp_sheet_render(stamp_store *st, uint32_t batch_id, const stamp_template *t,
		       const stamp_sheet_opts *o, const char *out, stamp_diag *diag) STAMP_WUR;

/*
 * One label of batch b, not stored (p and c its product and cooperative),
 * drawn as on a sheet of template t, for serial b->first_serial signed sig:
 * an 8-bit grey PNG of the label's size at dpi (0 = the default) written to
 * path. For a preview with a sample code; the print gate and the text
 * fitting are the sheet's own (STAMP_EPRINT as stamp_sheet_render).
 */
int stamp_sheet_label_png(const stamp_template *t, const stamp_batch *b, const stamp_product *p,
			  const stamp_coop *c, const uint8_t sig[STAMP_SIG_BYTES], unsigned dpi,
			  const char *path, stamp_diag *diag) STAMP_WUR;

/*
 * Free the font caches that cairo and fontconfig keep for the whole process
 * (a leak checker reports them otherwise). Call once, at exit, when no sheet
 * is being rendered; rendering afterwards still works but loads them again.
 */
void stamp_sheet_release(void);

#endif
