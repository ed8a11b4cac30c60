/*
 * cmd_check.c - `stampgen check [--threads N]`: the whole store walked and
 * cross-checked (check.h), one line per problem, then a summary. Exit 0
 * when clean, 1 when problems were found (a damaged data file included,
 * listed page by page), 2 when the store cannot be opened at all.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

enum { OPT_THREADS = 256 };
#define SHOWN_MAX 1000 /* lines of problems; the count is exact beyond */

typedef struct shown {
	uint64_t n;
} shown;

static void print_problem(const char *db, const char *key, const char *what, void *ctx)
{
	shown *s = ctx;
	if (s->n++ < SHOWN_MAX)
		printf("%s%s%s: %s\n", db, key[0] ? " " : "", key, what);
	else if (s->n == SHOWN_MAX + 1)
		printf("(more problems: only the count is given below)\n");
}

/* A store that does not open because its data file is damaged: the file's problems. */
static int check_file(const cli *c, const stamp_diag *open_diag)
{
	stamp_diag d = {{0}};
	shown s = {0};
	uint64_t n = 0;
	int rc = stamp_store_check_file(c->store_dir, print_problem, &s, &n, &d);
	if (rc != STAMP_EBADSTORE || n == 0) {
		cli_err("%s", open_diag->msg);
		return EXIT_USAGE;
	}
	printf("checked: the data file only (%s/data.mdb does not open); %llu problem%s\n",
	       c->store_dir, (unsigned long long)n, n == 1 ? "" : "s");
	cli_err("%s", open_diag->msg);
	return EXIT_FAILED;
}

int cmd_check(cli *c, int argc, char **argv)
{
	static const struct option lo[] = {{"threads", required_argument, NULL, OPT_THREADS},
					   {NULL, 0, NULL, 0}};
	stamp_check_counts n;
	stamp_diag d = {{0}};
	stamp_store *st;
	uint64_t threads = 0;
	shown s = {0};
	int opt, ex, rc;

	while ((opt = cli_getopt(argc, argv, "check", "", lo, &ex)) != -1) {
		if (opt != OPT_THREADS)
			return ex;
		if (cli_parse_u64(optarg, 1, 64, &threads)) {
			cli_err("--threads: expected 1 to 64, got \"%s\"", optarg);
			return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return cli_usage("check");
	rc = stamp_store_open(c->store_dir, STAMP_STORE_RDONLY, &st, &d);
	if (rc == STAMP_EBADSTORE)
		return check_file(c, &d);
	if (rc) {
		cli_fail(rc, &d, c->store_dir);
		return EXIT_USAGE;
	}
	rc = stamp_store_check(st, (unsigned)threads, print_problem, &s, &n, &d);
	stamp_store_close(st);
	if (rc) {
		cli_fail(rc, &d, c->store_dir);
		return EXIT_USAGE;
	}
	printf("checked: %llu keys, %llu coops, %llu products, %llu batches, %llu stamps, "
	       "%llu revocations, %llu audit entries, %llu events, %llu accounts; %llu problem%s\n",
	       (unsigned long long)n.keys, (unsigned long long)n.coops,
	       (unsigned long long)n.products, (unsigned long long)n.batches,
	       (unsigned long long)n.stamps, (unsigned long long)n.revocations,
	       (unsigned long long)n.audit, (unsigned long long)n.events,
	       (unsigned long long)n.users, (unsigned long long)n.problems,
	       n.problems == 1 ? "" : "s");
	return n.problems ? EXIT_FAILED : EXIT_OK;
}
