/*
 * console_users.c - (to come)
 */
#include "console.h"

const console_route console_users_routes[] = {
	{NULL, NULL, 0, NULL},
};
