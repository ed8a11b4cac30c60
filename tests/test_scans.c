/*
 * test_scans.c - scan records and scanners: totals are exact under concurrent
 * scans and flushes, survive a reopen only once flushed, reading does not
 * count; distinct scanners are exact to 32 then estimated; one address adds
 * few scanners; cookies hold and forged ones do not; the rate limits; and no
 * address, User-Agent or cookie value in the store's file. Counted scans per
 * day: by the day in Vietnam, committed by the flush, repeats and requests
 * not counted left out, given back by a failed flush, an older folder without
 * them, the 400-day bound.
 */
#define _GNU_SOURCE /* pthread_timedjoin_np */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <lmdb.h>
#include <math.h>
#include <pthread.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "scanner.h"
#include "scans.h"
#include "stamp/date.h"

static char dir[64];
static const unsigned char addr1[4] = {127, 0, 0, 1}, addr2[4] = {127, 0, 0, 2};

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/test_scans.XXXXXX");
	assert_non_null(mkdtemp(dir));
	strcat(dir, "/scans");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	dir[strlen(dir) - strlen("/scans")] = '\0';
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static stamp_scan_mark mk(uint32_t tag, uint16_t source, uint32_t day)
{
	return (stamp_scan_mark){tag, source, day, 0};
}

static void counts_first_and_last(void **state)
{
	(void)state;
	stamp_scans *s;
	stamp_scan sc;
	size_t n;
	stamp_scan_mark m = mk(7, 1, 20261201);

	assert_int_equal(stamp_scans_open(dir, 3, &s, NULL), 0);
	assert_int_equal(stamp_scans_get(s, 5, &sc), 0);
	assert_int_equal(sc.requests, 0);
	assert_int_equal(stamp_scans_record(s, 5, 1000, &m, &sc), 0);
	assert_int_equal(stamp_scans_record(s, 5, 1010, &m, &sc), 0);
	assert_int_equal(stamp_scans_record(s, 5, 1020, NULL, &sc), 0); /* not counted */
	assert_int_equal(sc.requests, 3);
	assert_int_equal(sc.counted, 2);
	assert_int_equal(sc.scanners, 1); /* one scanner, however often */
	assert_int_equal(sc.days, 1);
	assert_int_equal(sc.first, 1000);
	assert_int_equal(sc.last, 1010);
	m.day = 20261202;
	assert_int_equal(stamp_scans_record(s, 5, 90000, &m, &sc), 0);
	assert_int_equal(sc.days, 2);
	assert_int_equal(stamp_scans_get(s, 5, &sc), 0);
	assert_int_equal(sc.requests, 4); /* reading does not count */
	assert_int_equal(stamp_scans_record(s, 0, 1, &m, &sc), STAMP_EINPUT);

	assert_int_equal(stamp_scans_flush(s, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(stamp_scans_flush(s, &n), 0);
	assert_int_equal(n, 0); /* nothing changed since */
	assert_int_equal(stamp_scans_record(s, 6, 2000, &m, &sc), 0);
	stamp_scans_close(s); /* serial 6 was never flushed: lost, as documented */

	assert_int_equal(stamp_scans_open(dir, 3, &s, NULL), 0);
	assert_int_equal(stamp_scans_get(s, 5, &sc), 0);
	assert_int_equal(sc.requests, 4);
	assert_int_equal(sc.counted, 3);
	assert_int_equal(sc.scanners, 1);
	assert_int_equal(sc.days, 2);
	assert_int_equal(sc.first, 1000);
	assert_int_equal(sc.last, 90000);
	assert_int_equal(stamp_scans_get(s, 6, &sc), 0);
	assert_int_equal(sc.requests, 0);
	uint64_t bytes = 0;
	assert_int_equal(stamp_scans_size(s, &bytes), 0);
	assert_true(bytes > 0);
	stamp_scans_close(s);
}

/* Exact up to 32 scanners, then an estimate that never says fewer than 33. */
static void distinct_scanners_exact_then_estimated(void **state)
{
	(void)state;
	stamp_scans *s;
	stamp_scan sc;
	static const uint64_t sizes[] = {20, 32, 33, 100, 1000, 20000};

	assert_int_equal(stamp_scans_open(dir, 3, &s, NULL), 0);
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		uint64_t serial = 100 + k;
		for (uint64_t i = 0; i < sizes[k]; i++) {
			/* each scanner from its own source, each scanning twice */
			stamp_scan_mark m = mk((uint32_t)(i * 2654435761u + k), (uint16_t)i, 1);
			assert_int_equal(stamp_scans_record(s, serial, 10, &m, &sc), 0);
			assert_int_equal(stamp_scans_record(s, serial, 11, &m, &sc), 0);
		}
		if (sizes[k] <= 32) {
			assert_int_equal(sc.scanners, sizes[k]);
		} else {
			double err =
				fabs((double)sc.scanners - (double)sizes[k]) / (double)sizes[k];
			assert_true(sc.scanners >= 33);
			assert_true(err < 0.25); /* 1.04/sqrt(128) = 9 % is one sigma */
		}
	}
	assert_int_equal(stamp_scans_flush(s, NULL), 0);
	uint64_t before[6];
	for (size_t k = 0; k < 6; k++) {
		assert_int_equal(stamp_scans_get(s, 100 + k, &sc), 0);
		before[k] = sc.scanners;
	}
	stamp_scans_close(s);
	assert_int_equal(stamp_scans_open(dir, 3, &s, NULL), 0);
	for (size_t k = 0; k < 6; k++) {
		assert_int_equal(stamp_scans_get(s, 100 + k, &sc), 0);
		assert_int_equal(sc.scanners, before[k]); /* the registers were stored */
	}
	stamp_scans_close(s);
}

/* One source adds at most per_source scanners to a stamp a day. */
static void one_source_adds_few_scanners(void **state)
{
	(void)state;
	stamp_scans *s;
	stamp_scan sc;

	assert_int_equal(stamp_scans_open(dir, 3, &s, NULL), 0);
	for (uint32_t i = 0; i < 1000; i++) {
		stamp_scan_mark m = mk(i + 1, 42, 1); /* rotating User-Agents, one address */
		assert_int_equal(stamp_scans_record(s, 9, 10 + i, &m, &sc), 0);
	}
	assert_int_equal(sc.counted, 1000);
	assert_int_equal(sc.scanners, 3);
	for (uint32_t i = 0; i < 10; i++) { /* the next day: three more */
		stamp_scan_mark m = mk(5000 + i, 42, 2);
		assert_int_equal(stamp_scans_record(s, 9, 90000 + i, &m, &sc), 0);
	}
	assert_int_equal(sc.scanners, 6);
	/* more than 8 sources in a day: seen from many places, not gated */
	for (uint32_t i = 0; i < 20; i++) {
		stamp_scan_mark m = mk(9000 + i, (uint16_t)(100 + i), 3);
		assert_int_equal(stamp_scans_record(s, 9, 200000 + i, &m, &sc), 0);
	}
	assert_int_equal(sc.scanners, 26);
	stamp_scans_close(s);
}

/* A version-1 record (before distinct scanners) reads as requests and counted. */
static void reads_version_one_records(void **state)
{
	(void)state;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	uint8_t key[8] = {0, 0, 0, 0, 0, 0, 0, 77}, rec[25] = {1};
	MDB_val k = {8, key}, v = {sizeof rec, rec};
	stamp_scans *s;
	stamp_scan sc;

	rec[8] = 12;			/* count */
	rec[13] = 0x69, rec[14] = 0x40; /* first */
	rec[21] = 0x69, rec[22] = 0x50; /* last */
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 2), 0);
	assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "scans", MDB_CREATE, &dbi), 0);
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);

	assert_int_equal(stamp_scans_open(dir, 3, &s, NULL), 0);
	assert_int_equal(stamp_scans_get(s, 77, &sc), 0);
	assert_int_equal(sc.requests, 12);
	assert_int_equal(sc.counted, 12);
	assert_int_equal(sc.scanners, 0); /* unknown before version 2 */
	assert_int_equal(sc.first, 0x69400000);
	assert_int_equal(sc.last, 0x69500000);
	stamp_scans_close(s);
}

