/*
 * console_users.c - Tài khoản: signing in with an officer's account (POST
 * /login) and the admin's page of accounts (/users: the list, an add form,
 * a new password, disable and enable). The accounts themselves are libstamp's (user.h), the
 * same code as `stampgen user`.
 *
 * Guessing is slowed twice: each try costs an Argon2id check (an unknown
 * name too, against a dummy hash), and failures lock a name after 5 in a
 * row, and a client address after 20, for 15 minutes. The lock-out lives in
 * memory (a restart clears it, which needs the workstation anyway); a try
 * while locked counts as a failure and is answered "locked" without checking
 * the password, so a locked name tells nothing more. The one message for a
 * wrong name or a wrong password does not tell which was wrong.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "console.h"

#define LOCK_NAME_FAILS 5
#define LOCK_ADDR_FAILS 20
#define LOCK_S (15 * 60)
#define LOCK_SLOTS 256 /* names and addresses remembered; the oldest is forgotten */

/* ---- the lock-out ------------------------------------------------------------------- */

typedef struct failures {
	char key[72]; /* "n:" name or "a:" address; "" free */
	unsigned count;
	time_t last, until;
} failures;

static failures slots[LOCK_SLOTS];
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * The slot of key, made when absent in place of the oldest slot not locked
 * (of the oldest of all when every one is); a lock that ended is reset.
 */
static failures *slot_of(const char *key, time_t now)
{
	failures *f = NULL, *victim = NULL;
	for (int i = 0; i < LOCK_SLOTS && !f; i++) {
		failures *s = &slots[i];
		int free_s = s->until <= now, free_v = victim && victim->until <= now;
		if (strcmp(s->key, key) == 0)
			f = s;
		else if (!victim || (free_s && !free_v) ||
			 (free_s == free_v && s->last < victim->last))
			victim = s;
	}
	if (!f) {
		f = victim;
		memset(f, 0, sizeof *f);
		snprintf(f->key, sizeof f->key, "%s", key);
		f->last = now;
	}
	if (f->until && now >= f->until)
		f->count = 0, f->until = 0;
	return f;
}

static void keys_of(const char *name, const char *addr, char nk[72], char ak[72])
{
	snprintf(nk, 72, "n:%.64s", name);
	snprintf(ak, 72, "a:%.64s", addr);
}

/* Whether name or addr is locked; a try while locked counts as a failure. */
static int locked(const char *name, const char *addr)
{
	char nk[72], ak[72];
	time_t now = time(NULL);
	keys_of(name, addr, nk, ak);
	pthread_mutex_lock(&slots_lock);
	failures *n = slot_of(nk, now), *a = slot_of(ak, now);
	int yes = n->until > now || a->until > now;
	if (yes) {
		n->count++, a->count++;
		n->last = a->last = now;
	}
	pthread_mutex_unlock(&slots_lock);
	return yes;
}

/* One more failure of name from addr (locking either at its bound), or a success. */
static void record(const char *name, const char *addr, int failed)
{
	char nk[72], ak[72];
	time_t now = time(NULL);
	keys_of(name, addr, nk, ak);
	pthread_mutex_lock(&slots_lock);
	failures *n = slot_of(nk, now), *a = slot_of(ak, now);
	n->last = a->last = now;
	if (!failed) { /* the right password, not locked: both start again */
		n->count = 0, a->count = 0;
	} else {
		if (++n->count >= LOCK_NAME_FAILS && !n->until)
			n->until = now + LOCK_S;
		if (++a->count >= LOCK_ADDR_FAILS && !a->until)
			a->until = now + LOCK_S;
	}
	pthread_mutex_unlock(&slots_lock);
}

static void client_address(const console_req *r, char out[INET6_ADDRSTRLEN])
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	snprintf(out, INET6_ADDRSTRLEN, "?");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
			  INET6_ADDRSTRLEN);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			  out, INET6_ADDRSTRLEN);
	/* behind the TLS proxy (--origin) on this computer, the proxy names the client */
	const char *real = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Real-IP");
	unsigned char ip[16];
	if (r->k->proxied && strncmp(out, "127.", 4) == 0 && real &&
	    (inet_pton(AF_INET, real, ip) == 1 || inet_pton(AF_INET6, real, ip) == 1))
		snprintf(out, INET6_ADDRSTRLEN, "%s", real);
}

