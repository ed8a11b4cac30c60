/*
 * console_registry.c - Hợp tác xã and Sản phẩm: the registry's lists with a
 * search that folds case and diacritics (stamp_text_fold: "mam" finds
 * "Mắm"), the add and edit forms of a cooperative and a product whose field
 * errors are the registry's own rules (stamp_coop_set, stamp_product_set and
 * the record checks) shown beside each field, and the detail pages: a
 * cooperative with its products, a product with its OCOP certificate, its
 * batches, its photo (set and removed by the same code as `stampgen product
 * image`) and its product-level production stages (event.h). Uploads of
 * whole files are console_import.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "console.h"

#define REC_FIELDS 16 /* at least the fields of a cooperative, of a product */
#define EV_FIELDS 16  /* at least stamp_event_fields */

typedef char field_err[sizeof(stamp_diag)];

/* A cooperative or a product, as the forms and pages handle either. */
typedef union rec {
	stamp_coop c;
	stamp_product p;
} rec;

static const char *const *rec_fields(int product)
{
	return product ? stamp_product_fields : stamp_coop_fields;
}

static int rec_get(int product, const rec *x, const char *f, char *out, size_t n)
{
	return product ? stamp_product_get(&x->p, f, out, n) : stamp_coop_get(&x->c, f, out, n);
}

static int rec_load(stamp_txn *t, int product, const char *id, rec *x)
{
	return product ? stamp_store_get_product(t, id, &x->p) : stamp_store_get_coop(t, id, &x->c);
}

int console_id_ok(const char *s, size_t n)
{
	if (n == 0 || n > STAMP_ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!s[i] ||
		    !strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.",
			    s[i]))
			return 0;
	return 1;
}

/*
 * url after prefix as "ID" or "ID/REST": the id into id, the rest (""
 * when none) returned; NULL when the id is not one.
 */
static const char *split_path(const char *url, const char *prefix, char id[STAMP_ID_MAX + 1])
{
	const char *s = url + strlen(prefix), *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	if (!console_id_ok(s, n))
		return NULL;
	memcpy(id, s, n);
	id[n] = '\0';
	return slash ? slash + 1 : "";
}

static enum MHD_Result not_found(console_req *r)
{
	return console_message(r, MHD_HTTP_NOT_FOUND, T(r, "Không có trang này", "No such page"),
			       NULL);
}

/* ---- labels ----------------------------------------------------------------------- */

static const char *field_label(const console_req *r, int product, const char *field)
{
	static const struct {
		int product;
		const char *f, *vi, *en;
	} t[] = {{0, "id", "Mã (chữ, số, - _ .)", "Id (letters, digits, - _ .)"},
		 {0, "name", "Tên hợp tác xã", "Name"},
		 {0, "commune", "Xã/phường", "Commune"},
		 {0, "district", "Huyện", "District"},
		 {0, "province", "Tỉnh", "Province"},
		 {0, "address", "Địa chỉ", "Address"},
		 {0, "phone", "Điện thoại", "Phone"},
		 {1, "id", "Mã sản phẩm (chữ, số, - _ .)", "Id (letters, digits, - _ .)"},
		 {1, "coop_id", "Hợp tác xã", "Cooperative"},
		 {1, "name", "Tên sản phẩm", "Name"},
		 {1, "short_name", "Tên ngắn (in trên tem)", "Short name (on labels)"},
		 {1, "group", "Nhóm sản phẩm OCOP", "OCOP product group"},
		 {1, "stars", "Hạng sao OCOP (3, 4, 5)", "OCOP stars (3, 4, 5)"},
		 {1, "ocop_decision", "Số quyết định OCOP", "OCOP decision number"},
		 {1, "ocop_date", "Ngày quyết định (YYYY-MM-DD)", "Decision date (YYYY-MM-DD)"},
		 {1, "cert_valid_until", "Chứng nhận có hiệu lực đến (YYYY-MM-DD)",
		  "Certificate valid until (YYYY-MM-DD)"},
		 {1, "standards", "Tiêu chuẩn áp dụng", "Standards applied"},
		 {1, "gtin", "Mã GTIN (không bắt buộc)", "GTIN (optional)"},
		 {1, "shelf_life_days", "Hạn sử dụng (ngày)", "Shelf life (days)"}};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (t[i].product == product && strcmp(t[i].f, field) == 0)
			return T(r, t[i].vi, t[i].en);
	return field;
}

static const char *event_label(const console_req *r, const char *field)
{
	static const struct {
		const char *f, *vi, *en;
	} t[] = {
		{"stage", "Công đoạn", "Stage"},
		{"label", "Tên công đoạn (tự đặt)", "Label (your own)"},
		{"at", "Ngày (YYYY-MM-DD, có thể thêm HH:MM)", "Date (YYYY-MM-DD, HH:MM optional)"},
		{"place", "Nơi thực hiện", "Place"},
		{"commune", "Xã/phường", "Commune"},
		{"district", "Huyện", "District"},
		{"province", "Tỉnh", "Province"},
		{"gln", "Mã địa điểm GLN", "GLN"},
		{"lat", "Vĩ độ", "Latitude"},
		{"lon", "Kinh độ", "Longitude"},
		{"partner", "Đơn vị thực hiện (để trống: hợp tác xã)",
		 "Done by (empty: the cooperative)"},
		{"note", "Ghi chú", "Note"},
		{"source", "Nguồn nguyên liệu (lô)", "Source lot"}};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(t[i].f, field) == 0)
			return T(r, t[i].vi, t[i].en);
	return field;
}

