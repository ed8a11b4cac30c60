/*
 * cmd_export.c - `stampgen export catalog`: the signed offline catalog for
 * inspectors (catalog.h, docs/catalog.md). The export verbs of later data
 * formats (EPCIS) belong here too.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

enum { OPT_KEY = 256, OPT_OUT, OPT_PASSFILE };

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
	return export_catalog(c, argc - 1, argv + 1);
}
