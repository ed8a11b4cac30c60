/*
 * scans.c - per-stamp scan records, aggregated in memory, flushed in batches.
 *
 * Why in memory: a durable LMDB commit per scan runs ~4k/s here, far below
 * what one verifyd must answer; one commit per second carrying every changed
 * total costs the same fsync for thousands of scans.
 *
 * The in-memory table holds absolute totals (loaded from the store on a
 * serial's first touch), not deltas, so a request always sees the true count
 * and a flush simply writes the current value of every dirty entry. The
 * table is split into shards, each with its own mutex, so the worker threads
 * rarely wait for each other. Entries are only dropped by the flushing
 * thread, after its commit, and only when clean: a dropped entry is always
 * reloaded with its committed value.
 *
 * Distinct scanners: a sorted-free array of 32-bit tags while there are at
 * most EXACT_MAX, then HyperLogLog (Flajolet et al. 2007, with linear
 * counting for small ranges) over the same tags, so the switch loses nothing
 * that the estimator could keep. The threshold verifyd applies (20 by
 * default) is below EXACT_MAX, so the verdict is exact where it matters.
 *
 * Counted scans per day (the daily database, for the console's chart): each
 * shard sums its counted scans per day beside its entries, under the same
 * lock; the flush takes the sums with the dirty entries, adds them in the
 * same transaction and trims the days to the last DAILY_KEEP. A failed
 * commit gives the sums back with the entries (docs/decisions.md).
 */
#include <errno.h>
#include <lmdb.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "scans.h"
#include "scans_redis.h"
#include "scans_table.h"
#include "stamp/date.h"
#include "stamp/env.h"

#define SHARD_KEEP 4096 /* clean entries kept per shard before dropping them */
#define REC_V1 1	/* count, first, last (before distinct scanners) */
#define REC_V1_BYTES (1 + 8 + 8 + 8)
#define REC_V2 2
#define EXACT_MAX 32
#define HLL_BITS 7
#define HLL_M (1 << HLL_BITS)
#define SOURCES 8
#define GATE_OFF 0xff /* nsources: more sources than SOURCES today, not gated */
/* version, requests, counted, first, last, days, last_day, hll, nexact,
 * nsources, sources_day, sources (tag u16 + added u16), set */
#define REC_BYTES (1 + 8 + 8 + 8 + 8 + 4 + 4 + 1 + 1 + 1 + 4 + SOURCES * 4 + HLL_M)
#define MAPSIZE ((size_t)1 << 34)
#define DAILY_KEEP 400 /* days the daily database keeps, the newest one's included */

typedef struct record {
	uint64_t requests, counted;
	int64_t first, last;
	uint32_t days, last_day;
	uint8_t hll;	  /* 0: set.exact holds nexact tags; 1: set.reg */
	uint8_t nexact;	  /* tags in set.exact */
	uint8_t nsources; /* sources seen on sources_day, or GATE_OFF */
	uint32_t sources_day;
	struct {
		uint16_t tag, added;
	} src[SOURCES];
	union {
		uint32_t exact[EXACT_MAX];
		uint8_t reg[HLL_M];
	} set;
} record;

_Static_assert(sizeof(((record *)0)->set) == HLL_M, "the exact set and the registers share");

typedef struct entry {
	uint64_t serial; /* 0: empty slot */
	int dirty;
	record r;
} entry;

/* Counted scans of one day (a date, YYYYMMDD in Vietnam) not yet flushed. */
typedef struct daycount {
	uint32_t day;
	uint64_t n;
} daycount;

typedef struct days {
	daycount *v;
	size_t n, cap;
} days;

typedef struct shard {
	pthread_mutex_t lock;
	entry *slots;
	size_t cap, used; /* cap is a power of two */
	days pending;	  /* counted scans per day since the last flush */
} shard;

struct stamp_scans {
	scans_redis *redis; /* the Redis backend, or NULL: the rest is LMDB's */
	char where[512];
	MDB_env *env;
	MDB_dbi dbi, meta, daily;
	int has_daily; /* 0: a read-only copy of a folder from before the daily database */
	unsigned per_source;
	shard shards[SHARDS];
};

