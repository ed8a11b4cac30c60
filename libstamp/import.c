/*
 * import.c - registering cooperatives and products from Excel CSV files.
 *
 * Officers keep their registry in Excel and save it as "CSV UTF-8": a BOM,
 * CRLF line ends, and quotes around cells holding commas or line breaks
 * (Alt+Enter). libcsv in strict mode parses that; we feed it one physical
 * line at a time so every message can name the line a record starts on,
 * which is the row number the officer sees in Excel even when a cell above
 * spans several lines.
 *
 * The import is all or nothing. Every row is checked against the registry
 * rules (registry.c), against the other rows (duplicate ids) and against the
 * store (ids already registered, products whose cooperative is unknown), all
 * inside one write transaction; records are put and committed only when no
 * problem was found, so fixing a file means re-running it, never cleaning up a
 * half import. Reporting stops at 100 problems: past that the file is
 * usually in the wrong format altogether.
 *
 * Events (event.h) take the same road with one difference: each good row is
 * appended to the store as it is read (stamp_event_add, in the import's
 * transaction), because an event's sequence number and the per-batch limit
 * depend on the rows before it; the transaction is committed only when no
 * row failed, and aborted otherwise, so the all-or-nothing rule holds.
 */
#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "internal.h"
#include "stamp/env.h"
#include "stamp/event.h"
#include "stamp/import.h"
#include "stamp/registry.h"
#include "stamp/store.h"

#define MAX_ERRORS 100
#define MAX_COLS 32
#define MAX_ROWS 100000
#define MAX_FILE ((size_t)64 << 20)
#define MAX_FIELD 4096 /* far above any field limit; bounds what we copy */

struct seen {
	char id[STAMP_ID_MAX + 1];
	size_t line;
};

struct imp {
	stamp_txn *txn;
	stamp_import_kind kind;
	int64_t now; /* events: their time of recording */
	const char *path;
	stamp_import_err_cb on_err;
	stamp_import_row_cb on_rowcb;
	void *ctx;
	size_t nerr;
	int fatal; /* stop parsing: header unusable, store failure or too many errors */
	int syserr;

	size_t line;	 /* physical line being fed */
	size_t rec_line; /* line the current record started on */

	int have_header;
	size_t ncols;
	const char *cols[MAX_COLS]; /* field names (static strings) by column */

	char *vals[MAX_COLS]; /* current row */
	size_t nvals;
	int nonempty;

	void *recs; /* stamp_coop[] or stamp_product[] */
	size_t nrecs, caprecs;
	struct seen *ids; /* open addressing, for duplicate ids */
	size_t nids, capids;
};

