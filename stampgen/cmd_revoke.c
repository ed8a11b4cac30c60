/*
 * cmd_revoke.c - `stampgen revoke`, `revoke list` and `unrevoke`: withdrawing
 * stamps (a stolen roll, a recalled lot, a withdrawn certificate, a leaked
 * key) and undoing a mistake. Both acts stay on file (revocation.h).
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

enum {
	OPT_SERIAL = 256,
	OPT_SERIALS,
	OPT_BATCH,
	OPT_LOT,
	OPT_PRODUCT,
	OPT_KEY,
	OPT_FROM,
	OPT_REASON,
	OPT_NOTE,
	OPT_ACTOR,
	OPT_DRYRUN,
	OPT_CODE
};

int cli_actor(const char *given, char *out, size_t cap)
{
	const struct passwd *pw = getpwuid(geteuid());
	if (given && *given) {
		if (strlen(given) >= cap) {
			cli_err("--actor: at most %zu bytes, got %zu", cap - 1, strlen(given));
			return EXIT_FAILED;
		}
		memcpy(out, given, strlen(given) + 1);
	} else if (pw && pw->pw_name && *pw->pw_name && strlen(pw->pw_name) < cap) {
		memcpy(out, pw->pw_name, strlen(pw->pw_name) + 1);
	} else {
		snprintf(out, cap, "uid %u", (unsigned)geteuid());
	}
	return 0;
}

/* "A-B" into a range of serials. */
static int parse_range(const char *s, uint64_t *first, uint64_t *last)
{
	char head[32];
	const char *dash = strchr(s, '-');
	if (!dash || (size_t)(dash - s) >= sizeof head)
		return EINVAL;
	memcpy(head, s, (size_t)(dash - s));
	head[dash - s] = '\0';
	if (cli_parse_u64(head, 1, STAMP_SERIAL_MAX, first) ||
	    cli_parse_u64(dash + 1, 1, STAMP_SERIAL_MAX, last) || *first > *last)
		return EINVAL;
	return 0;
}

/* One line saying what r covers: "serials 10-20", "batch 3 (NM-01, lot L1)". */
void cli_revoke_describe(const stamp_revocation *r, char *out, size_t cap)
{
	char kid[9], from[11];
	switch (r->scope) {
	case STAMP_SCOPE_SERIALS:
		if (r->first == r->last)
			snprintf(out, cap, "serial %llu", (unsigned long long)r->first);
		else
			snprintf(out, cap, "serials %llu-%llu", (unsigned long long)r->first,
				 (unsigned long long)r->last);
		break;
	case STAMP_SCOPE_BATCH:
		snprintf(out, cap, "batch %u (%s, lot %s)", r->batch_id, r->product_id, r->lot);
		break;
	case STAMP_SCOPE_PRODUCT:
		snprintf(out, cap, "product %s", r->product_id);
		break;
	default:
		stamp_key_id_format(r->key_id, kid);
		stamp_date_format(r->from, from);
		snprintf(out, cap, "key %s%s%s", kid, r->from ? ", batches from " : "", from);
		break;
	}
}

int cli_revoke_target(stamp_revocation *r, int kind, const char *arg, char *err, size_t cap)
{
	uint64_t v;
	const char *colon;
	stamp_code code;

	r->scope = (uint8_t)(kind == CLI_REVOKE_LOT    ? STAMP_SCOPE_BATCH
			     : kind == CLI_REVOKE_CODE ? STAMP_SCOPE_SERIALS
						       : kind);
	switch (kind) {
	case STAMP_SCOPE_SERIALS:
		if (!strchr(arg, '-')) {
			if (cli_parse_u64(arg, 1, STAMP_SERIAL_MAX, &v))
				break;
			r->first = r->last = v;
			return 0;
		}
		if (parse_range(arg, &r->first, &r->last) == 0)
			return 0;
		snprintf(err, cap, "--serials: expected A-B with 1 <= A <= B, got \"%s\"", arg);
		return EXIT_USAGE;
	case STAMP_SCOPE_BATCH:
		if (cli_parse_u64(arg, 1, UINT32_MAX, &v))
			break;
		r->batch_id = (uint32_t)v;
		return 0;
	case STAMP_SCOPE_PRODUCT:
		if (*arg && snprintf(r->product_id, sizeof r->product_id, "%s", arg) <
				    (int)sizeof r->product_id)
			return 0;
		break;
	case STAMP_SCOPE_KEY:
		if (stamp_key_id_parse(arg, r->key_id) == 0)
			return 0;
		snprintf(err, cap, "--key: expected a key id of 8 hex digits, got \"%s\"", arg);
		return EXIT_USAGE;
	case CLI_REVOKE_CODE: /* the stamp's serial, as its code or URL says */
		if (stamp_code_parse(arg, strlen(arg), &code, NULL) == 0) {
			r->first = r->last = code.serial;
			return 0;
		}
		snprintf(err, cap, "--code: expected a stamp's code or its URL, got \"%s\"", arg);
		return EXIT_USAGE;
	default: /* a lot: PRODUCT:LOT, stored as its batch */
		colon = strchr(arg, ':');
		if (colon && colon > arg && colon[1] &&
		    (size_t)(colon - arg) < sizeof r->product_id &&
		    strlen(colon + 1) < sizeof r->lot) {
			memcpy(r->product_id, arg, (size_t)(colon - arg));
			r->product_id[colon - arg] = '\0';
			snprintf(r->lot, sizeof r->lot, "%s", colon + 1);
			return 0;
		}
		snprintf(err, cap, "--lot: expected PRODUCT:LOT, got \"%s\"", arg);
		return EXIT_USAGE;
	}
	snprintf(err, cap, "--%s: expected %s, got \"%s\"",
		 kind == STAMP_SCOPE_SERIALS ? "serial"
		 : kind == STAMP_SCOPE_BATCH ? "batch"
					     : "product",
		 kind == STAMP_SCOPE_SERIALS ? "a serial number from 1"
		 : kind == STAMP_SCOPE_BATCH ? "a batch number"
					     : "a product id",
		 arg);
	return EXIT_USAGE;
}

