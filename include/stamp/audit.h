/*
 * audit.h - the registry's append-only, hash-chained log of changes.
 *
 * Every write transaction of the store that changes the registry (a
 * cooperative or product added or imported, a key registered or retired,
 * serials reserved or burned, a batch issued, a revocation added or undone)
 * appends one entry in that same transaction: nothing changes unrecorded,
 * and nothing is recorded that did not happen. An entry holds the time, the
 * operating-system user and the actor the program named
 * (stamp_store_set_identity), what was asked (the command), what was done
 * (a summary of the changes) and the hash of the previous entry; its own hash
 * is BLAKE2b-256 over all of that, so altering or removing an entry breaks
 * the chain from there on. The store also keeps the head (last sequence
 * number and hash): removing the newest entries is caught too, unless the
 * head is rewritten as well, which is why `stampgen audit verify` prints it
 * for an officer to record elsewhere.
 */
#ifndef STAMP_AUDIT_H
#define STAMP_AUDIT_H

#include <stdint.h>

#include "error.h"
#include "store.h"

#define STAMP_AUDIT_HASH_BYTES 32
#define STAMP_AUDIT_WHAT_MAX 511    /* the command, as given */
#define STAMP_AUDIT_RESULT_MAX 1023 /* what changed */

typedef struct stamp_audit_entry {
	uint64_t seq;			 /* 1, 2, ... without gaps */
	int64_t time;			 /* Unix time */
	char user[STAMP_SHORT_MAX + 1];	 /* operating-system user */
	char actor[STAMP_SHORT_MAX + 1]; /* as named by the program, may be "" */
	char what[STAMP_AUDIT_WHAT_MAX + 1];
	char result[STAMP_AUDIT_RESULT_MAX + 1];
	uint8_t prev[STAMP_AUDIT_HASH_BYTES]; /* zeros for the first entry */
	uint8_t hash[STAMP_AUDIT_HASH_BYTES];
} stamp_audit_entry;

/*
 * Who acts and what was asked, for every write transaction committed on st
 * from now on. Strings are copied (cut to their bounds); NULL is "".
 */
void stamp_store_set_identity(stamp_store *st, const char *user, const char *actor,
			      const char *what);

/* Entries with time >= since (0: all), in order; cb returns non-zero to stop. */
typedef int (*stamp_audit_cb)(const stamp_audit_entry *e, void *ctx);
int stamp_audit_each(stamp_txn *t, int64_t since, stamp_audit_cb cb, void *ctx) STAMP_WUR;

/*
 * Recompute the chain. 0 when intact, with the number of entries and the
 * head hash (may be NULL). STAMP_ECORRUPT when an entry was altered, removed
 * or added out of order: *broken is the sequence number where the chain
 * breaks and diag says how. A store without entries is intact (count 0).
 */
int stamp_audit_verify(stamp_txn *t, uint64_t *count, uint8_t head[STAMP_AUDIT_HASH_BYTES],
		       uint64_t *broken, stamp_diag *diag) STAMP_WUR;

/*
 * The head as the store records it, without walking the chain: it names a
 * state of the registry (every change appends an entry in its transaction),
 * so two copies with the same head are the same registry, and of two copies
 * of one chain the one with the higher sequence number is the newer.
 */
typedef struct stamp_audit_head {
	uint64_t seq; /* 0: no entry yet (hash zeros, time 0) */
	int64_t time; /* Unix time of entry seq */
	uint8_t hash[STAMP_AUDIT_HASH_BYTES];
} stamp_audit_head;

/* STAMP_ECORRUPT when the head names an entry that is not there or does not decode. */
int stamp_audit_read_head(stamp_txn *t, stamp_audit_head *out) STAMP_WUR;
/* The same for entry seq (>= 1) as if it were the head: STAMP_ENOTFOUND without it. */
int stamp_audit_head_at(stamp_txn *t, uint64_t seq, stamp_audit_head *out) STAMP_WUR;

#endif
