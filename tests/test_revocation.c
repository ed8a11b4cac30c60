/*
 * test_revocation.c - revocation records, their index and the lookup every
 * verdict makes: each scope, overlapping ranges, undo, a key from a date,
 * dry-run counts, refused input, the record layout, and 10,000 revocations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixture.h"
#include "record.h"

typedef struct rfx {
	fixture f;
	stamp_batch b1, b2, b3; /* NM-01 L1 (100), NM-01 L2 (50), NM-02 L1 (20) */
} rfx;

static void issue(rfx *x, const char *product, const char *lot, uint32_t n, int64_t now,
		  stamp_batch *out)
{
	stamp_issue_req r = fixture_req(lot, n);
	r.product_id = product;
	r.now = now;
	stamp_diag d = {{0}};
	assert_int_equal(stamp_issue(x->f.st, x->f.kp, &r, out, &d), 0);
}

static int setup(void **state)
{
	rfx *x = calloc(1, sizeof *x);
	stamp_txn *t;
	stamp_product p = {0};
	if (!x || fixture_open(&x->f))
		return -1;
	/* a second product of the fixture's cooperative */
	assert_int_equal(stamp_txn_begin(x->f.st, 1, &t), 0);
	assert_int_equal(stamp_store_get_product(t, "NM-01", &p), 0);
	strcpy(p.id, "NM-02");
	assert_int_equal(stamp_store_put_product(t, &p, 0), 0);
	assert_int_equal(stamp_txn_commit(t, NULL), 0);
	issue(x, "NM-01", "L1", 100, 1795000000, &x->b1); /* 2026-11-18 */
	issue(x, "NM-01", "L2", 50, 1795500000, &x->b2);  /* 2026-11-24 */
	issue(x, "NM-02", "L1", 20, 1795900000, &x->b3);  /* 2026-11-28 */
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	rfx *x = *state;
	fixture_close(&x->f);
	free(x);
	return 0;
}

/* Add r in its own transaction; returns the libstamp code. */
static int add(rfx *x, stamp_revocation *r, stamp_diag *d)
{
	stamp_txn *t;
	assert_int_equal(stamp_txn_begin(x->f.st, 1, &t), 0);
	int rc = stamp_revocation_add(t, r, d);
	if (rc == 0)
		assert_int_equal(stamp_txn_commit(t, NULL), 0);
	else
		stamp_txn_abort(t);
	return rc;
}

static int undo(rfx *x, uint32_t id)
{
	stamp_txn *t;
	assert_int_equal(stamp_txn_begin(x->f.st, 1, &t), 0);
	int rc = stamp_revocation_undo(t, id, 1796000000, "Chị Lan", NULL);
	if (rc == 0)
		assert_int_equal(stamp_txn_commit(t, NULL), 0);
	else
		stamp_txn_abort(t);
	return rc;
}

/* The revocation id covering serial (0: none), found as verify.c finds it. */
static uint32_t covering(rfx *x, uint64_t serial)
{
	stamp_txn *t;
	stamp_stamp s;
	stamp_batch b;
	stamp_revocation r;
	assert_int_equal(stamp_txn_begin(x->f.st, 0, &t), 0);
	assert_int_equal(stamp_store_get_stamp(t, serial, &s), 0);
	assert_int_equal(stamp_store_get_batch(t, s.batch_id, &b), 0);
	int rc = stamp_revocation_find(t, serial, &b, &r);
	stamp_txn_abort(t);
	if (rc == STAMP_ENOTFOUND)
		return 0;
	assert_int_equal(rc, 0);
	return r.id;
}

static stamp_revocation rev(int scope, uint8_t reason)
{
	stamp_revocation r = {.scope = (uint8_t)scope, .reason = reason, .since = 1795950000};
	strcpy(r.actor, "officer");
	return r;
}

