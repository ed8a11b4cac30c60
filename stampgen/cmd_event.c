/*
 * cmd_event.c - `stampgen event add|list|import|withdraw`: the production
 * and business stages of a batch or of a product (event.h).
 *
 * As for cooperatives and products, the flags of `add` are the event's field
 * names, which are also the CSV columns of `event import`; the import itself
 * is the registry's (cli_import). Events may be added after issuance: the
 * next scan shows them once verifyd has been told (docs/operations.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static int add(cli *c, int argc, char **argv)
{
	const char *const *fields = stamp_event_fields;
	struct option lo[24];
	stamp_event e;
	stamp_diag d = {{0}};
	stamp_store *st = NULL;
	stamp_txn *t = NULL;
	size_t n = 0;
	int opt, rc, ex = EXIT_USAGE;

	while (fields[n] && n + 1 < sizeof lo / sizeof lo[0]) {
		lo[n] = (struct option){fields[n], required_argument, NULL, (int)(256 + n)};
		n++;
	}
	lo[n] = (struct option){NULL, 0, NULL, 0};
	memset(&e, 0, sizeof e);
	e.minutes = STAMP_EVENT_NO_TIME;
	while ((opt = cli_getopt(argc, argv, "event add", "", lo, &ex)) != -1) {
		if (opt < 256 || (size_t)opt >= 256 + n)
			return ex; /* the help was printed, or the usage */
		const char *f = fields[opt - 256];
		if (stamp_event_set(&e, f, optarg, &d)) {
			cli_err("--%s: %s", f, d.msg);
			return EXIT_FAILED;
		}
	}
	if (optind != argc) {
		cli_err("unexpected argument \"%s\"", argv[optind]);
		return EXIT_USAGE;
	}
	if (stamp_event_check(&e, &d)) {
		cli_err("%s", d.msg);
		return EXIT_FAILED;
	}
	if (cli_open_store(c, 0, &st))
		return EXIT_USAGE;
	if ((rc = stamp_txn_begin(st, 1, &t)) != 0) {
		cli_fail(rc, NULL, c->store_dir);
		stamp_store_close(st);
		return EXIT_USAGE;
	}
	if ((rc = stamp_event_add(t, &e, time(NULL), &d)) == 0) {
		rc = stamp_txn_commit(t, &d);
		t = NULL;
	}
	if (rc) {
		cli_fail(rc, &d, c->store_dir);
		ex = cli_exit_code(rc);
	} else {
		if (!c->quiet && e.batch_id)
			printf("added event #%u of batch %u: %s\n", (unsigned)e.seq,
			       (unsigned)e.batch_id, stamp_stage_about(e.stage)->name);
		else if (!c->quiet)
			printf("added event #%u of product %s: %s\n", (unsigned)e.seq, e.product_id,
			       stamp_stage_about(e.stage)->name);
		ex = EXIT_OK;
	}
	stamp_txn_abort(t);
	stamp_store_close(st);
	return ex;
}

static const char *const list_fields[] = {"stage",   "label", "at",	"place",
					  "partner", "note",  "source", NULL};

static int print_event(const stamp_event *e, void *ctx)
{
	char buf[STAMP_TEXT_MAX + 1];
	(void)ctx;
	if (e->batch_id)
		printf("batch %u\t%u", (unsigned)e->batch_id, (unsigned)e->seq);
	else
		printf("product %s\t%u", e->product_id, (unsigned)e->seq);
	for (size_t i = 0; list_fields[i]; i++) {
		if (stamp_event_get(e, list_fields[i], buf, sizeof buf) != 0)
			buf[0] = '\0';
		printf("\t%s", buf);
	}
	printf("\t%s\n", e->withdrawn ? "withdrawn" : "");
	return 0;
}

/*
 * --batch B or --product P (and --seq N for withdraw): 0 to go on, or -1
 * with the exit code in *ex (the help was printed, or a usage error).
 */
