/*
 * console_issue.c - Phát hành tem: the issue form (product, lot, dates with
 * the expiry proposed from the product's shelf life, count, label template
 * with a sample label, the key's passphrase) and the background jobs that
 * issue a batch (stamp_issue, as `stampgen issue` does, the sheet drawn in
 * the folder before it appears) or write a batch's folder again
 * (stamp_render_batch, as `stampgen render`). One job runs at a time, and
 * labels are drawn one drawing at a time (the sheet renderer's font caches
 * are the process's); a job is seen only by the session that started it.
 * The batch pages are console_batch.c.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "console.h"
#include "stamp/print.h"

#define JOBS_MAX 16
#define CONSOLE_ISSUE_MAX 100000 /* stamps of one batch issued from the console */

enum { JOB_FREE, JOB_RUNNING, JOB_DONE, JOB_FAILED };
enum { JOB_ISSUE, JOB_RENDER };

typedef struct job {
	int state, kind;
	unsigned id;
	char sid[CONSOLE_ID_HEX]; /* the session that started it */
	char user[STAMP_SHORT_MAX + 1];
	console *k;
	uint64_t done, total;
	uint32_t batch; /* the batch issued, or rendered */
	char product[STAMP_ID_MAX + 1], lot[STAMP_SHORT_MAX + 1];
	char tpl[STAMP_TEMPLATE_NAME_MAX + 1], base_url[STAMP_BASEURL_MAX + 1];
	uint32_t produced, expiry, count;
	char *pass; /* sodium_malloc'd, freed (wiped) once the key is loaded */
	size_t passlen;
	int rc;		  /* libstamp's outcome */
	char msg[768];	  /* its diag */
	char notes[1024]; /* what stamp_issue said the officer should know */
	int sheet_rc;	  /* the sheet's outcome (a note, not a failure) */
	int started;	  /* a thread to join */
	pthread_t th;
} job;

typedef struct issue_state {
	pthread_mutex_t m;
	job j[JOBS_MAX];
	unsigned next_id;
	pthread_mutex_t zip; /* one ZIP made at a time (console_batch.c) */
} issue_state;

int console_issue_start(console *k)
{
	issue_state *is = calloc(1, sizeof *is);
	if (!is)
		return -1;
	pthread_mutex_init(&is->m, NULL);
	pthread_mutex_init(&is->zip, NULL);
	k->issue = is;
	return 0;
}

void console_issue_stop(console *k)
{
	issue_state *is = k->issue;
	if (!is)
		return;
	for (int i = 0; i < JOBS_MAX; i++)
		if (is->j[i].started)
			pthread_join(is->j[i].th, NULL);
	for (int i = 0; i < JOBS_MAX; i++)
		if (is->j[i].pass)
			sodium_free(is->j[i].pass);
	pthread_mutex_destroy(&is->m);
	pthread_mutex_destroy(&is->zip);
	free(is);
	k->issue = NULL;
}

void console_zip_lock(console *k, int on)
{
	issue_state *is = k->issue;
	if (on)
		pthread_mutex_lock(&is->zip);
	else
		pthread_mutex_unlock(&is->zip);
}

int console_batch_dir(const console *k, uint32_t id, char *out, size_t cap)
{
	return snprintf(out, cap, "%s/batch-%u", k->out_dir, id) < (int)cap ? 0 : -1;
}

/* ---- the jobs ----------------------------------------------------------------------- */

/*
 * One drawing of labels at a time in the process: the sheet renderer's font
 * caches are the process's, released after each drawing (stamp_sheet_release)
 * so that none is left at exit.
 */
static pthread_mutex_t sheet_lock = PTHREAD_MUTEX_INITIALIZER;

/* cli_sheet_in_folder under the lock (a stamp_issue_req's finish; ctx: cli_folder_sheet). */
static int sheet_in_folder(stamp_store *st, const stamp_batch *b, const char *dir, void *ctx,
			   stamp_diag *d)
{
	pthread_mutex_lock(&sheet_lock);
	int rc = cli_sheet_in_folder(st, b, dir, ctx, d);
	pthread_mutex_unlock(&sheet_lock);
	return rc;
}

static void job_progress(uint64_t done, uint64_t total, void *ctx)
{
	job *j = ctx;
	issue_state *is = j->k->issue;
	pthread_mutex_lock(&is->m);
	j->done = done, j->total = total;
	pthread_mutex_unlock(&is->m);
}

static void job_note(const char *msg, void *ctx)
{
	job *j = ctx;
	issue_state *is = j->k->issue;
	pthread_mutex_lock(&is->m);
	size_t n = strlen(j->notes);
	snprintf(j->notes + n, sizeof j->notes - n, "%s%s", n ? " " : "", msg);
	pthread_mutex_unlock(&is->m);
}

