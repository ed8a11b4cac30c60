/*
 * registry.h - what officers register: cooperatives, products, batches.
 *
 * Records are plain structs with bounded, NUL-terminated UTF-8 fields (NFC).
 * Each record kind has one table of named fields; the same names are the CSV
 * column headers and the stampgen flags, so an officer learns one vocabulary
 * (docs/registry.md lists them). stamp_*_set() parses, normalises and
 * validates one field from text; stamp_*_check() validates the whole record
 * (mandatory items, including those of Circular 02/2024/TT-BKHCN).
 */
#ifndef STAMP_REGISTRY_H
#define STAMP_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "code.h"
#include "error.h"

#define STAMP_ID_MAX 32	   /* ids: ASCII letters, digits, '-', '_', '.' */
#define STAMP_TEXT_MAX 255 /* bytes of UTF-8 in a free-text field */
#define STAMP_SHORT_MAX 63 /* short texts: phone, decision number, lot */

typedef struct stamp_coop {
	char id[STAMP_ID_MAX + 1];
	char name[STAMP_TEXT_MAX + 1];
	char commune[STAMP_TEXT_MAX + 1];
	char district[STAMP_TEXT_MAX + 1];
	char province[STAMP_TEXT_MAX + 1];
	char address[STAMP_TEXT_MAX + 1];
	char phone[STAMP_SHORT_MAX + 1];
} stamp_coop;

typedef struct stamp_product {
	char id[STAMP_ID_MAX + 1];
	char coop_id[STAMP_ID_MAX + 1];
	char name[STAMP_TEXT_MAX + 1];
	char short_name[STAMP_SHORT_MAX + 1];	 /* printed on labels; defaults to name */
	char group[STAMP_TEXT_MAX + 1];		 /* OCOP product group */
	uint8_t stars;				 /* 3, 4 or 5 */
	char ocop_decision[STAMP_SHORT_MAX + 1]; /* e.g. "1234/QĐ-UBND" */
	uint32_t ocop_date;			 /* date of the decision */
	uint32_t cert_valid_until;		 /* OCOP certificate validity */
	char standards[STAMP_TEXT_MAX + 1];	 /* e.g. "TCCS 01:2023/HTX; HACCP" */
	char gtin[14 + 1];	  /* optional GTIN-8/12/13/14, check digit verified */
	uint32_t shelf_life_days; /* 0: no expiry applies (crafts) */
} stamp_product;

typedef struct stamp_batch {
	uint32_t id; /* allocated by the store, from 1 */
	char product_id[STAMP_ID_MAX + 1];
	char lot[STAMP_SHORT_MAX + 1];
	uint32_t produced; /* production date */
	uint32_t expiry;   /* 0 only when the product has no shelf life */
	uint64_t first_serial;
	uint32_t count;
	uint8_t key_id[STAMP_KEYID_BYTES];
	char base_url[STAMP_BASEURL_MAX + 1]; /* normalised, see stamp_code_baseurl */
	uint16_t size_01mm;		      /* printed QR size incl. quiet zone, in 0.1 mm */
	uint16_t dpi;			      /* PNG resolution */
	int64_t created;		      /* Unix time */
} stamp_batch;

/* A registered public key and when it may sign. */
typedef struct stamp_keyrec {
	uint8_t id[STAMP_KEYID_BYTES];
	uint8_t pk[STAMP_PK_BYTES];
	uint32_t valid_from;  /* date; 0 = no bound */
	uint32_t valid_until; /* date; 0 = no bound */
	char label[STAMP_SHORT_MAX + 1];
} stamp_keyrec;

/* Field names of each kind, NULL-terminated, in CSV/documentation order. */
extern const char *const stamp_coop_fields[];
extern const char *const stamp_product_fields[];

/*
 * Set one field from text: trims ASCII blanks, checks UTF-8, normalises to
 * NFC, checks length and type. STAMP_EINPUT with a diag naming the field and
 * the rule ("column \"stars\": expected 3, 4 or 5, got \"6\""); STAMP_ENOTFOUND
 * when the field name is not one of the kind's fields.
 */
int stamp_coop_set(stamp_coop *c, const char *field, const char *value, stamp_diag *diag) STAMP_WUR;
int stamp_product_set(stamp_product *p, const char *field, const char *value,
		      stamp_diag *diag) STAMP_WUR;

/*
 * A GTIN-8, -12, -13 or -14 (digits only, GS1 check digit right) as the 14
 * digits GS1 Digital Link writes, zero-padded on the left, into out;
 * STAMP_EINPUT for anything else.
 */
int stamp_gtin14(const char *gtin, char out[15]) STAMP_WUR;
/* Whole-record checks: mandatory fields present, dates consistent. */
int stamp_coop_check(const stamp_coop *c, stamp_diag *diag) STAMP_WUR;
/*
 * The rule a field of a cooperative (product 0) or a product (1) is checked
 * by, as one phrase for a person, in Vietnamese (vietnamese != 0) or English:
 * "bắt buộc; số điện thoại 8 đến 15 chữ số ...". Forms show it beside a field
 * that failed. STAMP_ENOTFOUND for an unknown field, ENAMETOOLONG when cap is
 * too small.
 */
int stamp_registry_rule(int product, const char *field, int vietnamese, char *out,
			size_t cap) STAMP_WUR;
int stamp_product_check(const stamp_product *p, stamp_diag *diag) STAMP_WUR;
/*
 * The traceability items of Circular 02/2024/TT-BKHCN that a batch must carry
 * before stamps are issued: product name, producer and its address (from the
 * cooperative), production date, expiry where a shelf life applies, lot.
 * The diag lists every missing item at once.
 */
int stamp_batch_check(const stamp_batch *b, const stamp_product *p, const stamp_coop *c,
		      stamp_diag *diag) STAMP_WUR;

/* Fields as text for listing and export, by name; "" for none. */
int stamp_coop_get(const stamp_coop *c, const char *field, char *out, size_t outlen) STAMP_WUR;
int stamp_product_get(const stamp_product *p, const char *field, char *out,
		      size_t outlen) STAMP_WUR;

/*
 * Shared text rules, also used by the CSV importer: trim, valid UTF-8 without
 * control characters, NFC, at most max bytes. 0 or STAMP_EINPUT (diag says
 * which rule, prefixed by what).
 */
int stamp_text_clean(const char *in, char *out, size_t max, const char *what,
		     stamp_diag *diag) STAMP_WUR;

/*
 * Text as a search compares it: decomposed, combining marks dropped, case
 * folded, đ/Đ as d ("Mắm" and "MAM" both "mam", "Đông" "dong"), into out
 * (outlen bytes, NUL included). 0, or STAMP_EINPUT when in is not UTF-8 or
 * the folded text does not fit (out is then "").
 */
int stamp_text_fold(const char *in, char *out, size_t outlen) STAMP_WUR;

#endif
