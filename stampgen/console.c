/*
 * console.c - `stampgen console`: the officers' job in a browser, served by
 * stampgen itself (libmicrohttpd) on the workstation that holds the key.
 *
 * This first step serves the frame every page stands in: a one-time token
 * printed on the terminal (as Jupyter does) that, opened once, becomes a
 * session cookie (random 256-bit id, HttpOnly, SameSite=Strict, 30 minutes
 * idle) and leaves the address bar; the login page for anything else; a
 * CSRF token per session and an Origin check on every POST; a strict CSP
 * (the one stylesheet by its hash, no script), X-Frame-Options, nosniff,
 * no-store; every value from the store escaped (verifyd/buf.c). Its pages:
 * the overview (counts, the last batches), the cooperatives and the
 * products with search and paging, a cooperative's add form (the registry's
 * rules beside each field), and signing out. It listens on loopback
 * only: accounts (for any other address) do not exist yet.
 */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"

#define SESSIONS_MAX 64
#define IDLE_S (30 * 60)
#define PAGE_MAX (256 * 1024)
#define PER_PAGE 20
#define ID_HEX 65 /* 32 bytes as hex, NUL */

static const char css[] =
	"body{margin:0;font:15px/1.5 system-ui,sans-serif;color:#1b1b1b;background:#f4f4f1}"
	"header{background:#0a5d2c;color:#fff;padding:.6rem 1.2rem}header "
	"a{color:#fff;margin-right:1rem}"
	"main{max-width:60rem;margin:0 auto;padding:1rem}table{border-collapse:collapse;width:100%;"
	"background:#fff}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #ddd}"
	".n{font-size:1.6rem;font-weight:700}.cards{display:flex;gap:1rem;flex-wrap:wrap}"
	".card{background:#fff;padding:.8rem 1rem;border-radius:.4rem;min-width:9rem}"
	"form.inline{display:inline}.err{color:#b00020}";

typedef struct session {
	char id[ID_HEX], csrf[ID_HEX];
	time_t last;
} session;

typedef struct console {
	cli *c;
	stamp_store *st;
	char token[ID_HEX]; /* "" once used */
	char origin[64];    /* http://127.0.0.1:PORT */
	char csp[256];
	session s[SESSIONS_MAX];
	pthread_mutex_t lock;
} console;

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void random_hex(char out[ID_HEX])
{
	unsigned char b[32];
	randombytes_buf(b, sizeof b);
	hex_format(b, sizeof b, out);
	sodium_memzero(b, sizeof b);
}

/* The session named by the request's cookie, refreshed; NULL when none or expired. */
static session *session_of(console *k, struct MHD_Connection *conn, session *copy)
{
	const char *id = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "ocs_console");
	session *found = NULL;
	time_t now = time(NULL);
	if (!id || strlen(id) != ID_HEX - 1)
		return NULL;
	pthread_mutex_lock(&k->lock);
	for (int i = 0; i < SESSIONS_MAX; i++) {
		session *s = &k->s[i];
		if (!s->id[0])
			continue;
		if (now - s->last > IDLE_S) {
			sodium_memzero(s, sizeof *s);
			continue;
		}
		if (sodium_memcmp(s->id, id, ID_HEX - 1) == 0) {
			s->last = now;
			*copy = *s;
			found = copy;
		}
	}
	pthread_mutex_unlock(&k->lock);
	return found;
}

static int session_new(console *k, session *out)
{
	int rc = -1;
	pthread_mutex_lock(&k->lock);
	for (int i = 0; i < SESSIONS_MAX && rc; i++) {
		if (k->s[i].id[0] && time(NULL) - k->s[i].last <= IDLE_S)
			continue;
		random_hex(k->s[i].id);
		random_hex(k->s[i].csrf);
		k->s[i].last = time(NULL);
		*out = k->s[i];
		rc = 0;
	}
	pthread_mutex_unlock(&k->lock);
	return rc;
}

