/*
 * catalog.h - the signed offline catalog: what an inspector (market
 * surveillance, customs) needs to check stamps where there is no network.
 *
 * One compact file (docs/catalog.md): the public keys with their windows,
 * every batch (serial range -> product, lot, dates), the products and
 * cooperatives the page shows, and the revocations in force, signed with
 * Ed25519 by a province key. Each catalog has a version (the Unix time of
 * its export): an inspector's tool remembers the newest it has used and
 * refuses an older one, so a stale catalog cannot hide a later recall.
 * Stamps themselves are not listed: a code proves itself by its signature,
 * and its serial finds its batch by range.
 */
#ifndef STAMP_CATALOG_H
#define STAMP_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "key.h"
#include "store.h"
#include "verify.h"

#define STAMP_CATALOG_MAX (64u << 20) /* bytes: a file above this is refused */

typedef struct stamp_catalog stamp_catalog;

/*
 * Write the catalog of st's current state to out (must not exist; appears
 * whole), signed by kp, whose key must be registered in st, with version and
 * creation time now. *bytes: the file's size.
 */
int stamp_catalog_export(stamp_store *st, const stamp_keypair *kp, int64_t now, const char *out,
			 size_t *bytes, stamp_diag *diag) STAMP_WUR;

/*
 * Read and check a catalog: the format, then the signature under one of
 * keys (the inspector's public key files; the catalog's own keys are not
 * trusted for this). STAMP_EFORGED for a signature that fails or a signer
 * not among keys, STAMP_ECORRUPT for a damaged file.
 */
int stamp_catalog_load(const char *path, const stamp_pubkey *keys, size_t nkeys,
		       stamp_catalog **out, stamp_diag *diag) STAMP_WUR;
void stamp_catalog_free(stamp_catalog *c);

uint64_t stamp_catalog_version(const stamp_catalog *c);
/* The signer's key id. */
const uint8_t *stamp_catalog_signer(const stamp_catalog *c);
/* Counts, for a summary line. */
void stamp_catalog_counts(const stamp_catalog *c, size_t *keys, size_t *batches,
			  size_t *revocations);

/*
 * The newest catalog version used so far for this signer, kept in the file
 * state (one line per signer); refuse c (STAMP_EINPUT, diag says both
 * versions) when it is older, else record it. A missing state file is fine.
 */
int stamp_catalog_check_fresh(const stamp_catalog *c, const char *state,
			      stamp_diag *diag) STAMP_WUR;

/*
 * The verdict on text as stamp_verify_text gives it with a store, from the
 * catalog alone: keys are the catalog's plus extra; details, revocations and
 * the foreign-host check likewise. Returns 0 with out->verdict set.
 */
int stamp_catalog_verify(const stamp_catalog *c, const stamp_pubkey *extra, size_t nextra,
			 const char *text, size_t len, stamp_check *out) STAMP_WUR;

#endif
