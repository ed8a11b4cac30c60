/*
 * test_registry.c - the text gate (NFC, UTF-8, control characters, length)
 * and the field rules of cooperatives, products and batches, one table row
 * per rule, with the exact messages officers will read.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "stamp/registry.h"

/* "Nước mắm" typed with combining marks: u+horn, o+horn+acute, a+breve+acute */
#define NUOC_MAM_NFD                                                                               \
	"Nu\xCC\x9Bo\xCC\x9B\xCC\x81"                                                              \
	"c ma\xCC\x86\xCC\x81m"
#define NUOC_MAM_NFC                                                                               \
	"N\xC6\xB0\xE1\xBB\x9B"                                                                    \
	"c m\xE1\xBA\xAFm"

static void test_text_nfc(void **state)
{
	char out[STAMP_TEXT_MAX + 1];
	stamp_diag d;
	(void)state;
	assert_int_equal(stamp_text_clean(" \t" NUOC_MAM_NFD "  ", out, STAMP_TEXT_MAX, "x", &d),
			 0);
	assert_string_equal(out, NUOC_MAM_NFC);
	assert_string_equal(out, "Nước mắm");
	/* already NFC text is unchanged */
	assert_int_equal(stamp_text_clean("Chiếu cói Nga Sơn", out, STAMP_TEXT_MAX, "x", &d), 0);
	assert_string_equal(out, "Chiếu cói Nga Sơn");
	assert_int_equal(stamp_text_clean("   ", out, STAMP_TEXT_MAX, "x", &d), 0);
	assert_string_equal(out, "");
}

static void test_text_rejects(void **state)
{
	static const struct {
		const char *in;
		const char *msg;
	} t[] = {
		{"ab\xC3", "column \"name\": not valid UTF-8 at byte 3"},	 /* truncated */
		{"\xC0\xAF", "column \"name\": not valid UTF-8 at byte 1"},	 /* overlong '/' */
		{"a\xED\xA0\x80", "column \"name\": not valid UTF-8 at byte 2"}, /* surrogate */
		{"N\xF0\xB0\x80", "column \"name\": not valid UTF-8 at byte 2"},
		{"caf\xE9", "column \"name\": not valid UTF-8 at byte 4"}, /* Latin-1 */
		{"a\nb", "column \"name\": control character U+000A not allowed (byte 2)"},
		{"a\tb", "column \"name\": control character U+0009 not allowed (byte 2)"},
		{"a\x7f", "column \"name\": control character U+007F not allowed (byte 2)"},
		{"a\xC2\x85", "column \"name\": control character U+0085 not allowed (byte 2)"},
		/* invisible formatting: bidi controls, zero widths, soft hyphen, any Cf */
		{"HTX \xE2\x80\xAE"
		 "abc",
		 "column \"name\": U+202E (right-to-left override) is "
		 "not allowed: it can make a name read differently on "
		 "the page"},
		{"a\xE2\x80\xAA", "column \"name\": U+202A (left-to-right embedding) is"},
		{"a\xE2\x81\xA6"
		 "b",
		 "column \"name\": U+2066 (left-to-right isolate) is"},
		{"a\xE2\x81\xA9", "column \"name\": U+2069 (pop directional isolate) is"},
		{"a\xE2\x80\x8E", "column \"name\": U+200E (left-to-right mark) is"},
		{"a\xE2\x80\x8F", "column \"name\": U+200F (right-to-left mark) is"},
		{"a\xD8\x9C", "column \"name\": U+061C (Arabic letter mark) is"},
		{"a\xE2\x80\x8D"
		 "b",
		 "column \"name\": U+200D (zero width joiner) is"},
		{"a\xE2\x80\x8C"
		 "b",
		 "column \"name\": U+200C (zero width non-joiner) is"},
		{"m\xC2\xAD\xE1\xBA\xAFm", "column \"name\": U+00AD (soft hyphen) is"},
		{"a\xEF\xBB\xBF", "column \"name\": U+FEFF (zero width no-break space) is"},
		{"a\xE2\x80\xA8"
		 "b",
		 "column \"name\": U+2028 (line separator) is"},
		/* U+206A, inhibit symmetric swapping: Cf without a name of its own */
		{"a\xE2\x81\xAA", "column \"name\": U+206A (an invisible formatting character)"},
		{"a\xF3\xA0\x80\x81", "column \"name\": U+E0001 (an invisible formatting"},
	};
	char out[STAMP_TEXT_MAX + 1];
	stamp_diag d;
	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		memset(out, 'Z', sizeof out);
		assert_int_equal(
			stamp_text_clean(t[i].in, out, STAMP_TEXT_MAX, "column \"name\"", &d),
			STAMP_EINPUT);
		if (strncmp(d.msg, t[i].msg, strlen(t[i].msg)) != 0)
			fail_msg("case %zu: \"%s\"", i, d.msg);
		assert_string_equal(out, ""); /* cleared on failure */
	}
}

