/*
 * console_import.c - what Excel saves, uploaded: cooperatives, products and
 * production stages from a CSV (any of the separators and encodings the
 * importer reads) or an .xlsx workbook (a sheet by name, or the first).
 *
 * An upload is staged, never imported at once: its bytes go to a private
 * folder (mkdtemp, 0700, under $TMPDIR) under a random id bound to the
 * session, one per session and kind, and the CLI's own importer
 * (stamp_import_file_rows) runs on it as a dry run. The page shows the rows
 * as the importer read them (the first 50), every problem with the file's
 * name as uploaded, its line and its column, and an import button only when
 * the dry run is clean. The import proper is the same call, all or nothing.
 * A staged file is removed after its import, when the session uploads
 * another of its kind, after 30 minutes idle and when the console stops.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "console.h"

#define STAGED_HEX 33 /* 16 random bytes as hex, NUL */
#define STAGED_MAX (CONSOLE_SESSIONS_MAX * 3)
#define PREVIEW_ROWS 50
#define LINKS_MAX 50

typedef struct ikind {
	const char *path; /* the form's; path + "/run" imports */
	stamp_import_kind kind;
	const char *vi, *en;	     /* the page's title */
	const char *vi_n, *en_n;     /* what the counts count */
	const char *list, *link_col; /* where the imported records are, by which column */
} ikind;

static const ikind kinds[] = {
	{"/coops/import", STAMP_IMPORT_COOPS, "Nhập hợp tác xã từ tệp",
	 "Import cooperatives from a file", "hợp tác xã", "cooperatives", "/coops", "id"},
	{"/products/import", STAMP_IMPORT_PRODUCTS, "Nhập sản phẩm từ tệp",
	 "Import products from a file", "sản phẩm", "products", "/products", "id"},
	{"/events/import", STAMP_IMPORT_EVENTS, "Nhập công đoạn từ tệp",
	 "Import stages from a file", "công đoạn", "stages", "/products", "product"},
};

static const ikind *kind_of(const char *url)
{
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		size_t n = strlen(kinds[i].path);
		if (strncmp(url, kinds[i].path, n) == 0 && (!url[n] || url[n] == '/'))
			return &kinds[i];
	}
	return NULL;
}

/* ---- staged files -------------------------------------------------------------------- */

typedef struct staged {
	char session[CONSOLE_ID_HEX]; /* "" when the slot is free */
	const ikind *kind;
	char id[STAGED_HEX];
	char path[PATH_MAX];
	char name[256]; /* as uploaded, for messages */
	char sheet[128];
	time_t last;
	int busy; /* being imported: not imported again, not replaced */
} staged;

static pthread_mutex_t st8_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char dir[PATH_MAX - 64]; /* "" until the first upload; room for a name in it */
	staged s[STAGED_MAX];
} st8;

static void slot_free(staged *s)
{
	if (s->path[0])
		unlink(s->path);
	memset(s, 0, sizeof *s);
}

/* Slots idle for 30 minutes go, with their files. Under the lock. */
static void sweep(time_t now)
{
	for (int i = 0; i < STAGED_MAX; i++)
		if (st8.s[i].session[0] && !st8.s[i].busy && now - st8.s[i].last > CONSOLE_IDLE_S)
			slot_free(&st8.s[i]);
}

static staged *slot_of(const char *session, const ikind *k)
{
	for (int i = 0; i < STAGED_MAX; i++)
		if (st8.s[i].session[0] && st8.s[i].kind == k &&
		    strcmp(st8.s[i].session, session) == 0)
			return &st8.s[i];
	return NULL;
}

