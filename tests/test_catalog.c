/*
 * test_catalog.c - the signed offline catalog: its bytes pinned (a fixed key,
 * a fixed registry, a fixed time: Ed25519 is deterministic), the same verdict
 * offline as with the store for every kind of code, a forged, damaged or
 * foreign-signed catalog refused, an older one refused after a newer, and the
 * size of a province's year (40,000 stamps in 100 batches).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"

#define NOW 1796000000 /* 2026-12-01 */

typedef struct cfx {
	fixture f;
	char path[128], state[128];
	stamp_batch b1, b2;
} cfx;

static void issue(cfx *x, const char *lot, uint32_t n, stamp_batch *out)
{
	stamp_issue_req r = fixture_req(lot, n);
	assert_int_equal(stamp_issue(x->f.st, x->f.kp, &r, out, NULL), 0);
}

static void add_revocation(cfx *x, stamp_revocation r)
{
	stamp_txn *t;
	r.since = 1795900000;
	assert_int_equal(stamp_txn_begin(x->f.st, 1, &t), 0);
	assert_int_equal(stamp_revocation_add(t, &r, NULL), 0);
	assert_int_equal(stamp_txn_commit(t, NULL), 0);
}

static int setup(void **state)
{
	cfx *x = calloc(1, sizeof *x);
	if (!x || fixture_open(&x->f))
		return -1;
	snprintf(x->path, sizeof x->path, "%s/../cat", x->f.dir);
	snprintf(x->state, sizeof x->state, "%s/../seen", x->f.dir);
	issue(x, "L1", 30, &x->b1); /* serials 1-30 */
	issue(x, "L2", 20, &x->b2); /* 31-50 */
	add_revocation(x, (stamp_revocation){.scope = STAMP_SCOPE_SERIALS,
					     .first = 5,
					     .last = 6,
					     .reason = STAMP_REASON_STOLEN,
					     .note = "Cuộn tem bị mất"});
	add_revocation(x, (stamp_revocation){.scope = STAMP_SCOPE_BATCH,
					     .batch_id = 2,
					     .reason = STAMP_REASON_RECALLED,
					     .note = "Không sử dụng"});
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	cfx *x = *state;
	fixture_close(&x->f);
	free(x);
	return 0;
}

static size_t export(cfx *x, int64_t now)
{
	size_t bytes = 0;
	stamp_diag d = {{0}};
	unlink(x->path);
	assert_int_equal(stamp_catalog_export(x->f.st, x->f.kp, now, x->path, &bytes, &d), 0);
	return bytes;
}

static stamp_catalog *load(cfx *x, int want)
{
	stamp_catalog *c = NULL;
	stamp_diag d = {{0}};
	assert_int_equal(stamp_catalog_load(x->path, stamp_key_public(x->f.kp), 1, &c, &d), want);
	return c;
}

/* The code text of serial, signed with the fixture's key. */
static void code_text(cfx *x, uint64_t serial, char out[STAMP_CODE_TEXT_MAX + 1])
{
	stamp_code c = {.serial = serial};
	assert_int_equal(stamp_key_sign(x->f.kp, &c), 0);
	stamp_code_to_url(&c, "HTTPS://TEM.THANHHOA.GOV.VN", out);
}

static void the_bytes_are_pinned(void **state)
{
	cfx *x = *state;
	uint8_t h[crypto_hash_sha256_BYTES], buf[8192];
	char hex[2 * sizeof h + 1];
	size_t bytes = export(x, NOW);
	FILE *f = fopen(x->path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, sizeof buf, f), bytes);
	fclose(f);
	assert_memory_equal(buf, "OCOPCAT1", 8);
	crypto_hash_sha256(h, buf, bytes);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	/* docs/catalog.md: change the format, change its version and this vector */
	assert_string_equal(hex,
			    "e1b62ef747b1697dbf80172854e9f32c16c471e903c36ec38ffd40e9e4831673");
	struct stat sb;
	assert_int_equal(stat(x->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
}

/* Offline and with the store, every verdict and its details agree. */
static void offline_verdicts_match_the_store(void **state)
{
	cfx *x = *state;
	export(x, NOW);
	stamp_catalog *c = load(x, 0);
	stamp_txn *t;
	char text[STAMP_CODE_TEXT_MAX + 1];
	const char *fixed[] = {"HTTPS://TEM.THANHHOA.GOV.VN/S/AAAA", "not a code"};

	assert_int_equal(stamp_txn_begin(x->f.st, 0, &t), 0);
	for (uint64_t serial = 1; serial <= 60; serial++) { /* 51-60: never issued */
		stamp_check a, b;
		code_text(x, serial, text);
		assert_int_equal(stamp_verify_text(t, NULL, 0, text, strlen(text), &a), 0);
		assert_int_equal(stamp_catalog_verify(c, NULL, 0, text, strlen(text), &b), 0);
		assert_int_equal(a.verdict, b.verdict);
		assert_int_equal(a.revoked, b.revoked);
		if (a.revoked) {
			assert_int_equal(a.revocation.id, b.revocation.id);
			assert_string_equal(a.revocation.note, b.revocation.note);
		}
		if (a.in_store) {
			assert_memory_equal(&a.batch, &b.batch, sizeof a.batch);
			assert_memory_equal(&a.product, &b.product, sizeof a.product);
			assert_memory_equal(&a.coop, &b.coop, sizeof a.coop);
		}
		/* the same code under another host */
		char moved[STAMP_CODE_TEXT_MAX + 1];
		snprintf(moved, sizeof moved, "HTTPS://ELSEWHERE.VN%s", strstr(text, "/S/"));
		assert_int_equal(stamp_verify_text(t, NULL, 0, moved, strlen(moved), &a), 0);
		assert_int_equal(stamp_catalog_verify(c, NULL, 0, moved, strlen(moved), &b), 0);
		assert_int_equal(a.verdict, b.verdict);
	}
	stamp_check k;
	code_text(x, 7, text);
	assert_int_equal(stamp_catalog_verify(c, NULL, 0, text, strlen(text), &k), 0);
	assert_int_equal(k.verdict, STAMP_V_GENUINE);
	assert_string_equal(k.product.name, "Nước mắm cốt cá cơm");
	code_text(x, 5, text);
	assert_int_equal(stamp_catalog_verify(c, NULL, 0, text, strlen(text), &k), 0);
	assert_int_equal(k.verdict, STAMP_V_REVOKED);
	code_text(x, 55, text);
	assert_int_equal(stamp_catalog_verify(c, NULL, 0, text, strlen(text), &k), 0);
	assert_int_equal(k.verdict, STAMP_V_UNKNOWN);
	/* a forgery: a well-formed code of serial 8 with one signature bit flipped */
	stamp_code forged = {.serial = 8};
	assert_int_equal(stamp_key_sign(x->f.kp, &forged), 0);
	forged.sig[10] ^= 0x01;
	stamp_code_to_url(&forged, "HTTPS://TEM.THANHHOA.GOV.VN", text);
	assert_int_equal(stamp_catalog_verify(c, NULL, 0, text, strlen(text), &k), 0);
	assert_int_equal(k.verdict, STAMP_V_FORGED);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(stamp_catalog_verify(c, NULL, 0, fixed[i], strlen(fixed[i]), &k),
				 0);
		assert_int_equal(k.verdict, STAMP_V_MALFORMED);
	}
	stamp_txn_abort(t);
	stamp_catalog_free(c);
}

