/*
 * metrics.c - counters for /metrics, in the Prometheus text format.
 *
 * Relaxed atomics: each counter only goes up and is read whole; no counter
 * needs to agree with another at any instant.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "verifyd.h"

/* request latency buckets, seconds (handler time, from first byte parsed) */
static const double buckets[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25};
#define NBUCKETS (sizeof buckets / sizeof buckets[0])

static atomic_ullong by_status[STATUS_KINDS];
static atomic_ullong by_verdict[STAMP_V_COUNT]; /* by the verdict as shown */
static atomic_ullong latency[NBUCKETS + 1];
static atomic_ullong latency_ns_sum;
static atomic_ullong flushes, flush_failures, stamps_flushed;
static atomic_ullong scans_by[3], closed_by[CLOSE_KINDS], txn_failed_by[TXN_CAUSES];
static const char *const scan_names[3] = {"counted", "repeat", "over_budget"};
static const char *const close_names[CLOSE_KINDS] = {"head_deadline", "evicted", "per_address",
						     "full", "stopping"};
static const char *const txn_names[TXN_CAUSES] = {"readers_full", "other"};
static atomic_ullong reloads_by[RELOAD_KINDS];

void metrics_reload(int result)
{
	if (result > RELOAD_NONE && result < RELOAD_KINDS)
		atomic_fetch_add_explicit(&reloads_by[result], 1, memory_order_relaxed);
}

