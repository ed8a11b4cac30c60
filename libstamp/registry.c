/*
 * registry.c - the vocabulary of registry records and its rules.
 *
 * Officers meet the same field names three times: as CSV column headers, as
 * stampgen flags and in listings. One static table per record kind (name,
 * place in the struct, type, size, required) drives set, get and check, so a
 * field cannot be settable under one name and listed under another, and a new
 * field is one table line. Every message names the column the way the officer
 * wrote it ("column \"stars\": ..."); the caller adds file:line.
 *
 * check() re-validates each field through get()+parse, so a record built by
 * hand in C passes the same rules as one typed by an officer, then adds the
 * rules that span fields (certificate validity after the decision date) and,
 * for batches, the mandatory traceability items of Circular 02/2024/TT-BKHCN.
 *
 * short_name is filled when fields are set, not at check time (check takes a
 * const record): an empty short_name becomes the name cut to 63 bytes on a
 * character boundary, and follows the name while it is still that default.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <utf8proc.h>

#include "internal.h"
#include "stamp/date.h"
#include "stamp/registry.h"

enum ftype { F_ID, F_TEXT, F_PHONE, F_STARS, F_DATE, F_GTIN, F_DAYS };

struct field {
	const char *name;
	size_t off;
	size_t size;
	enum ftype type;
	int required;
};

#define FLD(rec, member, type, req)                                                                \
	{                                                                                          \
#member, offsetof(rec, member), sizeof(((rec *)0)->member), type, req              \
	}

static const struct field coop_tab[] = {
	FLD(stamp_coop, id, F_ID, 1),	      FLD(stamp_coop, name, F_TEXT, 1),
	FLD(stamp_coop, commune, F_TEXT, 0),  FLD(stamp_coop, district, F_TEXT, 1),
	FLD(stamp_coop, province, F_TEXT, 1), FLD(stamp_coop, address, F_TEXT, 1),
	FLD(stamp_coop, phone, F_PHONE, 0),   {NULL, 0, 0, F_TEXT, 0},
};

static const struct field product_tab[] = {
	FLD(stamp_product, id, F_ID, 1),
	FLD(stamp_product, coop_id, F_ID, 1),
	FLD(stamp_product, name, F_TEXT, 1),
	FLD(stamp_product, short_name, F_TEXT, 0),
	FLD(stamp_product, group, F_TEXT, 1),
	FLD(stamp_product, stars, F_STARS, 1),
	FLD(stamp_product, ocop_decision, F_TEXT, 1),
	FLD(stamp_product, ocop_date, F_DATE, 1),
	FLD(stamp_product, cert_valid_until, F_DATE, 1),
	FLD(stamp_product, standards, F_TEXT, 0),
	FLD(stamp_product, gtin, F_GTIN, 0),
	FLD(stamp_product, shelf_life_days, F_DAYS, 0),
	{NULL, 0, 0, F_TEXT, 0},
};

const char *const stamp_coop_fields[] = {"id",	     "name",	"commune", "district",
					 "province", "address", "phone",   NULL};
const char *const stamp_product_fields[] = {
	"id",	 "coop_id",	    "name",	 "short_name",	     "group",
	"stars", "ocop_decision",   "ocop_date", "cert_valid_until", "standards",
	"gtin",	 "shelf_life_days", NULL};

#define SHELF_LIFE_MAX 3650

static const struct field *lookup(const struct field *tab, const char *name)
{
	for (; name && tab->name; tab++)
		if (strcmp(tab->name, name) == 0)
			return tab;
	return NULL;
}

int stamp_registry_required(int product, const char *field)
{
	const struct field *f = lookup(product ? product_tab : coop_tab, field);
	return f ? f->required : -1;
}

int stamp_registry_rule(int product, const char *field, int vietnamese, char *out, size_t cap)
{
	static const char *const rule[][2] = {
		[F_ID] = {"1 to 32 letters without accents, digits, '-', '_' or '.' (no spaces)",
			  "1 đến 32 chữ cái không dấu, chữ số, '-', '_' hoặc '.' (không có dấu "
			  "cách)"},
		[F_PHONE] =
			{"a phone number of 8 to 15 digits (spaces, dots, dashes and a leading + "
			 "allowed)",
			 "số điện thoại 8 đến 15 chữ số (được có dấu cách, dấu chấm, gạch "
			 "ngang và dấu + ở đầu)"},
		[F_STARS] = {"3, 4 or 5 stars", "3, 4 hoặc 5 sao"},
		[F_DATE] = {"a date YYYY-MM-DD or DD/MM/YYYY",
			    "ngày dạng YYYY-MM-DD hoặc DD/MM/YYYY"},
		[F_GTIN] =
			{"a GTIN of 8, 12, 13 or 14 digits whose last digit is its GS1 check digit",
			 "mã GTIN 8, 12, 13 hoặc 14 chữ số, chữ số cuối là số kiểm tra GS1"},
		[F_DAYS] = {"a whole number of days from 0 to 3650",
			    "số ngày nguyên từ 0 đến 3650"},
	};
	const struct field *f = lookup(product ? product_tab : coop_tab, field);
	int v = vietnamese != 0;
	if (!f)
		return STAMP_ENOTFOUND;
	int n = snprintf(out, cap, "%s",
			 f->required ? (v ? "bắt buộc; " : "required; ")
				     : (v ? "không bắt buộc; " : "optional; "));
	if (n < 0 || (size_t)n >= cap)
		return ENAMETOOLONG;
	size_t left = cap - (size_t)n;
	int m = f->type != F_TEXT ? snprintf(out + n, left, "%s", rule[f->type][v])
		: v ? snprintf(out + n, left, "chữ trên một dòng, tối đa %zu byte", f->size - 1)
		    : snprintf(out + n, left, "text on one line, at most %zu bytes", f->size - 1);
	return m < 0 || (size_t)m >= left ? ENAMETOOLONG : 0;
}

static int bad(stamp_diag *diag, const struct field *f, const char *rule, const char *v)
{
	return stamp_diag_set(diag, STAMP_EINPUT, "column \"%s\": %s, got \"%s\"", f->name, rule,
			      v);
}

int stamp_id_valid(const char *v)
{
	size_t n = strlen(v);
	if (n < 1 || n > STAMP_ID_MAX)
		return 0;
	return strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") == n;
}

static int valid_phone(const char *v)
{
	size_t ndig = 0;
	if (*v == '+')
		v++;
	for (; *v; v++) {
		if (*v >= '0' && *v <= '9')
			ndig++;
		else if (*v != ' ' && *v != '.' && *v != '-')
			return 0;
	}
	return ndig >= 8 && ndig <= 15;
}

/* GS1 mod-10: weights 3,1,3,... from the digit left of the check digit. */
int stamp_gs1_check_digit(const char *v, size_t n)
{
	int sum = 0, w = 3;
	for (size_t i = n - 1; i-- > 0; w = 4 - w)
		sum += (v[i] - '0') * w;
	return (10 - sum % 10) % 10;
}

