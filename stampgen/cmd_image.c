/*
 * cmd_image.c - `stampgen product image ID FILE`: a product's photo, from a
 * JPEG, PNG or WebP file, made into the bounded, metadata-free JPEG that
 * verifyd serves (imagefile.h) and stored with the registry in one
 * transaction (image.h); `--remove` takes it away, `--out FILE` writes the
 * kept JPEG back out, to look at.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "stamp/imagefile.h"

enum { OPT_REMOVE = 256, OPT_OUT };

/* FILE whole, at most max bytes (one more is read to tell a larger file). */
static int read_file(const char *path, size_t max, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return errno;
	uint8_t *buf = malloc(max + 1);
	size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
	int rc = !buf ? ENOMEM : ferror(f) ? EIO : 0;
	fclose(f);
	if (rc) {
		free(buf);
		return rc;
	}
	*out = buf;
	*len = n;
	return 0;
}

int cli_photo_copy(stamp_store *st, const char *id, uint8_t **out, size_t *outlen)
{
	stamp_txn *t;
	stamp_image img;
	const void *data;
	size_t len;
	*out = NULL;
	*outlen = 0;
	int rc = stamp_txn_begin(st, 0, &t);
	if (rc)
		return rc;
	if ((rc = stamp_image_of_product(t, id, &img)) == 0 &&
	    (rc = stamp_image_get(t, img.sha256, &img, &data, &len)) == 0) {
		if ((*out = malloc(len ? len : 1)) == NULL)
			rc = ENOMEM;
		else
			memcpy(*out, data, len), *outlen = len;
	}
	stamp_txn_abort(t);
	return rc;
}

static int write_out(stamp_store *st, const char *id, const char *path)
{
	uint8_t *data;
	size_t len;
	int rc = cli_photo_copy(st, id, &data, &len);
	if (rc)
		return rc;
	FILE *f = fopen(path, "wbx");
	if (!f)
		rc = errno;
	else if (fwrite(data, 1, len, f) != len)
		rc = EIO;
	if (f && fclose(f) != 0 && !rc)
		rc = errno;
	free(data);
	return rc;
}

int cli_photo_set(stamp_store *st, const char *id, const void *file, size_t flen, const char *name,
		  stamp_image *img, stamp_diag *d)
{
	uint8_t *jpg = NULL;
	size_t jlen = 0;
	stamp_txn *t;
	int rc = stamp_imagefile_prepare(file, flen, name, &jpg, &jlen, img, d);
	if (rc)
		return rc;
	if ((rc = stamp_txn_begin(st, 1, &t)) == 0) {
		rc = stamp_image_set_product(t, id, img, jpg, jlen, d);
		if (rc == 0)
			rc = stamp_txn_commit(t, d);
		else
			stamp_txn_abort(t);
	}
	free(jpg);
	return rc;
}

int cli_photo_clear(stamp_store *st, const char *id, stamp_diag *d)
{
	stamp_txn *t;
	int rc = stamp_txn_begin(st, 1, &t);
	if (rc)
		return rc;
	rc = stamp_image_clear_product(t, id);
	if (rc == 0)
		rc = stamp_txn_commit(t, d);
	else
		stamp_txn_abort(t);
	return rc;
}

int cmd_product_image(cli *c, int argc, char **argv)
{
	static const struct option lo[] = {{"remove", no_argument, NULL, OPT_REMOVE},
					   {"out", required_argument, NULL, OPT_OUT},
					   {NULL, 0, NULL, 0}};
	const char *name = "product image", *out = NULL;
	int remove = 0, opt, ex, rc;
	uint8_t *file = NULL;
	size_t flen = 0;
	stamp_image img;
	stamp_diag d = {{0}};
	stamp_store *st;

	while ((opt = cli_getopt(argc, argv, name, "", lo, &ex)) != -1) {
		if (opt == OPT_REMOVE)
			remove = 1;
		else if (opt == OPT_OUT)
			out = optarg;
		else
			return ex;
	}
	int files = remove || out ? 0 : 1;
	if (optind + 1 + files != argc || (remove && out))
		return cli_usage(name);
	const char *id = argv[optind], *path = files ? argv[optind + 1] : NULL;

	if (path && (rc = read_file(path, STAMP_IMAGEFILE_MAX_BYTES, &file, &flen)) != 0) {
		cli_err("%s: %s", path, strerror(rc));
		return EXIT_USAGE;
	}
	if (cli_open_store(c, out ? STAMP_STORE_RDONLY : 0, &st)) {
		free(file);
		return EXIT_USAGE;
	}
	if (out) {
		rc = write_out(st, id, out);
		stamp_store_close(st);
		if (rc == STAMP_ENOTFOUND)
			cli_err("product \"%s\" has no photo", id);
		else if (rc)
			cli_fail(rc, NULL, out);
		return cli_exit_code(rc);
	}
	rc = remove ? cli_photo_clear(st, id, &d)
		    : cli_photo_set(st, id, file, flen, path, &img, &d);
	stamp_store_close(st);
	free(file);
	if (rc == STAMP_EIMAGE) { /* the file was checked before the store was touched */
		cli_fail(rc, &d, path);
		cli_err("%s: nothing was stored", path);
		return cli_exit_code(STAMP_EINPUT);
	}
	if (rc == STAMP_ENOTFOUND && remove)
		cli_err("product \"%s\" has no photo", id);
	else if (rc)
		cli_fail(rc, &d, c->store_dir);
	if (rc)
		return cli_exit_code(rc);
	if (!c->quiet && remove)
		printf("product %s: photo removed\n", id);
	else if (!c->quiet) {
		char hex[STAMP_SHA256_HEX];
		stamp_image_hex(img.sha256, hex);
		printf("product %s: photo %ux%u, %u bytes (from %zu), sha256 %s\n", id, img.width,
		       img.height, img.bytes, flen, hex);
	}
	return EXIT_OK;
}
