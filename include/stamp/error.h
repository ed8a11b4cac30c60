/*
 * error.h - error codes and the caller-owned diagnostic buffer of libstamp.
 *
 * Every libstamp function that can fail returns an int: 0 on success, a
 * positive errno value for system errors, an LMDB code (-30800 ... -30780)
 * passed through from the store, or one of the STAMP_E* codes below.
 * stamp_strerror() names all three kinds.
 *
 * Failures that have context (which file, which line, which field, which rule)
 * also write one human-readable sentence into a caller-owned stamp_diag, when
 * the caller passes one. The library never prints and never exits.
 */
#ifndef STAMP_ERROR_H
#define STAMP_ERROR_H

#define STAMP_WUR __attribute__((warn_unused_result))

enum {
	STAMP_OK = 0,
	STAMP_EINPUT = -32000, /* input rejected; the diag says which rule */
	STAMP_EMALFORMED,      /* stamp code text is not a well-formed code */
	STAMP_EFORGED,	       /* signature does not verify */
	STAMP_EUNKNOWNKEY,     /* code names a key id we do not know */
	STAMP_ENOTFOUND,       /* no such record */
	STAMP_EEXIST,	       /* a record with that id exists already */
	STAMP_EKEYPERM,	       /* secret key file readable by group or others */
	STAMP_EPASSPHRASE,     /* wrong or missing passphrase */
	STAMP_EKEYFILE,	       /* key file damaged or not a key file */
	STAMP_ECORRUPT,	       /* stored record has an unknown version or bad size */
	STAMP_EPRINT,	       /* print gate: modules too small for reliable scanning */
	STAMP_EIMAGE,	       /* image cannot be read */
	STAMP_ENOCODE,	       /* no stamp code found in the image */
	STAMP_ECANCELED,       /* the caller asked to stop */
	STAMP_ENOTPUBLISHED,   /* stored, but the output could not be put in place */
	STAMP_EBADSTORE,       /* the store's data file is truncated, damaged or not LMDB's */
	STAMP_ELAST
};

/* Static string for any code returned by libstamp (never NULL). */
const char *stamp_strerror(int err);

/* Caller-owned context for an error: one sentence, NUL-terminated. */
typedef struct stamp_diag {
	char msg[768];
} stamp_diag;

#endif
