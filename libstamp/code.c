/*
 * code.c - the stamp code: payload bytes, signed message, base32, URL.
 *
 * This module owns the one text format that outlives every other decision:
 * once a stamp is printed and glued to a jar of fish sauce, its bytes cannot
 * change. So the encoder has exactly one output per code, and the decoder
 * accepts exactly one spelling per code (modulo letter case, which scanners
 * and phones change). Anything else is STAMP_EMALFORMED: two spellings of one
 * stamp would let a copier spread its scans over several counters, and the
 * decoder faces the whole internet through verifyd. docs/stamp-code.md is the
 * specification, tests/vectors/ pins it byte for byte.
 *
 * The host is deliberately not signed (see docs/stamp-code.md): a province
 * may move its verification domain without reprinting stamps.
 */
#include <string.h>

#include <sodium.h>

#include "internal.h"
#include "stamp/code.h"

#define DOMAIN "OCOPSTAMP-CODE-v1"
#define DOMAIN_LEN (sizeof DOMAIN - 1)
#define SERIAL_BYTES 5
#define HEAD_BYTES (1 + STAMP_KEYID_BYTES + SERIAL_BYTES) /* the signed fields */

_Static_assert(DOMAIN_LEN + HEAD_BYTES == STAMP_MSG_BYTES, "message layout");
_Static_assert(HEAD_BYTES + STAMP_SIG_BYTES == STAMP_PAYLOAD_BYTES, "payload layout");
_Static_assert((STAMP_PAYLOAD_BYTES * 8 + 4) / 5 == STAMP_B32_LEN, "base32 length");

static int serial_ok(uint64_t serial)
{
	return serial >= 1 && serial <= STAMP_SERIAL_MAX;
}

static void put_head(const stamp_code *c, uint8_t head[HEAD_BYTES])
{
	head[0] = c->version;
	memcpy(head + 1, c->key_id, STAMP_KEYID_BYTES);
	stamp_be_put(head + 1 + STAMP_KEYID_BYTES, c->serial, SERIAL_BYTES);
}

int stamp_code_message(const stamp_code *c, uint8_t out[STAMP_MSG_BYTES])
{
	if (!serial_ok(c->serial))
		return STAMP_EINPUT;
	memcpy(out, DOMAIN, DOMAIN_LEN);
	put_head(c, out + DOMAIN_LEN);
	return 0;
}

int stamp_code_verify(const stamp_code *c, const uint8_t pk[STAMP_PK_BYTES])
{
	uint8_t msg[STAMP_MSG_BYTES];

	/* a serial we would never sign cannot carry a genuine signature */
	if (stamp_code_message(c, msg) != 0)
		return STAMP_EFORGED;
	if (crypto_sign_verify_detached(c->sig, msg, sizeof msg, pk) != 0)
		return STAMP_EFORGED;
	return 0;
}

void stamp_code_to_b32(const stamp_code *c, char out[STAMP_B32_LEN + 1])
{
	uint8_t p[STAMP_PAYLOAD_BYTES];

	put_head(c, p);
	memcpy(p + HEAD_BYTES, c->sig, STAMP_SIG_BYTES);
	stamp_b32_encode(p, sizeof p, out);
}

int stamp_code_from_b32(const char *s, size_t len, stamp_code *out)
{
	uint8_t p[STAMP_PAYLOAD_BYTES];

	memset(out, 0, sizeof *out);
	/* the length check comes first so that s is never read past len */
	if (len != STAMP_B32_LEN || stamp_b32_decode(s, len, p, sizeof p) != 0)
		return STAMP_EMALFORMED;
	if (p[0] != STAMP_CODE_VERSION)
		return STAMP_EMALFORMED;
	uint64_t serial = stamp_be_get(p + 1 + STAMP_KEYID_BYTES, SERIAL_BYTES);
	if (!serial_ok(serial))
		return STAMP_EMALFORMED;
	out->version = p[0];
	memcpy(out->key_id, p + 1, STAMP_KEYID_BYTES);
	out->serial = serial;
	memcpy(out->sig, p + HEAD_BYTES, STAMP_SIG_BYTES);
	return 0;
}

static char upper(char ch)
{
	return (ch >= 'a' && ch <= 'z') ? (char)(ch - 'a' + 'A') : ch;
}

static int is_alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/*
 * Length of the scheme prefix ("http://" or "https://", any case) at the start
 * of s, or 0. Hand-rolled rather than strncasecmp so that it never depends on
 * the locale and never reads past n.
 */
static size_t scheme_len(const char *s, size_t n)
{
	static const char *const schemes[] = {"https://", "http://"};

	for (size_t k = 0; k < 2; k++) {
		size_t m = strlen(schemes[k]);
		size_t i = 0;
		if (n < m)
			continue;
		while (i < m && upper(s[i]) == upper(schemes[k][i]))
			i++;
		if (i == m)
			return m;
	}
	return 0;
}

/*
 * Check "HOST" or "HOST:PORT" (exactly n bytes): letters, digits, '.' and '-',
 * no leading or trailing '.' or '-', no empty label. The port is 1..65535
 * without a leading zero, so that each host has a single spelling.
 * Returns NULL when fine, else the rule that failed (for the diag).
 */
