/*
 * fuzz_import.c - libFuzzer target for the CSV import of cooperatives,
 * products and production stages (libstamp/import.c, libcsv underneath).
 *
 * Each input is imported as a cooperatives file, as a products file and as
 * an events file, as a dry run, into one of three stores the process opens
 * (below).
 *
 * Invariants: an import either succeeds with no problem reported and at
 * most one record per line, or fails with STAMP_EINPUT after 1 to 100
 * problems, each "FILE:LINE: ..." with LINE within the file (only "empty
 * file" has none), and a diag naming the file and the count; the store is
 * unchanged either way. Excel's spellings are one file: the input with a
 * BOM and CRLF line ends gives the same result, count and problem lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "stamp/event.h"
#include "stamp/import.h"
#include "stamp/key.h"
#include "stamp/store.h"

#define PROBLEMS_MAX 100
#define BOM "\xEF\xBB\xBF"

/*
 * Three stores: the cooperatives are imported into one that holds only
 * HTX-TAKEN (so that every cooperatives seed can pass, and "already
 * registered" can be reached), the products into one that holds every
 * cooperative the products seeds name, the events into one that also holds
 * the products the events seeds name (no batch: batch rows are refused).
 */
static const char taken[] = "id,name,district,province,address\n"
			    "HTX-TAKEN,HTX đã đăng ký,huyện Như Thanh,Thanh Hóa,xã Xuân Khang\n";
static const char coops[] =
	"id,name,district,province,address\n"
	"HTX-NT,HTX Như Thanh,huyện Như Thanh,Thanh Hóa,xã Xuân Khang\n"
	"HTX-QX,HTX Quảng Xương,huyện Quảng Xương,Thanh Hóa,xã Quảng Thái\n"
	"HTX-CT,HTX Cẩm Thủy,huyện Cẩm Thủy,Thanh Hóa,xã Cẩm Tú\n"
	"HTX-KHUCPHU,HTX Khúc Phụ,huyện Hoằng Hóa,Thanh Hóa,Thôn Khúc Phụ\n"
	"HTX-COI-NGASON,HTX cói Nga Sơn,huyện Nga Sơn,Thanh Hóa,Thôn 5\n"
	"HTX-TUTRU,HTX Tứ Trụ,huyện Thọ Xuân,Thanh Hóa,Làng Tứ Trụ\n"
	"CT-HAMRONG,Công ty Hàm Rồng,TP Thanh Hóa,Thanh Hóa,phường Hàm Rồng\n"
	"HTX-HOALOC,HTX Hoa Lộc,huyện Hậu Lộc,Thanh Hóa,xã Hoa Lộc\n"
	"HTX-PULUONG,HTX Pù Luông,huyện Bá Thước,Thanh Hóa,xã Thành Lâm\n"
	"HTX-PHUQUANG,HTX Phú Quang,huyện Vĩnh Lộc,Thanh Hóa,xã Vĩnh Quang\n"
	"CT-BIENXANH-SS,Công ty Biển Xanh,TP Sầm Sơn,Thanh Hóa,phường Quảng Tiến\n"
	"HTX-THIEUGIAO,HTX Thiệu Giao,huyện Thiệu Hóa,Thanh Hóa,xã Thiệu Giao\n";

static const char products[] =
	"id,coop_id,name,group,stars,ocop_decision,ocop_date,cert_valid_until\n"
	"NM-COT-HH,HTX-KHUCPHU,Nước mắm cốt,Thực phẩm,4,1520/QĐ-UBND,2025-05-12,2028-05-12\n"
	"MATONG-PL,HTX-PULUONG,Mật ong rừng,Thực phẩm,4,1521/QĐ-UBND,2025-05-12,2028-05-12\n";

static stamp_store *st[3]; /* by kind */
static size_t base[3][3];  /* cooperatives, products and events in each */

typedef struct result {
	int rc;
	size_t count, nerr;
	size_t lines[PROBLEMS_MAX]; /* of each problem; 0 for none */
	size_t file_lines;
	const char *path;
	stamp_diag diag;
} result;

static int count_coop(const stamp_coop *c, void *ctx)
{
	(void)c;
	++*(size_t *)ctx;
	return 0;
}

static int count_product(const stamp_product *p, void *ctx)
{
	(void)p;
	++*(size_t *)ctx;
	return 0;
}

static int count_event(const stamp_event *e, void *ctx)
{
	(void)e;
	++*(size_t *)ctx;
	return 0;
}

static void store_counts(stamp_store *s, size_t n[3])
{
	stamp_txn *t;
	n[0] = n[1] = n[2] = 0;
	if (stamp_txn_begin(s, 0, &t) != 0 || stamp_store_each_coop(t, count_coop, &n[0]) != 0 ||
	    stamp_store_each_product(t, count_product, &n[1]) != 0 ||
	    stamp_event_each(t, 0, "NM-COT-HH", count_event, &n[2]) != 0 ||
	    stamp_event_each(t, 0, "MATONG-PL", count_event, &n[2]) != 0)
		fuzz_fail("cannot read the store");
	stamp_txn_abort(t);
}

static void on_problem(const char *msg, void *ctx)
{
	result *r = ctx;
	size_t pl = strlen(r->path);
	char *end;

	if (r->nerr >= PROBLEMS_MAX)
		fuzz_fail("more than %d problems reported", PROBLEMS_MAX);
	if (!fuzz_starts(msg, r->path) || msg[pl] != ':')
		fuzz_fail("a problem that does not name the file: %s", msg);
	unsigned long line = strtoul(msg + pl + 1, &end, 10);
	if (end == msg + pl + 1 || *end != ':') {
		if (!fuzz_starts(msg + pl, ": empty file"))
			fuzz_fail("a problem without a line number: %s", msg);
		line = 0;
	} else if (line == 0 || line > r->file_lines) {
		fuzz_fail("line %lu of a file of %zu lines: %s", line, r->file_lines, msg);
	}
	r->lines[r->nerr++] = line;
}