#define THREADS 4
#define SCANS 20000
#define SERIALS 3000

typedef struct run {
	stamp_scans *s;
	atomic_int stop;
	int failures;
} run;

static void *scan_thread(void *arg)
{
	run *r = arg;
	stamp_scan sc;
	for (int i = 0; i < SCANS; i++) {
		stamp_scan_mark m = mk((uint32_t)i, (uint16_t)(i % 7), 20251201);
		if (stamp_scans_record(r->s, 1 + (uint64_t)(i % SERIALS), 100 + i,
				       i % 2 ? &m : NULL, &sc) != 0)
			r->failures++;
	}
	return NULL;
}

static void *flusher(void *arg)
{
	run *r = arg;
	size_t n;
	while (!atomic_load(&r->stop))
		if (stamp_scans_flush(r->s, &n) != 0)
			r->failures++;
	return NULL;
}

static void concurrent_scans_and_flushes_are_exact(void **state)
{
	(void)state;
	run r = {0};
	pthread_t t[THREADS], f;
	stamp_scan sc;
	uint64_t total = 0, counted = 0;

	assert_int_equal(stamp_scans_open(dir, 3, &r.s, NULL), 0);
	assert_int_equal(pthread_create(&f, NULL, flusher, &r), 0);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, scan_thread, &r), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	atomic_store(&r.stop, 1);
	pthread_join(f, NULL);
	assert_int_equal(r.failures, 0);
	assert_int_equal(stamp_scans_flush(r.s, NULL), 0);
	stamp_scans_close(r.s);

	assert_int_equal(stamp_scans_open(dir, 3, &r.s, NULL), 0);
	for (uint64_t serial = 1; serial <= SERIALS; serial++) {
		assert_int_equal(stamp_scans_get(r.s, serial, &sc), 0);
		total += sc.requests;
		counted += sc.counted;
	}
	assert_int_equal(total, (uint64_t)THREADS * SCANS);
	assert_int_equal(counted, (uint64_t)THREADS * SCANS / 2);
	assert_int_equal(stamp_scans_get(r.s, 1, &sc), 0);
	assert_int_equal(sc.requests, THREADS * ((SCANS + SERIALS - 1) / SERIALS));
	uint64_t day = 0;
	assert_int_equal(stamp_scans_daily(r.s, 20251201, 1, &day), 0);
	assert_int_equal(day, counted); /* every counted scan in the day's total, once */
	stamp_scans_close(r.s);
}

