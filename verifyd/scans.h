/*
 * scans.h - verifyd: how often each stamp has been scanned, kept by verifyd.
 *
 * A second LMDB environment, written only by verifyd, so that verifyd never
 * needs write access to the registry nor contends with stampgen's write lock.
 *
 *   scans   serial (u64 big-endian) -> version, count (u64), first, last (Unix s)
 *
 * Counting is in memory: the first touch of a serial loads its record, every
 * scan updates the in-memory totals (which are therefore always the truth
 * that a request sees), and stamp_scans_flush() writes every changed total in
 * one durable transaction. verifyd calls it once a second from one writer
 * thread, and once more at a clean stop: a kill -9 loses at most the last
 * second of counts, a clean stop none. Durable single-increment commits run
 * ~4k/s on this class of machine; batched ones ~170k/s.
 *
 * No IP address or other data about the person scanning is kept.
 */
#ifndef VERIFYD_SCANS_H
#define VERIFYD_SCANS_H

#include <stddef.h>
#include <stdint.h>

#include "stamp/error.h"

typedef struct stamp_scans stamp_scans;

typedef struct stamp_scan {
	uint64_t count; /* scans so far, this one included */
	int64_t first;	/* Unix time of the first scan; 0 when never */
	int64_t last;
} stamp_scan;

/* dir: a directory holding the scans environment; created if missing. */
int stamp_scans_open(const char *dir, stamp_scans **out, stamp_diag *diag) STAMP_WUR;
/* Flushes nothing: call stamp_scans_flush first for a clean stop. */
void stamp_scans_close(stamp_scans *s);

/* Count one scan of serial at time now; *after holds the new totals. Thread-safe. */
int stamp_scans_record(stamp_scans *s, uint64_t serial, int64_t now, stamp_scan *after) STAMP_WUR;

/* Totals without counting (HEAD requests, listings). Thread-safe. */
int stamp_scans_get(stamp_scans *s, uint64_t serial, stamp_scan *out) STAMP_WUR;

/*
 * Write every total changed since the last flush in one transaction, synced
 * to disk. *written (may be NULL) is the number of stamps written. Call from
 * one thread at a time. On failure the changes stay pending for the next call.
 */
int stamp_scans_flush(stamp_scans *s, size_t *written) STAMP_WUR;

/* Bytes of the environment's data file (for /metrics). */
int stamp_scans_size(stamp_scans *s, uint64_t *bytes) STAMP_WUR;

#endif
