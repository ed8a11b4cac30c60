/*
 * revocation.c - revocation records, their index and the lookup that every
 * verdict makes (revocation.h).
 *
 * Two databases of the store:
 *
 *   revocations  id (u32 BE) -> revocation record (record.c)
 *   revidx       derived from the revocations in force:
 *                'S' first (u64 BE)   -> last (u64 BE), id (u32 BE)  disjoint serial segments
 *                'B' batch (u32 BE)   -> id
 *                'P' product id       -> id
 *                'K' key id (4 bytes) -> from (u32 BE date), id
 *
 * Why disjoint segments: serial ranges may overlap (a stolen roll, then a
 * recall that covers part of it), and a lookup by serial must stay O(log n)
 * with 10,000 of them. Cutting the ranges into disjoint segments makes it one
 * cursor seek. A new revocation that overlaps nothing is added to the index
 * as it is; an overlapping one, and every undo, rebuilds the index from the
 * revocations in force (10,000 records: milliseconds, in the same write
 * transaction).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "record.h"
#include "stamp/date.h"
#include "stamp/key.h"
#include "stamp/revocation.h"

static const char *const reasons[] = {
	[STAMP_REASON_LOST] = "lost",
	[STAMP_REASON_STOLEN] = "stolen",
	[STAMP_REASON_RECALLED] = "recalled",
	[STAMP_REASON_CERT_WITHDRAWN] = "certificate-withdrawn",
	[STAMP_REASON_KEY_COMPROMISED] = "key-compromised",
	[STAMP_REASON_PRINTED_IN_ERROR] = "printed-in-error",
	[STAMP_REASON_OTHER] = "other",
};

static const char *const scopes[] = {
	[STAMP_SCOPE_SERIALS] = "serials",
	[STAMP_SCOPE_BATCH] = "batch",
	[STAMP_SCOPE_PRODUCT] = "product",
	[STAMP_SCOPE_KEY] = "key",
};

const char *stamp_reason_name(unsigned reason)
{
	return reason >= 1 && reason <= STAMP_REASON_LAST ? reasons[reason] : NULL;
}

const char *stamp_reason_list(void)
{
	return "lost, stolen, recalled, certificate-withdrawn, key-compromised, printed-in-error, "
	       "other";
}

int stamp_reason_parse(const char *s, uint8_t *out, stamp_diag *diag)
{
	for (unsigned i = 1; i <= STAMP_REASON_LAST; i++) {
		if (strcmp(s, reasons[i]) == 0) {
			*out = (uint8_t)i;
			return 0;
		}
	}
	return stamp_diag_set(diag, STAMP_EINPUT, "reason: expected one of %s, got \"%s\"",
			      stamp_reason_list(), s);
}

const char *stamp_scope_name(unsigned scope)
{
	return scope >= 1 && scope <= STAMP_SCOPE_KEY ? scopes[scope] : "unknown";
}

static MDB_val val_of(const void *p, size_t n)
{
	return (MDB_val){.mv_size = n, .mv_data = (void *)p};
}

/* ---- records ---- */

int stamp_revocation_get(stamp_txn *t, uint32_t id, stamp_revocation *out)
{
	MDB_txn *txn;
	MDB_dbi dbi;
	uint8_t k[4];
	MDB_val v;
	int rc = stamp_store_db(t, "revocations", &txn, &dbi);
	if (rc)
		return rc;
	stamp_be_put(k, id, 4);
	MDB_val kv = val_of(k, 4);
	rc = mdb_get(txn, dbi, &kv, &v);
	if (rc == MDB_NOTFOUND)
		return STAMP_ENOTFOUND;
	if (rc == 0 && (rc = stamp_unrec_revocation(v.mv_data, v.mv_size, out)) == 0)
		out->id = id;
	return rc;
}

static int put_record(MDB_txn *txn, MDB_dbi dbi, const stamp_revocation *r, unsigned flags)
{
	uint8_t k[4], rec[STAMP_REC_MAX];
	stamp_be_put(k, r->id, 4);
	MDB_val kv = val_of(k, 4), vv = val_of(rec, stamp_rec_revocation(r, rec));
	return mdb_put(txn, dbi, &kv, &vv, flags);
}

