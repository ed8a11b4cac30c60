/*
 * limit.c - the per-stage limit of stamp issuance: the fastest a plain C
 * chain of the stages can go on this machine, against which `stampgen issue`
 * is measured (bench/issue.sh).
 *
 * Per stamp: Ed25519 signature over the 27-byte code message (libsodium,
 * fixed seed key), the code URL (libstamp's code.c), the QR matrix
 * (libqrencode via stamp_qr_encode), a 1-bit PNG file (stamp_png_write), and
 * an LMDB put into a scratch environment (one write transaction per
 * process). P processes (fork) take N/P serials each, so there is no locking
 * at all: it is the ceiling, not a design. Each process times its stages
 * separately and reports them through a pipe.
 *
 * It also writes the code texts it made, one a line in serial order, so that
 * the peer encoders (zint, qrencode) encode exactly the same texts.
 *
 *   bench_limit -n N [-p P] -o DIR [-t TEXTS] [-I] [-b BASE_URL]
 *     DIR gets NNNNNNNNNN.png and lmdb.K/; -I skips the images.
 */
#include <errno.h>
#include <getopt.h>
#include <lmdb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stamp/code.h"
#include "stamp/render.h"

enum { ST_SIGN, ST_URL, ST_QR, ST_PNG, ST_PUT, ST_N };
static const char *const stage_name[ST_N] = {"sign", "url", "qr", "png", "put"};

struct opts {
	unsigned long n;
	int procs;
	const char *dir;
	const char *texts;
	int images;
	const char *base_url;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_limit: %s: %s\n", what,
		err > 0 ? strerror(err) : stamp_strerror(err));
	exit(2);
}

/* One worker: serials [first, first + count). Stage seconds go to `out`. */
static void work(const struct opts *o, int k, unsigned long first, unsigned long count,
		 double out[ST_N])
{
	uint8_t seed[32], pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	memset(seed, 0x5a, sizeof seed); /* fixed: the same codes on every run */
	crypto_sign_seed_keypair(pk, sk, seed);
	uint8_t kid_hash[32];
	crypto_generichash_state h;
	crypto_generichash_init(&h, NULL, 0, sizeof kid_hash);
	crypto_generichash_update(&h, (const uint8_t *)"ocopstamp key id", 16);
	crypto_generichash_update(&h, pk, sizeof pk);
	crypto_generichash_final(&h, kid_hash, sizeof kid_hash);

	char base[STAMP_BASEURL_MAX + 1], path[4096];
	stamp_diag d = {{0}};
	int rc = stamp_code_baseurl(o->base_url, base, &d);
	if (rc)
		die(d.msg, rc);

	snprintf(path, sizeof path, "%s/lmdb.%d", o->dir, k);
	if (mkdir(path, 0700) != 0)
		die(path, errno);
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	if ((rc = mdb_env_create(&env)) || (rc = mdb_env_set_mapsize(env, 1ul << 32)) ||
	    (rc = mdb_env_open(env, path, MDB_NOSYNC, 0600)) ||
	    (rc = mdb_txn_begin(env, NULL, 0, &txn)) || (rc = mdb_dbi_open(txn, NULL, 0, &dbi)))
		die("lmdb", rc);

	snprintf(path, sizeof path, "%s/texts.%d", o->dir, k);
	FILE *texts = fopen(path, "w");
	if (!texts)
		die(path, errno);

	unsigned px_width = 0, px = 0; /* geometry per symbol width, computed once */
	for (unsigned long s = first; s < first + count; s++) {
		double t0 = now_s();
		stamp_code c = {.version = STAMP_CODE_VERSION, .serial = s};
		memcpy(c.key_id, kid_hash, STAMP_KEYID_BYTES);
		uint8_t msg[STAMP_MSG_BYTES];
		if ((rc = stamp_code_message(&c, msg)))
			die("message", rc);
		crypto_sign_detached(c.sig, NULL, msg, sizeof msg, sk);
		double t1 = now_s();
		char url[STAMP_CODE_TEXT_MAX + 1];
		stamp_code_to_url(&c, base, url);
		fprintf(texts, "%s\n", url);
		double t2 = now_s(), t3 = t2, t4 = t2;
		if (o->images) {
			stamp_qr *qr;
			if ((rc = stamp_qr_encode(url, &qr)))
				die("qr", rc);
			t3 = now_s();
			if ((unsigned)qr->width != px_width) {
				if ((rc = stamp_png_geometry(qr->width, 250, 600, &px, &d)))
					die(d.msg, rc);
				px_width = (unsigned)qr->width;
			}
			snprintf(path, sizeof path, "%s/%010lu.png", o->dir, s);
			if ((rc = stamp_png_write(qr, px, 600, path, &d)))
				die(d.msg, rc);
			stamp_qr_free(qr);
			t4 = now_s();
		}
		uint8_t key[5];
		for (int i = 0; i < 5; i++)
			key[i] = (uint8_t)(s >> (8 * (4 - i)));
		MDB_val kv = {sizeof key, key}, vv = {sizeof c.sig, c.sig};
		if ((rc = mdb_put(txn, dbi, &kv, &vv, MDB_APPEND)))
			die("mdb_put", rc);
		double t5 = now_s();
		out[ST_SIGN] += t1 - t0;
		out[ST_URL] += t2 - t1;
		out[ST_QR] += t3 - t2;
		out[ST_PNG] += t4 - t3;
		out[ST_PUT] += t5 - t4;
	}
	if ((rc = mdb_txn_commit(txn)))
		die("mdb_txn_commit", rc);
	mdb_env_close(env);
	if (fclose(texts) != 0)
		die("texts", errno);
	sodium_memzero(sk, sizeof sk);
}