static void job_end(job *j, int rc, const stamp_diag *d, uint32_t batch, int sheet_rc)
{
	issue_state *is = j->k->issue;
	pthread_mutex_lock(&is->m);
	j->rc = rc;
	j->batch = batch;
	j->sheet_rc = sheet_rc;
	snprintf(j->msg, sizeof j->msg, "%s", d->msg[0] ? d->msg : stamp_strerror(rc));
	j->state = rc && rc != STAMP_ENOTPUBLISHED ? JOB_FAILED : JOB_DONE;
	pthread_mutex_unlock(&is->m);
}

/* The number the next batch will have (batches are numbered 1, 2, ... as stored). */
static uint32_t next_batch_id(stamp_store *st)
{
	stamp_txn *t;
	uint64_t n = 0;
	if (stamp_txn_begin(st, 0, &t) == 0) {
		if (stamp_store_batch_count(t, &n) != 0)
			n = 0;
		stamp_txn_abort(t);
	}
	return (uint32_t)(n + 1);
}

static void *issue_thread(void *arg)
{
	job *j = arg;
	console *k = j->k;
	stamp_diag d = {{0}};
	stamp_keypair *kp = NULL;
	stamp_batch b = {0};
	char dir[4096], real[4096];

	int rc = stamp_key_load_secret(k->key_file, j->pass, j->passlen, &kp, &d);
	issue_state *is = k->issue;
	pthread_mutex_lock(&is->m);
	sodium_free(j->pass); /* wipes */
	j->pass = NULL, j->passlen = 0;
	pthread_mutex_unlock(&is->m);
	if (rc) {
		job_end(j, rc, &d, 0, 0);
		return NULL;
	}
	if (mkdir(k->out_dir, 0755) != 0 && errno != EEXIST) {
		rc = errno;
		snprintf(d.msg, sizeof d.msg, "%s: %s", k->out_dir, strerror(rc));
		stamp_key_free(kp);
		job_end(j, rc, &d, 0, 0);
		return NULL;
	}
	cli_folder_sheet fs = {.template_name = j->tpl};
	stamp_issue_req req = {.product_id = j->product,
			       .lot = j->lot,
			       .produced = j->produced,
			       .expiry = j->expiry,
			       .count = j->count,
			       .base_url = j->base_url,
			       .sink = stamp_png_sink(),
			       .out_dir = dir,
			       .progress = job_progress,
			       .progress_ctx = j,
			       .note = job_note,
			       .note_ctx = j,
			       .finish = sheet_in_folder,
			       .finish_ctx = &fs};
	console_write_begin_as(k, j->user, "console: issue");
	uint32_t guess = next_batch_id(k->st);
	if (console_batch_dir(k, guess, dir, sizeof dir) != 0) {
		console_write_end_as(k);
		stamp_key_free(kp);
		snprintf(d.msg, sizeof d.msg, "%s: path too long", k->out_dir);
		job_end(j, ENAMETOOLONG, &d, 0, 0);
		return NULL;
	}
	req.now = time(NULL);
	rc = stamp_issue(k->st, kp, &req, &b, &d);
	console_write_end_as(k);
	stamp_key_free(kp);
	if (rc == 0 || rc == STAMP_ENOTPUBLISHED) {
		/* another program issued meanwhile: the folder takes the batch's number */
		if (rc == 0 && b.id != guess && console_batch_dir(k, b.id, real, sizeof real) == 0)
			if (rename(dir, real) != 0)
				job_note(strerror(errno), j);
		if (rc == 0)
			d.msg[0] = '\0';
	}
	job_end(j, rc, &d, rc == 0 || rc == STAMP_ENOTPUBLISHED ? b.id : 0, fs.rc);
	return NULL;
}

static void *render_thread(void *arg)
{
	job *j = arg;
	console *k = j->k;
	stamp_diag d = {{0}};
	char dir[4096];
	int rc = 0, sheet_rc = 0;

	if (mkdir(k->out_dir, 0755) != 0 && errno != EEXIST)
		rc = errno;
	if (rc == 0 && console_batch_dir(k, j->batch, dir, sizeof dir) != 0)
		rc = ENAMETOOLONG;
	if (rc == 0)
		rc = stamp_render_batch(k->st, j->batch, dir, stamp_png_sink(), 0, job_progress, j,
					&d);
	if (rc == 0) { /* the sheet after the folder: as `stampgen sheet` would */
		stamp_batch b = {.id = j->batch};
		cli_folder_sheet fs = {.template_name = j->tpl};
		(void)sheet_in_folder(k->st, &b, dir, &fs, &d);
		if ((sheet_rc = fs.rc) != 0)
			job_note(d.msg, j);
		d.msg[0] = '\0';
	}
	job_end(j, rc, &d, j->batch, sheet_rc);
	return NULL;
}