static int gtin_shape(const char *v, size_t n)
{
	return strspn(v, "0123456789") == n && (n == 8 || n == 12 || n == 13 || n == 14);
}

int stamp_gtin14(const char *gtin, char out[15])
{
	size_t n = strlen(gtin);
	if (!gtin_shape(gtin, n) || gtin[n - 1] - '0' != stamp_gs1_check_digit(gtin, n))
		return STAMP_EINPUT;
	memset(out, '0', 14 - n);
	memcpy(out + 14 - n, gtin, n + 1);
	return 0;
}

static int parse_gtin(const struct field *f, const char *v, stamp_diag *diag)
{
	size_t n = strlen(v);
	if (!gtin_shape(v, n))
		return bad(diag, f, "expected a GTIN of 8, 12, 13 or 14 digits", v);
	int want = stamp_gs1_check_digit(v, n);
	if (v[n - 1] - '0' != want)
		return stamp_diag_set(diag, STAMP_EINPUT,
				      "column \"%s\": check digit of \"%s\" should be %d, not %c",
				      f->name, v, want, v[n - 1]);
	return 0;
}

static int parse_days(const struct field *f, const char *v, uint32_t *out, stamp_diag *diag)
{
	size_t n = strlen(v);
	uint32_t d = 0;
	/* at most 4 digits keeps the sum far from overflow before the range test */
	if (n == 0 || n > 4 || strspn(v, "0123456789") != n)
		return bad(diag, f, "expected a whole number of days from 0 to 3650", v);
	for (size_t i = 0; i < n; i++)
		d = d * 10 + (uint32_t)(v[i] - '0');
	if (d > SHELF_LIFE_MAX)
		return bad(diag, f, "expected a whole number of days from 0 to 3650", v);
	*out = d;
	return 0;
}

