/*
 * config.c - verifyd's settings: defaults, then an INI file (stamp_ini_parse), then
 * command-line flags, which win. Every number is range-checked; an unknown
 * key in the file is an error (a typo must not silently keep a default).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stamp/ini.h"
#include "stamp/version.h"
#include "verifyd.h"

typedef struct setting {
	const char *section, *name, *flag;
	enum { T_STR, T_UINT, T_SIZE, T_BOOL, T_PROXIES } type;
	size_t offset, size; /* size: of the string buffer */
	unsigned long long min, max;
	const char *help;
} setting;

#define STR(sec, n, f, field, h)                                                                   \
	{                                                                                          \
		sec, n, f, T_STR, offsetof(config, field), sizeof(((config *)0)->field), 0, 0, h   \
	}
#define UINT(sec, n, f, field, lo, hi, h)                                                          \
	{                                                                                          \
		sec, n, f, T_UINT, offsetof(config, field), 0, lo, hi, h                           \
	}

static const setting settings[] = {
	STR("server", "listen", "listen", listen_addr, "address to listen on (127.0.0.1)"),
	UINT("server", "port", "port", port, 1, 65535, "TCP port (8080)"),
	UINT("server", "threads", "threads", threads, 0, 256,
	     "worker threads, 0 = one per core (0)"),
	UINT("server", "timeout", "timeout", timeout_s, 1, 3600, "idle connection timeout, s (10)"),
	UINT("server", "head_timeout", "head-timeout", head_timeout_s, 1, 600,
	     "deadline for a whole request head, however it trickles, s (5)"),
	UINT("server", "max_connections", "max-connections", max_connections, 1, 1000000,
	     "connections in all (1024)"),
	UINT("server", "per_ip_connections", "per-ip", per_ip, 1, 1000000,
	     "connections per client address (64)"),
	{"server", "memory_limit", "memory-limit", T_SIZE, offsetof(config, memory_limit), 0, 4096,
	 1 << 24, "bytes per connection, bounds URL and headers (16384)"},
	UINT("server", "backlog", "backlog", backlog, 1, 65535, "listen backlog (511)"),
	{"server", "access_log", "access-log", T_BOOL, offsetof(config, access_log), 0, 0, 1,
	 "one line per request on stderr (false)"},
	{"server", "trusted_proxy", "trusted-proxy", T_PROXIES, offsetof(config, trusted_proxy),
	 sizeof(((config *)0)->trusted_proxy), 0, 0,
	 "proxies whose X-Forwarded-For/X-Real-IP name the client, e.g. 127.0.0.1,::1 (none)"},
	STR("server", "public_url", "public-url", public_url,
	    "origin of the links in GS1 Digital Link answers, e.g. https://tem.example.vn "
	    "(from Host)"),
	STR("store", "registry", "registry", registry, "registry store folder, opened read-only"),
	STR("store", "scans", "scans", scans,
	    "scan counts: a folder written by verifyd, or a shared Redis: "
	    "redis://[:PASSWORD@]HOST[:PORT][/DB] or unix:PATH"),
	STR("store", "scans_password", "scans-password", scans_password,
	    "Redis password when the URL has none (none)"),
	UINT("verdict", "suspicious_after", "suspicious-after", suspicious_after, 1, 1000000,
	     "distinct scanners after which a stamp is flagged as a likely copy (20)"),
	UINT("scans", "repeat_after", "repeat-after", repeat_after, 0, 86400,
	     "s within which one scanner's scans of a stamp count once (3600)"),
	UINT("scans", "client_budget", "client-budget", client_budget, 1, 1000000,
	     "counted scans per client address per minute (30)"),
	UINT("scans", "scanners_per_client", "scanners-per-client", scanners_per_client, 1, 1000,
	     "new scanners one client address adds to one stamp per day (3)"),
	{"scans", "cookie", "cookie", T_BOOL, offsetof(config, cookie), 0, 0, 1,
	 "give each phone a scanner cookie (true)"},
};
#define NSETTINGS (sizeof settings / sizeof settings[0])