/* ---- counted scans per day ------------------------------------------------ */

static const int64_t dec1 = 1764522000; /* 2025-12-01 00:00 in Vietnam (17:00 UTC the day before) */

/* A request at now, counted or not, as server.c records it: the mark's day from now. */
static void scan_at(stamp_scans *s, uint64_t serial, int64_t now, int counted)
{
	stamp_scan sc;
	stamp_scan_mark m = mk((uint32_t)serial, 1, stamp_date_from_unix(now));
	assert_int_equal(stamp_scans_record(s, serial, now, counted ? &m : NULL, &sc), 0);
}

static void daily_counts_after_a_flush(void **state)
{
	(void)state;
	stamp_scans *s;
	scanner *sc;
	scanner_id a;
	stamp_scan_mark m;
	stamp_scan t;
	scanner_rules rules = {3600, 5};
	uint64_t n[4], none[4] = {0};

	assert_int_equal(stamp_scans_open(dir, 3, &s, NULL), 0);
	scan_at(s, 1, dec1 - 1, 1); /* 23:59:59 on 2025-11-30 in Vietnam */
	scan_at(s, 1, dec1, 1);	    /* midnight: 2025-12-01 */
	scan_at(s, 2, dec1 + 3600, 1);
	scan_at(s, 2, dec1 + 3700, 0); /* a request not counted */
	/* a repeat, as scanner.c judges it and server.c records it: not counted */
	assert_int_equal(scanner_open(s, &rules, dec1 + 7200, &sc, NULL), 0);
	assert_int_equal(scanner_identify(sc, NULL, AF_INET, addr1, "A", dec1 + 7200, &a), 0);
	assert_int_equal(scanner_admit(sc, &a, 3, dec1 + 7200, &m), SCAN_COUNTED);
	assert_int_equal(stamp_scans_record(s, 3, dec1 + 7200, &m, &t), 0);
	assert_int_equal(scanner_admit(sc, &a, 3, dec1 + 7260, &m), SCAN_REPEAT);
	assert_int_equal(stamp_scans_record(s, 3, dec1 + 7260, NULL, &t), 0);
	assert_int_equal(t.requests, 2);
	scanner_close(sc);
	scan_at(s, 4, dec1 + 2 * 86400 + 5, 1); /* 2025-12-03; nothing on 12-02 */
	scan_at(s, 5, dec1 + 3 * 86400 - 1, 1);

	/* what is committed only: nothing before the flush */
	assert_int_equal(stamp_scans_daily(s, 20251130, 4, n), 0);
	assert_memory_equal(n, none, sizeof n);
	assert_int_equal(stamp_scans_flush(s, NULL), 0);
	assert_int_equal(stamp_scans_daily(s, 20251130, 4, n), 0);
	assert_int_equal(n[0], 1);
	assert_int_equal(n[1], 3);
	assert_int_equal(n[2], 0);
	assert_int_equal(n[3], 2);
	/* a later flush adds to the day, it does not replace it */
	scan_at(s, 6, dec1 + 2 * 86400 + 100, 1);
	assert_int_equal(stamp_scans_flush(s, NULL), 0);
	assert_int_equal(stamp_scans_daily(s, 20251203, 1, n), 0);
	assert_int_equal(n[0], 3);
	assert_int_equal(stamp_scans_daily(s, 20251130, STAMP_SCANS_DAILY_MAX + 1, n),
			 STAMP_EINPUT);
	assert_int_equal(stamp_scans_daily(s, 20251131, 1, n), STAMP_EINPUT);
	stamp_scans_close(s);

	/* kept, and read the same from a read-only copy */
	assert_int_equal(stamp_scans_open_copy(dir, &s, NULL), 0);
	assert_int_equal(stamp_scans_daily(s, 20251129, 4, n), 0);
	assert_int_equal(n[0], 0);
	assert_int_equal(n[1], 1);
	assert_int_equal(n[2], 3);
	assert_int_equal(n[3], 0);
	stamp_scans_close(s);
}

