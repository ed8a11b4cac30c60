/*
 * test_photo.c - reading codes back out of PNGs: our own 1-bit renders, and
 * PNGs of other shapes (RGB, grey+alpha, 16-bit, palette, interlaced, scaled)
 * written here with libpng, as a phone or a scanner would save them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <png.h>

#include "stamp/photo.h"
#include "stamp/render.h"

#define TEXT                                                                                       \
	"HTTPS://TEM.THANHHOA-OCOP.GOV.VN/S/"                                                      \
	"QWB5PDKHX6PYGPAN2RLYKEI4IIAANNKKSUMNLMYTBX2KJQEVTAVETWT6UL66LDQBWZB2XYA4CLMHP5WWQ5GXSC3"  \
	"FNVXJVRFTUTLFJT6KDFZCPWQ52JDC7VN"

#include "scratch.h"

struct found {
	int n;
	char text[512];
	int stop;
};

static int collect(const char *text, size_t len, void *ctx)
{
	struct found *f = ctx;
	f->n++;
	assert_true(len < sizeof f->text);
	memcpy(f->text, text, len);
	f->text[len] = '\0';
	return f->stop;
}

static stamp_qr *encode(void)
{
	stamp_qr *qr = NULL;
	assert_int_equal(stamp_qr_encode(TEXT, &qr), 0);
	return qr;
}

static void test_scan_own_render(void **state)
{
	(void)state;
	assert_int_equal(strlen(TEXT), 8 + 24 + 3 + 119);
	stamp_qr *qr = encode();
	char path[128];
	path_in_tmp(path, sizeof path, "own.png");
	unsigned px;
	assert_int_equal(stamp_png_geometry(qr->width, 250, 600, &px, NULL), 0);
	assert_int_equal(stamp_png_write(qr, px, 600, path, NULL), 0);
	stamp_qr_free(qr);

	struct found f = {0};
	stamp_diag d = {{0}};
	int rc = stamp_photo_scan(path, collect, &f, &d);
	if (rc)
		print_error("%s\n", d.msg);
	assert_int_equal(rc, 0);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.text, TEXT);

	/* the callback's value stops the scan and comes back */
	struct found g = {.stop = 42};
	assert_int_equal(stamp_photo_scan(path, collect, &g, NULL), 42);
	assert_int_equal(g.n, 1);
}

/*
 * Write qr as a PNG of the given type and depth, `px` pixels per module,
 * dark modules in `ink` (grey level), optionally semi-transparent light
 * pixels and Adam7 interlacing.
 */
static void write_png(const char *path, const stamp_qr *qr, unsigned px, int type, int depth,
		      int interlace, uint8_t ink)
{
	unsigned side = (unsigned)(qr->width + 8) * px;
	int ch = type == PNG_COLOR_TYPE_RGB	     ? 3
		 : type == PNG_COLOR_TYPE_RGB_ALPHA  ? 4
		 : type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
						     : 1;
	int bpc = depth / 8; /* bytes per channel: 1 or 2 */
	size_t rowbytes = (size_t)side * ch * bpc;
	uint8_t *img = calloc(side, rowbytes);
	png_bytep *rows = calloc(side, sizeof *rows);
	assert_non_null(img);
	assert_non_null(rows);
	for (unsigned y = 0; y < side; y++) {
		rows[y] = img + y * rowbytes;
		for (unsigned x = 0; x < side; x++) {
			int mx = (int)(x / px) - 4, my = (int)(y / px) - 4;
			int dark = mx >= 0 && my >= 0 && mx < qr->width && my < qr->width &&
				   qr->dark[my * qr->width + mx];
			uint8_t v[4];
			if (type == PNG_COLOR_TYPE_PALETTE) {
				v[0] = dark ? 1 : 0; /* palette index */
			} else if (type == PNG_COLOR_TYPE_GRAY_ALPHA) {
				/* light = fully transparent black: only compositing on white reads
				 * it */
				v[0] = dark ? ink : 0;
				v[1] = dark ? 255 : 0;
			} else {
				/* a blue-ish ink on cream paper, as a phone photo of a label */
				v[0] = dark ? ink : 250;
				v[1] = dark ? ink : 245;
				v[2] = dark ? (uint8_t)(ink + 40) : 230;
				v[3] = 255;
			}
			for (int c = 0; c < ch; c++)
				for (int b = 0; b < bpc; b++)
					rows[y][((size_t)x * ch + c) * bpc + b] = v[c];
		}
	}
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png_create_info_struct(png);
	assert_non_null(info);
	if (setjmp(png_jmpbuf(png)))
		fail_msg("libpng could not write %s", path);
	png_init_io(png, fp);
	png_set_IHDR(png, info, side, side, type == PNG_COLOR_TYPE_PALETTE ? 8 : depth, type,
		     interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (type == PNG_COLOR_TYPE_PALETTE) {
		png_color pal[2] = {{255, 255, 255}, {ink, ink, ink}};
		png_set_PLTE(png, info, pal, 2);
	}
	png_write_info(png, info);
	png_write_image(png, rows);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	assert_int_equal(fclose(fp), 0);
	free(rows);
	free(img);
}

static void test_scan_other_formats(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int type, depth, interlace;
		unsigned px;
	} t[] = {
		{"rgb8.png", PNG_COLOR_TYPE_RGB, 8, 0, 4},
		{"rgba8.png", PNG_COLOR_TYPE_RGB_ALPHA, 8, 0, 3},
		{"ga8.png", PNG_COLOR_TYPE_GRAY_ALPHA, 8, 0, 4},
		{"rgb16.png", PNG_COLOR_TYPE_RGB, 16, 0, 3},
		{"grey8i.png", PNG_COLOR_TYPE_GRAY, 8, 1, 5},
		{"pal.png", PNG_COLOR_TYPE_PALETTE, 8, 0, 3},
	};
	stamp_qr *qr = encode();
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char path[128];
		path_in_tmp(path, sizeof path, t[i].name);
		write_png(path, qr, t[i].px, t[i].type, t[i].depth, t[i].interlace, 30);
		struct found f = {0};
		stamp_diag d = {{0}};
		int rc = stamp_photo_scan(path, collect, &f, &d);
		if (rc)
			print_error("%s: %d %s\n", t[i].name, rc, d.msg);
		assert_int_equal(rc, 0);
		assert_int_equal(f.n, 1);
		assert_string_equal(f.text, TEXT);
	}
	stamp_qr_free(qr);
}