static void session_end(console *k, const char *id)
{
	pthread_mutex_lock(&k->lock);
	for (int i = 0; i < SESSIONS_MAX; i++)
		if (k->s[i].id[0] && sodium_memcmp(k->s[i].id, id, ID_HEX - 1) == 0)
			sodium_memzero(&k->s[i], sizeof k->s[i]);
	pthread_mutex_unlock(&k->lock);
}

/* ---- answers ------------------------------------------------------------------- */

static enum MHD_Result answer(console *k, struct MHD_Connection *conn, unsigned status, char *body,
			      size_t len, const char *cookie, const char *location)
{
	struct MHD_Response *r;
	if (!body) {
		static const char oom[] = "out of memory\n";
		r = MHD_create_response_from_buffer(sizeof oom - 1, (void *)oom,
						    MHD_RESPMEM_PERSISTENT);
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	} else {
		r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	}
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
	MHD_add_response_header(r, "Content-Security-Policy", k->csp);
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (cookie)
		MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie);
	if (location)
		MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, location);
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static void head(strbuf *b, const char *title, const session *s)
{
	buf_put(b,
		"<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><meta "
		"name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>%s — "
		"ocopstamp</title><style>%s</style></head><body><header>",
		title, css);
	if (s)
		buf_put(b,
			"<nav><a href=\"/\">Tổng quan</a><a href=\"/coops\">Hợp tác xã</a><a "
			"href=\"/products\">Sản phẩm</a><form class=\"inline\" method=\"post\" "
			"action=\"/logout\"><input type=\"hidden\" name=\"csrf\" "
			"value=\"%s\"><button "
			"type=\"submit\">Đăng xuất</button></form></nav>",
			s->csrf);
	else
		buf_put(b, "<strong>ocopstamp</strong>");
	buf_put(b, "</header><main><h1>%s</h1>", title);
}

static enum MHD_Result login_page(console *k, struct MHD_Connection *conn, unsigned status)
{
	strbuf b;
	size_t len = 0;
	if (buf_init(&b, 4096) == 0) {
		head(&b, "Đăng nhập", NULL);
		buf_put(&b, "<p>Mở địa chỉ mà lệnh <code>stampgen console</code> in ra trên máy "
			    "này (có mã dùng một lần). / Open the address that <code>stampgen "
			    "console</code> printed on this computer (it holds a one-time "
			    "code).</p></main></body></html>");
	}
	char *text = buf_take(&b, &len);
	return answer(k, conn, status, text, len, NULL, NULL);
}

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

static enum MHD_Result overview(console *k, struct MHD_Connection *conn, const session *s)
{
	counts n = {0};
	stamp_txn *t;
	strbuf b;
	size_t len = 0;
	int rc = stamp_txn_begin(k->st, 0, &t);
	if (rc == 0) {
		rc = stamp_store_each_coop(t, count_coop, &n);
		rc = rc ? rc : stamp_store_each_product(t, count_product, &n);
		rc = rc ? rc : stamp_store_each_batch(t, count_batch, &n);
		stamp_txn_abort(t);
	}
	if (buf_init(&b, PAGE_MAX) != 0)
		return answer(k, conn, 500, NULL, 0, NULL, NULL);
	head(&b, "Tổng quan", s);
	if (rc)
		buf_put(&b, "<p>Không đọc được kho dữ liệu: %s</p>", stamp_strerror(rc));
	buf_put(&b,
		"<div class=\"cards\"><div class=\"card\"><div class=\"n\">%zu</div>Hợp tác "
		"xã</div><div class=\"card\"><div class=\"n\">%zu</div>Sản phẩm</div><div "
		"class=\"card\"><div class=\"n\">%zu</div>Lô tem</div><div class=\"card\"><div "
		"class=\"n\">%llu</div>Tem</div></div><h2>Các lô mới nhất</h2><table><tr><th>Lô "
		"số</th><th>Sản phẩm</th><th>Số lô</th><th>Số tem</th></tr>",
		n.coops, n.products, n.batches, (unsigned long long)n.stamps);
	for (size_t i = n.nlast; i-- > 0;) {
		buf_put(&b, "<tr><td>%u</td><td>", n.last[i].id);
		buf_esc(&b, n.last[i].product_id);
		buf_put(&b, "</td><td>");
		buf_esc(&b, n.last[i].lot);
		buf_put(&b, "</td><td>%u</td></tr>", n.last[i].count);
	}
	buf_put(&b, "</table></main></body></html>");
	char *text = buf_take(&b, &len);
	return answer(k, conn, MHD_HTTP_OK, text, len, NULL, NULL);
}

