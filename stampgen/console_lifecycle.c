/*
 * console_lifecycle.c - Thu hồi, Nhật ký and Khóa: what happens to stamps
 * after they are issued, in the console.
 *
 *   /revoke        the form (what, reason, note), the revocations on file
 *   POST /revoke   without confirm: a dry run, the number of stamps it would
 *                  revoke (stamp_revocation_count) and a confirm button
 *                  carrying the same fields; with confirm: stored
 *   POST /revoke/undo   a confirmation, then stamp_revocation_undo
 *   /audit         the log newest first, paged, under the verdict of
 *                  `stampgen audit verify` (cli_audit_verify)
 *   /keys          (admins) the registered keys, their windows and state;
 *   POST /keys/retire   a confirmation, then stamp_store_retire_key
 *
 * The targets are parsed by the CLI's own parser (cli_revoke_target) and
 * everything written goes through libstamp as `stampgen revoke`, `unrevoke`
 * and `key retire` do, each between console_write_begin and _end.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "console.h"

#define ERR_MAX sizeof(stamp_diag)

/* ---- the revocation form -------------------------------------------------------------- */

static const struct kind {
	const char *name, *vi, *en;
	int kind;
} kinds[] = {
	{"serial", "Một tem (số sê-ri)", "One stamp (serial)", STAMP_SCOPE_SERIALS},
	{"code", "Một tem (mã hoặc địa chỉ URL trên tem)", "One stamp (its code or URL)",
	 CLI_REVOKE_CODE},
	{"serials", "Dãy sê-ri A-B (cuộn tem bị mất)", "Serials A-B (a lost roll)",
	 STAMP_SCOPE_SERIALS},
	{"batch", "Lô tem (số lô tem)", "Batch (its number)", STAMP_SCOPE_BATCH},
	{"lot", "Lô sản xuất SẢN_PHẨM:LÔ (thu hồi)", "Lot PRODUCT:LOT (a recall)", CLI_REVOKE_LOT},
	{"product", "Sản phẩm (mã)", "Product (id)", STAMP_SCOPE_PRODUCT},
	{"key", "Khóa (mã 8 chữ số hex)", "Key (8 hex digits)", STAMP_SCOPE_KEY},
};

static const char *const reason_vi[STAMP_REASON_LAST + 1] = {
	NULL,	      "Bị mất",	 "Bị đánh cắp", "Thu hồi sản phẩm", "Bị rút chứng nhận OCOP",
	"Khóa bị lộ", "In nhầm", "Lý do khác"};
static const char *const reason_en[STAMP_REASON_LAST + 1] = {NULL,
							     "Lost",
							     "Stolen",
							     "Product recalled",
							     "OCOP certificate withdrawn",
							     "Key compromised",
							     "Printed in error",
							     "Other"};

enum { F_KIND, F_TARGET, F_FROM, F_REASON, F_NOTE, F_N };
static const char *const rfields[F_N] = {"kind", "target", "from", "reason", "note"};

static const char *fval(const console_req *r, int f)
{
	const char *v = r->post ? console_field_get(r, rfields[f]) : NULL;
	return v ? v : "";
}

/* A message of the CLI's parser without its option name ("--lot: "). */
static const char *unflag(const char *msg)
{
	const char *colon = strstr(msg, ": ");
	return msg[0] == '-' && msg[1] == '-' && colon ? colon + 2 : msg;
}

static void err_beside(strbuf *b, const char *err)
{
	if (err && *err) {
		buf_put(b, " <span class=\"err\">");
		buf_esc(b, err);
		buf_put(b, "</span>");
	}
}

static void invalid(strbuf *b, const char *err)
{
	if (err && *err)
		buf_put(b, " aria-invalid=\"true\"");
}

static void top_error(strbuf *b, const char *msg)
{
	if (msg && *msg) {
		buf_put(b, "<p class=\"err\" role=\"alert\">");
		buf_esc(b, msg);
		buf_put(b, "</p>");
	}
}

/* A text field f with its label, its value given and its error beside it. */
static void text_field(const console_req *r, strbuf *b, int f, const char *label,
		       char (*errs)[ERR_MAX])
{
	const char *err = errs ? errs[f] : NULL;
	buf_put(b, "<p><label for=\"%s\">%s</label><br><input id=\"%s\" name=\"%s\" value=\"",
		rfields[f], label, rfields[f], rfields[f]);
	buf_esc(b, fval(r, f));
	buf_put(b, "\"");
	invalid(b, err);
	buf_put(b, ">");
	err_beside(b, err);
	buf_put(b, "</p>");
}

