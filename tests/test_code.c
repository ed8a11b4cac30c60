/*
 * test_code.c - the stamp code format: golden vectors recomputed byte for
 * byte (tests/vectors/codes.txt, made by an independent implementation),
 * forgeries that must fail (tests/vectors/forgeries.txt), and the strict
 * decoder's rejection table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "internal.h"
#include "stamp/code.h"
#include "stamp/key.h"

#define BASE "HTTPS://TEM.THANHHOA.GOV.VN"
#define MAX_VEC 16

typedef struct vectors {
	uint8_t seed[32];
	uint8_t pk[32];
	char keyid[16];
	char base[128];
	size_t n;
	uint64_t serial[MAX_VEC];
	char url[MAX_VEC][256];
} vectors;

static FILE *open_vector(const char *name)
{
	const char *src = getenv("STAMP_SOURCE_DIR");
	char path[4096];
	assert_non_null(src);
	int n = snprintf(path, sizeof path, "%s/tests/vectors/%s", src, name);
	assert_true(n > 0 && (size_t)n < sizeof path);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	return f;
}

/* Split "a\tb[\tc]\n" in place; returns the number of fields. */
static int split_tabs(char *line, char **f, int max)
{
	int n = 0;
	line[strcspn(line, "\n")] = '\0';
	f[n++] = line;
	for (char *p = line; *p && n < max; p++) {
		if (*p == '\t') {
			*p = '\0';
			f[n++] = p + 1;
		}
	}
	return n;
}

static void hex_to(const char *hex, uint8_t *out, size_t n)
{
	size_t got = 0;
	assert_int_equal(strlen(hex), 2 * n);
	assert_int_equal(sodium_hex2bin(out, n, hex, 2 * n, NULL, &got, NULL), 0);
	assert_int_equal(got, n);
}

static void load_codes(vectors *v)
{
	FILE *f = open_vector("codes.txt");
	char line[512];
	memset(v, 0, sizeof *v);
	while (fgets(line, sizeof line, f)) {
		char *fl[3];
		if (line[0] == '#')
			continue;
		assert_int_equal(split_tabs(line, fl, 3), 2);
		if (strcmp(fl[0], "seed") == 0) {
			hex_to(fl[1], v->seed, 32);
		} else if (strcmp(fl[0], "public") == 0) {
			hex_to(fl[1], v->pk, 32);
		} else if (strcmp(fl[0], "keyid") == 0) {
			assert_true(strlen(fl[1]) < sizeof v->keyid);
			strcpy(v->keyid, fl[1]);
		} else if (strcmp(fl[0], "base") == 0) {
			assert_true(strlen(fl[1]) < sizeof v->base);
			strcpy(v->base, fl[1]);
		} else {
			char *end = NULL;
			assert_true(v->n < MAX_VEC);
			v->serial[v->n] = strtoull(fl[0], &end, 10);
			assert_true(end != fl[0] && *end == '\0');
			assert_true(strlen(fl[1]) < sizeof v->url[0]);
			strcpy(v->url[v->n], fl[1]);
			v->n++;
		}
	}
	fclose(f);
	assert_int_equal(v->n, 5);
}

static int setup(void **state)
{
	(void)state;
	return stamp_init();
}

static stamp_keypair *vector_key(void)
{
	uint8_t seed[32];
	stamp_keypair *kp = NULL;
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;
	assert_int_equal(stamp_key_from_seed(seed, &kp), 0);
	return kp;
}

static void sign_serial(const stamp_keypair *kp, uint64_t serial, stamp_code *c)
{
	memset(c, 0, sizeof *c);
	c->serial = serial;
	assert_int_equal(stamp_key_sign(kp, c), 0);
}

static void test_golden(void **state)
{
	(void)state;
	vectors v;
	load_codes(&v);
	uint8_t seed[32];
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;
	assert_memory_equal(v.seed, seed, 32);
	assert_string_equal(v.base, BASE);

	stamp_keypair *kp = vector_key();
	const stamp_pubkey *pub = stamp_key_public(kp);
	char id[9];
	assert_memory_equal(pub->pk, v.pk, 32);
	stamp_key_id_format(pub->id, id);
	assert_string_equal(id, v.keyid);

	for (size_t i = 0; i < v.n; i++) {
		stamp_code c, back;
		char url[STAMP_CODE_TEXT_MAX + 1], host[STAMP_HOST_MAX + 1];
		sign_serial(kp, v.serial[i], &c);
		stamp_code_to_url(&c, BASE, url);
		assert_string_equal(url, v.url[i]);
		assert_int_equal(stamp_code_parse(url, strlen(url), &back, host), 0);
		assert_string_equal(host, "TEM.THANHHOA.GOV.VN");
		assert_memory_equal(&back, &c, sizeof c);
		assert_int_equal(stamp_code_verify(&back, v.pk), 0);
	}
	stamp_key_free(kp);
}

