/*
 * cmd_serials.c - `stampgen serials`: the whole serial space in order, what
 * holds each range (a batch) and what does not (the burned gaps of issuances
 * that failed or were killed, and reservations still pending). Officers and
 * auditors read it to account for every serial ever signed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct span {
	uint64_t first, last;
	int kind; /* 0 batch, 1 burned, 2 pending */
	uint32_t batch;
	char product[STAMP_ID_MAX + 1], lot[STAMP_SHORT_MAX + 1];
	int32_t pid;
	char host[STAMP_HOSTNAME_MAX + 1];
	int64_t created;
} span;

typedef struct spans {
	span *v;
	size_t n, cap;
} spans;

static span *more(spans *s)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		span *v = realloc(s->v, cap * sizeof *v);
		if (!v)
			return NULL;
		s->v = v;
		s->cap = cap;
	}
	return memset(&s->v[s->n++], 0, sizeof *s->v);
}

static int add_batch(const stamp_batch *b, void *ctx)
{
	span *p = more(ctx);
	if (!p)
		return ENOMEM;
	p->first = b->first_serial;
	p->last = b->first_serial + b->count - 1;
	p->batch = b->id;
	p->created = b->created;
	memcpy(p->product, b->product_id, sizeof p->product);
	memcpy(p->lot, b->lot, sizeof p->lot);
	return 0;
}

static int add_reservation(const stamp_reservation *r, void *ctx)
{
	if (r->state == STAMP_RESERVE_STORED)
		return 0; /* its batch is listed; the record goes once the folder is in place */
	span *p = more(ctx);
	if (!p)
		return ENOMEM;
	p->first = r->first_serial;
	p->last = r->first_serial + r->count - 1;
	p->kind = r->state == STAMP_RESERVE_BURNED ? 1 : 2;
	p->pid = r->pid;
	p->created = r->created;
	memcpy(p->host, r->host, sizeof p->host);
	memcpy(p->product, r->product_id, sizeof p->product);
	memcpy(p->lot, r->lot, sizeof p->lot);
	return 0;
}

static int by_first(const void *a, const void *b)
{
	const span *x = a, *y = b;
	return x->first < y->first ? -1 : x->first > y->first;
}

int cmd_serials(cli *c, int argc, char **argv)
{
	spans s = {0};
	stamp_store *st;
	stamp_txn *t;
	uint64_t burned = 0;
	int ex, rc;

	if (cli_operands(argc, argv, "serials", 0, 0, &ex) < 0)
		return ex;
	if (cli_open_store(c, STAMP_STORE_RDONLY, &st))
		return EXIT_USAGE;
	if ((rc = stamp_txn_begin(st, 0, &t)) == 0) {
		if ((rc = stamp_store_each_batch(t, add_batch, &s)) == 0)
			rc = stamp_store_each_reservation(t, add_reservation, &s);
		stamp_txn_abort(t);
	}
	stamp_store_close(st);
	if (rc) {
		cli_fail(rc, NULL, c->store_dir);
		free(s.v);
		return cli_exit_code(rc);
	}
	if (s.n > 1)
		qsort(s.v, s.n, sizeof *s.v, by_first);
	printf("serials\tstate\tproduct\tlot\tdetail\n");
	for (size_t i = 0; i < s.n; i++) {
		const span *p = &s.v[i];
		char day[11];
		stamp_date_format(stamp_date_from_unix(p->created), day);
		printf("%llu-%llu\t", (unsigned long long)p->first, (unsigned long long)p->last);
		if (p->kind == 0)
			printf("batch %u\t%s\t%s\tissued %s\n", p->batch, p->product, p->lot, day);
		else
			printf("%s\t%s\t%s\t%s %s, pid %d on %s\n",
			       p->kind == 1 ? "burned" : "pending", p->product, p->lot,
			       p->kind == 1 ? "not issued; reserved" : "reserved", day, p->pid,
			       p->host);
		if (p->kind == 1)
			burned += p->last - p->first + 1;
	}
	if (burned && !c->quiet)
		cli_err("note: %llu burned serials: signed or not, no batch holds them, so none "
			"verifies as genuine",
			(unsigned long long)burned);
	free(s.v);
	return EXIT_OK;
}