/* Put (val != NULL) or delete a day's raw value in the folder, from another process. */
static void raw_day(uint32_t day, const void *val, size_t len)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		MDB_env *env;
		MDB_txn *txn;
		MDB_dbi dbi;
		uint8_t k[4] = {(uint8_t)(day >> 24), (uint8_t)(day >> 16), (uint8_t)(day >> 8),
				(uint8_t)day};
		MDB_val kv = {4, k}, vv = {len, (void *)val};
		int ok = mdb_env_create(&env) == 0 && mdb_env_set_maxdbs(env, 3) == 0 &&
			 mdb_env_set_mapsize(env, (size_t)1 << 34) == 0 &&
			 mdb_env_open(env, dir, 0, 0600) == 0 &&
			 mdb_txn_begin(env, NULL, 0, &txn) == 0 &&
			 mdb_dbi_open(txn, "daily", 0, &dbi) == 0 &&
			 (val ? mdb_put(txn, dbi, &kv, &vv, 0) : mdb_del(txn, dbi, &kv, NULL)) ==
				 0 &&
			 mdb_txn_commit(txn) == 0;
		_exit(ok ? 0 : 1);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* A failed flush gives the day's counts back with the records: the next one writes them. */
static void failed_flush_keeps_the_days(void **state)
{
	(void)state;
	stamp_scans *s;
	stamp_scan t;
	uint64_t n[2];

	assert_int_equal(stamp_scans_open(dir, 3, &s, NULL), 0);
	scan_at(s, 1, dec1, 1);
	assert_int_equal(stamp_scans_flush(s, NULL), 0);
	raw_day(20251202, "bad", 3); /* a damaged value: the next flush fails on it */
	scan_at(s, 1, dec1 + 60, 1);
	scan_at(s, 2, dec1 + 120, 1);
	scan_at(s, 2, dec1 + 86400 + 60, 1);
	assert_int_equal(stamp_scans_flush(s, NULL), STAMP_ECORRUPT);
	scan_at(s, 3, dec1 + 180, 1); /* counted meanwhile */
	raw_day(20251202, NULL, 0);
	assert_int_equal(stamp_scans_flush(s, NULL), 0);
	assert_int_equal(stamp_scans_daily(s, 20251201, 2, n), 0);
	assert_int_equal(n[0], 4);
	assert_int_equal(n[1], 1);
	assert_int_equal(stamp_scans_flush(s, NULL), 0); /* nothing twice */
	assert_int_equal(stamp_scans_daily(s, 20251201, 2, n), 0);
	assert_int_equal(n[0], 4);
	stamp_scans_close(s);
	assert_int_equal(stamp_scans_open_copy(dir, &s, NULL), 0);
	assert_int_equal(stamp_scans_get(s, 2, &t), 0);
	assert_int_equal(t.counted, 2);
	stamp_scans_close(s);
}

