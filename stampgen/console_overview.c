/*
 * console_overview.c - Tổng quan, the console's first page: the counts of
 * the registry (cooperatives, products, batches, stamps) and the last
 * batches.
 */
#include <stdio.h>
#include <string.h>

#include "console.h"

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
		"class=\"scroll\"><table><tr><th "
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
	return console_page_end(r, &b, MHD_HTTP_OK);
}

const console_route console_overview_routes[] = {
	{"GET", "/", CONSOLE_OFFICER, overview},
	{NULL, NULL, 0, NULL},
};
