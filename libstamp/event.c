/*
 * event.c - the stages of a batch's journey (event.h).
 *
 *   events  'B' batch (u32 BE) seq (u32 BE)  -> event record (record.c)
 *           'P' product id '\0' seq (u32 BE) -> event record
 *
 * Why these keys: verifyd renders a batch's details once per registry
 * generation, and the journey is two short cursor ranges under those two
 * prefixes (the product's events, then the batch's), in sequence order
 * without an index. A new event takes the sequence after the last key under
 * its prefix, so events are only ever appended; a withdrawal rewrites the
 * record with its time, never deletes it.
 *
 * The stage vocabulary is the one table below: the machine names officers
 * type, the labels shoppers read, and the EPCIS bizStep that an export
 * writes. GS1 CBV 2.0 has no business step for growing or fermenting (its
 * steps are supply-chain handling: receiving, commissioning, packing,
 * inspecting, storing, shipping, retail_selling, ...); those two carry a URN
 * of our own, flagged cbv = 0, which EPCIS 2.0 allows for a bizStep
 * (docs/decisions.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "record.h"
#include "stamp/date.h"
#include "stamp/event.h"

#define CBV "https://ref.gs1.org/cbv/BizStep-"
#define OWN "urn:ocopstamp:bizstep:"

static const stamp_stage_info stages[] = {
	[STAMP_STAGE_RECEIVING] = {"receiving", CBV "receiving", 1, 1, "Tiếp nhận nguyên liệu",
				   "Raw-material receipt"},
	[STAMP_STAGE_GROWING] = {"growing", OWN "growing", 0, 1, "Nuôi trồng", "Growing"},
	[STAMP_STAGE_HARVESTING] = {"harvesting", CBV "commissioning", 1, 1, "Thu hoạch, đánh bắt",
				    "Harvest or catch"},
	[STAMP_STAGE_PROCESSING] = {"processing", CBV "creating_class_instance", 1, 1, "Chế biến",
				    "Processing"},
	[STAMP_STAGE_FERMENTING] = {"fermenting", OWN "fermenting", 0, 1, "Lên men, ủ chín",
				    "Fermentation and ageing"},
	[STAMP_STAGE_PACKING] = {"packing", CBV "packing", 1, 1, "Đóng gói", "Packing"},
	[STAMP_STAGE_INSPECTING] = {"inspecting", CBV "inspecting", 1, 0, "Kiểm tra, kiểm nghiệm",
				    "Inspection and testing"},
	[STAMP_STAGE_STORING] = {"storing", CBV "storing", 1, 0, "Lưu kho", "Storage"},
	[STAMP_STAGE_SHIPPING] = {"shipping", CBV "shipping", 1, 0, "Vận chuyển", "Shipping"},
	[STAMP_STAGE_RETAIL_SELLING] = {"retail_selling", CBV "retail_selling", 1, 0, "Bán lẻ",
					"Retail"},
};
_Static_assert(sizeof stages / sizeof stages[0] == STAMP_STAGE_LAST + 1, "a stage without a line");

const stamp_stage_info *stamp_stage_about(unsigned stage)
{
	return stage >= 1 && stage <= STAMP_STAGE_LAST ? &stages[stage] : NULL;
}

unsigned stamp_stage_find(const char *name)
{
	for (unsigned i = 1; name && i <= STAMP_STAGE_LAST; i++)
		if (strcmp(stages[i].name, name) == 0)
			return i;
	return 0;
}

const char *stamp_stage_list(void)
{
	return "receiving, growing, harvesting, processing, fermenting, packing, inspecting, "
	       "storing, shipping, retail_selling";
}

/* ---- fields ---- */

enum ftype { F_BATCH, F_PRODUCT, F_STAGE, F_TEXT, F_AT, F_GLN, F_LAT, F_LON };

struct field {
	const char *name;
	enum ftype type;
	size_t off, size; /* F_TEXT */
	int required;	  /* must have a CSV column */
};

#define TXT(member)                                                                                \
#member, F_TEXT, offsetof(stamp_event, member), sizeof(((stamp_event *)0)->member)