static void test_text_length(void **state)
{
	char in[400], out[STAMP_TEXT_MAX + 1];
	stamp_diag d;
	(void)state;
	/* 104 x "ắ" = 312 bytes NFC */
	in[0] = '\0';
	for (int i = 0; i < 104; i++)
		strcat(in, "ắ");
	assert_int_equal(stamp_text_clean(in, out, STAMP_TEXT_MAX, "column \"name\"", &d),
			 STAMP_EINPUT);
	assert_string_equal(d.msg, "column \"name\": longer than 255 bytes (312)");
	/* 85 x "ắ" = 255 bytes fits exactly */
	in[255] = '\0';
	assert_int_equal(stamp_text_clean(in, out, STAMP_TEXT_MAX, "w", &d), 0);
	assert_int_equal(strlen(out), 255);
	/* the limit applies to the NFC form: 60 decomposed "ắ" are 300 bytes, 180 NFC */
	in[0] = '\0';
	for (int i = 0; i < 60; i++)
		strcat(in, "a\xCC\x86\xCC\x81");
	assert_int_equal(strlen(in), 300);
	assert_int_equal(stamp_text_clean(in, out, STAMP_TEXT_MAX, "w", &d), 0);
	assert_int_equal(strlen(out), 180);
}

struct rule {
	const char *field, *value;
	int err;
	const char *msg; /* exact diag, or NULL */
};

static void run_product_rules(const struct rule *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		stamp_product p;
		stamp_diag d = {{0}};
		memset(&p, 0, sizeof p);
		int err = stamp_product_set(&p, t[i].field, t[i].value, &d);
		if (err != t[i].err)
			fail_msg("%s=\"%s\": err %d, want %d (%s)", t[i].field, t[i].value, err,
				 t[i].err, d.msg);
		if (t[i].msg && strcmp(d.msg, t[i].msg) != 0)
			fail_msg("%s=\"%s\": \"%s\"", t[i].field, t[i].value, d.msg);
	}
}

static void test_product_set_rules(void **state)
{
	static const struct rule t[] = {
		{"stars", "6", STAMP_EINPUT, "column \"stars\": expected 3, 4 or 5, got \"6\""},
		{"stars", "2", STAMP_EINPUT, NULL},
		{"stars", "4.0", STAMP_EINPUT, NULL},
		{"stars", " 4 ", 0, NULL},
		{"stars", "", 0, NULL},
		{"id", "NEM-CHUA_01.v2", 0, NULL},
		{"id", "nem chua", STAMP_EINPUT,
		 "column \"id\": expected 1 to 32 letters, digits, '-', '_' or '.' (no spaces), "
		 "got "
		 "\"nem chua\""},
		{"id", "nước", STAMP_EINPUT, NULL},
		{"id", "A23456789012345678901234567890123", STAMP_EINPUT, NULL}, /* 33 */
		{"id", "A2345678901234567890123456789012", 0, NULL},		 /* 32 */
		{"coop_id", "x/y", STAMP_EINPUT, NULL},
		{"ocop_date", "2024-02-30", STAMP_EINPUT,
		 "column \"ocop_date\": expected a date YYYY-MM-DD or DD/MM/YYYY, got "
		 "\"2024-02-30\""},
		{"ocop_date", "29/02/2024", 0, NULL},
		{"cert_valid_until", "2027-13-01", STAMP_EINPUT, NULL},
		/* GTIN: 8935049500018 is valid (check digit 8) */
		{"gtin", "8935049500018", 0, NULL},
		{"gtin", "8935049500015", STAMP_EINPUT,
		 "column \"gtin\": check digit of \"8935049500015\" should be 8, not 5"},
		{"gtin", "96385074", 0, NULL}, /* GTIN-8 */
		{"gtin", "96385070", STAMP_EINPUT, NULL},
		{"gtin", "036000291452", 0, NULL},	      /* GTIN-12 (UPC-A) */
		{"gtin", "10012345678902", 0, NULL},	      /* GTIN-14 */
		{"gtin", "893504950001", STAMP_EINPUT, NULL}, /* 12 digits, wrong check */
		{"gtin", "89350495000", STAMP_EINPUT,
		 "column \"gtin\": expected a GTIN of 8, 12, 13 or 14 digits, got \"89350495000\""},
		{"gtin", "893504950001A", STAMP_EINPUT, NULL},
		{"gtin", "", 0, NULL},
		{"shelf_life_days", "0", 0, NULL},
		{"shelf_life_days", "3650", 0, NULL},
		{"shelf_life_days", "3651", STAMP_EINPUT,
		 "column \"shelf_life_days\": expected a whole number of days from 0 to 3650, got "
		 "\"3651\""},
		{"shelf_life_days", "-1", STAMP_EINPUT, NULL},
		{"shelf_life_days", "30 ngày", STAMP_EINPUT, NULL},
		{"shelf_life_days", "99999999999999999999", STAMP_EINPUT, NULL},
		{"ocop_decision", "1234/QĐ-UBND", 0, NULL},
		{"colour", "red", STAMP_ENOTFOUND, NULL},
		{"Stars", "4", STAMP_ENOTFOUND, NULL}, /* the library matches exactly */
	};
	(void)state;
	run_product_rules(t, sizeof t / sizeof t[0]);
}

