/*
 * store.c - the registry store on LMDB.
 *
 * Owns the environment, the named databases and the transaction handles;
 * record layouts live in record.c. The map size is set large up front: it is
 * address space only, and an LMDB that runs out of map fails a write
 * transaction that would otherwise succeed (a 1,000,000-stamp batch needs
 * about 100 MB).
 */
#include <errno.h>
#include <lmdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "record.h"
#include "stamp/audit.h"
#include "stamp/date.h"
#include "stamp/key.h"
#include "stamp/env.h"
#include "stamp/store.h"

#define STORE_VERSION 1
#define STORE_MAPSIZE ((size_t)1 << 34) /* 16 GiB of address space */

enum {
	DB_META,
	DB_KEYS,
	DB_COOPS,
	DB_PRODUCTS,
	DB_BATCHES,
	DB_LOTS,
	DB_STAMPS,
	DB_RESERVED,
	DB_REVOCATIONS,
	DB_REVIDX,
	DB_AUDIT,
	DB_IMAGES,
	DB_PRODIMG,
	DB_EVENTS,
	DB_USERS,
	DB_COUNT
};
static const char *const db_names[] = {"meta",	"keys",	  "coops",    "products",    "batches",
				       "lots",	"stamps", "reserved", "revocations", "revidx",
				       "audit", "images", "prodimg",  "events",	     "users"};
/* every database has its name: a missing one fails the build, not a test */
_Static_assert(sizeof db_names / sizeof db_names[0] == DB_COUNT, "a database without a name");
/*
 * Databases added after the first stores were made: a writable open creates
 * them, a read-only open of an older store reads them as empty.
 */
static const unsigned char db_added[DB_COUNT] = {
	[DB_RESERVED] = 1, [DB_REVOCATIONS] = 1, [DB_REVIDX] = 1, [DB_AUDIT] = 1,
	[DB_IMAGES] = 1,   [DB_PRODIMG] = 1,	 [DB_EVENTS] = 1, [DB_USERS] = 1};

struct stamp_store {
	MDB_env *env;
	MDB_dbi dbi[DB_COUNT];
	unsigned char absent[DB_COUNT]; /* db_added, in a store opened read-only */
	int rdonly;
	/* for the audit entry of each write transaction */
	char user[STAMP_SHORT_MAX + 1], actor[STAMP_SHORT_MAX + 1];
	char what[STAMP_AUDIT_WHAT_MAX + 1];
};

struct stamp_txn {
	stamp_store *st;
	MDB_txn *txn;
	int write;
	unsigned changes, dropped; /* recorded by stamp_txn_change; cut for room */
	size_t rlen;
	char result[STAMP_AUDIT_RESULT_MAX + 1];
};

static MDB_val val_of(const void *p, size_t n)
{
	return (MDB_val){.mv_size = n, .mv_data = (void *)p};
}

static int meta_get_u64(stamp_txn *t, const char *name, uint64_t dflt, uint64_t *out)
{
	MDB_val k = val_of(name, strlen(name)), v;
	int rc = mdb_get(t->txn, t->st->dbi[DB_META], &k, &v);
	if (rc == MDB_NOTFOUND) {
		*out = dflt;
		return 0;
	}
	if (rc)
		return rc;
	if (v.mv_size != 8)
		return STAMP_ECORRUPT;
	*out = stamp_be_get(v.mv_data, 8);
	return 0;
}

static int meta_put_u64(stamp_txn *t, const char *name, uint64_t value)
{
	uint8_t buf[8];
	stamp_be_put(buf, value, 8);
	MDB_val k = val_of(name, strlen(name)), v = val_of(buf, 8);
	return mdb_put(t->txn, t->st->dbi[DB_META], &k, &v, 0);
}