static void open_store(int k, const char *csv, size_t len, size_t want)
{
	char dir[128];
	stamp_diag d = {{0}};
	size_t n = 0;

	snprintf(dir, sizeof dir, "%s/store%d", fuzz_dir(), k);
	if (stamp_store_open(dir, STAMP_STORE_CREATE, &st[k], &d) != 0)
		fuzz_fail("cannot open a store: %s", d.msg);
	const char *path = fuzz_file("coops.csv", (const uint8_t *)csv, len, 0644);
	if (stamp_import_csv(st[k], STAMP_IMPORT_COOPS, path, 0, &n, NULL, NULL, &d) != 0 ||
	    n != want)
		fuzz_fail("cannot import the cooperatives: %s", d.msg);
	if (k == STAMP_IMPORT_EVENTS) {
		path = fuzz_file("products.csv", (const uint8_t *)products, sizeof products - 1,
				 0644);
		if (stamp_import_csv(st[k], STAMP_IMPORT_PRODUCTS, path, 0, &n, NULL, NULL, &d) ||
		    n != 2)
			fuzz_fail("cannot import the products: %s", d.msg);
	}
	store_counts(st[k], base[k]);
}

static void init(void)
{
	if (st[0])
		return;
	if (stamp_init() != 0)
		fuzz_fail("stamp_init");
	open_store(STAMP_IMPORT_COOPS, taken, sizeof taken - 1, 1);
	open_store(STAMP_IMPORT_PRODUCTS, coops, sizeof coops - 1, 12);
	open_store(STAMP_IMPORT_EVENTS, coops, sizeof coops - 1, 12);
}

static void run(stamp_import_kind kind, const char *name, const uint8_t *data, size_t size,
		result *r)
{
	memset(r, 0, sizeof *r);
	for (size_t i = 0; i < size; i++)
		r->file_lines += data[i] == '\n';
	r->file_lines += size && data[size - 1] != '\n';
	r->path = fuzz_file(name, data, size, 0644);
	r->count = 12345;
	r->rc = stamp_import_csv(st[kind], kind, r->path, 1, &r->count, on_problem, r, &r->diag);
	if (r->rc == 0) {
		if (r->nerr || r->count > r->file_lines)
			fuzz_fail("imported %zu records from %zu lines after %zu problems",
				  r->count, r->file_lines, r->nerr);
		return;
	}
	if (r->rc != STAMP_EINPUT)
		fuzz_fail("error %d: %s", r->rc, r->diag.msg);
	if (r->nerr == 0 || r->count != 0)
		fuzz_fail("refused after %zu problems, %zu records counted", r->nerr, r->count);
	char said[64];
	snprintf(said, sizeof said, "%s%zu problem%s; nothing imported",
		 r->nerr >= PROBLEMS_MAX ? "at least " : "", r->nerr, r->nerr == 1 ? "" : "s");
	if (!fuzz_starts(r->diag.msg, r->path) || !strstr(r->diag.msg, said))
		fuzz_fail("the diag \"%s\" does not say \"%s\"", r->diag.msg, said);
}

static void same_result(const result *a, const result *b)
{
	if (a->rc != b->rc || a->count != b->count || a->nerr != b->nerr ||
	    memcmp(a->lines, b->lines, a->nerr * sizeof a->lines[0]) != 0)
		fuzz_fail("with a BOM and CRLF: %d, %zu records, %zu problems; without: %d, %zu, "
			  "%zu",
			  b->rc, b->count, b->nerr, a->rc, a->count, a->nerr);
}

/* BOM + data (less its own BOM) with CRLF line ends; NULL if data holds a CR */
static uint8_t *excel_spelling(const uint8_t *data, size_t size, size_t *out_size)
{
	if (size >= 3 && memcmp(data, BOM, 3) == 0)
		data += 3, size -= 3;
	if (memchr(data, '\r', size))
		return NULL;
	uint8_t *out = malloc(3 + 2 * size);
	size_t n = 3;
	if (!out)
		fuzz_fail("out of memory");
	memcpy(out, BOM, 3);
	for (size_t i = 0; i < size; i++) {
		if (data[i] == '\n')
			out[n++] = '\r';
		out[n++] = data[i];
	}
	*out_size = n;
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const stamp_import_kind kinds[] = {STAMP_IMPORT_COOPS, STAMP_IMPORT_PRODUCTS,
						  STAMP_IMPORT_EVENTS};
	result *r = malloc(2 * sizeof *r);
	size_t xsize = 0, n[3];

	if (!r)
		fuzz_fail("out of memory");
	init();
	uint8_t *x = excel_spelling(data, size, &xsize);
	fuzz_result = STAMP_EINPUT;
	for (int k = 0; k < 3; k++) {
		run(kinds[k], "fuzz.csv", data, size, &r[0]);
		if (r[0].rc == 0)
			fuzz_result = 0;
		if (x) {
			run(kinds[k], "excel.csv", x, xsize, &r[1]);
			same_result(&r[0], &r[1]);
		}
		store_counts(st[kinds[k]], n);
		if (n[0] != base[kinds[k]][0] || n[1] != base[kinds[k]][1] ||
		    n[2] != base[kinds[k]][2])
			fuzz_fail("a dry run changed the store");
	}
	free(x);
	free(r);
	return 0;
}
