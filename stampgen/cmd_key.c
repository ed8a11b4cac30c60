/*
 * cmd_key.c - `stampgen keygen` and `stampgen key add|list|retire`.
 *
 * keygen registers the new public key in the store in the same step, so an
 * officer cannot issue with a key that verifiers do not know. The store is
 * written only after both key files exist.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

enum { OPT_LABEL = 256, OPT_PASSFILE, OPT_NOREG, OPT_FROM, OPT_UNTIL, OPT_ON };

/* Put k into the store in its own transaction. */
static int register_key(const cli *c, const stamp_keyrec *k)
{
	stamp_diag d = {{0}};
	stamp_store *st;
	stamp_txn *t;
	char id[9];
	int rc = cli_open_store(c, STAMP_STORE_CREATE, &st);
	if (rc)
		return EXIT_USAGE;
	stamp_key_id_format(k->id, id);
	if ((rc = stamp_txn_begin(st, 1, &t)) == 0) {
		rc = stamp_store_put_key(t, k, 0);
		rc = rc ? (stamp_txn_abort(t), rc) : stamp_txn_commit(t, &d);
	}
	stamp_store_close(st);
	if (rc == STAMP_EEXIST)
		cli_err("key %s is already registered in %s", id, c->store_dir);
	else if (rc && d.msg[0])
		cli_fail(rc, &d, c->store_dir);
	else if (rc)
		cli_err("%s: cannot register key %s: %s", c->store_dir, id, stamp_strerror(rc));
	return cli_exit_code(rc);
}

static int set_label(stamp_keyrec *k, const char *label)
{
	stamp_diag d = {{0}};
	int rc = stamp_text_clean(label, k->label, STAMP_SHORT_MAX, "--label", &d);
	if (rc)
		cli_fail(rc, &d, "--label");
	return rc;
}

int cmd_keygen(cli *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{"out", required_argument, NULL, 'o'},
		{"label", required_argument, NULL, OPT_LABEL},
		{"passphrase-file", required_argument, NULL, OPT_PASSFILE},
		{"no-register", no_argument, NULL, OPT_NOREG},
		{NULL, 0, NULL, 0}};
	const char *prefix = NULL, *passfile = NULL, *label = "";
	char keypath[PATH_MAX], pubpath[PATH_MAX], id[9];
	int opt, noreg = 0, rc, ex = EXIT_USAGE;
	stamp_keypair *kp = NULL;
	stamp_keyrec k = {0};
	stamp_diag d = {{0}};
	char *pass = NULL;
	size_t passlen;

	while ((opt = cli_getopt(argc, argv, "keygen", "o:", lo, &ex)) != -1) {
		switch (opt) {
		case 'o':
			prefix = optarg;
			break;
		case OPT_LABEL:
			label = optarg;
			break;
		case OPT_PASSFILE:
			passfile = optarg;
			break;
		case OPT_NOREG:
			noreg = 1;
			break;
		default:
			return ex;
		}
	}
	if (!prefix || optind != argc)
		return cli_usage("keygen");
	if (snprintf(keypath, sizeof keypath, "%s.key", prefix) >= (int)sizeof keypath ||
	    snprintf(pubpath, sizeof pubpath, "%s.pub", prefix) >= (int)sizeof pubpath) {
		cli_err("%s: path too long", prefix);
		return EXIT_USAGE;
	}
	if (access(keypath, F_OK) == 0 || access(pubpath, F_OK) == 0) {
		cli_err("%s or %s already exists: keys are never overwritten", keypath, pubpath);
		return EXIT_FAILED;
	}
	if (set_label(&k, label) || cli_passphrase(passfile, &pass, &passlen))
		return EXIT_USAGE;
	if ((rc = stamp_key_generate(&kp))) {
		cli_fail(rc, NULL, "keygen");
		goto leave;
	}
	if ((rc = stamp_key_save_secret(kp, keypath, pass, passlen, &d))) {
		cli_fail(rc, &d, keypath);
		goto leave; /* not created, or removed again by libstamp */
	}
	if ((rc = stamp_key_save_public(stamp_key_public(kp), pubpath, &d))) {
		cli_fail(rc, &d, pubpath);
		unlink(keypath); /* created just now: no secret without its public half */
		goto leave;
	}
	memcpy(k.id, stamp_key_public(kp)->id, STAMP_KEYID_BYTES);
	memcpy(k.pk, stamp_key_public(kp)->pk, STAMP_PK_BYTES);
	stamp_key_id_format(k.id, id);
	ex = noreg ? EXIT_OK : register_key(c, &k);
	if (ex == EXIT_OK && !c->quiet) {
		printf("key %s: secret %s (%s), public %s%s\n", id, keypath,
		       pass ? "passphrase-protected" : "NOT encrypted: keep it offline", pubpath,
		       noreg ? "" : ", registered in the store");
	}
leave:
	stamp_key_free(kp);
	cli_passphrase_free(pass);
	return ex;
}