/*
 * A free slot for a new job of the session (its fields cleared), or NULL:
 * a job is running already. Called with the lock held.
 */
static job *job_slot(issue_state *is)
{
	job *pick = NULL;
	for (int i = 0; i < JOBS_MAX; i++)
		if (is->j[i].state == JOB_RUNNING)
			return NULL;
	for (int i = 0; i < JOBS_MAX && !pick; i++)
		if (is->j[i].state == JOB_FREE)
			pick = &is->j[i];
	if (!pick) /* else the oldest finished one */
		pick = &is->j[0];
	for (int i = 0; i < JOBS_MAX; i++)
		if (pick->state != JOB_FREE && is->j[i].id < pick->id)
			pick = &is->j[i];
	if (pick->started)
		pthread_join(pick->th, NULL);
	memset(pick, 0, sizeof *pick);
	return pick;
}

/* Start j (filled in by the caller, lock held) on its thread; 0 or -1. */
static int job_thread(issue_state *is, console_req *r, job *j, int kind)
{
	j->kind = kind;
	j->k = r->k;
	j->id = ++is->next_id;
	j->state = JOB_RUNNING;
	memcpy(j->sid, r->s->id, sizeof j->sid);
	snprintf(j->user, sizeof j->user, "%s", r->s->user);
	if (pthread_create(&j->th, NULL, kind == JOB_ISSUE ? issue_thread : render_thread, j)) {
		if (j->pass)
			sodium_free(j->pass);
		memset(j, 0, sizeof *j);
		return -1;
	}
	j->started = 1;
	return 0;
}

static enum MHD_Result job_busy(console_req *r)
{
	return console_message(r, MHD_HTTP_CONFLICT, T(r, "Đang bận", "Busy"),
			       T(r, "Một việc phát hành hoặc in lại đang chạy; hãy đợi nó xong.",
				 "An issuance or a rendering is running; wait until it ends."));
}

/* Start j, release the lock taken for job_slot, and answer with the job's page (303). */
static enum MHD_Result job_run(issue_state *is, console_req *r, job *j, int kind)
{
	char where[64];
	int rc = job_thread(is, r, j, kind);
	snprintf(where, sizeof where, "/issue/jobs/%u", j->id);
	pthread_mutex_unlock(&is->m);
	if (rc)
		return console_message(r, 500, T(r, "Lỗi", "Error"), strerror(EAGAIN));
	return console_redirect(r, where);
}

enum MHD_Result console_render_job(console_req *r, uint32_t batch, const char *tpl)
{
	issue_state *is = r->k->issue;
	pthread_mutex_lock(&is->m);
	job *j = job_slot(is);
	if (!j) {
		pthread_mutex_unlock(&is->m);
		return job_busy(r);
	}
	j->batch = batch;
	snprintf(j->tpl, sizeof j->tpl, "%s", tpl);
	return job_run(is, r, j, JOB_RENDER);
}

