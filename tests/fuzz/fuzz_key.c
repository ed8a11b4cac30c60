/*
 * fuzz_key.c - libFuzzer target for the key files (libstamp/key.c): the
 * input is read as a secret key file (NAME.key, mode 0600), as a public key
 * file (NAME.pub) and as a passphrase file (its first line).
 *
 * The passphrase KDF is Argon2id with the cost the file states (up to 32
 * passes over 1 GiB): each input is first read without a passphrase, which
 * checks all of the framing and stops with STAMP_EPASSPHRASE before the
 * KDF; only a file that states a cost of at most 3 passes over 64 KiB is
 * then opened with the passphrase of the seeds ("fuzz"), a few hundred
 * microseconds. The seeds' encrypted file states 1 pass over 8 KiB.
 *
 * Invariants: a passphrase is the first line, exactly, or refused as empty
 * or too long, leaving nothing behind; a refusal is one of the key file errors with a message that
 * names the file, and leaves no key behind; a loaded secret key signs codes
 * that verify under its public key, whose id is the one the file states.
 * Round trips: a loaded plain secret file or public file, saved again, gives
 * the same bytes (up to the case of hex digits: the parser takes either); an
 * encrypted one saved plain loads to the same key.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "stamp/code.h"
#include "stamp/key.h"

#define PASS "fuzz"
#define OPS_MAX 3
#define MEM_MAX (64u << 10)

/* Once: libsodium, and a secret file that others may read is refused unread. */
static void init(void)
{
	static int done;
	stamp_keypair *kp = NULL;
	stamp_diag d = {{0}};

	if (done)
		return;
	done = 1;
	if (stamp_init() != 0)
		fuzz_fail("stamp_init");
	const char *path = fuzz_file("open.key", (const uint8_t *)"x", 1, 0640);
	if (stamp_key_load_secret(path, NULL, 0, &kp, &d) != STAMP_EKEYPERM || kp)
		fuzz_fail("a secret file of mode 0640 is not refused: %s", d.msg);
}

static void check_refusal(int rc, const stamp_diag *d, const char *path)
{
	if (rc != STAMP_EKEYFILE && rc != STAMP_EPASSPHRASE)
		fuzz_fail("%s: error %d (%s)", path, rc, d->msg);
	if (!fuzz_starts(d->msg, path) || d->msg[strlen(path)] != ':')
		fuzz_fail("a message that does not name the file: %s", d->msg);
}

/* Whole file at path into buf (at most cap bytes); its length. */
static size_t slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fuzz_fail("%s: %s", path, strerror(errno));
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

/* a (n bytes) equals b (m bytes) but for letter case */
static int same_nocase(const uint8_t *a, size_t n, const char *b, size_t m)
{
	if (n != m)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (tolower(a[i]) != tolower((unsigned char)b[i]))
			return 0;
	return 1;
}

/* The key signs a code that verifies under its public key. */
static void check_signs(const stamp_keypair *kp)
{
	const stamp_pubkey *pub = stamp_key_public(kp);
	uint8_t id[STAMP_KEYID_BYTES];
	stamp_code c = {.serial = 12345};

	stamp_key_id_of(pub->pk, id);
	if (memcmp(id, pub->id, sizeof id) != 0)
		fuzz_fail("a key whose id is not its public key's");
	if (stamp_key_sign(kp, &c) != 0 || memcmp(c.key_id, pub->id, sizeof id) != 0 ||
	    stamp_code_verify(&c, pub->pk) != 0)
		fuzz_fail("a loaded key signs codes that do not verify");
}

/* Save kp plain and load it again: the same key, and (plain input) the same bytes. */
static void round_trip_secret(const stamp_keypair *kp, const uint8_t *data, size_t size, int plain)
{
	char path[128], text[8192];
	stamp_keypair *again = NULL;
	stamp_diag d = {{0}};

	snprintf(path, sizeof path, "%s/again.key", fuzz_dir());
	unlink(path);
	if (stamp_key_save_secret(kp, path, NULL, 0, &d) != 0)
		fuzz_fail("cannot save a loaded key: %s", d.msg);
	size_t n = slurp(path, text, sizeof text);
	if (plain && !same_nocase(data, size, text, n))
		fuzz_fail("a plain secret file saved again gives other bytes");
	if (stamp_key_load_secret(path, NULL, 0, &again, &d) != 0)
		fuzz_fail("a saved secret file does not load: %s", d.msg);
	if (memcmp(stamp_key_public(again), stamp_key_public(kp), sizeof(stamp_pubkey)) != 0)
		fuzz_fail("a saved secret file loads to another key");
	stamp_key_free(again);
}

