/*
 * console.c - `stampgen console`: the officers' job in a browser, served by
 * stampgen itself (libmicrohttpd) on the workstation that holds the key.
 *
 * This file is the frame every page stands in (console.h): a one-time token
 * printed on the terminal (as Jupyter does) that, opened once, becomes a
 * session cookie (random 256-bit id, HttpOnly, SameSite=Strict, 30 minutes
 * idle) and leaves the address bar; the login page for anything else; a
 * CSRF token per session and an Origin check on every POST; a strict CSP
 * (the one stylesheet by its hash, no script), X-Frame-Options, nosniff,
 * no-store; the forms and the one upload of a request, bounded; the
 * language switch; the routes of the pages' modules, by role.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "console.h"
#include "vlog.h"

static const char css[] =
	"body{margin:0;font:15px/1.5 system-ui,sans-serif;color:#1b1b1b;background:#f4f4f1}"
	"header{background:#0a5d2c;color:#fff;padding:.5rem 1.2rem}"
	"header nav{display:flex;flex-wrap:wrap;gap:.2rem 1rem;align-items:center}"
	"header a{color:#fff}header button{font:inherit}"
	"main{max-width:64rem;margin:0 auto;padding:1rem}table{border-collapse:collapse;width:100%;"
	"background:#fff}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #ddd}"
	".n{font-size:1.6rem;font-weight:700}.cards{display:flex;gap:1rem;flex-wrap:wrap}"
	".card{background:#fff;padding:.8rem 1rem;border-radius:.4rem;min-width:9rem}"
	"form.inline{display:inline}.err{color:#b00020}.ok{color:#0a5d2c}"
	"input,select,button,textarea{font:inherit;max-width:100%}"
	"label{font-weight:600}.scroll{overflow-x:auto}progress{width:20rem}"
	"img.preview,img.photo{max-width:16rem;background:#fff;border:1px solid #ddd}";

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void random_hex(char out[CONSOLE_ID_HEX])
{
	unsigned char b[32];
	randombytes_buf(b, sizeof b);
	hex_format(b, sizeof b, out);
	sodium_memzero(b, sizeof b);
}

/* ---- sessions --------------------------------------------------------------------- */

/* The session named by the request's cookie, refreshed; NULL when none or expired. */
static console_session *session_of(console *k, struct MHD_Connection *conn, console_session *copy)
{
	const char *id = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "ocs_console");
	console_session *found = NULL;
	time_t now = time(NULL);
	if (!id || strlen(id) != CONSOLE_ID_HEX - 1)
		return NULL;
	pthread_mutex_lock(&k->lock);
	for (int i = 0; i < CONSOLE_SESSIONS_MAX; i++) {
		console_session *s = &k->s[i];
		if (!s->id[0])
			continue;
		if (now - s->last > CONSOLE_IDLE_S) {
			sodium_memzero(s, sizeof *s);
			continue;
		}
		if (sodium_memcmp(s->id, id, CONSOLE_ID_HEX - 1) == 0) {
			s->last = now;
			*copy = *s;
			found = copy;
		}
	}
	pthread_mutex_unlock(&k->lock);
	return found;
}

static int session_new(console *k, const char *user, int role, console_session *out)
{
	int rc = -1;
	pthread_mutex_lock(&k->lock);
	for (int i = 0; i < CONSOLE_SESSIONS_MAX && rc; i++) {
		if (k->s[i].id[0] && time(NULL) - k->s[i].last <= CONSOLE_IDLE_S)
			continue;
		random_hex(k->s[i].id);
		random_hex(k->s[i].csrf);
		snprintf(k->s[i].user, sizeof k->s[i].user, "%s", user);
		k->s[i].role = role;
		k->s[i].english = 0;
		k->s[i].last = time(NULL);
		*out = k->s[i];
		rc = 0;
	}
	pthread_mutex_unlock(&k->lock);
	return rc;
}

/* The live session of id: its language set, or ended. */
static void session_update(console *k, const char *id, int end, int en)
{
	pthread_mutex_lock(&k->lock);
	for (int i = 0; i < CONSOLE_SESSIONS_MAX; i++) {
		if (!k->s[i].id[0] || sodium_memcmp(k->s[i].id, id, CONSOLE_ID_HEX - 1) != 0)
			continue;
		if (end)
			sodium_memzero(&k->s[i], sizeof k->s[i]);
		else
			k->s[i].english = en;
	}
	pthread_mutex_unlock(&k->lock);
}

