/*
 * test_check.c - stamp_store_check: a store made with the fixtures is clean,
 * then records are damaged through LMDB directly, one kind at a time, and
 * each damage is reported, naming its database and record, and nothing else
 * is.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <lmdb.h>
#include <unistd.h>

#include "fixture.h"
#include "internal.h"
#include "record.h"

typedef struct found {
	char buf[16384];
	unsigned n;
} found;

static void collect(const char *db, const char *key, const char *what, void *ctx)
{
	found *f = ctx;
	size_t used = strlen(f->buf);
	snprintf(f->buf + used, sizeof f->buf - used, "%s %s: %s\n", db, key, what);
	f->n++;
}

/* Run the check; the problems in *f; the counts returned. */
static stamp_check_counts check(fixture *fx, found *f, unsigned threads)
{
	stamp_check_counts n;
	stamp_diag d = {{0}};
	memset(f, 0, sizeof *f);
	if (stamp_store_check(fx->st, threads, collect, f, &n, &d) != 0)
		fail_msg("check stopped: %s", d.msg);
	assert_int_equal(n.problems, f->n);
	return n;
}

static int setup(void **state)
{
	stamp_issue_req r = fixture_req("L1", 500);
	stamp_revocation rv = {
		.scope = STAMP_SCOPE_SERIALS, .first = 5, .last = 9, .reason = STAMP_REASON_LOST};
	stamp_batch b;
	stamp_txn *t;
	if (fixture_setup(state))
		return -1;
	fixture *fx = *state;
	assert_int_equal(stamp_issue(fx->st, fx->kp, &r, &b, NULL), 0);
	r = fixture_req("L2", 300);
	assert_int_equal(stamp_issue(fx->st, fx->kp, &r, &b, NULL), 0);
	assert_int_equal(stamp_txn_begin(fx->st, 1, &t), 0);
	assert_int_equal(stamp_revocation_add(t, &rv, NULL), 0);
	rv = (stamp_revocation){
		.scope = STAMP_SCOPE_BATCH, .batch_id = 2, .reason = STAMP_REASON_RECALLED};
	assert_int_equal(stamp_revocation_add(t, &rv, NULL), 0);
	assert_int_equal(stamp_txn_commit(t, NULL), 0);
	return 0;
}

/* Put raw bytes under key k of database db, bypassing every check. */
static void put_raw(fixture *fx, const char *db, const void *k, size_t klen, const void *v,
		    size_t vlen)
{
	stamp_txn *t;
	MDB_txn *txn;
	MDB_dbi dbi;
	assert_int_equal(stamp_txn_begin(fx->st, 1, &t), 0);
	assert_int_equal(stamp_store_db(t, db, &txn, &dbi), 0);
	MDB_val kv = {klen, (void *)k}, vv = {vlen, (void *)v};
	assert_int_equal(mdb_put(txn, dbi, &kv, &vv, 0), 0);
	assert_int_equal(stamp_txn_commit(t, NULL), 0); /* no change recorded: no audit entry */
}

static void get_raw(fixture *fx, const char *db, const void *k, size_t klen, void *v, size_t *vlen)
{
	stamp_txn *t;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val kv = {klen, (void *)k}, vv;
	assert_int_equal(stamp_txn_begin(fx->st, 0, &t), 0);
	assert_int_equal(stamp_store_db(t, db, &txn, &dbi), 0);
	assert_int_equal(mdb_get(txn, dbi, &kv, &vv), 0);
	assert_true(vv.mv_size <= *vlen);
	memcpy(v, vv.mv_data, vv.mv_size);
	*vlen = vv.mv_size;
	stamp_txn_abort(t);
}

/* The stamp record of serial, and putting one back under a serial. */
static void get_stamp(fixture *fx, uint64_t serial, uint8_t v[STAMP_STAMP_REC_BYTES])
{
	uint8_t k[8];
	size_t vlen = STAMP_STAMP_REC_BYTES;
	stamp_be_put(k, serial, 8);
	get_raw(fx, "stamps", k, 8, v, &vlen);
	assert_int_equal(vlen, STAMP_STAMP_REC_BYTES);
}

