/*
 * bare_mhd.c - the framework's own limit for verifyd (bench/verifyd.sh): a
 * libmicrohttpd server that answers every GET with the same fixed 45-byte
 * JSON body, with the daemon flags and options of verifyd/server.c (epoll
 * internal thread, thread pool, the same connection limits and timeouts,
 * strict parsing, response queued on the handler's second call so that
 * keep-alive stays on). No store, no routing, no allocation per request:
 * whatever verifyd does beyond this is its own cost.
 *
 *   bench_mhd [-a ADDR] [-p PORT] [-t THREADS] [-c CONNECTIONS]
 *             (127.0.0.1, 8081, 2, 1024: verifyd's max_connections default;
 *             libmicrohttpd divides it among the pool's threads)
 *
 * Runs until SIGTERM or SIGINT.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char body[] = "{\"verdict\":\"genuine\",\"schema\":1,\"bench\":true}";
_Static_assert(sizeof body - 1 == 45, "the body is 45 bytes");

static struct MHD_Response *response; /* one, shared by every request */

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	static int first_call_marker;
	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)upload_data;
	if (!*req_cls) {
		*req_cls = &first_call_marker;
		return MHD_YES; /* queue on the second call: keeps keep-alive */
	}
	*upload_data_size = 0;
	return MHD_queue_response(conn, MHD_HTTP_OK, response);
}

static unsigned long parse(const char *s, unsigned long max)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (*s == '\0' || *end || v == 0 || v > max) {
		fprintf(stderr, "bench_mhd: bad number \"%s\"\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1";
	unsigned port = 8081, threads = 2, connections = 1024;
	struct sockaddr_in sa;
	sigset_t set;
	int ch, sig;

	while ((ch = getopt(argc, argv, "a:p:t:c:")) != -1) {
		switch (ch) {
		case 'a':
			addr = optarg;
			break;
		case 'p':
			port = (unsigned)parse(optarg, 65535);
			break;
		case 't':
			threads = (unsigned)parse(optarg, 256);
			break;
		case 'c':
			connections = (unsigned)parse(optarg, 1000000);
			break;
		default:
			fprintf(stderr, "usage: bench_mhd [-a ADDR] [-p PORT] [-t THREADS] "
					"[-c CONNECTIONS]\n");
			return 2;
		}
	}
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "bench_mhd: \"%s\" is not an IPv4 address\n", addr);
		return 2;
	}
	response = MHD_create_response_from_buffer(sizeof body - 1, (void *)body,
						   MHD_RESPMEM_PERSISTENT);
	if (!response)
		return 2;
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/json; charset=utf-8");

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* as verifyd/server.c, with its default limits */
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC, 0, NULL, NULL,
		handle, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
		MHD_OPTION_CONNECTION_LIMIT, connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, 64u,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384, MHD_OPTION_LISTEN_BACKLOG_SIZE,
		511u, MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "bench_mhd: cannot listen on %s port %u\n", addr, port);
		MHD_destroy_response(response);
		return 2;
	}
	fprintf(stderr, "bench_mhd: listening on %s port %u, %u threads\n", addr, port, threads);
	while (sigwait(&set, &sig) != 0)
		;
	MHD_stop_daemon(d);
	MHD_destroy_response(response);
	return 0;
}
