/*
 * scans.c - per-stamp scan counts, aggregated in memory, flushed in batches.
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
 */
#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "scans.h"
#include "stamp/env.h"

#define SHARDS 64
#define SHARD_KEEP 16384 /* clean entries kept per shard before dropping them */
#define REC_V1 1
#define REC_BYTES (1 + 8 + 8 + 8)
#define MAPSIZE ((size_t)1 << 32)

typedef struct entry {
	uint64_t serial; /* 0: empty slot */
	uint64_t count;
	int64_t first, last;
	int dirty;
} entry;

typedef struct shard {
	pthread_mutex_t lock;
	entry *slots;
	size_t cap, used; /* cap is a power of two */
} shard;

struct stamp_scans {
	MDB_env *env;
	MDB_dbi dbi;
	shard shards[SHARDS];
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	return x;
}

static shard *shard_of(stamp_scans *s, uint64_t serial)
{
	return &s->shards[mix(serial) % SHARDS];
}

static entry *find_slot(entry *slots, size_t cap, uint64_t serial)
{
	size_t i = (size_t)(mix(serial) >> 8) & (cap - 1);
	while (slots[i].serial && slots[i].serial != serial)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

/* Rebuild at cap, keeping dirty entries and, when keep_clean, clean ones. */
static int rehash(shard *sh, size_t cap, int keep_clean)
{
	entry *slots = calloc(cap, sizeof *slots);
	if (!slots)
		return ENOMEM;
	size_t used = 0;
	for (size_t i = 0; i < sh->cap; i++) {
		entry *e = &sh->slots[i];
		if (e->serial && (keep_clean || e->dirty)) {
			*find_slot(slots, cap, e->serial) = *e;
			used++;
		}
	}
	free(sh->slots);
	sh->slots = slots;
	sh->cap = cap;
	sh->used = used;
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
	if (rc == 0) {
		const uint8_t *p = vv.mv_data;
		if (vv.mv_size != REC_BYTES || p[0] != REC_V1) {
			rc = STAMP_ECORRUPT;
		} else {
			e->count = stamp_be_get(p + 1, 8);
			e->first = (int64_t)stamp_be_get(p + 9, 8);
			e->last = (int64_t)stamp_be_get(p + 17, 8);
		}
	} else if (rc == MDB_NOTFOUND) {
		rc = 0;
	}
	mdb_txn_abort(txn);
	return rc;
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

int stamp_scans_open(const char *dir, stamp_scans **out, stamp_diag *diag)
{
	stamp_scans *s;
	MDB_txn *txn;
	int rc, shards = 0;

	*out = NULL;
	if (!(s = calloc(1, sizeof *s)))
		return ENOMEM;
	rc = stamp_env_open(dir, STAMP_ENV_CREATE, 1, MAPSIZE, "scans store", &s->env, diag);
	if (rc)
		goto fail;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)))
		goto fail;
	if ((rc = mdb_dbi_open(txn, "scans", MDB_CREATE, &s->dbi)) != 0)
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
		if (!(sh->slots = calloc(sh->cap, sizeof *sh->slots))) {
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
	}
	if (s->env)
		mdb_env_close(s->env);
	free(s);
	return rc;
}

void stamp_scans_close(stamp_scans *s)
{
	if (!s)
		return;
	for (int i = 0; i < SHARDS; i++) {
		pthread_mutex_destroy(&s->shards[i].lock);
		free(s->shards[i].slots);
	}
	mdb_env_close(s->env);
	free(s);
}

static int lookup(stamp_scans *s, uint64_t serial, int64_t now, int count, stamp_scan *out)
{
	shard *sh = shard_of(s, serial);
	entry *e;
	memset(out, 0, sizeof *out);
	if (serial == 0)
		return STAMP_EINPUT;
	pthread_mutex_lock(&sh->lock);
	int rc = touch(s, sh, serial, &e);
	if (rc == 0) {
		if (count) {
			e->count++;
			if (!e->first)
				e->first = now;
			e->last = now;
			e->dirty = 1;
		}
		*out = (stamp_scan){e->count, e->first, e->last};
	}
	pthread_mutex_unlock(&sh->lock);
	return rc;
}

int stamp_scans_record(stamp_scans *s, uint64_t serial, int64_t now, stamp_scan *after)
{
	return lookup(s, serial, now, 1, after);
}

int stamp_scans_get(stamp_scans *s, uint64_t serial, stamp_scan *out)
{
	return lookup(s, serial, 0, 0, out);
}

static void remark(stamp_scans *s, const entry *v, size_t n);

/* Take every dirty entry of every shard (marking them clean). */
static int collect(stamp_scans *s, entry **out, size_t *n)
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
					free(v);
					return ENOMEM;
				}
				v = nv;
				cap = ncap;
			}
			v[len++] = *e;
			e->dirty = 0;
		}
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

static int write_all(stamp_scans *s, const entry *v, size_t n)
{
	MDB_txn *txn;
	uint8_t k[8], rec[REC_BYTES];
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++) {
		MDB_val kv = {8, k}, vv = {REC_BYTES, rec};
		stamp_be_put(k, v[i].serial, 8);
		rec[0] = REC_V1;
		stamp_be_put(rec + 1, v[i].count, 8);
		stamp_be_put(rec + 9, (uint64_t)v[i].first, 8);
		stamp_be_put(rec + 17, (uint64_t)v[i].last, 8);
		rc = mdb_put(txn, s->dbi, &kv, &vv, 0);
	}
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
	int rc;

	if (written)
		*written = 0;
	if ((rc = collect(s, &v, &n)))
		return rc;
	if (n > 0 && (rc = write_all(s, v, n)) != 0)
		remark(s, v, n);
	free(v);
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

int stamp_scans_size(stamp_scans *s, uint64_t *bytes)
{
	return stamp_env_size(s->env, bytes);
}
