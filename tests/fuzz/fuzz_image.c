/*
 * fuzz_image.c - libFuzzer target for product photos as officers give them
 * (libstamp-print/imagefile.c: libjpeg-turbo, libpng, libwebp, libexif, then
 * cairo and libjpeg-turbo again). The input is the file's bytes.
 *
 * Inputs whose PNG header, JPEG frame or WebP header states more than
 * FUZZ_PIXELS are skipped, so that the fuzzer spends its time on the parsers
 * and not on scaling big blank pictures (the bounds themselves are tested in
 * tests/e2e/e2e_product_image.sh). The libraries are the system's, not
 * instrumented: the fuzzer sees imagefile.c.
 *
 * Invariants: the answer is a prepared JPEG or EIMAGE/ENOMEM with a message
 * naming the file; a prepared JPEG starts FF D8, has no APP1 (EXIF, XMP) or
 * COM segment, is at most STAMP_IMAGE_MAX_BYTES, is 1 to STAMP_IMAGE_SIDE
 * pixels a side as its header says, its SHA-256 is the one given, and
 * preparing it again gives the same size (nothing to turn, nothing to scale).
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <webp/decode.h>

#include "fuzz.h"
#include "stamp/imagefile.h"

#define FUZZ_PIXELS (1u << 20)

static unsigned long be(const uint8_t *p, int n)
{
	unsigned long v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* A JPEG's stated size, from its first SOFn segment; 0 when none is found. */
static unsigned long long jpeg_pixels(const uint8_t *d, size_t n)
{
	for (size_t i = 2; i + 9 < n;) {
		if (d[i] != 0xFF)
			return 0;
		uint8_t m = d[i + 1];
		size_t len = be(d + i + 2, 2);
		if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC)
			return (unsigned long long)be(d + i + 5, 2) * be(d + i + 7, 2);
		i += 2 + len;
	}
	return 0;
}

static int too_big(const uint8_t *d, size_t n)
{
	if (n >= 24 && memcmp(d + 12, "IHDR", 4) == 0)
		return (unsigned long long)be(d + 16, 4) * be(d + 20, 4) > FUZZ_PIXELS;
	if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8)
		return jpeg_pixels(d, n) > FUZZ_PIXELS;
	int w, h;
	if (n >= 12 && memcmp(d, "RIFF", 4) == 0 && WebPGetInfo(d, n, &w, &h))
		return (unsigned long long)w * (unsigned long long)h > FUZZ_PIXELS;
	return 0;
}

/* Segments before the scan: none may be APP1 (EXIF, XMP) or COM. */
static void no_metadata(const uint8_t *d, size_t n)
{
	for (size_t i = 2; i + 4 <= n;) {
		if (d[i] != 0xFF)
			fuzz_fail("prepared JPEG: no marker at %zu", i);
		uint8_t m = d[i + 1];
		if (m == 0xDA)
			return; /* start of scan */
		if (m == 0xE1 || m == 0xFE || (m >= 0xE2 && m <= 0xEF))
			fuzz_fail("prepared JPEG keeps segment FF %02X", m);
		i += 2 + be(d + i + 2, 2);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *out = NULL, *again = NULL, sum[32];
	size_t len = 0, len2 = 0;
	stamp_image img, img2;
	stamp_diag d = {{0}};

	fuzz_result = FUZZ_NONE;
	if (too_big(data, size))
		return 0;
	int rc = stamp_imagefile_prepare(data, size, "in.jpg", &out, &len, &img, &d);
	fuzz_result = rc;
	if (rc) {
		if (out)
			fuzz_fail("failed (%d), yet gave bytes", rc);
		if (rc != STAMP_EIMAGE && rc != ENOMEM)
			fuzz_fail("unexpected result %d: %s", rc, d.msg);
		if (strncmp(d.msg, "in.jpg: ", 8) != 0)
			fuzz_fail("the message does not name the file: %s", d.msg);
		return 0;
	}
	if (len < 4 || len > STAMP_IMAGE_MAX_BYTES || out[0] != 0xFF || out[1] != 0xD8 ||
	    img.bytes != len)
		fuzz_fail("prepared JPEG of %zu bytes", len);
	if (!img.width || !img.height || img.width > STAMP_IMAGE_SIDE ||
	    img.height > STAMP_IMAGE_SIDE)
		fuzz_fail("prepared JPEG of %ux%u", img.width, img.height);
	crypto_hash_sha256(sum, out, len);
	if (memcmp(sum, img.sha256, 32) != 0)
		fuzz_fail("the SHA-256 given is not the bytes'");
	no_metadata(out, len);
	if (stamp_imagefile_prepare(out, len, "in.jpg", &again, &len2, &img2, &d) != 0)
		fuzz_fail("the prepared JPEG is refused: %s", d.msg);
	if (img2.width != img.width || img2.height != img.height)
		fuzz_fail("prepared again: %ux%u, first %ux%u", img2.width, img2.height, img.width,
			  img.height);
	free(again);
	free(out);
	return 0;
}