static const char *host_problem(const char *h, size_t n)
{
	size_t name = n;

	if (n == 0)
		return "the host is empty";
	if (n > STAMP_HOST_MAX)
		return "the host is longer than 64 characters";
	for (size_t i = 0; i < n; i++) {
		if (h[i] == ':') {
			name = i;
			break;
		}
	}
	if (name == 0)
		return "the host is empty";
	for (size_t i = 0; i < name; i++) {
		char ch = h[i];
		if (!is_alnum(ch) && ch != '.' && ch != '-')
			return "the host may hold only letters, digits, '.' and '-'";
		if (ch == '.' && i > 0 && h[i - 1] == '.')
			return "the host has an empty label (\"..\")";
	}
	if (h[0] == '.' || h[0] == '-' || h[name - 1] == '.' || h[name - 1] == '-')
		return "the host may not start or end with '.' or '-'";
	if (name == n)
		return NULL;

	const char *p = h + name + 1;
	size_t plen = n - name - 1;
	unsigned long port = 0;
	if (plen == 0 || plen > 5)
		return "the port must be 1 to 65535";
	if (p[0] == '0')
		return "the port may not start with 0";
	for (size_t i = 0; i < plen; i++) {
		if (p[i] < '0' || p[i] > '9')
			return "the port must be digits only";
		port = port * 10 + (unsigned long)(p[i] - '0');
	}
	if (port < 1 || port > 65535)
		return "the port must be 1 to 65535";
	return NULL;
}

int stamp_code_baseurl(const char *in, char out[STAMP_BASEURL_MAX + 1], stamp_diag *diag)
{
	size_t n = strlen(in);
	size_t sl = scheme_len(in, n);

	out[0] = '\0';
	if (sl == 0)
		return stamp_diag_set(diag, STAMP_EINPUT,
				      "base URL \"%.200s\": must start with https:// or http://",
				      in);
	const char *h = in + sl;
	size_t hlen = n - sl;
	if (hlen > 0 && h[hlen - 1] == '/')
		hlen--; /* one trailing slash, as browsers show it */
	for (size_t i = 0; i < hlen; i++) {
		if (h[i] == '/' || h[i] == '?' || h[i] == '#' || h[i] == '@')
			return stamp_diag_set(diag, STAMP_EINPUT,
					      "base URL \"%.200s\": only scheme://host[:port] is "
					      "allowed (no path, query, fragment or user name)",
					      in);
	}
	const char *why = host_problem(h, hlen);
	if (why)
		return stamp_diag_set(diag, STAMP_EINPUT, "base URL \"%.200s\": %s", in, why);

	/* sl is 7 or 8, hlen <= STAMP_HOST_MAX: the result always fits */
	size_t o = 0;
	for (size_t i = 0; i < sl; i++)
		out[o++] = upper(in[i]);
	for (size_t i = 0; i < hlen; i++)
		out[o++] = upper(h[i]);
	out[o] = '\0';
	return 0;
}

void stamp_code_to_url(const stamp_code *c, const char *base, char out[STAMP_CODE_TEXT_MAX + 1])
{
	char b32[STAMP_B32_LEN + 1];
	size_t blen = strnlen(base, STAMP_BASEURL_MAX + 1);

	/*
	 * A base longer than the contract allows is a caller bug; emitting a
	 * truncated URL would print stamps that do not scan, so emit nothing.
	 */
	if (blen > STAMP_BASEURL_MAX) {
		out[0] = '\0';
		return;
	}
	stamp_code_to_b32(c, b32);
	memcpy(out, base, blen);
	memcpy(out + blen, "/S/", 3);
	memcpy(out + blen + 3, b32, STAMP_B32_LEN + 1);
}

static int parse_fail(stamp_code *out, char *host)
{
	memset(out, 0, sizeof *out);
	if (host)
		host[0] = '\0';
	return STAMP_EMALFORMED;
}

int stamp_code_parse(const char *text, size_t len, stamp_code *out, char host[STAMP_HOST_MAX + 1])
{
	if (host)
		host[0] = '\0';
	/* any URL is longer than its base32 part, so this length means bare */
	if (len == STAMP_B32_LEN)
		return stamp_code_from_b32(text, len, out);
	if (len < STAMP_B32_LEN + 3)
		return parse_fail(out, host);

	size_t sl = scheme_len(text, len);
	if (sl == 0)
		return parse_fail(out, host);
	/* the tail is fixed-length, so the host is whatever lies between */
	const char *tail = text + len - STAMP_B32_LEN - 3;
	if (tail < text + sl || tail[0] != '/' || upper(tail[1]) != 'S' || tail[2] != '/')
		return parse_fail(out, host);
	const char *h = text + sl;
	size_t hlen = (size_t)(tail - h);
	if (host_problem(h, hlen) != NULL)
		return parse_fail(out, host);
	if (stamp_code_from_b32(tail + 3, STAMP_B32_LEN, out) != 0)
		return parse_fail(out, host);
	if (host) {
		for (size_t i = 0; i < hlen; i++)
			host[i] = upper(h[i]);
		host[hlen] = '\0';
	}
	return 0;
}
