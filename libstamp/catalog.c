/*
 * catalog.c - the signed offline catalog (catalog.h; the bytes are
 * specified in docs/catalog.md and pinned by tests/test_catalog.c).
 *
 * The records inside are the store's own encodings (record.c), each with its
 * version byte: a later program reads an old catalog the way it reads an old
 * store. The signature covers a domain string and every byte before it, and
 * is checked before any record is parsed, so a forged file never reaches
 * the decoders.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "record.h"
#include "stamp/catalog.h"
#include "stamp/date.h"

#define MAGIC "OCOPCAT1"
#define DOMAIN "OCOPSTAMP-CATALOG-v1"
#define HEAD_BYTES (8 + 8 + 8 + STAMP_KEYID_BYTES + 5 * 4)

enum { S_KEYS, S_COOPS, S_PRODUCTS, S_BATCHES, S_REVOCATIONS, S_COUNT };

struct stamp_catalog {
	uint64_t version;
	int64_t created;
	uint8_t signer[STAMP_KEYID_BYTES];
	size_t n[S_COUNT];
	stamp_keyrec *keys;
	stamp_coop *coops;
	stamp_product *products;
	stamp_batch *batches; /* by first serial */
	stamp_revocation *revocations;
};

/* ---- writing ---- */

typedef struct wcat {
	uint8_t *p;
	size_t len, cap;
	int err;
	size_t n[S_COUNT];
} wcat;

static void add(wcat *w, const void *src, size_t n)
{
	if (w->err)
		return;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 65536;
		while (cap < w->len + n)
			cap *= 2;
		uint8_t *p = cap <= STAMP_CATALOG_MAX ? realloc(w->p, cap) : NULL;
		if (!p) {
			w->err = cap > STAMP_CATALOG_MAX ? EFBIG : ENOMEM;
			return;
		}
		w->p = p;
		w->cap = cap;
	}
	memcpy(w->p + w->len, src, n);
	w->len += n;
}

static void add_int(wcat *w, uint64_t v, int n)
{
	uint8_t b[8];
	stamp_be_put(b, v, n);
	add(w, b, (size_t)n);
}

static void add_rec(wcat *w, int section, const uint8_t *rec, size_t n)
{
	add_int(w, n, 2);
	add(w, rec, n);
	w->n[section]++;
}

static int put_key(const stamp_keyrec *k, void *ctx)
{
	uint8_t rec[STAMP_REC_MAX];
	add_rec(ctx, S_KEYS, rec, stamp_rec_key(k, rec));
	return 0;
}
static int put_coop(const stamp_coop *c, void *ctx)
{
	uint8_t rec[STAMP_REC_MAX];
	add_rec(ctx, S_COOPS, rec, stamp_rec_coop(c, rec));
	return 0;
}
static int put_product(const stamp_product *p, void *ctx)
{
	uint8_t rec[STAMP_REC_MAX];
	add_rec(ctx, S_PRODUCTS, rec, stamp_rec_product(p, rec));
	return 0;
}
static int put_batch(const stamp_batch *b, void *ctx)
{
	uint8_t rec[STAMP_REC_MAX];
	add_rec(ctx, S_BATCHES, rec, stamp_rec_batch(b, rec));
	return 0;
}
static int put_revocation(const stamp_revocation *r, void *ctx)
{
	uint8_t rec[STAMP_REC_MAX];
	if (r->undone)
		return 0; /* an inspector needs only what is in force */
	add_int(ctx, r->id, 4);
	add_rec(ctx, S_REVOCATIONS, rec, stamp_rec_revocation(r, rec));
	return 0;
}

/* Everything after the header, in section order; counts in w->n. */
static int body(stamp_txn *t, wcat *w)
{
	int rc;
	if ((rc = stamp_store_each_key(t, put_key, w)) ||
	    (rc = stamp_store_each_coop(t, put_coop, w)) ||
	    (rc = stamp_store_each_product(t, put_product, w)) ||
	    (rc = stamp_store_each_batch(t, put_batch, w)) ||
	    (rc = stamp_revocation_each(t, put_revocation, w)))
		return rc;
	return w->err;
}

/* What the signature covers: the domain string, then the catalog's bytes. */
static uint8_t *signed_message(const uint8_t *data, size_t len, size_t *mlen)
{
	uint8_t *m = malloc(sizeof DOMAIN - 1 + len);
	if (m) {
		memcpy(m, DOMAIN, sizeof DOMAIN - 1);
		memcpy(m + sizeof DOMAIN - 1, data, len);
		*mlen = sizeof DOMAIN - 1 + len;
	}
	return m;
}