static int err_of(const char *name)
{
	if (strcmp(name, "EFORGED") == 0)
		return STAMP_EFORGED;
	if (strcmp(name, "EMALFORMED") == 0)
		return STAMP_EMALFORMED;
	fail_msg("unknown error name %s", name);
	return 0;
}

static void test_forgery_vectors(void **state)
{
	(void)state;
	vectors v;
	load_codes(&v);
	FILE *f = open_vector("forgeries.txt");
	char line[512];
	int forged = 0, malformed = 0;
	while (fgets(line, sizeof line, f)) {
		char *fl[3];
		stamp_code c;
		if (line[0] == '#')
			continue;
		assert_int_equal(split_tabs(line, fl, 3), 3);
		int want = err_of(fl[0]);
		int got = stamp_code_parse(fl[1], strlen(fl[1]), &c, NULL);
		if (want == STAMP_EMALFORMED) {
			if (got != STAMP_EMALFORMED)
				fail_msg("parsed, but must not: %s", fl[2]);
			malformed++;
		} else {
			if (got != 0)
				fail_msg("must parse: %s", fl[2]);
			if (stamp_code_verify(&c, v.pk) != STAMP_EFORGED)
				fail_msg("verified, but must not: %s", fl[2]);
			forged++;
		}
	}
	fclose(f);
	assert_true(forged >= 4);
	assert_true(malformed >= 8);
}

static void test_forgeries_made_here(void **state)
{
	(void)state;
	stamp_keypair *kp = vector_key();
	const uint8_t *pk = stamp_key_public(kp)->pk;
	stamp_code c, d;
	char url[STAMP_CODE_TEXT_MAX + 1];
	size_t blen = strlen(BASE) + 3;

	sign_serial(kp, 1000, &c);
	stamp_code_to_url(&c, BASE, url);
	size_t len = strlen(url);

	/* a character in the middle of the signature: parses, does not verify */
	url[blen + 60] = url[blen + 60] == 'A' ? 'B' : 'A';
	assert_int_equal(stamp_code_parse(url, len, &d, NULL), 0);
	assert_int_equal(stamp_code_verify(&d, pk), STAMP_EFORGED);
	stamp_code_to_url(&c, BASE, url);

	/* the last character holds 2 signature bits and 3 pad bits (vector ends 'Q' = 10000) */
	assert_int_equal(url[len - 1], 'Q');
	url[len - 1] = 'A'; /* signature bits change, pad stays zero */
	assert_int_equal(stamp_code_parse(url, len, &d, NULL), 0);
	assert_int_equal(stamp_code_verify(&d, pk), STAMP_EFORGED);
	url[len - 1] = 'R'; /* a pad bit */
	assert_int_equal(stamp_code_parse(url, len, &d, NULL), STAMP_EMALFORMED);

	/* the serial changed, the old signature kept */
	d = c;
	d.serial = 1001;
	assert_int_equal(stamp_code_verify(&d, pk), STAMP_EFORGED);

	/* signed by another seed under our key id */
	uint8_t seed2[32];
	stamp_keypair *other = NULL;
	for (int i = 0; i < 32; i++)
		seed2[i] = (uint8_t)(0xff - i);
	assert_int_equal(stamp_key_from_seed(seed2, &other), 0);
	sign_serial(other, 1000, &d);
	assert_int_equal(stamp_code_verify(&d, stamp_key_public(other)->pk), 0);
	assert_int_equal(stamp_code_verify(&d, pk), STAMP_EFORGED);
	memcpy(d.key_id, c.key_id, sizeof d.key_id);
	assert_int_equal(stamp_code_verify(&d, pk), STAMP_EFORGED);
	/* the key id is signed too: relabelling breaks the other key's signature */
	assert_int_equal(stamp_code_verify(&d, stamp_key_public(other)->pk), STAMP_EFORGED);

	/* a serial we never sign cannot verify, whatever the signature */
	d = c;
	d.serial = 0;
	assert_int_equal(stamp_code_verify(&d, pk), STAMP_EFORGED);
	d.serial = STAMP_SERIAL_MAX + 1;
	assert_int_equal(stamp_code_verify(&d, pk), STAMP_EFORGED);

	stamp_key_free(other);
	stamp_key_free(kp);
}

