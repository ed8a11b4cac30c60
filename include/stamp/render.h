/*
 * render.h - QR symbols of stamp codes, and 1-bit PNG images of them.
 *
 * The symbol is always ECC level M at the smallest version that holds the
 * text (libqrencode chooses alphanumeric mode for upper-case codes). A PNG is
 * a pure function of (text, size, dpi): no time chunk, fixed compression, so
 * a batch renders byte-identically every time.
 *
 * Print gate: a module printed smaller than STAMP_MODULE_MIN_UM (0.375 mm) is
 * refused with STAMP_EPRINT: cheap label printers and phone cameras lose it.
 */
#ifndef STAMP_RENDER_H
#define STAMP_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "issue.h"
#include "registry.h"

#define STAMP_QUIET_MODULES 4
#define STAMP_MODULE_MIN_UM 375

typedef struct stamp_qr {
	int version;   /* 1 ... 40 */
	int width;     /* modules per side, without the quiet zone */
	uint8_t *dark; /* width * width bytes, row-major, 1 = dark module */
} stamp_qr;

/* Encode text at ECC M. STAMP_EINPUT if it does not fit any version. */
int stamp_qr_encode(const char *text, stamp_qr **out) STAMP_WUR;
void stamp_qr_free(stamp_qr *qr);

/*
 * Pixels per module for a symbol of `width` modules printed `size_01mm`
 * tenths of a millimetre wide (quiet zone included) at `dpi`: the largest
 * whole number of pixels that does not exceed the requested size (at least 1).
 * STAMP_EPRINT (diag: the module size reached and the minimum) when one
 * module would print under 0.375 mm.
 */
int stamp_png_geometry(int width, unsigned size_01mm, unsigned dpi, unsigned *px_per_module,
		       stamp_diag *diag) STAMP_WUR;

/*
 * Write qr as a 1-bit grayscale PNG with a 4-module quiet zone, px_per_module
 * pixels per module, and a pHYs chunk saying dpi. The file is created (or
 * truncated) at path.
 */
int stamp_png_write(const stamp_qr *qr, unsigned px_per_module, unsigned dpi, const char *path,
		    stamp_diag *diag) STAMP_WUR;

/*
 * Modules per side of the symbols of batch b (all its codes have one
 * length, so the first code's symbol stands for every one): what the print
 * gates of stamp_png_geometry and stamp_template_check are given.
 */
int stamp_batch_symbol(const stamp_batch *b, int *modules, stamp_diag *diag) STAMP_WUR;

/*
 * Issuance's sink for one PNG per stamp (NNNNNNNNNN.png) at the batch's size
 * and dpi, refusing at check time a batch whose modules would print under
 * 0.375 mm. Static; never NULL.
 */
const stamp_issue_sink *stamp_png_sink(void);

#endif
