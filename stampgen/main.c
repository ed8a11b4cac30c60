/*
 * stampgen - the district officers' tool: keys, registry, batch issuance,
 * rendering and offline verification. A thin layer over libstamp: it parses
 * arguments, prints, and turns libstamp's error codes into exit codes
 * (0 ok, 1 the operation failed or the input was rejected, 2 usage or system
 * error).
 *
 * This file owns the verbs. The table below is the only description of each
 * verb and sub-verb: --help prints it on stdout, a usage error on stderr, so
 * the two cannot drift apart, and the man page test checks docs/stampgen.1
 * against it. When a verb's --help is printed, its getopt table is checked
 * against the options described here, so an option cannot be added to one
 * without the other either.
 */
#include <ctype.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "stamp/sheet.h"
#include "stamp/version.h"

#define STR_(x) #x
#define STR(x) STR_(x)
#define OPTS_MAX 16 /* options of one verb; product add has the most */
#define WIDTH 80
#define WORD_MAX 32 /* longer words are no typo of a verb */

typedef struct option_help {
	const char *flag; /* as typed, with its argument: "--lot LOT", "-o, --out PREFIX" */
	const char *help;
} option_help;

typedef struct usage {
	const char *verb, *sub; /* sub: NULL for the verb itself */
	int (*run)(cli *c, int argc, char **argv);
	const char *synopsis; /* what follows "stampgen VERB [SUB]" */
	const char *desc;     /* one line */
	option_help opts[OPTS_MAX];
} usage;

#define DATE_FORMS "YYYY-MM-DD or DD/MM/YYYY"

