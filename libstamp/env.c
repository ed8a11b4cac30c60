/*
 * env.c - the one way an ocopstamp LMDB environment is opened (env.h).
 *
 * The registry and verifyd's scan counts are separate environments (verifyd
 * never takes stampgen's write lock), but they are opened alike; a rule
 * learnt about LMDB on this machine goes here once and holds for both. The
 * same goes for the words a failed write is explained in: every writer of
 * either store calls stamp_env_explain_write.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "internal.h"
#include "stamp/env.h"

int stamp_env_open(const char *dir, unsigned flags, unsigned maxdbs, size_t mapsize,
		   const char *what, MDB_env **out, stamp_diag *diag)
{
	int rdonly = (flags & STAMP_ENV_RDONLY) != 0;
	int create = (flags & STAMP_ENV_CREATE) && !rdonly;
	MDB_env *env = NULL;
	int rc, dead;

	*out = NULL;
	if (create && mkdir(dir, 0700) != 0 && errno != EEXIST)
		return stamp_diag_set(diag, errno, "%s: cannot create: %s", dir, strerror(errno));
	/* before the map: LMDB would read a truncated or damaged file into a signal */
	if ((rc = stamp_datafile_check(dir, create, NULL, NULL, diag)))
		return rc;
	/*
	 * The reader table's size is fixed by the process that opens the
	 * environment when no other has it open: it grows lock.mdb to fit (never
	 * shrinks it); every other opener uses the table as it finds it. So
	 * every opener asks for the same number, or the table is as small as
	 * whichever program happened to come first.
	 */
	if ((rc = mdb_env_create(&env)) || (rc = mdb_env_set_maxdbs(env, maxdbs)) ||
	    (rc = mdb_env_set_maxreaders(env, STAMP_ENV_READERS)) ||
	    (rc = mdb_env_set_mapsize(env, mapsize))) {
		stamp_diag_set(diag, rc, "%s: cannot set up the %s: %s", dir, what,
			       stamp_strerror(rc));
		goto fail;
	}
	rc = mdb_env_open(env, dir,
			  MDB_NOTLS | (rdonly ? MDB_RDONLY : 0) |
				  (flags & STAMP_ENV_NOLOCK ? MDB_NOLOCK : 0),
			  0600);
	if (rc) {
		stamp_diag_set(diag, rc, "%s: cannot open %s: %s", dir, what, stamp_strerror(rc));
		goto fail;
	}
	if (!(flags & STAMP_ENV_NOLOCK))
		mdb_reader_check(env, &dead); /* slots of crashed readers pin old pages */
	*out = env;
	return 0;
fail:
	if (env)
		mdb_env_close(env);
	return rc;
}

int stamp_env_explain_write(MDB_env *env, const char *what, int rc, stamp_diag *diag)
{
	const char *dir = NULL;
	struct statvfs fs;
	MDB_envinfo info;
	uint64_t avail = UINT64_MAX;

	if (rc == 0)
		return 0;
	if (mdb_env_get_path(env, &dir) != 0 || !dir)
		dir = "?";
	if (rc == MDB_MAP_FULL && mdb_env_info(env, &info) == 0)
		return stamp_diag_set(diag, rc,
				      "%s map full (%zu MiB) in %s: the store outgrew the map "
				      "size this program sets (the change was not made)",
				      what, info.me_mapsize >> 20, dir);
	if (statvfs(dir, &fs) == 0)
		avail = (uint64_t)fs.f_bavail * fs.f_frsize;
	/* LMDB reports a short write as EIO; a file size limit is EFBIG */
	if (rc == ENOSPC || ((rc == EIO || rc == EFBIG) && avail < (1u << 20)))
		return stamp_diag_set(diag, rc,
				      "%s: disk full: %llu bytes free on the filesystem holding "
				      "%s (the change was not made)",
				      what, (unsigned long long)avail, dir);
	if (rc == EDQUOT)
		return stamp_diag_set(diag, rc,
				      "%s: disk quota exceeded on the filesystem holding %s (the "
				      "change was not made)",
				      what, dir);
	if (rc == EFBIG)
		return stamp_diag_set(diag, rc,
				      "%s: file size limit reached in %s (ulimit -f) (the change "
				      "was not made)",
				      what, dir);
	return stamp_diag_set(diag, rc, "%s: cannot write in %s: %s (the change was not made)",
			      what, dir, stamp_strerror(rc));
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
