/*
 * verifyd - the public daemon that answers shoppers' scans.
 *
 * Opens the registry read-only and never holds, needs or reads a signing
 * key: public keys come from the registry. Signals are taken by the main
 * thread alone (sigwait): TERM and INT stop cleanly (stop accepting, finish
 * requests in flight, flush scan counts, exit 0); HUP reopens the registry,
 * for when a new snapshot was put in place, without dropping connections.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "verifyd.h"

int main(int argc, char **argv)
{
	config cfg;
	server *srv;
	sigset_t set;
	int sig, rc;

	if (argc > 1 && strcmp(argv[1], "--copy-scans") == 0)
		return scans_copy_main(argc, argv);
	if ((rc = config_load(&cfg, argc, argv)) != 0)
		return rc == CONFIG_DONE ? 0 : rc;
	if (stamp_init() != 0) {
		vlog("cannot initialise libsodium");
		return 2;
	}
	/* block before any thread starts, so that every thread inherits it */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (server_start(&cfg, &srv) != 0)
		return 2;
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			vlog("SIGHUP: reopening the registry");
			server_reload(srv);
			continue;
		}
		vlog("%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		break;
	}
	server_stop(srv);
	rc = server_flush(srv);
	server_free(srv);
	vlog(rc == 0 ? "stopped; scan counts written" : "stopped; scan counts NOT written");
	return rc == 0 ? 0 : 1;
}