static const usage usages[] = {
	{"keygen",
	 NULL,
	 cmd_keygen,
	 "-o PREFIX [--label TEXT] [--passphrase-file FILE] [--no-register]",
	 "Make a signing key pair and register its public key in the store.",
	 {{"-o, --out PREFIX", "write PREFIX.key (secret, mode 0600) and PREFIX.pub; never "
			       "overwrites either"},
	  {"--label TEXT", "a name for the key, shown by key list"},
	  {"--passphrase-file FILE", "encrypt the secret key with the first line of FILE (else "
				     "$OCOPSTAMP_PASSPHRASE; with neither it is not encrypted)"},
	  {"--no-register", "only write the files; do not register the key in the store"}}},
	{"key",
	 "add",
	 cmd_key,
	 "FILE.pub [--label TEXT] [--valid-from DATE] [--valid-until DATE]",
	 "Register a public key made elsewhere, so that its stamps verify.",
	 {{"--label TEXT", "a name for the key, shown by key list"},
	  {"--valid-from DATE", "the first day the key may sign (" DATE_FORMS ")"},
	  {"--valid-until DATE", "the last day the key may sign"}}},
	{"key",
	 "list",
	 cmd_key,
	 "",
	 "List the registered keys: id, validity, public key, label.",
	 {{0}}},
	{"key",
	 "retire",
	 cmd_key,
	 "KEYID [--on DATE]",
	 "Stop a key signing after a date (rotation); its stamps stay genuine.",
	 {{"--on DATE", "the last day it may sign (default today)"}}},
	{"coop",
	 "add",
	 cmd_coop,
	 "--id ID --name TEXT --district TEXT --province TEXT --address TEXT [--commune TEXT] "
	 "[--phone PHONE]",
	 "Register one cooperative; the flags are the CSV columns.",
	 {{"--id ID", "1 to 32 of A-Z a-z 0-9 - _ ."},
	  {"--name TEXT", "the cooperative's name"},
	  {"--commune TEXT", "its commune; may be empty in a town or city ward"},
	  {"--district TEXT", "its district"},
	  {"--province TEXT", "its province"},
	  {"--address TEXT", "the address printed as the producer's"},
	  {"--phone PHONE", "8 to 15 digits; spaces, dots, dashes and a leading + allowed"}}},
	{"coop",
	 "list",
	 cmd_coop,
	 "",
	 "List the cooperatives: id, name, district, province.",
	 {{0}}},
	{"coop", "show", cmd_coop, "ID", "Print every field of one cooperative.", {{0}}},
	{"coop",
	 "import",
	 cmd_coop,
	 "FILE.csv|FILE.xlsx [--sheet NAME] [--dry-run]",
	 "Import cooperatives from a CSV file (UTF-8 or UTF-16, ',' ';' or tab) or an Excel "
	 "workbook, "
	 "all rows or none.",
	 {{"--sheet NAME", "the workbook's sheet to read (default: the first)"},
	  {"--dry-run", "check every row and write nothing"}}},
	{"product",
	 "add",
	 cmd_product,
	 "--id ID --coop_id ID --name TEXT --group TEXT --stars N --ocop_decision TEXT "
	 "--ocop_date DATE --cert_valid_until DATE [--short_name TEXT] [--standards TEXT] "
	 "[--gtin GTIN] [--shelf_life_days DAYS]",
	 "Register one product; the flags are the CSV columns.",
	 {{"--id ID", "1 to 32 of A-Z a-z 0-9 - _ ."},
	  {"--coop_id ID", "the producer: a cooperative already in the store"},
	  {"--name TEXT", "the product's name"},
	  {"--short_name TEXT", "up to 63 bytes for small labels (default the name, cut)"},
	  {"--group TEXT", "the OCOP product group"},
	  {"--stars N", "the OCOP rating: 3, 4 or 5"},
	  {"--ocop_decision TEXT", "the number of the OCOP certification decision"},
	  {"--ocop_date DATE", "the date of that decision (" DATE_FORMS ")"},
	  {"--cert_valid_until DATE", "the end of the certificate, after ocop_date"},
	  {"--standards TEXT", "the standards applied"},
	  {"--gtin GTIN", "GTIN-8, -12, -13 or -14, check digit verified"},
	  {"--shelf_life_days DAYS", "0 to 3650; sets a batch's default expiry (0: none)"}}},
	{"product",
	 "list",
	 cmd_product,
	 "",
	 "List the products: id, name, stars, cooperative.",
	 {{0}}},
	{"product", "show", cmd_product, "ID", "Print every field of one product.", {{0}}},
	{"product",
	 "image",
	 cmd_product,
	 "ID FILE | ID --remove | ID --out FILE",
	 "Set a product's photo from a JPEG, PNG or WebP file (at most 8 MB, 4000 px a side); it "
	 "is "
	 "kept as a JPEG of at most 1024 px a side, upright, with all metadata (EXIF, GPS) left "
	 "out.",
	 {{"--remove", "take the product's photo away"},
	  {"--out FILE", "write the kept JPEG to FILE (which must not exist)"}}},
	{"product",
	 "import",
	 cmd_product,
	 "FILE.csv|FILE.xlsx [--sheet NAME] [--dry-run]",
	 "Import products from a CSV file (UTF-8 or UTF-16, ',' ';' or tab) or an Excel workbook, "
	 "all rows or none.",
	 {{"--sheet NAME", "the workbook's sheet to read (default: the first)"},
	  {"--dry-run", "check every row and write nothing"}}},
	{"batch",
	 "list",
	 cmd_batch,
	 "",
	 "List the batches: number, product, lot, production date, count, serials.",
	 {{0}}},
	{"batch",
	 "show",
	 cmd_batch,
	 "ID",
	 "Print one batch: its product, dates, key and print size.",
	 {{0}}},
	{"event",
	 "add",
	 cmd_event,
	 "--batch ID|--product ID --stage STAGE --at DATE[ HH:MM] [--label TEXT] [--place TEXT] "
	 "[--commune TEXT] [--district TEXT] [--province TEXT] [--gln GLN] [--lat DEG --lon DEG] "
	 "[--partner TEXT] [--note TEXT] [--source TEXT]",
	 "Record a production or business stage of a batch, or of a product (then of all its "
	 "batches); also after issuance.",
	 {{"--batch ID", "the batch number"},
	  {"--product ID", "the product: a stage every batch of it shares"},
	  {"--stage STAGE", "receiving, growing, harvesting, processing, fermenting, packing, "
			    "inspecting, storing, shipping or retail_selling"},
	  {"--label TEXT", "the stage in the cooperative's words, up to 63 bytes"},
	  {"--at DATE[ HH:MM]", "when, in Vietnam time (" DATE_FORMS ", then a time)"},
	  {"--place TEXT", "the name of the place"},
	  {"--commune TEXT", "its commune"},
	  {"--district TEXT", "its district"},
	  {"--province TEXT", "its province"},
	  {"--gln GLN", "its GS1 location number, 13 digits, check digit verified"},
	  {"--lat DEG", "latitude, -90 to 90, up to 6 decimals (with --lon)"},
	  {"--lon DEG", "longitude, -180 to 180, up to 6 decimals (with --lat)"},
	  {"--partner TEXT", "who did it, when not the cooperative itself"},
	  {"--note TEXT", "a note for shoppers"},
	  {"--source TEXT", "for an input: the lot it came from, and from whom"}}},
	{"event",
	 "list",
	 cmd_event,
	 "--batch ID|--product ID",
	 "List the stages: a batch's own after those of its product; withdrawn ones marked.",
	 {{"--batch ID", "the batch number"}, {"--product ID", "the product"}}},
	{"event",
	 "import",
	 cmd_event,
	 "FILE.csv|FILE.xlsx [--sheet NAME] [--dry-run]",
	 "Import stages from a CSV file or an Excel workbook (the add flags are its columns), all "
	 "rows or none.",
	 {{"--sheet NAME", "the workbook's sheet to read (default: the first)"},
	  {"--dry-run", "check every row and write nothing"}}},
	{"event",
	 "withdraw",
	 cmd_event,
	 "--batch ID|--product ID --seq N",
	 "Withdraw a stage recorded by mistake: no longer shown, still listed and audited.",
	 {{"--batch ID", "the batch number"},
	  {"--product ID", "the product"},
	  {"--seq N", "the stage's number, from event list"}}},
	{"serials",
	 NULL,
	 cmd_serials,
	 "",
	 "List the serial space in order: each batch, and the burned gaps of issuances that "
	 "failed or were killed.",
	 {{0}}},
	{"issue",
	 NULL,
	 cmd_issue,
	 "--product ID --lot LOT --produced DATE [--expiry DATE] --count N --key FILE.key "
	 "--base-url URL --out DIR [--size-mm MM] [--dpi N] [--no-images] [--threads N] "
	 "[--passphrase-file FILE] [--sheet TEMPLATE [--sheet-out FILE.pdf]]",
	 "Sign new stamps: one PNG each and manifest.csv in DIR, stored at once.",
	 {{"--product ID", "the product, registered in the store"},
	  {"--lot LOT", "the production lot, shown when a stamp is verified"},
	  {"--produced DATE", "the production date (" DATE_FORMS ")"},
	  {"--expiry DATE", "the expiry date (default: produced plus the shelf life)"},
	  {"--count N", "how many stamps, 1 to " STR(STAMP_ISSUE_MAX)},
	  {"--key FILE.key", "the secret key to sign with; its public key must be registered"},
	  {"--base-url URL", "the verification site; each code is URL/S/CODE"},
	  {"--out DIR", "the batch folder; must not exist, appears only when complete"},
	  {"--size-mm MM", "the QR size with its quiet zone, 5 to 200, one decimal (25)"},
	  {"--dpi N", "the printer's resolution, 72 to 4800 (600)"},
	  {"--no-images", "write the manifest only"},
	  {"--threads N", "1 to 64 threads for the images (default one per core)"},
	  {"--passphrase-file FILE", "the key's passphrase, first line (else "
				     "$OCOPSTAMP_PASSPHRASE)"},
	  {"--sheet TEMPLATE", "also lay the batch out on label sheets (see sheet)"},
	  {"--sheet-out FILE.pdf", "where the sheet goes (default DIR/sheet.pdf)"}}},
	{"render",
	 NULL,
	 cmd_render,
	 "--batch ID --out DIR [--no-images] [--threads N]",
	 "Write a stored batch's PNGs and manifest again, byte for byte.",
	 {{"--batch ID", "the batch number"},
	  {"--out DIR", "the folder; must not exist"},
	  {"--no-images", "write the manifest only"},
	  {"--threads N", "1 to 64 threads for the images (default one per core)"}}},
	{"sheet",
	 NULL,
	 cmd_sheet,
	 "--batch ID --template NAME|FILE --out FILE.pdf|DIR [--png [--dpi N]] [--cut-marks] "
	 "[--coop-name] [--footer]",
	 "Lay a stored batch out on label sheets: a PDF at true size, or PNG pages.",
	 {{"--batch ID", "the batch number"},
	  {"--template NAME|FILE", "a built-in template (sheet templates) or an INI file"},
	  {"--out FILE.pdf|DIR", "the PDF, or with --png the folder of pages; must not exist"},
	  {"--png", "PNG pages instead of one PDF"},
	  {"--dpi N", "the PNG resolution, " STR(STAMP_SHEET_DPI_MIN) " to " STR(
			      STAMP_SHEET_DPI_MAX) " (" STR(STAMP_SHEET_DPI_DEFAULT) ")"},
	  {"--cut-marks", "short marks at the label edges, in the margins and gaps"},
	  {"--coop-name", "the cooperative's name as a last line on each label"},
	  {"--footer", "batch, lot and page number under the labels"}}},
	{"sheet",
	 "templates",
	 cmd_sheet,
	 "[FILE.ini ...]",
	 "List the built-in label templates, or check the template files given.",
	 {{0}}},
	{"revoke",
	 NULL,
	 cmd_revoke,
	 "--serial N|--serials A-B|--code CODE|--batch ID|--lot PRODUCT:LOT|--product ID|"
	 "--key KEYID "
	 "[--from DATE] --reason REASON [--note TEXT] [--actor NAME] [--dry-run]",
	 "Withdraw stamps: every verdict then says revoked, with the reason and note.",
	 {{"--serial N", "one stamp"},
	  {"--serials A-B", "a range of serials (a stolen roll)"},
	  {"--code CODE", "one stamp, by its code or the URL its QR code holds"},
	  {"--batch ID", "every stamp of a batch"},
	  {"--lot PRODUCT:LOT", "every stamp of a product's lot (a recall)"},
	  {"--product ID", "every stamp of a product (its OCOP certificate withdrawn)"},
	  {"--key KEYID", "every stamp a key signed (the key leaked)"},
	  {"--from DATE", "with --key: only batches issued on or after DATE (" DATE_FORMS ")"},
	  {"--reason REASON", "lost, stolen, recalled, certificate-withdrawn, key-compromised, "
			      "printed-in-error or other"},
	  {"--note TEXT", "a note for shoppers, at most " STR(STAMP_NOTE_MAX) " bytes"},
	  {"--actor NAME", "who revokes (default: the operating-system user)"},
	  {"--dry-run", "say how many issued stamps it would touch; write nothing"}}},
	{"revoke",
	 "list",
	 cmd_revoke,
	 "",
	 "List the revocations, in force and undone: what, reason, since, by whom, note.",
	 {{0}}},
	{"unrevoke",
	 NULL,
	 cmd_unrevoke,
	 "ID [--actor NAME]",
	 "Undo revocation ID (a mistake); both acts stay on the list.",
	 {{"--actor NAME", "who undoes it (default: the operating-system user)"}}},
	{"audit",
	 "list",
	 cmd_audit,
	 "[--since DATE]",
	 "Print the log of registry changes: time (UTC+7), user and actor, command, changes.",
	 {{"--since DATE", "only entries from that day on (" DATE_FORMS ")"}}},
	{"audit",
	 "verify",
	 cmd_audit,
	 "",
	 "Recompute the log's hash chain: exit 1 at the first altered or removed entry; print "
	 "the head hash.",
	 {{0}}},
	{"check",
	 NULL,
	 cmd_check,
	 "[--threads N]",
	 "Walk the whole store read-only: every record decodes, references resolve, stamps lie "
	 "in their batches, signatures verify, the revocation index and the audit chain agree. "
	 "Exit 0 clean, 1 problems (one line each), 2 when the store cannot be opened.",
	 {{"--threads N", "1 to 64 threads to verify signatures (default one per core)"}}},
	{"backup",
	 NULL,
	 cmd_backup,
	 "--out FILE",
	 "Copy the store, compacted and consistent, to FILE with FILE.sha256; readers go on.",
	 {{"--out FILE", "the backup; it and FILE.sha256 must not exist"}}},
	{"restore",
	 NULL,
	 cmd_restore,
	 "FILE",
	 "Restore a backup into the store folder (-s), which must be empty; the checksum first.",
	 {{0}}},
	{"export",
	 "catalog",
	 cmd_export,
	 "--key FILE.key --out FILE [--passphrase-file FILE]",
	 "Write the signed offline catalog: keys, batches, products, producers, revocations.",
	 {{"--key FILE.key", "the province key that signs it; registered in the store"},
	  {"--out FILE", "the catalog; must not exist"},
	  {"--passphrase-file FILE", "the key's passphrase, first line (else "
				     "$OCOPSTAMP_PASSPHRASE)"}}},
	{"export",
	 "epcis",
	 cmd_export,
	 "--batch N | --since DATE, --out FILE.jsonld",
	 "Write a GS1 EPCIS 2.0 JSON-LD document: each batch's commissioning (its stamps as GS1 "
	 "Digital Link URIs when the product has a GTIN), its production stages and its "
	 "revocations.",
	 {{"--batch N", "this batch"},
	  {"--since DATE", "every batch issued on or after DATE (" DATE_FORMS ")"},
	  {"--out FILE.jsonld", "the document; must not exist"}}},
	{"console",
	 NULL,
	 cmd_console,
	 "[--listen 127.0.0.1] [--port 8090] [--scans DIR] [--key FILE.key] [--out DIR] "
	 "[--no-token] [--origin https://HOST]",
	 "Serve the officers' console in a browser on this computer: prints an address with a "
	 "one-time code to open; with accounts (user add), also a sign-in form.",
	 {{"--listen ADDR", "an IPv4 address; other than loopback (127.x.x.x) only when an enabled "
			    "account exists"},
	  {"--port N", "TCP port (8090)"},
	  {"--scans DIR", "a copy of verifyd's scans folder, for the overview's charts"},
	  {"--key FILE.key", "the secret key that signs what the console issues (read only then)"},
	  {"--out DIR", "where the console's batch folders go, DIR/batch-N (./batches)"},
	  {"--no-token", "no one-time code: accounts only, on loopback too (a shared "
			 "workstation)"},
	  {"--origin URL", "the address browsers open when a TLS proxy is in front "
			   "(https://HOST[:PORT]): forms must come from it, cookies are Secure"}}},
	{"user",
	 "add",
	 cmd_user,
	 "NAME --role officer|admin [--password-file FILE]",
	 "Add an account of the console: NAME is 1 to 32 of a-z 0-9 . _ -; the password (10 to "
	 "128 bytes) is stored as its Argon2id hash only.",
	 {{"--role officer|admin", "an officer works the registry and issues; an admin also keys "
				   "and accounts"},
	  {"--password-file FILE",
	   "the password: the first line of FILE, mode 0600 or stricter "
	   "(else $OCOPSTAMP_PASSWORD, else asked twice on the terminal)"}}},
	{"user",
	 "list",
	 cmd_user,
	 "",
	 "List the console's accounts: name, role, state, created (UTC).",
	 {{0}}},
	{"user",
	 "disable",
	 cmd_user,
	 "NAME",
	 "Stop an account signing in to the console, and end its sessions there; accounts are "
	 "never deleted.",
	 {{0}}},
	{"user", "enable", cmd_user, "NAME", "Let a disabled account sign in again.", {{0}}},
	{"user",
	 "passwd",
	 cmd_user,
	 "NAME [--password-file FILE]",
	 "Set a new password for an account.",
	 {{"--password-file FILE",
	   "the password: the first line of FILE, mode 0600 or stricter "
	   "(else $OCOPSTAMP_PASSWORD, else asked twice on the terminal)"}}},
	{"verify",
	 NULL,
	 cmd_verify,
	 "[--pub FILE.pub]... [--no-store] [--catalog FILE] CODE|IMAGE.png ...",
	 "Check codes or QR codes in PNG images offline; exit 0 if all genuine.",
	 {{"--pub FILE.pub", "a public key to verify with (up to 16; with the store, also)"},
	  {"--no-store", "use only the --pub keys, not the store"},
	  {"--catalog FILE", "offline: verdicts and details from a signed catalog (export "
			     "catalog), checked under the --pub keys; an older one than last "
			     "used is refused"}}},
};
#define NUSAGES (sizeof usages / sizeof usages[0])

