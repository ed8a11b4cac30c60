/*
 * stampgen - the district officers' tool: keys, registry, batch issuance,
 * rendering and offline verification. A thin layer over libstamp: it parses
 * arguments, prints, and turns libstamp's error codes into exit codes
 * (0 ok, 1 the operation failed or the input was rejected, 2 usage or system
 * error).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct verb {
	const char *name;
	int (*run)(cli *c, int argc, char **argv);
	const char *help;
} verbs[] = {
	{"keygen", cmd_keygen,
	 "keygen -o PREFIX [--label TEXT] [--passphrase-file F] [--no-register]"},
	{"key", cmd_key,
	 "key add FILE.pub [--label TEXT] [--valid-from D] [--valid-until D] | key list\n"
	 "               | key retire KEYID [--on D]"},
	{"coop", cmd_coop,
	 "coop add --id ID --name ... | list | show ID | import FILE.csv [--dry-run]"},
	{"product", cmd_product,
	 "product add --id ID ... | list | show ID | import FILE.csv [--dry-run]"},
	{"batch", cmd_batch, "batch list | show ID"},
	{"issue", cmd_issue,
	 "issue --product ID --lot LOT --produced D [--expiry D] --count N --key FILE.key\n"
	 "               --base-url URL --out DIR [--size-mm MM] [--dpi N] [--no-images] "
	 "[--threads N]\n"
	 "               [--passphrase-file F] [--sheet TEMPLATE [--sheet-out FILE.pdf]]"},
	{"render", cmd_render, "render --batch ID --out DIR [--no-images] [--threads N]"},
	{"sheet", cmd_sheet,
	 "sheet --batch ID --template NAME|FILE --out FILE.pdf|DIR [--png [--dpi N]] "
	 "[--cut-marks]\n"
	 "               [--coop-name] [--footer] | sheet templates [FILE.ini ...]"},
	{"verify", cmd_verify, "verify [--pub FILE.pub]... [--no-store] CODE|IMAGE.png ..."},
};

static void usage(FILE *f)
{
	fputs("usage: stampgen [-s STORE] [-q] VERB [options]\n\n"
	      "  -s STORE  the registry store folder (default $OCOPSTAMP_STORE, else ./store)\n"
	      "  -q        quiet: no progress bar, no notes\n\nverbs:\n",
	      f);
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		fprintf(f, "  stampgen %s\n", verbs[i].help);
	fputs("\nExit status: 0 ok, 1 failed or rejected (not genuine, bad input), 2 usage or "
	      "system error.\nSee README.md and docs/.\n",
	      f);
}

int main(int argc, char **argv)
{
	cli c = {.store_dir = getenv("OCOPSTAMP_STORE")};
	int opt;

	if (!c.store_dir || !*c.store_dir)
		c.store_dir = "store";
	while ((opt = getopt(argc, argv, "+s:qh")) != -1) {
		switch (opt) {
		case 's':
			c.store_dir = optarg;
			break;
		case 'q':
			c.quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (stamp_init() != 0) {
		cli_err("cannot initialise libsodium");
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
		if (strcmp(argv[optind], verbs[i].name) == 0) {
			int vargc = argc - optind;
			char **vargv = argv + optind;
			optind = 0; /* reset getopt for the verb's own options */
			return verbs[i].run(&c, vargc, vargv);
		}
	}
	cli_err("unknown verb \"%s\"", argv[optind]);
	usage(stderr);
	return EXIT_USAGE;
}
