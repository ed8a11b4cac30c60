/*
 * test_audit.c - the hash-chained log of registry changes: every change is
 * an entry in its own transaction, nothing is logged for what did not
 * happen, and an entry altered, removed or cut from the end with a raw LMDB
 * write is caught by stamp_audit_verify.
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <lmdb.h>

#include "fixture.h"

typedef struct log {
	stamp_audit_entry e[16];
	int n;
} log_t;

static int keep(const stamp_audit_entry *e, void *ctx)
{
	log_t *l = ctx;
	if (l->n < 16)
		l->e[l->n] = *e;
	l->n++;
	return 0;
}

static void read_log(fixture *f, log_t *l, int64_t since)
{
	stamp_txn *t;
	memset(l, 0, sizeof *l);
	assert_int_equal(stamp_txn_begin(f->st, 0, &t), 0);
	assert_int_equal(stamp_audit_each(t, since, keep, l), 0);
	stamp_txn_abort(t);
}

static int verify(fixture *f, uint64_t *count, uint64_t *broken, stamp_diag *d)
{
	stamp_txn *t;
	uint8_t head[STAMP_AUDIT_HASH_BYTES];
	assert_int_equal(stamp_txn_begin(f->st, 0, &t), 0);
	int rc = stamp_audit_verify(t, count, head, broken, d);
	stamp_txn_abort(t);
	return rc;
}

/* fixture_open wrote the coop, product and key in one transaction: entry 1. */
static void every_change_is_an_entry(void **state)
{
	fixture *f = *state;
	stamp_issue_req r = fixture_req("L1", 5);
	stamp_batch b;
	stamp_diag d = {{0}};
	log_t l;

	stamp_store_set_identity(f->st, "lan", "Chị Lan (Phòng NN)", "issue --lot L1");
	assert_int_equal(stamp_issue(f->st, f->kp, &r, &b, &d), 0);
	/* refused input changes nothing and logs nothing */
	assert_int_equal(stamp_issue(f->st, f->kp, &r, &b, &d), STAMP_EEXIST);
	read_log(f, &l, 0);
	assert_int_equal(l.n, 3); /* registry, reservation, batch */
	assert_non_null(strstr(l.e[0].result, "coop HTX-1 added"));
	assert_non_null(strstr(l.e[0].result, "product NM-01 added"));
	assert_non_null(strstr(l.e[0].result, "key "));
	assert_string_equal(l.e[1].result, "serials 1-5 reserved for NM-01 lot L1");
	assert_string_equal(l.e[2].result, "batch 1 issued: NM-01 lot L1, 5 stamps, serials 1-5");
	assert_string_equal(l.e[2].user, "lan");
	assert_string_equal(l.e[2].actor, "Chị Lan (Phòng NN)");
	assert_string_equal(l.e[2].what, "issue --lot L1");
	for (int i = 0; i < 3; i++)
		assert_int_equal(l.e[i].seq, (uint64_t)i + 1);
	assert_memory_equal(l.e[1].prev, l.e[0].hash, STAMP_AUDIT_HASH_BYTES);
	assert_memory_equal(l.e[2].prev, l.e[1].hash, STAMP_AUDIT_HASH_BYTES);

	/* a revocation and its undo are two entries */
	stamp_txn *t;
	stamp_revocation rv = {.scope = STAMP_SCOPE_SERIALS,
			       .first = 2,
			       .last = 3,
			       .reason = STAMP_REASON_STOLEN,
			       .since = 1795000000};
	assert_int_equal(stamp_txn_begin(f->st, 1, &t), 0);
	assert_int_equal(stamp_revocation_add(t, &rv, NULL), 0);
	assert_int_equal(stamp_txn_commit(t, NULL), 0);
	assert_int_equal(stamp_txn_begin(f->st, 1, &t), 0);
	assert_int_equal(stamp_revocation_undo(t, rv.id, 1795000100, "lan", NULL), 0);
	assert_int_equal(stamp_txn_commit(t, NULL), 0);
	/* an aborted write logs nothing */
	assert_int_equal(stamp_txn_begin(f->st, 1, &t), 0);
	assert_int_equal(stamp_revocation_add(t, &rv, NULL), 0);
	stamp_txn_abort(t);
	read_log(f, &l, 0);
	assert_int_equal(l.n, 5);
	assert_string_equal(l.e[3].result, "revocation 1: serials, stolen");
	assert_string_equal(l.e[4].result, "revocation 1 undone");

	uint64_t n = 0, broken = 99;
	assert_int_equal(verify(f, &n, &broken, &d), 0);
	assert_int_equal(n, 5);
	assert_int_equal(broken, 0);
	/* --since: entries of that time on */
	read_log(f, &l, l.e[4].time + 1);
	assert_int_equal(l.n, 0);
}

/* Raw LMDB writes, as someone with the file and no ocopstamp would make. */
static void raw(fixture *f, void (*edit)(MDB_txn *txn, MDB_dbi log, MDB_dbi meta))
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi log, meta;
	stamp_store_close(f->st);
	f->st = NULL;
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
	assert_int_equal(mdb_env_set_mapsize(env, (size_t)1 << 34), 0);
	assert_int_equal(mdb_env_open(env, f->dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "audit", 0, &log), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	edit(txn, log, meta);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	assert_int_equal(stamp_store_open(f->dir, 0, &f->st, NULL), 0);
}

static MDB_val key_of(uint64_t seq, uint8_t k[8])
{
	for (int i = 7; i >= 0; i--, seq >>= 8)
		k[i] = (uint8_t)seq;
	return (MDB_val){8, k};
}

