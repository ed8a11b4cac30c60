/*
 * vlog.h - the log line of verifyd's modules (vlog.c): one line on stderr,
 * "NAME: ...". stampgen's console links the scans modules too and names
 * itself; the unit tests link their own (tests/vlog_stderr.c).
 */
#ifndef VERIFYD_VLOG_H
#define VERIFYD_VLOG_H

extern const char *vlog_name; /* "verifyd" unless the program says otherwise */
void vlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
