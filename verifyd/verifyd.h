/*
 * verifyd.h - what verifyd's files share: the configuration, the server's
 * state, and the functions each file offers the others.
 *
 *   main.c     options, signals, start and clean stop
 *   config.c   the INI file and the flags (flags win)
 *   server.c   libmicrohttpd: routing, the store per worker thread
 *   guard.c    head deadline, eviction of slow heads, per-address limit
 *   page.c     the shopper's HTML page (vi/en)
 *   api.c      the JSON verdict (jansson)
 *   metrics.c  counters and the Prometheus text
 *   request.c  the route, language and client of a request (pure functions)
 *   scans.c    the scan records (scans.h)
 *   scans_redis.c  the same records in a Redis shared by replicas
 *   scans_copy.c   --copy-scans: an LMDB scans folder into Redis
 *   scanner.c  who scans, and whether a scan counts (scanner.h)
 *   buf.c      the bounded text builder the three answers share
 *   ticker.c   a thread calling a function every period (writer, guard)
 */
#ifndef VERIFYD_H
#define VERIFYD_H

#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "scanner.h"
#include "scans.h"
#include "stamp/stamp.h"

#define URL_MAX 512 /* longest target we accept; a code URL path is 122 bytes */

/* A client's address: IPv4 (4 bytes) or IPv6 (16); IPv4-mapped IPv6 is IPv4. */
typedef struct client_addr {
	int family; /* AF_INET or AF_INET6 */
	unsigned char bytes[16];
} client_addr;

/* trusted_proxy: addresses or networks ("10.0.0.0/8", "::1"). */
#define PROXIES_MAX 16
typedef struct proxy_net {
	client_addr addr;
	unsigned bits;
} proxy_net;
typedef struct proxy_list {
	unsigned n;
	proxy_net nets[PROXIES_MAX];
} proxy_list;

typedef struct config {
	char listen_addr[64];	   /* IPv4 or IPv6 literal; default 127.0.0.1 */
	unsigned port;		   /* default 8080 */
	char registry[512];	   /* registry store folder (read-only) */
	char scans[512];	   /* scans store folder (written by verifyd only), or Redis URL */
	char scans_password[128];  /* Redis AUTH when the URL has none */
	char public_url[256];	   /* origin of the links verifyd gives; "" = from Host */
	unsigned threads;	   /* worker threads; 0 = one per core */
	unsigned timeout_s;	   /* idle connection timeout */
	unsigned head_timeout_s;   /* deadline for a whole request head */
	unsigned max_connections;  /* total */
	unsigned per_ip;	   /* connections per client address */
	size_t memory_limit;	   /* bytes per connection (bounds URL and headers) */
	unsigned backlog;	   /* listen() backlog */
	unsigned suspicious_after; /* distinct scanners after which a stamp is suspicious */
	unsigned repeat_after;	   /* s: a scanner's scans of a stamp within it count once */
	unsigned client_budget;	   /* counted scans per client address per minute */
	unsigned scanners_per_client; /* new scanners one address adds to a stamp per day */
	int cookie;		      /* give phones a scanner cookie */
	int access_log;		      /* one line per request on stderr */
	char trusted_proxy[512];      /* the text, as given */
	proxy_list proxies;	      /* ... parsed */
} config;

/*
 * Defaults, then the file (if any), then the flags. 0: run; CONFIG_DONE:
 * --help or --version was printed, exit 0; else it printed why, exit 2.
 */
#define CONFIG_DONE (-1)
int config_load(config *c, int argc, char **argv);
/* The flags, and what they set in the file. */
void config_usage(FILE *f);
/* Defaults, then INI text (name: for messages, on stderr); 0 or -1. For the fuzzer. */
int config_parse_text(config *c, const char *text, const char *name);

/* Languages of the page. */
typedef enum { LANG_VI, LANG_EN } lang;

