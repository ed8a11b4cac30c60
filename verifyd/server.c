/*
 * server.c - verifyd's HTTP side on libmicrohttpd.
 *
 * Threads: libmicrohttpd's epoll thread pool answers requests; one writer
 * thread flushes scan counts once a second. Each worker keeps its own read
 * transaction on the registry, recycled with reset/renew (much cheaper than
 * begin/abort per request); a SIGHUP swaps in a newly opened registry (when
 * the folder holds new files: see server_reload) and each worker moves to it
 * at its next request, while the old one is closed when its last worker lets
 * go.
 *
 * Responses are queued on the handler's second call: queuing on the first
 * silently disables keep-alive (138k -> 21k req/s measured here). Any method
 * but GET and HEAD gets a queued 405 with Allow, never MHD_NO. Percent escapes
 * are not decoded: no path of ours needs one, so "%41" is simply not a code.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h" /* stamp_store_env: the reader table's size */
#include "verifyd.h"

/* Which files a registry folder holds, to tell a new snapshot from the same files. */
typedef struct file_id {
	dev_t dev;
	ino_t ino;
} file_id;
enum { REG_DATA, REG_LOCK, REG_FILES };

typedef struct registry_ref {
	stamp_store *st;
	atomic_uint generation; /* bumped in place by a SIGHUP on unchanged files */
	atomic_int refs;
	file_id files[REG_FILES];
	uint8_t sha256[STAMP_SHA256_BYTES]; /* of data.mdb, when it was opened */
	int vouched;			    /* data.mdb.sha256 matched it */
	int64_t opened;
} registry_ref;

/* The last SIGHUP's outcome, for /healthz and /metrics (guarded by reg_lock). */
typedef struct reload_state {
	unsigned count;
	int result; /* RELOAD_* */
	int64_t at;
	char reason[RELOAD_REASON_MAX];
} reload_state;

struct server {
	config cfg;
	struct MHD_Daemon *d;
	stamp_scans *scans;
	scanner *who;
	guard *guard;
	pthread_key_t worker_key;
	pthread_mutex_t reg_lock; /* guards current */
	registry_ref *current;
	reload_state reload;
	atomic_uint generation;
	ticker *writer; /* flushes scan counts every second */
	unsigned ticks;
	atomic_llong heartbeat;		     /* last flush by the writer that succeeded */
	atomic_int txn_logged[TXN_CAUSES];   /* a failed begin is logged once per cause */
	atomic_llong txn_failed_at;	     /* Unix time of the last one */
	pthread_mutex_t flush_lock;	     /* the writer and a clean stop both flush */
	char flush_said[sizeof(stamp_diag)]; /* the last flush failure logged (flush_lock) */
};

/*
 * The product, producer and batch parts of an answer are the same for every
 * stamp of a batch: each worker keeps them rendered, per batch, registry
 * generation and day (expiry warnings change at midnight). Per worker, so no
 * lock; direct-mapped by batch id.
 */
#define CACHE_SLOTS 64
enum { FRAG_JSON, FRAG_VI, FRAG_EN, FRAG_KINDS };

typedef struct fragment {
	uint32_t batch; /* 0: empty */
	unsigned generation;
	uint32_t today;
	char *text;
	size_t len;
} fragment;

typedef struct worker {
	server *srv;
	registry_ref *ref;
	stamp_txn *txn; /* reset between requests */
	fragment cache[FRAG_KINDS][CACHE_SLOTS];
} worker;

static void unref(registry_ref *r)
{
	if (r && atomic_fetch_sub(&r->refs, 1) == 1) {
		stamp_store_close(r->st);
		free(r);
	}
}

static void worker_release(worker *w)
{
	stamp_txn_abort(w->txn);
	w->txn = NULL;
	unref(w->ref);
	w->ref = NULL;
}

static void worker_exit(void *p)
{
	worker *w = p;
	worker_release(w);
	for (int k = 0; k < FRAG_KINDS; k++)
		for (int i = 0; i < CACHE_SLOTS; i++)
			free(w->cache[k][i].text);
	free(w);
}

/* Counted for /metrics and /healthz; logged the first time for each cause. */
static void txn_failed(server *s, int rc)
{
	int cause = rc == MDB_READERS_FULL ? TXN_READERS_FULL : TXN_OTHER;
	metrics_txn_failed(cause);
	atomic_store(&s->txn_failed_at, (long long)time(NULL));
	if (atomic_exchange(&s->txn_logged[cause], 1) == 0)
		vlog("cannot read the registry: %s%s (logged once; counted in /metrics)",
		     stamp_strerror(rc),
		     cause == TXN_READERS_FULL
			     ? ": every LMDB reader slot is taken (threads, or stampgen processes)"
			     : "");
}

/* A live read transaction on the current registry, or NULL. */
static stamp_txn *worker_txn(server *s, worker **out)
{
	worker *w = pthread_getspecific(s->worker_key);
	if (!w) {
		if (!(w = calloc(1, sizeof *w)))
			return NULL;
		w->srv = s;
		pthread_setspecific(s->worker_key, w);
	}
	*out = w;
	if (w->ref && w->ref->generation != atomic_load(&s->generation))
		worker_release(w);
	if (w->txn) {
		if (stamp_txn_renew(w->txn) == 0)
			return w->txn;
		worker_release(w);
	}
	pthread_mutex_lock(&s->reg_lock);
	w->ref = s->current;
	atomic_fetch_add(&w->ref->refs, 1);
	pthread_mutex_unlock(&s->reg_lock);
	int rc = stamp_txn_begin(w->ref->st, 0, &w->txn);
	if (rc != 0) {
		txn_failed(s, rc);
		worker_release(w);
		return NULL;
	}
	return w->txn;
}

static void worker_done(worker *w)
{
	if (w && w->txn)
		stamp_txn_reset(w->txn);
}

/*
 * The identity of the folder's data.mdb, and of its lock.mdb when there is
 * one that LMDB would use (writable: on a read-only filesystem LMDB skips
 * it, and verifyd reads snapshots that way). 0, or -1 without data.mdb.
 */
static int registry_files(const char *dir, file_id id[REG_FILES])
{
	static const char *const names[REG_FILES] = {"data.mdb", "lock.mdb"};
	char path[sizeof((config *)0)->registry + 16];
	struct stat st;

	memset(id, 0, REG_FILES * sizeof *id);
	for (int i = 0; i < REG_FILES; i++) {
		int n = snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if (n < 0 || (size_t)n >= sizeof path || stat(path, &st) != 0)
			return i == REG_DATA ? -1 : 0;
		if (i == REG_LOCK && access(path, W_OK) != 0)
			return 0;
		id[i] = (file_id){st.st_dev, st.st_ino};
	}
	return 0;
}

static int same_file(file_id a, file_id b)
{
	return a.dev == b.dev && a.ino == b.ino;
}

