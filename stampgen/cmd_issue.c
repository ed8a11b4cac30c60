/*
 * cmd_issue.c - `stampgen issue` and `stampgen render`.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "stamp/print.h"

enum {
	OPT_PRODUCT = 256,
	OPT_LOT,
	OPT_PRODUCED,
	OPT_EXPIRY,
	OPT_COUNT,
	OPT_KEY,
	OPT_BASEURL,
	OPT_OUT,
	OPT_SIZE,
	OPT_DPI,
	OPT_NOIMAGES,
	OPT_THREADS,
	OPT_PASSFILE,
	OPT_BATCH,
	OPT_SHEET,
	OPT_SHEET_OUT
};

/* "25" or "22.5" millimetres into tenths, 5 mm to 200 mm. */
static int parse_size(const char *s, unsigned *out)
{
	char *end;
	unsigned long whole = strtoul(s, &end, 10);
	unsigned tenth = 0;
	if (end == s || whole > 200)
		return -1;
	if (*end == '.' && end[1] >= '0' && end[1] <= '9' && end[2] == '\0')
		tenth = (unsigned)(end[1] - '0');
	else if (*end)
		return -1;
	*out = (unsigned)whole * 10 + tenth;
	return *out >= 50 && *out <= 2000 ? 0 : -1;
}

static int threads_arg(const char *s, int *out)
{
	uint64_t v;
	if (cli_parse_u64(s, 1, 64, &v)) {
		cli_err("--threads: expected 1 to 64, got \"%s\"", s);
		return -1;
	}
	*out = (int)v;
	return 0;
}

int cli_sheet_in_folder(stamp_store *st, const stamp_batch *b, const char *dir, void *ctx,
			stamp_diag *d)
{
	cli_folder_sheet *fs = ctx;
	stamp_sheet_opts o = {.progress = fs->progress, .progress_ctx = fs->progress_ctx};
	stamp_template tpl;
	char path[4096];

	if (snprintf(path, sizeof path, "%s/sheet.pdf", dir) >= (int)sizeof path) {
		snprintf(d->msg, sizeof d->msg, "%s: path too long", dir);
		return fs->rc = ENAMETOOLONG;
	}
	if ((fs->rc = stamp_template_find(fs->template_name, &tpl, d)) == 0)
		fs->rc = stamp_sheet_render(st, b->id, &tpl, &o, path, d);
	stamp_sheet_release();
	return fs->rc;
}

static void print_note(const char *msg, void *ctx)
{
	(void)ctx;
	cli_err("note: %s", msg);
}