static const option_help help_option = {"-h, --help", "print this help and exit"};

static const option_help global_options[] = {
	{"-s STORE", "the registry store folder (default $OCOPSTAMP_STORE, else ./store)"},
	{"-q", "quiet: no progress bar, no notes"},
	{"-a, --actor NAME", "who acts, for the audit log (default $OCOPSTAMP_ACTOR; the "
			     "operating-system user is recorded too)"},
	{"-h, --help", "print this help and exit; after a verb, that verb's"},
	{"--version", "print the version and exit"},
};

/*
 * The length of the first piece of text that must stay on one line: a word,
 * or for a synopsis (keep) all up to the next "[" or "-" outside brackets, so
 * that a flag keeps its argument and "[--png [--dpi N]]" stays whole.
 */
static size_t piece(const char *text, int keep)
{
	size_t n = 0;
	int depth = 0;
	for (; text[n]; n++) {
		if (text[n] == '[')
			depth++;
		else if (text[n] == ']')
			depth--;
		else if (text[n] == ' ' &&
			 (!keep || (depth <= 0 && (text[n + 1] == '[' || text[n + 1] == '-'))))
			break;
	}
	return n;
}

/*
 * Print text from column col, breaking lines at spaces between pieces to
 * stay within WIDTH; each new line starts at column indent, where a piece
 * gets no space before it.
 */