#define READERS_HEADROOM 16 /* reader slots left for stampgen and mdb_* tools */

/* Why a registry was not opened, for the log and /healthz. */
typedef struct refusal {
	int failed; /* could not be opened (RELOAD_FAILED), else judged (RELOAD_REFUSED) */
	char why[RELOAD_REASON_MAX];
} refusal;

static int refuse(refusal *f, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(refusal *f, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->why, sizeof f->why, fmt, ap);
	va_end(ap);
	return rc;
}

/* The audit head of an open registry (a read transaction of its own). */
static int read_head(stamp_store *st, stamp_audit_head *h)
{
	stamp_txn *t;
	int rc = stamp_txn_begin(st, 0, &t);
	if (rc)
		return rc;
	rc = stamp_audit_read_head(t, h);
	stamp_txn_abort(t);
	return rc;
}

/*
 * Check data.mdb against data.mdb.sha256 when there is one (the checksum is
 * taken either way, to report it), then open it: the file hashed must be the
 * file opened, or a publication raced us and nothing is known of the second.
 */
static int open_registry(server *s, registry_ref **out, refusal *f)
{
	stamp_diag d = {{0}};
	char data[sizeof s->cfg.registry + 16];
	struct stat hashed;
	int rc;

	snprintf(data, sizeof data, "%s/data.mdb", s->cfg.registry);
	registry_ref *r = calloc(1, sizeof *r);
	if (!r)
		return refuse(f, ENOMEM, "out of memory");
	if ((rc = stamp_backup_verify(data, r->sha256, &r->vouched, &hashed, &d))) {
		f->failed = rc != STAMP_ECORRUPT;
		refuse(f, rc, "%s", d.msg[0] ? d.msg : stamp_strerror(rc));
		free(r);
		return rc;
	}
	rc = stamp_store_open(s->cfg.registry, STAMP_STORE_RDONLY, &r->st, &d);
	if (rc) {
		f->failed = 1;
		refuse(f, rc, "%s", d.msg[0] ? d.msg : stamp_strerror(rc));
		free(r);
		return rc;
	}
	atomic_init(&r->refs, 1);
	r->opened = (int64_t)time(NULL);
	if (registry_files(s->cfg.registry, r->files) != 0)
		memset(r->files, 0, sizeof r->files);
	if (!same_file(r->files[REG_DATA], (file_id){hashed.st_dev, hashed.st_ino})) {
		unref(r);
		return refuse(f, EAGAIN,
			      "%s was replaced while it was being checked; send SIGHUP again",
			      data);
	}
	*out = r;
	return 0;
}

/*
 * A new snapshot must carry on the chain of the one served: at least as
 * many audit entries, and the served head among them (an equal sequence
 * with another hash, or a longer chain that does not hold our head, is a
 * registry that forked from ours: a restore, or a store that is not ours).
 */
static int carries_on(registry_ref *cur, registry_ref *next, refusal *f)
{
	stamp_audit_head a, b;
	int rc;
	if ((rc = read_head(cur->st, &a)))
		return refuse(f, rc, "cannot read the served registry's audit head: %s",
			      stamp_strerror(rc));
	if ((rc = read_head(next->st, &b)))
		return refuse(f, rc, "cannot read the new registry's audit head: %s",
			      stamp_strerror(rc));
	if (b.seq < a.seq)
		return refuse(f, STAMP_EINPUT,
			      "the new snapshot is older: audit entry %llu, the one served is at "
			      "%llu",
			      (unsigned long long)b.seq, (unsigned long long)a.seq);
	if (a.seq == 0)
		return 0;
	stamp_txn *t;
	stamp_audit_head at;
	if ((rc = stamp_txn_begin(next->st, 0, &t)))
		return refuse(f, rc, "cannot read the new registry: %s", stamp_strerror(rc));
	rc = stamp_audit_head_at(t, a.seq, &at);
	stamp_txn_abort(t);
	if (rc == 0 && memcmp(at.hash, a.hash, sizeof a.hash) == 0)
		return 0;
	char ha[2 * STAMP_AUDIT_HASH_BYTES + 1];
	hex_format(a.hash, 8, ha);
	return refuse(f, STAMP_EINPUT,
		      "the new snapshot is not a continuation of the one served: its audit "
		      "entry %llu is not %s... (a fork: a restored or another store; restart "
		      "verifyd to serve it anyway)",
		      (unsigned long long)a.seq, ha);
}

/* ---- choosing what to answer ------------------------------------------ */

static lang pick_lang(struct MHD_Connection *c)
{
	return request_lang(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang"),
			    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Language"));
}

static int wants_json(struct MHD_Connection *c)
{
	return request_wants_json(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept"));
}

static enum MHD_Result count_args(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *value)
{
	(void)kind;
	(void)key;
	(void)value;
	++*(int *)cls;
	return MHD_YES;
}

/*
 * RFC 9112 3.2: a request with more than one Host MUST get a 400 (a proxy in
 * front may have read the other one); libmicrohttpd 0.9.75 lets it through.
 */
static enum MHD_Result count_host(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *value)
{
	(void)kind;
	(void)value;
	if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0)
		++*(int *)cls;
	return MHD_YES;
}

static int headers_ok(struct MHD_Connection *c)
{
	int hosts = 0;
	MHD_get_connection_values(c, MHD_HEADER_KIND, count_host, &hosts);
	return hosts <= 1;
}

/*
 * Request text for the log: bytes other than printable ASCII become \xHH, so
 * that a URL can neither forge log lines nor drive the reader's terminal.
 */
static const char *log_text(const char *in, char *out, size_t n)
{
	size_t o = 0;
	for (; *in && o + 5 < n; in++) {
		unsigned char c = (unsigned char)*in;
		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, n - o, "\\x%02x", c);
	}
	out[o] = '\0';
	return out;
}

/* ---- responses ---------------------------------------------------------- */

static enum MHD_Result send_body(struct MHD_Connection *conn, unsigned status, char *body,
				 size_t len, const char *type, lang l, int vary,
				 const char *set_cookie)
{
	struct MHD_Response *r;
	if (!body) {
		static const char oom[] = "out of memory\n";
		r = MHD_create_response_from_buffer(sizeof oom - 1, (void *)oom,
						    MHD_RESPMEM_PERSISTENT);
		status = MHD_HTTP_SERVICE_UNAVAILABLE;
		type = "text/plain; charset=utf-8";
	} else {
		r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	}
	if (!r) {
		free(body);
		return MHD_NO;
	}
	/* each header costs libmicrohttpd three allocations: pages get them all */
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (strncmp(type, "text/html", 9) == 0) {
		MHD_add_response_header(r, "Content-Security-Policy", page_csp());
		MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
		MHD_add_response_header(r, "X-Frame-Options", "DENY");
		MHD_add_response_header(r, "Content-Language", l == LANG_EN ? "en" : "vi");
	}
	if (vary)
		MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept, Accept-Language");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if (set_cookie && body)
		MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, set_cookie);
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_message(struct MHD_Connection *conn, unsigned status, lang l)
{
	size_t len = 0;
	char *body = page_message((int)status, l, &len);
	return send_body(conn, status, body, len, "text/html; charset=utf-8", l, 0, NULL);
}