static shard *shard_of(stamp_scans *s, uint64_t serial)
{
	return &s->shards[scans_shard(serial)];
}

static entry *find_slot(entry *slots, size_t cap, uint64_t serial)
{
	return &slots[scans_slot(slots, sizeof *slots, cap, serial)];
}

static int keep_entry(void *p, void *keep_clean)
{
	return *(const int *)keep_clean || ((const entry *)p)->dirty;
}

/* Rebuild at cap, keeping dirty entries and, when keep_clean, clean ones. */
static int rehash(shard *sh, size_t cap, int keep_clean)
{
	void *slots = sh->slots;
	int rc = scans_rehash(&slots, sizeof *sh->slots, &sh->cap, &sh->used, cap, keep_entry,
			      &keep_clean);
	sh->slots = slots;
	return rc;
}

/* Add n scans to day in d: 0, or ENOMEM (d unchanged). */
static int days_add(days *d, uint32_t day, uint64_t n)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].day == day) {
			d->v[i].n += n;
			return 0;
		}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 4;
		daycount *v = realloc(d->v, cap * sizeof *v);
		if (!v)
			return ENOMEM;
		d->v = v, d->cap = cap;
	}
	d->v[d->n++] = (daycount){day, n};
	return 0;
}

static void rec_encode(const record *r, uint8_t out[REC_BYTES])
{
	uint8_t *p = out;
	*p++ = REC_V2;
	stamp_be_put(p, r->requests, 8), p += 8;
	stamp_be_put(p, r->counted, 8), p += 8;
	stamp_be_put(p, (uint64_t)r->first, 8), p += 8;
	stamp_be_put(p, (uint64_t)r->last, 8), p += 8;
	stamp_be_put(p, r->days, 4), p += 4;
	stamp_be_put(p, r->last_day, 4), p += 4;
	*p++ = r->hll;
	*p++ = r->nexact;
	*p++ = r->nsources;
	stamp_be_put(p, r->sources_day, 4), p += 4;
	for (int i = 0; i < SOURCES; i++) {
		stamp_be_put(p, r->src[i].tag, 2), p += 2;
		stamp_be_put(p, r->src[i].added, 2), p += 2;
	}
	if (r->hll) {
		memcpy(p, r->set.reg, HLL_M);
	} else {
		memset(p, 0, HLL_M);
		for (int i = 0; i < r->nexact; i++)
			stamp_be_put(p + 4 * i, r->set.exact[i], 4);
	}
}

/* A stored record; version 1 (before distinct scanners) is read as one with
 * unknown scanners: its scans count as requests and as counted. */
static int rec_decode(const uint8_t *p, size_t n, record *r)
{
	memset(r, 0, sizeof *r);
	if (n == REC_V1_BYTES && p[0] == REC_V1) {
		r->requests = r->counted = stamp_be_get(p + 1, 8);
		r->first = (int64_t)stamp_be_get(p + 9, 8);
		r->last = (int64_t)stamp_be_get(p + 17, 8);
		r->days = r->counted > 0;
		r->last_day = r->last ? stamp_date_from_unix(r->last) : 0;
		return 0;
	}
	if (n != REC_BYTES || p[0] != REC_V2)
		return STAMP_ECORRUPT;
	p++;
	r->requests = stamp_be_get(p, 8), p += 8;
	r->counted = stamp_be_get(p, 8), p += 8;
	r->first = (int64_t)stamp_be_get(p, 8), p += 8;
	r->last = (int64_t)stamp_be_get(p, 8), p += 8;
	r->days = (uint32_t)stamp_be_get(p, 4), p += 4;
	r->last_day = (uint32_t)stamp_be_get(p, 4), p += 4;
	r->hll = *p++;
	r->nexact = *p++;
	r->nsources = *p++;
	r->sources_day = (uint32_t)stamp_be_get(p, 4), p += 4;
	if (r->hll > 1 || r->nexact > EXACT_MAX ||
	    (r->nsources > SOURCES && r->nsources != GATE_OFF))
		return STAMP_ECORRUPT;
	for (int i = 0; i < SOURCES; i++) {
		r->src[i].tag = (uint16_t)stamp_be_get(p, 2), p += 2;
		r->src[i].added = (uint16_t)stamp_be_get(p, 2), p += 2;
	}
	if (r->hll) {
		memcpy(r->set.reg, p, HLL_M);
		for (int i = 0; i < HLL_M; i++)
			if (r->set.reg[i] > 64 - HLL_BITS + 1)
				return STAMP_ECORRUPT;
	} else {
		for (int i = 0; i < r->nexact; i++)
			r->set.exact[i] = (uint32_t)stamp_be_get(p + 4 * i, 4);
	}
	return 0;
}

