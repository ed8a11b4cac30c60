/*
 * test_issue.c - batch issuance: all-or-nothing into the store, the output
 * folder appears only when complete, serials are never reused, rendering
 * again is byte-identical, the result does not depend on the thread count.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "stamp/print.h"
#include "internal.h"
#include "record.h"
#include <lmdb.h>

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	rewind(fp);
	char *buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static void out_path(const fixture *f, const char *name, char *buf, size_t n)
{
	char base[64];
	snprintf(base, sizeof base, "%s", f->dir);
	base[strlen(base) - strlen("/store")] = '\0';
	snprintf(buf, n, "%s/%s", base, name);
}

static int exists(const char *p)
{
	struct stat sb;
	return lstat(p, &sb) == 0;
}

static void issue_writes_manifest_and_pngs(void **state)
{
	fixture *f = *state;
	char out[256], path[320];
	stamp_issue_req r = fixture_req("L1", 40);
	stamp_batch b;
	stamp_diag d = {{0}};
	size_t len;

	out_path(f, "b1", out, sizeof out);
	r.out_dir = out;
	r.sink = stamp_png_sink();
	assert_int_equal(stamp_issue(f->st, f->kp, &r, &b, &d), 0);
	assert_int_equal(b.id, 1);
	assert_int_equal(b.first_serial, 1);
	assert_int_equal(b.count, 40);
	assert_int_equal(b.expiry, 20281031); /* 730 days of shelf life */
	assert_string_equal(b.base_url, "HTTPS://TEM.THANHHOA.GOV.VN");

	snprintf(path, sizeof path, "%s/manifest.csv", out);
	char *m = slurp(path, &len);
	assert_true(strncmp(m, "serial,code,file\n1,HTTPS://TEM.THANHHOA.GOV.VN/S/", 48) == 0);
	assert_non_null(strstr(m, "\n40,HTTPS://"));
	assert_non_null(strstr(m, ",0000000040.png\n"));
	int lines = 0;
	for (char *p = m; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 41);
	free(m);
	snprintf(path, sizeof path, "%s/0000000040.png", out);
	assert_true(exists(path));
	snprintf(path, sizeof path, "%s/0000000041.png", out);
	assert_false(exists(path));
}

static void rejected_issue_changes_nothing(void **state)
{
	fixture *f = *state;
	char out[256];
	stamp_issue_req r = fixture_req("L1", 5);
	stamp_batch b;
	stamp_diag d = {{0}};

	out_path(f, "first", out, sizeof out);
	r.out_dir = out;
	assert_int_equal(stamp_issue(f->st, f->kp, &r, &b, &d), 0);

	/* same lot again: refused, no folder */
	out_path(f, "again", out, sizeof out);
	r.out_dir = out;
	assert_int_equal(stamp_issue(f->st, f->kp, &r, &b, &d), STAMP_EEXIST);
	assert_non_null(strstr(d.msg, "lot"));
	assert_false(exists(out));

	/* print gate: 10 mm at 600 dpi is under 0.375 mm a module */
	r = fixture_req("L2", 5);
	r.out_dir = out;
	r.sink = stamp_png_sink();
	r.size_01mm = 100;
	assert_int_equal(stamp_issue(f->st, f->kp, &r, &b, &d), STAMP_EPRINT);
	assert_false(exists(out));

	/* unknown product, bad count, bad base URL, folder already there */
	r = fixture_req("L3", 5);
	r.product_id = "NOPE";
	assert_int_equal(stamp_issue(f->st, f->kp, &r, &b, &d), STAMP_ENOTFOUND);
	r.product_id = "";
	assert_int_equal(stamp_issue(f->st, f->kp, &r, &b, &d), STAMP_ENOTFOUND);
	assert_non_null(strstr(d.msg, "not registered"));
	r = fixture_req("L3", 0);
	assert_int_equal(stamp_issue(f->st, f->kp, &r, &b, &d), STAMP_EINPUT);
	r = fixture_req("L3", 5);
	r.base_url = "ftp://x";
	assert_int_not_equal(stamp_issue(f->st, f->kp, &r, &b, &d), 0);
	r = fixture_req("L3", 5);
	out_path(f, "first", out, sizeof out);
	r.out_dir = out;
	assert_int_not_equal(stamp_issue(f->st, f->kp, &r, &b, &d), 0);

	/* sizes the batch record cannot hold are refused, not cut to 16 bits (250, 600) */
	r = fixture_req("L3", 5);
	r.size_01mm = 65536 + 250;
	assert_int_equal(stamp_issue(f->st, f->kp, &r, &b, &d), STAMP_EINPUT);
	r = fixture_req("L3", 5);
	r.dpi = 65536 + 600;
	assert_int_equal(stamp_issue(f->st, f->kp, &r, &b, &d), STAMP_EINPUT);

	/* none of the refusals consumed a serial or a batch number */
	r = fixture_req("L9", 3);
	assert_int_equal(stamp_issue(f->st, f->kp, &r, &b, &d), 0);
	assert_int_equal(b.id, 2);
	assert_int_equal(b.first_serial, 6);
}

