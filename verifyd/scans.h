/*
 * scans.h - verifyd: how often, and by how many different phones, each stamp
 * has been scanned, kept by verifyd.
 *
 * A second LMDB environment, written only by verifyd, so that verifyd never
 * needs write access to the registry nor contends with stampgen's write lock.
 *
 *   scans   serial (u64 big-endian) -> one record (REC_BYTES, scans.c)
 *   meta    name -> value: the keys of scanner.c
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
} stamp_scan_mark;

/*
 * dir: a directory holding the scans environment; created if missing.
 * per_source: scanners one source may add to one stamp per day (>= 1).
 */
int stamp_scans_open(const char *dir, unsigned per_source, stamp_scans **out,
		     stamp_diag *diag) STAMP_WUR;
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

#endif