static int load(stamp_scans *s, uint64_t serial, entry *e)
{
	uint8_t k[8];
	MDB_txn *txn;
	MDB_val kv = {8, k}, vv;
	stamp_be_put(k, serial, 8);
	memset(e, 0, sizeof *e);
	e->serial = serial;
	int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
	if (rc)
		return rc;
	rc = mdb_get(txn, s->dbi, &kv, &vv);
	if (rc == 0)
		rc = rec_decode(vv.mv_data, vv.mv_size, &e->r);
	else if (rc == MDB_NOTFOUND)
		rc = 0;
	mdb_txn_abort(txn);
	return rc;
}

/* ---- distinct scanners ------------------------------------------------- */

static void hll_add(record *r, uint32_t tag)
{
	uint64_t x = scans_mix((uint64_t)tag * UINT64_C(0x9e3779b97f4a7c15) + 1);
	unsigned idx = (unsigned)(x & (HLL_M - 1));
	uint64_t w = x >> HLL_BITS; /* 57 bits */
	uint8_t rank = 1;
	while (rank <= 64 - HLL_BITS && !(w & 1))
		w >>= 1, rank++;
	if (rank > r->set.reg[idx])
		r->set.reg[idx] = rank;
}

static uint64_t scanners(const record *r)
{
	if (!r->hll)
		return r->nexact;
	double sum = 0;
	int zeros = 0;
	for (int i = 0; i < HLL_M; i++) {
		sum += ldexp(1.0, -(int)r->set.reg[i]);
		zeros += r->set.reg[i] == 0;
	}
	double m = HLL_M, est = 0.7213 / (1 + 1.079 / m) * m * m / sum;
	if (est <= 2.5 * m && zeros)
		est = m * log(m / zeros); /* linear counting */
	/* the exact part was at least EXACT_MAX + 1 distinct: never say fewer */
	return est < EXACT_MAX + 1 ? EXACT_MAX + 1 : (uint64_t)(est + 0.5);
}

/* 1 when tag is new to the exact set, 0 when known; in HLL mode, 1. */
static int is_new(const record *r, uint32_t tag)
{
	if (r->hll)
		return 1;
	for (int i = 0; i < r->nexact; i++)
		if (r->set.exact[i] == tag)
			return 0;
	return 1;
}

static void add_scanner(record *r, uint32_t tag)
{
	if (!r->hll && r->nexact < EXACT_MAX) {
		r->set.exact[r->nexact++] = tag;
		return;
	}
	if (!r->hll) {
		uint32_t tags[EXACT_MAX];
		memcpy(tags, r->set.exact, sizeof tags);
		memset(r->set.reg, 0, HLL_M);
		r->hll = 1;
		for (int i = 0; i < EXACT_MAX; i++)
			hll_add(r, tags[i]);
	}
	hll_add(r, tag);
}

/*
 * May the mark's source add a scanner to this stamp today? The table of
 * sources starts afresh each day (the keys behind the tags change daily).
 * Takes the source's allowance when it says yes.
 */
static int gate(stamp_scans *s, record *r, const stamp_scan_mark *m)
{
	if (r->sources_day != m->day) {
		r->sources_day = m->day;
		r->nsources = 0;
		memset(r->src, 0, sizeof r->src);
	}
	if (r->nsources == GATE_OFF)
		return 1;
	for (int i = 0; i < r->nsources; i++) {
		if (r->src[i].tag != m->source)
			continue;
		if (r->src[i].added >= s->per_source)
			return 0;
		r->src[i].added++;
		return 1;
	}
	if (r->nsources == SOURCES) {
		r->nsources = GATE_OFF;
		return 1;
	}
	r->src[r->nsources].tag = m->source;
	r->src[r->nsources].added = 1;
	r->nsources++;
	return 1;
}