/* The form's fields, with the values given and their errors (errs may be NULL). */
static void revoke_fields(const console_req *r, strbuf *b, char (*errs)[ERR_MAX])
{
	const char *kind = fval(r, F_KIND), *reason = fval(r, F_REASON);
	buf_put(b, "<p><label for=\"kind\">%s</label><br><select id=\"kind\" name=\"kind\">",
		T(r, "Thu hồi gì", "What to revoke"));
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		buf_put(b, "<option value=\"%s\"%s>%s</option>", kinds[i].name,
			strcmp(kind, kinds[i].name) == 0 ? " selected" : "",
			T(r, kinds[i].vi, kinds[i].en));
	buf_put(b, "</select></p>");
	text_field(r, b, F_TARGET,
		   T(r, "Tem, dãy, lô, sản phẩm hoặc khóa", "Stamp, range, batch, product or key"),
		   errs);
	text_field(r, b, F_FROM,
		   T(r, "Chỉ với khóa: các lô phát hành từ ngày (YYYY-MM-DD, không bắt buộc)",
		     "With a key only: batches issued from (YYYY-MM-DD, optional)"),
		   errs);
	buf_put(b,
		"<p><label for=\"reason\">%s</label><br><select id=\"reason\" "
		"name=\"reason\"",
		T(r, "Lý do", "Reason"));
	invalid(b, errs ? errs[F_REASON] : NULL);
	buf_put(b, ">");
	for (unsigned i = 1; i <= STAMP_REASON_LAST; i++)
		buf_put(b, "<option value=\"%s\"%s>%s</option>", stamp_reason_name(i),
			strcmp(reason, stamp_reason_name(i)) == 0 ? " selected" : "",
			T(r, reason_vi[i], reason_en[i]));
	buf_put(b, "</select>");
	err_beside(b, errs ? errs[F_REASON] : NULL);
	buf_put(b,
		"</p><p><label for=\"note\">%s</label><br><textarea id=\"note\" name=\"note\" "
		"rows=\"2\" cols=\"60\"",
		T(r, "Ghi chú cho người mua (không bắt buộc, tối đa 255 byte)",
		  "Note for shoppers (optional, at most 255 bytes)"));
	invalid(b, errs ? errs[F_NOTE] : NULL);
	buf_put(b, ">");
	buf_esc(b, fval(r, F_NOTE));
	buf_put(b, "</textarea>");
	err_beside(b, errs ? errs[F_NOTE] : NULL);
	buf_put(b, "</p>");
}

#define REVOCATIONS_PER_PAGE 50

/* One page of the revocations, newest first: the walk goes oldest first. */
typedef struct listctx {
	const console_req *r;
	strbuf *b;
	size_t n;		/* seen in the walk */
	size_t from, to;	/* the page: walk positions [from, to) */
	stamp_revocation *page; /* REVOCATIONS_PER_PAGE of them */
	size_t kept;
} listctx;

static int count_revocation(const stamp_revocation *v, void *ctx)
{
	(void)v;
	((listctx *)ctx)->n++;
	return 0;
}

static int keep_revocation(const stamp_revocation *v, void *ctx)
{
	listctx *l = ctx;
	if (l->n >= l->from && l->n < l->to)
		l->page[l->kept++] = *v;
	l->n++;
	return 0;
}

static void date_of(int64_t t, char out[11])
{
	stamp_date_format(t ? stamp_date_from_unix(t) : 0, out);
}

static void list_revocation(listctx *l, const stamp_revocation *v)
{
	const console_req *r = l->r;
	char what[256], since[11], undone[11];
	cli_revoke_describe(v, what, sizeof what);
	date_of(v->since, since);
	date_of(v->undone, undone);
	buf_put(l->b, "<tr><td>%u</td><td>", v->id);
	if (v->undone) {
		buf_put(l->b, "%s %s ", T(r, "đã hủy ngày", "undone on"), undone);
		buf_esc(l->b, v->undone_by);
	} else {
		buf_put(l->b, "%s", T(r, "có hiệu lực", "in force"));
	}
	buf_put(l->b, "</td><td>");
	buf_esc(l->b, what);
	buf_put(l->b, "</td><td>%s</td><td>%s</td><td>",
		T(r, reason_vi[v->reason <= STAMP_REASON_LAST ? v->reason : 0] ?: "?",
		  reason_en[v->reason <= STAMP_REASON_LAST ? v->reason : 0] ?: "?"),
		since);
	buf_esc(l->b, v->actor);
	buf_put(l->b, "</td><td>");
	buf_esc(l->b, v->note);
	buf_put(l->b, "</td><td>");
	if (!v->undone) {
		buf_put(l->b, "<form class=\"inline\" method=\"post\" action=\"/revoke/undo\">");
		console_csrf_field(r, l->b);
		buf_put(l->b,
			"<input type=\"hidden\" name=\"id\" value=\"%u\"><button "
			"type=\"submit\">%s</button></form>",
			v->id, T(r, "Hủy thu hồi…", "Undo…"));
	}
	buf_put(l->b, "</td></tr>");
}

