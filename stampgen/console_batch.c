/*
 * console_batch.c - Lô tem: the batches, newest first, and each batch's page:
 * its facts (who issued it, from the audit log), its downloads (the sheet
 * PDF, manifest.csv and the PNGs as one ZIP made with libzip into the batch
 * folder when first asked), its production stages with an add form (the
 * vocabulary of `stampgen event add`), the product's photo, and, when the
 * folder is not here (issued elsewhere), a job that renders it again.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

#include "console.h"
#include "stamp/print.h"

/* ---- the list ------------------------------------------------------------------------ */

typedef struct window {
	uint64_t index, lo, hi; /* rows lo <= i < hi in key (oldest first) order */
	stamp_batch rows[CONSOLE_PER_PAGE];
	size_t n;
} window;

static int in_window(const stamp_batch *b, void *ctx)
{
	window *w = ctx;
	if (w->index >= w->lo && w->index < w->hi && w->n < CONSOLE_PER_PAGE)
		w->rows[w->n++] = *b;
	return ++w->index >= w->hi;
}

static void batch_row(strbuf *b, const stamp_batch *x)
{
	char produced[11], expiry[11];
	stamp_date_format(x->produced, produced);
	stamp_date_format(x->expiry, expiry);
	buf_put(b, "<tr><td><a href=\"/batches/%u\">%u</a></td><td>", x->id, x->id);
	buf_esc(b, x->product_id);
	buf_put(b, "</td><td>");
	buf_esc(b, x->lot);
	buf_put(b, "</td><td>%s</td><td>%s</td><td>%u</td></tr>", produced, expiry, x->count);
}

/* GET /batches?page=P: twenty batches a page, the newest first. */
static enum MHD_Result batches_page(console_req *r)
{
	const char *pg = console_arg(r, "page");
	unsigned long page = pg ? strtoul(pg, NULL, 10) : 1;
	uint64_t total = 0;
	window *w = calloc(1, sizeof *w);
	stamp_txn *t;
	strbuf b;
	int rc;
	if (page < 1 || page > 1000000)
		page = 1;
	if (!w || buf_init(&b, CONSOLE_PAGE_MAX) != 0) {
		free(w);
		return console_answer(r, 500, "text/html", NULL, 0, NULL, NULL);
	}
	if ((rc = stamp_txn_begin(r->k->st, 0, &t)) == 0) {
		rc = stamp_store_batch_count(t, &total);
		uint64_t skip = (uint64_t)(page - 1) * CONSOLE_PER_PAGE;
		w->hi = total > skip ? total - skip : 0;
		w->lo = w->hi > CONSOLE_PER_PAGE ? w->hi - CONSOLE_PER_PAGE : 0;
		if (rc == 0 && w->hi)
			rc = stamp_store_each_batch(t, in_window, w);
		if (rc == 1)
			rc = 0;
		stamp_txn_abort(t);
	}
	console_page_head(r, &b, T(r, "Lô tem", "Batches"));
	buf_put(&b,
		"<div class=\"scroll\" "
		"tabindex=\"0\"><table><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
		"<th>%s</th><th>%s</th></tr>",
		T(r, "Lô", "Batch"), T(r, "Sản phẩm", "Product"), T(r, "Số lô", "Lot"),
		T(r, "Ngày sản xuất", "Produced"), T(r, "Hạn dùng", "Expiry"),
		T(r, "Số tem", "Stamps"));
	for (size_t i = w->n; i-- > 0;)
		batch_row(&b, &w->rows[i]);
	buf_put(&b, "</table></div><p>%llu %s, %s %lu.", (unsigned long long)total,
		T(r, "lô", "batches"), T(r, "trang", "page"), page);
	if (w->lo > 0)
		buf_put(&b, " <a href=\"/batches?page=%lu\">%s</a>", page + 1,
			T(r, "Trang sau", "Next page"));
	buf_put(&b, "</p>");
	if (rc)
		buf_put(&b, "<p role=\"alert\">%s</p>",
			T(r, "Không đọc được kho dữ liệu.", "Cannot read the store."));
	free(w);
	return console_page_end(r, &b, MHD_HTTP_OK);
}

/* ---- one batch ------------------------------------------------------------------------ */

