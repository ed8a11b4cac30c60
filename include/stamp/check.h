/*
 * check.h - a whole store, walked and cross-checked (stampgen check).
 *
 * What it checks, in one read transaction: every record of every database
 * decodes and sits under its own key; references resolve (a product's
 * cooperative, a batch's product and key, a lot's batch, a reservation's
 * batch, a revocation's target, a production stage's batch or product, and
 * the stage passes the field rules); batches' serial ranges do not overlap and
 * every stamp lies inside its batch's range, with every serial of a batch
 * present; every stored signature verifies under its batch's registered key
 * (verified, never re-signed: the check needs no secret key); the revocation
 * index agrees with the revocations in force; the audit chain is intact; the
 * counters in meta are ahead of everything issued. The data file itself is
 * checked page by page when the store is opened (env.h); for a store that
 * does not open, stamp_store_check_file lists what is wrong with the file.
 */
#ifndef STAMP_CHECK_H
#define STAMP_CHECK_H

#include <stdint.h>

#include "error.h"
#include "store.h"

typedef struct stamp_check_counts {
	uint64_t keys, coops, products, batches, lots, stamps, reservations, revocations, audit;
	uint64_t problems;
	uint64_t events; /* production stages (event.h) */
	uint64_t users;	 /* the console's accounts (user.h) */
} stamp_check_counts;

/*
 * One problem: db names the database ("stamps", or "data.mdb" for the file),
 * key the record ("serial 1234", "HTX-1", "batch 3"; "" for the file), what
 * says what is wrong. All three are valid during the call only.
 */
typedef void (*stamp_problem_cb)(const char *db, const char *key, const char *what, void *ctx);

/*
 * Walk st (open, read-only is enough) and report each problem to cb, counting
 * into *counts. threads (1 to 64; 0: one per core) verify the signatures.
 * Returns 0 when the walk completed, whatever it found (counts->problems), or
 * an error that stopped it (ENOMEM, an LMDB error), with diag.
 */
int stamp_store_check(stamp_store *st, unsigned threads, stamp_problem_cb cb, void *ctx,
		      stamp_check_counts *counts, stamp_diag *diag) STAMP_WUR;

/*
 * The data file of the store in folder dir, page by page, for a store that
 * stamp_store_open refused with STAMP_EBADSTORE: each problem to cb (db
 * "data.mdb", key ""), counted in *problems. 0 when the file is sound.
 */
int stamp_store_check_file(const char *dir, stamp_problem_cb cb, void *ctx, uint64_t *problems,
			   stamp_diag *diag) STAMP_WUR;

#endif