/*
 * Validate cleaned, non-empty text for field f; store it when rec is not
 * NULL (check() passes NULL to validate only).
 */
static int parse_value(const struct field *f, void *rec, const char *v, stamp_diag *diag)
{
	char *at = rec ? (char *)rec + f->off : NULL;
	uint32_t u = 0;
	int err;

	switch (f->type) {
	case F_ID:
		if (!stamp_id_valid(v))
			return bad(diag, f,
				   "expected 1 to 32 letters, digits, '-', '_' or '.' (no spaces)",
				   v);
		break;
	case F_PHONE:
		if (!valid_phone(v))
			return bad(diag, f, "expected a phone number of 8 to 15 digits", v);
		break;
	case F_TEXT:
		break;
	case F_GTIN:
		if ((err = parse_gtin(f, v, diag)) != 0)
			return err;
		break;
	case F_STARS:
		if (strlen(v) != 1 || v[0] < '3' || v[0] > '5')
			return bad(diag, f, "expected 3, 4 or 5", v);
		if (at)
			*(uint8_t *)at = (uint8_t)(v[0] - '0');
		return 0;
	case F_DATE:
		if (stamp_date_parse(v, &u) != 0)
			return bad(diag, f, "expected a date YYYY-MM-DD or DD/MM/YYYY", v);
		if (at)
			memcpy(at, &u, sizeof u);
		return 0;
	case F_DAYS:
		if ((err = parse_days(f, v, &u, diag)) != 0)
			return err;
		if (at)
			memcpy(at, &u, sizeof u);
		return 0;
	}
	if (at) {
		/* stamp_text_clean already bounded v to f->size - 1 bytes */
		memcpy(at, v, strlen(v) + 1);
	}
	return 0;
}

static void clear_value(const struct field *f, void *rec)
{
	memset((char *)rec + f->off, 0, f->size);
}

static int set_field(const struct field *tab, void *rec, const char *name, const char *value,
		     stamp_diag *diag)
{
	const struct field *f = lookup(tab, name);
	char what[64], v[STAMP_TEXT_MAX + 1];
	size_t max;

	if (!f)
		return stamp_diag_set(diag, STAMP_ENOTFOUND, "unknown column \"%s\"",
				      name ? name : "");
	if (!rec || !value)
		return stamp_diag_set(diag, STAMP_EINPUT, "column \"%s\": no value", f->name);
	/* numbers and codes are short; text fields are bounded by their member */
	max = f->type == F_TEXT || f->type == F_ID || f->type == F_PHONE || f->type == F_GTIN
		      ? f->size - 1
		      : STAMP_SHORT_MAX;
	if (snprintf(what, sizeof what, "column \"%s\"", f->name) >= (int)sizeof what)
		return stamp_diag_set(diag, STAMP_EINPUT, "field name too long");
	int err = stamp_text_clean(value, v, max, what, diag);
	if (err)
		return err;
	if (v[0] == '\0') {
		clear_value(f, rec);
		return 0;
	}
	return parse_value(f, rec, v, diag);
}

static int get_field(const struct field *tab, const void *rec, const char *name, char *out,
		     size_t outlen)
{
	const struct field *f = lookup(tab, name);
	const char *at;
	char buf[STAMP_TEXT_MAX + 1];
	uint32_t u;

	if (!f)
		return STAMP_ENOTFOUND;
	if (!rec || !out || outlen == 0)
		return EINVAL;
	at = (const char *)rec + f->off;
	switch (f->type) {
	case F_STARS:
		if (*(const uint8_t *)at == 0)
			buf[0] = '\0';
		else
			snprintf(buf, sizeof buf, "%u", (unsigned)*(const uint8_t *)at);
		break;
	case F_DATE:
		memcpy(&u, at, sizeof u);
		stamp_date_format(u, buf);
		break;
	case F_DAYS:
		memcpy(&u, at, sizeof u);
		snprintf(buf, sizeof buf, "%u", (unsigned)u);
		break;
	default:
		/* a hand-built record may lack the NUL; never read past the member */
		if (memchr(at, '\0', f->size) == NULL)
			return ERANGE;
		if (strlen(at) >= sizeof buf)
			return ERANGE;
		memcpy(buf, at, strlen(at) + 1);
		break;
	}
	size_t n = strlen(buf);
	if (n >= outlen) {
		out[0] = '\0';
		return ERANGE;
	}
	memcpy(out, buf, n + 1);
	return 0;
}