static void test_coop_set_rules(void **state)
{
	static const struct {
		const char *field, *value;
		int err;
	} t[] = {
		{"phone", "0237 3851 234", 0},
		{"phone", "+84 237.385.1234", 0},
		{"phone", "0912-345-678", 0},
		{"phone", "1234567", STAMP_EINPUT},	     /* 7 digits */
		{"phone", "1234567890123456", STAMP_EINPUT}, /* 16 digits */
		{"phone", "0237 (385) 1234", STAMP_EINPUT},
		{"phone", "84+2373851234", STAMP_EINPUT},
		{"phone", "", 0},
		{"name", "HTX Nông nghiệp Hoằng Đạo", 0},
		{"fax", "1", STAMP_ENOTFOUND},
	};
	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		stamp_coop c;
		stamp_diag d = {{0}};
		memset(&c, 0, sizeof c);
		int err = stamp_coop_set(&c, t[i].field, t[i].value, &d);
		if (err != t[i].err)
			fail_msg("%s=\"%s\": err %d (%s)", t[i].field, t[i].value, err, d.msg);
	}
}

static void fill_coop(stamp_coop *c)
{
	stamp_diag d;
	memset(c, 0, sizeof *c);
	assert_int_equal(stamp_coop_set(c, "id", "HTX-HOANGDAO", &d), 0);
	assert_int_equal(stamp_coop_set(c, "name", "HTX Nông nghiệp Hoằng Đạo", &d), 0);
	assert_int_equal(stamp_coop_set(c, "district", "Hoằng Hóa", &d), 0);
	assert_int_equal(stamp_coop_set(c, "province", "Thanh Hóa", &d), 0);
	assert_int_equal(stamp_coop_set(c, "address", "Thôn Đông, xã Hoằng Đạo", &d), 0);
}

static void fill_product(stamp_product *p)
{
	stamp_diag d;
	memset(p, 0, sizeof *p);
	assert_int_equal(stamp_product_set(p, "id", "NEM-01", &d), 0);
	assert_int_equal(stamp_product_set(p, "coop_id", "HTX-HOANGDAO", &d), 0);
	assert_int_equal(stamp_product_set(p, "name", "Nem chua Thanh Hóa", &d), 0);
	assert_int_equal(stamp_product_set(p, "group", "Thực phẩm", &d), 0);
	assert_int_equal(stamp_product_set(p, "stars", "4", &d), 0);
	assert_int_equal(stamp_product_set(p, "ocop_decision", "1234/QĐ-UBND", &d), 0);
	assert_int_equal(stamp_product_set(p, "ocop_date", "15/03/2023", &d), 0);
	assert_int_equal(stamp_product_set(p, "cert_valid_until", "2026-03-15", &d), 0);
	assert_int_equal(stamp_product_set(p, "shelf_life_days", "7", &d), 0);
}