static int revoke_list(cli *c, int argc, char **argv);

int cmd_revoke(cli *c, int argc, char **argv)
{
	static const struct option lo[] = {{"serial", required_argument, NULL, OPT_SERIAL},
					   {"serials", required_argument, NULL, OPT_SERIALS},
					   {"batch", required_argument, NULL, OPT_BATCH},
					   {"lot", required_argument, NULL, OPT_LOT},
					   {"product", required_argument, NULL, OPT_PRODUCT},
					   {"key", required_argument, NULL, OPT_KEY},
					   {"from", required_argument, NULL, OPT_FROM},
					   {"reason", required_argument, NULL, OPT_REASON},
					   {"note", required_argument, NULL, OPT_NOTE},
					   {"actor", required_argument, NULL, OPT_ACTOR},
					   {"dry-run", no_argument, NULL, OPT_DRYRUN},
					   {"code", required_argument, NULL, OPT_CODE},
					   {NULL, 0, NULL, 0}};
	stamp_revocation rv;
	int given = 0;
	char err[256];
	const char *reason = NULL, *actor = NULL, *note = "";
	int opt, ex, dry = 0, from_given = 0, rc;
	const char *sub = cli_subverb(argc, argv, &ex);
	stamp_diag d = {{0}};

	memset(&rv, 0, sizeof rv);
	if (!sub)
		return ex;
	if (*sub)
		return revoke_list(c, argc - 1, argv + 1);
	while ((opt = cli_getopt(argc, argv, "revoke", "", lo, &ex)) != -1) {
		int kind = opt == OPT_SERIAL || opt == OPT_SERIALS ? STAMP_SCOPE_SERIALS
			   : opt == OPT_BATCH			   ? STAMP_SCOPE_BATCH
			   : opt == OPT_PRODUCT			   ? STAMP_SCOPE_PRODUCT
			   : opt == OPT_KEY			   ? STAMP_SCOPE_KEY
			   : opt == OPT_LOT			   ? CLI_REVOKE_LOT
			   : opt == OPT_CODE			   ? CLI_REVOKE_CODE
								   : -1;
		if (kind >= 0) {
			given++;
			if ((ex = cli_revoke_target(&rv, kind, optarg, err, sizeof err))) {
				cli_err("%s", err);
				return ex;
			}
			continue;
		}
		switch (opt) {
		case OPT_FROM:
			if (cli_parse_date("--from", optarg, &rv.from))
				return EXIT_USAGE;
			from_given = 1;
			break;
		case OPT_REASON:
			reason = optarg;
			break;
		case OPT_NOTE:
			note = optarg;
			break;
		case OPT_ACTOR:
			actor = optarg;
			break;
		case OPT_DRYRUN:
			dry = 1;
			break;
		default:
			return ex;
		}
	}
	if (given != 1 || optind < argc) {
		cli_err("give exactly one of --serial, --serials, --code, --batch, --lot, "
			"--product, "
			"--key");
		return cli_usage("revoke");
	}
	if (!reason) {
		cli_err("--reason is required: one of %s", stamp_reason_list());
		return cli_usage("revoke");
	}
	if (from_given && rv.scope != STAMP_SCOPE_KEY) {
		cli_err("--from goes with --key only");
		return cli_usage("revoke");
	}
	if ((rc = stamp_reason_parse(reason, &rv.reason, &d))) {
		cli_fail(rc, &d, "--reason");
		return EXIT_USAGE;
	}
	/* trimmed and NFC first: the limit is on the text that is kept */
	if ((rc = stamp_text_clean(note, rv.note, STAMP_NOTE_MAX, "--note", &d))) {
		cli_fail(rc, &d, "--note");
		return EXIT_FAILED;
	}
	if (actor)
		c->actor = actor; /* the audit entry names the same actor */
	if ((ex = cli_actor(c->actor, rv.actor, sizeof rv.actor)))
		return ex;
	rv.since = time(NULL);

	stamp_store *st;
	stamp_txn *t;
	uint64_t n = 0;
	char what[256];
	if (cli_open_store(c, dry ? STAMP_STORE_RDONLY : 0, &st))
		return EXIT_USAGE;
	if ((rc = stamp_txn_begin(st, !dry, &t)) == 0) {
		rc = stamp_revocation_count(t, &rv, &n, &d);
		if (rc == 0 && !dry)
			rc = stamp_revocation_add(t, &rv, &d);
		if (rc == 0 && !dry) {
			rc = stamp_txn_commit(t, &d);
			t = NULL;
		}
		stamp_txn_abort(t);
	}
	stamp_store_close(st);
	if (rc) {
		cli_fail(rc, &d, "revoke");
		return cli_exit_code(rc);
	}
	cli_revoke_describe(&rv, what, sizeof what);
	if (dry)
		printf("would revoke %s: %llu issued stamp%s (reason %s); nothing was written\n",
		       what, (unsigned long long)n, n == 1 ? "" : "s", reason);
	else
		printf("revocation %u: %s, %llu issued stamp%s, reason %s%s%s\n", rv.id, what,
		       (unsigned long long)n, n == 1 ? "" : "s", reason, rv.note[0] ? ": " : "",
		       rv.note);
	return EXIT_OK;
}