/* Text stored by hand (not through set) must still be what set would store. */
static int check_clean(const struct field *f, const char *v, stamp_diag *diag)
{
	char what[64], clean[STAMP_TEXT_MAX + 1];
	int err;

	if (snprintf(what, sizeof what, "column \"%s\"", f->name) >= (int)sizeof what)
		return stamp_diag_set(diag, STAMP_EINPUT, "field name too long");
	if ((err = stamp_text_clean(v, clean, f->size - 1, what, diag)) != 0)
		return err;
	if (strcmp(clean, v) != 0)
		return stamp_diag_set(diag, STAMP_EINPUT,
				      "column \"%s\": not stored trimmed and in Unicode NFC",
				      f->name);
	return 0;
}

static int check_fields(const struct field *tab, const void *rec, stamp_diag *diag)
{
	char missing[512] = "", v[STAMP_TEXT_MAX + 1];
	size_t nmissing = 0, used = 0;
	const char *first = NULL;

	for (const struct field *f = tab; f->name; f++) {
		int err = get_field(tab, rec, f->name, v, sizeof v);
		if (err)
			return stamp_diag_set(diag, STAMP_EINPUT,
					      "column \"%s\": not a NUL-terminated value", f->name);
		if (v[0] == '\0') {
			if (!f->required)
				continue;
			int n = snprintf(missing + used, sizeof missing - used, "%s\"%s\"",
					 nmissing ? ", " : "", f->name);
			if (n > 0 && (size_t)n < sizeof missing - used)
				used += (size_t)n;
			if (!nmissing++)
				first = f->name;
			continue;
		}
		if (f->type != F_STARS && f->type != F_DATE && f->type != F_DAYS &&
		    (err = check_clean(f, v, diag)) != 0)
			return err;
		if ((err = parse_value(f, NULL, v, diag)) != 0)
			return err;
	}
	if (nmissing == 1)
		return stamp_diag_set(diag, STAMP_EINPUT, "column \"%s\": required", first);
	if (nmissing > 1)
		return stamp_diag_set(diag, STAMP_EINPUT, "columns %s: required", missing);
	return 0;
}

/* Cut name to at most max bytes at a character boundary, never before a combining mark. */
static void derive_short(const char *name, char *out, size_t max)
{
	size_t n = strlen(name);
	if (n > max) {
		n = max;
		for (;;) {
			while (n > 0 && ((unsigned char)name[n] & 0xC0) == 0x80)
				n--;
			utf8proc_int32_t cp = 0;
			if (n == 0 ||
			    utf8proc_iterate((const utf8proc_uint8_t *)name + n,
					     (utf8proc_ssize_t)(strlen(name) - n), &cp) < 0)
				break;
			utf8proc_category_t cat = utf8proc_category(cp);
			if (cat != UTF8PROC_CATEGORY_MN && cat != UTF8PROC_CATEGORY_MC &&
			    cat != UTF8PROC_CATEGORY_ME)
				break;
			n--;
		}
		while (n > 0 && name[n - 1] == ' ')
			n--;
	}
	memcpy(out, name, n);
	out[n] = '\0';
}

int stamp_coop_set(stamp_coop *c, const char *field, const char *value, stamp_diag *diag)
{
	return set_field(coop_tab, c, field, value, diag);
}

