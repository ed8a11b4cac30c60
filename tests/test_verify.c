/*
 * test_verify.c - the verdicts: genuine (with and without a store), unknown
 * serial, forged, unknown key, malformed; lower-case codes; key files
 * searched before the store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixture.h"

typedef struct vfx {
	fixture f;
	char url[STAMP_CODE_TEXT_MAX + 1]; /* serial 2 of batch 1 */
} vfx;

static int setup(void **state)
{
	vfx *v = calloc(1, sizeof *v);
	stamp_issue_req r = fixture_req("L1", 3);
	stamp_batch b;
	stamp_code c = {.serial = 2};

	assert_int_equal(fixture_open(&v->f), 0);
	assert_int_equal(stamp_issue(v->f.st, v->f.kp, &r, &b, NULL), 0);
	assert_int_equal(stamp_key_sign(v->f.kp, &c), 0);
	stamp_code_to_url(&c, "HTTPS://TEM.THANHHOA.GOV.VN", v->url);
	*state = v;
	return 0;
}

static int teardown(void **state)
{
	vfx *v = *state;
	fixture_close(&v->f);
	free(v);
	return 0;
}

static stamp_verdict verdict(vfx *v, int with_store, const stamp_pubkey *keys, size_t n,
			     const char *text, stamp_check *out)
{
	stamp_txn *t = NULL;
	if (with_store)
		assert_int_equal(stamp_txn_begin(v->f.st, 0, &t), 0);
	assert_int_equal(stamp_verify_text(t, keys, n, text, strlen(text), out), 0);
	stamp_txn_abort(t);
	return out->verdict;
}

static void genuine_with_details(void **state)
{
	vfx *v = *state;
	stamp_check k;
	assert_int_equal(verdict(v, 1, NULL, 0, v->url, &k), STAMP_V_GENUINE);
	assert_true(k.in_store);
	assert_int_equal(k.code.serial, 2);
	assert_int_equal(k.batch.id, 1);
	assert_string_equal(k.batch.lot, "L1");
	assert_string_equal(k.product.name, "Nước mắm cốt cá cơm");
	assert_string_equal(k.coop.district, "Hoằng Hóa");
	assert_string_equal(k.host, "TEM.THANHHOA.GOV.VN");
	assert_string_equal(stamp_verdict_name(k.verdict), "genuine");
}

static void lower_case_and_bare_code_are_genuine(void **state)
{
	vfx *v = *state;
	stamp_check k;
	char low[sizeof v->url];
	for (size_t i = 0; i <= strlen(v->url); i++)
		low[i] = (char)(v->url[i] >= 'A' && v->url[i] <= 'Z' ? v->url[i] + 32 : v->url[i]);
	assert_int_equal(verdict(v, 1, NULL, 0, low, &k), STAMP_V_GENUINE);
	const char *bare = strstr(v->url, "/S/") + 3;
	assert_int_equal(verdict(v, 1, NULL, 0, bare, &k), STAMP_V_GENUINE);
	assert_string_equal(k.host, "");
}

static void offline_with_key_file_only(void **state)
{
	vfx *v = *state;
	stamp_check k;
	const stamp_pubkey *pub = stamp_key_public(v->f.kp);
	assert_int_equal(verdict(v, 0, pub, 1, v->url, &k), STAMP_V_GENUINE);
	assert_false(k.in_store);
	assert_int_equal(verdict(v, 0, NULL, 0, v->url, &k), STAMP_V_UNKNOWN_KEY);
}

static void signed_but_not_issued_is_unknown(void **state)
{
	vfx *v = *state;
	stamp_check k;
	stamp_code c = {.serial = 999};
	char url[STAMP_CODE_TEXT_MAX + 1];
	assert_int_equal(stamp_key_sign(v->f.kp, &c), 0);
	stamp_code_to_url(&c, "HTTPS://TEM.THANHHOA.GOV.VN", url);
	assert_int_equal(verdict(v, 1, NULL, 0, url, &k), STAMP_V_UNKNOWN);
	assert_false(k.in_store);
}