/* Open (or create) the databases and check the store's format version. */
static int open_dbs(stamp_store *st, int create, stamp_diag *diag, const char *dir)
{
	stamp_txn t = {.st = st};
	int rc = mdb_txn_begin(st->env, NULL, st->rdonly ? MDB_RDONLY : 0, &t.txn);
	if (rc)
		return stamp_diag_set(diag, rc, "%s: %s", dir, stamp_strerror(rc));
	for (int i = 0; i < DB_COUNT; i++) {
		int make = create || (db_added[i] && !st->rdonly);
		rc = mdb_dbi_open(t.txn, db_names[i], make ? MDB_CREATE : 0, &st->dbi[i]);
		if (rc == MDB_NOTFOUND && db_added[i] && i != DB_META) {
			st->absent[i] = 1;
			continue;
		}
		if (rc == MDB_NOTFOUND) {
			rc = stamp_diag_set(diag, STAMP_ENOTFOUND,
					    "%s: not an ocopstamp store (no \"%s\" database)", dir,
					    db_names[i]);
			goto leave;
		}
		if (rc) {
			stamp_diag_set(diag, rc, "%s: %s", dir, stamp_strerror(rc));
			goto leave;
		}
	}
	uint64_t version;
	rc = meta_get_u64(&t, "version", 0, &version);
	if (rc == 0 && version == 0 && create)
		rc = meta_put_u64(&t, "version", STORE_VERSION);
	else if (rc == 0 && version != STORE_VERSION)
		rc = stamp_diag_set(diag, STAMP_ECORRUPT,
				    "%s: store format version %llu, this program reads %d", dir,
				    (unsigned long long)version, STORE_VERSION);
	if (rc)
		goto leave;
	/* Commit even a read-only transaction: an abort would close the handles. */
	rc = mdb_txn_commit(t.txn);
	t.txn = NULL;
	if (rc)
		stamp_diag_set(diag, rc, "%s: %s", dir, stamp_strerror(rc));
leave:
	mdb_txn_abort(t.txn);
	return rc;
}

int stamp_store_open(const char *dir, unsigned flags, stamp_store **out, stamp_diag *diag)
{
	int rdonly = (flags & STAMP_STORE_RDONLY) != 0;
	int create = (flags & STAMP_STORE_CREATE) != 0 && !rdonly;
	stamp_store *st;
	int rc;

	*out = NULL;
	st = calloc(1, sizeof *st);
	if (!st)
		return ENOMEM;
	st->rdonly = rdonly;
	rc = stamp_env_open(dir, (rdonly ? STAMP_ENV_RDONLY : 0) | (create ? STAMP_ENV_CREATE : 0),
			    DB_COUNT, STORE_MAPSIZE, "store", &st->env, diag);
	if (rc == 0)
		rc = open_dbs(st, create, diag, dir);
	if (rc) {
		if (st->env)
			mdb_env_close(st->env);
		free(st);
		return rc;
	}
	*out = st;
	return 0;
}

void stamp_store_close(stamp_store *st)
{
	if (!st)
		return;
	mdb_env_close(st->env);
	free(st);
}