static void test_coop_check(void **state)
{
	stamp_coop c;
	stamp_diag d;
	char v[64];
	(void)state;
	fill_coop(&c);
	assert_int_equal(stamp_coop_check(&c, &d), 0); /* commune and phone optional */
	assert_int_equal(stamp_coop_set(&c, "address", "  ", &d), 0);
	assert_int_equal(stamp_coop_check(&c, &d), STAMP_EINPUT);
	assert_string_equal(d.msg, "column \"address\": required");
	assert_int_equal(stamp_coop_set(&c, "name", "", &d), 0);
	assert_int_equal(stamp_coop_check(&c, &d), STAMP_EINPUT);
	assert_string_equal(d.msg, "columns \"name\", \"address\": required");
	/* a record built by hand goes through the same rules */
	fill_coop(&c);
	strcpy(c.phone, "12");
	assert_int_equal(stamp_coop_check(&c, &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "column \"phone\""));
	strcpy(c.id, "bad id");
	assert_int_equal(stamp_coop_check(&c, &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "column \"id\""));
	/* get */
	fill_coop(&c);
	assert_int_equal(stamp_coop_get(&c, "district", v, sizeof v), 0);
	assert_string_equal(v, "Hoằng Hóa");
	assert_int_equal(stamp_coop_get(&c, "commune", v, sizeof v), 0);
	assert_string_equal(v, "");
	assert_int_equal(stamp_coop_get(&c, "nope", v, sizeof v), STAMP_ENOTFOUND);
	assert_int_not_equal(stamp_coop_get(&c, "name", v, 8), 0); /* does not fit */
}

static void test_product_check(void **state)
{
	stamp_product p;
	stamp_diag d;
	char v[64];
	(void)state;
	fill_product(&p);
	assert_int_equal(stamp_product_check(&p, &d), 0);
	assert_int_equal(stamp_product_get(&p, "ocop_date", v, sizeof v), 0);
	assert_string_equal(v, "2023-03-15");
	assert_int_equal(stamp_product_get(&p, "stars", v, sizeof v), 0);
	assert_string_equal(v, "4");
	assert_int_equal(stamp_product_get(&p, "shelf_life_days", v, sizeof v), 0);
	assert_string_equal(v, "7");
	assert_int_equal(stamp_product_get(&p, "gtin", v, sizeof v), 0);
	assert_string_equal(v, "");
	/* certificate must outlive the decision */
	assert_int_equal(stamp_product_set(&p, "cert_valid_until", "2023-03-15", &d), 0);
	assert_int_equal(stamp_product_check(&p, &d), STAMP_EINPUT);
	assert_string_equal(
		d.msg, "column \"cert_valid_until\": 2023-03-15 is not after ocop_date 2023-03-15");
	fill_product(&p);
	assert_int_equal(stamp_product_set(&p, "stars", "", &d), 0);
	assert_int_equal(stamp_product_check(&p, &d), STAMP_EINPUT);
	assert_string_equal(d.msg, "column \"stars\": required");
	fill_product(&p);
	p.stars = 6; /* by hand */
	assert_int_equal(stamp_product_check(&p, &d), STAMP_EINPUT);
	assert_string_equal(d.msg, "column \"stars\": expected 3, 4 or 5, got \"6\"");
	fill_product(&p);
	strcpy(p.gtin, "8935049500015");
	assert_int_equal(stamp_product_check(&p, &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "should be 8"));
	fill_product(&p);
	p.shelf_life_days = 4000;
	assert_int_equal(stamp_product_check(&p, &d), STAMP_EINPUT);
	/* text put in by hand must be what set() would have stored */
	fill_product(&p);
	strcpy(p.name, NUOC_MAM_NFD);
	assert_int_equal(stamp_product_check(&p, &d), STAMP_EINPUT);
	assert_string_equal(d.msg, "column \"name\": not stored trimmed and in Unicode NFC");
	fill_product(&p);
	strcpy(p.group, "Th\xF1"
			"c");
	assert_int_equal(stamp_product_check(&p, &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "column \"group\": not valid UTF-8"));
}