/* ---- lists with search and paging ------------------------------------------------ */

typedef struct listing {
	strbuf *b;
	const char *q;
	size_t skip, shown, matched;
	int products;
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
	if (l->matched++ < l->skip || l->shown >= PER_PAGE)
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

static enum MHD_Result list_page(console *k, struct MHD_Connection *conn, const session *s,
				 int products)
{
	const char *q = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "q");
	const char *pg = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "page");
	unsigned long page = pg ? strtoul(pg, NULL, 10) : 1;
	strbuf b;
	size_t len = 0;
	stamp_txn *t;
	if (page < 1 || page > 100000)
		page = 1;
	if (q && strlen(q) > 200)
		q = NULL;
	if (buf_init(&b, PAGE_MAX) != 0)
		return answer(k, conn, 500, NULL, 0, NULL, NULL);
	head(&b, products ? "Sản phẩm" : "Hợp tác xã", s);
	if (!products)
		buf_put(&b, "<p><a href=\"/coops/new\">Thêm hợp tác xã</a></p>");
	buf_put(&b, "<form method=\"get\"><label for=\"q\">Tìm</label> <input id=\"q\" name=\"q\" "
		    "value=\"");
	buf_esc(&b, q ? q : "");
	buf_put(&b, "\"> <button type=\"submit\">Tìm</button></form><table><tr>%s</tr>",
		products ? "<th>Mã</th><th>Tên</th><th>Hạng sao</th><th>Hợp tác xã</th>"
			 : "<th>Mã</th><th>Tên</th><th>Huyện</th><th>Tỉnh</th>");
	listing l = {&b, q, (page - 1) * PER_PAGE, 0, 0, products};
	int rc = stamp_txn_begin(k->st, 0, &t);
	if (rc == 0) {
		rc = products ? stamp_store_each_product(t, list_product, &l)
			      : stamp_store_each_coop(t, list_coop, &l);
		stamp_txn_abort(t);
	}
	buf_put(&b, "</table><p>%zu kết quả, trang %lu.", l.matched, page);
	if (l.matched > page * PER_PAGE) {
		buf_put(&b, " <a href=\"?page=%lu&amp;q=", page + 1);
		buf_esc(&b, q ? q : "");
		buf_put(&b, "\">Trang sau</a>");
	}
	buf_put(&b, "</p>%s</main></body></html>", rc ? "<p>Không đọc được kho dữ liệu.</p>" : "");
	char *text = buf_take(&b, &len);
	return answer(k, conn, MHD_HTTP_OK, text, len, NULL, NULL);
}

/* ---- requests ----------------------------------------------------------------------- */

#define FIELDS_MAX 16
#define VALUE_MAX 1024 /* bytes of one form value kept; the field rules allow less */

typedef struct post {
	struct MHD_PostProcessor *pp;
	char csrf[ID_HEX];
	int seen;
	size_t bytes;
	char vals[FIELDS_MAX]
		 [VALUE_MAX + 2]; /* by stamp_coop_fields index; one byte over: too long */
} post;

static int field_index(const char *key)
{
	for (int i = 0; stamp_coop_fields[i] && i < FIELDS_MAX; i++)
		if (strcmp(stamp_coop_fields[i], key) == 0)
			return i;
	return -1;
}

/* ---- a cooperative added through its form --------------------------------------------- */