/* A folder as verifyd wrote it before the daily database: scans and meta only. */
static void older_folder_without_daily(void **state)
{
	(void)state;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	stamp_scans *s;
	uint64_t n[2] = {7, 7}, zero[2] = {0};

	assert_int_equal(stamp_scans_open(dir, 3, &s, NULL), 0);
	scan_at(s, 9, dec1, 1);
	assert_int_equal(stamp_scans_flush(s, NULL), 0);
	stamp_scans_close(s);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 3), 0);
	assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "daily", 0, &dbi), 0);
	assert_int_equal(mdb_drop(txn, dbi, 1), 0); /* as it was before */
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);

	/* a read-only copy opens, its stamps read, and it says it has no days */
	assert_int_equal(stamp_scans_open_copy(dir, &s, NULL), 0);
	stamp_scan t;
	assert_int_equal(stamp_scans_get(s, 9, &t), 0);
	assert_int_equal(t.counted, 1);
	assert_int_equal(stamp_scans_daily(s, 20251201, 2, n), STAMP_ENOTFOUND);
	assert_memory_equal(n, zero, sizeof n);
	stamp_scans_close(s);

	/* a writable open adds the database: empty, then counting */
	assert_int_equal(stamp_scans_open(dir, 3, &s, NULL), 0);
	assert_int_equal(stamp_scans_daily(s, 20251201, 2, n), 0);
	assert_memory_equal(n, zero, sizeof n);
	scan_at(s, 9, dec1 + 86400, 1);
	assert_int_equal(stamp_scans_flush(s, NULL), 0);
	stamp_scans_close(s);
	assert_int_equal(stamp_scans_open_copy(dir, &s, NULL), 0);
	assert_int_equal(stamp_scans_daily(s, 20251201, 2, n), 0);
	assert_int_equal(n[0], 0); /* before the database: not known */
	assert_int_equal(n[1], 1);
	stamp_scans_close(s);
}