static void every_scope_covers_what_it_says(void **state)
{
	rfx *x = *state;
	stamp_diag d = {{0}};
	uint64_t s1 = x->b1.first_serial, s2 = x->b2.first_serial, s3 = x->b3.first_serial;

	stamp_revocation a = rev(STAMP_SCOPE_SERIALS, STAMP_REASON_STOLEN);
	a.first = s1 + 10;
	a.last = s1 + 19;
	strcpy(a.note, "  Cuộn tem bị mất cắp  ");
	assert_int_equal(add(x, &a, &d), 0);
	assert_int_equal(a.id, 1);
	assert_string_equal(a.note, "Cuộn tem bị mất cắp"); /* cleaned like registry text */
	assert_int_equal(covering(x, s1 + 9), 0);
	assert_int_equal(covering(x, s1 + 10), 1);
	assert_int_equal(covering(x, s1 + 19), 1);
	assert_int_equal(covering(x, s1 + 20), 0);

	stamp_revocation b = rev(STAMP_SCOPE_BATCH, STAMP_REASON_RECALLED);
	strcpy(b.product_id, "NM-01");
	strcpy(b.lot, "L2"); /* --lot NM-01:L2 */
	assert_int_equal(add(x, &b, &d), 0);
	assert_int_equal(b.batch_id, x->b2.id);
	assert_int_equal(covering(x, s2), 2);
	assert_int_equal(covering(x, s2 + 49), 2);
	assert_int_equal(covering(x, s1 + 50), 0);

	stamp_revocation p = rev(STAMP_SCOPE_PRODUCT, STAMP_REASON_CERT_WITHDRAWN);
	strcpy(p.product_id, "NM-02");
	assert_int_equal(add(x, &p, &d), 0);
	assert_int_equal(covering(x, s3 + 5), 3);
	/* the serial range wins over the product and batch of the same stamp */
	assert_int_equal(covering(x, s1 + 15), 1);

	/* a stored revocation reads back whole */
	stamp_txn *t;
	stamp_revocation got;
	assert_int_equal(stamp_txn_begin(x->f.st, 0, &t), 0);
	assert_int_equal(stamp_revocation_get(t, 2, &got), 0);
	assert_memory_equal(&got, &b, sizeof b);
	stamp_txn_abort(t);
}

static void a_key_from_a_date(void **state)
{
	rfx *x = *state;
	stamp_revocation k = rev(STAMP_SCOPE_KEY, STAMP_REASON_KEY_COMPROMISED);
	memcpy(k.key_id, stamp_key_public(x->f.kp)->id, STAMP_KEYID_BYTES);
	k.from = 20261124; /* batches 2 and 3 were issued on or after it */
	assert_int_equal(add(x, &k, NULL), 0);
	assert_int_equal(covering(x, x->b1.first_serial), 0);
	assert_int_equal(covering(x, x->b2.first_serial), k.id);
	assert_int_equal(covering(x, x->b3.first_serial + 19), k.id);
	/* an earlier date for the same key covers the first batch too */
	stamp_revocation all = k;
	all.from = 0;
	assert_int_equal(add(x, &all, NULL), 0);
	assert_int_equal(covering(x, x->b1.first_serial), all.id);
	assert_int_equal(undo(x, all.id), 0);
	assert_int_equal(covering(x, x->b1.first_serial), 0);
	assert_int_equal(covering(x, x->b2.first_serial), k.id);
}

