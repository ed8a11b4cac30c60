/*
 * key.c - Ed25519 signing keys, their ids, and the files that hold them.
 *
 * This module is the only place where a signing secret exists in memory or
 * on disk. The secret lives in sodium_malloc'd memory (guard pages, mlock,
 * wiped on free) and every buffer that ever held it, hex text included, is
 * wiped before it is released. The files are tiny text files that an officer
 * can read and back up, parsed strictly: a damaged key must fail loudly at
 * load, never sign stamps that later fail to verify. A secret file that group
 * or others may read is refused, as ssh does, because a leaked provincial key
 * means every stamp it ever signed can be forged.
 *
 * Key ids let several keys be valid at once (rotation): every code names the
 * key that signed it, and the public file binds the id to the key.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "internal.h"
#include "stamp/key.h"

#define SEED_BYTES crypto_sign_SEEDBYTES
#define ID_DOMAIN "ocopstamp key id"
#define CHECK_BYTES 8
#define FILE_MAX 4096
#define SECRET_MAGIC "ocopstamp secret key v1"
#define PUBLIC_MAGIC "ocopstamp public key v1"
#define KDF_NAME "argon2id13"
#define MEMLIMIT_CAP (UINT64_C(1) << 30) /* a file cannot make us allocate more */
#define OPSLIMIT_CAP 32			 /* nor burn CPU for minutes */
#define BOX_BYTES (crypto_secretbox_MACBYTES + SEED_BYTES)
#define MAX_LINES 8

_Static_assert(crypto_sign_PUBLICKEYBYTES == STAMP_PK_BYTES, "pk size");
_Static_assert(crypto_sign_BYTES == STAMP_SIG_BYTES, "sig size");

struct stamp_keypair {
	uint8_t seed[SEED_BYTES];
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	stamp_pubkey pub;
};

int stamp_init(void)
{
	/* sodium_init fails only when the system cannot supply randomness */
	return sodium_init() < 0 ? EIO : 0;
}

void stamp_key_id_of(const uint8_t pk[STAMP_PK_BYTES], uint8_t id[STAMP_KEYID_BYTES])
{
	crypto_generichash_state st;
	uint8_t h[crypto_generichash_BYTES];

	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, (const uint8_t *)ID_DOMAIN, sizeof ID_DOMAIN - 1);
	crypto_generichash_update(&st, pk, STAMP_PK_BYTES);
	crypto_generichash_final(&st, h, sizeof h);
	memcpy(id, h, STAMP_KEYID_BYTES);
}

void stamp_key_id_format(const uint8_t id[STAMP_KEYID_BYTES], char out[9])
{
	static const char hex[] = "0123456789ABCDEF";

	for (int i = 0; i < STAMP_KEYID_BYTES; i++) {
		out[2 * i] = hex[id[i] >> 4];
		out[2 * i + 1] = hex[id[i] & 15];
	}
	out[8] = '\0';
}

/* Exactly 2 * n hex digits (any case) into out; 0 or -1. */
static int hex_exact(const char *s, size_t len, uint8_t *out, size_t n)
{
	size_t got = 0;
	const char *end = NULL;

	if (len != 2 * n)
		return -1;
	if (sodium_hex2bin(out, n, s, len, NULL, &got, &end) != 0 || got != n || end != s + len)
		return -1;
	return 0;
}

int stamp_key_id_parse(const char *s, uint8_t id[STAMP_KEYID_BYTES])
{
	size_t len = strnlen(s, 2 * STAMP_KEYID_BYTES + 1);

	if (hex_exact(s, len, id, STAMP_KEYID_BYTES) != 0) {
		memset(id, 0, STAMP_KEYID_BYTES);
		return STAMP_EINPUT;
	}
	return 0;
}

int stamp_key_from_seed(const uint8_t seed[32], stamp_keypair **out)
{
	stamp_keypair *kp = sodium_malloc(sizeof *kp);

	*out = NULL;
	if (!kp)
		return ENOMEM;
	memcpy(kp->seed, seed, SEED_BYTES);
	if (crypto_sign_seed_keypair(kp->pub.pk, kp->sk, kp->seed) != 0) {
		sodium_free(kp);
		return STAMP_EINPUT;
	}
	stamp_key_id_of(kp->pub.pk, kp->pub.id);
	*out = kp;
	return 0;
}

