/*
 * test_user.c - the officers' accounts (user.h): add, get and each in name
 * order, a taken name, the name and password rules, the right and a wrong
 * password (an unknown name answered as a wrong password), a disabled
 * account refused and enabled again, a new password, the stored hash is
 * Argon2id, the password is nowhere in the store's file, a store made
 * before accounts existed reads as having none, and the audit log has each
 * change without the password or its hash.
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "internal.h"
#include "stamp/user.h"

#define PASS_A "correct horse battery"
#define PASS_B "another staple 42"

static int add(fixture *f, const char *name, int role, const char *pass, stamp_diag *d)
{
	stamp_txn *t;
	assert_int_equal(stamp_txn_begin(f->st, 1, &t), 0);
	int rc = stamp_user_add(t, name, role, pass, strlen(pass), 1764633600, d);
	if (rc == 0)
		return stamp_txn_commit(t, d);
	stamp_txn_abort(t);
	return rc;
}

static int verify(fixture *f, const char *name, const char *pass, stamp_user *u, stamp_diag *d)
{
	stamp_txn *t;
	assert_int_equal(stamp_txn_begin(f->st, 0, &t), 0);
	int rc = stamp_user_verify(t, name, pass, strlen(pass), u, d);
	stamp_txn_abort(t);
	return rc;
}

static int set_disabled(fixture *f, const char *name, int disabled, stamp_diag *d)
{
	stamp_txn *t;
	assert_int_equal(stamp_txn_begin(f->st, 1, &t), 0);
	int rc = stamp_user_set_disabled(t, name, disabled, d);
	if (rc == 0)
		return stamp_txn_commit(t, d);
	stamp_txn_abort(t);
	return rc;
}

static size_t enabled(fixture *f)
{
	stamp_txn *t;
	size_t n = 99;
	assert_int_equal(stamp_txn_begin(f->st, 0, &t), 0);
	assert_int_equal(stamp_user_count_enabled(t, &n), 0);
	stamp_txn_abort(t);
	return n;
}

typedef struct names {
	char text[256];
} names;

static int keep_name(const stamp_user *u, void *ctx)
{
	names *n = ctx;
	size_t used = strlen(n->text);
	snprintf(n->text + used, sizeof n->text - used, "%s:%s%s;", u->name,
		 stamp_user_role_name(u->role), u->disabled ? ":off" : "");
	return 0;
}

static void each(fixture *f, names *n)
{
	stamp_txn *t;
	memset(n, 0, sizeof *n);
	assert_int_equal(stamp_txn_begin(f->st, 0, &t), 0);
	assert_int_equal(stamp_user_each(t, keep_name, n), 0);
	stamp_txn_abort(t);
}

static void add_get_each(void **state)
{
	fixture *f = *state;
	stamp_diag d = {{0}};
	stamp_user u;
	stamp_txn *t;
	names n;
	assert_int_equal(enabled(f), 0);
	assert_int_equal(add(f, "lan.nguyen", STAMP_ROLE_OFFICER, PASS_A, &d), 0);
	assert_int_equal(add(f, "admin", STAMP_ROLE_ADMIN, PASS_B, &d), 0);
	assert_int_equal(stamp_txn_begin(f->st, 0, &t), 0);
	assert_int_equal(stamp_user_get(t, "lan.nguyen", &u), 0);
	assert_string_equal(u.name, "lan.nguyen");
	assert_int_equal(u.role, STAMP_ROLE_OFFICER);
	assert_int_equal(u.disabled, 0);
	assert_int_equal(u.created, 1764633600);
	assert_int_equal(strncmp(u.hash, "$argon2id$", 10), 0);
	assert_null(strstr(u.hash, PASS_A));
	assert_int_equal(stamp_user_get(t, "nobody", &u), STAMP_ENOTFOUND);
	assert_int_equal(stamp_user_get(t, "", &u), STAMP_ENOTFOUND);
	stamp_txn_abort(t);
	each(f, &n);
	assert_string_equal(n.text, "admin:admin;lan.nguyen:officer;");
	assert_int_equal(enabled(f), 2);
}

static void taken_name(void **state)
{
	fixture *f = *state;
	stamp_diag d = {{0}};
	stamp_user u;
	assert_int_equal(add(f, "lan", STAMP_ROLE_OFFICER, PASS_A, &d), 0);
	assert_int_equal(add(f, "lan", STAMP_ROLE_ADMIN, PASS_B, &d), STAMP_EEXIST);
	assert_non_null(strstr(d.msg, "\"lan\" exists already"));
	/* the first account is untouched: its role, its password */
	assert_int_equal(verify(f, "lan", PASS_A, &u, &d), 0);
	assert_int_equal(u.role, STAMP_ROLE_OFFICER);
}

