/*
 * pngfile.h - the print library's one PNG file writer (libpng), for the 1-bit
 * per-stamp images (render.c) and the 8-bit sheet pages (sheet.c); private,
 * never installed. Also the error handlers that photo.c's reader shares.
 */
#ifndef STAMP_PNGFILE_H
#define STAMP_PNGFILE_H

#include <png.h>
#include <setjmp.h>
#include <stdint.h>

#include "stamp/error.h"

/* Row y (0 ... height - 1), packed for the bit depth; valid until the next call. */
typedef const uint8_t *(*stamp_png_row_fn)(void *ctx, uint32_t y);

typedef struct stamp_png_spec {
	uint32_t width, height;
	int depth;    /* grey bits per pixel: 1 or 8 */
	unsigned dpi; /* written as pHYs */
	int level;    /* zlib level */
	int filters;  /* PNG_FILTER_* bits */
	stamp_png_row_fn row;
	void *ctx;
} stamp_png_spec;

/*
 * Write a greyscale PNG at path (created or truncated): pHYs and nothing
 * else beside the pixels (no time, no text), so equal input gives equal
 * bytes. A failed write removes the file: a printer never picks up a
 * truncated image.
 */
int stamp_png_file(const char *path, const stamp_png_spec *spec, stamp_diag *diag);

/*
 * libpng's error and warning functions, for png_create_*_struct with a
 * stamp_png_err as the error pointer: an error sets diag (err, the path and
 * libpng's words) and longjmps to jmp; warnings are dropped.
 */
typedef struct stamp_png_err {
	stamp_diag *diag;
	const char *path;
	int err; /* EIO writing; STAMP_EIMAGE reading someone's image */
	jmp_buf jmp;
} stamp_png_err;
void stamp_png_on_error(png_structp png, png_const_charp msg);
void stamp_png_on_warning(png_structp png, png_const_charp msg);

/*
 * The limits every PNG read from outside gets: at most side pixels a side,
 * chunks of at most 8 MB, and every ancillary chunk but tRNS skipped unread:
 * libpng only warns about a chunk over the limit (a benign error) and then
 * allocates it, so a 60-byte file could claim a 2 GB zTXt
 * (tests/fuzz/crashes/photo).
 */
void stamp_png_read_limits(png_structp png, uint32_t side);

#endif
