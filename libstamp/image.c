/*
 * image.c - product photos in the store (include/stamp/image.h). The bytes
 * are kept whole in one LMDB value (LMDB puts a large value on overflow
 * pages of its own), behind an 8-byte header; reads are zero-copy.
 */
#include <lmdb.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "stamp/image.h"
#include "stamp/registry.h"

#define IMAGE_VERSION 1
#define TYPE_JPEG 1
#define HEAD 8 /* version, type, width (2), height (2), 2 reserved */

static MDB_val val_of(const void *p, size_t n)
{
	return (MDB_val){n, (void *)p};
}

const char *stamp_image_type(const stamp_image *img)
{
	(void)img;
	return "image/jpeg";
}

void stamp_image_hex(const uint8_t sha256[32], char out[STAMP_SHA256_HEX])
{
	sodium_bin2hex(out, STAMP_SHA256_HEX, sha256, 32);
}

int stamp_image_unhex(const char *hex, uint8_t sha256[32])
{
	size_t n = 0;
	const char *end;
	if (strlen(hex) != 64 || strspn(hex, "0123456789abcdefABCDEF") != 64 ||
	    sodium_hex2bin(sha256, 32, hex, 64, NULL, &n, &end) != 0 || n != 32)
		return STAMP_EINPUT;
	return 0;
}

static int dbs(stamp_txn *t, MDB_txn **txn, MDB_dbi *images, MDB_dbi *links)
{
	MDB_txn *again;
	int rc = stamp_store_db(t, "images", txn, images);
	return rc ? rc : stamp_store_db(t, "prodimg", &again, links);
}