static void count(stamp_scans *s, record *r, int64_t now, const stamp_scan_mark *m)
{
	r->counted++;
	if (!r->first)
		r->first = now;
	r->last = now;
	if (r->last_day != m->day) {
		r->last_day = m->day;
		r->days++;
	}
	if (is_new(r, m->scanner) && gate(s, r, m))
		add_scanner(r, m->scanner);
}

static void totals(const record *r, stamp_scan *out)
{
	*out = (stamp_scan){r->requests, r->counted, scanners(r), r->first, r->last, r->days};
}

/* The entry for serial, loaded on first touch. Called with the shard locked. */
static int touch(stamp_scans *s, shard *sh, uint64_t serial, entry **out)
{
	entry *e = find_slot(sh->slots, sh->cap, serial);
	if (!e->serial) {
		entry fresh;
		int rc = load(s, serial, &fresh);
		if (rc)
			return rc;
		if ((sh->used + 1) * 2 > sh->cap) {
			if ((rc = rehash(sh, sh->cap * 2, 1)))
				return rc;
			e = find_slot(sh->slots, sh->cap, serial);
		}
		*e = fresh;
		sh->used++;
	}
	*out = e;
	return 0;
}

/* Added after the first release: a copy of an older folder has none (has_daily 0). */
static int open_daily(stamp_scans *s, MDB_txn *txn, int copy)
{
	int rc = mdb_dbi_open(txn, "daily", copy ? 0 : MDB_CREATE, &s->daily);
	s->has_daily = rc == 0;
	return copy && rc == MDB_NOTFOUND ? 0 : rc;
}

int stamp_scans_open(const char *dir, unsigned per_source, stamp_scans **out, stamp_diag *diag)
{
	stamp_scans_options o = {per_source, 0, 0, NULL};
	return stamp_scans_open_with(dir, &o, out, diag);
}

/* copy: a folder read only (stamp_scans_open_copy) */
static int scans_open(const char *dir, const stamp_scans_options *o, int copy, stamp_scans **out,
		      stamp_diag *diag)
{
	stamp_scans *s;
	MDB_txn *txn;
	int rc, shards = 0;

	*out = NULL;
	if (!(s = calloc(1, sizeof *s)))
		return ENOMEM;
	s->per_source = o->per_source ? o->per_source : 1;
	if (scans_redis_is_url(dir)) {
		if ((rc = scans_redis_open(dir, o, &s->redis, diag))) {
			free(s);
			return rc;
		}
		*out = s;
		return 0;
	}
	if (strlen(dir) >= sizeof s->where) {
		free(s);
		stamp_diag_set(diag, ENAMETOOLONG, "scans store: folder name too long");
		return ENAMETOOLONG;
	}
	strcpy(s->where, dir);
	rc = stamp_env_open(dir, copy ? STAMP_ENV_RDONLY | STAMP_ENV_NOLOCK : STAMP_ENV_CREATE, 3,
			    MAPSIZE, "scans store", &s->env, diag);
	if (rc)
		goto fail;
	if ((rc = mdb_txn_begin(s->env, NULL, copy ? MDB_RDONLY : 0, &txn)))
		goto fail;
	if ((rc = mdb_dbi_open(txn, "scans", copy ? 0 : MDB_CREATE, &s->dbi)) != 0 ||
	    (rc = mdb_dbi_open(txn, "meta", copy ? 0 : MDB_CREATE, &s->meta)) != 0 ||
	    (rc = open_daily(s, txn, copy)) != 0)
		mdb_txn_abort(txn); /* else the write lock stays taken after the close */
	else
		rc = mdb_txn_commit(txn);
	if (rc) {
		stamp_diag_set(diag, rc, "%s: %s", dir, mdb_strerror(rc));
		goto fail;
	}
	for (; shards < SHARDS; shards++) {
		shard *sh = &s->shards[shards];
		sh->cap = 64;
		sh->pending.cap = 4;
		if (!(sh->slots = calloc(sh->cap, sizeof *sh->slots)) ||
		    !(sh->pending.v = calloc(sh->pending.cap, sizeof *sh->pending.v))) {
			free(sh->slots);
			rc = ENOMEM;
			goto fail;
		}
		pthread_mutex_init(&sh->lock, NULL);
	}
	*out = s;
	return 0;
fail:
	for (int i = 0; i < shards; i++) {
		pthread_mutex_destroy(&s->shards[i].lock);
		free(s->shards[i].slots);
		free(s->shards[i].pending.v);
	}
	if (s->env)
		mdb_env_close(s->env);
	free(s);
	return rc;
}