static void forged_damaged_and_foreign_catalogs_are_refused(void **state)
{
	cfx *x = *state;
	size_t bytes = export(x, NOW);
	stamp_catalog *c;
	uint8_t seed[32];
	stamp_keypair *other;
	stamp_diag d = {{0}};

	/* one flipped byte anywhere: the signature fails before any record is read */
	for (size_t at = 9; at < bytes; at += bytes / 7) {
		FILE *f = fopen(x->path, "r+b");
		assert_non_null(f);
		fseek(f, (long)at, SEEK_SET);
		int ch = fgetc(f);
		fseek(f, (long)at, SEEK_SET);
		fputc(ch ^ 1, f);
		fclose(f);
		assert_null(load(x, STAMP_EFORGED));
		f = fopen(x->path, "r+b");
		fseek(f, (long)at, SEEK_SET);
		fputc(ch, f);
		fclose(f);
	}
	assert_non_null(c = load(x, 0));
	stamp_catalog_free(c);
	/* cut short */
	assert_int_equal(truncate(x->path, (off_t)bytes - 1), 0);
	assert_null(load(x, STAMP_EFORGED));
	assert_int_equal(truncate(x->path, 20), 0);
	assert_null(load(x, STAMP_ECORRUPT));
	/* signed by a key the inspector was not given */
	export(x, NOW);
	fixture_seed(seed, 100);
	assert_int_equal(stamp_key_from_seed(seed, &other), 0);
	assert_int_equal(stamp_catalog_load(x->path, stamp_key_public(other), 1, &c, &d),
			 STAMP_EFORGED);
	assert_non_null(strstr(d.msg, "not among the public keys"));
	/* and a key not registered in the store cannot sign one */
	assert_int_equal(stamp_catalog_export(x->f.st, other, NOW, "/nonexistent/x", &bytes, &d),
			 STAMP_EUNKNOWNKEY);
	stamp_key_free(other);
}

static void an_older_catalog_is_refused(void **state)
{
	cfx *x = *state;
	stamp_catalog *c1, *c2;
	stamp_diag d = {{0}};
	FILE *f = fopen(x->state, "w");
	fputs("0A0B0C0D 42\n", f); /* another signer's line stays */
	fclose(f);
	export(x, NOW);
	c1 = load(x, 0);
	export(x, NOW + 3600);
	c2 = load(x, 0);
	assert_int_equal(stamp_catalog_check_fresh(c2, x->state, &d), 0);
	assert_int_equal(stamp_catalog_check_fresh(c2, x->state, &d), 0); /* again: fine */
	assert_int_equal(stamp_catalog_check_fresh(c1, x->state, &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "older than version"));
	char line[64];
	f = fopen(x->state, "r");
	assert_non_null(fgets(line, sizeof line, f));
	assert_string_equal(line, "0A0B0C0D 42\n");
	fclose(f);
	stamp_catalog_free(c1);
	stamp_catalog_free(c2);
}

/* A province's year: 40,000 stamps in 100 batches, under 64 KB. */
static void a_year_fits_in_64_kb(void **state)
{
	cfx *x = *state;
	char lot[16];
	stamp_batch b;
	for (int i = 0; i < 98; i++) {
		snprintf(lot, sizeof lot, "Y%03d", i);
		issue(x, lot, 400, &b);
	}
	size_t bytes = export(x, NOW);
	stamp_catalog *c = load(x, 0);
	size_t nk, nb, nr;
	stamp_catalog_counts(c, &nk, &nb, &nr);
	assert_int_equal(nb, 100);
	print_message("catalog of 100 batches (%u stamps), %zu revocations: %zu bytes\n",
		      98 * 400 + 50, nr, bytes);
	assert_true(bytes < 64 * 1024);
	stamp_catalog_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(the_bytes_are_pinned, setup, teardown),
		cmocka_unit_test_setup_teardown(offline_verdicts_match_the_store, setup, teardown),
		cmocka_unit_test_setup_teardown(forged_damaged_and_foreign_catalogs_are_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(an_older_catalog_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(a_year_fits_in_64_kb, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