static void revocation_list(const console_req *r, strbuf *b)
{
	const char *pg = r->post ? NULL : console_arg(r, "page");
	unsigned long page = pg ? strtoul(pg, NULL, 10) : 1, pages;
	listctx l = {.r = r, .b = b};
	stamp_txn *t;
	if (page < 1 || page > 1000000)
		page = 1;
	buf_put(b,
		"<h2>%s</h2><div class=\"scroll\" tabindex=\"0\"><table id=\"revocations\"><tr><th "
		"scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th "
		"scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th "
		"scope=\"col\">%s</th><th scope=\"col\">%s</th></tr>",
		T(r, "Các lần thu hồi", "Revocations"), T(r, "Số", "No."),
		T(r, "Trạng thái", "State"), T(r, "Phạm vi", "Covers"), T(r, "Lý do", "Reason"),
		T(r, "Từ ngày", "Since"), T(r, "Người thu hồi", "By"), T(r, "Ghi chú", "Note"),
		T(r, "Thao tác", "Action"));
	l.page = malloc(REVOCATIONS_PER_PAGE * sizeof *l.page);
	int rc = l.page ? stamp_txn_begin(r->k->st, 0, &t) : ENOMEM;
	if (rc == 0) {
		rc = stamp_revocation_each(t, count_revocation, &l);
		size_t total = l.n, skip = (page - 1) * REVOCATIONS_PER_PAGE;
		l.to = total > skip ? total - skip : 0;
		l.from = l.to > REVOCATIONS_PER_PAGE ? l.to - REVOCATIONS_PER_PAGE : 0;
		l.n = 0;
		if (rc == 0 && l.to)
			rc = stamp_revocation_each(t, keep_revocation, &l);
		stamp_txn_abort(t);
		l.n = total;
	}
	for (size_t i = l.kept; rc == 0 && i-- > 0;)
		list_revocation(&l, &l.page[i]);
	free(l.page);
	buf_put(b, "</table></div>");
	pages = (l.n + REVOCATIONS_PER_PAGE - 1) / REVOCATIONS_PER_PAGE;
	if (rc)
		top_error(b, stamp_strerror(rc));
	else if (!l.n)
		buf_put(b, "<p>%s</p>", T(r, "Chưa có lần thu hồi nào.", "No revocations yet."));
	else
		buf_put(b, "<p>%zu %s, %s %lu / %lu.", l.n, T(r, "lần thu hồi", "revocations"),
			T(r, "trang", "page"), page, pages ? pages : 1);
	if (!rc && page < pages)
		buf_put(b, " <a href=\"/revoke?page=%lu\">%s</a>", page + 1,
			T(r, "Cũ hơn", "Older"));
	if (!rc && l.n)
		buf_put(b, "</p>");
}

static enum MHD_Result revoke_form(const console_req *r, char (*errs)[ERR_MAX], const char *general,
				   unsigned status)
{
	strbuf b;
	if (buf_init(&b, CONSOLE_PAGE_MAX) != 0)
		return console_answer(r, 500, "text/html", NULL, 0, NULL, NULL);
	console_page_head(r, &b, T(r, "Thu hồi tem", "Revoke stamps"));
	top_error(&b, general);
	buf_put(&b, "<form method=\"post\" action=\"/revoke\">");
	console_csrf_field(r, &b);
	revoke_fields(r, &b, errs);
	buf_put(&b, "<p><button type=\"submit\">%s</button></p></form>",
		T(r, "Xem trước số tem sẽ thu hồi", "Preview how many stamps"));
	revocation_list(r, &b);
	return console_page_end(r, &b, status);
}

static enum MHD_Result revoke_page(console_req *r)
{
	return revoke_form(r, NULL, NULL, MHD_HTTP_OK);
}

/*
 * The form's fields into rv, by the CLI's own rules: 0, or the field errors
 * in errs (nothing else is looked at).
 */