/* A name that appeared while the output was being written is never replaced. */
static void publish_never_replaces(void **state)
{
	fixture *f = *state;
	char out[256], tmp[PATH_MAX];
	int fd = -1;

	out_path(f, "late", out, sizeof out);
	assert_int_equal(stamp_output_reserve(out, 1, tmp, NULL, NULL), 0);
	assert_int_equal(mkdir(out, 0700), 0); /* someone else's, still empty */
	assert_int_not_equal(stamp_output_publish(tmp, out, NULL), 0);
	assert_true(exists(tmp)); /* ours is kept for the caller to discard */
	stamp_output_discard(tmp);
	assert_int_equal(rmdir(out), 0);

	assert_int_equal(stamp_output_reserve(out, 0, tmp, &fd, NULL), 0);
	close(fd);
	FILE *fp = fopen(out, "w");
	assert_non_null(fp);
	fputs("theirs", fp);
	fclose(fp);
	assert_int_not_equal(stamp_output_publish(tmp, out, NULL), 0);
	stamp_output_discard(tmp);
	size_t len;
	char *text = slurp(out, &len);
	assert_string_equal(text, "theirs");
	free(text);
}

static void unregistered_key_is_refused(void **state)
{
	fixture *f = *state;
	uint8_t seed[32];
	stamp_keypair *other;
	stamp_issue_req r = fixture_req("L1", 5);
	stamp_batch b;
	stamp_diag d = {{0}};

	fixture_seed(seed, 100);
	assert_int_equal(stamp_key_from_seed(seed, &other), 0);
	assert_int_equal(stamp_issue(f->st, other, &r, &b, &d), STAMP_EUNKNOWNKEY);
	assert_non_null(strstr(d.msg, "not registered"));
	stamp_key_free(other);
}

static void missing_traceability_items_are_named(void **state)
{
	fixture *f = *state;
	stamp_issue_req r = fixture_req("", 5);
	stamp_batch b;
	stamp_diag d = {{0}};
	r.produced = 0;
	assert_int_equal(stamp_issue(f->st, f->kp, &r, &b, &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "02/2024/TT-BKHCN"));
	assert_non_null(strstr(d.msg, "lot"));
}

static void render_again_is_byte_identical(void **state)
{
	fixture *f = *state;
	char a[256], b2[256], pa[320], pb[320];
	stamp_issue_req r = fixture_req("L1", 30);
	stamp_batch b;
	stamp_diag d = {{0}};
	size_t la, lb;

	out_path(f, "issued", a, sizeof a);
	out_path(f, "rendered", b2, sizeof b2);
	r.out_dir = a;
	r.sink = stamp_png_sink();
	r.threads = 2;
	assert_int_equal(stamp_issue(f->st, f->kp, &r, &b, &d), 0);
	assert_int_equal(stamp_render_batch(f->st, b.id, b2, stamp_png_sink(), 1, NULL, NULL, &d),
			 0);
	/* issued on 2 threads, rendered on 1: same manifest, same PNG bytes */
	for (unsigned i = 0; i <= 30; i++) {
		char name[32];
		snprintf(name, sizeof name, i ? "%010u.png" : "manifest.csv", i);
		snprintf(pa, sizeof pa, "%s/%s", a, name);
		snprintf(pb, sizeof pb, "%s/%s", b2, name);
		char *x = slurp(pa, &la), *y = slurp(pb, &lb);
		assert_int_equal(la, lb);
		assert_memory_equal(x, y, la);
		free(x);
		free(y);
	}
	assert_int_not_equal(
		stamp_render_batch(f->st, b.id, b2, stamp_png_sink(), 1, NULL, NULL, &d), 0);
	out_path(f, "none", b2, sizeof b2);
	assert_int_equal(stamp_render_batch(f->st, 99, b2, stamp_png_sink(), 1, NULL, NULL, &d),
			 STAMP_ENOTFOUND);
	assert_false(exists(b2));
}

