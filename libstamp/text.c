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
