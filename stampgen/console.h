/*
 * console.h - what the pages of `stampgen console` share (console.c): the
 * session, the request as a page sees it (its form fields, its upload), the
 * frame of every page (head, navigation, the language switch), the answers
 * (HTML, files, redirects) and the store's write lock.
 *
 * One module per part of the officers' job registers its routes:
 *   console_overview.c  Tổng quan (counts, last batches, scans charts)
 *   console_registry.c  Hợp tác xã, Sản phẩm (lists, forms, detail pages)
 *   console_import.c    their uploads from Excel (staged, previewed, imported)
 *   console_issue.c     Phát hành tem (the issue form, the jobs)
 *   console_batch.c     Lô tem (the batches, downloads, stages)
 *   console_lifecycle.c Thu hồi, Nhật ký, Khóa (revoke, audit, keys)
 *   console_users.c     Tài khoản (accounts, the login form)
 * A page returns what console_page_end or a console_answer gave it.
 */
#ifndef STAMPGEN_CONSOLE_H
#define STAMPGEN_CONSOLE_H

#include <microhttpd.h>
#include <pthread.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "cli.h"

#define CONSOLE_ID_HEX 65 /* 32 random bytes as hex, NUL */
#define CONSOLE_SESSIONS_MAX 64
#define CONSOLE_IDLE_S (30 * 60)
#define CONSOLE_PAGE_MAX (1024 * 1024) /* bytes of one HTML page */
#define CONSOLE_PER_PAGE 20	       /* rows of a list page */
#define CONSOLE_FIELDS_MAX 32	       /* fields of one form */
#define CONSOLE_VALUE_MAX 1024	       /* bytes of one field's value; longer is marked long */
#define CONSOLE_FORM_MAX 65536	       /* bytes of a form without a file */
#define CONSOLE_UPLOAD_MAX (8u << 20)  /* bytes of an uploaded file; more: 413 */

enum { CONSOLE_OFFICER = 1, CONSOLE_ADMIN = 2 };

typedef struct console_session {
	char id[CONSOLE_ID_HEX], csrf[CONSOLE_ID_HEX];
	char user[STAMP_SHORT_MAX + 1]; /* the signed-in name: the audit log's actor */
	int role;			/* CONSOLE_OFFICER or CONSOLE_ADMIN */
	int english;			/* pages in English */
	time_t last;
} console_session;

typedef struct console {
	cli *c;
	stamp_store *st;
	const char *scans_dir;	    /* --scans DIR, or NULL */
	const char *key_file;	    /* --key FILE.key, or NULL: read only to issue */
	const char *out_dir;	    /* --out DIR: the batch folders, DIR/batch-N */
	int loopback;		    /* on 127.x without --no-token: the one-time token signs in */
	char token[CONSOLE_ID_HEX]; /* "" once used */
	char origin[64];	    /* http://ADDR:PORT, or --origin (the address behind a proxy) */
	int proxied;		    /* --origin given: a proxy on loopback names the client */
	int secure;		    /* the origin is https: cookies are Secure */
	char csp[256];
	char os_user[STAMP_SHORT_MAX + 1];
	console_session s[CONSOLE_SESSIONS_MAX];
	pthread_mutex_t lock;  /* the sessions and the token */
	pthread_mutex_t wlock; /* one writer of the store at a time, with its identity */
	void *issue;	       /* console_issue.c's state (its jobs) */
} console;

typedef struct console_field {
	char key[64];
	char val[CONSOLE_VALUE_MAX + 2]; /* one byte over the bound: the value is too long */
} console_field;

/* A request as its page sees it. */
typedef struct console_req {
	console *k;
	struct MHD_Connection *conn;
	const char *url;
	int post;
	console_session *s; /* a copy of the session; NULL on the login pages */
	/* a POST's fields, in the order sent (sodium_malloc'd: may hold a passphrase) */
	size_t nfields;
	console_field *f;
	/* a multipart POST's one file: its field name, the name it had, its bytes */
	char file_field[64], file_name[256];
	char *file;
	size_t file_len;
} console_req;

/* Vietnamese, or English when the session asked for it. */
#define T(r, vi, en) ((r)->s && (r)->s->english ? (en) : (vi))

/* A GET argument (NULL when absent), a POST field (NULL when absent). */
const char *console_arg(const console_req *r, const char *name);
const char *console_field_get(const console_req *r, const char *name);
/* A field longer than CONSOLE_VALUE_MAX (it was cut). */
int console_field_long(const console_req *r, const char *name);

