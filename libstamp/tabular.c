/*
 * tabular.c - what a spreadsheet program saves as text, made into the UTF-8
 * CSV that import.c hands to libcsv, and the separator of its header row.
 *
 * Excel's "CSV UTF-8" is UTF-8 with a BOM and commas; under a Vietnamese (or
 * most European) locale its list separator is ';'; its "Unicode Text" is
 * UTF-16 (little-endian, with a BOM) separated by tabs. All three are taken:
 * UTF-16 with a BOM is converted with iconv, the separator is the one of ','
 * ';' and tab that the header row holds most of outside quotes (column names
 * hold none of them). Any other file that is not UTF-8 (an ANSI code page,
 * UTF-16 without a BOM) is refused in one line that says what to do.
 */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "internal.h"

#define SAVE_AS "in Excel use File > Save As > \"CSV UTF-8 (Comma delimited) (*.csv)\""

int stamp_file_read(const char *path, size_t max, char **out, size_t *len, stamp_diag *diag)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return stamp_diag_set(diag, errno, "%s: %s", path, strerror(errno));
	char *buf = malloc(max + 1);
	size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
	int err = !buf ? ENOMEM : ferror(f) ? EIO : 0;
	fclose(f);
	if (err || n > max) {
		free(buf);
		return err ? stamp_diag_set(diag, err, "%s: %s", path, strerror(err))
			   : stamp_diag_set(diag, STAMP_EINPUT, "%s: larger than %zu MiB", path,
					    max >> 20);
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* UTF-16 (its BOM says which way) to UTF-8, in a new buffer. */
static int from_utf16(const char *path, const char *in, size_t len, char **out, size_t *outlen,
		      stamp_diag *diag)
{
	iconv_t cd = iconv_open("UTF-8", "UTF-16"); /* "UTF-16" reads the BOM and drops it */
	if (cd == (iconv_t)-1)
		return stamp_diag_set(diag, errno, "%s: cannot convert from UTF-16: %s", path,
				      strerror(errno));
	size_t cap = len / 2 * 3 + 4; /* a UTF-16 unit is at most 3 bytes of UTF-8 */
	char *buf = malloc(cap + 1), *w = buf, *r = (char *)in;
	size_t left = len, room = cap;
	int rc = 0;
	if (!buf)
		rc = stamp_diag_set(diag, ENOMEM, "%s: out of memory", path);
	else if (iconv(cd, &r, &left, &w, &room) == (size_t)-1)
		rc = stamp_diag_set(
			diag, STAMP_EINPUT,
			"%s: byte %zu: not UTF-16 text after its byte-order mark; " SAVE_AS, path,
			len - left);
	iconv_close(cd);
	if (rc) {
		free(buf);
		return rc;
	}
	*w = '\0';
	*out = buf;
	*outlen = (size_t)(w - buf);
	return 0;
}

/* The line of the first byte that is not UTF-8, or 0 when all of it is. */
static size_t bad_utf8_line(const char *s, size_t len)
{
	size_t line = 1;
	for (size_t i = 0; i < len;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
						      (utf8proc_ssize_t)(len - i), &cp);
		if (n < 1)
			return line;
		line += cp == '\n';
		i += (size_t)n;
	}
	return 0;
}

/* The separator of the first line: the most of ',' ';' tab outside quotes; ',' on a tie. */
static unsigned char header_separator(const char *s)
{
	static const char cand[] = {',', ';', '\t'};
	size_t count[3] = {0, 0, 0};
	int quoted = 0;
	for (; *s && *s != '\n'; s++) {
		if (*s == '"')
			quoted = !quoted;
		for (int i = 0; i < 3 && !quoted; i++)
			count[i] += *s == cand[i];
	}
	int best = 0;
	for (int i = 1; i < 3; i++)
		if (count[i] > count[best])
			best = i;
	return (unsigned char)cand[best];
}

int stamp_tabular_read(const char *path, size_t max, char **text, size_t *len, unsigned char *delim,
		       stamp_diag *diag)
{
	char *raw = NULL, *utf8;
	size_t n = 0;
	int rc = stamp_file_read(path, max, &raw, &n, diag);
	if (rc)
		return rc;
	const unsigned char *u = (const unsigned char *)raw;
	if (n >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF))) {
		rc = from_utf16(path, raw, n, &utf8, &n, diag);
		free(raw);
		if (rc)
			return rc;
		raw = utf8;
	}
	char *start = raw;
	if (n >= 3 && memcmp(start, "\xEF\xBB\xBF", 3) == 0)
		start += 3, n -= 3;
	const char *nul = memchr(start, '\0', n);
	if (nul) {
		size_t line = 1;
		for (const char *p = start; p < nul; p++)
			line += *p == '\n';
		free(raw);
		return stamp_diag_set(
			diag, STAMP_EINPUT,
			"%s:%zu: a NUL byte: UTF-16 text without a byte-order mark, or "
			"not a text file; " SAVE_AS,
			path, line);
	}
	size_t bad = bad_utf8_line(start, n);
	if (bad) {
		free(raw);
		return stamp_diag_set(diag, STAMP_EINPUT,
				      "%s:%zu: not UTF-8 text (an ANSI code page such as "
				      "Windows-1258?); " SAVE_AS,
				      path, bad);
	}
	memmove(raw, start, n);
	raw[n] = '\0';
	*text = raw;
	*len = n;
	*delim = header_separator(raw);
	return 0;
}
