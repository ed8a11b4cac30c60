/*
 * test_env.c - how every LMDB environment is opened (env.c, datafile.c): a
 * truncated, empty or damaged data.mdb is refused before it is mapped, with
 * a message naming the file and the damage; a file whose missing tail is
 * free (as LMDB may leave it) still opens; the reader table has
 * STAMP_ENV_READERS slots; a failed write is explained in words.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "stamp/env.h"
#include "stamp/stamp.h"

/* LMDB 0.9's 64-bit meta page: the page header (16 bytes), then MDB_meta */
enum { M_MAGIC = 16, M_PSIZE = 40, M_FREE_ROOT = 80, M_MAIN_ROOT = 128, M_LAST = 136 };
enum { M_TXNID = 144 };

typedef struct fx {
	char dir[48], data[64];
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	stamp_store *st;
	stamp_txn *t;
	stamp_coop c = {0};
	strcpy(f->dir, "/tmp/test_env.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->data, sizeof f->data, "%s/data.mdb", f->dir);
	assert_int_equal(stamp_init(), 0);
	assert_int_equal(stamp_store_open(f->dir, STAMP_STORE_CREATE, &st, NULL), 0);
	/* enough coops for a branch page above the leaves */
	assert_int_equal(stamp_txn_begin(st, 1, &t), 0);
	for (int i = 0; i < 300; i++) {
		snprintf(c.id, sizeof c.id, "HTX-%03d", i);
		snprintf(c.name, sizeof c.name, "Hợp tác xã số %d, một cái tên khá dài", i);
		strcpy(c.district, "Hoằng Hóa");
		strcpy(c.province, "Thanh Hóa");
		strcpy(c.address, "Thôn Trung");
		assert_int_equal(stamp_store_put_coop(t, &c, 0), 0);
	}
	assert_int_equal(stamp_txn_commit(t, NULL), 0);
	stamp_store_close(st);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static uint64_t u64_at(const fx *f, off_t off)
{
	uint64_t v = 0;
	int fd = open(f->data, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &v, sizeof v, off), (ssize_t)sizeof v);
	close(fd);
	return v;
}

static uint32_t psize_of(const fx *f)
{
	return (uint32_t)u64_at(f, M_PSIZE);
}

/* The offset of the meta page LMDB opens (the higher txnid). */
static off_t newer_meta(const fx *f)
{
	off_t m1 = psize_of(f);
	return u64_at(f, m1 + M_TXNID) > u64_at(f, M_TXNID) ? m1 : 0;
}

static off_t file_size(const fx *f)
{
	struct stat sb;
	assert_int_equal(stat(f->data, &sb), 0);
	return sb.st_size;
}

/* Open read-only: the code, and the message in *d. */
static int open_ro(const fx *f, stamp_diag *d)
{
	stamp_store *st = NULL;
	memset(d, 0, sizeof *d);
	int rc = stamp_store_open(f->dir, STAMP_STORE_RDONLY, &st, d);
	if (rc == 0) {
		assert_non_null(st);
		stamp_store_close(st);
	} else {
		assert_null(st);
	}
	return rc;
}

static void overwrite(const fx *f, off_t off, const void *p, size_t n)
{
	int fd = open(f->data, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, p, n, off), (ssize_t)n);
	close(fd);
}

/* A page of bytes from a fixed generator: the same damage on every run. */
static void scribble(const fx *f, uint64_t pgno, uint32_t seed)
{
	uint8_t page[65536];
	uint32_t ps = psize_of(f), x = seed;
	for (uint32_t i = 0; i < ps; i++) {
		x = x * 1103515245u + 12345u;
		page[i] = (uint8_t)(x >> 16);
	}
	overwrite(f, (off_t)(pgno * ps), page, ps);
}

static void sound_store_opens(void **state)
{
	stamp_diag d;
	assert_int_equal(open_ro(*state, &d), 0);
}

static void truncated_store_is_refused(void **state)
{
	fx *f = *state;
	stamp_diag d;
	off_t size = file_size(f);
	uint32_t ps = psize_of(f);
	char want[256];

	assert_int_equal(truncate(f->data, size - ps), 0);
	assert_int_equal(open_ro(f, &d), STAMP_EBADSTORE);
	snprintf(want, sizeof want,
		 "%s: truncated: %lld bytes, but its last page ends at %lld (page size %u)",
		 f->data, (long long)(size - ps), (long long)size, ps);
	assert_non_null(strstr(d.msg, want));
	assert_non_null(strstr(d.msg, "restore a backup"));
	/* a writable open is refused alike, and does not "repair" the file */
	stamp_store *st = NULL;
	assert_int_equal(stamp_store_open(f->dir, STAMP_STORE_CREATE, &st, &d), STAMP_EBADSTORE);
	assert_int_equal(file_size(f), size - ps);

	assert_int_equal(truncate(f->data, size / 2), 0);
	assert_int_equal(open_ro(f, &d), STAMP_EBADSTORE);
	assert_non_null(strstr(d.msg, "truncated"));
	assert_int_equal(truncate(f->data, ps + 100), 0); /* meta page 1 cut */
	assert_int_equal(open_ro(f, &d), STAMP_EBADSTORE);
	assert_non_null(strstr(d.msg, "too short for meta page 1"));
}

