/*
 * scans.h - verifyd: how often, and by how many different phones, each stamp
 * has been scanned, kept by verifyd.
 *
 * A second LMDB environment, written only by verifyd, so that verifyd never
 * needs write access to the registry nor contends with stampgen's write lock.
 *
 *   scans   serial (u64 big-endian) -> one record (REC_BYTES, scans.c)
 *   meta    name -> value: the keys of scanner.c
 *   daily   day (u32 big-endian, YYYYMMDD in Vietnam) -> counted scans that
 *           day, all stamps (u64 big-endian); the last 400 days only. Added
 *           later: a writable open adds it to an older folder.
 *
 * Per stamp (208 bytes on disk and in memory, whatever the traffic):
 *   requests   every GET of the stamp's URL
 *   counted    the scans that passed the rate limits (scanner.c)
 *   scanners   distinct scanners: exact up to 32 (a 32-bit tag each), then a
 *              HyperLogLog of 128 one-byte registers (about 9 % error)
 *   first, last, days   of counted scans (days: distinct days in Vietnam)
 * and, for the current day only, up to 8 sources (16-bit tags of client
 * address groups), each with the number of scanners it added: one source adds
 * at most per_source scanners to a stamp per day, so that one shop rotating
 * User-Agents cannot make a stamp look copied. A stamp seen from more than 8
 * sources in a day is not gated further that day (it is seen from many places).
 * Tags are keyed hashes (scanner.c): no address, cookie or User-Agent is kept.
 *
 * Two backends behind this one interface, picked by the scans setting: a
 * folder is this LMDB environment (the default, needs nothing); redis://...
 * or unix:PATH is a Redis server that several replicas share
 * (scans_redis.c, docs/decisions.md): counts are kept in memory there too and
 * sent by the same once-a-second flush.
 *
 * Counting is in memory: the first touch of a serial loads its record, every
 * scan updates the in-memory record (which is therefore always the truth
 * that a request sees), and stamp_scans_flush() writes every changed record in
 * one durable transaction. verifyd calls it once a second from one writer
 * thread, and once more at a clean stop: a kill -9 loses at most the last
 * second of counts, a clean stop none. Durable single-increment commits run
 * ~4k/s on this class of machine; batched ones ~170k/s.
 */
#ifndef VERIFYD_SCANS_H
#define VERIFYD_SCANS_H

#include <stddef.h>
#include <stdint.h>

#include "stamp/error.h"

typedef struct stamp_scans stamp_scans;

typedef struct stamp_scan {
	uint64_t requests; /* GETs of the stamp's URL, this one included */
	uint64_t counted;  /* scans within the rate limits */
	uint64_t scanners; /* distinct scanners (exact up to 32, then estimated) */
	int64_t first;	   /* Unix time of the first counted scan; 0 when never */
	int64_t last;
	uint32_t days; /* distinct days with a counted scan */
} stamp_scan;

/* Who made a counted scan, as the stamp's record knows it (scanner.c). */
typedef struct stamp_scan_mark {
	uint32_t scanner; /* tag of the scanner for this stamp */
	uint16_t source;  /* tag of its client address group for this stamp, today */
	uint32_t day;	  /* today in Vietnam (stamp_date_from_unix) */
	uint32_t client;  /* tag of its client address group, today: the Redis
			     backend's key of the per-minute budget across replicas */
} stamp_scan_mark;

typedef struct stamp_scans_options {
	unsigned per_source;	/* as below */
	unsigned repeat_after;	/* Redis: the repeat rule across replicas, s (scanner.h) */
	unsigned client_budget; /* Redis: counted scans per client per minute, all replicas */
	const char *password;	/* Redis AUTH when the URL has none; NULL: none */
} stamp_scans_options;

/*
 * dir: a directory holding the scans environment; created if missing.
 * per_source: scanners one source may add to one stamp per day (>= 1).
 */
int stamp_scans_open(const char *dir, unsigned per_source, stamp_scans **out,
		     stamp_diag *diag) STAMP_WUR;
/* where: a folder (as above) or a Redis URL (scans_redis.h). */
int stamp_scans_open_with(const char *where, const stamp_scans_options *o, stamp_scans **out,
			  stamp_diag *diag) STAMP_WUR;
/*
 * A scans folder (a copy of verifyd's, for stampgen console) opened to read
 * it only: nothing in it is written, not even LMDB's lock file (MDB_RDONLY
 * and MDB_NOLOCK), so it may sit on read-only media; it must not be the
 * folder a running verifyd writes. stamp_scans_each and stamp_scans_get
 * work on it; stamp_scans_record and stamp_scans_flush must not be called.
 */
int stamp_scans_open_copy(const char *dir, stamp_scans **out, stamp_diag *diag) STAMP_WUR;

/*
 * verifyd's rule for the "may be copied" warning on a genuine stamp: more
 * than after distinct scanners (verifyd.conf [verdict] suspicious_after,
 * STAMP_SUSPICIOUS_AFTER unless set).
 */
#define STAMP_SUSPICIOUS_AFTER 20
int stamp_scan_suspicious(const stamp_scan *sc, unsigned after);

