/*
 * xlsx.c - the rows of one sheet of an Excel workbook (.xlsx, Office Open
 * XML), as text cells with Excel's row numbers, for import.c: officers keep
 * the registry in Excel, and "save as CSV" is one step too many.
 *
 * The workbook is a ZIP archive (libzip) of XML parts (expat): workbook.xml
 * names the sheets, its relationships say which part holds each,
 * sharedStrings.xml holds the text cells, styles.xml says which number
 * formats are dates. A cell becomes text as Excel shows it to an officer
 * where it matters here: a date (a serial number under a date format) is
 * YYYY-MM-DD (with HH:MM when it has a time of day), a whole number is its
 * digits (an id or a GTIN stored as a number: 8936005120011, not 8.94E+12),
 * text is the text. Every part is bounded (XLSX_PART_MAX bytes uncompressed:
 * a ZIP bomb is refused before it is inflated) and expat's own protection
 * against entity expansion applies; no DTD is read.
 */
#include <errno.h>
#include <expat.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "internal.h"

#define XLSX_PART_MAX ((zip_uint64_t)64 << 20)
#define CELL_MAX 32768 /* bytes of one cell's text kept; the field rules refuse far less */
#define COLS_MAX 64

/* ---- parts ------------------------------------------------------------------ */

typedef struct book {
	const char *path;
	zip_t *zip;
	stamp_diag *diag;
	char **strings; /* shared strings */
	size_t nstrings, capstrings;
	unsigned char *date_style; /* by cellXfs index: 1 when a date format */
	size_t nstyles;
	int date1904;
} book;

static int part(book *b, const char *name, char **out, size_t *len, int optional)
{
	zip_stat_t st;
	*out = NULL;
	*len = 0;
	if (zip_stat(b->zip, name, 0, &st) != 0) {
		if (optional)
			return 0;
		return stamp_diag_set(b->diag, STAMP_EINPUT, "%s: not an Excel workbook (no %s)",
				      b->path, name);
	}
	if (!(st.valid & ZIP_STAT_SIZE) || st.size > XLSX_PART_MAX)
		return stamp_diag_set(b->diag, STAMP_EINPUT, "%s: %s is larger than %llu MiB",
				      b->path, name, (unsigned long long)(XLSX_PART_MAX >> 20));
	zip_file_t *f = zip_fopen(b->zip, name, 0);
	char *buf = f ? malloc(st.size + 1) : NULL;
	zip_int64_t n = buf ? zip_fread(f, buf, st.size) : -1;
	if (f)
		zip_fclose(f);
	if (n < 0 || (zip_uint64_t)n != st.size) {
		free(buf);
		return stamp_diag_set(b->diag, STAMP_EINPUT,
				      "%s: %s cannot be read from the archive", b->path, name);
	}
	buf[n] = '\0';
	*out = buf;
	*len = (size_t)n;
	return 0;
}

/* An element's name without its namespace prefix. */
static const char *local(const char *name)
{
	const char *c = strrchr(name, ':');
	return c ? c + 1 : name;
}

static const char *attr(const char **a, const char *name)
{
	for (; a && a[0]; a += 2)
		if (strcmp(local(a[0]), name) == 0)
			return a[1];
	return NULL;
}

typedef struct sax {
	book *b;
	XML_Parser p;
	int rc;
	void *ctx;
} sax;

static int parse_xml(book *b, const char *name, const char *xml, size_t len,
		     XML_StartElementHandler start, XML_EndElementHandler end,
		     XML_CharacterDataHandler text, void *ctx)
{
	XML_Parser p = XML_ParserCreate("UTF-8");
	if (!p)
		return stamp_diag_set(b->diag, ENOMEM, "%s: out of memory", b->path);
	sax s = {b, p, 0, ctx};
	XML_SetUserData(p, &s);
	XML_SetElementHandler(p, start, end);
	XML_SetCharacterDataHandler(p, text);
	XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
	if (XML_Parse(p, xml, (int)len, 1) == XML_STATUS_ERROR && !s.rc)
		s.rc = stamp_diag_set(b->diag, STAMP_EINPUT, "%s: %s, line %lu: %s", b->path, name,
				      XML_GetCurrentLineNumber(p),
				      XML_ErrorString(XML_GetErrorCode(p)));
	XML_ParserFree(p);
	return s.rc;
}

