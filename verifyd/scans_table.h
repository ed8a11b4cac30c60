/*
 * scans_table.h - verifyd (private): the hashing that both scan backends'
 * in-memory tables use (scans.c, scans_redis.c): SHARDS shards, each an
 * open-addressed table of entries whose first member is the serial
 * (0: an empty slot), with a power-of-two capacity.
 */
#ifndef VERIFYD_SCANS_TABLE_H
#define VERIFYD_SCANS_TABLE_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SHARDS 64

/* Serials are dense: a murmur-style finaliser spreads them over shards and slots. */
static inline uint64_t scans_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	return x;
}

static inline size_t scans_shard(uint64_t serial)
{
	return (size_t)(scans_mix(serial) % SHARDS);
}

/* The index of serial's slot in slots (cap entries of size bytes), or of the empty one for it. */
static inline size_t scans_slot(const void *slots, size_t size, size_t cap, uint64_t serial)
{
	size_t i = (size_t)(scans_mix(serial) >> 8) & (cap - 1);
	for (;;) {
		uint64_t s;
		memcpy(&s, (const char *)slots + i * size, sizeof s);
		if (!s || s == serial)
			return i;
		i = (i + 1) & (cap - 1);
	}
}

/*
 * Rebuild a shard's table (*slots: *cap entries of size bytes) at ncap slots,
 * with the entries keep() says yes to (keep may release what a dropped entry
 * holds). 0, or ENOMEM with nothing changed.
 */
static inline int scans_rehash(void **slots, size_t size, size_t *cap, size_t *used, size_t ncap,
			       int (*keep)(void *entry, void *arg), void *arg)
{
	char *old = *slots, *fresh = calloc(ncap, size);
	size_t n = 0;
	if (!fresh)
		return ENOMEM;
	for (size_t i = 0; i < *cap; i++) {
		char *e = old + i * size;
		uint64_t serial;
		memcpy(&serial, e, sizeof serial);
		if (!serial || !keep(e, arg))
			continue;
		memcpy(fresh + scans_slot(fresh, size, ncap, serial) * size, e, size);
		n++;
	}
	free(old);
	*slots = fresh;
	*cap = ncap;
	*used = n;
	return 0;
}

#endif
