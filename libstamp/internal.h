/*
 * internal.h - helpers shared by the libraries and programs built in this tree
 * (libstamp, libstamp-print, verifyd); never installed. Symbols the print
 * library takes from libstamp.so are exported under the version node
 * STAMP_PRIVATE (libstamp/libstamp.map): no promise to anyone else.
 */
#ifndef STAMP_INTERNAL_H
#define STAMP_INTERNAL_H

#include <stdint.h>
#include <stddef.h>

#include <lmdb.h>

#include "stamp/error.h"
#include "stamp/store.h"

/* Write a formatted sentence into diag (NULL is fine); returns err. */
int stamp_diag_set(stamp_diag *diag, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline void stamp_be_put(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static inline uint64_t stamp_be_get(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/*
 * output.c: a file (folder == 0, *fd set) or folder that appears whole. reserve
 * refuses an existing out (STAMP_EEXIST) and creates "<out>.tmp-XXXXXX" into
 * tmp (PATH_MAX bytes); publish renames it to out; discard removes what is
 * left. Each clears tmp once the temporary name is gone.
 */
int stamp_output_reserve(const char *out, int folder, char *tmp, int *fd, stamp_diag *diag);
int stamp_output_publish(char *tmp, const char *out, stamp_diag *diag);
/*
 * For a folder whose temporary name must be recorded before it exists
 * (issuance): name picks an absolute "<out>.tmp-XXXXXX" into tmp without
 * creating anything (STAMP_EEXIST when out exists); make_folder creates it,
 * 0700, and fails if anything is there (then tmp is cleared: not ours).
 */
int stamp_output_name(const char *out, char *tmp, stamp_diag *diag);
int stamp_output_make_folder(char *tmp, stamp_diag *diag);
void stamp_output_discard(char *tmp);

/*
 * store.c, for the modules that own databases of the store (revocation.c):
 * the LMDB transaction of t and the named database. STAMP_ENOTFOUND when the
 * store predates that database and was opened read-only (it is empty).
 */
int stamp_store_db(stamp_txn *t, const char *name, MDB_txn **txn, MDB_dbi *dbi);
/* store.c, for backup.c: the store's LMDB environment. */
MDB_env *stamp_store_env(stamp_store *st);

/*
 * store.c: record one change made in write transaction t, for its audit
 * entry ("batch 3 issued: ..."). A transaction with changes appends one
 * entry when it commits (audit.c); a long list is cut, with a count.
 */
void stamp_txn_change(stamp_txn *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * datafile.c: check DIR/data.mdb with pread before LMDB maps it (env.h says
 * what is checked). 0 when sound, when missing (LMDB then says so or creates
 * it), or when empty and fresh_ok; STAMP_EBADSTORE with diag naming the file
 * and the first problem; an errno value when it cannot be read. With cb,
 * every problem (up to 50) is also passed to cb, one sentence each (at most
 * STAMP_DATAFILE_PROBLEM_MAX bytes); cb returns non-zero to stop.
 */
#define STAMP_DATAFILE_PROBLEM_MAX 256
typedef int (*stamp_datafile_cb)(const char *problem, void *ctx);
int stamp_datafile_check(const char *dir, int fresh_ok, stamp_datafile_cb cb, void *ctx,
			 stamp_diag *diag) STAMP_WUR;

/* verify.c: host ("HOST[:PORT]", upper case) is the host of base ("HTTPS://HOST"). */
int stamp_same_host(const char *host, const char *base);

/* audit.c, from stamp_txn_commit: fills e->seq, prev and hash; appends. */
struct stamp_audit_entry;
int stamp_audit_append(stamp_txn *t, struct stamp_audit_entry *e);

/*
 * registry.c, for import.c to reject a CSV that lacks a required column
 * before reading any row: 1 required, 0 optional, -1 no such field.
 */
int stamp_registry_required(int product, const char *field);
/* registry.c: an id (1 to 32 of A-Z a-z 0-9 - _ .), 1 or 0; for event.c too. */
int stamp_id_valid(const char *v);
/* registry.c: the GS1 mod-10 check digit of the n digits v (the last one is its place). */
int stamp_gs1_check_digit(const char *v, size_t n);

/* base32 (RFC 4648, no padding), see base32.c */
size_t stamp_b32_len(size_t nbytes);
void stamp_b32_encode(const uint8_t *in, size_t n, char *out); /* writes stamp_b32_len(n) + NUL */
/* Strict: exact length for n bytes, alphabet (any case), zero pad bits. 0 or -1. */
int stamp_b32_decode(const char *in, size_t len, uint8_t *out, size_t n);

/*
 * tabular.c: the file at path (at most max bytes) as UTF-8 text without a BOM
 * (UTF-16 with a BOM converted), NUL-terminated and malloc'd in *text, with
 * the separator its header row uses (',', ';' or tab) in *delim.
 * STAMP_EINPUT with one line of diag saying what to do when it is not text
 * a spreadsheet program saved; an errno value when it cannot be read.
 */
int stamp_tabular_read(const char *path, size_t max, char **text, size_t *len, unsigned char *delim,
		       stamp_diag *diag);
/*
 * user.c: an account's record under its key (the name), checked (version,
 * role, flags, an Argon2id hash string); STAMP_ECORRUPT when it is not one.
 */
struct stamp_user;
int stamp_unrec_user(const MDB_val *k, const MDB_val *v, struct stamp_user *out);
/* tabular.c: the file whole (at most max bytes), NUL-terminated, malloc'd. */
int stamp_file_read(const char *path, size_t max, char **out, size_t *len, stamp_diag *diag);

/*
 * xlsx.c: the rows of a sheet (sheet_name, or the first) of the .xlsx
 * workbook in data: cb gets Excel's row number and the row's cells as text,
 * up to the last one that holds something (rows without any are skipped);
 * cb returns non-zero to stop. Dates under a date format are YYYY-MM-DD
 * (and HH:MM), whole numbers their digits. STAMP_EINPUT with diag when it
 * is not a workbook we can read.
 */
typedef int (*stamp_xlsx_row_cb)(size_t row, const char *const *cells, size_t n, void *ctx);
int stamp_xlsx_rows(const char *path, const void *data, size_t len, const char *sheet_name,
		    stamp_xlsx_row_cb cb, void *ctx, stamp_diag *diag);

#endif