int stamp_key_generate(stamp_keypair **out)
{
	uint8_t *seed = sodium_malloc(SEED_BYTES);

	*out = NULL;
	if (!seed)
		return ENOMEM;
	randombytes_buf(seed, SEED_BYTES);
	int err = stamp_key_from_seed(seed, out);
	sodium_free(seed);
	return err;
}

void stamp_key_free(stamp_keypair *kp)
{
	sodium_free(kp); /* wipes; NULL is fine */
}

const stamp_pubkey *stamp_key_public(const stamp_keypair *kp)
{
	return &kp->pub;
}

int stamp_key_sign(const stamp_keypair *kp, stamp_code *c)
{
	uint8_t msg[STAMP_MSG_BYTES];

	c->version = STAMP_CODE_VERSION;
	memcpy(c->key_id, kp->pub.id, STAMP_KEYID_BYTES);
	int err = stamp_code_message(c, msg);
	if (err != 0)
		return err;
	/* reads kp only, and libsodium keeps no state: safe from many threads */
	crypto_sign_detached(c->sig, NULL, msg, sizeof msg, kp->sk);
	return 0;
}

int stamp_key_sign_bytes(const stamp_keypair *kp, const uint8_t *msg, size_t len,
			 uint8_t sig[STAMP_SIG_BYTES])
{
	return crypto_sign_detached(sig, NULL, msg, len, kp->sk) == 0 ? 0 : STAMP_EINPUT;
}

/* ---- files ---------------------------------------------------------- */

static void seed_check(const uint8_t seed[SEED_BYTES], uint8_t check[CHECK_BYTES])
{
	uint8_t h[crypto_generichash_BYTES];

	crypto_generichash(h, sizeof h, seed, SEED_BYTES, NULL, 0);
	memcpy(check, h, CHECK_BYTES);
}

/*
 * Create path with O_EXCL, write all of text, fsync, close. On any failure
 * after creation the partial file is removed: a half-written key file would
 * fail later, far from its cause.
 */
static int write_new_file(const char *path, mode_t mode, const char *text, size_t len,
			  stamp_diag *diag)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		int e = errno;
		if (e == EEXIST)
			return stamp_diag_set(
				diag, e, "%s: file exists already; refusing to overwrite a key",
				path);
		return stamp_diag_set(diag, e, "%s: cannot create: %s", path, strerror(e));
	}
	size_t done = 0;
	int e = 0;
	while (done < len) {
		ssize_t w = write(fd, text + done, len - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			break;
		}
		done += (size_t)w;
	}
	if (e == 0 && fsync(fd) != 0)
		e = errno;
	if (close(fd) != 0 && e == 0)
		e = errno;
	if (e != 0) {
		unlink(path);
		return stamp_diag_set(diag, e, "%s: cannot write: %s", path, strerror(e));
	}
	return 0;
}

/*
 * Read a whole key file (regular, at most FILE_MAX bytes) into a NUL-terminated
 * sodium_malloc'd buffer. When secret names what it holds ("secret key",
 * "passphrase"), refuse a file that group or others may access. The caller
 * sodium_free()s *buf.
 */