void console_end_sessions_of(console *k, const char *user)
{
	pthread_mutex_lock(&k->lock);
	for (int i = 0; i < CONSOLE_SESSIONS_MAX; i++)
		if (k->s[i].id[0] && strcmp(k->s[i].user, user) == 0)
			sodium_memzero(&k->s[i], sizeof k->s[i]);
	pthread_mutex_unlock(&k->lock);
}

/* ---- answers ------------------------------------------------------------------------ */

static void security_headers(const console_req *r, struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "Content-Security-Policy", r->k->csp);
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
}

enum MHD_Result console_answer(const console_req *r, unsigned status, const char *type, char *body,
			       size_t len, const char *cookie, const char *location)
{
	struct MHD_Response *resp;
	if (!body) {
		static const char oom[] = "out of memory\n";
		resp = MHD_create_response_from_buffer(sizeof oom - 1, (void *)oom,
						       MHD_RESPMEM_PERSISTENT);
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		type = "text/plain; charset=utf-8";
	} else {
		resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	}
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	security_headers(r, resp);
	if (cookie)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, cookie);
	if (location)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, location);
	enum MHD_Result ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result console_redirect(const console_req *r, const char *where)
{
	return console_answer(r, MHD_HTTP_SEE_OTHER, "text/plain; charset=utf-8", strdup(""), 0,
			      NULL, where);
}

enum MHD_Result console_send_file(const console_req *r, const char *path, const char *type,
				  const char *name)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		if (fd >= 0)
			close(fd);
		return console_message(r, MHD_HTTP_NOT_FOUND, T(r, "Không có tệp", "No such file"),
				       name);
	}
	struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)sb.st_size, fd);
	if (!resp) {
		close(fd);
		return MHD_NO;
	}
	char disp[320];
	/* names are ours ([A-Za-z0-9._-]): no quoting needed beyond the quotes */
	snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", name);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, "Content-Disposition", disp);
	security_headers(r, resp);
	enum MHD_Result ret = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