/* The extension of an uploaded name (".csv", ".xlsx"), lower case; "" for none or an odd one. */
static void extension(const char *name, char out[10])
{
	const char *dot = strrchr(name, '.');
	size_t n = dot ? strlen(dot + 1) : 0;
	out[0] = '\0';
	if (n == 0 || n > 8)
		return;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
			    dot[1 + i]))
			return;
	out[0] = '.';
	for (size_t i = 0; i <= n; i++)
		out[1 + i] = (char)(dot[1 + i] >= 'A' && dot[1 + i] <= 'Z' ? dot[1 + i] + 32
									   : dot[1 + i]);
}

static int write_all(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600), rc = 0;
	if (fd < 0)
		return errno;
	while (len && !rc) {
		ssize_t w = write(fd, data, len);
		if (w < 0 && errno != EINTR)
			rc = errno;
		else if (w > 0)
			data += w, len -= (size_t)w;
	}
	if (close(fd) != 0 && !rc)
		rc = errno;
	if (rc)
		unlink(path);
	return rc;
}

/*
 * The request's file staged for its session and kind (replacing the one
 * before), its slot copied into out. 0, or an errno value (EAGAIN: no slot;
 * EBUSY: the one before is being imported).
 */
static int stage_upload(const console_req *r, const ikind *k, const char *sheet, staged *out)
{
	unsigned char rnd[16];
	char ext[10];
	const char *base = r->file_name, *tmp = getenv("TMPDIR");
	int rc = 0;
	for (const char *p = r->file_name; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	extension(base, ext);
	pthread_mutex_lock(&st8_lock);
	time_t now = time(NULL);
	sweep(now);
	if (!st8.dir[0]) {
		int n = snprintf(st8.dir, sizeof st8.dir, "%s/ocopstamp-console-XXXXXX",
				 tmp && *tmp ? tmp : "/tmp");
		if (n < 0 || (size_t)n >= sizeof st8.dir || !mkdtemp(st8.dir)) {
			rc = n < 0 || (size_t)n >= sizeof st8.dir ? ENAMETOOLONG : errno;
			st8.dir[0] = '\0';
			goto leave;
		}
	}
	staged *s = slot_of(r->s->id, k);
	if (s && s->busy) {
		rc = EBUSY;
		goto leave;
	}
	if (s)
		slot_free(s); /* a new upload of the same kind replaces the staged one */
	for (int i = 0; i < STAGED_MAX && !s; i++)
		if (!st8.s[i].session[0])
			s = &st8.s[i];
	if (!s) {
		rc = EAGAIN;
		goto leave;
	}
	randombytes_buf(rnd, sizeof rnd);
	hex_format(rnd, sizeof rnd, s->id);
	if (snprintf(s->path, sizeof s->path, "%s/%s%s", st8.dir, s->id, ext) < 0) {
		rc = EINVAL;
		goto leave;
	}
	snprintf(s->name, sizeof s->name, "%s", *base ? base : "upload");
	snprintf(s->sheet, sizeof s->sheet, "%s", sheet ? sheet : "");
	if ((rc = write_all(s->path, r->file, r->file_len)) != 0) {
		s->path[0] = '\0';
		slot_free(s);
		goto leave;
	}
	snprintf(s->session, sizeof s->session, "%s", r->s->id);
	s->kind = k;
	s->last = now;
	*out = *s;
leave:
	pthread_mutex_unlock(&st8_lock);
	return rc;
}

/*
 * The session's staged file of kind k named id, taken for its import (busy)
 * into out; -1 when gone, -2 while another request imports it (a second
 * press of the button must not append the same stages twice).
 */
static int stage_take(const console_req *r, const ikind *k, const char *id, staged *out)
{
	int rc = -1;
	pthread_mutex_lock(&st8_lock);
	time_t now = time(NULL);
	sweep(now);
	staged *s = slot_of(r->s->id, k);
	if (s && id && strlen(id) == STAGED_HEX - 1 && strcmp(s->id, id) == 0) {
		rc = s->busy ? -2 : 0;
		s->busy = 1;
		s->last = now;
		*out = *s;
	}
	pthread_mutex_unlock(&st8_lock);
	return rc;
}

/* The staged file id: removed (drop), or kept for another try (its import failed). */
static void stage_end(const console_req *r, const ikind *k, const char *id, int drop)
{
	pthread_mutex_lock(&st8_lock);
	staged *s = slot_of(r->s->id, k);
	if (s && strcmp(s->id, id) == 0 && drop)
		slot_free(s);
	else if (s && strcmp(s->id, id) == 0)
		s->busy = 0, s->last = time(NULL);
	pthread_mutex_unlock(&st8_lock);
}

void console_import_stop(console *k)
{
	(void)k;
	pthread_mutex_lock(&st8_lock);
	for (int i = 0; i < STAGED_MAX; i++)
		if (st8.s[i].session[0])
			slot_free(&st8.s[i]);
	if (st8.dir[0])
		rmdir(st8.dir);
	st8.dir[0] = '\0';
	pthread_mutex_unlock(&st8_lock);
}

/* ---- the importer's rows and problems, as a page shows them ------------------------------- */

typedef struct seen {
	const console_req *r;
	const staged *sf;
	strbuf rows, probs;
	size_t nrows, nprobs;
	int link_col; /* index of the column whose value links, -1 */
	char links[LINKS_MAX][STAMP_ID_MAX + 1];
	size_t nlinks;
} seen;

/* A message about the staged file names it as uploaded. */
static void put_msg(strbuf *b, const staged *sf, const char *msg)
{
	size_t n = strlen(sf->path);
	if (strncmp(msg, sf->path, n) == 0) {
		buf_esc(b, sf->name);
		msg += n;
	}
	buf_esc(b, msg);
}

static void on_problem(const char *msg, void *ctx)
{
	seen *v = ctx;
	buf_put(&v->probs, "<li>");
	put_msg(&v->probs, v->sf, msg);
	buf_put(&v->probs, "</li>");
	v->nprobs++;
}

static void on_row(size_t line, const char *const *cells, size_t n, void *ctx)
{
	seen *v = ctx;
	int header = v->link_col == -2;
	if (header) {
		v->link_col = -1;
		buf_put(&v->rows, "<tr><th>%s</th>", T(v->r, "Dòng", "Line"));
		for (size_t i = 0; i < n; i++) {
			const char *h = cells[i] + strspn(cells[i], " \t");
			size_t hn = strcspn(h, " \t");
			if (hn == strlen(v->sf->kind->link_col) &&
			    strncasecmp(h, v->sf->kind->link_col, hn) == 0)
				v->link_col = (int)i;
			buf_put(&v->rows, "<th>");
			buf_esc(&v->rows, cells[i]);
			buf_put(&v->rows, "</th>");
		}
		buf_put(&v->rows, "</tr>");
		return;
	}
	if (v->link_col >= 0 && (size_t)v->link_col < n && v->nlinks < LINKS_MAX) {
		const char *c = cells[v->link_col] + strspn(cells[v->link_col], " \t");
		size_t cn = strcspn(c, " \t");
		int dup = 0;
		for (size_t i = 0; i < v->nlinks; i++)
			dup |= strlen(v->links[i]) == cn && strncmp(v->links[i], c, cn) == 0;
		if (console_id_ok(c, cn) && !dup) {
			memcpy(v->links[v->nlinks], c, cn);
			v->links[v->nlinks++][cn] = '\0';
		}
	}
	if (v->nrows++ >= PREVIEW_ROWS)
		return;
	buf_put(&v->rows, "<tr><td>%zu</td>", line);
	for (size_t i = 0; i < n; i++) {
		buf_put(&v->rows, "<td>");
		buf_esc(&v->rows, cells[i]);
		buf_put(&v->rows, "</td>");
	}
	buf_put(&v->rows, "</tr>");
}

/* v's buffers and the page's (b), all or none. */
static int seen_init(seen *v, const console_req *r, const staged *sf, strbuf *b)
{
	memset(v, 0, sizeof *v);
	v->r = r, v->sf = sf, v->link_col = -2;
	if (buf_init(&v->rows, CONSOLE_PAGE_MAX / 2) != 0 ||
	    buf_init(&v->probs, CONSOLE_PAGE_MAX / 4) != 0 || buf_init(b, CONSOLE_PAGE_MAX) != 0) {
		free(v->rows.p);
		free(v->probs.p);
		return -1;
	}
	return 0;
}

static void seen_free(seen *v)
{
	free(v->rows.p);
	free(v->probs.p);
}

/* The importer, as the CLI runs it, on the staged file, between the write lock's calls. */
static int run_import(const console_req *r, const staged *sf, int dry_run, seen *v, size_t *count,
		      stamp_diag *d)
{
	console_write_begin(r, dry_run ? "console: import --dry-run" : "console: import");
	int rc = stamp_import_file_rows(r->k->st, sf->kind->kind, sf->path,
					sf->sheet[0] ? sf->sheet : NULL, dry_run, count, on_problem,
					on_row, v, d);
	console_write_end(r);
	return rc;
}

/* ---- pages --------------------------------------------------------------------------- */

static void upload_form(const console_req *r, strbuf *b, const ikind *k, const char *err)
{
	const char *const *cols = k->kind == STAMP_IMPORT_COOPS	     ? stamp_coop_fields
				  : k->kind == STAMP_IMPORT_PRODUCTS ? stamp_product_fields
								     : stamp_event_fields;
	const char *sheet = r->post ? console_field_get(r, "sheet") : NULL;
	buf_put(b, "<p>%s <code>",
		T(r, "Các cột (dòng đầu của tệp):", "Columns (the file's first row):"));
	for (int i = 0; cols[i]; i++)
		buf_put(b, "%s%s", i ? ", " : "", cols[i]);
	buf_put(b,
		"</code></p><form method=\"post\" action=\"%s\" enctype=\"multipart/form-data\">",
		k->path);
	console_csrf_field(r, b);
	buf_put(b,
		"<p><label for=\"file\">%s</label><br><input type=\"file\" id=\"file\" "
		"name=\"file\" "
		"accept=\".csv,.txt,.xlsx\" required%s>",
		T(r, "Tệp CSV hoặc Excel (.csv, .txt, .xlsx)",
		  "A CSV or Excel file (.csv, .txt, .xlsx)"),
		err ? " aria-invalid=\"true\"" : "");
	if (err) {
		buf_put(b, " <span class=\"err\">");
		buf_esc(b, err);
		buf_put(b, "</span>");
	}
	buf_put(b,
		"</p><p><label for=\"sheet\">%s</label><br><input id=\"sheet\" name=\"sheet\" "
		"value=\"",
		T(r, "Trang tính (tệp .xlsx; để trống: trang đầu)",
		  "Sheet (.xlsx files; empty: the first)"));
	buf_esc(b, sheet ? sheet : "");
	buf_put(b, "\"></p><p><button type=\"submit\">%s</button></p></form>",
		T(r, "Tải lên và xem trước", "Upload and preview"));
}

static enum MHD_Result form_page(console_req *r, const ikind *k, const char *err, unsigned status)
{
	strbuf b;
	if (buf_init(&b, 65536) != 0)
		return console_answer(r, 500, "text/html", NULL, 0, NULL, NULL);
	console_page_head(r, &b, T(r, k->vi, k->en));
	upload_form(r, &b, k, err);
	return console_page_end(r, &b, status);
}

static enum MHD_Result import_form(console_req *r)
{
	const ikind *k = kind_of(r->url);
	return form_page(r, k, NULL, MHD_HTTP_OK);
}

/* The rows read and the problems found, then (clean) the import button or (done) the links. */
static void put_outcome(const console_req *r, strbuf *b, seen *v)
{
	if (v->nprobs) {
		buf_put(b, "<h2>%s</h2><ul class=\"err\">",
			T(r, "Lỗi trong tệp", "Problems in the file"));
		buf_add(b, v->probs.p, v->probs.len);
		buf_put(b, "</ul>");
	}
	buf_put(b, "<h2>%s</h2><p>%zu %s%s</p><div class=\"scroll\" tabindex=\"0\"><table>",
		T(r, "Các dòng đọc được", "The rows as read"), v->nrows, T(r, "dòng", "rows"),
		v->nrows > PREVIEW_ROWS ? T(r, " (hiện 50 dòng đầu)", " (the first 50 shown)")
					: "");
	buf_add(b, v->rows.p, v->rows.len);
	buf_put(b, "</table></div>");
}

/* An upload: staged, dry-run, previewed; the import button only when clean. */
static enum MHD_Result import_upload(console_req *r)
{
	const ikind *k = kind_of(r->url);
	const char *sheet = console_field_get(r, "sheet");
	stamp_diag d = {{0}};
	staged sf;
	seen v;
	strbuf b;
	size_t count = 0;
	if (!r->file || !r->file_len || strcmp(r->file_field, "file") != 0)
		return form_page(
			r, k, T(r, "Hãy chọn một tệp (không rỗng).", "Choose a file (not empty)."),
			422);
	int rc = stage_upload(r, k, sheet && *sheet ? sheet : NULL, &sf);
	if (rc == EBUSY)
		return form_page(
			r, k,
			T(r, "Tệp trước đang được nhập; đợi xong rồi tải lên lại.",
			  "The file before is being imported; upload again once it is done."),
			409);
	if (rc)
		return form_page(r, k,
				 rc == EAGAIN ? T(r, "Đang giữ quá nhiều tệp; thử lại sau.",
						  "Too many files staged; try again later.")
					      : strerror(rc),
				 rc == EAGAIN ? 503 : 500);
	if (seen_init(&v, r, &sf, &b) != 0) {
		stage_end(r, k, sf.id, 1);
		return console_answer(r, 500, "text/html", NULL, 0, NULL, NULL);
	}
	rc = run_import(r, &sf, 1, &v, &count, &d);
	console_page_head(r, &b, T(r, k->vi, k->en));
	buf_put(&b, "<p>%s <strong>", T(r, "Tệp:", "File:"));
	buf_esc(&b, sf.name);
	buf_put(&b, "</strong></p>");
	if (rc == 0) {
		buf_put(&b, "<p class=\"ok\" role=\"status\">%s %zu %s.</p>",
			T(r, "Thử nhập không có lỗi:", "The dry run is clean:"), count,
			T(r, k->vi_n, k->en_n));
		buf_put(&b, "<form method=\"post\" action=\"%s/run\">", k->path);
		console_csrf_field(r, &b);
		buf_put(&b,
			"<input type=\"hidden\" name=\"staged\" value=\"%s\"><p><button "
			"type=\"submit\">%s %zu %s</button></p></form>",
			sf.id, T(r, "Nhập", "Import"), count, T(r, k->vi_n, k->en_n));
	} else if (rc == STAMP_EINPUT) {
		buf_put(&b, "<p class=\"err\" role=\"alert\">%zu %s</p>", v.nprobs,
			T(r, "lỗi: không có gì được nhập. Sửa tệp rồi tải lên lại.",
			  "problems: nothing was imported. Correct the file and upload it again."));
	} else {
		buf_put(&b, "<p class=\"err\" role=\"alert\">");
		put_msg(&b, &sf, d.msg[0] ? d.msg : stamp_strerror(rc));
		buf_put(&b, "</p>");
	}
	if (rc)
		stage_end(r, k, sf.id, 1); /* a file with problems is never imported */
	put_outcome(r, &b, &v);
	buf_put(&b, "<h2>%s</h2>", T(r, "Tải lên tệp khác", "Upload another file"));
	upload_form(r, &b, k, NULL);
	seen_free(&v);
	return console_page_end(r, &b, rc == 0 ? MHD_HTTP_OK : rc == STAMP_EINPUT ? 422 : 500);
}

/* The import itself, of the session's staged file: all or nothing, then the counts and links. */
static enum MHD_Result import_run(console_req *r)
{
	const ikind *k = kind_of(r->url);
	stamp_diag d = {{0}};
	staged sf;
	seen v;
	strbuf b;
	size_t count = 0;
	int taken = stage_take(r, k, console_field_get(r, "staged"), &sf);
	if (taken == -2)
		return form_page(
			r, k, T(r, "Tệp này đang được nhập.", "This file is being imported."), 409);
	if (taken != 0)
		return form_page(r, k,
				 T(r,
				   "Tệp đã tải lên không còn được giữ (quá 30 phút, hoặc đã nhập); "
				   "hãy tải lên lại.",
				   "The uploaded file is no longer kept (30 minutes passed, or it "
				   "was imported); upload it again."),
				 404);
	if (seen_init(&v, r, &sf, &b) != 0) {
		stage_end(r, k, sf.id, 0);
		return console_answer(r, 500, "text/html", NULL, 0, NULL, NULL);
	}
	int rc = run_import(r, &sf, 0, &v, &count, &d);
	stage_end(r, k, sf.id, rc == 0);
	console_page_head(r, &b, T(r, k->vi, k->en));
	if (rc == 0) {
		buf_put(&b, "<p class=\"ok\" role=\"status\">%s %zu %s %s <strong>",
			T(r, "Đã nhập", "Imported"), count, T(r, k->vi_n, k->en_n),
			T(r, "từ", "from"));
		buf_esc(&b, sf.name);
		buf_put(&b, "</strong>.</p><ul>");
		for (size_t i = 0; i < v.nlinks; i++) /* ids: [A-Za-z0-9._-] */
			buf_put(&b, "<li><a href=\"%s/%s\">%s</a></li>", k->list, v.links[i],
				v.links[i]);
		buf_put(&b, "</ul><p><a href=\"%s\">%s</a></p>", k->list,
			k->kind == STAMP_IMPORT_COOPS
				? T(r, "Danh sách hợp tác xã", "The cooperatives")
				: T(r, "Danh sách sản phẩm", "The products"));
	} else {
		buf_put(&b, "<p class=\"err\" role=\"alert\">");
		put_msg(&b, &sf, d.msg[0] ? d.msg : stamp_strerror(rc));
		buf_put(&b, " %s</p>",
			T(r, "Không có gì được nhập (sổ đăng ký đã thay đổi từ lúc thử nhập?).",
			  "Nothing was imported (the registry changed since the dry run?)."));
		put_outcome(r, &b, &v);
	}
	seen_free(&v);
	return console_page_end(r, &b, rc == 0 ? MHD_HTTP_OK : rc == STAMP_EINPUT ? 409 : 500);
}

/* Before console_registry.c's routes: "/coops/import" is not a cooperative's page. */
const console_route console_import_routes[] = {
	{"GET", "/coops/import", CONSOLE_OFFICER, import_form},
	{"POST", "/coops/import", CONSOLE_OFFICER, import_upload},
	{"POST", "/coops/import/run", CONSOLE_OFFICER, import_run},
	{"GET", "/products/import", CONSOLE_OFFICER, import_form},
	{"POST", "/products/import", CONSOLE_OFFICER, import_upload},
	{"POST", "/products/import/run", CONSOLE_OFFICER, import_run},
	{"GET", "/events/import", CONSOLE_OFFICER, import_form},
	{"POST", "/events/import", CONSOLE_OFFICER, import_upload},
	{"POST", "/events/import/run", CONSOLE_OFFICER, import_run},
	{NULL, NULL, 0, NULL},
};
