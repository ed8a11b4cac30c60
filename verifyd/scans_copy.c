/*
 * scans_copy.c - verifyd --copy-scans FOLDER --to URL: moves the counts of
 * an LMDB scans folder into Redis, for a province that goes from one verifyd
 * to several replicas sharing one Redis (docs/operations.md).
 *
 * Every record goes across as it is: totals, first and last scan, days; the
 * exact scanner tags (up to 32) PFADDed as the Redis backend adds them, so
 * that a phone already counted is not counted again; a record kept as an
 * estimate becomes that many synthetic distinct tags ("copy-N"), so that
 * PFCOUNT gives the estimate back within HyperLogLog's 0.81 % error (the
 * embedded estimate was itself about 9 %). The scanner keys go too, so
 * that cookies already given stay valid, and the counted scans per day of
 * the last 400 days (stamp_scans_daily), each key expiring when it would
 * have left the 400 days. A stamp's record in Redis is
 * replaced, not added to: run it before the replicas start counting.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "scans_redis.h"
#include "stamp/date.h"
#include "verifyd.h"

typedef struct copy_ctx {
	scans_redis_copy *to;
	unsigned long long stamps;
} copy_ctx;

static int one(void *arg, const stamp_scans_dump *d)
{
	copy_ctx *x = arg;
	x->stamps++;
	return scans_redis_copy_record(x->to, d->serial, &d->totals, d->last_day, d->tags, d->ntags,
				       d->tags ? 0 : d->totals.scanners);
}

static int copy_meta(stamp_scans *from, scans_redis_copy *to, const char *name, unsigned ttl)
{
	unsigned char v[64];
	size_t len = 0;
	int rc = stamp_scans_meta_get(from, name, v, sizeof v, &len);
	if (rc == STAMP_ENOTFOUND)
		return 0;
	if (rc == 0)
		rc = scans_redis_copy_meta(to, name, v, len, ttl);
	memset(v, 0, sizeof v);
	return rc;
}

/* The days LMDB keeps, counted up to today; none from a folder without them. */
static int copy_daily(stamp_scans *from, scans_redis_copy *to)
{
	uint64_t n[STAMP_SCANS_DAILY_MAX];
	int64_t today = stamp_date_to_days(stamp_date_from_unix(time(NULL)));
	int rc = stamp_scans_daily(from, stamp_date_from_days(today - STAMP_SCANS_DAILY_MAX + 1),
				   STAMP_SCANS_DAILY_MAX, n);
	if (rc == STAMP_ENOTFOUND)
		return 0;
	for (int i = 0; i < STAMP_SCANS_DAILY_MAX && rc == 0; i++) {
		int64_t day = today - STAMP_SCANS_DAILY_MAX + 1 + i;
		if (n[i])
			rc = scans_redis_copy_daily(to, stamp_date_from_days(day), n[i],
						    (unsigned)(i + 1) * 86400);
	}
	return rc;
}

int scans_copy_main(int argc, char **argv)
{
	static const struct option lo[] = {{"copy-scans", required_argument, NULL, 'f'},
					   {"to", required_argument, NULL, 't'},
					   {"scans-password", required_argument, NULL, 'p'},
					   {NULL, 0, NULL, 0}};
	const char *from = NULL, *to = NULL, *password = NULL;
	int opt;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (opt == 'f')
			from = optarg;
		else if (opt == 't')
			to = optarg;
		else if (opt == 'p')
			password = optarg;
		else
			from = NULL, optind = argc + 1;
	}
	if (!from || !to || optind != argc || scans_redis_is_url(from) || !scans_redis_is_url(to)) {
		fputs("usage: verifyd --copy-scans FOLDER --to redis://HOST[:PORT][/DB]|unix:PATH "
		      "[--scans-password P]\n",
		      stderr);
		return 2;
	}
	if (stamp_init() != 0)
		return 2;
	signal(SIGPIPE, SIG_IGN); /* a Redis that goes away is an error to report */
	stamp_diag d = {{0}};
	stamp_scans *src = NULL;
	copy_ctx x = {NULL, 0};
	int rc = stamp_scans_open(from, 1, &src, &d);
	if (rc == 0)
		rc = scans_redis_copy_open(to, password, &x.to, &d);
	if (rc) {
		vlog("copy: %s", d.msg[0] ? d.msg : stamp_strerror(rc));
		stamp_scans_close(src);
		return 2;
	}
	rc = stamp_scans_each(src, one, &x);
	if (rc == 0)
		rc = copy_meta(src, x.to, "stable_key", 0);
	if (rc == 0)
		rc = copy_meta(src, x.to, "day_key", 2 * 86400);
	if (rc == 0)
		rc = copy_daily(src, x.to);
	char where[300];
	snprintf(where, sizeof where, "%s", scans_redis_copy_where(x.to));
	int rc2 = scans_redis_copy_close(x.to, &d);
	stamp_scans_close(src);
	if (rc || rc2) {
		vlog("copy failed after %llu stamps: %s", x.stamps,
		     d.msg[0] ? d.msg : stamp_strerror(rc ? rc : rc2));
		return 1;
	}
	vlog("copied %llu stamps, the scanner keys and the counts per day from %s to %s", x.stamps,
	     from, where);
	return 0;
}