/* Key windows: retiring cannot extend one nor end it early; issuance checks them. */
static void key_windows_are_kept(void **state)
{
	fixture *f = *state;
	const uint8_t *id = stamp_key_public(f->kp)->id;
	stamp_issue_req r = fixture_req("L1", 3); /* now: 2026-11-18 */
	stamp_keyrec k;
	stamp_batch b;
	stamp_diag d = {{0}};
	stamp_txn *t;

	assert_int_equal(stamp_txn_begin(f->st, 1, &t), 0);
	assert_int_equal(stamp_store_get_key(t, id, &k), 0);
	k.valid_from = 20261101;
	assert_int_equal(stamp_store_put_key(t, &k, 1), 0);
	assert_int_equal(stamp_store_retire_key(t, id, 20261031, &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "before it starts"));
	assert_int_equal(stamp_store_retire_key(t, id, 20261117, &d), 0);
	assert_int_equal(stamp_store_retire_key(t, id, 20271231, &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "cannot extend"));
	assert_int_equal(stamp_store_retire_key(t, id, 20261117, &d), 0); /* the same day again */
	assert_int_equal(stamp_txn_commit(t, NULL), 0);

	/* retired the day before: it may not sign now */
	assert_int_equal(stamp_issue(f->st, f->kp, &r, &b, &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "may not sign today"));
	assert_non_null(strstr(d.msg, "2026-11-17"));
	/* and before its window opens neither */
	r.now = 1793000000; /* 2026-10-26 */
	assert_int_equal(stamp_issue(f->st, f->kp, &r, &b, &d), STAMP_EINPUT);
	/* inside the window it signs */
	r.now = 1794000000; /* 2026-11-06 */
	assert_int_equal(stamp_issue(f->st, f->kp, &r, &b, &d), 0);
}

/* ---- serials reserved before signing ---- */

typedef struct res_list {
	stamp_reservation *v;
	int n, max;
} res_list;

static int collect(const stamp_reservation *r, void *ctx)
{
	res_list *a = ctx;
	if (a->n < a->max)
		a->v[a->n] = *r;
	a->n++;
	return 0;
}

/* The store's reservations into v (at most max); how many there are. */
static int reservations(fixture *f, stamp_reservation *v, int max)
{
	res_list a = {v, 0, max};
	stamp_txn *t;
	assert_int_equal(stamp_txn_begin(f->st, 0, &t), 0);
	assert_int_equal(stamp_store_each_reservation(t, collect, &a), 0);
	stamp_txn_abort(t);
	return a.n;
}

/* A sink that fails on its 7th stamp, as a full disk would. */
static int fail_7th(const stamp_batch *b, const stamp_code *c, const char *path, void *ctx,
		    stamp_diag *d)
{
	(void)path;
	(void)ctx;
	if (c->serial == b->first_serial + 6) {
		snprintf(d->msg, sizeof d->msg, "disk full (test)");
		return ENOSPC;
	}
	return 0;
}

static void failed_issue_burns_its_serials(void **state)
{
	fixture *f = *state;
	char out[256];
	stamp_issue_sink sink = {".x", NULL, fail_7th, NULL};
	stamp_issue_req r = fixture_req("L1", 10);
	stamp_reservation v[4];
	stamp_batch b;
	stamp_diag d = {{0}};

	out_path(f, "fails", out, sizeof out);
	r.out_dir = out;
	r.sink = &sink;
	r.threads = 1;
	assert_int_equal(stamp_issue(f->st, f->kp, &r, &b, &d), ENOSPC);
	assert_string_equal(d.msg, "disk full (test)");
	assert_false(exists(out));
	/* serials 1-10 are a recorded gap: burned, never a batch */
	assert_int_equal(reservations(f, v, 4), 1);
	assert_int_equal(v[0].first_serial, 1);
	assert_int_equal(v[0].count, 10);
	assert_int_equal(v[0].state, STAMP_RESERVE_BURNED);
	assert_string_equal(v[0].lot, "L1");

	/* the same lot may be issued again, on new serials */
	r.sink = NULL;
	r.out_dir = NULL;
	assert_int_equal(stamp_issue(f->st, f->kp, &r, &b, &d), 0);
	assert_int_equal(b.first_serial, 11);
	stamp_txn *t;
	stamp_stamp s;
	assert_int_equal(stamp_txn_begin(f->st, 0, &t), 0);
	assert_int_equal(stamp_store_get_stamp(t, 7, &s), STAMP_ENOTFOUND);
	assert_int_equal(stamp_store_get_stamp(t, 11, &s), 0);
	stamp_txn_abort(t);
	/* a consumed reservation is gone; the burned one stays */
	assert_int_equal(reservations(f, v, 4), 1);
}

static void note_to(const char *msg, void *ctx)
{
	snprintf(ctx, 1024, "%s", msg);
}