/* ---- signing in ------------------------------------------------------------------------ */

static int count_enabled(console *k, size_t *n)
{
	stamp_txn *t;
	int rc = stamp_txn_begin(k->st, 0, &t);
	if (rc == 0) {
		rc = stamp_user_count_enabled(t, n);
		stamp_txn_abort(t);
	}
	return rc;
}

int console_accounts(console *k)
{
	size_t n = 0;
	return count_enabled(k, &n) == 0 && n > 0;
}

int console_account_live(console *k, const char *user)
{
	stamp_user u;
	stamp_txn *t;
	int rc = stamp_txn_begin(k->st, 0, &t);
	if (rc == 0) {
		rc = stamp_user_get(t, user, &u);
		stamp_txn_abort(t);
	}
	/* no such account: the one-time code's session; a store that cannot be read: none */
	int live = rc == STAMP_ENOTFOUND || (rc == 0 && !u.disabled);
	sodium_memzero(&u, sizeof u);
	return live;
}

static enum MHD_Result login(console_req *r)
{
	const char *name = console_field_get(r, "user"), *pass = console_field_get(r, "password");
	char addr[INET6_ADDRSTRLEN];
	stamp_user u;
	stamp_diag d = {{0}};
	stamp_txn *t;
	if (!name || !pass || !*name || !*pass)
		return console_login_page(r, 422,
					  "Nhập tên đăng nhập và mật khẩu. / Enter the user name "
					  "and the password.");
	client_address(r, addr);
	if (locked(name, addr))
		return console_login_page(
			r, MHD_HTTP_TOO_MANY_REQUESTS,
			"Tạm khóa sau nhiều lần đăng nhập sai; thử lại sau 15 "
			"phút. / Locked after too many failed sign-ins; try again "
			"in 15 minutes.");
	int rc = stamp_txn_begin(r->k->st, 0, &t);
	if (rc == 0) {
		rc = stamp_user_verify(t, name, pass, strlen(pass), &u, &d);
		stamp_txn_abort(t);
	}
	record(name, addr, rc != 0);
	if (rc == STAMP_EINPUT)
		return console_login_page(r, MHD_HTTP_FORBIDDEN,
					  "Tài khoản này đã bị vô hiệu hóa. / This account is "
					  "disabled.");
	if (rc == STAMP_EPASSPHRASE)
		return console_login_page(r, MHD_HTTP_FORBIDDEN,
					  "Sai tên đăng nhập hoặc mật khẩu. / Wrong user name or "
					  "password.");
	if (rc)
		return console_login_page(r, MHD_HTTP_INTERNAL_SERVER_ERROR, stamp_strerror(rc));
	enum MHD_Result ret = console_sign_in(
		r, u.name, u.role == STAMP_ROLE_ADMIN ? CONSOLE_ADMIN : CONSOLE_OFFICER);
	sodium_memzero(&u, sizeof u);
	return ret;
}

/* ---- the accounts page ------------------------------------------------------------------ */

/* The fields of the two forms: an account added, a password set anew. */
enum { F_NAME, F_ROLE, F_PASS, F_PASS2, F_PWUSER, F_NEWPASS, F_NEWPASS2, F_COUNT };
static const char *const ids[F_COUNT] = {"name",   "role",    "password", "password2",
					 "pwuser", "newpass", "newpass2"};

typedef struct users_list {
	const console_req *r;
	strbuf *b;
} users_list;

static int user_row(const stamp_user *u, void *ctx)
{
	users_list *l = ctx;
	const console_req *r = l->r;
	char when[32] = "-";
	time_t t = (time_t)u->created;
	struct tm tm;
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
	buf_put(l->b, "<tr><td>");
	buf_esc(l->b, u->name);
	buf_put(l->b, "</td><td>%s</td><td>%s</td><td>%s</td><td>",
		u->role == STAMP_ROLE_ADMIN ? T(r, "quản trị", "admin") : T(r, "cán bộ", "officer"),
		u->disabled ? T(r, "vô hiệu", "disabled") : T(r, "hoạt động", "enabled"), when);
	buf_put(l->b, "<form class=\"inline\" method=\"post\" action=\"/users/%s\">",
		u->disabled ? "enable" : "disable");
	console_csrf_field(r, l->b);
	buf_put(l->b, "<input type=\"hidden\" name=\"user\" value=\"");
	buf_esc(l->b, u->name);
	buf_put(l->b, "\"><button type=\"submit\">%s</button></form></td></tr>",
		u->disabled ? T(r, "Cho hoạt động lại", "Enable") : T(r, "Vô hiệu hóa", "Disable"));
	return 0;
}

