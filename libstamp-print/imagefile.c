/*
 * imagefile.c - a product photo as an officer gives it (JPEG, PNG or WebP,
 * known by its signature, not its name) made into what the store keeps and
 * a shopper's phone downloads: a baseline-progressive JPEG of at most
 * STAMP_IMAGE_SIDE pixels a side, turned upright (EXIF orientation applied),
 * transparency laid on white, and nothing but pixels: a phone photo's EXIF
 * carries the GPS position of where it was taken, often the producer's home.
 *
 * Decoding is libjpeg-turbo, libpng and libwebp; the EXIF orientation is
 * read with libexif; scaling and turning are cairo's (a good filter, the
 * source's edge repeated); encoding is libjpeg-turbo again. Every bound is
 * checked before the pixels are decoded: the file's bytes, each side, the
 * pixel count. A damaged file is an error, never a half-grey photo: libjpeg's
 * warnings (premature end, corrupt data) are errors here.
 */
#include <cairo.h>
#include <errno.h>
#include <libexif/exif-data.h>
#include <setjmp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <webp/decode.h>

#include <jpeglib.h>

#include "internal.h"
#include "pngfile.h"
#include "stamp/imagefile.h"

#define QUALITY 82

/* Decoded pixels: R, G, B, A bytes, w * h of them. */
typedef struct pixels {
	uint8_t *p;
	unsigned w, h;
	int orientation; /* EXIF 1-8; 1 when none */
} pixels;

static int too_big(const char *name, unsigned long w, unsigned long h, stamp_diag *diag)
{
	if (w && h && w <= STAMP_IMAGEFILE_MAX_SIDE && h <= STAMP_IMAGEFILE_MAX_SIDE)
		return 0;
	return stamp_diag_set(diag, STAMP_EIMAGE,
			      "%s: the photo is %lux%lu pixels; at most %d a side (resize it)",
			      name, w, h, STAMP_IMAGEFILE_MAX_SIDE);
}

/* ---- JPEG in --------------------------------------------------------------- */

typedef struct jerr {
	struct jpeg_error_mgr pub;
	jmp_buf jmp;
	char msg[JMSG_LENGTH_MAX];
} jerr;

static void on_jpeg_error(j_common_ptr c)
{
	jerr *e = (jerr *)c->err;
	c->err->format_message(c, e->msg);
	longjmp(e->jmp, 1);
}

/* A warning (data ends early, corrupt data) is an error: no half-grey photos. */
static void on_jpeg_message(j_common_ptr c, int level)
{
	if (level < 0)
		on_jpeg_error(c);
}

/* The EXIF orientation (1-8) of the APP1 markers saved, 1 when none. */
static int exif_orientation(j_decompress_ptr d)
{
	for (jpeg_saved_marker_ptr m = d->marker_list; m; m = m->next) {
		if (m->marker != JPEG_APP0 + 1 || m->data_length < 6 ||
		    memcmp(m->data, "Exif\0\0", 6) != 0)
			continue;
		ExifData *ed = exif_data_new_from_data(m->data, m->data_length);
		if (!ed)
			continue;
		int o = 1;
		ExifEntry *e = exif_data_get_entry(ed, EXIF_TAG_ORIENTATION);
		if (e && e->format == EXIF_FORMAT_SHORT && e->components == 1 && e->size >= 2)
			o = exif_get_short(e->data, exif_data_get_byte_order(ed));
		exif_data_unref(ed);
		return o >= 1 && o <= 8 ? o : 1;
	}
	return 1;
}

/*
 * The decompressor and the buffer live in *d and *px, which the caller owns,
 * so nothing that changes after setjmp is a local variable.
 */
