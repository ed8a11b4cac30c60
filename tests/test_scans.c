/*
 * test_scans.c - scan counts: totals are exact under concurrent scans and
 * concurrent flushes, survive a reopen only once flushed, and reading a
 * count does not change it.
 */
#define _GNU_SOURCE /* pthread_timedjoin_np */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <lmdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "scans.h"

static char dir[64];

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

static void counts_first_and_last(void **state)
{
	(void)state;
	stamp_scans *s;
	stamp_scan sc;
	size_t n;

	assert_int_equal(stamp_scans_open(dir, &s, NULL), 0);
	assert_int_equal(stamp_scans_get(s, 5, &sc), 0);
	assert_int_equal(sc.count, 0);
	assert_int_equal(stamp_scans_record(s, 5, 1000, &sc), 0);
	assert_int_equal(stamp_scans_record(s, 5, 1010, &sc), 0);
	assert_int_equal(sc.count, 2);
	assert_int_equal(sc.first, 1000);
	assert_int_equal(sc.last, 1010);
	assert_int_equal(stamp_scans_get(s, 5, &sc), 0);
	assert_int_equal(sc.count, 2); /* reading does not count */
	assert_int_equal(stamp_scans_record(s, 0, 1, &sc), STAMP_EINPUT);

	assert_int_equal(stamp_scans_flush(s, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(stamp_scans_flush(s, &n), 0);
	assert_int_equal(n, 0); /* nothing changed since */
	assert_int_equal(stamp_scans_record(s, 6, 2000, &sc), 0);
	stamp_scans_close(s); /* serial 6 was never flushed: lost, as documented */

	assert_int_equal(stamp_scans_open(dir, &s, NULL), 0);
	assert_int_equal(stamp_scans_get(s, 5, &sc), 0);
	assert_int_equal(sc.count, 2);
	assert_int_equal(sc.first, 1000);
	assert_int_equal(sc.last, 1010);
	assert_int_equal(stamp_scans_get(s, 6, &sc), 0);
	assert_int_equal(sc.count, 0);
	assert_int_equal(stamp_scans_record(s, 5, 3000, &sc), 0);
	assert_int_equal(sc.count, 3);
	assert_int_equal(sc.first, 1000);
	uint64_t bytes = 0;
	assert_int_equal(stamp_scans_size(s, &bytes), 0);
	assert_true(bytes > 0);
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

static void *scanner(void *arg)
{
	run *r = arg;
	stamp_scan sc;
	for (int i = 0; i < SCANS; i++)
		if (stamp_scans_record(r->s, 1 + (uint64_t)(i % SERIALS), 100 + i, &sc) != 0)
			r->failures++; /* one writer per slot would be needed; count only */
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
	uint64_t total = 0;

	assert_int_equal(stamp_scans_open(dir, &r.s, NULL), 0);
	assert_int_equal(pthread_create(&f, NULL, flusher, &r), 0);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, scanner, &r), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	atomic_store(&r.stop, 1);
	pthread_join(f, NULL);
	assert_int_equal(r.failures, 0);
	assert_int_equal(stamp_scans_flush(r.s, NULL), 0);
	stamp_scans_close(r.s);

	assert_int_equal(stamp_scans_open(dir, &r.s, NULL), 0);
	for (uint64_t serial = 1; serial <= SERIALS; serial++) {
		assert_int_equal(stamp_scans_get(r.s, serial, &sc), 0);
		total += sc.count;
	}
	assert_int_equal(total, (uint64_t)THREADS * SCANS);
	assert_int_equal(stamp_scans_get(r.s, 1, &sc), 0);
	assert_int_equal(sc.count, THREADS * ((SCANS + SERIALS - 1) / SERIALS));
	stamp_scans_close(r.s);
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
		int rc = stamp_scans_open(dir, &s, NULL);
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
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(counts_first_and_last, setup, teardown),
		cmocka_unit_test_setup_teardown(concurrent_scans_and_flushes_are_exact, setup,
						teardown),
		cmocka_unit_test_setup_teardown(failed_open_releases_the_write_lock, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
