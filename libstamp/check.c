/*
 * check.c - the whole store walked and cross-checked (check.h).
 *
 * The store's own readers stop at the first damaged record (that is right
 * for a verdict); a check must go on and name every problem, so it walks
 * each database with a raw cursor and decodes each value itself, through the
 * same decoders (record.c) every reader uses. It holds little: the keys, and
 * one entry per batch (first serial, count, stamps seen), so that a stamp is
 * placed in its batch by a binary search. Stamps are read in serial order,
 * and their signatures verified in slices of CHUNK by the worker threads:
 * Ed25519 verification is the cost of a 1,000,000-stamp check, and it
 * divides by the cores.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "record.h"
#include "stamp/audit.h"
#include "stamp/check.h"
#include "stamp/date.h"
#include "stamp/event.h"
#include "stamp/key.h"
#include "stamp/revocation.h"
#include "stamp/user.h"

#define CHUNK 65536 /* stamps verified per round */
#define THREADS_MAX 64

typedef struct bat {
	uint32_t id;
	uint64_t first, count, seen;
	int key; /* index in keys, -1 when not registered */
} bat;

typedef struct sigjob {
	uint64_t serial;
	int key;
	uint8_t sig[STAMP_SIG_BYTES];
	uint8_t bad;
} sigjob;

typedef struct ck {
	stamp_txn *t;
	stamp_problem_cb cb;
	void *ctx;
	stamp_check_counts *n;
	stamp_keyrec *keys;
	size_t nkeys;
	bat *bats; /* by first serial */
	size_t nbats;
	sigjob *jobs;
	size_t njobs;
	unsigned threads;
	stamp_revocation *revs; /* in force */
	size_t nrevs;
	/* stamps outside every batch, reported as runs of serials */
	uint64_t stray_first, stray_last;
	uint32_t stray_batch;
	int strays; /* a run is pending */
} ck;

__attribute__((format(printf, 4, 5))) static void report(ck *c, const char *db, const char *key,
							 const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	if (vsnprintf(what, sizeof what, fmt, ap) < 0)
		what[0] = '\0';
	va_end(ap);
	c->n->problems++;
	if (c->cb)
		c->cb(db, key, what, c->ctx);
}

/* A key as text for a message: printable ASCII as it is, the rest as \xNN. */
static void key_text(const MDB_val *k, char *out, size_t cap)
{
	const uint8_t *p = k->mv_data;
	size_t o = 0;
	for (size_t i = 0; i < k->mv_size && o + 5 < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, isprint(p[i]) ? "%c" : "\\x%02x", p[i]);
	out[o] = '\0';
}

static int cursor(ck *c, const char *db, MDB_cursor **cur)
{
	MDB_txn *txn;
	MDB_dbi dbi;
	int rc = stamp_store_db(c->t, db, &txn, &dbi);
	if (rc == STAMP_ENOTFOUND) { /* an older store without it: empty */
		*cur = NULL;
		return 0;
	}
	return rc ? rc : mdb_cursor_open(txn, dbi, cur);
}

/* Each record of db to fn; MDB_NOTFOUND at the end is success. */
static int each(ck *c, const char *db, int (*fn)(ck *c, const MDB_val *k, const MDB_val *v))
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = cursor(c, db, &cur);
	if (rc || !cur)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if ((rc = fn(c, &k, &v)) != 0)
			break;
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int find_key(const ck *c, const uint8_t id[STAMP_KEYID_BYTES])
{
	for (size_t i = 0; i < c->nkeys; i++)
		if (memcmp(c->keys[i].id, id, STAMP_KEYID_BYTES) == 0)
			return (int)i;
	return -1;
}

/* The batch whose range holds serial, or NULL. */
static bat *find_bat(const ck *c, uint64_t serial)
{
	size_t lo = 0, hi = c->nbats;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->bats[mid].first + c->bats[mid].count <= serial)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->nbats && c->bats[lo].first <= serial ? &c->bats[lo] : NULL;
}

/* ---- keys, cooperatives, products ---- */

