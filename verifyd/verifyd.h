/*
 * verifyd.h - what verifyd's files share: the configuration, the server's
 * state, and the functions each file offers the others.
 *
 *   main.c     options, signals, start and clean stop
 *   config.c   the INI file and the flags (flags win)
 *   server.c   libmicrohttpd: routing, limits, the store per worker thread
 *   page.c     the shopper's HTML page (vi/en)
 *   api.c      the JSON verdict (jansson)
 *   metrics.c  counters and the Prometheus text
 *   scans.c    the scan counts (scans.h)
 *   buf.c      the bounded text builder the three answers share
 */
#ifndef VERIFYD_H
#define VERIFYD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "scans.h"
#include "stamp/stamp.h"

typedef struct config {
	char listen_addr[64];	   /* IPv4 or IPv6 literal; default 127.0.0.1 */
	unsigned port;		   /* default 8080 */
	char registry[512];	   /* registry store folder (read-only) */
	char scans[512];	   /* scans store folder (written by verifyd only) */
	unsigned threads;	   /* worker threads; 0 = one per core */
	unsigned timeout_s;	   /* idle connection timeout */
	unsigned max_connections;  /* total */
	unsigned per_ip;	   /* connections per client address */
	size_t memory_limit;	   /* bytes per connection (bounds URL and headers) */
	unsigned backlog;	   /* listen() backlog */
	unsigned suspicious_after; /* scans after which a stamp is suspicious */
	int access_log;		   /* one line per request on stderr */
} config;

/* Defaults, then the file (if any), then the flags. 0 ok, else prints and 2. */
int config_load(config *c, int argc, char **argv);
void config_usage(void);

/* Languages of the page. */
typedef enum { LANG_VI, LANG_EN } lang;

/* What the page and the JSON say about one looked-up code. */
typedef struct verdict {
	stamp_check check;
	int malformed;	  /* the path did not hold a well-formed code */
	int suspicious;	  /* genuine, but scanned more than suspicious_after */
	stamp_scan scans; /* totals after this request (in_store only) */
	unsigned suspicious_after;
	uint32_t today; /* date in Vietnam, for expiry warnings */
} verdict;

/*
 * What the shopper and programs are told: the verdict as shown
 * (stamp_verdict_about()->shown: an unknown key is forged), or
 * STAMP_V_SUSPICIOUS for a genuine stamp scanned too often.
 */
stamp_verdict verdict_shown(const verdict *v);

/* buf.c: a builder of at most cap - 1 bytes of text, NUL-terminated. */
typedef struct strbuf {
	char *p;
	size_t len, cap;
	int full; /* a write did not fit (or no memory): the text is void */
} strbuf;
int buf_init(strbuf *b, size_t cap); /* 0, or -1 (and full) without memory */
void buf_put(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_add(strbuf *b, const char *s, size_t n);
/* Text from the store, HTML-escaped (also safe inside quoted attributes). */
void buf_esc(strbuf *b, const char *s);
/* The text (the caller frees it), or NULL when full; b is empty after. */
char *buf_take(strbuf *b, size_t *len);

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
/* A small page for 404/405/400/414 and the landing page. */
char *page_message(int status, lang l, size_t *len);
/* The Content-Security-Policy value for our pages (style hash included). */
const char *page_csp(void);
int page_init(void);

/* api.c: the JSON body, likewise: api_details is the cacheable part. */
char *api_details(const verdict *v, size_t *len);
char *api_render(const verdict *v, const char *details, size_t dlen, size_t *len);

/* metrics.c */
enum { STATUS_2XX, STATUS_3XX, STATUS_4XX, STATUS_5XX, STATUS_KINDS };
void metrics_request(int status, double seconds);
void metrics_verdict(const verdict *v);
void metrics_flush(size_t written, int failed);
/* Prometheus text exposition; malloc'd. */
char *metrics_render(uint64_t registry_bytes, uint64_t scans_bytes, size_t *len);

/* server.c */
typedef struct server server;
int server_start(const config *c, server **out);
/* SIGHUP: open a new snapshot of the registry (requests in flight finish on the
 * old one); on the same files, keep them open and drop the cached details. */
int server_reload(server *s);
/* Stop accepting, wait for requests in flight (bounded), stop the workers. */
void server_stop(server *s);
/* Write pending scan counts (the writer thread does it every second). */
int server_flush(server *s);
void server_free(server *s);

/* Log one line on stderr: "verifyd: ...". */
void vlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