static int revoke_parse(const console_req *r, stamp_revocation *rv, char (*errs)[ERR_MAX])
{
	const struct kind *k = NULL;
	stamp_diag d = {{0}};
	char err[ERR_MAX];
	int bad = 0;
	memset(rv, 0, sizeof *rv);
	for (int f = 0; f < F_N; f++)
		if (console_field_long(r, rfields[f])) {
			snprintf(errs[f], ERR_MAX, T(r, "dài quá %d byte", "longer than %d bytes"),
				 CONSOLE_VALUE_MAX);
			bad = 1;
		}
	if (bad)
		return -1;
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(fval(r, F_KIND), kinds[i].name) == 0)
			k = &kinds[i];
	if (!k) {
		snprintf(errs[F_TARGET], ERR_MAX, "%s",
			 T(r, "hãy chọn thu hồi gì", "choose what to revoke"));
		bad = 1;
	} else if (!*fval(r, F_TARGET)) {
		snprintf(errs[F_TARGET], ERR_MAX, "%s", T(r, "bắt buộc", "required"));
		bad = 1;
	} else if (cli_revoke_target(rv, k->kind, fval(r, F_TARGET), err, sizeof err) != 0) {
		snprintf(errs[F_TARGET], ERR_MAX, "%s", unflag(err));
		bad = 1;
	}
	if (*fval(r, F_FROM)) {
		if (!k || k->kind != STAMP_SCOPE_KEY) {
			snprintf(errs[F_FROM], ERR_MAX, "%s",
				 T(r, "chỉ dùng khi thu hồi theo khóa", "goes with a key only"));
			bad = 1;
		} else if (stamp_date_parse(fval(r, F_FROM), &rv->from) != 0) {
			snprintf(errs[F_FROM], ERR_MAX, "%s",
				 T(r, "cần một ngày YYYY-MM-DD hoặc DD/MM/YYYY",
				   "expected a date as YYYY-MM-DD or DD/MM/YYYY"));
			bad = 1;
		}
	}
	if (stamp_reason_parse(fval(r, F_REASON), &rv->reason, &d) != 0) {
		snprintf(errs[F_REASON], ERR_MAX, "%s", d.msg);
		bad = 1;
	}
	if (stamp_text_clean(fval(r, F_NOTE), rv->note, STAMP_NOTE_MAX, "note", &d) != 0) {
		snprintf(errs[F_NOTE], ERR_MAX, "%s", d.msg);
		bad = 1;
	}
	snprintf(rv->actor, sizeof rv->actor, "%s", r->s->user);
	rv->since = time(NULL);
	return bad ? -1 : 0;
}

static void hidden(const console_req *r, strbuf *b, const char *name)
{
	const char *v = console_field_get(r, name);
	buf_put(b, "<input type=\"hidden\" name=\"%s\" value=\"", name);
	buf_esc(b, v ? v : "");
	buf_put(b, "\">");
}

/* What rv covers, as `stampgen revoke` says it, escaped. */
static void describe_esc(strbuf *b, const stamp_revocation *rv)
{
	char what[256];
	cli_revoke_describe(rv, what, sizeof what);
	buf_esc(b, what);
}

/* The dry run's page: what it covers, how many stamps, and the confirm button. */
static enum MHD_Result revoke_preview(const console_req *r, const stamp_revocation *rv, uint64_t n)
{
	strbuf b;
	if (buf_init(&b, CONSOLE_PAGE_MAX) != 0)
		return console_answer(r, 500, "text/html", NULL, 0, NULL, NULL);
	console_page_head(r, &b, T(r, "Xác nhận thu hồi", "Confirm the revocation"));
	buf_put(&b, "<p id=\"dry-run\">%s <strong id=\"count\">%llu</strong> %s (",
		T(r, "Sẽ thu hồi", "This would revoke"), (unsigned long long)n,
		T(r, "tem đã phát hành", n == 1 ? "issued stamp" : "issued stamps"));
	describe_esc(&b, rv);
	buf_put(&b, "; %s: %s). %s</p>", T(r, "lý do", "reason"),
		T(r, reason_vi[rv->reason], reason_en[rv->reason]),
		T(r, "Chưa có gì được ghi.", "Nothing was written yet."));
	if (rv->note[0]) {
		buf_put(&b, "<p>%s: ", T(r, "Ghi chú", "Note"));
		buf_esc(&b, rv->note);
		buf_put(&b, "</p>");
	}
	buf_put(&b, "<form method=\"post\" action=\"/revoke\">");
	console_csrf_field(r, &b);
	for (int f = 0; f < F_N; f++)
		hidden(r, &b, rfields[f]);
	buf_put(&b,
		"<input type=\"hidden\" name=\"confirm\" value=\"1\"><p><button "
		"type=\"submit\">%s</button> <a href=\"/revoke\">%s</a></p></form>",
		T(r, "Thu hồi", "Revoke"), T(r, "Thôi", "Cancel"));
	return console_page_end(r, &b, MHD_HTTP_OK);
}