static const char *const status_names[STATUS_KINDS] = {"2xx", "3xx", "4xx", "5xx"};
void metrics_request(int status, double seconds)
{
	int k = status >= 500	? STATUS_5XX
		: status >= 400 ? STATUS_4XX
		: status >= 300 ? STATUS_3XX
				: STATUS_2XX;
	atomic_fetch_add_explicit(&by_status[k], 1, memory_order_relaxed);
	size_t b = 0;
	while (b < NBUCKETS && seconds > buckets[b])
		b++;
	atomic_fetch_add_explicit(&latency[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&latency_ns_sum, (unsigned long long)(seconds * 1e9),
				  memory_order_relaxed);
}

void metrics_verdict(const verdict *v)
{
	atomic_fetch_add_explicit(&by_verdict[verdict_shown(v)], 1, memory_order_relaxed);
}

void metrics_flush(size_t written, int failed)
{
	atomic_fetch_add_explicit(failed ? &flush_failures : &flushes, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&stamps_flushed, written, memory_order_relaxed);
}

void metrics_scan(scan_outcome o)
{
	atomic_fetch_add_explicit(&scans_by[o], 1, memory_order_relaxed);
}

void metrics_closed(int why)
{
	atomic_fetch_add_explicit(&closed_by[why], 1, memory_order_relaxed);
}

void metrics_txn_failed(int cause)
{
	atomic_fetch_add_explicit(&txn_failed_by[cause], 1, memory_order_relaxed);
}

unsigned long long metrics_txn_failures(int cause)
{
	return atomic_load(&txn_failed_by[cause]);
}

/* One labelled counter family. */
static void family(strbuf *b, const char *name, const char *help, const char *label,
		   const char *const *names, atomic_ullong *v, int n)
{
	buf_put(b, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
	for (int i = 0; i < n; i++)
		buf_put(b, "%s{%s=\"%s\"} %llu\n", name, label, names[i], atomic_load(&v[i]));
}

/* The snapshot served and the last reload (docs/api.md). */
static void registry_metrics(strbuf *b, const registry_status *rs)
{
	char sum[2 * STAMP_SHA256_BYTES + 1], head[2 * STAMP_AUDIT_HASH_BYTES + 1];
	hex_format(rs->sha256, sizeof rs->sha256, sum);
	hex_format(rs->head.hash, sizeof rs->head.hash, head);
	const char *names[RELOAD_KINDS];
	for (int i = 0; i < RELOAD_KINDS; i++)
		names[i] = reload_result_name(i);
	family(b, "verifyd_registry_reloads_total",
	       "SIGHUPs, by outcome: a new snapshot opened, the same files kept, refused "
	       "(checksum, "
	       "older, not a continuation), failed (could not be opened).",
	       "result", names + 1, reloads_by + 1, RELOAD_KINDS - 1);
	buf_put(b,
		"# HELP verifyd_registry_last_reload_refused 1 when the last SIGHUP's snapshot was "
		"not taken (refused or failed): the one before is still served.\n"
		"# TYPE verifyd_registry_last_reload_refused gauge\n"
		"verifyd_registry_last_reload_refused %d\n"
		"# HELP verifyd_registry_last_reload_timestamp_seconds When the last SIGHUP was "
		"handled (0: none yet).\n"
		"# TYPE verifyd_registry_last_reload_timestamp_seconds gauge\n"
		"verifyd_registry_last_reload_timestamp_seconds %lld\n",
		rs->reload_result == RELOAD_REFUSED || rs->reload_result == RELOAD_FAILED,
		(long long)rs->reload_at);
	if (!rs->readable)
		return;
	buf_put(b,
		"# HELP verifyd_registry_snapshot_info The registry served: its data.mdb's sha256, "
		"whether data.mdb.sha256 vouched for it, its audit head.\n"
		"# TYPE verifyd_registry_snapshot_info gauge\n"
		"verifyd_registry_snapshot_info{sha256=\"%s\",checksum=\"%s\",audit_head=\"%s\"} "
		"1\n"
		"# HELP verifyd_registry_audit_seq Sequence number of the registry's last audit "
		"entry: higher is newer.\n"
		"# TYPE verifyd_registry_audit_seq gauge\n"
		"verifyd_registry_audit_seq %llu\n"
		"# HELP verifyd_registry_snapshot_timestamp_seconds Time of the registry's last "
		"change (its last audit entry).\n"
		"# TYPE verifyd_registry_snapshot_timestamp_seconds gauge\n"
		"verifyd_registry_snapshot_timestamp_seconds %lld\n"
		"# HELP verifyd_registry_batches Batches in the registry served.\n"
		"# TYPE verifyd_registry_batches gauge\n"
		"verifyd_registry_batches %llu\n"
		"# HELP verifyd_registry_opened_timestamp_seconds When the registry's files were "
		"opened.\n"
		"# TYPE verifyd_registry_opened_timestamp_seconds gauge\n"
		"verifyd_registry_opened_timestamp_seconds %lld\n",
		sum, rs->vouched ? "verified" : "unlisted", rs->head.seq ? head : "",
		(unsigned long long)rs->head.seq, (long long)rs->head.time,
		(unsigned long long)rs->batches, (long long)rs->opened);
}

/* The scans backend: whether it is reachable, what waits in memory, what was lost. */
static void backend(strbuf *b, const stamp_scans_stats *st)
{
	buf_put(b,
		"# HELP verifyd_scans_backend_up 1 when the scans backend took the last round "
		"(always 1 for LMDB).\n"
		"# TYPE verifyd_scans_backend_up gauge\n"
		"verifyd_scans_backend_up{backend=\"%s\"} %d\n",
		st->redis ? "redis" : "lmdb", st->up);
	if (!st->redis)
		return;
	buf_put(b,
		"# HELP verifyd_scans_pending_stamps Stamps whose counts wait in memory for "
		"Redis.\n"
		"# TYPE verifyd_scans_pending_stamps gauge\n"
		"verifyd_scans_pending_stamps %llu\n"
		"# HELP verifyd_scans_pending_marks Counted scans waiting in memory for Redis.\n"
		"# TYPE verifyd_scans_pending_marks gauge\n"
		"verifyd_scans_pending_marks %llu\n"
		"# HELP verifyd_scans_dropped_marks_total Counted scans lost to the memory bound "
		"(docs/operations.md).\n"
		"# TYPE verifyd_scans_dropped_marks_total counter\n"
		"verifyd_scans_dropped_marks_total %llu\n"
		"# HELP verifyd_scans_dropped_requests_total Requests not counted: a new stamp "
		"with the table full.\n"
		"# TYPE verifyd_scans_dropped_requests_total counter\n"
		"verifyd_scans_dropped_requests_total %llu\n"
		"# HELP verifyd_scans_redis_errors_total Redis failures, by cause.\n"
		"# TYPE verifyd_scans_redis_errors_total counter\n",
		(unsigned long long)st->pending_stamps, (unsigned long long)st->pending_marks,
		(unsigned long long)st->dropped_marks, (unsigned long long)st->dropped_requests);
	for (int i = 0; i < SCANS_ERR_CAUSES; i++)
		buf_put(b, "verifyd_scans_redis_errors_total{cause=\"%s\"} %llu\n",
			stamp_scans_err_names[i], (unsigned long long)st->errors[i]);
}

char *metrics_render(uint64_t registry_bytes, uint64_t scans_bytes, const registry_status *rs,
		     const stamp_scans_stats *st, size_t *len)
{
	strbuf b; /* sized for every line below */
	if (buf_init(&b, 8192))
		return NULL;
	buf_put(&b, "# HELP verifyd_requests_total HTTP requests answered, by status class.\n"
		    "# TYPE verifyd_requests_total counter\n");
	for (int i = 0; i < STATUS_KINDS; i++)
		buf_put(&b, "verifyd_requests_total{status=\"%s\"} %llu\n", status_names[i],
			atomic_load(&by_status[i]));
	buf_put(&b, "# HELP verifyd_verdicts_total Code lookups, by verdict.\n"
		    "# TYPE verifyd_verdicts_total counter\n");
	for (int i = 0; i < STAMP_V_COUNT; i++)
		if (stamp_verdict_about(i)->shown == (stamp_verdict)i)
			buf_put(&b, "verifyd_verdicts_total{verdict=\"%s\"} %llu\n",
				stamp_verdict_name(i), atomic_load(&by_verdict[i]));
	buf_put(&b, "# HELP verifyd_request_seconds Time to build an answer.\n"
		    "# TYPE verifyd_request_seconds histogram\n");
	unsigned long long cum = 0;
	for (size_t i = 0; i <= NBUCKETS; i++) {
		cum += atomic_load(&latency[i]);
		if (i < NBUCKETS)
			buf_put(&b, "verifyd_request_seconds_bucket{le=\"%g\"} %llu\n", buckets[i],
				cum);
		else
			buf_put(&b, "verifyd_request_seconds_bucket{le=\"+Inf\"} %llu\n", cum);
	}
	buf_put(&b, "verifyd_request_seconds_sum %.6f\nverifyd_request_seconds_count %llu\n",
		(double)atomic_load(&latency_ns_sum) / 1e9, cum);
	buf_put(&b,
		"# HELP verifyd_scan_flushes_total Durable writes of scan counts.\n"
		"# TYPE verifyd_scan_flushes_total counter\n"
		"verifyd_scan_flushes_total{result=\"ok\"} %llu\n"
		"verifyd_scan_flushes_total{result=\"failed\"} %llu\n"
		"# HELP verifyd_scan_stamps_written_total Stamp counters written by flushes.\n"
		"# TYPE verifyd_scan_stamps_written_total counter\n"
		"verifyd_scan_stamps_written_total %llu\n",
		atomic_load(&flushes), atomic_load(&flush_failures), atomic_load(&stamps_flushed));
	family(&b, "verifyd_scans_total", "Scans of a stamp's URL, by whether they counted.",
	       "outcome", scan_names, scans_by, 3);
	family(&b, "verifyd_connections_closed_total",
	       "Connections the guard cut or refused (head deadline, slot taken by a new "
	       "connection, per-address limit, all slots busy with complete heads).",
	       "why", close_names, closed_by, CLOSE_KINDS);
	family(&b, "verifyd_registry_txn_failures_total",
	       "Registry read transactions that could not begin, by cause.", "cause", txn_names,
	       txn_failed_by, TXN_CAUSES);
	buf_put(&b,
		"# HELP verifyd_store_bytes Bytes used by each store.\n"
		"# TYPE verifyd_store_bytes gauge\n"
		"verifyd_store_bytes{store=\"registry\"} %llu\n"
		"verifyd_store_bytes{store=\"scans\"} %llu\n",
		(unsigned long long)registry_bytes, (unsigned long long)scans_bytes);
	registry_metrics(&b, rs);
	backend(&b, st);
	return buf_take(&b, len);
}
