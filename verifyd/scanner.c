/*
 * scanner.c - who is scanning, and whether a scan counts (scanner.h).
 *
 * Hashes are SipHash-2-4 (libsodium's crypto_shorthash): keyed, 64-bit, a
 * few tens of nanoseconds for an address and a User-Agent, which keeps the
 * scan route near the speed of the uncounted JSON one.
 *
 * Keys, in the scans store's meta database:
 *   "stable_key"  16 bytes: the cookie MAC and the per-stamp tags
 *   "day_key"     day (u32 big-endian, YYYYMMDD) + 16 bytes: address hashes
 * The day key is replaced by a new random one on the first request of a new
 * day (the old one is overwritten in the store and in memory), so that
 * yesterday's hashes of an address can no longer be recomputed by anyone.
 * In memory both live in sodium_malloc'd pages. Readers take the current
 * day key by index (two slots, flipped by the rotating thread): a slot is
 * rewritten a day after it was last current.
 */
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"
#include "scanner.h"
#include "stamp/date.h"

#define KEYLEN crypto_shorthash_KEYBYTES
#define STRIPES 64
#define RECENT_SLOTS (1u << 18) /* 4 MiB */
#define BUDGET_SLOTS (1u << 16) /* 1.5 MiB */
#define DAY_REC (4 + KEYLEN)

typedef struct keys {
	unsigned char stable[KEYLEN];
	unsigned char day[2][KEYLEN];
	uint32_t dayno[2];
} keys;

typedef struct recent_slot {
	uint64_t hash; /* scanner x stamp */
	int64_t at;    /* its last counted scan */
} recent_slot;

typedef struct budget_slot {
	uint64_t source;
	int64_t minute;
	uint32_t used;
} budget_slot;

struct scanner {
	stamp_scans *store;
	scanner_rules rules;
	keys *k;
	atomic_int cur; /* the slot of today's key */
	pthread_mutex_t rotate;
	pthread_mutex_t recent_lock[STRIPES], budget_lock[STRIPES];
	recent_slot *recent;
	budget_slot *budget;
};

static uint64_t siphash(const unsigned char key[KEYLEN], const void *in, size_t n)
{
	unsigned char out[crypto_shorthash_BYTES];
	crypto_shorthash(out, in, n, key);
	uint64_t v;
	memcpy(&v, out, sizeof v);
	return v;
}

/*
 * The stable key: the stored one, or a new one stored. A claim, so that
 * replicas sharing one Redis all adopt the first one stored (scans.h).
 */
static int stable_key(scanner *sc)
{
	unsigned char fresh[KEYLEN];
	size_t len = 0;
	crypto_shorthash_keygen(fresh);
	int rc = stamp_scans_meta_claim(sc->store, "stable_key", fresh, KEYLEN, 0, 0, sc->k->stable,
					KEYLEN, &len);
	sodium_memzero(fresh, sizeof fresh);
	return rc == 0 && len != KEYLEN ? STAMP_ECORRUPT : rc;
}

/*
 * Make today's key current: the stored one when it is today's, else a new
 * one, which replaces yesterday's in the store (kept two days at most in
 * Redis). A stored key of a later day (a clock behind the others') is not
 * taken: today's own key is used, unstored.
 */
static int day_key(scanner *sc, uint32_t today)
{
	unsigned char rec[DAY_REC], got[DAY_REC];
	size_t len = 0;
	int next = !atomic_load(&sc->cur);
	stamp_be_put(rec, today, 4);
	crypto_shorthash_keygen(rec + 4);
	int rc = stamp_scans_meta_claim(sc->store, "day_key", rec, sizeof rec, 4, 2 * 86400, got,
					sizeof got, &len);
	if (rc == 0) {
		const unsigned char *use =
			len == DAY_REC && stamp_be_get(got, 4) == today ? got : rec;
		memcpy(sc->k->day[next], use + 4, KEYLEN);
	}
	sodium_memzero(rec, sizeof rec);
	sodium_memzero(got, sizeof got);
	if (rc) {
		sodium_memzero(sc->k->day[next], KEYLEN);
		return rc;
	}
	sc->k->dayno[next] = today;
	atomic_store(&sc->cur, next);
	/* the day before is gone from the store: let it go from memory too */
	sodium_memzero(sc->k->day[!next], KEYLEN);
	return 0;
}

int scanner_open(stamp_scans *store, const scanner_rules *rules, int64_t now, scanner **out,
		 stamp_diag *diag)
{
	int rc = ENOMEM;
	*out = NULL;
	scanner *sc = calloc(1, sizeof *sc);
	if (!sc)
		return ENOMEM;
	sc->store = store;
	sc->rules = *rules;
	pthread_mutex_init(&sc->rotate, NULL);
	for (int i = 0; i < STRIPES; i++) {
		pthread_mutex_init(&sc->recent_lock[i], NULL);
		pthread_mutex_init(&sc->budget_lock[i], NULL);
	}
	if (!(sc->k = sodium_malloc(sizeof *sc->k)) ||
	    !(sc->recent = calloc(RECENT_SLOTS, sizeof *sc->recent)) ||
	    !(sc->budget = calloc(BUDGET_SLOTS, sizeof *sc->budget)))
		goto fail;
	memset(sc->k, 0, sizeof *sc->k);
	/* cur starts at 1, so that day_key puts today's key in slot 0 */
	atomic_init(&sc->cur, 1);
	if ((rc = stable_key(sc)) || (rc = day_key(sc, stamp_date_from_unix(now))))
		goto fail;
	*out = sc;
	return 0;
fail:
	stamp_diag_set(diag, rc, "scans store: cannot keep the scanner keys: %s",
		       stamp_strerror(rc));
	scanner_close(sc);
	return rc;
}

