/*
 * cmd_registry.c - `stampgen coop|product add|list|show|import` and
 * `stampgen batch list|show`; the CSV import of `event import` too.
 *
 * Cooperatives and products are handled by one set of functions over a small
 * descriptor of each kind: the flags of `add` are the record's field names,
 * the same names as the CSV columns, so there is one vocabulary to learn.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

typedef int (*rec_cb)(const void *rec, void *ctx);

typedef struct kind {
	const char *noun, *plural;
	stamp_import_kind import;
	const char *const *fields;
	const char *list_fields[4]; /* columns of `list` */
	size_t size;
	int (*set)(void *rec, const char *field, const char *value, stamp_diag *d);
	int (*get)(const void *rec, const char *field, char *out, size_t outlen);
	int (*check)(stamp_txn *t, const void *rec, stamp_diag *d);
	int (*put)(stamp_txn *t, const void *rec);
	int (*load)(stamp_txn *t, const char *id, void *out);
	int (*each)(stamp_txn *t, rec_cb cb, void *ctx);
} kind;

typedef struct adapter {
	rec_cb cb;
	void *ctx;
} adapter;

static int coop_set(void *r, const char *f, const char *v, stamp_diag *d)
{
	return stamp_coop_set(r, f, v, d);
}
static int coop_get(const void *r, const char *f, char *out, size_t n)
{
	return stamp_coop_get(r, f, out, n);
}
static int coop_check(stamp_txn *t, const void *r, stamp_diag *d)
{
	(void)t;
	return stamp_coop_check(r, d);
}
static int coop_put(stamp_txn *t, const void *r)
{
	return stamp_store_put_coop(t, r, 0);
}
static int coop_load(stamp_txn *t, const char *id, void *out)
{
	return stamp_store_get_coop(t, id, out);
}
static int coop_visit(const stamp_coop *c, void *ctx)
{
	adapter *a = ctx;
	return a->cb(c, a->ctx);
}
static int coop_each(stamp_txn *t, rec_cb cb, void *ctx)
{
	adapter a = {cb, ctx};
	return stamp_store_each_coop(t, coop_visit, &a);
}

static int product_set(void *r, const char *f, const char *v, stamp_diag *d)
{
	return stamp_product_set(r, f, v, d);
}
static int product_get(const void *r, const char *f, char *out, size_t n)
{
	return stamp_product_get(r, f, out, n);
}
int cli_product_check(stamp_txn *t, const stamp_product *p, stamp_diag *d)
{
	stamp_coop c;
	int rc = stamp_product_check(p, d);
	if (rc == 0 && (rc = stamp_store_get_coop(t, p->coop_id, &c)) == STAMP_ENOTFOUND) {
		snprintf(d->msg, sizeof d->msg, "coop_id: cooperative \"%s\" is not registered",
			 p->coop_id);
		rc = STAMP_EINPUT;
	}
	return rc;
}
static int product_check(stamp_txn *t, const void *r, stamp_diag *d)
{
	return cli_product_check(t, r, d);
}
static int product_put(stamp_txn *t, const void *r)
{
	return stamp_store_put_product(t, r, 0);
}
static int product_load(stamp_txn *t, const char *id, void *out)
{
	return stamp_store_get_product(t, id, out);
}
static int product_visit(const stamp_product *p, void *ctx)
{
	adapter *a = ctx;
	return a->cb(p, a->ctx);
}
static int product_each(stamp_txn *t, rec_cb cb, void *ctx)
{
	adapter a = {cb, ctx};
	return stamp_store_each_product(t, product_visit, &a);
}

static const kind coop_kind = {
	"cooperative",
	"cooperatives",
	STAMP_IMPORT_COOPS,
	stamp_coop_fields,
	{"id", "name", "district", "province"},
	sizeof(stamp_coop),
	coop_set,
	coop_get,
	coop_check,
	coop_put,
	coop_load,
	coop_each,
};
static const kind product_kind = {
	"product",
	"products",
	STAMP_IMPORT_PRODUCTS,
	stamp_product_fields,
	{"id", "name", "stars", "coop_id"},
	sizeof(stamp_product),
	product_set,
	product_get,
	product_check,
	product_put,
	product_load,
	product_each,
};

static size_t nfields(const kind *k)
{
	size_t n = 0;
	while (k->fields[n])
		n++;
	return n;
}

