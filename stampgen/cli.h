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
/* Unix time t as "YYYY-MM-DD HH:MM:SS" in Vietnam (UTC+7). */
void cli_time_vn(int64_t t, char out[32]);
/*
 * `stampgen audit verify`'s verdict on the log, one line into out: "INTACT:
 * N entries; head HEX" (0) or "BROKEN at entry N: why" (STAMP_ECORRUPT);
 * another code when the log cannot be read (d says why, out untouched).
 */
int cli_audit_verify(stamp_txn *t, char *out, size_t cap, stamp_diag *d);

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
 * The sheet of a batch drawn inside its still private folder (a
 * stamp_issue_req's finish; ctx is a cli_folder_sheet): dir/sheet.pdf on
 * template_name, published with the folder (cmd_issue.c). rc is its outcome.
 */
typedef struct cli_folder_sheet {
	const char *template_name;
	stamp_progress_cb progress; /* may be NULL */
	void *progress_ctx;
	int rc;
} cli_folder_sheet;
int cli_sheet_in_folder(stamp_store *st, const stamp_batch *b, const char *dir, void *ctx,
			stamp_diag *d);

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

/*
 * A product as `stampgen product add` and the console take it
 * (cmd_registry.c): stamp_product_check, and its cooperative registered
 * (STAMP_EINPUT, diag "coop_id: ..."), as seen by t.
 */
int cli_product_check(stamp_txn *t, const stamp_product *p, stamp_diag *d);

/*
 * A product's photo (cmd_image.c), as `stampgen product image` and the
 * console do it: cli_photo_set makes file (flen bytes, name for messages)
 * the kept JPEG (stamp_imagefile_prepare: STAMP_EIMAGE before the store is
 * touched) and stores it in one transaction; cli_photo_clear removes it
 * (STAMP_ENOTFOUND when there is none); cli_photo_copy gives the kept JPEG
 * malloc'd (the caller frees it).
 */
int cli_photo_set(stamp_store *st, const char *id, const void *file, size_t flen, const char *name,
		  stamp_image *img, stamp_diag *d);
int cli_photo_clear(stamp_store *st, const char *id, stamp_diag *d);
int cli_photo_copy(stamp_store *st, const char *id, uint8_t **out, size_t *outlen);

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

/*
 * What `stampgen revoke` and the console's revocation form take as a target
 * (cmd_revoke.c): kind is a STAMP_SCOPE_* (serials: "N" or "A-B"; a batch
 * number; a product id; a key id), CLI_REVOKE_LOT ("PRODUCT:LOT", stored as
 * its batch) or CLI_REVOKE_CODE (a stamp's code or URL: its serial). Sets
 * r's scope and target; 0, or EXIT_USAGE with the message in err.
 */
enum { CLI_REVOKE_LOT = 16, CLI_REVOKE_CODE };
int cli_revoke_target(stamp_revocation *r, int kind, const char *arg, char *err, size_t cap);
/* One line saying what r covers: "serials 10-20", "batch 3 (NM-01, lot L1)". */
void cli_revoke_describe(const stamp_revocation *r, char *out, size_t cap);

#endif