/* 405 days of scans, flushed now and then: the last 400 days are kept. */
static void daily_keeps_400_days(void **state)
{
	(void)state;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_stat st;
	stamp_scans *s;
	static uint64_t n[STAMP_SCANS_DAILY_MAX];
	const uint32_t d0 = 20251201;

	assert_int_equal(stamp_scans_open(dir, 3, &s, NULL), 0);
	for (int day = 0; day < 405; day++) {
		scan_at(s, 1 + (uint64_t)day, dec1 + (int64_t)day * 86400 + 60, 1);
		if (day % 50 == 49 || day == 404)
			assert_int_equal(stamp_scans_flush(s, NULL), 0);
	}
	int64_t first = stamp_date_to_days(d0);
	assert_int_equal(stamp_scans_daily(s, d0, STAMP_SCANS_DAILY_MAX, n), 0);
	for (int i = 0; i < STAMP_SCANS_DAILY_MAX; i++)
		assert_int_equal(n[i], i < 5 ? 0 : 1); /* the first five days are gone */
	assert_int_equal(
		stamp_scans_daily(s, stamp_date_from_days(first + 5), STAMP_SCANS_DAILY_MAX, n), 0);
	for (int i = 0; i < STAMP_SCANS_DAILY_MAX; i++)
		assert_int_equal(n[i], 1);
	stamp_scans_close(s);

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 3), 0);
	assert_int_equal(mdb_env_open(env, dir, MDB_RDONLY, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "daily", 0, &dbi), 0);
	assert_int_equal(mdb_stat(txn, dbi, &st), 0);
	assert_int_equal(st.ms_entries, STAMP_SCANS_DAILY_MAX);
	mdb_txn_abort(txn);
	mdb_env_close(env);
}

/* ---- scanner.c: who scans, and what counts ------------------------------ */

static const int64_t day1 = 1764547200 + 3600; /* 2025-12-01 08:00 in Vietnam */

static void scanner_ids_and_cookies(void **state)
{
	(void)state;
	stamp_scans *s;
	scanner *sc;
	scanner_id a, b, c;
	char cookie[SCANNER_COOKIE_LEN + 1];
	scanner_rules rules = {3600, 30};

	assert_int_equal(stamp_scans_open(dir, 3, &s, NULL), 0);
	assert_int_equal(scanner_open(s, &rules, day1, &sc, NULL), 0);
	assert_int_equal(scanner_identify(sc, NULL, AF_INET, addr1, "phone A", day1, &a), 0);
	assert_int_equal(scanner_identify(sc, NULL, AF_INET, addr1, "phone A", day1 + 60, &b), 0);
	assert_true(a.id == b.id && a.source == b.source && !a.from_cookie);
	assert_int_equal(scanner_identify(sc, NULL, AF_INET, addr1, "phone B", day1, &c), 0);
	assert_true(c.id != a.id);
	assert_true(c.source == a.source); /* same address, another phone */
	assert_int_equal(scanner_identify(sc, NULL, AF_INET, addr2, "phone A", day1, &c), 0);
	assert_true(c.id != a.id && c.source != a.source);

	/* the cookie given on the first scan names the same scanner, from anywhere */
	scanner_cookie(sc, &a, cookie);
	assert_int_equal(strlen(cookie), SCANNER_COOKIE_LEN);
	assert_int_equal(scanner_identify(sc, cookie, AF_INET, addr2, "other UA", day1, &c), 0);
	assert_true(c.from_cookie && c.id == a.id);
	/* a forged or altered cookie is no cookie */
	char forged[SCANNER_COOKIE_LEN + 1];
	memcpy(forged, cookie, sizeof forged);
	forged[0] = forged[0] == '0' ? '1' : '0';
	assert_int_equal(scanner_identify(sc, forged, AF_INET, addr2, "other UA", day1, &c), 0);
	assert_false(c.from_cookie);
	assert_int_equal(scanner_identify(sc, "0123", AF_INET, addr2, "x", day1, &c), 0);
	assert_false(c.from_cookie);

	/* a new day: a new key, so yesterday's address hashes cannot be linked */
	assert_int_equal(scanner_identify(sc, NULL, AF_INET, addr1, "phone A", day1 + 86400, &c),
			 0);
	assert_true(c.id != a.id && c.source != a.source);
	/* ... but the cookie (the stable key) still holds, also after a reopen */
	scanner_close(sc);
	stamp_scans_close(s);
	assert_int_equal(stamp_scans_open(dir, 3, &s, NULL), 0);
	assert_int_equal(scanner_open(s, &rules, day1 + 86400, &sc, NULL), 0);
	assert_int_equal(scanner_identify(sc, cookie, AF_INET, addr1, "phone A", day1 + 86500, &c),
			 0);
	assert_true(c.from_cookie && c.id == a.id);
	scanner_close(sc);
	stamp_scans_close(s);
}