static const struct field tab[] = {
	{"batch", F_BATCH, 0, 0, 0},
	{"product", F_PRODUCT, 0, 0, 0},
	{"stage", F_STAGE, 0, 0, 1},
	{TXT(label), 0},
	{"at", F_AT, 0, 0, 1},
	{TXT(place), 0},
	{TXT(commune), 0},
	{TXT(district), 0},
	{TXT(province), 0},
	{"gln", F_GLN, 0, 0, 0},
	{"lat", F_LAT, 0, 0, 0},
	{"lon", F_LON, 0, 0, 0},
	{TXT(partner), 0},
	{TXT(note), 0},
	{TXT(source), 0},
	{NULL, F_TEXT, 0, 0, 0},
};

const char *const stamp_event_fields[] = {
	"batch",    "product", "stage", "label", "at",	    "place", "commune", "district",
	"province", "gln",     "lat",	"lon",	 "partner", "note",  "source",	NULL};

static const struct field *lookup(const char *name)
{
	for (const struct field *f = tab; name && f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

int stamp_event_required(const char *field)
{
	const struct field *f = lookup(field);
	return f ? f->required : -1;
}

static int bad(stamp_diag *diag, const struct field *f, const char *rule, const char *v)
{
	return stamp_diag_set(diag, STAMP_EINPUT, "column \"%s\": %s, got \"%s\"", f->name, rule,
			      v);
}

static int digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* "HH:MM", optionally "+07:00": minutes since midnight, or -1. */
static int parse_time(const char *s)
{
	size_t n = strlen(s);
	if (n == 11 && strcmp(s + 5, "+07:00") == 0)
		n = 5;
	if (n != 5 || s[2] != ':' || !digits(s, 2) || !digits(s + 3, 2))
		return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	return h < 24 && m < 60 ? h * 60 + m : -1;
}

static int parse_at(const char *v, uint32_t *date, uint16_t *minutes)
{
	char d[16];
	size_t n = strcspn(v, " T");
	if (n >= sizeof d)
		return -1;
	memcpy(d, v, n);
	d[n] = '\0';
	if (stamp_date_parse(d, date) != 0)
		return -1;
	if (!v[n]) {
		*minutes = STAMP_EVENT_NO_TIME;
		return 0;
	}
	int m = parse_time(v + n + 1 + strspn(v + n + 1, " "));
	if (m < 0)
		return -1;
	*minutes = (uint16_t)m;
	return 0;
}

/* Decimal degrees with at most 6 decimals, within limit: degrees * 1e6. */
static int parse_degrees(const char *v, int32_t limit, int32_t *out)
{
	const char *s = v + (*v == '-' || *v == '+');
	size_t ni = strspn(s, "0123456789"), nf = 0;
	int64_t x = 0;
	if (ni == 0 || ni > 3)
		return -1;
	for (size_t i = 0; i < ni; i++)
		x = x * 10 + (s[i] - '0');
	s += ni;
	if (*s == '.') {
		nf = strspn(++s, "0123456789");
		if (nf == 0 || nf > 6)
			return -1;
	}
	if (s[nf] != '\0')
		return -1;
	for (size_t i = 0; i < 6; i++)
		x = x * 10 + (i < nf ? s[i] - '0' : 0);
	if (x > (int64_t)limit * 1000000)
		return -1;
	*out = (int32_t)(*v == '-' ? -x : x);
	return 0;
}

static void format_degrees(int32_t e6, char *out, size_t n)
{
	int64_t a = e6 < 0 ? -(int64_t)e6 : e6;
	snprintf(out, n, "%s%lld.%06lld", e6 < 0 ? "-" : "", (long long)(a / 1000000),
		 (long long)(a % 1000000));
}

/* Validate cleaned, non-empty v for f; store it when e is not NULL. */
static int parse_value(const struct field *f, stamp_event *e, const char *v, stamp_diag *diag)
{
	uint32_t date = 0;
	uint16_t minutes = 0;
	int32_t deg = 0;
	unsigned stage;
	size_t n = strlen(v);

	switch (f->type) {
	case F_BATCH: {
		uint64_t id = 0;
		if (n == 0 || n > 10 || !digits(v, n) || (id = strtoull(v, NULL, 10)) == 0 ||
		    id > UINT32_MAX)
			return bad(diag, f, "expected a batch number", v);
		if (e)
			e->batch_id = (uint32_t)id;
		return 0;
	}
	case F_PRODUCT:
		if (!stamp_id_valid(v))
			return bad(diag, f, "expected a product id", v);
		if (e)
			memcpy(e->product_id, v, n + 1);
		return 0;
	case F_STAGE:
		if (!(stage = stamp_stage_find(v)))
			return stamp_diag_set(diag, STAMP_EINPUT,
					      "column \"%s\": expected one of %s, got \"%s\"",
					      f->name, stamp_stage_list(), v);
		if (e)
			e->stage = (uint8_t)stage;
		return 0;
	case F_AT:
		if (parse_at(v, &date, &minutes) != 0)
			return bad(diag, f,
				   "expected a date YYYY-MM-DD or DD/MM/YYYY, optionally with a "
				   "time HH:MM (Vietnam time)",
				   v);
		if (e)
			e->date = date, e->minutes = minutes;
		return 0;
	case F_GLN:
		if (n != STAMP_GLN_MAX || !digits(v, n))
			return bad(diag, f, "expected a GLN of 13 digits", v);
		if (v[n - 1] - '0' != stamp_gs1_check_digit(v, n))
			return stamp_diag_set(diag, STAMP_EINPUT,
					      "column \"%s\": check digit of \"%s\" should be %d, "
					      "not %c",
					      f->name, v, stamp_gs1_check_digit(v, n), v[n - 1]);
		if (e)
			memcpy(e->gln, v, n + 1);
		return 0;
	case F_LAT:
	case F_LON:
		if (parse_degrees(v, f->type == F_LAT ? 90 : 180, &deg) != 0)
			return bad(
				diag, f,
				f->type == F_LAT
					? "expected degrees from -90 to 90, at most 6 decimals"
					: "expected degrees from -180 to 180, at most 6 decimals",
				v);
		if (e && f->type == F_LAT)
			e->lat_e6 = deg, e->has_geo |= 1;
		else if (e)
			e->lon_e6 = deg, e->has_geo |= 2;
		return 0;
	case F_TEXT:
		if (e)
			memcpy((char *)e + f->off, v, n + 1);
		return 0;
	}
	return EINVAL;
}

static void clear_value(const struct field *f, stamp_event *e)
{
	switch (f->type) {
	case F_BATCH:
		e->batch_id = 0;
		break;
	case F_PRODUCT:
		e->product_id[0] = '\0';
		break;
	case F_STAGE:
		e->stage = 0;
		break;
	case F_AT:
		e->date = 0;
		e->minutes = STAMP_EVENT_NO_TIME;
		break;
	case F_GLN:
		e->gln[0] = '\0';
		break;
	case F_LAT:
		e->lat_e6 = 0, e->has_geo &= (uint8_t)~1u;
		break;
	case F_LON:
		e->lon_e6 = 0, e->has_geo &= (uint8_t)~2u;
		break;
	case F_TEXT:
		memset((char *)e + f->off, 0, f->size);
		break;
	}
}

int stamp_event_set(stamp_event *e, const char *field, const char *value, stamp_diag *diag)
{
	const struct field *f = lookup(field);
	char what[64], v[STAMP_TEXT_MAX + 1];

	if (!f)
		return stamp_diag_set(diag, STAMP_ENOTFOUND, "unknown column \"%s\"",
				      field ? field : "");
	if (!e || !value)
		return stamp_diag_set(diag, STAMP_EINPUT, "column \"%s\": no value", f->name);
	snprintf(what, sizeof what, "column \"%s\"", f->name); /* names are short */
	int err = stamp_text_clean(value, v, f->type == F_TEXT ? f->size - 1 : STAMP_SHORT_MAX,
				   what, diag);
	if (err)
		return err;
	if (v[0] == '\0') {
		clear_value(f, e);
		return 0;
	}
	return parse_value(f, e, v, diag);
}

int stamp_event_get(const stamp_event *e, const char *field, char *out, size_t outlen)
{
	const struct field *f = lookup(field);
	char buf[STAMP_TEXT_MAX + 1] = "";
	const char *s = buf;

	if (!f)
		return STAMP_ENOTFOUND;
	if (!e || !out || outlen == 0)
		return EINVAL;
	switch (f->type) {
	case F_BATCH:
		if (e->batch_id)
			snprintf(buf, sizeof buf, "%u", (unsigned)e->batch_id);
		break;
	case F_PRODUCT:
		s = e->product_id;
		break;
	case F_STAGE:
		s = stamp_stage_about(e->stage) ? stamp_stage_about(e->stage)->name : "";
		break;
	case F_AT:
		stamp_date_format(e->date, buf);
		if (e->date && e->minutes != STAMP_EVENT_NO_TIME)
			snprintf(buf + 10, sizeof buf - 10, " %02u:%02u", e->minutes / 60u % 100,
				 e->minutes % 60u);
		break;
	case F_GLN:
		s = e->gln;
		break;
	case F_LAT:
	case F_LON:
		if (e->has_geo & (f->type == F_LAT ? 1 : 2))
			format_degrees(f->type == F_LAT ? e->lat_e6 : e->lon_e6, buf, sizeof buf);
		break;
	case F_TEXT:
		s = (const char *)e + f->off;
		if (!memchr(s, '\0', f->size))
			return ERANGE;
		break;
	}
	size_t n = strnlen(s, sizeof buf);
	if (n >= outlen || n >= sizeof buf) {
		out[0] = '\0';
		return ERANGE;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

int stamp_event_check(const stamp_event *e, stamp_diag *diag)
{
	char v[STAMP_TEXT_MAX + 1], clean[STAMP_TEXT_MAX + 1], what[64];
	int err;

	if (!e)
		return stamp_diag_set(diag, STAMP_EINPUT, "no event");
	/* a record built by hand passes the rules an officer's text passes */
	for (const struct field *f = tab; f->name; f++) {
		if (stamp_event_get(e, f->name, v, sizeof v) != 0)
			return stamp_diag_set(diag, STAMP_EINPUT,
					      "column \"%s\": not a NUL-terminated value", f->name);
		if (!v[0])
			continue;
		snprintf(what, sizeof what, "column \"%s\"", f->name);
		if (f->type == F_TEXT || f->type == F_PRODUCT || f->type == F_GLN) {
			if ((err = stamp_text_clean(v, clean, f->type == F_TEXT ? f->size - 1 : 63,
						    what, diag)) != 0)
				return err;
			if (strcmp(clean, v) != 0)
				return stamp_diag_set(
					diag, STAMP_EINPUT,
					"column \"%s\": not stored trimmed and in Unicode NFC",
					f->name);
		}
		if ((err = parse_value(f, NULL, v, diag)) != 0)
			return err;
	}
	if (!stamp_stage_about(e->stage))
		return stamp_diag_set(diag, STAMP_EINPUT, "column \"stage\": required (one of %s)",
				      stamp_stage_list());
	if (!e->date)
		return stamp_diag_set(diag, STAMP_EINPUT, "column \"at\": required");
	if (e->minutes != STAMP_EVENT_NO_TIME && e->minutes >= 24 * 60)
		return stamp_diag_set(diag, STAMP_EINPUT, "column \"at\": not a time of day");
	if (!e->batch_id && !e->product_id[0])
		return stamp_diag_set(diag, STAMP_EINPUT,
				      "columns \"batch\", \"product\": one of them is required");
	if (e->has_geo != 0 && e->has_geo != 3)
		return stamp_diag_set(diag, STAMP_EINPUT, "column \"%s\": required with \"%s\"",
				      e->has_geo == 1 ? "lon" : "lat",
				      e->has_geo == 1 ? "lat" : "lon");
	return 0;
}

/* ---- the store ---- */

#define KEY_MAX (1 + STAMP_ID_MAX + 1 + 4)

static MDB_val val_of(const void *p, size_t n)
{
	return (MDB_val){.mv_size = n, .mv_data = (void *)p};
}

/* The prefix of the events of batch_id, or of product_id when batch_id is 0. */
static size_t prefix_of(uint32_t batch_id, const char *product_id, uint8_t key[KEY_MAX])
{
	if (batch_id) {
		key[0] = 'B';
		stamp_be_put(key + 1, batch_id, 4);
		return 5;
	}
	size_t n = strnlen(product_id, STAMP_ID_MAX + 1);
	if (n == 0 || n > STAMP_ID_MAX)
		return 0;
	key[0] = 'P';
	memcpy(key + 1, product_id, n);
	key[1 + n] = '\0';
	return n + 2;
}

static int open_db(stamp_txn *t, MDB_txn **txn, MDB_dbi *dbi)
{
	return stamp_store_db(t, "events", txn, dbi);
}

/* The last sequence number under prefix p (0 for none). */
static int last_seq(MDB_txn *txn, MDB_dbi dbi, const uint8_t *p, size_t plen, uint32_t *seq)
{
	uint8_t key[KEY_MAX];
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	*seq = 0;
	memcpy(key, p, plen);
	memset(key + plen, 0xFF, 4);
	if ((rc = mdb_cursor_open(txn, dbi, &cur)))
		return rc;
	k = val_of(key, plen + 4);
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && k.mv_size == plen + 4 && memcmp(k.mv_data, key, plen + 4) == 0)
		rc = STAMP_EINPUT; /* sequence 0xFFFFFFFF: cannot be, the limit is far lower */
	else if (rc == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
	else if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc == 0 && k.mv_size == plen + 4 && memcmp(k.mv_data, p, plen) == 0)
		*seq = (uint32_t)stamp_be_get((const uint8_t *)k.mv_data + plen, 4);
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static void owner_text(uint32_t batch_id, const char *product_id, char out[48])
{
	if (batch_id)
		snprintf(out, 48, "batch %u", (unsigned)batch_id);
	else
		snprintf(out, 48, "product %.32s", product_id);
}

/* The batch or product of e exists; a batch's product is filled in. */
static int owner_exists(stamp_txn *t, stamp_event *e, stamp_diag *diag)
{
	int rc;
	if (e->batch_id) {
		stamp_batch b;
		if ((rc = stamp_store_get_batch(t, e->batch_id, &b)) == STAMP_ENOTFOUND)
			return stamp_diag_set(diag, STAMP_EINPUT,
					      "column \"batch\": batch %u is not in the store",
					      (unsigned)e->batch_id);
		if (rc)
			return rc;
		if (e->product_id[0] && strcmp(e->product_id, b.product_id) != 0)
			return stamp_diag_set(diag, STAMP_EINPUT,
					      "column \"product\": batch %u is of product \"%s\", "
					      "not \"%s\"",
					      (unsigned)e->batch_id, b.product_id, e->product_id);
		memcpy(e->product_id, b.product_id, sizeof e->product_id);
		return 0;
	}
	stamp_product p;
	if ((rc = stamp_store_get_product(t, e->product_id, &p)) == STAMP_ENOTFOUND)
		return stamp_diag_set(diag, STAMP_EINPUT,
				      "column \"product\": no product \"%s\" is registered",
				      e->product_id);
	return rc;
}

int stamp_event_add(stamp_txn *t, stamp_event *e, int64_t now, stamp_diag *diag)
{
	uint8_t key[KEY_MAX], rec[STAMP_REC_MAX];
	char who[48];
	MDB_txn *txn;
	MDB_dbi dbi;
	uint32_t last;
	int rc;

	if ((rc = stamp_event_check(e, diag)) || (rc = owner_exists(t, e, diag)))
		return rc;
	if ((rc = open_db(t, &txn, &dbi)))
		return rc == STAMP_ENOTFOUND ? EROFS : rc;
	size_t plen = prefix_of(e->batch_id, e->product_id, key);
	if ((rc = last_seq(txn, dbi, key, plen, &last)))
		return rc;
	owner_text(e->batch_id, e->product_id, who);
	if (last >= STAMP_EVENTS_MAX)
		return stamp_diag_set(diag, STAMP_EINPUT, "%s has %d events already, the most kept",
				      who, STAMP_EVENTS_MAX);
	e->seq = last + 1;
	e->created = now;
	e->withdrawn = 0;
	stamp_be_put(key + plen, e->seq, 4);
	MDB_val k = val_of(key, plen + 4), v = val_of(rec, stamp_rec_event(e, rec));
	if ((rc = mdb_put(txn, dbi, &k, &v, MDB_NOOVERWRITE)))
		return rc == MDB_KEYEXIST ? STAMP_ECORRUPT : rc;
	char at[STAMP_TEXT_MAX + 1];
	if (stamp_event_get(e, "at", at, sizeof at) != 0)
		at[0] = '\0';
	stamp_txn_change(t, "event %s #%u added: %s on %s", who, (unsigned)e->seq,
			 stages[e->stage].name, at);
	return 0;
}

int stamp_event_withdraw(stamp_txn *t, uint32_t batch_id, const char *product_id, uint32_t seq,
			 int64_t now, stamp_diag *diag)
{
	uint8_t key[KEY_MAX], rec[STAMP_REC_MAX];
	stamp_event e;
	char who[48];
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val v;
	int rc;

	size_t plen = prefix_of(batch_id, product_id ? product_id : "", key);
	owner_text(batch_id, product_id ? product_id : "", who);
	if (!plen)
		return stamp_diag_set(diag, STAMP_ENOTFOUND, "no such event");
	if ((rc = open_db(t, &txn, &dbi)))
		return rc;
	stamp_be_put(key + plen, seq, 4);
	MDB_val k = val_of(key, plen + 4);
	if ((rc = mdb_get(txn, dbi, &k, &v)) == MDB_NOTFOUND)
		return stamp_diag_set(diag, STAMP_ENOTFOUND, "%s has no event #%u", who,
				      (unsigned)seq);
	if (rc || (rc = stamp_unrec_event(v.mv_data, v.mv_size, &e)))
		return rc;
	if (e.withdrawn)
		return stamp_diag_set(diag, STAMP_EEXIST, "event #%u of %s was withdrawn already",
				      (unsigned)seq, who);
	e.withdrawn = now ? now : 1;
	v = val_of(rec, stamp_rec_event(&e, rec));
	if ((rc = mdb_put(txn, dbi, &k, &v, 0)))
		return rc;
	stamp_txn_change(t, "event %s #%u withdrawn", who, (unsigned)seq);
	return 0;
}

int stamp_event_each(stamp_txn *t, uint32_t batch_id, const char *product_id, stamp_event_cb cb,
		     void *ctx)
{
	uint8_t key[KEY_MAX];
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_cursor *cur;
	MDB_val k, v;
	stamp_event *e;
	int rc = open_db(t, &txn, &dbi);
	size_t plen = prefix_of(batch_id, product_id ? product_id : "", key);

	if (rc == STAMP_ENOTFOUND || !plen)
		return 0; /* an older store opened read-only, or an id no product has */
	if (rc || (rc = mdb_cursor_open(txn, dbi, &cur)))
		return rc;
	if (!(e = malloc(sizeof *e))) {
		mdb_cursor_close(cur);
		return ENOMEM;
	}
	k = val_of(key, plen);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != plen + 4 || memcmp(k.mv_data, key, plen) != 0)
			break;
		if ((rc = stamp_unrec_event(v.mv_data, v.mv_size, e)) || (rc = cb(e, ctx)))
			break;
	}
	free(e);
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

typedef struct gather {
	int keep; /* the events into out; else only whether one is a production stage */
	stamp_event *out;
	size_t cap, n;
	int production;
} gather;

static int gather_one(const stamp_event *e, void *ctx)
{
	gather *g = ctx;
	if (e->withdrawn)
		return 0;
	if (stages[e->stage].production)
		g->production = 1;
	if (!g->keep)
		return 0;
	if (g->n == g->cap) { /* most journeys are a few stages: grow from 8 */
		size_t cap = g->cap ? 2 * g->cap : 8;
		stamp_event *p = realloc(g->out, cap * sizeof *p);
		if (!p)
			return ENOMEM;
		g->out = p;
		g->cap = cap;
	}
	g->out[g->n++] = *e;
	return 0;
}

/* A day-only event ("by that day") sorts after the timed events of its day. */
static int event_order(const void *pa, const void *pb)
{
	const stamp_event *a = pa, *b = pb;
	int ta = a->minutes, tb = b->minutes; /* STAMP_EVENT_NO_TIME is above any time */
	if (a->date != b->date)
		return a->date < b->date ? -1 : 1;
	if (ta != tb)
		return ta < tb ? -1 : 1;
	if ((a->batch_id != 0) != (b->batch_id != 0))
		return a->batch_id ? 1 : -1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

int stamp_event_journey(stamp_txn *t, const stamp_batch *b, stamp_event **out, size_t *n)
{
	gather g = {.keep = 1};
	int rc = stamp_event_each(t, 0, b->product_id, gather_one, &g);
	if (rc == 0 && b->id)
		rc = stamp_event_each(t, b->id, NULL, gather_one, &g);
	if (rc) {
		free(g.out);
		g.out = NULL;
		g.n = 0;
	} else if (g.n > 1) {
		qsort(g.out, g.n, sizeof *g.out, event_order);
	}
	*out = g.out;
	*n = g.n;
	return rc;
}

int stamp_event_has_production(stamp_txn *t, const char *product_id, uint32_t batch_id, int *yes)
{
	gather g = {0};
	int rc = stamp_event_each(t, 0, product_id, gather_one, &g);
	if (rc == 0 && batch_id)
		rc = stamp_event_each(t, batch_id, NULL, gather_one, &g);
	*yes = rc == 0 && g.production;
	return rc;
}