/* ---- routes ------------------------------------------------------------- */

/*
 * The journey of v's batch (of its product's, when the batch id is 0) into
 * v->events, from read transaction t; *events is the caller's to free after
 * rendering. 0, or -1 (no memory, or the store could not be read).
 */
static int load_journey(stamp_txn *t, verdict *v, stamp_event **events)
{
	stamp_batch b = v->check.batch;
	size_t n = 0;
	if (!b.id)
		snprintf(b.product_id, sizeof b.product_id, "%s", v->check.product.id);
	if (stamp_event_journey(t, &b, events, &n) != 0)
		return -1;
	v->events = *events;
	v->nevents = n;
	return 0;
}

/* The product's photo into v, when it has one (a damaged record: none, logged). */
static void product_image(stamp_txn *t, verdict *v)
{
	int rc = stamp_image_of_product(t, v->check.product.id, &v->image);
	v->has_image = rc == 0;
	if (rc && rc != STAMP_ENOTFOUND)
		vlog("photo of product %s: %s", v->check.product.id, stamp_strerror(rc));
}

/* The batch's rendered details for this answer kind, from the cache or made now. */
static const fragment *details(worker *w, stamp_txn *t, int kind, verdict *v)
{
	uint32_t batch = v->check.batch.id;
	fragment *f = &w->cache[kind][batch % CACHE_SLOTS];
	if (f->batch == batch && f->generation == w->ref->generation && f->today == v->today)
		return f;
	stamp_check *k = &v->check;
	if (stamp_store_get_product(t, k->batch.product_id, &k->product) != 0 ||
	    stamp_store_get_coop(t, k->product.coop_id, &k->coop) != 0)
		return NULL;
	product_image(t, v);
	/* the journey: the product's stages and the batch's, read once per generation */
	stamp_event *events;
	size_t len = 0;
	if (load_journey(t, v, &events) != 0)
		return NULL;
	char *text = kind == FRAG_JSON ? api_details(v, &len)
				       : page_details(v, kind == FRAG_EN ? LANG_EN : LANG_VI, &len);
	v->events = NULL;
	v->nevents = 0;
	free(events);
	if (!text)
		return NULL;
	free(f->text);
	*f = (fragment){batch, w->ref->generation, v->today, text, len};
	return f;
}

/*
 * Look the code up and, for a scan (count), move its counts: who is the
 * scanner, or NULL when it could not be told (the request total still moves).
 */
static unsigned lookup(server *s, const char *code, int count, const scanner_id *who, int kind,
		       verdict *v, const fragment **frag)
{
	stamp_code c;
	worker *w = NULL;

	memset(v, 0, sizeof *v);
	*frag = NULL;
	v->suspicious_after = s->cfg.suspicious_after;
	v->today = stamp_date_from_unix(time(NULL));
	if (stamp_code_from_b32(code, strlen(code), &c) != 0) {
		v->malformed = 1;
		v->check.verdict = STAMP_V_MALFORMED;
		return stamp_verdict_about(STAMP_V_MALFORMED)->http_status;
	}
	stamp_txn *t = worker_txn(s, &w);
	if (!t)
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	int rc = stamp_verify_code(
		t, NULL, 0, &c, STAMP_VERIFY_TRUST_STORED | STAMP_VERIFY_SKIP_DETAILS, &v->check);
	if (rc == 0 && v->check.in_store && !(*frag = details(w, t, kind, v)))
		rc = STAMP_ECORRUPT;
	worker_done(w);
	if (rc) {
		vlog("registry lookup failed: %s", stamp_strerror(rc));
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	}
	if (v->check.in_store) {
		int64_t now = time(NULL);
		if (count) {
			stamp_scan_mark mark;
			scan_outcome o = who ? scanner_admit(s->who, who, c.serial, now, &mark)
					     : SCAN_OVER_BUDGET;
			metrics_scan(o);
			rc = stamp_scans_record(s->scans, c.serial, now,
						o == SCAN_COUNTED ? &mark : NULL, &v->scans);
		} else {
			rc = stamp_scans_get(s->scans, c.serial, &v->scans);
		}
		if (rc)
			vlog("scan count of serial %llu: %s", (unsigned long long)c.serial,
			     stamp_strerror(rc));
		v->suspicious = v->check.verdict == STAMP_V_GENUINE &&
				stamp_scan_suspicious(&v->scans, s->cfg.suspicious_after);
	}
	return stamp_verdict_about(verdict_shown(v))->http_status;
}

/* The client: the peer, or behind a trusted proxy the address it names. */
static int client_of(server *s, struct MHD_Connection *conn, client_addr *out, int *proxied)
{
	const union MHD_ConnectionInfo *i =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	client_addr peer;
	if (!i || client_addr_from_sockaddr(i->client_addr, &peer) != 0)
		return -1;
	*proxied = 0;
	*out = peer;
	if (s->cfg.proxies.n) /* else no header is worth looking up */
		*proxied = request_client(
			&peer, &s->cfg.proxies,
			MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-For"),
			MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Real-IP"), out);
	return 0;
}

/*
 * Who is scanning, and the Set-Cookie that keeps the phone the same scanner
 * (cookie[0] = '\0' when none is due). 0, or -1 when it cannot be told.
 */
static int scanner_of(server *s, struct MHD_Connection *conn, scanner_id *who, char *cookie,
		      size_t cap)
{
	client_addr a;
	int proxied = 0;
	cookie[0] = '\0';
	if (client_of(s, conn, &a, &proxied) != 0)
		return -1;
	const char *have = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, SCANNER_COOKIE);
	const char *ua = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "User-Agent");
	int rc = scanner_identify(s->who, have, a.family, a.bytes, ua, time(NULL), who);
	if (rc) {
		vlog("cannot tell scanners apart: %s", stamp_strerror(rc));
		return -1;
	}
	if (s->cfg.cookie && !who->from_cookie) {
		char v[SCANNER_COOKIE_LEN + 1];
		const char *proto = proxied ? MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
									  "X-Forwarded-Proto")
					    : NULL;
		scanner_cookie(s->who, who, v);
		snprintf(cookie, cap,
			 SCANNER_COOKIE "=%s; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax%s",
			 v, proto && strcasecmp(proto, "https") == 0 ? "; Secure" : "");
	}
	return 0;
}

