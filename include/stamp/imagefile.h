/*
 * imagefile.h - a product photo file (JPEG, PNG or WebP) made into what the
 * store keeps (image.h): upright, at most STAMP_IMAGE_SIDE pixels a side, on
 * white, re-encoded as JPEG with every piece of metadata left behind (EXIF,
 * GPS position, comments, colour profiles). Part of libstamp-print.
 */
#ifndef STAMP_IMAGEFILE_H
#define STAMP_IMAGEFILE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "image.h"

#define STAMP_IMAGEFILE_MAX_BYTES (8u << 20) /* bytes of a file given */
#define STAMP_IMAGEFILE_MAX_SIDE 4000	     /* pixels a side of a file given */

/*
 * data (len bytes of a file; name for messages) into *out (malloc'd JPEG,
 * *outlen bytes) and *img (its size and SHA-256). STAMP_EIMAGE with diag
 * naming the file and what is wrong (not an image, too large, damaged);
 * ENOMEM. On failure *out is NULL.
 */
int stamp_imagefile_prepare(const void *data, size_t len, const char *name, uint8_t **out,
			    size_t *outlen, stamp_image *img, stamp_diag *diag) STAMP_WUR;

#endif
