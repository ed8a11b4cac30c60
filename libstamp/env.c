/*
 * env.c - the one way an ocopstamp LMDB environment is opened (env.h).
 *
 * The registry and verifyd's scan counts are separate environments (verifyd
 * never takes stampgen's write lock), but they are opened alike; a rule
 * learnt about LMDB on this machine goes here once and holds for both.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "stamp/env.h"

int stamp_env_open(const char *dir, unsigned flags, unsigned maxdbs, size_t mapsize,
		   const char *what, MDB_env **out, stamp_diag *diag)
{
	int rdonly = (flags & STAMP_ENV_RDONLY) != 0;
	MDB_env *env = NULL;
	int rc, dead;

	*out = NULL;
	if ((flags & STAMP_ENV_CREATE) && !rdonly && mkdir(dir, 0700) != 0 && errno != EEXIST)
		return stamp_diag_set(diag, errno, "%s: cannot create: %s", dir, strerror(errno));
	if ((rc = mdb_env_create(&env)) || (rc = mdb_env_set_maxdbs(env, maxdbs)) ||
	    (rc = mdb_env_set_mapsize(env, mapsize))) {
		stamp_diag_set(diag, rc, "%s: cannot set up the %s: %s", dir, what,
			       mdb_strerror(rc));
		goto fail;
	}
	rc = mdb_env_open(env, dir, MDB_NOTLS | (rdonly ? MDB_RDONLY : 0), 0600);
	if (rc) {
		stamp_diag_set(diag, rc, "%s: cannot open %s: %s", dir, what, mdb_strerror(rc));
		goto fail;
	}
	mdb_reader_check(env, &dead); /* slots of crashed readers pin old pages */
	*out = env;
	return 0;
fail:
	if (env)
		mdb_env_close(env);
	return rc;
}

int stamp_env_size(MDB_env *env, uint64_t *bytes)
{
	MDB_envinfo info;
	MDB_stat ms;
	int rc = mdb_env_info(env, &info);
	if (rc == 0)
		rc = mdb_env_stat(env, &ms);
	if (rc == 0)
		*bytes = (uint64_t)(info.me_last_pgno + 1) * ms.ms_psize;
	return rc;
}
