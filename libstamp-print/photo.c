/*
 * photo.c - reading stamp codes back out of PNG images (libpng + libzbar).
 *
 * This module owns the way back from pixels to text, for `stampgen verify
 * IMAGE.png` and for the tests that prove a rendered stamp scans. Whatever the
 * PNG holds (palette, grey, RGB, alpha, 1 to 16 bits, interlaced) becomes one
 * 8-bit grey plane, transparent parts composited on white as on paper, and
 * only the QR decoder of zbar runs: the others are slower and give false hits
 * on label artwork. The image is bounded before any pixel is allocated, since
 * the file comes from outside.
 */
#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zbar.h>

#include "internal.h"
#include "pngfile.h"
#include "stamp/photo.h"

#define SIDE_MAX 20000
#define PIXELS_MAX (100u * 1000 * 1000)

struct grey {
	uint8_t *px;
	unsigned w, h;
};

/* Grey + alpha pairs to grey over white, in place (the output never overtakes the input). */
static void composite_on_white(uint8_t *p, size_t npx)
{
	for (size_t i = 0; i < npx; i++) {
		unsigned g = p[2 * i], a = p[2 * i + 1];
		p[i] = (uint8_t)((g * a + 255u * (255u - a) + 127u) / 255u);
	}
}

/*
 * Everything that may longjmp lives here. The buffers it allocates are
 * handed back through *out (volatile-free: written only after the last
 * libpng call that can fail) or freed by the caller through `rows`/`buf`.
 */
static int read_grey(FILE *fp, stamp_png_err *c, uint8_t **buf, png_bytep **rows, struct grey *out)
{
	png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, c, stamp_png_on_error,
						 stamp_png_on_warning);
	if (!png)
		return stamp_diag_set(c->diag, ENOMEM, "%s: out of memory", c->path);
	png_infop info = png_create_info_struct(png);
	if (!info) {
		png_destroy_read_struct(&png, NULL, NULL);
		return stamp_diag_set(c->diag, ENOMEM, "%s: out of memory", c->path);
	}
	if (setjmp(c->jmp)) {
		png_destroy_read_struct(&png, &info, NULL);
		return STAMP_EIMAGE;
	}
	png_init_io(png, fp);
	png_set_sig_bytes(png, 8);
	stamp_png_read_limits(png, SIDE_MAX);
	png_read_info(png, info);

	png_uint_32 w, h;
	int depth, type, interlace;
	png_get_IHDR(png, info, &w, &h, &depth, &type, &interlace, NULL, NULL);
	if (w > SIDE_MAX || h > SIDE_MAX || (uint64_t)w * h > PIXELS_MAX) {
		png_destroy_read_struct(&png, &info, NULL);
		return stamp_diag_set(c->diag, STAMP_EIMAGE,
				      "%s: image is %lux%lu pixels (at most %d per side and %u "
				      "in all)",
				      c->path, (unsigned long)w, (unsigned long)h, SIDE_MAX,
				      PIXELS_MAX);
	}

	if (type == PNG_COLOR_TYPE_PALETTE)
		png_set_palette_to_rgb(png);
	if (type == PNG_COLOR_TYPE_GRAY && depth < 8)
		png_set_expand_gray_1_2_4_to_8(png);
	if (png_get_valid(png, info, PNG_INFO_tRNS))
		png_set_tRNS_to_alpha(png);
	if (depth == 16)
		png_set_strip_16(png);
	if (type & PNG_COLOR_MASK_COLOR)
		png_set_rgb_to_gray(png, PNG_ERROR_ACTION_NONE, PNG_RGB_TO_GRAY_DEFAULT,
				    PNG_RGB_TO_GRAY_DEFAULT);
	if (interlace != PNG_INTERLACE_NONE)
		png_set_interlace_handling(png);
	png_read_update_info(png, info);

	unsigned ch = png_get_channels(png, info);
	size_t rowbytes = png_get_rowbytes(png, info);
	if (png_get_bit_depth(png, info) != 8 || (ch != 1 && ch != 2) ||
	    rowbytes != (size_t)w * ch) {
		png_destroy_read_struct(&png, &info, NULL);
		return stamp_diag_set(c->diag, STAMP_EIMAGE, "%s: unsupported PNG layout", c->path);
	}
	*buf = malloc(rowbytes * h);
	*rows = malloc(sizeof **rows * h);
	if (!*buf || !*rows) {
		png_destroy_read_struct(&png, &info, NULL);
		return stamp_diag_set(c->diag, ENOMEM, "%s: out of memory for %lux%lu pixels",
				      c->path, (unsigned long)w, (unsigned long)h);
	}
	for (png_uint_32 y = 0; y < h; y++)
		(*rows)[y] = *buf + (size_t)y * rowbytes;
	png_read_image(png, *rows);
	png_read_end(png, NULL);
	png_destroy_read_struct(&png, &info, NULL);

	if (ch == 2)
		composite_on_white(*buf, (size_t)w * h);
	out->px = *buf;
	out->w = w;
	out->h = h;
	return 0;
}

