/*
 * env.h - opening an LMDB environment the way every ocopstamp store is
 * opened: the registry (store.c) and verifyd's scan counts use this one path.
 *
 * What it settles for every caller: a large map size set up front (address
 * space only; a full map fails writes that would otherwise succeed),
 * MDB_NOTLS (a read transaction may move between a thread pool's threads),
 * files created 0600 in a folder created 0700, and the reader slots of
 * crashed processes cleared at open.
 */
#ifndef STAMP_ENV_H
#define STAMP_ENV_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum {
	STAMP_ENV_RDONLY = 1, /* MDB_RDONLY: never takes the write lock */
	STAMP_ENV_CREATE = 2, /* create the folder if missing */
};

/*
 * Open the environment in folder dir with room for maxdbs named databases
 * and a map of mapsize bytes. what names the store in diag ("store", "scans
 * store"). On success *out is open; close it with mdb_env_close().
 */
int stamp_env_open(const char *dir, unsigned flags, unsigned maxdbs, size_t mapsize,
		   const char *what, MDB_env **out, stamp_diag *diag) STAMP_WUR;

/* Bytes in use by the data file: pages up to the last one used. */
int stamp_env_size(MDB_env *env, uint64_t *bytes) STAMP_WUR;

#endif
