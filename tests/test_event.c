/*
 * test_event.c - production stages (event.h): the field rules (stage
 * vocabulary, dates and Vietnam times, GLN, degrees, NFC, bounds, bidi and
 * control characters refused), the vocabulary table, add and withdraw with
 * their audit entries, the journey's order (product stages inherited, time
 * order, withdrawn left out), the per-batch limit, the issuance gate's note,
 * and the CSV import: line-numbered messages and all or nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errs.h"
#include "fixture.h"
#include "internal.h"
#include "record.h"
#include "stamp/event.h"

typedef struct efx {
	fixture f;
	stamp_batch b; /* NM-01 lot L1 */
} efx;

static int setup(void **state)
{
	efx *x = calloc(1, sizeof *x);
	stamp_diag d = {{0}};
	assert_non_null(x);
	assert_int_equal(fixture_open(&x->f), 0);
	stamp_issue_req r = fixture_req("L1", 3);
	assert_int_equal(stamp_issue(x->f.st, x->f.kp, &r, &x->b, &d), 0);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	efx *x = *state;
	fixture_close(&x->f);
	free(x);
	return 0;
}

static stamp_event blank(void)
{
	stamp_event e;
	memset(&e, 0, sizeof e);
	e.minutes = STAMP_EVENT_NO_TIME;
	return e;
}

static void set_ok(stamp_event *e, const char *field, const char *value)
{
	stamp_diag d = {{0}};
	if (stamp_event_set(e, field, value, &d) != 0)
		fail_msg("%s=%s: %s", field, value, d.msg);
}

static void set_bad(const char *field, const char *value, const char *msg_part)
{
	stamp_event e = blank();
	stamp_diag d = {{0}};
	assert_int_equal(stamp_event_set(&e, field, value, &d), STAMP_EINPUT);
	if (!strstr(d.msg, msg_part))
		fail_msg("%s=%s: \"%s\" lacks \"%s\"", field, value, d.msg, msg_part);
}

static void vocabulary(void **state)
{
	(void)state;
	for (unsigned i = 1; i <= STAMP_STAGE_LAST; i++) {
		const stamp_stage_info *s = stamp_stage_about(i);
		assert_non_null(s);
		assert_int_equal(stamp_stage_find(s->name), i);
		assert_non_null(strstr(stamp_stage_list(), s->name));
		assert_true(s->vi[0] && s->en[0]);
		if (s->cbv)
			assert_memory_equal(s->bizstep, "https://ref.gs1.org/cbv/BizStep-", 32);
		else
			assert_memory_equal(s->bizstep, "urn:ocopstamp:bizstep:", 22);
	}
	assert_null(stamp_stage_about(0));
	assert_null(stamp_stage_about(STAMP_STAGE_LAST + 1));
	assert_int_equal(stamp_stage_find("Packing"), 0);
	assert_int_equal(stamp_stage_find(""), 0);
	assert_string_equal(stamp_stage_about(STAMP_STAGE_SHIPPING)->bizstep,
			    "https://ref.gs1.org/cbv/BizStep-shipping");
	assert_string_equal(stamp_stage_about(STAMP_STAGE_RETAIL_SELLING)->bizstep,
			    "https://ref.gs1.org/cbv/BizStep-retail_selling");
	assert_true(stamp_stage_about(STAMP_STAGE_HARVESTING)->production);
	assert_false(stamp_stage_about(STAMP_STAGE_SHIPPING)->production);
}

