/*
 * test_ini.c - stamp_ini_parse: every line whole, however long up to the
 * bound (inih alone cuts at 199 bytes and parses the tail as a setting), an
 * indented line its own setting (inih alone appends it to the value above),
 * an over-long line, a NUL byte or an over-large file refused with the line,
 * and a handler's rejection reported at its line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scratch.h"
#include "stamp/ini.h"

typedef struct seen {
	int n;
	char section[8][32], name[8][32], value[8][STAMP_INI_MAX_LINE + 1];
	const char *reject; /* a name the handler refuses */
} seen;

static int collect(void *user, const char *section, const char *name, const char *value)
{
	seen *s = user;
	if (s->n < 8) {
		snprintf(s->section[s->n], sizeof s->section[0], "%s", section);
		snprintf(s->name[s->n], sizeof s->name[0], "%s", name);
		snprintf(s->value[s->n], sizeof s->value[0], "%s", value);
	}
	s->n++;
	return !(s->reject && strcmp(s->reject, name) == 0);
}

/* "[a]\nk = " + N 'v' + TAIL */
static char *long_line(size_t n, const char *tail)
{
	char *t = malloc(16 + n + strlen(tail));
	assert_non_null(t);
	strcpy(t, "[a]\nk = ");
	memset(t + 8, 'v', n);
	strcpy(t + 8 + n, tail);
	return t;
}

static void test_long_line_whole(void **state)
{
	(void)state;
	/* the case inih cuts: 195 bytes of value, then "port = 9" on the same line */
	static seen s;
	char *t = long_line(STAMP_INI_MAX_LINE - 10, "port=9\r\n") /* 4096 bytes */;
	stamp_diag d = {{0}};
	int line;
	memset(&s, 0, sizeof s);
	assert_int_equal(stamp_ini_parse("x.ini", t, collect, &s, &line, &d), 0);
	assert_int_equal(line, 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.name[0], "k");
	assert_int_equal(strlen(s.value[0]), STAMP_INI_MAX_LINE - 4);
	assert_string_equal(s.value[0] + strlen(s.value[0]) - 6, "port=9");
	free(t);
}

static void test_line_too_long(void **state)
{
	(void)state;
	static seen s;
	char *t = long_line(STAMP_INI_MAX_LINE - 4 + 1, "\n");
	stamp_diag d = {{0}};
	int line;
	memset(&s, 0, sizeof s);
	assert_int_equal(stamp_ini_parse("x.ini", t, collect, &s, &line, &d), STAMP_EINPUT);
	assert_int_equal(line, 2);
	assert_int_equal(s.n, 0); /* refused before any value is applied */
	assert_string_equal(d.msg, "x.ini:2: line longer than 4096 bytes");
	free(t);
}

static void test_indented_line_is_a_setting(void **state)
{
	(void)state;
	static seen s;
	stamp_diag d = {{0}};
	int line;
	memset(&s, 0, sizeof s);
	assert_int_equal(stamp_ini_parse("x.ini",
					 "[store]\nregistry = /r ; where\n    scans = /s\n"
					 "\t; an indented comment\n[b]\nc: 3\n",
					 collect, &s, &line, &d),
			 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.value[0], "/r");
	assert_string_equal(s.section[1], "store");
	assert_string_equal(s.name[1], "scans");
	assert_string_equal(s.value[1], "/s");
	assert_string_equal(s.section[2], "b");
	assert_string_equal(s.value[2], "3");
}

static void test_refusals(void **state)
{
	(void)state;
	static seen s;
	stamp_diag d = {{0}};
	int line;
	memset(&s, 0, sizeof s);
	assert_int_equal(
		stamp_ini_parse("x.ini", "a = 1\njust words\nb = 2\n", collect, &s, &line, &d),
		STAMP_EINPUT);
	assert_int_equal(line, 2);
	assert_string_equal(d.msg, "x.ini:2: expected name = value");
	assert_int_equal(s.n, 2); /* inih goes on; the caller decides what a failed file means */

	memset(&s, 0, sizeof s);
	s.reject = "b";
	assert_int_equal(stamp_ini_parse("x.ini", "a = 1\n\nb = 2\n", collect, &s, &line, &d),
			 STAMP_EINPUT);
	assert_int_equal(line, 3);

	/* a NUL byte in a file */
	char path[128];
	path_in_tmp(path, sizeof path, "nul.ini");
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite("a = 1\nb = x\0y\n", 1, 14, f), 14);
	assert_int_equal(fclose(f), 0);
	memset(&s, 0, sizeof s);
	assert_int_equal(stamp_ini_parse(path, NULL, collect, &s, &line, &d), STAMP_EINPUT);
	assert_int_equal(line, 2);
	assert_non_null(strstr(d.msg, ":2: NUL byte in the line"));
	assert_int_equal(s.n, 0);

	/* a file over the bound, and one that is not there */
	path_in_tmp(path, sizeof path, "big.ini");
	f = fopen(path, "wb");
	assert_non_null(f);
	for (unsigned i = 0; i < STAMP_INI_MAX_FILE / 8 + 1; i++)
		assert_int_equal(fputs("; 34567\n", f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(stamp_ini_parse(path, NULL, collect, &s, &line, &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "larger than 1 MiB"));
	path_in_tmp(path, sizeof path, "missing.ini");
	assert_int_equal(stamp_ini_parse(path, NULL, collect, &s, &line, &d), ENOENT);
	assert_int_equal(line, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_line_whole),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_indented_line_is_a_setting),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