static int scan_grey(const struct grey *g, stamp_photo_cb cb, void *ctx, const char *path,
		     stamp_diag *diag)
{
	int rc = 0;
	zbar_image_scanner_t *sc = zbar_image_scanner_create();
	zbar_image_t *img = zbar_image_create();
	if (!sc || !img) {
		rc = stamp_diag_set(diag, ENOMEM, "%s: out of memory", path);
		goto leave;
	}
	zbar_image_scanner_set_config(sc, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
	zbar_image_scanner_set_config(sc, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
	/* raw bytes: zbar would otherwise guess a character set and re-encode */
	zbar_image_scanner_set_config(sc, ZBAR_QRCODE, ZBAR_CFG_BINARY, 1);
	zbar_image_set_format(img, zbar_fourcc('Y', '8', '0', '0'));
	zbar_image_set_size(img, g->w, g->h);
	zbar_image_set_data(img, g->px, (unsigned long)g->w * g->h, NULL);

	int n = zbar_scan_image(sc, img);
	if (n < 0) {
		rc = stamp_diag_set(diag, STAMP_EIMAGE, "%s: the QR decoder failed", path);
		goto leave;
	}
	int found = 0;
	for (const zbar_symbol_t *s = zbar_image_first_symbol(img); s; s = zbar_symbol_next(s)) {
		if (zbar_symbol_get_type(s) != ZBAR_QRCODE)
			continue;
		found++;
		if (cb)
			rc = cb(zbar_symbol_get_data(s), zbar_symbol_get_data_length(s), ctx);
		if (rc)
			goto leave;
	}
	if (!found)
		rc = stamp_diag_set(diag, STAMP_ENOCODE, "%s: no QR code found in a %ux%u image",
				    path, g->w, g->h);
leave:
	if (img)
		zbar_image_destroy(img); /* the pixels are ours: no cleanup handler was set */
	if (sc)
		zbar_image_scanner_destroy(sc);
	return rc;
}

int stamp_photo_scan(const char *path, stamp_photo_cb cb, void *ctx, stamp_diag *diag)
{
	uint8_t *buf = NULL;
	png_bytep *rows = NULL;
	struct grey g = {0};
	int rc;

	FILE *fp = fopen(path, "rb");
	if (!fp) {
		rc = errno;
		return stamp_diag_set(diag, STAMP_EIMAGE, "%s: %s", path, strerror(rc));
	}
	uint8_t sig[8];
	if (fread(sig, 1, sizeof sig, fp) != sizeof sig || png_sig_cmp(sig, 0, sizeof sig)) {
		rc = stamp_diag_set(diag, STAMP_EIMAGE, "%s: not a PNG file", path);
		goto leave;
	}
	stamp_png_err c = {.diag = diag, .path = path, .err = STAMP_EIMAGE};
	rc = read_grey(fp, &c, &buf, &rows, &g);
	if (rc)
		goto leave;
	free(rows);
	rows = NULL;
	rc = scan_grey(&g, cb, ctx, path, diag);
leave:
	free(rows);
	free(buf);
	fclose(fp); /* read-only: nothing to lose */
	return rc;
}
