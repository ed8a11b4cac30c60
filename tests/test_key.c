/*
 * test_key.c - key pairs, key ids, signing from many threads, and the key
 * files: round trips, passphrases, permissions, refusal to overwrite, and
 * damaged files named by line.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "stamp/code.h"
#include "stamp/key.h"

#define PASS "mật khẩu Thanh Hóa 2025"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	if (stamp_init() != 0)
		return -1;
	strcpy(dir, "/tmp/test_key.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void path_of(char *out, size_t n, const char *name)
{
	int r = snprintf(out, n, "%s/%s", dir, name);
	assert_true(r > 0 && (size_t)r < n);
}

static size_t read_all(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t got = fread(buf, 1, n - 1, f);
	buf[got] = '\0';
	fclose(f);
	return got;
}

/* Write text as a secret file (0600), replacing any file there. */
static void write_file(const char *path, const char *text, size_t len, mode_t mode)
{
	unlink(path);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static stamp_keypair *seeded(uint8_t base)
{
	uint8_t seed[32];
	stamp_keypair *kp = NULL;
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(base + i);
	assert_int_equal(stamp_key_from_seed(seed, &kp), 0);
	return kp;
}

static void assert_same_key(const stamp_keypair *a, const stamp_keypair *b)
{
	const stamp_pubkey *pa = stamp_key_public(a), *pb = stamp_key_public(b);
	assert_memory_equal(pa, pb, sizeof *pa);
	stamp_code ca = {.serial = 4242}, cb = {.serial = 4242};
	assert_int_equal(stamp_key_sign(a, &ca), 0);
	assert_int_equal(stamp_key_sign(b, &cb), 0);
	assert_memory_equal(&ca, &cb, sizeof ca);
	assert_int_equal(stamp_code_verify(&cb, pa->pk), 0);
}

static void test_key_id(void **state)
{
	(void)state;
	stamp_keypair *kp = seeded(0);
	const stamp_pubkey *pub = stamp_key_public(kp);
	uint8_t h[32], id[4];
	char text[9];

	/* BLAKE2b-256("ocopstamp key id" || pk), first 4 bytes */
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)"ocopstamp key id", 16);
	crypto_generichash_update(&st, pub->pk, 32);
	crypto_generichash_final(&st, h, 32);
	assert_memory_equal(pub->id, h, 4);
	stamp_key_id_of(pub->pk, id);
	assert_memory_equal(id, h, 4);

	stamp_key_id_format(pub->id, text);
	assert_string_equal(text, "93DE1DC3"); /* as in tests/vectors/codes.txt */
	assert_int_equal(stamp_key_id_parse("93DE1DC3", id), 0);
	assert_memory_equal(id, pub->id, 4);
	assert_int_equal(stamp_key_id_parse("93de1dc3", id), 0);
	assert_memory_equal(id, pub->id, 4);
	static const char *const bad[] = {"",	      "93DE1DC",  "93DE1DC30", "93DE1DCG",
					  " 3DE1DC3", "93DE1DC ", "93:E1DC3",  "0x93DE1D"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(stamp_key_id_parse(bad[i], id), STAMP_EINPUT);
	stamp_key_free(kp);
}

static void test_generate(void **state)
{
	(void)state;
	stamp_keypair *a = NULL, *b = NULL;
	assert_int_equal(stamp_key_generate(&a), 0);
	assert_int_equal(stamp_key_generate(&b), 0);
	assert_memory_not_equal(stamp_key_public(a)->pk, stamp_key_public(b)->pk, 32);
	stamp_code c = {.serial = 1};
	assert_int_equal(stamp_key_sign(a, &c), 0);
	assert_memory_equal(c.key_id, stamp_key_public(a)->id, 4);
	assert_int_equal(c.version, STAMP_CODE_VERSION);
	assert_int_equal(stamp_code_verify(&c, stamp_key_public(a)->pk), 0);
	assert_int_equal(stamp_code_verify(&c, stamp_key_public(b)->pk), STAMP_EFORGED);
	stamp_key_free(a);
	stamp_key_free(b);
	stamp_key_free(NULL);
}

