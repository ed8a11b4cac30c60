/*
 * console_overview.c - Tổng quan, the console's first page: the counts of
 * the registry (cooperatives, products, batches, stamps), the last batches
 * and, with `stampgen console --scans DIR`, charts of the shoppers' scans.
 *
 * DIR is a copy of verifyd's scans folder, read with verifyd's own code
 * (scans.c, opened read-only and without a lock file: nothing in the folder
 * is ever written) and drawn as SVG here, without script. The chart by day
 * is verifyd's own count of counted scans per day (stamp_scans_daily, the
 * last 400 days kept). A copy of a folder from a verifyd before that count
 * has per stamp only its totals and its first and last counted scan: the
 * chart then files each stamp's scans under the day of its last counted
 * scan, and says so. Suspicious stamps are found with verifyd's own rule
 * (stamp_scan_suspicious).
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "console.h"
#include "scans.h"

typedef struct counts {
	size_t coops, products, batches;
	uint64_t stamps;
	stamp_batch last[10];
	size_t nlast;
} counts;

static int count_coop(const stamp_coop *c, void *ctx)
{
	(void)c;
	((counts *)ctx)->coops++;
	return 0;
}

static int count_product(const stamp_product *p, void *ctx)
{
	(void)p;
	((counts *)ctx)->products++;
	return 0;
}

/* the last ten by id (the walk goes in id order: keep a rolling window) */
static int count_batch(const stamp_batch *b, void *ctx)
{
	counts *n = ctx;
	n->batches++;
	n->stamps += b->count;
	if (n->nlast == 10)
		memmove(n->last, n->last + 1, 9 * sizeof n->last[0]), n->nlast = 9;
	n->last[n->nlast++] = *b;
	return 0;
}

/* ---- the scans charts ------------------------------------------------------------------ */

#define DAYS 90
#define TOP 10
#define SUSPECTS_MAX 50

typedef struct prodstat {
	char id[STAMP_ID_MAX + 1];
	uint64_t stamps, scans;
} prodstat;

typedef struct suspect {
	uint64_t serial, scanners;
	uint32_t batch;
} suspect;

typedef struct scanstat {
	stamp_txn *t;
	stamp_batch *b; /* every batch, by first serial */
	size_t nb, nbcap;
	int64_t today; /* days since 1970 in Vietnam */
	int daily;     /* 1: day_scans is verifyd's count per day; 0: by last scan */
	uint64_t day_stamps[DAYS], day_scans[DAYS];
	prodstat *p;
	size_t np, npcap;
	suspect sus[SUSPECTS_MAX];
	size_t nsus, more_sus;
	uint64_t stamps, scans, requests, unknown;
} scanstat;

/* Room for one more of n items of size bytes in *arr (capacity *cap): 0 or ENOMEM. */
static int grow(void *arr, size_t *cap, size_t n, size_t size)
{
	void **a = arr;
	if (n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 32;
	void *m = realloc(*a, c * size);
	if (!m)
		return ENOMEM;
	*a = m, *cap = c;
	return 0;
}

static int keep_batch(const stamp_batch *b, void *ctx)
{
	scanstat *z = ctx;
	if (grow(&z->b, &z->nbcap, z->nb, sizeof *z->b))
		return ENOMEM;
	z->b[z->nb++] = *b;
	return 0;
}

static int by_first_serial(const void *a, const void *b)
{
	const stamp_batch *x = a, *y = b;
	return x->first_serial < y->first_serial ? -1 : x->first_serial > y->first_serial;
}

static const stamp_batch *batch_of(const scanstat *z, uint64_t serial)
{
	size_t lo = 0, hi = z->nb;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->b[mid].first_serial > serial)
			hi = mid;
		else if (serial - z->b[mid].first_serial >= z->b[mid].count)
			lo = mid + 1;
		else
			return &z->b[mid];
	}
	return NULL;
}

static prodstat *product_of(scanstat *z, const char *id)
{
	for (size_t i = 0; i < z->np; i++)
		if (strcmp(z->p[i].id, id) == 0)
			return &z->p[i];
	if (grow(&z->p, &z->npcap, z->np, sizeof *z->p))
		return NULL;
	prodstat *p = &z->p[z->np++];
	memset(p, 0, sizeof *p);
	snprintf(p->id, sizeof p->id, "%s", id);
	return p;
}