static int one_key(ck *c, const MDB_val *k, const MDB_val *v)
{
	char kt[64];
	stamp_keyrec r;
	uint8_t id[STAMP_KEYID_BYTES];
	key_text(k, kt, sizeof kt);
	c->n->keys++;
	if (stamp_unrec_key(v->mv_data, v->mv_size, &r))
		return report(c, "keys", kt, "the record does not decode"), 0;
	stamp_key_id_of(r.pk, id);
	if (k->mv_size != STAMP_KEYID_BYTES || memcmp(k->mv_data, r.id, STAMP_KEYID_BYTES) ||
	    memcmp(id, r.id, STAMP_KEYID_BYTES))
		return report(c, "keys", kt, "the key id does not match its public key"), 0;
	stamp_keyrec *nk = realloc(c->keys, (c->nkeys + 1) * sizeof *nk);
	if (!nk)
		return ENOMEM;
	c->keys = nk;
	c->keys[c->nkeys++] = r;
	return 0;
}

/* The record's id is the key it is stored under. */
static int same_id(const MDB_val *k, const char *id)
{
	return k->mv_size == strlen(id) && memcmp(k->mv_data, id, k->mv_size) == 0;
}

static int one_coop(ck *c, const MDB_val *k, const MDB_val *v)
{
	char kt[64];
	stamp_coop r;
	stamp_diag d;
	key_text(k, kt, sizeof kt);
	c->n->coops++;
	if (stamp_unrec_coop(v->mv_data, v->mv_size, &r))
		report(c, "coops", kt, "the record does not decode");
	else if (!same_id(k, r.id))
		report(c, "coops", kt, "the record is stored under another id (\"%s\")", r.id);
	else if (stamp_coop_check(&r, &d))
		report(c, "coops", kt, "%s", d.msg);
	return 0;
}

static int one_product(ck *c, const MDB_val *k, const MDB_val *v)
{
	char kt[64];
	stamp_product r;
	stamp_coop co;
	stamp_diag d;
	int rc;
	key_text(k, kt, sizeof kt);
	c->n->products++;
	if (stamp_unrec_product(v->mv_data, v->mv_size, &r))
		report(c, "products", kt, "the record does not decode");
	else if (!same_id(k, r.id))
		report(c, "products", kt, "the record is stored under another id (\"%s\")", r.id);
	else if (stamp_product_check(&r, &d))
		report(c, "products", kt, "%s", d.msg);
	else if ((rc = stamp_store_get_coop(c->t, r.coop_id, &co)) == STAMP_ENOTFOUND)
		report(c, "products", kt, "its cooperative \"%s\" is not in the store", r.coop_id);
	else if (rc && rc != STAMP_ECORRUPT) /* a damaged coop is reported as such */
		return rc;
	return 0;
}

/* ---- batches and lots ---- */

static int one_batch(ck *c, const MDB_val *k, const MDB_val *v)
{
	char kt[64];
	stamp_batch b;
	stamp_product p;
	uint32_t lot_batch = 0;
	key_text(k, kt, sizeof kt);
	c->n->batches++;
	if (k->mv_size == 4)
		snprintf(kt, sizeof kt, "batch %u", (unsigned)stamp_be_get(k->mv_data, 4));
	if (stamp_unrec_batch(v->mv_data, v->mv_size, &b))
		return report(c, "batches", kt, "the record does not decode"), 0;
	if (k->mv_size != 4 || stamp_be_get(k->mv_data, 4) != b.id)
		return report(c, "batches", kt, "the record is stored under another id (%u)", b.id),
		       0;
	if (b.count == 0 || b.first_serial == 0 || b.first_serial + b.count - 1 > STAMP_SERIAL_MAX)
		return report(c, "batches", kt, "impossible serial range (%llu, %u stamps)",
			      (unsigned long long)b.first_serial, b.count),
		       0;
	if (stamp_store_get_product(c->t, b.product_id, &p) == STAMP_ENOTFOUND)
		report(c, "batches", kt, "its product \"%s\" is not in the store", b.product_id);
	int key = find_key(c, b.key_id);
	if (key < 0) {
		char id[9];
		stamp_key_id_format(b.key_id, id);
		report(c, "batches", kt, "its key %s is not registered: its stamps cannot verify",
		       id);
	}
	int rc = stamp_store_find_lot(c->t, b.product_id, b.lot, &lot_batch);
	if (rc == STAMP_ENOTFOUND || (rc == 0 && lot_batch != b.id))
		report(c, "batches", kt, "the lots index does not lead to it (%s lot %s)",
		       b.product_id, b.lot);
	bat *nb = realloc(c->bats, (c->nbats + 1) * sizeof *nb);
	if (!nb)
		return ENOMEM;
	c->bats = nb;
	c->bats[c->nbats++] = (bat){b.id, b.first_serial, b.count, 0, key};
	return 0;
}

