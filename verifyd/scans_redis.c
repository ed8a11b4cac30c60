/*
 * scans_redis.c - scan counts in a Redis server shared by several verifyd
 * replicas (scans.h, scans_redis.h; the design in docs/decisions.md).
 *
 * The request path never waits on Redis but at the first sight of a stamp:
 * a bounded in-memory table keeps, per stamp, the last global values Redis
 * gave back and what this replica added since (pending requests and marks).
 * A scan updates its entry and answers from it at once. The writer thread
 * (stamp_scans_flush, once a second) sends every pending stamp in one
 * pipeline, one EVALSHA of SCAN_LUA per stamp: Redis applies the marks under
 * the rules every replica shares (the repeat rule, the per-client budget,
 * the per-source daily allowance: the same as scanner.c and scans.c apply
 * locally), PFADDs the scanner tags to the stamp's HyperLogLog and returns
 * the new global values, which replace the local ones. Stamps read but not
 * written for more than a second are refreshed in the same round, so that
 * each replica sees the others' scans within one to two seconds.
 *
 * A first sight fetches synchronously, SYNC_TIMEOUT_MS at most; when that
 * fails the answer is the local one and no synchronous try is made for
 * BREAKER_MS (a circuit breaker): a dead Redis costs each request nothing.
 *
 * Redis unreachable: the pending data stays in memory, bounded (MARKS_STAMP
 * marks a stamp, MARKS_TOTAL in all, SHARD_MAX * SHARDS stamps), and is sent
 * when Redis is back. What is dropped first: a stamp's marks beyond
 * MARKS_STAMP, then any new mark once MARKS_TOTAL are pending, then the
 * scans of stamps new to a full table; each counted in /metrics. Request
 * totals of stamps in the table are never dropped. A reply lost with its
 * connection after Redis applied it is sent again: at most one round of a
 * stamp's requests can be counted twice, never lost.
 *
 * Keys (no address, cookie value or User-Agent: only the keyed tags that the
 * LMDB backend stores too):
 *   ocs:s:SERIAL              hash: requests counted first last days last_day
 *   ocs:h:SERIAL              HyperLogLog of scanner tags
 *   ocs:r:SERIAL:SCANNER      repeat rule, EX repeat_after
 *   ocs:b:CLIENT:MINUTE       per-client budget, EX 120
 *   ocs:g:SERIAL:DAY          the day's sources of a stamp (a set), EX 2 days
 *   ocs:p:SERIAL:SOURCE:DAY   scanners a source added to a stamp today, EX 2 days
 *   ocs:d:DAY                 counted scans that day (YYYYMMDD), all stamps,
 *                             EX 400 days (stamp_scans_daily)
 *   ocs:meta:NAME             scanner.c's keys (stamp_scans_meta_claim)
 *
 * hiredis contexts are not thread-safe: one for the writer, one for the
 * request path (first sights, claims) behind a mutex.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <hiredis.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "internal.h"
#include "scans_redis.h"
#include "scans_table.h"
#include "stamp/date.h"

#include "vlog.h"

#define SHARD_MAX 8192	/* stamps a shard holds at most (524,288 in all) */
#define SHARD_KEEP 2048 /* above this, idle clean stamps are let go after a round */
#define IDLE_MS 10000	/* ... when not read for this long */
#define MARKS_STAMP 512 /* pending marks per stamp */
#define MARKS_TOTAL (1u << 20)
#define ROUND_MAX 20000 /* stamps sent in one round; the rest wait for the next */
#define REFRESH_MS 1000
#define SYNC_TIMEOUT_MS 50
#define WRITER_TIMEOUT_MS 1000
#define CONNECT_TIMEOUT_MS 200
#define BREAKER_MS 1000
#define METAS 4
#define META_MAX 64
#define RESEED_MS 10000

static const char SCAN_LUA[] =
	"local h, hll, serial = KEYS[1], KEYS[2], ARGV[1]\n"
	"local delta, rep = tonumber(ARGV[2]), tonumber(ARGV[3])\n"
	"local budget, per = tonumber(ARGV[4]), tonumber(ARGV[5])\n"
	"if delta > 0 then redis.call('HINCRBY', h, 'requests', delta) end\n"
	"local i = 6\n"
	"while i + 4 <= #ARGV do\n"
	"  local sc, cl, src, day = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]\n"
	"  local at = tonumber(ARGV[i + 4])\n"
	"  i = i + 5\n"
	"  local rk = 'ocs:r:' .. serial .. ':' .. sc\n"
	"  local fresh = true\n"
	"  if rep > 0 then fresh = redis.call('SET', rk, '1', 'NX', 'EX', rep) end\n"
	"  if fresh then\n"
	"    local bk = 'ocs:b:' .. cl .. ':' .. math.floor(at / 60)\n"
	"    local used = redis.call('INCR', bk)\n"
	"    if used == 1 then redis.call('EXPIRE', bk, 120) end\n"
	"    if used > budget then\n"
	"      if rep > 0 then redis.call('DEL', rk) end\n"
	"    else\n"
	"      redis.call('HINCRBY', h, 'counted', 1)\n"
	"      local dk = 'ocs:d:' .. day\n"
	"      if redis.call('INCR', dk) == 1 then redis.call('EXPIRE', dk, 34560000) end\n"
	"      local f = tonumber(redis.call('HGET', h, 'first') or '0')\n"
	"      if f == 0 or at < f then redis.call('HSET', h, 'first', at) end\n"
	"      if at > tonumber(redis.call('HGET', h, 'last') or '0') then\n"
	"        redis.call('HSET', h, 'last', at) end\n"
	"      if tonumber(day) > tonumber(redis.call('HGET', h, 'last_day') or '0') then\n"
	"        redis.call('HSET', h, 'last_day', day)\n"
	"        redis.call('HINCRBY', h, 'days', 1)\n"
	"      end\n"
	"      local gk = 'ocs:g:' .. serial .. ':' .. day\n"
	"      redis.call('SADD', gk, src)\n"
	"      redis.call('EXPIRE', gk, 172800)\n"
	"      local add = redis.call('SCARD', gk) > 8\n"
	"      if not add then\n"
	"        local pk = 'ocs:p:' .. serial .. ':' .. src .. ':' .. day\n"
	"        local n = redis.call('INCR', pk)\n"
	"        if n == 1 then redis.call('EXPIRE', pk, 172800) end\n"
	"        add = n <= per\n"
	"      end\n"
	"      if add then redis.call('PFADD', hll, sc) end\n"
	"    end\n"
	"  end\n"
	"end\n"
	"local v = redis.call('HMGET', h, 'requests', 'counted', 'first', 'last', 'days', "
	"'last_day')\n"
	"return {tonumber(v[1] or '0'), tonumber(v[2] or '0'), redis.call('PFCOUNT', hll),\n"
	"  tonumber(v[3] or '0'), tonumber(v[4] or '0'), tonumber(v[5] or '0'),\n"
	"  tonumber(v[6] or '0')}\n";
