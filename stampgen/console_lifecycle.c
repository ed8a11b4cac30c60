/*
 * console_lifecycle.c - (to come)
 */
#include "console.h"

const console_route console_lifecycle_routes[] = {
	{NULL, NULL, 0, NULL},
};