static void wrap(FILE *f, size_t col, size_t indent, const char *text, int keep)
{
	while (*text) {
		size_t n = piece(text, keep);
		if (col > indent && col + 1 + n > WIDTH) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fwrite(text, 1, n, f);
		col += n;
		text += n;
		text += strspn(text, " ");
	}
}

static void print_option(FILE *f, const option_help *o)
{
	enum { FLAG_W = 24, HELP_COL = FLAG_W + 3 };
	if (strlen(o->flag) > FLAG_W)
		fprintf(f, "  %s\n%*s", o->flag, HELP_COL, "");
	else
		fprintf(f, "  %-*s ", FLAG_W, o->flag);
	wrap(f, HELP_COL, HELP_COL, o->help, 0);
	fputc('\n', f);
}

/* "stampgen VERB [SUB] SYNOPSIS" from column strlen(lead), wrapped. */
static void print_synopsis(FILE *f, const char *lead, const usage *u)
{
	int col = fprintf(f, "%sstampgen %s%s%s", lead, u->verb, u->sub ? " " : "",
			  u->sub ? u->sub : "");
	wrap(f, col > 0 ? (size_t)col : 0, strlen(lead) + 9, u->synopsis, 1);
	fputc('\n', f);
}

static void print_entry(FILE *f, const usage *u)
{
	print_synopsis(f, "usage: ", u);
	fputc('\n', f);
	wrap(f, 0, 0, u->desc, 0);
	fputs("\n\noptions:\n", f);
	for (size_t i = 0; i < OPTS_MAX && u->opts[i].flag; i++)
		print_option(f, &u->opts[i]);
	print_option(f, &help_option);
}