#define SCAN_REPLY 7

/* Keep the stored value unless ours has a greater prefix (a later day). */
static const char CLAIM_LUA[] =
	"local v = redis.call('GET', KEYS[1])\n"
	"local n = tonumber(ARGV[2])\n"
	"if v and string.sub(v, 1, n) >= string.sub(ARGV[1], 1, n) then return v end\n"
	"if tonumber(ARGV[3]) > 0 then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])\n"
	"else redis.call('SET', KEYS[1], ARGV[1]) end\n"
	"return ARGV[1]\n";

typedef struct rmark {
	uint32_t scanner, client, day;
	uint16_t source;
	uint8_t fresh; /* shown as a new scanner (show_mark) */
	int64_t at;
} rmark;

typedef struct entry {
	uint64_t serial; /* 0: empty slot */
	stamp_scan g;	 /* the global values Redis last gave back */
	uint32_t g_last_day;
	stamp_scan shown; /* what a request is told: g and what this replica added since */
	uint32_t shown_last_day;
	uint64_t preq, ireq; /* requests pending, and in flight in the round */
	rmark *marks;	     /* pending marks (nmarks of cap) */
	uint32_t nmarks, cap, imarks;
	int64_t refreshed_ms; /* when g came from Redis; 0: never */
	int64_t read_ms;      /* last request of the stamp */
	int inflight;
} entry;

typedef struct shard {
	pthread_mutex_t lock;
	entry *slots;
	size_t cap, used;
} shard;

typedef struct conn {
	redisContext *c;
	char sha[41];
} conn;

typedef struct meta {
	char name[32];
	unsigned char val[META_MAX];
	size_t len, keep;
	unsigned ttl;
} meta;

struct scans_redis {
	char host[256], path[256], password[128], where[300];
	unsigned port, db;
	stamp_scans_options o;
	shard shards[SHARDS];
	conn w;	   /* the writer's */
	conn sync; /* the request path's, under sync_lock */
	pthread_mutex_t sync_lock, meta_lock;
	atomic_llong breaker_until; /* no synchronous try before (ms) */
	atomic_int up;
	atomic_llong down_since;
	atomic_int last_cause;
	atomic_ullong pending_marks, dropped_marks, dropped_requests, pending_stamps;
	atomic_ullong errors[SCANS_ERR_CAUSES];
	atomic_int logged[SCANS_ERR_CAUSES];
	atomic_int reseed;   /* the writer re-stores the claimed keys (Redis restarted) */
	int64_t reseeded_ms; /* ... and does every RESEED_MS anyway (a FLUSHALL, an eviction) */
	meta metas[METAS];
	int nmetas;
};

static int64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* ---- errors: counted, logged once per cause ----------------------------- */

static void cause(scans_redis *r, int c, const char *detail)
{
	atomic_fetch_add(&r->errors[c], 1);
	atomic_store(&r->last_cause, c);
	if (atomic_exchange(&r->up, 0) == 1)
		atomic_store(&r->down_since, (long long)time(NULL));
	if (atomic_exchange(&r->logged[c], 1) == 0) {
		char d[160];
		size_t n = 0;
		/* a reply's text, bounded and printable (no password is ever in one) */
		for (; detail && detail[n] && n + 1 < sizeof d; n++)
			d[n] = detail[n] >= 0x20 && detail[n] < 0x7f ? detail[n] : '?';
		d[n] = '\0';
		vlog("scans: Redis %s: %s (%s; logged once; counts kept in memory, counted in "
		     "/metrics)",
		     r->where, d, stamp_scans_err_names[c]);
	}
}

static void back_up(scans_redis *r)
{
	if (atomic_exchange(&r->up, 1) == 0)
		vlog("scans: Redis %s reachable; pending counts sent", r->where);
}

/* The cause of a context's failure (the context is then unusable). */
static int ctx_cause(const redisContext *c)
{
	if (c->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK))
		return SCANS_ERR_TIMEOUT;
	if (c->err == REDIS_ERR_IO || c->err == REDIS_ERR_EOF)
		return SCANS_ERR_CONNECT;
	return SCANS_ERR_REPLY;
}

static int reply_cause(const redisReply *y)
{
	if (!y || y->type != REDIS_REPLY_ERROR || !y->str)
		return SCANS_ERR_REPLY;
	if (!strncmp(y->str, "NOSCRIPT", 8))
		return SCANS_ERR_SCRIPT;
	if (!strncmp(y->str, "OOM", 3))
		return SCANS_ERR_FULL;
	if (!strncmp(y->str, "NOAUTH", 6) || !strncmp(y->str, "WRONGPASS", 9) ||
	    strstr(y->str, "AUTH") || strstr(y->str, "password"))
		return SCANS_ERR_AUTH;
	return SCANS_ERR_REPLY;
}

/* ---- connections -------------------------------------------------------- */

static void conn_drop(conn *k)
{
	if (k->c)
		redisFree(k->c);
	k->c = NULL;
}

static redisReply *command(scans_redis *r, conn *k, int argc, const char **argv, const size_t *lens)
{
	redisReply *y = redisCommandArgv(k->c, argc, argv, lens);
	if (!y) {
		cause(r, ctx_cause(k->c), k->c->errstr);
		conn_drop(k);
	}
	return y;
}

/* A status or string reply that says OK-like things; else the cause counted. */
static int expect(scans_redis *r, redisReply *y, int type)
{
	if (!y)
		return -1;
	int ok = y->type == type;
	if (!ok)
		cause(r, reply_cause(y),
		      y->type == REDIS_REPLY_ERROR ? y->str : "unexpected reply");
	freeReplyObject(y);
	return ok ? 0 : -1;
}

