/* vlog_stderr.h - the unit tests' vlog (vlog_stderr.c). */
#ifndef TESTS_VLOG_STDERR_H
#define TESTS_VLOG_STDERR_H

void vlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Lines logged (of the last 256) that contain needle. */
unsigned vlog_count(const char *needle);

#endif