static void test_message_bytes(void **state)
{
	(void)state;
	stamp_code c = {.version = 1, .key_id = {0xde, 0xad, 0xbe, 0xef}, .serial = 0x0102030405};
	uint8_t m[STAMP_MSG_BYTES];
	static const uint8_t want[] = "OCOPSTAMP-CODE-v1\x01\xde\xad\xbe\xef\x01\x02\x03\x04\x05";
	assert_int_equal(sizeof want - 1, STAMP_MSG_BYTES);
	assert_int_equal(stamp_code_message(&c, m), 0);
	assert_memory_equal(m, want, STAMP_MSG_BYTES);
	c.serial = 0;
	assert_int_equal(stamp_code_message(&c, m), STAMP_EINPUT);
	c.serial = STAMP_SERIAL_MAX + 1;
	assert_int_equal(stamp_code_message(&c, m), STAMP_EINPUT);
	c.serial = STAMP_SERIAL_MAX;
	assert_int_equal(stamp_code_message(&c, m), 0);
	stamp_keypair *kp = vector_key();
	assert_int_equal(stamp_key_sign(kp, &(stamp_code){.serial = 0}), STAMP_EINPUT);
	stamp_key_free(kp);
}

static void test_b32_round_trip(void **state)
{
	(void)state;
	char b32[STAMP_B32_LEN + 1];
	for (int i = 0; i < 200; i++) {
		stamp_code c, back;
		memset(&c, 0, sizeof c); /* struct padding takes part in memory compares */
		c.version = STAMP_CODE_VERSION;
		randombytes_buf(c.key_id, sizeof c.key_id);
		randombytes_buf(c.sig, sizeof c.sig);
		c.serial = 1 + randombytes_uniform(UINT32_MAX) * (uint64_t)(i % 200 + 1);
		if (i == 0)
			c.serial = STAMP_SERIAL_MAX;
		stamp_code_to_b32(&c, b32);
		assert_int_equal(strlen(b32), STAMP_B32_LEN);
		assert_int_equal(stamp_code_from_b32(b32, STAMP_B32_LEN, &back), 0);
		assert_memory_equal(&back, &c, sizeof c);
		/* the bare base32 is a valid scanned text too */
		char host[STAMP_HOST_MAX + 1] = "junk";
		assert_int_equal(stamp_code_parse(b32, STAMP_B32_LEN, &back, host), 0);
		assert_string_equal(host, "");
		assert_memory_equal(&back, &c, sizeof c);
	}
}

/* A valid URL for the rejection table, built once. */
static void valid_url(char *url, char *b32)
{
	stamp_keypair *kp = vector_key();
	stamp_code c;
	sign_serial(kp, 123456789, &c);
	stamp_code_to_url(&c, BASE, url);
	stamp_code_to_b32(&c, b32);
	stamp_key_free(kp);
}

static void expect_malformed(const char *text, size_t len)
{
	stamp_code c;
	char host[STAMP_HOST_MAX + 1];
	memset(&c, 0x55, sizeof c);
	strcpy(host, "X");
	if (stamp_code_parse(text, len, &c, host) != STAMP_EMALFORMED)
		fail_msg("accepted: %.*s", (int)len, text);
	/* outputs are cleared on failure */
	stamp_code zero;
	memset(&zero, 0, sizeof zero);
	assert_memory_equal(&c, &zero, sizeof c);
	assert_string_equal(host, "");
}

