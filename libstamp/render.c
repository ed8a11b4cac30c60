/*
 * render.c - QR symbols of stamp codes (libqrencode) and 1-bit PNGs of them.
 *
 * This module owns the pixels a printer gets: the module matrix, the
 * print-size gate, and the PNG bytes. Issuance calls stamp_png_write once per
 * stamp, thousands of times per batch on every core, so the writer keeps no
 * global state, builds each row from whole-module bit runs (no per-pixel
 * calls), and lets libpng and zlib compress at level 1 (see png_emit). The
 * bytes are a pure function of (text, px_per_module, dpi) and the zlib build:
 * no tIME or text chunks, so a batch renders again byte for byte.
 *
 * libqrencode's encoder is thread-safe when built with pthread (Debian's is:
 * it guards its Reed-Solomon tables with a mutex).
 */
#include <errno.h>
#include <png.h>
#include <pthread.h>
#include <stdint.h>
#include <qrencode.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
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

struct png_err {
	stamp_diag *diag;
	const char *path;
	jmp_buf jmp;
};

static void on_png_error(png_structp png, png_const_charp msg)
{
	struct png_err *e = png_get_error_ptr(png);
	stamp_diag_set(e->diag, EIO, "%s: PNG: %s", e->path, msg);
	longjmp(e->jmp, 1);
}

static void on_png_warning(png_structp png, png_const_charp msg)
{
	/* libstamp never prints; libpng's warnings here carry nothing actionable */
	(void)png;
	(void)msg;
}

/*
 * Memory for libpng and zlib, kept per thread. Every image makes zlib
 * allocate the same ~260 KB of state and free it again; glibc hands freed
 * memory at the top of a heap back to the kernel (trim), so the next image
 * touched it afresh: ~25 page faults a stamp, 3.5 s instead of 0.8 s for
 * 5,000 stamps on 2 threads (measured with /usr/bin/time %R). So blocks are
 * kept in a small per-thread list and reused by size; a thread's blocks are
 * freed when it ends.
 */
#define KEPT_BLOCKS 16

typedef struct kept {
	void *block[KEPT_BLOCKS]; /* each begins with its size */
} kept;

static pthread_key_t kept_key;
static int kept_ok; /* the key exists: a failed create leaves nothing to use */
static pthread_once_t kept_once = PTHREAD_ONCE_INIT;

static void kept_release(void *p)
{
	kept *k = p;
	for (int i = 0; i < KEPT_BLOCKS; i++)
		free(k->block[i]);
	free(k);
}

static void kept_init(void)
{
	/* without the key nothing is kept: plain malloc and free */
	kept_ok = pthread_key_create(&kept_key, kept_release) == 0;
}

static kept *kept_list(void)
{
	pthread_once(&kept_once, kept_init);
	if (!kept_ok)
		return NULL;
	kept *k = pthread_getspecific(kept_key);
	if (!k && (k = calloc(1, sizeof *k)) && pthread_setspecific(kept_key, k) != 0) {
		free(k);
		k = NULL;
	}
	return k;
}

#define BLOCK_HEAD 16 /* the size, padded to keep the block's alignment */

static png_voidp block_alloc(png_structp png, png_alloc_size_t n)
{
	(void)png;
	kept *k = kept_list();
	for (int i = 0; k && i < KEPT_BLOCKS; i++) {
		size_t *b = k->block[i];
		if (b && *b == n) {
			k->block[i] = NULL;
			return (char *)b + BLOCK_HEAD;
		}
	}
	if (n > SIZE_MAX - BLOCK_HEAD)
		return NULL;
	size_t *b = malloc(n + BLOCK_HEAD);
	if (!b)
		return NULL;
	*b = n;
	return (char *)b + BLOCK_HEAD;
}

static void block_free(png_structp png, png_voidp p)
{
	(void)png;
	if (!p)
		return;
	void *b = (char *)p - BLOCK_HEAD;
	kept *k = kept_list();
	for (int i = 0; k && i < KEPT_BLOCKS; i++) {
		if (!k->block[i]) {
			k->block[i] = b;
			return;
		}
	}
	free(b);
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

/*
 * libpng with zlib at level 1 and no row filters: a stamp at 600 dpi is
 * ~590 rows of 74 bytes, each repeated px times, which zlib's window finds;
 * level 1 costs ~40 us an image here against ~175 us at the default level 6,
 * for files of ~1.7 KB (one disk block either way). Filters gain nothing on
 * 1-bit images. Nothing read after a longjmp is modified after the setjmp.
 */
static int png_emit(FILE *fp, const stamp_qr *qr, unsigned px, unsigned dpi, struct png_err *e)
{
	uint8_t row[ROW_MAX_BYTES];
	size_t side = ((size_t)qr->width + 2 * STAMP_QUIET_MODULES) * px;
	size_t rowbytes = (side + 7) / 8;

	png_structp png = png_create_write_struct_2(PNG_LIBPNG_VER_STRING, e, on_png_error,
						    on_png_warning, NULL, block_alloc, block_free);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	if (!info) {
		png_destroy_write_struct(&png, NULL);
		return stamp_diag_set(e->diag, ENOMEM, "%s: PNG: out of memory", e->path);
	}
	if (setjmp(e->jmp)) {
		png_destroy_write_struct(&png, &info);
		return EIO;
	}
	png_init_io(png, fp);
	png_set_compression_level(png, 1);
	png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
	png_set_IHDR(png, info, (png_uint_32)side, (png_uint_32)side, 1, PNG_COLOR_TYPE_GRAY,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_uint_32 ppm = (png_uint_32)(((uint64_t)dpi * 10000 + 127) / 254);
	png_set_pHYs(png, info, ppm, ppm, PNG_RESOLUTION_METER);
	png_write_info(png, info);
	for (int y = -STAMP_QUIET_MODULES; y < qr->width + STAMP_QUIET_MODULES; y++) {
		module_row(qr, y, px, row, rowbytes);
		for (unsigned k = 0; k < px; k++)
			png_write_row(png, row);
	}
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	return 0;
}

int stamp_png_write(const stamp_qr *qr, unsigned px_per_module, unsigned dpi, const char *path,
		    stamp_diag *diag)
{
	if (!qr || qr->width < 21 || qr->width > 177 || px_per_module < 1 || dpi < 1 ||
	    dpi > DPI_MAX ||
	    ((uint64_t)qr->width + 2 * STAMP_QUIET_MODULES) * px_per_module > SIDE_MAX_PX)
		return stamp_diag_set(diag, STAMP_EINPUT,
				      "%s: PNG: bad geometry (%u px per module, %u dpi)", path,
				      px_per_module, dpi);

	FILE *fp = fopen(path, "wb");
	if (!fp) {
		int err = errno;
		return stamp_diag_set(diag, err, "%s: %s", path, strerror(err));
	}
	struct png_err e = {.diag = diag, .path = path};
	int rc = png_emit(fp, qr, px_per_module, dpi, &e);
	if (rc == 0 && (fflush(fp) != 0 || ferror(fp))) {
		rc = errno ? errno : EIO;
		stamp_diag_set(diag, rc, "%s: %s", path, strerror(rc));
	}
	if (fclose(fp) != 0 && rc == 0) {
		rc = errno ? errno : EIO;
		stamp_diag_set(diag, rc, "%s: %s", path, strerror(rc));
	}
	if (rc != 0)
		unlink(path); /* never leave a truncated image a printer might pick up */
	return rc;
}
