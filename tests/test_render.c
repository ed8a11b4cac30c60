/*
 * test_render.c - QR encoding, the print gate, and the 1-bit PNG writer.
 *
 * The PNGs are read back with libpng and checked pixel by pixel against the
 * module matrix, then decoded by the real external readers (zbarimg and
 * ZXingReader) that the project's docs name as the reference decoders.
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

#include "stamp/render.h"

/* 24-character host, the longest the project promises version 7 for */
#define HOST "TEM.THANHHOA-OCOP.GOV.VN"

static void code_text(char *out, size_t cap, unsigned seed)
{
	static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	int n = snprintf(out, cap, "HTTPS://%s/S/", HOST);
	assert_true(n > 0 && (size_t)n + 120 <= cap);
	uint32_t s = seed * 2654435761u + 1;
	for (int i = 0; i < 119; i++) {
		s = s * 1103515245u + 12345u;
		out[n + i] = b32[(s >> 16) & 31];
	}
	out[n + 119] = '\0';
}

#include "scratch.h"

static void test_geometry_table(void **state)
{
	(void)state;
	static const struct {
		int width;
		unsigned size_01mm, dpi, px;
		int rc;
	} t[] = {
		/* 25 mm, version 7 (45 + 8 modules), 600 dpi: 11.14 -> 11 px = 0.466 mm */
		{45, 250, 600, 11, 0},
		{45, 250, 300, 5, 0},
		{21, 250, 600, 20, 0},
		/* 15 px at 1016 dpi is exactly 0.375 mm: accepted */
		{21, 109, 1016, 15, 0},
		/* 15 px at 1017 dpi is 0.3746 mm: refused */
		{21, 109, 1017, 0, STAMP_EPRINT},
		/* 20 mm over 53 modules is 0.377 mm, but 300 dpi rounds it to 4 px = 0.339 mm */
		{45, 200, 300, 0, STAMP_EPRINT},
		/* 17 px at 1200 dpi is still 0.360 mm; 71 px at 4800 dpi is 0.376 mm */
		{45, 200, 1200, 0, STAMP_EPRINT},
		{45, 200, 4800, 71, 0},
		/* 15 mm over 53 modules is 0.283 mm: no dpi helps */
		{45, 150, 2400, 0, STAMP_EPRINT},
		/* too small for even one pixel: clamped to 1, then refused */
		{45, 10, 72, 0, STAMP_EPRINT},
		{20, 250, 600, 0, STAMP_EINPUT},
		{178, 250, 600, 0, STAMP_EINPUT},
		{45, 250, 0, 0, STAMP_EINPUT},
		{45, 0, 600, 0, STAMP_EINPUT},
		/* 1 m at 9600 dpi would be 378,000 px wide */
		{45, 10000, 9600, 0, STAMP_EINPUT},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		stamp_diag d = {{0}};
		unsigned px = 99;
		int rc = stamp_png_geometry(t[i].width, t[i].size_01mm, t[i].dpi, &px, &d);
		if (rc != t[i].rc || px != t[i].px)
			print_error("row %zu: rc %d px %u (%s)\n", i, rc, px, d.msg);
		assert_int_equal(rc, t[i].rc);
		assert_int_equal(px, t[i].px);
		if (rc == STAMP_EPRINT)
			assert_non_null(strstr(d.msg, "< 0.375 mm"));
	}
}

static void test_gate_message(void **state)
{
	(void)state;
	stamp_diag d = {{0}};
	unsigned px;
	assert_int_equal(stamp_png_geometry(21, 109, 1017, &px, &d), STAMP_EPRINT);
	assert_non_null(strstr(d.msg, "0.374 mm"));
	assert_non_null(strstr(d.msg, "--dpi"));
	assert_int_equal(stamp_png_geometry(45, 150, 600, &px, &d), STAMP_EPRINT);
	/* 53 modules x 0.375 mm = 19.9 mm: the message names the size that would do */
	assert_non_null(strstr(d.msg, "--size-mm 19.9"));
}

static void test_code_fits_version_7_ecc_m(void **state)
{
	(void)state;
	char text[256];
	for (unsigned seed = 0; seed < 64; seed++) {
		code_text(text, sizeof text, seed);
		assert_int_equal(strlen(text), 8 + 24 + 3 + 119);
		stamp_qr *qr = NULL;
		assert_int_equal(stamp_qr_encode(text, &qr), 0);
		assert_non_null(qr);
		assert_true(qr->version >= 1 && qr->version <= 7);
		assert_int_equal(qr->width, 17 + 4 * qr->version);
		size_t dark = 0;
		for (int i = 0; i < qr->width * qr->width; i++) {
			assert_true(qr->dark[i] <= 1);
			dark += qr->dark[i];
		}
		/* masking keeps a QR near half dark; all-white or all-dark would be a copy bug */
		assert_true(dark > (size_t)qr->width * qr->width / 3);
		assert_true(dark < (size_t)qr->width * qr->width * 2 / 3);
		/* finder pattern: top-left 7x7 ring dark, the ring inside it light */
		assert_int_equal(qr->dark[0], 1);
		assert_int_equal(qr->dark[6], 1);
		assert_int_equal(qr->dark[1 * qr->width + 1], 0);
		assert_int_equal(qr->dark[3 * qr->width + 3], 1);
		stamp_qr_free(qr);
	}
}