int stamp_scans_open_with(const char *dir, const stamp_scans_options *o, stamp_scans **out,
			  stamp_diag *diag)
{
	return scans_open(dir, o, 0, out, diag);
}

int stamp_scans_open_copy(const char *dir, stamp_scans **out, stamp_diag *diag)
{
	stamp_scans_options o = {1, 0, 0, NULL};
	if (scans_redis_is_url(dir)) {
		*out = NULL;
		return stamp_diag_set(diag, STAMP_EINPUT, "%s: a folder, not a Redis URL", dir);
	}
	return scans_open(dir, &o, 1, out, diag);
}

int stamp_scan_suspicious(const stamp_scan *sc, unsigned after)
{
	return sc->scanners > after;
}

void stamp_scans_close(stamp_scans *s)
{
	if (!s)
		return;
	if (s->redis) {
		scans_redis_close(s->redis);
		free(s);
		return;
	}
	for (int i = 0; i < SHARDS; i++) {
		pthread_mutex_destroy(&s->shards[i].lock);
		free(s->shards[i].slots);
		free(s->shards[i].pending.v);
	}
	mdb_env_close(s->env);
	free(s);
}

static int lookup(stamp_scans *s, uint64_t serial, int64_t now, int request,
		  const stamp_scan_mark *mark, stamp_scan *out)
{
	shard *sh = shard_of(s, serial);
	entry *e;
	memset(out, 0, sizeof *out);
	if (serial == 0)
		return STAMP_EINPUT;
	pthread_mutex_lock(&sh->lock);
	int rc = touch(s, sh, serial, &e);
	if (rc == 0) {
		if (request) {
			e->r.requests++;
			if (mark) {
				count(s, &e->r, now, mark);
				/* on ENOMEM only the day's total misses this scan (4 days
				 * are preallocated: never in practice) */
				(void)days_add(&sh->pending, mark->day, 1);
			}
			e->dirty = 1;
		}
		totals(&e->r, out);
	}
	pthread_mutex_unlock(&sh->lock);
	return rc;
}

int stamp_scans_record(stamp_scans *s, uint64_t serial, int64_t now, const stamp_scan_mark *mark,
		       stamp_scan *after)
{
	if (s->redis)
		return scans_redis_record(s->redis, serial, now, mark, after);
	return lookup(s, serial, now, 1, mark, after);
}

int stamp_scans_get(stamp_scans *s, uint64_t serial, stamp_scan *out)
{
	if (s->redis)
		return scans_redis_get(s->redis, serial, out);
	return lookup(s, serial, 0, 0, NULL, out);
}

static void remark(stamp_scans *s, const entry *v, size_t n);

/* Put what from holds back into into (from is emptied): after a flush, the
 * buffer back; after a failed one, the counts too. ENOMEM loses a day's
 * total of the failed flush, never a stamp's. */
static void days_merge(days *into, days *from)
{
	if (!into->v) {
		*into = *from;
	} else {
		for (size_t i = 0; i < from->n; i++)
			(void)days_add(into, from->v[i].day, from->v[i].n);
		free(from->v);
	}
	*from = (days){0};
}

static void days_return(stamp_scans *s, days taken[SHARDS], int counts_too)
{
	for (int i = 0; i < SHARDS; i++) {
		shard *sh = &s->shards[i];
		if (!counts_too)
			taken[i].n = 0;
		pthread_mutex_lock(&sh->lock);
		days_merge(&sh->pending, &taken[i]);
		pthread_mutex_unlock(&sh->lock);
	}
}

/* Take every dirty entry of every shard (marking them clean), and each
 * shard's counts per day with them: what one commit writes is consistent. */