static void defaults(config *c)
{
	memset(c, 0, sizeof *c);
	strcpy(c->listen_addr, "127.0.0.1");
	c->port = 8080;
	c->timeout_s = 10;
	c->max_connections = 1024;
	c->per_ip = 64;
	c->memory_limit = 16384;
	c->backlog = 511;
	c->head_timeout_s = 5;
	c->suspicious_after = STAMP_SUSPICIOUS_AFTER;
	c->repeat_after = 3600;
	c->client_budget = 30;
	c->scanners_per_client = 3;
	c->cookie = 1;
	strcpy(c->registry, "store");
	strcpy(c->scans, "scans");
}

/* Set one setting from text; 0 or a message in err. */
static int apply(config *c, const setting *s, const char *value, char *err, size_t errlen)
{
	char *field = (char *)c + s->offset, *end;
	unsigned long long v;

	switch (s->type) {
	case T_PROXIES:
		if (strlen(value) >= s->size) {
			snprintf(err, errlen, "expected at most %zu characters", s->size - 1);
			return -1;
		}
		if (proxy_list_parse(value, &c->proxies, err, errlen) != 0)
			return -1;
		strcpy(field, value);
		return 0;
	case T_STR:
		if (strlen(value) >= s->size || !*value) {
			snprintf(err, errlen, "expected 1 to %zu characters", s->size - 1);
			return -1;
		}
		strcpy(field, value);
		return 0;
	case T_BOOL:
		if (!strcmp(value, "true") || !strcmp(value, "yes") || !strcmp(value, "1"))
			*(int *)field = 1;
		else if (!strcmp(value, "false") || !strcmp(value, "no") || !strcmp(value, "0"))
			*(int *)field = 0;
		else {
			snprintf(err, errlen, "expected true or false, got \"%s\"", value);
			return -1;
		}
		return 0;
	default:
		errno = 0;
		v = strtoull(value, &end, 10);
		if (errno || end == value || *end || *value == '-' || v < s->min || v > s->max) {
			snprintf(err, errlen, "expected %llu to %llu, got \"%s\"", s->min, s->max,
				 value);
			return -1;
		}
		if (s->type == T_SIZE)
			*(size_t *)field = (size_t)v;
		else
			*(unsigned *)field = (unsigned)v;
		return 0;
	}
}

typedef struct ini_ctx {
	config *c;
	const char *path;
	int failed;
} ini_ctx;

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
	ini_ctx *x = user;
	char err[160];
	for (size_t i = 0; i < NSETTINGS; i++) {
		if (strcmp(settings[i].section, section) || strcmp(settings[i].name, name))
			continue;
		if (apply(x->c, &settings[i], value, err, sizeof err) == 0)
			return 1;
		fprintf(stderr, "verifyd: %s: [%s] %s: %s\n", x->path, section, name, err);
		x->failed = 1;
		return 1;
	}
	fprintf(stderr, "verifyd: %s: unknown setting [%s] %s\n", x->path, section, name);
	x->failed = 1;
	return 1;
}

void config_usage(FILE *f)
{
	fputs("usage: verifyd [--config FILE] [--FLAG VALUE ...]\n"
	      "       verifyd --help | --version\n\n"
	      "Answers scans of ocopstamp codes: GET /S/<code> (page), /api/v1/stamps/<code> "
	      "(JSON),\n"
	      "/healthz, /metrics. Flags (and [section] name in the config file):\n",
	      f);
	for (size_t i = 0; i < NSETTINGS; i++)
		fprintf(f, "  --%-18s [%s] %s: %s\n", settings[i].flag, settings[i].section,
			settings[i].name, settings[i].help);
	fputs("  -c, --config FILE    read the settings from an INI file; flags win\n"
	      "  -h, --help           print this help and exit\n"
	      "  --copy-scans FOLDER --to URL [--scans-password P]\n"
	      "                       copy an LMDB scans folder into Redis, then exit\n"
	      "  --version            print the version and exit\n"
	      "\nSignals: TERM/INT stop cleanly (scan counts flushed), HUP reopens the registry.\n"
	      "Exit status: 0 clean stop, 1 scan counts not written, 2 usage or start-up error.\n"
	      "See verifyd(8) and docs/operations.md.\n",
	      f);
}

