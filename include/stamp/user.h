/*
 * user.h - the officers' accounts of `stampgen console`, kept in the store.
 *
 *   users  name (text) -> account record (version, role, disabled, created,
 *                         the Argon2id hash string)
 *
 * An account is a name (1 to 32 of a-z 0-9 . _ -), a role (officer or
 * admin), a disabled flag and the password's Argon2id hash in libsodium's
 * string form (crypto_pwhash_str, interactive limits: the salt and the
 * parameters are inside it). The password itself is never stored nor
 * logged: each change has its audit entry ("user NAME added, role admin"),
 * which names neither the password nor its hash.
 *
 * Accounts are disabled, never deleted, so the audit log's actors stay
 * names of known accounts. A store made before accounts existed has no
 * users database: opened read-only it reads as having no accounts, and a
 * writable open adds the empty database.
 */
#ifndef STAMP_USER_H
#define STAMP_USER_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

#define STAMP_USER_NAME_MAX 32
#define STAMP_USER_PASS_MIN 10
#define STAMP_USER_PASS_MAX 128
#define STAMP_USER_HASH_MAX 127 /* crypto_pwhash_STRBYTES - 1 */

/* The same values as the console's session roles. */
enum { STAMP_ROLE_OFFICER = 1, STAMP_ROLE_ADMIN = 2 };

typedef struct stamp_user {
	char name[STAMP_USER_NAME_MAX + 1];
	int role;			    /* STAMP_ROLE_* */
	int disabled;			    /* may not sign in */
	int64_t created;		    /* Unix time */
	char hash[STAMP_USER_HASH_MAX + 1]; /* "$argon2id$..." */
} stamp_user;

/* "officer" or "admin" (NULL for another value); the role of a name, 0 for none. */
const char *stamp_user_role_name(int role);
int stamp_user_role_parse(const char *name);

/*
 * The rules of a name, and of a password for that name (10 to 128 bytes, not
 * the name itself): 0, or STAMP_EINPUT with a sentence in diag.
 */
int stamp_user_check_name(const char *name, stamp_diag *diag) STAMP_WUR;
int stamp_user_check_password(const char *name, const char *pass, size_t len,
			      stamp_diag *diag) STAMP_WUR;

/*
 * Add an enabled account (write transaction) with the hash of pass (len
 * bytes, need not be NUL-terminated), created at now. STAMP_EINPUT for a bad
 * name, role or password, STAMP_EEXIST when the name is taken (checked before
 * the slow hash), EROFS when the store is read-only.
 */
int stamp_user_add(stamp_txn *t, const char *name, int role, const char *pass, size_t len,
		   int64_t now, stamp_diag *diag) STAMP_WUR;
/* The account of name; STAMP_ENOTFOUND when there is none. */
int stamp_user_get(stamp_txn *t, const char *name, stamp_user *out) STAMP_WUR;
/* Every account in name order; cb returns non-zero to stop (that value is returned). */
typedef int (*stamp_user_cb)(const stamp_user *u, void *ctx);
int stamp_user_each(stamp_txn *t, stamp_user_cb cb, void *ctx) STAMP_WUR;
/* How many accounts may sign in. */
int stamp_user_count_enabled(stamp_txn *t, size_t *n) STAMP_WUR;

/*
 * Disable (disabled = 1) or enable an account; one already so is left as it
 * is (0, no audit entry). STAMP_ENOTFOUND with diag when there is none.
 */
int stamp_user_set_disabled(stamp_txn *t, const char *name, int disabled,
			    stamp_diag *diag) STAMP_WUR;
/* A new password (the rules of stamp_user_check_password). */
int stamp_user_set_password(stamp_txn *t, const char *name, const char *pass, size_t len,
			    stamp_diag *diag) STAMP_WUR;

/*
 * Whether pass is name's password: 0 for an enabled account and its
 * password (*out, may be NULL, is the account); STAMP_EPASSPHRASE for an
 * unknown name or a wrong password alike (an unknown name is checked against
 * a dummy hash, so the time taken does not tell names apart); STAMP_EINPUT
 * with diag for a disabled account given its right password.
 */
int stamp_user_verify(stamp_txn *t, const char *name, const char *pass, size_t len, stamp_user *out,
		      stamp_diag *diag) STAMP_WUR;

#endif
