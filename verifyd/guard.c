/*
 * guard.c - verifyd's connection guard: what libmicrohttpd's own limits do
 * not cover against slow or greedy clients.
 *
 *   - A deadline for the whole request head (head_timeout): libmicrohttpd's
 *     timeout is an idle timeout, reset by every byte, so a client trickling
 *     one header line every few seconds holds its connection for ever. The
 *     head's clock starts when the connection opens or its previous answer is
 *     complete, so an idle keep-alive connection also goes after
 *     head_timeout (nginx's upstream keepalive_timeout stays below it).
 *   - When every slot is taken (max_connections), a new connection takes
 *     the slot of the oldest one still waiting for its head, instead of
 *     being refused: trickling clients cannot keep shoppers out.
 *   - The per-address limit, done here rather than by libmicrohttpd, so that
 *     it applies to clients and not to trusted proxies (behind nginx every
 *     connection comes from 127.0.0.1).
 *
 * A connection is cut with shutdown(2): its worker thread sees the end of
 * input and closes it as usual. The table of live connections is guarded by
 * one mutex, taken per connection (open, close) and by the sweep, never per
 * request: the head flags are atomics. libmicrohttpd calls NOTIFY_CLOSED
 * before it closes the socket, so a descriptor in the table is never one
 * reused by another connection.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "verifyd.h"

typedef struct conn {
	MHD_socket fd;
	client_addr peer;
	int exempt;		 /* a trusted proxy: no per-address limit */
	atomic_int in_head;	 /* waiting for a complete request head */
	atomic_llong head_since; /* ms, monotonic */
	int doomed;		 /* shut down by the guard, not closed yet */
	unsigned slot;		 /* index in guard.live */
} conn;

/*
 * Connections admitted by the accept policy whose NOTIFY_STARTED has not come
 * yet: each worker thread accepts on its own, so without them two threads
 * could both admit an address's last allowed connection. An entry older than
 * PENDING_MS is dropped (libmicrohttpd refused the connection after our yes).
 */
#define PENDING_MAX 64
#define PENDING_MS 1000

typedef struct pending {
	client_addr addr;
	long long at;
} pending;

struct guard {
	config cfg;
	pthread_mutex_t lock;
	conn **live;
	unsigned n, cap, doomed;
	pending admitted[PENDING_MAX];
	unsigned npending;
	ticker *sweeper;
};

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

unsigned guard_mhd_limit(const config *c)
{
	/* room above ours for connections being cut, and for libmicrohttpd's
	 * division of its limit among the threads (a full thread stops accepting) */
	unsigned threads = c->threads ? c->threads : 1;
	return c->max_connections + c->max_connections / 2 + 4 * threads;
}

static void doom(guard *g, conn *k, int why)
{
	shutdown(k->fd, SHUT_RDWR);
	k->doomed = 1;
	g->doomed++;
	metrics_closed(why);
}

/* The oldest connection waiting for its head, or NULL. Locked. */
static conn *oldest_waiting(guard *g)
{
	conn *best = NULL;
	long long since = 0;
	for (unsigned i = 0; i < g->n; i++) {
		conn *k = g->live[i];
		if (k->doomed || !atomic_load(&k->in_head))
			continue;
		long long t = atomic_load(&k->head_since);
		if (!best || t < since)
			best = k, since = t;
	}
	return best;
}

static int same_addr(const client_addr *a, const client_addr *b)
{
	return a->family == b->family &&
	       memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16) == 0;
}

enum MHD_Result guard_accept(void *cls, const struct sockaddr *sa, socklen_t len)
{
	guard *g = cls;
	client_addr a;
	(void)len;
	if (client_addr_from_sockaddr(sa, &a) != 0)
		return MHD_NO;
	int exempt = proxy_list_has(&g->cfg.proxies, &a);
	enum MHD_Result ok = MHD_YES;
	long long now = now_ms();
	pthread_mutex_lock(&g->lock);
	if (!exempt) {
		unsigned same = 0;
		for (unsigned i = 0; i < g->n; i++)
			same += !g->live[i]->doomed && same_addr(&g->live[i]->peer, &a);
		for (unsigned i = 0; i < g->npending;) {
			if (now - g->admitted[i].at > PENDING_MS) {
				g->admitted[i] = g->admitted[--g->npending];
				continue;
			}
			same += same_addr(&g->admitted[i++].addr, &a);
		}
		if (same >= g->cfg.per_ip) {
			metrics_closed(CLOSE_PER_ADDRESS);
			ok = MHD_NO;
		} else if (g->npending < PENDING_MAX) {
			g->admitted[g->npending++] = (pending){a, now};
		}
	}
	if (ok == MHD_YES && g->n - g->doomed >= g->cfg.max_connections) {
		conn *victim = oldest_waiting(g);
		if (victim) {
			doom(g, victim, CLOSE_EVICTED);
		} else {
			metrics_closed(CLOSE_FULL);
			ok = MHD_NO;
		}
	}
	pthread_mutex_unlock(&g->lock);
	return ok;
}

void guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
		  enum MHD_ConnectionNotificationCode code)
{
	guard *g = cls;
	conn *k = *socket_context;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fd =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		const union MHD_ConnectionInfo *ad =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (!fd || !ad || !(k = calloc(1, sizeof *k)))
			return; /* unguarded: only the idle timeout applies to it */
		k->fd = fd->connect_fd;
		if (client_addr_from_sockaddr(ad->client_addr, &k->peer) != 0)
			k->peer.family = AF_UNSPEC;
		k->exempt = proxy_list_has(&g->cfg.proxies, &k->peer);
		atomic_init(&k->in_head, 1);
		atomic_init(&k->head_since, now_ms());
		pthread_mutex_lock(&g->lock);
		if (g->n == g->cap) {
			unsigned cap = g->cap ? g->cap * 2 : 256;
			conn **v = realloc(g->live, cap * sizeof *v);
			if (!v) {
				pthread_mutex_unlock(&g->lock);
				free(k);
				return;
			}
			g->live = v;
			g->cap = cap;
		}
		k->slot = g->n;
		g->live[g->n++] = k;
		for (unsigned i = 0; i < g->npending; i++) { /* it is live now: no longer pending */
			if (same_addr(&g->admitted[i].addr, &k->peer)) {
				g->admitted[i] = g->admitted[--g->npending];
				break;
			}
		}
		pthread_mutex_unlock(&g->lock);
		*socket_context = k;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED && k) {
		pthread_mutex_lock(&g->lock);
		conn *last = g->live[--g->n];
		g->live[k->slot] = last;
		last->slot = k->slot;
		if (k->doomed)
			g->doomed--;
		pthread_mutex_unlock(&g->lock);
		free(k);
		*socket_context = NULL;
	}
}

static conn *of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *i =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return i ? i->socket_context : NULL;
}

void guard_head_done(struct MHD_Connection *c)
{
	conn *k = of(c);
	if (k)
		atomic_store(&k->in_head, 0);
}

void guard_request_done(void *cls, struct MHD_Connection *c, void **req_cls,
			enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)req_cls;
	(void)toe;
	conn *k = of(c);
	if (k) {
		atomic_store(&k->head_since, now_ms());
		atomic_store(&k->in_head, 1);
	}
}

static void sweep(void *arg)
{
	guard *g = arg;
	long long deadline = now_ms() - (long long)g->cfg.head_timeout_s * 1000;
	pthread_mutex_lock(&g->lock);
	for (unsigned i = 0; i < g->n; i++) {
		conn *k = g->live[i];
		if (!k->doomed && atomic_load(&k->in_head) &&
		    atomic_load(&k->head_since) < deadline)
			doom(g, k, CLOSE_HEAD_DEADLINE);
	}
	pthread_mutex_unlock(&g->lock);
}

/*
 * Only connections idle for DRAIN_IDLE_MS: one whose answer went out a moment
 * ago may already hold the client's next request unread in the kernel, and a
 * close with unread input resets the connection, which discards the answer
 * still in the send buffer (a counted scan the shopper never saw). An idle
 * connection has nothing unread: its close is an orderly FIN.
 */
#define DRAIN_IDLE_MS 250
void guard_drain(guard *g)
{
	if (!g)
		return;
	long long before = now_ms() - DRAIN_IDLE_MS;
	pthread_mutex_lock(&g->lock);
	for (unsigned i = 0; i < g->n; i++) {
		conn *k = g->live[i];
		if (!k->doomed && atomic_load(&k->in_head) && atomic_load(&k->head_since) < before)
			doom(g, k, CLOSE_STOPPING);
	}
	pthread_mutex_unlock(&g->lock);
}

int guard_start(const config *c, guard **out)
{
	guard *g = calloc(1, sizeof *g);
	*out = NULL;
	if (!g)
		return ENOMEM;
	g->cfg = *c;
	pthread_mutex_init(&g->lock, NULL);
	int rc = ticker_start(250, sweep, g, &g->sweeper);
	if (rc) {
		guard_free(g);
		return rc;
	}
	*out = g;
	return 0;
}

void guard_stop(guard *g)
{
	if (g) {
		ticker_stop(g->sweeper);
		g->sweeper = NULL;
	}
}

void guard_free(guard *g)
{
	if (!g)
		return;
	guard_stop(g);
	free(g->live); /* libmicrohttpd has closed (and we freed) every connection */
	pthread_mutex_destroy(&g->lock);
	free(g);
}