/*
 * The page's frame: the doctype, the head (CSP-hashed stylesheet), the
 * navigation for the signed-in session (with the sign-out and the language
 * switch) and the title as h1. console_page_end closes it and answers with
 * status (the text of a page that did not fit is a 500).
 */
void console_page_head(const console_req *r, strbuf *b, const char *title);
enum MHD_Result console_page_end(const console_req *r, strbuf *b, unsigned status);
/* A whole page saying one thing (escaped), e.g. for a 404 or a refusal. */
enum MHD_Result console_message(const console_req *r, unsigned status, const char *title,
				const char *msg);
/* The session's CSRF token as a hidden field of a form. */
void console_csrf_field(const console_req *r, strbuf *b);

/*
 * Answer body (malloc'd; freed here, NULL: out of memory) as type, with the
 * console's security headers; cookie and location may be NULL.
 */
enum MHD_Result console_answer(const console_req *r, unsigned status, const char *type, char *body,
			       size_t len, const char *cookie, const char *location);
/* 303 to where (a path of ours). */
enum MHD_Result console_redirect(const console_req *r, const char *where);
/*
 * The file at path as a download named name (type e.g. "application/pdf"),
 * or 404 when it cannot be opened.
 */
enum MHD_Result console_send_file(const console_req *r, const char *path, const char *type,
				  const char *name);

/*
 * A write of the store on behalf of the session: holds the write lock and
 * names the session's user as the audit log's actor and what as the
 * command. Every store write of a page sits between the two calls.
 */
void console_write_begin(const console_req *r, const char *what);
void console_write_end(const console_req *r);
/* The same for a job's thread, which has no request: user is the actor. */
void console_write_begin_as(console *k, const char *user, const char *what);
void console_write_end_as(console *k);

/*
 * Sign in as user with role (a new session, its cookie) and 303 to /; the
 * login page with a 503 when all sessions are taken.
 */
enum MHD_Result console_sign_in(const console_req *r, const char *user, int role);
/* The login page (the one-time code's note, the accounts' form), msg may be NULL. */
enum MHD_Result console_login_page(const console_req *r, unsigned status, const char *msg);
/* End every session of user at once (its account was disabled). */
void console_end_sessions_of(console *k, const char *user);
/* console_users.c: whether an enabled account exists (the store read now). */
int console_accounts(console *k);
/* console_users.c: 0 when user names a disabled account (its sessions must end), else 1. */
int console_account_live(console *k, const char *user);

typedef struct console_route {
	const char *method; /* "GET" (HEAD too) or "POST" */
	const char *path;   /* exact; ending in '/': that prefix */
	int role;	    /* the least role that may use it; 0: no session needed */
	enum MHD_Result (*page)(console_req *r);
} console_route;

/* Each module's routes, ended by a route without a path. */
extern const console_route console_overview_routes[];
extern const console_route console_registry_routes[];
extern const console_route console_import_routes[]; /* before the registry's */
extern const console_route console_issue_routes[];
extern const console_route console_batch_routes[];
extern const console_route console_lifecycle_routes[];
extern const console_route console_users_routes[];

/*
 * console_overview.c: the summary of the --scans copy made at start (a large
 * folder takes longer to walk than a page may), and freed at the end.
 */
void console_overview_start(console *k);
void console_overview_stop(void);

/* console_issue.c: its state made at start and freed at the end (jobs finished). */
int console_issue_start(console *k);
void console_issue_stop(console *k);
/* s (n bytes) is a registry id ([A-Za-z0-9._-], at most 32): safe in a path as it is. */
int console_id_ok(const char *s, size_t n);
/* console_import.c: its staged uploads removed, once the daemon has stopped. */
void console_import_stop(console *k);
/* The folder of batch id, DIR/batch-N under --out, into out; -1 when too long. */
int console_batch_dir(const console *k, uint32_t id, char *out, size_t cap);
/* A job that writes batch's folder again (stamp_render_batch), its sheet on tpl. */
enum MHD_Result console_render_job(console_req *r, uint32_t batch, const char *tpl);
/* The built-in label template of that name (NULL: none), and them all as <option>s. */
struct stamp_template;
const struct stamp_template *console_preset(const char *name);
void console_preset_options(strbuf *b, const char *selected);
/* Held while a batch's ZIP is made (on 1, released on 0). */
void console_zip_lock(console *k, int on);

#endif