static enum MHD_Result route_code(server *s, struct MHD_Connection *conn, const char *code,
				  int is_get, int api, unsigned *status)
{
	verdict v;
	const fragment *f;
	size_t len = 0;
	int nargs = 0;
	lang l = pick_lang(conn);
	int json = api || wants_json(conn);
	int kind = json ? FRAG_JSON : l == LANG_EN ? FRAG_EN : FRAG_VI;
	scanner_id who;
	char cookie[128] = "";

	/* a scan is a GET of the code URL as printed: no query, not the API */
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, count_args, &nargs);
	int count = is_get && !api && nargs == 0;
	int known = count && scanner_of(s, conn, &who, cookie, sizeof cookie) == 0;
	*status = lookup(s, code, count, known ? &who : NULL, kind, &v, &f);
	if (*status == MHD_HTTP_SERVICE_UNAVAILABLE)
		return send_message(conn, *status, l);
	metrics_verdict(&v);
	const char *give = cookie[0] && v.check.in_store ? cookie : NULL;
	/* f lives in this thread's cache until its next lookup: copy before then */
	if (json) {
		char *body = api_render(&v, f ? f->text : NULL, f ? f->len : 0, &len);
		return send_body(conn, *status, body, len, "application/json; charset=utf-8", l,
				 !api, give);
	}
	char *body = page_render(&v, l, f ? f->text : NULL, f ? f->len : 0, &len);
	return send_body(conn, *status, body, len, "text/html; charset=utf-8", l, 1, give);
}

/* ---- GS1 Digital Link and the product and batch pages ------------------ */

/*
 * The origin links are made under: [server] public_url, else the Host the
 * request named (http, or https when a trusted proxy says so). A Host that
 * is not a plain host[:port] gives "localhost": it is reflected into links.
 */
static void public_root(server *s, struct MHD_Connection *conn, char *out, size_t cap)
{
	if (s->cfg.public_url[0]) {
		snprintf(out, cap, "%s", s->cfg.public_url);
		return;
	}
	const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	client_addr a;
	int proxied = 0;
	if (client_of(s, conn, &a, &proxied) != 0)
		proxied = 0;
	const char *proto =
		proxied ? MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-Proto")
			: NULL;
	if (!host || !request_host_ok(host))
		host = "localhost";
	snprintf(out, cap, "%s://%s", proto && strcasecmp(proto, "https") == 0 ? "https" : "http",
		 host);
}

typedef struct query_text {
	char *p;
	size_t len, cap;
	int full;
} query_text;

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
			       const char *value)
{
	query_text *q = cls;
	(void)kind;
	int n = snprintf(q->p + q->len, q->cap - q->len, "%s%s%s%s", q->len ? "&" : "", key,
			 value ? "=" : "", value ? value : "");
	if (n < 0 || (size_t)n >= q->cap - q->len)
		q->full = 1;
	else
		q->len += (size_t)n;
	return q->full ? MHD_NO : MHD_YES;
}

/* The query as it came (verifyd does not unescape it), for a redirect to pass on. */
static void query_of(struct MHD_Connection *conn, char *out, size_t cap)
{
	query_text q = {out, 0, cap, 0};
	out[0] = '\0';
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_arg, &q);
	if (q.full)
		out[0] = '\0';
}

typedef struct gtin_hunt {
	const char *gtin14;
	stamp_product *out;
} gtin_hunt;

static int product_has_gtin(const stamp_product *p, void *ctx)
{
	gtin_hunt *h = ctx;
	char g[15];
	if (!p->gtin[0] || stamp_gtin14(p->gtin, g) != 0 || strcmp(g, h->gtin14) != 0)
		return 0;
	*h->out = *p;
	return 1; /* found: stops the walk */
}

/* A stamp number as a Digital Link serial (AI 21) names it: decimal, no sign. */
static int parse_serial(const char *text, uint64_t *out)
{
	char *end;
	if (!text || *text < '0' || *text > '9' || strlen(text) > 20)
		return -1;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

/* A revocation that covers the whole batch (or this serial, when one is named). */
static void entity_revocation(stamp_txn *t, verdict *v, uint64_t serial)
{
	stamp_check *k = &v->check;
	uint64_t at = serial ? serial : k->batch.first_serial;
	if (stamp_revocation_find(t, at, &k->batch, &k->revocation) == 0 &&
	    (serial || k->revocation.scope != STAMP_SCOPE_SERIALS))
		k->revoked = 1;
}

/*
 * What a Digital Link names, into v (product and producer; the batch when a
 * lot or a serial is named): 200, 404 when the registry holds nothing for it
 * (or the lot and serial do not belong together), 503 when it cannot be read.
 */
static unsigned dl_lookup(server *s, const dl_key *key, verdict *v, uint64_t *serial)
{
	worker *w = NULL;
	stamp_check *k = &v->check;
	unsigned status = MHD_HTTP_NOT_FOUND;
	int rc;

	memset(v, 0, sizeof *v);
	v->today = stamp_date_from_unix(time(NULL));
	*serial = 0;
	stamp_txn *t = worker_txn(s, &w);
	if (!t)
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	gtin_hunt h = {key->gtin, &k->product};
	rc = stamp_store_each_product(t, product_has_gtin, &h);
	if (rc != 1)
		goto leave;
	if (key->serial[0]) {
		stamp_stamp st;
		if (parse_serial(key->serial, serial) != 0 ||
		    stamp_store_get_stamp(t, *serial, &st) != 0 ||
		    stamp_store_get_batch(t, st.batch_id, &k->batch) != 0 ||
		    strcmp(k->batch.product_id, k->product.id) != 0 ||
		    (key->lot[0] && strcmp(k->batch.lot, key->lot) != 0))
			goto leave;
	} else if (key->lot[0]) {
		uint32_t id;
		if (stamp_store_find_lot(t, k->product.id, key->lot, &id) != 0 ||
		    stamp_store_get_batch(t, id, &k->batch) != 0)
			goto leave;
	}
	if (stamp_store_get_coop(t, k->product.coop_id, &k->coop) != 0)
		goto leave;
	if (k->batch.id)
		entity_revocation(t, v, *serial);
	status = MHD_HTTP_OK;
leave:
	worker_done(w);
	return status;
}

/* The links of what v holds, under root. 0, or -1 without memory; ls->n
 * counts what dl_links_free frees either way. */
static int dl_links_of(const verdict *v, const char *root, uint64_t serial, dl_links *ls)
{
	const stamp_check *k = &v->check;
	char id[24], query[40];
	ls->n = 0;
	for (int l = LANG_VI; l <= LANG_EN; l++) {
		const char *en = l == LANG_EN ? "lang=en" : "";
		if (k->batch.id) {
			snprintf(id, sizeof id, "%u", k->batch.id);
			if (serial)
				snprintf(query, sizeof query, "serial=%llu%s%s",
					 (unsigned long long)serial, *en ? "&" : "", en);
			else
				snprintf(query, sizeof query, "%s", en);
			ls->v[ls->n++] = (dl_link){LINK_PIP, l, dl_uri(root, "L", id, query, NULL)};
			ls->v[ls->n++] =
				(dl_link){LINK_TRACEABILITY, l, dl_uri(root, "L", id, query, NULL)};
		} else {
			ls->v[ls->n++] =
				(dl_link){LINK_PIP, l, dl_uri(root, "P", k->product.id, en, NULL)};
		}
		ls->v[ls->n++] = (dl_link){LINK_CERTIFICATION, l,
					   dl_uri(root, "P", k->product.id, en, NULL)};
	}
	for (int i = 0; i < ls->n; i++)
		if (!ls->v[i].href)
			return -1;
	return 0;
}

static void dl_links_free(dl_links *ls)
{
	for (int i = 0; i < ls->n; i++)
		free(ls->v[i].href); /* NULL where an allocation failed */
	ls->n = 0;
}

static int wants_linkset(struct MHD_Connection *c)
{
	const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
	return a && (strstr(a, "application/linkset+json") || request_wants_json(a));
}

/* The 307 to the link asked for (the query passed on, as the standard says). */
static struct MHD_Response *dl_redirect(struct MHD_Connection *conn, const dl_link *to)
{
	char query[1024];
	query_of(conn, query, sizeof query);
	char *where = malloc(strlen(to->href) + strlen(query) + 2);
	if (!where)
		return NULL;
	sprintf(where, "%s%s%s", to->href, query[0] ? (strchr(to->href, '?') ? "&" : "?") : "",
		query);
	struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (r)
		MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, where);
	free(where);
	return r;
}