static enum MHD_Result revoke_done(const console_req *r, const stamp_revocation *rv, uint64_t n)
{
	strbuf b;
	if (buf_init(&b, CONSOLE_PAGE_MAX) != 0)
		return console_answer(r, 500, "text/html", NULL, 0, NULL, NULL);
	console_page_head(r, &b, T(r, "Đã thu hồi", "Revoked"));
	buf_put(&b, "<p class=\"ok\" role=\"status\" id=\"done\">%s %u: ",
		T(r, "Lần thu hồi", "Revocation"), rv->id);
	describe_esc(&b, rv);
	buf_put(&b, ", %llu %s.</p><p><a href=\"/revoke\">%s</a></p>", (unsigned long long)n,
		T(r, "tem", n == 1 ? "stamp" : "stamps"), T(r, "Các lần thu hồi", "Revocations"));
	return console_page_end(r, &b, MHD_HTTP_OK);
}

/*
 * The count as the dry run gives it, then (confirm) the revocation stored in
 * the same transaction: a target that does not exist is refused by both.
 */
static enum MHD_Result revoke_post(console_req *r)
{
	char errs[F_N][ERR_MAX];
	stamp_revocation rv;
	stamp_diag d = {{0}};
	stamp_txn *t;
	uint64_t n = 0;
	int confirm = console_field_get(r, "confirm") != NULL, rc;
	memset(errs, 0, sizeof errs);
	if (revoke_parse(r, &rv, errs) != 0)
		return revoke_form(
			r, errs, T(r, "Hãy sửa các ô được đánh dấu.", "Correct the marked fields."),
			422);
	if (!confirm) {
		if ((rc = stamp_txn_begin(r->k->st, 0, &t)) == 0) {
			rc = stamp_revocation_count(t, &rv, &n, &d);
			stamp_txn_abort(t);
		}
	} else {
		console_write_begin(r, "console: revoke");
		if ((rc = stamp_txn_begin(r->k->st, 1, &t)) == 0) {
			rc = stamp_revocation_count(t, &rv, &n, &d);
			rc = rc ? rc : stamp_revocation_add(t, &rv, &d);
			if (rc == 0)
				rc = stamp_txn_commit(t, &d);
			else
				stamp_txn_abort(t);
		}
		console_write_end(r);
	}
	if (rc == STAMP_EINPUT || rc == STAMP_ENOTFOUND) {
		snprintf(errs[F_TARGET], ERR_MAX, "%s", d.msg[0] ? d.msg : stamp_strerror(rc));
		return revoke_form(r, errs, T(r, "Không thu hồi được.", "Not revoked."),
				   rc == STAMP_ENOTFOUND ? MHD_HTTP_NOT_FOUND : 422);
	}
	if (rc)
		return revoke_form(r, NULL, d.msg[0] ? d.msg : stamp_strerror(rc), 500);
	return confirm ? revoke_done(r, &rv, n) : revoke_preview(r, &rv, n);
}

/* ---- undoing a revocation --------------------------------------------------------------- */

