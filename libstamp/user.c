/*
 * user.c - the officers' accounts (user.h).
 *
 *   users  name (text) -> version 1, role (u8), disabled (u8), created
 *                         (i64 BE), hash (u16 BE length + bytes)
 *
 * The hash is libsodium's Argon2id string at the interactive limits (64 MB,
 * 2 passes): slow enough that a stolen store does not give up passwords to
 * a quick guess, fast enough for a sign-in. An unknown name is checked
 * against a dummy hash of the same parameters, made once, so a sign-in
 * takes as long for a name that does not exist.
 */
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "record.h"
#include "stamp/user.h"

#define USER_REC_VERSION 1
#define ARGON2ID_PREFIX "$argon2id$"
#define USER_REC_MAX (1 + 1 + 1 + 8 + 2 + STAMP_USER_HASH_MAX)

_Static_assert(STAMP_USER_HASH_MAX + 1 == crypto_pwhash_STRBYTES, "the hash string's size");
_Static_assert(STAMP_ROLE_OFFICER == 1 && STAMP_ROLE_ADMIN == 2, "the console's roles");

static MDB_val val_of(const void *p, size_t n)
{
	return (MDB_val){.mv_size = n, .mv_data = (void *)p};
}

const char *stamp_user_role_name(int role)
{
	return role == STAMP_ROLE_OFFICER ? "officer" : role == STAMP_ROLE_ADMIN ? "admin" : NULL;
}

int stamp_user_role_parse(const char *name)
{
	if (name && strcmp(name, "officer") == 0)
		return STAMP_ROLE_OFFICER;
	if (name && strcmp(name, "admin") == 0)
		return STAMP_ROLE_ADMIN;
	return 0;
}

int stamp_user_check_name(const char *name, stamp_diag *diag)
{
	size_t n = strnlen(name, STAMP_USER_NAME_MAX + 1);
	if (n == 0)
		return stamp_diag_set(diag, STAMP_EINPUT, "the user name is empty");
	if (n > STAMP_USER_NAME_MAX)
		return stamp_diag_set(diag, STAMP_EINPUT, "the user name is longer than %d bytes",
				      STAMP_USER_NAME_MAX);
	for (size_t i = 0; i < n; i++) {
		char ch = name[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' ||
		      ch == '_' || ch == '-'))
			return stamp_diag_set(diag, STAMP_EINPUT,
					      "the user name may hold only a-z, 0-9, '.', '_' "
					      "and '-' (lower case)");
	}
	return 0;
}

int stamp_user_check_password(const char *name, const char *pass, size_t len, stamp_diag *diag)
{
	if (len < STAMP_USER_PASS_MIN)
		return stamp_diag_set(diag, STAMP_EINPUT, "the password is shorter than %d bytes",
				      STAMP_USER_PASS_MIN);
	if (len > STAMP_USER_PASS_MAX)
		return stamp_diag_set(diag, STAMP_EINPUT, "the password is longer than %d bytes",
				      STAMP_USER_PASS_MAX);
	if (memchr(pass, '\0', len))
		return stamp_diag_set(diag, STAMP_EINPUT, "the password holds a NUL byte");
	if (name && strlen(name) == len && memcmp(name, pass, len) == 0)
		return stamp_diag_set(diag, STAMP_EINPUT, "the password is the user name");
	return 0;
}

static size_t rec_user(const stamp_user *u, uint8_t buf[USER_REC_MAX])
{
	size_t hl = strlen(u->hash), n = 0;
	buf[n++] = USER_REC_VERSION;
	buf[n++] = (uint8_t)u->role;
	buf[n++] = u->disabled ? 1 : 0;
	stamp_be_put(buf + n, (uint64_t)u->created, 8);
	n += 8;
	stamp_be_put(buf + n, hl, 2);
	n += 2;
	memcpy(buf + n, u->hash, hl);
	return n + hl;
}