int stamp_product_set(stamp_product *p, const char *field, const char *value, stamp_diag *diag)
{
	char old[STAMP_SHORT_MAX + 1];
	int err;

	if (!p)
		return set_field(product_tab, p, field, value, diag);
	derive_short(p->name, old, STAMP_SHORT_MAX);
	if ((err = set_field(product_tab, p, field, value, diag)) != 0)
		return err;
	if (field && strcmp(field, "name") == 0) {
		/* follow the name only while short_name is still the default */
		if (p->short_name[0] == '\0' || strcmp(p->short_name, old) == 0)
			derive_short(p->name, p->short_name, STAMP_SHORT_MAX);
	} else if (field && strcmp(field, "short_name") == 0 && p->short_name[0] == '\0') {
		derive_short(p->name, p->short_name, STAMP_SHORT_MAX);
	}
	return 0;
}

int stamp_coop_get(const stamp_coop *c, const char *field, char *out, size_t outlen)
{
	return get_field(coop_tab, c, field, out, outlen);
}

int stamp_product_get(const stamp_product *p, const char *field, char *out, size_t outlen)
{
	return get_field(product_tab, p, field, out, outlen);
}

int stamp_coop_check(const stamp_coop *c, stamp_diag *diag)
{
	if (!c)
		return stamp_diag_set(diag, STAMP_EINPUT, "no cooperative");
	return check_fields(coop_tab, c, diag);
}

int stamp_product_check(const stamp_product *p, stamp_diag *diag)
{
	int err;

	if (!p)
		return stamp_diag_set(diag, STAMP_EINPUT, "no product");
	if ((err = check_fields(product_tab, p, diag)) != 0)
		return err;
	if (p->cert_valid_until <= p->ocop_date) {
		char a[11], b[11];
		stamp_date_format(p->cert_valid_until, a);
		stamp_date_format(p->ocop_date, b);
		return stamp_diag_set(diag, STAMP_EINPUT,
				      "column \"cert_valid_until\": %s is not after ocop_date %s",
				      a, b);
	}
	return 0;
}

static int valid_date(uint32_t d)
{
	char s[11];
	uint32_t back;
	stamp_date_format(d, s);
	return stamp_date_parse(s, &back) == 0 && back == d;
}

static void add_item(char *list, size_t size, size_t *used, const char *item)
{
	int n = snprintf(list + *used, size - *used, "%s%s", *used ? ", " : "", item);
	if (n > 0 && (size_t)n < size - *used)
		*used += (size_t)n;
}

int stamp_batch_check(const stamp_batch *b, const stamp_product *p, const stamp_coop *c,
		      stamp_diag *diag)
{
	char list[256] = "";
	size_t used = 0;

	if (!b || !p || !c)
		return stamp_diag_set(diag, STAMP_EINPUT, "batch, product and cooperative needed");
	if (strcmp(b->product_id, p->id) != 0)
		return stamp_diag_set(diag, STAMP_EINPUT,
				      "batch is for product \"%.32s\", not \"%.32s\"",
				      b->product_id, p->id);
	if (strcmp(p->coop_id, c->id) != 0)
		return stamp_diag_set(
			diag, STAMP_EINPUT,
			"product \"%.32s\" belongs to cooperative \"%.32s\", not \"%.32s\"", p->id,
			p->coop_id, c->id);
	if (p->name[0] == '\0')
		add_item(list, sizeof list, &used, "product name");
	if (c->name[0] == '\0')
		add_item(list, sizeof list, &used, "producer name");
	if (c->address[0] == '\0')
		add_item(list, sizeof list, &used, "producer address");
	if (b->produced == 0)
		add_item(list, sizeof list, &used, "production date");
	if (p->shelf_life_days > 0 && b->expiry == 0)
		add_item(list, sizeof list, &used, "expiry date");
	if (b->lot[0] == '\0')
		add_item(list, sizeof list, &used, "lot");
	if (used)
		return stamp_diag_set(
			diag, STAMP_EINPUT,
			"missing mandatory traceability items (Circular 02/2024/TT-BKHCN): %s",
			list);
	if (!valid_date(b->produced) || (b->expiry && !valid_date(b->expiry)))
		return stamp_diag_set(diag, STAMP_EINPUT, "batch dates are not valid dates");
	if (b->expiry && b->expiry <= b->produced) {
		char e[11], d[11];
		stamp_date_format(b->expiry, e);
		stamp_date_format(b->produced, d);
		return stamp_diag_set(diag, STAMP_EINPUT,
				      "expiry date %s is not after production date %s", e, d);
	}
	return 0;
}