static void empty_file_is_a_store_only_when_created(void **state)
{
	fx *f = *state;
	stamp_diag d;
	stamp_store *st = NULL;
	assert_int_equal(truncate(f->data, 0), 0);
	assert_int_equal(open_ro(f, &d), STAMP_EBADSTORE);
	assert_non_null(strstr(d.msg, "data.mdb: empty (0 bytes)"));
	assert_int_equal(stamp_store_open(f->dir, 0, &st, &d), STAMP_EBADSTORE);
	assert_int_equal(stamp_store_open(f->dir, STAMP_STORE_CREATE, &st, &d), 0);
	stamp_store_close(st);
	assert_int_equal(open_ro(f, &d), 0); /* a fresh store now */
}

static void not_lmdb_is_refused(void **state)
{
	fx *f = *state;
	stamp_diag d;
	uint32_t bad = 0x12345678;
	overwrite(f, psize_of(f) + M_MAGIC, &bad, sizeof bad);
	assert_int_equal(open_ro(f, &d), STAMP_EBADSTORE);
	assert_non_null(strstr(d.msg, "not an LMDB file (bad magic in meta page 1)"));
	overwrite(f, 0, "PK\3\4 a zip file, not a store", 29);
	assert_int_equal(open_ro(f, &d), STAMP_EBADSTORE);
	assert_non_null(strstr(d.msg, "bad magic in meta page 0"));
}

static void impossible_meta_is_refused(void **state)
{
	fx *f = *state;
	stamp_diag d;
	off_t m = newer_meta(f);
	uint64_t last = u64_at(f, m + M_LAST), root = last + 5;
	uint32_t ps = 3000;
	overwrite(f, m + M_MAIN_ROOT, &root, sizeof root);
	assert_int_equal(open_ro(f, &d), STAMP_EBADSTORE);
	assert_non_null(strstr(d.msg, "the root of the main database"));
	overwrite(f, M_PSIZE, &ps, sizeof ps);
	assert_int_equal(open_ro(f, &d), STAMP_EBADSTORE);
	assert_non_null(strstr(d.msg, "meta page 0: page size 3000"));
}

static void damaged_pages_are_refused_and_listed(void **state)
{
	fx *f = *state;
	stamp_diag d;
	uint64_t root = u64_at(f, newer_meta(f) + M_MAIN_ROOT);
	/* the main database's root: every named database hangs from it */
	scribble(f, root, 7);
	assert_int_equal(open_ro(f, &d), STAMP_EBADSTORE);
	assert_non_null(strstr(d.msg, "data.mdb: page"));
	assert_non_null(strstr(d.msg, "damaged"));
}

static int count_cb(const char *problem, void *ctx)
{
	assert_true(strlen(problem) > 0);
	(*(int *)ctx)++;
	return 0;
}