static int take_scan(void *arg, const stamp_scans_dump *d)
{
	scanstat *z = arg;
	const stamp_batch *b = batch_of(z, d->serial);
	stamp_revocation rv;
	z->requests += d->totals.requests;
	if (!d->totals.counted)
		return 0;
	z->stamps++;
	z->scans += d->totals.counted;
	int64_t day = (d->totals.last + 7 * 3600) / 86400, ago = z->today - day;
	if (!z->daily && ago >= 0 && ago < DAYS) {
		z->day_stamps[DAYS - 1 - ago]++;
		z->day_scans[DAYS - 1 - ago] += d->totals.counted;
	}
	if (!b) {
		z->unknown++; /* a serial this copy of the registry does not hold */
		return 0;
	}
	prodstat *p = product_of(z, b->product_id);
	if (!p)
		return ENOMEM;
	p->stamps++;
	p->scans += d->totals.counted;
	/* verifyd warns on genuine stamps only: a revoked one says revoked instead */
	if (stamp_scan_suspicious(&d->totals, STAMP_SUSPICIOUS_AFTER) &&
	    stamp_revocation_find(z->t, d->serial, b, &rv) == STAMP_ENOTFOUND) {
		if (z->nsus < SUSPECTS_MAX)
			z->sus[z->nsus++] = (suspect){d->serial, d->totals.scanners, b->id};
		else
			z->more_sus++;
	}
	return 0;
}

static int by_scans(const void *a, const void *b)
{
	const prodstat *x = a, *y = b;
	if (x->scans != y->scans)
		return x->scans > y->scans ? -1 : 1;
	return strcmp(x->id, y->id);
}

static void day_name(int64_t days, char out[11])
{
	stamp_date_format(stamp_date_from_days(days), out);
}

/* A chart's numbers: a table with its caption and three column heads. */
static void table_head(strbuf *b, const char *id, const char *caption, const char *c1,
		       const char *c2, const char *c3)
{
	buf_put(b,
		"<div class=\"scroll\" tabindex=\"0\"><table "
		"id=\"%s\"><caption>%s</caption><tr><th "
		"scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr>",
		id, caption, c1, c2, c3);
}

/* What the chart by day shows, in words: the real count, or the approximation. */
static void days_note(const console_req *r, strbuf *b, const scanstat *z)
{
	if (z->daily)
		buf_put(b, "<p id=\"days-note\">%s</p>",
			T(r,
			  "Mỗi cột là số lượt quét được tính trong ngày đó (giờ Việt Nam), "
			  "theo verifyd đếm.",
			  "Each bar is the counted scans of that day (Vietnam time), as verifyd "
			  "counted them."));
	else
		buf_put(b, "<p id=\"days-note\">%s</p>",
			T(r,
			  "Thư mục này từ một verifyd cũ, không đếm lượt quét theo từng ngày: "
			  "mỗi cột (ước tính) là số lượt quét của các tem có lượt quét cuối vào "
			  "ngày đó.",
			  "This folder is from an older verifyd that kept no count per day: each "
			  "bar (an approximation) is the scans of the stamps whose last counted "
			  "scan fell on that day."));
}

/* Scans by day, the last 90 days, with the numbers as a table. */
static void chart_days(const console_req *r, strbuf *b, const scanstat *z)
{
	uint64_t max = 1;
	char first[11], last[11], d[11];
	for (int i = 0; i < DAYS; i++)
		max = z->day_scans[i] > max ? z->day_scans[i] : max;
	day_name(z->today - DAYS + 1, first);
	day_name(z->today, last);
	buf_put(b, "<h3 id=\"days-h\">%s</h3>",
		T(r, "Lượt quét theo ngày (90 ngày)", "Scans by day (90 days)"));
	days_note(r, b, z);
	buf_put(b,
		"<svg role=\"img\" "
		"aria-labelledby=\"days-t\" viewBox=\"0 0 %d 140\" width=\"100%%\" "
		"height=\"140\"><title id=\"days-t\">%s, %s – %s</title>"
		"<line x1=\"0\" y1=\"120\" x2=\"%d\" y2=\"120\" stroke=\"#888\"/>",
		DAYS * 6,
		z->daily ? T(r, "Lượt quét theo ngày", "Scans by day")
			 : T(r, "Lượt quét theo ngày quét cuối (ước tính)",
			     "Scans by day of the last scan (approximation)"),
		first, last, DAYS * 6);
	for (int i = 0; i < DAYS; i++) {
		if (!z->day_scans[i])
			continue;
		unsigned h = (unsigned)(z->day_scans[i] * 110 / max);
		h = h ? h : 1;
		buf_put(b,
			"<rect x=\"%d\" y=\"%u\" width=\"5\" height=\"%u\" "
			"fill=\"#0a5d2c\"/>",
			i * 6, 120 - h, h);
	}
	buf_put(b,
		"<text x=\"0\" y=\"136\" font-size=\"11\">%s</text><text x=\"%d\" "
		"y=\"136\" font-size=\"11\" text-anchor=\"end\">%s</text></svg>",
		first, DAYS * 6, last);
	if (z->daily)
		buf_put(b,
			"<div class=\"scroll\" tabindex=\"0\"><table id=\"days\"><caption>%s"
			"</caption><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr>",
			T(r, "Các ngày có lượt quét", "Days with scans"), T(r, "Ngày", "Day"),
			T(r, "Lượt quét", "Scans"));
	else
		table_head(b, "days",
			   T(r, "Các ngày có lượt quét (theo ngày quét cuối của mỗi tem)",
			     "Days with scans (by each stamp's last scan)"),
			   T(r, "Ngày", "Day"), T(r, "Tem", "Stamps"), T(r, "Lượt quét", "Scans"));
	for (int i = DAYS; i-- > 0;) {
		if (!z->day_scans[i])
			continue;
		day_name(z->today - DAYS + 1 + i, d);
		if (z->daily)
			buf_put(b, "<tr><td>%s</td><td>%llu</td></tr>", d,
				(unsigned long long)z->day_scans[i]);
		else
			buf_put(b, "<tr><td>%s</td><td>%llu</td><td>%llu</td></tr>", d,
				(unsigned long long)z->day_stamps[i],
				(unsigned long long)z->day_scans[i]);
	}
	buf_put(b, "</table></div>");
}

