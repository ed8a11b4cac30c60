/*
 * issue.c - issuing a batch of stamps, and rendering a stored batch again.
 *
 * The expensive part of a stamp is its file (the print library's sink: QR
 * encoding with libqrencode's mask selection, ~150 us, and the PNG); signing is ~16 us and the LMDB
 * put under 1 us. So the work is split into chunks that worker threads take from an atomic counter
 * (one per core), while the calling thread only reports progress; then the calling thread, which
 * owns the LMDB write transaction, appends every stamp in serial order and commits once.
 *
 * Atomicity, in three steps. (1) One short write transaction checks the
 * request and reserves the serials; it is committed (synced) before anything
 * is signed, so a serial is signed for one batch only, ever. (2) The codes are
 * signed and their files written into a temporary folder beside out_dir
 * (output.c). (3) One write transaction stores the batch, its lot and all its
 * stamps, consuming the reservation; then the folder is renamed into place.
 * A failure after (1) marks the reservation burned (a recorded gap) and
 * removes the folder. A kill leaves a pending reservation and at worst a
 * ".tmp-" folder: the next issuance on this host sees that the process is
 * gone, burns the reservation and removes the folder. A code left in such a
 * folder names a serial that no batch holds, so it never verifies as
 * genuine.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "stamp/date.h"
#include "stamp/event.h"
#include "stamp/issue.h"

#define CHUNK 64
#define DEFAULT_SIZE_01MM 250
#define DEFAULT_DPI 600

typedef struct job {
	const stamp_keypair *kp; /* NULL: signatures are given (render) */
	const stamp_batch *b;
	uint8_t (*sigs)[STAMP_SIG_BYTES];
	const char *dir;	      /* NULL: no per-stamp files */
	const stamp_issue_sink *sink; /* set when dir is */
	atomic_uint_fast64_t next;
	atomic_uint_fast64_t done;
	atomic_int err;
	pthread_mutex_t lock; /* guards diag */
	stamp_diag diag;
} job;

static void job_fail(job *j, int err, const stamp_diag *d)
{
	int expected = 0;
	if (atomic_compare_exchange_strong(&j->err, &expected, err)) {
		pthread_mutex_lock(&j->lock);
		j->diag = *d;
		pthread_mutex_unlock(&j->lock);
	}
}

void stamp_batch_code(const stamp_batch *b, uint64_t serial, const uint8_t sig[STAMP_SIG_BYTES],
		      stamp_code *c)
{
	c->version = STAMP_CODE_VERSION;
	memcpy(c->key_id, b->key_id, STAMP_KEYID_BYTES);
	c->serial = serial;
	memcpy(c->sig, sig, STAMP_SIG_BYTES);
}

static int stamp_file(const job *j, const stamp_code *c, stamp_diag *d)
{
	char path[PATH_MAX];
	const stamp_issue_sink *k = j->sink;

	if (snprintf(path, sizeof path, "%s/%010llu%s", j->dir, (unsigned long long)c->serial,
		     k->suffix) >= (int)sizeof path)
		return stamp_diag_set(d, ENAMETOOLONG, "%s: path too long", j->dir);
	return k->file(j->b, c, path, k->ctx, d);
}

static void *worker(void *arg)
{
	job *j = arg;
	stamp_diag d = {{0}};
	stamp_code c;

	for (;;) {
		uint64_t start = atomic_fetch_add(&j->next, CHUNK);
		if (start >= j->b->count || atomic_load(&j->err))
			break;
		uint64_t end = start + CHUNK < j->b->count ? start + CHUNK : j->b->count;
		for (uint64_t i = start; i < end; i++) {
			int rc = 0;
			stamp_batch_code(j->b, j->b->first_serial + i, j->sigs[i], &c);
			if (j->kp) {
				rc = stamp_key_sign(j->kp, &c);
				if (rc)
					stamp_diag_set(&d, rc, "cannot sign serial %llu",
						       (unsigned long long)c.serial);
				else
					memcpy(j->sigs[i], c.sig, STAMP_SIG_BYTES);
			}
			if (rc == 0 && j->dir)
				rc = stamp_file(j, &c, &d);
			if (rc) {
				job_fail(j, rc, &d);
				return NULL;
			}
		}
		atomic_fetch_add(&j->done, end - start);
	}
	return NULL;
}

