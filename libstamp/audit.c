/*
 * audit.c - the hash-chained log of registry changes (audit.h).
 *
 *   audit   seq (u64 BE) -> entry record (record.c), hash included
 *   meta    "audit_head" -> seq (u64 BE) || hash of entry seq
 *
 * The store calls stamp_audit_append() from stamp_txn_commit() for every
 * write transaction that recorded a change (stamp_txn_change), so no module
 * and no program can change the registry and forget the log. The hash of an
 * entry covers a domain string, its sequence number, the previous hash and
 * its fields in their stored encoding: the chain proves order and content.
 */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "record.h"
#include "stamp/audit.h"

#define DOMAIN "OCOPSTAMP-AUDIT-v1"
#define HEAD_KEY "audit_head"

static MDB_val val_of(const void *p, size_t n)
{
	return (MDB_val){.mv_size = n, .mv_data = (void *)p};
}

static void hash_of(const stamp_audit_entry *e, uint8_t out[STAMP_AUDIT_HASH_BYTES])
{
	uint8_t rec[STAMP_REC_MAX], seq[8];
	crypto_generichash_state st;
	stamp_audit_entry body = *e;
	memset(body.hash, 0, sizeof body.hash);
	size_t n = stamp_rec_audit(&body, rec);
	stamp_be_put(seq, e->seq, 8);
	crypto_generichash_init(&st, NULL, 0, STAMP_AUDIT_HASH_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)DOMAIN, sizeof DOMAIN - 1);
	crypto_generichash_update(&st, seq, 8);
	crypto_generichash_update(&st, e->prev, STAMP_AUDIT_HASH_BYTES);
	crypto_generichash_update(&st, rec, n);
	crypto_generichash_final(&st, out, STAMP_AUDIT_HASH_BYTES);
}

static int get_head(MDB_txn *txn, MDB_dbi meta, uint64_t *seq, uint8_t hash[32])
{
	MDB_val k = val_of(HEAD_KEY, sizeof HEAD_KEY - 1), v;
	int rc = mdb_get(txn, meta, &k, &v);
	if (rc == MDB_NOTFOUND) {
		*seq = 0;
		memset(hash, 0, STAMP_AUDIT_HASH_BYTES);
		return 0;
	}
	if (rc)
		return rc;
	if (v.mv_size != 8 + STAMP_AUDIT_HASH_BYTES)
		return STAMP_ECORRUPT;
	*seq = stamp_be_get(v.mv_data, 8);
	memcpy(hash, (const uint8_t *)v.mv_data + 8, STAMP_AUDIT_HASH_BYTES);
	return 0;
}

int stamp_audit_append(stamp_txn *t, stamp_audit_entry *e)
{
	uint8_t rec[STAMP_REC_MAX], key[8], head[8 + STAMP_AUDIT_HASH_BYTES];
	MDB_txn *txn;
	MDB_dbi log, meta;
	uint64_t last;
	int rc;

	if ((rc = stamp_store_db(t, "audit", &txn, &log)) ||
	    (rc = stamp_store_db(t, "meta", &txn, &meta)) ||
	    (rc = get_head(txn, meta, &last, e->prev)))
		return rc;
	e->seq = last + 1;
	hash_of(e, e->hash);
	stamp_be_put(key, e->seq, 8);
	MDB_val kv = val_of(key, 8), vv = val_of(rec, stamp_rec_audit(e, rec));
	if ((rc = mdb_put(txn, log, &kv, &vv, MDB_NOOVERWRITE | MDB_APPEND)))
		return rc == MDB_KEYEXIST ? STAMP_ECORRUPT : rc;
	stamp_be_put(head, e->seq, 8);
	memcpy(head + 8, e->hash, STAMP_AUDIT_HASH_BYTES);
	MDB_val hk = val_of(HEAD_KEY, sizeof HEAD_KEY - 1), hv = val_of(head, sizeof head);
	return mdb_put(txn, meta, &hk, &hv, 0);
}