static int read_jpeg(const uint8_t *in, size_t len, const char *name,
		     struct jpeg_decompress_struct *d, jerr *e, pixels *px, stamp_diag *diag)
{
	d->err = jpeg_std_error(&e->pub);
	e->pub.error_exit = on_jpeg_error;
	e->pub.emit_message = on_jpeg_message;
	if (setjmp(e->jmp)) {
		jpeg_destroy_decompress(d);
		free(px->p);
		px->p = NULL;
		return stamp_diag_set(diag, STAMP_EIMAGE, "%s: not a JPEG libjpeg can read: %s",
				      name, e->msg);
	}
	jpeg_create_decompress(d);
	jpeg_mem_src(d, in, (unsigned long)len);
	jpeg_save_markers(d, JPEG_APP0 + 1, 0xFFFF);
	jpeg_read_header(d, TRUE);
	if (too_big(name, d->image_width, d->image_height, diag)) {
		jpeg_destroy_decompress(d);
		return STAMP_EIMAGE;
	}
	px->orientation = exif_orientation(d);
	/* libjpeg scales by 1/2, 1/4, 1/8 while decoding: the most that keeps >= the kept side */
	unsigned side = d->image_width > d->image_height ? d->image_width : d->image_height;
	d->scale_num = 1;
	d->scale_denom = 1;
	while (d->scale_denom < 8 && side / (d->scale_denom * 2) >= STAMP_IMAGE_SIDE)
		d->scale_denom *= 2;
	d->out_color_space = JCS_EXT_RGBA;
	jpeg_start_decompress(d);
	px->w = d->output_width;
	px->h = d->output_height;
	px->p = malloc((size_t)px->w * px->h * 4);
	if (!px->p) {
		jpeg_destroy_decompress(d);
		return stamp_diag_set(diag, ENOMEM, "%s: out of memory", name);
	}
	while (d->output_scanline < d->output_height) {
		JSAMPROW row = px->p + (size_t)d->output_scanline * px->w * 4;
		jpeg_read_scanlines(d, &row, 1);
	}
	jpeg_finish_decompress(d);
	jpeg_destroy_decompress(d);
	return 0;
}

/* ---- PNG in ---------------------------------------------------------------- */

typedef struct memsrc {
	const uint8_t *p;
	size_t left;
} memsrc;

static void png_from_memory(png_structp png, png_bytep out, png_size_t n)
{
	memsrc *m = png_get_io_ptr(png);
	if (n > m->left)
		png_error(png, "the file ends inside the image");
	memcpy(out, m->p, n);
	m->p += n;
	m->left -= n;
}

static int read_png(const uint8_t *in, size_t len, const char *name, stamp_png_err *c, pixels *px,
		    png_bytep **rows)
{
	memsrc m = {in, len};
	png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, c, stamp_png_on_error,
						 stamp_png_on_warning);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	if (!info) {
		png_destroy_read_struct(&png, NULL, NULL);
		return stamp_diag_set(c->diag, ENOMEM, "%s: out of memory", name);
	}
	if (setjmp(c->jmp)) {
		png_destroy_read_struct(&png, &info, NULL);
		return STAMP_EIMAGE;
	}
	png_set_read_fn(png, &m, png_from_memory);
	/* libpng's bound above ours: a large photo gets our message, which says what to do */
	stamp_png_read_limits(png, 16 * STAMP_IMAGEFILE_MAX_SIDE);
	png_read_info(png, info);
	png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
	if (too_big(name, w, h, c->diag)) {
		png_destroy_read_struct(&png, &info, NULL);
		return STAMP_EIMAGE;
	}
	png_set_expand(png); /* palette, low-bit grey, tRNS: to 8-bit RGB(A) */
	png_set_strip_16(png);
	png_set_gray_to_rgb(png);
	png_set_add_alpha(png, 0xFF, PNG_FILLER_AFTER);
	png_set_interlace_handling(png);
	png_read_update_info(png, info);
	if (png_get_rowbytes(png, info) != (size_t)w * 4) {
		png_destroy_read_struct(&png, &info, NULL);
		return stamp_diag_set(c->diag, STAMP_EIMAGE, "%s: unsupported PNG layout", name);
	}
	px->w = w;
	px->h = h;
	px->p = malloc((size_t)w * h * 4);
	*rows = malloc(sizeof **rows * h);
	if (!px->p || !*rows) {
		png_destroy_read_struct(&png, &info, NULL);
		return stamp_diag_set(c->diag, ENOMEM, "%s: out of memory", name);
	}
	for (png_uint_32 y = 0; y < h; y++)
		(*rows)[y] = px->p + (size_t)y * w * 4;
	png_read_image(png, *rows);
	png_read_end(png, NULL);
	png_destroy_read_struct(&png, &info, NULL);
	return 0;
}

/* ---- WebP in --------------------------------------------------------------- */

static int read_webp(const uint8_t *in, size_t len, const char *name, pixels *px, stamp_diag *diag)
{
	int w, h;
	if (!WebPGetInfo(in, len, &w, &h))
		return stamp_diag_set(diag, STAMP_EIMAGE, "%s: not a WebP libwebp can read", name);
	if (too_big(name, (unsigned long)w, (unsigned long)h, diag))
		return STAMP_EIMAGE;
	px->w = (unsigned)w;
	px->h = (unsigned)h;
	size_t n = (size_t)w * (size_t)h * 4;
	if (!(px->p = malloc(n)))
		return stamp_diag_set(diag, ENOMEM, "%s: out of memory", name);
	if (!WebPDecodeRGBAInto(in, len, px->p, n, w * 4)) {
		free(px->p);
		px->p = NULL;
		return stamp_diag_set(diag, STAMP_EIMAGE, "%s: the WebP data is damaged", name);
	}
	return 0;
}