/* "/batches/N/rest": N, and rest ("" for the page itself); 0 when not a number. */
static uint32_t batch_of_url(const char *url, const char **rest)
{
	const char *p = url + strlen("/batches/");
	char *end;
	unsigned long n = strtoul(p, &end, 10);
	if (end == p || *p == '0' || n > UINT32_MAX || (*end && *end != '/'))
		return 0;
	*rest = *end ? end + 1 : end;
	return (uint32_t)n;
}

static int folder_path(const console *k, uint32_t id, const char *file, char *out, size_t cap)
{
	char dir[4096];
	if (console_batch_dir(k, id, dir, sizeof dir) != 0)
		return -1;
	return snprintf(out, cap, "%s%s%s", dir, *file ? "/" : "", file) < (int)cap ? 0 : -1;
}

static int is_file(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int png_name(const struct dirent *e)
{
	size_t n = strlen(e->d_name);
	return n == 14 && strcmp(e->d_name + 10, ".png") == 0;
}

/*
 * dir/stamps.zip of the batch's PNGs, made once (libzip writes a temporary
 * file and renames it on close: no half ZIP is ever served).
 */
static int make_zip(const char *dir, const char *zpath, stamp_diag *d)
{
	struct dirent **names = NULL;
	int n = scandir(dir, &names, png_name, alphasort), err = 0, rc = 0;
	if (n < 0)
		return errno;
	zip_t *z = zip_open(zpath, ZIP_CREATE | ZIP_EXCL, &err);
	if (!z) {
		zip_error_t ze;
		zip_error_init_with_code(&ze, err);
		snprintf(d->msg, sizeof d->msg, "%s: %s", zpath, zip_error_strerror(&ze));
		zip_error_fini(&ze);
		rc = EIO;
	}
	for (int i = 0; i < n && rc == 0; i++) {
		char path[4352];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
		zip_source_t *src = zip_source_file(z, path, 0, -1);
		zip_int64_t idx =
			src ? zip_file_add(z, names[i]->d_name, src, ZIP_FL_ENC_UTF_8) : -1;
		if (idx < 0) {
			if (src)
				zip_source_free(src);
			rc = EIO;
		} else if (zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0) != 0) {
			rc = EIO;
		}
	}
	if (z && rc == 0 && zip_close(z) != 0)
		rc = EIO;
	if (z && rc)
		snprintf(d->msg, sizeof d->msg, "%s: %s", zpath, zip_strerror(z));
	if (z && rc)
		zip_discard(z);
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static enum MHD_Result download(console_req *r, uint32_t id, const char *what)
{
	static const struct {
		const char *file, *type;
	} kinds[] = {{"sheet.pdf", "application/pdf"},
		     {"manifest.csv", "text/csv; charset=utf-8"},
		     {"stamps.zip", "application/zip"}};
	char path[4096], dir[4096], name[64];
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		if (strcmp(what, kinds[i].file) != 0)
			continue;
		if (folder_path(r->k, id, what, path, sizeof path) != 0 ||
		    folder_path(r->k, id, "", dir, sizeof dir) != 0)
			break;
		if (i == 2 && !is_file(path)) {
			stamp_diag d = {{0}};
			char manifest[4096];
			int rc = 0;
			if (folder_path(r->k, id, "manifest.csv", manifest, sizeof manifest) ||
			    !is_file(manifest))
				break;
			console_zip_lock(r->k, 1);
			if (!is_file(path))
				rc = make_zip(dir, path, &d);
			console_zip_lock(r->k, 0);
			if (rc)
				return console_message(r, 500, T(r, "Lỗi", "Error"),
						       d.msg[0] ? d.msg : strerror(rc));
		}
		snprintf(name, sizeof name, "batch-%u-%s", id, what);
		return console_send_file(r, path, kinds[i].type, name);
	}
	return console_message(r, MHD_HTTP_NOT_FOUND, T(r, "Không có tệp", "No such file"), NULL);
}

