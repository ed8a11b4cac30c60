/*
 * datafile.c - an LMDB data file (DIR/data.mdb) read with pread before LMDB
 * maps it.
 *
 * LMDB trusts its file: it maps it and follows page numbers and node offsets
 * without bounds checks. A truncated copy (an interrupted scp, a full disk
 * during a snapshot) makes the first read past the end a SIGBUS; a page of
 * random bytes (a bad sector, a stray dd) makes node offsets point anywhere,
 * and a SIGSEGV inside liblmdb or in a record decoder follows, as measured
 * here on damaged copies (docs/decisions.md, 2026-12-01). A daemon that
 * serves the public must refuse such a file rather than crash on some later
 * request, so every environment is checked here first (env.c):
 *
 *  - both meta pages: the page header (P_META, its own page number), the
 *    magic, the data version, a page size that is a power of two from 512 to
 *    65536, and for each the last used page and the roots of its two core
 *    databases within the file;
 *  - the snapshot that LMDB will open (the newer meta): every page reachable
 *    from its roots, once each, with its header, its nodes inside the page,
 *    overflow runs inside the file, and the named databases' roots; and the
 *    free list, because LMDB may leave the last pages of a file unwritten
 *    when they are free ("the file may be shorter if the freeDB lists the
 *    final pages", mdb.c): a shorter file is sound exactly when every page
 *    past its end is free.
 *
 * The layout is LMDB 0.9's (mdb.c, MDB_page, MDB_meta, MDB_db, MDB_node),
 * mirrored below with the same C types so the offsets are the compiler's as
 * they are for liblmdb. It costs one pread a page: a 1,000,000-stamp store
 * (about 100 MB) is read in well under a second.
 *
 * A writer may commit while we read. LMDB reuses a page of the snapshot we
 * walk only after two more commits, each of which writes a meta page: when a
 * problem is seen and the newer meta has moved on, the walk starts again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* mdb.c's structures, field for field (pgno_t and txnid_t are size_t) */
typedef struct lm_db {
	uint32_t pad; /* the page size, in the free database of a meta */
	uint16_t flags, depth;
	size_t branch_pages, leaf_pages, overflow_pages, entries, root;
} lm_db;

typedef struct lm_meta {
	uint32_t magic, version;
	void *address;
	size_t mapsize;
	lm_db dbs[2]; /* FREE_DBI, MAIN_DBI */
	size_t last_pg;
	size_t txnid;
} lm_meta;

typedef struct lm_page {
	size_t pgno;
	uint16_t pad, flags;
	uint16_t lower, upper; /* for an overflow page: a uint32_t page count */
	uint16_t ptrs[1];
} lm_page;

#define HDR ((size_t)offsetof(lm_page, ptrs)) /* PAGEHDRSZ */
#define NODE 8				      /* NODESIZE: lo, hi, flags, ksize */
#define MAGIC 0xBEEFC0DEu
#define DATA_VERSION 1
#define INVALID ((size_t)-1) /* P_INVALID: an empty database */
#define FREE_DBI 0
#define MAIN_DBI 1
#define STACK 32 /* CURSOR_STACK: LMDB's deepest tree */
#define TRIES 4	 /* walks while a writer keeps committing */
#define MAX_PROBLEMS 50

enum {
	P_BRANCH = 0x01,
	P_LEAF = 0x02,
	P_OVERFLOW = 0x04,
	P_META = 0x08,
	P_LEAF2 = 0x20,
	/* bits of pages in memory that are harmless on disk */
	P_SPARE = 0x10 | 0x40 | 0x4000 | 0x8000,
	F_BIGDATA = 0x01,
	F_SUBDATA = 0x02,
	F_DUPDATA = 0x04,
};

_Static_assert(sizeof(void *) != 8 ||
		       (HDR == 16 && sizeof(lm_db) == 48 && offsetof(lm_meta, last_pg) == 120),
	       "LMDB's 64-bit layout");