/* 307 to the link asked for, or 200 with the linkset; the Link header on both. */
static enum MHD_Result dl_answer(struct MHD_Connection *conn, const verdict *v, const dl_key *key,
				 const char *root, uint64_t serial, unsigned *status)
{
	dl_links ls = {.n = 0};
	char *anchor = dl_anchor(root, key), *link = NULL, *body = NULL;
	struct MHD_Response *r = NULL;
	enum MHD_Result ret = MHD_NO;
	size_t len = 0;
	lang l = pick_lang(conn);
	int want =
		dl_link_type(MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "linkType"));
	const dl_link *to = NULL;

	if (want == DL_DEFAULT && wants_linkset(conn))
		want = DL_LINKSET;
	*status = MHD_HTTP_SERVICE_UNAVAILABLE;
	if (!anchor || dl_links_of(v, root, serial, &ls) != 0 ||
	    !(link = dl_link_header(anchor, &ls, want == DL_LINKSET)))
		goto message;
	if (want != DL_LINKSET && !(to = dl_pick(&ls, want, l))) {
		*status = MHD_HTTP_NOT_FOUND; /* the standard: a link type not offered */
		goto message;
	}
	if (to) {
		r = dl_redirect(conn, to);
		*status = MHD_HTTP_TEMPORARY_REDIRECT;
	} else if ((body = dl_linkset(anchor, v->check.product.name, &ls, &len))) {
		r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
		body = r ? NULL : body;
		*status = MHD_HTTP_OK;
		if (r)
			MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
						"application/linkset+json");
	}
	if (!r)
		goto leave;
	MHD_add_response_header(r, MHD_HTTP_HEADER_LINK, link);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept, Accept-Language");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
	ret = MHD_queue_response(conn, *status, r);
	MHD_destroy_response(r);
	goto leave;
message:
	ret = send_message(conn, *status, l);
leave:
	dl_links_free(&ls);
	free(anchor);
	free(link);
	free(body);
	return ret;
}

static enum MHD_Result route_dl(server *s, struct MHD_Connection *conn, const char *path,
				unsigned *status)
{
	dl_key key;
	verdict v;
	uint64_t serial = 0;
	char root[300];
	int rc = dl_parse(path, &key);

	*status = rc == DL_BAD ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_NOT_FOUND;
	if (rc == DL_OK)
		*status = dl_lookup(s, &key, &v, &serial);
	if (*status != MHD_HTTP_OK)
		return send_message(conn, *status, pick_lang(conn));
	public_root(s, conn, root, sizeof root);
	return dl_answer(conn, &v, &key, root, serial, status);
}

/* /P/<product id> and /L/<batch id>[?serial=N]: the pages the links lead to. */
static enum MHD_Result route_entity(server *s, struct MHD_Connection *conn, const char *id,
				    int batch, unsigned *status)
{
	worker *w = NULL;
	verdict v;
	stamp_check *k = &v.check;
	stamp_event *events = NULL;
	uint64_t serial = 0;
	lang l = pick_lang(conn);
	char *end;

	memset(&v, 0, sizeof v);
	v.today = stamp_date_from_unix(time(NULL));
	*status = MHD_HTTP_NOT_FOUND;
	stamp_txn *t = worker_txn(s, &w);
	if (!t) {
		*status = MHD_HTTP_SERVICE_UNAVAILABLE;
		return send_message(conn, *status, l);
	}
	if (batch) {
		errno = 0;
		unsigned long b = *id >= '1' && *id <= '9' ? strtoul(id, &end, 10) : 0;
		const char *sa = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "serial");
		if (!b || errno || *end || b > UINT32_MAX ||
		    stamp_store_get_batch(t, (uint32_t)b, &k->batch) != 0 ||
		    stamp_store_get_product(t, k->batch.product_id, &k->product) != 0)
			goto leave;
		/* a serial outside the batch is not this batch's: not shown */
		if (sa && (parse_serial(sa, &serial) != 0 || serial < k->batch.first_serial ||
			   serial - k->batch.first_serial >= k->batch.count))
			goto leave;
	} else if (strlen(id) > STAMP_ID_MAX || stamp_store_get_product(t, id, &k->product) != 0) {
		goto leave;
	}
	if (stamp_store_get_coop(t, k->product.coop_id, &k->coop) != 0)
		goto leave;
	product_image(t, &v);
	if (batch)
		entity_revocation(t, &v, serial);
	*status = load_journey(t, &v, &events) == 0 ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE;
leave:
	worker_done(w);
	if (*status != MHD_HTTP_OK)
		return send_message(conn, *status, l);
	size_t len = 0;
	char *body = page_entity(&v, l, serial, &len);
	free(events);
	return send_body(conn, *status, body, len, "text/html; charset=utf-8", l, 1, NULL);
}

/*
 * /img/<sha256 hex>.jpg: a product photo. Its address is its hash, so it
 * never changes: cached for a year, immutable, the hash its ETag.
 */
