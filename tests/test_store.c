/*
 * test_store.c - the LMDB store: records round-trip, ids are unique, serials
 * only grow, a batch's lot is issued once, an aborted transaction leaves
 * nothing, damaged records are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <lmdb.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "stamp/stamp.h"

typedef struct fx {
	char dir[64];
	stamp_store *st;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	strcpy(f->dir, "/tmp/test_store.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(stamp_store_open(f->dir, STAMP_STORE_CREATE, &f->st, NULL), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	char cmd[128];
	stamp_store_close(f->st);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static stamp_coop sample_coop(const char *id)
{
	stamp_coop c = {0};
	snprintf(c.id, sizeof c.id, "%s", id);
	strcpy(c.name, "HTX Nước mắm Hoằng Hóa");
	strcpy(c.district, "Hoằng Hóa");
	strcpy(c.province, "Thanh Hóa");
	strcpy(c.address, "Thôn Trung, xã Hoằng Phụ");
	strcpy(c.phone, "0237 3123 456");
	return c;
}

static stamp_product sample_product(void)
{
	stamp_product p = {0};
	strcpy(p.id, "NM-01");
	strcpy(p.coop_id, "HTX-1");
	strcpy(p.name, "Nước mắm cốt cá cơm");
	strcpy(p.short_name, "Nước mắm cốt");
	strcpy(p.group, "Thực phẩm");
	p.stars = 4;
	strcpy(p.ocop_decision, "1234/QĐ-UBND");
	p.ocop_date = 20240110;
	p.cert_valid_until = 20270110;
	p.shelf_life_days = 730;
	return p;
}

static stamp_batch sample_batch(const char *lot, uint32_t count)
{
	stamp_batch b = {0};
	strcpy(b.product_id, "NM-01");
	snprintf(b.lot, sizeof b.lot, "%s", lot);
	b.produced = 20261101;
	b.expiry = 20281101;
	b.count = count;
	memcpy(b.key_id, "\x01\x02\x03\x04", 4);
	strcpy(b.base_url, "HTTPS://TEM.THANHHOA.GOV.VN");
	b.size_01mm = 250;
	b.dpi = 600;
	b.created = 1795000000;
	return b;
}

static void coop_round_trip_and_unique(void **state)
{
	fx *f = *state;
	stamp_txn *t;
	stamp_coop c = sample_coop("HTX-1"), got;

	assert_int_equal(stamp_txn_begin(f->st, 1, &t), 0);
	assert_int_equal(stamp_store_put_coop(t, &c, 0), 0);
	assert_int_equal(stamp_store_put_coop(t, &c, 0), STAMP_EEXIST);
	assert_int_equal(stamp_txn_commit(t, NULL), 0);

	assert_int_equal(stamp_txn_begin(f->st, 0, &t), 0);
	assert_int_equal(stamp_store_get_coop(t, "HTX-1", &got), 0);
	assert_memory_equal(&got, &c, sizeof c);
	assert_int_equal(stamp_store_get_coop(t, "HTX-2", &got), STAMP_ENOTFOUND);
	stamp_txn_abort(t);
}

static int count_coop(const stamp_coop *c, void *ctx)
{
	(void)c;
	++*(int *)ctx;
	return 0;
}

static void abort_leaves_nothing(void **state)
{
	fx *f = *state;
	stamp_txn *t;
	stamp_coop c = sample_coop("HTX-9");
	int n = 0;

	assert_int_equal(stamp_txn_begin(f->st, 1, &t), 0);
	assert_int_equal(stamp_store_put_coop(t, &c, 0), 0);
	stamp_txn_abort(t);
	assert_int_equal(stamp_txn_begin(f->st, 0, &t), 0);
	assert_int_equal(stamp_store_each_coop(t, count_coop, &n), 0);
	stamp_txn_abort(t);
	assert_int_equal(n, 0);
}

static void impossible_ids_are_not_found(void **state)
{
	fx *f = *state;
	stamp_txn *t;
	stamp_coop c;
	stamp_product p;
	char longid[600];

	/* LMDB refuses an empty key (MDB_BAD_VALSIZE): a lookup must still say "not found" */
	memset(longid, 'A', sizeof longid - 1);
	longid[sizeof longid - 1] = '\0';
	assert_int_equal(stamp_txn_begin(f->st, 0, &t), 0);
	assert_int_equal(stamp_store_get_coop(t, "", &c), STAMP_ENOTFOUND);
	assert_int_equal(stamp_store_get_product(t, "", &p), STAMP_ENOTFOUND);
	assert_int_equal(stamp_store_get_coop(t, longid, &c), STAMP_ENOTFOUND);
	assert_int_equal(stamp_store_get_product(t, longid, &p), STAMP_ENOTFOUND);
	stamp_txn_abort(t);
}