static int write_file(const char *out, const uint8_t *data, size_t len, stamp_diag *diag)
{
	char tmp[PATH_MAX] = "";
	int fd = -1, rc = stamp_output_reserve(out, 0, tmp, &fd, diag);
	if (rc)
		return rc;
	for (size_t off = 0; off < len && rc == 0;) {
		ssize_t n = write(fd, data + off, len - off);
		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno != EINTR)
			rc = errno;
	}
	if (rc == 0 && fsync(fd) != 0)
		rc = errno;
	if (close(fd) != 0 && rc == 0)
		rc = errno;
	if (rc)
		stamp_diag_set(diag, rc, "%s: write failed: %s", tmp, strerror(rc));
	else
		rc = stamp_output_publish(tmp, out, diag);
	stamp_output_discard(tmp);
	return rc;
}

int stamp_catalog_export(stamp_store *st, const stamp_keypair *kp, int64_t now, const char *out,
			 size_t *bytes, stamp_diag *diag)
{
	const stamp_pubkey *pub = stamp_key_public(kp);
	wcat head = {0}, w = {0};
	stamp_keyrec k;
	stamp_txn *t;
	char kid[9];
	int rc = stamp_txn_begin(st, 0, &t);

	*bytes = 0;
	if (rc)
		return stamp_diag_set(diag, rc, "cannot read the store: %s", stamp_strerror(rc));
	stamp_key_id_format(pub->id, kid);
	rc = stamp_store_get_key(t, pub->id, &k);
	if (rc == 0 && memcmp(k.pk, pub->pk, STAMP_PK_BYTES) != 0)
		rc = STAMP_ENOTFOUND;
	if (rc == STAMP_ENOTFOUND)
		rc = stamp_diag_set(diag, STAMP_EUNKNOWNKEY,
				    "key %s is not registered in this store: it cannot sign its "
				    "catalog",
				    kid);
	if (rc == 0 && (rc = body(t, &w)))
		stamp_diag_set(diag, rc, "cannot export the catalog: %s", stamp_strerror(rc));
	stamp_txn_abort(t);
	if (rc)
		goto leave;

	add(&head, MAGIC, 8);
	add_int(&head, (uint64_t)now, 8); /* the version: the export's time */
	add_int(&head, (uint64_t)now, 8);
	add(&head, pub->id, STAMP_KEYID_BYTES);
	for (int i = 0; i < S_COUNT; i++)
		add_int(&head, w.n[i], 4);
	add(&head, w.p, w.len);
	uint8_t sig[STAMP_SIG_BYTES], *msg = NULL;
	size_t mlen = 0;
	if ((rc = head.err) || !(msg = signed_message(head.p, head.len, &mlen)) ||
	    (rc = stamp_key_sign_bytes(kp, msg, mlen, sig))) {
		rc = rc ? rc : ENOMEM;
		free(msg);
		stamp_diag_set(diag, rc, "cannot sign the catalog: %s", stamp_strerror(rc));
		goto leave;
	}
	free(msg);
	add(&head, sig, sizeof sig);
	if ((rc = head.err) || (rc = write_file(out, head.p, head.len, diag)))
		goto leave;
	*bytes = head.len;
leave:
	free(head.p);
	free(w.p);
	return rc;
}

/* ---- reading ---- */

typedef stamp_rbuf rcat;

/* One record of a section: its bytes, decoded by dec into out. */
static int take_rec(rcat *r, int (*dec)(const void *, size_t, void *), void *out)
{
	size_t n = (size_t)stamp_rbuf_int(r, 2);
	const uint8_t *p = stamp_rbuf_take(r, n);
	if (!p || dec(p, n, out) != 0)
		r->bad = 1;
	return r->bad ? STAMP_ECORRUPT : 0;
}

static int dec_key(const void *b, size_t n, void *o)
{
	return stamp_unrec_key(b, n, o);
}
static int dec_coop(const void *b, size_t n, void *o)
{
	return stamp_unrec_coop(b, n, o);
}
static int dec_product(const void *b, size_t n, void *o)
{
	return stamp_unrec_product(b, n, o);
}
static int dec_batch(const void *b, size_t n, void *o)
{
	return stamp_unrec_batch(b, n, o);
}
static int dec_revocation(const void *b, size_t n, void *o)
{
	return stamp_unrec_revocation(b, n, o);
}