/* The ten products scanned most, as bars with their names, and as a table. */
static void chart_products(const console_req *r, strbuf *b, const scanstat *z)
{
	size_t n = z->np < TOP ? z->np : TOP;
	uint64_t max = n && z->p[0].scans ? z->p[0].scans : 1;
	buf_put(b,
		"<h3>%s</h3><svg role=\"img\" aria-labelledby=\"prod-t\" viewBox=\"0 0 540 "
		"%zu\" width=\"100%%\" height=\"%zu\"><title id=\"prod-t\">%s</title>",
		T(r, "Lượt quét theo sản phẩm (10 sản phẩm nhiều nhất)",
		  "Scans by product (top 10)"),
		n * 24 + 4, n * 24 + 4, T(r, "Lượt quét theo sản phẩm", "Scans by product"));
	for (size_t i = 0; i < n; i++) {
		unsigned w = (unsigned)(z->p[i].scans * 300 / max);
		buf_put(b, "<text x=\"0\" y=\"%zu\" font-size=\"12\">", i * 24 + 16);
		buf_esc(b, z->p[i].id);
		buf_put(b,
			"</text><rect x=\"170\" y=\"%zu\" width=\"%u\" height=\"18\" "
			"fill=\"#0a5d2c\"/><text x=\"%u\" y=\"%zu\" "
			"font-size=\"12\">%llu</text>",
			i * 24 + 3, w ? w : 1, 176 + (w ? w : 1), i * 24 + 16,
			(unsigned long long)z->p[i].scans);
	}
	buf_put(b, "</svg>");
	table_head(b, "products", T(r, "Lượt quét theo sản phẩm", "Scans by product"),
		   T(r, "Sản phẩm", "Product"), T(r, "Tem đã quét", "Stamps scanned"),
		   T(r, "Lượt quét", "Scans"));
	for (size_t i = 0; i < n; i++) {
		buf_put(b, "<tr><td>");
		buf_esc(b, z->p[i].id);
		buf_put(b, "</td><td>%llu</td><td>%llu</td></tr>",
			(unsigned long long)z->p[i].stamps, (unsigned long long)z->p[i].scans);
	}
	buf_put(b, "</table></div>");
}

static void suspects(const console_req *r, strbuf *b, const scanstat *z)
{
	buf_put(b, "<h3>%s</h3><p>%s</p>",
		T(r, "Tem đáng ngờ (có thể bị sao chép)", "Suspicious stamps (may be copied)"),
		T(r, "Quy tắc của verifyd: tem thật được quét bởi hơn 20 máy khác nhau.",
		  "verifyd's rule: a genuine stamp scanned by more than 20 distinct "
		  "scanners."));
	if (!z->nsus) {
		buf_put(b, "<p id=\"suspects\">%s</p>", T(r, "Không có.", "None."));
		return;
	}
	table_head(b, "suspects", T(r, "Tem đáng ngờ", "Suspicious stamps"),
		   T(r, "Số sê-ri", "Serial"), T(r, "Máy quét khác nhau", "Distinct scanners"),
		   T(r, "Lô tem", "Batch"));
	for (size_t i = 0; i < z->nsus; i++)
		buf_put(b,
			"<tr><td>%llu</td><td>%llu</td><td><a "
			"href=\"/batches/%u\">%u</a></td></tr>",
			(unsigned long long)z->sus[i].serial,
			(unsigned long long)z->sus[i].scanners, z->sus[i].batch, z->sus[i].batch);
	buf_put(b, "</table></div>");
	if (z->more_sus)
		buf_put(b, "<p>%s %zu.</p>", T(r, "Và thêm", "And more:"), z->more_sus);
}