static void test_plain_round_trip(void **state)
{
	(void)state;
	char path[128], text[1024];
	stamp_keypair *kp = seeded(0), *back = NULL;
	stamp_diag d;
	struct stat st;

	path_of(path, sizeof path, "plain.key");
	assert_int_equal(stamp_key_save_secret(kp, path, NULL, 0, &d), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	read_all(path, text, sizeof text);
	/* the check value is pinned separately, in test_plain_check_value */
	const char *want =
		"ocopstamp secret key v1\n"
		"id: 93DE1DC3\n"
		"kdf: none\n"
		"seed: 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
		"check: ";
	assert_memory_equal(text, want, strlen(want));
	assert_int_equal(strlen(text), strlen(want) + 16 + 1);

	assert_int_equal(stamp_key_load_secret(path, NULL, 0, &back, &d), 0);
	assert_same_key(kp, back);
	stamp_key_free(back);
	/* a passphrase given for a plain file is not needed, and harmless */
	assert_int_equal(stamp_key_load_secret(path, "x", 1, &back, &d), 0);
	assert_same_key(kp, back);
	stamp_key_free(back);

	/* never overwrite */
	assert_int_equal(stamp_key_save_secret(kp, path, NULL, 0, &d), EEXIST);
	assert_non_null(strstr(d.msg, "exists"));
	assert_int_equal(stamp_key_save_secret(kp, path, PASS, strlen(PASS), &d), EEXIST);
	stamp_key_free(kp);
}

static void test_plain_check_value(void **state)
{
	(void)state;
	char path[128], text[1024], want[32];
	uint8_t seed[32], h[32];
	stamp_keypair *kp = seeded(0x40);
	stamp_diag d;

	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(0x40 + i);
	crypto_generichash(h, 32, seed, 32, NULL, 0);
	sodium_bin2hex(want, sizeof want, h, 8);
	path_of(path, sizeof path, "check.key");
	assert_int_equal(stamp_key_save_secret(kp, path, NULL, 0, &d), 0);
	read_all(path, text, sizeof text);
	const char *line = strstr(text, "\ncheck: ");
	assert_non_null(line);
	assert_memory_equal(line + 8, want, 16);
	assert_string_equal(line + 24, "\n");
	stamp_key_free(kp);
}

static void test_encrypted_round_trip(void **state)
{
	(void)state;
	char path[128], text[1024];
	stamp_keypair *kp = seeded(7), *back = NULL;
	stamp_diag d;

	path_of(path, sizeof path, "enc.key");
	assert_int_equal(stamp_key_save_secret(kp, path, PASS, strlen(PASS), &d), 0);
	read_all(path, text, sizeof text);
	assert_non_null(strstr(text, "\nkdf: argon2id13 2 67108864\nsalt: "));
	assert_null(strstr(text, "seed:"));
	/* the seed appears nowhere in the file */
	char seedhex[65];
	uint8_t seed[32];
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(7 + i);
	sodium_bin2hex(seedhex, sizeof seedhex, seed, 32);
	assert_null(strstr(text, seedhex));

	assert_int_equal(stamp_key_load_secret(path, PASS, strlen(PASS), &back, &d), 0);
	assert_same_key(kp, back);
	stamp_key_free(back);

	/* wrong passphrase, a prefix of it, and none at all */
	assert_int_equal(stamp_key_load_secret(path, "wrong", 5, &back, &d), STAMP_EPASSPHRASE);
	assert_null(back);
	assert_non_null(strstr(d.msg, "wrong passphrase"));
	assert_int_equal(stamp_key_load_secret(path, PASS, strlen(PASS) - 1, &back, &d),
			 STAMP_EPASSPHRASE);
	assert_int_equal(stamp_key_load_secret(path, NULL, 0, &back, &d), STAMP_EPASSPHRASE);
	assert_null(back);
	assert_non_null(strstr(d.msg, "passphrase is needed"));

	/* an empty passphrase is refused at save */
	path_of(path, sizeof path, "empty.key");
	assert_int_equal(stamp_key_save_secret(kp, path, "", 0, &d), STAMP_EPASSPHRASE);
	assert_int_equal(access(path, F_OK), -1);
	stamp_key_free(kp);
}

static void test_permissions(void **state)
{
	(void)state;
	char path[128];
	stamp_keypair *kp = seeded(1), *back = NULL;
	stamp_diag d;

	path_of(path, sizeof path, "perm.key");
	assert_int_equal(stamp_key_save_secret(kp, path, NULL, 0, &d), 0);
	static const mode_t modes[] = {0644, 0640, 0604, 0660, 0700 | 0001};
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		assert_int_equal(chmod(path, modes[i]), 0);
		assert_int_equal(stamp_key_load_secret(path, NULL, 0, &back, &d), STAMP_EKEYPERM);
		assert_null(back);
		assert_non_null(strstr(d.msg, "chmod 600"));
		assert_non_null(strstr(d.msg, path));
	}
	assert_non_null(strstr(d.msg, "0701"));
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(stamp_key_load_secret(path, NULL, 0, &back, &d), 0);
	stamp_key_free(back);

	/* a directory is not a key file; a missing file is ENOENT */
	assert_int_equal(stamp_key_load_secret(dir, NULL, 0, &back, &d), STAMP_EKEYFILE);
	path_of(path, sizeof path, "missing.key");
	assert_int_equal(stamp_key_load_secret(path, NULL, 0, &back, &d), ENOENT);
	assert_null(back);
	stamp_key_free(kp);
}