static void field_rules(void **state)
{
	(void)state;
	stamp_event e = blank();
	char out[STAMP_TEXT_MAX + 1];

	set_ok(&e, "at", " 2026-03-01 06:30 ");
	assert_int_equal(e.date, 20260301);
	assert_int_equal(e.minutes, 6 * 60 + 30);
	set_ok(&e, "at", "01/03/2026T23:59+07:00");
	assert_int_equal(e.minutes, 23 * 60 + 59);
	assert_int_equal(stamp_event_get(&e, "at", out, sizeof out), 0);
	assert_string_equal(out, "2026-03-01 23:59");
	set_ok(&e, "at", "2026-03-02");
	assert_int_equal(e.minutes, STAMP_EVENT_NO_TIME);
	set_bad("at", "2026-02-30", "column \"at\": expected a date");
	set_bad("at", "2026-03-01 24:00", "expected a date");
	set_bad("at", "2026-03-01 06:30+08:00", "Vietnam time");
	set_bad("at", "2026-03-01 6:30", "expected a date");

	set_ok(&e, "stage", "fermenting");
	assert_int_equal(e.stage, STAMP_STAGE_FERMENTING);
	set_bad("stage", "boiling",
		"column \"stage\": expected one of receiving, growing, harvesting, processing, "
		"fermenting, packing, inspecting, storing, shipping, retail_selling, got "
		"\"boiling\"");

	set_ok(&e, "gln", "8934567000017");
	set_bad("gln", "8934567000011", "check digit of \"8934567000011\" should be 7");
	set_bad("gln", "893456700001", "expected a GLN of 13 digits");

	set_ok(&e, "lat", "-10.123456");
	assert_int_equal(e.lat_e6, -10123456);
	set_ok(&e, "lon", "180");
	assert_int_equal(e.lon_e6, 180000000);
	assert_int_equal(e.has_geo, 3);
	assert_int_equal(stamp_event_get(&e, "lat", out, sizeof out), 0);
	assert_string_equal(out, "-10.123456");
	set_bad("lat", "90.000001", "degrees from -90 to 90");
	set_bad("lat", "10.1234567", "at most 6 decimals");
	set_bad("lon", "1e2", "degrees from -180 to 180");
	set_bad("lon", "10,5", "degrees");

	set_ok(&e, "batch", "42");
	assert_int_equal(e.batch_id, 42);
	set_bad("batch", "0", "expected a batch number");
	set_bad("batch", "4294967296", "expected a batch number");
	set_bad("batch", "-1", "expected a batch number");
	set_bad("product", "NM 01", "expected a product id");

	/* text: NFC, bounds, control and bidi characters */
	set_ok(&e, "place",
	       " Nu\xcc\x9bo\xcc\x9b\xcc\x81"
	       "c "); /* decomposed, with blanks */
	assert_string_equal(e.place, "Nước");
	assert_int_equal(stamp_event_get(&e, "place", out, sizeof out), 0);
	assert_string_equal(out, "Nước");
	char big[STAMP_TEXT_MAX + 2];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	set_bad("note", big, "column \"note\"");
	big[STAMP_TEXT_MAX] = '\0';
	set_ok(&e, "note", big);
	char lab[STAMP_SHORT_MAX + 2];
	memset(lab, 'b', sizeof lab - 1);
	lab[sizeof lab - 1] = '\0';
	set_bad("label", lab, "column \"label\"");
	set_bad("note",
		"ab\xe2\x80\xae"
		"cd",
		"column \"note\""); /* U+202E RIGHT-TO-LEFT OVERRIDE */
	set_bad("source", "a\x01z", "column \"source\"");
	set_bad("partner", "\xff", "column \"partner\"");
	/* an empty value clears the field */
	set_ok(&e, "note", "");
	assert_string_equal(e.note, "");

	stamp_diag d = {{0}};
	assert_int_equal(stamp_event_set(&e, "colour", "red", &d), STAMP_ENOTFOUND);
	assert_int_equal(stamp_event_required("stage"), 1);
	assert_int_equal(stamp_event_required("at"), 1);
	assert_int_equal(stamp_event_required("note"), 0);
	assert_int_equal(stamp_event_required("colour"), -1);
}

static void record_rules(void **state)
{
	(void)state;
	stamp_event e = blank();
	stamp_diag d = {{0}};

	assert_int_equal(stamp_event_check(&e, &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "stage"));
	set_ok(&e, "stage", "packing");
	assert_int_equal(stamp_event_check(&e, &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "column \"at\": required"));
	set_ok(&e, "at", "2026-03-01");
	assert_int_equal(stamp_event_check(&e, &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "one of them is required"));
	set_ok(&e, "product", "NM-01");
	assert_int_equal(stamp_event_check(&e, &d), 0);
	set_ok(&e, "lat", "19.8");
	assert_int_equal(stamp_event_check(&e, &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "column \"lon\": required with \"lat\""));
	set_ok(&e, "lon", "105.9");
	assert_int_equal(stamp_event_check(&e, &d), 0);
	/* built by hand: text not in NFC, an unknown stage */
	strcpy(e.note, "Nu\xcc\x9b\xcc\x81\x63");
	assert_int_equal(stamp_event_check(&e, &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "NFC"));
	e.note[0] = '\0';
	e.stage = STAMP_STAGE_LAST + 1;
	assert_int_equal(stamp_event_check(&e, &d), STAMP_EINPUT);
}