static void stop(sax *s, int rc)
{
	if (!s->rc)
		s->rc = rc;
	XML_StopParser(s->p, XML_FALSE);
}

/* ---- workbook.xml and its relationships: which part is the sheet ----------- */

typedef struct pick {
	const char *want; /* sheet name, or NULL for the first */
	char rid[128], found[256];
	int seen;
} pick;

static void on_workbook(void *u, const char *el, const char **a)
{
	sax *s = u;
	pick *k = s->ctx;
	const char *n = local(el);
	if (strcmp(n, "workbookPr") == 0) {
		const char *d = attr(a, "date1904");
		s->b->date1904 = d && (strcmp(d, "1") == 0 || strcmp(d, "true") == 0);
	}
	if (strcmp(n, "sheet") != 0 || k->rid[0])
		return;
	const char *name = attr(a, "name"), *rid = attr(a, "id");
	if (!name || !rid)
		return;
	k->seen++;
	if (!k->want || strcmp(name, k->want) == 0)
		snprintf(k->rid, sizeof k->rid, "%s", rid);
}

static void on_rels(void *u, const char *el, const char **a)
{
	sax *s = u;
	pick *k = s->ctx;
	const char *id = attr(a, "Id"), *target = attr(a, "Target");
	if (strcmp(local(el), "Relationship") != 0 || !id || !target || strcmp(id, k->rid) != 0)
		return;
	/* relative to xl/, or absolute from the archive's root */
	snprintf(k->found, sizeof k->found, "%s%s", target[0] == '/' ? "" : "xl/",
		 target[0] == '/' ? target + 1 : target);
}

static void no_end(void *u, const char *el)
{
	(void)u;
	(void)el;
}

static void no_text(void *u, const char *s, int n)
{
	(void)u;
	(void)s;
	(void)n;
}

/* ---- sharedStrings.xml ------------------------------------------------------ */

typedef struct strs {
	char *cur;
	size_t len;
	int in_si, in_t, in_rph;
} strs;

static void append(char **buf, size_t *len, const char *s, size_t n)
{
	if (*len + n > CELL_MAX)
		n = *len < CELL_MAX ? CELL_MAX - *len : 0;
	char *p = realloc(*buf, *len + n + 1);
	if (!p)
		return;
	memcpy(p + *len, s, n);
	*len += n;
	p[*len] = '\0';
	*buf = p;
}

static void on_ss_start(void *u, const char *el, const char **a)
{
	sax *s = u;
	strs *x = s->ctx;
	const char *n = local(el);
	(void)a;
	if (strcmp(n, "si") == 0) {
		x->in_si = 1;
		x->len = 0;
		free(x->cur);
		x->cur = calloc(1, 1);
	} else if (strcmp(n, "rPh") == 0) {
		x->in_rph = 1; /* phonetic guide text: not the cell's */
	} else if (strcmp(n, "t") == 0) {
		x->in_t = 1;
	}
}

static void on_ss_end(void *u, const char *el)
{
	sax *s = u;
	strs *x = s->ctx;
	book *b = s->b;
	const char *n = local(el);
	if (strcmp(n, "t") == 0)
		x->in_t = 0;
	else if (strcmp(n, "rPh") == 0)
		x->in_rph = 0;
	else if (strcmp(n, "si") == 0 && x->in_si) {
		x->in_si = 0;
		if (b->nstrings == b->capstrings) {
			size_t cap = b->capstrings ? 2 * b->capstrings : 256;
			char **p = realloc(b->strings, cap * sizeof *p);
			if (!p)
				return stop(s, ENOMEM);
			b->strings = p;
			b->capstrings = cap;
		}
		b->strings[b->nstrings++] = x->cur ? x->cur : calloc(1, 1);
		x->cur = NULL;
	}
}

static void on_ss_text(void *u, const char *t, int n)
{
	sax *s = u;
	strs *x = s->ctx;
	if (x->in_si && x->in_t && !x->in_rph)
		append(&x->cur, &x->len, t, (size_t)n);
}