static enum MHD_Result photo(console_req *r, const stamp_batch *x)
{
	stamp_txn *t;
	stamp_image img;
	const void *data;
	size_t len = 0;
	char *copy = NULL;
	if (stamp_txn_begin(r->k->st, 0, &t) == 0) {
		if (stamp_image_of_product(t, x->product_id, &img) == 0 &&
		    stamp_image_get(t, img.sha256, &img, &data, &len) == 0 && (copy = malloc(len)))
			memcpy(copy, data, len);
		stamp_txn_abort(t);
	}
	if (!copy)
		return console_message(r, MHD_HTTP_NOT_FOUND, T(r, "Không có ảnh", "No photo"),
				       NULL);
	return console_answer(r, MHD_HTTP_OK, "image/jpeg", copy, len, NULL, NULL);
}

/* Who issued batch id: the actor (else the user) of its audit entry. */
typedef struct issuer {
	char needle[48];
	char who[STAMP_SHORT_MAX + 1];
} issuer;

static int find_issuer(const stamp_audit_entry *e, void *ctx)
{
	issuer *is = ctx;
	if (!strstr(e->result, is->needle))
		return 0;
	snprintf(is->who, sizeof is->who, "%s", e->actor[0] ? e->actor : e->user);
	return 1;
}

/* The facts of a batch, and what the page shows with them. */
typedef struct facts {
	stamp_batch b;
	stamp_product p;
	int has_photo;
	issuer who;
	stamp_event *ev;
	size_t nev;
} facts;

static int load_facts(console *k, uint32_t id, facts *f)
{
	stamp_txn *t;
	stamp_image img;
	memset(f, 0, sizeof *f);
	int rc = stamp_txn_begin(k->st, 0, &t);
	if (rc)
		return rc;
	if ((rc = stamp_store_get_batch(t, id, &f->b)) == 0) {
		if (stamp_store_get_product(t, f->b.product_id, &f->p) != 0)
			snprintf(f->p.name, sizeof f->p.name, "?");
		f->has_photo = stamp_image_of_product(t, f->b.product_id, &img) == 0;
		snprintf(f->who.needle, sizeof f->who.needle, "batch %u issued", id);
		int arc = stamp_audit_each(t, 0, find_issuer, &f->who);
		if (arc != 0 && arc != 1)
			f->who.who[0] = '\0';
		if (stamp_event_journey(t, &f->b, &f->ev, &f->nev) != 0)
			f->nev = 0;
	}
	stamp_txn_abort(t);
	return rc;
}

enum { E_STAGE, E_LABEL, E_AT, E_PLACE, E_PARTNER, E_NOTE, E_N };
static const char *const event_field[E_N] = {"stage", "label", "at", "place", "partner", "note"};
typedef char field_err[sizeof(stamp_diag)];

static void fact(strbuf *b, const char *name, const char *value)
{
	buf_put(b, "<tr><th scope=\"row\">%s</th><td>", name);
	buf_esc(b, value);
	buf_put(b, "</td></tr>");
}

static void event_form(const console_req *r, strbuf *b, uint32_t id, const field_err *errs)
{
	static const struct {
		const char *vi, *en;
	} label[E_N] = {
		{"Công đoạn", "Stage"},
		{"Tên gọi riêng (tùy chọn)", "Own label (optional)"},
		{"Ngày (YYYY-MM-DD, có thể thêm HH:MM)", "Day (YYYY-MM-DD, optionally HH:MM)"},
		{"Nơi làm", "Place"},
		{"Người làm (trống: hợp tác xã)", "Done by (empty: the cooperative)"},
		{"Ghi chú", "Note"}};
	buf_put(b, "<h2>%s</h2><form method=\"post\" action=\"/batches/%u/events\">",
		T(r, "Thêm công đoạn", "Add a stage"), id);
	console_csrf_field(r, b);
	for (int i = 0; i < E_N; i++) {
		const char *v = r->post ? console_field_get(r, event_field[i]) : NULL;
		int bad = errs && errs[i][0];
		buf_put(b, "<p><label for=\"ev-%s\">%s</label><br>", event_field[i],
			T(r, label[i].vi, label[i].en));
		if (i == E_STAGE) {
			buf_put(b, "<select id=\"ev-stage\" name=\"stage\"%s>",
				bad ? " aria-invalid=\"true\"" : "");
			const stamp_stage_info *s;
			for (unsigned n = 1; (s = stamp_stage_about(n)); n++)
				buf_put(b, "<option value=\"%s\"%s>%s</option>", s->name,
					v && strcmp(v, s->name) == 0 ? " selected" : "",
					T(r, s->vi, s->en));
			buf_put(b, "</select>");
		} else {
			buf_put(b, "<input id=\"ev-%s\" name=\"%s\" value=\"", event_field[i],
				event_field[i]);
			buf_esc(b, v ? v : "");
			buf_put(b, "\"%s>", bad ? " aria-invalid=\"true\"" : "");
		}
		if (bad) {
			buf_put(b, " <span class=\"err\">");
			buf_esc(b, errs[i]);
			buf_put(b, "</span>");
		}
		buf_put(b, "</p>");
	}
	buf_put(b, "<p><button type=\"submit\">%s</button></p></form>",
		T(r, "Thêm công đoạn", "Add the stage"));
}