static void test_short_name(void **state)
{
	stamp_product p;
	stamp_diag d;
	(void)state;
	memset(&p, 0, sizeof p);
	assert_int_equal(stamp_product_set(&p, "name", "Nem chua", &d), 0);
	assert_string_equal(p.short_name, "Nem chua");
	/* follows the name while it is the default */
	assert_int_equal(stamp_product_set(&p, "name", "Nem chua Thanh Hóa", &d), 0);
	assert_string_equal(p.short_name, "Nem chua Thanh Hóa");
	assert_int_equal(stamp_product_set(&p, "short_name", "Nem TH", &d), 0);
	assert_int_equal(stamp_product_set(&p, "name", "Nem chua Hoằng Hóa", &d), 0);
	assert_string_equal(p.short_name, "Nem TH");
	/* empty short_name falls back to the name, whatever the column order */
	assert_int_equal(stamp_product_set(&p, "short_name", "", &d), 0);
	assert_string_equal(p.short_name, "Nem chua Hoằng Hóa");
	/* cut within 63 bytes on a character boundary: 21 x "ướ" would be 126 bytes */
	memset(&p, 0, sizeof p);
	char name[200] = "";
	for (int i = 0; i < 30; i++)
		strcat(name, "ư"); /* 2 bytes each: 60 bytes */
	strcat(name, "ướng");	   /* ư(2) ớ(3) n g: the cut falls inside ớ */
	assert_int_equal(stamp_product_set(&p, "name", name, &d), 0);
	assert_int_equal(strlen(p.short_name), 62);
	assert_int_equal(strncmp(p.short_name, name, 62), 0);
	/* a base letter followed by a combining mark (no precomposed form) is not split */
	memset(&p, 0, sizeof p);
	memset(name, 'a', 62);
	strcpy(name + 62, "x\xCC\xA3\xCC\x82 end"); /* x + dot below + circumflex */
	assert_int_equal(stamp_product_set(&p, "name", name, &d), 0);
	assert_int_equal(strlen(p.short_name), 62);
}

static void test_field_lists(void **state)
{
	static const char *coop[] = {"id",	 "name",    "commune", "district",
				     "province", "address", "phone"};
	static const char *prod[] = {
		"id",	 "coop_id",	   "name",	"short_name",	    "group",
		"stars", "ocop_decision",  "ocop_date", "cert_valid_until", "standards",
		"gtin",	 "shelf_life_days"};
	char v[8];
	stamp_coop c;
	stamp_product p;
	(void)state;
	memset(&c, 0, sizeof c);
	memset(&p, 0, sizeof p);
	for (size_t i = 0; i < 7; i++) {
		assert_string_equal(stamp_coop_fields[i], coop[i]);
		assert_int_equal(stamp_coop_get(&c, coop[i], v, sizeof v), 0);
	}
	assert_null(stamp_coop_fields[7]);
	for (size_t i = 0; i < 12; i++) {
		assert_string_equal(stamp_product_fields[i], prod[i]);
		assert_int_equal(stamp_product_get(&p, prod[i], v, sizeof v), 0);
	}
	assert_null(stamp_product_fields[12]);
}

static void test_batch_check(void **state)
{
	stamp_coop c;
	stamp_product p;
	stamp_batch b;
	stamp_diag d;
	(void)state;
	fill_coop(&c);
	fill_product(&p);
	memset(&b, 0, sizeof b);
	strcpy(b.product_id, "NEM-01");
	strcpy(b.lot, "L2025-001");
	b.produced = 20250301;
	b.expiry = 20250308;
	assert_int_equal(stamp_batch_check(&b, &p, &c, &d), 0);

	/* several items missing: all named in one sentence */
	b.expiry = 0;
	b.lot[0] = '\0';
	c.address[0] = '\0';
	assert_int_equal(stamp_batch_check(&b, &p, &c, &d), STAMP_EINPUT);
	assert_string_equal(d.msg,
			    "missing mandatory traceability items (Circular 02/2024/TT-BKHCN): "
			    "producer address, expiry date, lot");
	fill_coop(&c);
	b.produced = 0;
	p.name[0] = '\0';
	c.name[0] = '\0';
	strcpy(b.lot, "L1");
	assert_int_equal(stamp_batch_check(&b, &p, &c, &d), STAMP_EINPUT);
	assert_string_equal(d.msg,
			    "missing mandatory traceability items (Circular 02/2024/TT-BKHCN): "
			    "product name, producer name, production date, expiry date");

	/* a craft without shelf life needs no expiry */
	fill_coop(&c);
	fill_product(&p);
	p.shelf_life_days = 0;
	b.produced = 20250301;
	b.expiry = 0;
	assert_int_equal(stamp_batch_check(&b, &p, &c, &d), 0);

	/* expiry must follow production */
	b.expiry = 20250301;
	assert_int_equal(stamp_batch_check(&b, &p, &c, &d), STAMP_EINPUT);
	assert_string_equal(d.msg,
			    "expiry date 2025-03-01 is not after production date 2025-03-01");

	/* the records must belong together */
	b.expiry = 20250302;
	strcpy(b.product_id, "OTHER");
	assert_int_equal(stamp_batch_check(&b, &p, &c, &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "OTHER"));
	strcpy(b.product_id, "NEM-01");
	strcpy(p.coop_id, "HTX-KHAC");
	assert_int_equal(stamp_batch_check(&b, &p, &c, &d), STAMP_EINPUT);
	assert_non_null(strstr(d.msg, "HTX-KHAC"));
}