static int key_add(cli *c, int argc, char **argv)
{
	static const struct option lo[] = {{"label", required_argument, NULL, OPT_LABEL},
					   {"valid-from", required_argument, NULL, OPT_FROM},
					   {"valid-until", required_argument, NULL, OPT_UNTIL},
					   {NULL, 0, NULL, 0}};
	stamp_keyrec k = {0};
	stamp_pubkey pub;
	stamp_diag d = {{0}};
	int opt, rc, ex;

	while ((opt = cli_getopt(argc, argv, "key add", "", lo, &ex)) != -1) {
		switch (opt) {
		case OPT_LABEL:
			if (set_label(&k, optarg))
				return EXIT_USAGE;
			break;
		case OPT_FROM:
			if (cli_parse_date("--valid-from", optarg, &k.valid_from))
				return EXIT_USAGE;
			break;
		case OPT_UNTIL:
			if (cli_parse_date("--valid-until", optarg, &k.valid_until))
				return EXIT_USAGE;
			break;
		default:
			return ex;
		}
	}
	if (optind + 1 != argc)
		return cli_usage("key add");
	if ((rc = stamp_key_load_public(argv[optind], &pub, &d))) {
		cli_fail(rc, &d, argv[optind]);
		return cli_exit_code(rc) == EXIT_FAILED ? EXIT_FAILED : EXIT_USAGE;
	}
	memcpy(k.id, pub.id, STAMP_KEYID_BYTES);
	memcpy(k.pk, pub.pk, STAMP_PK_BYTES);
	return register_key(c, &k);
}

static int print_key(const stamp_keyrec *k, void *ctx)
{
	char id[9], from[11], until[11], hex[2 * STAMP_PK_BYTES + 1];
	(void)ctx;
	stamp_key_id_format(k->id, id);
	stamp_date_format(k->valid_from, from);
	stamp_date_format(k->valid_until, until);
	sodium_bin2hex(hex, sizeof hex, k->pk, STAMP_PK_BYTES);
	printf("%s\t%s\t%s\t%s\t%s\n", id, from[0] ? from : "-", until[0] ? until : "-", hex,
	       k->label);
	return 0;
}

static int key_list(cli *c, int argc, char **argv)
{
	stamp_store *st;
	stamp_txn *t;
	int rc, ex;
	if (cli_operands(argc, argv, "key list", 0, 0, &ex) < 0)
		return ex;
	if (cli_open_store(c, STAMP_STORE_RDONLY, &st))
		return EXIT_USAGE;
	if ((rc = stamp_txn_begin(st, 0, &t)) == 0) {
		printf("id\tvalid_from\tvalid_until\tpublic_key\tlabel\n");
		rc = stamp_store_each_key(t, print_key, NULL);
		stamp_txn_abort(t);
	}
	stamp_store_close(st);
	if (rc)
		cli_fail(rc, NULL, c->store_dir);
	return rc ? EXIT_USAGE : EXIT_OK;
}

/* Stop a key from signing after a date (rotation); its stamps stay genuine. */
static int key_retire(cli *c, int argc, char **argv)
{
	static const struct option lo[] = {{"on", required_argument, NULL, OPT_ON},
					   {NULL, 0, NULL, 0}};
	uint32_t on = stamp_date_from_unix(time(NULL));
	uint8_t id[STAMP_KEYID_BYTES];
	stamp_store *st;
	stamp_txn *t;
	stamp_diag d = {{0}};
	int opt, rc, ex = EXIT_USAGE;

	while ((opt = cli_getopt(argc, argv, "key retire", "", lo, &ex)) != -1) {
		if (opt != OPT_ON)
			return ex;
		if (cli_parse_date("--on", optarg, &on))
			return EXIT_USAGE;
	}
	if (optind + 1 != argc)
		return cli_usage("key retire");
	if (stamp_key_id_parse(argv[optind], id) != 0) {
		cli_err("key retire: expected KEYID as 8 hex digits, got \"%s\"", argv[optind]);
		return EXIT_USAGE;
	}
	if (cli_open_store(c, 0, &st))
		return EXIT_USAGE;
	if ((rc = stamp_txn_begin(st, 1, &t)) == 0) {
		rc = stamp_store_retire_key(t, id, on, &d);
		rc = rc ? (stamp_txn_abort(t), rc) : stamp_txn_commit(t, &d);
	}
	stamp_store_close(st);
	if (rc)
		cli_fail(rc, &d, c->store_dir);
	return cli_exit_code(rc);
}

int cmd_key(cli *c, int argc, char **argv)
{
	int ex;
	const char *sub = cli_subverb(argc, argv, &ex);
	if (!sub)
		return ex;
	if (strcmp(sub, "add") == 0)
		return key_add(c, argc - 1, argv + 1);
	if (strcmp(sub, "list") == 0)
		return key_list(c, argc - 1, argv + 1);
	return key_retire(c, argc - 1, argv + 1);
}