static void test_parse_rejects(void **state)
{
	(void)state;
	char url[STAMP_CODE_TEXT_MAX + 1], b32[STAMP_B32_LEN + 1], t[512];
	valid_url(url, b32);
	const char *code = url + strlen(BASE) + 3;

	static const struct {
		const char *before, *after;
	} wrap[] = {
		{"", "?"},  {"", "?x=1"}, {"", "#top"}, {"", "/"}, {"", " "},	 {" ", ""},
		{"", "\n"}, {"", "A"},	  {"", "%20"},	{"X", ""}, {"", "\r\n"}, {"\t", ""},
	};
	for (size_t i = 0; i < sizeof wrap / sizeof wrap[0]; i++) {
		snprintf(t, sizeof t, "%s%s%s", wrap[i].before, url, wrap[i].after);
		expect_malformed(t, strlen(t));
	}
	static const char *const prefixes[] = {
		"FTP://TEM.THANHHOA.GOV.VN/S/",
		"HTTPS:/TEM.THANHHOA.GOV.VN/S/",
		"HTTPS//TEM.THANHHOA.GOV.VN/S/",
		"HTTPSS://TEM.THANHHOA.GOV.VN/S/",
		"HTTPS://TEM.THANHHOA.GOV.VN/",
		"HTTPS://TEM.THANHHOA.GOV.VN//S/",
		"HTTPS://TEM.THANHHOA.GOV.VN/V/",
		"HTTPS://TEM.THANHHOA.GOV.VN/S/S/",
		"HTTPS://TEM.THANHHOA.GOV.VN/X/S/",
		"HTTPS:///S/",
		"HTTPS://USER@TEM.VN/S/",
		"HTTPS://TEM.VN:0/S/",
		"HTTPS://TEM.VN:65536/S/",
		"HTTPS://TEM.VN:/S/",
		"HTTPS://TEM.VN:08080/S/",
		"HTTPS://.TEM.VN/S/",
		"HTTPS://TEM.VN./S/",
		"HTTPS://-TEM.VN/S/",
		"HTTPS://TEM..VN/S/",
		"HTTPS://TEM_X.VN/S/",
		"HTTPS://TÊM.VN/S/",
		"HTTPS://TEM.VN/S",
		"/S/",
		"S/",
		"HTTPS://AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.VN/S/",
	};
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
		snprintf(t, sizeof t, "%s%s", prefixes[i], code);
		expect_malformed(t, strlen(t));
	}

	/* wrong lengths: empty, one short, one long, bare and in a URL */
	expect_malformed("", 0);
	expect_malformed(b32, STAMP_B32_LEN - 1);
	snprintf(t, sizeof t, "%sA", b32);
	expect_malformed(t, strlen(t));
	expect_malformed(url, strlen(url) - 1);

	/* characters outside the alphabet, in the bare and the URL form */
	static const char bad[] = "0189=+/-_ \t";
	for (size_t i = 0; i < sizeof bad - 1; i++) {
		strcpy(t, b32);
		t[50] = bad[i];
		expect_malformed(t, STAMP_B32_LEN);
		snprintf(t, sizeof t, "%s", url);
		t[strlen(BASE) + 3 + 50] = bad[i];
		expect_malformed(t, strlen(t));
	}

	/* a NUL inside len: not the end of the text */
	memcpy(t, url, strlen(url) + 1);
	t[strlen(url) - 5] = '\0';
	expect_malformed(t, strlen(url));
	memcpy(t, url, strlen(url) + 1);
	t[10] = '\0';
	expect_malformed(t, strlen(url));
}

static void test_parse_rejects_payload(void **state)
{
	(void)state;
	uint8_t p[STAMP_PAYLOAD_BYTES];
	char b32[STAMP_B32_LEN + 1];
	stamp_code c;

	/* a valid payload for reference */
	memset(p, 0x42, sizeof p);
	p[0] = 1;
	stamp_b32_encode(p, sizeof p, b32);
	assert_int_equal(stamp_code_from_b32(b32, STAMP_B32_LEN, &c), 0);
	assert_int_equal(c.serial, 0x4242424242);

	static const uint8_t versions[] = {0, 2, 0xff};
	for (size_t i = 0; i < sizeof versions; i++) {
		p[0] = versions[i];
		stamp_b32_encode(p, sizeof p, b32);
		assert_int_equal(stamp_code_from_b32(b32, STAMP_B32_LEN, &c), STAMP_EMALFORMED);
	}
	p[0] = 1;
	memset(p + 5, 0, 5); /* serial 0 */
	stamp_b32_encode(p, sizeof p, b32);
	assert_int_equal(stamp_code_from_b32(b32, STAMP_B32_LEN, &c), STAMP_EMALFORMED);
	assert_int_equal(c.version, 0); /* zeroed on failure */
	p[9] = 1;			/* serial 1 */
	stamp_b32_encode(p, sizeof p, b32);
	assert_int_equal(stamp_code_from_b32(b32, STAMP_B32_LEN, &c), 0);
	assert_int_equal(c.serial, 1);

	/* each of the 3 pad bits alone is rejected */
	for (int bit = 0; bit < 3; bit++) {
		static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
		char t[STAMP_B32_LEN + 1];
		memcpy(t, b32, sizeof t);
		int v = (int)(strchr(alpha, t[STAMP_B32_LEN - 1]) - alpha);
		t[STAMP_B32_LEN - 1] = alpha[v ^ (1 << bit)];
		assert_int_equal(stamp_code_from_b32(t, STAMP_B32_LEN, &c), STAMP_EMALFORMED);
	}
}

