/*
 * test_import.c - CSV import as officers will run it: the Excel-saved samples
 * (BOM, CRLF, quoted commas and line breaks), exact file:line: column
 * messages for bad rows (also after a cell spanning lines), header problems,
 * CSV syntax errors, duplicate ids, and all-or-nothing writes (dry run and
 * failed imports leave the store as it was).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "errs.h"
#include "stamp/import.h"
#include "stamp/registry.h"
#include "stamp/store.h"

struct fixture {
	char dir[64];
	stamp_store *st;
};

static const char *src_path(const char *rel)
{
	static char buf[4][512];
	static int i;
	const char *root = getenv("STAMP_SOURCE_DIR");
	char *p = buf[i++ % 4];
	snprintf(p, sizeof buf[0], "%s/%s", root ? root : "..", rel);
	return p;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	stamp_diag d;
	assert_non_null(f);
	strcpy(f->dir, "/tmp/test_import.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	if (stamp_store_open(f->dir, STAMP_STORE_CREATE, &f->st, &d) != 0)
		fail_msg("store: %s", d.msg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char p[128];
	stamp_store_close(f->st);
	snprintf(p, sizeof p, "%s/data.mdb", f->dir);
	unlink(p);
	snprintf(p, sizeof p, "%s/lock.mdb", f->dir);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int list_coop(const stamp_coop *c, void *ctx)
{
	char *s = ctx;
	size_t used = strlen(s);
	snprintf(s + used, 4096 - used, "%s|%s|%s|%s\n", c->id, c->name, c->address, c->phone);
	return 0;
}

static int list_product(const stamp_product *p, void *ctx)
{
	char *s = ctx;
	size_t used = strlen(s);
	snprintf(s + used, 4096 - used, "%s|%s|%s|%u\n", p->id, p->coop_id, p->name,
		 (unsigned)p->stars);
	return 0;
}

/* The whole registry as text, to compare before and after an import. */
static void listing(stamp_store *st, char out[4096])
{
	stamp_txn *t;
	out[0] = '\0';
	assert_int_equal(stamp_txn_begin(st, 0, &t), 0);
	assert_int_equal(stamp_store_each_coop(t, list_coop, out), 0);
	assert_int_equal(stamp_store_each_product(t, list_product, out), 0);
	stamp_txn_abort(t);
}

static int import(stamp_store *st, stamp_import_kind kind, const char *path, int dry, size_t *n,
		  struct errs *e)
{
	stamp_diag d = {{0}};
	memset(e, 0, sizeof *e);
	return stamp_import_csv(st, kind, path, dry, n, collect, e, &d);
}

static void import_ok(stamp_store *st, stamp_import_kind kind, const char *path, size_t want)
{
	struct errs e;
	size_t n = 0;
	int err = import(st, kind, path, 0, &n, &e);
	if (err != 0)
		fail_msg("%s: err %d\n%s", path, err, e.buf);
	assert_int_equal(e.n, 0);
	assert_int_equal(n, want);
}

/* Expected messages, each "LINE: rest", prefixed with path: here. */
static void expect_errors(const char *path, const struct errs *e, const char *const *want)
{
	char exp[8192] = "";
	size_t k;
	for (k = 0; want[k]; k++) {
		size_t used = strlen(exp);
		snprintf(exp + used, sizeof exp - used, "%s:%s\n", path, want[k]);
	}
	if (strcmp(exp, e->buf) != 0)
		fail_msg("expected:\n%s\ngot:\n%s", exp, e->buf);
	assert_int_equal(e->n, k);
}