static void forgeries_are_caught(void **state)
{
	vfx *v = *state;
	stamp_check k;
	stamp_code c;
	char url[STAMP_CODE_TEXT_MAX + 1];

	/* a signature byte changed */
	assert_int_equal(stamp_code_parse(v->url, strlen(v->url), &c, NULL), 0);
	c.sig[10] ^= 1;
	stamp_code_to_url(&c, "HTTPS://TEM.THANHHOA.GOV.VN", url);
	assert_int_equal(verdict(v, 1, NULL, 0, url, &k), STAMP_V_FORGED);
	/* the serial changed, the signature of serial 2 kept */
	c.sig[10] ^= 1;
	c.serial = 3;
	stamp_code_to_url(&c, "HTTPS://TEM.THANHHOA.GOV.VN", url);
	assert_int_equal(verdict(v, 1, NULL, 0, url, &k), STAMP_V_FORGED);
	/* signed by a key that is not registered */
	uint8_t seed[32];
	stamp_keypair *other;
	fixture_seed(seed, 50);
	assert_int_equal(stamp_key_from_seed(seed, &other), 0);
	c.serial = 2;
	assert_int_equal(stamp_key_sign(other, &c), 0);
	stamp_code_to_url(&c, "HTTPS://TEM.THANHHOA.GOV.VN", url);
	assert_int_equal(verdict(v, 1, NULL, 0, url, &k), STAMP_V_UNKNOWN_KEY);
	/* the other key's id with our key's signature: the key id is signed too */
	memcpy(c.key_id, stamp_key_public(v->f.kp)->id, STAMP_KEYID_BYTES);
	stamp_code_to_url(&c, "HTTPS://TEM.THANHHOA.GOV.VN", url);
	assert_int_equal(verdict(v, 1, NULL, 0, url, &k), STAMP_V_FORGED);
	stamp_key_free(other);
}

static void malformed_inputs(void **state)
{
	vfx *v = *state;
	stamp_check k;
	char junk[sizeof v->url + 2];
	const char *cases[] = {"", "HTTPS://TEM.THANHHOA.GOV.VN/S/", "hello",
			       "HTTPS://TEM.THANHHOA.GOV.VN/X/AAAA"};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(verdict(v, 1, NULL, 0, cases[i], &k), STAMP_V_MALFORMED);
	snprintf(junk, sizeof junk, "%sA", v->url);
	assert_int_equal(verdict(v, 1, NULL, 0, junk, &k), STAMP_V_MALFORMED);
	assert_string_equal(stamp_verdict_name(STAMP_V_MALFORMED), "malformed");
}

static stamp_verdict fast(vfx *v, const stamp_code *c, stamp_check *out)
{
	stamp_txn *t;
	assert_int_equal(stamp_txn_begin(v->f.st, 0, &t), 0);
	assert_int_equal(stamp_verify_code(t, NULL, 0, c, STAMP_VERIFY_TRUST_STORED, out), 0);
	stamp_txn_abort(t);
	return out->verdict;
}

/* verifyd's fast path gives the same verdicts as the full check. */
static void trusted_store_path_agrees(void **state)
{
	vfx *v = *state;
	stamp_check k;
	stamp_code c;
	uint8_t seed[32];
	stamp_keypair *other;
	stamp_keyrec rec = {0};
	stamp_txn *t;

	assert_int_equal(stamp_code_parse(v->url, strlen(v->url), &c, NULL), 0);
	assert_int_equal(fast(v, &c, &k), STAMP_V_GENUINE);
	assert_true(k.in_store);
	assert_string_equal(k.batch.lot, "L1");
	c.sig[0] ^= 0x80;
	assert_int_equal(fast(v, &c, &k), STAMP_V_FORGED);
	assert_false(k.in_store);
	c.sig[0] ^= 0x80;
	c.serial = 999; /* not issued: falls back to the full check */
	assert_int_equal(fast(v, &c, &k), STAMP_V_FORGED);
	assert_int_equal(stamp_key_sign(v->f.kp, &c), 0);
	assert_int_equal(fast(v, &c, &k), STAMP_V_UNKNOWN);

	/* a second registered key signing serial 2, issued under the first */
	fixture_seed(seed, 77);
	assert_int_equal(stamp_key_from_seed(seed, &other), 0);
	memcpy(rec.id, stamp_key_public(other)->id, STAMP_KEYID_BYTES);
	memcpy(rec.pk, stamp_key_public(other)->pk, STAMP_PK_BYTES);
	assert_int_equal(stamp_txn_begin(v->f.st, 1, &t), 0);
	assert_int_equal(stamp_store_put_key(t, &rec, 0), 0);
	assert_int_equal(stamp_txn_commit(t, NULL), 0);
	c.serial = 2;
	assert_int_equal(stamp_key_sign(other, &c), 0);
	assert_int_equal(fast(v, &c, &k), STAMP_V_FORGED);
	char url[STAMP_CODE_TEXT_MAX + 1];
	stamp_code_to_url(&c, "HTTPS://TEM.THANHHOA.GOV.VN", url);
	assert_int_equal(verdict(v, 1, NULL, 0, url, &k), STAMP_V_FORGED);
	stamp_key_free(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(genuine_with_details, setup, teardown),
		cmocka_unit_test_setup_teardown(lower_case_and_bare_code_are_genuine, setup,
						teardown),
		cmocka_unit_test_setup_teardown(offline_with_key_file_only, setup, teardown),
		cmocka_unit_test_setup_teardown(signed_but_not_issued_is_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(forgeries_are_caught, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed_inputs, setup, teardown),
		cmocka_unit_test_setup_teardown(trusted_store_path_agrees, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
