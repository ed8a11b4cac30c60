/*
 * text.c - the one gate every free-text registry field passes through.
 *
 * Vietnamese text reaches us from Excel, from terminals and from phones, and
 * the same word may arrive precomposed ("ư" as U+01B0) or decomposed (u, a
 * horn, a tone mark). Stored text must be one form so ids, lookups and the
 * label renderer (cairo mis-places decomposed marks) agree: we store NFC.
 * Before normalising we reject what can never be meant in a label or a
 * listing: bytes that are not UTF-8 (a CSV saved as Windows-1258), and control
 * characters (C0, DEL, C1), which would corrupt terminals, CSV exports and
 * tab-separated listings. Length limits are checked on the NFC result, which
 * is what gets stored.
 *
 * Nor do we store invisible formatting characters (Unicode category Cf, and
 * the line and paragraph separators): the bidirectional controls U+202A-E,
 * U+2066-9, U+200E/F and U+061C can make a name read differently on a label
 * or a verification page than it is stored ("Trojan Source"), and zero-width
 * characters make two names that look the same differ. That includes ZWJ
 * and ZWNJ (U+200D, U+200C) and the soft hyphen (U+00AD): Vietnamese, in
 * Latin script, never needs a joiner, and a soft hyphen shows or hides a
 * hyphen depending on where a label wraps; none is ever needed in a
 * cooperative's or a product's name (docs/decisions.md, issue #9).
 */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "internal.h"
#include "stamp/registry.h"

/*
 * Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above
 * U+10FFFF. Returns the sequence length and the code point, or 0.
 */
static size_t utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t v, min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		n = 2, v = c & 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3, v = c & 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return n;
}

/* What an invisible character is, for the message; NULL when allowed. */
static const char *format_char(uint32_t cp)
{
	static const struct {
		uint32_t cp;
		const char *name;
	} names[] = {
		{0x00AD, "soft hyphen"},
		{0x061C, "Arabic letter mark"},
		{0x200B, "zero width space"},
		{0x200C, "zero width non-joiner"},
		{0x200D, "zero width joiner"},
		{0x200E, "left-to-right mark"},
		{0x200F, "right-to-left mark"},
		{0x2028, "line separator"},
		{0x2029, "paragraph separator"},
		{0x202A, "left-to-right embedding"},
		{0x202B, "right-to-left embedding"},
		{0x202C, "pop directional formatting"},
		{0x202D, "left-to-right override"},
		{0x202E, "right-to-left override"},
		{0x2060, "word joiner"},
		{0x2066, "left-to-right isolate"},
		{0x2067, "right-to-left isolate"},
		{0x2068, "first strong isolate"},
		{0x2069, "pop directional isolate"},
		{0xFEFF, "zero width no-break space"},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].cp == cp)
			return names[i].name;
	utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)cp);
	if (cat == UTF8PROC_CATEGORY_CF || cat == UTF8PROC_CATEGORY_ZL ||
	    cat == UTF8PROC_CATEGORY_ZP)
		return "an invisible formatting character";
	return NULL;
}

static int is_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* out holds max + 1 bytes; it is "" after any failure. */
int stamp_text_clean(const char *in, char *out, size_t max, const char *what, stamp_diag *diag)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t len;

	if (!what)
		what = "text";
	if (!in || !out)
		return stamp_diag_set(diag, STAMP_EINPUT, "%s: no text", what);
	out[0] = '\0';
	len = strlen(in);
	while (len > 0 && is_blank(s[len - 1]))
		len--;
	while (len > 0 && is_blank(*s))
		s++, len--;
	/*
	 * NFC never shrinks text to less than a third of its size, so this early
	 * limit only bounds the work spent on absurd input.
	 */
	if (len > 4 * max + 64)
		return stamp_diag_set(diag, STAMP_EINPUT, "%s: longer than %zu bytes (%zu)", what,
				      max, len);
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_next(s + i, len - i, &cp);
		if (n == 0)
			return stamp_diag_set(
				diag, STAMP_EINPUT,
				"%s: not valid UTF-8 at byte %zu (save the file as UTF-8)", what,
				i + 1);
		if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
			return stamp_diag_set(diag, STAMP_EINPUT,
					      "%s: control character U+%04X not allowed (byte %zu)",
					      what, (unsigned)cp, i + 1);
		const char *fmt = format_char(cp);
		if (fmt)
			return stamp_diag_set(diag, STAMP_EINPUT,
					      "%s: U+%04X (%s) is not allowed: it can make a name "
					      "read differently on the page",
					      what, (unsigned)cp, fmt);
		i += n;
	}
	if (len == 0)
		return 0;

	utf8proc_uint8_t *nfc = NULL;
	utf8proc_ssize_t r =
		utf8proc_map(s, (utf8proc_ssize_t)len, &nfc, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
	if (r < 0) {
		free(nfc);
		return stamp_diag_set(diag, STAMP_EINPUT, "%s: cannot normalise to NFC (%s)", what,
				      utf8proc_errmsg(r));
	}
	if ((size_t)r > max) {
		free(nfc);
		return stamp_diag_set(diag, STAMP_EINPUT, "%s: longer than %zu bytes (%zu)", what,
				      max, (size_t)r);
	}
	memcpy(out, nfc, (size_t)r);
	out[r] = '\0';
	free(nfc);
	return 0;
}

/* đ and Đ have no decomposition (a letter of their own, not d with a mark): a
 * reader searching without diacritics types d for both */
static utf8proc_int32_t fold_dd(utf8proc_int32_t cp, void *ctx)
{
	(void)ctx;
	return cp == 0x0110 || cp == 0x0111 ? 'd' : cp;
}

int stamp_text_fold(const char *in, char *out, size_t outlen)
{
	if (!out || outlen == 0)
		return STAMP_EINPUT;
	out[0] = '\0';
	if (!in)
		return STAMP_EINPUT;
	utf8proc_uint8_t *m = NULL;
	utf8proc_ssize_t r =
		utf8proc_map_custom((const utf8proc_uint8_t *)in, 0, &m,
				    UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_DECOMPOSE |
					    UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD,
				    fold_dd, NULL);
	if (r < 0) {
		free(m);
		return STAMP_EINPUT;
	}
	int rc = (size_t)r < outlen ? 0 : STAMP_EINPUT;
	if (rc == 0)
		memcpy(out, m, (size_t)r + 1);
	free(m);
	return rc;
}