static int collect(stamp_scans *s, entry **out, size_t *n, days taken[SHARDS])
{
	size_t cap = 0, len = 0;
	entry *v = NULL;
	for (int i = 0; i < SHARDS; i++) {
		shard *sh = &s->shards[i];
		pthread_mutex_lock(&sh->lock);
		for (size_t j = 0; j < sh->cap; j++) {
			entry *e = &sh->slots[j];
			if (!e->serial || !e->dirty)
				continue;
			if (len == cap) {
				size_t ncap = cap ? cap * 2 : 1024;
				entry *nv = realloc(v, ncap * sizeof *nv);
				if (!nv) {
					pthread_mutex_unlock(&sh->lock);
					remark(s, v, len); /* pending again for next time */
					days_return(s, taken, 1);
					free(v);
					return ENOMEM;
				}
				v = nv;
				cap = ncap;
			}
			v[len++] = *e;
			e->dirty = 0;
		}
		taken[i] = sh->pending;
		sh->pending = (days){0};
		pthread_mutex_unlock(&sh->lock);
	}
	*out = v;
	*n = len;
	return 0;
}

/* After a failed commit: the collected totals are pending again. */
static void remark(stamp_scans *s, const entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		shard *sh = shard_of(s, v[i].serial);
		pthread_mutex_lock(&sh->lock);
		entry *e = find_slot(sh->slots, sh->cap, v[i].serial);
		if (e->serial) /* clean entries are only dropped by flush: it is there */
			e->dirty = 1;
		pthread_mutex_unlock(&sh->lock);
	}
}

/* daily[day] += n, in txn. */
static int daily_add(stamp_scans *s, MDB_txn *txn, uint32_t day, uint64_t n)
{
	uint8_t k[4], val[8];
	MDB_val kv = {4, k}, vv;
	stamp_be_put(k, day, 4);
	int rc = mdb_get(txn, s->daily, &kv, &vv);
	if (rc == 0 && vv.mv_size != 8)
		return STAMP_ECORRUPT;
	if (rc == 0)
		n += stamp_be_get(vv.mv_data, 8);
	else if (rc != MDB_NOTFOUND)
		return rc;
	stamp_be_put(val, n, 8);
	vv = (MDB_val){8, val};
	return mdb_put(txn, s->daily, &kv, &vv, 0);
}