static void scanner_rate_limits(void **state)
{
	(void)state;
	stamp_scans *s;
	scanner *sc;
	scanner_id a, b;
	stamp_scan_mark m;
	scanner_rules rules = {3600, 5};

	assert_int_equal(stamp_scans_open(dir, 3, &s, NULL), 0);
	assert_int_equal(scanner_open(s, &rules, day1, &sc, NULL), 0);
	assert_int_equal(scanner_identify(sc, NULL, AF_INET, addr1, "A", day1, &a), 0);
	/* one counted scan per scanner per stamp per hour */
	assert_int_equal(scanner_admit(sc, &a, 1, day1, &m), SCAN_COUNTED);
	assert_int_equal(scanner_admit(sc, &a, 1, day1 + 10, &m), SCAN_REPEAT);
	assert_int_equal(scanner_admit(sc, &a, 1, day1 + 3599, &m), SCAN_REPEAT);
	assert_int_equal(scanner_admit(sc, &a, 1, day1 + 3600, &m), SCAN_COUNTED);
	/* five counted scans per address per minute, whatever the stamps */
	int64_t t = day1 + 7200 - (day1 + 7200) % 60; /* a minute's start */
	for (uint64_t serial = 10; serial < 15; serial++)
		assert_int_equal(scanner_admit(sc, &a, serial, t, &m), SCAN_COUNTED);
	assert_int_equal(scanner_admit(sc, &a, 15, t + 1, &m), SCAN_OVER_BUDGET);
	/* ... also for another phone behind the same address */
	assert_int_equal(scanner_identify(sc, NULL, AF_INET, addr1, "B", t, &b), 0);
	assert_int_equal(scanner_admit(sc, &b, 15, t + 2, &m), SCAN_OVER_BUDGET);
	/* not counted, so not a repeat either: it counts the next minute */
	assert_int_equal(scanner_admit(sc, &a, 15, t + 60, &m), SCAN_COUNTED);
	/* the tags differ per stamp: the store cannot link one phone's stamps */
	stamp_scan_mark m1, m2;
	assert_int_equal(scanner_admit(sc, &b, 100, t + 120, &m1), SCAN_COUNTED);
	assert_int_equal(scanner_admit(sc, &b, 101, t + 121, &m2), SCAN_COUNTED);
	assert_true(m1.scanner != m2.scanner && m1.source != m2.source);
	scanner_close(sc);
	stamp_scans_close(s);
}