/* Load text as a secret key file; return the error and keep the diag. */
static int load_text(const char *text, size_t len, const char *pass, stamp_diag *d)
{
	char path[128];
	stamp_keypair *kp = NULL;
	path_of(path, sizeof path, "damaged.key");
	write_file(path, text, len, 0600);
	int err = stamp_key_load_secret(path, pass, pass ? strlen(pass) : 0, &kp, d);
	if (err == 0)
		stamp_key_free(kp);
	else
		assert_null(kp);
	return err;
}

static void replace(char *text, const char *from, const char *to)
{
	char *p = strstr(text, from);
	assert_non_null(p);
	assert_int_equal(strlen(from), strlen(to));
	memcpy(p, to, strlen(to));
}

static void test_damaged_plain(void **state)
{
	(void)state;
	char path[128], good[1024], t[1200];
	stamp_keypair *kp = seeded(0);
	stamp_diag d;

	path_of(path, sizeof path, "good.key");
	assert_int_equal(stamp_key_save_secret(kp, path, NULL, 0, &d), 0);
	size_t len = read_all(path, good, sizeof good);
	assert_int_equal(load_text(good, len, NULL, &d), 0);

	/* a seed digit edited: the checksum catches it */
	strcpy(t, good);
	replace(t, "seed: 00", "seed: 01");
	assert_int_equal(load_text(t, len, NULL, &d), STAMP_EKEYFILE);
	assert_non_null(strstr(d.msg, ":5:"));
	/* a wrong id */
	strcpy(t, good);
	replace(t, "id: 93DE1DC3", "id: 93DE1DC4");
	assert_int_equal(load_text(t, len, NULL, &d), STAMP_EKEYFILE);
	assert_non_null(strstr(d.msg, ":2:"));
	assert_non_null(strstr(d.msg, "93DE1DC4"));
	/* a non-hex digit */
	strcpy(t, good);
	replace(t, "seed: 00", "seed: 0g");
	assert_int_equal(load_text(t, len, NULL, &d), STAMP_EKEYFILE);
	assert_non_null(strstr(d.msg, ":4:"));
	/* truncated at every length */
	for (size_t n = 0; n < len; n++)
		assert_int_equal(load_text(good, n, NULL, &d), STAMP_EKEYFILE);
	/* extra line, CRLF, unknown magic, unknown kdf, a NUL byte */
	snprintf(t, sizeof t, "%sextra: 1\n", good);
	assert_int_equal(load_text(t, strlen(t), NULL, &d), STAMP_EKEYFILE);
	assert_non_null(strstr(d.msg, ":6:"));
	strcpy(t, good);
	replace(t, "v1\n", "\r\n\n");
	assert_int_equal(load_text(t, len, NULL, &d), STAMP_EKEYFILE);
	strcpy(t, good);
	replace(t, "secret key v1", "secret key v2");
	assert_int_equal(load_text(t, len, NULL, &d), STAMP_EKEYFILE);
	assert_non_null(strstr(d.msg, ":1:"));
	strcpy(t, good);
	replace(t, "kdf: none", "kdf: nada");
	assert_int_equal(load_text(t, len, NULL, &d), STAMP_EKEYFILE);
	assert_non_null(strstr(d.msg, ":3:"));
	memcpy(t, good, len);
	t[3] = '\0';
	assert_int_equal(load_text(t, len, NULL, &d), STAMP_EKEYFILE);
	/* the seed and check lines swapped */
	size_t at_seed = (size_t)(strstr(good, "seed: ") - good);
	size_t at_check = (size_t)(strstr(good, "check: ") - good);
	int n = snprintf(t, sizeof t, "%.*s%s%.*s", (int)at_seed, good, good + at_check,
			 (int)(at_check - at_seed), good + at_seed);
	assert_int_equal((size_t)n, len);
	assert_int_equal(load_text(t, len, NULL, &d), STAMP_EKEYFILE);
	assert_non_null(strstr(d.msg, ":4:"));
	/* too large */
	char big[5000];
	memset(big, '#', sizeof big);
	assert_int_equal(load_text(big, sizeof big, NULL, &d), STAMP_EKEYFILE);
	assert_non_null(strstr(d.msg, "too large"));
	stamp_key_free(kp);
}