static void field_error(strbuf *b, const char *err)
{
	if (err && *err) {
		buf_put(b, " <span class=\"err\">");
		buf_esc(b, err);
		buf_put(b, "</span>");
	}
}

#define INVALID(i) (errs && errs[i][0] ? " aria-invalid=\"true\"" : "")

/* Field i of a form: its label, the value given back (text) or none (password), its error. */
static void input(strbuf *b, const console_req *r, char (*errs)[sizeof(stamp_diag)], int i,
		  const char *label, int password)
{
	const char *v = r->post && errs && !password ? console_field_get(r, ids[i]) : NULL;
	buf_put(b, "<p><label for=\"%s\">%s</label><br><input id=\"%s\" name=\"%s\" ", ids[i],
		label, ids[i], ids[i]);
	if (password)
		buf_put(b, "type=\"password\" autocomplete=\"new-password\"");
	else {
		buf_put(b, "autocomplete=\"off\" value=\"");
		buf_esc(b, v ? v : "");
		buf_put(b, "\"");
	}
	buf_put(b, "%s>", INVALID(i));
	field_error(b, errs ? errs[i] : NULL);
	buf_put(b, "</p>");
}

/* The list and the two forms, with the values given and each field's error (errs may be NULL). */
static enum MHD_Result users_form(console_req *r, char (*errs)[sizeof(stamp_diag)],
				  const char *general, unsigned status)
{
	const char *role = r->post && errs ? console_field_get(r, "role") : NULL;
	const char *pass_label = T(r, "Mật khẩu (10 đến 128 byte)", "Password (10 to 128 bytes)");
	const char *again_label = T(r, "Nhập lại mật khẩu", "The password again");
	strbuf b;
	stamp_txn *t;
	if (buf_init(&b, CONSOLE_PAGE_MAX) != 0)
		return console_answer(r, 500, "text/html", NULL, 0, NULL, NULL);
	console_page_head(r, &b, T(r, "Tài khoản", "Accounts"));
	if (general && *general) {
		buf_put(&b, "<p class=\"err\" role=\"alert\">");
		buf_esc(&b, general);
		buf_put(&b, "</p>");
	}
	buf_put(&b,
		"<div class=\"scroll\"><table><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
		"<th>%s</th></tr>",
		T(r, "Tên đăng nhập", "User name"), T(r, "Vai trò", "Role"),
		T(r, "Trạng thái", "State"), T(r, "Tạo lúc", "Created"),
		T(r, "Thao tác", "Action"));
	users_list l = {r, &b};
	int rc = stamp_txn_begin(r->k->st, 0, &t);
	if (rc == 0) {
		rc = stamp_user_each(t, user_row, &l);
		stamp_txn_abort(t);
	}
	buf_put(&b, "</table></div>");
	if (rc)
		buf_put(&b, "<p role=\"alert\">%s</p>",
			T(r, "Không đọc được kho dữ liệu.", "Cannot read the store."));
	buf_put(&b, "<h2>%s</h2><form method=\"post\" action=\"/users/new\">",
		T(r, "Thêm tài khoản", "Add an account"));
	console_csrf_field(r, &b);
	input(&b, r, errs, F_NAME,
	      T(r, "Tên đăng nhập (a-z, 0-9, . _ -)", "User name (a-z, 0-9, . _ -)"), 0);
	int admin = role && strcmp(role, "admin") == 0;
	buf_put(&b,
		"<p><label for=\"role\">%s</label><br><select id=\"role\" name=\"role\"%s>"
		"<option value=\"officer\"%s>%s</option><option value=\"admin\"%s>%s</option>"
		"</select>",
		T(r, "Vai trò", "Role"), INVALID(F_ROLE), admin ? "" : " selected",
		T(r, "cán bộ", "officer"), admin ? " selected" : "", T(r, "quản trị", "admin"));
	field_error(&b, errs ? errs[F_ROLE] : NULL);
	buf_put(&b, "</p>");
	input(&b, r, errs, F_PASS, pass_label, 1);
	input(&b, r, errs, F_PASS2, again_label, 1);
	buf_put(&b, "<p><button type=\"submit\">%s</button></p></form>", T(r, "Thêm", "Add"));
	buf_put(&b, "<h2>%s</h2><form method=\"post\" action=\"/users/passwd\">",
		T(r, "Đặt mật khẩu mới", "Set a new password"));
	console_csrf_field(r, &b);
	input(&b, r, errs, F_PWUSER, T(r, "Tên đăng nhập", "User name"), 0);
	input(&b, r, errs, F_NEWPASS, pass_label, 1);
	input(&b, r, errs, F_NEWPASS2, again_label, 1);
	buf_put(&b, "<p><button type=\"submit\">%s</button></p></form>",
		T(r, "Đặt mật khẩu", "Set the password"));
	return console_page_end(r, &b, status);
}
#undef INVALID

