/*
 * revocation.h - withdrawing stamps: stolen rolls, recalled lots, products
 * that lost their OCOP certificate, keys that leaked.
 *
 * A revocation is one record whatever it covers (revoking a batch of a
 * million stamps is one small write), with a reason from a fixed vocabulary
 * and an optional note shown to shoppers. Its scope is one of: a range of
 * serials, a batch (a product's lot is its batch), a product, or a key (every
 * stamp of the batches it signed, or of those issued on or after a date).
 * Undoing one (a mistake) keeps the record, marked undone, so both acts stay
 * on file.
 *
 * Lookup is O(log n) in the number of revocations: the store keeps an index
 * derived from the revocations in force (disjoint serial segments, and one
 * entry per batch, product and key), rebuilt in the transaction that adds or
 * undoes one. verify.c asks it for every stamp it finds in the store.
 */
#ifndef STAMP_REVOCATION_H
#define STAMP_REVOCATION_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "registry.h"
#include "store.h"

enum {
	STAMP_REASON_LOST = 1,
	STAMP_REASON_STOLEN,
	STAMP_REASON_RECALLED,
	STAMP_REASON_CERT_WITHDRAWN,
	STAMP_REASON_KEY_COMPROMISED,
	STAMP_REASON_PRINTED_IN_ERROR,
	STAMP_REASON_OTHER,
	STAMP_REASON_LAST = STAMP_REASON_OTHER
};

enum { STAMP_SCOPE_SERIALS = 1, STAMP_SCOPE_BATCH, STAMP_SCOPE_PRODUCT, STAMP_SCOPE_KEY };

#define STAMP_NOTE_MAX 255 /* bytes of UTF-8, NFC: shown on the shopper's page */

typedef struct stamp_revocation {
	uint32_t id;			   /* from 1, given by stamp_revocation_add */
	uint8_t scope;			   /* STAMP_SCOPE_* */
	uint64_t first, last;		   /* SERIALS: the range, inclusive */
	uint32_t batch_id;		   /* BATCH */
	char product_id[STAMP_ID_MAX + 1]; /* PRODUCT; for a lot, its product */
	char lot[STAMP_SHORT_MAX + 1];	   /* BATCH given as PRODUCT:LOT, for display */
	uint8_t key_id[STAMP_KEYID_BYTES]; /* KEY */
	uint32_t from;			   /* KEY: batches issued on or after (date); 0 all */
	uint8_t reason;			   /* STAMP_REASON_* */
	char note[STAMP_NOTE_MAX + 1];
	int64_t since;			 /* Unix time it took effect */
	char actor[STAMP_SHORT_MAX + 1]; /* who revoked */
	int64_t undone;			 /* 0 in force; else when it was undone */
	char undone_by[STAMP_SHORT_MAX + 1];
} stamp_revocation;

/* "lost", "stolen", "recalled", "certificate-withdrawn", "key-compromised",
 * "printed-in-error", "other"; NULL outside the vocabulary. */
const char *stamp_reason_name(unsigned reason);
/* The vocabulary as one line, for messages: "lost, stolen, ..., other". */
const char *stamp_reason_list(void);
/* 0, or STAMP_EINPUT (diag names the vocabulary). */
int stamp_reason_parse(const char *s, uint8_t *out, stamp_diag *diag) STAMP_WUR;
/* "serials", "batch", "product", "key". */
const char *stamp_scope_name(unsigned scope);

/*
 * Check r (the target exists; the note is clean text, normalised in place),
 * give it an id, store it and rebuild the index. r->since and r->actor are
 * the caller's. STAMP_EINPUT or STAMP_ENOTFOUND with diag saying which field.
 * Write transaction only.
 */
int stamp_revocation_add(stamp_txn *t, stamp_revocation *r, stamp_diag *diag) STAMP_WUR;

/*
 * Mark revocation id undone at now by actor (clean text, at most
 * STAMP_SHORT_MAX bytes). STAMP_EINPUT when already undone.
 */
int stamp_revocation_undo(stamp_txn *t, uint32_t id, int64_t now, const char *actor,
			  stamp_diag *diag) STAMP_WUR;

int stamp_revocation_get(stamp_txn *t, uint32_t id, stamp_revocation *out) STAMP_WUR;

/* Every revocation, undone ones included, by id. */
typedef int (*stamp_revocation_cb)(const stamp_revocation *r, void *ctx);
int stamp_revocation_each(stamp_txn *t, stamp_revocation_cb cb, void *ctx) STAMP_WUR;

/*
 * How many issued stamps r would cover (for --dry-run). Checks r as _add
 * does and resolves it the same way (a lot to its batch, the texts cleaned),
 * so a dry run refuses what the real one refuses and describes the same.
 */
int stamp_revocation_count(stamp_txn *t, stamp_revocation *r, uint64_t *stamps,
			   stamp_diag *diag) STAMP_WUR;

/*
 * The revocation in force that covers stamp serial of batch b (b as stored):
 * 0 and *out, or STAMP_ENOTFOUND. A serial range wins over its batch, the
 * batch over its product, the product over its key.
 */
int stamp_revocation_find(stamp_txn *t, uint64_t serial, const stamp_batch *b,
			  stamp_revocation *out) STAMP_WUR;

#endif