static void alter_entry_2(MDB_txn *txn, MDB_dbi log, MDB_dbi meta)
{
	uint8_t k[8], copy[4096];
	MDB_val kv = key_of(2, k), v;
	(void)meta;
	assert_int_equal(mdb_get(txn, log, &kv, &v), 0);
	assert_true(v.mv_size <= sizeof copy);
	memcpy(copy, v.mv_data, v.mv_size);
	/* "serials 1-5" becomes "serials 1-6": one byte of the result */
	uint8_t *at = memmem(copy, v.mv_size, "1-5", 3);
	assert_non_null(at);
	at[2] = '6';
	MDB_val nv = {v.mv_size, copy};
	assert_int_equal(mdb_put(txn, log, &kv, &nv, 0), 0);
}

static void remove_entry_2(MDB_txn *txn, MDB_dbi log, MDB_dbi meta)
{
	uint8_t k[8];
	MDB_val kv = key_of(2, k);
	(void)meta;
	assert_int_equal(mdb_del(txn, log, &kv, NULL), 0);
}

static void remove_last_entry(MDB_txn *txn, MDB_dbi log, MDB_dbi meta)
{
	uint8_t k[8];
	MDB_val kv = key_of(3, k);
	(void)meta;
	assert_int_equal(mdb_del(txn, log, &kv, NULL), 0);
}

static void issue_one(fixture *f)
{
	stamp_issue_req r = fixture_req("L1", 5);
	stamp_batch b;
	assert_int_equal(stamp_issue(f->st, f->kp, &r, &b, NULL), 0);
}

static void an_altered_entry_is_caught(void **state)
{
	fixture *f = *state;
	stamp_diag d = {{0}};
	uint64_t n, broken;
	issue_one(f);
	raw(f, alter_entry_2);
	assert_int_equal(verify(f, &n, &broken, &d), STAMP_ECORRUPT);
	assert_int_equal(broken, 2);
	assert_non_null(strstr(d.msg, "entry 2 was altered"));
}

static void a_removed_entry_is_caught(void **state)
{
	fixture *f = *state;
	stamp_diag d = {{0}};
	uint64_t n, broken;
	issue_one(f);
	raw(f, remove_entry_2);
	assert_int_equal(verify(f, &n, &broken, &d), STAMP_ECORRUPT);
	assert_int_equal(broken, 2);
	assert_non_null(strstr(d.msg, "entry 2 is missing"));
}

static void a_cut_tail_is_caught(void **state)
{
	fixture *f = *state;
	stamp_diag d = {{0}};
	uint64_t n, broken;
	issue_one(f);
	raw(f, remove_last_entry);
	assert_int_equal(verify(f, &n, &broken, &d), STAMP_ECORRUPT);
	assert_int_equal(broken, 3);
	assert_non_null(strstr(d.msg, "entries were removed"));
	/* a later entry chains to the cut head: the break stays visible */
	stamp_issue_req r = fixture_req("L2", 2);
	stamp_batch b;
	assert_int_equal(stamp_issue(f->st, f->kp, &r, &b, NULL), 0);
	assert_int_equal(verify(f, &n, &broken, &d), STAMP_ECORRUPT);
}

static void head_of(fixture *f, stamp_audit_head *h, int want)
{
	stamp_txn *t;
	assert_int_equal(stamp_txn_begin(f->st, 0, &t), 0);
	assert_int_equal(stamp_audit_read_head(t, h), want);
	stamp_txn_abort(t);
}

/* The head names the last entry: its sequence, time and hash; and batches are counted. */
static void the_head_is_the_last_entry(void **state)
{
	fixture *f = *state;
	stamp_audit_head h, h2, at;
	uint8_t chain[STAMP_AUDIT_HASH_BYTES];
	uint64_t n, broken, batches;
	stamp_txn *t;
	log_t l;

	head_of(f, &h, 0);
	assert_int_equal(h.seq, 1);
	issue_one(f);
	head_of(f, &h2, 0);
	read_log(f, &l, 0);
	assert_int_equal(h2.seq, (uint64_t)l.n);
	assert_true(h2.seq > h.seq);
	assert_int_equal(h2.time, l.e[l.n - 1].time);
	assert_memory_equal(h2.hash, l.e[l.n - 1].hash, STAMP_AUDIT_HASH_BYTES);
	/* the same head stamp_audit_verify recomputes */
	assert_int_equal(stamp_txn_begin(f->st, 0, &t), 0);
	assert_int_equal(stamp_audit_verify(t, &n, chain, &broken, NULL), 0);
	assert_memory_equal(h2.hash, chain, sizeof chain);
	/* an earlier entry as a head: what an older copy of the store has */
	assert_int_equal(stamp_audit_head_at(t, h.seq, &at), 0);
	assert_memory_equal(at.hash, h.hash, sizeof at.hash);
	assert_int_equal(stamp_audit_head_at(t, h2.seq + 1, &at), STAMP_ENOTFOUND);
	assert_int_equal(stamp_store_batch_count(t, &batches), 0);
	assert_int_equal(batches, 1);
	stamp_txn_abort(t);
}

/* A head that names an entry the log does not hold is not taken for a head. */
static void a_head_without_its_entry_is_corrupt(void **state)
{
	fixture *f = *state;
	stamp_audit_head h;
	issue_one(f);
	raw(f, remove_last_entry);
	head_of(f, &h, STAMP_ECORRUPT);
	assert_int_equal(h.seq, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(every_change_is_an_entry, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(an_altered_entry_is_caught, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(a_removed_entry_is_caught, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(a_cut_tail_is_caught, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(the_head_is_the_last_entry, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(a_head_without_its_entry_is_corrupt, fixture_setup,
						fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
