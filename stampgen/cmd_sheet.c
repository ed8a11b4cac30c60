/* cmd_sheet.c - not written yet */
#include "cli.h"

int cmd_sheet(cli *c, int argc, char **argv)
{
	(void)c;
	(void)argc;
	(void)argv;
	cli_err("sheet: not written yet");
	return EXIT_USAGE;
}
