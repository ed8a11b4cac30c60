/*
 * base32.c - RFC 4648 base32 without padding, strict on decode.
 *
 * Strictness matters for scan counting: if two texts decoded to the same
 * payload, a copier could spread scans of one stamp over many spellings. So
 * the decoder takes exactly one spelling per payload (modulo letter case,
 * which scanners change): exact length, zero padding bits.
 */
#include <string.h>

#include "internal.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

size_t stamp_b32_len(size_t nbytes)
{
	return (nbytes * 8 + 4) / 5;
}

void stamp_b32_encode(const uint8_t *in, size_t n, char *out)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = alphabet[(acc >> bits) & 31];
		}
	}
	if (bits > 0)
		out[o++] = alphabet[(acc << (5 - bits)) & 31];
	out[o] = '\0';
}

static int b32_value(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a';
	if (ch >= '2' && ch <= '7')
		return ch - '2' + 26;
	return -1;
}

int stamp_b32_decode(const char *in, size_t len, uint8_t *out, size_t n)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;

	if (len != stamp_b32_len(n))
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v = b32_value((unsigned char)in[i]);
		if (v < 0)
			return -1;
		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	/* the bits left over are padding and must be zero */
	if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
		return -1;
	return o == n ? 0 : -1;
}
