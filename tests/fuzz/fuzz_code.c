/*
 * fuzz_code.c - libFuzzer target for the stamp code decoder.
 *
 * stamp_code_parse is the one function that every shopper's phone, and every
 * prankster on the internet, feeds through verifyd. Besides memory safety,
 * this target checks the property that makes scan counting honest: a code has
 * exactly one spelling. Whatever parses must re-encode to the same text (up
 * to letter case) and parse back to the same struct and host. A rejection is
 * always STAMP_EMALFORMED.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "stamp/code.h"

static char upper(char ch)
{
	return (ch >= 'a' && ch <= 'z') ? (char)(ch - 'a' + 'A') : ch;
}

static int same_code(const stamp_code *a, const stamp_code *b)
{
	return a->version == b->version && a->serial == b->serial &&
	       memcmp(a->key_id, b->key_id, sizeof a->key_id) == 0 &&
	       memcmp(a->sig, b->sig, sizeof a->sig) == 0;
}

/* text (len bytes) equals ref, ignoring letter case */
static int same_text(const uint8_t *text, size_t len, const char *ref)
{
	if (len != strlen(ref))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (upper((char)text[i]) != ref[i])
			return 0;
	return 1;
}

static void check_bare(const stamp_code *c, const uint8_t *data, size_t size)
{
	char b32[STAMP_B32_LEN + 1], host[STAMP_HOST_MAX + 1];
	stamp_code again;

	stamp_code_to_b32(c, b32);
	if (stamp_code_parse(b32, STAMP_B32_LEN, &again, host) != 0 || !same_code(c, &again) ||
	    host[0] != '\0')
		fuzz_fail("the bare base32 of a parsed code does not parse back to it");
	if (size == STAMP_B32_LEN && !same_text(data, size, b32))
		fuzz_fail("a second bare spelling of the same payload");
}

static void check_url(const stamp_code *c, const char *host, const uint8_t *data, size_t size)
{
	static const char *const schemes[] = {"HTTPS://", "HTTP://"};
	int matched = 0;

	for (int k = 0; k < 2; k++) {
		char base[STAMP_BASEURL_MAX + 1], url[STAMP_CODE_TEXT_MAX + 1];
		char host2[STAMP_HOST_MAX + 1];
		stamp_code again;
		size_t sl = strlen(schemes[k]), hl = strlen(host);

		if (hl > STAMP_HOST_MAX)
			fuzz_fail("host of %zu bytes", hl);
		memcpy(base, schemes[k], sl);
		memcpy(base + sl, host, hl + 1);
		stamp_code_to_url(c, base, url);
		if (stamp_code_parse(url, strlen(url), &again, host2) != 0 ||
		    !same_code(c, &again) || strcmp(host, host2) != 0)
			fuzz_fail("the URL of a parsed code does not parse back to it: %s", url);
		matched |= same_text(data, size, url);
	}
	if (!matched)
		fuzz_fail("the input is not the canonical spelling of what it parsed to");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	stamp_code c;
	char host[STAMP_HOST_MAX + 1];

	int rc = stamp_code_parse((const char *)data, size, &c, host);
	fuzz_result = rc;
	if (rc != 0 && rc != STAMP_EMALFORMED)
		fuzz_fail("stamp_code_parse: %d, neither 0 nor STAMP_EMALFORMED", rc);
	if (rc != 0)
		return 0;
	if (c.version != STAMP_CODE_VERSION || c.serial == 0 || c.serial > STAMP_SERIAL_MAX)
		fuzz_fail("version %d, serial %llu", c.version, (unsigned long long)c.serial);
	check_bare(&c, data, size);
	if (host[0] != '\0')
		check_url(&c, host, data, size);
	else if (size != STAMP_B32_LEN)
		fuzz_fail("no host, but %zu bytes", size);
	return 0;
}