static void report(struct imp *im, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(struct imp *im, size_t line, const char *fmt, ...)
{
	char body[700], msg[1024];
	va_list ap;

	if (im->nerr >= MAX_ERRORS) {
		im->fatal = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(body, sizeof body, fmt, ap); /* truncation keeps a readable prefix */
	va_end(ap);
	if (line)
		snprintf(msg, sizeof msg, "%s:%zu: %s", im->path, line, body);
	else
		snprintf(msg, sizeof msg, "%s: %s", im->path, body);
	im->nerr++;
	if (im->on_err)
		im->on_err(msg, im->ctx);
	if (im->nerr >= MAX_ERRORS)
		im->fatal = 1;
}

static const char *const *fields(const struct imp *im)
{
	if (im->kind == STAMP_IMPORT_EVENTS)
		return stamp_event_fields;
	return im->kind == STAMP_IMPORT_PRODUCTS ? stamp_product_fields : stamp_coop_fields;
}

static int required(const struct imp *im, const char *field)
{
	if (im->kind == STAMP_IMPORT_EVENTS)
		return stamp_event_required(field);
	return stamp_registry_required(im->kind == STAMP_IMPORT_PRODUCTS, field);
}

static size_t rec_size(const struct imp *im)
{
	return im->kind == STAMP_IMPORT_PRODUCTS ? sizeof(stamp_product) : sizeof(stamp_coop);
}

static void clear_row(struct imp *im)
{
	for (size_t i = 0; i < im->nvals && i < MAX_COLS; i++) {
		free(im->vals[i]);
		im->vals[i] = NULL;
	}
	im->nvals = 0;
	im->nonempty = 0;
}

/* FNV-1a; ids are short ASCII */
static size_t hash_id(const char *s)
{
	size_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static struct seen *find_slot(struct seen *tab, size_t cap, const char *id)
{
	size_t i = hash_id(id) & (cap - 1);
	while (tab[i].id[0] && strcmp(tab[i].id, id) != 0)
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

/* Returns the line id was first seen on, or 0 after recording it; SIZE_MAX on ENOMEM. */
static size_t seen_id(struct imp *im, const char *id, size_t line)
{
	if (im->nids * 2 + 2 > im->capids) {
		size_t cap = im->capids ? im->capids * 2 : 64;
		struct seen *tab = calloc(cap, sizeof *tab);
		if (!tab)
			return SIZE_MAX;
		for (size_t i = 0; i < im->capids; i++)
			if (im->ids[i].id[0])
				*find_slot(tab, cap, im->ids[i].id) = im->ids[i];
		free(im->ids);
		im->ids = tab;
		im->capids = cap;
	}
	struct seen *s = find_slot(im->ids, im->capids, id);
	if (s->id[0])
		return s->line;
	memcpy(s->id, id, strlen(id) + 1); /* id passed the registry rule: <= 32 bytes */
	s->line = line;
	im->nids++;
	return 0;
}

/*
 * A line break typed into a cell (Alt+Enter) is a layout choice in Excel, not
 * part of an address or a name: it and the blanks around it become one space.
 */
static void fold_breaks(char *s)
{
	char *w = s;
	for (char *r = s; *r;) {
		if (*r == '\r' || *r == '\n') {
			while (w > s && (w[-1] == ' ' || w[-1] == '\t'))
				w--;
			while (*r == '\r' || *r == '\n' || *r == ' ' || *r == '\t')
				r++;
			*w++ = ' ';
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

static void on_field(void *data, size_t len, void *arg)
{
	struct imp *im = arg;
	size_t i = im->nvals++;
	const char *s = data ? data : "";

	if (im->fatal || i >= MAX_COLS)
		return;
	if (memchr(s, '\0', len)) {
		report(im, im->rec_line, "column %zu: NUL byte in the field", i + 1);
		len = strlen(s);
	}
	im->vals[i] = malloc(len + 1);
	if (!im->vals[i]) {
		im->syserr = ENOMEM;
		im->fatal = 1;
		return;
	}
	memcpy(im->vals[i], s, len);
	im->vals[i][len] = '\0';
	/* a data cell is measured after its line breaks are folded, so that the same
	 * cell saved with LF or with CRLF is the same value, however long */
	if (im->ncols) {
		fold_breaks(im->vals[i]);
		len = strlen(im->vals[i]);
	}
	if (len > MAX_FIELD) /* beyond every limit: keep one byte more, for the rule to refuse */
		im->vals[i][len = MAX_FIELD + 1] = '\0';
	if (strspn(im->vals[i], " \t\r\n") != len)
		im->nonempty = 1;
}

static void header_row(struct imp *im)
{
	const char *const *names = fields(im);
	char known[256] = "";

	im->have_header = 1;
	if (im->nvals > MAX_COLS) {
		report(im, im->rec_line, "%zu columns in the header, at most %d expected",
		       im->nvals, MAX_COLS);
		im->fatal = 1;
		return;
	}
	im->ncols = im->nvals;
	for (size_t k = 0, used = 0; names[k]; k++) {
		int n = snprintf(known + used, sizeof known - used, "%s%s", k ? ", " : "",
				 names[k]);
		if (n > 0 && (size_t)n < sizeof known - used)
			used += (size_t)n;
	}
	for (size_t i = 0; i < im->ncols; i++) {
		char *h = im->vals[i];
		size_t n = strlen(h);
		while (n && (h[n - 1] == ' ' || h[n - 1] == '\t'))
			h[--n] = '\0';
		h += strspn(h, " \t");
		im->cols[i] = NULL;
		for (size_t k = 0; names[k]; k++)
			if (strcasecmp(h, names[k]) == 0)
				im->cols[i] = names[k];
		if (!im->cols[i]) {
			report(im, im->rec_line, "unknown column \"%.64s\" (columns are: %s)", h,
			       known);
			continue;
		}
		for (size_t j = 0; j < i; j++)
			if (im->cols[j] == im->cols[i])
				report(im, im->rec_line, "duplicate column \"%s\"", im->cols[i]);
	}
	for (size_t k = 0; names[k]; k++) {
		size_t i = 0;
		while (i < im->ncols && im->cols[i] != names[k])
			i++;
		if (i == im->ncols && required(im, names[k]) == 1)
			report(im, im->rec_line, "missing required column \"%s\"", names[k]);
	}
	if (im->nerr)
		im->fatal = 1; /* rows cannot be read against a broken header */
}

static int grow_recs(struct imp *im)
{
	if (im->nrecs < im->caprecs)
		return 0;
	size_t cap = im->caprecs ? im->caprecs * 2 : 64;
	void *r = realloc(im->recs, cap * rec_size(im));
	if (!r)
		return ENOMEM;
	im->recs = r;
	im->caprecs = cap;
	return 0;
}

/* Ids against the file and the store; coop_id against the store. */
static int row_refs(struct imp *im, const char *id, const char *coop_id)
{
	int bad = 0, err;
	size_t first;

	if (id[0]) {
		if ((first = seen_id(im, id, im->rec_line)) == SIZE_MAX)
			return ENOMEM;
		if (first) {
			report(im, im->rec_line,
			       "column \"id\": duplicate id \"%s\" (first on line %zu)", id, first);
			bad = 1;
		}
		if (im->kind == STAMP_IMPORT_PRODUCTS) {
			stamp_product tmp;
			err = stamp_store_get_product(im->txn, id, &tmp);
		} else {
			stamp_coop tmp;
			err = stamp_store_get_coop(im->txn, id, &tmp);
		}
		if (err == 0) {
			report(im, im->rec_line, "column \"id\": \"%s\" already registered", id);
			bad = 1;
		} else if (err != STAMP_ENOTFOUND) {
			return err;
		}
	}
	if (coop_id && coop_id[0]) {
		stamp_coop tmp;
		err = stamp_store_get_coop(im->txn, coop_id, &tmp);
		if (err == STAMP_ENOTFOUND) {
			report(im, im->rec_line,
			       "column \"coop_id\": no cooperative \"%s\" is registered (import "
			       "the "
			       "cooperatives first)",
			       coop_id);
			bad = 1;
		} else if (err) {
			return err;
		}
	}
	return bad ? -1 : 0;
}

/* An event row goes into the transaction at once (see the top of this file). */
static void event_row(struct imp *im)
{
	stamp_event e;
	stamp_diag d;
	int bad = 0, err;

	memset(&e, 0, sizeof e);
	e.minutes = STAMP_EVENT_NO_TIME;
	for (size_t i = 0; i < im->ncols; i++)
		if (stamp_event_set(&e, im->cols[i], im->vals[i], &d) != 0) {
			report(im, im->rec_line, "%s", d.msg);
			bad = 1;
		}
	if (bad)
		return;
	if (im->nrecs >= MAX_ROWS) {
		report(im, im->rec_line, "more than %d rows; split the file", MAX_ROWS);
		im->fatal = 1;
		return;
	}
	d.msg[0] = '\0';
	err = stamp_event_add(im->txn, &e, im->now, &d);
	if (err == STAMP_EINPUT) {
		report(im, im->rec_line, "%s", d.msg);
	} else if (err) {
		im->syserr = err;
		im->fatal = 1;
	} else {
		im->nrecs++;
	}
}

static void data_row(struct imp *im)
{
	int product = im->kind == STAMP_IMPORT_PRODUCTS;
	stamp_product p;
	stamp_coop c;
	stamp_diag d;
	int bad = 0, err;

	if (im->nvals != im->ncols) {
		report(im, im->rec_line, "%zu fields, but the header has %zu columns", im->nvals,
		       im->ncols);
		return;
	}
	if (im->kind == STAMP_IMPORT_EVENTS) {
		event_row(im);
		return;
	}
	memset(&p, 0, sizeof p);
	memset(&c, 0, sizeof c);
	for (size_t i = 0; i < im->ncols; i++) {
		err = product ? stamp_product_set(&p, im->cols[i], im->vals[i], &d)
			      : stamp_coop_set(&c, im->cols[i], im->vals[i], &d);
		if (err) {
			report(im, im->rec_line, "%s", d.msg);
			bad = 1;
		}
	}
	if (!bad) {
		err = product ? stamp_product_check(&p, &d) : stamp_coop_check(&c, &d);
		if (err) {
			report(im, im->rec_line, "%s", d.msg);
			bad = 1;
		}
	}
	err = row_refs(im, product ? p.id : c.id, product ? p.coop_id : NULL);
	if (err > 0 || err < -1) {
		im->syserr = err;
		im->fatal = 1;
		return;
	}
	if (bad || err || im->nerr)
		return; /* nothing will be written; keep only the checking going */
	if (im->nrecs >= MAX_ROWS) {
		report(im, im->rec_line, "more than %d rows; split the file", MAX_ROWS);
		im->fatal = 1;
		return;
	}
	if ((err = grow_recs(im)) != 0) {
		im->syserr = err;
		im->fatal = 1;
		return;
	}
	if (product)
		((stamp_product *)im->recs)[im->nrecs++] = p;
	else
		((stamp_coop *)im->recs)[im->nrecs++] = c;
}

static void on_row(int term, void *arg)
{
	struct imp *im = arg;
	(void)term;

	if (!im->fatal && im->on_rowcb && (!im->have_header || im->nonempty)) {
		const char *cells[MAX_COLS];
		size_t n = im->nvals < MAX_COLS ? im->nvals : MAX_COLS;
		for (size_t i = 0; i < n; i++)
			cells[i] = im->vals[i] ? im->vals[i] : "";
		im->on_rowcb(im->rec_line, cells, n, im->ctx);
	}
	if (!im->fatal) {
		if (!im->have_header)
			header_row(im);
		else if (im->nonempty)
			data_row(im);
	}
	clear_row(im);
}

/*
 * Updates the quote parity and says whether the line holds anything but
 * blanks (the separator counts: a tab-separated row of empty cells is a row).
 */
static int scan_line(const char *s, size_t n, unsigned char delim, int *in_quote)
{
	int content = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			*in_quote = !*in_quote;
		if ((s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') ||
		    (unsigned char)s[i] == delim)
			content = 1;
	}
	return content;
}

static int parse_file(struct imp *im, FILE *f, unsigned char delim, stamp_diag *diag)
{
	struct csv_parser csv;
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	int in_quote = 0, err = 0;

	if (csv_init(&csv, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
		return stamp_diag_set(diag, ENOMEM, "%s: cannot start the CSV parser", im->path);
	csv_set_delim(&csv, delim);
	while (!im->fatal && (n = getline(&buf, &cap, f)) > 0) {
		const char *s = buf;
		im->line++;
		if (im->line == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
			s += 3, n -= 3; /* Excel's "CSV UTF-8" starts with a BOM */
		/*
		 * Outside quotes every line starts a new record; strict mode
		 * rejects quotes anywhere but around a field, so parity tells.
		 */
		int at_boundary = !in_quote;
		if (scan_line(s, (size_t)n, delim, &in_quote) && at_boundary)
			im->rec_line = im->line;
		if (csv_parse(&csv, s, (size_t)n, on_field, on_row, im) != (size_t)n) {
			/* libcsv's own text ("error parsing data...") tells an officer nothing */
			report(im, im->line,
			       "CSV syntax error: a quote inside an unquoted field, "
			       "or text after a closing quote");
			im->fatal = 1;
		}
	}
	if (ferror(f)) {
		err = stamp_diag_set(diag, errno ? errno : EIO, "%s: read error", im->path);
		im->fatal = 1;
	}
	if (!im->fatal && csv_fini(&csv, on_field, on_row, im) != 0)
		report(im, im->rec_line,
		       "CSV syntax error: quoted field never closed (a \" is "
		       "missing)");
	if (!im->fatal && !im->have_header && !im->nerr)
		report(im, 0, "empty file: expected a header row naming the columns");
	csv_free(&csv);
	free(buf);
	clear_row(im);
	return err;
}

static int put_all(struct imp *im)
{
	int err = 0;
	if (im->kind == STAMP_IMPORT_EVENTS)
		return 0; /* already in the transaction */
	for (size_t i = 0; i < im->nrecs && !err; i++)
		err = im->kind == STAMP_IMPORT_PRODUCTS
			      ? stamp_store_put_product(im->txn, &((stamp_product *)im->recs)[i], 0)
			      : stamp_store_put_coop(im->txn, &((stamp_coop *)im->recs)[i], 0);
	return err;
}

/* One row of a sheet, fed to the same handlers as a CSV record. */
static int on_sheet_row(size_t row, const char *const *cells, size_t n, void *ctx)
{
	struct imp *im = ctx;
	im->line = im->rec_line = row;
	for (size_t i = 0; i < n; i++)
		on_field((void *)cells[i], strlen(cells[i]), im);
	/* a sheet keeps no empty cells at the end of a row: they are empty fields */
	for (size_t i = n; im->have_header && i < im->ncols; i++)
		on_field("", 0, im);
	on_row('\n', im);
	return im->fatal;
}

static int parse_workbook(struct imp *im, const char *sheet, stamp_diag *diag)
{
	char *data = NULL;
	size_t len = 0;
	int rc = stamp_file_read(im->path, MAX_FILE, &data, &len, diag);
	if (rc)
		return rc;
	rc = stamp_xlsx_rows(im->path, data, len, sheet, on_sheet_row, im, diag);
	free(data);
	if (rc == STAMP_EINPUT) { /* a problem like any other (diag names the file): counted */
		im->nerr++;
		if (im->on_err)
			im->on_err(diag->msg, im->ctx);
		rc = 0;
	}
	if (!rc && !im->fatal && !im->have_header && !im->nerr)
		report(im, 0, "empty sheet: expected a header row naming the columns");
	clear_row(im);
	return rc;
}

/* "PK\3\4": a ZIP archive, as an .xlsx workbook is */
static int is_zip(const char *path)
{
	unsigned char m[4] = {0};
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(m, 1, 4, f) : 0;
	if (f)
		fclose(f);
	return n == 4 && memcmp(m, "PK\3\4", 4) == 0;
}

int stamp_import_csv(stamp_store *st, stamp_import_kind kind, const char *path, int dry_run,
		     size_t *count, stamp_import_err_cb on_err, void *ctx, stamp_diag *diag)
{
	return stamp_import_file(st, kind, path, NULL, dry_run, count, on_err, ctx, diag);
}

int stamp_import_file(stamp_store *st, stamp_import_kind kind, const char *path, const char *sheet,
		      int dry_run, size_t *count, stamp_import_err_cb on_err, void *ctx,
		      stamp_diag *diag)
{
	return stamp_import_file_rows(st, kind, path, sheet, dry_run, count, on_err, NULL, ctx,
				      diag);
}

int stamp_import_file_rows(stamp_store *st, stamp_import_kind kind, const char *path,
			   const char *sheet, int dry_run, size_t *count,
			   stamp_import_err_cb on_err, stamp_import_row_cb row_cb, void *ctx,
			   stamp_diag *diag)
{
	struct imp im = {.kind = kind,
			 .now = time(NULL),
			 .path = path,
			 .on_err = on_err,
			 .on_rowcb = row_cb,
			 .ctx = ctx};
	FILE *f = NULL;
	char *text = NULL;
	size_t tlen = 0;
	unsigned char delim = ',';
	int err;

	if (count)
		*count = 0;
	if (!st || !path ||
	    (kind != STAMP_IMPORT_COOPS && kind != STAMP_IMPORT_PRODUCTS &&
	     kind != STAMP_IMPORT_EVENTS))
		return stamp_diag_set(diag, EINVAL, "import: bad arguments");
	int book = is_zip(path);
	/* UTF-8 (BOM or not) or UTF-16 with a BOM, separated by ',', ';' or tabs */
	err = book ? 0 : stamp_tabular_read(path, MAX_FILE, &text, &tlen, &delim, diag);
	if (err == STAMP_EINPUT) { /* a problem like any other: reported, then counted */
		if (on_err)
			on_err(diag->msg, ctx);
		return stamp_diag_set(diag, STAMP_EINPUT, "%s: 1 problem; nothing imported", path);
	}
	if (err)
		return err;
	if (!book && !(f = fmemopen(tlen ? text : (char *)"\n", tlen ? tlen : 1, "r"))) {
		err = stamp_diag_set(diag, errno, "%s: %s", path, strerror(errno));
		goto leave;
	}
	if ((err = stamp_txn_begin(st, 1, &im.txn)) != 0) {
		stamp_diag_set(diag, err, "%s: cannot open the store for writing: %s", path,
			       stamp_strerror(err));
		goto leave;
	}
	if ((err = book ? parse_workbook(&im, sheet, diag) : parse_file(&im, f, delim, diag)) != 0)
		goto leave;
	if (im.syserr) {
		err = stamp_diag_set(diag, im.syserr, "%s:%zu: %s", path, im.rec_line,
				     stamp_strerror(im.syserr));
		goto leave;
	}
	if (im.nerr) {
		err = stamp_diag_set(diag, STAMP_EINPUT, "%s: %s%zu problem%s; nothing imported",
				     path, im.nerr >= MAX_ERRORS ? "at least " : "", im.nerr,
				     im.nerr == 1 ? "" : "s");
		goto leave;
	}
	if ((err = put_all(&im)) != 0) {
		stamp_env_explain_write(stamp_store_env(st), "store", err, diag);
		goto leave;
	}
	if (!dry_run) {
		err = stamp_txn_commit(im.txn, diag); /* the diag names a full disk */
		im.txn = NULL;
		if (err)
			goto leave;
	}
	if (count)
		*count = im.nrecs;
leave:
	stamp_txn_abort(im.txn);
	if (f)
		fclose(f);
	free(text);
	free(im.recs);
	free(im.ids);
	return err;
}