/* name: the usage's, "coop add" or "product add" (likewise below). */
static int add(const kind *k, cli *c, const char *name, int argc, char **argv)
{
	size_t n = nfields(k);
	struct option *lo = calloc(n + 1, sizeof *lo);
	void *rec = calloc(1, k->size);
	stamp_diag d = {{0}};
	stamp_store *st = NULL;
	stamp_txn *t = NULL;
	int opt, rc = 0, ex = EXIT_USAGE;

	if (!lo || !rec)
		goto leave;
	for (size_t i = 0; i < n; i++)
		lo[i] = (struct option){k->fields[i], required_argument, NULL, (int)(256 + i)};
	while ((opt = cli_getopt(argc, argv, name, "", lo, &ex)) != -1) {
		if (opt < 256 || (size_t)opt >= 256 + n)
			goto leave; /* ex: the help was printed, or the usage */
		const char *f = k->fields[opt - 256];
		if ((rc = k->set(rec, f, optarg, &d))) {
			cli_err("--%s: %s", f, d.msg);
			ex = EXIT_FAILED;
			goto leave;
		}
	}
	if (optind != argc) {
		cli_err("unexpected argument \"%s\"", argv[optind]);
		goto leave;
	}
	if (cli_open_store(c, STAMP_STORE_CREATE, &st) || stamp_txn_begin(st, 1, &t))
		goto leave;
	if ((rc = k->check(t, rec, &d)) || (rc = k->put(t, rec))) {
		if (rc == STAMP_EEXIST)
			cli_err("%s \"%s\" is already registered", k->noun, (const char *)rec);
		else
			cli_fail(rc, &d, k->noun);
		ex = cli_exit_code(rc);
		goto leave;
	}
	rc = stamp_txn_commit(t, &d);
	t = NULL;
	if (rc) {
		cli_fail(rc, &d, c->store_dir);
		goto leave;
	}
	if (!c->quiet)
		printf("registered %s %s\n", k->noun, (const char *)rec);
	ex = EXIT_OK;
leave:
	stamp_txn_abort(t);
	stamp_store_close(st);
	free(lo);
	free(rec);
	return ex;
}

static int print_row(const void *rec, void *ctx)
{
	const kind *k = ctx;
	char buf[STAMP_TEXT_MAX + 1];
	for (int i = 0; i < 4; i++) {
		if (k->get(rec, k->list_fields[i], buf, sizeof buf) != 0)
			buf[0] = '\0';
		printf("%s%s", i ? "\t" : "", buf);
	}
	putchar('\n');
	return 0;
}

static int print_record(const kind *k, const void *rec)
{
	char buf[STAMP_TEXT_MAX + 1];
	for (size_t i = 0; k->fields[i]; i++) {
		if (k->get(rec, k->fields[i], buf, sizeof buf) != 0)
			buf[0] = '\0';
		printf("%-17s %s\n", k->fields[i], buf);
	}
	return 0;
}

static int list_or_show(const kind *k, cli *c, const char *name, int argc, char **argv)
{
	stamp_store *st;
	stamp_txn *t;
	void *rec;
	int show = strcmp(strchr(name, ' '), " show") == 0, rc = ENOMEM, ex;
	int first = cli_operands(argc, argv, name, show, show, &ex);
	const char *id = show && first >= 0 ? argv[first] : NULL;

	if (first < 0)
		return ex;
	rec = calloc(1, k->size);
	if (!rec || cli_open_store(c, STAMP_STORE_RDONLY, &st)) {
		free(rec);
		return EXIT_USAGE;
	}
	if ((rc = stamp_txn_begin(st, 0, &t)) == 0) {
		if (id) {
			if ((rc = k->load(t, id, rec)) == 0)
				print_record(k, rec);
		} else {
			for (int i = 0; i < 4; i++)
				printf("%s%s", i ? "\t" : "", k->list_fields[i]);
			putchar('\n');
			rc = k->each(t, print_row, (void *)k);
		}
		stamp_txn_abort(t);
	}
	stamp_store_close(st);
	free(rec);
	if (rc == STAMP_ENOTFOUND)
		cli_err("no %s \"%s\" in %s", k->noun, id, c->store_dir);
	else if (rc)
		cli_fail(rc, NULL, c->store_dir);
	return cli_exit_code(rc);
}

static void print_import_error(const char *msg, void *ctx)
{
	(void)ctx;
	cli_err("%s", msg);
}

int cli_import(cli *c, const char *name, stamp_import_kind what, const char *plural, int argc,
	       char **argv)
{
	static const struct option lo[] = {{"dry-run", no_argument, NULL, 256},
					   {"sheet", required_argument, NULL, 257},
					   {NULL, 0, NULL, 0}};
	int dry = 0, opt, ex;
	const char *path, *sheet = NULL;
	stamp_store *st;
	stamp_diag d = {{0}};
	size_t count = 0;

	while ((opt = cli_getopt(argc, argv, name, "", lo, &ex)) != -1) {
		if (opt == 256)
			dry = 1;
		else if (opt == 257)
			sheet = optarg;
		else
			return ex;
	}
	if (optind + 1 != argc)
		return cli_usage(name);
	path = argv[optind];
	/* a dry run writes nothing, not even a new store: check against an empty one */
	struct stat sb;
	char scratch[] = "/tmp/ocopstamp-dry-run.XXXXXX";
	int temp = dry && stat(c->store_dir, &sb) != 0;
	cli tc = *c;
	if (temp) {
		if (!mkdtemp(scratch)) {
			cli_err("%s: %s", scratch, strerror(errno));
			return EXIT_USAGE;
		}
		tc.store_dir = scratch;
	}
	int rc = cli_open_store(&tc, STAMP_STORE_CREATE, &st);
	if (rc == 0) {
		rc = stamp_import_file(st, what, path, sheet, dry, &count, print_import_error, NULL,
				       &d);
		stamp_store_close(st);
	} else {
		d.msg[0] = '\0';
	}
	if (temp) {
		char f[sizeof scratch + 16];
		snprintf(f, sizeof f, "%s/data.mdb", scratch);
		unlink(f);
		snprintf(f, sizeof f, "%s/lock.mdb", scratch);
		unlink(f);
		rmdir(scratch);
	}
	if (rc) {
		cli_fail(rc, &d, path);
		if (!d.msg[0])
			cli_err("%s: nothing was imported", path);
		return cli_exit_code(rc);
	}
	if (!c->quiet)
		printf("%s: %zu %s %s\n", path, count, plural,
		       dry ? "checked, none written (dry run)" : "imported");
	return EXIT_OK;
}