static void test_parse_case_and_scheme(void **state)
{
	(void)state;
	char url[STAMP_CODE_TEXT_MAX + 1], b32[STAMP_B32_LEN + 1], t[512], host[STAMP_HOST_MAX + 1];
	stamp_code want, c;
	valid_url(url, b32);
	assert_int_equal(stamp_code_from_b32(b32, STAMP_B32_LEN, &want), 0);

	/* a phone or a scanner may lower-case any part */
	for (size_t i = 0; i < strlen(url); i++)
		t[i] = (char)((url[i] >= 'A' && url[i] <= 'Z') ? url[i] + 32 : url[i]);
	t[strlen(url)] = '\0';
	assert_int_equal(stamp_code_parse(t, strlen(t), &c, host), 0);
	assert_memory_equal(&c, &want, sizeof c);
	assert_string_equal(host, "TEM.THANHHOA.GOV.VN");

	const char *code = url + strlen(BASE) + 3;
	static const struct {
		const char *prefix, *host;
	} ok[] = {
		{"http://tem.thanhhoa.gov.vn/s/", "TEM.THANHHOA.GOV.VN"},
		{"Https://Tem.ThanhHoa.gov.vn/S/", "TEM.THANHHOA.GOV.VN"},
		{"HTTP://LOCALHOST:8080/S/", "LOCALHOST:8080"},
		{"https://127.0.0.1:65535/S/", "127.0.0.1:65535"},
		{"https://a/S/", "A"},
		{"https://xn--thanhha-8ya.vn/S/", "XN--THANHHA-8YA.VN"},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		snprintf(t, sizeof t, "%s%s", ok[i].prefix, code);
		assert_int_equal(stamp_code_parse(t, strlen(t), &c, host), 0);
		assert_memory_equal(&c, &want, sizeof c);
		assert_string_equal(host, ok[i].host);
		/* host may be NULL */
		assert_int_equal(stamp_code_parse(t, strlen(t), &c, NULL), 0);
	}
	/* a host of exactly STAMP_HOST_MAX characters fits */
	char h64[STAMP_HOST_MAX + 1];
	memset(h64, 'A', STAMP_HOST_MAX);
	h64[STAMP_HOST_MAX] = '\0';
	snprintf(t, sizeof t, "https://%s/S/%s", h64, code);
	assert_int_equal(stamp_code_parse(t, strlen(t), &c, host), 0);
	assert_string_equal(host, h64);
	snprintf(t, sizeof t, "https://%sA/S/%s", h64, code);
	expect_malformed(t, strlen(t));
}

