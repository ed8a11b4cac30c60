/*
 * scanner.h - verifyd: who is scanning, and whether a scan counts.
 *
 * A scanner is a phone: the one named by our cookie where the phone keeps
 * it, else a keyed hash of its client address group (IPv4 address, IPv6 /64)
 * and its User-Agent. The cookie's value is that same hash (with a MAC), so a
 * phone's first scan, made before it had the cookie, and its later ones are
 * one scanner. The hash key changes every day (Vietnam time) and only
 * today's is kept, in the scans environment; the cookie's MAC key is kept
 * there too. No address, cookie value or User-Agent is ever stored or logged:
 * what reaches the scans store are 32- and 16-bit tags of keyed hashes.
 *
 * A scan counts when (1) the same scanner has not had a counted scan of the
 * same stamp within repeat_after seconds, and (2) its client address has
 * counted fewer than client_budget scans this minute. Both tables are in
 * memory, bounded (RECENT_SLOTS, BUDGET_SLOTS), direct-mapped: a collision
 * forgets an entry, which can only let one more scan count, and a restart
 * forgets them all. The per-stamp, per-day allowance of each source is in
 * the stamp's record (scans.h).
 */
#ifndef VERIFYD_SCANNER_H
#define VERIFYD_SCANNER_H

#include <stddef.h>
#include <stdint.h>

#include "scans.h"

typedef struct scanner scanner;

typedef struct scanner_rules {
	unsigned repeat_after;	/* s; 0 = every scan may count */
	unsigned client_budget; /* counted scans per client address per minute */
} scanner_rules;

/* The scanner behind one request. */
typedef struct scanner_id {
	uint64_t id;	 /* the scanner */
	uint64_t source; /* its client address group, today */
	uint32_t day;	 /* today in Vietnam */
	int from_cookie; /* id came from a valid cookie */
} scanner_id;

typedef enum { SCAN_COUNTED, SCAN_REPEAT, SCAN_OVER_BUDGET } scan_outcome;

#define SCANNER_COOKIE "ocs"
#define SCANNER_COOKIE_LEN 32 /* hex of the id and of its MAC */

/* Keys from (or created in) the scans store; now: for the day key. */
int scanner_open(stamp_scans *store, const scanner_rules *rules, int64_t now, scanner **out,
		 stamp_diag *diag) STAMP_WUR;
void scanner_close(scanner *sc);

/*
 * family: AF_INET (4 address bytes) or AF_INET6 (16); cookie and ua may be
 * NULL. Fails only when today's key cannot be stored (a new day's first
 * request writes it).
 */
int scanner_identify(scanner *sc, const char *cookie, int family, const unsigned char *addr,
		     const char *ua, int64_t now, scanner_id *out) STAMP_WUR;

/* Whether this scan of serial counts; when it does, *mark is what the
 * stamp's record takes. */
scan_outcome scanner_admit(scanner *sc, const scanner_id *who, uint64_t serial, int64_t now,
			   stamp_scan_mark *mark);

/* The cookie value that keeps this phone the same scanner (NUL-terminated). */
void scanner_cookie(scanner *sc, const scanner_id *who, char out[SCANNER_COOKIE_LEN + 1]);

#endif