/* ---- upright, scaled, on white ------------------------------------------------ */

/* RGBA bytes over white, into a cairo RGB24 surface (native-endian 0x00RRGGBB words). */
static cairo_surface_t *to_surface(const pixels *px)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)px->w, (int)px->h);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
		return s;
	uint8_t *base = cairo_image_surface_get_data(s);
	int stride = cairo_image_surface_get_stride(s);
	for (unsigned y = 0; y < px->h; y++) {
		const uint8_t *r = px->p + (size_t)y * px->w * 4;
		uint32_t *o = (uint32_t *)(void *)(base + (size_t)y * (size_t)stride);
		for (unsigned x = 0; x < px->w; x++, r += 4) {
			uint32_t a = r[3], c[3];
			for (int i = 0; i < 3; i++)
				c[i] = (r[i] * a + 255u * (255u - a) + 127u) / 255u;
			o[x] = c[0] << 16 | c[1] << 8 | c[2];
		}
	}
	cairo_surface_mark_dirty(s);
	return s;
}

/* The kept photo's surface: turned by the EXIF orientation, scaled to fit the kept side. */
static cairo_surface_t *upright(cairo_surface_t *src, const pixels *px, unsigned *ow, unsigned *oh)
{
	double W = px->w, H = px->h, side = W > H ? W : H;
	double s = side > STAMP_IMAGE_SIDE ? STAMP_IMAGE_SIDE / side : 1;
	int turn = px->orientation >= 5;
	unsigned w = (unsigned)(s * W + 0.5), h = (unsigned)(s * H + 0.5);
	w = w ? w : 1;
	h = h ? h : 1;
	*ow = turn ? h : w;
	*oh = turn ? w : h;
	/* where the source's (x, y) goes, for each EXIF orientation (1: as it is) */
	static const double m[9][6] = {
		{0},
		{1, 0, 0, 1, 0, 0},
		{-1, 0, 0, 1, 1, 0},
		{-1, 0, 0, -1, 1, 1},
		{1, 0, 0, -1, 0, 1},
		{0, 1, 1, 0, 0, 0},
		{0, 1, -1, 0, 1, 0},
		{0, -1, -1, 0, 1, 1},
		{0, -1, 1, 0, 0, 1},
	};
	const double *k = m[px->orientation];
	/* xx, yx, xy, yy as cairo has them; the offsets are in units of the turned sides */
	cairo_matrix_t mx;
	double tw = turn ? H : W, th = turn ? W : H;
	cairo_matrix_init(&mx, s * k[0], s * k[1], s * k[2], s * k[3], s * k[4] * tw,
			  s * k[5] * th);
	cairo_surface_t *dst = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)*ow, (int)*oh);
	cairo_t *cr = cairo_create(dst);
	cairo_set_matrix(cr, &mx);
	cairo_set_source_surface(cr, src, 0, 0);
	cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
	cairo_pattern_set_extend(cairo_get_source(cr), CAIRO_EXTEND_PAD);
	cairo_paint(cr);
	cairo_destroy(cr);
	cairo_surface_flush(dst);
	return dst;
}

/* ---- JPEG out ---------------------------------------------------------------- */

static int write_jpeg(cairo_surface_t *s, unsigned w, unsigned h, struct jpeg_compress_struct *c,
		      jerr *e, uint8_t **row, unsigned char **out, unsigned long *outlen)
{
	c->err = jpeg_std_error(&e->pub);
	e->pub.error_exit = on_jpeg_error;
	if (setjmp(e->jmp)) {
		jpeg_destroy_compress(c);
		return STAMP_EIMAGE;
	}
	jpeg_create_compress(c);
	jpeg_mem_dest(c, out, outlen);
	c->image_width = w;
	c->image_height = h;
	c->input_components = 3;
	c->in_color_space = JCS_RGB;
	jpeg_set_defaults(c);
	jpeg_set_quality(c, QUALITY, TRUE);
	c->optimize_coding = TRUE;
	jpeg_simple_progression(c);   /* a first coarse picture early on a slow 3G phone */
	jpeg_start_compress(c, TRUE); /* JFIF APP0 only: no EXIF, no comment, no profile */
	const uint8_t *base = cairo_image_surface_get_data(s);
	int stride = cairo_image_surface_get_stride(s);
	for (unsigned y = 0; y < h; y++) {
		const uint32_t *p =
			(const uint32_t *)(const void *)(base + (size_t)y * (size_t)stride);
		for (unsigned x = 0; x < w; x++) {
			(*row)[3 * x] = (uint8_t)(p[x] >> 16);
			(*row)[3 * x + 1] = (uint8_t)(p[x] >> 8);
			(*row)[3 * x + 2] = (uint8_t)p[x];
		}
		jpeg_write_scanlines(c, row, 1);
	}
	jpeg_finish_compress(c);
	jpeg_destroy_compress(c);
	return 0;
}