static void record_round_trip(void **state)
{
	(void)state;
	stamp_event e = blank(), back;
	uint8_t buf[STAMP_REC_MAX];
	set_ok(&e, "product", "NM-01");
	set_ok(&e, "stage", "receiving");
	set_ok(&e, "at", "2026-03-01 06:30");
	set_ok(&e, "lat", "-1.5");
	set_ok(&e, "lon", "105.9041");
	set_ok(&e, "source", "lô cá cơm, tàu TH-90123");
	e.seq = 7;
	e.created = 1790000000;
	uint8_t again[STAMP_REC_MAX];
	size_t n = stamp_rec_event(&e, buf);
	assert_int_equal(stamp_unrec_event(buf, n, &back), 0);
	assert_int_equal(stamp_rec_event(&back, again), n);
	assert_memory_equal(buf, again, n);
	assert_string_equal(back.source, "lô cá cơm, tàu TH-90123");
	assert_int_equal(back.lat_e6, -1500000);
	assert_int_equal(back.seq, 7);
	assert_int_equal(stamp_unrec_event(buf, n - 1, &back), STAMP_ECORRUPT);
	buf[0] = 2; /* an unknown record version */
	assert_int_equal(stamp_unrec_event(buf, n, &back), STAMP_ECORRUPT);
	e.stage = 0;
	n = stamp_rec_event(&e, buf);
	assert_int_equal(stamp_unrec_event(buf, n, &back), STAMP_ECORRUPT);
}

static int add(efx *x, uint32_t batch, const char *product, const char *stage, const char *at,
	       stamp_diag *d)
{
	stamp_event e = blank();
	stamp_txn *t;
	if (batch) {
		char b[16];
		snprintf(b, sizeof b, "%u", (unsigned)batch);
		set_ok(&e, "batch", b);
	}
	if (product)
		set_ok(&e, "product", product);
	set_ok(&e, "stage", stage);
	set_ok(&e, "at", at);
	assert_int_equal(stamp_txn_begin(x->f.st, 1, &t), 0);
	int rc = stamp_event_add(t, &e, 1790000000, d);
	if (rc) {
		stamp_txn_abort(t);
		return rc;
	}
	return stamp_txn_commit(t, d);
}

/* The batch's journey into out (room for 2 * STAMP_EVENTS_MAX); how many. */
static size_t journey(efx *x, stamp_event *out)
{
	stamp_txn *t;
	stamp_event *j = NULL;
	size_t n = 99;
	assert_int_equal(stamp_txn_begin(x->f.st, 0, &t), 0);
	assert_int_equal(stamp_event_journey(t, &x->b, &j, &n), 0);
	stamp_txn_abort(t);
	assert_true(n <= 2 * STAMP_EVENTS_MAX);
	assert_true((n == 0) == (j == NULL));
	if (n)
		memcpy(out, j, n * sizeof *j);
	free(j);
	return n;
}

static int last_audit(const stamp_audit_entry *e, void *ctx)
{
	snprintf(ctx, STAMP_AUDIT_RESULT_MAX + 1, "%s", e->result);
	return 0;
}

