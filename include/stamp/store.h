/*
 * store.h - the registry store: one LMDB environment, named databases.
 *
 *   meta      "version", "next_serial", "next_batch" -> u64 each (8 bytes)
 *   keys      key id (4 bytes)            -> keyrec
 *   coops     id (text)                   -> coop record
 *   products  id (text)                   -> product record
 *   batches   batch id (u32 big-endian)   -> batch record
 *   lots      product id '\0' lot         -> batch id (a lot is issued once)
 *   stamps    serial (u64 big-endian)     -> stamp record (status, batch, signature)
 *   reserved  first serial (u64 BE)       -> reservation (serials taken, not yet a batch)
 *   revocations, revidx                   -> revocation.c (revocation.h)
 *   audit                                 -> audit.c (audit.h)
 *   events                                -> event.c (event.h)
 *   users                                 -> user.c (user.h)
 *
 * Integer keys are big-endian so LMDB's byte order is numeric order (no
 * MDB_INTEGERKEY). Every value starts with a record version byte; an unknown
 * version is STAMP_ECORRUPT, never a guess. A write transaction is all or
 * nothing: the batch and all its stamps are one transaction. Serials only go
 * up, and are reserved durably (a transaction of their own) before anything
 * is signed: a serial is signed for one batch only, ever, even when an
 * issuance is killed; the serials of an issuance that did not complete stay
 * a recorded gap (a reservation marked burned).
 */
#ifndef STAMP_STORE_H
#define STAMP_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "registry.h"

typedef struct stamp_store stamp_store;
typedef struct stamp_txn stamp_txn;

enum {
	STAMP_STORE_RDONLY = 1, /* open read-only (verifyd, verify) */
	STAMP_STORE_CREATE = 2, /* create the directory and databases if missing */
};

enum { STAMP_STAMP_VALID = 0, STAMP_STAMP_REVOKED = 1 };

typedef struct stamp_stamp {
	uint64_t serial;
	uint32_t batch_id;
	uint8_t status; /* STAMP_STAMP_* */
	uint8_t sig[STAMP_SIG_BYTES];
} stamp_stamp;

/*
 * PENDING: taken, being signed. BURNED: never a batch (the issuance failed or
 * was killed). STORED: the batch is stored but its folder not yet put in
 * place; the record goes once it is, so a killed run's folder is still found.
 */
enum { STAMP_RESERVE_PENDING = 0, STAMP_RESERVE_BURNED = 1, STAMP_RESERVE_STORED = 2 };

#define STAMP_HOSTNAME_MAX 64
#define STAMP_TMPPATH_MAX 1024

/* Serials taken for an issuance before signing (see issue.c). */
typedef struct stamp_reservation {
	uint64_t first_serial; /* set by stamp_store_reserve */
	uint32_t count;
	uint8_t state;	   /* STAMP_RESERVE_* */
	uint32_t batch_id; /* STORED: the batch that holds them */
	int64_t created;   /* Unix time */
	int32_t pid;	   /* of the issuing process, on host */
	char host[STAMP_HOSTNAME_MAX + 1];
	char product_id[STAMP_ID_MAX + 1];
	char lot[STAMP_SHORT_MAX + 1];
	char tmp[STAMP_TMPPATH_MAX + 1]; /* its temporary folder, "" for none */
} stamp_reservation;

/* dir is a directory holding data.mdb and lock.mdb. */
int stamp_store_open(const char *dir, unsigned flags, stamp_store **out,
		     stamp_diag *diag) STAMP_WUR;
void stamp_store_close(stamp_store *st);

/* One transaction at a time per thread; write transactions serialise. */
int stamp_txn_begin(stamp_store *st, int write, stamp_txn **out) STAMP_WUR;
/*
 * Commit: frees t, also on failure. A failed commit changed nothing; diag
 * (may be NULL) says why, a full disk or map named as such
 * (stamp_env_explain_write).
 */
int stamp_txn_commit(stamp_txn *t, stamp_diag *diag) STAMP_WUR;
void stamp_txn_abort(stamp_txn *t); /* frees t; NULL is fine */
/*
 * Read transactions only: release the snapshot but keep the handle and its
 * reader slot, then take a fresh snapshot. Much cheaper than abort + begin,
 * which is what a daemon's worker wants for every request.
 */
void stamp_txn_reset(stamp_txn *t);
int stamp_txn_renew(stamp_txn *t) STAMP_WUR;
/*
 * Clear the reader slots of processes that died holding a read transaction
 * (a stale slot pins old pages, and the file grows). *dead (may be NULL) is
 * how many were cleared. Cheap; long-running readers call it now and then.
 */
int stamp_store_reader_check(stamp_store *st, int *dead) STAMP_WUR;
/* Bytes in use by the store's data file (pages up to the last used). */
int stamp_store_size(stamp_store *st, uint64_t *bytes) STAMP_WUR;