static enum MHD_Result route_image(server *s, struct MHD_Connection *conn, const char *name,
				   unsigned *status)
{
	char hex[STAMP_SHA256_HEX], etag[STAMP_SHA256_HEX + 2];
	uint8_t sum[32];
	stamp_image img;
	const void *data;
	size_t len = 0;
	worker *w = NULL;
	struct MHD_Response *r = NULL;

	*status = MHD_HTTP_NOT_FOUND;
	if (strlen(name) != 68 || strcmp(name + 64, ".jpg") != 0)
		return send_message(conn, *status, pick_lang(conn));
	memcpy(hex, name, 64);
	hex[64] = '\0';
	if (stamp_image_unhex(hex, sum) != 0)
		return send_message(conn, *status, pick_lang(conn));
	stamp_image_hex(sum, hex);
	snprintf(etag, sizeof etag, "\"%s\"", hex);
	const char *inm =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	stamp_txn *t = worker_txn(s, &w);
	if (!t) {
		*status = MHD_HTTP_SERVICE_UNAVAILABLE;
		return send_message(conn, *status, pick_lang(conn));
	}
	int rc = stamp_image_get(t, sum, &img, &data, &len);
	if (rc == 0 && inm && strstr(inm, etag)) {
		*status = MHD_HTTP_NOT_MODIFIED;
		r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	} else if (rc == 0) {
		*status = MHD_HTTP_OK;
		/* a copy: the bytes are in the map, valid only until the transaction ends */
		r = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
		if (r)
			MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
						stamp_image_type(&img));
	}
	worker_done(w);
	if (rc && rc != STAMP_ENOTFOUND) {
		vlog("photo %s: %s", hex, stamp_strerror(rc));
		*status = MHD_HTTP_SERVICE_UNAVAILABLE;
	}
	if (!r)
		return send_message(conn, *status, pick_lang(conn));
	MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
				"public, max-age=31536000, immutable");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	enum MHD_Result ret = MHD_queue_response(conn, *status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result route_resolver(server *s, struct MHD_Connection *conn, unsigned *status)
{
	char root[300];
	size_t len = 0;
	public_root(s, conn, root, sizeof root);
	char *body = dl_description(root, &len);
	*status = MHD_HTTP_OK;
	return send_body(conn, *status, body, len, "application/json", LANG_VI, 0, NULL);
}

/* What /healthz and /metrics say of the registry: t is w's, or NULL. */
static void registry_status_of(server *s, worker *w, stamp_txn *t, registry_status *rs)
{
	memset(rs, 0, sizeof *rs);
	if (t && stamp_audit_read_head(t, &rs->head) == 0 &&
	    stamp_store_batch_count(t, &rs->batches) == 0)
		rs->readable = 1;
	if (t && w->ref) {
		memcpy(rs->sha256, w->ref->sha256, sizeof rs->sha256);
		rs->vouched = w->ref->vouched;
		rs->opened = w->ref->opened;
	}
	pthread_mutex_lock(&s->reg_lock);
	rs->reloads = s->reload.count;
	rs->reload_result = s->reload.result;
	rs->reload_at = s->reload.at;
	memcpy(rs->reason, s->reload.reason, sizeof rs->reason);
	pthread_mutex_unlock(&s->reg_lock);
}

/*
 * 200 "ok" when the registry reads and the scan writer keeps up; 503 with
 * the reason otherwise, including for a minute after any registry read
 * transaction could not begin (reader slots full: answers were 503s). A
 * refused reload is not a failure: the snapshot served is still sound.
 * With Accept: application/json, the same as JSON with the snapshot served
 * and the last reload (docs/api.md).
 */
static enum MHD_Result route_health(server *s, struct MHD_Connection *conn, unsigned *status)
{
	worker *w = NULL;
	size_t len = 0;
	strbuf b;
	registry_status rs;
	long long now = (long long)time(NULL);
	long long age = now - atomic_load(&s->heartbeat);
	long long failed = now - atomic_load(&s->txn_failed_at);
	stamp_txn *t = worker_txn(s, &w);
	int json = wants_json(conn);
	if (json)
		registry_status_of(s, w, t, &rs);
	worker_done(w);
	if (buf_init(&b, 512) == 0) {
		if (!t)
			buf_put(&b, "registry unreadable\n");
		if (age > 5)
			buf_put(&b, "scan writer stalled\n");
		char why[384];
		if (stamp_scans_health(s->scans, why, sizeof why))
			buf_put(&b, "%s\n", why);
		if (failed < 60)
			buf_put(&b,
				"registry reads failed %lld s ago (readers full: %llu, other: "
				"%llu in all)\n",
				failed, metrics_txn_failures(TXN_READERS_FULL),
				metrics_txn_failures(TXN_OTHER));
		if (b.len == 0 && !json)
			buf_put(&b, "ok\n");
	}
	int healthy = b.p && !b.full && (json ? b.len == 0 : strcmp(b.p, "ok\n") == 0);
	*status = healthy ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE;
	char *body;
	if (json) {
		body = b.p && !b.full ? api_health(healthy, b.p, &rs, &len) : NULL;
		free(b.p);
		return send_body(conn, *status, body, len, "application/json; charset=utf-8",
				 LANG_VI, 0, NULL);
	}
	body = buf_take(&b, &len);
	return send_body(conn, *status, body, len, "text/plain; charset=utf-8", LANG_VI, 0, NULL);
}

static enum MHD_Result route_metrics(server *s, struct MHD_Connection *conn, unsigned *status)
{
	uint64_t reg = 0, sc = 0;
	size_t len = 0;
	worker *w = NULL;
	registry_status rs;
	stamp_txn *t = worker_txn(s, &w);
	registry_status_of(s, w, t, &rs);
	if (!t || stamp_store_size(w->ref->st, &reg) != 0)
		reg = 0;
	worker_done(w);
	if (stamp_scans_size(s->scans, &sc) != 0)
		sc = 0;
	stamp_scans_stats st;
	stamp_scans_stats_get(s->scans, &st);
	*status = MHD_HTTP_OK;
	char *body = metrics_render(reg, sc, &rs, &st, &len);
	return send_body(conn, *status, body, len, "text/plain; version=0.0.4; charset=utf-8",
			 LANG_VI, 0, NULL);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	server *s = cls;
	unsigned status = MHD_HTTP_NOT_FOUND;
	enum MHD_Result ret;
	(void)version;
	(void)upload_data;

	static int first_call_seen;
	if (!*req_cls) {
		*req_cls = &first_call_seen;
		guard_head_done(conn); /* the whole head is in: its deadline is met */
		return MHD_YES;	       /* queue on the second call: keeps keep-alive */
	}
	if (*upload_data_size) {
		*upload_data_size = 0; /* no route takes a body: drop it */
		return MHD_YES;
	}
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	int is_get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;
	int is_head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	lang l = LANG_VI;

	if (!headers_ok(conn)) {
		status = MHD_HTTP_BAD_REQUEST;
		ret = send_message(conn, status, l);
	} else if (!is_get && !is_head) {
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
		ret = send_message(conn, status, l);
	} else {
		route r = request_route(url);
		switch (r.kind) {
		case ROUTE_TOO_LONG:
			status = MHD_HTTP_URI_TOO_LONG;
			ret = send_message(conn, status, l);
			break;
		case ROUTE_PAGE:
		case ROUTE_API:
			ret = route_code(s, conn, r.code, is_get, r.kind == ROUTE_API, &status);
			break;
		case ROUTE_HEALTH:
			ret = route_health(s, conn, &status);
			break;
		case ROUTE_METRICS:
			ret = route_metrics(s, conn, &status);
			break;
		case ROUTE_HOME:
			status = MHD_HTTP_OK;
			ret = send_message(conn, status, pick_lang(conn));
			break;
		case ROUTE_DIGITAL_LINK:
			ret = route_dl(s, conn, r.code, &status);
			break;
		case ROUTE_PRODUCT:
		case ROUTE_BATCH:
			ret = route_entity(s, conn, r.code, r.kind == ROUTE_BATCH, &status);
			break;
		case ROUTE_RESOLVER:
			ret = route_resolver(s, conn, &status);
			break;
		case ROUTE_IMAGE:
			ret = route_image(s, conn, r.code, &status);
			break;
		default:
			ret = send_message(conn, status, pick_lang(conn));
		}
	}

	clock_gettime(CLOCK_MONOTONIC, &now);
	double secs =
		(double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9;
	metrics_request((int)status, secs);
	if (s->cfg.access_log) { /* no client address: none is ever kept */
		char m[48], u[400];
		vlog("%s %s %u %.3fms", log_text(method, m, sizeof m), log_text(url, u, sizeof u),
		     status, secs * 1e3);
	}
	return ret;
}

static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

/*
 * libmicrohttpd's messages, at most LOG_BURST a minute: under a slow-header
 * flood it says "connection closed" for every connection the guard cuts.
 */
#define LOG_BURST 20
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static long long minute;
	static unsigned lines, dropped;
	char line[512];
	(void)cls;
	long long now = (long long)time(NULL) / 60;
	pthread_mutex_lock(&lock);
	if (now != minute) {
		if (dropped)
			vlog("http: %u more messages in the last minute not logged", dropped);
		minute = now;
		lines = dropped = 0;
	}
	int quiet = ++lines > LOG_BURST;
	dropped += quiet;
	pthread_mutex_unlock(&lock);
	if (quiet)
		return;
	vsnprintf(line, sizeof line, fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	for (char *p = line; *p; p++) /* in case a message quotes the request */
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	vlog("http: %s", line);
}

/* ---- the scan writer ---------------------------------------------------- */

/* A failure is logged when its reason changes (once per cause), and the recovery. */
int server_flush(server *s)
{
	size_t n = 0;
	stamp_diag d = {{0}};
	pthread_mutex_lock(&s->flush_lock);
	int rc = stamp_scans_flush(s->scans, &n);
	if (rc) {
		stamp_scans_explain(s->scans, rc, &d);
		const char *why = d.msg[0] ? d.msg : stamp_strerror(rc);
		if (strncmp(s->flush_said, why, sizeof s->flush_said - 1) != 0) {
			vlog("writing scan counts failed (kept for the next try): %s", why);
			snprintf(s->flush_said, sizeof s->flush_said, "%s", why);
		}
	} else if (s->flush_said[0]) {
		vlog("scan counts written again");
		s->flush_said[0] = '\0';
	}
	pthread_mutex_unlock(&s->flush_lock);
	metrics_flush(n, rc != 0);
	return rc;
}

/*
 * Once a minute: a stampgen (or mdb_stat) killed inside a read transaction
 * leaves its reader slot behind, which pins old pages and makes stampgen's
 * store grow. LMDB clears dead slots only when asked.
 */
static void check_readers(server *s)
{
	int dead = 0;
	pthread_mutex_lock(&s->reg_lock);
	registry_ref *r = s->current;
	atomic_fetch_add(&r->refs, 1);
	pthread_mutex_unlock(&s->reg_lock);
	if (stamp_store_reader_check(r->st, &dead) == 0 && dead > 0)
		vlog("cleared %d reader slot(s) left by dead processes", dead);
	unref(r);
}

static void writer(void *arg)
{
	server *s = arg;
	/* /healthz fails when counts stay unwritten (disk full), not only when stuck */
	if (server_flush(s) == 0)
		atomic_store(&s->heartbeat, (long long)time(NULL));
	if (++s->ticks % 60 == 0)
		check_readers(s);
}

/* ---- life cycle --------------------------------------------------------- */

static int listen_addr(const config *c, struct sockaddr_storage *ss, unsigned *flags)
{
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, c->listen_addr, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)c->port);
		return 0;
	}
	if (inet_pton(AF_INET6, c->listen_addr, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)c->port);
		*flags |= MHD_USE_IPv6;
		return 0;
	}
	vlog("listen: \"%s\" is not an IPv4 or IPv6 address", c->listen_addr);
	return EINVAL;
}