/* Walk entries in order from the first; stop at the first cb != 0. */
static int walk(stamp_txn *t, int (*step)(const MDB_val *k, const MDB_val *v, void *ctx), void *ctx)
{
	MDB_txn *txn;
	MDB_dbi log;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = stamp_store_db(t, "audit", &txn, &log);
	if (rc)
		return rc == STAMP_ENOTFOUND ? 0 : rc; /* an older store: no entries */
	if ((rc = mdb_cursor_open(txn, log, &cur)))
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if ((rc = step(&k, &v, ctx)) != 0)
			break;
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int decode(const MDB_val *k, const MDB_val *v, stamp_audit_entry *e)
{
	if (k->mv_size != 8)
		return STAMP_ECORRUPT;
	int rc = stamp_unrec_audit(v->mv_data, v->mv_size, e);
	if (rc == 0)
		e->seq = stamp_be_get(k->mv_data, 8);
	return rc;
}

typedef struct listing {
	int64_t since;
	stamp_audit_cb cb;
	void *ctx;
	stamp_audit_entry e;
} listing;

static int list_step(const MDB_val *k, const MDB_val *v, void *ctx)
{
	listing *l = ctx;
	int rc = decode(k, v, &l->e);
	if (rc)
		return rc;
	return l->e.time >= l->since ? l->cb(&l->e, l->ctx) : 0;
}

int stamp_audit_each(stamp_txn *t, int64_t since, stamp_audit_cb cb, void *ctx)
{
	listing *l = malloc(sizeof *l); /* an entry is ~1.7 KB: keep it off small stacks */
	if (!l)
		return ENOMEM;
	*l = (listing){.since = since, .cb = cb, .ctx = ctx};
	int rc = walk(t, list_step, l);
	free(l);
	return rc;
}

typedef struct check {
	uint64_t n;
	uint8_t prev[STAMP_AUDIT_HASH_BYTES];
	uint64_t broken;
	stamp_diag *diag;
	stamp_audit_entry e;
} check;

static int check_step(const MDB_val *k, const MDB_val *v, void *ctx)
{
	check *c = ctx;
	uint8_t h[STAMP_AUDIT_HASH_BYTES];
	uint64_t want = c->n + 1;
	c->broken = want;
	if (decode(k, v, &c->e))
		return stamp_diag_set(c->diag, STAMP_ECORRUPT, "audit entry %llu does not decode",
				      (unsigned long long)want);
	if (c->e.seq != want)
		return stamp_diag_set(c->diag, STAMP_ECORRUPT,
				      "audit entry %llu is missing (the next one is %llu)",
				      (unsigned long long)want, (unsigned long long)c->e.seq);
	if (sodium_memcmp(c->e.prev, c->prev, sizeof h) != 0)
		return stamp_diag_set(c->diag, STAMP_ECORRUPT,
				      "audit entry %llu does not follow entry %llu (its previous "
				      "hash differs)",
				      (unsigned long long)want, (unsigned long long)c->n);
	hash_of(&c->e, h);
	if (sodium_memcmp(h, c->e.hash, sizeof h) != 0)
		return stamp_diag_set(c->diag, STAMP_ECORRUPT,
				      "audit entry %llu was altered (its hash does not match)",
				      (unsigned long long)want);
	memcpy(c->prev, h, sizeof h);
	c->n = want;
	return 0;
}

int stamp_audit_verify(stamp_txn *t, uint64_t *count, uint8_t head[STAMP_AUDIT_HASH_BYTES],
		       uint64_t *broken, stamp_diag *diag)
{
	check *c = calloc(1, sizeof *c);
	uint8_t want[STAMP_AUDIT_HASH_BYTES];
	uint64_t last = 0;
	MDB_txn *txn;
	MDB_dbi meta;
	int rc;

	if (!c)
		return ENOMEM;
	c->diag = diag;
	*broken = 0;
	rc = walk(t, check_step, c);
	if (rc == 0 && (rc = stamp_store_db(t, "meta", &txn, &meta)) == 0 &&
	    (rc = get_head(txn, meta, &last, want)) == 0 &&
	    (last != c->n || sodium_memcmp(want, c->prev, sizeof want) != 0)) {
		c->broken = c->n + 1;
		rc = stamp_diag_set(
			diag, STAMP_ECORRUPT,
			"the audit log ends at entry %llu but the store's head is entry "
			"%llu: entries were removed",
			(unsigned long long)c->n, (unsigned long long)last);
	}
	if (rc == STAMP_ECORRUPT)
		*broken = c->broken;
	if (count)
		*count = c->n;
	if (head)
		memcpy(head, c->prev, STAMP_AUDIT_HASH_BYTES);
	free(c);
	return rc;
}

int stamp_audit_head_at(stamp_txn *t, uint64_t seq, stamp_audit_head *out)
{
	uint8_t key[8];
	MDB_txn *txn;
	MDB_dbi log;
	MDB_val k, v;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = stamp_store_db(t, "audit", &txn, &log)))
		return rc;
	stamp_be_put(key, seq, 8);
	k = val_of(key, 8);
	if ((rc = mdb_get(txn, log, &k, &v)))
		return rc == MDB_NOTFOUND ? STAMP_ENOTFOUND : rc;
	stamp_audit_entry *e = malloc(sizeof *e); /* ~1.7 KB */
	if (!e)
		return ENOMEM;
	if ((rc = decode(&k, &v, e)) == 0) {
		out->seq = seq;
		out->time = e->time;
		memcpy(out->hash, e->hash, sizeof out->hash);
	}
	free(e);
	return rc;
}

int stamp_audit_read_head(stamp_txn *t, stamp_audit_head *out)
{
	uint8_t hash[STAMP_AUDIT_HASH_BYTES];
	uint64_t seq;
	MDB_txn *txn;
	MDB_dbi meta;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = stamp_store_db(t, "meta", &txn, &meta)) || (rc = get_head(txn, meta, &seq, hash)))
		return rc;
	if (seq == 0)
		return 0;
	rc = stamp_audit_head_at(t, seq, out);
	if (rc == 0 && memcmp(out->hash, hash, sizeof hash) != 0)
		rc = STAMP_ECORRUPT;
	if (rc)
		memset(out, 0, sizeof *out);
	return rc == STAMP_ENOTFOUND ? STAMP_ECORRUPT : rc;
}
