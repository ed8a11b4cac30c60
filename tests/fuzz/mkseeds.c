/*
 * mkseeds.c - writes the generated seeds of the fuzz corpora: the key files
 * and catalogs of the fixture key (seed 00 01 ... 1f, as in
 * tests/test_catalog.c), and a stamp PNG. Everything is deterministic, so
 * running it again reproduces the committed files byte for byte:
 *
 *   build/test/tests/fuzz_mkseeds tests/fuzz/corpus
 *
 * The hand-written seeds, and the PNG variants (ImageMagick), are described
 * in tests/fuzz/README.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../fixture.h"
#include "stamp/catalog.h"
#include "stamp/render.h"
#include "stamp/revocation.h"

#define NOW 1796000000 /* 2026-12-01, as test_catalog.c */
#define DOMAIN "OCOPSTAMP-CATALOG-v1"

static const char *out_dir;

static void die(const char *what, const char *why)
{
	fprintf(stderr, "fuzz_mkseeds: %s: %s\n", what, why);
	exit(1);
}

static void path_of(char *out, size_t cap, const char *target, const char *name)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/%s", out_dir, target);
	mkdir(dir, 0755);
	if (snprintf(out, cap, "%s/%s", dir, name) >= (int)cap)
		die(name, "path too long");
}

static void write_seed(const char *target, const char *name, const void *data, size_t len)
{
	char path[4096];
	path_of(path, sizeof path, target, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		die(path, strerror(errno));
}

static uint8_t *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	static uint8_t buf[1 << 16];
	if (!f)
		die(path, strerror(errno));
	*len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return buf;
}

/* The plain secret file, and the public one, as stamp_key_save_* write them. */
static void plain_files(const stamp_keypair *kp, const char *dir)
{
	char sec[256], pub[256];
	stamp_diag d;
	snprintf(sec, sizeof sec, "%s/k.key", dir);
	snprintf(pub, sizeof pub, "%s/k.pub", dir);
	if (stamp_key_save_secret(kp, sec, NULL, 0, &d) ||
	    stamp_key_save_public(stamp_key_public(kp), pub, &d))
		die("key files", d.msg);
	size_t n;
	uint8_t *b = read_whole(sec, &n);
	write_seed("key", "ok-plain.key", b, n);
	b = read_whole(pub, &n);
	write_seed("key", "ok-fixture.pub", b, n);
	unlink(sec);
	unlink(pub);
}

/*
 * An encrypted secret file at the cheapest cost the format allows (1 pass,
 * 8 KiB) under passphrase "fuzz", with a fixed salt and nonce: what
 * stamp_key_save_secret writes, but fast to open and reproducible.
 */
static void encrypted_file(const uint8_t seed[32], const stamp_keypair *kp)
{
	uint8_t salt[crypto_pwhash_SALTBYTES], nonce[crypto_secretbox_NONCEBYTES], key[32];
	uint8_t box[crypto_secretbox_MACBYTES + 32];
	char id[9], salthex[2 * sizeof salt + 1], noncehex[2 * sizeof nonce + 1];
	char boxhex[2 * sizeof box + 1], text[1024];

	for (size_t i = 0; i < sizeof salt; i++)
		salt[i] = (uint8_t)(0x40 + i);
	for (size_t i = 0; i < sizeof nonce; i++)
		nonce[i] = (uint8_t)(0x60 + i);
	if (crypto_pwhash(key, sizeof key, "fuzz", 4, salt, 1, 8192, crypto_pwhash_ALG_ARGON2ID13))
		die("crypto_pwhash", "failed");
	crypto_secretbox_easy(box, seed, 32, nonce, key);
	stamp_key_id_format(stamp_key_public(kp)->id, id);
	sodium_bin2hex(salthex, sizeof salthex, salt, sizeof salt);
	sodium_bin2hex(noncehex, sizeof noncehex, nonce, sizeof nonce);
	sodium_bin2hex(boxhex, sizeof boxhex, box, sizeof box);
	int n = snprintf(text, sizeof text,
			 "ocopstamp secret key v1\nid: %s\nkdf: argon2id13 1 8192\nsalt: %s\n"
			 "nonce: %s\nbox: %s\n",
			 id, salthex, noncehex, boxhex);
	write_seed("key", "ok-encrypted.key", text, (size_t)n);
}

static void add_revocation(stamp_store *st, stamp_revocation r)
{
	stamp_txn *t;
	stamp_diag d = {{0}};
	r.since = 1795900000;
	if (stamp_txn_begin(st, 1, &t) || stamp_revocation_add(t, &r, &d) ||
	    stamp_txn_commit(t, &d))
		die("revocation", d.msg);
}

