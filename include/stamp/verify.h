/*
 * verify.h - the verdict on a scanned code, shared by `stampgen verify` and
 * verifyd.
 *
 * Order of checks: well-formed -> key known (from the store's keys and/or
 * public key files) -> signature (Ed25519 verify; a daemon may skip the
 * recomputation for a code byte-equal to what the store recorded, see
 * STAMP_VERIFY_TRUST_STORED) -> serial in the store -> stamp status. The
 * store is optional: without it a good signature is GENUINE with no product
 * details (offline, key file only).
 */
#ifndef STAMP_VERIFY_H
#define STAMP_VERIFY_H

#include <stddef.h>

#include "code.h"
#include "key.h"
#include "revocation.h"
#include "store.h"

/*
 * Every verdict a front end can give; stamp_verdict_about() is the one place
 * that says what each is called and what it does to an exit code or an HTTP
 * status, for stampgen, verifyd's page, JSON and metrics alike.
 */
typedef enum {
	STAMP_V_GENUINE = 0,
	STAMP_V_SUSPICIOUS,   /* genuine, but scanned more than a stamp should be (verifyd) */
	STAMP_V_REVOKED,      /* signature good, stamp revoked in the store */
	STAMP_V_UNKNOWN,      /* signature good, serial not in this store */
	STAMP_V_FORGED,	      /* signature bad */
	STAMP_V_UNKNOWN_KEY,  /* code names a key nobody registered */
	STAMP_V_FOREIGN_HOST, /* a real code, under another host than its batch's */
	STAMP_V_MALFORMED,    /* not a stamp code */
	STAMP_V_COUNT
} stamp_verdict;

typedef struct stamp_verdict_info {
	const char *name;     /* "genuine", "unknown-key", ...: logs, stampgen */
	const char *label;    /* stampgen verify's word: "GENUINE", "UNKNOWN KEY" */
	const char *meaning;  /* stampgen verify's explanation, after the label */
	stamp_verdict shown;  /* what a shopper is told: an unknown key is forged */
	int signature_valid;  /* the code's signature verified */
	int exit_code;	      /* stampgen verify: 0 only for genuine */
	unsigned http_status; /* verifyd's status for the code's page and JSON */
} stamp_verdict_info;

/* The facts of verdict v; an out-of-range v gives those of MALFORMED. Never NULL. */
const stamp_verdict_info *stamp_verdict_about(stamp_verdict v);

/* stamp_verdict_about(v)->name. */
const char *stamp_verdict_name(stamp_verdict v);

typedef struct stamp_check {
	stamp_verdict verdict;
	stamp_code code;	       /* valid unless MALFORMED */
	char host[STAMP_HOST_MAX + 1]; /* "" when the text had no URL part */
	int in_store;		       /* stamp, batch, product, coop below are filled */
	int revoked;		       /* revocation below is the one in force */
	stamp_revocation revocation;
	stamp_stamp stamp;
	stamp_batch batch;
	stamp_product product;
	stamp_coop coop;
} stamp_check;

/*
 * Flags. STAMP_VERIFY_TRUST_STORED: for a serial that is in the store, a code
 * whose key id and signature are byte-equal (sodium_memcmp) to what the store
 * recorded at issuance is genuine without recomputing Ed25519 (~50 us, the
 * largest cost of a daemon's lookup). The store only holds signatures that
 * stampgen made and checked, so equality implies validity; any difference
 * falls back to the full check. Offline verification does not set it.
 */
/*
 * STAMP_VERIFY_SKIP_DETAILS: for a stamp in the store, fill stamp and batch
 * but leave product and coop zeroed: verifyd renders those once per batch
 * and loads them itself only when its cache misses.
 */
enum { STAMP_VERIFY_TRUST_STORED = 1, STAMP_VERIFY_SKIP_DETAILS = 2 };

/* As stamp_verify_text, for a code already decoded (verifyd's path). */
int stamp_verify_code(stamp_txn *t, const stamp_pubkey *keys, size_t nkeys, const stamp_code *c,
		      unsigned flags, stamp_check *out) STAMP_WUR;

/*
 * Verify text (a code URL or its base32 part). A code URL whose host is not
 * its batch's is FOREIGN_HOST (a genuine code copied under another address).
 * t may be NULL (no store);
 * keys/nkeys are extra public keys (key files) searched before the store.
 * Returns 0 with out->verdict set whatever the verdict; non-zero only for a
 * store error (then out->verdict is meaningless).
 */
int stamp_verify_text(stamp_txn *t, const stamp_pubkey *keys, size_t nkeys, const char *text,
		      size_t len, stamp_check *out) STAMP_WUR;

#endif