/* request.c */
typedef enum {
	ROUTE_NOT_FOUND,
	ROUTE_TOO_LONG,
	ROUTE_PAGE, /* /S/<code>: the shopper's page (or JSON when asked) */
	ROUTE_API,  /* /api/v1/stamps/<code> */
	ROUTE_HEALTH,
	ROUTE_METRICS,
	ROUTE_HOME,
	ROUTE_DIGITAL_LINK, /* /01/<gtin>...: GS1 Digital Link (code: the path) */
	ROUTE_PRODUCT,	    /* /P/<product id> */
	ROUTE_BATCH,	    /* /L/<batch id> */
	ROUTE_RESOLVER,	    /* /.well-known/gs1resolver */
	ROUTE_IMAGE,	    /* /img/<sha256 hex>.jpg: a product photo */
} route_kind;
typedef struct route {
	route_kind kind;
	const char *code; /* PAGE, API, PRODUCT, BATCH, IMAGE: inside the url given */
} route;
route request_route(const char *url);
/* host[:port] of letters, digits, . - : [ ] only (1-255 bytes): safe to put in a link. */
int request_host_ok(const char *host);
/* ?lang= (may be NULL) wins over Accept-Language (may be NULL). */
lang request_lang(const char *arg, const char *accept_language);
int request_wants_json(const char *accept);
int client_addr_from_sockaddr(const struct sockaddr *sa, client_addr *out);
void client_addr_format(const client_addr *a, char out[46]);
int proxy_list_parse(const char *text, proxy_list *out, char *err, size_t errlen);
int proxy_list_has(const proxy_list *l, const client_addr *a);
/* 1 when *out came from a proxy's header, 0 when it is the peer. */
int request_client(const client_addr *peer, const proxy_list *trusted, const char *xff,
		   const char *real_ip, client_addr *out);

/* resolver.c: GS1 Digital Link, primary key 01 with qualifiers 10 and 21 */
typedef struct dl_key {
	char gtin[15];	 /* 14 digits */
	char lot[21];	 /* AI 10, percent-decoded; "" when absent */
	char serial[21]; /* AI 21; "" when absent */
} dl_key;
enum {
	DL_OK = 0,
	DL_BAD = -1,	 /* not a valid Digital Link path: 400 */
	DL_UNKNOWN = -2, /* valid, but nothing is held for it here: 404 */
	DL_DEFAULT = -3, /* link types: the default link */
	DL_LINKSET = -4, /* the linkset itself */
	DL_MISSING = -5, /* a link type not offered here */
};
/* path: from "/01/" on, without the query. DL_OK, DL_BAD or DL_UNKNOWN. */
int dl_parse(const char *path, dl_key *out);
typedef enum { LINK_PIP, LINK_TRACEABILITY, LINK_CERTIFICATION, LINK_KINDS } link_kind;
/* The linkType argument (raw, percent-encoded or not; NULL for none). */
int dl_link_type(const char *arg);
typedef struct dl_link {
	link_kind kind;
	lang language;
	char *href; /* absolute */
} dl_link;
typedef struct dl_links {
	dl_link v[8];
	int n;
} dl_links;
/* The link of that kind (or DL_DEFAULT) in language l, else in any; NULL when none. */
const dl_link *dl_pick(const dl_links *ls, int kind, lang l);
/* root "/" path_kind "/" id (percent-encoded) ["?" query]: malloc'd. */
char *dl_uri(const char *root, const char *path_kind, const char *id, const char *query,
	     size_t *len);
/* The canonical Digital Link URI of k under root: malloc'd. */
char *dl_anchor(const char *root, const dl_key *k);
char *dl_linkset(const char *anchor, const char *description, const dl_links *ls, size_t *len);
/* The Link header: the linkset, every link, and (context) the JSON-LD context. */
char *dl_link_header(const char *anchor, const dl_links *ls, int context);
/* The resolver description file (/.well-known/gs1resolver). */
char *dl_description(const char *root, size_t *len);

/* What the page and the JSON say about one looked-up code. */
typedef struct verdict {
	stamp_check check;
	int malformed;	  /* the path did not hold a well-formed code */
	int suspicious;	  /* genuine, but scanned more than suspicious_after */
	stamp_scan scans; /* totals after this request (in_store only) */
	unsigned suspicious_after;
	uint32_t today;	   /* date in Vietnam, for expiry warnings */
	int has_image;	   /* the product has a photo: */
	stamp_image image; /* ... its size and hash (served at /img/<hex>.jpg) */
	/* the batch's journey (stamp_event_journey), for the details; may be NULL */
	const stamp_event *events;
	size_t nevents;
} verdict;

/*
 * What the shopper and programs are told: the verdict as shown
 * (stamp_verdict_about()->shown: an unknown key is forged), or
 * STAMP_V_SUSPICIOUS for a genuine stamp scanned too often.
 */
stamp_verdict verdict_shown(const verdict *v);

/* buf.c: the bounded text builder (buf.h) */

/*
 * page.c: the HTML page; *len set; malloc'd text or NULL. The details (the
 * product, producer and batch sections, the same for a whole batch) come
 * from page_details, which verifyd caches per batch.
 */
char *page_details(const verdict *v, lang l, size_t *len);
char *page_render(const verdict *v, lang l, const char *details, size_t dlen, size_t *len);
/* Unix time as Vietnam's civil time (UTC+7), for strftime. */
struct tm;
void vn_time(int64_t t, struct tm *tm);
/* A product's (v->check.batch.id 0) or a batch's own page; serial: a /21/ link's, or 0. */
char *page_entity(const verdict *v, lang l, uint64_t serial, size_t *len);
/* A small page for 404/405/400/414 and the landing page. */
char *page_message(int status, lang l, size_t *len);
/* The Content-Security-Policy value for our pages (style hash included). */
const char *page_csp(void);
int page_init(void);