int stamp_unrec_user(const MDB_val *k, const MDB_val *v, stamp_user *out)
{
	stamp_rbuf r = {.p = v->mv_data, .len = v->mv_size};
	memset(out, 0, sizeof *out);
	if (k->mv_size == 0 || k->mv_size > STAMP_USER_NAME_MAX ||
	    stamp_rbuf_int(&r, 1) != USER_REC_VERSION)
		return STAMP_ECORRUPT;
	memcpy(out->name, k->mv_data, k->mv_size);
	out->role = (int)stamp_rbuf_int(&r, 1);
	uint64_t disabled = stamp_rbuf_int(&r, 1);
	out->created = (int64_t)stamp_rbuf_int(&r, 8);
	size_t hl = (size_t)stamp_rbuf_int(&r, 2);
	const uint8_t *h = hl <= STAMP_USER_HASH_MAX ? stamp_rbuf_take(&r, hl) : NULL;
	if (r.bad || !h || r.off != r.len || disabled > 1 || !stamp_user_role_name(out->role))
		return STAMP_ECORRUPT;
	out->disabled = (int)disabled;
	memcpy(out->hash, h, hl);
	if (strncmp(out->hash, ARGON2ID_PREFIX, strlen(ARGON2ID_PREFIX)) != 0)
		return STAMP_ECORRUPT;
	return 0;
}

/* The users database; STAMP_ENOTFOUND for an older store opened read-only. */
static int open_db(stamp_txn *t, MDB_txn **txn, MDB_dbi *dbi)
{
	return stamp_store_db(t, "users", txn, dbi);
}

int stamp_user_get(stamp_txn *t, const char *name, stamp_user *out)
{
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val v;
	size_t n = strnlen(name, STAMP_USER_NAME_MAX + 1);
	int rc;
	if (n == 0 || n > STAMP_USER_NAME_MAX || (rc = open_db(t, &txn, &dbi)) == STAMP_ENOTFOUND)
		return STAMP_ENOTFOUND;
	if (rc)
		return rc;
	MDB_val k = val_of(name, n);
	if ((rc = mdb_get(txn, dbi, &k, &v)) == MDB_NOTFOUND)
		return STAMP_ENOTFOUND;
	return rc ? rc : stamp_unrec_user(&k, &v, out);
}

static int put_user(stamp_txn *t, const stamp_user *u)
{
	uint8_t rec[USER_REC_MAX];
	MDB_txn *txn;
	MDB_dbi dbi;
	int rc = open_db(t, &txn, &dbi);
	if (rc)
		return rc == STAMP_ENOTFOUND ? EROFS : rc;
	MDB_val k = val_of(u->name, strlen(u->name)), v = val_of(rec, rec_user(u, rec));
	rc = mdb_put(txn, dbi, &k, &v, 0);
	sodium_memzero(rec, sizeof rec);
	return rc;
}