/* Whether u belongs to name: "key" names every key sub-verb, "key add" one. */
static int belongs(const usage *u, const char *name)
{
	size_t n = strlen(u->verb);
	if (strncmp(name, u->verb, n) != 0)
		return 0;
	if (name[n] == '\0')
		return 1;
	return name[n] == ' ' && u->sub && strcmp(name + n + 1, u->sub) == 0;
}

/* The entry that is exactly name ("sheet" is sheet's own, not sheet templates). */
static const usage *entry(const char *name)
{
	for (size_t i = 0; i < NUSAGES; i++)
		if (belongs(&usages[i], name) &&
		    (usages[i].sub != NULL) == (strchr(name, ' ') != NULL))
			return &usages[i];
	return NULL;
}

static void print_usage(FILE *f, const char *name)
{
	int n = 0;
	for (size_t i = 0; i < NUSAGES; i++) {
		if (!belongs(&usages[i], name))
			continue;
		if (n++)
			fputc('\n', f);
		print_entry(f, &usages[i]);
	}
	if (!n)
		cli_err("internal error: no usage for \"%s\"", name);
}

int cli_usage(const char *name)
{
	print_usage(stderr, name);
	return EXIT_USAGE;
}

static void print_overview(FILE *f)
{
	fputs("usage: stampgen [-s STORE] [-q] VERB [options]\n"
	      "       stampgen VERB --help\n"
	      "       stampgen --version\n\n",
	      f);
	for (size_t i = 0; i < sizeof global_options / sizeof global_options[0]; i++)
		print_option(f, &global_options[i]);
	fputs("\nverbs (stampgen VERB --help tells each one's options):\n", f);
	for (size_t i = 0; i < NUSAGES; i++) {
		print_synopsis(f, "  ", &usages[i]);
		fputs("      ", f);
		wrap(f, 6, 6, usages[i].desc, 0);
		fputc('\n', f);
	}
	fputs("\nExit status: 0 ok, 1 failed or rejected (not genuine, bad input), 2 usage or\n"
	      "system error. See stampgen(1), README.md and docs/.\n",
	      f);
}