/* GET /issue/jobs/ID: the job's progress, refreshed each second, then its outcome. */
static enum MHD_Result job_page(console_req *r)
{
	issue_state *is = r->k->issue;
	unsigned long id = strtoul(r->url + strlen("/issue/jobs/"), NULL, 10);
	job c;
	int found = 0;
	pthread_mutex_lock(&is->m);
	for (int i = 0; i < JOBS_MAX; i++) {
		job *j = &is->j[i];
		if (j->state != JOB_FREE && j->id == id &&
		    sodium_memcmp(j->sid, r->s->id, CONSOLE_ID_HEX - 1) == 0) {
			c = *j;
			found = 1;
		}
	}
	pthread_mutex_unlock(&is->m);
	if (!found)
		return console_message(r, MHD_HTTP_NOT_FOUND,
				       T(r, "Không có việc này", "No such job"), NULL);
	c.pass = NULL;
	strbuf b;
	if (buf_init(&b, 65536) != 0)
		return console_answer(r, 500, "text/html", NULL, 0, NULL, NULL);
	console_page_head(r, &b,
			  c.kind == JOB_ISSUE ? T(r, "Phát hành tem", "Issuing stamps")
					      : T(r, "Làm lại thư mục lô", "Rendering a batch"));
	if (c.state == JOB_RUNNING) {
		buf_put(&b, "<meta http-equiv=\"refresh\" content=\"1\">");
		buf_put(&b,
			"<p><label for=\"p\">%s</label> <progress id=\"p\" max=\"%llu\" "
			"value=\"%llu\">%llu / %llu</progress> <span id=\"done\">%llu / "
			"%llu</span></p>",
			T(r, "Đã làm", "Done"), (unsigned long long)(c.total ? c.total : 1),
			(unsigned long long)c.done, (unsigned long long)c.done,
			(unsigned long long)c.total, (unsigned long long)c.done,
			(unsigned long long)c.total);
		buf_put(&b, "<p>%s</p>",
			T(r, "Trang tự tải lại mỗi giây.", "The page reloads every second."));
	} else if (c.state == JOB_FAILED) {
		buf_put(&b, "<p class=\"err\" role=\"alert\" id=\"failed\">");
		if (c.rc == STAMP_EPASSPHRASE)
			buf_put(&b, "%s",
				T(r, "Sai mật khẩu của khóa (hoặc chưa nhập).",
				  "Wrong passphrase for the key (or none given)."));
		else {
			buf_put(&b, "%s ", T(r, "Không thành công:", "Failed:"));
			buf_esc(&b, c.msg);
		}
		buf_put(&b, "</p>");
		if (c.kind == JOB_ISSUE)
			buf_put(&b, "<p>%s</p><p><a href=\"/issue?product=",
				T(r, "Không có lô nào được lưu.", "No batch was stored."));
		if (c.kind == JOB_ISSUE) {
			buf_esc(&b, c.product);
			buf_put(&b, "\">%s</a></p>", T(r, "Thử lại", "Try again"));
		}
	} else {
		buf_put(&b, "<p class=\"ok\" role=\"status\" id=\"finished\">");
		if (c.kind == JOB_ISSUE)
			buf_put(&b,
				T(r, "Đã phát hành lô %u: %u tem.", "Batch %u issued: %u stamps."),
				c.batch, c.count);
		else
			buf_put(&b,
				T(r, "Đã làm lại thư mục của lô %u.", "Batch %u rendered again."),
				c.batch);
		buf_put(&b, "</p>");
		if (c.rc == STAMP_ENOTPUBLISHED) {
			buf_put(&b, "<p class=\"err\">%s ",
				T(r, "Lô đã được lưu nhưng thư mục chưa vào chỗ:",
				  "The batch is stored but its folder is not in place:"));
			buf_esc(&b, c.msg);
			buf_put(&b, "</p>");
		}
		if (c.sheet_rc)
			buf_put(&b, "<p class=\"err\">%s</p>",
				T(r, "Không vẽ được tờ nhãn PDF.",
				  "The sheet PDF could not be drawn."));
		buf_put(&b, "<p><a href=\"/batches/%u\">%s</a></p>", c.batch,
			T(r, "Xem lô tem", "See the batch"));
	}
	if (c.notes[0]) {
		buf_put(&b, "<p>%s ", T(r, "Ghi chú:", "Note:"));
		buf_esc(&b, c.notes);
		buf_put(&b, "</p>");
	}
	return console_page_end(r, &b, MHD_HTTP_OK);
}

/* ---- the form ----------------------------------------------------------------------- */

enum { F_LOT, F_PRODUCED, F_EXPIRY, F_COUNT, F_TEMPLATE, F_BASEURL, F_PASS, F_N };
typedef char field_err[sizeof(stamp_diag)];

