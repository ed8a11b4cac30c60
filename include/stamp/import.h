/*
 * import.h - registering cooperatives and products from CSV files as Excel
 * writes them: UTF-8 with or without BOM, or UTF-16 with a BOM (Excel's
 * "Unicode Text"); the separator ',', ';' (Excel under a Vietnamese locale)
 * or tab, whichever the header row uses; CRLF or LF; quoted fields holding
 * separators, quotes and newlines (libcsv, strict mode). Any other encoding
 * is one problem, reported at its line, saying how to save the file.
 *
 * The first row names the columns (the field names of registry.h, any order;
 * unknown names are errors). Import is all or nothing: every row is checked,
 * every problem reported (file:line: column "x": rule), and the store is
 * written in one transaction only when there is none. Duplicate ids, within
 * the file or against the store, are errors.
 */
#ifndef STAMP_IMPORT_H
#define STAMP_IMPORT_H

#include <stddef.h>

#include "error.h"
#include "store.h"

/* Events: the columns of event.h; appended, so no ids to be unique. */
typedef enum { STAMP_IMPORT_COOPS, STAMP_IMPORT_PRODUCTS, STAMP_IMPORT_EVENTS } stamp_import_kind;

/* Receives each problem as one line "FILE:LINE: column \"x\": rule". */
typedef void (*stamp_import_err_cb)(const char *msg, void *ctx);

/*
 * Returns 0 and the number of records in *count (written unless dry_run), or
 * STAMP_EINPUT after reporting every problem (at most 100) through on_err; the
 * diag then says how many. The store is unchanged on any failure.
 */
int stamp_import_csv(stamp_store *st, stamp_import_kind kind, const char *path, int dry_run,
		     size_t *count, stamp_import_err_cb on_err, void *ctx,
		     stamp_diag *diag) STAMP_WUR;

/*
 * The same for a file that may also be an Excel workbook (.xlsx, known by
 * its content): its sheet named sheet, or its first when sheet is NULL;
 * dates as Excel stores them (serial numbers under a date format, or text),
 * whole numbers as their digits. Messages name Excel's row numbers.
 */
int stamp_import_file(stamp_store *st, stamp_import_kind kind, const char *path, const char *sheet,
		      int dry_run, size_t *count, stamp_import_err_cb on_err, void *ctx,
		      stamp_diag *diag) STAMP_WUR;

/*
 * Receives each row as the importer read it, the header row first: its line
 * (Excel's row number for a workbook), its n cells (a cell's line breaks
 * folded to a space, as imported). Valid during the call only. Rows after
 * the importer gave up (a broken header, too many problems) are not given.
 */
typedef void (*stamp_import_row_cb)(size_t line, const char *const *cells, size_t n, void *ctx);

/* stamp_import_file, with on_row (may be NULL) also given ctx: a preview. */
int stamp_import_file_rows(stamp_store *st, stamp_import_kind kind, const char *path,
			   const char *sheet, int dry_run, size_t *count,
			   stamp_import_err_cb on_err, stamp_import_row_cb on_row, void *ctx,
			   stamp_diag *diag) STAMP_WUR;

#endif