void scanner_close(scanner *sc)
{
	if (!sc)
		return;
	sodium_free(sc->k); /* wipes */
	free(sc->recent);
	free(sc->budget);
	pthread_mutex_destroy(&sc->rotate);
	for (int i = 0; i < STRIPES; i++) {
		pthread_mutex_destroy(&sc->recent_lock[i]);
		pthread_mutex_destroy(&sc->budget_lock[i]);
	}
	free(sc);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void hex64(uint64_t v, char out[16])
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 15; i >= 0; i--, v >>= 4)
		out[i] = digits[v & 15];
}

static uint64_t cookie_mac(scanner *sc, uint64_t id)
{
	unsigned char in[9] = {'c'};
	memcpy(in + 1, &id, 8);
	return siphash(sc->k->stable, in, sizeof in);
}

/* The id a cookie value names, when the value is one of ours. */
static int cookie_id(scanner *sc, const char *v, uint64_t *id)
{
	uint64_t parts[2] = {0, 0};
	if (strlen(v) != SCANNER_COOKIE_LEN)
		return 0;
	for (int i = 0; i < SCANNER_COOKIE_LEN; i++) {
		int d = hexval(v[i]);
		if (d < 0)
			return 0;
		parts[i / 16] = parts[i / 16] << 4 | (uint64_t)d;
	}
	uint64_t mac = cookie_mac(sc, parts[0]);
	if (sodium_memcmp(&mac, &parts[1], sizeof mac) != 0)
		return 0;
	*id = parts[0];
	return 1;
}

void scanner_cookie(scanner *sc, const scanner_id *who, char out[SCANNER_COOKIE_LEN + 1])
{
	hex64(who->id, out);
	hex64(cookie_mac(sc, who->id), out + 16);
	out[SCANNER_COOKIE_LEN] = '\0';
}

int scanner_identify(scanner *sc, const char *cookie, int family, const unsigned char *addr,
		     const char *ua, int64_t now, scanner_id *out)
{
	uint32_t today = stamp_date_from_unix(now);
	int cur = atomic_load(&sc->cur);
	memset(out, 0, sizeof *out);
	if (today > sc->k->dayno[cur]) {
		pthread_mutex_lock(&sc->rotate);
		int rc = today > sc->k->dayno[atomic_load(&sc->cur)] ? day_key(sc, today) : 0;
		pthread_mutex_unlock(&sc->rotate);
		if (rc)
			return rc;
		cur = atomic_load(&sc->cur);
	}
	/* the address group: an IPv6 host may hold a whole /64 */
	unsigned char in[2 + 8 + 256];
	size_t glen = family == AF_INET ? 4 : 8;
	in[0] = 's';
	in[1] = family == AF_INET ? 4 : 6;
	memcpy(in + 2, addr, glen);
	out->source = siphash(sc->k->day[cur], in, 2 + glen);
	out->day = today;
	if (cookie && cookie_id(sc, cookie, &out->id)) {
		out->from_cookie = 1;
		return 0;
	}
	size_t ualen = ua ? strnlen(ua, 256) : 0;
	in[0] = 'u';
	memcpy(in + 2 + glen, ua ? ua : "", ualen);
	out->id = siphash(sc->k->day[cur], in, 2 + glen + ualen);
	sodium_memzero(in, sizeof in);
	return 0;
}

scan_outcome scanner_admit(scanner *sc, const scanner_id *who, uint64_t serial, int64_t now,
			   stamp_scan_mark *mark)
{
	unsigned char in[1 + 8 + 8];
	memcpy(in + 1, &who->id, 8);
	memcpy(in + 9, &serial, 8);
	in[0] = 'r';
	uint64_t h = siphash(sc->k->stable, in, sizeof in);

	/* (1) one counted scan per scanner per stamp per repeat_after */
	recent_slot *r = &sc->recent[h & (RECENT_SLOTS - 1)], before;
	pthread_mutex_t *rl = &sc->recent_lock[(h >> 20) % STRIPES];
	pthread_mutex_lock(rl);
	before = *r;
	if (sc->rules.repeat_after && r->hash == h &&
	    now - r->at < (int64_t)sc->rules.repeat_after) {
		pthread_mutex_unlock(rl);
		return SCAN_REPEAT;
	}
	*r = (recent_slot){h, now};
	pthread_mutex_unlock(rl);

	/* (2) a budget per client address per minute */
	budget_slot *b = &sc->budget[who->source & (BUDGET_SLOTS - 1)];
	pthread_mutex_t *bl = &sc->budget_lock[(who->source >> 20) % STRIPES];
	int64_t minute = now / 60;
	pthread_mutex_lock(bl);
	if (b->source != who->source || b->minute != minute)
		*b = (budget_slot){who->source, minute, 0};
	int over = b->used >= sc->rules.client_budget;
	if (!over)
		b->used++;
	pthread_mutex_unlock(bl);
	if (over) {
		pthread_mutex_lock(rl); /* not counted: not a repeat next time either */
		if (r->hash == h && r->at == now)
			*r = before;
		pthread_mutex_unlock(rl);
		return SCAN_OVER_BUDGET;
	}

	in[0] = 't';
	memcpy(in + 1, &who->source, 8);
	mark->scanner = (uint32_t)(h >> 32);
	mark->source = (uint16_t)siphash(sc->k->stable, in, sizeof in);
	mark->day = who->day;
	mark->client = (uint32_t)(who->source >> 32); /* a keyed hash: today's key */
	return SCAN_COUNTED;
}