/* How many batches the store holds (as seen by t). */
int stamp_store_batch_count(stamp_txn *t, uint64_t *n) STAMP_WUR;

/* put_*: STAMP_EEXIST when the id is taken (overwrite == 0). */
int stamp_store_put_coop(stamp_txn *t, const stamp_coop *c, int overwrite) STAMP_WUR;
int stamp_store_get_coop(stamp_txn *t, const char *id, stamp_coop *out) STAMP_WUR;
int stamp_store_put_product(stamp_txn *t, const stamp_product *p, int overwrite) STAMP_WUR;
int stamp_store_get_product(stamp_txn *t, const char *id, stamp_product *out) STAMP_WUR;
int stamp_store_put_key(stamp_txn *t, const stamp_keyrec *k, int overwrite) STAMP_WUR;
int stamp_store_get_key(stamp_txn *t, const uint8_t id[STAMP_KEYID_BYTES],
			stamp_keyrec *out) STAMP_WUR;
/*
 * Key id may sign until date on, included (rotation). STAMP_EINPUT when that
 * would end its window before it starts, or extend a window that ends
 * earlier: a retired key is never brought back by a later date.
 */
int stamp_store_retire_key(stamp_txn *t, const uint8_t id[STAMP_KEYID_BYTES], uint32_t on,
			   stamp_diag *diag) STAMP_WUR;
int stamp_store_get_batch(stamp_txn *t, uint32_t id, stamp_batch *out) STAMP_WUR;
/* The batch of a product's lot (a lot is issued once). */
int stamp_store_find_lot(stamp_txn *t, const char *product_id, const char *lot,
			 uint32_t *batch_id) STAMP_WUR;
int stamp_store_get_stamp(stamp_txn *t, uint64_t serial, stamp_stamp *out) STAMP_WUR;

/*
 * Iterate in key order; cb returns non-zero to stop (that value is returned).
 * Records are valid only during the callback.
 */
typedef int (*stamp_coop_cb)(const stamp_coop *c, void *ctx);
typedef int (*stamp_product_cb)(const stamp_product *p, void *ctx);
typedef int (*stamp_batch_cb)(const stamp_batch *b, void *ctx);
typedef int (*stamp_key_cb)(const stamp_keyrec *k, void *ctx);
int stamp_store_each_coop(stamp_txn *t, stamp_coop_cb cb, void *ctx) STAMP_WUR;
int stamp_store_each_product(stamp_txn *t, stamp_product_cb cb, void *ctx) STAMP_WUR;
int stamp_store_each_batch(stamp_txn *t, stamp_batch_cb cb, void *ctx) STAMP_WUR;
int stamp_store_each_key(stamp_txn *t, stamp_key_cb cb, void *ctx) STAMP_WUR;

/*
 * Take r->count serials: fills r->first_serial, advances the serial counter
 * and records r as PENDING. STAMP_EEXIST when r->product_id already has a
 * batch with r->lot; STAMP_EINPUT when the serial space is exhausted (it
 * never wraps). Commit it before signing anything. Write transaction only.
 */
int stamp_store_reserve(stamp_txn *t, stamp_reservation *r) STAMP_WUR;
/* Overwrite the reservation at r->first_serial (mark it burned). ENOTFOUND if none. */
int stamp_store_put_reservation(stamp_txn *t, const stamp_reservation *r) STAMP_WUR;
/* Forget a STORED reservation: its folder is in place (or was removed). */
int stamp_store_del_reservation(stamp_txn *t, uint64_t first_serial) STAMP_WUR;
typedef int (*stamp_reservation_cb)(const stamp_reservation *r, void *ctx);
/* Every reservation still recorded (pending or burned), in serial order. */
int stamp_store_each_reservation(stamp_txn *t, stamp_reservation_cb cb, void *ctx) STAMP_WUR;

/*
 * Record batch b on the serials reserved for it: a PENDING reservation at
 * b->first_serial of b->count serials, which becomes STORED (STAMP_ENOTFOUND
 * without one). Fills b->id; records the batch and its lot. STAMP_EEXIST when
 * the product already has a batch with that lot. Write transaction only.
 */
int stamp_store_add_batch(stamp_txn *t, stamp_batch *b) STAMP_WUR;

/*
 * Append the stamps of a batch reserved in this transaction: sigs[i] is the
 * signature of serial b->first_serial + i. Uses MDB_APPEND (serials only grow).
 */
int stamp_store_put_stamps(stamp_txn *t, const stamp_batch *b,
			   const uint8_t (*sigs)[STAMP_SIG_BYTES]) STAMP_WUR;

/* Read a batch's stamps' signatures in serial order into sigs[b->count]. */
int stamp_store_batch_sigs(stamp_txn *t, const stamp_batch *b,
			   uint8_t (*sigs)[STAMP_SIG_BYTES]) STAMP_WUR;

#endif