/* ---- styles.xml: which cell styles are dates -------------------------------- */

typedef struct styles {
	int in_xfs;
	unsigned custom[64]; /* custom number format ids that are dates */
	size_t ncustom;
} styles;

/* A format code shows a date when it has d, m or y outside quotes and brackets. */
static int date_code(const char *c)
{
	int q = 0, br = 0;
	for (; *c; c++) {
		if (*c == '"')
			q = !q;
		else if (*c == '[' && !q)
			br = 1;
		else if (*c == ']' && !q)
			br = 0;
		else if (*c == '\\' && c[1])
			c++;
		else if (!q && !br && strchr("dDmMyY", *c))
			return 1;
	}
	return 0;
}

static int builtin_date(unsigned id)
{
	return (id >= 14 && id <= 22) || (id >= 45 && id <= 47);
}

static void on_styles(void *u, const char *el, const char **a)
{
	sax *s = u;
	styles *x = s->ctx;
	book *b = s->b;
	const char *n = local(el);
	if (strcmp(n, "numFmt") == 0) {
		const char *id = attr(a, "numFmtId"), *code = attr(a, "formatCode");
		if (id && code && date_code(code) && x->ncustom < 64)
			x->custom[x->ncustom++] = (unsigned)strtoul(id, NULL, 10);
	} else if (strcmp(n, "cellXfs") == 0) {
		x->in_xfs = 1;
	} else if (strcmp(n, "xf") == 0 && x->in_xfs) {
		const char *id = attr(a, "numFmtId");
		unsigned v = id ? (unsigned)strtoul(id, NULL, 10) : 0;
		int date = builtin_date(v);
		for (size_t i = 0; i < x->ncustom && !date; i++)
			date = x->custom[i] == v;
		unsigned char *p = realloc(b->date_style, b->nstyles + 1);
		if (!p)
			return stop(s, ENOMEM);
		b->date_style = p;
		b->date_style[b->nstyles++] = (unsigned char)date;
	}
}

static void on_styles_end(void *u, const char *el)
{
	sax *s = u;
	styles *x = s->ctx;
	if (strcmp(local(el), "cellXfs") == 0)
		x->in_xfs = 0;
}

/* ---- the sheet ------------------------------------------------------------------ */

typedef struct sheet {
	stamp_xlsx_row_cb cb;
	void *ctx;
	size_t row;	       /* Excel's row number */
	char *cells[COLS_MAX]; /* this row's, by column */
	size_t ncells;	       /* columns up to the last one holding something */
	int col, type, style, in_v, in_is_t;
	char *text;
	size_t len;
} sheet;

enum { T_NUMBER, T_SHARED, T_INLINE, T_STRING, T_BOOL, T_ERROR };

/* "BC12" -> column 54 (0-based), or -1 */
static int column_of(const char *ref)
{
	int c = 0, letters = 0;
	for (; *ref >= 'A' && *ref <= 'Z'; ref++, letters++)
		c = c * 26 + (*ref - 'A' + 1);
	return letters && c <= COLS_MAX ? c - 1 : -1;
}

/* An Excel serial day number (1900 or 1904 system) as YYYY-MM-DD[ HH:MM]. */
static void serial_date(double v, int date1904, char *out, size_t cap)
{
	long serial = (long)floor(v);
	int minutes = (int)floor((v - floor(v)) * 1440 + 0.5);
	if (minutes >= 1440)
		minutes = 0, serial++;
	/*
	 * Days since 1970-01-01: the 1900 system's serial 25569 is that day, and
	 * it counts a 29 February 1900 (serial 60) that never was, so the serials
	 * before it are one day closer; the 1904 system's is 24107.
	 */
	long z = date1904 ? serial - 24107 : serial < 61 ? serial - 25568 : serial - 25569;
	/* civil from days (H. Hinnant's algorithm) */
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	long d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
	long y = yoe + era * 400 + (m <= 2);
	if (minutes)
		snprintf(out, cap, "%04ld-%02ld-%02ld %02d:%02d", y, m, d, minutes / 60,
			 minutes % 60);
	else
		snprintf(out, cap, "%04ld-%02ld-%02ld", y, m, d);
}