int stamp_revocation_each(stamp_txn *t, stamp_revocation_cb cb, void *ctx)
{
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_cursor *cur;
	MDB_val k, v;
	stamp_revocation r;
	int rc = stamp_store_db(t, "revocations", &txn, &dbi);
	if (rc)
		return rc == STAMP_ENOTFOUND ? 0 : rc;
	if ((rc = mdb_cursor_open(txn, dbi, &cur)))
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 4 || (rc = stamp_unrec_revocation(v.mv_data, v.mv_size, &r))) {
			rc = rc ? rc : STAMP_ECORRUPT;
			break;
		}
		r.id = (uint32_t)stamp_be_get(k.mv_data, 4);
		if ((rc = cb(&r, ctx)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* ---- the index ---- */

typedef struct range {
	uint64_t first, last;
	uint32_t id;
} range;

typedef struct rebuild {
	MDB_txn *txn;
	MDB_dbi idx;
	range *v;
	size_t n, cap;
} rebuild;

static int put_idx(rebuild *rb, const uint8_t *k, size_t klen, const uint8_t *v, size_t vlen,
		   unsigned flags)
{
	MDB_val kv = val_of(k, klen), vv = val_of(v, vlen);
	int rc = mdb_put(rb->txn, rb->idx, &kv, &vv, flags);
	return rc == MDB_KEYEXIST ? 0 : rc; /* the lower id (an earlier revocation) stays */
}

/* A key revocation: the one with the earliest date covers the others. */
static int put_key(rebuild *rb, const stamp_revocation *r)
{
	uint8_t k[1 + STAMP_KEYID_BYTES] = {'K'}, v[8];
	MDB_val kv = val_of(k, sizeof k), old;
	memcpy(k + 1, r->key_id, STAMP_KEYID_BYTES);
	int rc = mdb_get(rb->txn, rb->idx, &kv, &old);
	if (rc == 0 && old.mv_size == 8 && stamp_be_get(old.mv_data, 4) <= r->from)
		return 0;
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	stamp_be_put(v, r->from, 4);
	stamp_be_put(v + 4, r->id, 4);
	return put_idx(rb, k, sizeof k, v, sizeof v, 0);
}

static int index_one(const stamp_revocation *r, void *ctx)
{
	rebuild *rb = ctx;
	uint8_t k[1 + STAMP_ID_MAX], id[4];

	if (r->undone)
		return 0;
	stamp_be_put(id, r->id, 4);
	switch (r->scope) {
	case STAMP_SCOPE_SERIALS:
		if (rb->n == rb->cap) {
			size_t cap = rb->cap ? rb->cap * 2 : 256;
			range *v = realloc(rb->v, cap * sizeof *v);
			if (!v)
				return ENOMEM;
			rb->v = v;
			rb->cap = cap;
		}
		rb->v[rb->n++] = (range){r->first, r->last, r->id};
		return 0;
	case STAMP_SCOPE_BATCH:
		k[0] = 'B';
		stamp_be_put(k + 1, r->batch_id, 4);
		return put_idx(rb, k, 5, id, 4, MDB_NOOVERWRITE);
	case STAMP_SCOPE_PRODUCT: {
		size_t n = strlen(r->product_id);
		k[0] = 'P';
		memcpy(k + 1, r->product_id, n);
		return put_idx(rb, k, 1 + n, id, 4, MDB_NOOVERWRITE);
	}
	case STAMP_SCOPE_KEY:
		return put_key(rb, r);
	default:
		return STAMP_ECORRUPT;
	}
}

static int by_first(const void *a, const void *b)
{
	const range *x = a, *y = b;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int put_segment(rebuild *rb, const range *s)
{
	uint8_t k[9] = {'S'}, v[12];
	stamp_be_put(k + 1, s->first, 8);
	stamp_be_put(v, s->last, 8);
	stamp_be_put(v + 8, s->id, 4);
	return put_idx(rb, k, sizeof k, v, sizeof v, 0);
}

/*
 * Cut the ranges, sorted by first serial, into disjoint segments: where two
 * overlap, the part already covered keeps the earlier range's revocation.
 */
static int put_segments(rebuild *rb)
{
	if (rb->n > 1)
		qsort(rb->v, rb->n, sizeof *rb->v, by_first);
	range cur = {0};
	int have = 0, rc = 0;
	for (size_t i = 0; i < rb->n && rc == 0; i++) {
		range r = rb->v[i];
		if (have && r.first <= cur.last) {
			if (r.last <= cur.last)
				continue; /* inside the current segment */
			r.first = cur.last + 1;
		}
		if (have)
			rc = put_segment(rb, &cur);
		cur = r;
		have = 1;
	}
	if (have && rc == 0)
		rc = put_segment(rb, &cur);
	return rc;
}

static int rebuild_index(stamp_txn *t)
{
	rebuild rb = {0};
	int rc = stamp_store_db(t, "revidx", &rb.txn, &rb.idx);
	if (rc == 0)
		rc = mdb_drop(rb.txn, rb.idx, 0);
	if (rc == 0)
		rc = stamp_revocation_each(t, index_one, &rb);
	if (rc == 0)
		rc = put_segments(&rb);
	free(rb.v);
	return rc;
}

static int find_segment(MDB_txn *txn, MDB_dbi idx, uint64_t serial, uint64_t *first, uint64_t *last,
			uint32_t *id);

/*
 * The newest revocation into the index without a rebuild, when it can be:
 * batch, product and key entries keep the earliest revocation anyway, and a
 * serial range that overlaps no segment is a segment of its own. An
 * overlapping range (rare) rebuilds. So 10,000 revocations cost 10,000 seeks,
 * not 10,000 rebuilds.
 */
static int index_add(stamp_txn *t, const stamp_revocation *r)
{
	rebuild rb = {0};
	uint64_t first, last;
	uint32_t id;
	int rc = stamp_store_db(t, "revidx", &rb.txn, &rb.idx);
	if (rc)
		return rc;
	if (r->scope != STAMP_SCOPE_SERIALS)
		return index_one(r, &rb);
	rc = find_segment(rb.txn, rb.idx, r->last, &first, &last, &id);
	if (rc == MDB_NOTFOUND || (rc == 0 && last < r->first))
		return put_segment(&rb, &(range){r->first, r->last, r->id});
	return rc ? rc : rebuild_index(t);
}

/* ---- adding and undoing ---- */

static int check_target(stamp_txn *t, stamp_revocation *r, stamp_diag *diag)
{
	stamp_batch b;
	stamp_product p;
	stamp_keyrec k;
	char kid[9];
	int rc;

	switch (r->scope) {
	case STAMP_SCOPE_SERIALS:
		if (r->first < 1 || r->first > r->last || r->last > STAMP_SERIAL_MAX)
			return stamp_diag_set(diag, STAMP_EINPUT,
					      "serials: expected a range A-B with 1 <= A <= B");
		return 0;
	case STAMP_SCOPE_BATCH:
		if (r->lot[0]) {
			rc = stamp_store_find_lot(t, r->product_id, r->lot, &r->batch_id);
			if (rc == STAMP_ENOTFOUND)
				return stamp_diag_set(
					diag, rc,
					"lot: product \"%s\" has no batch with lot \"%s\"",
					r->product_id, r->lot);
			if (rc)
				return rc;
		}
		rc = stamp_store_get_batch(t, r->batch_id, &b);
		if (rc == STAMP_ENOTFOUND)
			return stamp_diag_set(diag, rc, "batch: batch %u does not exist",
					      r->batch_id);
		if (rc == 0 && !r->lot[0]) {
			memcpy(r->product_id, b.product_id, sizeof r->product_id);
			memcpy(r->lot, b.lot, sizeof r->lot);
		}
		return rc;
	case STAMP_SCOPE_PRODUCT:
		rc = stamp_store_get_product(t, r->product_id, &p);
		if (rc == STAMP_ENOTFOUND)
			return stamp_diag_set(diag, rc, "product: \"%s\" is not registered",
					      r->product_id);
		return rc;
	case STAMP_SCOPE_KEY:
		rc = stamp_store_get_key(t, r->key_id, &k);
		stamp_key_id_format(r->key_id, kid);
		if (rc == STAMP_ENOTFOUND)
			return stamp_diag_set(diag, rc, "key: %s is not registered", kid);
		return rc;
	default:
		return stamp_diag_set(diag, STAMP_EINPUT, "no target: give exactly one scope");
	}
}

/* Clean text in place, zero-filled after it (records are compared whole). */
static int clean(char *field, size_t size, const char *what, stamp_diag *diag)
{
	char v[STAMP_NOTE_MAX + 1] = "";
	int rc = stamp_text_clean(field, v, size - 1, what, diag);
	if (rc == 0)
		memcpy(field, v, size);
	return rc;
}

/* What add and count both check: the reason, the texts, the target. */
static int validate(stamp_txn *t, stamp_revocation *r, stamp_diag *diag)
{
	int rc;
	if (!stamp_reason_name(r->reason))
		return stamp_diag_set(diag, STAMP_EINPUT, "reason: expected one of %s",
				      stamp_reason_list());
	if ((rc = clean(r->note, sizeof r->note, "note", diag)) ||
	    (rc = clean(r->actor, sizeof r->actor, "actor", diag)))
		return rc;
	return check_target(t, r, diag);
}

int stamp_revocation_add(stamp_txn *t, stamp_revocation *r, stamp_diag *diag)
{
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	if ((rc = validate(t, r, diag)) || (rc = stamp_store_db(t, "revocations", &txn, &dbi)))
		return rc;
	if ((rc = mdb_cursor_open(txn, dbi, &cur)))
		return rc;
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	uint64_t last = rc == 0 && k.mv_size == 4 ? stamp_be_get(k.mv_data, 4) : 0;
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	if (last >= UINT32_MAX)
		return STAMP_EINPUT;
	r->id = (uint32_t)last + 1;
	r->undone = 0;
	r->undone_by[0] = '\0';
	if ((rc = put_record(txn, dbi, r, MDB_NOOVERWRITE | MDB_APPEND)) || (rc = index_add(t, r)))
		return rc;
	stamp_txn_change(t, "revocation %u: %s, %s", r->id, stamp_scope_name(r->scope),
			 stamp_reason_name(r->reason));
	return 0;
}

int stamp_revocation_undo(stamp_txn *t, uint32_t id, int64_t now, const char *actor,
			  stamp_diag *diag)
{
	stamp_revocation r;
	MDB_txn *txn;
	MDB_dbi dbi;
	int rc = stamp_revocation_get(t, id, &r);
	if (rc == STAMP_ENOTFOUND)
		return stamp_diag_set(diag, rc, "revocation %u does not exist", id);
	if (rc)
		return rc;
	if (r.undone)
		return stamp_diag_set(diag, STAMP_EINPUT, "revocation %u is undone already", id);
	r.undone = now ? now : 1;
	if (strlen(actor ? actor : "") >= sizeof r.undone_by)
		return stamp_diag_set(diag, STAMP_EINPUT, "actor: longer than %zu bytes",
				      sizeof r.undone_by - 1);
	memcpy(r.undone_by, actor ? actor : "", strlen(actor ? actor : "") + 1);
	if ((rc = clean(r.undone_by, sizeof r.undone_by, "actor", diag)))
		return rc;
	if ((rc = stamp_store_db(t, "revocations", &txn, &dbi)) ||
	    (rc = put_record(txn, dbi, &r, 0)) || (rc = rebuild_index(t)))
		return rc;
	stamp_txn_change(t, "revocation %u undone", id);
	return 0;
}

/* ---- what a revocation covers ---- */

typedef struct counting {
	const stamp_revocation *r;
	uint64_t n;
} counting;

static int count_batch(const stamp_batch *b, void *ctx)
{
	counting *c = ctx;
	const stamp_revocation *r = c->r;
	uint64_t first = b->first_serial, last = b->first_serial + b->count - 1;

	switch (r->scope) {
	case STAMP_SCOPE_SERIALS: {
		uint64_t lo = first > r->first ? first : r->first;
		uint64_t hi = last < r->last ? last : r->last;
		if (lo <= hi)
			c->n += hi - lo + 1;
		break;
	}
	case STAMP_SCOPE_BATCH:
		c->n += b->id == r->batch_id ? b->count : 0;
		break;
	case STAMP_SCOPE_PRODUCT:
		c->n += strcmp(b->product_id, r->product_id) == 0 ? b->count : 0;
		break;
	case STAMP_SCOPE_KEY:
		if (memcmp(b->key_id, r->key_id, STAMP_KEYID_BYTES) == 0 &&
		    (!r->from || stamp_date_from_unix(b->created) >= r->from))
			c->n += b->count;
		break;
	}
	return 0;
}

int stamp_revocation_count(stamp_txn *t, stamp_revocation *r, uint64_t *stamps, stamp_diag *diag)
{
	counting c = {r, 0};
	int rc = validate(t, r, diag);
	if (rc == 0)
		rc = stamp_store_each_batch(t, count_batch, &c);
	*stamps = c.n;
	return rc;
}

/* ---- lookup ---- */

/* The segment with the greatest start <= serial (it may end before serial). */
static int find_segment(MDB_txn *txn, MDB_dbi idx, uint64_t serial, uint64_t *first, uint64_t *last,
			uint32_t *id)
{
	uint8_t k[9] = {'S'};
	MDB_cursor *cur;
	MDB_val kv = val_of(k, sizeof k), v;
	int rc = mdb_cursor_open(txn, idx, &cur);
	if (rc)
		return rc;
	stamp_be_put(k + 1, serial, 8);
	/* the greatest segment start <= serial: seek, then step back unless exact */
	rc = mdb_cursor_get(cur, &kv, &v, MDB_SET_RANGE);
	if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(cur, &kv, &v, MDB_LAST);
	else if (rc == 0 && (kv.mv_size != 9 || memcmp(kv.mv_data, k, 9) != 0))
		rc = mdb_cursor_get(cur, &kv, &v, MDB_PREV);
	if (rc == 0) {
		const uint8_t *p = kv.mv_data;
		if (kv.mv_size != 9 || p[0] != 'S' || v.mv_size != 12 ||
		    stamp_be_get(p + 1, 8) > serial) {
			rc = MDB_NOTFOUND;
		} else {
			*first = stamp_be_get(p + 1, 8);
			*last = stamp_be_get(v.mv_data, 8);
			*id = (uint32_t)stamp_be_get((const uint8_t *)v.mv_data + 8, 4);
		}
	}
	mdb_cursor_close(cur);
	return rc;
}

static int find_entry(MDB_txn *txn, MDB_dbi idx, const uint8_t *k, size_t klen, MDB_val *v)
{
	MDB_val kv = val_of(k, klen);
	return mdb_get(txn, idx, &kv, v);
}

int stamp_revocation_find(stamp_txn *t, uint64_t serial, const stamp_batch *b,
			  stamp_revocation *out)
{
	uint8_t k[1 + STAMP_ID_MAX];
	uint32_t id = 0;
	MDB_txn *txn;
	MDB_dbi idx;
	MDB_val v;
	int rc = stamp_store_db(t, "revidx", &txn, &idx);
	if (rc)
		return rc; /* an older store has no revocations: ENOTFOUND */

	uint64_t first, last;
	rc = find_segment(txn, idx, serial, &first, &last, &id);
	if (rc == 0 && last < serial)
		rc = MDB_NOTFOUND;
	if (rc == MDB_NOTFOUND) {
		k[0] = 'B';
		stamp_be_put(k + 1, b->id, 4);
		if ((rc = find_entry(txn, idx, k, 5, &v)) == 0 && v.mv_size == 4)
			id = (uint32_t)stamp_be_get(v.mv_data, 4);
	}
	if (rc == MDB_NOTFOUND) {
		size_t n = strnlen(b->product_id, STAMP_ID_MAX);
		k[0] = 'P';
		memcpy(k + 1, b->product_id, n);
		if ((rc = find_entry(txn, idx, k, 1 + n, &v)) == 0 && v.mv_size == 4)
			id = (uint32_t)stamp_be_get(v.mv_data, 4);
	}
	if (rc == MDB_NOTFOUND) {
		k[0] = 'K';
		memcpy(k + 1, b->key_id, STAMP_KEYID_BYTES);
		rc = find_entry(txn, idx, k, 1 + STAMP_KEYID_BYTES, &v);
		if (rc == 0 && v.mv_size == 8) {
			uint32_t from = (uint32_t)stamp_be_get(v.mv_data, 4);
			if (from && stamp_date_from_unix(b->created) < from)
				rc = MDB_NOTFOUND;
			else
				id = (uint32_t)stamp_be_get((const uint8_t *)v.mv_data + 4, 4);
		}
	}
	if (rc == MDB_NOTFOUND)
		return STAMP_ENOTFOUND;
	if (rc)
		return rc;
	if (!id)
		return STAMP_ECORRUPT; /* an index value of the wrong size */
	rc = stamp_revocation_get(t, id, out);
	return rc == STAMP_ENOTFOUND ? STAMP_ECORRUPT : rc;
}
