/*
 * test_date.c - civil dates: both input forms, the calendar's edges, day
 * arithmetic against known epoch offsets, and "today" in Vietnam's zone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "stamp/date.h"

static void test_parse_table(void **state)
{
	static const struct {
		const char *in;
		uint32_t want; /* 0: rejected */
	} t[] = {
		{"2025-01-31", 20250131}, {"2024-02-29", 20240229}, /* leap year */
		{"2000-02-29", 20000229},			    /* divisible by 400 */
		{"1900-02-29", 0},				    /* divisible by 100 only */
		{"2100-02-29", 0},	  {"2025-02-29", 0},
		{"2025-02-30", 0},	  {"2025-04-31", 0},
		{"2025-13-01", 0},	  {"2025-00-10", 0},
		{"2025-01-00", 0},	  {"1899-12-31", 0}, /* outside 1900..2199 */
		{"1900-01-01", 19000101}, {"2199-12-31", 21991231},
		{"2200-01-01", 0},	  {"2025-1-31", 0}, /* ISO wants two digits */
		{"2025-01-31 ", 0},			    /* trailing junk */
		{"2025-01-31x", 0},	  {" 2025-01-31", 0},
		{"20250131", 0},	  {"", 0},
		{"31/01/2025", 20250131}, {"5/3/2024", 20240305}, /* Excel drops leading zeros */
		{"05/03/2024", 20240305}, {"29/02/2024", 20240229},
		{"29/02/2023", 0},	  {"31/04/2024", 0},
		{"1/13/2024", 0},	  {"123/01/2024", 0},
		{"01/01/24", 0}, /* two-digit years are ambiguous */
		{"01/01/20245", 0},	  {"01/01/2024/", 0},
		{"01-01-2024", 0},	  {"-1/01/2024", 0},
	};
	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		uint32_t d = 12345;
		int err = stamp_date_parse(t[i].in, &d);
		if (t[i].want) {
			if (err != 0 || d != t[i].want)
				fail_msg("\"%s\": err %d, got %u, want %u", t[i].in, err,
					 (unsigned)d, (unsigned)t[i].want);
		} else if (err != STAMP_EINPUT) {
			fail_msg("\"%s\" accepted as %u", t[i].in, (unsigned)d);
		}
	}
}

static void test_format(void **state)
{
	char s[11];
	(void)state;
	stamp_date_format(20250305, s);
	assert_string_equal(s, "2025-03-05");
	stamp_date_format(0, s);
	assert_string_equal(s, "");
}

static void test_days(void **state)
{
	(void)state;
	assert_int_equal(stamp_date_to_days(19700101), 0);
	assert_int_equal(stamp_date_to_days(19691231), -1);
	assert_int_equal(stamp_date_to_days(20000301), 11017);
	assert_int_equal(stamp_date_to_days(20250101), 20089);
	assert_int_equal(stamp_date_from_days(0), 19700101);
	assert_int_equal(stamp_date_from_days(-1), 19691231);
	assert_int_equal(stamp_date_from_days(20089), 20250101);
	/* expiry arithmetic across a leap day: 2024-02-28 + 2 days */
	assert_int_equal(stamp_date_from_days(stamp_date_to_days(20240228) + 2), 20240301);
	/* every day of 1900..2199 round-trips and dates strictly increase */
	uint32_t prev = 0;
	for (int64_t d = stamp_date_to_days(19000101); d <= stamp_date_to_days(21991231); d++) {
		uint32_t date = stamp_date_from_days(d);
		if (date <= prev || stamp_date_to_days(date) != d)
			fail_msg("day %lld -> %u", (long long)d, (unsigned)date);
		prev = date;
	}
}

static void test_from_unix(void **state)
{
	(void)state;
	assert_int_equal(stamp_date_from_unix(0), 19700101);
	/* 2025-01-01 16:59:59 UTC is still 23:59:59 on the 1st in Hanoi */
	assert_int_equal(stamp_date_from_unix(1735750799), 20250101);
	/* one second later it is midnight of the 2nd in Hanoi */
	assert_int_equal(stamp_date_from_unix(1735750800), 20250102);
	/* 2024-12-31 17:00:00 UTC is already 2025-01-01 in Vietnam */
	assert_int_equal(stamp_date_from_unix(1735664400), 20250101);
	assert_int_equal(stamp_date_from_unix(1735664399), 20241231);
	/* before the epoch, floor division: 1969-12-31 16:59:59 UTC+0 */
	assert_int_equal(stamp_date_from_unix(-25201), 19691231);
	assert_int_equal(stamp_date_from_unix(-25200), 19700101);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_days),
		cmocka_unit_test(test_from_unix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
