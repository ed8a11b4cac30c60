/*
 * fuzz_photo.c - libFuzzer target for reading stamp photos
 * (libstamp-print/photo.c: libpng decoding to grey, then zbar's QR reader).
 *
 * The input is a PNG file. photo.c accepts images of up to 100 million
 * pixels, which zbar takes seconds to scan: inputs whose IHDR states more
 * than FUZZ_PIXELS are skipped here, so that the fuzzer spends its time on
 * the decoding paths and not on big blank images (the bound itself is
 * tested in tests/test_photo.c).
 *
 * libpng and zbar are the system's, not instrumented: the fuzzer sees
 * photo.c and, through the decoded text, the stamp code parser.
 *
 * Invariants: the result is a symbol found (the callback ran), ENOCODE (it
 * did not) or EIMAGE, with a message naming the file; every symbol's text is
 * NUL-terminated at its length, and is handed to stamp_code_parse as
 * stampgen verify does. A callback's non-zero answer stops the scan and is
 * what stamp_photo_scan returns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "stamp/code.h"
#include "stamp/photo.h"

#define FUZZ_PIXELS (1u << 20)
#define TEXT_MAX 8192 /* far above a QR code's 7089 characters */
#define STOP 77

typedef struct found {
	int n;
	int stop;
} found;

static int on_code(const char *text, size_t len, void *ctx)
{
	found *f = ctx;
	stamp_code c;
	char host[STAMP_HOST_MAX + 1];

	f->n++;
	if (!text || len > TEXT_MAX || text[len] != '\0')
		fuzz_fail("a symbol's text of %zu bytes, not NUL-terminated", len);
	int rc = stamp_code_parse(text, len, &c, host);
	if (rc != 0 && rc != STAMP_EMALFORMED)
		fuzz_fail("stamp_code_parse: %d", rc);
	return f->stop;
}

static int too_big(const uint8_t *data, size_t size)
{
	if (size < 24 || memcmp(data + 12, "IHDR", 4) != 0)
		return 0; /* libpng refuses it before any pixel */
	unsigned long long w = 0, h = 0;
	for (int i = 0; i < 4; i++) {
		w = w << 8 | data[16 + i];
		h = h << 8 | data[20 + i];
	}
	return w * h > FUZZ_PIXELS;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (too_big(data, size))
		return 0;
	const char *path = fuzz_file("fuzz.png", data, size, 0644);
	found f = {0, 0};
	stamp_diag d = {{0}};

	int rc = stamp_photo_scan(path, on_code, &f, &d);
	fuzz_result = rc;
	if (rc == 0) {
		if (f.n == 0)
			fuzz_fail("a code found, but the callback never ran");
		found g = {0, STOP};
		int again = stamp_photo_scan(path, on_code, &g, &d);
		if (again != STOP || g.n != 1)
			fuzz_fail("the callback asked to stop: %d after %d symbols", again, g.n);
		return 0;
	}
	if (rc != STAMP_ENOCODE && rc != STAMP_EIMAGE)
		fuzz_fail("stamp_photo_scan: %d (%s)", rc, d.msg);
	if (f.n != 0)
		fuzz_fail("error %d, but the callback ran %d times", rc, f.n);
	if (!fuzz_starts(d.msg, path) || d.msg[strlen(path)] != ':')
		fuzz_fail("a message that does not name the file: %s", d.msg);
	return 0;
}
