/*
 * fuzz.h - what the fuzz targets share with each other and with replay.c.
 *
 * Every target is one LLVMFuzzerTestOneInput that aborts (fuzz_fail) when an
 * invariant of the parser under test breaks, and sets fuzz_result to what
 * the parser said about the input: 0 accepted, non-zero rejected, FUZZ_NONE
 * for a target with no single verdict. replay.c holds the seeds named ok-*
 * and bad-* to that verdict, so the curated seeds double as a table of
 * accepted and rejected inputs.
 *
 * The parsers that read files are handed a real file: fuzz_file() writes the
 * input into a private folder (on /dev/shm when it exists: no disk I/O),
 * removed when the process exits.
 */
#ifndef STAMP_FUZZ_H
#define STAMP_FUZZ_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FUZZ_NONE INT_MIN

extern int fuzz_result;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Print "fuzz: invariant broken: ..." on fd 2 and abort. */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* The private folder (created on first use); never NULL. */
const char *fuzz_dir(void);

/*
 * Write size bytes of data to fuzz_dir()/name with mode (exactly: not
 * masked), replacing what was there; returns the path (a static buffer per
 * name, valid until the process exits).
 */
const char *fuzz_file(const char *name, const uint8_t *data, size_t size, mode_t mode);

/* data as a NUL-terminated string (malloc'd; a NUL inside ends it early). */
char *fuzz_strndup(const uint8_t *data, size_t size);

/* s starts with prefix */
int fuzz_starts(const char *s, const char *prefix);

#endif