static enum MHD_Result users_page(console_req *r)
{
	return users_form(r, NULL, NULL, MHD_HTTP_OK);
}

/* One change of an account. */
enum { CH_ADD, CH_PASSWD, CH_STATE };
typedef struct user_change {
	int op; /* CH_* */
	const char *name;
	int role;	  /* CH_ADD */
	const char *pass; /* CH_ADD, CH_PASSWD */
	int disabled;	  /* CH_STATE */
} user_change;

/*
 * The change in one write transaction on behalf of the session. A disabled
 * account's sessions end before the write lock is let go, and so do those of
 * an account given a new password (whoever used the old one is out).
 */
static int write_user(const console_req *r, const char *what, const user_change *ch, stamp_diag *d)
{
	stamp_txn *t;
	int rc;
	console_write_begin(r, what);
	if ((rc = stamp_txn_begin(r->k->st, 1, &t)) == 0) {
		if (ch->op == CH_ADD)
			rc = stamp_user_add(t, ch->name, ch->role, ch->pass, strlen(ch->pass),
					    time(NULL), d);
		else if (ch->op == CH_PASSWD)
			rc = stamp_user_set_password(t, ch->name, ch->pass, strlen(ch->pass), d);
		else
			rc = stamp_user_set_disabled(t, ch->name, ch->disabled, d);
		if (rc == 0)
			rc = stamp_txn_commit(t, d);
		else
			stamp_txn_abort(t);
	}
	if (rc == 0 && (ch->op == CH_PASSWD || (ch->op == CH_STATE && ch->disabled)))
		console_end_sessions_of(r->k, ch->name);
	console_write_end(r);
	return rc;
}

/*
 * The password fields pass and pass2 (of errs) for name: libstamp's rule
 * beside the first, a mismatch beside the second; 1 when either is bad.
 */
static int password_errors(const console_req *r, char (*errs)[sizeof(stamp_diag)], const char *name,
			   int pass, int pass2)
{
	const char *p = console_field_get(r, ids[pass]), *p2 = console_field_get(r, ids[pass2]);
	stamp_diag d = {{0}};
	if (console_field_long(r, ids[pass]))
		snprintf(errs[pass], sizeof errs[pass], "the password is longer than %d bytes",
			 STAMP_USER_PASS_MAX);
	else if (stamp_user_check_password(name, p ? p : "", p ? strlen(p) : 0, &d) != 0)
		snprintf(errs[pass], sizeof errs[pass], "%s", d.msg);
	else if (!p2 || strcmp(p, p2) != 0)
		snprintf(errs[pass2], sizeof errs[pass2], "%s",
			 T(r, "hai mật khẩu khác nhau", "the two passwords differ"));
	else
		return 0;
	return 1;
}

/*
 * libstamp's own rules, field by field (the name's, the password's), then
 * the store's (a taken name): any problem shows the form again with it
 * beside its field, and nothing is written. The passwords stay in the
 * frame's wiped memory; no copy is made.
 */
