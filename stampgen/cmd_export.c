/*
 * cmd_export.c - `stampgen export catalog`: the signed offline catalog for
 * inspectors (catalog.h, docs/catalog.md); `stampgen export epcis`: the
 * batches, their production stages and revocations as a GS1 EPCIS 2.0
 * JSON-LD document (epcis.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "epcis.h"

enum { OPT_KEY = 256, OPT_OUT, OPT_PASSFILE, OPT_BATCH, OPT_SINCE };

typedef struct first_base {
	char *out;
	uint32_t batch_id;
} first_base;

/* The origin of the ocop: namespace: the batch's (or the newest batch's) base URL. */
static int take_base(const stamp_batch *b, void *ctx)
{
	first_base *f = ctx;
	if (!f->batch_id || b->id == f->batch_id)
		for (size_t i = 0; i <= strlen(b->base_url); i++) /* lower case, NUL included */
			f->out[i] = (char)(b->base_url[i] >= 'A' && b->base_url[i] <= 'Z'
						   ? b->base_url[i] + 32
						   : b->base_url[i]);
	return 0;
}

static int export_epcis(cli *c, int argc, char **argv)
{
	static const struct option lo[] = {{"batch", required_argument, NULL, OPT_BATCH},
					   {"since", required_argument, NULL, OPT_SINCE},
					   {"out", required_argument, NULL, OPT_OUT},
					   {NULL, 0, NULL, 0}};
	const char *name = "export epcis", *out = NULL;
	epcis_opts o = {.now = time(NULL)};
	uint64_t v;
	stamp_store *st;
	stamp_txn *t;
	stamp_diag d = {{0}};
	size_t n = 0;
	int opt, ex, rc, since = 0;

	while ((opt = cli_getopt(argc, argv, name, "", lo, &ex)) != -1) {
		switch (opt) {
		case OPT_BATCH:
			if (cli_parse_u64(optarg, 1, UINT32_MAX, &v)) {
				cli_err("--batch: expected a batch number, got \"%s\"", optarg);
				return EXIT_USAGE;
			}
			o.batch_id = (uint32_t)v;
			break;
		case OPT_SINCE:
			if (cli_parse_date("--since", optarg, &o.since))
				return EXIT_USAGE;
			since = 1;
			break;
		case OPT_OUT:
			out = optarg;
			break;
		default:
			return ex;
		}
	}
	if (!out || optind != argc || !!o.batch_id == since)
		return cli_usage(name);
	if (cli_open_store(c, STAMP_STORE_RDONLY, &st))
		return EXIT_USAGE;
	if ((rc = stamp_txn_begin(st, 0, &t)) != 0) {
		stamp_store_close(st);
		cli_fail(rc, NULL, c->store_dir);
		return cli_exit_code(rc);
	}
	first_base fb = {o.base_url, o.batch_id};
	rc = stamp_store_each_batch(t, take_base, &fb);
	/* written whole or not at all: beside the target, then renamed over nothing */
	char tmp[4096];
	FILE *f = NULL;
	const char *bad = NULL; /* the file a system error is about */
	if (rc == 0 && snprintf(tmp, sizeof tmp, "%s.partial", out) >= (int)sizeof tmp)
		rc = ENAMETOOLONG, bad = out;
	else if (rc == 0 && access(out, F_OK) == 0)
		rc = EEXIST, bad = out;
	else if (rc == 0 && !(f = fopen(tmp, "wx")))
		rc = errno, bad = tmp;
	if (f) {
		rc = epcis_export(t, &o, f, &n, &d);
		if (fclose(f) != 0 && !rc)
			rc = errno, bad = tmp;
		if (!rc && rename(tmp, out) != 0)
			rc = errno, bad = out;
		if (rc)
			unlink(tmp);
	}
	stamp_txn_abort(t);
	stamp_store_close(st);
	if (rc && bad)
		cli_err("%s: %s%s", bad, strerror(rc),
			rc == EEXIST ? " (the export does not overwrite)" : "");
	else if (rc)
		cli_fail(rc, &d, out);
	if (rc)
		return cli_exit_code(rc);
	if (!c->quiet)
		printf("EPCIS 2.0 document %s: %zu events\n", out, n);
	return EXIT_OK;
}

static int export_catalog(cli *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{"key", required_argument, NULL, OPT_KEY},
		{"out", required_argument, NULL, OPT_OUT},
		{"passphrase-file", required_argument, NULL, OPT_PASSFILE},
		{NULL, 0, NULL, 0}};
	const char *key = NULL, *out = NULL, *passfile = NULL;
	stamp_keypair *kp = NULL;
	stamp_store *st = NULL;
	stamp_diag d = {{0}};
	size_t bytes = 0;
	int opt, ex, rc;
	int64_t now = time(NULL);

	while ((opt = cli_getopt(argc, argv, "export catalog", "", lo, &ex)) != -1) {
		switch (opt) {
		case OPT_KEY:
			key = optarg;
			break;
		case OPT_OUT:
			out = optarg;
			break;
		case OPT_PASSFILE:
			passfile = optarg;
			break;
		default:
			return ex;
		}
	}
	if (!key || !out || optind != argc)
		return cli_usage("export catalog");
	if ((ex = cli_load_key(key, passfile, &kp)))
		return ex;
	if (cli_open_store(c, STAMP_STORE_RDONLY, &st)) {
		stamp_key_free(kp);
		return EXIT_USAGE;
	}
	rc = stamp_catalog_export(st, kp, now, out, &bytes, &d);
	stamp_store_close(st);
	stamp_key_free(kp);
	if (rc) {
		cli_fail(rc, &d, out);
		return cli_exit_code(rc);
	}
	printf("catalog %s: %zu bytes, version %lld; check a code with: stampgen verify --no-store "
	       "--catalog %s --pub KEY.pub CODE\n",
	       out, bytes, (long long)now, out);
	return EXIT_OK;
}

int cmd_export(cli *c, int argc, char **argv)
{
	int ex;
	const char *sub = cli_subverb(argc, argv, &ex);
	if (!sub)
		return ex;
	if (strcmp(sub, "epcis") == 0)
		return export_epcis(c, argc - 1, argv + 1);
	return export_catalog(c, argc - 1, argv + 1);
}
