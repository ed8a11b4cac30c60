/*
 * image.h - product photos in the store, content-addressed.
 *
 * The store keeps a photo as the bytes a shopper's phone downloads (a JPEG
 * of at most STAMP_IMAGE_SIDE pixels a side, without metadata: made by
 * stamp_imagefile_prepare in the print library, which decodes what an
 * officer gives), under the SHA-256 of those bytes, in the same LMDB
 * environment and transactions as the registry:
 *
 *   images    sha256 (32 bytes) -> version, type, width, height, the bytes
 *   prodimg   product id -> sha256 of its photo
 *
 * Setting a product's photo is one write transaction (the bytes, the link
 * and the audit entry, or none of them); a photo no product names any more
 * is removed in the same transaction. verifyd reads them read-only and
 * serves them at /img/<sha256 hex>.jpg.
 */
#ifndef STAMP_IMAGE_H
#define STAMP_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

#define STAMP_IMAGE_SIDE 1024		 /* pixels a side, at most, of a kept photo */
#define STAMP_IMAGE_MAX_BYTES (1u << 20) /* bytes of a kept photo, at most */
#define STAMP_SHA256_HEX 65		 /* 64 hex digits and the NUL */

typedef struct stamp_image {
	uint8_t sha256[32];
	uint16_t width, height;
	uint32_t bytes;
} stamp_image;

/* "image/jpeg": the one type kept. */
const char *stamp_image_type(const stamp_image *img);
/* The SHA-256 as 64 lower-case hex digits. */
void stamp_image_hex(const uint8_t sha256[32], char out[STAMP_SHA256_HEX]);
/* 64 hex digits (either case) into sha256; STAMP_EINPUT otherwise. */
int stamp_image_unhex(const char *hex, uint8_t sha256[32]) STAMP_WUR;

/*
 * Make the JPEG data (len bytes, img its size and SHA-256, as
 * stamp_imagefile_prepare gives them) the photo of product_id, in write
 * transaction t. STAMP_ENOTFOUND when there is no such product, STAMP_EINPUT
 * when img does not describe data (wrong hash, over the bounds, not a JPEG),
 * each with diag.
 */
int stamp_image_set_product(stamp_txn *t, const char *product_id, const stamp_image *img,
			    const void *data, size_t len, stamp_diag *diag) STAMP_WUR;
/* Remove product_id's photo (STAMP_ENOTFOUND when it has none). Write transaction. */
int stamp_image_clear_product(stamp_txn *t, const char *product_id) STAMP_WUR;
/* product_id's photo; STAMP_ENOTFOUND when it has none. */
int stamp_image_of_product(stamp_txn *t, const char *product_id, stamp_image *out) STAMP_WUR;
/*
 * The photo with this SHA-256: its size in *img and its bytes in *data,
 * which point into the store's map and stay valid until t ends (copy them
 * to keep them). STAMP_ENOTFOUND when there is none; STAMP_ECORRUPT when the
 * record is damaged.
 */
int stamp_image_get(stamp_txn *t, const uint8_t sha256[32], stamp_image *img, const void **data,
		    size_t *len) STAMP_WUR;

#endif