/* Flushes nothing: call stamp_scans_flush first for a clean stop. */
void stamp_scans_close(stamp_scans *s);

/*
 * One request of serial's URL at time now: counted when mark is not NULL
 * (the scan passed the rate limits), else only the request total moves.
 * *after holds the new totals. Thread-safe.
 */
int stamp_scans_record(stamp_scans *s, uint64_t serial, int64_t now, const stamp_scan_mark *mark,
		       stamp_scan *after) STAMP_WUR;

/* Totals without counting (HEAD requests, the API). Thread-safe. */
int stamp_scans_get(stamp_scans *s, uint64_t serial, stamp_scan *out) STAMP_WUR;

/*
 * Write every record changed since the last flush in one transaction, synced
 * to disk. *written (may be NULL) is the number of stamps written. Call from
 * one thread at a time. On failure the changes stay pending for the next call.
 */
int stamp_scans_flush(stamp_scans *s, size_t *written) STAMP_WUR;

/* What a failed flush means (a full disk, a full map), into diag; returns rc. */
int stamp_scans_explain(stamp_scans *s, int rc, stamp_diag *diag);

/* Bytes of the environment's data file (for /metrics). */
int stamp_scans_size(stamp_scans *s, uint64_t *bytes) STAMP_WUR;

/*
 * The meta database, for scanner.c's keys: get copies at most cap bytes into
 * buf (*len set; STAMP_ENOTFOUND when absent); put commits durably at once.
 */
int stamp_scans_meta_get(stamp_scans *s, const char *name, void *buf, size_t cap,
			 size_t *len) STAMP_WUR;
int stamp_scans_meta_put(stamp_scans *s, const char *name, const void *val, size_t len) STAMP_WUR;

/*
 * Put if absent, give back what is stored: the value kept under name is
 * copied to buf (at most cap bytes, *outlen set). A stored value is kept when
 * its first keep_prefix bytes are at least val's (byte order: a big-endian
 * day), else val replaces it. ttl (s, 0: none) bounds how long Redis keeps
 * it. Every replica sharing one Redis so adopts the same keys (scanner.c).
 * With Redis unreachable, val is taken for now and stored once it is back.
 */
int stamp_scans_meta_claim(stamp_scans *s, const char *name, const void *val, size_t len,
			   size_t keep_prefix, unsigned ttl, void *buf, size_t cap,
			   size_t *outlen) STAMP_WUR;

/* What /metrics says of the backend. */
enum {
	SCANS_ERR_CONNECT,
	SCANS_ERR_AUTH,
	SCANS_ERR_FULL,
	SCANS_ERR_TIMEOUT,
	SCANS_ERR_SCRIPT,
	SCANS_ERR_REPLY,
	SCANS_ERR_CAUSES
};
typedef struct stamp_scans_stats {
	int redis;		   /* 0: LMDB (the rest is 0) */
	int up;			   /* the last round reached the server */
	uint64_t pending_stamps;   /* stamps with counts not yet in Redis */
	uint64_t pending_marks;	   /* counted scans not yet in Redis */
	uint64_t dropped_marks;	   /* counted scans lost to the memory bound */
	uint64_t dropped_requests; /* requests lost (a new stamp with the table full) */
	uint64_t errors[SCANS_ERR_CAUSES];
} stamp_scans_stats;
void stamp_scans_stats_get(stamp_scans *s, stamp_scans_stats *out);
extern const char *const stamp_scans_err_names[SCANS_ERR_CAUSES];

/* 0 when the backend is healthy; else 1 and why, one line, into buf. */
int stamp_scans_health(stamp_scans *s, char *buf, size_t cap);

/* Where the counts are, for the log: the folder, or the URL without a password. */
const char *stamp_scans_where(stamp_scans *s);

/*
 * Counted scans per day, all stamps: counts[i] is that of the day i days
 * after first (a date, YYYYMMDD, Vietnam: the stamp_scan_mark's day), for
 * ndays days (at most STAMP_SCANS_DAILY_MAX). Days older than the 400 kept,
 * or without scans, are 0. What is committed only (LMDB: the last flush;
 * Redis: every replica's last round). STAMP_ENOTFOUND: the store keeps no
 * count per day (a read-only copy of a folder from before them); STAMP_EINPUT:
 * first is not a date or ndays too large (counts untouched); Redis away:
 * EIO. counts is all 0 on any other error.
 */
#define STAMP_SCANS_DAILY_MAX 400
int stamp_scans_daily(stamp_scans *s, uint32_t first, uint32_t ndays, uint64_t *counts) STAMP_WUR;

/* Every record of an LMDB store, for moving counts (scans_copy.c). */
typedef struct stamp_scans_dump {
	uint64_t serial;
	stamp_scan totals;
	uint32_t last_day;
	const uint32_t *tags; /* exact scanner tags, ntags of them; NULL when estimated */
	size_t ntags;
} stamp_scans_dump;
int stamp_scans_each(stamp_scans *s, int (*fn)(void *arg, const stamp_scans_dump *d),
		     void *arg) STAMP_WUR;

#endif