/* The text a number cell shows here: its date, its whole digits, or its text. */
static void number_text(const book *b, const sheet *sh, const char *v, char *out, size_t cap)
{
	char *end;
	double x = strtod(v, &end);
	int is_date = sh->style >= 0 && (size_t)sh->style < b->nstyles && b->date_style[sh->style];
	if (*end || !isfinite(x)) {
		snprintf(out, cap, "%s", v);
	} else if (is_date && x >= 1 && x < 2958466) { /* up to 9999-12-31 */
		serial_date(x, b->date1904, out, cap);
	} else if (x == floor(x) && fabs(x) < 1e15) {
		snprintf(out, cap, "%.0f", x);
	} else {
		snprintf(out, cap, "%s", v);
	}
}

static void clear_cells(sheet *sh)
{
	for (size_t i = 0; i < COLS_MAX; i++) {
		free(sh->cells[i]);
		sh->cells[i] = NULL;
	}
	sh->ncells = 0;
}

static void on_sheet_start(void *u, const char *el, const char **a)
{
	sax *s = u;
	sheet *sh = s->ctx;
	const char *n = local(el);
	if (strcmp(n, "row") == 0) {
		const char *r = attr(a, "r");
		sh->row = r ? strtoul(r, NULL, 10) : sh->row + 1;
		clear_cells(sh);
		sh->col = -1;
	} else if (strcmp(n, "c") == 0) {
		const char *r = attr(a, "r"), *t = attr(a, "t"), *st = attr(a, "s");
		sh->col = r ? column_of(r) : sh->col + 1;
		if (sh->col < 0 && r)
			return stop(s, stamp_diag_set(s->b->diag, STAMP_EINPUT,
						      "%s:%zu: cell %.16s: more than %d columns",
						      s->b->path, sh->row, r, COLS_MAX));
		sh->type = !t				 ? T_NUMBER
			   : strcmp(t, "s") == 0	 ? T_SHARED
			   : strcmp(t, "inlineStr") == 0 ? T_INLINE
			   : strcmp(t, "str") == 0	 ? T_STRING
			   : strcmp(t, "b") == 0	 ? T_BOOL
			   : strcmp(t, "e") == 0	 ? T_ERROR
							 : T_NUMBER;
		sh->style = st ? (int)strtol(st, NULL, 10) : -1;
		sh->len = 0;
		free(sh->text);
		sh->text = calloc(1, 1);
	} else if (strcmp(n, "v") == 0) {
		sh->in_v = 1;
	} else if (strcmp(n, "t") == 0 && sh->type == T_INLINE) {
		sh->in_is_t = 1;
	}
}

static void on_sheet_text(void *u, const char *t, int n)
{
	sax *s = u;
	sheet *sh = s->ctx;
	if (sh->in_v || sh->in_is_t)
		append(&sh->text, &sh->len, t, (size_t)n);
}

static void on_sheet_end(void *u, const char *el)
{
	sax *s = u;
	sheet *sh = s->ctx;
	book *b = s->b;
	const char *n = local(el);
	char buf[64];
	if (strcmp(n, "v") == 0) {
		sh->in_v = 0;
	} else if (strcmp(n, "t") == 0) {
		sh->in_is_t = 0;
	} else if (strcmp(n, "c") == 0 && sh->col >= 0 && sh->col < COLS_MAX) {
		const char *v = sh->text ? sh->text : "";
		char *cell = NULL;
		if (sh->type == T_SHARED) {
			char *end;
			unsigned long i = strtoul(v, &end, 10);
			if (*end || !*v || i >= b->nstrings)
				return stop(s, stamp_diag_set(b->diag, STAMP_EINPUT,
							      "%s:%zu: a cell names shared string "
							      "\"%.16s\", which the workbook lacks",
							      b->path, sh->row, v));
			cell = strdup(b->strings[i]);
		} else if (sh->type == T_NUMBER && *v) {
			number_text(b, sh, v, buf, sizeof buf);
			cell = strdup(buf);
		} else if (sh->type == T_BOOL) {
			cell = strdup(strcmp(v, "1") == 0 ? "TRUE" : "FALSE");
		} else {
			cell = strdup(v);
		}
		if (!cell)
			return stop(s, ENOMEM);
		free(sh->cells[sh->col]);
		sh->cells[sh->col] = cell;
		if (*cell && (size_t)sh->col + 1 > sh->ncells)
			sh->ncells = (size_t)sh->col + 1;
	} else if (strcmp(n, "row") == 0) {
		static const char empty[] = "";
		const char *cells[COLS_MAX];
		for (size_t i = 0; i < sh->ncells; i++)
			cells[i] = sh->cells[i] ? sh->cells[i] : empty;
		if (sh->ncells && sh->cb(sh->row, cells, sh->ncells, sh->ctx) != 0)
			stop(s, STAMP_ECANCELED);
		clear_cells(sh);
	}
}

