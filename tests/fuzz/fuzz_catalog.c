/*
 * fuzz_catalog.c - libFuzzer target for the signed offline catalog reader
 * (libstamp/catalog.c, docs/catalog.md).
 *
 * The reader checks the Ed25519 signature before it decodes any record, so
 * a mutated file would never get past it. Each input is therefore read
 * twice: as it is, under the seeds' key (the fixture key of
 * tests/test_catalog.c, seed 00 01 ... 1f), which exercises the framing and
 * the signature check; then with its last 64 bytes replaced by this key's
 * signature of the rest, which takes the records to the decoders.
 *
 * Invariants: a file read as it is is accepted only when its signature
 * verifies under the key given; a re-signed file is refused as forged only
 * when it names another signer; refusals are ECORRUPT or EFORGED with a
 * message naming the file. An accepted catalog reports the version, signer
 * and counts of its header, and is byte for byte the canonical encoding of
 * the records it decoded (decode, encode again: the same bytes, section by
 * section, nothing left over). Its verdicts: a code of this key for the
 * first serial of a batch finds that batch (genuine or revoked) when batches
 * are non-empty and do not overlap (what the store exports; the reader takes
 * any signed catalog), and the key is looked up by id as the catalog lists
 * keys.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "internal.h"
#include "record.h"
#include "stamp/catalog.h"
#include "stamp/code.h"
#include "stamp/key.h"

#define MAGIC "OCOPCAT1"
#define DOMAIN "OCOPSTAMP-CATALOG-v1"
#define HEAD (8 + 8 + 8 + STAMP_KEYID_BYTES + 5 * 4)
#define KEEP 64 /* keys and batches kept for the verdict checks */

enum { S_KEYS, S_COOPS, S_PRODUCTS, S_BATCHES, S_REVOCATIONS, S_COUNT };

static stamp_keypair *kp;
static const stamp_pubkey *pub;

static void init(void)
{
	uint8_t seed[32];
	if (kp)
		return;
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;
	if (stamp_init() != 0 || stamp_key_from_seed(seed, &kp) != 0)
		fuzz_fail("the fuzz key");
	pub = stamp_key_public(kp);
}

/* What the harness decoded itself, walking the file as docs/catalog.md says. */
typedef struct walk {
	size_t n[S_COUNT];
	stamp_keyrec keys[KEEP];
	stamp_batch batches[KEEP];
} walk;

/* The record at *off, decoded and encoded again: the same bytes. */
static void one_record(const uint8_t *data, size_t end, size_t *off, int section, walk *w, size_t i)
{
	uint8_t again[STAMP_REC_MAX];
	union {
		stamp_keyrec k;
		stamp_coop c;
		stamp_product p;
		stamp_batch b;
		stamp_revocation r;
	} u;
	size_t len;
	int rc;

	if (section == S_REVOCATIONS)
		*off += 4; /* the revocation's id */
	if (*off + 2 > end)
		fuzz_fail("accepted, but section %d record %zu overruns the file", section, i);
	size_t n = (size_t)stamp_be_get(data + *off, 2);
	if (*off + 2 + n > end)
		fuzz_fail("accepted, but section %d record %zu overruns the file", section, i);
	const uint8_t *rec = data + *off + 2;
	switch (section) {
	case S_KEYS:
		rc = stamp_unrec_key(rec, n, &u.k);
		len = rc ? 0 : stamp_rec_key(&u.k, again);
		if (i < KEEP)
			w->keys[i] = u.k;
		break;
	case S_COOPS:
		rc = stamp_unrec_coop(rec, n, &u.c);
		len = rc ? 0 : stamp_rec_coop(&u.c, again);
		break;
	case S_PRODUCTS:
		rc = stamp_unrec_product(rec, n, &u.p);
		len = rc ? 0 : stamp_rec_product(&u.p, again);
		break;
	case S_BATCHES:
		rc = stamp_unrec_batch(rec, n, &u.b);
		len = rc ? 0 : stamp_rec_batch(&u.b, again);
		if (i < KEEP)
			w->batches[i] = u.b;
		break;
	default:
		rc = stamp_unrec_revocation(rec, n, &u.r);
		len = rc ? 0 : stamp_rec_revocation(&u.r, again);
		break;
	}
	if (rc)
		fuzz_fail("accepted, but section %d record %zu does not decode", section, i);
	if (len != n || memcmp(again, rec, n) != 0)
		fuzz_fail("section %d record %zu is not the canonical encoding of itself", section,
			  i);
	*off += 2 + n;
}

