/*
 * backup.h - a store's backup and its restore.
 *
 * A backup is one file: a compacted, consistent copy of the store's LMDB
 * data file, taken in a read transaction (verifyd and other readers go on
 * meanwhile; a writer waits for nothing), and beside it FILE.sha256, one line
 * in sha256sum's format, so `sha256sum -c FILE.sha256` checks it too. Both
 * appear whole or not at all. A restore checks the checksum first, then that
 * the file is an ocopstamp store, and only then puts it into an empty store
 * folder: the registry, the stamps, the revocations and the audit chain come
 * back exactly as they were.
 */
#ifndef STAMP_BACKUP_H
#define STAMP_BACKUP_H

#include <stdint.h>
#include <sys/stat.h>

#include "error.h"
#include "store.h"

#define STAMP_SHA256_BYTES 32

/* Write the backup of st to out (and out.sha256); neither may exist. */
int stamp_backup_write(stamp_store *st, const char *out, uint8_t sha256[STAMP_SHA256_BYTES],
		       stamp_diag *diag) STAMP_WUR;

/*
 * Restore backup file into the store folder dir, which must be empty or not
 * exist (STAMP_EEXIST otherwise). STAMP_ECORRUPT when file.sha256 is missing,
 * does not match, or the file is not an ocopstamp store; dir is then left as
 * it was.
 */
int stamp_backup_restore(const char *file, const char *dir, uint8_t sha256[STAMP_SHA256_BYTES],
			 stamp_diag *diag) STAMP_WUR;

/*
 * The SHA-256 of file (read whole, streamed), checked against file.sha256
 * when there is one: *vouched is 1 when it matches, 0 when there is no
 * file.sha256. STAMP_ECORRUPT, diag saying which, when file.sha256 does not
 * match or is not a sha256sum line. st (may be NULL): fstat of the file
 * that was read, so a caller can tell it is the file it opens next.
 */
int stamp_backup_verify(const char *file, uint8_t sha256[STAMP_SHA256_BYTES], int *vouched,
			struct stat *st, stamp_diag *diag) STAMP_WUR;

#endif