/* The Argon2id string of pass into out; ENOMEM when the memory limit cannot be had. */
static int hash_password(const char *pass, size_t len, char out[STAMP_USER_HASH_MAX + 1])
{
	if (crypto_pwhash_str_alg(out, pass, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
				  crypto_pwhash_MEMLIMIT_INTERACTIVE,
				  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return ENOMEM;
	if (strncmp(out, ARGON2ID_PREFIX, strlen(ARGON2ID_PREFIX)) != 0)
		return EINVAL; /* a libsodium that hashes otherwise: refuse, not store it */
	return 0;
}

int stamp_user_add(stamp_txn *t, const char *name, int role, const char *pass, size_t len,
		   int64_t now, stamp_diag *diag)
{
	stamp_user u;
	int rc;
	if ((rc = stamp_user_check_name(name, diag)))
		return rc;
	if (!stamp_user_role_name(role))
		return stamp_diag_set(diag, STAMP_EINPUT, "the role is officer or admin");
	if ((rc = stamp_user_check_password(name, pass, len, diag)))
		return rc;
	if ((rc = stamp_user_get(t, name, &u)) == 0)
		return stamp_diag_set(diag, STAMP_EEXIST, "user \"%s\" exists already", name);
	if (rc != STAMP_ENOTFOUND)
		return rc;
	memset(&u, 0, sizeof u);
	memcpy(u.name, name, strlen(name));
	u.role = role;
	u.created = now;
	if ((rc = hash_password(pass, len, u.hash)))
		return stamp_diag_set(diag, rc, "cannot hash the password: %s", stamp_strerror(rc));
	if ((rc = put_user(t, &u)) == 0)
		stamp_txn_change(t, "user %s added, role %s", name, stamp_user_role_name(role));
	sodium_memzero(&u, sizeof u);
	return rc;
}

int stamp_user_each(stamp_txn *t, stamp_user_cb cb, void *ctx)
{
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_cursor *cur;
	MDB_val k, v;
	stamp_user u;
	int rc = open_db(t, &txn, &dbi);
	if (rc == STAMP_ENOTFOUND)
		return 0; /* an older store opened read-only: no accounts */
	if (rc || (rc = mdb_cursor_open(txn, dbi, &cur)))
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if ((rc = stamp_unrec_user(&k, &v, &u)) || (rc = cb(&u, ctx)))
			break;
	mdb_cursor_close(cur);
	sodium_memzero(&u, sizeof u);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int count_one(const stamp_user *u, void *ctx)
{
	if (!u->disabled)
		++*(size_t *)ctx;
	return 0;
}

int stamp_user_count_enabled(stamp_txn *t, size_t *n)
{
	*n = 0;
	return stamp_user_each(t, count_one, n);
}

static int get_named(stamp_txn *t, const char *name, stamp_user *u, stamp_diag *diag)
{
	int rc = stamp_user_get(t, name, u);
	if (rc == STAMP_ENOTFOUND)
		return stamp_diag_set(diag, rc, "no user \"%s\"", name);
	return rc;
}

int stamp_user_set_disabled(stamp_txn *t, const char *name, int disabled, stamp_diag *diag)
{
	stamp_user u;
	int rc = get_named(t, name, &u, diag);
	if (rc || !u.disabled == !disabled)
		return rc;
	u.disabled = disabled ? 1 : 0;
	if ((rc = put_user(t, &u)) == 0)
		stamp_txn_change(t, "user %s %s", name, disabled ? "disabled" : "enabled");
	return rc;
}

int stamp_user_set_password(stamp_txn *t, const char *name, const char *pass, size_t len,
			    stamp_diag *diag)
{
	stamp_user u;
	int rc;
	if ((rc = stamp_user_check_password(name, pass, len, diag)) ||
	    (rc = get_named(t, name, &u, diag)))
		return rc;
	if ((rc = hash_password(pass, len, u.hash)))
		return stamp_diag_set(diag, rc, "cannot hash the password: %s", stamp_strerror(rc));
	if ((rc = put_user(t, &u)) == 0)
		stamp_txn_change(t, "user %s password changed", name);
	sodium_memzero(&u, sizeof u);
	return rc;
}

static char dummy_hash[STAMP_USER_HASH_MAX + 1];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
	char pass[32];
	randombytes_buf(pass, sizeof pass);
	if (hash_password(pass, sizeof pass, dummy_hash) != 0)
		dummy_hash[0] = '\0';
	sodium_memzero(pass, sizeof pass);
}

int stamp_user_verify(stamp_txn *t, const char *name, const char *pass, size_t len, stamp_user *out,
		      stamp_diag *diag)
{
	stamp_user u;
	int rc = stamp_user_get(t, name, &u);
	if (rc && rc != STAMP_ENOTFOUND)
		return rc;
	if (rc == STAMP_ENOTFOUND) {
		pthread_once(&dummy_once, make_dummy);
		memcpy(u.hash, dummy_hash, sizeof u.hash);
	}
	int right = len <= STAMP_USER_PASS_MAX && u.hash[0] &&
		    crypto_pwhash_str_verify(u.hash, pass, len) == 0;
	if (rc == STAMP_ENOTFOUND || !right) {
		sodium_memzero(&u, sizeof u);
		return STAMP_EPASSPHRASE;
	}
	if (u.disabled) {
		sodium_memzero(&u, sizeof u);
		return stamp_diag_set(diag, STAMP_EINPUT, "user \"%s\" is disabled", name);
	}
	if (out)
		*out = u;
	sodium_memzero(&u, sizeof u);
	return 0;
}