/* ---- the whole way ---------------------------------------------------------------- */

int stamp_xlsx_rows(const char *path, const void *data, size_t len, const char *sheet_name,
		    stamp_xlsx_row_cb cb, void *ctx, stamp_diag *diag)
{
	book b = {.path = path, .diag = diag};
	pick k = {.want = sheet_name};
	strs ss = {0};
	styles sty = {0};
	sheet sh = {.cb = cb, .ctx = ctx};
	char *xml = NULL;
	size_t n;
	zip_error_t ze;
	int rc;

	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
	if (!src || !(b.zip = zip_open_from_source(src, ZIP_RDONLY, &ze))) {
		rc = stamp_diag_set(diag, STAMP_EINPUT, "%s: not an Excel workbook: %s", path,
				    zip_error_strerror(&ze));
		if (src)
			zip_source_free(src);
		zip_error_fini(&ze);
		return rc;
	}
	zip_error_fini(&ze);
	if ((rc = part(&b, "xl/workbook.xml", &xml, &n, 0)) ||
	    (rc = parse_xml(&b, "workbook.xml", xml, n, on_workbook, no_end, no_text, &k)))
		goto leave;
	if (!k.rid[0]) {
		rc = sheet_name ? stamp_diag_set(diag, STAMP_EINPUT, "%s: no sheet named \"%s\"",
						 path, sheet_name)
				: stamp_diag_set(diag, STAMP_EINPUT,
						 "%s: the workbook has no sheet", path);
		goto leave;
	}
	free(xml);
	if ((rc = part(&b, "xl/_rels/workbook.xml.rels", &xml, &n, 0)) ||
	    (rc = parse_xml(&b, "workbook.xml.rels", xml, n, on_rels, no_end, no_text, &k)))
		goto leave;
	if (!k.found[0]) {
		rc = stamp_diag_set(diag, STAMP_EINPUT, "%s: the sheet's part is not named", path);
		goto leave;
	}
	free(xml);
	if ((rc = part(&b, "xl/sharedStrings.xml", &xml, &n, 1)) ||
	    (xml && (rc = parse_xml(&b, "sharedStrings.xml", xml, n, on_ss_start, on_ss_end,
				    on_ss_text, &ss))))
		goto leave;
	free(xml);
	if ((rc = part(&b, "xl/styles.xml", &xml, &n, 1)) ||
	    (xml &&
	     (rc = parse_xml(&b, "styles.xml", xml, n, on_styles, on_styles_end, no_text, &sty))))
		goto leave;
	free(xml);
	if ((rc = part(&b, k.found, &xml, &n, 0)) == 0)
		rc = parse_xml(&b, k.found, xml, n, on_sheet_start, on_sheet_end, on_sheet_text,
			       &sh);
	if (rc == STAMP_ECANCELED)
		rc = 0; /* the caller stopped: its own count of problems says why */
leave:
	free(xml);
	free(ss.cur);
	free(sh.text);
	clear_cells(&sh);
	for (size_t i = 0; i < b.nstrings; i++)
		free(b.strings[i]);
	free(b.strings);
	free(b.date_style);
	zip_close(b.zip); /* read-only: discards nothing */
	return rc;
}