static void journey(const console_req *r, strbuf *b, const facts *f)
{
	buf_put(b, "<h2>%s</h2>", T(r, "Các công đoạn", "Stages"));
	if (!f->nev) {
		buf_put(b, "<p>%s</p>", T(r, "Chưa có công đoạn nào.", "No stage yet."));
		return;
	}
	buf_put(b,
		"<div class=\"scroll\" tabindex=\"0\"><table "
		"id=\"stages\"><tr><th>%s</th><th>%s</th><th>%s</th>"
		"<th>%s</th><th>%s</th></tr>",
		T(r, "Ngày", "Day"), T(r, "Công đoạn", "Stage"), T(r, "Nơi làm", "Place"),
		T(r, "Người làm", "Done by"), T(r, "Ghi chú", "Note"));
	for (size_t i = 0; i < f->nev; i++) {
		const stamp_event *e = &f->ev[i];
		const stamp_stage_info *s = stamp_stage_about(e->stage);
		char at[32];
		if (stamp_event_get(e, "at", at, sizeof at) != 0)
			at[0] = '\0';
		buf_put(b, "<tr><td>");
		buf_esc(b, at);
		buf_put(b, "</td><td>");
		buf_esc(b, e->label[0] ? e->label : s ? T(r, s->vi, s->en) : "?");
		buf_put(b, "%s</td><td>", e->batch_id ? "" : T(r, " (sản phẩm)", " (product)"));
		buf_esc(b, e->place);
		buf_put(b, "</td><td>");
		buf_esc(b, e->partner);
		buf_put(b, "</td><td>");
		buf_esc(b, e->note);
		buf_put(b, "</td></tr>");
	}
	buf_put(b, "</table></div>");
}