static void every_damaged_page_is_listed(void **state)
{
	fx cf, *f = &cf;
	stamp_diag d = {{0}};
	int n = 0;
	stamp_store *st;
	char dir[64];
	/* a compacted copy has no free pages: every leaf is one in use */
	snprintf(dir, sizeof dir, "%s/compact", ((fx *)*state)->dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(stamp_store_open(((fx *)*state)->dir, STAMP_STORE_RDONLY, &st, NULL), 0);
	assert_int_equal(mdb_env_copy2(stamp_store_env(st), dir, MDB_CP_COMPACT), 0);
	stamp_store_close(st);
	assert_true(strlen(dir) < sizeof cf.dir);
	memcpy(cf.dir, dir, strlen(dir) + 1);
	snprintf(cf.data, sizeof cf.data, "%s/data.mdb", cf.dir);
	uint64_t last = u64_at(f, newer_meta(f) + M_LAST);
	/* leaves of the coops database: the file's middle */
	for (uint64_t p = 2; p <= last; p++) {
		uint16_t flags = (uint16_t)(u64_at(f, (off_t)(p * psize_of(f)) + 8) >> 16);
		if ((flags & 0x02) && n < 2) { /* P_LEAF */
			scribble(f, p, (uint32_t)p);
			n++;
		}
	}
	assert_int_equal(n, 2);
	n = 0;
	assert_int_equal(stamp_datafile_check(f->dir, 0, count_cb, &n, &d), STAMP_EBADSTORE);
	assert_true(n >= 2);
}

/*
 * LMDB does not write overflow pages that a transaction took and freed again
 * once it holds free-list records (mdb_ovpage_free): when they were the last
 * pages, the file ends before the last page of the snapshot. That is sound
 * (they are on the free list), and such a store must open.
 */
static void file_shorter_by_free_pages_opens(void **state)
{
	fx *f = *state;
	stamp_store *st;
	stamp_txn *t;
	MDB_txn *txn;
	MDB_dbi dbi;
	static uint8_t big[100000];
	uint8_t k[8] = {0, 0, 0, 0, 0, 0, 0, 1};
	stamp_diag d;

	assert_int_equal(stamp_store_open(f->dir, 0, &st, NULL), 0);
	for (int i = 0; i < 3; i++) { /* a few commits: free-list records to reuse */
		stamp_coop c = {
			.id = "X", .name = "x", .district = "d", .province = "p", .address = "a"};
		assert_int_equal(stamp_txn_begin(st, 1, &t), 0);
		assert_int_equal(stamp_store_put_coop(t, &c, 1), 0);
		assert_int_equal(stamp_txn_commit(t, NULL), 0);
	}
	assert_int_equal(stamp_txn_begin(st, 1, &t), 0);
	assert_int_equal(stamp_store_db(t, "reserved", &txn, &dbi), 0);
	MDB_val kv = {8, k}, vv = {sizeof big, big};
	assert_int_equal(mdb_put(txn, dbi, &kv, &vv, 0), 0);
	assert_int_equal(mdb_del(txn, dbi, &kv, NULL), 0);
	assert_int_equal(stamp_txn_commit(t, NULL), 0);
	stamp_store_close(st);
	off_t m = newer_meta(f);
	uint64_t end = (u64_at(f, m + M_LAST) + 1) * psize_of(f);
	assert_true((uint64_t)file_size(f) < end); /* the case under test */
	assert_int_equal(open_ro(f, &d), 0);
	assert_int_equal(stamp_store_open(f->dir, 0, &st, NULL), 0); /* and to write */
	stamp_store_close(st);
	/* a cut into the pages in use is still refused */
	assert_int_equal(truncate(f->data, 3 * psize_of(f)), 0);
	assert_int_equal(open_ro(f, &d), STAMP_EBADSTORE);
	assert_non_null(strstr(d.msg, "truncated"));
}

static void reader_table_has_room_for_verifyd(void **state)
{
	fx *f = *state;
	stamp_store *st;
	unsigned readers = 0;
	assert_int_equal(stamp_store_open(f->dir, STAMP_STORE_RDONLY, &st, NULL), 0);
	assert_int_equal(mdb_env_get_maxreaders(stamp_store_env(st), &readers), 0);
	assert_true(readers >= STAMP_ENV_READERS);
	assert_true(STAMP_ENV_READERS >= 256 + 64); /* verifyd's most threads, and stampgens */
	stamp_store_close(st);
}

static void write_failures_are_explained(void **state)
{
	fx *f = *state;
	stamp_diag d = {{0}};
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	char want[256];
	int rc = 0;

	assert_int_equal(stamp_env_open(f->dir, 0, 16, (size_t)1 << 34, "store", &env, &d), 0);
	assert_int_equal(stamp_env_explain_write(env, "store", 0, &d), 0);
	assert_int_equal(stamp_env_explain_write(env, "store", ENOSPC, &d), ENOSPC);
	snprintf(want, sizeof want, "store: disk full: ");
	assert_non_null(strstr(d.msg, want));
	snprintf(want, sizeof want,
		 "bytes free on the filesystem holding %s (the change was not "
		 "made)",
		 f->dir);
	assert_non_null(strstr(d.msg, want));
	assert_int_equal(stamp_env_explain_write(env, "scans store", EACCES, &d), EACCES);
	assert_non_null(strstr(d.msg, "scans store: cannot write in"));
	assert_non_null(strstr(d.msg, "Permission denied (the change was not made)"));
	mdb_env_close(env);

	/* a map of 1 MiB fills: MDB_MAP_FULL, named with its size */
	char small[64];
	snprintf(small, sizeof small, "%s/small", f->dir);
	assert_int_equal(stamp_env_open(small, STAMP_ENV_CREATE, 1, (size_t)1 << 20, "scans store",
					&env, &d),
			 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
	uint8_t k[8], v[1000] = {0};
	for (uint64_t i = 0; i < 4000 && rc == 0; i++) {
		stamp_be_put(k, i, 8);
		MDB_val kv = {8, k}, vv = {sizeof v, v};
		rc = mdb_put(txn, dbi, &kv, &vv, 0);
	}
	mdb_txn_abort(txn);
	assert_int_equal(rc, MDB_MAP_FULL);
	assert_int_equal(stamp_env_explain_write(env, "scans store", rc, &d), MDB_MAP_FULL);
	assert_non_null(strstr(d.msg, "scans store map full (1 MiB) in"));
	mdb_env_close(env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(sound_store_opens, setup, teardown),
		cmocka_unit_test_setup_teardown(truncated_store_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(empty_file_is_a_store_only_when_created, setup,
						teardown),
		cmocka_unit_test_setup_teardown(not_lmdb_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(impossible_meta_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(damaged_pages_are_refused_and_listed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(every_damaged_page_is_listed, setup, teardown),
		cmocka_unit_test_setup_teardown(file_shorter_by_free_pages_opens, setup, teardown),
		cmocka_unit_test_setup_teardown(reader_table_has_room_for_verifyd, setup, teardown),
		cmocka_unit_test_setup_teardown(write_failures_are_explained, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
