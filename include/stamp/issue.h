/*
 * issue.h - issuing a batch of stamps, and rendering it again.
 *
 * Issuance signs N serials (both cores), writes the per-stamp files (a sink:
 * libstamp-print's PNGs) and the printer's manifest into a temporary folder
 * next to out_dir, stores the
 * batch and all its stamps in one write transaction, and only then renames
 * the folder into place. A failure or a kill at any point leaves the store
 * as it was; a half-written folder is never named out_dir.
 *
 * Output folder:
 *   manifest.csv   serial,code,file   (header row; one row per stamp)
 *   NNNNNNNNNN.png one per stamp, serial zero-padded to 10 digits, when a
 *                  sink is given (the suffix is the sink's)
 *
 * The core draws nothing: what a stamp's file holds is the sink's business,
 * so the core carries no image library (verifyd links the core alone).
 */
#ifndef STAMP_ISSUE_H
#define STAMP_ISSUE_H

#include <stdint.h>

#include "error.h"
#include "key.h"
#include "store.h"

#define STAMP_ISSUE_MAX 1000000

typedef void (*stamp_progress_cb)(uint64_t done, uint64_t total, void *ctx);

/*
 * Per-stamp files of an output folder. check runs once before anything is
 * signed and refuses a batch the sink cannot make (the print gate); file
 * runs on the worker threads, once per stamp, and writes path (the folder,
 * the serial zero-padded to 10 digits, then suffix). Both return 0 or an
 * error with diag set.
 */
typedef struct stamp_issue_sink {
	const char *suffix; /* ".png" */
	int (*check)(const stamp_batch *b, void *ctx, stamp_diag *diag);
	int (*file)(const stamp_batch *b, const stamp_code *c, const char *path, void *ctx,
		    stamp_diag *diag);
	void *ctx;
} stamp_issue_sink;

/* The code of serial in batch b, whose signature is sig. */
void stamp_batch_code(const stamp_batch *b, uint64_t serial, const uint8_t sig[STAMP_SIG_BYTES],
		      stamp_code *out);

typedef struct stamp_issue_req {
	const char *product_id;
	const char *lot;
	uint32_t produced;	      /* date */
	uint32_t expiry;	      /* date; 0 = product's shelf life from produced */
	uint32_t count;		      /* 1 ... STAMP_ISSUE_MAX */
	const char *base_url;	      /* as the officer typed it; normalised here */
	unsigned size_01mm;	      /* QR size with quiet zone; 0 = 250 (25 mm) */
	unsigned dpi;		      /* 0 = 600 */
	const stamp_issue_sink *sink; /* per-stamp files; NULL = the manifest only */
	const char *out_dir;	      /* must not exist; NULL = no files at all */
	int threads;		      /* 0 = one per online core */
	int64_t now;		      /* Unix time recorded as created */
	stamp_progress_cb progress;   /* may be NULL; called from the calling thread */
	void *progress_ctx;
} stamp_issue_req;

/* On success *out holds the stored batch. */
int stamp_issue(stamp_store *st, const stamp_keypair *kp, const stamp_issue_req *req,
		stamp_batch *out, stamp_diag *diag) STAMP_WUR;

/*
 * Write the output folder of a stored batch again (same manifest, same
 * PNGs byte for byte) into out_dir, which must not exist. Needs no secret
 * key: the signatures are in the store.
 */
int stamp_render_batch(stamp_store *st, uint32_t batch_id, const char *out_dir,
		       const stamp_issue_sink *sink, int threads, stamp_progress_cb progress,
		       void *progress_ctx, stamp_diag *diag) STAMP_WUR;

#endif