static void test_encode_rejects(void **state)
{
	(void)state;
	stamp_qr *qr = (stamp_qr *)1;
	assert_int_equal(stamp_qr_encode("", &qr), STAMP_EINPUT);
	assert_null(qr);
	/* more than version 40-M holds (2,331 bytes) */
	size_t n = 4000;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'a', n);
	big[n] = '\0';
	assert_int_equal(stamp_qr_encode(big, &qr), STAMP_EINPUT);
	assert_null(qr);
	free(big);
}

/* The whole PNG read back with libpng: 1 byte per pixel (0 dark, 255 light). */
struct png_back {
	png_uint_32 w, h, ppm_x, ppm_y;
	int depth, type, unit, has_time, ntext;
	uint8_t *px;
};

static void read_back(const char *path, struct png_back *b)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png_create_info_struct(png);
	assert_non_null(info);
	if (setjmp(png_jmpbuf(png)))
		fail_msg("libpng could not read %s", path);
	png_init_io(png, fp);
	png_read_info(png, info);
	png_get_IHDR(png, info, &b->w, &b->h, &b->depth, &b->type, NULL, NULL, NULL);
	b->unit = -1;
	png_get_pHYs(png, info, &b->ppm_x, &b->ppm_y, &b->unit);
	png_set_expand_gray_1_2_4_to_8(png);
	png_read_update_info(png, info);
	b->px = malloc((size_t)b->w * b->h);
	assert_non_null(b->px);
	for (png_uint_32 y = 0; y < b->h; y++)
		png_read_row(png, b->px + (size_t)y * b->w, NULL);
	png_read_end(png, info);
	png_timep t;
	b->has_time = png_get_tIME(png, info, &t) != 0;
	png_textp txt;
	b->ntext = png_get_text(png, info, &txt, NULL);
	png_destroy_read_struct(&png, &info, NULL);
	fclose(fp);
}

static long file_bytes(const char *path, uint8_t **out)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	long n = ftell(fp);
	assert_true(n > 0);
	rewind(fp);
	*out = malloc((size_t)n);
	assert_non_null(*out);
	assert_int_equal(fread(*out, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	return n;
}

/* Write at px pixels per module and compare every pixel with the matrix. */
static void check_pixels(const stamp_qr *qr, unsigned px, unsigned dpi)
{
	char path[128];
	path_in_tmp(path, sizeof path, "a.png");
	stamp_diag d = {{0}};
	assert_int_equal(stamp_png_write(qr, px, dpi, path, &d), 0);

	struct png_back b = {0};
	read_back(path, &b); /* libpng checks the CRCs, zlib the Adler-32 */
	unsigned side = (unsigned)(qr->width + 2 * STAMP_QUIET_MODULES) * px;
	assert_int_equal(b.w, side);
	assert_int_equal(b.h, side);
	assert_int_equal(b.depth, 1);
	assert_int_equal(b.type, PNG_COLOR_TYPE_GRAY);
	assert_int_equal(b.unit, PNG_RESOLUTION_METER);
	assert_int_equal(b.ppm_x, (dpi * 10000 + 127) / 254);
	assert_int_equal(b.ppm_y, b.ppm_x);
	assert_false(b.has_time);
	assert_int_equal(b.ntext, 0);

	unsigned q = STAMP_QUIET_MODULES * px;
	for (unsigned y = 0; y < side; y++) {
		for (unsigned x = 0; x < side; x++) {
			uint8_t v = b.px[(size_t)y * side + x];
			int expect_dark = 0;
			if (x >= q && y >= q && x < side - q && y < side - q)
				expect_dark = qr->dark[((y - q) / px) * qr->width + (x - q) / px];
			if (v != (expect_dark ? 0 : 255))
				fail_msg("px %u: pixel %u,%u is %u, module says %s", px, x, y, v,
					 expect_dark ? "dark" : "light");
		}
	}
	free(b.px);
}

static void test_png_pixels(void **state)
{
	(void)state;
	char text[256];
	code_text(text, sizeof text, 7);
	stamp_qr *qr = NULL;
	assert_int_equal(stamp_qr_encode(text, &qr), 0);
	unsigned px;
	assert_int_equal(stamp_png_geometry(qr->width, 250, 600, &px, NULL), 0);
	check_pixels(qr, px, 600);
	assert_int_equal(23622, (600 * 10000 + 127) / 254); /* 600 / 0.0254 = 23622.05 */
	/* the deflate writer's edges: no repeats, odd bit offsets, repeats past 258 bytes, long
	 * rows */
	static const unsigned more[] = {1, 2, 3, 5, 8, 13, 40};
	for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
		check_pixels(qr, more[i], 300 + (unsigned)i);
	stamp_qr_free(qr);
}

static void test_png_deterministic(void **state)
{
	(void)state;
	char text[256], p1[128], p2[128];
	code_text(text, sizeof text, 11);
	stamp_qr *qr = NULL;
	assert_int_equal(stamp_qr_encode(text, &qr), 0);
	path_in_tmp(p1, sizeof p1, "d1.png");
	path_in_tmp(p2, sizeof p2, "d2.png");
	assert_int_equal(stamp_png_write(qr, 11, 600, p1, NULL), 0);
	sleep(1); /* a tIME chunk, had one slipped in, would now differ */
	assert_int_equal(stamp_png_write(qr, 11, 600, p2, NULL), 0);
	uint8_t *a, *b;
	long na = file_bytes(p1, &a), nb = file_bytes(p2, &b);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, (size_t)na);
	/* an existing file is truncated, not appended to */
	assert_int_equal(stamp_png_write(qr, 11, 600, p1, NULL), 0);
	free(a);
	assert_int_equal(file_bytes(p1, &a), na);
	free(a);
	free(b);
	stamp_qr_free(qr);
}