static void test_samples(void **state)
{
	struct fixture *f = *state;
	stamp_txn *t;
	stamp_coop c;
	stamp_product p;

	import_ok(f->st, STAMP_IMPORT_COOPS, src_path("samples/coops.csv"), 9);
	import_ok(f->st, STAMP_IMPORT_PRODUCTS, src_path("samples/products.csv"), 12);
	assert_int_equal(stamp_txn_begin(f->st, 0, &t), 0);
	/* first column of the first row: the BOM is gone */
	assert_int_equal(stamp_store_get_coop(t, "HTX-KHUCPHU", &c), 0);
	assert_string_equal(c.address, "Thôn Khúc Phụ, xã Hoằng Phụ, huyện Hoằng Hóa");
	assert_string_equal(c.phone, "0237 3900 101");
	/* a line break inside a quoted cell becomes a space */
	assert_int_equal(stamp_store_get_coop(t, "HTX-COI-NGASON", &c), 0);
	assert_string_equal(c.address, "Thôn 5, xã Nga Liên, huyện Nga Sơn");
	assert_int_equal(stamp_store_get_coop(t, "CT-BIENXANH-SS", &c), 0);
	assert_string_equal(c.commune, "");
	assert_int_equal(stamp_store_get_product(t, "NM-COT-HH", &p), 0);
	assert_string_equal(p.name, "Nước mắm cốt Hoằng Hóa");
	assert_string_equal(p.short_name, "Nước mắm cốt Hoằng Hóa");
	assert_string_equal(p.standards, "TCCS 01:2023/KP; HACCP");
	assert_string_equal(p.gtin, "8936005120011");
	assert_int_equal(p.ocop_date, 20250512);
	assert_int_equal(p.shelf_life_days, 730);
	/* the last field of a CRLF line carries no stray CR */
	assert_int_equal(stamp_store_get_product(t, "CHIEU-COI-NS", &p), 0);
	assert_string_equal(p.name, "Chiếu cói Nga Sơn dệt tay, khổ 1,6 m");
	assert_string_equal(p.short_name, "Chiếu cói Nga Sơn");
	assert_int_equal(p.shelf_life_days, 0);
	assert_int_equal(stamp_store_get_product(t, "BANHGAI-TT", &p), 0);
	assert_int_equal(p.stars, 5);
	assert_int_equal(p.cert_valid_until, 20270228);
	stamp_txn_abort(t);
}

static void test_good_lf(void **state)
{
	struct fixture *f = *state;
	stamp_txn *t;
	stamp_coop c;
	stamp_product p;

	import_ok(f->st, STAMP_IMPORT_COOPS, src_path("tests/data/coops_good.csv"), 3);
	import_ok(f->st, STAMP_IMPORT_PRODUCTS, src_path("tests/data/products_good.csv"), 2);
	assert_int_equal(stamp_txn_begin(f->st, 0, &t), 0);
	/* typed with combining marks, stored precomposed */
	assert_int_equal(stamp_store_get_coop(t, "HTX-CT", &c), 0);
	assert_string_equal(c.name, "Hợp tác xã Cẩm Thủy");
	assert_string_equal(c.address, "Thôn Tiến Thành, xã Cẩm Tú");
	assert_string_equal(c.commune, "xã Cẩm Tú");
	/* last line without a line end */
	assert_int_equal(stamp_store_get_coop(t, "HTX-QX", &c), 0);
	assert_string_equal(c.phone, "0912.000.303");
	assert_int_equal(stamp_store_get_product(t, "P-MUOI", &p), 0);
	assert_string_equal(p.short_name, "Muối sạch Quảng Xương");
	assert_int_equal(p.ocop_date, 20240301);
	stamp_txn_abort(t);
}

static const char *const coops_bad_errors[] = {
	"3: column \"name\": required",
	"4: column \"phone\": expected a phone number of 8 to 15 digits, got \"12345\"",
	"7: column \"id\": expected 1 to 32 letters, digits, '-', '_' or '.' (no spaces), got "
	"\"HTX D\"",
	"9: column \"id\": duplicate id \"HTX-A\" (first on line 2)",
	"10: 8 fields, but the header has 7 columns",
	"12: column \"id\": expected 1 to 32 letters, digits, '-', '_' or '.' (no spaces), got "
	"\"bad id!\"",
	"12: column \"phone\": expected a phone number of 8 to 15 digits, got \"abc\"",
	NULL,
};