/*
 * The registry snapshot a replica serves, and its last reload, for
 * /healthz and /metrics (server_registry_status). The audit head and the
 * batch count are read in a transaction when asked; the checksum was taken
 * when the files were opened.
 */
/* RELOAD_REFUSED: judged unfit (checksum, older, a fork); FAILED: could not be opened */
enum { RELOAD_NONE, RELOAD_OPENED, RELOAD_UNCHANGED, RELOAD_REFUSED, RELOAD_FAILED, RELOAD_KINDS };
#define RELOAD_REASON_MAX 300
typedef struct registry_status {
	int readable; /* the head and the batch count below were read */
	stamp_audit_head head;
	uint64_t batches;
	uint8_t sha256[STAMP_SHA256_BYTES];
	int vouched;	/* data.mdb.sha256 was there and matched */
	int64_t opened; /* Unix time the files were opened */
	unsigned reloads;
	int reload_result; /* RELOAD_* of the last SIGHUP; NONE before any */
	int64_t reload_at;
	char reason[RELOAD_REASON_MAX]; /* of a refusal or failure, else "" */
} registry_status;
const char *reload_result_name(int result);

/* api.c: the JSON body, likewise: api_details is the cacheable part. */
char *api_details(const verdict *v, size_t *len);
char *api_render(const verdict *v, const char *details, size_t dlen, size_t *len);
/* /healthz as JSON: ok, the problems (text, one per line, as the plain answer), the snapshot. */
char *api_health(int ok, const char *problems, const registry_status *rs, size_t *len);

/* metrics.c */
enum { STATUS_2XX, STATUS_3XX, STATUS_4XX, STATUS_5XX, STATUS_KINDS };
void metrics_request(int status, double seconds);
void metrics_verdict(const verdict *v);
void metrics_flush(size_t written, int failed);
void metrics_scan(scan_outcome o);
/* Connections the guard closed or refused, by why. */
enum {
	CLOSE_HEAD_DEADLINE,
	CLOSE_EVICTED,
	CLOSE_PER_ADDRESS,
	CLOSE_FULL,
	CLOSE_STOPPING,
	CLOSE_KINDS
};
void metrics_closed(int why);
/* Registry read transactions that could not begin, by cause. */
enum { TXN_READERS_FULL, TXN_OTHER, TXN_CAUSES };
void metrics_txn_failed(int cause);
unsigned long long metrics_txn_failures(int cause);
void metrics_reload(int result);
/* Prometheus text exposition; malloc'd. */
char *metrics_render(uint64_t registry_bytes, uint64_t scans_bytes, const registry_status *rs,
		     const stamp_scans_stats *st, size_t *len);

/* scans_copy.c: verifyd --copy-scans FOLDER --to URL; the exit status. */
int scans_copy_main(int argc, char **argv);

/* ticker.c: fn(arg) every period_ms on its own thread until ticker_stop (which frees). */
typedef struct ticker ticker;
int ticker_start(long period_ms, void (*fn)(void *), void *arg, ticker **out);
void ticker_stop(ticker *t);

/* guard.c: libmicrohttpd's accept policy, connection and completion callbacks */
typedef struct guard guard;
int guard_start(const config *c, guard **out);
void guard_stop(guard *g);
void guard_free(guard *g);
unsigned guard_mhd_limit(const config *c);
void guard_head_done(struct MHD_Connection *c);
/* At a stop: cut the connections idle between requests (guard.c says which). */
void guard_drain(guard *g);
enum MHD_Result guard_accept(void *cls, const struct sockaddr *sa, socklen_t len);
void guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
		  enum MHD_ConnectionNotificationCode code);
void guard_request_done(void *cls, struct MHD_Connection *c, void **req_cls,
			enum MHD_RequestTerminationCode toe);

/* server.c */
typedef struct server server;
int server_start(const config *c, server **out);
/*
 * SIGHUP: open a new snapshot of the registry (requests in flight finish on
 * the old one); on the same files, keep them open and drop the cached
 * details. A snapshot whose checksum fails, that is older than the one
 * served or not a continuation of its audit chain, or that cannot be
 * opened, is refused: the old one is kept, and /healthz says why.
 */
int server_reload(server *s);
/* Stop accepting, wait for requests in flight (bounded), stop the workers. */
void server_stop(server *s);
/* Write pending scan counts (the writer thread does it every second). */
int server_flush(server *s);
void server_free(server *s);

/* Log one line on stderr: "verifyd: ..." (vlog.c). */
#include "vlog.h"

#endif