static void test_png_errors(void **state)
{
	(void)state;
	char text[256], path[128];
	code_text(text, sizeof text, 3);
	stamp_qr *qr = NULL;
	assert_int_equal(stamp_qr_encode(text, &qr), 0);
	stamp_diag d = {{0}};
	path_in_tmp(path, sizeof path, "no/such/dir/x.png");
	int rc = stamp_png_write(qr, 10, 600, path, &d);
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(d.msg, "no/such/dir"));
	/* a full disk: libpng's write error must come back as an error, not a crash */
	if (access("/dev/full", W_OK) == 0) {
		d.msg[0] = '\0';
		assert_int_not_equal(stamp_png_write(qr, 10, 600, "/dev/full", &d), 0);
		assert_true(d.msg[0] != '\0');
	}
	assert_int_equal(stamp_png_write(qr, 0, 600, path, &d), STAMP_EINPUT);
	assert_int_equal(stamp_png_write(qr, 10000, 600, path, &d), STAMP_EINPUT);
	stamp_qr_free(qr);
}

/* Run a decoder; its whole stdout, or NULL when the tool is not installed. */
static char *run(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	static char out[4096];
	size_t n = fread(out, 1, sizeof out - 1, p);
	out[n] = '\0';
	int st = pclose(p);
	if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return NULL;
	return out;
}

static void test_external_decoders(void **state)
{
	(void)state;
	char text[256], path[128], cmd[512], want[300];
	for (unsigned seed = 20; seed < 24; seed++) {
		code_text(text, sizeof text, seed);
		stamp_qr *qr = NULL;
		assert_int_equal(stamp_qr_encode(text, &qr), 0);
		unsigned px;
		/* the default print: 25 mm at 600 dpi */
		assert_int_equal(stamp_png_geometry(qr->width, 250, 600, &px, NULL), 0);
		path_in_tmp(path, sizeof path, "ext.png");
		assert_int_equal(stamp_png_write(qr, px, 600, path, NULL), 0);
		stamp_qr_free(qr);

		snprintf(cmd, sizeof cmd, "zbarimg --raw -q --nodbus '%s' 2>/dev/null", path);
		char *out = run(cmd);
		if (!out)
			skip();
		snprintf(want, sizeof want, "%s\n", text);
		assert_string_equal(out, want);

		/* ZXingReader exits 0 even when it finds nothing: read what it printed */
		snprintf(cmd, sizeof cmd, "ZXingReader '%s' 2>&1", path);
		out = run(cmd);
		if (!out)
			skip();
		snprintf(want, sizeof want, "Text:       \"%s\"\n", text);
		assert_non_null(strstr(out, want));
		assert_non_null(strstr(out, "Format:     QRCode"));
		assert_non_null(strstr(out, "EC Level:   M"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geometry_table),
		cmocka_unit_test(test_gate_message),
		cmocka_unit_test(test_code_fits_version_7_ecc_m),
		cmocka_unit_test(test_encode_rejects),
		cmocka_unit_test(test_png_pixels),
		cmocka_unit_test(test_png_deterministic),
		cmocka_unit_test(test_png_errors),
		cmocka_unit_test(test_external_decoders),
	};
	return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
