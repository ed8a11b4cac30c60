/*
 * error.c - names for libstamp's error codes and the diag writer.
 *
 * One stamp_strerror() for all three kinds of code a libstamp call returns
 * (errno, LMDB, STAMP_E*), like mdb_strerror() does for LMDB.
 */
#include <lmdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static const char *const names[] = {
	[STAMP_EINPUT - STAMP_EINPUT] = "input rejected",
	[STAMP_EMALFORMED - STAMP_EINPUT] = "not a well-formed stamp code",
	[STAMP_EFORGED - STAMP_EINPUT] = "signature does not verify",
	[STAMP_EUNKNOWNKEY - STAMP_EINPUT] = "unknown key id",
	[STAMP_ENOTFOUND - STAMP_EINPUT] = "not found",
	[STAMP_EEXIST - STAMP_EINPUT] = "already exists",
	[STAMP_EKEYPERM - STAMP_EINPUT] = "secret key file is readable by group or others",
	[STAMP_EPASSPHRASE - STAMP_EINPUT] = "wrong or missing passphrase",
	[STAMP_EKEYFILE - STAMP_EINPUT] = "not a valid key file",
	[STAMP_ECORRUPT - STAMP_EINPUT] = "stored record is damaged or of an unknown version",
	[STAMP_EPRINT - STAMP_EINPUT] = "QR modules would print too small to scan reliably",
	[STAMP_EIMAGE - STAMP_EINPUT] = "image cannot be read",
	[STAMP_ENOCODE - STAMP_EINPUT] = "no stamp code found in the image",
	[STAMP_ECANCELED - STAMP_EINPUT] = "canceled",
	[STAMP_ENOTPUBLISHED - STAMP_EINPUT] = "stored, but the output could not be put in place",
	[STAMP_EBADSTORE - STAMP_EINPUT] = ("the store's data file is truncated, damaged or not an "
					    "LMDB file"),
};
/* every code has its name: a missing one fails the build, not a user */
_Static_assert(sizeof names / sizeof names[0] == STAMP_ELAST - STAMP_EINPUT,
	       "a code without a name");

const char *stamp_strerror(int err)
{
	if (err >= STAMP_EINPUT && err < STAMP_ELAST)
		return names[err - STAMP_EINPUT];
	/*
	 * LMDB found a page of the wrong type, or a page number past the end:
	 * the file is damaged, which an officer must hear in those words.
	 */
	if (err == MDB_CORRUPTED || err == MDB_PAGE_NOTFOUND)
		return err == MDB_CORRUPTED
			       ? "the store's data file is damaged (LMDB found a page of the "
				 "wrong type): run stampgen check, restore a backup"
			       : "the store's data file is damaged (LMDB found a page number "
				 "past its end): run stampgen check, restore a backup";
	if (err == 0 || err > 0 || (err >= MDB_KEYEXIST && err <= MDB_LAST_ERRCODE))
		return mdb_strerror(err); /* mdb_strerror covers errno too */
	return "unknown error";
}

int stamp_diag_set(stamp_diag *diag, int err, const char *fmt, ...)
{
	if (diag) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(diag->msg, sizeof diag->msg, fmt, ap);
		va_end(ap);
		if (n < 0)
			diag->msg[0] = '\0';
		/* truncation is acceptable here: the message stays NUL-terminated */
	}
	return err;
}
