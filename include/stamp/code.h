/*
 * code.h - the stamp code: the text inside each QR symbol.
 *
 * A code is an upper-case URL that a stock phone camera opens:
 *
 *     HTTPS://<HOST>/S/<BASE32>
 *
 * The base32 part (RFC 4648 alphabet, no padding, 119 characters) carries a
 * 74-byte payload: format version (1 byte), key id (4 bytes), serial (40-bit
 * big-endian) and an Ed25519 signature (64 bytes) over a domain-separated
 * message. docs/stamp-code.md is the specification; tests/vectors/ pins it.
 * Upper case keeps the whole URL in the QR alphanumeric set, which is what
 * keeps the symbol at version 7 or lower at ECC level M.
 */
#ifndef STAMP_CODE_H
#define STAMP_CODE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define STAMP_CODE_VERSION 1
#define STAMP_KEYID_BYTES 4
#define STAMP_PK_BYTES 32
#define STAMP_SIG_BYTES 64
#define STAMP_SERIAL_MAX ((UINT64_C(1) << 40) - 1)
#define STAMP_PAYLOAD_BYTES (1 + STAMP_KEYID_BYTES + 5 + STAMP_SIG_BYTES) /* 74 */
#define STAMP_B32_LEN 119						  /* ceil(74 * 8 / 5) */
#define STAMP_MSG_BYTES (17 + 10)	       /* domain string + version, key id, serial */
#define STAMP_HOST_MAX 64		       /* "HOST" or "HOST:PORT" */
#define STAMP_BASEURL_MAX (8 + STAMP_HOST_MAX) /* HTTPS://HOST */
#define STAMP_CODE_TEXT_MAX (STAMP_BASEURL_MAX + 3 + STAMP_B32_LEN) /* without NUL */

typedef struct stamp_code {
	uint8_t version; /* STAMP_CODE_VERSION */
	uint8_t key_id[STAMP_KEYID_BYTES];
	uint64_t serial; /* 1 ... STAMP_SERIAL_MAX */
	uint8_t sig[STAMP_SIG_BYTES];
} stamp_code;

/*
 * The exact bytes the signature covers:
 * "OCOPSTAMP-CODE-v1" || version || key id || serial (5 bytes, big-endian).
 * Returns STAMP_EINPUT when the serial is 0 or above STAMP_SERIAL_MAX.
 */
int stamp_code_message(const stamp_code *c, uint8_t out[STAMP_MSG_BYTES]) STAMP_WUR;

/* 0 when sig verifies under pk, STAMP_EFORGED otherwise (constant time). */
int stamp_code_verify(const stamp_code *c, const uint8_t pk[STAMP_PK_BYTES]) STAMP_WUR;

/* Base32 of the payload, upper case, NUL-terminated. */
void stamp_code_to_b32(const stamp_code *c, char out[STAMP_B32_LEN + 1]);

/*
 * Strict decoder of the base32 part: exactly STAMP_B32_LEN characters of the
 * RFC 4648 alphabet (lower case accepted), zero padding bits, known version,
 * serial in range. Returns 0 or STAMP_EMALFORMED; *out is zeroed on failure.
 */
int stamp_code_from_b32(const char *s, size_t len, stamp_code *out) STAMP_WUR;

/*
 * Normalise a base URL given by an officer ("https://tem.thanhhoa.gov.vn",
 * optional port, optional trailing slash) into "HTTPS://TEM.THANHHOA.GOV.VN".
 * Only http and https; host of letters, digits, '.', '-' and an optional
 * ":port"; at most STAMP_HOST_MAX characters. out holds STAMP_BASEURL_MAX + 1.
 */
int stamp_code_baseurl(const char *in, char out[STAMP_BASEURL_MAX + 1], stamp_diag *diag) STAMP_WUR;

/* base (already normalised) + "/S/" + base32 into out (STAMP_CODE_TEXT_MAX + 1). */
void stamp_code_to_url(const stamp_code *c, const char *base, char out[STAMP_CODE_TEXT_MAX + 1]);

/*
 * Parse a scanned text: a whole code URL (any case, http or https) or the bare
 * base32 part. The host, when present, is copied upper-cased into host (may be
 * NULL); "" when absent. Anything else, including trailing junk, a query string
 * or a path other than /S/, is STAMP_EMALFORMED.
 */
int stamp_code_parse(const char *text, size_t len, stamp_code *out,
		     char host[STAMP_HOST_MAX + 1]) STAMP_WUR;

#endif