static int read_key_file(const char *path, const char *secret, char **buf, size_t *len,
			 stamp_diag *diag)
{
	struct stat st;
	int err = 0;
	char *b = NULL;

	*buf = NULL;
	*len = 0;
	/* O_NONBLOCK: a FIFO planted at the path must not hang us before fstat */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		int e = errno;
		return stamp_diag_set(diag, e, "%s: cannot open: %s", path, strerror(e));
	}
	if (fstat(fd, &st) != 0) {
		int e = errno;
		err = stamp_diag_set(diag, e, "%s: cannot stat: %s", path, strerror(e));
		goto leave;
	}
	if (!S_ISREG(st.st_mode)) {
		err = stamp_diag_set(diag, STAMP_EKEYFILE, "%s: not a regular file", path);
		goto leave;
	}
	if (secret && (st.st_mode & 077) != 0) {
		err = stamp_diag_set(diag, STAMP_EKEYPERM,
				     "%s: mode %04o lets group or others read the %s; run: chmod "
				     "600 %s",
				     path, (unsigned)(st.st_mode & 07777), secret, path);
		goto leave;
	}
	if (st.st_size > FILE_MAX) {
		err = stamp_diag_set(diag, STAMP_EKEYFILE,
				     "%s: %lld bytes, too large for a key file (at most %d)", path,
				     (long long)st.st_size, FILE_MAX);
		goto leave;
	}
	b = sodium_malloc(FILE_MAX + 2);
	if (!b) {
		err = stamp_diag_set(diag, ENOMEM, "%s: out of memory", path);
		goto leave;
	}
	size_t n = 0;
	/* read one byte past the limit to notice a file that grew after fstat */
	while (n < FILE_MAX + 1) {
		ssize_t r = read(fd, b + n, FILE_MAX + 1 - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			err = stamp_diag_set(diag, e, "%s: cannot read: %s", path, strerror(e));
			goto leave;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > FILE_MAX) {
		err = stamp_diag_set(diag, STAMP_EKEYFILE, "%s: too large for a key file", path);
		goto leave;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	b = NULL;
leave:
	sodium_free(b);
	close(fd);
	return err;
}

typedef struct line {
	const char *s;
	size_t len;
} line;

/*
 * Split text into lines. Every line must end with '\n' and hold no control
 * characters (no CR, no NUL): a key file has exactly one spelling.
 */
static int split_lines(const char *path, const char *text, size_t len, line *lines, size_t max,
		       size_t *count, stamp_diag *diag)
{
	size_t n = 0, start = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];
		if (ch == '\n') {
			if (n == max)
				return stamp_diag_set(diag, STAMP_EKEYFILE,
						      "%s:%zu: unexpected extra line", path, n + 1);
			lines[n].s = text + start;
			lines[n].len = i - start;
			n++;
			start = i + 1;
		} else if (ch < 0x20 || ch == 0x7f) {
			return stamp_diag_set(diag, STAMP_EKEYFILE,
					      "%s:%zu: control character in a key file", path,
					      n + 1);
		}
	}
	if (start != len)
		return stamp_diag_set(diag, STAMP_EKEYFILE,
				      "%s:%zu: last line is not terminated (truncated file?)", path,
				      n + 1);
	*count = n;
	return 0;
}

/* Line k (0-based) must read "name: VALUE"; on success *val points at VALUE. */
static int field(const char *path, const line *lines, size_t count, size_t k, const char *name,
		 const char *want, line *val, stamp_diag *diag)
{
	size_t nl = strlen(name);

	if (k >= count)
		return stamp_diag_set(diag, STAMP_EKEYFILE,
				      "%s:%zu: missing line \"%s: %s\" (truncated file?)", path,
				      k + 1, name, want);
	const line *l = &lines[k];
	if (l->len < nl + 2 || memcmp(l->s, name, nl) != 0 || l->s[nl] != ':' ||
	    l->s[nl + 1] != ' ')
		return stamp_diag_set(diag, STAMP_EKEYFILE, "%s:%zu: expected \"%s: %s\"", path,
				      k + 1, name, want);
	val->s = l->s + nl + 2;
	val->len = l->len - nl - 2;
	return 0;
}

static int hex_field(const char *path, const line *lines, size_t count, size_t k, const char *name,
		     uint8_t *out, size_t n, stamp_diag *diag)
{
	char want[48];
	line v = {0};

	snprintf(want, sizeof want, "<%zu hex digits>", 2 * n); /* cannot truncate */
	int err = field(path, lines, count, k, name, want, &v, diag);
	if (err != 0)
		return err;
	if (hex_exact(v.s, v.len, out, n) != 0) {
		sodium_memzero(out, n);
		return stamp_diag_set(diag, STAMP_EKEYFILE, "%s:%zu: \"%s\": expected %s", path,
				      k + 1, name, want);
	}
	return 0;
}

static int magic_line(const char *path, const line *lines, size_t count, const char *magic,
		      stamp_diag *diag)
{
	if (count == 0 || lines[0].len != strlen(magic) ||
	    memcmp(lines[0].s, magic, lines[0].len) != 0)
		return stamp_diag_set(diag, STAMP_EKEYFILE, "%s:1: expected \"%s\"", path, magic);
	return 0;
}

static int no_more_lines(const char *path, size_t count, size_t used, stamp_diag *diag)
{
	if (count > used)
		return stamp_diag_set(diag, STAMP_EKEYFILE, "%s:%zu: unexpected extra line", path,
				      used + 1);
	return 0;
}

