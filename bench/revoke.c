/*
 * revoke.c - bench/verifyd.sh's revocations: N single-serial revocations
 * spread evenly over a store's serials, in one write transaction, none on a
 * serial whose code is in the benchmark's sample (those must stay genuine).
 * What this measures is the lookup every genuine stamp pays: a seek among N
 * segments and three misses. The fixture would take 10,000 runs of
 * `stampgen revoke` (minutes); this takes a second.
 *
 *     bench_revoke STORE N SAMPLE    (SAMPLE: one code's base32 part a line)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stamp/stamp.h"

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int last_serial(const stamp_batch *b, void *ctx)
{
	uint64_t *last = ctx, l = b->first_serial + b->count - 1;
	if (l > *last)
		*last = l;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: bench_revoke STORE N SAMPLE\n");
		return 2;
	}
	long n = strtol(argv[2], NULL, 10);
	FILE *f = fopen(argv[3], "r");
	uint64_t *skip = NULL, last = 0;
	size_t nskip = 0, cap = 0;
	char line[256];
	stamp_store *st;
	stamp_txn *t;
	stamp_diag d = {{0}};

	if (n < 1 || !f || stamp_init()) {
		fprintf(stderr, "bench_revoke: bad arguments\n");
		return 2;
	}
	while (fgets(line, sizeof line, f)) {
		stamp_code c;
		line[strcspn(line, "\n")] = '\0';
		if (stamp_code_from_b32(line, strlen(line), &c))
			continue;
		if (nskip == cap && !(skip = realloc(skip, (cap = cap ? cap * 2 : 1024) * 8)))
			return 2;
		skip[nskip++] = c.serial;
	}
	fclose(f);
	qsort(skip, nskip, sizeof *skip, cmp);
	if (stamp_store_open(argv[1], 0, &st, &d) || stamp_txn_begin(st, 1, &t) ||
	    stamp_store_each_batch(t, last_serial, &last) || last < (uint64_t)n * 2) {
		fprintf(stderr, "bench_revoke: %s\n", d.msg[0] ? d.msg : "cannot read the store");
		return 2;
	}
	uint64_t step = last / (uint64_t)n, made = 0;
	for (uint64_t s = step / 2 + 1; made < (uint64_t)n && s <= last; s += step) {
		uint64_t v = s;
		while (bsearch(&v, skip, nskip, sizeof *skip, cmp))
			v++; /* a sampled serial stays genuine: take the next */
		stamp_revocation r = {.scope = STAMP_SCOPE_SERIALS,
				      .first = v,
				      .last = v,
				      .reason = STAMP_REASON_LOST,
				      .since = time(NULL)};
		strcpy(r.actor, "bench");
		if (stamp_revocation_add(t, &r, &d)) {
			fprintf(stderr, "bench_revoke: %s\n", d.msg);
			return 2;
		}
		made++;
	}
	if (stamp_txn_commit(t, NULL)) {
		fprintf(stderr, "bench_revoke: commit failed\n");
		return 2;
	}
	stamp_store_close(st);
	free(skip);
	printf("%llu\n", (unsigned long long)made);
	return 0;
}
