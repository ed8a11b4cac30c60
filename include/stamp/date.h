/*
 * date.h - civil dates as used on labels and in OCOP decisions.
 *
 * A date is a uint32_t YYYYMMDD (20250131); 0 means "none". This keeps stored
 * records readable in a hex dump and sorts correctly as an integer.
 */
#ifndef STAMP_DATE_H
#define STAMP_DATE_H

#include <stdint.h>
#include <stddef.h>

#include "error.h"

/*
 * Parse "YYYY-MM-DD" (ISO) or "DD/MM/YYYY" (as Vietnamese Excel writes it).
 * Rejects impossible dates (2025-02-30), years outside 1900..2199 and any
 * trailing junk. Returns 0 or STAMP_EINPUT.
 */
int stamp_date_parse(const char *s, uint32_t *out) STAMP_WUR;

/* "YYYY-MM-DD" into out (at least 11 bytes); "" for 0. */
void stamp_date_format(uint32_t d, char out[11]);

/* Days since 1970-01-01 and back; date must be valid. */
int64_t stamp_date_to_days(uint32_t d);
uint32_t stamp_date_from_days(int64_t days);

/* Today's date (UTC+7, Vietnam) from a Unix time. */
uint32_t stamp_date_from_unix(int64_t t);

#endif
