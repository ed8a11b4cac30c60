/*
 * cmd_verify.c - `stampgen verify CODE|IMAGE.png ...`: the offline check.
 *
 * Works with only public key files (--pub), with the store (which also knows
 * the keys and tells product, batch and cooperative), or both. Images are
 * read with libzbar; every code found in an image is checked.
 */
#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli.h"
#include "stamp/photo.h"

#define MAX_PUB 16

enum { OPT_PUB = 256, OPT_NOSTORE, OPT_CATALOG };

typedef struct vctx {
	stamp_txn *t;
	const stamp_catalog *cat; /* offline: the verdicts come from it */
	stamp_pubkey keys[MAX_PUB];
	size_t nkeys;
	int checked, genuine, error;
	const char *source;
} vctx;

static void print_details(const stamp_check *k)
{
	char a[11], b[11], id[9];
	stamp_key_id_format(k->code.key_id, id);
	printf("  serial       %llu (key %s)\n", (unsigned long long)k->code.serial, id);
	if (!k->in_store)
		return;
	printf("  product      %s (OCOP %u stars, %s)\n", k->product.name, k->product.stars,
	       k->product.group);
	stamp_date_format(k->batch.produced, a);
	stamp_date_format(k->batch.expiry, b);
	printf("  batch        %u, lot %s, produced %s, expiry %s\n", k->batch.id, k->batch.lot, a,
	       b[0] ? b : "-");
	printf("  producer     %s, %s%s%s, %s\n", k->coop.name, k->coop.commune,
	       k->coop.commune[0] ? ", " : "", k->coop.district, k->coop.province);
	printf("  address      %s\n", k->coop.address);
	stamp_date_format(k->product.cert_valid_until, a);
	printf("  OCOP         decision %s, certificate valid until %s\n", k->product.ocop_decision,
	       a);
}

static int check_text(const char *text, size_t len, void *ctx)
{
	vctx *v = ctx;
	stamp_check k;
	int rc = v->cat ? stamp_catalog_verify(v->cat, v->keys, v->nkeys, text, len, &k)
			: stamp_verify_text(v->t, v->keys, v->nkeys, text, len, &k);
	v->checked++;
	if (rc) {
		cli_err("%s: store error: %s", v->source, stamp_strerror(rc));
		v->error = 1;
		return 0;
	}
	const stamp_verdict_info *about = stamp_verdict_about(k.verdict);
	if (k.revoked) {
		const stamp_revocation *r = &k.revocation;
		char since[11];
		stamp_date_format(stamp_date_from_unix(r->since), since);
		printf("%s: %s: %s%s%s (since %s, revocation %u)\n", v->source, about->label,
		       stamp_reason_name(r->reason), r->note[0] ? " — " : "", r->note, since,
		       r->id);
	} else if (k.verdict == STAMP_V_FOREIGN_HOST) {
		const char *own = strstr(k.batch.base_url, "://");
		printf("%s: %s%s: %s, not %s\n", v->source, about->label, about->meaning, k.host,
		       own ? own + 3 : k.batch.base_url);
	} else {
		printf("%s: %s%s\n", v->source, about->label, about->meaning);
	}
	if (k.verdict != STAMP_V_MALFORMED)
		print_details(&k);
	if (about->exit_code == EXIT_OK)
		v->genuine++;
	return 0;
}

static int is_image(const char *arg)
{
	size_t n = strlen(arg);
	struct stat sb;
	return (n > 4 && strcasecmp(arg + n - 4, ".png") == 0) ||
	       (stat(arg, &sb) == 0 && S_ISREG(sb.st_mode));
}

static int check_arg(vctx *v, const char *arg)
{
	if (!is_image(arg)) {
		v->source = "code";
		return check_text(arg, strlen(arg), v);
	}
	stamp_diag d = {{0}};
	v->source = arg;
	int rc = stamp_photo_scan(arg, check_text, v, &d);
	if (rc == STAMP_ENOCODE) {
		printf("%s: NO CODE FOUND in the image\n", arg);
		v->checked++;
	} else if (rc) {
		cli_fail(rc, &d, arg);
		v->error = 1;
	}
	return 0;
}

/* Where the newest catalog version used is kept: $OCOPSTAMP_CATALOG_STATE, else
 * $XDG_STATE_HOME/ocopstamp/catalogs, else ~/.local/state/ocopstamp/catalogs. */
