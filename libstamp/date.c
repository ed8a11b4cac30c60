/*
 * date.c - civil dates (uint32 YYYYMMDD) for labels and OCOP decisions.
 *
 * Officers type dates two ways: ISO "2024-03-15" and the Vietnamese/Excel
 * "15/03/2024" (Excel drops leading zeros, so "5/3/2024" too). Both land in
 * one integer form that sorts correctly and reads plainly in a hex dump. Day
 * arithmetic (expiry = production + shelf life) goes through days since the
 * Unix epoch with Howard Hinnant's civil calendar algorithms, which are exact
 * for the proleptic Gregorian calendar and need no tables or time zones.
 * "Today" is taken in Vietnam's time zone (UTC+7, no daylight saving), so a
 * batch produced just after midnight in Hanoi is not dated the day before.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "stamp/date.h"

#define YEAR_MIN 1900
#define YEAR_MAX 2199

static int is_leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Reads between min and max digits; returns the number read, 0 if out of bounds. */
static size_t digits(const char *s, size_t min, size_t max, unsigned *out)
{
	size_t n = 0;
	unsigned v = 0;
	while (n < max && s[n] >= '0' && s[n] <= '9')
		v = v * 10 + (unsigned)(s[n++] - '0');
	if (n < min || (s[n] >= '0' && s[n] <= '9'))
		return 0;
	*out = v;
	return n;
}

static int make(unsigned y, unsigned m, unsigned d, uint32_t *out)
{
	if (y < YEAR_MIN || y > YEAR_MAX || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return STAMP_EINPUT;
	*out = y * 10000 + m * 100 + d;
	return 0;
}

int stamp_date_parse(const char *s, uint32_t *out)
{
	unsigned y, m, d;
	size_t n;

	if (!s || !out)
		return STAMP_EINPUT;
	/* ISO: exactly YYYY-MM-DD, as the standard and our own output write it */
	if ((n = digits(s, 4, 4, &y)) && s[n] == '-') {
		s += n + 1;
		if (!(n = digits(s, 2, 2, &m)) || s[n] != '-')
			return STAMP_EINPUT;
		s += n + 1;
		if (!(n = digits(s, 2, 2, &d)) || s[n] != '\0')
			return STAMP_EINPUT;
		return make(y, m, d, out);
	}
	/* Vietnamese day-first order; Excel writes 1 or 2 digit day and month */
	if (!(n = digits(s, 1, 2, &d)) || s[n] != '/')
		return STAMP_EINPUT;
	s += n + 1;
	if (!(n = digits(s, 1, 2, &m)) || s[n] != '/')
		return STAMP_EINPUT;
	s += n + 1;
	if (!(n = digits(s, 4, 4, &y)) || s[n] != '\0')
		return STAMP_EINPUT;
	return make(y, m, d, out);
}

void stamp_date_format(uint32_t d, char out[11])
{
	if (d == 0) {
		out[0] = '\0';
		return;
	}
	/* the modulo bounds every part, so 10 characters always suffice */
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)(d / 10000 % 10000),
		 (unsigned)(d / 100 % 100), (unsigned)(d % 100));
}

int64_t stamp_date_to_days(uint32_t date)
{
	int64_t y = date / 10000, m = date / 100 % 100, d = date % 100;

	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

uint32_t stamp_date_from_days(int64_t days)
{
	/* keeps the arithmetic far from overflow; covers years 1..9999 */
	if (days < -719162 || days > 2932896)
		return 0;
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	return (uint32_t)(y * 10000 + m * 100 + d);
}

uint32_t stamp_date_from_unix(int64_t t)
{
	const int64_t day = 86400;
	if (t > INT64_MAX - 7 * 3600)
		return 0;
	t += 7 * 3600;
	int64_t days = t / day;
	if (t % day < 0)
		days--; /* floor, not truncation, for times before 1970 */
	return stamp_date_from_days(days);
}
