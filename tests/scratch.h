/*
 * scratch.h - one temporary folder per test program, for the files a test
 * writes; made by the group setup, removed by the group teardown.
 */
#ifndef STAMP_TEST_SCRATCH_H
#define STAMP_TEST_SCRATCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char scratch_dir[64];

static int scratch_setup(void **state)
{
	(void)state;
	strcpy(scratch_dir, "/tmp/ocopstamp-test.XXXXXX");
	return mkdtemp(scratch_dir) ? 0 : -1;
}

static int scratch_teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* scratch_dir/name into out; fails the test if it does not fit. */
static void path_in_tmp(char *out, size_t cap, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", scratch_dir, name);
	assert_true(n > 0 && (size_t)n < cap);
}

#endif
