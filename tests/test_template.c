/*
 * test_template.c - label templates: the presets fit their pages and pass
 * the print gate for the symbols stamp codes make, the gate refuses small
 * modules and labels that cannot hold the code, the file parser reports the
 * line and key of a mistake, and unstated margins centre the grid.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stamp/render.h"
#include "stamp/template.h"

static char path[64];

static void write_file(const char *text)
{
	strcpy(path, "/tmp/ocopstamp-tpl.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void test_presets(void **state)
{
	(void)state;
	size_t n = 0;
	for (; stamp_template_preset(n); n++) {
		const stamp_template *t = stamp_template_preset(n);
		stamp_diag d = {{0}};
		stamp_label_box b;
		/* version 6 (41 modules, hosts up to 24 characters) and version 7 */
		assert_int_equal(stamp_template_check(t, 41, &d), 0);
		assert_int_equal(stamp_template_check(t, 45, &d), 0);
		stamp_template_layout(t, &b);
		assert_int_not_equal(b.text, STAMP_TEXT_AUTO);
		/* the text box never overlaps the QR with its quiet zone */
		if (b.text == STAMP_TEXT_RIGHT)
			assert_true(b.text_x >= b.qr_x + b.qr);
		else
			assert_true(b.text_y >= b.qr_y + b.qr);
		assert_true(b.text_x + b.text_w <= t->label_w + 1e-9);
		assert_true(b.text_y + b.text_h <= t->label_h + 1e-9);
	}
	assert_true(n >= 4);
	stamp_template t;
	assert_int_equal(stamp_template_find("a4-4x10", &t, NULL), 0);
	assert_int_equal(stamp_template_per_page(&t), 40);
	assert_int_equal(stamp_template_pages(&t, 81), 3);
	assert_int_equal(stamp_template_pages(&t, 80), 2);
	double x, y;
	stamp_template_label_at(&t, 5, &x, &y); /* second row, second column */
	assert_true(x > 56.4 && x < 56.6);
	assert_true(y > 46.8 && y < 47.0);
	stamp_diag d = {{0}};
	assert_int_equal(stamp_template_find("a4-9x9", &t, &d), STAMP_ENOTFOUND);
	assert_non_null(strstr(d.msg, "a4-3x8"));
}

static void test_gate(void **state)
{
	(void)state;
	stamp_template t;
	stamp_diag d = {{0}};
	assert_int_equal(stamp_template_find("a4-5x13", &t, NULL), 0);
	/* 20 mm over 53 modules is 0.377 mm; over 57 (version 8) 0.351 mm */
	assert_int_equal(stamp_template_check(&t, 45, &d), 0);
	assert_int_equal(stamp_template_check(&t, 49, &d), STAMP_EPRINT);
	assert_non_null(strstr(d.msg, "0.375"));
	t.qr = 22; /* 22 + 2 x 0.6 > 21.2 mm */
	assert_int_equal(stamp_template_check(&t, 41, &d), STAMP_EPRINT);
	assert_non_null(strstr(d.msg, "cannot hold"));
	assert_int_equal(stamp_template_find("a4-3x8", &t, NULL), 0);
	t.rows = 9; /* 9 x 37 mm > 297 mm */
	assert_int_equal(stamp_template_check(&t, 41, &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "rows"));
	assert_int_equal(stamp_template_find("a4-3x8", &t, NULL), 0);
	t.qr = 33; /* leaves 3.5 mm beside and under the code: no room for text */
	t.padding = 1.5;
	t.label_w = 40;
	assert_int_equal(stamp_template_check(&t, 41, &d), STAMP_EPRINT);
	assert_non_null(strstr(d.msg, "no room"));
}

static void test_file(void **state)
{
	(void)state;
	stamp_template t;
	stamp_diag d = {{0}};

	write_file("; comment\n[template]\nname = my-sheet\nlabel_width = 40\nlabel_height = 40mm\n"
		   "columns = 4\nrows = 6\ngap_x = 5\ngap_y = 5\nqr_size = 26\ntext = below\n");
	assert_int_equal(stamp_template_find(path, &t, &d), 0);
	assert_string_equal(t.name, "my-sheet");
	assert_true(t.margin_left > 17.49 && t.margin_left < 17.51); /* centred */
	assert_true(t.margin_top > 15.99 && t.margin_top < 16.01);
	assert_int_equal(t.text, STAMP_TEXT_BELOW);
	unlink(path);

	write_file("[template]\nlabel_width = 40\nlabel_height = 40\ncolumns = 4x\n");
	assert_int_equal(stamp_template_load(path, &t, &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, ":4: columns"));
	unlink(path);

	write_file("[template]\nlabel_width = 40\nlabel_height = 40\ncolumns = 4\nrows = 6\n"
		   "qr_size = 26\nmargin = 3\n");
	assert_int_equal(stamp_template_load(path, &t, &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, ":7: margin: unknown key"));
	unlink(path);

	write_file("[template]\nlabel_width = 40\nlabel_height = 40\ncolumns = 4\nrows = 6\n");
	assert_int_equal(stamp_template_load(path, &t, &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "qr_size is missing"));
	unlink(path);

	write_file("[sheet]\nlabel_width = 40\n");
	assert_int_equal(stamp_template_load(path, &t, &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "[sheet]"));
	unlink(path);

	write_file("[template]\npage = 100x150\nlabel_width = 1e3\n");
	assert_int_equal(stamp_template_load(path, &t, &d), STAMP_EINPUT);
	unlink(path);

	write_file("[template]\nlabel_width = 90\nlabel_height = 40\ncolumns = 3\nrows = 1\n"
		   "qr_size = 26\n");
	assert_int_equal(stamp_template_load(path, &t, &d), STAMP_EINPUT); /* 270 mm > A4 */
	assert_non_null(strstr(d.msg, "columns"));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_presets),
		cmocka_unit_test(test_gate),
		cmocka_unit_test(test_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
