/*
 * pngfile.c - the print library's PNG writer (pngfile.h): libpng with its memory
 * kept per thread.
 *
 * Issuance writes one PNG per stamp, thousands per batch on every core.
 * Every image makes zlib allocate the same ~260 KB of state and free it
 * again; glibc hands freed memory at the top of a heap back to the kernel
 * (trim), so the next image touched it afresh: ~25 page faults a stamp,
 * 3.5 s instead of 0.8 s for 5,000 stamps on 2 threads (measured with
 * /usr/bin/time %R). So blocks are kept in a small per-thread list and
 * reused by size; a thread's blocks are freed when it ends. Sheet pages use
 * the same writer and gain the same way.
 */
#include <errno.h>
#include <png.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "pngfile.h"

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

void stamp_png_on_error(png_structp png, png_const_charp msg)
{
	stamp_png_err *e = png_get_error_ptr(png);
	if (e->err == STAMP_EIMAGE)
		stamp_diag_set(e->diag, e->err, "%s: not a readable PNG (%s)", e->path, msg);
	else
		stamp_diag_set(e->diag, e->err, "%s: PNG: %s", e->path, msg);
	longjmp(e->jmp, 1);
}

void stamp_png_on_warning(png_structp png, png_const_charp msg)
{
	/* libstamp never prints; libpng's warnings (a damaged ancillary chunk) stop nothing */
	(void)png;
	(void)msg;
}

void stamp_png_read_limits(png_structp png, uint32_t side)
{
	png_set_user_limits(png, side, side);
	png_set_chunk_malloc_max(png, 8u << 20);
	png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, NULL, -1);
}

/* Nothing read after a longjmp is modified after the setjmp. */
static int emit(FILE *fp, const stamp_png_spec *s, stamp_png_err *e)
{
	png_structp png =
		png_create_write_struct_2(PNG_LIBPNG_VER_STRING, e, stamp_png_on_error,
					  stamp_png_on_warning, NULL, block_alloc, block_free);
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
	png_set_compression_level(png, s->level);
	png_set_filter(png, PNG_FILTER_TYPE_BASE, s->filters);
	png_set_IHDR(png, info, s->width, s->height, s->depth, PNG_COLOR_TYPE_GRAY,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	/* pixels per metre, rounded: dpi / 0.0254 in integers */
	png_uint_32 ppm = (png_uint_32)(((uint64_t)s->dpi * 10000 + 127) / 254);
	png_set_pHYs(png, info, ppm, ppm, PNG_RESOLUTION_METER);
	png_write_info(png, info);
	for (uint32_t y = 0; y < s->height; y++)
		png_write_row(png, s->row(s->ctx, y));
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	return 0;
}

int stamp_png_file(const char *path, const stamp_png_spec *spec, stamp_diag *diag)
{
	FILE *fp = fopen(path, "wb");
	if (!fp) {
		int err = errno;
		return stamp_diag_set(diag, err, "%s: %s", path, strerror(err));
	}
	stamp_png_err e = {.diag = diag, .path = path, .err = EIO};
	int rc = emit(fp, spec, &e);
	if (rc == 0 && (fflush(fp) != 0 || ferror(fp))) {
		rc = errno ? errno : EIO;
		stamp_diag_set(diag, rc, "%s: %s", path, strerror(rc));
	}
	if (fclose(fp) != 0 && rc == 0) {
		rc = errno ? errno : EIO;
		stamp_diag_set(diag, rc, "%s: %s", path, strerror(rc));
	}
	if (rc != 0)
		unlink(path);
	return rc;
}