/* Concatenate DIR/texts.0 ... texts.P-1 (serial order) into o->texts. */
static void gather_texts(const struct opts *o)
{
	FILE *out = fopen(o->texts, "w");
	if (!out)
		die(o->texts, errno);
	char path[4096], buf[1 << 16];
	for (int k = 0; k < o->procs; k++) {
		snprintf(path, sizeof path, "%s/texts.%d", o->dir, k);
		FILE *in = fopen(path, "r");
		if (!in)
			die(path, errno);
		size_t n;
		while ((n = fread(buf, 1, sizeof buf, in)) > 0)
			if (fwrite(buf, 1, n, out) != n)
				die(o->texts, errno);
		fclose(in);
		unlink(path);
	}
	if (fclose(out) != 0)
		die(o->texts, errno);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bench_limit -n N [-p PROCS] -o DIR [-t TEXTS] [-I] [-b BASE_URL]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = {.procs = 2, .images = 1, .base_url = "https://tem.thanhhoa.gov.vn"};
	int ch;
	while ((ch = getopt(argc, argv, "n:p:o:t:Ib:")) != -1) {
		switch (ch) {
		case 'n':
			o.n = strtoul(optarg, NULL, 10);
			break;
		case 'p':
			o.procs = atoi(optarg);
			break;
		case 'o':
			o.dir = optarg;
			break;
		case 't':
			o.texts = optarg;
			break;
		case 'I':
			o.images = 0;
			break;
		case 'b':
			o.base_url = optarg;
			break;
		default:
			usage();
		}
	}
	if (!o.n || o.n > 10000000 || o.procs < 1 || o.procs > 64 || !o.dir)
		usage();
	if (sodium_init() < 0)
		die("sodium_init", EIO);
	if (mkdir(o.dir, 0755) != 0 && errno != EEXIST)
		die(o.dir, errno);

	int pipes[64][2];
	pid_t pids[64];
	double t0 = now_s();
	for (int k = 0; k < o.procs; k++) {
		unsigned long first = 1 + o.n * (unsigned long)k / (unsigned long)o.procs;
		unsigned long last = 1 + o.n * (unsigned long)(k + 1) / (unsigned long)o.procs;
		if (pipe(pipes[k]) != 0)
			die("pipe", errno);
		pids[k] = fork();
		if (pids[k] < 0)
			die("fork", errno);
		if (pids[k] == 0) {
			double st[ST_N] = {0};
			work(&o, k, first, last - first, st);
			if (write(pipes[k][1], st, sizeof st) != (ssize_t)sizeof st)
				_exit(2);
			_exit(0);
		}
		close(pipes[k][1]);
	}
	double st[ST_N] = {0};
	int failed = 0;
	for (int k = 0; k < o.procs; k++) {
		double part[ST_N];
		if (read(pipes[k][0], part, sizeof part) != (ssize_t)sizeof part)
			failed = 1;
		else
			for (int i = 0; i < ST_N; i++)
				st[i] += part[i];
		close(pipes[k][0]);
		int status;
		if (waitpid(pids[k], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			failed = 1;
	}
	double wall = now_s() - t0;
	if (failed) {
		fprintf(stderr, "bench_limit: a worker failed\n");
		return 1;
	}
	if (o.texts)
		gather_texts(&o);
	printf("bench_limit: n=%lu procs=%d images=%d wall=%.3f s rate=%.0f stamps/s\n", o.n,
	       o.procs, o.images, wall, (double)o.n / wall);
	printf("bench_limit: per stamp, one core:");
	for (int i = 0; i < ST_N; i++)
		printf(" %s=%.1fus", stage_name[i], st[i] / (double)o.n * 1e6);
	printf("\n");
	return 0;
}