static int load_script(scans_redis *r, conn *k)
{
	const char *argv[] = {"SCRIPT", "LOAD", SCAN_LUA};
	redisReply *y = command(r, k, 3, argv, NULL);
	if (!y)
		return -1;
	if (y->type != REDIS_REPLY_STRING || y->len != 40) {
		cause(r, reply_cause(y), y->type == REDIS_REPLY_ERROR ? y->str : "SCRIPT LOAD");
		freeReplyObject(y);
		conn_drop(k);
		return -1;
	}
	memcpy(k->sha, y->str, 40);
	k->sha[40] = '\0';
	freeReplyObject(y);
	return 0;
}

static int conn_open(scans_redis *r, conn *k, int timeout_ms)
{
	struct timeval ct = {0, CONNECT_TIMEOUT_MS * 1000};
	struct timeval rw = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	char db[16];
	conn_drop(k);
	k->c = r->path[0] ? redisConnectUnixWithTimeout(r->path, ct)
			  : redisConnectWithTimeout(r->host, (int)r->port, ct);
	if (!k->c) {
		cause(r, SCANS_ERR_CONNECT, "out of memory");
		return -1;
	}
	if (k->c->err) {
		cause(r, ctx_cause(k->c), k->c->errstr);
		conn_drop(k);
		return -1;
	}
	redisSetTimeout(k->c, rw);
	if (r->password[0]) {
		const char *argv[] = {"AUTH", r->password};
		if (expect(r, command(r, k, 2, argv, NULL), REDIS_REPLY_STATUS))
			goto fail;
	}
	if (r->db) {
		snprintf(db, sizeof db, "%u", r->db);
		const char *argv[] = {"SELECT", db};
		if (expect(r, command(r, k, 2, argv, NULL), REDIS_REPLY_STATUS))
			goto fail;
	}
	if (load_script(r, k))
		goto fail;
	return 0;
fail:
	conn_drop(k);
	return -1;
}

/* ---- the URL -------------------------------------------------------------- */

int scans_redis_is_url(const char *where)
{
	return !strncmp(where, "redis://", 8) || !strncmp(where, "unix:", 5);
}