static void note_all(const char *msg, void *ctx)
{
	size_t n = strlen(ctx);
	snprintf((char *)ctx + n, 1024 - n, "%s\n", msg);
}

/* A killed issuance: its reservation pending, its process gone, its folder left. */
static void stale_reservation_is_burned_and_its_folder_removed(void **state)
{
	fixture *f = *state;
	char tmp[256], file[300], host[STAMP_HOSTNAME_MAX + 1] = "", said[1024] = "";
	stamp_reservation v[4], dead = {.count = 500, .created = 1795000000};
	stamp_issue_req r = fixture_req("L2", 3);
	stamp_batch b;
	stamp_txn *t;

	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid); /* a pid that no longer runs */
	out_path(f, "killed.tmp-Ab12Cd", tmp, sizeof tmp);
	assert_int_equal(mkdir(tmp, 0700), 0);
	snprintf(file, sizeof file, "%s/0000000001.png", tmp);
	FILE *fp = fopen(file, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(gethostname(host, sizeof host - 1), 0);
	dead.pid = pid;
	strcpy(dead.host, host);
	strcpy(dead.product_id, "NM-01");
	strcpy(dead.lot, "L9");
	strcpy(dead.tmp, tmp);
	assert_int_equal(stamp_txn_begin(f->st, 1, &t), 0);
	assert_int_equal(stamp_store_reserve(t, &dead), 0);
	/* and one of a process on another machine: only reported, never touched */
	stamp_reservation other = dead;
	strcpy(other.host, "other-host");
	strcpy(other.lot, "L8");
	other.tmp[0] = '\0';
	assert_int_equal(stamp_store_reserve(t, &other), 0);
	assert_int_equal(stamp_txn_commit(t, NULL), 0);

	r.note = note_to;
	r.note_ctx = said;
	assert_int_equal(stamp_issue(f->st, f->kp, &r, &b, NULL), 0);
	assert_int_equal(b.first_serial, 1001);
	assert_non_null(strstr(said, "serials 1-500"));
	assert_non_null(strstr(said, "burned"));
	assert_non_null(strstr(said, "was removed"));
	assert_false(exists(tmp));
	assert_int_equal(reservations(f, v, 4), 2);
	assert_int_equal(v[0].state, STAMP_RESERVE_BURNED);
	assert_int_equal(v[1].state, STAMP_RESERVE_PENDING);
}

/* A run killed after its batch was stored, and one killed while cleaning up. */
static void stored_and_burned_leftovers_are_swept(void **state)
{
	fixture *f = *state;
	char stored[256], burned[256], host[STAMP_HOSTNAME_MAX + 1] = "", said[1024] = "";
	stamp_reservation v[4];
	stamp_issue_req r = fixture_req("L1", 4);
	stamp_batch b;
	stamp_txn *t;

	/* batch 1, issued for real; then its reservation made to look like a killed run's */
	assert_int_equal(stamp_issue(f->st, f->kp, &r, &b, NULL), 0);
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(gethostname(host, sizeof host - 1), 0);
	out_path(f, "b1.tmp-Zz9Yy8", stored, sizeof stored);
	out_path(f, "b0.tmp-Qq1Ww2", burned, sizeof burned);
	assert_int_equal(mkdir(stored, 0700), 0);
	assert_int_equal(mkdir(burned, 0700), 0);
	stamp_reservation s = {.first_serial = b.first_serial,
			       .count = b.count,
			       .state = STAMP_RESERVE_STORED,
			       .batch_id = b.id,
			       .pid = pid,
			       .created = 1};
	strcpy(s.host, host);
	strcpy(s.product_id, "NM-01");
	strcpy(s.lot, "L1");
	strcpy(s.tmp, stored);
	stamp_reservation z = {.count = 7, .created = 1, .pid = pid};
	strcpy(z.host, host);
	strcpy(z.product_id, "NM-01");
	strcpy(z.lot, "L0");
	strcpy(z.tmp, burned);
	assert_int_equal(stamp_txn_begin(f->st, 1, &t), 0);
	/* put the stored record back, as a kill before the rename leaves it */
	assert_int_equal(stamp_store_reserve(t, &z), 0);
	z.state = STAMP_RESERVE_BURNED;
	assert_int_equal(stamp_store_put_reservation(t, &z), 0);
	assert_int_equal(stamp_txn_commit(t, NULL), 0);
	{
		stamp_store_close(f->st);
		MDB_env *env;
		MDB_txn *txn;
		MDB_dbi dbi;
		uint8_t k[8], rec[4096];
		assert_int_equal(mdb_env_create(&env), 0);
		assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
		assert_int_equal(mdb_env_set_mapsize(env, (size_t)1 << 34), 0);
		assert_int_equal(mdb_env_open(env, f->dir, 0, 0600), 0);
		assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
		assert_int_equal(mdb_dbi_open(txn, "reserved", 0, &dbi), 0);
		for (int i = 7; i >= 0; i--)
			k[7 - i] = (uint8_t)(s.first_serial >> (8 * i));
		MDB_val kv = {8, k}, vv = {stamp_rec_reservation(&s, rec), rec};
		assert_int_equal(mdb_put(txn, dbi, &kv, &vv, 0), 0);
		assert_int_equal(mdb_txn_commit(txn), 0);
		mdb_env_close(env);
		assert_int_equal(stamp_store_open(f->dir, 0, &f->st, NULL), 0);
	}

	r = fixture_req("L2", 2);
	r.note = note_all;
	r.note_ctx = said;
	assert_int_equal(stamp_issue(f->st, f->kp, &r, &b, NULL), 0);
	assert_false(exists(stored));
	assert_false(exists(burned));
	assert_non_null(strstr(said, "batch 1 was stored, but its run"));
	assert_non_null(strstr(said, "stampgen render --batch 1"));
	assert_non_null(strstr(said, "of burned serials 5-11 was removed"));
	assert_int_equal(reservations(f, v, 4), 1); /* the burned gap stays; the stored one went */
	assert_int_equal(v[0].state, STAMP_RESERVE_BURNED);
}

