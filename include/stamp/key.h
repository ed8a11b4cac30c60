/*
 * key.h - Ed25519 signing keys and the files that hold them.
 *
 * A key pair lives in sodium_malloc'd memory (guarded, locked, wiped on free).
 * The key id is the first 4 bytes of BLAKE2b-256("ocopstamp key id" || pk):
 * every code names its key, so several keys can be valid at once (rotation).
 *
 * Files (text, one field a line, see docs/keys.md):
 *   NAME.key  secret; created 0600 with O_EXCL; refused at load when group or
 *             others may read it. Either plain (seed + checksum) or encrypted
 *             with a passphrase: Argon2id (crypto_pwhash) then XSalsa20-Poly1305,
 *             whose tag detects a wrong passphrase.
 *   NAME.pub  public: key id and public key, for verifiers.
 */
#ifndef STAMP_KEY_H
#define STAMP_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "code.h"
#include "error.h"

typedef struct stamp_keypair stamp_keypair;

typedef struct stamp_pubkey {
	uint8_t id[STAMP_KEYID_BYTES];
	uint8_t pk[STAMP_PK_BYTES];
} stamp_pubkey;

/* Must be called once before anything else in libstamp (calls sodium_init). */
int stamp_init(void) STAMP_WUR;

int stamp_key_generate(stamp_keypair **out) STAMP_WUR;
/* Deterministic key from a 32-byte seed: for golden tests and vectors. */
int stamp_key_from_seed(const uint8_t seed[32], stamp_keypair **out) STAMP_WUR;
void stamp_key_free(stamp_keypair *kp);

/* Valid until stamp_key_free(). */
const stamp_pubkey *stamp_key_public(const stamp_keypair *kp);

void stamp_key_id_of(const uint8_t pk[STAMP_PK_BYTES], uint8_t id[STAMP_KEYID_BYTES]);
/* 8 upper-case hex digits. */
void stamp_key_id_format(const uint8_t id[STAMP_KEYID_BYTES], char out[9]);
int stamp_key_id_parse(const char *s, uint8_t id[STAMP_KEYID_BYTES]) STAMP_WUR;

/*
 * Fill c->version, c->key_id and c->sig for c->serial. Thread-safe: many
 * threads may sign with one key pair at once.
 */
int stamp_key_sign(const stamp_keypair *kp, stamp_code *c) STAMP_WUR;

/*
 * Sign len bytes of msg (a catalog: the caller's message must carry its own
 * domain string, as codes and catalogs do, so that no signature of one kind
 * is ever valid as another).
 */
int stamp_key_sign_bytes(const stamp_keypair *kp, const uint8_t *msg, size_t len,
			 uint8_t sig[STAMP_SIG_BYTES]) STAMP_WUR;

/* pass == NULL: plain file. Fails with EEXIST rather than overwrite. */
int stamp_key_save_secret(const stamp_keypair *kp, const char *path, const char *pass,
			  size_t passlen, stamp_diag *diag) STAMP_WUR;
int stamp_key_load_secret(const char *path, const char *pass, size_t passlen, stamp_keypair **out,
			  stamp_diag *diag) STAMP_WUR;
/*
 * The first line of a passphrase file, without its line end, into pass (cap
 * bytes, NUL-terminated; wipe it after use). The file is held to a secret key
 * file's rules: a regular file, at most 4096 bytes, that group and others
 * cannot read (STAMP_EKEYPERM, the message says "chmod 600 FILE").
 * STAMP_EPASSPHRASE when the line is empty or does not fit.
 */
int stamp_key_read_passphrase(const char *path, char *pass, size_t cap, size_t *len,
			      stamp_diag *diag) STAMP_WUR;

int stamp_key_save_public(const stamp_pubkey *pub, const char *path, stamp_diag *diag) STAMP_WUR;
int stamp_key_load_public(const char *path, stamp_pubkey *out, stamp_diag *diag) STAMP_WUR;

#endif