typedef struct walker {
	int fd;
	uint64_t fsize, npages; /* npages: whole pages in the file */
	unsigned psize;
	lm_meta meta;		 /* the snapshot walked */
	uint8_t *seen, *free;	 /* bitmaps over pages 0 .. last_pg */
	uint8_t *buf[STACK + 1]; /* a page per level, and one for overflow heads */
	char where[80];		 /* " of database \"stamps\"", for messages */
	stamp_datafile_cb cb;	 /* NULL: stop at the first problem */
	void *ctx;
	unsigned problems;
	int stop; /* no more reports wanted */
	int err;  /* an I/O error (errno) */
	char first[STAMP_DATAFILE_PROBLEM_MAX];
} walker;

static int bit(const uint8_t *map, uint64_t i)
{
	return (map[i >> 3] >> (i & 7)) & 1;
}

static void set_bit(uint8_t *map, uint64_t i)
{
	map[i >> 3] |= (uint8_t)(1u << (i & 7));
}

/* Record one problem; always 0 (not sound), for "return problem(...)". */
__attribute__((format(printf, 2, 3))) static int problem(walker *w, const char *fmt, ...)
{
	char msg[STAMP_DATAFILE_PROBLEM_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		msg[0] = '\0';
	if (w->problems++ == 0)
		memcpy(w->first, msg, sizeof msg);
	if (!w->cb) {
		w->stop = 1;
	} else if (w->problems > MAX_PROBLEMS) {
		w->cb("too many problems: the rest are not listed", w->ctx);
		w->stop = 1;
	} else if (w->cb(msg, w->ctx)) {
		w->stop = 1;
	}
	return 0;
}

/* n bytes at off; 0 or -1 (w->err set). */
static int read_at(walker *w, void *buf, size_t n, uint64_t off)
{
	size_t done = 0;
	while (done < n) {
		ssize_t r = pread(w->fd, (char *)buf + done, n - done, (off_t)(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			w->err = r < 0 ? errno : EIO; /* EOF: the file shrank after fstat */
			w->stop = 1;
			return -1;
		}
		done += (size_t)r;
	}
	return 0;
}

static uint16_t u16_at(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

static size_t size_at(const uint8_t *p)
{
	size_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

static int truncated(walker *w)
{
	return problem(w, "truncated: %llu bytes, but its last page ends at %llu (page size %u)",
		       (unsigned long long)w->fsize,
		       (unsigned long long)(w->meta.last_pg + 1) * w->psize, w->psize);
}

/* A page of this snapshot, inside the file, not met before: 1, else 0. */
static int page_ok(walker *w, size_t pgno, const char *what)
{
	if (pgno < 2 || pgno > w->meta.last_pg)
		return problem(w, "%s names page %zu, outside the snapshot (pages 2 to %zu)", what,
			       pgno, w->meta.last_pg);
	if (pgno >= w->npages) /* then the snapshot ends past the file too */
		return truncated(w);
	if (bit(w->seen, pgno))
		return problem(w, "page %zu%s is used twice (a loop or a cross-link)", pgno,
			       w->where);
	set_bit(w->seen, pgno);
	return 1;
}

static int walk_page(walker *w, size_t pgno, int level, int is_free);

/* The overflow run at pgno that holds dsize bytes: 1 when sound. */
static int overflow_ok(walker *w, size_t pgno, size_t dsize)
{
	uint8_t *b = w->buf[STACK];
	lm_page h;
	uint32_t pages;
	if (!page_ok(w, pgno, "a large value") || read_at(w, b, HDR, (uint64_t)pgno * w->psize))
		return 0;
	memcpy(&h, b, HDR);
	memcpy(&pages, b + offsetof(lm_page, lower), 4);
	if (h.pgno != pgno || (h.flags & ~P_SPARE) != P_OVERFLOW || pages == 0 ||
	    pages > w->meta.last_pg - pgno + 1 || (uint64_t)pages * w->psize - HDR < dsize)
		return problem(w, "overflow page %zu%s is damaged", pgno, w->where);
	for (uint32_t i = 1; i < pages; i++)
		if (!page_ok(w, pgno + i, "a large value"))
			return 0;
	return 1;
}

/* A free-list record (an IDL: count, then page numbers): mark them free. */
static int free_record(walker *w, const uint8_t *data, size_t dsize, size_t ovpg)
{
	uint8_t *ids = NULL;
	int ok = 1;
	if (ovpg) {
		if (!(ids = malloc(dsize ? dsize : 1))) {
			w->err = ENOMEM;
			w->stop = 1;
			return 0;
		}
		if (read_at(w, ids, dsize, (uint64_t)ovpg * w->psize + HDR)) {
			free(ids);
			return 0;
		}
		data = ids;
	}
	size_t n = dsize >= sizeof(size_t) ? size_at(data) : 0;
	if (dsize < sizeof(size_t) || n > dsize / sizeof(size_t) - 1)
		ok = problem(w, "a record of the free list is damaged");
	for (size_t i = 1; ok && i <= n; i++) {
		size_t pg = size_at(data + i * sizeof(size_t));
		if (pg < 2 || pg > w->meta.last_pg)
			ok = problem(w, "the free list names page %zu, outside the snapshot", pg);
		else
			set_bit(w->free, pg);
	}
	free(ids);
	return ok;
}

/* The tree of an MDB_db record: a named database, or a key's duplicates. */
static int sub_tree(walker *w, const uint8_t *key, size_t ksize, const uint8_t *data, size_t dsize,
		    int level, int named)
{
	char outer[sizeof w->where];
	lm_db db;
	if (dsize != sizeof db)
		return problem(w, "the record of a database%s is damaged", w->where);
	memcpy(&db, data, sizeof db);
	if (db.root == INVALID)
		return 1;
	memcpy(outer, w->where, sizeof outer);
	if (named) {
		int n = snprintf(w->where, sizeof w->where, " of database \"%.*s",
				 (int)(ksize < 40 ? ksize : 40), (const char *)key);
		for (int i = 15; i < n && i < (int)sizeof w->where; i++)
			if ((unsigned char)w->where[i] < 0x20 || (unsigned char)w->where[i] > 0x7E)
				w->where[i] = '?';
		strcat(w->where, "\"");
	}
	int ok = walk_page(w, db.root, level + 1, 0);
	memcpy(w->where, outer, sizeof outer);
	return ok;
}

/* Node i of page b (pgno) lies inside len bytes, from its upper bound. */
static int node_in(const uint8_t *b, size_t len, size_t upper, unsigned i)
{
	size_t o = u16_at(b + HDR + 2 * i);
	return o >= upper && o + NODE <= len && o + NODE + u16_at(b + o + 6) <= len;
}

/* A sub-page of duplicates held in a node (F_DUPDATA): its nodes inside it. */
static int subpage_ok(walker *w, size_t pgno, const uint8_t *sp, size_t len)
{
	lm_page h;
	if (len < HDR)
		return problem(w, "page %zu%s: a sub-page is damaged", pgno, w->where);
	memcpy(&h, sp, HDR);
	unsigned n = h.lower >= HDR ? (h.lower - (unsigned)HDR) / 2 : 0;
	int ok = h.lower >= HDR && h.lower <= h.upper && h.upper <= len;
	if (ok && (h.flags & P_LEAF2))
		ok = (uint64_t)n * h.pad <= len - HDR;
	for (unsigned i = 0; ok && !(h.flags & P_LEAF2) && i < n; i++)
		ok = node_in(sp, len, h.upper, i) &&
		     u16_at(sp + u16_at(sp + HDR + 2 * i)) == 0; /* keys only */
	return ok ? 1 : problem(w, "page %zu%s: a sub-page is damaged", pgno, w->where);
}

/* The value of a leaf node: inline, on overflow pages, or a tree. */
static int leaf_value(walker *w, const lm_page *h, const uint8_t *nd, unsigned i, int level,
		      int is_free, int is_main)
{
	uint16_t fl = u16_at(nd + 4), ksize = u16_at(nd + 6);
	size_t dsize = u16_at(nd) | (size_t)u16_at(nd + 2) << 16, ovpg = 0;
	const uint8_t *key = nd + NODE, *data = key + ksize;
	size_t room = w->psize - (size_t)(data - w->buf[level]);

	if ((fl & ~(F_BIGDATA | F_SUBDATA | F_DUPDATA)) ||
	    ((fl & F_SUBDATA) && !is_main && !(fl & F_DUPDATA)) ||
	    ((fl & F_BIGDATA) && (fl & (F_SUBDATA | F_DUPDATA))))
		return problem(w, "page %zu%s: node %u has impossible flags", h->pgno, w->where, i);
	if (fl & F_BIGDATA) {
		if (room < sizeof(size_t))
			return problem(w, "page %zu%s: node %u lies outside the page", h->pgno,
				       w->where, i);
		if (!overflow_ok(w, (ovpg = size_at(data)), dsize))
			return 0;
	} else if (dsize > room) {
		return problem(w, "page %zu%s: the value of node %u runs past the page", h->pgno,
			       w->where, i);
	}
	if (is_free)
		return free_record(w, data, dsize, ovpg);
	if (fl & F_SUBDATA)
		return sub_tree(w, key, ksize, data, dsize, level, !(fl & F_DUPDATA));
	if (fl & F_DUPDATA)
		return subpage_ok(w, h->pgno, data, dsize);
	return 1;
}

/* The n nodes of branch or leaf page b (header h). */
static int walk_nodes(walker *w, const uint8_t *b, const lm_page *h, unsigned n, int level,
		      int is_free, int is_main)
{
	for (unsigned i = 0; i < n && !w->stop; i++) {
		if (!node_in(b, w->psize, h->upper, i))
			return problem(w, "page %zu%s: node %u lies outside the page", h->pgno,
				       w->where, i);
		const uint8_t *nd = b + u16_at(b + HDR + 2 * i);
		if (h->flags & P_BRANCH) {
			size_t child = u16_at(nd) | (size_t)u16_at(nd + 2) << 16;
			if (sizeof(size_t) > 4) /* PGNO_TOPWORD: the flags hold bits 32-47 */
				child |= (size_t)u16_at(nd + 4) << 16 << 16;
			walk_page(w, child, level + 1, is_free); /* on with its siblings */
		} else {
			leaf_value(w, h, nd, i, level, is_free, is_main);
		}
	}
	return !w->stop;
}

/* Page pgno and everything below it: 1 when sound. */
static int walk_page(walker *w, size_t pgno, int level, int is_free)
{
	lm_page h;
	uint8_t *b = w->buf[level < STACK ? level : 0];
	if (level >= STACK)
		return problem(w, "a tree%s is deeper than LMDB allows (a loop?)", w->where);
	if (!page_ok(w, pgno, is_free ? "the free list" : "a branch") ||
	    read_at(w, b, w->psize, (uint64_t)pgno * w->psize))
		return 0;
	memcpy(&h, b, HDR);
	unsigned type = h.flags & ~P_SPARE, n = (h.lower - (unsigned)HDR) / 2;
	if (h.pgno != pgno)
		return problem(w, "page %zu%s is damaged (it says it is page %zu)", pgno, w->where,
			       h.pgno);
	if ((type != P_BRANCH && type != P_LEAF && type != (P_LEAF | P_LEAF2)) || h.lower < HDR ||
	    h.lower > h.upper || h.upper > w->psize || (h.lower - HDR) % 2)
		return problem(w, "page %zu%s is damaged (not a B-tree page)", pgno, w->where);
	if (type & P_LEAF2) /* MDB_DUPFIXED keys, packed after the header */
		return (uint64_t)n * h.pad <= w->psize - HDR
			       ? 1
			       : problem(w, "page %zu%s: its keys run past the page", pgno,
					 w->where);
	if (type == P_BRANCH && n < (is_free ? 1u : 2u))
		return problem(w, "branch page %zu%s has %u keys", pgno, w->where, n);
	return walk_nodes(w, b, &h, n, level, is_free, !is_free && !w->where[0]);
}

/* Meta page i into *m; 0, or -1 after a problem. */
static int meta_at(walker *w, int i, lm_meta *m)
{
	uint8_t b[offsetof(lm_page, ptrs) + sizeof(lm_meta)];
	uint64_t off = i == 0 ? 0 : w->psize;
	lm_page h;
	if (w->fsize < off + sizeof b)
		return problem(w, "truncated: %llu bytes, too short for meta page %d",
			       (unsigned long long)w->fsize, i) -
		       1;
	if (read_at(w, b, sizeof b, off))
		return -1;
	memcpy(&h, b, HDR);
	memcpy(m, b + HDR, sizeof *m);
	if (m->magic != MAGIC || !(h.flags & P_META))
		return problem(w, "not an LMDB file (bad magic in meta page %d)", i) - 1;
	if (h.pgno != (size_t)i)
		return problem(w, "meta page %d is damaged (it says it is page %zu)", i, h.pgno) -
		       1;
	if (m->version != DATA_VERSION)
		return problem(w, "LMDB data version %u in meta page %d, this program reads %d",
			       m->version, i, DATA_VERSION) -
		       1;
	unsigned ps = m->dbs[FREE_DBI].pad;
	if (ps < 512 || ps > 65536 || (ps & (ps - 1)) || (i == 1 && ps != w->psize))
		return problem(w,
			       "meta page %d: page size %u is not a power of two from 512 to "
			       "65536 (or differs from meta page 0's)",
			       i, ps) -
		       1;
	if (m->last_pg < 1 || m->last_pg >= SIZE_MAX / ps)
		return problem(w, "meta page %d: last page %zu is impossible", i, m->last_pg) - 1;
	for (int d = 0; d < 2; d++)
		if (m->dbs[d].root != INVALID &&
		    (m->dbs[d].root < 2 || m->dbs[d].root > m->last_pg))
			return problem(w,
				       "meta page %d: the root of the %s database (page %zu) is "
				       "not a page of its snapshot (2 to %zu)",
				       i, d == FREE_DBI ? "free" : "main", m->dbs[d].root,
				       m->last_pg) -
			       1;
	w->psize = ps;
	return 0;
}

static int alloc_maps(walker *w)
{
	size_t bytes = w->meta.last_pg / 8 + 1;
	free(w->seen);
	free(w->free);
	w->seen = calloc(1, bytes);
	w->free = calloc(1, bytes);
	for (int i = 0; i <= STACK; i++)
		if (!w->buf[i])
			w->buf[i] = malloc(65536);
	if (!w->seen || !w->free || !w->buf[STACK]) {
		w->err = ENOMEM;
		return -1;
	}
	return 0;
}

/* Snapshot m: its free list, its tail, and when full every page in use. */
static int walk_snapshot(walker *w, const lm_meta *m, int full)
{
	uint64_t end = (uint64_t)(m->last_pg + 1) * w->psize;
	w->meta = *m; /* before truncated() reads it */
	w->where[0] = '\0';
	if (alloc_maps(w))
		return -1;
	if (m->dbs[FREE_DBI].root != INVALID && !walk_page(w, m->dbs[FREE_DBI].root, 0, 1))
		return -1;
	for (uint64_t p = w->npages; end > w->fsize && p <= m->last_pg; p++)
		if (!bit(w->free, p))
			return truncated(w) - 1;
	if (full && m->dbs[MAIN_DBI].root != INVALID && !walk_page(w, m->dbs[MAIN_DBI].root, 0, 0))
		return -1;
	for (uint64_t p = 2; full && p <= m->last_pg && !w->stop; p++)
		if (bit(w->seen, p) && bit(w->free, p))
			problem(w, "page %llu is both in use and on the free list",
				(unsigned long long)p);
	return w->problems || w->err ? -1 : 0;
}

/* One pass over the file; the txnid of the newer meta in *txnid. */
static int pass(walker *w, uint64_t *txnid)
{
	lm_meta m[2];
	w->problems = 0;
	w->stop = 0;
	w->psize = 0;
	*txnid = 0;
	if (meta_at(w, 0, &m[0]) || meta_at(w, 1, &m[1]))
		return -1;
	w->npages = w->fsize / w->psize;
	int newer = m[1].txnid > m[0].txnid;
	*txnid = m[newer].txnid;
	/* the older snapshot, which LMDB keeps for a reader: only its tail */
	if ((uint64_t)(m[!newer].last_pg + 1) * w->psize > w->fsize &&
	    walk_snapshot(w, &m[!newer], 0))
		return -1;
	return walk_snapshot(w, &m[newer], 1);
}

/* The txnid of the newer meta now, quietly. */
static int newest_txnid(const walker *w, uint64_t *txnid)
{
	walker q = {.fd = w->fd, .fsize = w->fsize};
	lm_meta m0, m1;
	if (meta_at(&q, 0, &m0) || meta_at(&q, 1, &m1))
		return -1;
	*txnid = m1.txnid > m0.txnid ? m1.txnid : m0.txnid;
	return 0;
}

int stamp_datafile_check(const char *dir, int fresh_ok, stamp_datafile_cb cb, void *ctx,
			 stamp_diag *diag)
{
	char path[4096];
	struct stat sb;
	walker w = {.fd = -1};
	uint64_t before = 0, after = 0;
	int rc = 0, ok = 0, n = snprintf(path, sizeof path, "%s/data.mdb", dir);

	if (n < 0 || (size_t)n >= sizeof path)
		return stamp_diag_set(diag, ENAMETOOLONG, "%s: path too long", dir);
	w.fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (w.fd < 0)
		return 0; /* missing or unreadable: LMDB says so, or creates it */
	if (fstat(w.fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		rc = stamp_diag_set(diag, STAMP_EBADSTORE, "%s: not a regular file", path);
		goto leave;
	}
	w.fsize = (uint64_t)sb.st_size;
	if (w.fsize == 0) {
		if (!fresh_ok)
			rc = stamp_diag_set(diag, STAMP_EBADSTORE,
					    "%s: empty (0 bytes): restore a backup or a complete "
					    "snapshot",
					    path);
		goto leave;
	}
	/* quiet passes until one is settled: no writer committed during it */
	for (int i = 0; i < TRIES && !ok && !w.err; i++) {
		if ((ok = pass(&w, &before) == 0) || w.err)
			break;
		if (newest_txnid(&w, &after) != 0)
			break;
		if (after == before)
			break;
	}
	if (!ok && !w.err && cb) { /* the settled damage, every problem of it */
		w.cb = cb;
		w.ctx = ctx;
		pass(&w, &before);
	}
	if (w.err)
		rc = stamp_diag_set(diag, w.err, "%s: cannot read: %s", path, strerror(w.err));
	else if (!ok)
		rc = stamp_diag_set(diag, STAMP_EBADSTORE,
				    "%s: %s: restore a backup or a complete snapshot", path,
				    w.first);
leave:
	for (int i = 0; i <= STACK; i++)
		free(w.buf[i]);
	free(w.seen);
	free(w.free);
	close(w.fd);
	return rc;
}