static int by_first(const void *a, const void *b)
{
	const bat *x = a, *y = b;
	return x->first < y->first ? -1 : x->first > y->first;
}

static void sort_batches(ck *c)
{
	char kt[32];
	if (c->nbats > 1) /* qsort may not be given NULL, even for 0 */
		qsort(c->bats, c->nbats, sizeof *c->bats, by_first);
	for (size_t i = 1; i < c->nbats; i++) {
		const bat *a = &c->bats[i - 1], *b = &c->bats[i];
		snprintf(kt, sizeof kt, "batch %u", b->id);
		if (b->first < a->first + a->count)
			report(c, "batches", kt, "its serials overlap batch %u's", a->id);
	}
}

static int one_lot(ck *c, const MDB_val *k, const MDB_val *v)
{
	char kt[128];
	stamp_batch b;
	key_text(k, kt, sizeof kt);
	c->n->lots++;
	if (v->mv_size != 4)
		return report(c, "lots", kt, "the value is not a batch number"), 0;
	uint32_t id = (uint32_t)stamp_be_get(v->mv_data, 4);
	int rc = stamp_store_get_batch(c->t, id, &b);
	if (rc == STAMP_ENOTFOUND)
		report(c, "lots", kt, "names batch %u, which is not in the store", id);
	else if (rc == 0 && (k->mv_size != strlen(b.product_id) + 1 + strlen(b.lot) ||
			     memcmp(k->mv_data, b.product_id, strlen(b.product_id) + 1) ||
			     memcmp((const char *)k->mv_data + strlen(b.product_id) + 1, b.lot,
				    strlen(b.lot))))
		report(c, "lots", kt, "names batch %u, which is another product's or lot", id);
	return 0;
}

/* ---- stamps and their signatures ---- */

typedef struct slice {
	const ck *c;
	size_t from, to;
} slice;

static void *verify_slice(void *arg)
{
	const slice *s = arg;
	for (size_t i = s->from; i < s->to; i++) {
		sigjob *j = &s->c->jobs[i];
		stamp_code code = {.version = STAMP_CODE_VERSION, .serial = j->serial};
		memcpy(code.key_id, s->c->keys[j->key].id, STAMP_KEYID_BYTES);
		memcpy(code.sig, j->sig, STAMP_SIG_BYTES);
		j->bad = stamp_code_verify(&code, s->c->keys[j->key].pk) != 0;
	}
	return NULL;
}

/* Verify the queued signatures on the worker threads; report the bad ones. */
static int flush_sigs(ck *c)
{
	pthread_t tid[THREADS_MAX];
	slice sl[THREADS_MAX];
	int running[THREADS_MAX] = {0};
	unsigned n = c->threads;
	if (c->njobs == 0)
		return 0;
	for (unsigned i = 0; i < n; i++)
		sl[i] = (slice){c, c->njobs * i / n, c->njobs * (i + 1) / n};
	for (unsigned i = 1; i < n; i++)
		if (!(running[i] = pthread_create(&tid[i], NULL, verify_slice, &sl[i]) == 0))
			verify_slice(&sl[i]); /* no thread: here, then */
	verify_slice(&sl[0]);
	for (unsigned i = 1; i < n; i++)
		if (running[i])
			pthread_join(tid[i], NULL);
	for (size_t i = 0; i < c->njobs; i++) {
		char kt[32];
		if (!c->jobs[i].bad)
			continue;
		snprintf(kt, sizeof kt, "serial %llu", (unsigned long long)c->jobs[i].serial);
		report(c, "stamps", kt, "its signature does not verify under key %02X%02X%02X%02X",
		       c->keys[c->jobs[i].key].id[0], c->keys[c->jobs[i].key].id[1],
		       c->keys[c->jobs[i].key].id[2], c->keys[c->jobs[i].key].id[3]);
	}
	c->njobs = 0;
	return 0;
}