static const char *coop_label(const char *field)
{
	static const struct {
		const char *f, *vi;
	} t[] = {{"id", "Mã (chữ, số, - _ .)"}, {"name", "Tên hợp tác xã"},
		 {"commune", "Xã/phường"},	{"district", "Huyện"},
		 {"province", "Tỉnh"},		{"address", "Địa chỉ"},
		 {"phone", "Điện thoại"}};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(t[i].f, field) == 0)
			return t[i].vi;
	return field;
}

/* The form, with the values given and each field's error beside it (errs may be NULL). */
static enum MHD_Result coop_form(console *k, struct MHD_Connection *conn, const session *s,
				 const post *p, char (*errs)[sizeof(stamp_diag)],
				 const char *general, unsigned status)
{
	strbuf b;
	size_t len = 0;
	if (buf_init(&b, PAGE_MAX) != 0)
		return answer(k, conn, 500, NULL, 0, NULL, NULL);
	head(&b, "Thêm hợp tác xã", s);
	if (general && *general) {
		buf_put(&b, "<p class=\"err\" role=\"alert\">");
		buf_esc(&b, general);
		buf_put(&b, "</p>");
	}
	buf_put(&b,
		"<form method=\"post\" action=\"/coops/new\"><input type=\"hidden\" "
		"name=\"csrf\" value=\"%s\">",
		s->csrf);
	for (int i = 0; stamp_coop_fields[i] && i < FIELDS_MAX; i++) {
		const char *f = stamp_coop_fields[i];
		buf_put(&b,
			"<p><label for=\"%s\">%s</label><br><input id=\"%s\" name=\"%s\" value=\"",
			f, coop_label(f), f, f);
		buf_esc(&b, p ? p->vals[i] : "");
		buf_put(&b, "\"%s>", errs && errs[i][0] ? " aria-invalid=\"true\"" : "");
		if (errs && errs[i][0]) {
			buf_put(&b, " <span class=\"err\">");
			buf_esc(&b, errs[i]);
			buf_put(&b, "</span>");
		}
		buf_put(&b, "</p>");
	}
	buf_put(&b, "<p><button type=\"submit\">Lưu</button></p></form></main></body></html>");
	char *text = buf_take(&b, &len);
	return answer(k, conn, status, text, len, NULL, NULL);
}

/*
 * The registry's own rules, field by field (stamp_coop_set), then the record's
 * (stamp_coop_check), then the store's (an id already registered): any
 * problem shows the form again with it, and nothing is written.
 */
static enum MHD_Result coop_add(console *k, struct MHD_Connection *conn, const session *s,
				const post *p)
{
	char errs[FIELDS_MAX][sizeof(stamp_diag)];
	stamp_coop c;
	stamp_diag d = {{0}};
	int bad = 0, rc;
	memset(&c, 0, sizeof c);
	memset(errs, 0, sizeof errs);
	for (int i = 0; stamp_coop_fields[i] && i < FIELDS_MAX; i++) {
		if (!p->vals[i][0])
			continue;
		if (strlen(p->vals[i]) > VALUE_MAX) {
			snprintf(errs[i], sizeof errs[i], "dài quá %d byte", VALUE_MAX);
			bad = 1;
		} else if (stamp_coop_set(&c, stamp_coop_fields[i], p->vals[i], &d) != 0) {
			snprintf(errs[i], sizeof errs[i], "%s", d.msg);
			bad = 1;
		}
	}
	if (!bad && stamp_coop_check(&c, &d) != 0)
		return coop_form(k, conn, s, p, errs, d.msg, 422);
	if (bad)
		return coop_form(k, conn, s, p, errs, "Hãy sửa các ô được đánh dấu.", 422);
	stamp_txn *t;
	if ((rc = stamp_txn_begin(k->st, 1, &t)) == 0) {
		rc = stamp_store_put_coop(t, &c, 0);
		if (rc == 0)
			rc = stamp_txn_commit(t, &d);
		else
			stamp_txn_abort(t);
	}
	if (rc == STAMP_EEXIST) {
		snprintf(errs[0], sizeof errs[0], "mã \"%s\" đã có trong sổ đăng ký", c.id);
		return coop_form(k, conn, s, p, errs, "Không lưu: mã đã tồn tại.", 409);
	}
	if (rc)
		return coop_form(k, conn, s, p, errs, d.msg[0] ? d.msg : stamp_strerror(rc), 500);
	char where[128];
	snprintf(where, sizeof where, "/coops?q=%s", c.id); /* ids are [A-Za-z0-9._-] */
	return answer(k, conn, MHD_HTTP_SEE_OTHER, strdup(""), 0, NULL, where);
}