static void add_order_withdraw(void **state)
{
	efx *x = *state;
	stamp_diag d = {{0}};
	stamp_event *ev = calloc(2 * STAMP_EVENTS_MAX, sizeof *ev);
	char audit[STAMP_AUDIT_RESULT_MAX + 1] = "";
	stamp_txn *t;
	int yes = -1;

	assert_non_null(ev);
	assert_int_equal(stamp_txn_begin(x->f.st, 0, &t), 0);
	assert_int_equal(stamp_event_has_production(t, "NM-01", 0, &yes), 0);
	assert_int_equal(yes, 0);
	stamp_txn_abort(t);
	assert_int_equal(journey(x, ev), 0); /* none yet */

	/* shipping (not a production stage) on the batch, then product stages added later */
	assert_int_equal(add(x, x->b.id, NULL, "shipping", "2026-03-12 14:00", &d), 0);
	assert_int_equal(add(x, 0, "NM-01", "fermenting", "2025-03-01", &d), 0);
	assert_int_equal(add(x, 0, "NM-01", "receiving", "2025-03-01 06:30", &d), 0);
	assert_int_equal(add(x, x->b.id, "NM-01", "packing", "2026-03-10", &d), 0);

	assert_int_equal(stamp_txn_begin(x->f.st, 0, &t), 0);
	assert_int_equal(stamp_audit_each(t, 0, last_audit, audit), 0);
	assert_int_equal(stamp_event_has_production(t, "NM-01", 0, &yes), 0);
	stamp_txn_abort(t);
	assert_string_equal(audit, "event batch 1 #2 added: packing on 2026-03-10");
	assert_int_equal(yes, 1);

	size_t n = journey(x, ev);
	assert_int_equal(n, 4);
	/* time order; on one day the timed stage first; the batch's product filled in */
	assert_int_equal(ev[0].stage, STAMP_STAGE_RECEIVING);
	assert_int_equal(ev[1].stage, STAMP_STAGE_FERMENTING);
	assert_int_equal(ev[2].stage, STAMP_STAGE_PACKING);
	assert_int_equal(ev[3].stage, STAMP_STAGE_SHIPPING);
	assert_int_equal(ev[3].batch_id, x->b.id);
	assert_string_equal(ev[3].product_id, "NM-01");
	assert_int_equal(ev[0].batch_id, 0);
	assert_int_equal(ev[0].seq, 2);
	assert_int_equal(ev[3].created, 1790000000);

	/* refused: another product's batch, unknown owners */
	assert_int_equal(add(x, x->b.id, "NM-02", "packing", "2026-03-10", &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "batch 1 is of product \"NM-01\", not \"NM-02\""));
	assert_int_equal(add(x, 99, NULL, "packing", "2026-03-10", &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "batch 99 is not in the store"));
	assert_int_equal(add(x, 0, "NM-99", "packing", "2026-03-10", &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "no product \"NM-99\" is registered"));

	/* withdraw: left out of the journey, kept in the store, audited, once only */
	assert_int_equal(stamp_txn_begin(x->f.st, 1, &t), 0);
	assert_int_equal(stamp_event_withdraw(t, x->b.id, NULL, 1, 1790000100, &d), 0);
	assert_int_equal(stamp_txn_commit(t, &d), 0);
	assert_int_equal(journey(x, ev), 3);
	assert_int_equal(ev[2].stage, STAMP_STAGE_PACKING);
	assert_int_equal(stamp_txn_begin(x->f.st, 1, &t), 0);
	assert_int_equal(stamp_event_withdraw(t, x->b.id, NULL, 1, 1790000200, &d), STAMP_EEXIST);
	assert_int_equal(stamp_event_withdraw(t, x->b.id, NULL, 9, 1790000200, &d),
			 STAMP_ENOTFOUND);
	assert_int_equal(stamp_event_withdraw(t, 0, "NM-01", 3, 1790000200, &d), STAMP_ENOTFOUND);
	assert_int_equal(stamp_audit_each(t, 0, last_audit, audit), 0);
	stamp_txn_abort(t);
	assert_string_equal(audit, "event batch 1 #1 withdrawn");
	uint64_t count = 0, broken = 0;
	assert_int_equal(stamp_txn_begin(x->f.st, 0, &t), 0);
	assert_int_equal(stamp_audit_verify(t, &count, NULL, &broken, &d), 0);
	stamp_txn_abort(t);

	/* stampgen check: every stage read and sound; then one put under another's key */
	stamp_check_counts cn;
	memset(&cn, 0, sizeof cn);
	assert_int_equal(stamp_store_check(x->f.st, 1, NULL, NULL, &cn, &d), 0);
	assert_int_equal(cn.events, 4);
	assert_int_equal(cn.problems, 0);
	uint8_t key[9] = {'B', 0, 0, 0, 9, 0, 0, 0, 1}, rec[STAMP_REC_MAX];
	MDB_txn *mt;
	MDB_dbi dbi;
	assert_int_equal(stamp_txn_begin(x->f.st, 1, &t), 0);
	assert_int_equal(stamp_store_db(t, "events", &mt, &dbi), 0);
	MDB_val k = {sizeof key, key}, v = {stamp_rec_event(&ev[0], rec), rec};
	assert_int_equal(mdb_put(mt, dbi, &k, &v, 0), 0);
	assert_int_equal(stamp_txn_commit(t, &d), 0);
	memset(&cn, 0, sizeof cn);
	assert_int_equal(stamp_store_check(x->f.st, 1, NULL, NULL, &cn, &d), 0);
	assert_int_equal(cn.events, 5);
	assert_int_equal(cn.problems, 1);
	free(ev);
}