static void check_walk(const uint8_t *data, size_t size, walk *w)
{
	size_t off = HEAD, end = size - STAMP_SIG_BYTES;

	for (int s = 0; s < S_COUNT; s++) {
		w->n[s] = (size_t)stamp_be_get(data + 28 + 4 * s, 4);
		for (size_t i = 0; i < w->n[s]; i++)
			one_record(data, end, &off, s, w, i);
	}
	if (off != end)
		fuzz_fail("accepted with %zu bytes left over", end - off);
}

static int overlapping(const walk *w)
{
	size_t n = w->n[S_BATCHES];
	if (n > KEEP)
		return 1;
	for (size_t i = 0; i < n; i++) {
		const stamp_batch *a = &w->batches[i];
		/* an empty batch at another's first serial breaks the search's order too */
		if (a->count == 0 || a->first_serial + a->count < a->first_serial)
			return 1;
		for (size_t j = 0; j < i; j++) {
			const stamp_batch *b = &w->batches[j];
			if (a->first_serial < b->first_serial + b->count &&
			    b->first_serial < a->first_serial + a->count)
				return 1;
		}
	}
	return 0;
}

/* The pk the catalog's own keys give for our key id (find_pk: the first). */
static const uint8_t *listed_pk(const walk *w)
{
	for (size_t i = 0; i < w->n[S_KEYS] && i < KEEP; i++)
		if (memcmp(w->keys[i].id, pub->id, STAMP_KEYID_BYTES) == 0)
			return w->keys[i].pk;
	return NULL;
}

static void check_batch_verdict(const stamp_catalog *c, const walk *w, const stamp_batch *b,
				int apart)
{
	stamp_code code = {.serial = b->first_serial};
	char text[STAMP_B32_LEN + 1];
	stamp_check out;

	if (b->count == 0 || code.serial == 0 || code.serial > STAMP_SERIAL_MAX)
		return;
	if (stamp_key_sign(kp, &code) != 0)
		fuzz_fail("cannot sign serial %llu", (unsigned long long)code.serial);
	stamp_code_to_b32(&code, text);
	if (stamp_catalog_verify(c, pub, 1, text, STAMP_B32_LEN, &out) != 0)
		fuzz_fail("stamp_catalog_verify failed");
	stamp_verdict v = out.verdict;
	int found = v == STAMP_V_GENUINE || v == STAMP_V_REVOKED;
	if (!found && v != STAMP_V_UNKNOWN && v != STAMP_V_FORGED)
		fuzz_fail("verdict %s for a code of the key given", stamp_verdict_name(v));
	if (found && (!out.in_store || out.batch.first_serial > code.serial ||
		      code.serial - out.batch.first_serial >= out.batch.count ||
		      memcmp(out.batch.key_id, pub->id, STAMP_KEYID_BYTES) != 0 ||
		      (v == STAMP_V_REVOKED) != out.revoked))
		fuzz_fail("%s in a batch that does not hold the serial", stamp_verdict_name(v));
	if (apart) {
		int ours = memcmp(b->key_id, pub->id, STAMP_KEYID_BYTES) == 0;
		if (ours ? !found || out.batch.id != b->id : v != STAMP_V_FORGED)
			fuzz_fail("serial %llu of batch %u: %s", (unsigned long long)code.serial,
				  b->id, stamp_verdict_name(v));
	}
	/* without extra keys: the catalog's own key of that id decides */
	stamp_check own;
	const uint8_t *pk = listed_pk(w);
	if (stamp_catalog_verify(c, NULL, 0, text, STAMP_B32_LEN, &own) != 0)
		fuzz_fail("stamp_catalog_verify failed");
	stamp_verdict want = !pk				   ? STAMP_V_UNKNOWN_KEY
			     : memcmp(pk, pub->pk, STAMP_PK_BYTES) ? STAMP_V_FORGED
								   : v;
	if (w->n[S_KEYS] <= KEEP && own.verdict != want)
		fuzz_fail("by the catalog's keys: %s, expected %s", stamp_verdict_name(own.verdict),
			  stamp_verdict_name(want));
}