static void test_not_png(void **state)
{
	(void)state;
	char path[128];
	path_in_tmp(path, sizeof path, "not.png");
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("GIF89a this is not a PNG at all\n", fp);
	assert_int_equal(fclose(fp), 0);
	stamp_diag d = {{0}};
	struct found f = {0};
	assert_int_equal(stamp_photo_scan(path, collect, &f, &d), STAMP_EIMAGE);
	assert_non_null(strstr(d.msg, "not a PNG"));
	assert_int_equal(f.n, 0);

	/* a PNG cut short in its pixel data: libpng's error becomes STAMP_EIMAGE */
	stamp_qr *qr = encode();
	char full[128];
	path_in_tmp(full, sizeof full, "cut.png");
	assert_int_equal(stamp_png_write(qr, 10, 600, full, NULL), 0);
	stamp_qr_free(qr);
	assert_int_equal(truncate(full, 100), 0);
	assert_int_equal(stamp_photo_scan(full, collect, &f, &d), STAMP_EIMAGE);

	path_in_tmp(path, sizeof path, "missing.png");
	assert_int_equal(stamp_photo_scan(path, collect, &f, &d), STAMP_EIMAGE);
	assert_int_equal(f.n, 0);
}

/* A PNG header claiming a huge image: refused before any pixel is allocated. */
static void test_too_large(void **state)
{
	(void)state;
	char path[128];
	path_in_tmp(path, sizeof path, "huge.png");
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png_create_info_struct(png);
	if (setjmp(png_jmpbuf(png)))
		fail();
	png_init_io(png, fp);
	/* 15000 x 15000 = 225 Mpixel: within the per-side bound, over the total */
	png_set_IHDR(png, info, 15000, 15000, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	/* a token IDAT so the header is followed as in a real file; the pixels never come */
	static const uint8_t idat[] = {0x78, 0x01};
	png_write_chunk(png, (png_const_bytep) "IDAT", idat, sizeof idat);
	png_destroy_write_struct(&png, &info);
	assert_int_equal(fclose(fp), 0);
	stamp_diag d = {{0}};
	assert_int_equal(stamp_photo_scan(path, NULL, NULL, &d), STAMP_EIMAGE);
	if (!strstr(d.msg, "15000x15000"))
		fail_msg("diag: %s", d.msg);
}

static void test_blank(void **state)
{
	(void)state;
	char path[128];
	path_in_tmp(path, sizeof path, "blank.png");
	/* a QR of width 21 with no dark module: an all-white 1-bit image */
	stamp_qr *qr = calloc(1, sizeof *qr + 21 * 21);
	assert_non_null(qr);
	qr->version = 1;
	qr->width = 21;
	qr->dark = (uint8_t *)(qr + 1);
	assert_int_equal(stamp_png_write(qr, 8, 600, path, NULL), 0);
	stamp_qr_free(qr);
	struct found f = {0};
	stamp_diag d = {{0}};
	assert_int_equal(stamp_photo_scan(path, collect, &f, &d), STAMP_ENOCODE);
	assert_int_equal(f.n, 0);
	assert_non_null(strstr(d.msg, "no QR code"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_own_render), cmocka_unit_test(test_scan_other_formats),
		cmocka_unit_test(test_not_png),		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_blank),
	};
	return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
