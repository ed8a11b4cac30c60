/*
 * test_sheet.c - sheets of a stored batch: the text fitting (shrink, then
 * wrap, never clip: the lines give back the text), a PDF that renders the
 * same bytes twice, PNG pages with their dpi, and the refusals (existing
 * output, unknown batch, print gate) that leave no file behind. Decoding the
 * codes with real tools is tests/e2e/e2e_sheet.sh.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "sheet_text.h"
#include "stamp/sheet.h"
#include "stamp/template.h"

#define MM_PER_PT (25.4 / 72.0)

static int teardown(void **state)
{
	stamp_sheet_release();
	return fixture_teardown(state);
}

static cairo_t *scratch(cairo_surface_t **s)
{
	*s = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
	cairo_t *cr = cairo_create(*s);
	cairo_font_options_t *fo = cairo_font_options_create();
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_set_font_options(cr, fo);
	cairo_font_options_destroy(fo);
	return cr;
}

/* The item's text, rejoined from its lines. */
static void rejoin(const stamp_fit *fit, const stamp_fit_item *items, int item, char *out)
{
	out[0] = '\0';
	for (int i = 0; i < fit->nlines; i++) {
		const stamp_fit_line *l = &fit->line[i];
		if (l->item != item)
			continue;
		strncat(out, items[item].text + l->off, l->len);
		if (l->space_after)
			strcat(out, " ");
	}
}