/* Whether the option text flag ("-o, --out PREFIX") is the long option name. */
static int same_flag(const char *flag, const char *name)
{
	const char *p = strstr(flag, "--");
	size_t n = strlen(name);
	return p && strncmp(p + 2, name, n) == 0 && (p[2 + n] == ' ' || p[2 + n] == '\0');
}

/* Complain of every option that the parser (lo) and the table do not share. */
static void check_options(const char *name, const struct option *lo)
{
	const usage *u = entry(name);
	size_t i, j;
	if (!u)
		return; /* print_usage says so */
	for (i = 0; lo && lo[i].name; i++) {
		for (j = 0; j < OPTS_MAX && u->opts[j].flag; j++)
			if (same_flag(u->opts[j].flag, lo[i].name))
				break;
		if (j == OPTS_MAX || !u->opts[j].flag)
			cli_err("internal error: %s: --%s is not in the usage table", name,
				lo[i].name);
	}
	for (j = 0; j < OPTS_MAX && u->opts[j].flag; j++) {
		for (i = 0; lo && lo[i].name; i++)
			if (same_flag(u->opts[j].flag, lo[i].name))
				break;
		if (!lo || !lo[i].name)
			cli_err("internal error: %s: \"%s\" is not an option it takes", name,
				u->opts[j].flag);
	}
}

