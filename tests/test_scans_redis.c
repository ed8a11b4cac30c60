/*
 * test_scans_redis.c - the Redis backend of the scan records, against a real
 * redis-server that each test starts (unix socket in a temporary folder, no
 * persistence) and stops by its PID: two stores on one Redis are two
 * replicas; they see each other's scans, share the repeat rule, the budget,
 * the per-source allowance and the scanner keys; an outage keeps counts in
 * memory and sends them when Redis is back, also when it came back empty;
 * a wrong password and malformed URLs; no address-like text in Redis; the
 * counted scans per day, as the script counted them, with their expiry.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <hiredis.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "scanner.h"
#include "scans.h"
#include "stamp/stamp.h"
#include "vlog_stderr.h"

static char tmp[64], sock[128], url[160];
static pid_t redis_pid;

static int64_t ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void nap(int msec)
{
	nanosleep(&(struct timespec){0, msec * 1000000L}, NULL);
}

/* redis-server on sock, waited for (5 s at most); password: NULL for none. */
static void redis_start(const char *password)
{
	char log[160];
	snprintf(log, sizeof log, "%s/redis.log", tmp);
	redis_pid = fork();
	assert_true(redis_pid >= 0);
	if (redis_pid == 0) {
		execlp("redis-server", "redis-server", "--port", "0", "--unixsocket", sock,
		       "--save", "", "--appendonly", "no", "--dir", tmp, "--requirepass",
		       password ? password : "", "--loglevel", "warning", "--logfile", log,
		       (char *)NULL);
		_exit(127);
	}
	for (int64_t end = ms() + 5000; ms() < end; nap(20)) {
		redisContext *c = redisConnectUnix(sock);
		int up = c && !c->err;
		redisFree(c);
		if (up)
			return;
	}
	fail_msg("redis-server did not listen on %s within 5 s", sock);
}

static void redis_stop(void)
{
	if (redis_pid <= 0)
		return;
	kill(redis_pid, SIGTERM);
	int st;
	for (int64_t end = ms() + 5000; ms() < end; nap(10))
		if (waitpid(redis_pid, &st, WNOHANG) == redis_pid) {
			redis_pid = 0;
			unlink(sock);
			return;
		}
	kill(redis_pid, SIGKILL);
	waitpid(redis_pid, &st, 0);
	redis_pid = 0;
	unlink(sock);
}