static enum MHD_Result on_post_field(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *filename, const char *type, const char *enc,
				     const char *data, uint64_t off, size_t size)
{
	post *p = cls;
	(void)kind, (void)filename, (void)type, (void)enc;
	if (strcmp(key, "csrf") == 0 && off + size < ID_HEX) {
		memcpy(p->csrf + off, data, size);
		p->csrf[off + size] = '\0';
		p->seen = 1;
	}
	int i = field_index(key);
	if (i >= 0 && off <= VALUE_MAX) {
		size_t n = off + size > VALUE_MAX + 1 ? VALUE_MAX + 1 - off : size;
		memcpy(p->vals[i] + off, data, n);
		p->vals[i][off + n] = '\0';
	}
	return MHD_YES;
}

/* A POST is the session's own: its CSRF token, and an Origin (or Referer) of ours. */
static int post_ok(console *k, struct MHD_Connection *conn, const session *s, const post *p)
{
	const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
	const char *ref = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Referer");
	size_t n = strlen(k->origin);
	int ours = origin ? strcmp(origin, k->origin) == 0
			  : ref && strncmp(ref, k->origin, n) == 0 && (ref[n] == '/' || !ref[n]);
	return ours && p->seen && strlen(p->csrf) == ID_HEX - 1 &&
	       sodium_memcmp(p->csrf, s->csrf, ID_HEX - 1) == 0;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **req)
{
	console *k = cls;
	session s, *have;
	(void)version;
	int is_post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;

	if (!*req) {
		post *p = calloc(1, sizeof *p);
		if (!p)
			return MHD_NO;
		if (is_post)
			p->pp = MHD_create_post_processor(conn, 4096, on_post_field, p);
		*req = p;
		return MHD_YES;
	}
	post *p = *req;
	if (*upload_size) {
		p->bytes += *upload_size;
		if (p->pp && p->bytes <= 65536)
			MHD_post_process(p->pp, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (!is_post && strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return login_page(k, conn, MHD_HTTP_METHOD_NOT_ALLOWED);
	if (p->bytes > 65536)
		return login_page(k, conn, 413);

	/* the one-time token becomes a session, and leaves the address bar */
	const char *token = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "token");
	if (!is_post && strcmp(url, "/") == 0 && token) {
		int good = 0;
		pthread_mutex_lock(&k->lock);
		if (k->token[0] && strlen(token) == ID_HEX - 1 &&
		    sodium_memcmp(token, k->token, ID_HEX - 1) == 0) {
			sodium_memzero(k->token, sizeof k->token);
			good = 1;
		}
		pthread_mutex_unlock(&k->lock);
		if (!good || session_new(k, &s) != 0)
			return login_page(k, conn, MHD_HTTP_FORBIDDEN);
		char cookie[160];
		snprintf(cookie, sizeof cookie,
			 "ocs_console=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d", s.id,
			 IDLE_S);
		char *body = strdup("");
		return answer(k, conn, MHD_HTTP_SEE_OTHER, body, 0, cookie, "/");
	}
	if (!(have = session_of(k, conn, &s)))
		return login_page(k, conn, is_post ? MHD_HTTP_FORBIDDEN : MHD_HTTP_OK);
	if (is_post) {
		if (!post_ok(k, conn, have, p))
			return login_page(k, conn, MHD_HTTP_FORBIDDEN);
		if (strcmp(url, "/coops/new") == 0)
			return coop_add(k, conn, have, p);
		if (strcmp(url, "/logout") == 0) {
			session_end(k, have->id);
			return answer(k, conn, MHD_HTTP_SEE_OTHER, strdup(""), 0,
				      "ocs_console=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
				      "/");
		}
		return login_page(k, conn, MHD_HTTP_NOT_FOUND);
	}
	if (strcmp(url, "/") == 0)
		return overview(k, conn, have);
	if (strcmp(url, "/coops/new") == 0)
		return coop_form(k, conn, have, NULL, NULL, NULL, MHD_HTTP_OK);
	if (strcmp(url, "/coops") == 0 || strcmp(url, "/products") == 0)
		return list_page(k, conn, have, url[1] == 'p');
	return login_page(k, conn, MHD_HTTP_NOT_FOUND);
}

static void done(void *cls, struct MHD_Connection *conn, void **req,
		 enum MHD_RequestTerminationCode toe)
{
	post *p = *req;
	(void)cls, (void)conn, (void)toe;
	if (p) {
		if (p->pp)
			MHD_destroy_post_processor(p->pp);
		free(p);
		*req = NULL;
	}
}

int cmd_console(cli *c, int argc, char **argv)
{
	static const struct option lo[] = {{"listen", required_argument, NULL, 256},
					   {"port", required_argument, NULL, 257},
					   {NULL, 0, NULL, 0}};
	const char *listen_addr = "127.0.0.1";
	uint64_t port = 8090;
	int opt, ex;
	while ((opt = cli_getopt(argc, argv, "console", "", lo, &ex)) != -1) {
		if (opt == 256)
			listen_addr = optarg;
		else if (opt == 257 && cli_parse_u64(optarg, 1, 65535, &port) == 0)
			continue;
		else if (opt == 257) {
			cli_err("--port: expected 1 to 65535, got \"%s\"", optarg);
			return EXIT_USAGE;
		} else
			return ex;
	}
	if (optind != argc)
		return cli_usage("console");
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (inet_pton(AF_INET, listen_addr, &sa.sin_addr) != 1) {
		cli_err("--listen: expected an IPv4 address, got \"%s\"", listen_addr);
		return EXIT_USAGE;
	}
	if ((ntohl(sa.sin_addr.s_addr) >> 24) != 127) {
		cli_err("--listen %s: the console listens on this computer only (127.0.0.1) until "
			"officers' accounts exist",
			listen_addr);
		return EXIT_USAGE;
	}
	if (sodium_init() < 0)
		return EXIT_USAGE;
	console *k = calloc(1, sizeof *k);
	if (!k || cli_open_store(c, 0, &k->st)) {
		free(k);
		return EXIT_USAGE;
	}
	k->c = c;
	pthread_mutex_init(&k->lock, NULL);
	random_hex(k->token);
	snprintf(k->origin, sizeof k->origin, "http://%s:%llu", listen_addr,
		 (unsigned long long)port);
	unsigned char h[crypto_hash_sha256_BYTES];
	char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES,
					   sodium_base64_VARIANT_ORIGINAL)];
	crypto_hash_sha256(h, (const unsigned char *)css, sizeof css - 1);
	sodium_bin2base64(b64, sizeof b64, h, sizeof h, sodium_base64_VARIANT_ORIGINAL);
	snprintf(k->csp, sizeof k->csp,
		 "default-src 'none'; style-src 'sha256-%s'; form-action 'self'; base-uri "
		 "'none'; frame-ancestors 'none'",
		 b64);
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL, handle, k,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_TIMEOUT, 60,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)131072, MHD_OPTION_NOTIFY_COMPLETED,
		done, k, MHD_OPTION_END);
	if (!d) {
		cli_err("cannot listen on %s port %llu: %s", listen_addr, (unsigned long long)port,
			strerror(errno));
		stamp_store_close(k->st);
		free(k);
		return EXIT_USAGE;
	}
	printf("ocopstamp console: open %s/?token=%s\n", k->origin, k->token);
	fflush(stdout);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!stop)
		pause();
	MHD_stop_daemon(d);
	stamp_store_close(k->st);
	sodium_memzero(k, sizeof *k);
	free(k);
	return EXIT_OK;
}