int stamp_txn_begin(stamp_store *st, int write, stamp_txn **out)
{
	*out = NULL;
	if (write && st->rdonly)
		return EROFS;
	stamp_txn *t = malloc(sizeof *t);
	if (!t)
		return ENOMEM;
	t->st = st;
	t->write = write;
	t->changes = t->dropped = 0;
	t->rlen = 0;
	t->result[0] = '\0';
	int rc = mdb_txn_begin(st->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
	if (rc) {
		free(t);
		return rc;
	}
	*out = t;
	return 0;
}

void stamp_store_set_identity(stamp_store *st, const char *user, const char *actor,
			      const char *what)
{
	snprintf(st->user, sizeof st->user, "%s", user ? user : "");
	snprintf(st->actor, sizeof st->actor, "%s", actor ? actor : "");
	snprintf(st->what, sizeof st->what, "%s", what ? what : "");
}

void stamp_txn_change(stamp_txn *t, const char *fmt, ...)
{
	char one[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(one, sizeof one, fmt, ap);
	va_end(ap);
	t->changes++;
	/* keep room for "; " and the " (+N more)" that a cut list ends with */
	if (n < 0 || t->dropped || t->rlen + (size_t)n + 2 > sizeof t->result - 24) {
		t->dropped++;
		return;
	}
	t->rlen += (size_t)snprintf(t->result + t->rlen, sizeof t->result - t->rlen, "%s%s",
				    t->rlen ? "; " : "", one);
}

/* The audit entry of a write transaction that changed something. */
static int audit(stamp_txn *t)
{
	stamp_audit_entry *e = calloc(1, sizeof *e);
	if (!e)
		return ENOMEM;
	e->time = time(NULL);
	memcpy(e->user, t->st->user, sizeof e->user);
	memcpy(e->actor, t->st->actor, sizeof e->actor);
	memcpy(e->what, t->st->what, sizeof e->what);
	memcpy(e->result, t->result, sizeof e->result);
	if (t->dropped)
		snprintf(e->result + t->rlen, sizeof e->result - t->rlen, " (+%u more)",
			 t->dropped);
	int rc = stamp_audit_append(t, e);
	free(e);
	return rc;
}

int stamp_txn_commit(stamp_txn *t, stamp_diag *diag)
{
	MDB_env *env = t->st->env;
	int rc = t->write && t->changes ? audit(t) : 0;
	if (rc)
		mdb_txn_abort(t->txn);
	else
		rc = mdb_txn_commit(t->txn);
	free(t);
	return stamp_env_explain_write(env, "store", rc, diag);
}

void stamp_txn_abort(stamp_txn *t)
{
	if (!t)
		return;
	mdb_txn_abort(t->txn);
	free(t);
}

void stamp_txn_reset(stamp_txn *t)
{
	mdb_txn_reset(t->txn);
}

int stamp_txn_renew(stamp_txn *t)
{
	return mdb_txn_renew(t->txn);
}

int stamp_store_reader_check(stamp_store *st, int *dead)
{
	int n = 0;
	int rc = mdb_reader_check(st->env, &n);
	if (dead)
		*dead = n;
	return rc;
}

int stamp_store_size(stamp_store *st, uint64_t *bytes)
{
	return stamp_env_size(st->env, bytes);
}

static int put(stamp_txn *t, int db, MDB_val k, const uint8_t *buf, size_t len, int overwrite)
{
	MDB_val v = val_of(buf, len);
	int rc = mdb_put(t->txn, t->st->dbi[db], &k, &v, overwrite ? 0 : MDB_NOOVERWRITE);
	return rc == MDB_KEYEXIST ? STAMP_EEXIST : rc;
}

static int get(stamp_txn *t, int db, MDB_val k, MDB_val *v)
{
	if (t->st->absent[db])
		return STAMP_ENOTFOUND;
	int rc = mdb_get(t->txn, t->st->dbi[db], &k, v);
	return rc == MDB_NOTFOUND ? STAMP_ENOTFOUND : rc;
}

/*
 * Look up a record by text id. An id no record can have (empty, or longer than
 * STAMP_ID_MAX) is simply not found: LMDB would answer MDB_BAD_VALSIZE for an
 * empty key, which reads as a system error to an officer who typed "".
 */
static int get_by_id(stamp_txn *t, int db, const char *id, MDB_val *v)
{
	size_t n = strnlen(id, STAMP_ID_MAX + 1);
	if (n == 0 || n > STAMP_ID_MAX)
		return STAMP_ENOTFOUND;
	return get(t, db, val_of(id, n), v);
}

int stamp_store_put_coop(stamp_txn *t, const stamp_coop *c, int overwrite)
{
	uint8_t buf[STAMP_REC_MAX];
	size_t n = stamp_rec_coop(c, buf);
	int rc = put(t, DB_COOPS, val_of(c->id, strlen(c->id)), buf, n, overwrite);
	if (rc == 0)
		stamp_txn_change(t, "coop %s %s", c->id, overwrite ? "written" : "added");
	return rc;
}

int stamp_store_get_coop(stamp_txn *t, const char *id, stamp_coop *out)
{
	MDB_val v;
	int rc = get_by_id(t, DB_COOPS, id, &v);
	return rc ? rc : stamp_unrec_coop(v.mv_data, v.mv_size, out);
}

int stamp_store_put_product(stamp_txn *t, const stamp_product *p, int overwrite)
{
	uint8_t buf[STAMP_REC_MAX];
	size_t n = stamp_rec_product(p, buf);
	int rc = put(t, DB_PRODUCTS, val_of(p->id, strlen(p->id)), buf, n, overwrite);
	if (rc == 0)
		stamp_txn_change(t, "product %s %s", p->id, overwrite ? "written" : "added");
	return rc;
}

int stamp_store_get_product(stamp_txn *t, const char *id, stamp_product *out)
{
	MDB_val v;
	int rc = get_by_id(t, DB_PRODUCTS, id, &v);
	return rc ? rc : stamp_unrec_product(v.mv_data, v.mv_size, out);
}

static int put_keyrec(stamp_txn *t, const stamp_keyrec *k, int overwrite)
{
	uint8_t buf[STAMP_REC_MAX];
	size_t n = stamp_rec_key(k, buf);
	return put(t, DB_KEYS, val_of(k->id, STAMP_KEYID_BYTES), buf, n, overwrite);
}

int stamp_store_put_key(stamp_txn *t, const stamp_keyrec *k, int overwrite)
{
	char id[9], from[11], until[11];
	int rc = put_keyrec(t, k, overwrite);
	if (rc == 0) {
		stamp_key_id_format(k->id, id);
		stamp_date_format(k->valid_from, from);
		stamp_date_format(k->valid_until, until);
		stamp_txn_change(t, "key %s %s (valid %s to %s)", id,
				 overwrite ? "written" : "registered", from[0] ? from : "-",
				 until[0] ? until : "-");
	}
	return rc;
}

int stamp_store_get_key(stamp_txn *t, const uint8_t id[STAMP_KEYID_BYTES], stamp_keyrec *out)
{
	MDB_val v;
	int rc = get(t, DB_KEYS, val_of(id, STAMP_KEYID_BYTES), &v);
	return rc ? rc : stamp_unrec_key(v.mv_data, v.mv_size, out);
}

int stamp_store_retire_key(stamp_txn *t, const uint8_t id[STAMP_KEYID_BYTES], uint32_t on,
			   stamp_diag *diag)
{
	stamp_keyrec k;
	char kid[9], d[11];
	int rc = stamp_store_get_key(t, id, &k);
	stamp_key_id_format(id, kid);
	if (rc == STAMP_ENOTFOUND)
		return stamp_diag_set(diag, rc, "key %s is not registered", kid);
	if (rc)
		return rc;
	if (k.valid_from && on < k.valid_from) {
		stamp_date_format(k.valid_from, d);
		return stamp_diag_set(diag, STAMP_EINPUT,
				      "key %s: --on would end its window before it starts (%s)",
				      kid, d);
	}
	if (k.valid_until && on > k.valid_until) {
		stamp_date_format(k.valid_until, d);
		return stamp_diag_set(diag, STAMP_EINPUT,
				      "key %s is retired on %s already: retiring cannot extend a "
				      "key's window",
				      kid, d);
	}
	k.valid_until = on;
	if ((rc = put_keyrec(t, &k, 1)) == 0) {
		stamp_date_format(on, d);
		stamp_txn_change(t, "key %s retired: signs until %s", kid, d);
	}
	return rc;
}

int stamp_store_get_batch(stamp_txn *t, uint32_t id, stamp_batch *out)
{
	uint8_t k[4];
	MDB_val v;
	stamp_be_put(k, id, 4);
	int rc = get(t, DB_BATCHES, val_of(k, 4), &v);
	return rc ? rc : stamp_unrec_batch(v.mv_data, v.mv_size, out);
}

int stamp_store_get_stamp(stamp_txn *t, uint64_t serial, stamp_stamp *out)
{
	uint8_t k[8];
	MDB_val v;
	stamp_be_put(k, serial, 8);
	int rc = get(t, DB_STAMPS, val_of(k, 8), &v);
	return rc ? rc : stamp_unrec_stamp(v.mv_data, v.mv_size, serial, out);
}

/* One cursor walk for every kind; the union keeps the callbacks typed. */
typedef struct walk {
	int db;
	void *ctx;
	union {
		stamp_coop_cb coop;
		stamp_product_cb product;
		stamp_batch_cb batch;
		stamp_key_cb key;
	} cb;
	union {
		stamp_coop coop;
		stamp_product product;
		stamp_batch batch;
		stamp_keyrec key;
	} rec;
} walk;

static int visit(walk *w, const MDB_val *v)
{
	int rc;
	switch (w->db) {
	case DB_COOPS:
		rc = stamp_unrec_coop(v->mv_data, v->mv_size, &w->rec.coop);
		return rc ? rc : w->cb.coop(&w->rec.coop, w->ctx);
	case DB_PRODUCTS:
		rc = stamp_unrec_product(v->mv_data, v->mv_size, &w->rec.product);
		return rc ? rc : w->cb.product(&w->rec.product, w->ctx);
	case DB_BATCHES:
		rc = stamp_unrec_batch(v->mv_data, v->mv_size, &w->rec.batch);
		return rc ? rc : w->cb.batch(&w->rec.batch, w->ctx);
	default:
		rc = stamp_unrec_key(v->mv_data, v->mv_size, &w->rec.key);
		return rc ? rc : w->cb.key(&w->rec.key, w->ctx);
	}
}

static int each(stamp_txn *t, walk *w)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(t->txn, t->st->dbi[w->db], &cur);
	if (rc)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if ((rc = visit(w, &v)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int stamp_store_each_coop(stamp_txn *t, stamp_coop_cb cb, void *ctx)
{
	walk w = {.db = DB_COOPS, .ctx = ctx, .cb.coop = cb};
	return each(t, &w);
}

int stamp_store_each_product(stamp_txn *t, stamp_product_cb cb, void *ctx)
{
	walk w = {.db = DB_PRODUCTS, .ctx = ctx, .cb.product = cb};
	return each(t, &w);
}

int stamp_store_each_batch(stamp_txn *t, stamp_batch_cb cb, void *ctx)
{
	walk w = {.db = DB_BATCHES, .ctx = ctx, .cb.batch = cb};
	return each(t, &w);
}

int stamp_store_each_key(stamp_txn *t, stamp_key_cb cb, void *ctx)
{
	walk w = {.db = DB_KEYS, .ctx = ctx, .cb.key = cb};
	return each(t, &w);
}

int stamp_store_batch_count(stamp_txn *t, uint64_t *n)
{
	MDB_stat ms;
	*n = 0;
	if (t->st->absent[DB_BATCHES])
		return 0;
	int rc = mdb_stat(t->txn, t->st->dbi[DB_BATCHES], &ms);
	if (rc == 0)
		*n = ms.ms_entries;
	return rc;
}

MDB_env *stamp_store_env(stamp_store *st)
{
	return st->env;
}

int stamp_store_db(stamp_txn *t, const char *name, MDB_txn **txn, MDB_dbi *dbi)
{
	for (int i = 0; i < DB_COUNT; i++) {
		if (strcmp(db_names[i], name) == 0) {
			if (t->st->absent[i])
				return STAMP_ENOTFOUND;
			*txn = t->txn;
			*dbi = t->st->dbi[i];
			return 0;
		}
	}
	return EINVAL;
}

/* "product id" NUL "lot": ids cannot hold NUL, so the split is unambiguous. */
static size_t lot_key(const stamp_batch *b, uint8_t *buf)
{
	size_t a = strlen(b->product_id), l = strlen(b->lot);
	memcpy(buf, b->product_id, a);
	buf[a] = '\0';
	memcpy(buf + a + 1, b->lot, l);
	return a + 1 + l;
}

int stamp_store_find_lot(stamp_txn *t, const char *product_id, const char *lot, uint32_t *batch_id)
{
	uint8_t lk[STAMP_ID_MAX + 1 + STAMP_SHORT_MAX];
	stamp_batch b = {0};
	MDB_val v;
	if (strlen(product_id) > STAMP_ID_MAX || strlen(lot) > STAMP_SHORT_MAX)
		return STAMP_ENOTFOUND;
	memcpy(b.product_id, product_id, strlen(product_id) + 1);
	memcpy(b.lot, lot, strlen(lot) + 1);
	int rc = get(t, DB_LOTS, val_of(lk, lot_key(&b, lk)), &v);
	if (rc == 0 && v.mv_size != 4)
		rc = STAMP_ECORRUPT;
	if (rc == 0)
		*batch_id = (uint32_t)stamp_be_get(v.mv_data, 4);
	return rc;
}

static int lot_taken(stamp_txn *t, const stamp_batch *b, uint8_t *lk, size_t *lklen)
{
	MDB_val v;
	*lklen = lot_key(b, lk);
	int rc = get(t, DB_LOTS, val_of(lk, *lklen), &v);
	return rc == 0 ? STAMP_EEXIST : rc == STAMP_ENOTFOUND ? 0 : rc;
}

static int put_reservation(stamp_txn *t, const stamp_reservation *r, int overwrite)
{
	uint8_t k[8], rec[STAMP_REC_MAX];
	stamp_be_put(k, r->first_serial, 8);
	return put(t, DB_RESERVED, val_of(k, 8), rec, stamp_rec_reservation(r, rec), overwrite);
}

static int get_reservation(stamp_txn *t, uint64_t first, stamp_reservation *out)
{
	uint8_t k[8];
	MDB_val v;
	stamp_be_put(k, first, 8);
	int rc = get(t, DB_RESERVED, val_of(k, 8), &v);
	if (rc == 0 && (rc = stamp_unrec_reservation(v.mv_data, v.mv_size, out)) == 0)
		out->first_serial = first;
	return rc;
}

int stamp_store_reserve(stamp_txn *t, stamp_reservation *r)
{
	uint8_t lk[STAMP_ID_MAX + 1 + STAMP_SHORT_MAX];
	size_t lklen;
	uint64_t next_serial;
	stamp_batch b = {0};
	int rc;

	if (r->count == 0 || strlen(r->product_id) > STAMP_ID_MAX ||
	    strlen(r->lot) > STAMP_SHORT_MAX)
		return STAMP_EINPUT;
	memcpy(b.product_id, r->product_id, strlen(r->product_id) + 1);
	memcpy(b.lot, r->lot, strlen(r->lot) + 1);
	if ((rc = lot_taken(t, &b, lk, &lklen)) ||
	    (rc = meta_get_u64(t, "next_serial", 1, &next_serial)))
		return rc;
	if (next_serial + r->count - 1 > STAMP_SERIAL_MAX)
		return STAMP_EINPUT; /* serial space exhausted: never wrap */
	r->first_serial = next_serial;
	r->state = STAMP_RESERVE_PENDING;
	if ((rc = put_reservation(t, r, 0)) ||
	    (rc = meta_put_u64(t, "next_serial", next_serial + r->count)))
		return rc;
	stamp_txn_change(
		t, "serials %llu-%llu reserved for %s lot %s", (unsigned long long)r->first_serial,
		(unsigned long long)(r->first_serial + r->count - 1), r->product_id, r->lot);
	return 0;
}

int stamp_store_put_reservation(stamp_txn *t, const stamp_reservation *r)
{
	stamp_reservation old;
	int rc = get_reservation(t, r->first_serial, &old);
	if (rc)
		return rc;
	if (old.count != r->count)
		return STAMP_EINPUT; /* a reservation's range never changes */
	if ((rc = put_reservation(t, r, 1)) == 0 && r->state != old.state)
		stamp_txn_change(t, "serials %llu-%llu %s", (unsigned long long)r->first_serial,
				 (unsigned long long)(r->first_serial + r->count - 1),
				 r->state == STAMP_RESERVE_BURNED ? "burned (not issued)"
								  : "pending");
	return rc;
}

int stamp_store_del_reservation(stamp_txn *t, uint64_t first_serial)
{
	uint8_t k[8];
	stamp_be_put(k, first_serial, 8);
	MDB_val kv = val_of(k, 8);
	int rc = mdb_del(t->txn, t->st->dbi[DB_RESERVED], &kv, NULL);
	return rc == MDB_NOTFOUND ? STAMP_ENOTFOUND : rc;
}

int stamp_store_each_reservation(stamp_txn *t, stamp_reservation_cb cb, void *ctx)
{
	MDB_cursor *cur;
	MDB_val k, v;
	stamp_reservation r;
	if (t->st->absent[DB_RESERVED])
		return 0;
	int rc = mdb_cursor_open(t->txn, t->st->dbi[DB_RESERVED], &cur);
	if (rc)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 8) {
			rc = STAMP_ECORRUPT;
			break;
		}
		if ((rc = stamp_unrec_reservation(v.mv_data, v.mv_size, &r)))
			break;
		r.first_serial = stamp_be_get(k.mv_data, 8);
		if ((rc = cb(&r, ctx)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int stamp_store_add_batch(stamp_txn *t, stamp_batch *b)
{
	uint8_t lk[STAMP_ID_MAX + 1 + STAMP_SHORT_MAX], idk[4], rec[STAMP_REC_MAX];
	uint64_t next_batch;
	stamp_reservation r;
	size_t lklen;
	int rc;

	if (b->count == 0)
		return STAMP_EINPUT;
	rc = get_reservation(t, b->first_serial, &r);
	if (rc == 0 && (r.state != STAMP_RESERVE_PENDING || r.count != b->count))
		rc = STAMP_ENOTFOUND; /* burned, or another range: never sign it twice */
	if (rc || (rc = lot_taken(t, b, lk, &lklen)) ||
	    (rc = meta_get_u64(t, "next_batch", 1, &next_batch)))
		return rc;
	if (next_batch > UINT32_MAX)
		return STAMP_EINPUT;
	b->id = (uint32_t)next_batch;

	stamp_be_put(idk, b->id, 4);
	r.state = STAMP_RESERVE_STORED;
	r.batch_id = b->id;
	if ((rc = put(t, DB_LOTS, val_of(lk, lklen), idk, 4, 0)) ||
	    (rc = put(t, DB_BATCHES, val_of(idk, 4), rec, stamp_rec_batch(b, rec), 0)) ||
	    (rc = put_reservation(t, &r, 1)) ||
	    (rc = meta_put_u64(t, "next_batch", next_batch + 1)))
		return rc;
	stamp_txn_change(t, "batch %u issued: %s lot %s, %u stamps, serials %llu-%llu", b->id,
			 b->product_id, b->lot, b->count, (unsigned long long)b->first_serial,
			 (unsigned long long)(b->first_serial + b->count - 1));
	return 0;
}

int stamp_store_put_stamps(stamp_txn *t, const stamp_batch *b,
			   const uint8_t (*sigs)[STAMP_SIG_BYTES])
{
	MDB_cursor *cur;
	uint8_t k[8], rec[STAMP_STAMP_REC_BYTES];
	int rc = mdb_cursor_open(t->txn, t->st->dbi[DB_STAMPS], &cur);
	if (rc)
		return rc;
	for (uint32_t i = 0; i < b->count && rc == 0; i++) {
		stamp_be_put(k, b->first_serial + i, 8);
		stamp_rec_stamp(b->id, STAMP_STAMP_VALID, sigs[i], rec);
		MDB_val kv = val_of(k, 8), vv = val_of(rec, sizeof rec);
		/* MDB_APPEND: serials only grow, so pages fill completely */
		rc = mdb_cursor_put(cur, &kv, &vv, MDB_APPEND);
	}
	mdb_cursor_close(cur);
	return rc == MDB_KEYEXIST ? STAMP_EEXIST : rc;
}

int stamp_store_batch_sigs(stamp_txn *t, const stamp_batch *b, uint8_t (*sigs)[STAMP_SIG_BYTES])
{
	MDB_cursor *cur;
	MDB_val kv, vv;
	uint8_t k[8];
	stamp_stamp s;
	int rc = mdb_cursor_open(t->txn, t->st->dbi[DB_STAMPS], &cur);
	if (rc)
		return rc;
	stamp_be_put(k, b->first_serial, 8);
	kv = val_of(k, 8);
	rc = mdb_cursor_get(cur, &kv, &vv, MDB_SET_KEY);
	for (uint32_t i = 0; i < b->count && rc == 0; i++) {
		uint64_t serial = kv.mv_size == 8 ? stamp_be_get(kv.mv_data, 8) : 0;
		if (serial != b->first_serial + i)
			rc = STAMP_ECORRUPT; /* a stamp of the batch is missing */
		else if ((rc = stamp_unrec_stamp(vv.mv_data, vv.mv_size, serial, &s)) == 0)
			memcpy(sigs[i], s.sig, STAMP_SIG_BYTES);
		if (rc == 0 && i + 1 < b->count)
			rc = mdb_cursor_get(cur, &kv, &vv, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? STAMP_ECORRUPT : rc;
}