static int by_first(const void *a, const void *b)
{
	const stamp_batch *x = a, *y = b;
	return x->first_serial < y->first_serial ? -1 : x->first_serial > y->first_serial;
}

static int read_all(const char *path, uint8_t **data, size_t *len, stamp_diag *diag)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
	*data = NULL;
	if (fd < 0)
		return stamp_diag_set(diag, errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size < HEAD_BYTES + STAMP_SIG_BYTES || (uint64_t)sb.st_size > STAMP_CATALOG_MAX) {
		close(fd);
		return stamp_diag_set(diag, STAMP_ECORRUPT, "%s: not an ocopstamp catalog (size)",
				      path);
	}
	*len = (size_t)sb.st_size;
	if (!(*data = malloc(*len))) {
		close(fd);
		return ENOMEM;
	}
	for (size_t off = 0; off < *len && rc == 0;) {
		ssize_t n = read(fd, *data + off, *len - off);
		if (n > 0)
			off += (size_t)n;
		else if (n == 0)
			rc = stamp_diag_set(diag, STAMP_ECORRUPT, "%s: shorter than it was", path);
		else if (errno != EINTR)
			rc = stamp_diag_set(diag, errno, "%s: %s", path, strerror(errno));
	}
	close(fd);
	if (rc) {
		free(*data);
		*data = NULL;
	}
	return rc;
}

static int check_signature(const uint8_t *data, size_t len, const stamp_pubkey *keys, size_t nkeys,
			   const char *path, stamp_diag *diag)
{
	const uint8_t *signer = data + 24, *sig = data + len - STAMP_SIG_BYTES;
	char kid[9];
	stamp_key_id_format(signer, kid);
	for (size_t i = 0; i < nkeys; i++) {
		if (memcmp(keys[i].id, signer, STAMP_KEYID_BYTES) != 0)
			continue;
		size_t mlen;
		uint8_t *msg = signed_message(data, len - STAMP_SIG_BYTES, &mlen);
		if (!msg)
			return ENOMEM;
		int bad = crypto_sign_verify_detached(sig, msg, mlen, keys[i].pk);
		free(msg);
		if (!bad)
			return 0;
		return stamp_diag_set(diag, STAMP_EFORGED,
				      "%s: the signature does not verify under key %s: altered or "
				      "forged",
				      path, kid);
	}
	return stamp_diag_set(
		diag, STAMP_EFORGED,
		"%s: signed by key %s, which is not among the public keys given (--pub)", path,
		kid);
}

static int parse(stamp_catalog *c, const uint8_t *data, size_t len)
{
	rcat r = {data, len - STAMP_SIG_BYTES, 8, 0};
	const uint8_t *signer;
	c->version = stamp_rbuf_int(&r, 8);
	c->created = (int64_t)stamp_rbuf_int(&r, 8);
	if (!(signer = stamp_rbuf_take(&r, STAMP_KEYID_BYTES)))
		return STAMP_ECORRUPT;
	memcpy(c->signer, signer, STAMP_KEYID_BYTES);
	for (int i = 0; i < S_COUNT; i++) {
		c->n[i] = (size_t)stamp_rbuf_int(&r, 4);
		if (c->n[i] > r.len / 3) /* each record takes 3 bytes or more */
			return STAMP_ECORRUPT;
	}
	if (!(c->keys = calloc(c->n[S_KEYS] + 1, sizeof *c->keys)) ||
	    !(c->coops = calloc(c->n[S_COOPS] + 1, sizeof *c->coops)) ||
	    !(c->products = calloc(c->n[S_PRODUCTS] + 1, sizeof *c->products)) ||
	    !(c->batches = calloc(c->n[S_BATCHES] + 1, sizeof *c->batches)) ||
	    !(c->revocations = calloc(c->n[S_REVOCATIONS] + 1, sizeof *c->revocations)))
		return ENOMEM;
	for (size_t i = 0; i < c->n[S_KEYS]; i++)
		take_rec(&r, dec_key, &c->keys[i]);
	for (size_t i = 0; i < c->n[S_COOPS]; i++)
		take_rec(&r, dec_coop, &c->coops[i]);
	for (size_t i = 0; i < c->n[S_PRODUCTS]; i++)
		take_rec(&r, dec_product, &c->products[i]);
	for (size_t i = 0; i < c->n[S_BATCHES]; i++)
		take_rec(&r, dec_batch, &c->batches[i]);
	for (size_t i = 0; i < c->n[S_REVOCATIONS]; i++) {
		uint32_t id = (uint32_t)stamp_rbuf_int(&r, 4);
		if (take_rec(&r, dec_revocation, &c->revocations[i]) == 0)
			c->revocations[i].id = id;
	}
	if (r.bad || r.off != r.len)
		return STAMP_ECORRUPT;
	if (c->n[S_BATCHES] > 1)
		qsort(c->batches, c->n[S_BATCHES], sizeof *c->batches, by_first);
	return 0;
}

