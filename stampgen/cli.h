/*
 * cli.h - what stampgen's verbs share: messages, exit codes, the store
 * option, passphrases, numbers and the progress bar.
 */
#ifndef STAMPGEN_CLI_H
#define STAMPGEN_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "stamp/stamp.h"

/* 3: the batch is stored but its folder is not in place (stampgen render writes it). */
enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_UNPUBLISHED = 3 };

typedef struct cli {
	const char *store_dir; /* -s, $OCOPSTAMP_STORE, or "store" */
	int quiet;	       /* -q: no progress bar, no notes */
	const char *actor;     /* -a, $OCOPSTAMP_ACTOR: for the audit log; may be NULL */
	char command[512];     /* the verb and its arguments, for the audit log */
} cli;

/* "stampgen: <message>" on stderr. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* cli_err for a libstamp failure: the diag if it says something, else the code. */
void cli_fail(int rc, const stamp_diag *diag, const char *what);
/* Exit code for a libstamp error: input/verification failures 1, the rest 2. */
int cli_exit_code(int rc);

/* Open the store; a writable one records c's identity for the audit log. */
int cli_open_store(const cli *c, unsigned flags, stamp_store **out);
/* The verb line for the audit log, from argv: words joined by spaces, bounded. */
void cli_command_line(cli *c, int argc, char **argv);

/*
 * Passphrase from --passphrase-file (first line; the file must be mode 0600
 * or stricter, as a secret key file) or $OCOPSTAMP_PASSPHRASE, in
 * sodium_malloc'd memory; *pass = NULL when neither is given. The variable is
 * wiped and removed once read. Free with cli_passphrase_free (wipes).
 */
int cli_passphrase(const char *file, char **pass, size_t *len);
/* The same for another secret: from file, else the variable var (wiped, removed). */
int cli_secret(const char *file, const char *var, char **pass, size_t *len);
void cli_passphrase_free(char *pass);
/* Load a secret key file, with its passphrase when it has one; 0 or an exit code. */
int cli_load_key(const char *path, const char *passfile, stamp_keypair **kp);

int cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int cli_parse_date(const char *what, const char *s, uint32_t *out);

/* stamp_progress_cb drawing a bar on a terminal; ctx is the cli. */
void cli_progress(uint64_t done, uint64_t total, void *ctx);

/*
 * Render the sheets of a stored batch on a template name or file into out
 * (cmd_sheet.c); prints the outcome and returns the exit code.
 */
struct stamp_sheet_opts;
int cli_sheet(cli *c, stamp_store *st, uint32_t batch, const char *tpl,
	      const struct stamp_sheet_opts *o, const char *out);

/*
 * The usage table (main.c). A name is a verb ("issue"; for a verb with
 * sub-verbs, all of them) or a verb and sub-verb ("key add").
 */
struct option;
/* Print name's usage on stderr; returns EXIT_USAGE, for a usage error. */
int cli_usage(const char *name);
/*
 * getopt_long for name with -h and --help added. Returns the next option, or
 * -1 when there are no more; or '?' once it has printed the help (on stdout,
 * *ex = EXIT_OK) or, after getopt's complaint, the usage (on stderr,
 * *ex = EXIT_USAGE): return *ex then. *ex is untouched otherwise.
 */
int cli_getopt(int argc, char **argv, const char *name, const char *shortopts,
	       const struct option *lo, int *ex);
/*
 * For a sub-verb that takes no options, only min to max operands: the index
 * in argv of the first operand, or -1 when the help or usage was printed and
 * *ex is the exit code.
 */
int cli_operands(int argc, char **argv, const char *name, int min, int max, int *ex);
/*
 * The sub-verb in argv[1] of the verb argv[0], as the table spells it. NULL
 * when there is none to run: the help, the usage or a suggestion for a typo
 * was printed, and *ex is the exit code. For a verb that also runs without a
 * sub-verb (sheet), "" when argv[1] is absent or an option.
 */
const char *cli_subverb(int argc, char **argv, int *ex);

/*
 * `VERB import FILE.csv [--dry-run]` for one import kind (cmd_registry.c):
 * name is the usage's ("event import"), plural what the summary counts.
 */
int cli_import(cli *c, const char *name, stamp_import_kind what, const char *plural, int argc,
	       char **argv);

/* Each verb: argv[0] is the verb name; returns the exit code. */
int cmd_keygen(cli *c, int argc, char **argv);
int cmd_key(cli *c, int argc, char **argv);
int cmd_coop(cli *c, int argc, char **argv);
int cmd_product(cli *c, int argc, char **argv);
int cmd_product_image(cli *c, int argc, char **argv);
int cmd_console(cli *c, int argc, char **argv);
int cmd_batch(cli *c, int argc, char **argv);
int cmd_issue(cli *c, int argc, char **argv);
int cmd_render(cli *c, int argc, char **argv);
int cmd_verify(cli *c, int argc, char **argv);
int cmd_sheet(cli *c, int argc, char **argv);
int cmd_revoke(cli *c, int argc, char **argv);
int cmd_serials(cli *c, int argc, char **argv);
int cmd_audit(cli *c, int argc, char **argv);
int cmd_check(cli *c, int argc, char **argv);
int cmd_backup(cli *c, int argc, char **argv);
int cmd_restore(cli *c, int argc, char **argv);
int cmd_export(cli *c, int argc, char **argv);
int cmd_unrevoke(cli *c, int argc, char **argv);
int cmd_event(cli *c, int argc, char **argv);
int cmd_user(cli *c, int argc, char **argv);

/* Who acts: given (--actor), else the operating-system user; into out. 0, or
 * an exit code after saying that given is too long. */
int cli_actor(const char *given, char *out, size_t cap);

#endif