static void strays(ck *c)
{
	char kt[64];
	if (!c->strays)
		return;
	if (c->stray_first == c->stray_last)
		snprintf(kt, sizeof kt, "serial %llu", (unsigned long long)c->stray_first);
	else
		snprintf(kt, sizeof kt, "serials %llu-%llu", (unsigned long long)c->stray_first,
			 (unsigned long long)c->stray_last);
	report(c, "stamps", kt, "%s outside every batch's serial range (%s batch %u)",
	       c->stray_first == c->stray_last ? "lies" : "lie",
	       c->stray_first == c->stray_last ? "its record says" : "their records say",
	       c->stray_batch);
	c->strays = 0;
}

static int one_stamp(ck *c, const MDB_val *k, const MDB_val *v)
{
	char kt[64];
	stamp_stamp s;
	c->n->stamps++;
	if (k->mv_size != 8) {
		key_text(k, kt, sizeof kt);
		return report(c, "stamps", kt, "the key is not a serial"), 0;
	}
	uint64_t serial = stamp_be_get(k->mv_data, 8);
	snprintf(kt, sizeof kt, "serial %llu", (unsigned long long)serial);
	if (stamp_unrec_stamp(v->mv_data, v->mv_size, serial, &s))
		return report(c, "stamps", kt, "the record does not decode"), 0;
	bat *b = find_bat(c, serial);
	if (!b) { /* a damaged batch record strands all its stamps: one line */
		if (c->strays && (serial != c->stray_last + 1 || s.batch_id != c->stray_batch))
			strays(c);
		if (!c->strays) {
			c->strays = 1;
			c->stray_first = serial;
			c->stray_batch = s.batch_id;
		}
		c->stray_last = serial;
		return 0;
	}
	b->seen++;
	if (b->id != s.batch_id)
		return report(c, "stamps", kt,
			      "lies in batch %u's serial range (%llu-%llu), but its record says "
			      "batch %u",
			      b->id, (unsigned long long)b->first,
			      (unsigned long long)(b->first + b->count - 1), s.batch_id),
		       0;
	if (b->key < 0)
		return 0; /* reported with the batch */
	sigjob *j = &c->jobs[c->njobs++];
	j->serial = serial;
	j->key = b->key;
	memcpy(j->sig, s.sig, STAMP_SIG_BYTES);
	return c->njobs == CHUNK ? flush_sigs(c) : 0;
}

static void batches_complete(ck *c)
{
	char kt[32];
	for (size_t i = 0; i < c->nbats; i++) {
		const bat *b = &c->bats[i];
		snprintf(kt, sizeof kt, "batch %u", b->id);
		if (b->seen != b->count)
			report(c, "stamps", kt, "%llu of its %llu stamps are missing",
			       (unsigned long long)(b->count - b->seen),
			       (unsigned long long)b->count);
	}
}

/* ---- reservations ---- */

static int one_reservation(ck *c, const MDB_val *k, const MDB_val *v)
{
	char kt[64];
	stamp_reservation r;
	c->n->reservations++;
	key_text(k, kt, sizeof kt);
	if (k->mv_size != 8 || stamp_unrec_reservation(v->mv_data, v->mv_size, &r))
		return report(c, "reserved", kt, "the record does not decode"), 0;
	r.first_serial = stamp_be_get(k->mv_data, 8);
	snprintf(kt, sizeof kt, "serials %llu-%llu", (unsigned long long)r.first_serial,
		 (unsigned long long)(r.first_serial + r.count - 1));
	const bat *b = find_bat(c, r.first_serial);
	if (r.state == STAMP_RESERVE_STORED &&
	    (!b || b->id != r.batch_id || b->first != r.first_serial || b->count != r.count))
		report(c, "reserved", kt, "marked as batch %u's, which does not hold them",
		       r.batch_id);
	if (r.state != STAMP_RESERVE_STORED) {
		const bat *e = find_bat(c, r.first_serial + r.count - 1);
		if (b || e)
			report(c, "reserved", kt, "%s, but batch %u holds some of them",
			       r.state == STAMP_RESERVE_BURNED ? "burned" : "pending",
			       b ? b->id : e->id);
	}
	return 0;
}