void stamp_catalog_free(stamp_catalog *c)
{
	if (!c)
		return;
	free(c->keys);
	free(c->coops);
	free(c->products);
	free(c->batches);
	free(c->revocations);
	free(c);
}

int stamp_catalog_load(const char *path, const stamp_pubkey *keys, size_t nkeys,
		       stamp_catalog **out, stamp_diag *diag)
{
	uint8_t *data;
	size_t len = 0; /* GCC 12 cannot see read_all set it on success */
	stamp_catalog *c = NULL;
	int rc;

	*out = NULL;
	if ((rc = read_all(path, &data, &len, diag)))
		return rc;
	if (memcmp(data, MAGIC, 8) != 0) {
		rc = stamp_diag_set(diag, STAMP_ECORRUPT, "%s: not an ocopstamp catalog", path);
		goto leave;
	}
	if ((rc = check_signature(data, len, keys, nkeys, path, diag)))
		goto leave;
	if (!(c = calloc(1, sizeof *c))) {
		rc = ENOMEM;
		goto leave;
	}
	if ((rc = parse(c, data, len))) {
		stamp_diag_set(diag, rc, "%s: a record does not decode", path);
		stamp_catalog_free(c);
		c = NULL;
	}
leave:
	free(data);
	*out = c;
	return rc;
}

uint64_t stamp_catalog_version(const stamp_catalog *c)
{
	return c->version;
}

const uint8_t *stamp_catalog_signer(const stamp_catalog *c)
{
	return c->signer;
}

void stamp_catalog_counts(const stamp_catalog *c, size_t *keys, size_t *batches,
			  size_t *revocations)
{
	*keys = c->n[S_KEYS];
	*batches = c->n[S_BATCHES];
	*revocations = c->n[S_REVOCATIONS];
}

/* ---- freshness ---- */

int stamp_catalog_check_fresh(const stamp_catalog *c, const char *state, stamp_diag *diag)
{
	char kid[9], line[128], tmp[PATH_MAX];
	char *kept = NULL;
	size_t klen = 0;
	unsigned long long seen = 0;
	FILE *f = fopen(state, "r");
	int rc = 0;

	stamp_key_id_format(c->signer, kid);
	if (!f && errno != ENOENT)
		return stamp_diag_set(diag, errno, "%s: %s", state, strerror(errno));
	/* the other signers' lines stay as they are */
	while (f && fgets(line, sizeof line, f)) {
		char id[16];
		unsigned long long v;
		if (sscanf(line, "%15s %llu", id, &v) == 2 && strcmp(id, kid) == 0) {
			seen = v;
			continue;
		}
		size_t n = strlen(line);
		char *k = realloc(kept, klen + n + 1);
		if (!k) {
			rc = ENOMEM;
			break;
		}
		kept = k;
		memcpy(kept + klen, line, n + 1);
		klen += n;
	}
	if (f)
		fclose(f);
	if (rc == 0 && c->version < seen)
		rc = stamp_diag_set(diag, STAMP_EINPUT,
				    "catalog version %llu of key %s is older than version %llu "
				    "already used here: get the newest catalog",
				    (unsigned long long)c->version, kid, seen);
	if (rc == 0 && c->version > seen) {
		if (snprintf(tmp, sizeof tmp, "%s.tmp", state) >= (int)sizeof tmp) {
			rc = ENAMETOOLONG;
		} else if (!(f = fopen(tmp, "w"))) {
			rc = stamp_diag_set(diag, errno, "%s: %s", tmp, strerror(errno));
		} else {
			fprintf(f, "%s%s %llu\n", kept ? kept : "", kid,
				(unsigned long long)c->version);
			rc = fclose(f) != 0 ? errno : rename(tmp, state) != 0 ? errno : 0;
			if (rc)
				stamp_diag_set(diag, rc, "%s: %s", state, strerror(rc));
		}
	}
	free(kept);
	return rc;
}

