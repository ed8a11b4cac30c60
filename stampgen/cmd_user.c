/*
 * cmd_user.c - `stampgen user add|list|disable|enable|passwd`: the officers'
 * accounts of the console (user.h).
 *
 * A password comes from --password-file (its first line; the file held to a
 * secret key file's rules, 0600 or stricter), else $OCOPSTAMP_PASSWORD (wiped
 * and removed once read), else the terminal, asked twice with echo off. It
 * lives in sodium_malloc'd memory, wiped when freed, and only its Argon2id
 * hash reaches the store.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define TTY_MAX (STAMP_USER_PASS_MAX + 2)

enum { OPT_ROLE = 256, OPT_PASSFILE };

/* One line from the terminal tty with echo off, into buf (cap bytes); its length, or -1. */
static ssize_t tty_line(FILE *tty, const char *prompt, char *buf, size_t cap)
{
	struct termios old, quiet;
	int fd = fileno(tty), echo_off = tcgetattr(fd, &old) == 0;
	fputs(prompt, tty);
	fflush(tty);
	if (echo_off) {
		quiet = old;
		quiet.c_lflag &= (tcflag_t) ~(ECHO | ECHONL);
		echo_off = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	char *got = fgets(buf, (int)cap, tty);
	if (echo_off)
		tcsetattr(fd, TCSAFLUSH, &old);
	fputc('\n', tty);
	if (!got)
		return -1;
	size_t n = strcspn(buf, "\r\n");
	if (n + 1 >= cap && buf[n] == '\0')
		return (ssize_t)cap; /* no line end within cap: too long */
	buf[n] = '\0';
	return (ssize_t)n;
}

/* The password asked twice on the terminal, into pass (TTY_MAX bytes); 0 or an exit code. */
static int ask_password(const char *name, char *pass, size_t *len)
{
	FILE *tty = fopen("/dev/tty", "r+");
	char *again = sodium_malloc(TTY_MAX);
	char prompt[96];
	int ex = EXIT_USAGE;
	if (!tty || !again) {
		cli_err("no password: give --password-file FILE or $OCOPSTAMP_PASSWORD (there is "
			"no "
			"terminal to ask on)");
		goto leave;
	}
	snprintf(prompt, sizeof prompt, "password for %s: ", name);
	ssize_t n = tty_line(tty, prompt, pass, TTY_MAX);
	ssize_t m = n < 0 ? -1 : tty_line(tty, "the same again: ", again, TTY_MAX);
	if (n < 0 || m < 0)
		cli_err("no password read");
	else if (n != m || sodium_memcmp(pass, again, (size_t)n) != 0)
		cli_err("the two passwords differ");
	else {
		*len = (size_t)n;
		ex = 0;
	}
leave:
	if (tty)
		fclose(tty);
	sodium_free(again);
	return ex;
}

/* The password for name (see the top of this file); free with cli_passphrase_free. */
static int password_of(const char *name, const char *file, char **pass, size_t *len)
{
	if (cli_secret(file, "OCOPSTAMP_PASSWORD", pass, len))
		return EXIT_USAGE;
	if (*pass)
		return 0;
	if (!(*pass = sodium_malloc(TTY_MAX))) {
		cli_err("out of memory");
		return EXIT_USAGE;
	}
	int ex = ask_password(name, *pass, len);
	if (ex) {
		sodium_free(*pass);
		*pass = NULL;
	}
	return ex;
}

/* Open the store, run one write, commit; prints the failure; 0 or an exit code. */
typedef int (*user_write)(stamp_txn *t, const char *name, const void *arg, stamp_diag *d);

static int write_user(cli *c, const char *name, user_write fn, const void *arg)
{
	stamp_diag d = {{0}};
	stamp_store *st;
	stamp_txn *t = NULL;
	int rc;
	if (cli_open_store(c, 0, &st))
		return EXIT_USAGE;
	if ((rc = stamp_txn_begin(st, 1, &t)) == 0 && (rc = fn(t, name, arg, &d)) == 0) {
		rc = stamp_txn_commit(t, &d);
		t = NULL;
	}
	stamp_txn_abort(t);
	stamp_store_close(st);
	if (rc)
		cli_fail(rc, &d, c->store_dir);
	return cli_exit_code(rc);
}

typedef struct add_arg {
	int role;
	const char *pass;
	size_t len;
} add_arg;

static int do_add(stamp_txn *t, const char *name, const void *arg, stamp_diag *d)
{
	const add_arg *a = arg;
	return stamp_user_add(t, name, a->role, a->pass, a->len, time(NULL), d);
}

static int do_passwd(stamp_txn *t, const char *name, const void *arg, stamp_diag *d)
{
	const add_arg *a = arg;
	return stamp_user_set_password(t, name, a->pass, a->len, d);
}

static int do_disable(stamp_txn *t, const char *name, const void *arg, stamp_diag *d)
{
	return stamp_user_set_disabled(t, name, *(const int *)arg, d);
}

/* `user add` and `user passwd`: the password, checked before it is hashed. */
static int set_password(cli *c, const char *verb, int argc, char **argv)
{
	static const struct option add_lo[] = {
		{"role", required_argument, NULL, OPT_ROLE},
		{"password-file", required_argument, NULL, OPT_PASSFILE},
		{NULL, 0, NULL, 0}};
	const struct option *lo = strcmp(verb, "user add") == 0 ? add_lo : add_lo + 1;
	const char *file = NULL, *role = NULL;
	stamp_diag d = {{0}};
	add_arg a = {0};
	char *pass = NULL;
	int opt, ex;
	while ((opt = cli_getopt(argc, argv, verb, "", lo, &ex)) != -1) {
		if (opt == OPT_ROLE)
			role = optarg;
		else if (opt == OPT_PASSFILE)
			file = optarg;
		else
			return ex;
	}
	if (optind + 1 != argc)
		return cli_usage(verb);
	const char *name = argv[optind];
	if (lo == add_lo && !(a.role = stamp_user_role_parse(role))) {
		cli_err("--role: expected officer or admin, got \"%s\"", role ? role : "");
		return EXIT_USAGE;
	}
	if (stamp_user_check_name(name, &d)) {
		cli_err("%s: %s", name, d.msg);
		return EXIT_FAILED;
	}
	if ((ex = password_of(name, file, &pass, &a.len)))
		return ex;
	a.pass = pass;
	if (stamp_user_check_password(name, pass, a.len, &d)) {
		cli_err("%s", d.msg);
		ex = EXIT_FAILED;
	} else {
		ex = write_user(c, name, lo == add_lo ? do_add : do_passwd, &a);
	}
	cli_passphrase_free(pass);
	if (ex == EXIT_OK && !c->quiet && lo == add_lo)
		printf("added user %s (%s)\n", name, stamp_user_role_name(a.role));
	else if (ex == EXIT_OK && !c->quiet)
		printf("changed the password of %s\n", name);
	return ex;
}

static int print_user(const stamp_user *u, void *ctx)
{
	char when[32] = "-";
	time_t t = (time_t)u->created;
	struct tm tm;
	(void)ctx;
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("%s\t%s\t%s\t%s\n", u->name, stamp_user_role_name(u->role),
	       u->disabled ? "disabled" : "enabled", when);
	return 0;
}

static int list(cli *c, int argc, char **argv)
{
	stamp_store *st;
	stamp_txn *t;
	int rc, ex;
	if (cli_operands(argc, argv, "user list", 0, 0, &ex) < 0)
		return ex;
	if (cli_open_store(c, STAMP_STORE_RDONLY, &st))
		return EXIT_USAGE;
	if ((rc = stamp_txn_begin(st, 0, &t)) == 0) {
		printf("name\trole\tstate\tcreated\n");
		rc = stamp_user_each(t, print_user, NULL);
		stamp_txn_abort(t);
	}
	stamp_store_close(st);
	if (rc)
		cli_fail(rc, NULL, c->store_dir);
	return rc ? EXIT_USAGE : EXIT_OK;
}

static int disable(cli *c, const char *verb, int disabled, int argc, char **argv)
{
	int ex, i = cli_operands(argc, argv, verb, 1, 1, &ex);
	if (i < 0)
		return ex;
	if ((ex = write_user(c, argv[i], do_disable, &disabled)) == EXIT_OK && !c->quiet)
		printf("user %s is %s\n", argv[i], disabled ? "disabled" : "enabled");
	return ex;
}

int cmd_user(cli *c, int argc, char **argv)
{
	int ex;
	const char *sub = cli_subverb(argc, argv, &ex);

	if (!sub)
		return ex;
	if (strcmp(sub, "add") == 0)
		return set_password(c, "user add", argc - 1, argv + 1);
	if (strcmp(sub, "passwd") == 0)
		return set_password(c, "user passwd", argc - 1, argv + 1);
	if (strcmp(sub, "list") == 0)
		return list(c, argc - 1, argv + 1);
	if (strcmp(sub, "disable") == 0)
		return disable(c, "user disable", 1, argc - 1, argv + 1);
	return disable(c, "user enable", 0, argc - 1, argv + 1);
}