int cli_getopt(int argc, char **argv, const char *name, const char *shortopts,
	       const struct option *lo, int *ex)
{
	struct option all[OPTS_MAX + 2];
	char shorts[16], prog[48], *argv0 = argv[0];
	size_t n = 0;
	int opt;

	for (; lo && lo[n].name; n++) {
		if (n == OPTS_MAX) {
			cli_err("internal error: %s: more than %d options", name, OPTS_MAX);
			*ex = EXIT_USAGE;
			return '?';
		}
		all[n] = lo[n];
	}
	all[n] = (struct option){"help", no_argument, NULL, 'h'};
	all[n + 1] = (struct option){NULL, 0, NULL, 0};
	if (snprintf(shorts, sizeof shorts, "%sh", shortopts) >= (int)sizeof shorts ||
	    snprintf(prog, sizeof prog, "stampgen: %s", name) >= (int)sizeof prog) {
		cli_err("internal error: %s: names too long", name);
		*ex = EXIT_USAGE;
		return '?';
	}
	argv[0] = prog; /* getopt's own complaints then read "stampgen: VERB: ..." */
	opt = getopt_long(argc, argv, shorts, all, NULL);
	argv[0] = argv0;
	if (opt == 'h') {
		check_options(name, lo);
		print_usage(stdout, name);
		*ex = EXIT_OK;
		return '?';
	}
	if (opt == '?' || opt == ':') {
		*ex = cli_usage(name);
		return '?';
	}
	return opt;
}

int cli_operands(int argc, char **argv, const char *name, int min, int max, int *ex)
{
	if (cli_getopt(argc, argv, name, "", NULL, ex) != -1)
		return -1; /* it takes no options: this was --help or a bad one */
	if (argc - optind < min || argc - optind > max) {
		*ex = cli_usage(name);
		return -1;
	}
	return optind;
}

/*
 * Optimal string alignment distance (Levenshtein with transpositions of
 * neighbours), ignoring case: "isue" is 1 from "issue", "lsit" 1 from "list".
 */
static size_t distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b), d[3][WORD_MAX + 1];
	char x[WORD_MAX + 1], y[WORD_MAX + 1];

	if (n > WORD_MAX || m > WORD_MAX)
		return SIZE_MAX;
	for (size_t i = 0; i <= n; i++)
		x[i] = (char)tolower((unsigned char)a[i]);
	for (size_t j = 0; j <= m; j++) {
		y[j] = (char)tolower((unsigned char)b[j]);
		d[0][j] = j;
	}
	/* rows i, i - 1 and i - 2 of the table, in turn */
	for (size_t i = 1; i <= n; i++) {
		size_t *r = d[i % 3], *p = d[(i + 2) % 3], *pp = d[(i + 1) % 3];
		r[0] = i;
		for (size_t j = 1; j <= m; j++) {
			size_t v = p[j - 1] + (x[i - 1] != y[j - 1]);
			if (p[j] + 1 < v)
				v = p[j] + 1;
			if (r[j - 1] + 1 < v)
				v = r[j - 1] + 1;
			if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] &&
			    pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			r[j] = v;
		}
	}
	return d[n % 3][m];
}