static void check_catalog(const stamp_catalog *c, const uint8_t *data, size_t size)
{
	size_t keys, batches, revocations;
	stamp_check out;
	walk *w = calloc(1, sizeof *w);

	if (!w)
		fuzz_fail("out of memory");
	if (stamp_catalog_version(c) != stamp_be_get(data + 8, 8) ||
	    memcmp(stamp_catalog_signer(c), data + 24, STAMP_KEYID_BYTES) != 0)
		fuzz_fail("version or signer not the header's");
	check_walk(data, size, w);
	stamp_catalog_counts(c, &keys, &batches, &revocations);
	if (keys != w->n[S_KEYS] || batches != w->n[S_BATCHES] ||
	    revocations != w->n[S_REVOCATIONS])
		fuzz_fail("counts not the header's");
	int apart = !overlapping(w);
	for (size_t i = 0; i < batches && i < 8; i++)
		check_batch_verdict(c, w, &w->batches[i], apart);
	if (stamp_catalog_verify(c, pub, 1, "not a code", 10, &out) != 0 ||
	    out.verdict != STAMP_V_MALFORMED)
		fuzz_fail("a malformed code is not MALFORMED");
	free(w);
}

/* 0 when data (size bytes) is signed by our key, as the format says */
static int signed_by_us(const uint8_t *data, size_t size)
{
	size_t body = size - STAMP_SIG_BYTES, dl = sizeof DOMAIN - 1;
	uint8_t *msg = malloc(dl + body);
	if (!msg)
		fuzz_fail("out of memory");
	memcpy(msg, DOMAIN, dl);
	memcpy(msg + dl, data, body);
	int bad = crypto_sign_verify_detached(data + body, msg, dl + body, pub->pk);
	free(msg);
	return bad;
}

static int load(const char *name, const uint8_t *data, size_t size, int resigned)
{
	const char *path = fuzz_file(name, data, size, 0644);
	stamp_catalog *c = (stamp_catalog *)&c;
	stamp_diag d = {{0}};

	int rc = stamp_catalog_load(path, pub, 1, &c, &d);
	if (rc != 0) {
		if (c)
			fuzz_fail("a refused catalog left a catalog behind");
		if (rc != STAMP_ECORRUPT && rc != STAMP_EFORGED)
			fuzz_fail("error %d (%s)", rc, d.msg);
		if (!fuzz_starts(d.msg, path) || d.msg[strlen(path)] != ':')
			fuzz_fail("a message that does not name the file: %s", d.msg);
		if (resigned && rc == STAMP_EFORGED && size >= HEAD + STAMP_SIG_BYTES &&
		    memcmp(data + 24, pub->id, STAMP_KEYID_BYTES) == 0)
			fuzz_fail("signed by the key given, but refused as forged: %s", d.msg);
		return rc;
	}
	if (size < HEAD + STAMP_SIG_BYTES || memcmp(data, MAGIC, 8) != 0 ||
	    memcmp(data + 24, pub->id, STAMP_KEYID_BYTES) != 0 || signed_by_us(data, size))
		fuzz_fail("accepted, but not signed by the key given");
	check_catalog(c, data, size);
	stamp_catalog_free(c);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	init();
	fuzz_result = load("as-is.cat", data, size, 0);
	if (size < STAMP_SIG_BYTES || fuzz_result == 0)
		return 0;
	/* the same bytes under our signature */
	uint8_t *copy = malloc(size), *msg = malloc(sizeof DOMAIN - 1 + size);
	if (!copy || !msg)
		fuzz_fail("out of memory");
	size_t body = size - STAMP_SIG_BYTES;
	memcpy(copy, data, body);
	memcpy(msg, DOMAIN, sizeof DOMAIN - 1);
	memcpy(msg + sizeof DOMAIN - 1, data, body);
	if (stamp_key_sign_bytes(kp, msg, sizeof DOMAIN - 1 + body, copy + body) != 0)
		fuzz_fail("cannot sign");
	load("resigned.cat", copy, size, 1);
	free(msg);
	free(copy);
	return 0;
}