static void test_baseurl(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} ok[] = {
		{"https://tem.thanhhoa.gov.vn", "HTTPS://TEM.THANHHOA.GOV.VN"},
		{"https://tem.thanhhoa.gov.vn/", "HTTPS://TEM.THANHHOA.GOV.VN"},
		{"HTTPS://TEM.THANHHOA.GOV.VN", "HTTPS://TEM.THANHHOA.GOV.VN"},
		{"hTTp://localhost:8080", "HTTP://LOCALHOST:8080"},
		{"http://localhost:8080/", "HTTP://LOCALHOST:8080"},
		{"https://10.0.0.1:1", "HTTPS://10.0.0.1:1"},
		{"https://a-b.c-d.vn:65535", "HTTPS://A-B.C-D.VN:65535"},
	};
	char out[STAMP_BASEURL_MAX + 1];
	stamp_diag d;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		assert_int_equal(stamp_code_baseurl(ok[i].in, out, &d), 0);
		assert_string_equal(out, ok[i].out);
	}
	static const char *const bad[] = {
		"",
		"tem.thanhhoa.gov.vn",
		"ftp://tem.vn",
		"https:/tem.vn",
		"https://",
		"https:///",
		"https://tem.vn//",
		"https://tem.vn/s",
		"https://tem.vn/S/",
		"https://tem.vn?x=1",
		"https://tem.vn#x",
		"https://user@tem.vn",
		"https://user:pw@tem.vn",
		"https://tem.vn:0",
		"https://tem.vn:65536",
		"https://tem.vn:99999999999999999999",
		"https://tem.vn:",
		"https://tem.vn:80a",
		"https://tem.vn:-80",
		"https://tem.vn:080",
		"https://:8080",
		"https://.tem.vn",
		"https://tem.vn.",
		"https://-tem.vn",
		"https://tem.vn-",
		"https://tem..vn",
		"https://tem vn",
		"https://tem_vn",
		"https://tem.vn ",
		" https://tem.vn",
		"https://[::1]",
		"https://AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		d.msg[0] = '\0';
		strcpy(out, "junk");
		if (stamp_code_baseurl(bad[i], out, &d) != STAMP_EINPUT)
			fail_msg("accepted base URL \"%s\"", bad[i]);
		assert_string_equal(out, "");
		assert_true(strlen(d.msg) > 0);
	}
	/* 64 characters of host is the limit; port counts */
	char in[128];
	memset(out, 0, sizeof out);
	snprintf(in, sizeof in, "https://%.*s", STAMP_HOST_MAX,
		 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	assert_int_equal(stamp_code_baseurl(in, out, NULL), 0);
	assert_int_equal(strlen(out), STAMP_BASEURL_MAX);
	snprintf(in, sizeof in, "https://%.*s:1", STAMP_HOST_MAX - 1,
		 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	assert_int_equal(stamp_code_baseurl(in, out, NULL), STAMP_EINPUT);
	/* the diag names the rule */
	assert_int_equal(stamp_code_baseurl("https://tem.vn/path", out, &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "path"));
}

static void test_to_url_bounds(void **state)
{
	(void)state;
	stamp_code c = {.version = 1, .serial = 7};
	char url[STAMP_CODE_TEXT_MAX + 1], base[STAMP_BASEURL_MAX + 2];
	/* the longest base makes the longest URL, exactly STAMP_CODE_TEXT_MAX */
	memcpy(base, "HTTPS://", 8);
	memset(base + 8, 'H', STAMP_HOST_MAX);
	base[STAMP_BASEURL_MAX] = '\0';
	stamp_code_to_url(&c, base, url);
	assert_int_equal(strlen(url), STAMP_CODE_TEXT_MAX);
	/* a base over the contract yields nothing rather than a truncated code */
	base[STAMP_BASEURL_MAX] = 'H';
	base[STAMP_BASEURL_MAX + 1] = '\0';
	stamp_code_to_url(&c, base, url);
	assert_string_equal(url, "");
}

/* The QR sizing claim of docs/stamp-code.md: a 24-character host gives 154 characters. */
static void test_url_length(void **state)
{
	(void)state;
	stamp_code c = {.version = 1, .serial = STAMP_SERIAL_MAX};
	char url[STAMP_CODE_TEXT_MAX + 1];
	stamp_code_to_url(&c, "HTTPS://TEM.TRUYXUAT.THANHHOA.VN", url);
	assert_int_equal(strlen("TEM.TRUYXUAT.THANHHOA.VN"), 24);
	assert_int_equal(strlen(url), 154);
	/* every character is in the QR alphanumeric set */
	assert_int_equal(strspn(url, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"), 154);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_forgery_vectors),
		cmocka_unit_test(test_forgeries_made_here),
		cmocka_unit_test(test_message_bytes),
		cmocka_unit_test(test_b32_round_trip),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_parse_rejects_payload),
		cmocka_unit_test(test_parse_case_and_scheme),
		cmocka_unit_test(test_baseurl),
		cmocka_unit_test(test_to_url_bounds),
		cmocka_unit_test(test_url_length),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