/* ---- production stages ---- */

/* A stage decodes, sits under the key its record names, passes the rules, and its owner exists. */
static int one_event(ck *c, const MDB_val *k, const MDB_val *v)
{
	const uint8_t *p = k->mv_data;
	char kt[80];
	stamp_event e;
	stamp_batch b;
	stamp_product pr;
	stamp_diag d = {{0}};
	c->n->events++;
	key_text(k, kt, sizeof kt);
	if (stamp_unrec_event(v->mv_data, v->mv_size, &e))
		return report(c, "events", kt, "the record does not decode"), 0;
	size_t idn = strlen(e.product_id);
	int keyed = e.batch_id
			    ? k->mv_size == 9 && p[0] == 'B' && stamp_be_get(p + 1, 4) == e.batch_id
			    : k->mv_size == idn + 6 && p[0] == 'P' &&
				      memcmp(p + 1, e.product_id, idn + 1) == 0;
	if (!keyed || stamp_be_get(p + k->mv_size - 4, 4) != e.seq)
		return report(c, "events", kt, "the record is not the one its key names"), 0;
	if (stamp_event_check(&e, &d))
		report(c, "events", kt, "%s", d.msg);
	if (e.batch_id && stamp_store_get_batch(c->t, e.batch_id, &b) == STAMP_ENOTFOUND)
		report(c, "events", kt, "batch %u is not in the store", (unsigned)e.batch_id);
	else if (stamp_store_get_product(c->t, e.product_id, &pr) == STAMP_ENOTFOUND)
		report(c, "events", kt, "product \"%s\" is not in the store", e.product_id);
	return 0;
}

/* ---- the console's accounts ---- */

/* An account decodes (a known role, an Argon2id hash) and its name keeps the rule. */
static int one_user(ck *c, const MDB_val *k, const MDB_val *v)
{
	char kt[80];
	stamp_user u;
	stamp_diag d = {{0}};
	c->n->users++;
	key_text(k, kt, sizeof kt);
	if (stamp_unrec_user(k, v, &u))
		report(c, "users", kt, "the record does not decode");
	else if (stamp_user_check_name(u.name, &d))
		report(c, "users", kt, "%s", d.msg);
	sodium_memzero(&u, sizeof u);
	return 0;
}

/* ---- revocations and their index ---- */

static int one_revocation(ck *c, const MDB_val *k, const MDB_val *v)
{
	char kt[64];
	stamp_revocation r;
	stamp_batch b;
	stamp_product p;
	c->n->revocations++;
	key_text(k, kt, sizeof kt);
	if (k->mv_size == 4)
		snprintf(kt, sizeof kt, "revocation %u", (unsigned)stamp_be_get(k->mv_data, 4));
	if (k->mv_size != 4 || stamp_unrec_revocation(v->mv_data, v->mv_size, &r))
		return report(c, "revocations", kt, "the record does not decode"), 0;
	r.id = (uint32_t)stamp_be_get(k->mv_data, 4);
	if ((r.scope == STAMP_SCOPE_BATCH &&
	     stamp_store_get_batch(c->t, r.batch_id, &b) == STAMP_ENOTFOUND) ||
	    (r.scope == STAMP_SCOPE_PRODUCT &&
	     stamp_store_get_product(c->t, r.product_id, &p) == STAMP_ENOTFOUND) ||
	    (r.scope == STAMP_SCOPE_KEY && find_key(c, r.key_id) < 0))
		report(c, "revocations", kt, "its %s is not in the store",
		       stamp_scope_name(r.scope));
	if (r.undone)
		return 0;
	stamp_revocation *nr = realloc(c->revs, (c->nrevs + 1) * sizeof *nr);
	if (!nr)
		return ENOMEM;
	c->revs = nr;
	c->revs[c->nrevs++] = r;
	return 0;
}