static void test_damaged_encrypted(void **state)
{
	(void)state;
	char path[128], good[1024], t[1024];
	stamp_keypair *kp = seeded(0);
	stamp_diag d;

	path_of(path, sizeof path, "good-enc.key");
	assert_int_equal(stamp_key_save_secret(kp, path, PASS, strlen(PASS), &d), 0);
	size_t len = read_all(path, good, sizeof good);

	/* an edited box looks like a wrong passphrase: the tag cannot tell them apart */
	strcpy(t, good);
	char *box = strstr(t, "box: ") + 5;
	*box = *box == 'a' ? 'b' : 'a';
	assert_int_equal(load_text(t, len, PASS, &d), STAMP_EPASSPHRASE);
	/* a wrong id is still caught after decryption */
	strcpy(t, good);
	replace(t, "id: 93DE1DC3", "id: 00000000");
	assert_int_equal(load_text(t, len, PASS, &d), STAMP_EKEYFILE);
	assert_non_null(strstr(d.msg, ":2:"));
	/* KDF limits are bounded before anything is allocated */
	static const char *const kdfs[] = {
		"kdf: argon2id13 2 2147483648", /* 2 GiB */
		"kdf: argon2id13 0 67108864",
		"kdf: argon2id13 99 67108864",
		"kdf: argon2id13 2 8191",
		"kdf: argon2id13 2 067108864",
		"kdf: argon2id13 2 67108864x",
		"kdf: argon2id13 2  67108864",
		"kdf: argon2id13 -2 67108864",
		"kdf: argon2id13 2",
		"kdf: argon2id13 ",
		"kdf: argon2id12 2 67108864",
		"kdf: argon2id13 2 99999999999999999999999",
	};
	const char *kdf = strstr(good, "kdf: ");
	const char *rest = strstr(kdf, "\nsalt: ");
	for (size_t i = 0; i < sizeof kdfs / sizeof kdfs[0]; i++) {
		int n = snprintf(t, sizeof t, "%.*s%s%s", (int)(kdf - good), good, kdfs[i], rest);
		assert_true(n > 0 && (size_t)n < sizeof t);
		if (load_text(t, (size_t)n, PASS, &d) != STAMP_EKEYFILE)
			fail_msg("accepted \"%s\"", kdfs[i]);
		assert_non_null(strstr(d.msg, ":3:"));
	}
	/* a wrong-length salt, nonce or box */
	strcpy(t, good);
	replace(t, "\nnonce: ", "\nnonce:X");
	assert_int_equal(load_text(t, len, PASS, &d), STAMP_EKEYFILE);
	assert_non_null(strstr(d.msg, ":5:"));
	assert_int_equal(load_text(good, len - 3, PASS, &d), STAMP_EKEYFILE);
	/* truncated before the box: damaged even without a passphrase */
	assert_int_equal(load_text(good, (size_t)(strstr(good, "box: ") - good), NULL, &d),
			 STAMP_EKEYFILE);
	assert_int_equal(load_text(good, len, PASS, &d), 0);
	stamp_key_free(kp);
}