static void put_stamp(fixture *fx, uint64_t serial, const uint8_t v[STAMP_STAMP_REC_BYTES])
{
	uint8_t k[8];
	stamp_be_put(k, serial, 8);
	put_raw(fx, "stamps", k, 8, v, STAMP_STAMP_REC_BYTES);
}

static void has(const found *f, const char *line)
{
	if (!strstr(f->buf, line))
		fail_msg("no \"%s\" in:\n%s", line, f->buf);
}

static void clean_store_is_clean(void **state)
{
	found f;
	stamp_check_counts n = check(*state, &f, 2);
	if (f.n)
		fail_msg("problems in a clean store:\n%s", f.buf);
	assert_int_equal(n.keys, 1);
	assert_int_equal(n.coops, 1);
	assert_int_equal(n.products, 1);
	assert_int_equal(n.batches, 2);
	assert_int_equal(n.stamps, 800);
	assert_int_equal(n.revocations, 2);
	assert_true(n.audit >= 4);
	n = check(*state, &f, 1); /* one thread finds the same */
	assert_int_equal(f.n, 0);
}

/* A registry without any batch yet (the fixture alone) is clean too. */
static void store_without_batches_is_clean(void **state)
{
	found f;
	stamp_check_counts n = check(*state, &f, 2);
	assert_int_equal(f.n, 0);
	assert_int_equal(n.batches, 0);
	assert_int_equal(n.coops, 1);
}

static void stamp_outside_its_batch(void **state)
{
	fixture *fx = *state;
	uint8_t v[STAMP_STAMP_REC_BYTES];
	found f;
	get_stamp(fx, 10, v);
	put_stamp(fx, 100000, v); /* a copy of a good record, past every batch */
	check(fx, &f, 2);
	has(&f, "stamps serial 100000: lies outside every batch's serial range (its record says "
		"batch 1)");
	assert_int_equal(f.n, 1);
	stamp_be_put(v + 2, 2, 4); /* serial 10 says batch 2 */
	put_stamp(fx, 10, v);
	check(fx, &f, 2);
	has(&f, "stamps serial 10: lies in batch 1's serial range (1-500), but its record says "
		"batch 2");
	assert_int_equal(f.n, 2);
}

static void bad_version_byte(void **state)
{
	fixture *fx = *state;
	uint8_t v[STAMP_REC_MAX];
	size_t vlen = sizeof v;
	found f;
	get_raw(fx, "coops", "HTX-1", 5, v, &vlen);
	v[0] = 9; /* a record version nobody wrote */
	put_raw(fx, "coops", "HTX-1", 5, v, vlen);
	check(fx, &f, 2);
	has(&f, "coops HTX-1: the record does not decode");
	/* the product's cooperative is then damaged, not missing: one problem */
	assert_int_equal(f.n, 1);

	uint8_t bk[4], bv[STAMP_REC_MAX];
	size_t blen = sizeof bv;
	stamp_be_put(bk, 2, 4);
	get_raw(fx, "batches", bk, 4, bv, &blen);
	bv[0] = 0;
	put_raw(fx, "batches", bk, 4, bv, blen);
	check(fx, &f, 2);
	has(&f, "batches batch 2: the record does not decode");
	/* its 300 stamps now lie in no batch's range: one line for the run */
	has(&f, "stamps serials 501-800: lie outside every batch's serial range (their records "
		"say batch 2)");
	assert_int_equal(f.n, 3);
}

/* The console's accounts: a good one counted, a damaged one and a bad name reported. */
static void accounts_checked(void **state)
{
	fixture *fx = *state;
	found f;
	stamp_txn *t;
	assert_int_equal(stamp_txn_begin(fx->st, 1, &t), 0);
	assert_int_equal(stamp_user_add(t, "lan", STAMP_ROLE_OFFICER, "mật khẩu dài",
					strlen("mật khẩu dài"), 0, NULL),
			 0);
	assert_int_equal(stamp_txn_commit(t, NULL), 0);
	uint8_t uv[512];
	size_t ulen = sizeof uv;
	get_raw(fx, "users", "lan", 3, uv, &ulen);
	put_raw(fx, "users", "BAD NAME", 8, uv, ulen);
	uv[0] = 9;
	put_raw(fx, "users", "minh", 4, uv, ulen);
	stamp_check_counts un = check(fx, &f, 2);
	assert_int_equal(un.users, 3);
	has(&f, "users minh: the record does not decode");
	has(&f, "users BAD NAME: ");
	assert_int_equal(f.n, 2);
}

