/*
 * vlog.c - one log line on stderr (vlog.h), cut at 512 bytes.
 */
#include <stdarg.h>
#include <stdio.h>

#include "vlog.h"

const char *vlog_name = "verifyd";

void vlog(const char *fmt, ...)
{
	va_list ap;
	char line[512];
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", vlog_name, line);
}