/* path's bytes, every ',' outside quotes made sep, in the encoding asked for. */
static const char *respell(struct fixture *f, const char *path, char sep, int utf16, int be,
			   const char *name)
{
	static char out[4][160];
	static int k;
	char *o = out[k++ % 4], buf[8192];
	FILE *in = fopen(path, "rb");
	assert_non_null(in);
	size_t n = fread(buf, 1, sizeof buf, in);
	fclose(in);
	int quoted = 0;
	for (size_t i = 0; i < n; i++) {
		quoted ^= buf[i] == '"';
		if (buf[i] == ',' && !quoted)
			buf[i] = sep;
	}
	snprintf(o, sizeof out[0], "%s/%s", f->dir, name);
	FILE *w = fopen(o, "wb");
	assert_non_null(w);
	if (!utf16) {
		fwrite("\xEF\xBB\xBF", 1, 3, w);
		fwrite(buf, 1, n, w);
	} else { /* every character of these files is in the BMP: one UTF-16 unit each */
		fwrite(be ? "\xFE\xFF" : "\xFF\xFE", 1, 2, w);
		for (size_t i = 0; i < n;) {
			unsigned cp = (unsigned char)buf[i], len = 1;
			if (cp >= 0xE0)
				cp &= 0x0F, len = 3;
			else if (cp >= 0xC0)
				cp &= 0x1F, len = 2;
			for (unsigned j = 1; j < len; j++)
				cp = cp << 6 | ((unsigned char)buf[i + j] & 0x3F);
			i += len;
			unsigned char u[2] = {(unsigned char)(be ? cp >> 8 : cp),
					      (unsigned char)(be ? cp : cp >> 8)};
			fwrite(u, 1, 2, w);
		}
	}
	assert_int_equal(fclose(w), 0);
	return o;
}

static void write_bytes(const char *path, const char *bytes, size_t n)
{
	FILE *w = fopen(path, "wb");
	assert_non_null(w);
	assert_int_equal(fwrite(bytes, 1, n, w), n);
	assert_int_equal(fclose(w), 0);
}

/*
 * What Excel writes: ';' under a Vietnamese locale (UTF-8, BOM), "Unicode
 * Text" (UTF-16 LE, BOM, tabs), and UTF-16 BE: the same records, the same
 * line numbers in messages. Text in a code page, or UTF-16 without a BOM,
 * is refused in one line that says how to save the file.
 */
static void test_excel_spellings(void **state)
{
	struct fixture *f = *state;
	const char *good = src_path("tests/data/coops_good.csv");
	struct errs e;
	size_t n = 0;
	stamp_diag d = {{0}};
	stamp_txn *t;
	stamp_coop c;

	assert_int_equal(import(f->st, STAMP_IMPORT_COOPS, respell(f, good, ';', 0, 0, "semi.csv"),
				1, &n, &e),
			 0);
	assert_int_equal(n, 3);
	assert_int_equal(import(f->st, STAMP_IMPORT_COOPS, respell(f, good, '\t', 1, 1, "be.txt"),
				1, &n, &e),
			 0);
	assert_int_equal(n, 3);
	import_ok(f->st, STAMP_IMPORT_COOPS, respell(f, good, '\t', 1, 0, "unicode.txt"), 3);
	assert_int_equal(stamp_txn_begin(f->st, 0, &t), 0);
	assert_int_equal(stamp_store_get_coop(t, "HTX-CT", &c), 0);
	assert_string_equal(c.name, "Hợp tác xã Cẩm Thủy");
	assert_string_equal(c.address, "Thôn Tiến Thành, xã Cẩm Tú");
	stamp_txn_abort(t);

	/* the same problems on the same lines, however the file is spelled */
	const char *bad = respell(f, src_path("tests/data/coops_bad.csv"), ';', 0, 0, "bad.csv");
	assert_int_equal(import(f->st, STAMP_IMPORT_COOPS, bad, 1, &n, &e), STAMP_EINPUT);
	expect_errors(bad, &e, coops_bad_errors);

	char path[160];
	snprintf(path, sizeof path, "%s/ansi.csv", f->dir);
	static const char ansi[] = "id,name,province\nX,H\xd2p t\xe1\x63 x\xe3,Thanh H\xf3\x61\n";
	write_bytes(path, ansi, sizeof ansi - 1);
	memset(&e, 0, sizeof e);
	assert_int_equal(stamp_import_csv(f->st, STAMP_IMPORT_COOPS, path, 1, &n, collect, &e, &d),
			 STAMP_EINPUT);
	assert_non_null(strstr(e.buf, "ansi.csv:2: not UTF-8 text"));
	assert_non_null(strstr(e.buf, "CSV UTF-8"));
	snprintf(path, sizeof path, "%s/nobom.csv", f->dir);
	write_bytes(path, "i\0d\0,\0n\0", 8);
	memset(&e, 0, sizeof e);
	assert_int_equal(stamp_import_csv(f->st, STAMP_IMPORT_COOPS, path, 1, &n, collect, &e, &d),
			 STAMP_EINPUT);
	assert_non_null(strstr(e.buf, "UTF-16 text without a byte-order mark"));
}

