/*
 * console_registry.c - Hợp tác xã and Sản phẩm: the registry's lists with
 * search and paging, and a cooperative's add form whose field errors are
 * the registry's own rules (stamp_coop_set), shown beside each field.
 */
#define _GNU_SOURCE /* strcasestr */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"

/* ---- lists with search and paging ------------------------------------------------ */

typedef struct listing {
	strbuf *b;
	const char *q;
	size_t skip, shown, matched;
} listing;

static int matches(const char *q, const char *const *fields)
{
	if (!q || !*q)
		return 1;
	for (; *fields; fields++)
		if (strcasestr(*fields, q))
			return 1;
	return 0;
}

static void row(listing *l, const char *const *cells)
{
	if (!matches(l->q, cells))
		return;
	if (l->matched++ < l->skip || l->shown >= CONSOLE_PER_PAGE)
		return;
	l->shown++;
	buf_put(l->b, "<tr>");
	for (; *cells; cells++) {
		buf_put(l->b, "<td>");
		buf_esc(l->b, *cells);
		buf_put(l->b, "</td>");
	}
	buf_put(l->b, "</tr>");
}

static int list_coop(const stamp_coop *c, void *ctx)
{
	const char *cells[] = {c->id, c->name, c->district, c->province, NULL};
	row(ctx, cells);
	return 0;
}

static int list_product(const stamp_product *p, void *ctx)
{
	char stars[4];
	snprintf(stars, sizeof stars, "%u", p->stars);
	const char *cells[] = {p->id, p->name, stars, p->coop_id, NULL};
	row(ctx, cells);
	return 0;
}

static enum MHD_Result list_page(console_req *r, int products)
{
	const char *q = console_arg(r, "q");
	const char *pg = console_arg(r, "page");
	unsigned long page = pg ? strtoul(pg, NULL, 10) : 1;
	strbuf b;
	stamp_txn *t;
	if (page < 1 || page > 100000)
		page = 1;
	if (q && strlen(q) > 200)
		q = NULL;
	if (buf_init(&b, CONSOLE_PAGE_MAX) != 0)
		return console_answer(r, 500, "text/html", NULL, 0, NULL, NULL);
	console_page_head(r, &b,
			  products ? T(r, "Sản phẩm", "Products")
				   : T(r, "Hợp tác xã", "Cooperatives"));
	if (!products)
		buf_put(&b, "<p><a href=\"/coops/new\">%s</a></p>",
			T(r, "Thêm hợp tác xã", "Add a cooperative"));
	buf_put(&b,
		"<form method=\"get\"><label for=\"q\">%s</label> <input id=\"q\" name=\"q\" "
		"value=\"",
		T(r, "Tìm", "Search"));
	buf_esc(&b, q ? q : "");
	buf_put(&b,
		"\"> <button type=\"submit\">%s</button></form><div class=\"scroll\"><table><tr>",
		T(r, "Tìm", "Search"));
	if (products)
		buf_put(&b, "<th>%s</th><th>%s</th><th>%s</th><th>%s</th>", T(r, "Mã", "Id"),
			T(r, "Tên", "Name"), T(r, "Hạng sao", "Stars"),
			T(r, "Hợp tác xã", "Cooperative"));
	else
		buf_put(&b, "<th>%s</th><th>%s</th><th>%s</th><th>%s</th>", T(r, "Mã", "Id"),
			T(r, "Tên", "Name"), T(r, "Huyện", "District"), T(r, "Tỉnh", "Province"));
	buf_put(&b, "</tr>");
	listing l = {&b, q, (page - 1) * CONSOLE_PER_PAGE, 0, 0};
	int rc = stamp_txn_begin(r->k->st, 0, &t);
	if (rc == 0) {
		rc = products ? stamp_store_each_product(t, list_product, &l)
			      : stamp_store_each_coop(t, list_coop, &l);
		stamp_txn_abort(t);
	}
	buf_put(&b, "</table></div><p>%zu %s, %s %lu.", l.matched, T(r, "kết quả", "found"),
		T(r, "trang", "page"), page);
	if (l.matched > page * CONSOLE_PER_PAGE) {
		buf_put(&b, " <a href=\"?page=%lu&amp;q=", page + 1);
		buf_esc(&b, q ? q : "");
		buf_put(&b, "\">%s</a>", T(r, "Trang sau", "Next page"));
	}
	buf_put(&b, "</p>");
	if (rc)
		buf_put(&b, "<p role=\"alert\">%s</p>",
			T(r, "Không đọc được kho dữ liệu.", "Cannot read the store."));
	return console_page_end(r, &b, MHD_HTTP_OK);
}

static enum MHD_Result coops_page(console_req *r)
{
	return list_page(r, 0);
}

static enum MHD_Result products_page(console_req *r)
{
	return list_page(r, 1);
}

/* ---- a cooperative added through its form --------------------------------------------- */

