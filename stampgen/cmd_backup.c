/*
 * cmd_backup.c - `stampgen backup --out FILE` and `stampgen restore FILE`:
 * a consistent, compacted copy of the store with its checksum, taken while
 * verifyd and other readers run, and its restore into an empty store folder
 * (backup.h; the schedule and the drill are in docs/operations.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <sys/stat.h>

#include "cli.h"

enum { OPT_OUT = 256 };

static void print_sum(const char *what, const char *file, const uint8_t sum[STAMP_SHA256_BYTES])
{
	char hex[2 * STAMP_SHA256_BYTES + 1];
	struct stat sb;
	for (int i = 0; i < STAMP_SHA256_BYTES; i++)
		snprintf(hex + 2 * i, 3, "%02x", sum[i]);
	printf("%s %s: %lld bytes, sha256 %s\n", what, file,
	       stat(file, &sb) == 0 ? (long long)sb.st_size : -1LL, hex);
}

int cmd_backup(cli *c, int argc, char **argv)
{
	static const struct option lo[] = {{"out", required_argument, NULL, OPT_OUT},
					   {NULL, 0, NULL, 0}};
	uint8_t sum[STAMP_SHA256_BYTES];
	const char *out = NULL;
	stamp_diag d = {{0}};
	stamp_store *st;
	int opt, ex, rc;

	while ((opt = cli_getopt(argc, argv, "backup", "", lo, &ex)) != -1) {
		if (opt != OPT_OUT)
			return ex;
		out = optarg;
	}
	if (!out || optind != argc)
		return cli_usage("backup");
	if (cli_open_store(c, STAMP_STORE_RDONLY, &st))
		return EXIT_USAGE;
	rc = stamp_backup_write(st, out, sum, &d);
	stamp_store_close(st);
	if (rc) {
		cli_fail(rc, &d, out);
		return cli_exit_code(rc);
	}
	print_sum("backup", out, sum);
	return EXIT_OK;
}

int cmd_restore(cli *c, int argc, char **argv)
{
	uint8_t sum[STAMP_SHA256_BYTES];
	stamp_diag d = {{0}};
	int ex, first = cli_operands(argc, argv, "restore", 1, 1, &ex);

	if (first < 0)
		return ex;
	int rc = stamp_backup_restore(argv[first], c->store_dir, sum, &d);
	if (rc) {
		cli_fail(rc, &d, argv[first]);
		cli_err("nothing was restored; %s is as it was", c->store_dir);
		return cli_exit_code(rc == STAMP_ECORRUPT ? STAMP_EINPUT : rc);
	}
	print_sum("restored into the store from", argv[first], sum);
	if (!c->quiet)
		printf("check it: stampgen -s %s audit verify; stampgen -s %s batch list\n",
		       c->store_dir, c->store_dir);
	return EXIT_OK;
}