static int default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

/* Run the workers; the calling thread reports progress until they finish. */
static int run_job(job *j, int threads, stamp_progress_cb progress, void *pctx, stamp_diag *diag)
{
	pthread_t tid[64];
	int started = 0, rc = 0;

	if (threads <= 0)
		threads = default_threads();
	if (threads > 64)
		threads = 64;
	for (; started < threads; started++) {
		if ((rc = pthread_create(&tid[started], NULL, worker, j)) != 0) {
			job_fail(j, rc, &(stamp_diag){"cannot start a worker thread"});
			break;
		}
	}
	while (progress && started > 0) {
		uint64_t done = atomic_load(&j->done);
		progress(done, j->b->count, pctx);
		if (done >= j->b->count || atomic_load(&j->err))
			break;
		nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
	}
	for (int i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	if ((rc = atomic_load(&j->err)) != 0 && diag)
		*diag = j->diag;
	return rc;
}

/* The printer's manifest: serial,code,file. fsync'd: it is what gets printed. */
static int write_manifest(const char *dir, const stamp_batch *b,
			  const uint8_t (*sigs)[STAMP_SIG_BYTES], const char *suffix,
			  stamp_diag *diag)
{
	char path[PATH_MAX], url[STAMP_CODE_TEXT_MAX + 1];
	stamp_code c;
	int rc = 0;

	if (snprintf(path, sizeof path, "%s/manifest.csv", dir) >= (int)sizeof path)
		return stamp_diag_set(diag, ENAMETOOLONG, "%s: path too long", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return stamp_diag_set(diag, errno, "%s: %s", path, strerror(errno));
	fputs("serial,code,file\n", f);
	for (uint32_t i = 0; i < b->count; i++) {
		unsigned long long serial = b->first_serial + i;
		stamp_batch_code(b, serial, sigs[i], &c);
		stamp_code_to_url(&c, b->base_url, url);
		if (suffix)
			fprintf(f, "%llu,%s,%010llu%s\n", serial, url, serial, suffix);
		else
			fprintf(f, "%llu,%s,\n", serial, url);
	}
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0)
		rc = stamp_diag_set(diag, errno ? errno : EIO, "%s: write failed: %s", path,
				    strerror(errno));
	if (fclose(f) != 0 && rc == 0)
		rc = stamp_diag_set(diag, errno, "%s: write failed: %s", path, strerror(errno));
	return rc;
}

/* Files for a batch whose signatures are known or to be made (kp). */
static int produce(const stamp_keypair *kp, const stamp_batch *b, uint8_t (*sigs)[STAMP_SIG_BYTES],
		   const char *dir, const stamp_issue_sink *sink, int threads,
		   stamp_progress_cb progress, void *pctx, stamp_diag *diag)
{
	job *j = calloc(1, sizeof *j);
	if (!j)
		return ENOMEM;
	j->kp = kp;
	j->b = b;
	j->sigs = sigs;
	j->dir = sink ? dir : NULL;
	j->sink = sink;
	pthread_mutex_init(&j->lock, NULL);
	int rc = run_job(j, threads, progress, pctx, diag);
	pthread_mutex_destroy(&j->lock);
	free(j);
	if (rc == 0 && dir)
		rc = write_manifest(dir, b, (const uint8_t(*)[STAMP_SIG_BYTES])sigs,
				    sink ? sink->suffix : NULL, diag);
	return rc;
}

/* Fill the batch record from the request and check it against the registry. */
static int prepare_batch(stamp_txn *t, const stamp_keypair *kp, const stamp_issue_req *req,
			 stamp_batch *b, stamp_diag *diag)
{
	stamp_product p;
	stamp_coop c;
	stamp_keyrec k;
	const stamp_pubkey *pub = stamp_key_public(kp);
	char id[9];
	int rc;

	memset(b, 0, sizeof *b);
	if (req->count < 1 || req->count > STAMP_ISSUE_MAX)
		return stamp_diag_set(diag, STAMP_EINPUT, "count: expected 1 to %d, got %u",
				      STAMP_ISSUE_MAX, req->count);
	/* the batch record keeps both in 16 bits: never store a silently cut value */
	if (req->size_01mm > UINT16_MAX || req->dpi > UINT16_MAX)
		return stamp_diag_set(diag, STAMP_EINPUT, "size %u (0.1 mm) or %u dpi out of range",
				      req->size_01mm, req->dpi);
	if ((rc = stamp_code_baseurl(req->base_url ? req->base_url : "", b->base_url, diag)))
		return rc;
	if (snprintf(b->product_id, sizeof b->product_id, "%s", req->product_id) >=
	    (int)sizeof b->product_id)
		return stamp_diag_set(diag, STAMP_EINPUT, "product: id too long");
	if ((rc = stamp_text_clean(req->lot ? req->lot : "", b->lot, STAMP_SHORT_MAX, "lot", diag)))
		return rc;
	rc = stamp_store_get_product(t, b->product_id, &p);
	if (rc == STAMP_ENOTFOUND)
		return stamp_diag_set(diag, rc, "product \"%s\" is not registered", b->product_id);
	if (rc == 0 && (rc = stamp_store_get_coop(t, p.coop_id, &c)) == STAMP_ENOTFOUND)
		return stamp_diag_set(diag, rc,
				      "cooperative \"%s\" of product \"%s\" is not registered",
				      p.coop_id, p.id);
	if (rc)
		return rc;

	stamp_key_id_format(pub->id, id);
	rc = stamp_store_get_key(t, pub->id, &k);
	if (rc == STAMP_ENOTFOUND)
		return stamp_diag_set(diag, STAMP_EUNKNOWNKEY,
				      "key %s is not registered in this store (stampgen key add)",
				      id);
	if (rc)
		return rc;
	if (memcmp(k.pk, pub->pk, STAMP_PK_BYTES) != 0)
		return stamp_diag_set(diag, STAMP_EUNKNOWNKEY,
				      "key %s in the store has another public key", id);
	uint32_t today = stamp_date_from_unix(req->now);
	if ((k.valid_from && today < k.valid_from) || (k.valid_until && today > k.valid_until)) {
		char from[11], until[11];
		stamp_date_format(k.valid_from, from);
		stamp_date_format(k.valid_until, until);
		return stamp_diag_set(diag, STAMP_EINPUT,
				      "key %s may not sign today (valid %s to %s)", id,
				      from[0] ? from : "any time", until[0] ? until : "any time");
	}

	b->produced = req->produced;
	b->expiry = req->expiry;
	if (!b->expiry && p.shelf_life_days && b->produced)
		b->expiry =
			stamp_date_from_days(stamp_date_to_days(b->produced) + p.shelf_life_days);
	b->count = req->count;
	memcpy(b->key_id, pub->id, STAMP_KEYID_BYTES);
	b->size_01mm = (uint16_t)(req->size_01mm ? req->size_01mm : DEFAULT_SIZE_01MM);
	b->dpi = (uint16_t)(req->dpi ? req->dpi : DEFAULT_DPI);
	b->created = req->now;
	return stamp_batch_check(b, &p, &c, diag);
}

/* ---- serials reserved before signing ---- */

typedef struct sweep {
	const char *host;
	stamp_reservation found[16]; /* of dead runs on this host; the rest next time */
	int removed[16];	     /* found[i]'s folder was there and was removed */
	int n;
} sweep;

/* Only a name that output.c made: "<something>.tmp-XXXXXX". */
static int looks_temporary(const char *path)
{
	size_t n = strlen(path);
	return n > 11 && memcmp(path + n - 11, ".tmp-", 5) == 0 && !strchr(path + n - 6, '/');
}

static int folder_left(const stamp_reservation *r)
{
	struct stat sb;
	return r->tmp[0] && looks_temporary(r->tmp) && lstat(r->tmp, &sb) == 0 &&
	       S_ISDIR(sb.st_mode);
}

/*
 * What a run that is gone left on this host: a pending reservation (killed
 * while signing), a stored one (killed before its folder was put in place),
 * or a burned one whose folder is still there (killed while cleaning up).
 */
static int find_stale(const stamp_reservation *r, void *ctx)
{
	sweep *w = ctx;
	if (strcmp(r->host, w->host) != 0)
		return 0;
	if (r->state == STAMP_RESERVE_BURNED) {
		if (!folder_left(r))
			return 0;
	} else if (r->pid <= 0 || r->pid == (int32_t)getpid() || kill((pid_t)r->pid, 0) == 0 ||
		   errno != ESRCH) {
		return 0; /* still running, or not ours to judge */
	}
	w->found[w->n++] = *r;
	return w->n == (int)(sizeof w->found / sizeof w->found[0]);
}

static void note(const stamp_issue_req *req, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note(const stamp_issue_req *req, const char *fmt, ...)
{
	char msg[sizeof(stamp_diag) + STAMP_TMPPATH_MAX];
	va_list ap;
	if (!req->note)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	req->note(msg, req->note_ctx);
}

/*
 * Settle what the sweep found, inside the transaction that will commit it:
 * the folders go first, so a kill meanwhile leaves the records as they were
 * and the next run does it again. Pending serials are burned; a stored
 * batch's record goes (its folder was incomplete or never published).
 */
static int settle_stale(stamp_txn *t, sweep *w)
{
	for (int i = 0; i < w->n; i++) {
		stamp_reservation *r = &w->found[i];
		char tmp[PATH_MAX];
		w->removed[i] =
			folder_left(r) && snprintf(tmp, sizeof tmp, "%s", r->tmp) < (int)sizeof tmp;
		if (w->removed[i])
			stamp_output_discard(tmp);
		int rc = 0;
		if (r->state == STAMP_RESERVE_PENDING) {
			r->state = STAMP_RESERVE_BURNED;
			rc = stamp_store_put_reservation(t, r);
			r->state = STAMP_RESERVE_PENDING; /* for the note */
		} else if (r->state == STAMP_RESERVE_STORED) {
			rc = stamp_store_del_reservation(t, r->first_serial);
		}
		if (rc)
			return rc;
	}
	return 0;
}

static void tell_stale(const stamp_issue_req *req, const sweep *w)
{
	for (int i = 0; i < w->n; i++) {
		const stamp_reservation *r = &w->found[i];
		unsigned long long first = r->first_serial, last = first + r->count - 1;
		int pid = r->pid, removed = w->removed[i];
		if (r->state == STAMP_RESERVE_STORED)
			note(req,
			     "batch %u was stored, but its run (pid %d) ended before its folder "
			     "was "
			     "put in place%s%s; stampgen render --batch %u writes its files again",
			     r->batch_id, pid,
			     removed ? ": the temporary folder was removed: " : "",
			     removed ? r->tmp : "", r->batch_id);
		else if (r->state == STAMP_RESERVE_BURNED)
			note(req, "the temporary folder %s of burned serials %llu-%llu was removed",
			     r->tmp, first, last);
		else
			note(req,
			     "serials %llu-%llu of an issuance that did not complete (pid %d) are "
			     "burned%s%s%s",
			     first, last, pid, removed ? "; its temporary folder " : "",
			     removed ? r->tmp : "", removed ? " was removed" : "");
	}
}

/*
 * The stages part of the Circular 02 gate (docs/decisions.md): a batch is
 * issued before its later stages happen (shipping, retail), and the
 * production stages of most OCOP products are the same for every batch, so
 * they are recorded on the product. One is not required: a batch whose
 * product has none is issued with a note, and its page shows no journey
 * until events are added (they may be added after issuance).
 */
static int stage_gate(stamp_txn *t, const stamp_issue_req *req, const stamp_batch *b)
{
	int staged = 0;
	int rc = stamp_event_has_production(t, b->product_id, 0, &staged);
	if (rc == 0 && !staged)
		note(req,
		     "product \"%s\" has no production stage recorded (stampgen event add "
		     "--product %s ...); the stamps' page shows the journey once one is added",
		     b->product_id, b->product_id);
	return rc;
}

/*
 * The first transaction: every check, the stale reservations burned, and
 * this issuance's serials reserved; committed (synced) before anything is
 * signed.
 */
static int reserve(stamp_store *st, const stamp_keypair *kp, const stamp_issue_req *req,
		   const char *tmp, stamp_batch *b, sweep *w, stamp_reservation *r,
		   stamp_diag *diag)
{
	stamp_txn *t;
	int rc = stamp_txn_begin(st, 1, &t);
	if (rc)
		return stamp_diag_set(diag, rc, "cannot write the store: %s", stamp_strerror(rc));
	if ((rc = prepare_batch(t, kp, req, b, diag)) ||
	    (req->sink && req->out_dir && req->sink->check &&
	     (rc = req->sink->check(b, req->sink->ctx, diag))) ||
	    (rc = stage_gate(t, req, b)))
		goto leave;
	rc = stamp_store_each_reservation(t, find_stale, w);
	if (rc != 0 && rc != 1) /* 1: the sweep is full, the rest goes next time */
		goto leave;
	if ((rc = settle_stale(t, w)))
		goto leave;
	*r = (stamp_reservation){.count = b->count, .created = req->now, .pid = (int32_t)getpid()};
	snprintf(r->host, sizeof r->host, "%s", w->host);
	memcpy(r->product_id, b->product_id, sizeof r->product_id);
	memcpy(r->lot, b->lot, sizeof r->lot);
	if (strlen(tmp) >= sizeof r->tmp) {
		rc = stamp_diag_set(diag, ENAMETOOLONG, "%s: path too long to record", tmp);
		goto leave;
	}
	memcpy(r->tmp, tmp, strlen(tmp) + 1);
	rc = stamp_store_reserve(t, r);
	if (rc == STAMP_EEXIST)
		stamp_diag_set(diag, rc, "product \"%s\" already has a batch with lot \"%s\"",
			       b->product_id, b->lot);
	else if (rc == STAMP_EINPUT)
		stamp_diag_set(diag, rc, "no serials left for %u more stamps", b->count);
	if (rc)
		goto leave;
	b->first_serial = r->first_serial;
	rc = stamp_txn_commit(t, diag); /* the diag names a full disk */
	t = NULL;
leave:
	stamp_txn_abort(t);
	return rc;
}

/* The second transaction: the batch and its stamps, on the reserved serials. */
static int store_batch(stamp_store *st, stamp_batch *b, const uint8_t (*sigs)[STAMP_SIG_BYTES],
		       stamp_diag *diag)
{
	stamp_txn *t;
	int rc = stamp_txn_begin(st, 1, &t);
	if (rc == 0 && (rc = stamp_store_add_batch(t, b)) == STAMP_EEXIST)
		stamp_diag_set(diag, rc, "product \"%s\" already has a batch with lot \"%s\"",
			       b->product_id, b->lot);
	else if (rc == STAMP_ENOTFOUND)
		stamp_diag_set(diag, rc, "serials %llu-%llu are no longer reserved for this batch",
			       (unsigned long long)b->first_serial,
			       (unsigned long long)(b->first_serial + b->count - 1));
	if (rc == 0 && (rc = stamp_store_put_stamps(t, b, sigs)) == 0) {
		rc = stamp_txn_commit(t, diag);
		t = NULL;
	}
	stamp_txn_abort(t);
	if (rc && !diag->msg[0])
		stamp_diag_set(diag, rc, "cannot store the batch: %s", stamp_strerror(rc));
	return rc;
}

/* The batch's folder is in place (or kept, unpublished): the record goes. */
static void forget(stamp_store *st, const stamp_batch *b)
{
	stamp_txn *t;
	if (stamp_txn_begin(st, 1, &t) != 0)
		return; /* a later sweep sees the run is gone and drops it */
	if (stamp_store_del_reservation(t, b->first_serial) == 0 && stamp_txn_commit(t, NULL) == 0)
		return;
	stamp_txn_abort(t);
}

/* A failure after the reservation: its serials stay a recorded gap. */
static void burn(stamp_store *st, stamp_reservation *r)
{
	stamp_txn *t;
	if (stamp_txn_begin(st, 1, &t) != 0)
		return; /* the next issuance burns it (the process is gone by then) */
	r->state = STAMP_RESERVE_BURNED;
	if (stamp_store_put_reservation(t, r) == 0 && stamp_txn_commit(t, NULL) == 0)
		return;
	stamp_txn_abort(t);
}

int stamp_issue(stamp_store *st, const stamp_keypair *kp, const stamp_issue_req *req,
		stamp_batch *out, stamp_diag *diag)
{
	char tmp[PATH_MAX] = "";
	uint8_t(*sigs)[STAMP_SIG_BYTES] = NULL;
	stamp_diag own = {{0}};
	sweep w = {.host = ""};
	char host[STAMP_HOSTNAME_MAX + 1] = "";
	stamp_reservation r;
	stamp_batch b;
	int rc, reserved = 0;

	if (!diag)
		diag = &own;
	if (gethostname(host, sizeof host - 1) == 0)
		w.host = host;
	/* the folder's name is recorded with the serials before it exists */
	if (req->out_dir && (rc = stamp_output_name(req->out_dir, tmp, diag)))
		return rc;
	if ((rc = reserve(st, kp, req, tmp, &b, &w, &r, diag))) {
		tmp[0] = '\0'; /* never created */
		goto leave;
	}
	reserved = 1;
	tell_stale(req, &w);
	if ((req->out_dir && (rc = stamp_output_make_folder(tmp, diag))) ||
	    !(sigs = calloc(b.count, STAMP_SIG_BYTES))) {
		rc = rc ? rc : ENOMEM;
		goto leave;
	}
	if ((rc = produce(kp, &b, sigs, req->out_dir ? tmp : NULL, req->sink, req->threads,
			  req->progress, req->progress_ctx, diag)) ||
	    (rc = store_batch(st, &b, (const uint8_t(*)[STAMP_SIG_BYTES])sigs, diag)))
		goto leave;
	reserved = 0; /* the batch holds the serials now */
	if (req->out_dir && req->finish && (rc = req->finish(st, &b, tmp, req->finish_ctx, diag)))
		note(req, "batch %u: %s", b.id, diag->msg);
	if (req->out_dir && (rc = stamp_output_publish(tmp, req->out_dir, diag)) != 0) {
		stamp_diag_set(diag, STAMP_ENOTPUBLISHED,
			       "batch %u is stored, but %s could not be renamed to %s: %s "
			       "(stampgen render --batch %u writes it again)",
			       b.id, tmp, req->out_dir, strerror(rc), b.id);
		rc = STAMP_ENOTPUBLISHED;
		tmp[0] = '\0'; /* keep the files: they are complete */
	}
	forget(st, &b);
	if (out)
		*out = b;
leave:
	/* the folder first: a kill in between leaves a pending record to sweep */
	stamp_output_discard(tmp);
	if (reserved)
		burn(st, &r);
	free(sigs);
	return rc;
}

int stamp_render_batch(stamp_store *st, uint32_t batch_id, const char *out_dir,
		       const stamp_issue_sink *sink, int threads, stamp_progress_cb progress,
		       void *progress_ctx, stamp_diag *diag)
{
	char tmp[PATH_MAX] = "";
	uint8_t(*sigs)[STAMP_SIG_BYTES] = NULL;
	stamp_txn *t = NULL;
	stamp_batch b;
	int rc;

	if ((rc = stamp_output_reserve(out_dir, 1, tmp, NULL, diag)) ||
	    (rc = stamp_txn_begin(st, 0, &t)))
		goto leave;
	rc = stamp_store_get_batch(t, batch_id, &b);
	if (rc == STAMP_ENOTFOUND) {
		stamp_diag_set(diag, rc, "batch %u does not exist", batch_id);
		goto leave;
	}
	if (rc)
		goto leave;
	sigs = calloc(b.count, STAMP_SIG_BYTES);
	if (!sigs) {
		rc = ENOMEM;
		goto leave;
	}
	if ((rc = stamp_store_batch_sigs(t, &b, sigs)))
		goto leave;
	stamp_txn_abort(t);
	t = NULL;
	rc = produce(NULL, &b, sigs, tmp, sink, threads, progress, progress_ctx, diag);
	if (rc == 0)
		rc = stamp_output_publish(tmp, out_dir, diag);
leave:
	stamp_txn_abort(t);
	stamp_output_discard(tmp);
	free(sigs);
	return rc;
}