/* the fold a search compares with: what an officer types without diacritics finds the name */
/* Each field's rule as a phrase, in both languages, bounded. */
static void test_field_rules(void **state)
{
	char out[256];
	(void)state;
	assert_int_equal(stamp_registry_rule(0, "phone", 1, out, sizeof out), 0);
	assert_string_equal(out, "không bắt buộc; số điện thoại 8 đến 15 chữ số (được có dấu cách, "
				 "dấu chấm, gạch ngang và dấu + ở đầu)");
	assert_int_equal(stamp_registry_rule(1, "stars", 0, out, sizeof out), 0);
	assert_string_equal(out, "required; 3, 4 or 5 stars");
	assert_int_equal(stamp_registry_rule(0, "name", 1, out, sizeof out), 0);
	assert_non_null(strstr(out, "bắt buộc; chữ trên một dòng, tối đa "));
	for (int product = 0; product < 2; product++) {
		const char *const *f = product ? stamp_product_fields : stamp_coop_fields;
		for (; *f; f++) {
			assert_int_equal(stamp_registry_rule(product, *f, 1, out, sizeof out), 0);
			assert_int_equal(stamp_registry_rule(product, *f, 0, out, sizeof out), 0);
		}
	}
	assert_int_equal(stamp_registry_rule(0, "gtin", 1, out, sizeof out), STAMP_ENOTFOUND);
	assert_int_equal(stamp_registry_rule(1, "gtin", 1, out, 12), ENAMETOOLONG);
}

static void test_text_fold(void **state)
{
	char out[64];
	(void)state;
	assert_int_equal(stamp_text_fold("Mắm tôm", out, sizeof out), 0);
	assert_string_equal(out, "mam tom");
	assert_int_equal(stamp_text_fold("THANH HÓA", out, sizeof out), 0);
	assert_string_equal(out, "thanh hoa");
	assert_int_equal(stamp_text_fold("Đông Đức đặc sản", out, sizeof out), 0);
	assert_string_equal(out, "dong duc dac san");
	/* decomposed input folds as its NFC form does */
	assert_int_equal(stamp_text_fold(NUOC_MAM_NFD, out, sizeof out), 0);
	assert_string_equal(out, "nuoc mam");
	assert_int_equal(stamp_text_fold("Nước Mắm", out, sizeof out), 0);
	assert_string_equal(out, "nuoc mam");
	/* ASCII ids are only lower-cased */
	assert_int_equal(stamp_text_fold("HTX-KHUCPHU_1.2", out, sizeof out), 0);
	assert_string_equal(out, "htx-khucphu_1.2");
	/* not UTF-8, or too long for out: refused, out empty */
	assert_int_equal(stamp_text_fold("M\xE1m", out, sizeof out), STAMP_EINPUT);
	assert_string_equal(out, "");
	assert_int_equal(stamp_text_fold("abcdef", out, 6), STAMP_EINPUT);
	assert_string_equal(out, "");
	assert_int_equal(stamp_text_fold("abcde", out, 6), 0);
	assert_string_equal(out, "abcde");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_fold),	  cmocka_unit_test(test_text_nfc),
		cmocka_unit_test(test_text_rejects),	  cmocka_unit_test(test_text_length),
		cmocka_unit_test(test_product_set_rules), cmocka_unit_test(test_coop_set_rules),
		cmocka_unit_test(test_coop_check),	  cmocka_unit_test(test_product_check),
		cmocka_unit_test(test_short_name),	  cmocka_unit_test(test_field_lists),
		cmocka_unit_test(test_batch_check),	  cmocka_unit_test(test_field_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