/* Neither addresses nor User-Agents nor cookie values reach the store's file. */
static void scans_store_holds_no_personal_data(void **state)
{
	(void)state;
	stamp_scans *s;
	scanner *sc;
	scanner_rules rules = {3600, 1000};
	char cookie[SCANNER_COOKIE_LEN + 1], path[128];
	static const char ua[] = "Mozilla/5.0 (Linux; Android 14; TEST-UA-7f3a9c)";
	unsigned char v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78,
				0x9a, 0xbc, 0xde, 0xf0, 0x11, 0x22, 0x33, 0x44};

	assert_int_equal(stamp_scans_open(dir, 3, &s, NULL), 0);
	assert_int_equal(scanner_open(s, &rules, day1, &sc, NULL), 0);
	for (uint64_t serial = 1; serial <= 50; serial++) {
		scanner_id who;
		stamp_scan_mark m;
		stamp_scan after;
		assert_int_equal(scanner_identify(sc, NULL, AF_INET6, v6, ua, day1, &who), 0);
		scanner_cookie(sc, &who, cookie);
		assert_int_equal(scanner_admit(sc, &who, serial, day1, &m), SCAN_COUNTED);
		assert_int_equal(stamp_scans_record(s, serial, day1, &m, &after), 0);
	}
	assert_int_equal(stamp_scans_flush(s, NULL), 0);
	scanner_close(sc);
	stamp_scans_close(s);

	snprintf(path, sizeof path, "%s/data.mdb", dir);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static unsigned char data[1 << 22];
	size_t n = fread(data, 1, sizeof data, f);
	fclose(f);
	assert_true(n > 0 && n < sizeof data);
	assert_null(memmem(data, n, ua, strlen(ua)));
	assert_null(memmem(data, n, "TEST-UA", 7));
	assert_null(memmem(data, n, v6, 8)); /* not even the /64 */
	assert_null(memmem(data, n, cookie, 16));
	uint64_t id = 0;
	for (int i = 0; i < 16; i++)
		id = id << 4 |
		     (uint64_t)(cookie[i] <= '9' ? cookie[i] - '0' : cookie[i] - 'a' + 10);
	assert_null(memmem(data, n, &id, 8));
}

static void *write_txn(void *arg)
{
	MDB_txn *txn;
	if (mdb_txn_begin(arg, NULL, 0, &txn) == 0)
		mdb_txn_abort(txn);
	return NULL;
}

/*
 * A failed open must not leave LMDB's write lock taken: another process with
 * the environment open (a second verifyd, mdb_stat) would wait for it forever.
 */
static void failed_open_releases_the_write_lock(void **state)
{
	(void)state;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = {5, "scans"}, v = {1, "x"};
	int ready[2], status;
	char byte;

	/* a plain key named "scans" in the main database: mdb_dbi_open fails */
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);

	assert_int_equal(pipe(ready), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		stamp_scans *s;
		int rc = stamp_scans_open(dir, 3, &s, NULL);
		byte = rc == MDB_INCOMPATIBLE ? 'y' : 'n';
		if (write(ready[1], &byte, 1) != 1)
			_exit(1);
		sleep(30); /* stay alive: a lock held by a live thread is never recovered */
		_exit(0);
	}
	assert_int_equal(read(ready[0], &byte, 1), 1);
	assert_int_equal(byte, 'y');

	pthread_t tid;
	assert_int_equal(pthread_create(&tid, NULL, write_txn, env), 0);
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	int joined = pthread_timedjoin_np(tid, NULL, &until);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(ready[0]);
	close(ready[1]);
	if (joined != 0) {
		/* the waiter may never wake: leave it (and env) to the process's exit */
		pthread_detach(tid);
		fail_msg("a write transaction still waits after the failed open");
	}
	mdb_env_close(env);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(counts_first_and_last, setup, teardown),
		cmocka_unit_test_setup_teardown(distinct_scanners_exact_then_estimated, setup,
						teardown),
		cmocka_unit_test_setup_teardown(one_source_adds_few_scanners, setup, teardown),
		cmocka_unit_test_setup_teardown(reads_version_one_records, setup, teardown),
		cmocka_unit_test_setup_teardown(concurrent_scans_and_flushes_are_exact, setup,
						teardown),
		cmocka_unit_test_setup_teardown(daily_counts_after_a_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(failed_flush_keeps_the_days, setup, teardown),
		cmocka_unit_test_setup_teardown(older_folder_without_daily, setup, teardown),
		cmocka_unit_test_setup_teardown(daily_keeps_400_days, setup, teardown),
		cmocka_unit_test_setup_teardown(scanner_ids_and_cookies, setup, teardown),
		cmocka_unit_test_setup_teardown(scanner_rate_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(scans_store_holds_no_personal_data, setup,
						teardown),
		cmocka_unit_test_setup_teardown(failed_open_releases_the_write_lock, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