static void limit_per_batch(void **state)
{
	efx *x = *state;
	stamp_diag d = {{0}};
	for (int i = 0; i < STAMP_EVENTS_MAX; i++)
		assert_int_equal(add(x, x->b.id, NULL, "storing", "2026-03-12", &d), 0);
	assert_int_equal(add(x, x->b.id, NULL, "storing", "2026-03-12", &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "batch 1 has 100 events already"));
	/* the product's own limit is separate */
	assert_int_equal(add(x, 0, "NM-01", "storing", "2026-03-12", &d), 0);
	stamp_event *ev = calloc(2 * STAMP_EVENTS_MAX, sizeof *ev);
	assert_non_null(ev);
	assert_int_equal(journey(x, ev), STAMP_EVENTS_MAX + 1);
	assert_int_equal(ev[0].batch_id, 0); /* the product's first on a tie */
	assert_int_equal(ev[STAMP_EVENTS_MAX].seq, STAMP_EVENTS_MAX);
	free(ev);
}

static int count_one(const stamp_event *e, void *ctx)
{
	(void)e;
	(*(size_t *)ctx)++;
	return 0;
}

static size_t stored(efx *x, uint32_t batch, const char *product)
{
	stamp_txn *t;
	size_t n = 0;
	assert_int_equal(stamp_txn_begin(x->f.st, 0, &t), 0);
	assert_int_equal(stamp_event_each(t, batch, product, count_one, &n), 0);
	stamp_txn_abort(t);
	return n;
}