/*
 * Each worker thread keeps one read transaction, hence one slot of the
 * registry's reader table; stampgen processes need theirs beside them. The
 * table's size is fixed by whoever created lock.mdb (env.c sets one size
 * for every opener), so it is read back here, not assumed.
 */
static void reader_slots(server *s)
{
	unsigned max = 0;
	MDB_env *env = stamp_store_env(s->current->st);
	if (mdb_env_get_maxreaders(env, &max) != 0)
		return;
	if (s->cfg.threads + READERS_HEADROOM > max)
		vlog("warning: %u threads and %u slots for stampgen need more than the registry's "
		     "%u reader slots: requests will fail with 503 when they run out",
		     s->cfg.threads, READERS_HEADROOM, max);
}

int server_start(const config *c, server **out)
{
	struct sockaddr_storage ss;
	/* ITC: lets a clean stop quiesce the listening socket first */
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC;
	stamp_diag d = {{0}};
	int rc;

	*out = NULL;
	server *s = calloc(1, sizeof *s);
	if (!s)
		return ENOMEM;
	s->cfg = *c;
	if (!s->cfg.threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		s->cfg.threads = n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
	}
	pthread_mutex_init(&s->reg_lock, NULL);
	pthread_mutex_init(&s->flush_lock, NULL);
	atomic_store(&s->heartbeat, (long long)time(NULL));
	if ((rc = pthread_key_create(&s->worker_key, worker_exit)))
		goto fail;
	refusal why = {0, ""};
	if ((rc = listen_addr(c, &ss, &flags)))
		goto fail;
	if ((rc = open_registry(s, &s->current, &why))) {
		vlog("%s", why.why);
		goto fail;
	}
	stamp_scans_options so = {c->scanners_per_client, c->repeat_after, c->client_budget,
				  c->scans_password};
	if ((rc = stamp_scans_open_with(c->scans, &so, &s->scans, &d)) ||
	    (rc = scanner_open(s->scans, &(scanner_rules){c->repeat_after, c->client_budget},
			       time(NULL), &s->who, &d))) {
		vlog("%s", d.msg[0] ? d.msg : stamp_strerror(rc));
		goto fail;
	}
	if ((rc = page_init()) || (rc = guard_start(&s->cfg, &s->guard)))
		goto fail;
	reader_slots(s);
	if ((rc = ticker_start(1000, writer, s, &s->writer)))
		goto fail;
	/*
	 * The per-address limit and the head deadline are the guard's (guard.c);
	 * libmicrohttpd's own per-IP limit would count a trusted proxy as one
	 * client. Its idle timeout stays, for connections between requests.
	 */
	s->d = MHD_start_daemon(
		flags, 0, guard_accept, s->guard, handle, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
		NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE,
		s->cfg.threads, MHD_OPTION_CONNECTION_TIMEOUT, c->timeout_s,
		MHD_OPTION_CONNECTION_LIMIT, guard_mhd_limit(&s->cfg), MHD_OPTION_NOTIFY_CONNECTION,
		guard_notify, s->guard, MHD_OPTION_NOTIFY_COMPLETED, guard_request_done, s->guard,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, c->memory_limit, MHD_OPTION_LISTEN_BACKLOG_SIZE,
		c->backlog, MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_UNESCAPE_CALLBACK,
		no_unescape, NULL, MHD_OPTION_END);
	if (!s->d) {
		vlog("cannot listen on %s port %u (in use, or not allowed?)", c->listen_addr,
		     c->port);
		rc = EADDRINUSE;
		goto fail;
	}
	vlog("listening on %s port %u, %u threads; registry %s, scans %s", c->listen_addr, c->port,
	     s->cfg.threads, c->registry, stamp_scans_where(s->scans));
	*out = s;
	return 0;
fail:
	server_stop(s);
	server_free(s);
	return rc;
}