/* Whether any product still names this photo. */
static int named(MDB_txn *txn, MDB_dbi links, const uint8_t sha256[32], int *yes)
{
	MDB_cursor *cur;
	MDB_val k, v;
	*yes = 0;
	int rc = mdb_cursor_open(txn, links, &cur);
	if (rc)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !*yes;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		*yes = v.mv_size == 32 && memcmp(v.mv_data, sha256, 32) == 0;
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

/* Drop the link of product_id (if any) and its photo when nothing else names it. */
static int unlink_product(MDB_txn *txn, MDB_dbi images, MDB_dbi links, const char *id, int *had)
{
	MDB_val k = val_of(id, strlen(id)), v;
	uint8_t old[32];
	int rc = mdb_get(txn, links, &k, &v), yes;
	*had = rc == 0;
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return rc;
	if (v.mv_size != 32)
		return STAMP_ECORRUPT;
	memcpy(old, v.mv_data, 32);
	if ((rc = mdb_del(txn, links, &k, NULL)) || (rc = named(txn, links, old, &yes)))
		return rc;
	if (!yes) {
		MDB_val ik = val_of(old, 32);
		rc = mdb_del(txn, images, &ik, NULL);
		if (rc == MDB_NOTFOUND)
			rc = 0;
	}
	return rc;
}

int stamp_image_set_product(stamp_txn *t, const char *product_id, const stamp_image *img,
			    const void *data, size_t len, stamp_diag *diag)
{
	uint8_t sum[32];
	stamp_product p;
	MDB_txn *txn;
	MDB_dbi images, links;
	MDB_val v;
	int had, rc;

	if ((rc = stamp_store_get_product(t, product_id, &p)) != 0)
		return stamp_diag_set(diag, rc, "product \"%s\": %s", product_id,
				      rc == STAMP_ENOTFOUND ? "no such product"
							    : stamp_strerror(rc));
	crypto_hash_sha256(sum, data, len);
	const unsigned char *b = data;
	if (len > STAMP_IMAGE_MAX_BYTES || len != img->bytes || memcmp(sum, img->sha256, 32) != 0 ||
	    len < 4 || b[0] != 0xFF || b[1] != 0xD8 || !img->width || !img->height ||
	    img->width > STAMP_IMAGE_SIDE || img->height > STAMP_IMAGE_SIDE)
		return stamp_diag_set(diag, STAMP_EINPUT,
				      "product \"%s\": the photo is not a prepared JPEG",
				      product_id);
	if ((rc = dbs(t, &txn, &images, &links)) != 0 ||
	    (rc = unlink_product(txn, images, links, p.id, &had)) != 0)
		return stamp_diag_set(diag, rc, "product \"%s\": %s", product_id,
				      stamp_strerror(rc));
	MDB_val ik = val_of(img->sha256, 32);
	v.mv_size = HEAD + len;
	rc = mdb_put(txn, images, &ik, &v, MDB_RESERVE);
	if (rc == 0) {
		uint8_t *w = v.mv_data;
		w[0] = IMAGE_VERSION;
		w[1] = TYPE_JPEG;
		stamp_be_put(w + 2, img->width, 2);
		stamp_be_put(w + 4, img->height, 2);
		w[6] = w[7] = 0;
		memcpy(w + HEAD, data, len);
		MDB_val lk = val_of(p.id, strlen(p.id));
		rc = mdb_put(txn, links, &lk, &ik, 0);
	}
	if (rc)
		return stamp_diag_set(diag, rc, "product \"%s\": %s", product_id,
				      stamp_strerror(rc));
	char hex[STAMP_SHA256_HEX];
	stamp_image_hex(img->sha256, hex);
	stamp_txn_change(t, "product %s photo %s: %ux%u, %u bytes, sha256 %s", p.id,
			 had ? "replaced" : "set", img->width, img->height, img->bytes, hex);
	return 0;
}

int stamp_image_clear_product(stamp_txn *t, const char *product_id)
{
	MDB_txn *txn;
	MDB_dbi images, links;
	int had;
	int rc = dbs(t, &txn, &images, &links);
	if (rc == 0)
		rc = unlink_product(txn, images, links, product_id, &had);
	if (rc == 0 && !had)
		rc = STAMP_ENOTFOUND;
	if (rc == 0)
		stamp_txn_change(t, "product %s photo removed", product_id);
	return rc;
}

int stamp_image_of_product(stamp_txn *t, const char *product_id, stamp_image *out)
{
	MDB_txn *txn;
	MDB_dbi images, links;
	MDB_val k = val_of(product_id, strlen(product_id)), v;
	const void *data;
	size_t len;
	int rc = dbs(t, &txn, &images, &links);
	if (rc)
		return rc; /* an older store: ENOTFOUND */
	rc = mdb_get(txn, links, &k, &v);
	if (rc == MDB_NOTFOUND)
		return STAMP_ENOTFOUND;
	if (rc)
		return rc;
	if (v.mv_size != 32)
		return STAMP_ECORRUPT;
	rc = stamp_image_get(t, v.mv_data, out, &data, &len);
	return rc == STAMP_ENOTFOUND ? STAMP_ECORRUPT : rc; /* a link to nothing */
}

int stamp_image_get(stamp_txn *t, const uint8_t sha256[32], stamp_image *img, const void **data,
		    size_t *len)
{
	MDB_txn *txn;
	MDB_dbi images, links;
	MDB_val k = val_of(sha256, 32), v;
	int rc = dbs(t, &txn, &images, &links);
	if (rc)
		return rc;
	rc = mdb_get(txn, images, &k, &v);
	if (rc == MDB_NOTFOUND)
		return STAMP_ENOTFOUND;
	if (rc)
		return rc;
	const uint8_t *r = v.mv_data;
	if (v.mv_size <= HEAD || v.mv_size - HEAD > STAMP_IMAGE_MAX_BYTES ||
	    r[0] != IMAGE_VERSION || r[1] != TYPE_JPEG)
		return STAMP_ECORRUPT;
	memcpy(img->sha256, sha256, 32);
	img->width = (uint16_t)stamp_be_get(r + 2, 2);
	img->height = (uint16_t)stamp_be_get(r + 4, 2);
	img->bytes = (uint32_t)(v.mv_size - HEAD);
	*data = r + HEAD;
	*len = v.mv_size - HEAD;
	return 0;
}