static const char *write_csv(efx *x, const char *name, const char *text)
{
	static char path[128];
	snprintf(path, sizeof path, "%.60s/../%s", x->f.dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void import_all_or_nothing(void **state)
{
	efx *x = *state;
	struct errs e = {{0}, 0};
	stamp_diag d = {{0}};
	size_t count = 9;

	/* line 4 starts after a quoted cell spanning two lines; line 6 is after a blank line */
	const char *bad = write_csv(x, "bad.csv",
				    "\xEF\xBB\xBFproduct,batch,stage,at,note\r\n"
				    "NM-01,,receiving,2025-03-01 06:30,\"cá cơm,\r\nướp muối\"\r\n"
				    "NM-01,,boiling,2025-03-01,x\r\n"
				    ",1,packing,30/02/2026,y\r\n"
				    "\r\n"
				    ",7,packing,2026-03-10,z\r\n"
				    ",1,shipping,2026-03-12,\"ab\xe2\x80\xae\"\r\n");
	assert_int_equal(
		stamp_import_csv(x->f.st, STAMP_IMPORT_EVENTS, bad, 0, &count, collect, &e, &d),
		STAMP_EINPUT);
	assert_int_equal(count, 0);
	assert_int_equal(e.n, 4);
	assert_non_null(strstr(e.buf, "bad.csv:4: column \"stage\": expected one of receiving"));
	assert_non_null(strstr(e.buf, "bad.csv:5: column \"at\": expected a date"));
	assert_non_null(strstr(e.buf, "bad.csv:7: column \"batch\": batch 7 is not in the store"));
	assert_non_null(strstr(e.buf, "bad.csv:8: column \"note\""));
	assert_non_null(strstr(d.msg, "4 problems; nothing imported"));
	assert_int_equal(stored(x, 0, "NM-01"), 0); /* the good line 2 was not kept */
	assert_int_equal(stored(x, x->b.id, NULL), 0);

	/* a missing required column, an unknown one */
	memset(&e, 0, sizeof e);
	const char *hdr = write_csv(x, "hdr.csv", "product,at,colour\nNM-01,2026-03-01,red\n");
	assert_int_equal(
		stamp_import_csv(x->f.st, STAMP_IMPORT_EVENTS, hdr, 0, &count, collect, &e, &d),
		STAMP_EINPUT);
	assert_non_null(strstr(e.buf, "hdr.csv:1: unknown column \"colour\""));
	assert_non_null(strstr(e.buf, "hdr.csv:1: missing required column \"stage\""));

	/* a good file: all of it, in order, with sequence numbers; a dry run writes nothing */
	const char *good = write_csv(x, "good.csv",
				     "product,batch,stage,at,place,source\n"
				     "NM-01,,receiving,2025-03-01 06:30,Bến cá,\"lô cá cơm, tàu "
				     "TH-90123\"\n"
				     ",1,packing,2026-03-10,,\n"
				     ",1,shipping,2026-03-12,,\n");
	assert_int_equal(
		stamp_import_csv(x->f.st, STAMP_IMPORT_EVENTS, good, 1, &count, NULL, NULL, &d), 0);
	assert_int_equal(count, 3);
	assert_int_equal(stored(x, x->b.id, NULL), 0);
	assert_int_equal(
		stamp_import_csv(x->f.st, STAMP_IMPORT_EVENTS, good, 0, &count, NULL, NULL, &d), 0);
	assert_int_equal(count, 3);
	assert_int_equal(stored(x, 0, "NM-01"), 1);
	assert_int_equal(stored(x, x->b.id, NULL), 2);
	stamp_event *ev = calloc(2 * STAMP_EVENTS_MAX, sizeof *ev);
	assert_non_null(ev);
	assert_int_equal(journey(x, ev), 3);
	assert_string_equal(ev[0].source, "lô cá cơm, tàu TH-90123");
	assert_int_equal(ev[2].stage, STAMP_STAGE_SHIPPING);
	assert_int_equal(ev[2].seq, 2);
	free(ev);
}

static void gate_note(const char *msg, void *ctx)
{
	snprintf(ctx, 512, "%s", msg);
}

static void issuance_gate(void **state)
{
	efx *x = *state;
	char note[512] = "";
	stamp_diag d = {{0}};
	stamp_batch b;

	/* no production stage: issued, with a note naming the product */
	stamp_issue_req r = fixture_req("L2", 2);
	r.note = gate_note;
	r.note_ctx = note;
	assert_int_equal(stamp_issue(x->f.st, x->f.kp, &r, &b, &d), 0);
	assert_non_null(strstr(note, "product \"NM-01\" has no production stage recorded"));
	/* a shipping stage is not a production stage; a withdrawn harvest does not count */
	assert_int_equal(add(x, 0, "NM-01", "shipping", "2026-03-01", &d), 0);
	assert_int_equal(add(x, 0, "NM-01", "harvesting", "2026-03-01", &d), 0);
	stamp_txn *t;
	assert_int_equal(stamp_txn_begin(x->f.st, 1, &t), 0);
	assert_int_equal(stamp_event_withdraw(t, 0, "NM-01", 2, 1790000000, &d), 0);
	assert_int_equal(stamp_txn_commit(t, &d), 0);
	note[0] = '\0';
	r = fixture_req("L3", 2);
	r.note = gate_note;
	r.note_ctx = note;
	assert_int_equal(stamp_issue(x->f.st, x->f.kp, &r, &b, &d), 0);
	assert_non_null(strstr(note, "no production stage"));
	/* a standing production stage on the product: no note */
	assert_int_equal(add(x, 0, "NM-01", "fermenting", "2026-03-01", &d), 0);
	note[0] = '\0';
	r = fixture_req("L4", 2);
	r.note = gate_note;
	r.note_ctx = note;
	assert_int_equal(stamp_issue(x->f.st, x->f.kp, &r, &b, &d), 0);
	assert_string_equal(note, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vocabulary),
		cmocka_unit_test(field_rules),
		cmocka_unit_test(record_rules),
		cmocka_unit_test(record_round_trip),
		cmocka_unit_test_setup_teardown(add_order_withdraw, setup, teardown),
		cmocka_unit_test_setup_teardown(limit_per_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(import_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(issuance_gate, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