/* "kdf: argon2id13 OPS MEM" of a file whose framing passed: the stated cost. */
static int cheap_kdf(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	const char *k = strstr(text, "\nkdf: argon2id13 ");
	unsigned long long ops = 0, mem = 0;
	int cheap = k && sscanf(k, "\nkdf: argon2id13 %llu %llu", &ops, &mem) == 2 &&
		    ops <= OPS_MAX && mem <= MEM_MAX;
	free(text);
	return cheap;
}

static int secret(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file("fuzz.key", data, size, 0600);
	stamp_keypair *kp = (stamp_keypair *)&kp;
	stamp_diag d = {{0}};
	int plain = 1;

	int rc = stamp_key_load_secret(path, NULL, 0, &kp, &d);
	if (rc == STAMP_EPASSPHRASE && cheap_kdf(data, size)) {
		plain = 0;
		kp = (stamp_keypair *)&kp;
		rc = stamp_key_load_secret(path, PASS, strlen(PASS), &kp, &d);
	}
	if (rc != 0) {
		if (kp)
			fuzz_fail("a refused secret file left a key behind");
		check_refusal(rc, &d, path);
		return rc;
	}
	check_signs(kp);
	round_trip_secret(kp, data, size, plain);
	stamp_key_free(kp);
	return 0;
}

static int public(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file("fuzz.pub", data, size, 0644);
	static const stamp_pubkey zero;
	stamp_pubkey pub, again;
	stamp_diag d = {{0}};
	char out[128], text[1024];

	memset(&pub, 0x55, sizeof pub);
	int rc = stamp_key_load_public(path, &pub, &d);
	if (rc != 0) {
		if (memcmp(&pub, &zero, sizeof pub) != 0)
			fuzz_fail("a refused public file left a key behind");
		check_refusal(rc, &d, path);
		return rc;
	}
	uint8_t id[STAMP_KEYID_BYTES];
	stamp_key_id_of(pub.pk, id);
	if (memcmp(id, pub.id, sizeof id) != 0)
		fuzz_fail("a public key whose id is not its own");
	snprintf(out, sizeof out, "%s/again.pub", fuzz_dir());
	unlink(out);
	if (stamp_key_save_public(&pub, out, &d) != 0)
		fuzz_fail("cannot save a loaded public key: %s", d.msg);
	size_t n = slurp(out, text, sizeof text);
	if (!same_nocase(data, size, text, n))
		fuzz_fail("a public file saved again gives other bytes");
	if (stamp_key_load_public(out, &again, &d) != 0 || memcmp(&again, &pub, sizeof pub) != 0)
		fuzz_fail("a saved public file loads to another key");
	return 0;
}

/* The first line of the file, up to CR, LF or NUL, or a refusal that leaves nothing. */
static void passphrase(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file("fuzz.pass", data, size, 0600);
	char pass[64];
	size_t len = 12345, line = 0;
	stamp_diag d = {{0}};

	memset(pass, 0x55, sizeof pass);
	int rc = stamp_key_read_passphrase(path, pass, sizeof pass, &len, &d);
	while (line < size && data[line] != '\r' && data[line] != '\n' && data[line] != '\0')
		line++;
	if (size > 4096) {
		if (rc != STAMP_EKEYFILE)
			fuzz_fail("a passphrase file of %zu bytes: %d", size, rc);
	} else if (line == 0 || line >= sizeof pass) {
		if (rc != STAMP_EPASSPHRASE)
			fuzz_fail("a first line of %zu bytes: %d", line, rc);
	} else if (rc != 0 || len != line || memcmp(pass, data, len) != 0 || pass[len] != '\0') {
		fuzz_fail("a passphrase of %zu bytes read as %d, %zu bytes", line, rc, len);
	}
	if (rc != 0 && (len != 0 || pass[0] != '\0'))
		fuzz_fail("a refused passphrase file left a passphrase behind");
	if (rc != 0 && !fuzz_starts(d.msg, path))
		fuzz_fail("a message that does not name the file: %s", d.msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	init();
	passphrase(data, size);
	int s = secret(data, size), p = public(data, size);
	if (s == 0 && p == 0)
		fuzz_fail("a file that is both a secret and a public key file");
	fuzz_result = s == 0 || p == 0 ? 0 : s;
	return 0;
}