/* verifyd's counts of the 90 days, when the folder has them (z->daily). */
static int days_of(stamp_scans *sc, scanstat *z)
{
	int rc = stamp_scans_daily(sc, stamp_date_from_days(z->today - DAYS + 1), DAYS,
				   z->day_scans);
	z->daily = rc == 0;
	return rc == STAMP_ENOTFOUND ? 0 : rc;
}

/*
 * The summary of the scans copy, made once per state of the copy (its data
 * file's identity, size and time) and of the registry (its audit head: a new
 * batch or revocation changes what the charts say) and per day: walking every
 * stamp's record of a large folder takes longer than a page may (100,000
 * scanned stamps: ~50 ms), so a page draws from the summary and the console
 * makes it once at start. Guarded by its lock; the page draws under it.
 */
static struct {
	pthread_mutex_t lock;
	int have, rc;
	struct stat sb;
	uint64_t audit_seq;
	int64_t today;
	scanstat z; /* its b and p are owned here */
	stamp_diag d;
} cache = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void summary_make(console *k, scanstat *z, stamp_diag *d, int *rc)
{
	stamp_scans *sc = NULL;
	memset(z, 0, sizeof *z);
	z->today = (time(NULL) + 7 * 3600) / 86400;
	if ((*rc = stamp_scans_open_copy(k->scans_dir, &sc, d)) == 0)
		*rc = days_of(sc, z);
	if (*rc == 0 && (*rc = stamp_txn_begin(k->st, 0, &z->t)) == 0) {
		*rc = stamp_store_each_batch(z->t, keep_batch, z);
		if (*rc == 0) {
			qsort(z->b, z->nb, sizeof *z->b, by_first_serial);
			*rc = stamp_scans_each(sc, take_scan, z);
		}
		stamp_txn_abort(z->t);
		z->t = NULL;
	}
	stamp_scans_close(sc);
	if (*rc == 0)
		qsort(z->p, z->np, sizeof *z->p, by_scans);
}

/* The summary as it is now, made again when something changed: cache.lock held. */
static void summary(console *k)
{
	char path[4096];
	struct stat sb;
	stamp_audit_head head = {0};
	stamp_txn *t;
	memset(&sb, 0, sizeof sb);
	if (snprintf(path, sizeof path, "%s/data.mdb", k->scans_dir) < (int)sizeof path)
		(void)stat(path, &sb);
	if (stamp_txn_begin(k->st, 0, &t) == 0) {
		if (stamp_audit_read_head(t, &head) != 0)
			head.seq = UINT64_MAX; /* unreadable: never matches, made again */
		stamp_txn_abort(t);
	}
	int64_t today = (time(NULL) + 7 * 3600) / 86400;
	if (cache.have && cache.sb.st_dev == sb.st_dev && cache.sb.st_ino == sb.st_ino &&
	    cache.sb.st_size == sb.st_size && cache.sb.st_mtim.tv_sec == sb.st_mtim.tv_sec &&
	    cache.sb.st_mtim.tv_nsec == sb.st_mtim.tv_nsec && cache.audit_seq == head.seq &&
	    cache.today == today && head.seq != UINT64_MAX)
		return;
	free(cache.z.b);
	free(cache.z.p);
	memset(&cache.d, 0, sizeof cache.d);
	summary_make(k, &cache.z, &cache.d, &cache.rc);
	cache.have = 1, cache.sb = sb, cache.audit_seq = head.seq, cache.today = today;
}

void console_overview_start(console *k)
{
	if (!k->scans_dir)
		return;
	pthread_mutex_lock(&cache.lock);
	summary(k);
	pthread_mutex_unlock(&cache.lock);
}

void console_overview_stop(void)
{
	pthread_mutex_lock(&cache.lock);
	free(cache.z.b);
	free(cache.z.p);
	memset(&cache.z, 0, sizeof cache.z);
	cache.have = 0;
	pthread_mutex_unlock(&cache.lock);
}

