/*
 * vlog_stderr.c - verifyd's log line (server.c's vlog) for unit tests that
 * link verifyd's modules without its server: the same line on stderr, and
 * the last VLOG_KEEP lines kept for vlog_count (what was logged, how often).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vlog_stderr.h"

#define VLOG_KEEP 256
static char lines[VLOG_KEEP][256];
static unsigned nlines;

void vlog(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(lines[nlines++ % VLOG_KEEP], sizeof lines[0], fmt, ap);
	va_end(ap);
	fprintf(stderr, "verifyd: %s\n", lines[(nlines - 1) % VLOG_KEEP]);
}

unsigned vlog_count(const char *needle)
{
	unsigned n = 0;
	for (unsigned i = 0; i < VLOG_KEEP && i < nlines; i++)
		n += strstr(lines[i], needle) != NULL;
	return n;
}