/* ---- the whole way ------------------------------------------------------------ */

int stamp_imagefile_prepare(const void *data, size_t len, const char *name, uint8_t **out,
			    size_t *outlen, stamp_image *img, stamp_diag *diag)
{
	const uint8_t *in = data;
	pixels px = {NULL, 0, 0, 1};
	png_bytep *rows = NULL;
	uint8_t *row = NULL;
	cairo_surface_t *src = NULL, *dst = NULL;
	unsigned char *jpg = NULL;
	unsigned long jlen = 0;
	unsigned w = 0, h = 0;
	int rc;

	*out = NULL;
	*outlen = 0;
	memset(img, 0, sizeof *img);
	if (len > STAMP_IMAGEFILE_MAX_BYTES)
		return stamp_diag_set(diag, STAMP_EIMAGE,
				      "%s: %zu bytes; a photo may have at most %u", name, len,
				      STAMP_IMAGEFILE_MAX_BYTES);
	if (len >= 3 && in[0] == 0xFF && in[1] == 0xD8 && in[2] == 0xFF) {
		struct jpeg_decompress_struct *d = calloc(1, sizeof *d);
		jerr *e = calloc(1, sizeof *e);
		rc = d && e ? read_jpeg(in, len, name, d, e, &px, diag)
			    : stamp_diag_set(diag, ENOMEM, "%s: out of memory", name);
		free(d);
		free(e);
	} else if (len >= 8 && png_sig_cmp(in, 0, 8) == 0) {
		stamp_png_err c = {.diag = diag, .path = name, .err = STAMP_EIMAGE};
		rc = read_png(in, len, name, &c, &px, &rows);
		free(rows);
		if (rc) {
			free(px.p);
			px.p = NULL;
		}
	} else if (len >= 12 && memcmp(in, "RIFF", 4) == 0 && memcmp(in + 8, "WEBP", 4) == 0) {
		rc = read_webp(in, len, name, &px, diag);
	} else {
		return stamp_diag_set(diag, STAMP_EIMAGE,
				      "%s: not a JPEG, PNG or WebP file (save the photo as JPEG)",
				      name);
	}
	if (rc)
		return rc;
	src = to_surface(&px);
	free(px.p);
	if (cairo_surface_status(src) != CAIRO_STATUS_SUCCESS) {
		rc = stamp_diag_set(diag, ENOMEM, "%s: out of memory", name);
		goto leave;
	}
	dst = upright(src, &px, &w, &h);
	if (cairo_surface_status(dst) != CAIRO_STATUS_SUCCESS || !(row = malloc((size_t)w * 3))) {
		rc = stamp_diag_set(diag, ENOMEM, "%s: out of memory", name);
		goto leave;
	}
	struct jpeg_compress_struct *c = calloc(1, sizeof *c);
	jerr *e = calloc(1, sizeof *e);
	rc = c && e ? write_jpeg(dst, w, h, c, e, &row, &jpg, &jlen) : ENOMEM;
	if (rc)
		stamp_diag_set(diag, rc, "%s: cannot encode the photo: %s", name,
			       e && e->msg[0] ? e->msg : stamp_strerror(rc));
	free(c);
	free(e);
	if (rc)
		goto leave;
	if (jlen > STAMP_IMAGE_MAX_BYTES) {
		rc = stamp_diag_set(diag, STAMP_EIMAGE, "%s: the photo is %lu bytes even as JPEG",
				    name, jlen);
		goto leave;
	}
	img->width = (uint16_t)w;
	img->height = (uint16_t)h;
	img->bytes = (uint32_t)jlen;
	crypto_hash_sha256(img->sha256, jpg, jlen);
	*out = jpg;
	*outlen = jlen;
	jpg = NULL;
leave:
	free(jpg);
	free(row);
	if (dst)
		cairo_surface_destroy(dst);
	if (src)
		cairo_surface_destroy(src);
	return rc;
}