static void scans_section(const console_req *r, strbuf *b)
{
	buf_put(b, "<h2>%s</h2>", T(r, "Lượt quét của người mua", "Shoppers' scans"));
	if (!r->k->scans_dir) {
		buf_put(b, "<p id=\"no-scans\">%s</p>",
			T(r,
			  "Để xem biểu đồ lượt quét, sao chép thư mục scans của verifyd về máy này "
			  "và chạy <code>stampgen console --scans THƯ_MỤC</code>.",
			  "For charts of the scans, copy verifyd's scans folder to this computer "
			  "and run <code>stampgen console --scans FOLDER</code>."));
		return;
	}
	pthread_mutex_lock(&cache.lock);
	summary(r->k);
	const scanstat *z = &cache.z;
	if (cache.rc) {
		buf_put(b, "<p class=\"err\" role=\"alert\">%s: ",
			T(r, "Không đọc được thư mục lượt quét", "Cannot read the scans folder"));
		buf_esc(b, cache.d.msg[0] ? cache.d.msg : stamp_strerror(cache.rc));
		buf_put(b, "</p>");
	} else {
		buf_put(b, "<p id=\"scan-totals\">%llu %s, %llu %s (%llu %s).",
			(unsigned long long)z->scans, T(r, "lượt quét được tính", "counted scans"),
			(unsigned long long)z->stamps, T(r, "tem đã quét", "stamps scanned"),
			(unsigned long long)z->requests, T(r, "lượt mở trang", "page requests"));
		if (z->unknown)
			buf_put(b, " %llu %s", (unsigned long long)z->unknown,
				T(r, "tem không có trong kho này.", "stamps not in this store."));
		buf_put(b, "</p>");
		chart_days(r, b, z);
		chart_products(r, b, z);
		suspects(r, b, z);
	}
	pthread_mutex_unlock(&cache.lock);
}

static enum MHD_Result overview(console_req *r)
{
	counts n = {0};
	stamp_txn *t;
	strbuf b;
	int rc = stamp_txn_begin(r->k->st, 0, &t);
	if (rc == 0) {
		rc = stamp_store_each_coop(t, count_coop, &n);
		rc = rc ? rc : stamp_store_each_product(t, count_product, &n);
		rc = rc ? rc : stamp_store_each_batch(t, count_batch, &n);
		stamp_txn_abort(t);
	}
	if (buf_init(&b, CONSOLE_PAGE_MAX) != 0)
		return console_answer(r, 500, "text/html", NULL, 0, NULL, NULL);
	console_page_head(r, &b, T(r, "Tổng quan", "Overview"));
	if (rc)
		buf_put(&b, "<p role=\"alert\">%s: %s</p>",
			T(r, "Không đọc được kho dữ liệu", "Cannot read the store"),
			stamp_strerror(rc));
	buf_put(&b,
		"<div class=\"cards\"><div class=\"card\"><div class=\"n\">%zu</div>%s</div><div "
		"class=\"card\"><div class=\"n\">%zu</div>%s</div><div class=\"card\"><div "
		"class=\"n\">%zu</div>%s</div><div class=\"card\"><div "
		"class=\"n\">%llu</div>%s</div></div><h2>%s</h2><div "
		"class=\"scroll\" tabindex=\"0\"><table><tr><th "
		"scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th "
		"scope=\"col\">%s</th></tr>",
		n.coops, T(r, "Hợp tác xã", "Cooperatives"), n.products,
		T(r, "Sản phẩm", "Products"), n.batches, T(r, "Lô tem", "Batches"),
		(unsigned long long)n.stamps, T(r, "Tem", "Stamps"),
		T(r, "Các lô mới nhất", "Latest batches"), T(r, "Lô số", "Batch"),
		T(r, "Sản phẩm", "Product"), T(r, "Số lô", "Lot"), T(r, "Số tem", "Stamps"));
	for (size_t i = n.nlast; i-- > 0;) {
		buf_put(&b, "<tr><td>%u</td><td>", n.last[i].id);
		buf_esc(&b, n.last[i].product_id);
		buf_put(&b, "</td><td>");
		buf_esc(&b, n.last[i].lot);
		buf_put(&b, "</td><td>%u</td></tr>", n.last[i].count);
	}
	buf_put(&b, "</table></div>");
	scans_section(r, &b);
	return console_page_end(r, &b, MHD_HTTP_OK);
}

const console_route console_overview_routes[] = {
	{"GET", "/", CONSOLE_OFFICER, overview},
	{NULL, NULL, 0, NULL},
};