static int state_path(char *out, size_t cap)
{
	const char *env = getenv("OCOPSTAMP_CATALOG_STATE"), *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char dir[4096];
	if (env && *env)
		return snprintf(out, cap, "%s", env) < (int)cap ? 0 : -1;
	if (xdg && *xdg)
		snprintf(dir, sizeof dir, "%s/ocopstamp", xdg);
	else if (home && *home)
		snprintf(dir, sizeof dir, "%s/.local/state/ocopstamp", home);
	else
		return -1;
	/* parents first: ~/.local/state may not exist yet */
	for (char *p = dir + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(dir, 0700);
			*p = '/';
		}
	}
	mkdir(dir, 0700);
	return snprintf(out, cap, "%s/catalogs", dir) < (int)cap ? 0 : -1;
}

static int open_catalog(const char *path, const stamp_pubkey *keys, size_t nkeys,
			stamp_catalog **cat)
{
	char state[4096], kid[9];
	stamp_diag d = {{0}};
	size_t nk, nb, nr;
	int rc;
	if (nkeys == 0) {
		cli_err("--catalog: give the province's public key with --pub FILE.pub");
		return EXIT_USAGE;
	}
	if ((rc = stamp_catalog_load(path, keys, nkeys, cat, &d))) {
		cli_fail(rc, &d, path);
		return rc == STAMP_EFORGED || rc == STAMP_ECORRUPT ? EXIT_FAILED : EXIT_USAGE;
	}
	if (state_path(state, sizeof state)) {
		cli_err("no place to remember catalog versions: set OCOPSTAMP_CATALOG_STATE");
		return EXIT_USAGE;
	}
	if ((rc = stamp_catalog_check_fresh(*cat, state, &d))) {
		cli_fail(rc, &d, path);
		stamp_catalog_free(*cat);
		*cat = NULL;
		return cli_exit_code(rc);
	}
	stamp_catalog_counts(*cat, &nk, &nb, &nr);
	stamp_key_id_format(stamp_catalog_signer(*cat), kid);
	fprintf(stderr,
		"stampgen: catalog %s: version %llu signed by key %s, %zu batches, %zu "
		"revocations\n",
		path, (unsigned long long)stamp_catalog_version(*cat), kid, nb, nr);
	(void)nk;
	return 0;
}

int cmd_verify(cli *c, int argc, char **argv)
{
	static const struct option lo[] = {{"pub", required_argument, NULL, OPT_PUB},
					   {"no-store", no_argument, NULL, OPT_NOSTORE},
					   {"catalog", required_argument, NULL, OPT_CATALOG},
					   {NULL, 0, NULL, 0}};
	const char *catalog = NULL;
	stamp_catalog *cat = NULL;
	vctx v = {0};
	stamp_store *st = NULL;
	stamp_diag d = {{0}};
	struct stat sb;
	int opt, nostore = 0, rc, ex;

	while ((opt = cli_getopt(argc, argv, "verify", "", lo, &ex)) != -1) {
		switch (opt) {
		case OPT_PUB:
			if (v.nkeys == MAX_PUB) {
				cli_err("--pub: at most %d key files", MAX_PUB);
				return EXIT_USAGE;
			}
			if ((rc = stamp_key_load_public(optarg, &v.keys[v.nkeys], &d))) {
				cli_fail(rc, &d, optarg);
				return EXIT_USAGE;
			}
			v.nkeys++;
			break;
		case OPT_NOSTORE:
			nostore = 1;
			break;
		case OPT_CATALOG:
			catalog = optarg;
			break;
		default:
			return ex;
		}
	}
	if (optind >= argc)
		return cli_usage("verify");
	if (catalog) { /* offline, as an inspector: the catalog, checked under --pub */
		if ((ex = open_catalog(catalog, v.keys, v.nkeys, &cat)))
			return ex;
		v.cat = cat;
	} else if (!nostore && stat(c->store_dir, &sb) == 0) {
		/* The store is optional: an inspector may carry only the public key. */
		if (cli_open_store(c, STAMP_STORE_RDONLY, &st) || stamp_txn_begin(st, 0, &v.t)) {
			stamp_store_close(st);
			return EXIT_USAGE;
		}
	} else if (v.nkeys == 0) {
		cli_err("no keys to verify with: give --pub FILE.pub or a store (-s DIR)");
		return EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++)
		check_arg(&v, argv[i]);
	stamp_txn_abort(v.t);
	stamp_store_close(st);
	stamp_catalog_free(cat);
	if (v.error)
		return EXIT_USAGE;
	return v.checked > 0 && v.genuine == v.checked ? EXIT_OK : EXIT_FAILED;
}