static void product_round_trip(void **state)
{
	fx *f = *state;
	stamp_txn *t;
	stamp_product p = sample_product(), got;

	assert_int_equal(stamp_txn_begin(f->st, 1, &t), 0);
	assert_int_equal(stamp_store_put_product(t, &p, 0), 0);
	assert_int_equal(stamp_store_get_product(t, "NM-01", &got), 0);
	assert_memory_equal(&got, &p, sizeof p);
	stamp_txn_abort(t);
}

/* Reserve b's serials as issuance does; sets b->first_serial. */
static void reserve_for(stamp_txn *t, stamp_batch *b)
{
	stamp_reservation r = {.count = b->count, .created = 1, .pid = 1};
	strcpy(r.product_id, b->product_id);
	strcpy(r.lot, b->lot);
	assert_int_equal(stamp_store_reserve(t, &r), 0);
	assert_int_equal(r.state, STAMP_RESERVE_PENDING);
	b->first_serial = r.first_serial;
}

static void batches_allocate_growing_serials(void **state)
{
	fx *f = *state;
	stamp_txn *t;
	stamp_batch a = sample_batch("L1", 10), b = sample_batch("L2", 5),
		    dup = sample_batch("L1", 3);
	stamp_batch got;
	uint8_t sigs[10][STAMP_SIG_BYTES], back[10][STAMP_SIG_BYTES];
	stamp_stamp s;

	for (int i = 0; i < 10; i++)
		memset(sigs[i], i + 1, STAMP_SIG_BYTES);
	assert_int_equal(stamp_txn_begin(f->st, 1, &t), 0);
	/* a batch needs its serials reserved first */
	assert_int_equal(stamp_store_add_batch(t, &a), STAMP_ENOTFOUND);
	reserve_for(t, &a);
	assert_int_equal(stamp_store_add_batch(t, &a), 0);
	assert_int_equal(a.id, 1);
	assert_int_equal(a.first_serial, 1);
	assert_int_equal(stamp_store_put_stamps(t, &a, (const uint8_t(*)[STAMP_SIG_BYTES])sigs), 0);
	/* the lot is taken: neither a reservation nor a batch */
	stamp_reservation rd = {.count = 3, .created = 1};
	strcpy(rd.product_id, dup.product_id);
	strcpy(rd.lot, dup.lot);
	assert_int_equal(stamp_store_reserve(t, &rd), STAMP_EEXIST);
	assert_int_equal(stamp_txn_commit(t, NULL), 0);

	/* an aborted reservation must not consume serials */
	assert_int_equal(stamp_txn_begin(f->st, 1, &t), 0);
	reserve_for(t, &b);
	stamp_txn_abort(t);
	assert_int_equal(stamp_txn_begin(f->st, 1, &t), 0);
	reserve_for(t, &b);
	assert_int_equal(stamp_store_add_batch(t, &b), 0);
	assert_int_equal(b.id, 2);
	assert_int_equal(b.first_serial, 11);
	assert_int_equal(stamp_store_put_stamps(t, &b, (const uint8_t(*)[STAMP_SIG_BYTES])sigs), 0);
	assert_int_equal(stamp_txn_commit(t, NULL), 0);

	assert_int_equal(stamp_txn_begin(f->st, 0, &t), 0);
	assert_int_equal(stamp_store_get_batch(t, 1, &got), 0);
	assert_memory_equal(&got, &a, sizeof a);
	assert_int_equal(stamp_store_get_stamp(t, 7, &s), 0);
	assert_int_equal(s.batch_id, 1);
	assert_int_equal(s.status, STAMP_STAMP_VALID);
	assert_memory_equal(s.sig, sigs[6], STAMP_SIG_BYTES);
	assert_int_equal(stamp_store_get_stamp(t, 15, &s), 0);
	assert_int_equal(s.batch_id, 2);
	assert_int_equal(stamp_store_get_stamp(t, 16, &s), STAMP_ENOTFOUND);
	assert_int_equal(stamp_store_batch_sigs(t, &a, back), 0);
	assert_memory_equal(back, sigs, sizeof sigs);
	stamp_txn_abort(t);
}