/* The temporary name is absolute, whatever folder the run started in. */
static void temporary_names_are_absolute(void **state)
{
	(void)state;
	char tmp[PATH_MAX];
	assert_int_equal(stamp_output_name("rel/batch-9", tmp, NULL), 0);
	assert_int_equal(tmp[0], '/');
	assert_non_null(strstr(tmp, "/rel/batch-9.tmp-"));
	assert_int_equal(strlen(strstr(tmp, ".tmp-")), 11);
	assert_int_equal(stamp_output_name("/abs/b/", tmp, NULL), 0);
	assert_int_equal(strncmp(tmp, "/abs/b.tmp-", 11), 0);
}

/* The finish hook's files are published with the folder; a clash is ENOTPUBLISHED. */
static int add_sheet(stamp_store *st, const stamp_batch *b, const char *dir, void *ctx,
		     stamp_diag *d)
{
	char path[512];
	(void)st;
	(void)b;
	(void)d;
	snprintf(path, sizeof path, "%s/sheet.pdf", dir);
	FILE *fp = fopen(path, "w");
	if (!fp)
		return errno;
	fputs("%PDF-1.5\n", fp);
	fclose(fp);
	if (ctx) /* somebody makes the folder meanwhile */
		return mkdir(ctx, 0700) ? errno : 0;
	return 0;
}

static void finish_hook_and_unpublished(void **state)
{
	fixture *f = *state;
	char out[256], path[300];
	stamp_issue_req r = fixture_req("L1", 4);
	stamp_batch b;
	stamp_diag d = {{0}};

	out_path(f, "with-sheet", out, sizeof out);
	r.out_dir = out;
	r.finish = add_sheet;
	assert_int_equal(stamp_issue(f->st, f->kp, &r, &b, &d), 0);
	snprintf(path, sizeof path, "%s/sheet.pdf", out);
	assert_true(exists(path));

	r = fixture_req("L2", 4);
	out_path(f, "clash", out, sizeof out);
	r.out_dir = out;
	r.finish = add_sheet;
	r.finish_ctx = out;
	memset(&b, 0, sizeof b);
	assert_int_equal(stamp_issue(f->st, f->kp, &r, &b, &d), STAMP_ENOTPUBLISHED);
	assert_int_equal(b.id, 2); /* stored all the same */
	assert_non_null(strstr(d.msg, "is stored"));
	assert_non_null(strstr(d.msg, "stampgen render --batch 2"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(issue_writes_manifest_and_pngs, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(rejected_issue_changes_nothing, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(failed_issue_burns_its_serials, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(key_windows_are_kept, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(stale_reservation_is_burned_and_its_folder_removed,
						fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(finish_hook_and_unpublished, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(stored_and_burned_leftovers_are_swept,
						fixture_setup, fixture_teardown),
		cmocka_unit_test(temporary_names_are_absolute),
		cmocka_unit_test_setup_teardown(unregistered_key_is_refused, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(publish_never_replaces, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(missing_traceability_items_are_named, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(render_again_is_byte_identical, fixture_setup,
						fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