/* ---- lists with search and paging ------------------------------------------------ */

typedef struct listing {
	strbuf *b;
	const char *base;    /* "/coops" or "/products": the first cell links to base/ID */
	char q[4 * 200 + 1]; /* the search, folded; "" for none */
	size_t skip, shown, matched;
} listing;

/* Folded fields hold the folded search (stamp_text_fold): "mam" finds "Mắm". */
static int matches(const char *q, const char *const *fields)
{
	char f[4 * STAMP_TEXT_MAX + 1];
	if (!*q)
		return 1;
	for (; *fields; fields++)
		if (stamp_text_fold(*fields, f, sizeof f) == 0 && strstr(f, q))
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
	for (int i = 0; cells[i]; i++) {
		buf_put(l->b, "<td>");
		if (i == 0 && l->base) /* ids are [A-Za-z0-9._-]: safe in a path */
			buf_put(l->b, "<a href=\"%s/%s\">", l->base, cells[0]);
		buf_esc(l->b, cells[i]);
		buf_put(l->b, i == 0 && l->base ? "</a></td>" : "</td>");
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
	listing l = {.base = products ? "/products" : "/coops"};
	strbuf b;
	stamp_txn *t;
	if (page < 1 || page > 100000)
		page = 1;
	if (q && (strlen(q) > 200 || stamp_text_fold(q, l.q, sizeof l.q) != 0))
		q = NULL, l.q[0] = '\0';
	if (buf_init(&b, CONSOLE_PAGE_MAX) != 0)
		return console_answer(r, 500, "text/html", NULL, 0, NULL, NULL);
	console_page_head(r, &b,
			  products ? T(r, "Sản phẩm", "Products")
				   : T(r, "Hợp tác xã", "Cooperatives"));
	if (products)
		buf_put(&b,
			"<p><a href=\"/products/new\">%s</a> · <a href=\"/products/import\">%s</a> "
			"· <a href=\"/events/import\">%s</a></p>",
			T(r, "Thêm sản phẩm", "Add a product"),
			T(r, "Nhập từ tệp Excel/CSV", "Import from an Excel/CSV file"),
			T(r, "Nhập công đoạn từ tệp", "Import stages from a file"));
	else
		buf_put(&b,
			"<p><a href=\"/coops/new\">%s</a> · <a href=\"/coops/import\">%s</a></p>",
			T(r, "Thêm hợp tác xã", "Add a cooperative"),
			T(r, "Nhập từ tệp Excel/CSV", "Import from an Excel/CSV file"));
	buf_put(&b,
		"<form method=\"get\"><label for=\"q\">%s</label> <input id=\"q\" name=\"q\" "
		"value=\"",
		T(r, "Tìm", "Search"));
	buf_esc(&b, q ? q : "");
	buf_put(&b,
		"\"> <button type=\"submit\">%s</button></form><div class=\"scroll\" "
		"tabindex=\"0\"><table><tr>",
		T(r, "Tìm", "Search"));
	if (products)
		buf_put(&b, "<th>%s</th><th>%s</th><th>%s</th><th>%s</th>", T(r, "Mã", "Id"),
			T(r, "Tên", "Name"), T(r, "Hạng sao", "Stars"),
			T(r, "Hợp tác xã", "Cooperative"));
	else
		buf_put(&b, "<th>%s</th><th>%s</th><th>%s</th><th>%s</th>", T(r, "Mã", "Id"),
			T(r, "Tên", "Name"), T(r, "Huyện", "District"), T(r, "Tỉnh", "Province"));
	buf_put(&b, "</tr>");
	l.b = &b;
	l.skip = (page - 1) * CONSOLE_PER_PAGE;
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
		buf_pct(&b, q ? q : "");
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

/* ---- add and edit forms --------------------------------------------------------------- */

static void put_err(strbuf *b, const char *general)
{
	if (general && *general) {
		buf_put(b, "<p class=\"err\" role=\"alert\">");
		buf_esc(b, general);
		buf_put(b, "</p>");
	}
}

/* A field's error beside it; the input before it carries aria-invalid. */
static void put_field_err(strbuf *b, const char *err)
{
	if (err && *err) {
		buf_put(b, " <span class=\"err\">");
		buf_esc(b, err);
		buf_put(b, "</span>");
	}
}

typedef struct coop_options {
	strbuf *b;
	const char *selected;
} coop_options;

static int coop_option(const stamp_coop *c, void *ctx)
{
	coop_options *o = ctx;
	buf_put(o->b, "<option value=\"%s\"%s>", c->id,
		strcmp(c->id, o->selected) == 0 ? " selected" : "");
	buf_esc(o->b, c->id);
	buf_put(o->b, " — ");
	buf_esc(o->b, c->name);
	buf_put(o->b, "</option>");
	return 0;
}

/* A product's cooperative: a choice among the registered ones. */
static void coop_select(const console_req *r, strbuf *b, const char *v, int bad)
{
	coop_options o = {b, v};
	stamp_txn *t;
	buf_put(b, "<select id=\"coop_id\" name=\"coop_id\"%s><option value=\"\">%s</option>",
		bad ? " aria-invalid=\"true\"" : "", T(r, "— chọn —", "— choose —"));
	if (stamp_txn_begin(r->k->st, 0, &t) == 0) {
		if (stamp_store_each_coop(t, coop_option, &o) != 0)
			buf_put(b, "<option value=\"\">?</option>");
		stamp_txn_abort(t);
	}
	buf_put(b, "</select>");
}

/*
 * The add form (edit_id NULL) or the edit form of edit_id: the values given
 * when this is a POST, else the stored ones (stored, may be NULL), each
 * field's error beside it (errs may be NULL).
 */
static enum MHD_Result rec_form(console_req *r, int product, const char *edit_id, const rec *stored,
				field_err *errs, const char *general, unsigned status)
{
	const char *const *fields = rec_fields(product);
	const char *base = product ? "/products" : "/coops";
	char action[96], val[STAMP_TEXT_MAX + 1];
	strbuf b;
	if (buf_init(&b, CONSOLE_PAGE_MAX) != 0)
		return console_answer(r, 500, "text/html", NULL, 0, NULL, NULL);
	if (edit_id)
		console_page_head(r, &b,
				  product ? T(r, "Sửa sản phẩm", "Edit a product")
					  : T(r, "Sửa hợp tác xã", "Edit a cooperative"));
	else
		console_page_head(r, &b,
				  product ? T(r, "Thêm sản phẩm", "Add a product")
					  : T(r, "Thêm hợp tác xã", "Add a cooperative"));
	put_err(&b, general);
	if (edit_id)
		snprintf(action, sizeof action, "%s/%s/edit", base, edit_id);
	else
		snprintf(action, sizeof action, "%s/new", base);
	buf_put(&b, "<form method=\"post\" action=\"%s\">", action);
	console_csrf_field(r, &b);
	for (int i = 0; fields[i] && i < REC_FIELDS; i++) {
		const char *f = fields[i], *v = NULL;
		int bad = errs && errs[i][0], fixed = edit_id && strcmp(f, "id") == 0;
		if (fixed)
			v = edit_id;
		else if (r->post)
			v = console_field_get(r, f);
		else if (stored && rec_get(product, stored, f, val, sizeof val) == 0)
			v = val;
		buf_put(&b, "<p><label for=\"%s\">%s</label><br>", f, field_label(r, product, f));
		if (product && strcmp(f, "coop_id") == 0) {
			coop_select(r, &b, v ? v : "", bad);
		} else {
			buf_put(&b, "<input id=\"%s\" name=\"%s\" value=\"", f, f);
			buf_esc(&b, v ? v : "");
			buf_put(&b, "\"%s%s>", fixed ? " readonly" : "",
				bad ? " aria-invalid=\"true\"" : "");
		}
		put_field_err(&b, bad ? errs[i] : NULL);
		buf_put(&b, "</p>");
	}
	buf_put(&b, "<p><button type=\"submit\">%s</button>", T(r, "Lưu", "Save"));
	if (edit_id)
		buf_put(&b, " <a href=\"%s/%s\">%s</a>", base, edit_id, T(r, "Hủy", "Cancel"));
	buf_put(&b, "</p></form>");
	return console_page_end(r, &b, status);
}

/* The index of the field a rule message names ("column \"x\": ..."), or -1. */
static int field_of_msg(const char *const *fields, const char *msg)
{
	const char *s = strstr(msg, "column \"");
	if (!s)
		return -1;
	s += 8;
	for (int i = 0; fields[i]; i++) {
		size_t n = strlen(fields[i]);
		if (strncmp(s, fields[i], n) == 0 && s[n] == '"')
			return i;
	}
	return -1;
}

/*
 * A field's error as the page shows it: in Vietnamese, the registry's rule
 * for the field (stamp_registry_rule) and the value given; in English, the
 * registry's own message. kind is 0 (a cooperative), 1 (a product) or -1 (no
 * rule table: the message as it is).
 */
static void field_error(const console_req *r, int kind, const char *field, const char *v,
			const char *msg, char *out, size_t cap)
{
	char rule[256];
	if (!T(r, 1, 0) || kind < 0 || stamp_registry_rule(kind, field, 1, rule, sizeof rule) != 0)
		snprintf(out, cap, "%s", msg);
	else if (v && *v)
		snprintf(out, cap, "Cần: %s. Đã nhập: «%s».", rule, v);
	else
		snprintf(out, cap, "Cần: %s.", rule);
}

/*
 * The fields of a form through the registry's own rules, one by one (errs
 * holds each one's message); 0 when every field passed.
 */
static int form_fields(console_req *r, int kind, const char *const *fields, field_err *errs,
		       int max, const char *fixed_name, const char *fixed,
		       int (*set)(void *x, const char *f, const char *v, stamp_diag *d), void *x)
{
	stamp_diag d = {{0}};
	int bad = 0;
	for (int i = 0; fields[i] && i < max; i++) {
		const char *f = fields[i];
		const char *v =
			fixed_name && strcmp(f, fixed_name) == 0 ? fixed : console_field_get(r, f);
		if (!v || !*v)
			continue;
		if (console_field_long(r, f)) {
			snprintf(errs[i], sizeof errs[i],
				 T(r, "dài quá %d byte", "longer than %d bytes"),
				 CONSOLE_VALUE_MAX);
			bad = 1;
		} else if (set(x, f, v, &d) != 0) {
			field_error(r, kind, f, v, d.msg, errs[i], sizeof errs[i]);
			bad = 1;
		}
	}
	return bad;
}

static int coop_set_v(void *x, const char *f, const char *v, stamp_diag *d)
{
	return stamp_coop_set(x, f, v, d);
}

static int product_set_v(void *x, const char *f, const char *v, stamp_diag *d)
{
	return stamp_product_set(x, f, v, d);
}

static int event_set_v(void *x, const char *f, const char *v, stamp_diag *d)
{
	return stamp_event_set(x, f, v, d);
}

/*
 * The registry's own rules, field by field, then the record's
 * (stamp_*_check), then the store's (an id taken, a cooperative that is not
 * registered; for an edit, a record that is not there): any problem shows
 * the form again with it, and nothing is written. An edit overwrites.
 */
static enum MHD_Result rec_save(console_req *r, int product, const char *edit_id)
{
	const char *const *fields = rec_fields(product);
	field_err errs[REC_FIELDS];
	stamp_diag d = {{0}};
	rec x;
	int rc;
	memset(&x, 0, sizeof x);
	memset(errs, 0, sizeof errs);
	if (form_fields(r, product, fields, errs, REC_FIELDS, edit_id ? "id" : NULL, edit_id,
			product ? product_set_v : coop_set_v, &x))
		return rec_form(r, product, edit_id, NULL, errs,
				T(r, "Hãy sửa các ô được đánh dấu.", "Correct the marked fields."),
				422);
	if ((product ? stamp_product_check(&x.p, &d) : stamp_coop_check(&x.c, &d)) != 0) {
		int i = field_of_msg(fields, d.msg);
		if (i >= 0 && i < REC_FIELDS)
			field_error(r, product, fields[i], console_field_get(r, fields[i]), d.msg,
				    errs[i], sizeof errs[i]);
		return rec_form(r, product, edit_id, NULL, errs,
				T(r, "Hãy sửa các ô được đánh dấu.", d.msg), 422);
	}
	const char *id = product ? x.p.id : x.c.id;
	int coop_missing = 0, absent = 0;
	stamp_txn *t;
	console_write_begin(r, edit_id ? (product ? "console: product edit" : "console: coop edit")
				       : (product ? "console: product add" : "console: coop add"));
	if ((rc = stamp_txn_begin(r->k->st, 1, &t)) == 0) {
		rec old;
		if (edit_id && (rc = rec_load(t, product, id, &old)) == STAMP_ENOTFOUND)
			absent = 1;
		else if (!rc && product && (rc = cli_product_check(t, &x.p, &d)) == STAMP_EINPUT)
			coop_missing = 1;
		else if (!rc)
			rc = product ? stamp_store_put_product(t, &x.p, edit_id != NULL)
				     : stamp_store_put_coop(t, &x.c, edit_id != NULL);
		if (rc == 0)
			rc = stamp_txn_commit(t, &d);
		else
			stamp_txn_abort(t);
	}
	console_write_end(r);
	if (absent)
		return not_found(r);
	if (coop_missing) { /* the CLI's rule (cmd_registry.c), beside the choice */
		snprintf(errs[1], sizeof errs[1], "%s", d.msg);
		return rec_form(r, product, edit_id, NULL, errs,
				T(r, "Hãy sửa các ô được đánh dấu.", "Correct the marked fields."),
				422);
	}
	if (rc == STAMP_EEXIST) {
		snprintf(
			errs[0], sizeof errs[0],
			T(r, "mã \"%s\" đã có trong sổ đăng ký", "id \"%s\" is already registered"),
			id);
		return rec_form(r, product, edit_id, NULL, errs,
				T(r, "Không lưu: mã đã tồn tại.", "Not saved: the id exists."),
				409);
	}
	if (rc)
		return rec_form(r, product, edit_id, NULL, errs,
				d.msg[0] ? d.msg : stamp_strerror(rc), 500);
	char where[96];
	snprintf(where, sizeof where, "%s/%s", product ? "/products" : "/coops", id);
	return console_redirect(r, where);
}

static enum MHD_Result coop_new_page(console_req *r)
{
	return rec_form(r, 0, NULL, NULL, NULL, NULL, MHD_HTTP_OK);
}

static enum MHD_Result coop_add(console_req *r)
{
	return rec_save(r, 0, NULL);
}

static enum MHD_Result product_new_page(console_req *r)
{
	return rec_form(r, 1, NULL, NULL, NULL, NULL, MHD_HTTP_OK);
}

static enum MHD_Result product_add(console_req *r)
{
	return rec_save(r, 1, NULL);
}

static enum MHD_Result edit_page(console_req *r, int product, const char *id)
{
	stamp_txn *t;
	rec x;
	int rc = stamp_txn_begin(r->k->st, 0, &t);
	if (rc == 0) {
		rc = rec_load(t, product, id, &x);
		stamp_txn_abort(t);
	}
	if (rc == STAMP_ENOTFOUND)
		return not_found(r);
	if (rc)
		return console_message(r, 500, T(r, "Lỗi", "Error"), stamp_strerror(rc));
	return rec_form(r, product, id, &x, NULL, NULL, MHD_HTTP_OK);
}

/* ---- detail pages ----------------------------------------------------------------------- */

/* The fields named (NULL-ended) of x as a table of th and td. */
static void fields_table(const console_req *r, strbuf *b, int product, const rec *x,
			 const char *const *names)
{
	char v[STAMP_TEXT_MAX + 1];
	buf_put(b, "<table>");
	for (; *names; names++) {
		if (rec_get(product, x, *names, v, sizeof v) != 0)
			v[0] = '\0';
		buf_put(b, "<tr><th scope=\"row\">%s</th><td>", field_label(r, product, *names));
		if (product && strcmp(*names, "coop_id") == 0 && v[0])
			buf_put(b, "<a href=\"/coops/%s\">", v); /* an id: [A-Za-z0-9._-] */
		buf_esc(b, v);
		buf_put(b, product && strcmp(*names, "coop_id") == 0 && v[0] ? "</a></td></tr>"
									     : "</td></tr>");
	}
	buf_put(b, "</table>");
}

static int coop_product_row(const stamp_product *p, void *ctx)
{
	listing *l = ctx;
	if (strcmp(p->coop_id, l->q) != 0)
		return 0;
	char stars[4];
	snprintf(stars, sizeof stars, "%u", p->stars);
	const char *cells[] = {p->id, p->name, stars, NULL};
	listing all = {.b = l->b, .base = "/products"};
	row(&all, cells);
	l->matched++;
	return 0;
}

static enum MHD_Result coop_page(console_req *r, const char *id)
{
	static const char *const names[] = {"id",	"name",	   "commune", "district",
					    "province", "address", "phone",   NULL};
	stamp_txn *t;
	rec x;
	strbuf b;
	int rc = stamp_txn_begin(r->k->st, 0, &t);
	if (rc)
		return console_message(r, 500, T(r, "Lỗi", "Error"), stamp_strerror(rc));
	if ((rc = stamp_store_get_coop(t, id, &x.c)) != 0 || buf_init(&b, CONSOLE_PAGE_MAX) != 0) {
		stamp_txn_abort(t);
		return rc == STAMP_ENOTFOUND ? not_found(r)
					     : console_message(r, 500, T(r, "Lỗi", "Error"),
							       stamp_strerror(rc ? rc : ENOMEM));
	}
	console_page_head(r, &b, x.c.name);
	buf_put(&b, "<p><a href=\"/coops/%s/edit\">%s</a></p>", id, T(r, "Sửa", "Edit"));
	fields_table(r, &b, 0, &x, names);
	buf_put(&b,
		"<h2>%s</h2><div "
		"class=\"scroll\" tabindex=\"0\"><table><tr><th>%s</th><th>%s</th><th>%s</th></tr>",
		T(r, "Sản phẩm", "Products"), T(r, "Mã", "Id"), T(r, "Tên", "Name"),
		T(r, "Hạng sao", "Stars"));
	listing l = {.b = &b};
	snprintf(l.q, sizeof l.q, "%s", id);
	rc = stamp_store_each_product(t, coop_product_row, &l);
	stamp_txn_abort(t);
	buf_put(&b, "</table></div><p>%zu %s</p>", l.matched, T(r, "sản phẩm", "products"));
	if (rc)
		buf_put(&b, "<p role=\"alert\">%s</p>",
			T(r, "Không đọc được kho dữ liệu.", "Cannot read the store."));
	return console_page_end(r, &b, MHD_HTTP_OK);
}

#define BATCH_ROWS_MAX 500 /* batches listed on a product's page */

typedef struct batch_rows {
	strbuf *b;
	const char *product_id;
	size_t n;
} batch_rows;

static int batch_row(const stamp_batch *bt, void *ctx)
{
	batch_rows *br = ctx;
	char produced[11], expiry[11];
	if (strcmp(bt->product_id, br->product_id) != 0)
		return 0;
	if (br->n++ >= BATCH_ROWS_MAX) /* counted, not shown: the page stays bounded */
		return 0;
	stamp_date_format(bt->produced, produced);
	stamp_date_format(bt->expiry, expiry);
	buf_put(br->b, "<tr><td><a href=\"/batches/%u\">%u</a></td><td>", (unsigned)bt->id,
		(unsigned)bt->id);
	buf_esc(br->b, bt->lot);
	buf_put(br->b, "</td><td>%s</td><td>%s</td><td>%u</td></tr>", produced, expiry,
		(unsigned)bt->count);
	return 0;
}

typedef struct stage_rows {
	const console_req *r;
	strbuf *b;
	size_t n;
} stage_rows;

static int stage_row(const stamp_event *e, void *ctx)
{
	stage_rows *sr = ctx;
	const stamp_stage_info *si = stamp_stage_about(e->stage);
	char at[32];
	if (stamp_event_get(e, "at", at, sizeof at) != 0)
		at[0] = '\0';
	buf_put(sr->b, "<tr><td>%u</td><td>", (unsigned)e->seq);
	buf_esc(sr->b, si ? T(sr->r, si->vi, si->en) : "?");
	buf_put(sr->b, "</td><td>");
	buf_esc(sr->b, e->label);
	buf_put(sr->b, "</td><td>%s</td><td>", at);
	buf_esc(sr->b, e->place);
	buf_put(sr->b, "</td><td>");
	buf_esc(sr->b, e->partner);
	buf_put(sr->b, "</td><td>");
	buf_esc(sr->b, e->note);
	buf_put(sr->b, "</td><td>%s</td></tr>",
		e->withdrawn ? T(sr->r, "đã rút", "withdrawn") : "");
	sr->n++;
	return 0;
}

/* The add-stage form: the vocabulary of `stampgen event add` (stamp_stage_about). */
static void stage_form(const console_req *r, strbuf *b, const char *id, field_err *errs)
{
	const char *want = r->post ? console_field_get(r, "stage") : NULL;
	buf_put(b, "<form method=\"post\" action=\"/products/%s/stages\">", id);
	console_csrf_field(r, b);
	for (int i = 0; stamp_event_fields[i] && i < EV_FIELDS; i++) {
		const char *f = stamp_event_fields[i];
		int bad = errs && errs[i][0];
		if (strcmp(f, "batch") == 0 || strcmp(f, "product") == 0)
			continue;
		buf_put(b, "<p><label for=\"ev-%s\">%s</label><br>", f, event_label(r, f));
		if (strcmp(f, "stage") == 0) {
			buf_put(b, "<select id=\"ev-stage\" name=\"stage\"%s>",
				bad ? " aria-invalid=\"true\"" : "");
			for (unsigned s = 1; s <= STAMP_STAGE_LAST; s++) {
				const stamp_stage_info *si = stamp_stage_about(s);
				buf_put(b, "<option value=\"%s\"%s>%s</option>", si->name,
					want && strcmp(want, si->name) == 0 ? " selected" : "",
					T(r, si->vi, si->en));
			}
			buf_put(b, "</select>");
		} else {
			const char *v = r->post ? console_field_get(r, f) : NULL;
			buf_put(b, "<input id=\"ev-%s\" name=\"%s\" value=\"", f, f);
			buf_esc(b, v ? v : "");
			buf_put(b, "\"%s>", bad ? " aria-invalid=\"true\"" : "");
		}
		put_field_err(b, bad ? errs[i] : NULL);
		buf_put(b, "</p>");
	}
	buf_put(b, "<p><button type=\"submit\">%s</button></p></form>",
		T(r, "Thêm công đoạn", "Add the stage"));
}

/*
 * A product's page: its fields, its OCOP certificate, its photo with the
 * upload and remove forms, its batches and its product-level stages with
 * the add-stage form (errs: that form's field errors, may be NULL).
 */
static enum MHD_Result product_page(console_req *r, const char *id, field_err *errs,
				    const char *general, unsigned status)
{
	static const char *const names[] = {"id",	  "coop_id",	     "name",
					    "short_name", "group",	     "standards",
					    "gtin",	  "shelf_life_days", NULL};
	static const char *const cert[] = {"stars", "ocop_decision", "ocop_date",
					   "cert_valid_until", NULL};
	stamp_txn *t;
	stamp_image img;
	rec x;
	strbuf b;
	int rc = stamp_txn_begin(r->k->st, 0, &t);
	if (rc)
		return console_message(r, 500, T(r, "Lỗi", "Error"), stamp_strerror(rc));
	if ((rc = stamp_store_get_product(t, id, &x.p)) != 0 ||
	    buf_init(&b, CONSOLE_PAGE_MAX) != 0) {
		stamp_txn_abort(t);
		return rc == STAMP_ENOTFOUND ? not_found(r)
					     : console_message(r, 500, T(r, "Lỗi", "Error"),
							       stamp_strerror(rc ? rc : ENOMEM));
	}
	console_page_head(r, &b, x.p.name);
	put_err(&b, general);
	buf_put(&b, "<p><a href=\"/products/%s/edit\">%s</a></p>", id, T(r, "Sửa", "Edit"));
	fields_table(r, &b, 1, &x, names);
	buf_put(&b, "<h2>%s</h2>", T(r, "Chứng nhận OCOP", "OCOP certificate"));
	fields_table(r, &b, 1, &x, cert);
	uint32_t today = stamp_date_from_unix(time(NULL));
	if (x.p.cert_valid_until)
		buf_put(&b, "<p class=\"%s\">%s</p>", x.p.cert_valid_until >= today ? "ok" : "err",
			x.p.cert_valid_until >= today ? T(r, "Còn hiệu lực.", "Valid.")
						      : T(r, "Đã hết hiệu lực.", "Expired."));

	buf_put(&b, "<h2 id=\"photo\">%s</h2>", T(r, "Ảnh sản phẩm", "Product photo"));
	int has_photo = stamp_image_of_product(t, id, &img) == 0;
	if (has_photo) {
		buf_put(&b,
			"<p><img src=\"/products/%s/photo.jpg\" width=\"%u\" height=\"%u\" alt=\"",
			id, img.width > 320 ? 320u : img.width,
			img.width > 320 ? (unsigned)img.height * 320u / img.width : img.height);
		buf_esc(&b, x.p.name);
		buf_put(&b, "\"></p><p>%ux%u, %u bytes</p>", img.width, img.height, img.bytes);
	} else {
		buf_put(&b, "<p>%s</p>", T(r, "Chưa có ảnh.", "No photo yet."));
	}
	buf_put(&b,
		"<form method=\"post\" action=\"/products/%s/photo\" "
		"enctype=\"multipart/form-data\">",
		id);
	console_csrf_field(r, &b);
	buf_put(&b,
		"<p><label for=\"photo-file\">%s</label><br><input type=\"file\" id=\"photo-file\" "
		"name=\"photo\" accept=\"image/jpeg,image/png,image/webp,.jpg,.jpeg,.png,.webp\" "
		"required> <button type=\"submit\">%s</button></p></form>",
		T(r, "Ảnh JPEG, PNG hoặc WebP", "A JPEG, PNG or WebP photo"),
		has_photo ? T(r, "Thay ảnh", "Replace the photo") : T(r, "Tải ảnh lên", "Upload"));
	if (has_photo) {
		buf_put(&b, "<form method=\"post\" action=\"/products/%s/photo/remove\">", id);
		console_csrf_field(r, &b);
		buf_put(&b, "<p><button type=\"submit\">%s</button></p></form>",
			T(r, "Xóa ảnh", "Remove the photo"));
	}

	buf_put(&b,
		"<h2>%s</h2><div class=\"scroll\" "
		"tabindex=\"0\"><table><tr><th>%s</th><th>%s</th><th>%s</th>"
		"<th>%s</th><th>%s</th></tr>",
		T(r, "Lô tem", "Batches"), T(r, "Số", "No."), T(r, "Lô", "Lot"),
		T(r, "Ngày sản xuất", "Produced"), T(r, "Hạn dùng", "Expiry"),
		T(r, "Số tem", "Stamps"));
	batch_rows br = {&b, id, 0};
	rc = stamp_store_each_batch(t, batch_row, &br);
	buf_put(&b, "</table></div><p>%zu %s", br.n, T(r, "lô", "batches"));
	if (br.n > BATCH_ROWS_MAX)
		buf_put(&b,
			T(r,
			  " (%d lô đầu tiên ở trên; các lô khác trong <a href=\"/batches\">Lô "
			  "tem</a>)",
			  " (the first %d above; the others in <a href=\"/batches\">Batches</a>)"),
			BATCH_ROWS_MAX);
	buf_put(&b, "</p>");

	buf_put(&b,
		"<h2 id=\"stages\">%s</h2><div class=\"scroll\" "
		"tabindex=\"0\"><table><tr><th>#</th><th>%s</th>"
		"<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>",
		T(r, "Công đoạn sản xuất", "Production stages"), T(r, "Công đoạn", "Stage"),
		T(r, "Tên", "Label"), T(r, "Ngày", "Date"), T(r, "Nơi", "Place"),
		T(r, "Đơn vị", "Done by"), T(r, "Ghi chú", "Note"), T(r, "Trạng thái", "Status"));
	stage_rows sr = {r, &b, 0};
	if (!rc)
		rc = stamp_event_each(t, 0, id, stage_row, &sr);
	stamp_txn_abort(t);
	buf_put(&b, "</table></div><p>%zu %s</p>", sr.n, T(r, "công đoạn", "stages"));
	buf_put(&b, "<h3>%s</h3>", T(r, "Thêm công đoạn", "Add a stage"));
	stage_form(r, &b, id, errs);
	if (rc)
		buf_put(&b, "<p role=\"alert\">%s</p>",
			T(r, "Không đọc được kho dữ liệu.", "Cannot read the store."));
	return console_page_end(r, &b, status);
}

/* ---- a product's photo and stages -------------------------------------------------------- */

/* 303 to the product's page, at anchor. */
static enum MHD_Result to_product(console_req *r, const char *id, const char *anchor)
{
	char where[96];
	snprintf(where, sizeof where, "/products/%s%s", id, anchor);
	return console_redirect(r, where);
}

static enum MHD_Result photo_get(console_req *r, const char *id)
{
	uint8_t *jpg;
	size_t len;
	int rc = cli_photo_copy(r->k->st, id, &jpg, &len);
	if (rc == STAMP_ENOTFOUND)
		return not_found(r);
	if (rc)
		return console_message(r, 500, T(r, "Lỗi", "Error"), stamp_strerror(rc));
	return console_answer(r, MHD_HTTP_OK, "image/jpeg", (char *)jpg, len, NULL, NULL);
}

static int product_exists(const console_req *r, const char *id)
{
	stamp_txn *t;
	stamp_product p;
	int rc = stamp_txn_begin(r->k->st, 0, &t);
	if (rc == 0) {
		rc = stamp_store_get_product(t, id, &p);
		stamp_txn_abort(t);
	}
	return rc == 0;
}

/* The same code as `stampgen product image ID FILE` (cli_photo_set). */
static enum MHD_Result photo_post(console_req *r, const char *id)
{
	stamp_diag d = {{0}};
	stamp_image img;
	if (!product_exists(r, id))
		return not_found(r);
	if (!r->file || !r->file_len || strcmp(r->file_field, "photo") != 0)
		return product_page(r, id, NULL,
				    T(r, "Hãy chọn một tệp ảnh.", "Choose a photo file."), 422);
	console_write_begin(r, "console: product image");
	int rc = cli_photo_set(r->k->st, id, r->file, r->file_len,
			       r->file_name[0] ? r->file_name : "photo", &img, &d);
	console_write_end(r);
	if (rc == STAMP_EIMAGE || rc == STAMP_EINPUT)
		return product_page(r, id, NULL, d.msg[0] ? d.msg : stamp_strerror(rc), 422);
	if (rc == STAMP_ENOTFOUND)
		return not_found(r);
	if (rc)
		return product_page(r, id, NULL, d.msg[0] ? d.msg : stamp_strerror(rc), 500);
	return to_product(r, id, "#photo");
}

static enum MHD_Result photo_remove(console_req *r, const char *id)
{
	stamp_diag d = {{0}};
	if (!product_exists(r, id))
		return not_found(r);
	console_write_begin(r, "console: product image --remove");
	int rc = cli_photo_clear(r->k->st, id, &d);
	console_write_end(r);
	if (rc == STAMP_ENOTFOUND)
		return product_page(r, id, NULL,
				    T(r, "Sản phẩm chưa có ảnh.", "The product has no photo."),
				    409);
	if (rc)
		return product_page(r, id, NULL, d.msg[0] ? d.msg : stamp_strerror(rc), 500);
	return to_product(r, id, "#photo");
}

/* A product-level stage, as `stampgen event add --product ID` adds it. */
static enum MHD_Result stage_add(console_req *r, const char *id)
{
	field_err errs[EV_FIELDS];
	stamp_diag d = {{0}};
	stamp_event e;
	stamp_txn *t;
	int rc;
	memset(errs, 0, sizeof errs);
	memset(&e, 0, sizeof e);
	e.minutes = STAMP_EVENT_NO_TIME;
	if (!product_exists(r, id))
		return not_found(r);
	if (form_fields(r, -1, stamp_event_fields, errs, EV_FIELDS, "product", id, event_set_v, &e))
		return product_page(
			r, id, errs,
			T(r, "Hãy sửa các ô được đánh dấu.", "Correct the marked fields."), 422);
	if (stamp_event_check(&e, &d) != 0) {
		int i = field_of_msg(stamp_event_fields, d.msg);
		if (i >= 0 && i < EV_FIELDS)
			snprintf(errs[i], sizeof errs[i], "%s", d.msg);
		return product_page(r, id, errs, d.msg, 422);
	}
	console_write_begin(r, "console: event add");
	if ((rc = stamp_txn_begin(r->k->st, 1, &t)) == 0) {
		if ((rc = stamp_event_add(t, &e, time(NULL), &d)) == 0)
			rc = stamp_txn_commit(t, &d);
		else
			stamp_txn_abort(t);
	}
	console_write_end(r);
	if (rc)
		return product_page(r, id, errs, d.msg[0] ? d.msg : stamp_strerror(rc),
				    rc == STAMP_EINPUT ? 422 : 500);
	return to_product(r, id, "#stages");
}

/* ---- the routes under /coops/ID and /products/ID ------------------------------------------ */

static enum MHD_Result coop_get(console_req *r)
{
	char id[STAMP_ID_MAX + 1];
	const char *rest = split_path(r->url, "/coops/", id);
	if (!rest)
		return not_found(r);
	if (!*rest)
		return coop_page(r, id);
	if (strcmp(rest, "edit") == 0)
		return edit_page(r, 0, id);
	return not_found(r);
}

static enum MHD_Result coop_post(console_req *r)
{
	char id[STAMP_ID_MAX + 1];
	const char *rest = split_path(r->url, "/coops/", id);
	if (rest && strcmp(rest, "edit") == 0)
		return rec_save(r, 0, id);
	return not_found(r);
}

static enum MHD_Result product_get(console_req *r)
{
	char id[STAMP_ID_MAX + 1];
	const char *rest = split_path(r->url, "/products/", id);
	if (!rest)
		return not_found(r);
	if (!*rest)
		return product_page(r, id, NULL, NULL, MHD_HTTP_OK);
	if (strcmp(rest, "edit") == 0)
		return edit_page(r, 1, id);
	if (strcmp(rest, "photo.jpg") == 0)
		return photo_get(r, id);
	return not_found(r);
}

static enum MHD_Result product_post(console_req *r)
{
	char id[STAMP_ID_MAX + 1];
	const char *rest = split_path(r->url, "/products/", id);
	if (!rest)
		return not_found(r);
	if (strcmp(rest, "edit") == 0)
		return rec_save(r, 1, id);
	if (strcmp(rest, "photo") == 0)
		return photo_post(r, id);
	if (strcmp(rest, "photo/remove") == 0)
		return photo_remove(r, id);
	if (strcmp(rest, "stages") == 0)
		return stage_add(r, id);
	return not_found(r);
}

/* Exact paths before the prefixes; console_import.c's come before these (console.c). */
const console_route console_registry_routes[] = {
	{"GET", "/coops", CONSOLE_OFFICER, coops_page},
	{"GET", "/products", CONSOLE_OFFICER, products_page},
	{"GET", "/coops/new", CONSOLE_OFFICER, coop_new_page},
	{"POST", "/coops/new", CONSOLE_OFFICER, coop_add},
	{"GET", "/products/new", CONSOLE_OFFICER, product_new_page},
	{"POST", "/products/new", CONSOLE_OFFICER, product_add},
	{"GET", "/coops/", CONSOLE_OFFICER, coop_get},
	{"POST", "/coops/", CONSOLE_OFFICER, coop_post},
	{"GET", "/products/", CONSOLE_OFFICER, product_get},
	{"POST", "/products/", CONSOLE_OFFICER, product_post},
	{NULL, NULL, 0, NULL},
};