static void test_bad_coops(void **state)
{
	struct fixture *f = *state;
	const char *path = src_path("tests/data/coops_bad.csv");
	char before[4096], after[4096];
	struct errs e;
	size_t n = 99;

	import_ok(f->st, STAMP_IMPORT_COOPS, src_path("tests/data/coops_good.csv"), 3);
	listing(f->st, before);
	assert_int_equal(import(f->st, STAMP_IMPORT_COOPS, path, 0, &n, &e), STAMP_EINPUT);
	expect_errors(path, &e, coops_bad_errors);
	assert_int_equal(n, 0);
	listing(f->st, after);
	assert_string_equal(before, after);
}

/* The same file as Excel saves it: BOM and CRLF; the line numbers stay. */
static void test_bad_coops_crlf(void **state)
{
	struct fixture *f = *state;
	char path[128], buf[4096];
	struct errs e;
	size_t n;

	FILE *in = fopen(src_path("tests/data/coops_bad.csv"), "rb");
	assert_non_null(in);
	n = fread(buf, 1, sizeof buf, in);
	fclose(in);
	assert_true(n > 0 && n < sizeof buf);
	snprintf(path, sizeof path, "%s/bad-crlf.csv", f->dir);
	FILE *out = fopen(path, "wb");
	assert_non_null(out);
	fputs("\xEF\xBB\xBF", out);
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n')
			fputc('\r', out);
		fputc(buf[i], out);
	}
	assert_int_equal(fclose(out), 0);
	assert_int_equal(import(f->st, STAMP_IMPORT_COOPS, path, 0, &n, &e), STAMP_EINPUT);
	expect_errors(path, &e, coops_bad_errors);
	unlink(path);
}

static void test_bad_products(void **state)
{
	struct fixture *f = *state;
	const char *path = src_path("tests/data/products_bad.csv");
	static const char *const want[] = {
		"2: column \"stars\": expected 3, 4 or 5, got \"6\"",
		"3: column \"gtin\": check digit of \"8936005120050\" should be 9, not 0",
		"5: column \"coop_id\": no cooperative \"HTX-NOPE\" is registered (import the "
		"cooperatives first)",
		"6: column \"cert_valid_until\": 2024-03-01 is not after ocop_date 2027-03-01",
		"7: column \"ocop_date\": expected a date YYYY-MM-DD or DD/MM/YYYY, got "
		"\"30/02/2024\"",
		"8: column \"shelf_life_days\": expected a whole number of days from 0 to 3650, "
		"got "
		"\"abc\"",
		"8: column \"id\": duplicate id \"P-1\" (first on line 2)",
		NULL,
	};
	char before[4096], after[4096];
	struct errs e;
	size_t n;

	import_ok(f->st, STAMP_IMPORT_COOPS, src_path("tests/data/coops_good.csv"), 3);
	listing(f->st, before);
	assert_int_equal(import(f->st, STAMP_IMPORT_PRODUCTS, path, 0, &n, &e), STAMP_EINPUT);
	expect_errors(path, &e, want);
	listing(f->st, after);
	assert_string_equal(before, after);
}

static void test_products_need_coops(void **state)
{
	struct fixture *f = *state;
	const char *path = src_path("tests/data/products_good.csv");
	static const char *const want[] = {
		"2: column \"coop_id\": no cooperative \"HTX-NT\" is registered (import the "
		"cooperatives first)",
		"3: column \"coop_id\": no cooperative \"HTX-QX\" is registered (import the "
		"cooperatives first)",
		NULL,
	};
	struct errs e;
	size_t n;
	assert_int_equal(import(f->st, STAMP_IMPORT_PRODUCTS, path, 0, &n, &e), STAMP_EINPUT);
	expect_errors(path, &e, want);
}