/* Drop the days more than DAILY_KEEP - 1 before the newest one kept. */
static int daily_trim(stamp_scans *s, MDB_txn *txn)
{
	MDB_cursor *cur;
	MDB_val kv, vv;
	int rc = mdb_cursor_open(txn, s->daily, &cur);
	if (rc)
		return rc;
	if ((rc = mdb_cursor_get(cur, &kv, &vv, MDB_LAST)) == 0 && kv.mv_size == 4) {
		uint32_t newest = (uint32_t)stamp_be_get(kv.mv_data, 4);
		uint32_t oldest = stamp_date_from_days(stamp_date_to_days(newest) - DAILY_KEEP + 1);
		while ((rc = mdb_cursor_get(cur, &kv, &vv, MDB_FIRST)) == 0 &&
		       (kv.mv_size != 4 || stamp_be_get(kv.mv_data, 4) < oldest))
			if ((rc = mdb_cursor_del(cur, 0)))
				break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int write_days(stamp_scans *s, MDB_txn *txn, const days taken[SHARDS])
{
	int rc = 0, any = 0;
	for (int i = 0; i < SHARDS && rc == 0; i++)
		for (size_t j = 0; j < taken[i].n && rc == 0; j++, any = 1)
			rc = daily_add(s, txn, taken[i].v[j].day, taken[i].v[j].n);
	return rc == 0 && any ? daily_trim(s, txn) : rc;
}

static int write_all(stamp_scans *s, const entry *v, size_t n, const days taken[SHARDS])
{
	MDB_txn *txn;
	uint8_t k[8], rec[REC_BYTES];
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++) {
		MDB_val kv = {8, k}, vv = {REC_BYTES, rec};
		stamp_be_put(k, v[i].serial, 8);
		rec_encode(&v[i].r, rec);
		rc = mdb_put(txn, s->dbi, &kv, &vv, 0);
	}
	if (rc == 0)
		rc = write_days(s, txn, taken);
	if (rc) {
		mdb_txn_abort(txn);
		return rc;
	}
	return mdb_txn_commit(txn); /* synced: the environment has no MDB_NOSYNC */
}

int stamp_scans_flush(stamp_scans *s, size_t *written)
{
	entry *v = NULL;
	size_t n = 0;
	days taken[SHARDS] = {{0}};
	int rc;

	if (s->redis)
		return scans_redis_flush(s->redis, written);
	if (written)
		*written = 0;
	if ((rc = collect(s, &v, &n, taken)))
		return rc;
	if (n > 0 && (rc = write_all(s, v, n, taken)) != 0)
		remark(s, v, n);
	free(v);
	days_return(s, taken, rc != 0);
	if (rc)
		return rc;
	if (written)
		*written = n;
	/* committed: clean entries may go now, in shards that grew large */
	for (int i = 0; i < SHARDS; i++) {
		shard *sh = &s->shards[i];
		pthread_mutex_lock(&sh->lock);
		if (sh->used > SHARD_KEEP) {
			/* room for the entries that are dirty again, at most half full */
			size_t dirty = 0, cap = 64;
			for (size_t j = 0; j < sh->cap; j++)
				dirty += sh->slots[j].serial && sh->slots[j].dirty;
			while (cap < 4 * SHARD_KEEP || cap < 2 * (dirty + 1))
				cap *= 2;
			rehash(sh, cap, 0); /* on ENOMEM the shard simply stays as it is */
		}
		pthread_mutex_unlock(&sh->lock);
	}
	return 0;
}

int stamp_scans_explain(stamp_scans *s, int rc, stamp_diag *diag)
{
	if (s->redis)
		return scans_redis_explain(s->redis, rc, diag);
	return stamp_env_explain_write(s->env, "scans store", rc, diag);
}

int stamp_scans_size(stamp_scans *s, uint64_t *bytes)
{
	if (s->redis) {
		*bytes = 0; /* Redis reports its own memory (INFO memory) */
		return 0;
	}
	return stamp_env_size(s->env, bytes);
}

int stamp_scans_meta_get(stamp_scans *s, const char *name, void *buf, size_t cap, size_t *len)
{
	if (s->redis)
		return STAMP_EINPUT; /* the Redis backend has claims only */
	MDB_txn *txn;
	MDB_val kv = {strlen(name), (void *)name}, vv;
	int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
	if (rc)
		return rc;
	rc = mdb_get(txn, s->meta, &kv, &vv);
	if (rc == MDB_NOTFOUND)
		rc = STAMP_ENOTFOUND;
	else if (rc == 0 && vv.mv_size > cap)
		rc = STAMP_ECORRUPT;
	else if (rc == 0) {
		memcpy(buf, vv.mv_data, vv.mv_size);
		*len = vv.mv_size;
	}
	mdb_txn_abort(txn);
	return rc;
}

int stamp_scans_meta_put(stamp_scans *s, const char *name, const void *val, size_t len)
{
	if (s->redis)
		return STAMP_EINPUT;
	MDB_txn *txn;
	MDB_val kv = {strlen(name), (void *)name}, vv = {len, (void *)val};
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc)
		return rc;
	if ((rc = mdb_put(txn, s->meta, &kv, &vv, 0))) {
		mdb_txn_abort(txn);
		return rc;
	}
	return mdb_txn_commit(txn);
}

/* In one write transaction: what is stored, unless val should replace it. */
int stamp_scans_meta_claim(stamp_scans *s, const char *name, const void *val, size_t len,
			   size_t keep_prefix, unsigned ttl, void *buf, size_t cap, size_t *outlen)
{
	if (s->redis)
		return scans_redis_claim(s->redis, name, val, len, keep_prefix, ttl, buf, cap,
					 outlen);
	MDB_txn *txn;
	MDB_val kv = {strlen(name), (void *)name}, vv;
	if (len > cap)
		return STAMP_EINPUT;
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc)
		return rc;
	rc = mdb_get(txn, s->meta, &kv, &vv);
	if (rc == 0 && vv.mv_size <= cap && vv.mv_size >= keep_prefix && len >= keep_prefix &&
	    memcmp(vv.mv_data, val, keep_prefix) >= 0) {
		memcpy(buf, vv.mv_data, vv.mv_size);
		*outlen = vv.mv_size;
		mdb_txn_abort(txn);
		return 0;
	}
	if (rc != 0 && rc != MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		return rc;
	}
	vv = (MDB_val){len, (void *)val};
	if ((rc = mdb_put(txn, s->meta, &kv, &vv, 0))) {
		mdb_txn_abort(txn);
		return rc;
	}
	if ((rc = mdb_txn_commit(txn)))
		return rc;
	memcpy(buf, val, len);
	*outlen = len;
	return 0;
}