static void overlapping_ranges_and_undo(void **state)
{
	rfx *x = *state;
	uint64_t s = x->b1.first_serial;
	stamp_revocation a = rev(STAMP_SCOPE_SERIALS, STAMP_REASON_STOLEN);
	a.first = s + 10;
	a.last = s + 60;
	stamp_revocation b = rev(STAMP_SCOPE_SERIALS, STAMP_REASON_PRINTED_IN_ERROR);
	b.first = s + 50; /* overlaps a's end */
	b.last = s + 80;
	stamp_revocation c = rev(STAMP_SCOPE_SERIALS, STAMP_REASON_LOST);
	c.first = c.last = s + 30; /* inside a */
	assert_int_equal(add(x, &a, NULL), 0);
	assert_int_equal(add(x, &b, NULL), 0);
	assert_int_equal(add(x, &c, NULL), 0);
	assert_int_equal(covering(x, s + 30), a.id); /* the earlier range keeps its part */
	assert_int_equal(covering(x, s + 55), a.id);
	assert_int_equal(covering(x, s + 61), b.id);
	assert_int_equal(covering(x, s + 80), b.id);
	assert_int_equal(covering(x, s + 81), 0);
	/* undo a: what b and c cover is still covered, by them */
	assert_int_equal(undo(x, a.id), 0);
	assert_int_equal(covering(x, s + 30), c.id);
	assert_int_equal(covering(x, s + 55), b.id);
	assert_int_equal(covering(x, s + 20), 0);
	assert_int_equal(undo(x, a.id), STAMP_EINPUT); /* once */
	assert_int_equal(undo(x, 99), STAMP_ENOTFOUND);

	stamp_txn *t;
	stamp_revocation got;
	assert_int_equal(stamp_txn_begin(x->f.st, 0, &t), 0);
	assert_int_equal(stamp_revocation_get(t, a.id, &got), 0);
	assert_int_equal(got.undone, 1796000000);
	assert_string_equal(got.undone_by, "Chị Lan");
	stamp_txn_abort(t);
}

static void dry_run_counts_issued_stamps(void **state)
{
	rfx *x = *state;
	stamp_txn *t;
	uint64_t n;
	stamp_revocation r = rev(STAMP_SCOPE_SERIALS, STAMP_REASON_STOLEN);
	r.first = x->b1.first_serial + 90; /* the last 10 of b1, all of b2, 5 of b3 */
	r.last = x->b3.first_serial + 4;
	assert_int_equal(stamp_txn_begin(x->f.st, 0, &t), 0);
	assert_int_equal(stamp_revocation_count(t, &r, &n, NULL), 0);
	assert_int_equal(n, 10 + 50 + 5);
	r = rev(STAMP_SCOPE_PRODUCT, STAMP_REASON_RECALLED);
	strcpy(r.product_id, "NM-01");
	assert_int_equal(stamp_revocation_count(t, &r, &n, NULL), 0);
	assert_int_equal(n, 150);
	r = rev(STAMP_SCOPE_KEY, STAMP_REASON_KEY_COMPROMISED);
	memcpy(r.key_id, stamp_key_public(x->f.kp)->id, STAMP_KEYID_BYTES);
	r.from = 20261125;
	assert_int_equal(stamp_revocation_count(t, &r, &n, NULL), 0);
	assert_int_equal(n, 20);
	stamp_txn_abort(t);
}

