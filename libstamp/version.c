/*
 * version.c - the version of the running library (version.h), so a program
 * can tell it apart from the headers it was compiled with.
 */
#include "stamp/version.h"

const char *stamp_version(void)
{
	return STAMP_VERSION;
}