/* ---- the verdict ---- */

static const stamp_batch *batch_of(const stamp_catalog *c, uint64_t serial)
{
	size_t lo = 0, hi = c->n[S_BATCHES];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const stamp_batch *b = &c->batches[mid];
		if (serial < b->first_serial)
			hi = mid;
		else if (serial >= b->first_serial + b->count)
			lo = mid + 1;
		else
			return b;
	}
	return NULL;
}

/* The revocation in force for serial of b, as stamp_revocation_find ranks them. */
static const stamp_revocation *revoked(const stamp_catalog *c, uint64_t serial,
				       const stamp_batch *b)
{
	const stamp_revocation *best = NULL;
	int rank = 5;
	for (size_t i = 0; i < c->n[S_REVOCATIONS]; i++) {
		const stamp_revocation *r = &c->revocations[i];
		int k = r->scope == STAMP_SCOPE_SERIALS && r->first <= serial && serial <= r->last
				? 1
			: r->scope == STAMP_SCOPE_BATCH && r->batch_id == b->id ? 2
			: r->scope == STAMP_SCOPE_PRODUCT &&
					strcmp(r->product_id, b->product_id) == 0
				? 3
			: r->scope == STAMP_SCOPE_KEY &&
					memcmp(r->key_id, b->key_id, STAMP_KEYID_BYTES) == 0 &&
					(!r->from || stamp_date_from_unix(b->created) >= r->from)
				? 4
				: 5;
		if (k < rank || (k == rank && best && r->id < best->id)) {
			best = r;
			rank = k;
		}
	}
	return rank < 5 ? best : NULL;
}

static const uint8_t *find_pk(const stamp_catalog *c, const stamp_pubkey *extra, size_t nextra,
			      const uint8_t id[STAMP_KEYID_BYTES])
{
	for (size_t i = 0; i < nextra; i++)
		if (memcmp(extra[i].id, id, STAMP_KEYID_BYTES) == 0)
			return extra[i].pk;
	for (size_t i = 0; i < c->n[S_KEYS]; i++)
		if (memcmp(c->keys[i].id, id, STAMP_KEYID_BYTES) == 0)
			return c->keys[i].pk;
	return NULL;
}

static void details(const stamp_catalog *c, const stamp_batch *b, stamp_check *out)
{
	out->batch = *b;
	for (size_t i = 0; i < c->n[S_PRODUCTS]; i++)
		if (strcmp(c->products[i].id, b->product_id) == 0)
			out->product = c->products[i];
	for (size_t i = 0; i < c->n[S_COOPS]; i++)
		if (strcmp(c->coops[i].id, out->product.coop_id) == 0)
			out->coop = c->coops[i];
}

int stamp_catalog_verify(const stamp_catalog *c, const stamp_pubkey *extra, size_t nextra,
			 const char *text, size_t len, stamp_check *out)
{
	memset(out, 0, sizeof *out);
	if (stamp_code_parse(text, len, &out->code, out->host) != 0) {
		out->verdict = STAMP_V_MALFORMED;
		return 0;
	}
	const uint8_t *pk = find_pk(c, extra, nextra, out->code.key_id);
	const stamp_batch *b;
	if (!pk)
		out->verdict = STAMP_V_UNKNOWN_KEY;
	else if (stamp_code_verify(&out->code, pk) != 0)
		out->verdict = STAMP_V_FORGED;
	else if (!(b = batch_of(c, out->code.serial)))
		out->verdict = STAMP_V_UNKNOWN;
	else if (memcmp(b->key_id, out->code.key_id, STAMP_KEYID_BYTES) != 0)
		out->verdict = STAMP_V_FORGED; /* a serial issued under another key */
	else {
		const stamp_revocation *r = revoked(c, out->code.serial, b);
		details(c, b, out);
		out->in_store = 1;
		out->stamp.serial = out->code.serial;
		out->stamp.batch_id = b->id;
		out->verdict = STAMP_V_GENUINE;
		if (r) {
			out->revoked = 1;
			out->revocation = *r;
			out->verdict = STAMP_V_REVOKED;
		} else if (out->host[0] && !stamp_same_host(out->host, b->base_url)) {
			out->verdict = STAMP_V_FOREIGN_HOST;
		}
	}
	return 0;
}
