/*
 * env.h - opening an LMDB environment the way every ocopstamp store is
 * opened: the registry (store.c) and verifyd's scan counts use this one path.
 *
 * What it settles for every caller: a large map size set up front (address
 * space only; a full map fails writes that would otherwise succeed),
 * MDB_NOTLS (a read transaction may move between a thread pool's threads),
 * files created 0600 in a folder created 0700, the reader slots of
 * crashed processes cleared at open, one reader table size for every opener
 * (STAMP_ENV_READERS), and a data file checked before LMDB maps it: a
 * truncated or damaged data.mdb is refused with STAMP_EBADSTORE and a
 * message naming the file and what is wrong, rather than mapped and read
 * into a SIGBUS or SIGSEGV later.
 */
#ifndef STAMP_ENV_H
#define STAMP_ENV_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/*
 * Reader slots in the lock file: one per read transaction alive at once.
 * verifyd holds one per worker thread (at most 256 threads) plus one while
 * it opens; each stampgen process holds one at a time. 512 leaves room for
 * both, at 64 bytes a slot (a 32 KiB lock file). verifyd refuses a thread
 * count that would not fit.
 */
#define STAMP_ENV_READERS 512

enum {
	STAMP_ENV_RDONLY = 1, /* MDB_RDONLY: never takes the write lock */
	STAMP_ENV_CREATE = 2, /* create the folder if missing */
	STAMP_ENV_NOLOCK = 4, /* MDB_NOLOCK: no lock file used or made (with RDONLY: a copy
				 that no program writes, maybe on read-only media) */
};

/*
 * Open the environment in folder dir with room for maxdbs named databases
 * and a map of mapsize bytes. what names the store in diag ("store", "scans
 * store"). On success *out is open; close it with mdb_env_close().
 *
 * Before LMDB maps DIR/data.mdb, the file is read with pread and checked:
 * both meta pages, and every page of the snapshot that LMDB will read (see
 * libstamp/datafile.c). STAMP_EBADSTORE when it is truncated, damaged or not
 * an LMDB file; an empty file too, unless this open creates a writable store
 * (STAMP_ENV_CREATE without STAMP_ENV_RDONLY), for which missing or empty is
 * a fresh store. This costs one read of the file: well under a second for a
 * 1,000,000-stamp store.
 */
int stamp_env_open(const char *dir, unsigned flags, unsigned maxdbs, size_t mapsize,
		   const char *what, MDB_env **out, stamp_diag *diag) STAMP_WUR;

/*
 * Explain the failure rc of a write (mdb_txn_commit, mdb_put) on env, named
 * what ("store", "scans store"), into diag; returns rc (0: nothing to say).
 * A full filesystem (ENOSPC; EIO, LMDB's code for a short write, or EFBIG
 * with less than 1 MiB free) is named with the free space that statvfs
 * reports for the environment's folder, a full map (MDB_MAP_FULL) with the
 * map size, a quota or a file size limit as such; any other error as it is.
 * Every message ends "(the change was not made)": a failed commit leaves the
 * store as it was.
 */
int stamp_env_explain_write(MDB_env *env, const char *what, int rc, stamp_diag *diag);

/* Bytes in use by the data file: pages up to the last one used. */
int stamp_env_size(MDB_env *env, uint64_t *bytes) STAMP_WUR;

#endif
