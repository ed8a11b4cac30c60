/*
 * buf.h - the bounded text builder of verifyd's answers (buf.c), shared with
 * stampgen's console: one allocation of the answer's upper size, a write
 * that does not fit voids the text, and HTML escaping of store text.
 */
#ifndef VERIFYD_BUF_H
#define VERIFYD_BUF_H

#include <stddef.h>
#include <stdint.h>

/* buf.c: a builder of at most cap - 1 bytes of text, NUL-terminated. */
typedef struct strbuf {
	char *p;
	size_t len, cap;
	int full; /* a write did not fit (or no memory): the text is void */
} strbuf;
int buf_init(strbuf *b, size_t cap); /* 0, or -1 (and full) without memory */
void buf_put(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_add(strbuf *b, const char *s, size_t n);
/* Text from the store, HTML-escaped (also safe inside quoted attributes). */
void buf_esc(strbuf *b, const char *s);
/* The text (the caller frees it), or NULL when full; b is empty after; len may be NULL. */
char *buf_take(strbuf *b, size_t *len);
/* s percent-encoded for a URI path segment: every byte but RFC 3986's unreserved. */
void buf_pct(strbuf *b, const char *s);
/* n bytes as 2n lower-case hex digits and a NUL into out. */
void hex_format(const uint8_t *b, size_t n, char *out);

#endif
