/*
 * ini.c - INI files read whole and bounded before inih sees them
 * (include/stamp/ini.h says why). The file is read into memory
 * (stamp_file_read, at most STAMP_INI_MAX_FILE bytes), every line measured, then handed to
 * ini_parse_string with inih's runtime settings made to match: no
 * continuation lines, and a heap line buffer as long as the longest line we
 * allow, so that inih never cuts a line itself.
 */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "stamp/ini.h"

_Static_assert(STAMP_INI_MAX_LINE == 4096, "the message in measure() names the limit");

/* The first line that is too long or holds a NUL byte, 0 when none; WHY says which. */
static int measure(const char *text, size_t len, const char **why)
{
	int line = 1;
	for (const char *p = text, *end = text + len; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end;
		if (memchr(p, '\0', (size_t)(stop - p))) {
			*why = "NUL byte in the line";
			return line;
		}
		size_t n = (size_t)(stop - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (n > STAMP_INI_MAX_LINE) {
			*why = "line longer than 4096 bytes";
			return line;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

int stamp_ini_parse(const char *name, const char *text, stamp_ini_handler handler, void *user,
		    int *line, stamp_diag *diag)
{
	char *owned = NULL;
	size_t len;
	const char *why = NULL;
	int rc = 0;

	*line = 0;
	if (!text) {
		if ((rc = stamp_file_read(name, STAMP_INI_MAX_FILE, &owned, &len, diag)) != 0)
			return rc;
		text = owned;
	} else {
		len = strlen(text);
	}
	*line = measure(text, len, &why);
	if (*line) {
		rc = stamp_diag_set(diag, STAMP_EINPUT, "%s:%d: %s", name, *line, why);
		goto leave;
	}
	ini_allow_multiline = false;
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_initial_alloc = 256;
	ini_max_line = STAMP_INI_MAX_LINE + 3; /* '\r', '\n', '\0' */
	*line = ini_parse_string(text, handler, user);
	if (*line < 0) {
		rc = stamp_diag_set(diag, ENOMEM, "%s: %s", name, strerror(ENOMEM));
		*line = 0;
	} else if (*line > 0) {
		rc = stamp_diag_set(diag, STAMP_EINPUT, "%s:%d: expected name = value", name,
				    *line);
	}
leave:
	free(owned);
	return rc;
}
