/*
 * vlog_stderr.c - verifyd's log line (server.c's vlog) for unit tests that
 * link verifyd's modules without its server: the same line on stderr.
 */
#include <stdarg.h>
#include <stdio.h>

void vlog(const char *fmt, ...);
void vlog(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("verifyd: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