/* Sign everything of cat but its last 64 bytes with kp, into those bytes. */
static void resign(const stamp_keypair *kp, uint8_t *cat, size_t len)
{
	size_t body = len - 64, dl = sizeof DOMAIN - 1;
	uint8_t *msg = malloc(dl + body);
	if (!msg)
		die("resign", "out of memory");
	memcpy(msg, DOMAIN, dl);
	memcpy(msg + dl, cat, body);
	if (stamp_key_sign_bytes(kp, msg, dl + body, cat + body))
		die("resign", "cannot sign");
	free(msg);
}

static void catalogs(fixture *f)
{
	char path[256];
	stamp_diag d = {{0}};
	size_t bytes, n;
	uint8_t seed[32], *cat;
	stamp_keypair *other;

	snprintf(path, sizeof path, "%s/../cat", f->dir);
	if (stamp_catalog_export(f->st, f->kp, NOW, path, &bytes, &d))
		die("export", d.msg);
	cat = read_whole(path, &n);
	write_seed("catalog", "ok-registry-only.cat", cat, n);
	unlink(path);

	stamp_issue_req r1 = fixture_req("L1", 30), r2 = fixture_req("L2", 20);
	stamp_batch b;
	if (stamp_issue(f->st, f->kp, &r1, &b, &d) || stamp_issue(f->st, f->kp, &r2, &b, &d))
		die("issue", d.msg);
	add_revocation(f->st, (stamp_revocation){.scope = STAMP_SCOPE_SERIALS,
						 .first = 5,
						 .last = 6,
						 .reason = STAMP_REASON_STOLEN,
						 .note = "Cuộn tem bị mất"});
	add_revocation(f->st, (stamp_revocation){.scope = STAMP_SCOPE_BATCH,
						 .batch_id = 2,
						 .reason = STAMP_REASON_RECALLED,
						 .note = "Không sử dụng"});
	if (stamp_catalog_export(f->st, f->kp, NOW, path, &bytes, &d))
		die("export", d.msg);
	cat = read_whole(path, &n);
	unlink(path);
	write_seed("catalog", "ok-fixture.cat", cat, n); /* the golden vector of docs/catalog.md */

	cat[60] ^= 1; /* a byte of the first record: the signature fails */
	write_seed("catalog", "bad-forged.cat", cat, n);
	cat[48 + 2] = 2; /* the first record's version byte, re-signed: it does not decode */
	resign(f->kp, cat, n);
	write_seed("catalog", "bad-record-version.cat", cat, n);
	cat[48 + 2] = 1;
	cat[60] ^= 1;

	static uint8_t longer[1 << 16];
	memcpy(longer, cat, n - 64); /* a byte after the last record, re-signed */
	longer[n - 64] = 0;
	resign(f->kp, longer, n + 1);
	write_seed("catalog", "bad-left-over.cat", longer, n + 1);
	cat[47]++; /* one more revocation than there are, re-signed */
	resign(f->kp, cat, n);
	write_seed("catalog", "bad-count.cat", cat, n);
	cat[47]--;

	fixture_seed(seed, 0x20);
	if (stamp_key_from_seed(seed, &other))
		die("other key", "failed");
	memcpy(cat + 24, stamp_key_public(other)->id, STAMP_KEYID_BYTES);
	resign(other, cat, n);
	write_seed("catalog", "bad-other-signer.cat", cat, n);
	stamp_key_free(other);
}

/* A 1-bit stamp PNG, 2 pixels a module: what stampgen issue writes, small. */
static void photo(const stamp_keypair *kp)
{
	stamp_code c = {.serial = 7};
	char text[STAMP_CODE_TEXT_MAX + 1], path[4096];
	stamp_qr *qr;
	stamp_diag d = {{0}};

	if (stamp_key_sign(kp, &c))
		die("sign", "failed");
	stamp_code_to_url(&c, "HTTPS://TEM.THANHHOA.GOV.VN", text);
	if (stamp_qr_encode(text, &qr))
		die("qr", "failed");
	path_of(path, sizeof path, "photo", "ok-stamp-1bit.png");
	if (stamp_png_write(qr, 2, 300, path, &d))
		die(path, d.msg);
	stamp_qr_free(qr);
}

int main(int argc, char **argv)
{
	fixture f;
	uint8_t seed[32];

	if (argc != 2) {
		fprintf(stderr, "usage: fuzz_mkseeds CORPUS-DIR\n");
		return 2;
	}
	out_dir = argv[1];
	if (fixture_open(&f) != 0)
		die("fixture", "cannot open");
	fixture_seed(seed, 0);
	plain_files(f.kp, f.dir);
	encrypted_file(seed, f.kp);
	catalogs(&f);
	photo(f.kp);
	fixture_close(&f);
	return 0;
}