static int registry_verb(const kind *k, cli *c, int argc, char **argv)
{
	char name[32];
	int ex;
	const char *sub = cli_subverb(argc, argv, &ex);

	if (!sub)
		return ex;
	if (snprintf(name, sizeof name, "%s %s", argv[0], sub) >= (int)sizeof name)
		return EXIT_USAGE; /* the table's names are short: cannot happen */
	if (strcmp(sub, "add") == 0)
		return add(k, c, name, argc - 1, argv + 1);
	if (strcmp(sub, "import") == 0)
		return cli_import(c, name, k->import, k->plural, argc - 1, argv + 1);
	if (k == &product_kind && strcmp(sub, "image") == 0)
		return cmd_product_image(c, argc - 1, argv + 1);
	return list_or_show(k, c, name, argc - 1, argv + 1);
}

int cmd_coop(cli *c, int argc, char **argv)
{
	return registry_verb(&coop_kind, c, argc, argv);
}

int cmd_product(cli *c, int argc, char **argv)
{
	return registry_verb(&product_kind, c, argc, argv);
}

static int print_batch(const stamp_batch *b, void *ctx)
{
	char produced[11], expiry[11], id[9];
	int detail = ctx != NULL;
	stamp_date_format(b->produced, produced);
	stamp_date_format(b->expiry, expiry);
	stamp_key_id_format(b->key_id, id);
	if (!detail) {
		printf("%u\t%s\t%s\t%s\t%u\t%llu-%llu\n", b->id, b->product_id, b->lot, produced,
		       b->count, (unsigned long long)b->first_serial,
		       (unsigned long long)(b->first_serial + b->count - 1));
		return 0;
	}
	printf("batch             %u\nproduct           %s\nlot               %s\n"
	       "produced          %s\nexpiry            %s\ncount             %u\n"
	       "serials           %llu-%llu\nkey               %s\nbase_url          %s\n"
	       "size_mm           %u.%u\ndpi               %u\n",
	       b->id, b->product_id, b->lot, produced, expiry[0] ? expiry : "-", b->count,
	       (unsigned long long)b->first_serial,
	       (unsigned long long)(b->first_serial + b->count - 1), id, b->base_url,
	       b->size_01mm / 10, b->size_01mm % 10, b->dpi);
	return 0;
}

int cmd_batch(cli *c, int argc, char **argv)
{
	uint64_t id = 0;
	int ex, show, first;
	const char *sub = cli_subverb(argc, argv, &ex), *arg;

	if (!sub)
		return ex;
	show = strcmp(sub, "show") == 0;
	first = cli_operands(argc - 1, argv + 1, show ? "batch show" : "batch list", show, show,
			     &ex);
	if (first < 0)
		return ex;
	arg = argv[1 + first];
	if (show && cli_parse_u64(arg, 1, UINT32_MAX, &id)) {
		cli_err("batch: expected a batch number, got \"%s\"", arg);
		return EXIT_USAGE;
	}
	stamp_store *st;
	stamp_txn *t;
	stamp_batch b;
	int rc;
	if (cli_open_store(c, STAMP_STORE_RDONLY, &st))
		return EXIT_USAGE;
	if ((rc = stamp_txn_begin(st, 0, &t)) == 0) {
		if (show) {
			if ((rc = stamp_store_get_batch(t, (uint32_t)id, &b)) == 0)
				print_batch(&b, &b);
		} else {
			printf("batch\tproduct\tlot\tproduced\tcount\tserials\n");
			rc = stamp_store_each_batch(t, print_batch, NULL);
		}
		stamp_txn_abort(t);
	}
	stamp_store_close(st);
	if (rc == STAMP_ENOTFOUND)
		cli_err("batch %s does not exist", arg);
	else if (rc)
		cli_fail(rc, NULL, c->store_dir);
	return cli_exit_code(rc);
}
