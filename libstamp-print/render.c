/*
 * render.c - QR symbols of stamp codes (libqrencode) and 1-bit PNGs of them.
 *
 * This module owns the pixels a printer gets: the module matrix, the
 * print-size gate, and the PNG bytes, and it is issuance's sink for them
 * (stamp_png_sink). Issuance calls stamp_png_write once per stamp, thousands
 * of times per batch on every core, so the writer keeps no global state,
 * builds each row from whole-module bit runs (no per-pixel calls), and lets
 * libpng and zlib compress at level 1 (see stamp_png_write). The
 * bytes are a pure function of (text, px_per_module, dpi) and the zlib build:
 * no tIME or text chunks, so a batch renders again byte for byte.
 *
 * libqrencode's encoder is thread-safe when built with pthread (Debian's is:
 * it guards its Reed-Solomon tables with a mutex).
 */
#include <errno.h>
#include <limits.h>
#include <png.h>
#include <pthread.h>
#include <stdint.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "pngfile.h"
#include "stamp/render.h"

/*
 * Side of the image, quiet zone included. 32768 px is a 1.4 m label at
 * 600 dpi: anything larger is a typo, and bounding it keeps the row buffer
 * on the stack.
 */
#define SIDE_MAX_PX 32768
#define ROW_MAX_BYTES (SIDE_MAX_PX / 8)
#define DPI_MAX 9600

int stamp_qr_encode(const char *text, stamp_qr **out)
{
	*out = NULL;
	if (!text || !*text)
		return STAMP_EINPUT;
	errno = 0;
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!q)
		return errno == ENOMEM ? ENOMEM : STAMP_EINPUT; /* ERANGE: too long */

	size_t n = (size_t)q->width * (size_t)q->width;
	/* one block: the struct, then the matrix, so stamp_qr_free is one free() */
	stamp_qr *qr = malloc(sizeof *qr + n);
	if (!qr) {
		QRcode_free(q);
		return ENOMEM;
	}
	qr->version = q->version;
	qr->width = q->width;
	qr->dark = (uint8_t *)(qr + 1);
	for (size_t i = 0; i < n; i++)
		qr->dark[i] = q->data[i] & 1; /* the other bits are libqrencode's bookkeeping */
	QRcode_free(q);
	*out = qr;
	return 0;
}

void stamp_qr_free(stamp_qr *qr)
{
	free(qr);
}

int stamp_png_geometry(int width, unsigned size_01mm, unsigned dpi, unsigned *px_per_module,
		       stamp_diag *diag)
{
	*px_per_module = 0;
	if (width < 21 || width > 177)
		return stamp_diag_set(diag, STAMP_EINPUT, "QR width %d modules is not 21 ... 177",
				      width);
	if (dpi < 1 || dpi > DPI_MAX)
		return stamp_diag_set(diag, STAMP_EINPUT, "resolution %u dpi is not 1 ... %d", dpi,
				      DPI_MAX);
	if (size_01mm < 1 || size_01mm > 10000)
		return stamp_diag_set(diag, STAMP_EINPUT, "QR size %u.%u mm is not 0.1 ... 1000 mm",
				      size_01mm / 10, size_01mm % 10);

	uint64_t side = (uint64_t)width + 2 * STAMP_QUIET_MODULES;
	/* px = floor(size_mm / side / 25.4 * dpi), in integers: size_01mm is mm * 10 */
	uint64_t px = (uint64_t)size_01mm * dpi / (254 * side);
	if (px < 1)
		px = 1;
	if (px * side > SIDE_MAX_PX)
		return stamp_diag_set(
			diag, STAMP_EINPUT,
			"QR image would be %llu pixels wide (at most %d): lower --dpi",
			(unsigned long long)(px * side), SIDE_MAX_PX);

	/* the module as printed is px / dpi inches; compare exactly, in integers */
	if (px * 25400 < (uint64_t)STAMP_MODULE_MIN_UM * dpi) {
		unsigned um = (unsigned)(px * 25400 / dpi);
		/* whole pixels round the module down: more dpi helps only near the limit */
		if ((uint64_t)size_01mm * 100 < (uint64_t)STAMP_MODULE_MIN_UM * side) {
			unsigned need = (unsigned)((STAMP_MODULE_MIN_UM * side + 99) / 100);
			return stamp_diag_set(diag, STAMP_EPRINT,
					      "QR module would print %u.%03u mm (< 0.375 mm): a "
					      "version %d symbol needs --size-mm %u.%u or more",
					      um / 1000, um % 1000, (width - 17) / 4, need / 10,
					      need % 10);
		}
		return stamp_diag_set(diag, STAMP_EPRINT,
				      "QR module would print %u.%03u mm (< 0.375 mm): use a larger "
				      "--size-mm or a higher --dpi",
				      um / 1000, um % 1000);
	}
	*px_per_module = (unsigned)px;
	return 0;
}

/* Clear (make dark) `len` bits of a 1-bit row starting at bit `at`, MSB first. */
static void clear_run(uint8_t *row, size_t at, size_t len)
{
	size_t end = at + len;
	while (at < end && (at & 7)) {
		row[at >> 3] &= (uint8_t) ~(0x80u >> (at & 7));
		at++;
	}
	size_t whole = (end - at) >> 3;
	memset(row + (at >> 3), 0, whole);
	at += whole << 3;
	while (at < end) {
		row[at >> 3] &= (uint8_t) ~(0x80u >> (at & 7));
		at++;
	}
}

