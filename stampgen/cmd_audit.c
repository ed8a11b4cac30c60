/*
 * cmd_audit.c - `stampgen audit list [--since DATE]` and `stampgen audit
 * verify`: the registry's hash-chained log of changes (audit.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

enum { OPT_SINCE = 256 };

static int print_entry(const stamp_audit_entry *e, void *ctx)
{
	char at[32];
	(void)ctx;
	cli_time_vn(e->time, at);
	printf("%llu\t%s\t%s%s%s%s\t%s\t%s\n", (unsigned long long)e->seq, at, e->user,
	       e->actor[0] ? " (" : "", e->actor, e->actor[0] ? ")" : "", e->what, e->result);
	return 0;
}

static int audit_list(cli *c, int argc, char **argv)
{
	static const struct option lo[] = {{"since", required_argument, NULL, OPT_SINCE},
					   {NULL, 0, NULL, 0}};
	int64_t since = 0;
	uint32_t day;
	int opt, ex, rc;

	while ((opt = cli_getopt(argc, argv, "audit list", "", lo, &ex)) != -1) {
		if (opt != OPT_SINCE)
			return ex;
		if (cli_parse_date("--since", optarg, &day))
			return EXIT_USAGE;
		/* midnight in Vietnam (UTC+7) of that day */
		since = stamp_date_to_days(day) * 86400 - 7 * 3600;
	}
	if (optind != argc)
		return cli_usage("audit list");
	stamp_store *st;
	stamp_txn *t;
	if (cli_open_store(c, STAMP_STORE_RDONLY, &st))
		return EXIT_USAGE;
	if ((rc = stamp_txn_begin(st, 0, &t)) == 0) {
		printf("seq\ttime (UTC+7)\tuser (actor)\tcommand\tchanges\n");
		rc = stamp_audit_each(t, since, print_entry, NULL);
		stamp_txn_abort(t);
	}
	stamp_store_close(st);
	if (rc)
		cli_fail(rc, NULL, c->store_dir);
	return cli_exit_code(rc);
}

int cli_audit_verify(stamp_txn *t, char *out, size_t cap, stamp_diag *d)
{
	uint8_t head[STAMP_AUDIT_HASH_BYTES];
	char hex[2 * STAMP_AUDIT_HASH_BYTES + 1];
	uint64_t n = 0, broken = 0;
	int rc = stamp_audit_verify(t, &n, head, &broken, d);
	if (rc == STAMP_ECORRUPT) {
		snprintf(out, cap, "BROKEN at entry %llu: %s", (unsigned long long)broken, d->msg);
		return rc;
	}
	if (rc)
		return rc;
	for (int i = 0; i < STAMP_AUDIT_HASH_BYTES; i++)
		snprintf(hex + 2 * i, 3, "%02x", head[i]);
	snprintf(out, cap, "INTACT: %llu entries; head %s", (unsigned long long)n,
		 n ? hex : "(none)");
	return 0;
}

static int audit_verify(cli *c, int argc, char **argv)
{
	char line[1024];
	stamp_diag d = {{0}};
	stamp_store *st;
	stamp_txn *t;
	int ex, rc;

	if (cli_operands(argc, argv, "audit verify", 0, 0, &ex) < 0)
		return ex;
	if (cli_open_store(c, STAMP_STORE_RDONLY, &st))
		return EXIT_USAGE;
	if ((rc = stamp_txn_begin(st, 0, &t)) == 0) {
		rc = cli_audit_verify(t, line, sizeof line, &d);
		stamp_txn_abort(t);
	}
	stamp_store_close(st);
	if (rc && rc != STAMP_ECORRUPT) {
		cli_fail(rc, &d, c->store_dir);
		return EXIT_USAGE;
	}
	printf("%s\n", line);
	return rc ? EXIT_FAILED : EXIT_OK;
}

int cmd_audit(cli *c, int argc, char **argv)
{
	int ex;
	const char *sub = cli_subverb(argc, argv, &ex);
	if (!sub)
		return ex;
	if (strcmp(sub, "verify") == 0)
		return audit_verify(c, argc - 1, argv + 1);
	return audit_list(c, argc - 1, argv + 1);
}