static const stamp_revocation *rev_in_force(const ck *c, uint32_t id)
{
	for (size_t i = 0; i < c->nrevs; i++)
		if (c->revs[i].id == id)
			return &c->revs[i];
	return NULL;
}

/* Serial coverage: each segment inside an in-force range revocation of its id. */
static int one_index_entry(ck *c, const MDB_val *k, const MDB_val *v)
{
	char kt[64];
	const uint8_t *p = k->mv_data;
	key_text(k, kt, sizeof kt);
	uint32_t id = 0;
	if (k->mv_size == 9 && p[0] == 'S' && v->mv_size == 12)
		id = (uint32_t)stamp_be_get((const uint8_t *)v->mv_data + 8, 4);
	else if (k->mv_size >= 2 && (p[0] == 'B' || p[0] == 'P') && v->mv_size == 4)
		id = (uint32_t)stamp_be_get(v->mv_data, 4);
	else if (k->mv_size == 1 + STAMP_KEYID_BYTES && p[0] == 'K' && v->mv_size == 8)
		id = (uint32_t)stamp_be_get((const uint8_t *)v->mv_data + 4, 4);
	else
		return report(c, "revidx", kt, "not an index entry"), 0;
	const stamp_revocation *r = rev_in_force(c, id);
	if (!r)
		return report(c, "revidx", kt, "names revocation %u, which is not in force", id), 0;
	int agrees = 1;
	if (p[0] == 'S') {
		uint64_t first = stamp_be_get(p + 1, 8), last = stamp_be_get(v->mv_data, 8);
		agrees = r->scope == STAMP_SCOPE_SERIALS && first >= r->first && last <= r->last &&
			 first <= last;
	} else if (p[0] == 'B') {
		agrees = r->scope == STAMP_SCOPE_BATCH && k->mv_size == 5 &&
			 stamp_be_get(p + 1, 4) == r->batch_id;
	} else if (p[0] == 'P') {
		agrees = r->scope == STAMP_SCOPE_PRODUCT &&
			 k->mv_size - 1 == strlen(r->product_id) &&
			 memcmp(p + 1, r->product_id, k->mv_size - 1) == 0;
	} else {
		agrees = r->scope == STAMP_SCOPE_KEY &&
			 memcmp(p + 1, r->key_id, STAMP_KEYID_BYTES) == 0;
	}
	if (!agrees)
		report(c, "revidx", kt, "does not agree with revocation %u", id);
	return 0;
}

/* Every revocation in force is found by the lookup that verdicts make. */
static void revocations_indexed(ck *c)
{
	for (size_t i = 0; i < c->nrevs; i++) {
		const stamp_revocation *r = &c->revs[i];
		stamp_revocation got;
		stamp_batch b = {0};
		char kt[32];
		uint64_t serial = r->first;
		snprintf(kt, sizeof kt, "revocation %u", r->id);
		if (r->scope == STAMP_SCOPE_BATCH) {
			if (stamp_store_get_batch(c->t, r->batch_id, &b) != 0)
				continue;
			serial = b.first_serial;
		} else if (r->scope == STAMP_SCOPE_PRODUCT) {
			memcpy(b.product_id, r->product_id, sizeof b.product_id);
			serial = 0;
		} else if (r->scope == STAMP_SCOPE_KEY) {
			memcpy(b.key_id, r->key_id, STAMP_KEYID_BYTES);
			serial = 0;
			b.created =
				(int64_t)(stamp_date_to_days(r->from ? r->from : 19700101)) * 86400;
		}
		if (r->scope != STAMP_SCOPE_SERIALS && r->scope != STAMP_SCOPE_BATCH)
			b.id = UINT32_MAX; /* no batch entry applies */
		if (stamp_revocation_find(c->t, serial, &b, &got) != 0)
			report(c, "revidx", kt, "the index does not find this revocation");
	}
}

/* ---- meta and audit ---- */

