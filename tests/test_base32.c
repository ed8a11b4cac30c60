/*
 * test_base32.c - RFC 4648 base32 (no padding) as libstamp uses it: the
 * published test vectors, round trips of every length, and the strictness
 * that gives each payload exactly one spelling.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

/* RFC 4648 section 10, with the '=' padding removed */
static const struct {
	const char *in, *out;
} rfc[] = {
	{"", ""},
	{"f", "MY"},
	{"fo", "MZXQ"},
	{"foo", "MZXW6"},
	{"foob", "MZXW6YQ"},
	{"fooba", "MZXW6YTB"},
	{"foobar", "MZXW6YTBOI"},
};

static void test_rfc_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rfc / sizeof rfc[0]; i++) {
		char out[32];
		uint8_t back[16];
		size_t n = strlen(rfc[i].in);
		assert_int_equal(stamp_b32_len(n), strlen(rfc[i].out));
		stamp_b32_encode((const uint8_t *)rfc[i].in, n, out);
		assert_string_equal(out, rfc[i].out);
		assert_int_equal(stamp_b32_decode(out, strlen(out), back, n), 0);
		assert_memory_equal(back, rfc[i].in, n);
	}
}

static void test_lengths(void **state)
{
	(void)state;
	assert_int_equal(stamp_b32_len(0), 0);
	assert_int_equal(stamp_b32_len(5), 8);
	assert_int_equal(stamp_b32_len(74), 119);
}

static void test_round_trip_all_lengths(void **state)
{
	(void)state;
	uint8_t in[80], back[80];
	char text[160];
	for (size_t n = 0; n <= sizeof in; n++) {
		for (size_t i = 0; i < n; i++)
			in[i] = (uint8_t)(i * 37 + n * 11 + 0x5a);
		stamp_b32_encode(in, n, text);
		assert_int_equal(strlen(text), stamp_b32_len(n));
		memset(back, 0xee, sizeof back);
		assert_int_equal(stamp_b32_decode(text, strlen(text), back, n), 0);
		assert_memory_equal(back, in, n);
	}
}

static void test_every_byte_value(void **state)
{
	(void)state;
	uint8_t in[256], back[256];
	char text[420];
	for (int i = 0; i < 256; i++)
		in[i] = (uint8_t)i;
	stamp_b32_encode(in, sizeof in, text);
	assert_int_equal(stamp_b32_decode(text, strlen(text), back, sizeof back), 0);
	assert_memory_equal(back, in, sizeof in);
}

static void test_lower_case_accepted(void **state)
{
	(void)state;
	uint8_t back[6];
	assert_int_equal(stamp_b32_decode("mzxw6ytboi", 10, back, 6), 0);
	assert_memory_equal(back, "foobar", 6);
	assert_int_equal(stamp_b32_decode("MzXw6YtBoI", 10, back, 6), 0);
	assert_memory_equal(back, "foobar", 6);
}

static void test_rejects(void **state)
{
	(void)state;
	uint8_t back[6];
	/* wrong length for 6 bytes */
	assert_int_equal(stamp_b32_decode("MZXW6YTBO", 9, back, 6), -1);
	assert_int_equal(stamp_b32_decode("MZXW6YTBOIA", 11, back, 6), -1);
	assert_int_equal(stamp_b32_decode("MZXW6YTBOI", 10, back, 5), -1);
	/* characters outside the alphabet, including the padding sign */
	const char bad[] = "0189=+/ -_\x80\xff";
	for (size_t i = 0; i < sizeof bad - 1; i++) {
		char t[] = "MZXW6YTBOI";
		t[3] = bad[i];
		assert_int_equal(stamp_b32_decode(t, 10, back, 6), -1);
	}
	/* a NUL within len is not the end of the text */
	assert_int_equal(stamp_b32_decode("MZXW6\0TBOI", 10, back, 6), -1);
	/* "MY" is "f" with zero pad bits; "MZ" sets a pad bit (one payload, one spelling) */
	assert_int_equal(stamp_b32_decode("MY", 2, back, 1), 0);
	assert_int_equal(back[0], 'f');
	assert_int_equal(stamp_b32_decode("MZ", 2, back, 1), -1);
	/* 48 bits in 10 characters: the low 2 bits of the last one (I = 01000) are pad */
	assert_int_equal(stamp_b32_decode("MZXW6YTBOJ", 10, back, 6), -1);
	assert_int_equal(stamp_b32_decode("MZXW6YTBOK", 10, back, 6), -1);
	/* ... while changing the data bits there is a different, valid payload */
	assert_int_equal(stamp_b32_decode("MZXW6YTBOQ", 10, back, 6), 0);
	assert_int_not_equal(back[5], 'r');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_vectors),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_round_trip_all_lengths),
		cmocka_unit_test(test_every_byte_value),
		cmocka_unit_test(test_lower_case_accepted),
		cmocka_unit_test(test_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