const stamp_template *console_preset(const char *name)
{
	const stamp_template *t;
	for (size_t i = 0; name && (t = stamp_template_preset(i)); i++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

void console_preset_options(strbuf *b, const char *selected)
{
	const stamp_template *t;
	for (size_t i = 0; (t = stamp_template_preset(i)); i++) {
		buf_put(b, "<option value=\"");
		buf_esc(b, t->name);
		buf_put(b, "\"%s>", selected && strcmp(t->name, selected) == 0 ? " selected" : "");
		buf_esc(b, t->name);
		buf_put(b, " — ");
		buf_esc(b, t->desc);
		buf_put(b, "</option>");
	}
}

/* The form's values: what was sent, else the proposals. */
typedef struct form {
	stamp_product p;
	char lot[CONSOLE_VALUE_MAX + 2], produced[16], expiry[16], proposed[16];
	char count[24], tpl[STAMP_TEMPLATE_NAME_MAX + 1], base_url[CONSOLE_VALUE_MAX + 2];
} form;

static void err_beside(strbuf *b, const field_err *errs, int i)
{
	if (errs && errs[i][0]) {
		buf_put(b, " <span class=\"err\" id=\"err-%d\">", i);
		buf_esc(b, errs[i]);
		buf_put(b, "</span>");
	}
}

static void input(strbuf *b, const console_req *r, const field_err *errs, int i, const char *id,
		  const char *vi, const char *en, const char *type, const char *val)
{
	buf_put(b, "<p><label for=\"%s\">%s</label><br><input id=\"%s\" name=\"%s\" type=\"%s\"",
		id, T(r, vi, en), id, id, type);
	if (val) {
		buf_put(b, " value=\"");
		buf_esc(b, val);
		buf_put(b, "\"");
	}
	buf_put(b, "%s>", errs && errs[i][0] ? " aria-invalid=\"true\"" : "");
	err_beside(b, errs, i);
	buf_put(b, "</p>");
}

static void key_note(const console_req *r, strbuf *b)
{
	if (r->k->key_file)
		return;
	buf_put(&*b, "<p class=\"err\" role=\"alert\" id=\"nokey\">%s</p>",
		T(r,
		  "Bảng điều khiển chưa có khóa ký. Hãy dừng nó và chạy lại: <code>stampgen "
		  "console --key TỆP.key</code>.",
		  "The console has no signing key. Stop it and start it again with: "
		  "<code>stampgen console --key FILE.key</code>."));
}

static enum MHD_Result issue_form(console_req *r, const form *f, const field_err *errs,
				  const char *general, unsigned status)
{
	strbuf b;
	if (buf_init(&b, CONSOLE_PAGE_MAX) != 0)
		return console_answer(r, 500, "text/html", NULL, 0, NULL, NULL);
	console_page_head(r, &b, T(r, "Phát hành tem", "Issue stamps"));
	key_note(r, &b);
	if (general && *general) {
		buf_put(&b, "<p class=\"err\" role=\"alert\">");
		buf_esc(&b, general);
		buf_put(&b, "</p>");
	}
	buf_put(&b, "<p>%s <strong>", T(r, "Sản phẩm:", "Product:"));
	buf_esc(&b, f->p.id);
	buf_put(&b, "</strong> — ");
	buf_esc(&b, f->p.name);
	buf_put(&b, " <a href=\"/issue\">%s</a></p>",
		T(r, "Chọn sản phẩm khác", "Another product"));
	buf_put(&b, "<form method=\"post\" action=\"/issue\">");
	console_csrf_field(r, &b);
	buf_put(&b, "<input type=\"hidden\" name=\"product\" value=\"");
	buf_esc(&b, f->p.id);
	buf_put(&b, "\"><input type=\"hidden\" name=\"proposed\" value=\"");
	buf_esc(&b, f->proposed);
	buf_put(&b, "\">");
	input(&b, r, errs, F_LOT, "lot", "Số lô", "Lot", "text", f->lot);
	input(&b, r, errs, F_PRODUCED, "produced", "Ngày sản xuất (YYYY-MM-DD)",
	      "Production date (YYYY-MM-DD)", "text", f->produced);
	input(&b, r, errs, F_EXPIRY, "expiry", "Hạn sử dụng (YYYY-MM-DD)", "Expiry (YYYY-MM-DD)",
	      "text", f->expiry);
	if (f->p.shelf_life_days)
		buf_put(&b,
			T(r,
			  "<p id=\"proposal\">Đề xuất: ngày sản xuất + hạn dùng của sản phẩm (%u "
			  "ngày). Đổi ngày sản xuất rồi bấm «Tính lại» để tính lại.</p>",
			  "<p id=\"proposal\">Proposed: the production date plus the product's "
			  "shelf life (%u days). Change the production date and press "
			  "“Recompute” to propose again.</p>"),
			(unsigned)f->p.shelf_life_days);
	input(&b, r, errs, F_COUNT, "count", "Số tem (1 đến 100 000)", "Stamps (1 to 100,000)",
	      "number", f->count);
	buf_put(&b,
		"<p><label for=\"template\">%s</label><br><select id=\"template\" "
		"name=\"template\"%s>",
		T(r, "Mẫu nhãn", "Label template"),
		errs && errs[F_TEMPLATE][0] ? " aria-invalid=\"true\"" : "");
	console_preset_options(&b, f->tpl);
	buf_put(&b, "</select>");
	err_beside(&b, errs, F_TEMPLATE);
	buf_put(&b, "</p>");
	if (console_preset(f->tpl)) {
		buf_put(&b, "<figure><img class=\"preview\" src=\"/issue/preview?template=");
		buf_pct(&b, f->tpl);
		buf_put(&b, "&amp;product=");
		buf_pct(&b, f->p.id);
		buf_put(&b, "\" alt=\"%s\"><figcaption>%s</figcaption></figure>",
			T(r, "MẪU — nhãn mẫu", "SAMPLE — a sample label"),
			T(r,
			  "MẪU: mã mẫu với chữ ký toàn số 0, không ký bằng khóa thật, không quét "
			  "được thành tem thật.",
			  "SAMPLE: a sample code whose signature is all zeros, not signed by the "
			  "real key; it never verifies as a stamp."));
	}
	input(&b, r, errs, F_BASEURL, "base_url", "Địa chỉ tra cứu (https://…)",
	      "Verification address (https://…)", "text", f->base_url);
	input(&b, r, errs, F_PASS, "passphrase", "Mật khẩu của khóa (nếu có)",
	      "The key's passphrase (if it has one)", "password", NULL);
	buf_put(&b,
		"<p><button type=\"submit\" name=\"action\" value=\"issue\">%s</button> <button "
		"type=\"submit\" name=\"action\" value=\"recompute\">%s</button></p></form>",
		T(r, "Phát hành", "Issue"), T(r, "Tính lại", "Recompute"));
	return console_page_end(r, &b, status);
}

static void propose_expiry(form *f)
{
	uint32_t produced;
	f->proposed[0] = '\0';
	if (f->p.shelf_life_days && stamp_date_parse(f->produced, &produced) == 0)
		stamp_date_format(
			stamp_date_from_days(stamp_date_to_days(produced) + f->p.shelf_life_days),
			f->proposed);
}

/* The base URL of the newest batch: what the officers used last. */
static int last_base_url(const stamp_batch *b, void *ctx)
{
	snprintf(ctx, STAMP_BASEURL_MAX + 1, "%s", b->base_url);
	return 0;
}

static int load_product(console_req *r, const char *id, stamp_product *p, char *base_url)
{
	stamp_txn *t;
	int rc = stamp_txn_begin(r->k->st, 0, &t);
	if (rc)
		return rc;
	rc = id && *id ? stamp_store_get_product(t, id, p) : STAMP_ENOTFOUND;
	if (rc == 0 && base_url && stamp_store_each_batch(t, last_base_url, base_url) != 0)
		base_url[0] = '\0';
	stamp_txn_abort(t);
	return rc;
}

static int list_choice(const stamp_product *p, void *ctx)
{
	strbuf *b = ctx;
	buf_put(b, "<option value=\"");
	buf_esc(b, p->id);
	buf_put(b, "\">");
	buf_esc(b, p->id);
	buf_put(b, " — ");
	buf_esc(b, p->name);
	buf_put(b, "</option>");
	return 0;
}

/* GET /issue: the product first, then its form. */
static enum MHD_Result issue_page(console_req *r)
{
	const char *id = console_arg(r, "product");
	form f;
	memset(&f, 0, sizeof f);
	if (!id) {
		strbuf b;
		stamp_txn *t;
		if (buf_init(&b, CONSOLE_PAGE_MAX) != 0)
			return console_answer(r, 500, "text/html", NULL, 0, NULL, NULL);
		console_page_head(r, &b, T(r, "Phát hành tem", "Issue stamps"));
		key_note(r, &b);
		buf_put(&b,
			"<form method=\"get\" action=\"/issue\"><p><label "
			"for=\"product\">%s</label>"
			"<br><select id=\"product\" name=\"product\">",
			T(r, "Sản phẩm", "Product"));
		if (stamp_txn_begin(r->k->st, 0, &t) == 0) {
			if (stamp_store_each_product(t, list_choice, &b) != 0)
				buf_put(&b, "</select>");
			stamp_txn_abort(t);
		}
		buf_put(&b, "</select></p><p><button type=\"submit\">%s</button></p></form>",
			T(r, "Tiếp", "Next"));
		return console_page_end(r, &b, MHD_HTTP_OK);
	}
	if (load_product(r, id, &f.p, f.base_url) != 0)
		return console_message(r, MHD_HTTP_NOT_FOUND,
				       T(r, "Không có sản phẩm này", "No such product"), id);
	stamp_date_format(stamp_date_from_unix(time(NULL)), f.produced);
	propose_expiry(&f);
	memcpy(f.expiry, f.proposed, sizeof f.expiry);
	snprintf(f.count, sizeof f.count, "100");
	snprintf(f.tpl, sizeof f.tpl, "%s", stamp_template_preset(0)->name);
	return issue_form(r, &f, NULL, NULL, MHD_HTTP_OK);
}

static void copy_field(const console_req *r, const char *name, char *out, size_t cap)
{
	const char *v = console_field_get(r, name);
	snprintf(out, cap, "%s", v ? v : "");
}

/* POST /issue: every rule checked, then the job started (303 to its page). */
static enum MHD_Result issue_post(console_req *r)
{
	field_err errs[F_N];
	form f;
	stamp_diag d = {{0}};
	uint32_t produced = 0, expiry = 0;
	uint64_t count = 0;
	char lot[STAMP_SHORT_MAX + 1], base[STAMP_BASEURL_MAX + 1], latest[STAMP_BASEURL_MAX + 1];
	int bad = 0;
	memset(errs, 0, sizeof errs);
	memset(&f, 0, sizeof f);
	if (load_product(r, console_field_get(r, "product"), &f.p, latest) != 0)
		return console_message(r, 422, T(r, "Không có sản phẩm này", "No such product"),
				       T(r, "Hãy chọn một sản phẩm trong sổ đăng ký.",
					 "Choose a product of the registry."));
	copy_field(r, "lot", f.lot, sizeof f.lot);
	copy_field(r, "produced", f.produced, sizeof f.produced);
	copy_field(r, "expiry", f.expiry, sizeof f.expiry);
	copy_field(r, "proposed", f.proposed, sizeof f.proposed);
	copy_field(r, "count", f.count, sizeof f.count);
	copy_field(r, "template", f.tpl, sizeof f.tpl);
	copy_field(r, "base_url", f.base_url, sizeof f.base_url);
	const char *action = console_field_get(r, "action");

	if (stamp_date_parse(f.produced, &produced) != 0) {
		snprintf(errs[F_PRODUCED], sizeof errs[0], "%s",
			 T(r, "ngày không hợp lệ: YYYY-MM-DD hoặc DD/MM/YYYY",
			   "not a date: YYYY-MM-DD or DD/MM/YYYY"));
		bad = 1;
	}
	/* the proposal left as it was follows the production date (recomputed here) */
	int follows = !f.expiry[0] || strcmp(f.expiry, f.proposed) == 0;
	if (!bad && (follows || (action && strcmp(action, "recompute") == 0))) {
		propose_expiry(&f);
		memcpy(f.expiry, f.proposed, sizeof f.expiry);
	}
	if (f.expiry[0] && stamp_date_parse(f.expiry, &expiry) != 0) {
		snprintf(errs[F_EXPIRY], sizeof errs[0], "%s",
			 T(r, "ngày không hợp lệ: YYYY-MM-DD hoặc DD/MM/YYYY",
			   "not a date: YYYY-MM-DD or DD/MM/YYYY"));
		bad = 1;
	}
	if (action && strcmp(action, "recompute") == 0)
		return issue_form(r, &f, errs, NULL, bad ? 422 : MHD_HTTP_OK);

	if (console_field_long(r, "lot") || !f.lot[0]) {
		snprintf(errs[F_LOT], sizeof errs[0], "%s",
			 f.lot[0] ? T(r, "quá dài", "too long")
				  : T(r, "lot: bắt buộc", "lot: required"));
		bad = 1;
	} else if (stamp_text_clean(f.lot, lot, STAMP_SHORT_MAX, "lot", &d) != 0) {
		snprintf(errs[F_LOT], sizeof errs[0], "%s", d.msg);
		bad = 1;
	} else {
		stamp_txn *t;
		uint32_t other;
		if (stamp_txn_begin(r->k->st, 0, &t) == 0) {
			if (stamp_store_find_lot(t, f.p.id, lot, &other) == 0) {
				snprintf(errs[F_LOT], sizeof errs[0],
					 T(r, "lô này đã được phát hành (lô tem %u)",
					   "this lot is issued already (batch %u)"),
					 other);
				bad = 1;
			}
			stamp_txn_abort(t);
		}
	}
	if (cli_parse_u64(f.count, 1, CONSOLE_ISSUE_MAX, &count) != 0) {
		snprintf(errs[F_COUNT], sizeof errs[0],
			 T(r, "count: từ 1 đến %d, không phải \"%s\"",
			   "count: expected 1 to %d, got \"%s\""),
			 CONSOLE_ISSUE_MAX, f.count);
		bad = 1;
	}
	const stamp_template *tpl = console_preset(f.tpl);
	if (!tpl) {
		snprintf(errs[F_TEMPLATE], sizeof errs[0], "%s",
			 T(r, "hãy chọn một mẫu nhãn trong danh sách",
			   "choose a label template of the list"));
		bad = 1;
	}
	if (stamp_code_baseurl(f.base_url, base, &d) != 0) {
		snprintf(errs[F_BASEURL], sizeof errs[0], "%s", d.msg);
		bad = 1;
	}
	if (bad)
		return issue_form(r, &f, errs,
				  T(r, "Hãy sửa các ô được đánh dấu. Chưa phát hành gì.",
				    "Correct the marked fields. Nothing was issued."),
				  422);
	if (!r->k->key_file)
		return issue_form(r, &f, errs,
				  T(r, "Không có khóa ký (--key): chưa phát hành gì.",
				    "No signing key (--key): nothing was issued."),
				  MHD_HTTP_CONFLICT);

	issue_state *is = r->k->issue;
	const char *pass = console_field_get(r, "passphrase");
	size_t passlen = pass ? strlen(pass) : 0;
	pthread_mutex_lock(&is->m);
	job *j = job_slot(is);
	if (!j) {
		pthread_mutex_unlock(&is->m);
		return job_busy(r);
	}
	if (passlen && !(j->pass = sodium_malloc(passlen + 1))) {
		pthread_mutex_unlock(&is->m);
		return console_message(r, 500, T(r, "Lỗi", "Error"), strerror(ENOMEM));
	}
	if (passlen) {
		memcpy(j->pass, pass, passlen + 1);
		j->passlen = passlen;
	}
	snprintf(j->product, sizeof j->product, "%s", f.p.id);
	snprintf(j->lot, sizeof j->lot, "%s", lot);
	snprintf(j->tpl, sizeof j->tpl, "%s", tpl->name);
	snprintf(j->base_url, sizeof j->base_url, "%s", base);
	j->produced = produced, j->expiry = expiry, j->count = (uint32_t)count;
	j->total = count;
	return job_run(is, r, j, JOB_ISSUE);
}

/*
 * GET /issue/preview?template=NAME&product=ID: one label of the product as
 * the sheet draws it (stamp_sheet_label_png), PNG at 150 dpi, for a sample
 * code (serial 1, key 00000000, an all-zero signature): it never verifies.
 */
static enum MHD_Result preview_page(console_req *r)
{
	const stamp_template *tpl = console_preset(console_arg(r, "template"));
	const char *id = console_arg(r, "product");
	stamp_batch b = {.first_serial = 1, .count = 1};
	uint8_t zero[STAMP_SIG_BYTES] = {0};
	char path[] = "/tmp/ocopstamp-preview-XXXXXX";
	stamp_diag d = {{0}};
	stamp_product p;
	stamp_coop c;
	stamp_txn *t;
	int rc = id && tpl ? stamp_txn_begin(r->k->st, 0, &t) : STAMP_ENOTFOUND;
	if (rc == 0) {
		rc = stamp_store_get_product(t, id, &p);
		if (rc == 0)
			rc = stamp_store_get_coop(t, p.coop_id, &c);
		stamp_txn_abort(t);
	}
	if (rc)
		return console_message(
			r, MHD_HTTP_NOT_FOUND,
			T(r, "Không có mẫu nhãn hay sản phẩm này", "No such template or product"),
			NULL);
	snprintf(b.product_id, sizeof b.product_id, "%s", p.id);
	if (stamp_code_baseurl("https://mau.example.vn", b.base_url, &d) != 0)
		return console_message(r, 500, T(r, "Lỗi", "Error"), d.msg);
	int fd = mkstemp(path);
	if (fd < 0)
		return console_message(r, 500, T(r, "Lỗi", "Error"), strerror(errno));
	close(fd);
	pthread_mutex_lock(&sheet_lock);
	rc = stamp_sheet_label_png(tpl, &b, &p, &c, zero, 150, path, &d);
	stamp_sheet_release();
	pthread_mutex_unlock(&sheet_lock);
	char *png = NULL;
	long len = 0;
	FILE *fp = rc == 0 ? fopen(path, "rb") : NULL;
	if (fp && fseek(fp, 0, SEEK_END) == 0 && (len = ftell(fp)) > 0 && len < (8 << 20) &&
	    fseek(fp, 0, SEEK_SET) == 0 && (png = malloc((size_t)len)) &&
	    fread(png, 1, (size_t)len, fp) != (size_t)len) {
		free(png);
		png = NULL;
	}
	if (fp)
		fclose(fp);
	unlink(path);
	if (!png)
		return console_message(r, rc == STAMP_EPRINT ? 422 : 500, T(r, "Lỗi", "Error"),
				       d.msg[0] ? d.msg : stamp_strerror(rc));
	return console_answer(r, MHD_HTTP_OK, "image/png", png, (size_t)len, NULL, NULL);
}

const console_route console_issue_routes[] = {
	{"GET", "/issue", CONSOLE_OFFICER, issue_page},
	{"POST", "/issue", CONSOLE_OFFICER, issue_post},
	{"GET", "/issue/preview", CONSOLE_OFFICER, preview_page},
	{"GET", "/issue/jobs/", CONSOLE_OFFICER, job_page},
	{NULL, NULL, 0, NULL},
};