static enum MHD_Result batch_view(console_req *r, uint32_t id, const field_err *errs,
				  const char *general, unsigned status)
{
	facts f;
	strbuf b;
	char title[64], produced[11], expiry[11], keyid[9], created[32], serials[64], count[16],
		path[4096];
	int rc = load_facts(r->k, id, &f);
	if (rc == STAMP_ENOTFOUND)
		return console_message(r, MHD_HTTP_NOT_FOUND,
				       T(r, "Không có lô này", "No such batch"), NULL);
	if (rc)
		return console_message(r, 500, T(r, "Lỗi", "Error"), stamp_strerror(rc));
	if (buf_init(&b, CONSOLE_PAGE_MAX) != 0) {
		free(f.ev);
		return console_answer(r, 500, "text/html", NULL, 0, NULL, NULL);
	}
	snprintf(title, sizeof title, T(r, "Lô tem %u", "Batch %u"), id);
	console_page_head(r, &b, title);
	if (general && *general) {
		buf_put(&b, "<p class=\"err\" role=\"alert\">");
		buf_esc(&b, general);
		buf_put(&b, "</p>");
	}
	if (f.has_photo)
		buf_put(&b, "<p><img class=\"photo\" src=\"/batches/%u/photo\" alt=\"%s\"></p>", id,
			T(r, "Ảnh sản phẩm", "The product's photo"));
	stamp_date_format(f.b.produced, produced);
	stamp_date_format(f.b.expiry, expiry);
	stamp_key_id_format(f.b.key_id, keyid);
	time_t ct = (time_t)f.b.created;
	struct tm tm;
	strftime(created, sizeof created, "%Y-%m-%d %H:%M UTC", gmtime_r(&ct, &tm));
	snprintf(serials, sizeof serials, "%llu–%llu", (unsigned long long)f.b.first_serial,
		 (unsigned long long)(f.b.first_serial + f.b.count - 1));
	snprintf(count, sizeof count, "%u", f.b.count);
	buf_put(&b, "<table id=\"facts\">");
	fact(&b, T(r, "Sản phẩm", "Product"), f.b.product_id);
	fact(&b, T(r, "Tên sản phẩm", "Product name"), f.p.name);
	fact(&b, T(r, "Số lô", "Lot"), f.b.lot);
	fact(&b, T(r, "Ngày sản xuất", "Produced"), produced);
	fact(&b, T(r, "Hạn dùng", "Expiry"), expiry);
	fact(&b, T(r, "Số tem", "Stamps"), count);
	fact(&b, T(r, "Số sê-ri", "Serials"), serials);
	fact(&b, T(r, "Khóa ký", "Signing key"), keyid);
	fact(&b, T(r, "Phát hành lúc", "Issued"), created);
	fact(&b, T(r, "Người phát hành", "Issued by"), f.who.who);
	buf_put(&b, "</table><h2>%s</h2>", T(r, "Tải về", "Downloads"));
	if (folder_path(r->k, id, "manifest.csv", path, sizeof path) == 0 && is_file(path)) {
		buf_put(&b, "<ul id=\"downloads\">");
		if (folder_path(r->k, id, "sheet.pdf", path, sizeof path) == 0 && is_file(path))
			buf_put(&b, "<li><a href=\"/batches/%u/sheet.pdf\">%s</a></li>", id,
				T(r, "Tờ nhãn để in (PDF)", "Print sheet (PDF)"));
		buf_put(&b,
			"<li><a href=\"/batches/%u/manifest.csv\">%s</a></li><li><a "
			"href=\"/batches/%u/stamps.zip\">%s</a></li></ul>",
			id, T(r, "Danh sách mã (manifest.csv)", "The codes (manifest.csv)"), id,
			T(r, "Ảnh từng tem (PNG, một tệp ZIP)", "Each stamp's PNG (one ZIP)"));
	} else {
		buf_put(&b, "<p id=\"nofolder\">%s</p>",
			T(r, "Thư mục của lô không có ở máy này (phát hành nơi khác).",
			  "The batch's folder is not on this computer (issued elsewhere)."));
		buf_put(&b, "<form method=\"post\" action=\"/batches/%u/render\">", id);
		console_csrf_field(r, &b);
		buf_put(&b,
			"<p><label for=\"template\">%s</label><br><select id=\"template\" "
			"name=\"template\">",
			T(r, "Mẫu nhãn", "Label template"));
		console_preset_options(&b, NULL);
		buf_put(&b, "</select></p><p><button type=\"submit\">%s</button></p></form>",
			T(r, "Làm lại thư mục", "Render it again"));
	}
	journey(r, &b, &f);
	free(f.ev);
	event_form(r, &b, id, errs);
	return console_page_end(r, &b, status);
}

/* 0 when batch id is stored, else its error (STAMP_ENOTFOUND for 0). */
static int batch_known(console *k, uint32_t id)
{
	stamp_txn *t;
	stamp_batch x;
	int rc = id ? stamp_txn_begin(k->st, 0, &t) : STAMP_ENOTFOUND;
	if (rc == 0) {
		rc = stamp_store_get_batch(t, id, &x);
		stamp_txn_abort(t);
	}
	return rc;
}

/* GET /batches/N[/sheet.pdf|manifest.csv|stamps.zip|photo] */
static enum MHD_Result batch_get(console_req *r)
{
	const char *rest = "";
	uint32_t id = batch_of_url(r->url, &rest);
	if (!id)
		return console_message(r, MHD_HTTP_NOT_FOUND,
				       T(r, "Không có lô này", "No such batch"), NULL);
	if (!*rest)
		return batch_view(r, id, NULL, NULL, MHD_HTTP_OK);
	if (strcmp(rest, "photo") == 0) {
		facts f;
		int rc = load_facts(r->k, id, &f);
		free(f.ev);
		if (rc)
			return console_message(r, MHD_HTTP_NOT_FOUND,
					       T(r, "Không có lô này", "No such batch"), NULL);
		return photo(r, &f.b);
	}
	if (batch_known(r->k, id))
		return console_message(r, MHD_HTTP_NOT_FOUND,
				       T(r, "Không có lô này", "No such batch"), NULL);
	return download(r, id, rest);
}