static void bad_names_and_passwords(void **state)
{
	fixture *f = *state;
	stamp_diag d = {{0}};
	static const char *const bad[] = {"",	   "Lan", "lan nguyen",
					  "lan/x", "lân", "a23456789012345678901234567890123",
					  "x\n"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&d, 0, sizeof d);
		assert_int_equal(add(f, bad[i], STAMP_ROLE_OFFICER, PASS_A, &d), STAMP_EINPUT);
		assert_non_null(strstr(d.msg, "user name"));
	}
	assert_int_equal(add(f, "a2345678901234567890123456789012", STAMP_ROLE_OFFICER, PASS_A, &d),
			 0); /* 32 bytes: the longest */
	assert_int_equal(add(f, "short", STAMP_ROLE_OFFICER, "123456789", &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "shorter than 10 bytes"));
	assert_int_equal(add(f, "samename10", STAMP_ROLE_OFFICER, "samename10", &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "is the user name"));
	char longp[130];
	memset(longp, 'x', 129);
	longp[129] = '\0';
	assert_int_equal(add(f, "long", STAMP_ROLE_OFFICER, longp, &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "longer than 128 bytes"));
	longp[128] = '\0';
	assert_int_equal(add(f, "long", STAMP_ROLE_OFFICER, longp, &d), 0);
	assert_int_equal(add(f, "norole", 3, PASS_A, &d), STAMP_EINPUT);
	assert_int_equal(add(f, "norole", 0, PASS_A, &d), STAMP_EINPUT);
	assert_int_equal(stamp_user_role_parse("admin"), STAMP_ROLE_ADMIN);
	assert_int_equal(stamp_user_role_parse("officer"), STAMP_ROLE_OFFICER);
	assert_int_equal(stamp_user_role_parse("Admin"), 0);
	assert_int_equal(enabled(f), 2); /* only the two good ones */
}

static void right_and_wrong_password(void **state)
{
	fixture *f = *state;
	stamp_diag d = {{0}};
	stamp_user u;
	stamp_txn *t;
	assert_int_equal(add(f, "lan", STAMP_ROLE_ADMIN, PASS_A, &d), 0);
	memset(&u, 0, sizeof u);
	assert_int_equal(verify(f, "lan", PASS_A, &u, &d), 0);
	assert_string_equal(u.name, "lan");
	assert_int_equal(u.role, STAMP_ROLE_ADMIN);
	assert_int_equal(verify(f, "lan", PASS_B, NULL, &d), STAMP_EPASSPHRASE);
	assert_int_equal(verify(f, "lan", "correct horse battery ", NULL, &d), STAMP_EPASSPHRASE);
	assert_int_equal(verify(f, "lan", "", NULL, &d), STAMP_EPASSPHRASE);
	/* an unknown name: the same answer as a wrong password */
	assert_int_equal(verify(f, "nobody", PASS_A, NULL, &d), STAMP_EPASSPHRASE);
	assert_int_equal(verify(f, "", PASS_A, NULL, &d), STAMP_EPASSPHRASE);
	/* a new password: the old one no longer works */
	assert_int_equal(stamp_txn_begin(f->st, 1, &t), 0);
	assert_int_equal(stamp_user_set_password(t, "lan", "short", 5, &d), STAMP_EINPUT);
	assert_int_equal(stamp_user_set_password(t, "nobody", PASS_B, strlen(PASS_B), &d),
			 STAMP_ENOTFOUND);
	assert_int_equal(stamp_user_set_password(t, "lan", PASS_B, strlen(PASS_B), &d), 0);
	assert_int_equal(stamp_txn_commit(t, &d), 0);
	assert_int_equal(verify(f, "lan", PASS_A, NULL, &d), STAMP_EPASSPHRASE);
	assert_int_equal(verify(f, "lan", PASS_B, NULL, &d), 0);
}

static void disabled_account(void **state)
{
	fixture *f = *state;
	stamp_diag d = {{0}};
	names n;
	assert_int_equal(add(f, "lan", STAMP_ROLE_OFFICER, PASS_A, &d), 0);
	assert_int_equal(set_disabled(f, "lan", 1, &d), 0);
	memset(&d, 0, sizeof d);
	assert_int_equal(verify(f, "lan", PASS_A, NULL, &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "disabled"));
	/* a wrong password of a disabled account says nothing about its state */
	assert_int_equal(verify(f, "lan", PASS_B, NULL, &d), STAMP_EPASSPHRASE);
	assert_int_equal(enabled(f), 0);
	each(f, &n);
	assert_string_equal(n.text, "lan:officer:off;");
	assert_int_equal(set_disabled(f, "lan", 1, &d), 0); /* already: left as it is */
	assert_int_equal(set_disabled(f, "nobody", 1, &d), STAMP_ENOTFOUND);
	assert_int_equal(set_disabled(f, "lan", 0, &d), 0);
	assert_int_equal(verify(f, "lan", PASS_A, NULL, &d), 0);
	assert_int_equal(enabled(f), 1);
}