void console_csrf_field(const console_req *r, strbuf *b)
{
	buf_put(b, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", r->s ? r->s->csrf : "");
}

static const struct nav {
	const char *path, *vi, *en;
	int role;
} nav[] = {{"/", "Tổng quan", "Overview", CONSOLE_OFFICER},
	   {"/coops", "Hợp tác xã", "Cooperatives", CONSOLE_OFFICER},
	   {"/products", "Sản phẩm", "Products", CONSOLE_OFFICER},
	   {"/issue", "Phát hành tem", "Issue stamps", CONSOLE_OFFICER},
	   {"/batches", "Lô tem", "Batches", CONSOLE_OFFICER},
	   {"/revoke", "Thu hồi", "Revoke", CONSOLE_OFFICER},
	   {"/audit", "Nhật ký", "Audit log", CONSOLE_OFFICER},
	   {"/keys", "Khóa", "Keys", CONSOLE_ADMIN},
	   {"/users", "Tài khoản", "Accounts", CONSOLE_ADMIN}};

void console_page_head(const console_req *r, strbuf *b, const char *title)
{
	buf_put(b,
		"<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\"><meta "
		"name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>",
		T(r, "vi", "en"));
	buf_esc(b, title);
	buf_put(b, " — ocopstamp</title><style>%s</style></head><body><header>", css);
	if (r->s) {
		buf_put(b, "<nav aria-label=\"%s\">", T(r, "Trang", "Pages"));
		for (size_t i = 0; i < sizeof nav / sizeof nav[0]; i++) {
			if (r->s->role < nav[i].role)
				continue;
			int here = strcmp(r->url, nav[i].path) == 0;
			buf_put(b, "<a href=\"%s\"%s>%s</a>", nav[i].path,
				here ? " aria-current=\"page\"" : "", T(r, nav[i].vi, nav[i].en));
		}
		buf_put(b, "<form class=\"inline\" method=\"post\" action=\"/lang\">");
		console_csrf_field(r, b);
		buf_put(b,
			"<button type=\"submit\" name=\"lang\" value=\"%s\" "
			"lang=\"%s\">%s</button></form>",
			T(r, "en", "vi"), T(r, "en", "vi"), T(r, "English", "Tiếng Việt"));
		buf_put(b, "<form class=\"inline\" method=\"post\" action=\"/logout\">");
		console_csrf_field(r, b);
		buf_put(b, "<button type=\"submit\">%s (", T(r, "Đăng xuất", "Sign out"));
		buf_esc(b, r->s->user);
		buf_put(b, ")</button></form></nav>");
	} else {
		buf_put(b, "<strong>ocopstamp</strong>");
	}
	buf_put(b, "</header><main><h1>");
	buf_esc(b, title);
	buf_put(b, "</h1>");
}

enum MHD_Result console_page_end(const console_req *r, strbuf *b, unsigned status)
{
	size_t len = 0;
	buf_put(b, "</main></body></html>");
	char *text = buf_take(b, &len);
	return console_answer(r, status, "text/html; charset=utf-8", text, len, NULL, NULL);
}

enum MHD_Result console_message(const console_req *r, unsigned status, const char *title,
				const char *msg)
{
	strbuf b;
	if (buf_init(&b, 8192) != 0)
		return console_answer(r, 500, "text/html", NULL, 0, NULL, NULL);
	console_page_head(r, &b, title);
	if (msg && *msg) {
		buf_put(&b, "<p role=\"alert\">");
		buf_esc(&b, msg);
		buf_put(&b, "</p>");
	}
	return console_page_end(r, &b, status);
}

enum MHD_Result console_login_page(const console_req *r, unsigned status, const char *msg)
{
	console_req anon = *r;
	strbuf b;
	anon.s = NULL;
	if (buf_init(&b, 8192) != 0)
		return console_answer(r, 500, "text/html", NULL, 0, NULL, NULL);
	console_page_head(&anon, &b, "Đăng nhập / Sign in");
	if (msg && *msg) {
		buf_put(&b, "<p class=\"err\" role=\"alert\">");
		buf_esc(&b, msg);
		buf_put(&b, "</p>");
	}
	if (r->k->loopback)
		buf_put(&b, "<p>Mở địa chỉ mà lệnh <code>stampgen console</code> in ra trên máy "
			    "này (có mã dùng một lần).</p><p lang=\"en\">Open the address that "
			    "<code>stampgen console</code> printed on this computer (it holds a "
			    "one-time code).</p>");
	if (console_accounts(r->k))
		buf_put(&b,
			"<form method=\"post\" action=\"/login\"><p><label for=\"user\">Tên đăng "
			"nhập / User name</label><br><input id=\"user\" name=\"user\" "
			"autocomplete=\"username\" required></p><p><label for=\"password\">Mật "
			"khẩu "
			"/ Password</label><br><input id=\"password\" name=\"password\" "
			"type=\"password\" autocomplete=\"current-password\" "
			"required></p><p><button "
			"type=\"submit\">Đăng nhập / Sign in</button></p></form>");
	return console_page_end(&anon, &b, status);
}

enum MHD_Result console_sign_in(const console_req *r, const char *user, int role)
{
	console_session s;
	if (session_new(r->k, user, role, &s) != 0)
		return console_login_page(r, MHD_HTTP_SERVICE_UNAVAILABLE,
					  "Đã đủ phiên đăng nhập / Too many sessions");
	char cookie[160];
	snprintf(cookie, sizeof cookie,
		 "ocs_console=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s", s.id,
		 CONSOLE_IDLE_S, r->k->secure ? "; Secure" : "");
	sodium_memzero(&s, sizeof s);
	return console_answer(r, MHD_HTTP_SEE_OTHER, "text/plain; charset=utf-8", strdup(""), 0,
			      cookie, "/");
}

void console_write_begin_as(console *k, const char *user, const char *what)
{
	pthread_mutex_lock(&k->wlock);
	stamp_store_set_identity(k->st, k->os_user, user, what);
}

void console_write_end_as(console *k)
{
	stamp_store_set_identity(k->st, k->os_user, "", "");
	pthread_mutex_unlock(&k->wlock);
}

void console_write_begin(const console_req *r, const char *what)
{
	console_write_begin_as(r->k, r->s ? r->s->user : "", what);
}

void console_write_end(const console_req *r)
{
	console_write_end_as(r->k);
}

/* ---- a request's form and upload ------------------------------------------------------ */

/* What a request carries until it is answered. */
typedef struct pending {
	struct MHD_PostProcessor *pp;
	size_t bytes;
	int too_big;
	size_t nfields;
	console_field *f; /* CONSOLE_FIELDS_MAX of them, sodium_malloc'd */
	char file_field[64], file_name[256];
	char *file;
	size_t file_len, file_cap;
} pending;

const char *console_arg(const console_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

static const console_field *field_of(const console_req *r, const char *name)
{
	for (size_t i = 0; i < r->nfields; i++)
		if (strcmp(r->f[i].key, name) == 0)
			return &r->f[i];
	return NULL;
}

const char *console_field_get(const console_req *r, const char *name)
{
	const console_field *f = field_of(r, name);
	return f ? f->val : NULL;
}

int console_field_long(const console_req *r, const char *name)
{
	const console_field *f = field_of(r, name);
	return f && strlen(f->val) > CONSOLE_VALUE_MAX;
}

static enum MHD_Result on_post_field(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *filename, const char *type, const char *enc,
				     const char *data, uint64_t off, size_t size)
{
	pending *p = cls;
	(void)kind, (void)type, (void)enc;
	if (filename) {
		if (!p->file_field[0]) {
			snprintf(p->file_field, sizeof p->file_field, "%s", key);
			snprintf(p->file_name, sizeof p->file_name, "%s", filename);
		} else if (strcmp(p->file_field, key) != 0) {
			return MHD_YES; /* one file per request */
		}
		if (p->file_len + size > CONSOLE_UPLOAD_MAX) {
			p->too_big = 1;
			return MHD_NO;
		}
		if (p->file_len + size + 1 > p->file_cap) {
			size_t cap = p->file_cap ? p->file_cap * 2 : 65536;
			while (cap < p->file_len + size + 1)
				cap *= 2;
			char *n = realloc(p->file, cap);
			if (!n)
				return MHD_NO;
			p->file = n, p->file_cap = cap;
		}
		memcpy(p->file + p->file_len, data, size);
		p->file_len += size;
		p->file[p->file_len] = '\0';
		return MHD_YES;
	}
	console_field *f = NULL;
	for (size_t i = 0; i < p->nfields; i++)
		if (strcmp(p->f[i].key, key) == 0)
			f = &p->f[i];
	if (!f && off == 0) {
		if (p->nfields == CONSOLE_FIELDS_MAX || strlen(key) >= sizeof f->key)
			return MHD_YES;
		f = &p->f[p->nfields++];
		snprintf(f->key, sizeof f->key, "%s", key);
		f->val[0] = '\0';
	}
	if (f && off <= CONSOLE_VALUE_MAX) {
		size_t n = off + size > CONSOLE_VALUE_MAX + 1 ? CONSOLE_VALUE_MAX + 1 - off : size;
		memcpy(f->val + off, data, n);
		f->val[off + n] = '\0';
	}
	return MHD_YES;
}

static void pending_free(pending *p)
{
	if (!p)
		return;
	if (p->pp)
		MHD_destroy_post_processor(p->pp);
	sodium_free(p->f); /* wipes: a field may be a passphrase */
	if (p->file)
		sodium_memzero(p->file, p->file_len);
	free(p->file);
	free(p);
}

/* A POST is the session's own: its CSRF token, and an Origin (or Referer) of ours. */
static int same_origin(const console *k, struct MHD_Connection *conn)
{
	const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
	const char *ref = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Referer");
	size_t n = strlen(k->origin);
	return origin ? strcmp(origin, k->origin) == 0
		      : ref && strncmp(ref, k->origin, n) == 0 && (ref[n] == '/' || !ref[n]);
}

static int csrf_ok(const console_req *r)
{
	const char *t = console_field_get(r, "csrf");
	return r->s && t && strlen(t) == CONSOLE_ID_HEX - 1 &&
	       sodium_memcmp(t, r->s->csrf, CONSOLE_ID_HEX - 1) == 0;
}

/* ---- routes ------------------------------------------------------------------------- */

static enum MHD_Result lang_page(console_req *r)
{
	const char *to = console_field_get(r, "lang");
	const char *back = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Referer");
	size_t n = strlen(r->k->origin);
	session_update(r->k, r->s->id, 0, to && strcmp(to, "en") == 0);
	/* back where the switch was pressed: a path of ours, else the overview */
	if (back && strncmp(back, r->k->origin, n) == 0 && back[n] == '/' &&
	    !strpbrk(back + n, "\r\n"))
		return console_redirect(r, back + n);
	return console_redirect(r, "/");
}

static enum MHD_Result logout_page(console_req *r)
{
	session_update(r->k, r->s->id, 1, 0);
	return console_answer(
		r, MHD_HTTP_SEE_OTHER, "text/plain; charset=utf-8", strdup(""), 0,
		r->k->secure ? "ocs_console=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure"
			     : "ocs_console=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
		"/");
}

static const console_route frame_routes[] = {
	{"POST", "/lang", CONSOLE_OFFICER, lang_page},
	{"POST", "/logout", CONSOLE_OFFICER, logout_page},
	{NULL, NULL, 0, NULL},
};

static const console_route *const modules[] = {
	frame_routes,	       console_overview_routes,
	console_import_routes, console_registry_routes,
	console_issue_routes,  console_lifecycle_routes,
	console_users_routes,  console_batch_routes,
};

static const console_route *route_of(const char *method, const char *url)
{
	for (size_t m = 0; m < sizeof modules / sizeof modules[0]; m++)
		for (const console_route *rt = modules[m]; rt->path; rt++) {
			size_t n = strlen(rt->path);
			if (strcmp(rt->method, method) != 0)
				continue;
			if (n > 1 && rt->path[n - 1] == '/' ? strncmp(url, rt->path, n) == 0
							    : strcmp(url, rt->path) == 0)
				return rt;
		}
	return NULL;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **req)
{
	console *k = cls;
	console_session s;
	(void)version;
	int is_post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	console_req r = {.k = k, .conn = conn, .url = url, .post = is_post};

	if (!*req) {
		pending *p = calloc(1, sizeof *p);
		if (!p || !(p->f = sodium_malloc(CONSOLE_FIELDS_MAX * sizeof *p->f))) {
			free(p);
			return MHD_NO;
		}
		*req = p;
		if (is_post) {
			const char *cl = MHD_lookup_connection_value(
				conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
			if (cl && strtoull(cl, NULL, 10) > CONSOLE_UPLOAD_MAX + CONSOLE_FORM_MAX)
				return console_message(&r, MHD_HTTP_CONTENT_TOO_LARGE,
						       "Tệp quá lớn / File too large",
						       "Tối đa 8 MB. / At most 8 MB.");
			p->pp = MHD_create_post_processor(conn, 16384, on_post_field, p);
		}
		return MHD_YES;
	}
	pending *p = *req;
	if (*upload_size) {
		p->bytes += *upload_size;
		if (p->bytes > CONSOLE_UPLOAD_MAX + CONSOLE_FORM_MAX)
			p->too_big = 1;
		if (p->pp && !p->too_big &&
		    MHD_post_process(p->pp, upload, *upload_size) != MHD_YES && !p->too_big)
			p->too_big = p->file_len + *upload_size > CONSOLE_UPLOAD_MAX;
		*upload_size = 0;
		return MHD_YES;
	}
	r.nfields = p->nfields, r.f = p->f;
	r.file = p->file, r.file_len = p->file_len;
	memcpy(r.file_field, p->file_field, sizeof r.file_field);
	memcpy(r.file_name, p->file_name, sizeof r.file_name);
	if (!is_post && strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return console_login_page(&r, MHD_HTTP_METHOD_NOT_ALLOWED, NULL);
	if (p->too_big || (!p->file_len && p->bytes > CONSOLE_FORM_MAX))
		return console_message(&r, MHD_HTTP_CONTENT_TOO_LARGE,
				       "Tệp quá lớn / File too large",
				       "Tối đa 8 MB. / At most 8 MB.");

	/* the one-time token becomes a session, and leaves the address bar */
	const char *token = console_arg(&r, "token");
	if (!is_post && strcmp(url, "/") == 0 && token && k->loopback) {
		int good = 0;
		pthread_mutex_lock(&k->lock);
		if (k->token[0] && strlen(token) == CONSOLE_ID_HEX - 1 &&
		    sodium_memcmp(token, k->token, CONSOLE_ID_HEX - 1) == 0) {
			sodium_memzero(k->token, sizeof k->token);
			good = 1;
		}
		pthread_mutex_unlock(&k->lock);
		if (!good)
			return console_login_page(&r, MHD_HTTP_FORBIDDEN, NULL);
		/* who holds the terminal is who started the console: its actor or user */
		return console_sign_in(&r, k->c->actor ? k->c->actor : k->os_user, CONSOLE_ADMIN);
	}
	const console_route *rt = route_of(is_post ? "POST" : "GET", url);
	r.s = session_of(k, conn, &s);
	if (rt && rt->role == 0) {
		if (is_post && !same_origin(k, conn))
			return console_login_page(&r, MHD_HTTP_FORBIDDEN, NULL);
		return rt->page(&r);
	}
	if (r.s && !console_account_live(k, r.s->user)) { /* disabled since, e.g. by the CLI */
		console_end_sessions_of(k, r.s->user);
		r.s = NULL;
	}
	if (!r.s)
		return console_login_page(&r, is_post ? MHD_HTTP_FORBIDDEN : MHD_HTTP_OK, NULL);
	if (is_post && (!same_origin(k, conn) || !csrf_ok(&r)))
		return console_message(&r, MHD_HTTP_FORBIDDEN, T(&r, "Bị từ chối", "Refused"),
				       T(&r, "Yêu cầu không đến từ trang của phiên này.",
					 "The request did not come from this session's page."));
	if (!rt)
		return console_message(&r, MHD_HTTP_NOT_FOUND,
				       T(&r, "Không có trang này", "No such page"), NULL);
	if (r.s->role < rt->role)
		return console_message(&r, MHD_HTTP_FORBIDDEN, T(&r, "Bị từ chối", "Refused"),
				       T(&r, "Trang này dành cho quản trị viên.",
					 "This page is for administrators."));
	return rt->page(&r);
}

static void done(void *cls, struct MHD_Connection *conn, void **req,
		 enum MHD_RequestTerminationCode toe)
{
	(void)cls, (void)conn, (void)toe;
	pending_free(*req);
	*req = NULL;
}

/* An origin as browsers send it: http(s)://HOST[:PORT], bounded, nothing after. */
static int origin_ok(const char *s)
{
	const char *h = strncmp(s, "https://", 8) == 0	? s + 8
			: strncmp(s, "http://", 7) == 0 ? s + 7
							: NULL;
	if (!h || !*h || strlen(s) >= sizeof(((console *)0)->origin))
		return 0;
	for (; *h; h++)
		if (!((*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') ||
		      (*h >= '0' && *h <= '9') || *h == '.' || *h == '-' || *h == ':'))
			return 0;
	return 1;
}

int cmd_console(cli *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{"listen", required_argument, NULL, 256}, {"port", required_argument, NULL, 257},
		{"scans", required_argument, NULL, 258},  {"key", required_argument, NULL, 259},
		{"out", required_argument, NULL, 260},	  {"no-token", no_argument, NULL, 261},
		{"origin", required_argument, NULL, 262}, {NULL, 0, NULL, 0}};
	const char *listen_addr = "127.0.0.1", *scans = NULL, *key_file = NULL,
		   *out_dir = "batches", *origin = NULL;
	uint64_t port = 8090;
	int opt, ex, no_token = 0;
	while ((opt = cli_getopt(argc, argv, "console", "", lo, &ex)) != -1) {
		if (opt == 256)
			listen_addr = optarg;
		else if (opt == 257 && cli_parse_u64(optarg, 1, 65535, &port) == 0)
			continue;
		else if (opt == 257) {
			cli_err("--port: expected 1 to 65535, got \"%s\"", optarg);
			return EXIT_USAGE;
		} else if (opt == 258)
			scans = optarg;
		else if (opt == 259)
			key_file = optarg;
		else if (opt == 260)
			out_dir = optarg;
		else if (opt == 261)
			no_token = 1;
		else if (opt == 262 && origin_ok(optarg))
			origin = optarg;
		else if (opt == 262) {
			cli_err("--origin: expected http(s)://HOST[:PORT] with nothing after it "
				"(the "
				"address the browsers open, through a TLS proxy), got \"%s\"",
				optarg);
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
	int loopback = (ntohl(sa.sin_addr.s_addr) >> 24) == 127;
	if (sodium_init() < 0)
		return EXIT_USAGE;
	console *k = calloc(1, sizeof *k);
	if (!k || cli_open_store(c, 0, &k->st)) {
		free(k);
		return EXIT_USAGE;
	}
	/* without the one-time code, only accounts sign in: refuse before listening */
	if ((!loopback || no_token) && !console_accounts(k)) {
		if (!loopback)
			cli_err("--listen %s: the console listens on this computer only "
				"(127.0.0.1) "
				"until an officer's account exists: create one with `stampgen user "
				"add NAME --role admin`",
				listen_addr);
		else
			cli_err("--no-token: no enabled account can sign in: create one with "
				"`stampgen user add NAME --role admin`");
		stamp_store_close(k->st);
		free(k);
		return EXIT_USAGE;
	}
	k->c = c;
	k->scans_dir = scans;
	k->key_file = key_file;
	k->out_dir = out_dir;
	k->loopback = loopback && !no_token;
	if (cli_actor(NULL, k->os_user, sizeof k->os_user))
		k->os_user[0] = '\0';
	stamp_store_set_identity(k->st, k->os_user, "", "");
	pthread_mutex_init(&k->lock, NULL);
	pthread_mutex_init(&k->wlock, NULL);
	random_hex(k->token);
	if (origin) {
		snprintf(k->origin, sizeof k->origin, "%s", origin);
		k->proxied = 1;
	} else {
		snprintf(k->origin, sizeof k->origin, "http://%s:%llu", listen_addr,
			 (unsigned long long)port);
	}
	k->secure = strncmp(k->origin, "https://", 8) == 0;
	unsigned char h[crypto_hash_sha256_BYTES];
	char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES,
					   sodium_base64_VARIANT_ORIGINAL)];
	crypto_hash_sha256(h, (const unsigned char *)css, sizeof css - 1);
	sodium_bin2base64(b64, sizeof b64, h, sizeof h, sodium_base64_VARIANT_ORIGINAL);
	snprintf(k->csp, sizeof k->csp,
		 "default-src 'none'; style-src 'sha256-%s'; img-src 'self' data:; form-action "
		 "'self'; base-uri 'none'; frame-ancestors 'none'",
		 b64);
	vlog_name = "stampgen console"; /* the scans modules' log lines, if any */
	console_overview_start(k);
	if (console_issue_start(k) != 0) {
		cli_err("console: out of memory");
		console_overview_stop();
		stamp_store_close(k->st);
		free(k);
		return EXIT_FAILED;
	}
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL, handle, k,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE, 4u,
		MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)131072, MHD_OPTION_NOTIFY_COMPLETED, done, k, MHD_OPTION_END);
	if (!d) {
		cli_err("cannot listen on %s port %llu: %s", listen_addr, (unsigned long long)port,
			strerror(errno));
		console_issue_stop(k);
		console_overview_stop();
		stamp_store_close(k->st);
		free(k);
		return EXIT_USAGE;
	}
	if (k->loopback)
		printf("ocopstamp console: open %s/?token=%s\n", k->origin, k->token);
	else
		printf("ocopstamp console: open %s/ (sign in with an account)\n", k->origin);
	fflush(stdout);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	/* not pause(): a signal between the test and the call would be waited for forever */
	while (!stop)
		sleep(1);
	MHD_stop_daemon(d);
	console_issue_stop(k);
	console_import_stop(k);
	console_overview_stop();
	stamp_store_close(k->st);
	pthread_mutex_destroy(&k->lock);
	pthread_mutex_destroy(&k->wlock);
	sodium_memzero(k, sizeof *k);
	free(k);
	return EXIT_OK;
}