/* One packed 1-bit scanline per module row (white = 1), built from dark runs. */
static void module_row(const stamp_qr *qr, int y, unsigned px, uint8_t *row, size_t rowbytes)
{
	size_t quiet = (size_t)STAMP_QUIET_MODULES * px;
	memset(row, 0xff, rowbytes);
	if (y < 0 || y >= qr->width)
		return;
	const uint8_t *m = qr->dark + (size_t)y * (size_t)qr->width;
	for (int x = 0; x < qr->width;) {
		if (!m[x]) {
			x++;
			continue;
		}
		int x0 = x;
		while (x < qr->width && m[x])
			x++;
		clear_run(row, quiet + (size_t)x0 * px, (size_t)(x - x0) * px);
	}
}

/* The writer's rows: module row y / px, built once and repeated px times. */
typedef struct rows {
	const stamp_qr *qr;
	unsigned px;
	size_t rowbytes;
	long built; /* module row in row[], or LONG_MIN */
	uint8_t row[ROW_MAX_BYTES];
} rows;

static const uint8_t *qr_row(void *ctx, uint32_t y)
{
	rows *r = ctx;
	long m = (long)(y / r->px) - STAMP_QUIET_MODULES;
	if (m != r->built) {
		module_row(r->qr, (int)m, r->px, r->row, r->rowbytes);
		r->built = m;
	}
	return r->row;
}

/*
 * zlib at level 1 and no row filters: a stamp at 600 dpi is ~590 rows of
 * 74 bytes, each repeated px times, which zlib's window finds; level 1 costs
 * ~40 us an image here against ~175 us at the default level 6, for files of
 * ~1.7 KB (one disk block either way). Filters gain nothing on 1-bit images.
 */
int stamp_png_write(const stamp_qr *qr, unsigned px_per_module, unsigned dpi, const char *path,
		    stamp_diag *diag)
{
	if (!qr || qr->width < 21 || qr->width > 177 || px_per_module < 1 || dpi < 1 ||
	    dpi > DPI_MAX ||
	    ((uint64_t)qr->width + 2 * STAMP_QUIET_MODULES) * px_per_module > SIDE_MAX_PX)
		return stamp_diag_set(diag, STAMP_EINPUT,
				      "%s: PNG: bad geometry (%u px per module, %u dpi)", path,
				      px_per_module, dpi);

	rows r = {.qr = qr, .px = px_per_module, .built = LONG_MIN};
	uint32_t side = (uint32_t)(qr->width + 2 * STAMP_QUIET_MODULES) * px_per_module;
	r.rowbytes = (side + 7) / 8;
	stamp_png_spec spec = {.width = side,
			       .height = side,
			       .depth = 1,
			       .dpi = dpi,
			       .level = 1,
			       .filters = PNG_FILTER_NONE,
			       .row = qr_row,
			       .ctx = &r};
	return stamp_png_file(path, &spec, diag);
}

int stamp_batch_symbol(const stamp_batch *b, int *modules, stamp_diag *diag)
{
	static const uint8_t zero_sig[STAMP_SIG_BYTES];
	char url[STAMP_CODE_TEXT_MAX + 1];
	stamp_code c;
	stamp_qr *qr;

	*modules = 0;
	stamp_batch_code(b, b->first_serial, zero_sig, &c);
	stamp_code_to_url(&c, b->base_url, url);
	int rc = stamp_qr_encode(url, &qr);
	if (rc)
		return stamp_diag_set(diag, rc, "cannot encode a QR symbol for %s", url);
	*modules = qr->width;
	stamp_qr_free(qr);
	return 0;
}

/* ---- the issuance sink: one PNG per stamp ---- */

static int png_check(const stamp_batch *b, void *ctx, stamp_diag *diag)
{
	unsigned ppm;
	int modules, rc;
	(void)ctx;
	if ((rc = stamp_batch_symbol(b, &modules, diag)))
		return rc;
	return stamp_png_geometry(modules, b->size_01mm, b->dpi, &ppm, diag);
}

static int png_stamp(const stamp_batch *b, const stamp_code *c, const char *path, void *ctx,
		     stamp_diag *diag)
{
	char url[STAMP_CODE_TEXT_MAX + 1];
	unsigned ppm;
	stamp_qr *qr;
	int rc;
	(void)ctx;

	stamp_code_to_url(c, b->base_url, url);
	if ((rc = stamp_qr_encode(url, &qr)))
		return stamp_diag_set(diag, rc, "serial %llu: cannot encode the QR symbol",
				      (unsigned long long)c->serial);
	rc = stamp_png_geometry(qr->width, b->size_01mm, b->dpi, &ppm, diag);
	if (rc == 0)
		rc = stamp_png_write(qr, ppm, b->dpi, path, diag);
	stamp_qr_free(qr);
	return rc;
}

static const stamp_issue_sink png_sink = {".png", png_check, png_stamp, NULL};

const stamp_issue_sink *stamp_png_sink(void)
{
	return &png_sink;
}
