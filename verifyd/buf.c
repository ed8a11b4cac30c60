/*
 * buf.c - the bounded text builder of verifyd's answers (page, JSON,
 * metrics).
 *
 * Every answer has a known upper size, so a builder gets one allocation of
 * that size and never grows: a write that would not fit marks it full, later
 * writes do nothing, and buf_take() then returns NULL, which the server turns
 * into a 5xx. Truncated text never reaches a client.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

int buf_init(strbuf *b, size_t cap)
{
	*b = (strbuf){malloc(cap), 0, cap, 0};
	if (!b->p) {
		b->full = 1;
		return -1;
	}
	b->p[0] = '\0';
	return 0;
}

void buf_put(strbuf *b, const char *fmt, ...)
{
	va_list ap;
	if (b->full)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		b->full = 1;
		b->p[b->len] = '\0';
	} else {
		b->len += (size_t)n;
	}
}

void buf_add(strbuf *b, const char *s, size_t n)
{
	if (b->full)
		return;
	if (n >= b->cap - b->len) {
		b->full = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void buf_esc(strbuf *b, const char *s)
{
	while (*s && !b->full) {
		size_t plain = strcspn(s, "&<>\"'");
		buf_add(b, s, plain);
		s += plain;
		switch (*s) {
		case '\0':
			return;
		case '&':
			buf_add(b, "&amp;", 5);
			break;
		case '<':
			buf_add(b, "&lt;", 4);
			break;
		case '>':
			buf_add(b, "&gt;", 4);
			break;
		case '"':
			buf_add(b, "&quot;", 6);
			break;
		default:
			buf_add(b, "&#39;", 5);
			break;
		}
		s++;
	}
}

char *buf_take(strbuf *b, size_t *len)
{
	if (b->full) {
		free(b->p);
		*b = (strbuf){0};
		return NULL;
	}
	if (len)
		*len = b->len;
	char *p = b->p;
	*b = (strbuf){0};
	return p;
}

void hex_format(const uint8_t *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

void buf_pct(strbuf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    strchr("-._~", c))
			buf_add(b, s, 1);
		else
			buf_put(b, "%%%02X", c);
	}
}
