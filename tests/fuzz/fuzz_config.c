/*
 * fuzz_config.c - libFuzzer target for verifyd's configuration file
 * (verifyd/config.c: config_parse_text, inih's ini_parse_string underneath).
 *
 * Invariants: a rejected file has at least one message on stderr and every
 * message names the file; an accepted one has none, and every setting lies
 * within the range of verifyd's settings table (verifyd(8)): numbers,
 * booleans, non-empty strings that fit their buffers, a trusted_proxy text
 * that parses to the list kept beside it. Round trip: the accepted settings,
 * written out again as an INI file, parse to the same settings.
 */
#define _GNU_SOURCE
#include "stamp/ini.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "verifyd.h"

#define NAME "fuzz.ini"

/* config_parse_text with its stderr messages caught in *msgs (malloc'd) */
static int parse(config *c, const char *text, char **msgs)
{
	size_t len = 0;
	FILE *saved = stderr, *mem = open_memstream(msgs, &len);

	if (!mem)
		fuzz_fail("open_memstream");
	stderr = mem;
	int rc = config_parse_text(c, text, NAME);
	stderr = saved;
	fclose(mem);
	return rc;
}

static void check_messages(int rc, const char *msgs)
{
	if (rc != 0 && rc != -1)
		fuzz_fail("config_parse_text: %d", rc);
	if (rc == 0) {
		if (msgs[0])
			fuzz_fail("accepted, but said: %s", msgs);
		return;
	}
	if (!msgs[0])
		fuzz_fail("rejected without a message");
	for (const char *line = msgs; *line;) {
		if (!fuzz_starts(line, "verifyd: " NAME ":"))
			fuzz_fail("a message that does not name the file: %.200s", line);
		const char *nl = strchr(line, '\n');
		if (!nl)
			fuzz_fail("a message without its line end");
		line = nl + 1;
	}
}

static void in_range(const char *name, unsigned long long v, unsigned long long lo,
		     unsigned long long hi)
{
	if (v < lo || v > hi)
		fuzz_fail("%s = %llu, outside %llu..%llu", name, v, lo, hi);
}

static void a_string(const char *name, const char *s, size_t size, int may_be_empty)
{
	size_t n = strnlen(s, size);
	if (n == size || (n == 0 && !may_be_empty))
		fuzz_fail("%s: %zu bytes in a buffer of %zu", name, n, size);
}

static void check_settings(const config *c)
{
	char err[160];
	proxy_list pl;

	a_string("listen", c->listen_addr, sizeof c->listen_addr, 0);
	a_string("registry", c->registry, sizeof c->registry, 0);
	a_string("scans", c->scans, sizeof c->scans, 0);
	a_string("trusted_proxy", c->trusted_proxy, sizeof c->trusted_proxy, 1);
	in_range("port", c->port, 1, 65535);
	in_range("threads", c->threads, 0, 256);
	in_range("timeout", c->timeout_s, 1, 3600);
	in_range("head_timeout", c->head_timeout_s, 1, 600);
	in_range("max_connections", c->max_connections, 1, 1000000);
	in_range("per_ip_connections", c->per_ip, 1, 1000000);
	in_range("memory_limit", c->memory_limit, 4096, 1 << 24);
	in_range("backlog", c->backlog, 1, 65535);
	in_range("access_log", (unsigned)c->access_log, 0, 1);
	in_range("suspicious_after", c->suspicious_after, 1, 1000000);
	in_range("repeat_after", c->repeat_after, 0, 86400);
	in_range("client_budget", c->client_budget, 1, 1000000);
	in_range("scanners_per_client", c->scanners_per_client, 1, 1000);
	in_range("cookie", (unsigned)c->cookie, 0, 1);
	if (c->proxies.n > PROXIES_MAX)
		fuzz_fail("%u trusted proxies", c->proxies.n);
	if (proxy_list_parse(c->trusted_proxy, &pl, err, sizeof err) != 0 || pl.n != c->proxies.n ||
	    memcmp(pl.nets, c->proxies.nets, pl.n * sizeof pl.nets[0]))
		fuzz_fail("trusted_proxy \"%s\" is not the list kept", c->trusted_proxy);
}

/* c as an INI file; NULL when a line would be longer than an INI line may be */
static char *write_ini(const config *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		fuzz_fail("open_memstream");
	fprintf(f, "[server]\nlisten=%s\nport=%u\nthreads=%u\ntimeout=%u\nhead_timeout=%u\n",
		c->listen_addr, c->port, c->threads, c->timeout_s, c->head_timeout_s);
	fprintf(f, "max_connections=%u\nper_ip_connections=%u\nmemory_limit=%zu\nbacklog=%u\n",
		c->max_connections, c->per_ip, c->memory_limit, c->backlog);
	fprintf(f, "access_log=%s\ntrusted_proxy=%s\n", c->access_log ? "true" : "false",
		c->trusted_proxy);
	fprintf(f, "[store]\nregistry=%s\nscans=%s\n", c->registry, c->scans);
	fprintf(f, "[verdict]\nsuspicious_after=%u\n", c->suspicious_after);
	fprintf(f, "[scans]\nrepeat_after=%u\nclient_budget=%u\nscanners_per_client=%u\n",
		c->repeat_after, c->client_budget, c->scanners_per_client);
	fprintf(f, "cookie=%s\n", c->cookie ? "yes" : "no");
	fclose(f);
	for (const char *line = text; *line;) {
		size_t n = strcspn(line, "\n");
		if (n > STAMP_INI_MAX_LINE) {
			free(text);
			return NULL;
		}
		line += n + (line[n] == '\n');
	}
	return text;
}

#define SAME_STR(f)                                                                                \
	if (strcmp(a->f, b->f) != 0)                                                               \
	fuzz_fail("written out and parsed again, " #f " \"%s\" became \"%s\"", a->f, b->f)
#define SAME_NUM(f)                                                                                \
	if (a->f != b->f)                                                                          \
	fuzz_fail("written out and parsed again, " #f " %llu became %llu",                         \
		  (unsigned long long)a->f, (unsigned long long)b->f)

static void same_settings(const config *a, const config *b)
{
	SAME_STR(listen_addr);
	SAME_STR(registry);
	SAME_STR(scans);
	SAME_STR(trusted_proxy);
	SAME_NUM(port);
	SAME_NUM(threads);
	SAME_NUM(timeout_s);
	SAME_NUM(head_timeout_s);
	SAME_NUM(max_connections);
	SAME_NUM(per_ip);
	SAME_NUM(memory_limit);
	SAME_NUM(backlog);
	SAME_NUM(access_log);
	SAME_NUM(suspicious_after);
	SAME_NUM(repeat_after);
	SAME_NUM(client_budget);
	SAME_NUM(scanners_per_client);
	SAME_NUM(cookie);
	SAME_NUM(proxies.n);
	if (memcmp(a->proxies.nets, b->proxies.nets, a->proxies.n * sizeof a->proxies.nets[0]))
		fuzz_fail("written out and parsed again, the trusted proxies differ");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size), *msgs = NULL;
	config c, again;

	int rc = parse(&c, text, &msgs);
	fuzz_result = rc;
	check_messages(rc, msgs);
	free(msgs);
	if (rc == 0) {
		check_settings(&c);
		char *out = write_ini(&c);
		if (out) {
			if (parse(&again, out, &msgs) != 0)
				fuzz_fail("the settings written out are refused: %s", msgs);
			free(msgs);
			same_settings(&c, &again);
			free(out);
		}
	}
	free(text);
	return 0;
}