static void test_fit(void **state)
{
	(void)state;
	cairo_surface_t *s;
	cairo_t *cr = scratch(&s);
	stamp_fit fit;
	char back[1024];
	const char *longname = "Hợp tác xã Dịch vụ Nông nghiệp và Chế biến Nước mắm truyền thống "
			       "Hoằng Hóa tỉnh Thanh Hóa chi nhánh Khúc Phụ xã Hoằng Phụ huyện "
			       "Hoằng Hóa";
	stamp_fit_item items[] = {{"Nước mắm cốt", 1.0, 1, 0},
				  {"OCOP ★★★★", 0.85, 0, 1},
				  {"Số 0000000001", 0.85, 0, 1},
				  {longname, 0.75, 0, 0}};

	/* plenty of room: one line each at the largest size */
	assert_int_equal(stamp_sheet_fit(cr, items, 3, 60, 30, MM_PER_PT, &fit), 0);
	assert_int_equal(fit.nlines, 3);
	assert_true(fit.pt == STAMP_FIT_MAX_PT);

	/* 16 x 20 mm with a name far too long: smaller and wrapped, all of it there */
	assert_int_equal(stamp_sheet_fit(cr, items, 4, 16, 20, MM_PER_PT, &fit), 0);
	assert_true(fit.pt < STAMP_FIT_MAX_PT);
	assert_true(fit.height <= 20);
	for (int i = 0; i < fit.nlines; i++)
		assert_true(fit.line[i].width <= 16);
	for (int item = 0; item < 4; item++) {
		rejoin(&fit, items, item, back);
		assert_string_equal(back, items[item].text);
	}
	/* the serial is never broken, the long name needs more than two lines */
	int serial_lines = 0, coop_lines = 0;
	for (int i = 0; i < fit.nlines; i++) {
		serial_lines += fit.line[i].item == 2;
		coop_lines += fit.line[i].item == 3;
	}
	assert_int_equal(serial_lines, 1);
	assert_true(coop_lines > 2);

	/* a single word wider than the line breaks between characters */
	stamp_fit_item word[] = {{"Nướcmắmcốtcácơmtruyềnthống", 1.0, 1, 0}};
	assert_int_equal(stamp_sheet_fit(cr, word, 1, 8, 20, MM_PER_PT, &fit), 0);
	rejoin(&fit, word, 0, back);
	assert_string_equal(back, word[0].text);

	/* nothing fits a box 1 mm high: refused, not clipped */
	assert_int_equal(stamp_sheet_fit(cr, items, 4, 16, 1, MM_PER_PT, &fit), -1);
	cairo_destroy(cr);
	cairo_surface_destroy(s);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	rewind(fp);
	char *buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static void test_render(void **state)
{
	fixture *f = *state;
	stamp_issue_req r = fixture_req("SHEET-1", 50);
	stamp_sheet_opts o = {0};
	stamp_template t;
	stamp_batch b;
	stamp_diag d = {{0}};
	char dir[128], a[160], b2[160];

	assert_int_equal(stamp_issue(f->st, f->kp, &r, &b, &d), 0);
	snprintf(dir, sizeof dir, "%.*s", (int)(strlen(f->dir) - strlen("/store")), f->dir);
	snprintf(a, sizeof a, "%s/a.pdf", dir);
	snprintf(b2, sizeof b2, "%s/b.pdf", dir);
	assert_int_equal(stamp_template_find("a4-3x8", &t, NULL), 0);
	assert_int_equal(stamp_sheet_render(f->st, b.id, &t, &o, a, &d), 0);
	assert_int_equal(stamp_sheet_render(f->st, b.id, &t, &o, b2, &d), 0);
	size_t na, nb;
	char *pa = slurp(a, &na), *pb = slurp(b2, &nb);
	/* ~3 KB a label, plus the embedded font subsets once */
	assert_true(na > 1000 && na < 50 * 3072 + 32768);
	assert_memory_equal(pa, "%PDF-", 5);
	assert_int_equal(na, nb);
	assert_memory_equal(pa, pb, na);
	/* the dates are the batch's, 2026-11-18 */
	assert_non_null(memmem(pa, na, "/CreationDate (20261118", 23));
	free(pa);
	free(pb);

	assert_int_equal(stamp_sheet_render(f->st, b.id, &t, &o, a, &d), STAMP_EEXIST);
	snprintf(a, sizeof a, "%s/none.pdf", dir);
	assert_int_equal(stamp_sheet_render(f->st, 999, &t, &o, a, &d), STAMP_ENOTFOUND);
	t.qr = 15; /* 15 mm over 49 modules: 0.306 mm */
	assert_int_equal(stamp_sheet_render(f->st, b.id, &t, &o, a, &d), STAMP_EPRINT);
	assert_non_null(strstr(d.msg, "0.375"));
	o.footer = 1; /* a4-3x8 leaves 0.5 mm under its labels */
	assert_int_equal(stamp_template_find("a4-3x8", &t, NULL), 0);
	assert_int_equal(stamp_sheet_render(f->st, b.id, &t, &o, a, &d), STAMP_EINPUT);
	struct stat sb;
	assert_int_not_equal(stat(a, &sb), 0);
}

static void test_png(void **state)
{
	fixture *f = *state;
	stamp_issue_req r = fixture_req("SHEET-2", 3);
	stamp_sheet_opts o = {.png = 1, .dpi = 150, .cut_marks = 1, .coop_name = 1};
	stamp_template t;
	stamp_batch b;
	stamp_diag d = {{0}};
	char dir[128], out[160], page[200];

	assert_int_equal(stamp_issue(f->st, f->kp, &r, &b, &d), 0);
	snprintf(dir, sizeof dir, "%.*s", (int)(strlen(f->dir) - strlen("/store")), f->dir);
	snprintf(out, sizeof out, "%s/png", dir);
	assert_int_equal(stamp_template_find("roll-50x30", &t, NULL), 0);
	assert_int_equal(stamp_sheet_render(f->st, b.id, &t, &o, out, &d), 0);
	for (int i = 1; i <= 3; i++) {
		size_t n;
		snprintf(page, sizeof page, "%s/page-%04d.png", out, i);
		char *p = slurp(page, &n);
		/* 50 x 30 mm at 150 dpi: 295 x 177 pixels, 8-bit grey, 5906 px/m */
		static const unsigned char ihdr[] = {0, 0, 1, 39, 0, 0, 0, 177, 8, 0};
		static const unsigned char phys[] = {'p',  'H', 'Y', 's',  0,	 0, 0x17,
						     0x12, 0,	0,   0x17, 0x12, 1};
		assert_memory_equal(p + 16, ihdr, sizeof ihdr);
		assert_memory_equal(p + 37, phys, sizeof phys);
		assert_null(memmem(p, n, "tIME", 4));
		free(p);
	}
	snprintf(page, sizeof page, "%s/page-0004.png", out);
	assert_int_not_equal(access(page, F_OK), 0);
	o.dpi = 5000;
	snprintf(out, sizeof out, "%s/png2", dir);
	assert_int_equal(stamp_sheet_render(f->st, b.id, &t, &o, out, &d), STAMP_EINPUT);
	assert_int_not_equal(access(out, F_OK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fit),
		cmocka_unit_test_setup_teardown(test_render, fixture_setup, teardown),
		cmocka_unit_test_setup_teardown(test_png, fixture_setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