/* POST /batches/N/events: the event's own rules field by field, then stored. */
static enum MHD_Result event_post(console_req *r, uint32_t id)
{
	field_err errs[E_N];
	stamp_event e;
	stamp_diag d = {{0}};
	char num[16];
	int bad = 0, rc;
	memset(errs, 0, sizeof errs);
	memset(&e, 0, sizeof e);
	snprintf(num, sizeof num, "%u", id);
	if (stamp_event_set(&e, "batch", num, &d) != 0)
		return console_message(r, MHD_HTTP_NOT_FOUND,
				       T(r, "Không có lô này", "No such batch"), NULL);
	for (int i = 0; i < E_N; i++) {
		const char *v = console_field_get(r, event_field[i]);
		if (!v || !*v)
			continue;
		if (console_field_long(r, event_field[i])) {
			snprintf(errs[i], sizeof errs[i],
				 T(r, "dài quá %d byte", "longer than %d bytes"),
				 CONSOLE_VALUE_MAX);
			bad = 1;
		} else if (stamp_event_set(&e, event_field[i], v, &d) != 0) {
			snprintf(errs[i], sizeof errs[i], "%s", d.msg);
			bad = 1;
		}
	}
	if (bad)
		return batch_view(r, id, errs,
				  T(r, "Hãy sửa các ô được đánh dấu. Chưa lưu gì.",
				    "Correct the marked fields. Nothing was saved."),
				  422);
	if (stamp_event_check(&e, &d) != 0)
		return batch_view(r, id, errs, d.msg, 422);
	stamp_txn *t;
	console_write_begin(r, "console: event add");
	if ((rc = stamp_txn_begin(r->k->st, 1, &t)) == 0) {
		rc = stamp_event_add(t, &e, time(NULL), &d);
		if (rc == 0)
			rc = stamp_txn_commit(t, &d);
		else
			stamp_txn_abort(t);
	}
	console_write_end(r);
	if (rc == STAMP_EINPUT)
		return batch_view(r, id, errs, d.msg, 422);
	if (rc)
		return batch_view(r, id, errs, d.msg[0] ? d.msg : stamp_strerror(rc), 500);
	char where[64];
	snprintf(where, sizeof where, "/batches/%u", id);
	return console_redirect(r, where);
}

/* POST /batches/N/events or /batches/N/render */
static enum MHD_Result batch_post(console_req *r)
{
	const char *rest = "";
	uint32_t id = batch_of_url(r->url, &rest);
	char path[4096];
	if (batch_known(r->k, id))
		return console_message(r, MHD_HTTP_NOT_FOUND,
				       T(r, "Không có lô này", "No such batch"), NULL);
	if (strcmp(rest, "events") == 0)
		return event_post(r, id);
	if (strcmp(rest, "render") != 0)
		return console_message(r, MHD_HTTP_NOT_FOUND,
				       T(r, "Không có trang này", "No such page"), NULL);
	const char *tpl = console_field_get(r, "template");
	const stamp_template *p = console_preset(tpl);
	if (!p)
		return batch_view(r, id, NULL,
				  T(r, "Hãy chọn một mẫu nhãn trong danh sách.",
				    "Choose a label template of the list."),
				  422);
	if (folder_path(r->k, id, "", path, sizeof path) != 0 || access(path, F_OK) == 0)
		return batch_view(
			r, id, NULL,
			T(r, "Thư mục của lô đã có.", "The batch's folder exists already."),
			MHD_HTTP_CONFLICT);
	return console_render_job(r, id, p->name);
}

const console_route console_batch_routes[] = {
	{"GET", "/batches", CONSOLE_OFFICER, batches_page},
	{"GET", "/batches/", CONSOLE_OFFICER, batch_get},
	{"POST", "/batches/", CONSOLE_OFFICER, batch_post},
	{NULL, NULL, 0, NULL},
};