static enum MHD_Result user_add(console_req *r)
{
	char errs[F_COUNT][sizeof(stamp_diag)];
	const char *name = console_field_get(r, "name");
	int role = stamp_user_role_parse(console_field_get(r, "role"));
	stamp_diag d = {{0}};
	int bad = 0, rc;
	memset(errs, 0, sizeof errs);
	if (!name)
		name = "";
	if (stamp_user_check_name(name, &d) != 0)
		bad = snprintf(errs[F_NAME], sizeof errs[F_NAME], "%s", d.msg) > 0;
	if (!role)
		bad = snprintf(errs[F_ROLE], sizeof errs[F_ROLE], "%s",
			       T(r, "chọn cán bộ hoặc quản trị", "choose officer or admin")) > 0;
	if (password_errors(r, errs, name, F_PASS, F_PASS2) || bad)
		return users_form(
			r, errs, T(r, "Hãy sửa các ô được đánh dấu.", "Correct the marked fields."),
			422);
	user_change ch = {CH_ADD, name, role, console_field_get(r, "password"), 0};
	rc = write_user(r, "console: user add", &ch, &d);
	if (rc == STAMP_EEXIST) {
		snprintf(errs[F_NAME], sizeof errs[F_NAME], "%s", d.msg);
		return users_form(r, errs,
				  T(r, "Không lưu: tên đã có.", "Not saved: the name is taken."),
				  409);
	}
	if (rc == STAMP_EINPUT)
		return users_form(r, errs, d.msg, 422);
	if (rc)
		return users_form(r, errs, d.msg[0] ? d.msg : stamp_strerror(rc), 500);
	return console_redirect(r, "/users");
}

/* A new password for an account (the same rules), its sessions ended. */
static enum MHD_Result user_passwd(console_req *r)
{
	char errs[F_COUNT][sizeof(stamp_diag)];
	const char *name = console_field_get(r, "pwuser");
	stamp_diag d = {{0}};
	memset(errs, 0, sizeof errs);
	if (!name)
		name = "";
	if (password_errors(r, errs, name, F_NEWPASS, F_NEWPASS2))
		return users_form(
			r, errs, T(r, "Hãy sửa các ô được đánh dấu.", "Correct the marked fields."),
			422);
	user_change ch = {CH_PASSWD, name, 0, console_field_get(r, "newpass"), 0};
	int rc = write_user(r, "console: user passwd", &ch, &d);
	if (rc == STAMP_ENOTFOUND || rc == STAMP_EINPUT) {
		snprintf(errs[F_PWUSER], sizeof errs[F_PWUSER], "%s", d.msg);
		return users_form(r, errs, T(r, "Không lưu.", "Not saved."),
				  rc == STAMP_ENOTFOUND ? MHD_HTTP_NOT_FOUND : 422);
	}
	if (rc)
		return users_form(r, errs, d.msg[0] ? d.msg : stamp_strerror(rc), 500);
	return console_redirect(r, "/users");
}

/* Disable or enable the posted account; disabling ends its sessions at once. */
static enum MHD_Result user_state(console_req *r, int disabled)
{
	const char *name = console_field_get(r, "user");
	stamp_diag d = {{0}};
	int rc;
	if (!name || !*name)
		return users_form(r, NULL, T(r, "Không có tài khoản.", "No account named."), 422);
	user_change ch = {CH_STATE, name, 0, NULL, disabled};
	rc = write_user(r, disabled ? "console: user disable" : "console: user enable", &ch, &d);
	if (rc == STAMP_ENOTFOUND)
		return users_form(r, NULL, d.msg, MHD_HTTP_NOT_FOUND);
	if (rc)
		return users_form(r, NULL, d.msg[0] ? d.msg : stamp_strerror(rc), 500);
	return console_redirect(r, "/users");
}

static enum MHD_Result user_disable(console_req *r)
{
	return user_state(r, 1);
}

static enum MHD_Result user_enable(console_req *r)
{
	return user_state(r, 0);
}

const console_route console_users_routes[] = {
	{"POST", "/login", 0, login},
	{"GET", "/users", CONSOLE_ADMIN, users_page},
	{"POST", "/users/new", CONSOLE_ADMIN, user_add},
	{"POST", "/users/passwd", CONSOLE_ADMIN, user_passwd},
	{"POST", "/users/disable", CONSOLE_ADMIN, user_disable},
	{"POST", "/users/enable", CONSOLE_ADMIN, user_enable},
	{NULL, NULL, 0, NULL},
};