const char *const stamp_scans_err_names[SCANS_ERR_CAUSES] = {"connect", "auth",	    "maxmemory",
							     "timeout", "noscript", "reply"};

void stamp_scans_stats_get(stamp_scans *s, stamp_scans_stats *out)
{
	memset(out, 0, sizeof *out);
	if (s->redis)
		scans_redis_stats(s->redis, out);
	else
		out->up = 1;
}

int stamp_scans_health(stamp_scans *s, char *buf, size_t cap)
{
	if (s->redis)
		return scans_redis_health(s->redis, buf, cap);
	if (cap)
		buf[0] = '\0';
	return 0;
}

const char *stamp_scans_where(stamp_scans *s)
{
	return s->redis ? scans_redis_where(s->redis) : s->where;
}

/* A read transaction and a cursor on dbi in it; both to be closed by the caller. */
static int read_cursor(stamp_scans *s, MDB_dbi dbi, MDB_txn **txn, MDB_cursor **cur)
{
	int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn);
	if (rc == 0 && (rc = mdb_cursor_open(*txn, dbi, cur)) != 0)
		mdb_txn_abort(*txn);
	return rc;
}

int stamp_scans_daily(stamp_scans *s, uint32_t first, uint32_t ndays, uint64_t *counts)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	uint8_t k[4];
	MDB_val kv = {4, k}, vv;
	if (ndays > STAMP_SCANS_DAILY_MAX ||
	    stamp_date_from_days(stamp_date_to_days(first)) != first)
		return STAMP_EINPUT;
	if (ndays)
		memset(counts, 0, ndays * sizeof *counts);
	if (s->redis)
		return scans_redis_daily(s->redis, first, ndays, counts);
	if (!s->has_daily)
		return STAMP_ENOTFOUND;
	int64_t from = stamp_date_to_days(first);
	int rc = read_cursor(s, s->daily, &txn, &cur);
	if (rc)
		return rc;
	stamp_be_put(k, first, 4);
	for (rc = mdb_cursor_get(cur, &kv, &vv, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &kv, &vv, MDB_NEXT)) {
		if (kv.mv_size != 4 || vv.mv_size != 8) {
			rc = STAMP_ECORRUPT;
			break;
		}
		int64_t i = stamp_date_to_days((uint32_t)stamp_be_get(kv.mv_data, 4)) - from;
		if (i >= ndays)
			break;
		counts[i] = stamp_be_get(vv.mv_data, 8);
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	if (rc && rc != MDB_NOTFOUND && ndays)
		memset(counts, 0, ndays * sizeof *counts);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int stamp_scans_each(stamp_scans *s, int (*fn)(void *arg, const stamp_scans_dump *d), void *arg)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val kv, vv;
	if (s->redis)
		return STAMP_EINPUT;
	int rc = read_cursor(s, s->dbi, &txn, &cur);
	if (rc)
		return rc;
	while ((rc = mdb_cursor_get(cur, &kv, &vv, MDB_NEXT)) == 0) {
		record r;
		stamp_scans_dump d;
		if (kv.mv_size != 8 || (rc = rec_decode(vv.mv_data, vv.mv_size, &r)))
			break;
		memset(&d, 0, sizeof d);
		d.serial = stamp_be_get(kv.mv_data, 8);
		totals(&r, &d.totals);
		d.last_day = r.last_day;
		if (!r.hll) {
			d.tags = r.set.exact;
			d.ntags = r.nexact;
		}
		if ((rc = fn(arg, &d)))
			break;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return rc == MDB_NOTFOUND ? 0 : rc;
}