static void readonly_store_refuses_writes(void **state)
{
	fx *f = *state;
	stamp_store *ro;
	stamp_txn *t;
	assert_int_equal(stamp_store_open(f->dir, STAMP_STORE_RDONLY, &ro, NULL), 0);
	assert_int_not_equal(stamp_txn_begin(ro, 1, &t), 0);
	assert_int_equal(stamp_txn_begin(ro, 0, &t), 0);
	stamp_txn_abort(t);
	stamp_store_close(ro);
}

static void missing_store_is_an_error(void **state)
{
	(void)state;
	stamp_store *st;
	stamp_diag d = {{0}};
	assert_int_not_equal(stamp_store_open("/nonexistent/ocopstamp", 0, &st, &d), 0);
	assert_null(st);
	assert_non_null(strstr(d.msg, "/nonexistent/ocopstamp"));
}

static void damaged_records_are_refused(void **state)
{
	(void)state;
	uint8_t buf[STAMP_REC_MAX];
	stamp_coop c = sample_coop("HTX-1"), out;
	size_t n = stamp_rec_coop(&c, buf);

	assert_int_equal(stamp_unrec_coop(buf, n, &out), 0);
	assert_int_equal(stamp_unrec_coop(buf, n - 1, &out), STAMP_ECORRUPT); /* short */
	assert_int_equal(stamp_unrec_coop(buf, n + 1, &out), STAMP_ECORRUPT); /* trailing */
	buf[0] = 2;							      /* future version */
	assert_int_equal(stamp_unrec_coop(buf, n, &out), STAMP_ECORRUPT);
	buf[0] = 1;
	buf[1] = 0xff; /* id length far beyond the field */
	assert_int_equal(stamp_unrec_coop(buf, n, &out), STAMP_ECORRUPT);
	assert_int_equal(out.id[0], 0); /* cleared on failure */

	uint8_t srec[STAMP_STAMP_REC_BYTES], sig[STAMP_SIG_BYTES] = {7};
	stamp_stamp s;
	stamp_rec_stamp(3, STAMP_STAMP_REVOKED, sig, srec);
	assert_int_equal(stamp_unrec_stamp(srec, sizeof srec, 42, &s), 0);
	assert_int_equal(s.serial, 42);
	assert_int_equal(s.batch_id, 3);
	assert_int_equal(s.status, STAMP_STAMP_REVOKED);
	assert_int_equal(stamp_unrec_stamp(srec, sizeof srec - 1, 42, &s), STAMP_ECORRUPT);
	/* a status this program does not know is damage, never a valid stamp */
	srec[1] = 2;
	assert_int_equal(stamp_unrec_stamp(srec, sizeof srec, 42, &s), STAMP_ECORRUPT);
	assert_int_equal(s.batch_id, 0);
}

static int count_res(const stamp_reservation *r, void *ctx)
{
	stamp_reservation *last = ctx;
	*last = *r;
	last->pid++; /* counts calls in a field the test does not otherwise read */
	return 0;
}

