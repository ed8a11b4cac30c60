/*
 * errs.h - collects the problems an import reports (stamp_import_err_cb),
 * one a line, for the tests of the CSV import to look into.
 */
#ifndef STAMP_TEST_ERRS_H
#define STAMP_TEST_ERRS_H

#include <stdio.h>
#include <string.h>

struct errs {
	char buf[8192];
	size_t n;
};

static void collect(const char *msg, void *ctx)
{
	struct errs *e = ctx;
	size_t used = strlen(e->buf);
	snprintf(e->buf + used, sizeof e->buf - used, "%s\n", msg);
	e->n++;
}

#endif