static int parse_owner(int argc, char **argv, const char *name, int want_seq, uint32_t *batch,
		       const char **product, uint32_t *seq, int *ex)
{
	static const struct option lo[] = {{"batch", required_argument, NULL, 256},
					   {"product", required_argument, NULL, 257},
					   {"seq", required_argument, NULL, 258},
					   {NULL, 0, NULL, 0}};
	static const struct option lo_list[] = {{"batch", required_argument, NULL, 256},
						{"product", required_argument, NULL, 257},
						{NULL, 0, NULL, 0}};
	uint64_t v;
	int opt;

	*ex = EXIT_USAGE;
	while ((opt = cli_getopt(argc, argv, name, "", want_seq ? lo : lo_list, ex)) != -1) {
		if (opt == 257) {
			*product = optarg;
			continue;
		}
		if (opt != 256 && opt != 258)
			return -1; /* the help was printed, or the usage */
		if (cli_parse_u64(optarg, 1, UINT32_MAX, &v) != 0) {
			cli_err("--%s: expected a number, got \"%s\"", opt == 256 ? "batch" : "seq",
				optarg);
			return -1;
		}
		*(opt == 256 ? batch : seq) = (uint32_t)v;
	}
	if (optind != argc) {
		cli_err("unexpected argument \"%s\"", argv[optind]);
		*ex = cli_usage(name);
		return -1;
	}
	if ((*batch != 0) == (*product != NULL) || (want_seq && !*seq)) {
		cli_err("%s: give --batch or --product%s", name, want_seq ? ", and --seq" : "");
		*ex = cli_usage(name);
		return -1;
	}
	return 0;
}

static int list(cli *c, int argc, char **argv)
{
	uint32_t batch = 0, seq = 0;
	const char *product = NULL;
	stamp_store *st;
	stamp_txn *t;
	stamp_batch b;
	stamp_product p;
	int rc;

	if (parse_owner(argc, argv, "event list", 0, &batch, &product, &seq, &rc))
		return rc;
	if (cli_open_store(c, STAMP_STORE_RDONLY, &st))
		return EXIT_USAGE;
	if ((rc = stamp_txn_begin(st, 0, &t)) == 0) {
		printf("of\tseq\tstage\tlabel\tat\tplace\tpartner\tnote\tsource\tstate\n");
		/* a batch's list starts with what it inherits from its product */
		if (batch && (rc = stamp_store_get_batch(t, batch, &b)) == 0)
			product = b.product_id;
		else if (!batch &&
			 (rc = stamp_store_get_product(t, product, &p)) == STAMP_ENOTFOUND)
			cli_err("no product \"%s\" in %s", product, c->store_dir);
		if (rc == 0)
			rc = stamp_event_each(t, 0, product, print_event, NULL);
		if (rc == 0 && batch)
			rc = stamp_event_each(t, batch, NULL, print_event, NULL);
		stamp_txn_abort(t);
	}
	stamp_store_close(st);
	if (rc == STAMP_ENOTFOUND && batch)
		cli_err("batch %u does not exist", (unsigned)batch);
	else if (rc && rc != STAMP_ENOTFOUND)
		cli_fail(rc, NULL, c->store_dir);
	return cli_exit_code(rc);
}

static int withdraw(cli *c, int argc, char **argv)
{
	uint32_t batch = 0, seq = 0;
	const char *product = NULL;
	stamp_diag d = {{0}};
	stamp_store *st;
	stamp_txn *t;
	int rc;

	if (parse_owner(argc, argv, "event withdraw", 1, &batch, &product, &seq, &rc))
		return rc;
	if (cli_open_store(c, 0, &st))
		return EXIT_USAGE;
	if ((rc = stamp_txn_begin(st, 1, &t)) == 0) {
		if ((rc = stamp_event_withdraw(t, batch, product, seq, time(NULL), &d)) == 0)
			rc = stamp_txn_commit(t, &d);
		else
			stamp_txn_abort(t);
	}
	stamp_store_close(st);
	if (rc == STAMP_ENOTFOUND || rc == STAMP_EEXIST) {
		cli_err("%s", d.msg);
		return EXIT_FAILED;
	}
	if (rc) {
		cli_fail(rc, &d, c->store_dir);
		return cli_exit_code(rc);
	}
	if (!c->quiet && batch)
		printf("withdrew event #%u of batch %u\n", (unsigned)seq, (unsigned)batch);
	else if (!c->quiet)
		printf("withdrew event #%u of product %s\n", (unsigned)seq, product);
	return EXIT_OK;
}

int cmd_event(cli *c, int argc, char **argv)
{
	int ex;
	const char *sub = cli_subverb(argc, argv, &ex);

	if (!sub)
		return ex;
	if (strcmp(sub, "add") == 0)
		return add(c, argc - 1, argv + 1);
	if (strcmp(sub, "list") == 0)
		return list(c, argc - 1, argv + 1);
	if (strcmp(sub, "withdraw") == 0)
		return withdraw(c, argc - 1, argv + 1);
	return cli_import(c, "event import", STAMP_IMPORT_EVENTS, "events", argc - 1, argv + 1);
}