static void test_already_registered(void **state)
{
	struct fixture *f = *state;
	const char *path = src_path("tests/data/coops_good.csv");
	static const char *const want[] = {
		"2: column \"id\": \"HTX-NT\" already registered",
		"4: column \"id\": \"HTX-CT\" already registered",
		"7: column \"id\": \"HTX-QX\" already registered",
		NULL,
	};
	struct errs e;
	size_t n;
	import_ok(f->st, STAMP_IMPORT_COOPS, path, 3);
	assert_int_equal(import(f->st, STAMP_IMPORT_COOPS, path, 0, &n, &e), STAMP_EINPUT);
	expect_errors(path, &e, want);
}

static void test_dry_run(void **state)
{
	struct fixture *f = *state;
	char before[4096], after[4096];
	struct errs e;
	size_t n = 0;

	listing(f->st, before);
	assert_int_equal(
		import(f->st, STAMP_IMPORT_COOPS, src_path("tests/data/coops_good.csv"), 1, &n, &e),
		0);
	assert_int_equal(n, 3); /* what would be written */
	assert_int_equal(e.n, 0);
	listing(f->st, after);
	assert_string_equal(before, after);
	assert_string_equal(after, "");
	/* and the real run afterwards still works: nothing was half-written */
	import_ok(f->st, STAMP_IMPORT_COOPS, src_path("tests/data/coops_good.csv"), 3);
}

/* The rows as the importer read them (a console's preview): the header first, each
 * row at the line it starts on, a cell's line break folded, blank rows left out. */
struct rows_seen {
	struct errs e; /* first: collect() takes the same ctx */
	char rows[4096];
};

static void on_row_text(size_t line, const char *const *cells, size_t n, void *ctx)
{
	char *s = ((struct rows_seen *)ctx)->rows;
	size_t used = strlen(s);
	snprintf(s + used, 4096 - used, "%zu:", line);
	for (size_t i = 0; i < n; i++) {
		used = strlen(s);
		snprintf(s + used, 4096 - used, "%s%s", i ? "|" : "", cells[i]);
	}
	used = strlen(s);
	snprintf(s + used, 4096 - used, "\n");
}

static void test_rows_seen(void **state)
{
	struct fixture *f = *state;
	char before[4096], after[4096];
	struct rows_seen v;
	stamp_diag d = {{0}};
	size_t n = 0;
	memset(&v, 0, sizeof v);
	listing(f->st, before);
	assert_int_equal(stamp_import_file_rows(f->st, STAMP_IMPORT_COOPS,
						src_path("tests/data/coops_good.csv"), NULL, 1, &n,
						collect, on_row_text, &v, &d),
			 0);
	assert_int_equal(n, 3);
	assert_int_equal(v.e.n, 0);
	listing(f->st, after);
	assert_string_equal(before, after);
	/* cells as in the file (that row is typed decomposed: stored NFC, shown as given) */
	assert_true(strncmp(v.rows,
			    "1:ID|Name|District|Province|Address|Commune|Phone\n"
			    "2:HTX-NT|HTX Nông sản Như Thanh|huyện Như Thanh|Thanh "
			    "Hóa|Thôn Đồng Xá, xã Xuân Khang|xã Xuân Khang|0237 3900 301\n"
			    "4:HTX-CT|",
			    strlen("1:ID|Name|District|Province|Address|Commune|Phone\n"
				   "2:HTX-NT|HTX Nông sản Như Thanh|huyện Như Thanh|Thanh "
				   "Hóa|Thôn Đồng Xá, xã Xuân Khang|xã Xuân Khang|0237 3900 301\n"
				   "4:HTX-CT|")) == 0);
	assert_non_null(strstr(v.rows, ", x")); /* the cell's line break folded to a space */
	assert_null(strstr(v.rows, "\nx"));
	assert_null(strstr(v.rows, "\n6:")); /* the blank row */
	assert_non_null(strstr(v.rows, "|\n7:HTX-QX|HTX Muối Quảng Xương|huyện Quảng Xương|Thanh "
				       "Hóa|Thôn Tân Thịnh|xã Quảng Nham|0912.000.303\n"));
	/* a bad row is given too, and its problem reported at the same line */
	memset(&v, 0, sizeof v);
	assert_int_equal(stamp_import_file_rows(f->st, STAMP_IMPORT_COOPS,
						src_path("tests/data/coops_bad.csv"), NULL, 1, &n,
						collect, on_row_text, &v, &d),
			 STAMP_EINPUT);
	assert_true(v.e.n > 0);
	assert_non_null(strstr(v.rows, "1:"));
}

