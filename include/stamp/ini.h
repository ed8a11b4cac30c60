/*
 * ini.h - the one way ocopstamp reads an INI file (verifyd's settings, label
 * templates): inih underneath, with the limits every such file gets.
 *
 * inih as Debian builds it cuts a line at 199 bytes and parses the rest as a
 * line of its own (a long trusted_proxy value could end in "port = 9"), and
 * takes an indented line as more of the previous value (an indented
 * "port = 9" would become part of the setting above it). Here a line is at
 * most STAMP_INI_MAX_LINE bytes or the file is refused with its line number,
 * an indented line is an ordinary line, and a file is at most
 * STAMP_INI_MAX_FILE bytes with no NUL byte.
 */
#ifndef STAMP_INI_H
#define STAMP_INI_H

#include "stamp/error.h"

#define STAMP_INI_MAX_LINE 4096
#define STAMP_INI_MAX_FILE (1u << 20)

/* Called for each "name = value" (or "name: value"), with the section it is
 * in ("" before any); the strings are valid during the call only. Return
 * nonzero to go on, 0 to reject the line: the parse then goes on to the end
 * and fails with the first rejected line. */
typedef int (*stamp_ini_handler)(void *user, const char *section, const char *name,
				 const char *value);

/*
 * Parses TEXT, or when TEXT is NULL the file at NAME; NAME names the input in
 * messages. Returns 0; STAMP_EINPUT with *LINE set to the first line refused
 * (too long, a NUL byte, not "name = value" or "[section]", or rejected by
 * the handler) and a diag "NAME:LINE: why" (for a handler's rejection
 * "expected name = value", which the caller replaces with its own reason); or an errno
 * value when the file cannot be read (*LINE 0). Not thread-safe: inih's
 * settings are process-wide, set here for the call.
 */
STAMP_WUR int stamp_ini_parse(const char *name, const char *text, stamp_ini_handler handler,
			      void *user, int *line, stamp_diag *diag);

#endif
