/*
 * hold_env.c - hold an LMDB environment open with a small reader table.
 *
 *   hold_env DIR SLOTS
 *
 * The first process to open an environment sizes its lock file's reader
 * table, and later openers use that size while it stays open: this lets a
 * test give verifyd fewer reader slots than it has threads. Prints "ready",
 * then waits until its standard input closes.
 */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	MDB_env *env;
	char byte;
	if (argc != 3)
		return 2;
	if (mdb_env_create(&env) || mdb_env_set_maxreaders(env, (unsigned)atoi(argv[2])) ||
	    mdb_env_set_maxdbs(env, 16) || mdb_env_open(env, argv[1], MDB_RDONLY, 0600)) {
		fprintf(stderr, "hold_env: cannot open %s\n", argv[1]);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (read(0, &byte, 1) > 0)
		;
	mdb_env_close(env);
	return 0;
}