/* Decimal without sign, leading zeros or junk, in [lo, hi]. */
static int parse_u64(const char *s, size_t len, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		uint64_t d = (uint64_t)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* Everything that sits in sodium memory while a secret file is handled. */
typedef struct secret_scratch {
	uint8_t seed[SEED_BYTES];
	uint8_t key[crypto_secretbox_KEYBYTES];
	uint8_t box[BOX_BYTES];
	uint8_t check[CHECK_BYTES];
	uint8_t check2[CHECK_BYTES];
	char seedhex[2 * SEED_BYTES + 1];
	char text[1024];
} secret_scratch;

static int derive_key(secret_scratch *x, const char *pass, size_t passlen, const uint8_t *salt,
		      uint64_t ops, uint64_t mem)
{
	if (crypto_pwhash(x->key, sizeof x->key, pass, passlen, salt, ops, (size_t)mem,
			  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return ENOMEM; /* the only way it fails with bounded parameters */
	return 0;
}

static int format_secret(const stamp_keypair *kp, const char *pass, size_t passlen,
			 secret_scratch *x, stamp_diag *diag)
{
	char id[9];
	int n;

	stamp_key_id_format(kp->pub.id, id);
	if (!pass) {
		seed_check(kp->seed, x->check);
		char checkhex[2 * CHECK_BYTES + 1];
		sodium_bin2hex(x->seedhex, sizeof x->seedhex, kp->seed, SEED_BYTES);
		sodium_bin2hex(checkhex, sizeof checkhex, x->check, CHECK_BYTES);
		n = snprintf(x->text, sizeof x->text,
			     SECRET_MAGIC "\nid: %s\nkdf: none\nseed: %s\ncheck: %s\n", id,
			     x->seedhex, checkhex);
	} else {
		uint8_t salt[crypto_pwhash_SALTBYTES];
		uint8_t nonce[crypto_secretbox_NONCEBYTES];
		char salthex[2 * sizeof salt + 1], noncehex[2 * sizeof nonce + 1];
		char boxhex[2 * BOX_BYTES + 1];
		randombytes_buf(salt, sizeof salt);
		randombytes_buf(nonce, sizeof nonce);
		int err = derive_key(x, pass, passlen, salt, crypto_pwhash_OPSLIMIT_INTERACTIVE,
				     crypto_pwhash_MEMLIMIT_INTERACTIVE);
		if (err != 0)
			return stamp_diag_set(diag, err, "out of memory deriving the box key");
		crypto_secretbox_easy(x->box, kp->seed, SEED_BYTES, nonce, x->key);
		sodium_bin2hex(salthex, sizeof salthex, salt, sizeof salt);
		sodium_bin2hex(noncehex, sizeof noncehex, nonce, sizeof nonce);
		sodium_bin2hex(boxhex, sizeof boxhex, x->box, BOX_BYTES);
		n = snprintf(x->text, sizeof x->text,
			     SECRET_MAGIC "\nid: %s\nkdf: " KDF_NAME
					  " %llu %llu\nsalt: %s\nnonce: %s\nbox: %s\n",
			     id, (unsigned long long)crypto_pwhash_OPSLIMIT_INTERACTIVE,
			     (unsigned long long)crypto_pwhash_MEMLIMIT_INTERACTIVE, salthex,
			     noncehex, boxhex);
	}
	if (n < 0 || (size_t)n >= sizeof x->text)
		return stamp_diag_set(diag, STAMP_EINPUT, "key file text does not fit");
	return 0;
}

int stamp_key_save_secret(const stamp_keypair *kp, const char *path, const char *pass,
			  size_t passlen, stamp_diag *diag)
{
	if (pass && passlen == 0)
		return stamp_diag_set(diag, STAMP_EPASSPHRASE,
				      "%s: the passphrase is empty; give a real one, or none for a "
				      "plain key file",
				      path);
	secret_scratch *x = sodium_malloc(sizeof *x);
	if (!x)
		return stamp_diag_set(diag, ENOMEM, "%s: out of memory", path);
	int err = format_secret(kp, pass, passlen, x, diag);
	if (err == 0)
		err = write_new_file(path, 0600, x->text, strlen(x->text), diag);
	sodium_free(x);
	return err;
}

static int open_plain(const char *path, const line *l, size_t count, secret_scratch *x,
		      stamp_diag *diag)
{
	int err = hex_field(path, l, count, 3, "seed", x->seed, SEED_BYTES, diag);
	if (err == 0)
		err = hex_field(path, l, count, 4, "check", x->check, CHECK_BYTES, diag);
	if (err == 0)
		err = no_more_lines(path, count, 5, diag);
	if (err != 0)
		return err;
	seed_check(x->seed, x->check2);
	if (sodium_memcmp(x->check, x->check2, CHECK_BYTES) != 0)
		return stamp_diag_set(diag, STAMP_EKEYFILE,
				      "%s:5: checksum does not match the seed (damaged file)",
				      path);
	return 0;
}

static int open_encrypted(const char *path, const line *l, size_t count, const line *kdf,
			  const char *pass, size_t passlen, secret_scratch *x, stamp_diag *diag)
{
	uint8_t salt[crypto_pwhash_SALTBYTES];
	uint8_t nonce[crypto_secretbox_NONCEBYTES];
	uint64_t ops = 0, mem = 0;
	size_t kl = sizeof KDF_NAME; /* name and the space after it */

	/* "argon2id13 <ops> <mem>" */
	const char *sp = kdf->len > kl ? memchr(kdf->s + kl, ' ', kdf->len - kl) : NULL;
	if (!sp ||
	    parse_u64(kdf->s + kl, (size_t)(sp - kdf->s) - kl, crypto_pwhash_OPSLIMIT_MIN,
		      OPSLIMIT_CAP, &ops) != 0 ||
	    parse_u64(sp + 1, (size_t)(kdf->s + kdf->len - sp - 1), crypto_pwhash_MEMLIMIT_MIN,
		      MEMLIMIT_CAP, &mem) != 0)
		return stamp_diag_set(diag, STAMP_EKEYFILE,
				      "%s:3: expected \"kdf: " KDF_NAME " <opslimit 1..%d> "
				      "<memlimit 8192..%llu>\"",
				      path, OPSLIMIT_CAP, (unsigned long long)MEMLIMIT_CAP);
	int err = hex_field(path, l, count, 3, "salt", salt, sizeof salt, diag);
	if (err == 0)
		err = hex_field(path, l, count, 4, "nonce", nonce, sizeof nonce, diag);
	if (err == 0)
		err = hex_field(path, l, count, 5, "box", x->box, BOX_BYTES, diag);
	if (err == 0)
		err = no_more_lines(path, count, 6, diag);
	if (err != 0)
		return err;
	if (!pass)
		return stamp_diag_set(diag, STAMP_EPASSPHRASE,
				      "%s: the secret key is encrypted; a passphrase is needed",
				      path);
	err = derive_key(x, pass, passlen, salt, ops, mem);
	if (err != 0)
		return stamp_diag_set(diag, err,
				      "%s: out of memory deriving the key (memlimit "
				      "%llu)",
				      path, (unsigned long long)mem);
	if (crypto_secretbox_open_easy(x->seed, x->box, BOX_BYTES, nonce, x->key) != 0)
		return stamp_diag_set(diag, STAMP_EPASSPHRASE,
				      "%s: wrong passphrase (or the file was altered)", path);
	return 0;
}

static int parse_secret(const char *path, const char *text, size_t len, const char *pass,
			size_t passlen, secret_scratch *x, stamp_keypair **out, stamp_diag *diag)
{
	line l[MAX_LINES], v = {0};
	size_t count = 0;
	uint8_t id[STAMP_KEYID_BYTES];

	int err = split_lines(path, text, len, l, MAX_LINES, &count, diag);
	if (err == 0)
		err = magic_line(path, l, count, SECRET_MAGIC, diag);
	if (err == 0)
		err = hex_field(path, l, count, 1, "id", id, sizeof id, diag);
	if (err == 0)
		err = field(path, l, count, 2, "kdf", "none | " KDF_NAME " <ops> <mem>", &v, diag);
	if (err != 0)
		return err;
	if (v.len == 4 && memcmp(v.s, "none", 4) == 0)
		err = open_plain(path, l, count, x, diag);
	else if (v.len > sizeof KDF_NAME && memcmp(v.s, KDF_NAME " ", sizeof KDF_NAME) == 0)
		err = open_encrypted(path, l, count, &v, pass, passlen, x, diag);
	else
		err = stamp_diag_set(diag, STAMP_EKEYFILE,
				     "%s:3: unknown kdf; expected \"none\" or \"" KDF_NAME
				     " <ops> <mem>\"",
				     path);
	if (err != 0)
		return err;
	err = stamp_key_from_seed(x->seed, out);
	if (err != 0)
		return stamp_diag_set(diag, err, "%s: cannot derive the key pair", path);
	if (memcmp((*out)->pub.id, id, sizeof id) != 0) {
		char want[9], got[9];
		stamp_key_id_format(id, want);
		stamp_key_id_format((*out)->pub.id, got);
		stamp_key_free(*out);
		*out = NULL;
		return stamp_diag_set(diag, STAMP_EKEYFILE,
				      "%s:2: id %s does not match the key, whose id is %s", path,
				      want, got);
	}
	return 0;
}

int stamp_key_load_secret(const char *path, const char *pass, size_t passlen, stamp_keypair **out,
			  stamp_diag *diag)
{
	char *text = NULL;
	size_t len = 0;
	secret_scratch *x = NULL;

	*out = NULL;
	int err = read_key_file(path, "secret key", &text, &len, diag);
	if (err != 0)
		goto leave;
	x = sodium_malloc(sizeof *x);
	if (!x) {
		err = stamp_diag_set(diag, ENOMEM, "%s: out of memory", path);
		goto leave;
	}
	err = parse_secret(path, text, len, pass, passlen, x, out, diag);
leave:
	sodium_free(x);
	sodium_free(text);
	return err;
}

int stamp_key_save_public(const stamp_pubkey *pub, const char *path, stamp_diag *diag)
{
	char id[9], pkhex[2 * STAMP_PK_BYTES + 1], text[256];

	stamp_key_id_format(pub->id, id);
	sodium_bin2hex(pkhex, sizeof pkhex, pub->pk, STAMP_PK_BYTES);
	int n = snprintf(text, sizeof text, PUBLIC_MAGIC "\nid: %s\npublic: %s\n", id, pkhex);
	if (n < 0 || (size_t)n >= sizeof text)
		return stamp_diag_set(diag, STAMP_EINPUT, "public key text does not fit");
	return write_new_file(path, 0644, text, (size_t)n, diag);
}

int stamp_key_load_public(const char *path, stamp_pubkey *out, stamp_diag *diag)
{
	char *text = NULL;
	size_t len = 0, count = 0;
	line l[MAX_LINES];
	stamp_pubkey pub;
	uint8_t id[STAMP_KEYID_BYTES];

	memset(out, 0, sizeof *out);
	int err = read_key_file(path, NULL, &text, &len, diag);
	if (err == 0)
		err = split_lines(path, text, len, l, MAX_LINES, &count, diag);
	if (err == 0)
		err = magic_line(path, l, count, PUBLIC_MAGIC, diag);
	if (err == 0)
		err = hex_field(path, l, count, 1, "id", pub.id, sizeof pub.id, diag);
	if (err == 0)
		err = hex_field(path, l, count, 2, "public", pub.pk, sizeof pub.pk, diag);
	if (err == 0)
		err = no_more_lines(path, count, 3, diag);
	if (err == 0) {
		stamp_key_id_of(pub.pk, id);
		if (memcmp(id, pub.id, sizeof id) != 0) {
			char want[9], got[9];
			stamp_key_id_format(pub.id, want);
			stamp_key_id_format(id, got);
			err = stamp_diag_set(diag, STAMP_EKEYFILE,
					     "%s:2: id %s does not match the key, whose id is %s",
					     path, want, got);
		}
	}
	if (err == 0)
		*out = pub;
	sodium_free(text);
	return err;
}

int stamp_key_read_passphrase(const char *path, char *pass, size_t cap, size_t *len,
			      stamp_diag *diag)
{
	char *text;
	size_t n;
	*len = 0;
	if (cap)
		pass[0] = '\0';
	int err = read_key_file(path, "passphrase", &text, &n, diag);
	if (err)
		return err;
	n = strcspn(text, "\r\n"); /* the first line */
	if (n >= cap)
		err = stamp_diag_set(diag, STAMP_EPASSPHRASE,
				     "%s: the passphrase is longer than %zu "
				     "bytes",
				     path, cap - 1);
	else if (n == 0)
		err = stamp_diag_set(diag, STAMP_EPASSPHRASE, "%s: the passphrase is empty", path);
	if (err == 0) {
		memcpy(pass, text, n);
		pass[n] = '\0';
		*len = n;
	}
	sodium_free(text); /* wipes */
	return err;
}