/* The program's version, and the library's when it is not the one compiled in. */
static void version(void)
{
	printf("verifyd %s\n", STAMP_VERSION);
	if (strcmp(stamp_version(), STAMP_VERSION) != 0)
		printf("libstamp %s\n", stamp_version());
}

/* The file (TEXT NULL) or text NAME into C; 0, or -1 with the reason on stderr. */
static int parse_ini(config *c, const char *name, const char *text)
{
	ini_ctx x = {c, name, 0};
	stamp_diag diag;
	int line;
	int rc = stamp_ini_parse(name, text, on_ini, &x, &line, &diag);
	if (rc != 0 && !x.failed) /* on_ini printed its own reason */
		fprintf(stderr, "verifyd: %s\n", diag.msg);
	return rc == 0 && !x.failed ? 0 : -1;
}

int config_parse_text(config *c, const char *text, const char *name)
{
	defaults(c);
	return parse_ini(c, name, text);
}

/* "" or scheme://host[:port], nothing more: it goes into Location and Link headers. */
static int public_url_ok(const char *u)
{
	size_t skip = strncmp(u, "https://", 8) == 0 ? 8 : strncmp(u, "http://", 7) == 0 ? 7 : 0;
	if (!*u)
		return 1;
	return skip && request_host_ok(u + skip);
}

static int load(config *c, int argc, char **argv)
{
	struct option lo[NSETTINGS + 4];
	const char *file = NULL;
	char err[160];
	int opt;

	defaults(c);
	for (size_t i = 0; i < NSETTINGS; i++)
		lo[i] = (struct option){settings[i].flag, required_argument, NULL, (int)(256 + i)};
	lo[NSETTINGS] = (struct option){"config", required_argument, NULL, 'c'};
	lo[NSETTINGS + 1] = (struct option){"help", no_argument, NULL, 'h'};
	lo[NSETTINGS + 2] = (struct option){"version", no_argument, NULL, 'V'};
	lo[NSETTINGS + 3] = (struct option){NULL, 0, NULL, 0};

	/* first pass: --help and --version end here; --config first, so that flags win over it */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		if (opt == 'c')
			file = optarg;
		if (opt == 'h') {
			config_usage(stdout);
			return CONFIG_DONE;
		}
		if (opt == 'V') {
			version();
			return CONFIG_DONE;
		}
	}
	if (file && parse_ini(c, file, NULL) != 0)
		return 2;
	optind = 0;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		if (opt == 'c')
			continue;
		if (opt < 256 || opt >= (int)(256 + NSETTINGS)) {
			config_usage(stderr);
			return 2;
		}
		const setting *s = &settings[opt - 256];
		if (apply(c, s, optarg, err, sizeof err) != 0) {
			fprintf(stderr, "verifyd: --%s: %s\n", s->flag, err);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "verifyd: unexpected argument \"%s\"\n", argv[optind]);
		return 2;
	}
	if (!public_url_ok(c->public_url)) {
		fprintf(stderr,
			"verifyd: public_url: expected http:// or https:// and a host, without a "
			"path, got \"%s\"\n",
			c->public_url);
		return 2;
	}
	return 0;
}

int config_load(config *c, int argc, char **argv)
{
	static char prog[] = "verifyd";
	char *argv0 = argv[0];
	argv[0] = prog; /* getopt's complaints then read "verifyd: ...", not the path */
	int rc = load(c, argc, argv);
	argv[0] = argv0;
	return rc;
}