static void test_public_round_trip(void **state)
{
	(void)state;
	char path[128], text[512];
	stamp_keypair *kp = seeded(0);
	stamp_pubkey pub;
	stamp_diag d;
	struct stat st;

	path_of(path, sizeof path, "vec.pub");
	assert_int_equal(stamp_key_save_public(stamp_key_public(kp), path, &d), 0);
	read_all(path, text, sizeof text);
	assert_string_equal(
		text, "ocopstamp public key v1\nid: 93DE1DC3\n"
		      "public: 03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0600, 0600);
	assert_int_equal(stamp_key_load_public(path, &pub, &d), 0);
	assert_memory_equal(&pub, stamp_key_public(kp), sizeof pub);
	/* public files may be world-readable */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(stamp_key_load_public(path, &pub, &d), 0);
	assert_int_equal(stamp_key_save_public(stamp_key_public(kp), path, &d), EEXIST);

	/* an id that does not match the key */
	char t[512];
	strcpy(t, text);
	replace(t, "id: 93DE1DC3", "id: 93DE1DC2");
	write_file(path, t, strlen(t), 0644);
	assert_int_equal(stamp_key_load_public(path, &pub, &d), STAMP_EKEYFILE);
	assert_non_null(strstr(d.msg, ":2:"));
	stamp_pubkey zero;
	memset(&zero, 0, sizeof zero);
	assert_memory_equal(&pub, &zero, sizeof pub);
	/* a key edited (the id no longer matches), truncated, or a secret file */
	strcpy(t, text);
	replace(t, "public: 03", "public: 04");
	write_file(path, t, strlen(t), 0644);
	assert_int_equal(stamp_key_load_public(path, &pub, &d), STAMP_EKEYFILE);
	write_file(path, text, strlen(text) - 1, 0644);
	assert_int_equal(stamp_key_load_public(path, &pub, &d), STAMP_EKEYFILE);
	char sec[128];
	path_of(sec, sizeof sec, "pubtest.key");
	assert_int_equal(stamp_key_save_secret(kp, sec, NULL, 0, &d), 0);
	assert_int_equal(stamp_key_load_public(sec, &pub, &d), STAMP_EKEYFILE);
	assert_non_null(strstr(d.msg, ":1:"));
	/* and a public file is not a secret one */
	stamp_keypair *back = NULL;
	write_file(path, text, strlen(text), 0600);
	assert_int_equal(stamp_key_load_secret(path, NULL, 0, &back, &d), STAMP_EKEYFILE);
	stamp_key_free(kp);
}

#define THREADS 2
#define SERIALS 1000

typedef struct job {
	const stamp_keypair *kp;
	stamp_code *codes;
	int err;
} job;

static void *sign_all(void *arg)
{
	job *j = arg;
	for (int i = 0; i < SERIALS; i++) {
		j->codes[i].serial = (uint64_t)i + 1;
		if (stamp_key_sign(j->kp, &j->codes[i]) != 0)
			j->err = 1;
	}
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	stamp_keypair *kp = seeded(3);
	stamp_code *one = calloc(SERIALS, sizeof *one);
	stamp_code *many[THREADS];
	pthread_t th[THREADS];
	job jobs[THREADS];

	assert_non_null(one);
	job solo = {kp, one, 0};
	sign_all(&solo);
	assert_int_equal(solo.err, 0);
	for (int t = 0; t < THREADS; t++) {
		many[t] = calloc(SERIALS, sizeof *many[t]);
		assert_non_null(many[t]);
		jobs[t] = (job){kp, many[t], 0};
		assert_int_equal(pthread_create(&th[t], NULL, sign_all, &jobs[t]), 0);
	}
	for (int t = 0; t < THREADS; t++) {
		assert_int_equal(pthread_join(th[t], NULL), 0);
		assert_int_equal(jobs[t].err, 0);
		assert_memory_equal(many[t], one, SERIALS * sizeof *one);
		free(many[t]);
	}
	assert_int_equal(stamp_code_verify(&one[SERIALS - 1], stamp_key_public(kp)->pk), 0);
	free(one);
	stamp_key_free(kp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_id),
		cmocka_unit_test(test_generate),
		cmocka_unit_test(test_plain_round_trip),
		cmocka_unit_test(test_plain_check_value),
		cmocka_unit_test(test_encrypted_round_trip),
		cmocka_unit_test(test_permissions),
		cmocka_unit_test(test_damaged_plain),
		cmocka_unit_test(test_damaged_encrypted),
		cmocka_unit_test(test_public_round_trip),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