static int print_revocation(const stamp_revocation *r, void *ctx)
{
	char what[256], since[11], undone[11];
	(void)ctx;
	cli_revoke_describe(r, what, sizeof what);
	stamp_date_format(stamp_date_from_unix(r->since), since);
	stamp_date_format(r->undone ? stamp_date_from_unix(r->undone) : 0, undone);
	printf("%u\t%s\t%s\t%s\t%s\t%s\t%s\n", r->id, r->undone ? "undone" : "in force", what,
	       stamp_reason_name(r->reason), since, r->actor, r->note);
	if (r->undone)
		printf("\t(undone on %s by %s)\n", undone, r->undone_by);
	return 0;
}

static int revoke_list(cli *c, int argc, char **argv)
{
	stamp_store *st;
	stamp_txn *t;
	int ex, rc;
	if (cli_operands(argc, argv, "revoke list", 0, 0, &ex) < 0)
		return ex;
	if (cli_open_store(c, STAMP_STORE_RDONLY, &st))
		return EXIT_USAGE;
	if ((rc = stamp_txn_begin(st, 0, &t)) == 0) {
		printf("id\tstate\tcovers\treason\tsince\tby\tnote\n");
		rc = stamp_revocation_each(t, print_revocation, NULL);
		stamp_txn_abort(t);
	}
	stamp_store_close(st);
	if (rc)
		cli_fail(rc, NULL, c->store_dir);
	return cli_exit_code(rc);
}

int cmd_unrevoke(cli *c, int argc, char **argv)
{
	static const struct option lo[] = {{"actor", required_argument, NULL, OPT_ACTOR},
					   {NULL, 0, NULL, 0}};
	const char *actor = NULL;
	char who[STAMP_SHORT_MAX + 1];
	stamp_diag d = {{0}};
	uint64_t id;
	int opt, ex, rc;

	while ((opt = cli_getopt(argc, argv, "unrevoke", "", lo, &ex)) != -1) {
		if (opt != OPT_ACTOR)
			return ex;
		actor = optarg;
	}
	if (optind != argc - 1)
		return cli_usage("unrevoke");
	if (cli_parse_u64(argv[optind], 1, UINT32_MAX, &id)) {
		cli_err("unrevoke: expected a revocation number, got \"%s\"", argv[optind]);
		return EXIT_USAGE;
	}
	if (actor)
		c->actor = actor;
	if ((ex = cli_actor(c->actor, who, sizeof who)))
		return ex;

	stamp_store *st;
	stamp_txn *t;
	if (cli_open_store(c, 0, &st))
		return EXIT_USAGE;
	if ((rc = stamp_txn_begin(st, 1, &t)) == 0) {
		if ((rc = stamp_revocation_undo(t, (uint32_t)id, time(NULL), who, &d)) == 0) {
			rc = stamp_txn_commit(t, &d);
			t = NULL;
		}
		stamp_txn_abort(t);
	}
	stamp_store_close(st);
	if (rc) {
		cli_fail(rc, &d, "unrevoke");
		return cli_exit_code(rc);
	}
	printf("revocation %llu is undone; its stamps verify as before\n", (unsigned long long)id);
	return EXIT_OK;
}