static void one_error(stamp_store *st, const char *rel, const char *want)
{
	const char *path = src_path(rel);
	const char *const list[] = {want, NULL};
	char before[4096], after[4096];
	struct errs e;
	size_t n;
	listing(st, before);
	assert_int_equal(import(st, STAMP_IMPORT_COOPS, path, 0, &n, &e), STAMP_EINPUT);
	expect_errors(path, &e, list);
	listing(st, after);
	assert_string_equal(before, after);
}

static void test_header_errors(void **state)
{
	struct fixture *f = *state;
	one_error(f->st, "tests/data/coops_unknown_col.csv",
		  "1: unknown column \"fax\" (columns are: id, name, commune, "
		  "district, province, address, phone)");
	one_error(f->st, "tests/data/coops_missing_col.csv",
		  "1: missing required column \"address\"");
	one_error(f->st, "tests/data/coops_dup_col.csv", "1: duplicate column \"name\"");
}

/* An invisible direction override in a name: the line and column, nothing imported. */
static void test_bidi_refused(void **state)
{
	struct fixture *f = *state;
	one_error(f->st, "tests/data/coops_bidi.csv",
		  "3: column \"name\": U+202E (right-to-left override) is not allowed: it can "
		  "make a name read differently on the page");
	char after[4096];
	listing(f->st, after);
	assert_string_equal(after, ""); /* not even line 2's HTX-A */
}

static void test_syntax_errors(void **state)
{
	struct fixture *f = *state;
	one_error(f->st, "tests/data/coops_unterminated.csv",
		  "3: CSV syntax error: quoted field never closed (a \" is missing)");
	one_error(f->st, "tests/data/coops_stray_quote.csv",
		  "3: CSV syntax error: a quote inside an unquoted field, or text after a closing "
		  "quote");
	/* a file in a code page is refused whole, in one line saying how to save it */
	struct errs e;
	size_t n;
	stamp_diag d = {{0}};
	const char *latin1 = src_path("tests/data/coops_latin1.csv");
	memset(&e, 0, sizeof e);
	assert_int_equal(
		stamp_import_csv(f->st, STAMP_IMPORT_COOPS, latin1, 0, &n, collect, &e, &d),
		STAMP_EINPUT);
	assert_int_equal(e.n, 1);
	assert_non_null(strstr(e.buf, "coops_latin1.csv:2: not UTF-8 text"));
	assert_non_null(strstr(e.buf, "\"CSV UTF-8 (Comma delimited) (*.csv)\""));
	assert_non_null(strstr(d.msg, "coops_latin1.csv: 1 problem; nothing imported"));
}

static void test_empty_and_missing(void **state)
{
	struct fixture *f = *state;
	const char *path = src_path("tests/data/coops_empty.csv");
	stamp_diag d;
	struct errs e;
	size_t n;
	assert_int_equal(import(f->st, STAMP_IMPORT_COOPS, path, 0, &n, &e), STAMP_EINPUT);
	assert_int_equal(e.n, 1);
	assert_non_null(strstr(e.buf, "empty file"));
	assert_int_equal(stamp_import_csv(f->st, STAMP_IMPORT_COOPS, "/nonexistent/x.csv", 0, &n,
					  collect, &e, &d),
			 2 /* ENOENT */);
	assert_non_null(strstr(d.msg, "/nonexistent/x.csv"));
}

/* Past 100 problems the import stops reporting. */
static void test_error_cap(void **state)
{
	struct fixture *f = *state;
	char path[128];
	struct errs e;
	size_t n;
	snprintf(path, sizeof path, "%s/many.csv", f->dir);
	FILE *out = fopen(path, "w");
	assert_non_null(out);
	fputs("id,name,district,province,address\n", out);
	for (int i = 0; i < 300; i++)
		fprintf(out, "bad id %d,x,y,z,w\n", i);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(import(f->st, STAMP_IMPORT_COOPS, path, 0, &n, &e), STAMP_EINPUT);
	assert_int_equal(e.n, 100);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_samples, setup, teardown),
		cmocka_unit_test_setup_teardown(test_good_lf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_coops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_coops_crlf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_products, setup, teardown),
		cmocka_unit_test_setup_teardown(test_products_need_coops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_already_registered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dry_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rows_seen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syntax_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bidi_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_and_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_excel_spellings, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