int cmd_issue(cli *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{"product", required_argument, NULL, OPT_PRODUCT},
		{"lot", required_argument, NULL, OPT_LOT},
		{"produced", required_argument, NULL, OPT_PRODUCED},
		{"expiry", required_argument, NULL, OPT_EXPIRY},
		{"count", required_argument, NULL, OPT_COUNT},
		{"key", required_argument, NULL, OPT_KEY},
		{"base-url", required_argument, NULL, OPT_BASEURL},
		{"out", required_argument, NULL, OPT_OUT},
		{"size-mm", required_argument, NULL, OPT_SIZE},
		{"dpi", required_argument, NULL, OPT_DPI},
		{"no-images", no_argument, NULL, OPT_NOIMAGES},
		{"threads", required_argument, NULL, OPT_THREADS},
		{"passphrase-file", required_argument, NULL, OPT_PASSFILE},
		{"sheet", required_argument, NULL, OPT_SHEET},
		{"sheet-out", required_argument, NULL, OPT_SHEET_OUT},
		{NULL, 0, NULL, 0}};
	stamp_issue_req req = {.sink = stamp_png_sink(),
			       .progress = cli_progress,
			       .progress_ctx = c,
			       .note = print_note};
	cli_folder_sheet fs = {.progress = cli_progress, .progress_ctx = c};
	const char *keyfile = NULL, *passfile = NULL, *sheet = NULL, *sheet_out = NULL;
	stamp_keypair *kp = NULL;
	stamp_store *st = NULL;
	stamp_diag d = {{0}};
	stamp_batch b;
	uint64_t v;
	int opt, rc, ex = EXIT_USAGE;

	while ((opt = cli_getopt(argc, argv, "issue", "", lo, &ex)) != -1) {
		switch (opt) {
		case OPT_PRODUCT:
			req.product_id = optarg;
			break;
		case OPT_LOT:
			req.lot = optarg;
			break;
		case OPT_PRODUCED:
			if (cli_parse_date("--produced", optarg, &req.produced))
				return EXIT_USAGE;
			break;
		case OPT_EXPIRY:
			if (cli_parse_date("--expiry", optarg, &req.expiry))
				return EXIT_USAGE;
			break;
		case OPT_COUNT:
			if (cli_parse_u64(optarg, 1, STAMP_ISSUE_MAX, &v)) {
				cli_err("--count: expected 1 to %d, got \"%s\"", STAMP_ISSUE_MAX,
					optarg);
				return EXIT_USAGE;
			}
			req.count = (uint32_t)v;
			break;
		case OPT_KEY:
			keyfile = optarg;
			break;
		case OPT_BASEURL:
			req.base_url = optarg;
			break;
		case OPT_OUT:
			req.out_dir = optarg;
			break;
		case OPT_SIZE:
			if (parse_size(optarg, &req.size_01mm)) {
				cli_err("--size-mm: expected 5 to 200 (one decimal), got \"%s\"",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_DPI:
			if (cli_parse_u64(optarg, 72, 4800, &v)) {
				cli_err("--dpi: expected 72 to 4800, got \"%s\"", optarg);
				return EXIT_USAGE;
			}
			req.dpi = (unsigned)v;
			break;
		case OPT_NOIMAGES:
			req.sink = NULL;
			break;
		case OPT_THREADS:
			if (threads_arg(optarg, &req.threads))
				return EXIT_USAGE;
			break;
		case OPT_PASSFILE:
			passfile = optarg;
			break;
		case OPT_SHEET:
			sheet = optarg;
			break;
		case OPT_SHEET_OUT:
			sheet_out = optarg;
			break;
		default:
			return ex;
		}
	}
	if (optind != argc || !req.product_id || !req.lot || !req.produced || !req.count ||
	    !keyfile || !req.base_url || !req.out_dir)
		return cli_usage("issue");
	if (sheet_out && !sheet) {
		cli_err("--sheet-out needs --sheet TEMPLATE");
		return EXIT_USAGE;
	}
	/*
	 * The sheet goes into the batch folder unless told otherwise, drawn
	 * while the folder is still private: a kill never leaves half a PDF in
	 * a published folder.
	 */
	if (sheet && !sheet_out) {
		fs.template_name = sheet;
		req.finish = cli_sheet_in_folder;
		req.finish_ctx = &fs;
	}
	if (sheet) { /* an unknown template is caught before anything is signed */
		stamp_template tpl;
		if ((rc = stamp_template_find(sheet, &tpl, &d))) {
			cli_fail(rc, &d, sheet);
			return cli_exit_code(rc);
		}
	}
	if (cli_load_key(keyfile, passfile, &kp))
		return EXIT_USAGE;
	if (cli_open_store(c, 0, &st))
		goto leave;
	req.now = time(NULL);
	rc = stamp_issue(st, kp, &req, &b, &d);
	if (rc == STAMP_ENOTPUBLISHED) {
		cli_fail(rc, &d, "issue");
		ex = EXIT_UNPUBLISHED;
		goto leave;
	}
	if (rc) {
		cli_fail(rc, &d, "issue");
		cli_err("no batch was stored");
		ex = cli_exit_code(rc);
		goto leave;
	}
	if (!c->quiet)
		printf("batch %u: %u stamps, serials %llu-%llu, product %s, lot %s -> %s\n", b.id,
		       b.count, (unsigned long long)b.first_serial,
		       (unsigned long long)(b.first_serial + b.count - 1), b.product_id, b.lot,
		       req.out_dir);
	ex = EXIT_OK;
	/* After the commit: a failed sheet must not read as a failed issue. */
	if (sheet && !sheet_out && fs.rc == 0 && !c->quiet)
		printf("batch %u: sheets on %s -> %s/sheet.pdf\n", b.id, sheet, req.out_dir);
	if (sheet && sheet_out)
		ex = cli_sheet(c, st, b.id, sheet, &(stamp_sheet_opts){0}, sheet_out);
	else if (sheet && fs.rc)
		ex = cli_exit_code(fs.rc);
	if (ex)
		cli_err("batch %u is issued and stored; make its sheet again with: stampgen sheet "
			"--batch %u --template %s --out FILE.pdf",
			b.id, b.id, sheet);
leave:
	stamp_store_close(st);
	stamp_key_free(kp);
	return ex;
}

int cmd_render(cli *c, int argc, char **argv)
{
	static const struct option lo[] = {{"batch", required_argument, NULL, OPT_BATCH},
					   {"out", required_argument, NULL, OPT_OUT},
					   {"no-images", no_argument, NULL, OPT_NOIMAGES},
					   {"threads", required_argument, NULL, OPT_THREADS},
					   {NULL, 0, NULL, 0}};
	const char *out = NULL;
	const stamp_issue_sink *sink = stamp_png_sink();
	int opt, threads = 0, rc;
	uint64_t batch = 0;
	stamp_store *st;
	stamp_diag d = {{0}};
	int ex;

	while ((opt = cli_getopt(argc, argv, "render", "", lo, &ex)) != -1) {
		switch (opt) {
		case OPT_BATCH:
			if (cli_parse_u64(optarg, 1, UINT32_MAX, &batch)) {
				cli_err("--batch: expected a batch number, got \"%s\"", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_OUT:
			out = optarg;
			break;
		case OPT_NOIMAGES:
			sink = NULL;
			break;
		case OPT_THREADS:
			if (threads_arg(optarg, &threads))
				return EXIT_USAGE;
			break;
		default:
			return ex;
		}
	}
	if (optind != argc || !batch || !out)
		return cli_usage("render");
	if (cli_open_store(c, STAMP_STORE_RDONLY, &st))
		return EXIT_USAGE;
	rc = stamp_render_batch(st, (uint32_t)batch, out, sink, threads, cli_progress, c, &d);
	stamp_store_close(st);
	if (rc) {
		cli_fail(rc, &d, "render");
		return cli_exit_code(rc);
	}
	if (!c->quiet)
		printf("batch %llu rendered -> %s\n", (unsigned long long)batch, out);
	return EXIT_OK;
}