static int setup(void **state)
{
	(void)state;
	strcpy(tmp, "/tmp/test_scans_redis.XXXXXX");
	assert_non_null(mkdtemp(tmp));
	snprintf(sock, sizeof sock, "%s/redis.sock", tmp);
	snprintf(url, sizeof url, "unix:%s", sock);
	redis_start(NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	redis_stop();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static stamp_scans *open_replica(void)
{
	stamp_scans *s = NULL;
	stamp_scans_options o = {3, 3600, 30, NULL};
	assert_int_equal(stamp_scans_open_with(url, &o, &s, NULL), 0);
	return s;
}

static stamp_scan_mark mk(uint32_t tag, uint16_t source, uint32_t client)
{
	return (stamp_scan_mark){tag, source, 20261201, client};
}

/* Flush s and read serial until it has requests and scanners (HLL: 2 %), 5 s at most. */
static stamp_scan settle(stamp_scans *s, uint64_t serial, uint64_t requests, uint64_t scanners)
{
	uint64_t slack = scanners > 50 ? scanners / 50 : 0;
	stamp_scan sc = {0};
	for (int64_t end = ms() + 5000; ms() < end; nap(50)) {
		int rc = stamp_scans_flush(s, NULL); /* may fail while Redis comes back */
		(void)rc;
		assert_int_equal(stamp_scans_get(s, serial, &sc), 0);
		if (sc.requests == requests && sc.scanners + slack >= scanners &&
		    sc.scanners <= scanners + slack)
			return sc;
	}
	fail_msg("serial %llu: requests %llu scanners %llu, expected %llu and %llu",
		 (unsigned long long)serial, (unsigned long long)sc.requests,
		 (unsigned long long)sc.scanners, (unsigned long long)requests,
		 (unsigned long long)scanners);
	return sc;
}

/* Flush until a round goes through (Redis back), 5 s at most. */
static void flush_until_sent(stamp_scans *s)
{
	for (int64_t end = ms() + 5000; ms() < end; nap(50))
		if (stamp_scans_flush(s, NULL) == 0)
			return;
	fail_msg("no round reached Redis within 5 s");
}

/* Two replicas see each other's scans, and the rules hold across them. */
static void replicas_share_counts(void **state)
{
	(void)state;
	stamp_scans *a = open_replica(), *b = open_replica();
	stamp_scan sc;
	size_t n = 0;
	for (uint32_t i = 0; i < 10; i++) {
		stamp_scan_mark m = mk(100 + i, (uint16_t)i, 1000 + i);
		assert_int_equal(stamp_scans_record(a, 5, 1000 + i, &m, &sc), 0);
		m = mk(200 + i, (uint16_t)(50 + i), 2000 + i);
		assert_int_equal(stamp_scans_record(b, 5, 1000 + i, &m, &sc), 0);
	}
	assert_int_equal(sc.requests, 10); /* b's own, before any round */
	assert_int_equal(stamp_scans_flush(a, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(stamp_scans_flush(b, &n), 0);
	sc = settle(a, 5, 20, 20);
	assert_int_equal(sc.counted, 20);
	assert_int_equal(sc.first, 1000);
	assert_int_equal(sc.last, 1009);
	assert_int_equal(sc.days, 1);
	settle(b, 5, 20, 20);

	/* one phone on both replicas: one counted scan (the repeat rule in Redis) */
	stamp_scan_mark m = mk(7, 1, 1);
	assert_int_equal(stamp_scans_record(a, 6, 1, &m, &sc), 0);
	assert_int_equal(stamp_scans_record(b, 6, 1, &m, &sc), 0);
	assert_int_equal(stamp_scans_flush(a, NULL), 0);
	assert_int_equal(stamp_scans_flush(b, NULL), 0);
	sc = settle(a, 6, 2, 1);
	assert_int_equal(sc.counted, 1);

	/* one client, 40 scanners over two replicas: the budget of 30 a minute holds */
	for (uint32_t i = 0; i < 20; i++) {
		m = mk(300 + i, (uint16_t)(100 + i), 77);
		assert_int_equal(stamp_scans_record(a, 7, 600, &m, &sc), 0);
		m = mk(400 + i, (uint16_t)(200 + i), 77);
		assert_int_equal(stamp_scans_record(b, 7, 600, &m, &sc), 0);
	}
	assert_int_equal(stamp_scans_flush(a, NULL), 0);
	assert_int_equal(stamp_scans_flush(b, NULL), 0);
	sc = settle(a, 7, 40, 30);
	assert_int_equal(sc.counted, 30);

	/* one source, many scanners, on both replicas: 3 scanners a day */
	for (uint32_t i = 0; i < 10; i++) {
		m = mk(500 + i, 9, 5000 + i);
		assert_int_equal(stamp_scans_record(a, 8, 700, &m, &sc), 0);
		assert_true(sc.scanners <= 3); /* the local answer applies it too */
		m = mk(600 + i, 9, 6000 + i);
		assert_int_equal(stamp_scans_record(b, 8, 700, &m, &sc), 0);
	}
	assert_int_equal(stamp_scans_flush(a, NULL), 0);
	assert_int_equal(stamp_scans_flush(b, NULL), 0);
	settle(b, 8, 20, 3);

	stamp_scans_stats st;
	stamp_scans_stats_get(a, &st);
	assert_int_equal(st.redis, 1);
	assert_int_equal(st.up, 1);
	assert_int_equal(st.dropped_marks, 0);
	char why[256];
	assert_int_equal(stamp_scans_health(a, why, sizeof why), 0);
	assert_int_equal(stamp_scans_record(a, 0, 1, &m, &sc), STAMP_EINPUT);
	stamp_scans_close(a);
	stamp_scans_close(b);
}

/* Counted scans per day: what the script counted, of every replica, by the mark's day. */
static void daily_counts(void **state)
{
	(void)state;
	stamp_scans *a = open_replica(), *b = open_replica();
	stamp_scan sc;
	uint64_t n[3], zero[3] = {0};
	for (uint32_t i = 0; i < 5; i++) {
		stamp_scan_mark m = mk(100 + i, (uint16_t)i, 1000 + i);
		m.day = i < 2 ? 20261130 : 20261201;
		assert_int_equal(stamp_scans_record(a, 5, 1000 + i, &m, &sc), 0);
	}
	assert_int_equal(stamp_scans_record(a, 5, 1100, NULL, &sc), 0); /* not counted */
	/* on b: a repeat of a's phone (the repeat rule in Redis) and one new phone */
	stamp_scan_mark m = mk(104, 4, 1004);
	assert_int_equal(stamp_scans_record(b, 5, 1200, &m, &sc), 0);
	m = mk(900, 9, 9000);
	assert_int_equal(stamp_scans_record(b, 6, 1200, &m, &sc), 0);
	assert_int_equal(stamp_scans_daily(a, 20261130, 3, n), 0);
	assert_memory_equal(n, zero, sizeof n); /* nothing sent yet */
	assert_int_equal(stamp_scans_flush(a, NULL), 0);
	assert_int_equal(stamp_scans_flush(b, NULL), 0);
	assert_int_equal(stamp_scans_daily(b, 20261130, 3, n), 0);
	assert_int_equal(n[0], 2);
	assert_int_equal(n[1], 4); /* 3 of a's, b's new phone; not the repeat */
	assert_int_equal(n[2], 0);
	assert_int_equal(stamp_scans_daily(a, 20261131, 1, n), STAMP_EINPUT);

	/* the key expires: 400 days */
	redisContext *c = redisConnectUnix(sock);
	assert_true(c && !c->err);
	redisReply *y = redisCommand(c, "TTL ocs:d:20261201");
	assert_non_null(y);
	assert_int_equal(y->type, REDIS_REPLY_INTEGER);
	assert_true(y->integer > 399 * 86400 && y->integer <= 400 * 86400);
	freeReplyObject(y);
	redisFree(c);

	/* Redis away: an error, and no counts */
	redis_stop();
	n[0] = 9;
	assert_int_not_equal(stamp_scans_daily(a, 20261201, 1, n), 0);
	assert_int_equal(n[0], 0);
	stamp_scans_close(a);
	stamp_scans_close(b);
}

/* A second replica adopts the first one's keys; a later day replaces a day key. */
static void replicas_share_keys(void **state)
{
	(void)state;
	stamp_scans *a = open_replica(), *b = open_replica();
	unsigned char got[20];
	size_t len = 0;
	assert_int_equal(
		stamp_scans_meta_claim(a, "test_key", "AAAA", 4, 0, 0, got, sizeof got, &len), 0);
	assert_memory_equal(got, "AAAA", 4);
	assert_int_equal(
		stamp_scans_meta_claim(b, "test_key", "BBBB", 4, 0, 0, got, sizeof got, &len), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(got, "AAAA", 4);
	assert_int_equal(
		stamp_scans_meta_claim(a, "test_day", "1201kkkk", 8, 4, 100, got, sizeof got, &len),
		0);
	assert_int_equal(
		stamp_scans_meta_claim(b, "test_day", "1201mmmm", 8, 4, 100, got, sizeof got, &len),
		0);
	assert_memory_equal(got, "1201kkkk", 8);
	assert_int_equal(
		stamp_scans_meta_claim(b, "test_day", "1202nnnn", 8, 4, 100, got, sizeof got, &len),
		0);
	assert_memory_equal(got, "1202nnnn", 8);
	assert_int_equal(
		stamp_scans_meta_claim(a, "test_day", "1202pppp", 8, 4, 100, got, sizeof got, &len),
		0);
	assert_memory_equal(got, "1202nnnn", 8); /* the new day's key, shared */

	/* two scanners on the two stores: one phone is one scanner on both */
	scanner *sa, *sb;
	scanner_rules rules = {3600, 30};
	stamp_diag d;
	assert_int_equal(scanner_open(a, &rules, 1764547200, &sa, &d), 0);
	assert_int_equal(scanner_open(b, &rules, 1764547200, &sb, &d), 0);
	scanner_id ia, ib;
	const unsigned char addr[4] = {127, 0, 0, 9};
	assert_int_equal(scanner_identify(sa, NULL, 2, addr, "phone", 1764547200, &ia), 0);
	assert_int_equal(scanner_identify(sb, NULL, 2, addr, "phone", 1764547200, &ib), 0);
	assert_true(ia.id == ib.id);
	char ca[SCANNER_COOKIE_LEN + 1], cb[SCANNER_COOKIE_LEN + 1];
	scanner_cookie(sa, &ia, ca);
	scanner_cookie(sb, &ib, cb);
	assert_string_equal(ca, cb);
	scanner_close(sa);
	scanner_close(sb);
	stamp_scans_close(a);
	stamp_scans_close(b);
}

/* Redis away: answers go on from memory; back (and empty): everything sent. */
static void outage_then_recovery(void **state)
{
	(void)state;
	stamp_scans *a = open_replica();
	stamp_scan sc;
	unsigned char got[16];
	size_t len;
	assert_int_equal(
		stamp_scans_meta_claim(a, "stable_key", "KEEPKEEP", 8, 0, 0, got, sizeof got, &len),
		0);
	stamp_scan_mark m = mk(1, 1, 1);
	assert_int_equal(stamp_scans_record(a, 9, 10, &m, &sc), 0);
	assert_int_equal(stamp_scans_flush(a, NULL), 0);
	redis_stop();

	int64_t t0 = ms();
	for (uint32_t i = 0; i < 100; i++) {
		m = mk(10 + i, (uint16_t)i, 10 + i);
		assert_int_equal(stamp_scans_record(a, 9, 20 + i, &m, &sc), 0);
		assert_int_equal(stamp_scans_record(a, 1000 + i, 20, NULL, &sc),
				 0); /* new stamps */
	}
	assert_true(ms() - t0 < 2000); /* the breaker: no 50 ms wait per request */
	assert_int_equal(sc.requests, 1);
	assert_int_equal(stamp_scans_get(a, 9, &sc), 0);
	assert_int_equal(sc.requests, 101);
	assert_int_equal(sc.counted, 101);
	assert_int_not_equal(stamp_scans_flush(a, NULL), 0);
	stamp_scans_stats st;
	stamp_scans_stats_get(a, &st);
	assert_int_equal(st.up, 0);
	assert_int_equal(st.pending_marks, 100);
	assert_true(st.errors[SCANS_ERR_CONNECT] > 0);
	char why[256];
	assert_int_equal(stamp_scans_health(a, why, sizeof why), 1);
	assert_non_null(strstr(why, "down"));

	redis_start(NULL); /* empty: no persistence */
	flush_until_sent(a);
	stamp_scans_stats_get(a, &st);
	assert_int_equal(st.up, 1);
	assert_int_equal(st.pending_marks, 0);
	stamp_scans *b = open_replica();
	sc = settle(b, 9, 100, 100); /* the scan Redis had before it left is lost with it */
	assert_int_equal(stamp_scans_get(b, 1050, &sc), 0);
	assert_int_equal(sc.requests, 1);
	/* the keys went back in */
	assert_int_equal(
		stamp_scans_meta_claim(b, "stable_key", "OTHEROTH", 8, 0, 0, got, sizeof got, &len),
		0);
	assert_memory_equal(got, "KEEPKEEP", 8);
	stamp_scans_close(a);
	stamp_scans_close(b);
}

/* The bound: a stamp keeps at most 512 pending marks; the rest are counted as dropped. */
static void outage_bound(void **state)
{
	(void)state;
	stamp_scans *a = open_replica();
	stamp_scan sc;
	redis_stop();
	for (uint32_t i = 0; i < 600; i++) {
		stamp_scan_mark m = mk(i + 1, (uint16_t)i, i + 1);
		assert_int_equal(stamp_scans_record(a, 3, 5, &m, &sc), 0);
	}
	assert_int_equal(sc.requests, 600);
	assert_int_not_equal(stamp_scans_flush(a, NULL), 0);
	stamp_scans_stats st;
	stamp_scans_stats_get(a, &st);
	assert_int_equal(st.pending_marks, 512);
	assert_int_equal(st.dropped_marks, 88);
	redis_start(NULL);
	flush_until_sent(a);
	stamp_scans *b = open_replica();
	sc = settle(b, 3, 600, 512);
	assert_int_equal(sc.counted, 512); /* what was kept, all of it */
	stamp_scans_close(a);
	stamp_scans_close(b);
}

/* A wrong password: never fatal, counted by cause, answers from memory. */
static void wrong_password(void **state)
{
	(void)state;
	redis_stop();
	redis_start("s3cret");
	stamp_scans *s = NULL;
	stamp_scans_options o = {3, 3600, 30, "wr0ngpw"};
	assert_int_equal(stamp_scans_open_with(url, &o, &s, NULL), 0);
	stamp_scan sc;
	stamp_scan_mark m = mk(1, 1, 1);
	assert_int_equal(stamp_scans_record(s, 4, 1, &m, &sc), 0);
	assert_int_equal(sc.requests, 1);
	for (int i = 0; i < 3; i++)
		assert_int_not_equal(stamp_scans_flush(s, NULL), 0);
	stamp_scans_stats st;
	stamp_scans_stats_get(s, &st);
	assert_true(st.errors[SCANS_ERR_AUTH] >= 3);
	assert_int_equal(vlog_count("(auth; logged once"), 1); /* three failures, one line */
	assert_int_equal(vlog_count("wr0ngpw"), 0);	       /* never the password */
	assert_int_equal(st.up, 0);
	stamp_scans_close(s);
	o.password = "s3cret";
	assert_int_equal(stamp_scans_open_with(url, &o, &s, NULL), 0);
	assert_int_equal(stamp_scans_record(s, 4, 1, &m, &sc), 0);
	assert_int_equal(stamp_scans_flush(s, NULL), 0);
	stamp_scans_stats_get(s, &st);
	assert_int_equal(st.up, 1);
	stamp_scans_close(s);
}

/* A full Redis (maxmemory, noeviction) and a stopped one (timeout): never fatal, counted. */
static void full_and_stopped(void **state)
{
	(void)state;
	stamp_scans *a = open_replica();
	stamp_scan sc;
	stamp_scan_mark m = mk(1, 1, 1);
	redisContext *c = redisConnectUnix(sock);
	assert_true(c && !c->err);
	redisReply *y = redisCommand(c, "CONFIG SET maxmemory 1");
	assert_non_null(y);
	freeReplyObject(y);
	assert_int_equal(stamp_scans_record(a, 11, 5, &m, &sc), 0);
	assert_int_not_equal(stamp_scans_flush(a, NULL), 0);
	stamp_scans_stats st;
	assert_int_not_equal(stamp_scans_flush(a, NULL), 0);
	stamp_scans_stats_get(a, &st);
	assert_true(st.errors[SCANS_ERR_FULL] >= 2);
	assert_int_equal(vlog_count("(maxmemory; logged once"), 1);
	assert_int_equal(st.pending_marks, 1); /* kept */
	y = redisCommand(c, "CONFIG SET maxmemory 0");
	assert_non_null(y);
	freeReplyObject(y);
	redisFree(c);
	assert_int_equal(stamp_scans_flush(a, NULL), 0);
	settle(a, 11, 1, 1);

	kill(redis_pid, SIGSTOP);
	assert_int_equal(stamp_scans_record(a, 11, 6, NULL, &sc), 0);
	int64_t t0 = ms();
	assert_int_not_equal(stamp_scans_flush(a, NULL), 0);
	assert_true(ms() - t0 < 3000); /* the writer's timeout, not a hang */
	t0 = ms();
	assert_int_equal(stamp_scans_get(a, 12, &sc), 0); /* a first sight: 50 ms at most */
	assert_true(ms() - t0 < 1000);
	stamp_scans_stats_get(a, &st);
	assert_true(st.errors[SCANS_ERR_TIMEOUT] > 0);
	assert_int_equal(vlog_count("(timeout; logged once"), 1);
	kill(redis_pid, SIGCONT);
	flush_until_sent(a);
	/*
	 * The round that timed out reached Redis, which ran it once resumed; the
	 * writer sent it again: at least once, as documented (never lost).
	 */
	for (int64_t end = ms() + 5000; ms() < end; nap(50)) {
		int rc = stamp_scans_flush(a, NULL);
		(void)rc;
		assert_int_equal(stamp_scans_get(a, 11, &sc), 0);
		if (sc.requests >= 2)
			break;
	}
	assert_true(sc.requests == 2 || sc.requests == 3);
	assert_int_equal(sc.scanners, 1);
	stamp_scans_close(a);
}

/* ---- a hostile "Redis": every reply of the wrong kind ---------------------- */

static const char *const hostile_replies[] = {
	"$40\r\n0123456789012345678901234567890123456789\r\n", /* passes for a SHA */
	"*7\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n1\r\n",
	"*2\r\n:1\r\n:2\r\n",
	"*7\r\n:-1\r\n:1\r\n:1\r\n:1\r\n:1\r\n:99999999999\r\n:1\r\n",
	":5\r\n",
	"$-1\r\n",
	"*-1\r\n",
	"-ERR boom\r\n",
	"*7\r\n*1\r\n:1\r\n:1\r\n:1\r\n:1\r\n:1\r\n:1\r\n:1\r\n",
	"$5\r\nab",
	"xyz garbage\r\n",
};
#define HOSTILE (sizeof hostile_replies / sizeof hostile_replies[0])
static atomic_int hostile_stop;
static atomic_uint hostile_n;
static int hostile_fd;

static void *hostile_server(void *arg)
{
	(void)arg;
	struct pollfd p[9] = {{hostile_fd, POLLIN, 0}};
	int n = 1;
	while (!atomic_load(&hostile_stop)) {
		if (poll(p, (nfds_t)n, 50) <= 0)
			continue;
		for (int i = n - 1; i >= 1; i--) {
			if (!p[i].revents)
				continue;
			char buf[65536];
			ssize_t got = read(p[i].fd, buf, sizeof buf);
			if (got <= 0) {
				close(p[i].fd);
				p[i] = p[--n];
				continue;
			}
			const char *r = hostile_replies[atomic_fetch_add(&hostile_n, 1) % HOSTILE];
			if (write(p[i].fd, r, strlen(r)) < 0) {
				close(p[i].fd);
				p[i] = p[--n];
			}
		}
		if ((p[0].revents & POLLIN) && n < 9) {
			int fd = accept(hostile_fd, NULL, NULL);
			if (fd >= 0)
				p[n++] = (struct pollfd){fd, POLLIN, 0};
		}
	}
	for (int i = 1; i < n; i++)
		close(p[i].fd);
	return NULL;
}

static void hostile_redis(void **state)
{
	(void)state;
	char hsock[160], hurl[170];
	snprintf(hsock, sizeof hsock, "%s/hostile.sock", tmp);
	snprintf(hurl, sizeof hurl, "unix:%s", hsock);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	assert_true(strlen(hsock) < sizeof sa.sun_path);
	memcpy(sa.sun_path, hsock, strlen(hsock) + 1);
	hostile_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(hostile_fd >= 0);
	assert_int_equal(bind(hostile_fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(hostile_fd, 8), 0);
	atomic_store(&hostile_stop, 0);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, hostile_server, NULL), 0);

	for (unsigned start = 0; start < HOSTILE; start++) {
		atomic_store(&hostile_n, start);
		stamp_scans *s = NULL;
		stamp_scans_options o = {3, 3600, 30, "pw"};
		assert_int_equal(stamp_scans_open_with(hurl, &o, &s, NULL), 0);
		stamp_scan sc;
		for (uint32_t i = 1; i <= 6; i++) {
			stamp_scan_mark m = mk(i, (uint16_t)i, i);
			assert_int_equal(stamp_scans_record(s, 20 + i % 3, 5, &m, &sc), 0);
			assert_true(sc.requests >= 1);
			int rc = stamp_scans_flush(s, NULL);
			(void)rc; /* whatever it says, it says it without crashing */
			unsigned char got[16];
			size_t len = 0;
			assert_int_equal(stamp_scans_meta_claim(s, "k", "12345678", 8, 4, 0, got,
								sizeof got, &len),
					 0);
			assert_true(len <= sizeof got);
		}
		stamp_scans_stats st;
		stamp_scans_stats_get(s, &st);
		uint64_t errors = 0;
		for (int i = 0; i < SCANS_ERR_CAUSES; i++)
			errors += st.errors[i];
		assert_true(errors > 0);
		stamp_scans_close(s);
	}
	atomic_store(&hostile_stop, 1);
	pthread_join(t, NULL);
	close(hostile_fd);
}

/* Worker threads scanning while the writer flushes (ThreadSanitizer's case too). */
typedef struct worker_arg {
	stamp_scans *s;
	uint32_t id;
} worker_arg;

static void *scanning(void *p)
{
	worker_arg *w = p;
	for (uint32_t i = 0; i < 2000; i++) {
		stamp_scan sc;
		stamp_scan_mark m = mk(w->id * 100000 + i, (uint16_t)i, w->id * 100000 + i);
		if (stamp_scans_record(w->s, 100 + i % 50, 1000 + i, i % 4 ? NULL : &m, &sc) != 0)
			return p;
	}
	return NULL;
}

static void threads_and_writer(void **state)
{
	(void)state;
	stamp_scans *a = open_replica();
	pthread_t t[4];
	worker_arg w[4];
	for (uint32_t i = 0; i < 4; i++) {
		w[i] = (worker_arg){a, i + 1};
		assert_int_equal(pthread_create(&t[i], NULL, scanning, &w[i]), 0);
	}
	for (int i = 0; i < 20; i++) {
		assert_int_equal(stamp_scans_flush(a, NULL), 0);
		nap(5);
	}
	for (int i = 0; i < 4; i++) {
		void *rv;
		assert_int_equal(pthread_join(t[i], &rv), 0);
		assert_null(rv);
	}
	assert_int_equal(stamp_scans_flush(a, NULL), 0);
	stamp_scans *b = open_replica();
	uint64_t requests = 0, counted = 0;
	for (uint64_t serial = 100; serial < 150; serial++) {
		stamp_scan sc;
		assert_int_equal(stamp_scans_get(b, serial, &sc), 0);
		requests += sc.requests;
		counted += sc.counted;
	}
	assert_int_equal(requests, 8000);
	assert_int_equal(counted, 2000);
	stamp_scans_close(a);
	stamp_scans_close(b);
}

static void urls(void **state)
{
	(void)state;
	static const char *const bad[] = {"redis://",	   "redis://h:99999", "redis://h:1/16",
					  "unix:",	   "redis://:pw@",    "redis://pw@h",
					  "redis://h:x/1", "redis://h:1/1x"};
	stamp_scans_options o = {3, 3600, 30, NULL};
	stamp_scans *s;
	stamp_diag d;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(stamp_scans_open_with(bad[i], &o, &s, &d), STAMP_EINPUT);
	/* unreachable is not an error; the password is never shown */
	assert_int_equal(stamp_scans_open_with("redis://:pw123@127.0.0.1:1/3", &o, &s, &d), 0);
	assert_string_equal(stamp_scans_where(s), "redis://127.0.0.1:1/3");
	char why[256];
	assert_int_equal(stamp_scans_health(s, why, sizeof why), 1);
	assert_null(strstr(why, "pw123"));
	stamp_scans_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(replicas_share_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(daily_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(replicas_share_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(outage_then_recovery, setup, teardown),
		cmocka_unit_test_setup_teardown(outage_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(wrong_password, setup, teardown),
		cmocka_unit_test_setup_teardown(threads_and_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(full_and_stopped, setup, teardown),
		cmocka_unit_test_setup_teardown(hostile_redis, setup, teardown),
		cmocka_unit_test_setup_teardown(urls, setup, teardown),
	};
	if (stamp_init() != 0)
		return 1;
	signal(SIGPIPE, SIG_IGN); /* as verifyd: a write to a Redis gone is an error, not death */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
