/*
 * cli.c - helpers shared by stampgen's verbs (see cli.h).
 */
#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define PASS_MAX 1024

void cli_err(const char *fmt, ...)
{
	va_list ap;
	fputs("stampgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_fail(int rc, const stamp_diag *diag, const char *what)
{
	if (diag && diag->msg[0])
		cli_err("%s", diag->msg);
	else
		cli_err("%s: %s", what, stamp_strerror(rc));
}

int cli_exit_code(int rc)
{
	switch (rc) {
	case 0:
		return EXIT_OK;
	case STAMP_EINPUT:
	case STAMP_EMALFORMED:
	case STAMP_EFORGED:
	case STAMP_EUNKNOWNKEY:
	case STAMP_ENOTFOUND:
	case STAMP_EEXIST:
	case STAMP_EPRINT:
	case STAMP_ENOCODE:
	case STAMP_EPASSPHRASE:
		return EXIT_FAILED;
	default:
		return EXIT_USAGE;
	}
}

int cli_open_store(const cli *c, unsigned flags, stamp_store **out)
{
	stamp_diag d = {{0}};
	char user[STAMP_SHORT_MAX + 1];
	int rc = stamp_store_open(c->store_dir, flags, out, &d);
	if (rc) {
		cli_fail(rc, &d, c->store_dir);
		return rc;
	}
	if (!(flags & STAMP_STORE_RDONLY)) {
		if (cli_actor(NULL, user, sizeof user))
			user[0] = '\0';
		stamp_store_set_identity(*out, user, c->actor, c->command);
	}
	return 0;
}

void cli_command_line(cli *c, int argc, char **argv)
{
	size_t n = 0;
	c->command[0] = '\0';
	for (int i = 0; i < argc && n + 1 < sizeof c->command; i++) {
		int w = snprintf(c->command + n, sizeof c->command - n, "%s%s", i ? " " : "",
				 argv[i]);
		if (w < 0 || (size_t)w >= sizeof c->command - n) {
			/* cut, and say so */
			memcpy(c->command + sizeof c->command - 4, "...", 4);
			break;
		}
		n += (size_t)w;
	}
}

/*
 * The secret in the environment variable var (into buf unless NULL), once: copied into locked
 * memory, then the variable's own bytes are wiped in place, so that /proc/PID/environ (which
 * shows the process's initial environment block, where the value lives) no
 * longer holds it, and the variable is removed for any child.
 */
static int env_secret(const char *var, char *buf, size_t *len)
{
	char *env = getenv(var);
	size_t n = strlen(env);
	int rc = 0;
	if (n > PASS_MAX) {
		cli_err("%s: longer than %d bytes", var, PASS_MAX);
		rc = EINVAL;
	} else if (n == 0) {
		cli_err("%s: the value is empty", var);
		rc = EINVAL;
	} else if (buf) {
		memcpy(buf, env, n + 1);
		*len = n;
	}
	sodium_memzero(env, n);
	unsetenv(var);
	return rc;
}

int cli_secret(const char *file, const char *var, char **pass, size_t *len)
{
	stamp_diag d = {{0}};
	char *buf;
	int rc;

	*pass = NULL;
	*len = 0;
	if (!file && !getenv(var))
		return 0;
	buf = sodium_malloc(PASS_MAX + 1);
	if (!buf) {
		cli_err("out of memory");
		return ENOMEM;
	}
	if (file) {
		rc = stamp_key_read_passphrase(file, buf, PASS_MAX + 1, len, &d);
		if (rc)
			cli_fail(rc, &d, file);
		if (getenv(var)) /* not used, but not left behind either */
			env_secret(var, NULL, NULL);
	} else {
		rc = env_secret(var, buf, len);
	}
	if (rc) {
		sodium_free(buf);
		*len = 0;
		return rc;
	}
	*pass = buf;
	return 0;
}

int cli_passphrase(const char *file, char **pass, size_t *len)
{
	return cli_secret(file, "OCOPSTAMP_PASSPHRASE", pass, len);
}

void cli_passphrase_free(char *pass)
{
	sodium_free(pass); /* wipes; NULL is fine */
}

int cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	if (!s || *s < '0' || *s > '9')
		return EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return EINVAL;
	*out = v;
	return 0;
}

void cli_time_vn(int64_t t, char out[32])
{
	/* Vietnam's civil time, UTC+7 without daylight saving: no tz database needed */
	time_t local = (time_t)(t + 7 * 3600);
	struct tm tm;
	if (!gmtime_r(&local, &tm) || !strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(out, 32, "%lld", (long long)t);
}

int cli_parse_date(const char *what, const char *s, uint32_t *out)
{
	if (stamp_date_parse(s, out) != 0) {
		cli_err("%s: expected a date as YYYY-MM-DD or DD/MM/YYYY, got \"%s\"", what, s);
		return EINVAL;
	}
	return 0;
}

void cli_progress(uint64_t done, uint64_t total, void *ctx)
{
	const cli *c = ctx;
	static int last = -1;
	if (c->quiet || !isatty(STDERR_FILENO) || total == 0)
		return;
	int pct = (int)(done * 100 / total);
	if (pct == last)
		return;
	last = pct;
	char bar[41];
	int fill = pct * 40 / 100;
	memset(bar, '#', (size_t)fill);
	memset(bar + fill, '.', (size_t)(40 - fill));
	bar[40] = '\0';
	fprintf(stderr, "\r[%s] %3d%% %llu/%llu", bar, pct, (unsigned long long)done,
		(unsigned long long)total);
	if (done >= total) {
		fputc('\n', stderr);
		last = -1;
	}
	fflush(stderr);
}

int cli_load_key(const char *path, const char *passfile, stamp_keypair **kp)
{
	stamp_diag d = {{0}};
	char *pass = NULL;
	size_t len;
	if (cli_passphrase(passfile, &pass, &len))
		return EXIT_USAGE;
	int rc = stamp_key_load_secret(path, pass, len, kp, &d);
	cli_passphrase_free(pass);
	if (rc) {
		cli_fail(rc, &d, path);
		if (rc == STAMP_EPASSPHRASE)
			cli_err("give the passphrase with --passphrase-file FILE or "
				"OCOPSTAMP_PASSPHRASE");
		return EXIT_USAGE;
	}
	return 0;
}
