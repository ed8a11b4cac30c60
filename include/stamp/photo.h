/*
 * photo.h - reading stamp codes back out of images (libzbar).
 *
 * Used by `stampgen verify IMAGE.png`: an inspector photographs or scans a
 * label and checks it offline.
 */
#ifndef STAMP_PHOTO_H
#define STAMP_PHOTO_H

#include <stddef.h>

#include "error.h"

/* Called once per QR symbol found; return non-zero to stop. */
typedef int (*stamp_photo_cb)(const char *text, size_t len, void *ctx);

/*
 * Decode every QR symbol in the PNG at path (any bit depth or colour type;
 * converted to 8-bit grey). Returns 0 when at least one symbol was found,
 * STAMP_ENOCODE when none, STAMP_EIMAGE when the file is not a readable PNG,
 * or the callback's non-zero value.
 */
int stamp_photo_scan(const char *path, stamp_photo_cb cb, void *ctx, stamp_diag *diag) STAMP_WUR;

#endif