/*
 * The verb (verb NULL) or sub-verb of verb nearest to word, if near enough to
 * be a typo of it: at most 2 edits, or a third of a long word, and fewer than
 * the name has letters. NULL if none is.
 */
static const char *nearest(const char *verb, const char *word)
{
	size_t n = strlen(word), limit = n / 3 > 2 ? n / 3 : 2, best = SIZE_MAX;
	const char *found = NULL;
	for (size_t i = 0; i < NUSAGES; i++) {
		const usage *u = &usages[i];
		const char *name = verb ? u->sub : u->verb;
		if (!name || (verb && strcmp(u->verb, verb) != 0))
			continue;
		size_t d = distance(word, name);
		if (d <= limit && d < strlen(name) && d < best) {
			best = d;
			found = name;
		}
	}
	return found;
}

/* "unknown verb", with the nearest one, else the list to choose from. */
static int unknown(const char *verb, const char *word)
{
	const char *near = nearest(verb, word);
	const char *sp = verb ? " " : "", *v = verb ? verb : "";
	if (near) {
		cli_err("unknown verb \"%s%s%s\"; did you mean \"%s%s%s\"?", v, sp, word, v, sp,
			near);
		return EXIT_USAGE;
	}
	cli_err("unknown verb \"%s%s%s\"", v, sp, word);
	if (verb)
		return cli_usage(verb);
	print_overview(stderr);
	return EXIT_USAGE;
}

const char *cli_subverb(int argc, char **argv, int *ex)
{
	const char *verb = argv[0], *word = argc >= 2 ? argv[1] : NULL;
	int alone = entry(verb) != NULL; /* the verb runs without a sub-verb too */

	if (alone && (!word || word[0] == '-'))
		return "";
	if (!word) {
		*ex = cli_usage(verb);
		return NULL;
	}
	if (strcmp(word, "-h") == 0 || strcmp(word, "--help") == 0) {
		print_usage(stdout, verb);
		*ex = EXIT_OK;
		return NULL;
	}
	for (size_t i = 0; i < NUSAGES; i++)
		if (strcmp(usages[i].verb, verb) == 0 && usages[i].sub &&
		    strcmp(usages[i].sub, word) == 0)
			return usages[i].sub;
	if (word[0] == '-') {
		cli_err("%s: unrecognized option '%s'", verb, word);
		*ex = cli_usage(verb);
		return NULL;
	}
	*ex = unknown(verb, word);
	return NULL;
}

/* The program's version, and the library's when it is not the one compiled in. */
static int version(void)
{
	printf("stampgen %s\n", STAMP_VERSION);
	if (strcmp(stamp_version(), STAMP_VERSION) != 0)
		printf("libstamp %s\n", stamp_version());
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {{"help", no_argument, NULL, 'h'},
					   {"version", no_argument, NULL, 'V'},
					   {"actor", required_argument, NULL, 'a'},
					   {NULL, 0, NULL, 0}};
	static char prog[] = "stampgen";
	cli c = {.store_dir = getenv("OCOPSTAMP_STORE"), .actor = getenv("OCOPSTAMP_ACTOR")};
	int opt;

	if (!c.store_dir || !*c.store_dir)
		c.store_dir = "store";
	argv[0] = prog; /* getopt's complaints read "stampgen: ..." */
	while ((opt = getopt_long(argc, argv, "+s:qha:", lo, NULL)) != -1) {
		switch (opt) {
		case 's':
			c.store_dir = optarg;
			break;
		case 'a':
			c.actor = optarg;
			break;
		case 'q':
			c.quiet = 1;
			break;
		case 'h':
			print_overview(stdout);
			return EXIT_OK;
		case 'V':
			return version();
		default:
			print_overview(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		print_overview(stderr);
		return EXIT_USAGE;
	}
	if (stamp_init() != 0) {
		cli_err("cannot initialise libsodium");
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < NUSAGES; i++) {
		if (strcmp(argv[optind], usages[i].verb) == 0) {
			int vargc = argc - optind;
			char **vargv = argv + optind;
			cli_command_line(&c, vargc, vargv);
			optind = 0; /* reset getopt for the verb's own options */
			return usages[i].run(&c, vargc, vargv);
		}
	}
	return unknown(NULL, argv[optind]);
}