static void counters(ck *c)
{
	MDB_txn *txn;
	MDB_dbi dbi;
	uint64_t top = 0, topid = 0;
	for (size_t i = 0; i < c->nbats; i++) {
		if (c->bats[i].first + c->bats[i].count > top)
			top = c->bats[i].first + c->bats[i].count;
		if (c->bats[i].id >= topid)
			topid = c->bats[i].id + 1ull;
	}
	if (stamp_store_db(c->t, "meta", &txn, &dbi))
		return;
	const char *names[] = {"next_serial", "next_batch"};
	uint64_t need[] = {top, topid};
	for (int i = 0; i < 2; i++) {
		MDB_val k = {strlen(names[i]), (void *)names[i]}, v;
		int rc = mdb_get(txn, dbi, &k, &v);
		if (rc == MDB_NOTFOUND && need[i] == 0)
			continue;
		if (rc || v.mv_size != 8)
			report(c, "meta", names[i], "missing or not a number");
		else if (stamp_be_get(v.mv_data, 8) < need[i])
			report(c, "meta", names[i],
			       "%llu, behind what is issued (%llu): a serial could be signed twice",
			       (unsigned long long)stamp_be_get(v.mv_data, 8),
			       (unsigned long long)need[i]);
	}
}

static void audit(ck *c)
{
	stamp_diag d = {{0}};
	uint64_t n = 0, broken = 0;
	char kt[32];
	int rc = stamp_audit_verify(c->t, &n, NULL, &broken, &d);
	c->n->audit = n;
	snprintf(kt, sizeof kt, "entry %llu", (unsigned long long)broken);
	if (rc)
		report(c, "audit", kt, "%s", d.msg[0] ? d.msg : stamp_strerror(rc));
}

int stamp_store_check(stamp_store *st, unsigned threads, stamp_problem_cb cb, void *ctx,
		      stamp_check_counts *counts, stamp_diag *diag)
{
	ck c = {.cb = cb, .ctx = ctx, .n = counts};
	int rc;
	memset(counts, 0, sizeof *counts);
	if (threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n < 1 ? 1 : (unsigned)n;
	}
	c.threads = threads > THREADS_MAX ? THREADS_MAX : threads;
	if (!(c.jobs = malloc(CHUNK * sizeof *c.jobs)))
		return stamp_diag_set(diag, ENOMEM, "out of memory");
	if ((rc = stamp_txn_begin(st, 0, &c.t)))
		goto leave;
	if ((rc = each(&c, "keys", one_key)) || (rc = each(&c, "coops", one_coop)) ||
	    (rc = each(&c, "products", one_product)) || (rc = each(&c, "batches", one_batch)))
		goto leave;
	sort_batches(&c);
	if ((rc = each(&c, "lots", one_lot)) || (rc = each(&c, "stamps", one_stamp)) ||
	    (rc = flush_sigs(&c)))
		goto leave;
	strays(&c);
	batches_complete(&c);
	if ((rc = each(&c, "reserved", one_reservation)) ||
	    (rc = each(&c, "revocations", one_revocation)) ||
	    (rc = each(&c, "revidx", one_index_entry)) || (rc = each(&c, "events", one_event)) ||
	    (rc = each(&c, "users", one_user)))
		goto leave;
	revocations_indexed(&c);
	counters(&c);
	audit(&c);
leave:
	if (rc)
		stamp_diag_set(diag, rc, "the check stopped: %s", stamp_strerror(rc));
	stamp_txn_abort(c.t);
	free(c.jobs);
	free(c.keys);
	free(c.bats);
	free(c.revs);
	return rc;
}

typedef struct filecb {
	stamp_problem_cb cb;
	void *ctx;
	uint64_t n;
} filecb;

static int file_problem(const char *problem, void *ctx)
{
	filecb *f = ctx;
	f->n++;
	if (f->cb)
		f->cb("data.mdb", "", problem, f->ctx);
	return 0;
}

int stamp_store_check_file(const char *dir, stamp_problem_cb cb, void *ctx, uint64_t *problems,
			   stamp_diag *diag)
{
	filecb f = {cb, ctx, 0};
	int rc = stamp_datafile_check(dir, 0, file_problem, &f, diag);
	*problems = f.n;
	return rc;
}
