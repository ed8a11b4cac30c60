/*
 * scans_redis.h - verifyd (private): the Redis backend of scans.h.
 *
 * scans.c hands every call to these when the scans setting names a Redis
 * server (redis://HOST[:PORT][/DB], redis://:PASSWORD@HOST..., unix:PATH).
 * The contracts are those of scans.h; scans_redis.c says how they are kept.
 */
#ifndef VERIFYD_SCANS_REDIS_H
#define VERIFYD_SCANS_REDIS_H

#include "scans.h"

typedef struct scans_redis scans_redis;

/* 1 when where names a Redis server rather than a folder. */
int scans_redis_is_url(const char *where);

/*
 * Parses the URL and connects once; an unreachable server is not an error
 * (counts wait in memory, scans_redis.c), a malformed URL is.
 */
int scans_redis_open(const char *url, const stamp_scans_options *o, scans_redis **out,
		     stamp_diag *diag) STAMP_WUR;
void scans_redis_close(scans_redis *r);
int scans_redis_record(scans_redis *r, uint64_t serial, int64_t now, const stamp_scan_mark *mark,
		       stamp_scan *after) STAMP_WUR;
int scans_redis_get(scans_redis *r, uint64_t serial, stamp_scan *out) STAMP_WUR;
int scans_redis_flush(scans_redis *r, size_t *written) STAMP_WUR;
int scans_redis_explain(scans_redis *r, int rc, stamp_diag *diag);
int scans_redis_claim(scans_redis *r, const char *name, const void *val, size_t len,
		      size_t keep_prefix, unsigned ttl, void *buf, size_t cap,
		      size_t *outlen) STAMP_WUR;
int scans_redis_daily(scans_redis *r, uint32_t first, uint32_t ndays, uint64_t *counts) STAMP_WUR;
void scans_redis_stats(scans_redis *r, stamp_scans_stats *out);
int scans_redis_health(scans_redis *r, char *buf, size_t cap);
const char *scans_redis_where(scans_redis *r);

/*
 * For the copy (scans_copy.c): one LMDB record as Redis keeps it, sent on a
 * connection of its own. tags: the exact scanner tags (n of them), or NULL
 * with estimate > 0 for a record kept as an estimate.
 */
typedef struct scans_redis_copy scans_redis_copy;
int scans_redis_copy_open(const char *url, const char *password, scans_redis_copy **out,
			  stamp_diag *diag) STAMP_WUR;
int scans_redis_copy_record(scans_redis_copy *c, uint64_t serial, const stamp_scan *t,
			    uint32_t last_day, const uint32_t *tags, size_t n,
			    uint64_t estimate) STAMP_WUR;
int scans_redis_copy_meta(scans_redis_copy *c, const char *name, const void *val, size_t len,
			  unsigned ttl) STAMP_WUR;
/* One day's count (stamp_scans_daily), kept for ttl seconds. */
int scans_redis_copy_daily(scans_redis_copy *c, uint32_t day, uint64_t n, unsigned ttl) STAMP_WUR;
const char *scans_redis_copy_where(scans_redis_copy *c); /* no password */
/* Reads every reply still due; 0 when each said OK. */
int scans_redis_copy_close(scans_redis_copy *c, stamp_diag *diag);

#endif