static int field_u32(const console_req *r, const char *name, uint32_t *out)
{
	const char *v = console_field_get(r, name);
	uint64_t n;
	if (!v || cli_parse_u64(v, 1, UINT32_MAX, &n) != 0)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

static enum MHD_Result undo_post(console_req *r)
{
	stamp_revocation rv;
	stamp_diag d = {{0}};
	char what[256];
	stamp_txn *t;
	uint32_t id;
	strbuf b;
	int rc;
	if (field_u32(r, "id", &id) != 0)
		return console_message(r, 422, T(r, "Hủy thu hồi", "Undo a revocation"),
				       T(r, "Thiếu số của lần thu hồi.", "No revocation number."));
	if ((rc = stamp_txn_begin(r->k->st, 0, &t)) == 0) {
		rc = stamp_revocation_get(t, id, &rv);
		stamp_txn_abort(t);
	}
	if (rc == STAMP_ENOTFOUND)
		return console_message(r, MHD_HTTP_NOT_FOUND,
				       T(r, "Hủy thu hồi", "Undo a revocation"),
				       T(r, "Không có lần thu hồi này.", "No such revocation."));
	if (rc == 0 && rv.undone)
		return console_message(
			r, MHD_HTTP_CONFLICT, T(r, "Hủy thu hồi", "Undo a revocation"),
			T(r, "Lần thu hồi này đã được hủy.", "This revocation is already undone."));
	if (rc == 0 && console_field_get(r, "confirm")) {
		console_write_begin(r, "console: unrevoke");
		if ((rc = stamp_txn_begin(r->k->st, 1, &t)) == 0) {
			rc = stamp_revocation_undo(t, id, time(NULL), r->s->user, &d);
			if (rc == 0)
				rc = stamp_txn_commit(t, &d);
			else
				stamp_txn_abort(t);
		}
		console_write_end(r);
		if (rc == 0)
			return console_redirect(r, "/revoke");
	}
	if (rc)
		return console_message(r, rc == STAMP_EINPUT ? MHD_HTTP_CONFLICT : 500,
				       T(r, "Hủy thu hồi", "Undo a revocation"),
				       d.msg[0] ? d.msg : stamp_strerror(rc));
	cli_revoke_describe(&rv, what, sizeof what);
	if (buf_init(&b, CONSOLE_PAGE_MAX) != 0)
		return console_answer(r, 500, "text/html", NULL, 0, NULL, NULL);
	console_page_head(r, &b, T(r, "Xác nhận hủy thu hồi", "Confirm the undo"));
	buf_put(&b, "<p>%s %u (", T(r, "Hủy lần thu hồi", "Undo revocation"), id);
	buf_esc(&b, what);
	buf_put(&b, "): %s</p><form method=\"post\" action=\"/revoke/undo\">",
		T(r, "các tem này sẽ lại được xác thực như trước.",
		  "its stamps will verify as before."));
	console_csrf_field(r, &b);
	buf_put(&b,
		"<input type=\"hidden\" name=\"id\" value=\"%u\"><input type=\"hidden\" "
		"name=\"confirm\" value=\"1\"><p><button type=\"submit\">%s</button> <a "
		"href=\"/revoke\">%s</a></p></form>",
		id, T(r, "Hủy thu hồi", "Undo"), T(r, "Thôi", "Cancel"));
	return console_page_end(r, &b, MHD_HTTP_OK);
}

/* ---- the audit log ---------------------------------------------------------------------- */

typedef struct auditpage {
	uint64_t total, lo, hi; /* entries lo..hi are shown */
	stamp_audit_entry *e;	/* CONSOLE_PER_PAGE of them */
	size_t n;
} auditpage;

static int count_entry(const stamp_audit_entry *e, void *ctx)
{
	(void)e;
	((auditpage *)ctx)->total++;
	return 0;
}

static int keep_entry(const stamp_audit_entry *e, void *ctx)
{
	auditpage *a = ctx;
	if (e->seq >= a->lo && e->seq <= a->hi && a->n < CONSOLE_PER_PAGE)
		a->e[a->n++] = *e;
	return e->seq >= a->hi; /* the rest are newer than this page */
}

static void audit_rows(const console_req *r, strbuf *b, const auditpage *a)
{
	char at[32];
	buf_put(b,
		"<div class=\"scroll\" tabindex=\"0\"><table id=\"audit\"><tr><th "
		"scope=\"col\">%s</th><th "
		"scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th "
		"scope=\"col\">%s</th><th scope=\"col\">%s</th></tr>",
		T(r, "Số", "No."), T(r, "Thời gian (UTC+7)", "Time (UTC+7)"),
		T(r, "Người dùng hệ thống", "User"), T(r, "Người thực hiện", "Actor"),
		T(r, "Lệnh", "Command"), T(r, "Kết quả", "Result"));
	for (size_t i = a->n; i-- > 0;) {
		const stamp_audit_entry *e = &a->e[i];
		cli_time_vn(e->time, at);
		buf_put(b, "<tr><td>%llu</td><td>%s</td><td>", (unsigned long long)e->seq, at);
		buf_esc(b, e->user);
		buf_put(b, "</td><td>");
		buf_esc(b, e->actor);
		buf_put(b, "</td><td>");
		buf_esc(b, e->what);
		buf_put(b, "</td><td>");
		buf_esc(b, e->result);
		buf_put(b, "</td></tr>");
	}
	buf_put(b, "</table></div>");
}

static enum MHD_Result audit_page(console_req *r)
{
	const char *pg = console_arg(r, "page");
	unsigned long page = pg ? strtoul(pg, NULL, 10) : 1;
	auditpage a = {0};
	char line[1024];
	stamp_diag d = {{0}};
	stamp_txn *t;
	strbuf b;
	int vrc = -1, rc;
	if (page < 1 || page > 10000000)
		page = 1;
	if (!(a.e = calloc(CONSOLE_PER_PAGE, sizeof *a.e)) || buf_init(&b, CONSOLE_PAGE_MAX) != 0) {
		free(a.e);
		return console_answer(r, 500, "text/html", NULL, 0, NULL, NULL);
	}
	if ((rc = stamp_txn_begin(r->k->st, 0, &t)) == 0) {
		vrc = cli_audit_verify(t, line, sizeof line, &d);
		rc = stamp_audit_each(t, 0, count_entry, &a);
		uint64_t skip = (uint64_t)(page - 1) * CONSOLE_PER_PAGE;
		if (rc == 0 && skip < a.total) {
			a.hi = a.total - skip;
			a.lo = a.hi > CONSOLE_PER_PAGE ? a.hi - CONSOLE_PER_PAGE + 1 : 1;
			rc = stamp_audit_each(t, 0, keep_entry, &a);
		}
		stamp_txn_abort(t);
	}
	console_page_head(r, &b, T(r, "Nhật ký thay đổi", "Audit log"));
	if (vrc == 0) {
		buf_put(&b, "<p class=\"ok\" id=\"verify\" role=\"status\">%s ",
			T(r, "Nhật ký nguyên vẹn (hãy ghi lại mã đầu chuỗi ở nơi khác):",
			  "The log is intact (write the head down elsewhere):"));
		buf_esc(&b, line);
		buf_put(&b, "</p>");
	} else if (vrc == STAMP_ECORRUPT) {
		buf_put(&b, "<p class=\"err\" id=\"verify\" role=\"alert\">%s ",
			T(r, "Nhật ký đã bị sửa hoặc xóa:", "The log was altered or cut:"));
		buf_esc(&b, line);
		buf_put(&b, "</p>");
	} else {
		top_error(&b, d.msg[0] ? d.msg : stamp_strerror(rc ? rc : vrc));
	}
	audit_rows(r, &b, &a);
	buf_put(&b, "<p>%llu %s, %s %lu.", (unsigned long long)a.total, T(r, "mục", "entries"),
		T(r, "trang", "page"), page);
	if (page > 1)
		buf_put(&b, " <a href=\"?page=%lu\">%s</a>", page - 1,
			T(r, "Trang trước", "Previous page"));
	if (a.lo > 1)
		buf_put(&b, " <a href=\"?page=%lu\">%s</a>", page + 1,
			T(r, "Trang sau", "Next page"));
	buf_put(&b, "</p>");
	if (rc)
		top_error(&b, stamp_strerror(rc));
	free(a.e);
	return console_page_end(r, &b, MHD_HTTP_OK);
}

/* ---- keys --------------------------------------------------------------------------------- */

typedef struct keyctx {
	const console_req *r;
	strbuf *b;
	uint32_t today;
	size_t n;
} keyctx;

static int list_key(const stamp_keyrec *k, void *ctx)
{
	keyctx *c = ctx;
	const console_req *r = c->r;
	char id[9], from[11], until[11], hex[2 * STAMP_PK_BYTES + 1];
	stamp_key_id_format(k->id, id);
	stamp_date_format(k->valid_from, from);
	stamp_date_format(k->valid_until, until);
	sodium_bin2hex(hex, sizeof hex, k->pk, STAMP_PK_BYTES);
	c->n++;
	const char *state =
		k->valid_from && k->valid_from > c->today ? T(r, "chưa đến hạn", "not yet valid")
		: k->valid_until && k->valid_until < c->today ? T(r, "đã ngừng ký", "retired")
		: k->valid_until			      ? T(r, "sẽ ngừng ký", "retiring")
							      : T(r, "đang dùng", "active");
	buf_put(c->b, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>", id,
		from[0] ? from : "-", until[0] ? until : "-", state);
	buf_esc(c->b, k->label);
	buf_put(c->b, "</td><td><code>%s</code></td><td>", hex);
	if (!k->valid_until || k->valid_until >= c->today) {
		buf_put(c->b, "<form method=\"post\" action=\"/keys/retire\">");
		console_csrf_field(r, c->b);
		buf_put(c->b,
			"<input type=\"hidden\" name=\"id\" value=\"%s\"><label "
			"for=\"on-%s\">%s</label> <input id=\"on-%s\" name=\"on\" size=\"10\" "
			"placeholder=\"YYYY-MM-DD\"> <button type=\"submit\">%s</button></form>",
			id, id, T(r, "Ngừng ký sau ngày", "Stop signing after"), id,
			T(r, "Ngừng dùng…", "Retire…"));
	}
	buf_put(c->b, "</td></tr>");
	return 0;
}

static enum MHD_Result keys_list(const console_req *r, const char *msg, unsigned status)
{
	keyctx c = {r, NULL, stamp_date_from_unix(time(NULL)), 0};
	stamp_txn *t;
	strbuf b;
	if (buf_init(&b, CONSOLE_PAGE_MAX) != 0)
		return console_answer(r, 500, "text/html", NULL, 0, NULL, NULL);
	c.b = &b;
	console_page_head(r, &b, T(r, "Khóa ký", "Signing keys"));
	top_error(&b, msg);
	buf_put(&b,
		"<div class=\"scroll\" tabindex=\"0\"><table id=\"keys\"><tr><th "
		"scope=\"col\">%s</th><th "
		"scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th "
		"scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr>",
		T(r, "Mã khóa", "Key id"), T(r, "Ký từ ngày", "Valid from"),
		T(r, "Ký đến ngày", "Valid until"), T(r, "Trạng thái", "State"),
		T(r, "Nhãn", "Label"), T(r, "Khóa công khai", "Public key"),
		T(r, "Thao tác", "Action"));
	int rc = stamp_txn_begin(r->k->st, 0, &t);
	if (rc == 0) {
		rc = stamp_store_each_key(t, list_key, &c);
		stamp_txn_abort(t);
	}
	buf_put(&b, "</table></div>");
	if (rc)
		top_error(&b, stamp_strerror(rc));
	else if (!c.n)
		buf_put(&b, "<p>%s</p>",
			T(r, "Chưa có khóa nào (stampgen keygen).",
			  "No keys yet (stampgen keygen)."));
	return console_page_end(r, &b, status);
}

static enum MHD_Result keys_page(console_req *r)
{
	return keys_list(r, NULL, MHD_HTTP_OK);
}

/* A key stops signing after a date, as `stampgen key retire` does: confirmed first. */
static enum MHD_Result retire_post(console_req *r)
{
	const char *ids = console_field_get(r, "id"), *ons = console_field_get(r, "on");
	uint8_t id[STAMP_KEYID_BYTES];
	uint32_t on = stamp_date_from_unix(time(NULL));
	stamp_diag d = {{0}};
	stamp_keyrec k;
	char day[11], kid[9];
	stamp_txn *t;
	strbuf b;
	int rc;
	if (!ids || stamp_key_id_parse(ids, id) != 0)
		return keys_list(
			r, T(r, "Mã khóa phải gồm 8 chữ số hex.", "A key id is 8 hex digits."),
			422);
	if (ons && *ons && stamp_date_parse(ons, &on) != 0)
		return keys_list(r,
				 T(r, "Ngày phải là YYYY-MM-DD hoặc DD/MM/YYYY.",
				   "The date must be YYYY-MM-DD or DD/MM/YYYY."),
				 422);
	if ((rc = stamp_txn_begin(r->k->st, 0, &t)) == 0) {
		rc = stamp_store_get_key(t, id, &k);
		stamp_txn_abort(t);
	}
	if (rc == STAMP_ENOTFOUND)
		return keys_list(r, T(r, "Không có khóa này.", "No such key."), MHD_HTTP_NOT_FOUND);
	stamp_key_id_format(id, kid);
	stamp_date_format(on, day);
	if (rc == 0 && console_field_get(r, "confirm")) {
		console_write_begin(r, "console: key retire");
		if ((rc = stamp_txn_begin(r->k->st, 1, &t)) == 0) {
			rc = stamp_store_retire_key(t, id, on, &d);
			rc = rc ? (stamp_txn_abort(t), rc) : stamp_txn_commit(t, &d);
		}
		console_write_end(r);
		if (rc == 0)
			return console_redirect(r, "/keys");
	}
	if (rc)
		return keys_list(r, d.msg[0] ? d.msg : stamp_strerror(rc),
				 rc == STAMP_EINPUT ? 422 : 500);
	if (buf_init(&b, CONSOLE_PAGE_MAX) != 0)
		return console_answer(r, 500, "text/html", NULL, 0, NULL, NULL);
	console_page_head(r, &b, T(r, "Xác nhận ngừng dùng khóa", "Confirm retiring the key"));
	buf_put(&b, "<p>%s %s %s %s. %s</p><form method=\"post\" action=\"/keys/retire\">",
		T(r, "Khóa", "Key"), kid, T(r, "sẽ không ký được sau ngày", "may not sign after"),
		day,
		T(r, "Các tem nó đã ký vẫn là tem thật.", "The stamps it signed stay genuine."));
	console_csrf_field(r, &b);
	buf_put(&b,
		"<input type=\"hidden\" name=\"id\" value=\"%s\"><input type=\"hidden\" "
		"name=\"on\" value=\"%s\"><input type=\"hidden\" name=\"confirm\" "
		"value=\"1\"><p><button type=\"submit\">%s</button> <a "
		"href=\"/keys\">%s</a></p></form>",
		kid, day, T(r, "Ngừng dùng khóa", "Retire the key"), T(r, "Thôi", "Cancel"));
	return console_page_end(r, &b, MHD_HTTP_OK);
}

const console_route console_lifecycle_routes[] = {
	{"GET", "/revoke", CONSOLE_OFFICER, revoke_page},
	{"POST", "/revoke", CONSOLE_OFFICER, revoke_post},
	{"POST", "/revoke/undo", CONSOLE_OFFICER, undo_post},
	{"GET", "/audit", CONSOLE_OFFICER, audit_page},
	{"GET", "/keys", CONSOLE_ADMIN, keys_page},
	{"POST", "/keys/retire", CONSOLE_ADMIN, retire_post},
	{NULL, NULL, 0, NULL},
};