static int parse_uint(const char *s, size_t n, unsigned max, unsigned *out)
{
	unsigned long v = 0;
	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int copy_part(char *dst, size_t cap, const char *s, size_t n)
{
	if (n == 0 || n >= cap)
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/* redis://[:PASSWORD@]HOST[:PORT][/DB] or unix:PATH; where says it without the password. */
static int parse_url(scans_redis *r, const char *url)
{
	r->port = 6379;
	if (!strncmp(url, "unix:", 5)) {
		if (copy_part(r->path, sizeof r->path, url + 5, strlen(url + 5)))
			return -1;
		snprintf(r->where, sizeof r->where, "unix:%s", r->path);
		return 0;
	}
	const char *p = url + 8, *at = strrchr(p, '@');
	if (at) {
		if (*p != ':' ||
		    copy_part(r->password, sizeof r->password, p + 1, (size_t)(at - p - 1)))
			return -1;
		p = at + 1;
	}
	const char *slash = strchr(p, '/');
	size_t hl = slash ? (size_t)(slash - p) : strlen(p);
	const char *colon = memchr(p, ':', hl);
	if (copy_part(r->host, sizeof r->host, p, colon ? (size_t)(colon - p) : hl))
		return -1;
	if (colon && parse_uint(colon + 1, (size_t)(p + hl - colon - 1), 65535, &r->port))
		return -1;
	if (slash && parse_uint(slash + 1, strlen(slash + 1), 15, &r->db))
		return -1;
	snprintf(r->where, sizeof r->where, "redis://%s:%u/%u", r->host, r->port, r->db);
	return 0;
}

static int prepare(scans_redis *r, const char *url, const char *password, stamp_diag *diag)
{
	if (strlen(url) >= 512 || parse_url(r, url) != 0) {
		stamp_diag_set(diag, STAMP_EINPUT,
			       "scans: expected redis://[:PASSWORD@]HOST[:PORT][/DB] (DB 0 to 15) "
			       "or unix:PATH");
		return STAMP_EINPUT;
	}
	if (password && *password && !r->password[0] &&
	    copy_part(r->password, sizeof r->password, password, strlen(password))) {
		stamp_diag_set(diag, STAMP_EINPUT, "scans_password: at most %zu characters",
			       sizeof r->password - 1);
		return STAMP_EINPUT;
	}
	return 0;
}

/* ---- open, close ---------------------------------------------------------- */

int scans_redis_open(const char *url, const stamp_scans_options *o, scans_redis **out,
		     stamp_diag *diag)
{
	*out = NULL;
	scans_redis *r = calloc(1, sizeof *r);
	if (!r)
		return ENOMEM;
	int rc = prepare(r, url, o->password, diag);
	if (rc) {
		sodium_memzero(r->password, sizeof r->password);
		free(r);
		return rc;
	}
	r->o = *o;
	r->o.password = NULL;
	if (!r->o.per_source)
		r->o.per_source = 1;
	if (!r->o.client_budget)
		r->o.client_budget = 1000000;
	pthread_mutex_init(&r->sync_lock, NULL);
	pthread_mutex_init(&r->meta_lock, NULL);
	for (int i = 0; i < SHARDS; i++) {
		shard *sh = &r->shards[i];
		pthread_mutex_init(&sh->lock, NULL);
		sh->cap = 64;
		if (!(sh->slots = calloc(sh->cap, sizeof *sh->slots))) {
			scans_redis_close(r);
			return ENOMEM;
		}
	}
	atomic_store(&r->up, 1);
	/* unreachable now is not fatal: verdicts need only the registry */
	if (conn_open(r, &r->w, WRITER_TIMEOUT_MS) == 0)
		back_up(r);
	*out = r;
	return 0;
}

void scans_redis_close(scans_redis *r)
{
	if (!r)
		return;
	for (int i = 0; i < SHARDS; i++) {
		shard *sh = &r->shards[i];
		for (size_t j = 0; sh->slots && j < sh->cap; j++)
			free(sh->slots[j].marks);
		free(sh->slots);
		pthread_mutex_destroy(&sh->lock);
	}
	conn_drop(&r->w);
	conn_drop(&r->sync);
	pthread_mutex_destroy(&r->sync_lock);
	pthread_mutex_destroy(&r->meta_lock);
	sodium_memzero(r->metas, sizeof r->metas);
	sodium_memzero(r->password, sizeof r->password);
	free(r);
}

const char *scans_redis_where(scans_redis *r)
{
	return r->where;
}

/* ---- the script's reply ----------------------------------------------------- */

/* The global values in a reply of SCAN_LUA; -1 for anything else. */
static int scan_values(const redisReply *y, stamp_scan *g, uint32_t *last_day)
{
	long long v[SCAN_REPLY];
	if (!y || y->type != REDIS_REPLY_ARRAY || y->elements != SCAN_REPLY)
		return -1;
	for (size_t i = 0; i < SCAN_REPLY; i++) {
		if (!y->element[i] || y->element[i]->type != REDIS_REPLY_INTEGER ||
		    y->element[i]->integer < 0)
			return -1;
		v[i] = y->element[i]->integer;
	}
	if (v[5] > UINT32_MAX || v[6] > UINT32_MAX)
		return -1;
	*g = (stamp_scan){(uint64_t)v[0], (uint64_t)v[1], (uint64_t)v[2],
			  (int64_t)v[3],  (int64_t)v[4],  (uint32_t)v[5]};
	*last_day = (uint32_t)v[6];
	return 0;
}

/* The script's arguments for one stamp: text in one buffer, pointers into it. */
typedef struct args {
	int argc;
	const char **argv;
	size_t *lens;
	char *text;
} args;

static void args_free(args *a)
{
	free(a->argv);
	free(a->lens);
	free(a->text);
	memset(a, 0, sizeof *a);
}

#define ARG_TEXT 48 /* the longest argument (a script's SHA1 in hex), with its NUL */

static int args_build(scans_redis *r, const char *sha, uint64_t serial, uint64_t delta,
		      const rmark *m, uint32_t n, args *a)
{
	int argc = 3 + 2 + 5 + 5 * (int)n;
	a->argc = argc;
	a->argv = calloc((size_t)argc, sizeof *a->argv);
	a->lens = calloc((size_t)argc, sizeof *a->lens);
	a->text = malloc((size_t)argc * ARG_TEXT);
	if (!a->argv || !a->lens || !a->text) {
		args_free(a);
		return ENOMEM;
	}
	int i = 0;
#define PUT(...)                                                                                   \
	do {                                                                                       \
		char *t = a->text + (size_t)i * ARG_TEXT;                                          \
		a->lens[i] = (size_t)snprintf(t, ARG_TEXT, __VA_ARGS__);                           \
		a->argv[i++] = t;                                                                  \
	} while (0)
	PUT("EVALSHA");
	PUT("%s", sha);
	PUT("2");
	PUT("ocs:s:%" PRIu64, serial);
	PUT("ocs:h:%" PRIu64, serial);
	PUT("%" PRIu64, serial);
	PUT("%" PRIu64, delta);
	PUT("%u", r->o.repeat_after);
	PUT("%u", r->o.client_budget);
	PUT("%u", r->o.per_source);
	for (uint32_t k = 0; k < n; k++) {
		PUT("%08" PRIx32, m[k].scanner);
		PUT("%08" PRIx32, m[k].client);
		PUT("%u", (unsigned)m[k].source);
		PUT("%" PRIu32, m[k].day);
		PUT("%" PRId64, m[k].at);
	}
#undef PUT
	return 0;
}

/* ---- the table -------------------------------------------------------------- */

static shard *shard_of(scans_redis *r, uint64_t serial)
{
	return &r->shards[scans_shard(serial)];
}

static entry *find_slot(entry *slots, size_t cap, uint64_t serial)
{
	return &slots[scans_slot(slots, sizeof *slots, cap, serial)];
}

typedef struct keep_rule {
	int drop;
	int64_t now;
} keep_rule;

static int keep_entry(void *p, void *arg)
{
	entry *e = p;
	const keep_rule *k = arg;
	if (k->drop && !e->inflight && !e->preq && !e->nmarks && k->now - e->read_ms > IDLE_MS) {
		free(e->marks);
		return 0;
	}
	return 1;
}

/* Rebuild at cap; drop (when drop) idle entries with nothing pending. */
static int rebuild(shard *sh, size_t cap, int drop, int64_t now)
{
	keep_rule k = {drop, now};
	void *slots = sh->slots;
	int rc = scans_rehash(&slots, sizeof *sh->slots, &sh->cap, &sh->used, cap, keep_entry, &k);
	sh->slots = slots;
	return rc;
}

/* The entry, or a new one with g (NULL: unknown yet); NULL when the shard is full. */
static entry *slot_for(shard *sh, uint64_t serial, const stamp_scan *g, uint32_t last_day,
		       int64_t now)
{
	entry *e = find_slot(sh->slots, sh->cap, serial);
	if (e->serial)
		return e;
	if (sh->used >= SHARD_MAX)
		return NULL;
	if ((sh->used + 1) * 2 > sh->cap) {
		if (rebuild(sh, sh->cap * 2, 0, now))
			return NULL;
		e = find_slot(sh->slots, sh->cap, serial);
	}
	memset(e, 0, sizeof *e);
	e->serial = serial;
	if (g) {
		e->g = e->shown = *g;
		e->g_last_day = e->shown_last_day = last_day;
		e->refreshed_ms = now;
	}
	sh->used++;
	return e;
}

/*
 * The answer: the global values and what this replica added since, kept up
 * to date scan by scan (O(1) a request). A pending scanner is shown as new
 * unless it is pending already, and at most per_source of them a source
 * (scans.c's allowance): between rounds the figure may run a little ahead of
 * Redis's, never behind, and the next round corrects it.
 */
static void show_mark(entry *e, const rmark *m)
{
	e->shown.counted++;
	e->shown.scanners += m->fresh;
	if (!e->shown.first || m->at < e->shown.first)
		e->shown.first = m->at;
	if (m->at > e->shown.last)
		e->shown.last = m->at;
	if (m->day > e->shown_last_day) {
		e->shown_last_day = m->day;
		e->shown.days++;
	}
}

/* After a round: the new global values, and what is pending still. */
static void reshow(entry *e)
{
	e->shown = e->g;
	e->shown_last_day = e->g_last_day;
	e->shown.requests += e->preq + e->ireq;
	for (uint32_t i = 0; i < e->nmarks; i++)
		show_mark(e, &e->marks[i]);
}

static uint8_t is_fresh(scans_redis *r, const entry *e, const rmark *m)
{
	unsigned same_source = 0;
	for (uint32_t i = 0; i < e->nmarks; i++) {
		if (e->marks[i].scanner == m->scanner)
			return 0;
		same_source += e->marks[i].fresh && e->marks[i].source == m->source;
	}
	return same_source < r->o.per_source;
}

static int add_mark(scans_redis *r, entry *e, const rmark *m)
{
	if (e->nmarks >= MARKS_STAMP || atomic_fetch_add(&r->pending_marks, 1) >= MARKS_TOTAL) {
		if (e->nmarks < MARKS_STAMP)
			atomic_fetch_sub(&r->pending_marks, 1);
		atomic_fetch_add(&r->dropped_marks, 1);
		return -1;
	}
	if (e->nmarks == e->cap) {
		uint32_t cap = e->cap ? e->cap * 2 : 4;
		rmark *nm = realloc(e->marks, cap * sizeof *nm);
		if (!nm) {
			atomic_fetch_sub(&r->pending_marks, 1);
			atomic_fetch_add(&r->dropped_marks, 1);
			return -1;
		}
		e->marks = nm;
		e->cap = cap;
	}
	e->marks[e->nmarks++] = *m;
	return 0;
}

/* ---- first sight: synchronous, bounded, behind the breaker ----------------- */

static int fetch(scans_redis *r, uint64_t serial, stamp_scan *g, uint32_t *last_day)
{
	int64_t now = now_ms();
	if (now < atomic_load(&r->breaker_until))
		return -1;
	int rc = -1;
	pthread_mutex_lock(&r->sync_lock);
	for (int attempt = 0; attempt < 2 && rc; attempt++) {
		if (!r->sync.c && conn_open(r, &r->sync, SYNC_TIMEOUT_MS))
			break;
		args a;
		if (args_build(r, r->sync.sha, serial, 0, NULL, 0, &a))
			break;
		redisReply *y = command(r, &r->sync, a.argc, a.argv, a.lens);
		args_free(&a);
		if (!y)
			break;
		if (scan_values(y, g, last_day) == 0) {
			rc = 0;
		} else if (reply_cause(y) == SCANS_ERR_SCRIPT) {
			load_script(r, &r->sync); /* Redis restarted: once more */
		} else {
			cause(r, reply_cause(y), y->type == REDIS_REPLY_ERROR ? y->str : "reply");
			attempt = 2;
		}
		freeReplyObject(y);
	}
	pthread_mutex_unlock(&r->sync_lock);
	if (rc)
		atomic_store(&r->breaker_until, now_ms() + BREAKER_MS);
	return rc;
}

/* ---- counts per day: one MGET on the request path's connection ------------- */

#define DAILY_TTL (400 * 86400) /* as SCAN_LUA's EXPIRE of ocs:d:DAY */

static int daily_values(const redisReply *y, uint32_t ndays, uint64_t *counts)
{
	if (y->type != REDIS_REPLY_ARRAY || y->elements != ndays)
		return -1;
	for (uint32_t i = 0; i < ndays; i++) {
		const redisReply *e = y->element[i];
		char *end;
		if (e->type == REDIS_REPLY_NIL)
			continue;
		if (e->type != REDIS_REPLY_STRING)
			return -1;
		errno = 0;
		counts[i] = strtoull(e->str, &end, 10);
		if (errno || end == e->str || *end)
			return -1;
	}
	return 0;
}

int scans_redis_daily(scans_redis *r, uint32_t first, uint32_t ndays, uint64_t *counts)
{
	const char *argv[1 + STAMP_SCANS_DAILY_MAX];
	char keys[STAMP_SCANS_DAILY_MAX][24];
	int64_t from = stamp_date_to_days(first);
	int rc = EIO;
	if (!ndays)
		return 0;
	argv[0] = "MGET";
	for (uint32_t i = 0; i < ndays; i++) {
		snprintf(keys[i], sizeof keys[i], "ocs:d:%" PRIu32, stamp_date_from_days(from + i));
		argv[1 + i] = keys[i];
	}
	pthread_mutex_lock(&r->sync_lock);
	if (r->sync.c || conn_open(r, &r->sync, SYNC_TIMEOUT_MS) == 0) {
		redisReply *y = command(r, &r->sync, (int)ndays + 1, argv, NULL);
		if (y && daily_values(y, ndays, counts) == 0)
			rc = 0;
		else if (y)
			cause(r, reply_cause(y), y->type == REDIS_REPLY_ERROR ? y->str : "MGET");
		if (y)
			freeReplyObject(y);
	}
	pthread_mutex_unlock(&r->sync_lock);
	if (rc)
		memset(counts, 0, ndays * sizeof *counts);
	return rc;
}

static int lookup(scans_redis *r, uint64_t serial, int64_t now, int request,
		  const stamp_scan_mark *mark, stamp_scan *out)
{
	shard *sh = shard_of(r, serial);
	int64_t ms = now_ms();
	memset(out, 0, sizeof *out);
	if (serial == 0)
		return STAMP_EINPUT;
	pthread_mutex_lock(&sh->lock);
	entry *e = find_slot(sh->slots, sh->cap, serial);
	if (!e->serial) {
		stamp_scan g;
		uint32_t last_day = 0;
		pthread_mutex_unlock(&sh->lock);
		int have = fetch(r, serial, &g, &last_day) == 0;
		pthread_mutex_lock(&sh->lock);
		e = slot_for(sh, serial, have ? &g : NULL, last_day, ms);
		if (!e) {
			pthread_mutex_unlock(&sh->lock);
			if (request)
				atomic_fetch_add(&r->dropped_requests, 1);
			if (request && mark)
				atomic_fetch_add(&r->dropped_marks, 1);
			if (have)
				*out = g;
			return 0;
		}
	}
	e->read_ms = ms;
	if (request) {
		e->preq++;
		e->shown.requests++;
		if (mark) {
			rmark m = {mark->scanner, mark->client, mark->day, mark->source, 0, now};
			m.fresh = is_fresh(r, e, &m);
			if (add_mark(r, e, &m) == 0)
				show_mark(e, &m);
		}
	}
	*out = e->shown;
	pthread_mutex_unlock(&sh->lock);
	return 0;
}

int scans_redis_record(scans_redis *r, uint64_t serial, int64_t now, const stamp_scan_mark *mark,
		       stamp_scan *after)
{
	return lookup(r, serial, now, 1, mark, after);
}

int scans_redis_get(scans_redis *r, uint64_t serial, stamp_scan *out)
{
	return lookup(r, serial, 0, 0, NULL, out);
}

/* ---- the round ---------------------------------------------------------------- */

typedef struct job {
	uint64_t serial;
	uint64_t delta;
	rmark *marks;
	uint32_t n;
} job;

/* Take what is due from every shard: pending data moves to the round. */
static int collect(scans_redis *r, int64_t now, job **out, size_t *n)
{
	size_t cap = 0, len = 0;
	job *v = NULL;
	uint64_t pending = 0;
	for (int i = 0; i < SHARDS; i++) {
		shard *sh = &r->shards[i];
		pthread_mutex_lock(&sh->lock);
		for (size_t j = 0; j < sh->cap; j++) {
			entry *e = &sh->slots[j];
			if (!e->serial)
				continue;
			int due = e->preq || e->nmarks || !e->refreshed_ms ||
				  (e->read_ms > e->refreshed_ms &&
				   now - e->refreshed_ms >= REFRESH_MS);
			pending += e->preq || e->nmarks;
			if (!due || len >= ROUND_MAX)
				continue;
			if (len == cap) {
				size_t ncap = cap ? cap * 2 : 256;
				job *nv = realloc(v, ncap * sizeof *nv);
				if (!nv)
					continue; /* next round */
				v = nv;
				cap = ncap;
			}
			v[len++] = (job){e->serial, e->preq, e->marks, e->nmarks};
			e->ireq = e->preq;
			e->imarks = e->nmarks;
			e->preq = 0;
			e->marks = NULL;
			e->nmarks = e->cap = 0;
			e->inflight = 1;
		}
		pthread_mutex_unlock(&sh->lock);
	}
	atomic_store(&r->pending_stamps, pending);
	*out = v;
	*n = len;
	return 0;
}

/* The round's answer for one stamp: new global values, or its data pending again. */
static void settle(scans_redis *r, job *j, const stamp_scan *g, uint32_t last_day, int64_t now)
{
	shard *sh = shard_of(r, j->serial);
	pthread_mutex_lock(&sh->lock);
	entry *e = find_slot(sh->slots, sh->cap, j->serial); /* in flight: never dropped */
	if (e->serial) {
		e->inflight = 0;
		e->ireq = 0;
		e->imarks = 0;
		if (g) {
			e->g = *g;
			e->g_last_day = last_day;
			e->refreshed_ms = now;
			atomic_fetch_sub(&r->pending_marks, j->n);
			reshow(e);
		} else {
			/* pending again, before what came in during the round */
			uint32_t later = e->nmarks, total = j->n + later;
			uint32_t keep = total > MARKS_STAMP ? MARKS_STAMP : total, k = 0;
			rmark *m = keep ? malloc(keep * sizeof *m) : NULL;
			if (!m)
				keep = 0;
			for (uint32_t i = 0; i < j->n && k < keep; i++)
				m[k++] = j->marks[i];
			for (uint32_t i = 0; i < later && k < keep; i++)
				m[k++] = e->marks[i];
			free(e->marks);
			e->marks = m;
			e->nmarks = e->cap = k;
			e->preq += j->delta;
			atomic_fetch_sub(&r->pending_marks, total - k);
			atomic_fetch_add(&r->dropped_marks, total - k);
			reshow(e); /* the same, less what the bound dropped */
		}
	} else {
		atomic_fetch_sub(&r->pending_marks, j->n);
	}
	pthread_mutex_unlock(&sh->lock);
	free(j->marks);
	j->marks = NULL;
}

/* Re-store the claimed keys (after a restart of Redis, or while it was away). */
static void reseed(scans_redis *r)
{
	meta m[METAS];
	int n;
	pthread_mutex_lock(&r->meta_lock);
	n = r->nmetas;
	memcpy(m, r->metas, sizeof m);
	pthread_mutex_unlock(&r->meta_lock);
	for (int i = 0; i < n && r->w.c; i++) {
		char key[48], keep[16], ttl[16];
		snprintf(key, sizeof key, "ocs:meta:%s", m[i].name);
		snprintf(keep, sizeof keep, "%zu", m[i].keep);
		snprintf(ttl, sizeof ttl, "%u", m[i].ttl);
		const char *argv[] = {"EVAL", CLAIM_LUA, "1", key, (const char *)m[i].val,
				      keep,   ttl};
		size_t lens[] = {4,	   strlen(CLAIM_LUA), 1,	  strlen(key),
				 m[i].len, strlen(keep),      strlen(ttl)};
		redisReply *y = command(r, &r->w, 7, argv, lens);
		if (y)
			freeReplyObject(y);
	}
	sodium_memzero(m, sizeof m);
	if (r->w.c)
		r->reseed = 0;
}

int scans_redis_flush(scans_redis *r, size_t *written)
{
	job *v = NULL;
	size_t n = 0, sent = 0, done = 0;
	int64_t now = now_ms();
	int rc = 0;

	if (written)
		*written = 0;
	if (!r->w.c) {
		if (conn_open(r, &r->w, WRITER_TIMEOUT_MS) == 0)
			r->reseed = 1;
	}
	if (r->w.c && (r->reseed || now - r->reseeded_ms >= RESEED_MS)) {
		reseed(r);
		r->reseeded_ms = now;
	}
	collect(r, now, &v, &n);
	if (n == 0 && r->w.c) { /* an idle round: is Redis still there (a restart)? */
		const char *argv[] = {"PING"};
		expect(r, command(r, &r->w, 1, argv, NULL), REDIS_REPLY_STATUS);
	}
	for (; r->w.c && sent < n; sent++) {
		args a;
		if (args_build(r, r->w.sha, v[sent].serial, v[sent].delta, v[sent].marks, v[sent].n,
			       &a))
			break;
		int ok = redisAppendCommandArgv(r->w.c, a.argc, a.argv, a.lens) == REDIS_OK;
		args_free(&a);
		if (!ok)
			break;
	}
	int noscript = 0, failed = 0;
	for (; done < sent; done++) {
		redisReply *y = NULL;
		if (!r->w.c || redisGetReply(r->w.c, (void **)&y) != REDIS_OK) {
			if (r->w.c) {
				cause(r, ctx_cause(r->w.c), r->w.c->errstr);
				conn_drop(&r->w);
			}
			break;
		}
		stamp_scan g;
		uint32_t last_day;
		if (scan_values(y, &g, &last_day) == 0) {
			settle(r, &v[done], &g, last_day, now);
			if (written)
				++*written;
		} else {
			int c = reply_cause(y);
			noscript |= c == SCANS_ERR_SCRIPT;
			failed = 1;
			cause(r, c,
			      y && y->type == REDIS_REPLY_ERROR ? y->str : "unexpected reply");
			settle(r, &v[done], NULL, 0, now);
		}
		freeReplyObject(y);
	}
	for (size_t i = done; i < n; i++) /* not sent, or no reply */
		settle(r, &v[i], NULL, 0, now);
	free(v);
	if (noscript && r->w.c && load_script(r, &r->w) == 0)
		r->reseed = 1; /* an empty Redis: the keys go back in too */
	if (done < n || failed || !r->w.c) {
		rc = EAGAIN;
	} else {
		back_up(r);
		atomic_store(&r->breaker_until, 0);
	}
	/* let idle clean stamps go from shards that grew large */
	for (int i = 0; i < SHARDS; i++) {
		shard *sh = &r->shards[i];
		pthread_mutex_lock(&sh->lock);
		if (sh->used > SHARD_KEEP)
			rebuild(sh, sh->cap, 1, now);
		pthread_mutex_unlock(&sh->lock);
	}
	return rc;
}

int scans_redis_explain(scans_redis *r, int rc, stamp_diag *diag)
{
	stamp_diag_set(diag, rc, "Redis %s: %s (counts kept in memory until it answers)", r->where,
		       stamp_scans_err_names[atomic_load(&r->last_cause)]);
	return rc;
}

/* ---- claims (scanner.c's keys) --------------------------------------------- */

static void remember(scans_redis *r, const char *name, const void *val, size_t len, size_t keep,
		     unsigned ttl)
{
	pthread_mutex_lock(&r->meta_lock);
	int i = 0;
	while (i < r->nmetas && strcmp(r->metas[i].name, name))
		i++;
	if (i < METAS && strlen(name) < sizeof r->metas[i].name && len <= META_MAX) {
		meta *m = &r->metas[i];
		strcpy(m->name, name);
		memcpy(m->val, val, len);
		m->len = len;
		m->keep = keep;
		m->ttl = ttl;
		if (i == r->nmetas)
			r->nmetas++;
	}
	pthread_mutex_unlock(&r->meta_lock);
}

int scans_redis_claim(scans_redis *r, const char *name, const void *val, size_t len,
		      size_t keep_prefix, unsigned ttl, void *buf, size_t cap, size_t *outlen)
{
	char key[64], keep[16], ttls[16];
	int rc = -1;
	if (len > cap || len > META_MAX || keep_prefix > len ||
	    snprintf(key, sizeof key, "ocs:meta:%s", name) >= (int)sizeof key)
		return STAMP_EINPUT;
	snprintf(keep, sizeof keep, "%zu", keep_prefix);
	snprintf(ttls, sizeof ttls, "%u", ttl);
	const char *argv[] = {"EVAL", CLAIM_LUA, "1", key, val, keep, ttls};
	size_t lens[] = {4, strlen(CLAIM_LUA), 1, strlen(key), len, strlen(keep), strlen(ttls)};
	pthread_mutex_lock(&r->sync_lock);
	if (r->sync.c || conn_open(r, &r->sync, SYNC_TIMEOUT_MS * 10) == 0) {
		redisReply *y = command(r, &r->sync, 7, argv, lens);
		if (y && y->type == REDIS_REPLY_STRING) {
			/* a value of a later day there (clocks apart): ours for today */
			if (y->len <= cap && y->len >= keep_prefix &&
			    !memcmp(y->str, val, keep_prefix)) {
				memcpy(buf, y->str, y->len);
				*outlen = y->len;
			} else {
				memcpy(buf, val, len);
				*outlen = len;
			}
			rc = 0;
		} else if (y) {
			cause(r, reply_cause(y),
			      y->type == REDIS_REPLY_ERROR ? y->str : "claim: unexpected reply");
		}
		if (y)
			freeReplyObject(y);
	}
	pthread_mutex_unlock(&r->sync_lock);
	if (rc) { /* Redis away (or a later day there): ours for now, stored when it is back */
		memcpy(buf, val, len);
		*outlen = len;
		atomic_store(&r->reseed, 1);
	}
	remember(r, name, buf, *outlen, keep_prefix, ttl);
	return 0;
}

/* ---- health and metrics -------------------------------------------------------- */

void scans_redis_stats(scans_redis *r, stamp_scans_stats *out)
{
	out->redis = 1;
	out->up = atomic_load(&r->up);
	out->pending_stamps = atomic_load(&r->pending_stamps);
	out->pending_marks = atomic_load(&r->pending_marks);
	out->dropped_marks = atomic_load(&r->dropped_marks);
	out->dropped_requests = atomic_load(&r->dropped_requests);
	for (int i = 0; i < SCANS_ERR_CAUSES; i++)
		out->errors[i] = atomic_load(&r->errors[i]);
}

int scans_redis_health(scans_redis *r, char *buf, size_t cap)
{
	if (atomic_load(&r->up)) {
		if (cap)
			buf[0] = '\0';
		return 0;
	}
	snprintf(buf, cap,
		 "scans backend down: Redis %s (%s) for %lld s; %llu stamps and %llu counted "
		 "scans pending in memory, %llu dropped",
		 r->where, stamp_scans_err_names[atomic_load(&r->last_cause)],
		 (long long)time(NULL) - atomic_load(&r->down_since),
		 (unsigned long long)atomic_load(&r->pending_stamps),
		 (unsigned long long)atomic_load(&r->pending_marks),
		 (unsigned long long)atomic_load(&r->dropped_marks));
	return 1;
}

/* ---- moving counts in (scans_copy.c) ------------------------------------------- */

struct scans_redis_copy {
	scans_redis r; /* its URL, password and error counters */
	size_t due;    /* replies not read yet */
	int failed;
	char first_error[160];
};

#define COPY_WINDOW 512
#define COPY_CHUNK 512 /* tags per PFADD */

static int copy_drain(scans_redis_copy *c, size_t keep)
{
	while (c->due > keep) {
		redisReply *y = NULL;
		if (redisGetReply(c->r.w.c, (void **)&y) != REDIS_OK) {
			snprintf(c->first_error, sizeof c->first_error, "%s", c->r.w.c->errstr);
			return -1;
		}
		c->due--;
		if (y->type == REDIS_REPLY_ERROR && !c->failed) {
			c->failed = 1;
			snprintf(c->first_error, sizeof c->first_error, "%s", y->str);
		}
		freeReplyObject(y);
	}
	return 0;
}

static int copy_send(scans_redis_copy *c, int argc, const char **argv, const size_t *lens)
{
	if (redisAppendCommandArgv(c->r.w.c, argc, argv, lens) != REDIS_OK)
		return -1;
	c->due++;
	return copy_drain(c, COPY_WINDOW);
}

int scans_redis_copy_open(const char *url, const char *password, scans_redis_copy **out,
			  stamp_diag *diag)
{
	*out = NULL;
	scans_redis_copy *c = calloc(1, sizeof *c);
	if (!c)
		return ENOMEM;
	int rc = prepare(&c->r, url, password, diag);
	if (rc == 0 && conn_open(&c->r, &c->r.w, 10000) != 0) {
		rc = EIO;
		stamp_diag_set(diag, rc, "cannot reach Redis %s (%s)", c->r.where,
			       stamp_scans_err_names[atomic_load(&c->r.last_cause)]);
	}
	if (rc) {
		sodium_memzero(c->r.password, sizeof c->r.password);
		free(c);
		return rc;
	}
	*out = c;
	return 0;
}

int scans_redis_copy_record(scans_redis_copy *c, uint64_t serial, const stamp_scan *t,
			    uint32_t last_day, const uint32_t *tags, size_t n, uint64_t estimate)
{
	char key[40], hll[40], v[6][ARG_TEXT];
	snprintf(key, sizeof key, "ocs:s:%" PRIu64, serial);
	snprintf(hll, sizeof hll, "ocs:h:%" PRIu64, serial);
	snprintf(v[0], ARG_TEXT, "%" PRIu64, t->requests);
	snprintf(v[1], ARG_TEXT, "%" PRIu64, t->counted);
	snprintf(v[2], ARG_TEXT, "%" PRId64, t->first);
	snprintf(v[3], ARG_TEXT, "%" PRId64, t->last);
	snprintf(v[4], ARG_TEXT, "%" PRIu32, t->days);
	snprintf(v[5], ARG_TEXT, "%" PRIu32, last_day);
	const char *del[] = {"DEL", key, hll};
	const char *hset[] = {"HSET", key,    "requests", v[0],	  "counted", v[1],	 "first",
			      v[2],   "last", v[3],	  "days", v[4],	     "last_day", v[5]};
	if (copy_send(c, 3, del, NULL) || copy_send(c, 14, hset, NULL))
		return EIO;
	/* exact tags as they are; an estimate as that many synthetic distinct tags */
	size_t total = tags ? n : (size_t)(estimate > 10000000 ? 10000000 : estimate);
	const char *argv[2 + COPY_CHUNK];
	char text[COPY_CHUNK][ARG_TEXT];
	argv[0] = "PFADD";
	argv[1] = hll;
	for (size_t i = 0; i < total;) {
		int k = 0;
		for (; k < COPY_CHUNK && i < total; k++, i++) {
			if (tags)
				snprintf(text[k], ARG_TEXT, "%08" PRIx32, tags[i]);
			else
				snprintf(text[k], ARG_TEXT, "copy-%u", (unsigned)i);
			argv[2 + k] = text[k];
		}
		if (copy_send(c, 2 + k, argv, NULL))
			return EIO;
	}
	return 0;
}

int scans_redis_copy_meta(scans_redis_copy *c, const char *name, const void *val, size_t len,
			  unsigned ttl)
{
	char key[64], ttls[16];
	if (snprintf(key, sizeof key, "ocs:meta:%s", name) >= (int)sizeof key)
		return STAMP_EINPUT;
	snprintf(ttls, sizeof ttls, "%u", ttl);
	const char *argv[] = {"SET", key, val, "EX", ttls};
	size_t lens[] = {3, strlen(key), len, 2, strlen(ttls)};
	return copy_send(c, ttl ? 5 : 3, argv, lens) ? EIO : 0;
}

int scans_redis_copy_daily(scans_redis_copy *c, uint32_t day, uint64_t n, unsigned ttl)
{
	char key[24], val[ARG_TEXT], ttls[16];
	snprintf(key, sizeof key, "ocs:d:%" PRIu32, day);
	snprintf(val, sizeof val, "%" PRIu64, n);
	snprintf(ttls, sizeof ttls, "%u", ttl);
	const char *argv[] = {"SET", key, val, "EX", ttls};
	return copy_send(c, 5, argv, NULL) ? EIO : 0;
}

const char *scans_redis_copy_where(scans_redis_copy *c)
{
	return c->r.where;
}

int scans_redis_copy_close(scans_redis_copy *c, stamp_diag *diag)
{
	int rc = copy_drain(c, 0) || c->failed ? EIO : 0;
	if (rc)
		stamp_diag_set(diag, rc, "Redis %s: %s", c->r.where, c->first_error);
	conn_drop(&c->r.w);
	sodium_memzero(c->r.password, sizeof c->r.password);
	free(c);
	return rc;
}