/* The password's bytes do not occur anywhere in the store's file. */
static void password_nowhere_in_the_store(void **state)
{
	fixture *f = *state;
	stamp_diag d = {{0}};
	char path[128];
	assert_int_equal(add(f, "lan", STAMP_ROLE_OFFICER, PASS_A, &d), 0);
	assert_int_equal(add(f, "minh", STAMP_ROLE_ADMIN, PASS_B, &d), 0);
	stamp_store_close(f->st);
	f->st = NULL;
	snprintf(path, sizeof path, "%s/data.mdb", f->dir);
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	size_t cap = 64u << 20, len;
	char *data = malloc(cap);
	assert_non_null(data);
	len = fread(data, 1, cap, fp);
	fclose(fp);
	assert_true(len > 0);
	assert_null(memmem(data, len, PASS_A, strlen(PASS_A)));
	assert_null(memmem(data, len, PASS_B, strlen(PASS_B)));
	assert_non_null(memmem(data, len, "$argon2id$", 10)); /* the hashes are there */
	free(data);
	assert_int_equal(stamp_store_open(f->dir, 0, &f->st, &d), 0);
}

/* Delete the database name of the (closed) store at dir, as a store older than it is. */
static int drop_db(const char *dir, const char *name)
{
	MDB_env *env;
	MDB_txn *mt;
	MDB_dbi dbi;
	int rc = mdb_env_create(&env);
	if (rc)
		return rc;
	if (!(rc = mdb_env_set_maxdbs(env, 32)) && !(rc = mdb_env_open(env, dir, 0, 0600)) &&
	    !(rc = mdb_txn_begin(env, NULL, 0, &mt))) {
		if (!(rc = mdb_dbi_open(mt, name, 0, &dbi)) && !(rc = mdb_drop(mt, dbi, 1)))
			rc = mdb_txn_commit(mt);
		else
			mdb_txn_abort(mt);
	}
	mdb_env_close(env);
	return rc;
}

/* A store made before accounts: its users database dropped, as older stores lack it. */
static void older_store_has_no_accounts(void **state)
{
	fixture *f = *state;
	stamp_diag d = {{0}};
	stamp_user u;
	stamp_txn *t;
	names n;
	assert_int_equal(add(f, "lan", STAMP_ROLE_OFFICER, PASS_A, &d), 0);
	stamp_store_close(f->st);
	f->st = NULL;
	assert_int_equal(drop_db(f->dir, "users"), 0);

	assert_int_equal(stamp_store_open(f->dir, STAMP_STORE_RDONLY, &f->st, &d), 0);
	assert_int_equal(enabled(f), 0);
	each(f, &n);
	assert_string_equal(n.text, "");
	assert_int_equal(verify(f, "lan", PASS_A, NULL, &d), STAMP_EPASSPHRASE);
	assert_int_equal(stamp_txn_begin(f->st, 0, &t), 0);
	assert_int_equal(stamp_user_get(t, "lan", &u), STAMP_ENOTFOUND);
	stamp_txn_abort(t);
	stamp_store_close(f->st);
	/* a writable open adds the database: accounts can be added again */
	assert_int_equal(stamp_store_open(f->dir, 0, &f->st, &d), 0);
	assert_int_equal(enabled(f), 0);
	assert_int_equal(add(f, "lan", STAMP_ROLE_OFFICER, PASS_A, &d), 0);
	assert_int_equal(enabled(f), 1);
}

typedef struct audit_text {
	char text[4096];
} audit_text;

static int keep_entry(const stamp_audit_entry *e, void *ctx)
{
	audit_text *a = ctx;
	size_t used = strlen(a->text);
	snprintf(a->text + used, sizeof a->text - used, "%s|%s|%s\n", e->actor, e->what, e->result);
	return 0;
}

static void audited_without_secrets(void **state)
{
	fixture *f = *state;
	stamp_diag d = {{0}};
	stamp_user u;
	stamp_txn *t;
	audit_text a = {{0}};
	stamp_store_set_identity(f->st, "root", "minh", "user add lan");
	assert_int_equal(add(f, "lan", STAMP_ROLE_OFFICER, PASS_A, &d), 0);
	assert_int_equal(set_disabled(f, "lan", 1, &d), 0);
	assert_int_equal(set_disabled(f, "lan", 0, &d), 0);
	assert_int_equal(stamp_txn_begin(f->st, 1, &t), 0);
	assert_int_equal(stamp_user_set_password(t, "lan", PASS_B, strlen(PASS_B), &d), 0);
	assert_int_equal(stamp_txn_commit(t, &d), 0);
	assert_int_equal(stamp_txn_begin(f->st, 0, &t), 0);
	assert_int_equal(stamp_user_get(t, "lan", &u), 0);
	assert_int_equal(stamp_audit_each(t, 0, keep_entry, &a), 0);
	stamp_txn_abort(t);
	assert_non_null(strstr(a.text, "minh|user add lan|user lan added, role officer\n"));
	assert_non_null(strstr(a.text, "|user lan disabled\n"));
	assert_non_null(strstr(a.text, "|user lan enabled\n"));
	assert_non_null(strstr(a.text, "|user lan password changed\n"));
	assert_null(strstr(a.text, PASS_A));
	assert_null(strstr(a.text, PASS_B));
	assert_null(strstr(a.text, "argon2"));
	assert_null(strstr(a.text, u.hash + 30)); /* no piece of the hash either */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(add_get_each, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(taken_name, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(bad_names_and_passwords, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(right_and_wrong_password, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(disabled_account, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(password_nowhere_in_the_store, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(older_store_has_no_accounts, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(audited_without_secrets, fixture_setup,
						fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