static void reservations_are_kept_and_burned_ones_never_reused(void **state)
{
	fx *f = *state;
	stamp_txn *t;
	stamp_batch b = sample_batch("L9", 4);
	stamp_reservation r = {.count = 4, .created = 1700000000, .pid = 4242}, seen = {0};
	strcpy(r.host, "tram-1");
	strcpy(r.product_id, b.product_id);
	strcpy(r.lot, b.lot);
	strcpy(r.tmp, "/srv/out/batch-9.tmp-Ab12Cd");

	assert_int_equal(stamp_txn_begin(f->st, 1, &t), 0);
	assert_int_equal(stamp_store_reserve(t, &r), 0);
	assert_int_equal(r.first_serial, 1);
	assert_int_equal(stamp_txn_commit(t, NULL), 0);

	assert_int_equal(stamp_txn_begin(f->st, 1, &t), 0);
	assert_int_equal(stamp_store_each_reservation(t, count_res, &seen), 0);
	assert_int_equal(seen.pid, 4243); /* one reservation, as written */
	seen.pid = r.pid;
	assert_memory_equal(&seen, &r, sizeof r);
	r.state = STAMP_RESERVE_BURNED;
	assert_int_equal(stamp_store_put_reservation(t, &r), 0);
	/* a burned range is never a batch: its codes may lie in a dead folder */
	b.first_serial = 1;
	assert_int_equal(stamp_store_add_batch(t, &b), STAMP_ENOTFOUND);
	/* and the next reservation starts after it */
	stamp_reservation n = r;
	n.count = 2;
	strcpy(n.lot, "L10");
	assert_int_equal(stamp_store_reserve(t, &n), 0);
	assert_int_equal(n.first_serial, 5);
	/* a reservation's range is fixed */
	n.count = 3;
	assert_int_equal(stamp_store_put_reservation(t, &n), STAMP_EINPUT);
	assert_int_equal(stamp_txn_commit(t, NULL), 0);
}

/* A store made before the reserved database existed still opens. */
static void older_store_without_reservations_opens(void **state)
{
	fx *f = *state;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	stamp_store *ro;
	stamp_txn *t;
	stamp_reservation seen = {0};

	stamp_store_close(f->st);
	f->st = NULL;
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_open(env, f->dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "reserved", 0, &dbi), 0);
	assert_int_equal(mdb_drop(txn, dbi, 1), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);

	assert_int_equal(stamp_store_open(f->dir, STAMP_STORE_RDONLY, &ro, NULL), 0);
	assert_int_equal(stamp_txn_begin(ro, 0, &t), 0);
	assert_int_equal(stamp_store_each_reservation(t, count_res, &seen), 0);
	assert_int_equal(seen.pid, 0);
	stamp_txn_abort(t);
	stamp_store_close(ro);
	/* a writable open adds it */
	assert_int_equal(stamp_store_open(f->dir, 0, &f->st, NULL), 0);
	stamp_batch b = sample_batch("L1", 1);
	assert_int_equal(stamp_txn_begin(f->st, 1, &t), 0);
	reserve_for(t, &b);
	assert_int_equal(stamp_txn_commit(t, NULL), 0);
}

static void batch_record_fits_and_round_trips(void **state)
{
	(void)state;
	uint8_t buf[STAMP_REC_MAX];
	stamp_batch b = sample_batch("LÔ-01/2026", 1000), out;
	b.id = 77;
	b.first_serial = STAMP_SERIAL_MAX - 999;
	size_t n = stamp_rec_batch(&b, buf);
	assert_true(n < STAMP_REC_MAX);
	assert_int_equal(stamp_unrec_batch(buf, n, &out), 0);
	assert_memory_equal(&out, &b, sizeof b);
}

/* A reader that died inside its transaction leaves a slot only a check clears. */
static void dead_readers_are_cleared(void **state)
{
	fx *f = *state;
	int dead = -1, status;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		stamp_store *st;
		stamp_txn *t;
		if (stamp_store_open(f->dir, STAMP_STORE_RDONLY, &st, NULL) ||
		    stamp_txn_begin(st, 0, &t))
			_exit(1);
		_exit(0); /* no abort, no close: as if killed */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(stamp_store_reader_check(f->st, &dead), 0);
	assert_int_equal(dead, 1);
	assert_int_equal(stamp_store_reader_check(f->st, &dead), 0);
	assert_int_equal(dead, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(coop_round_trip_and_unique, setup, teardown),
		cmocka_unit_test_setup_teardown(abort_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(product_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(impossible_ids_are_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(batches_allocate_growing_serials, setup, teardown),
		cmocka_unit_test_setup_teardown(readonly_store_refuses_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(dead_readers_are_cleared, setup, teardown),
		cmocka_unit_test(missing_store_is_an_error),
		cmocka_unit_test(damaged_records_are_refused),
		cmocka_unit_test_setup_teardown(reservations_are_kept_and_burned_ones_never_reused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(older_store_without_reservations_opens, setup,
						teardown),
		cmocka_unit_test(batch_record_fits_and_round_trips),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