/*
 * LMDB must not have one environment open twice in a process: its locks are
 * POSIX record locks, which the close of either copy's lock file drops for
 * both. A second open of the same files also re-initialises the reader table
 * under the first, and once the old copy is closed verifyd holds no lock, so
 * the next stampgen re-initialises the table again (or mdb_reader_check
 * clears verifyd's slots): its writes may then reuse pages that verifyd is
 * reading. So the same files are never opened again; they need not be, since
 * every read transaction already sees the last commit. The generation still
 * moves on, so that the workers drop the details they rendered.
 */
static void reload_done(server *s, int result, const char *why)
{
	pthread_mutex_lock(&s->reg_lock);
	s->reload.count++;
	s->reload.result = result;
	s->reload.at = (int64_t)time(NULL);
	snprintf(s->reload.reason, sizeof s->reload.reason, "%s", why);
	pthread_mutex_unlock(&s->reg_lock);
	metrics_reload(result);
	if (result == RELOAD_REFUSED)
		vlog("reload refused: %s; still answering from the registry opened before", why);
	else if (result == RELOAD_FAILED)
		vlog("reload failed; still answering from the registry opened before: %s", why);
}

int server_reload(server *s)
{
	registry_ref *r, *old;
	file_id now[REG_FILES];
	refusal why = {0, ""};

	/* s->current: only this (the main) thread ever replaces it */
	if (registry_files(s->cfg.registry, now) == 0 &&
	    !same_file(now[REG_DATA], s->current->files[REG_DATA]) && now[REG_LOCK].ino &&
	    same_file(now[REG_LOCK], s->current->files[REG_LOCK])) {
		reload_done(s, RELOAD_REFUSED,
			    "data.mdb was replaced beside a lock file in use; publish snapshots to "
			    "a read-only folder, or as a new folder (docs/operations.md)");
		return EBUSY;
	}
	if (registry_files(s->cfg.registry, now) == 0 &&
	    same_file(now[REG_DATA], s->current->files[REG_DATA])) {
		unsigned g = atomic_load(&s->generation) + 1;
		atomic_store(&s->current->generation, g);
		atomic_store(&s->generation, g);
		vlog("registry files unchanged, kept open (it sees every commit); "
		     "cached details dropped (generation %u)",
		     g);
		reload_done(s, RELOAD_UNCHANGED, "");
		return 0;
	}
	int rc = open_registry(s, &r, &why);
	if (rc == 0 && (rc = carries_on(s->current, r, &why)) != 0)
		unref(r);
	if (rc) {
		reload_done(s, why.failed ? RELOAD_FAILED : RELOAD_REFUSED, why.why);
		return rc;
	}
	pthread_mutex_lock(&s->reg_lock);
	r->generation = atomic_load(&s->generation) + 1;
	old = s->current;
	s->current = r;
	atomic_store(&s->generation, r->generation);
	pthread_mutex_unlock(&s->reg_lock);
	unref(old);
	char sum[2 * STAMP_SHA256_BYTES + 1];
	hex_format(r->sha256, STAMP_SHA256_BYTES, sum);
	vlog("registry reopened (generation %u); data.mdb sha256 %s%s", atomic_load(&r->generation),
	     sum, r->vouched ? " (matches data.mdb.sha256)" : " (no data.mdb.sha256)");
	reload_done(s, RELOAD_OPENED, "");
	return 0;
}

void server_stop(server *s)
{
	if (!s)
		return;
	if (s->d) {
		/* stop accepting, then give requests in flight up to 5 s */
		/*
		 * Refuse new connections at once: the kernel would otherwise go on
		 * completing handshakes into the backlog, clients that are reset at
		 * exit. shutdown, not close: libmicrohttpd's threads may still hold
		 * the descriptor until MHD_stop_daemon (microhttpd.h).
		 */
		MHD_socket fd = MHD_quiesce_daemon(s->d);
		if (fd != MHD_INVALID_SOCKET)
			shutdown(fd, SHUT_RDWR);
		for (int i = 0; i < 50; i++) {
			/* connections between requests have nothing in flight: cut them */
			guard_drain(s->guard);
			const union MHD_DaemonInfo *info =
				MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
			if (!info || info->num_connections == 0)
				break;
			nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
		}
		MHD_stop_daemon(s->d);
		if (fd != MHD_INVALID_SOCKET)
			close(fd);
		s->d = NULL;
	}
	ticker_stop(s->writer);
	s->writer = NULL;
}

void server_free(server *s)
{
	if (!s)
		return;
	guard_free(s->guard);
	scanner_close(s->who);
	stamp_scans_close(s->scans);
	unref(s->current);
	pthread_key_delete(s->worker_key);
	pthread_mutex_destroy(&s->reg_lock);
	pthread_mutex_destroy(&s->flush_lock);
	free(s);
}
