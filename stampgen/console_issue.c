/*
 * console_issue.c - (to come)
 */
#include "console.h"

int console_issue_start(console *k)
{
	k->issue = NULL;
	return 0;
}

void console_issue_stop(console *k)
{
	(void)k;
}

const console_route console_issue_routes[] = {
	{NULL, NULL, 0, NULL},
};