static void wrong_signature(void **state)
{
	fixture *fx = *state;
	uint8_t v[STAMP_STAMP_REC_BYTES];
	found f;
	char want[128];
	get_stamp(fx, 321, v);
	v[6 + 17] ^= 0x20; /* one bit of the stored signature */
	put_stamp(fx, 321, v);
	check(fx, &f, 2);
	char id[9];
	stamp_key_id_format(stamp_key_public(fx->kp)->id, id);
	snprintf(want, sizeof want, "stamps serial 321: its signature does not verify under key %s",
		 id);
	has(&f, want);
	assert_int_equal(f.n, 1);
	check(fx, &f, 1);
	assert_int_equal(f.n, 1);
}

static void missing_stamps_and_references(void **state)
{
	fixture *fx = *state;
	stamp_txn *t;
	MDB_txn *txn;
	MDB_dbi dbi;
	uint8_t k[8];
	found f;
	assert_int_equal(stamp_txn_begin(fx->st, 1, &t), 0);
	assert_int_equal(stamp_store_db(t, "stamps", &txn, &dbi), 0);
	stamp_be_put(k, 77, 8);
	MDB_val kv = {8, k};
	assert_int_equal(mdb_del(txn, dbi, &kv, NULL), 0);
	assert_int_equal(stamp_store_db(t, "lots", &txn, &dbi), 0);
	MDB_val lk = {strlen("NM-01") + 1 + 2, "NM-01\0L2"};
	assert_int_equal(mdb_del(txn, dbi, &lk, NULL), 0);
	assert_int_equal(stamp_store_db(t, "revidx", &txn, &dbi), 0);
	uint8_t bk[5] = {'B'};
	stamp_be_put(bk + 1, 2, 4);
	MDB_val ik = {5, bk};
	assert_int_equal(mdb_del(txn, dbi, &ik, NULL), 0);
	assert_int_equal(stamp_txn_commit(t, NULL), 0);
	check(fx, &f, 2);
	has(&f, "stamps batch 1: 1 of its 500 stamps are missing");
	has(&f, "batches batch 2: the lots index does not lead to it (NM-01 lot L2)");
	has(&f, "revidx revocation 2: the index does not find this revocation");
	assert_int_equal(f.n, 3);
}

static void audit_and_counters(void **state)
{
	fixture *fx = *state;
	uint8_t k[8], v[STAMP_REC_MAX], n[8];
	size_t vlen = sizeof v;
	found f;
	stamp_be_put(k, 2, 8);
	get_raw(fx, "audit", k, 8, v, &vlen);
	v[vlen - 65] ^= 1; /* the last byte of its text, before its two hashes */
	put_raw(fx, "audit", k, 8, v, vlen);
	stamp_be_put(n, 700, 8); /* behind serial 800 */
	put_raw(fx, "meta", "next_serial", 11, n, 8);
	check(fx, &f, 2);
	has(&f, "audit entry 2: audit entry 2 was altered");
	has(&f, "meta next_serial: 700, behind what is issued (801)");
	assert_int_equal(f.n, 2);
}

static void damaged_file_is_listed(void **state)
{
	fixture *fx = *state;
	found f = {{0}, 0};
	uint64_t n = 0;
	stamp_diag d;
	char path[96];
	assert_int_equal(stamp_store_check_file(fx->dir, collect, &f, &n, &d), 0);
	assert_int_equal(n, 0);
	snprintf(path, sizeof path, "%s/data.mdb", fx->dir);
	FILE *fp = fopen(path, "r+b");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	long size = ftell(fp);
	fclose(fp);
	assert_int_equal(truncate(path, size / 2), 0);
	assert_int_equal(stamp_store_check_file(fx->dir, collect, &f, &n, &d), STAMP_EBADSTORE);
	assert_int_equal(n, 1);
	has(&f, "data.mdb : truncated:");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(clean_store_is_clean, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(store_without_batches_is_clean, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(stamp_outside_its_batch, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(bad_version_byte, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(wrong_signature, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(accounts_checked, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(missing_stamps_and_references, setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(audit_and_counters, setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(damaged_file_is_listed, setup, fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