static void refused_input_writes_nothing(void **state)
{
	rfx *x = *state;
	stamp_diag d = {{0}};
	stamp_revocation r;

	r = rev(STAMP_SCOPE_SERIALS, 0);
	r.first = r.last = 1;
	assert_int_equal(add(x, &r, &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "certificate-withdrawn"));
	r = rev(STAMP_SCOPE_SERIALS, STAMP_REASON_LOST);
	r.first = 20;
	r.last = 10;
	assert_int_equal(add(x, &r, &d), STAMP_EINPUT);
	r = rev(STAMP_SCOPE_BATCH, STAMP_REASON_LOST);
	r.batch_id = 99;
	assert_int_equal(add(x, &r, &d), STAMP_ENOTFOUND);
	assert_non_null(strstr(d.msg, "batch 99"));
	r = rev(STAMP_SCOPE_BATCH, STAMP_REASON_RECALLED);
	strcpy(r.product_id, "NM-01");
	strcpy(r.lot, "L7");
	assert_int_equal(add(x, &r, &d), STAMP_ENOTFOUND);
	assert_non_null(strstr(d.msg, "L7"));
	r = rev(STAMP_SCOPE_PRODUCT, STAMP_REASON_CERT_WITHDRAWN);
	strcpy(r.product_id, "NOPE");
	assert_int_equal(add(x, &r, &d), STAMP_ENOTFOUND);
	r = rev(STAMP_SCOPE_KEY, STAMP_REASON_KEY_COMPROMISED);
	memset(r.key_id, 0xee, STAMP_KEYID_BYTES);
	assert_int_equal(add(x, &r, &d), STAMP_ENOTFOUND);
	r = rev(0, STAMP_REASON_LOST);
	assert_int_equal(add(x, &r, &d), STAMP_EINPUT);
	r = rev(STAMP_SCOPE_SERIALS, STAMP_REASON_LOST);
	r.first = r.last = 1;
	strcpy(r.note, "tab\tin the note");
	assert_int_equal(add(x, &r, &d), STAMP_EINPUT);

	uint8_t reason;
	assert_int_equal(stamp_reason_parse("recalled", &reason, NULL), 0);
	assert_int_equal(reason, STAMP_REASON_RECALLED);
	assert_int_equal(stamp_reason_parse("Recalled", &reason, &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "printed-in-error"));

	/* nothing refused was written */
	stamp_txn *t;
	stamp_revocation got;
	assert_int_equal(covering(x, 1), 0);
	assert_int_equal(stamp_txn_begin(x->f.st, 0, &t), 0);
	assert_int_equal(stamp_revocation_get(t, 1, &got), STAMP_ENOTFOUND);
	stamp_txn_abort(t);
}

static void record_layout_is_strict(void **state)
{
	(void)state;
	uint8_t buf[STAMP_REC_MAX];
	stamp_revocation r = rev(STAMP_SCOPE_BATCH, STAMP_REASON_RECALLED), out;
	r.batch_id = 7;
	strcpy(r.product_id, "NM-01");
	strcpy(r.lot, "L2");
	strcpy(r.note, "Không sử dụng");
	size_t n = stamp_rec_revocation(&r, buf);
	assert_int_equal(stamp_unrec_revocation(buf, n, &out), 0);
	assert_memory_equal(&out, &r, sizeof r);
	assert_int_equal(stamp_unrec_revocation(buf, n - 1, &out), STAMP_ECORRUPT);
	buf[1] = 9; /* a scope this program does not know */
	assert_int_equal(stamp_unrec_revocation(buf, n, &out), STAMP_ECORRUPT);
}

/* 10,000 revocations, as the benchmark has them: every lookup still exact. */
static void ten_thousand_ranges(void **state)
{
	rfx *x = *state;
	stamp_txn *t;
	stamp_batch big;
	issue(x, "NM-01", "BIG", 30000, 1795990000, &big);
	uint64_t s = big.first_serial;
	assert_int_equal(stamp_txn_begin(x->f.st, 1, &t), 0);
	for (int i = 0; i < 10000; i++) {
		/* every third serial but one in each step of 3 is revoked: 1 of 3 */
		stamp_revocation r = rev(STAMP_SCOPE_SERIALS, STAMP_REASON_LOST);
		r.first = r.last = s + (uint64_t)i * 3;
		assert_int_equal(stamp_revocation_add(t, &r, NULL), 0);
	}
	assert_int_equal(stamp_txn_commit(t, NULL), 0);
	for (uint64_t i = 0; i < 30000; i += 7)
		assert_int_equal(covering(x, s + i), i % 3 == 0 ? (uint32_t)(i / 3 + 1) : 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(every_scope_covers_what_it_says, setup, teardown),
		cmocka_unit_test_setup_teardown(a_key_from_a_date, setup, teardown),
		cmocka_unit_test_setup_teardown(overlapping_ranges_and_undo, setup, teardown),
		cmocka_unit_test_setup_teardown(dry_run_counts_issued_stamps, setup, teardown),
		cmocka_unit_test_setup_teardown(refused_input_writes_nothing, setup, teardown),
		cmocka_unit_test(record_layout_is_strict),
		cmocka_unit_test_setup_teardown(ten_thousand_ranges, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