static const char *coop_label(const console_req *r, const char *field)
{
	static const struct {
		const char *f, *vi, *en;
	} t[] = {{"id", "Mã (chữ, số, - _ .)", "Id (letters, digits, - _ .)"},
		 {"name", "Tên hợp tác xã", "Name"},
		 {"commune", "Xã/phường", "Commune"},
		 {"district", "Huyện", "District"},
		 {"province", "Tỉnh", "Province"},
		 {"address", "Địa chỉ", "Address"},
		 {"phone", "Điện thoại", "Phone"}};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(t[i].f, field) == 0)
			return T(r, t[i].vi, t[i].en);
	return field;
}

#define COOP_FIELDS 16

/* The form, with the values given and each field's error beside it (errs may be NULL). */
static enum MHD_Result coop_form(console_req *r, char (*errs)[sizeof(stamp_diag)],
				 const char *general, unsigned status)
{
	strbuf b;
	if (buf_init(&b, CONSOLE_PAGE_MAX) != 0)
		return console_answer(r, 500, "text/html", NULL, 0, NULL, NULL);
	console_page_head(r, &b, T(r, "Thêm hợp tác xã", "Add a cooperative"));
	if (general && *general) {
		buf_put(&b, "<p class=\"err\" role=\"alert\">");
		buf_esc(&b, general);
		buf_put(&b, "</p>");
	}
	buf_put(&b, "<form method=\"post\" action=\"/coops/new\">");
	console_csrf_field(r, &b);
	for (int i = 0; stamp_coop_fields[i] && i < COOP_FIELDS; i++) {
		const char *f = stamp_coop_fields[i], *v = r->post ? console_field_get(r, f) : NULL;
		int bad = errs && errs[i][0];
		buf_put(&b,
			"<p><label for=\"%s\">%s</label><br><input id=\"%s\" name=\"%s\" value=\"",
			f, coop_label(r, f), f, f);
		buf_esc(&b, v ? v : "");
		buf_put(&b, "\"%s>", bad ? " aria-invalid=\"true\"" : "");
		if (bad) {
			buf_put(&b, " <span class=\"err\">");
			buf_esc(&b, errs[i]);
			buf_put(&b, "</span>");
		}
		buf_put(&b, "</p>");
	}
	buf_put(&b, "<p><button type=\"submit\">%s</button></p></form>", T(r, "Lưu", "Save"));
	return console_page_end(r, &b, status);
}

static enum MHD_Result coop_new_page(console_req *r)
{
	return coop_form(r, NULL, NULL, MHD_HTTP_OK);
}

/*
 * The registry's own rules, field by field (stamp_coop_set), then the record's
 * (stamp_coop_check), then the store's (an id already registered): any
 * problem shows the form again with it, and nothing is written.
 */
static enum MHD_Result coop_add(console_req *r)
{
	char errs[COOP_FIELDS][sizeof(stamp_diag)];
	stamp_coop c;
	stamp_diag d = {{0}};
	int bad = 0, rc;
	memset(&c, 0, sizeof c);
	memset(errs, 0, sizeof errs);
	for (int i = 0; stamp_coop_fields[i] && i < COOP_FIELDS; i++) {
		const char *v = console_field_get(r, stamp_coop_fields[i]);
		if (!v || !*v)
			continue;
		if (console_field_long(r, stamp_coop_fields[i])) {
			snprintf(errs[i], sizeof errs[i],
				 T(r, "dài quá %d byte", "longer than %d bytes"),
				 CONSOLE_VALUE_MAX);
			bad = 1;
		} else if (stamp_coop_set(&c, stamp_coop_fields[i], v, &d) != 0) {
			snprintf(errs[i], sizeof errs[i], "%s", d.msg);
			bad = 1;
		}
	}
	if (!bad && stamp_coop_check(&c, &d) != 0)
		return coop_form(r, errs, d.msg, 422);
	if (bad)
		return coop_form(r, errs,
				 T(r, "Hãy sửa các ô được đánh dấu.", "Correct the marked fields."),
				 422);
	stamp_txn *t;
	console_write_begin(r, "console: coop add");
	if ((rc = stamp_txn_begin(r->k->st, 1, &t)) == 0) {
		rc = stamp_store_put_coop(t, &c, 0);
		if (rc == 0)
			rc = stamp_txn_commit(t, &d);
		else
			stamp_txn_abort(t);
	}
	console_write_end(r);
	if (rc == STAMP_EEXIST) {
		snprintf(
			errs[0], sizeof errs[0],
			T(r, "mã \"%s\" đã có trong sổ đăng ký", "id \"%s\" is already registered"),
			c.id);
		return coop_form(r, errs,
				 T(r, "Không lưu: mã đã tồn tại.", "Not saved: the id exists."),
				 409);
	}
	if (rc)
		return coop_form(r, errs, d.msg[0] ? d.msg : stamp_strerror(rc), 500);
	char where[128];
	snprintf(where, sizeof where, "/coops?q=%s", c.id); /* ids are [A-Za-z0-9._-] */
	return console_redirect(r, where);
}

const console_route console_registry_routes[] = {
	{"GET", "/coops", CONSOLE_OFFICER, coops_page},
	{"GET", "/products", CONSOLE_OFFICER, products_page},
	{"GET", "/coops/new", CONSOLE_OFFICER, coop_new_page},
	{"POST", "/coops/new", CONSOLE_OFFICER, coop_add},
	{NULL, NULL, 0, NULL},
};
