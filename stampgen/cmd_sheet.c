/*
 * cmd_sheet.c - `stampgen sheet`: print-ready sheets of a stored batch (one
 * PDF at true size, or PNG pages) on a label template, and `sheet templates`
 * to list the built-in ones. Also cli_sheet(), which `stampgen issue --sheet`
 * calls once the batch is committed.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "stamp/print.h"

enum { OPT_BATCH = 256, OPT_TEMPLATE, OPT_OUT, OPT_PNG, OPT_DPI, OPT_CUT, OPT_COOP, OPT_FOOTER };

#define USAGE                                                                                      \
	"usage: stampgen sheet --batch ID --template NAME|FILE --out FILE.pdf|DIR [--png [--dpi "  \
	"N]] "                                                                                     \
	"[--cut-marks] [--coop-name] [--footer]\n       stampgen sheet templates [FILE.ini ...]"

/* One tab-separated line per template: its whole geometry, in millimetres. */
static void print_template(const stamp_template *t)
{
	printf("%s\t%d\t%d\t%g\t%g\t%g\t%g\t%g\t%g\t%g\t%g\t%g\t%.3f/%.3f\t%s\n", t->name,
	       t->columns, t->rows, t->page_w, t->page_h, t->label_w, t->label_h, t->margin_left,
	       t->margin_top, t->gap_x, t->gap_y, t->qr, t->qr / (41 + 2 * STAMP_QUIET_MODULES),
	       t->qr / (45 + 2 * STAMP_QUIET_MODULES), t->desc);
}

/* The built-in templates, or the template files given (checked as they load). */
static int list_templates(int argc, char **argv)
{
	stamp_diag d = {{0}};
	stamp_template t;
	int ex = EXIT_OK;

	printf("name\tcolumns\trows\tpage_w\tpage_h\tlabel_w\tlabel_h\tmargin_left\tmargin_top"
	       "\tgap_x\tgap_y\tqr\tmodule (version 6/7)\tdescription\n");
	if (argc == 0)
		for (size_t i = 0; stamp_template_preset(i); i++)
			print_template(stamp_template_preset(i));
	for (int i = 0; i < argc; i++) {
		int rc = stamp_template_find(argv[i], &t, &d);
		if (rc) {
			cli_fail(rc, &d, argv[i]);
			ex = cli_exit_code(rc);
			continue;
		}
		print_template(&t);
	}
	return ex;
}

int cli_sheet(cli *c, stamp_store *st, uint32_t batch, const char *tpl_name,
	      const stamp_sheet_opts *opts, const char *out)
{
	stamp_template tpl;
	stamp_diag d = {{0}};
	stamp_sheet_opts o = *opts;
	int rc;

	if ((rc = stamp_template_find(tpl_name, &tpl, &d))) {
		cli_fail(rc, &d, tpl_name);
		return cli_exit_code(rc);
	}
	o.progress = cli_progress;
	o.progress_ctx = c;
	rc = stamp_sheet_render(st, batch, &tpl, &o, out, &d);
	stamp_sheet_release();
	if (rc) {
		cli_fail(rc, &d, "sheet");
		return cli_exit_code(rc);
	}
	if (!c->quiet)
		printf("batch %u: sheets on %s -> %s\n", batch, tpl.name, out);
	return EXIT_OK;
}

int cmd_sheet(cli *c, int argc, char **argv)
{
	static const struct option lo[] = {{"batch", required_argument, NULL, OPT_BATCH},
					   {"template", required_argument, NULL, OPT_TEMPLATE},
					   {"out", required_argument, NULL, OPT_OUT},
					   {"png", no_argument, NULL, OPT_PNG},
					   {"dpi", required_argument, NULL, OPT_DPI},
					   {"cut-marks", no_argument, NULL, OPT_CUT},
					   {"coop-name", no_argument, NULL, OPT_COOP},
					   {"footer", no_argument, NULL, OPT_FOOTER},
					   {NULL, 0, NULL, 0}};
	stamp_sheet_opts o = {0};
	const char *tpl = NULL;
	char *out = NULL;
	uint64_t batch = 0, v;
	stamp_store *st;
	int opt, dpi_given = 0;

	if (argc >= 2 && strcmp(argv[1], "templates") == 0)
		return list_templates(argc - 2, argv + 2);
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case OPT_BATCH:
			if (cli_parse_u64(optarg, 1, UINT32_MAX, &batch)) {
				cli_err("--batch: expected a batch number, got \"%s\"", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_TEMPLATE:
			tpl = optarg;
			break;
		case OPT_OUT:
			out = optarg;
			break;
		case OPT_PNG:
			o.png = 1;
			break;
		case OPT_DPI:
			if (cli_parse_u64(optarg, STAMP_SHEET_DPI_MIN, STAMP_SHEET_DPI_MAX, &v)) {
				cli_err("--dpi: expected %d to %d, got \"%s\"", STAMP_SHEET_DPI_MIN,
					STAMP_SHEET_DPI_MAX, optarg);
				return EXIT_USAGE;
			}
			o.dpi = (unsigned)v;
			dpi_given = 1;
			break;
		case OPT_CUT:
			o.cut_marks = 1;
			break;
		case OPT_COOP:
			o.coop_name = 1;
			break;
		case OPT_FOOTER:
			o.footer = 1;
			break;
		default:
			cli_err(USAGE);
			return EXIT_USAGE;
		}
	}
	if (optind != argc || !batch || !tpl || !out) {
		cli_err(USAGE);
		return EXIT_USAGE;
	}
	if (dpi_given && !o.png) {
		cli_err("--dpi applies to --png pages; a PDF is vector at true size");
		return EXIT_USAGE;
	}
	if (cli_open_store(c, STAMP_STORE_RDONLY, &st))
		return EXIT_USAGE;
	int ex = cli_sheet(c, st, (uint32_t)batch, tpl, &o, out);
	stamp_store_close(st);
	return ex;
}
