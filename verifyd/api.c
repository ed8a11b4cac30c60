/*
 * api.c - the verdict as JSON (jansson), for programs: schema in docs/api.md.
 *
 * The same facts as the page, with dates as ISO strings, times as ISO 8601
 * in Vietnam time, and flags instead of prose.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "verifyd.h"

static json_t *date_json(uint32_t d)
{
	char buf[11];
	if (!d)
		return json_null();
	stamp_date_format(d, buf);
	return json_string(buf);
}

static json_t *time_json(int64_t t)
{
	char buf[40];
	time_t vt = (time_t)(t + 7 * 3600);
	struct tm tm;
	if (!t)
		return json_null();
	gmtime_r(&vt, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S+07:00", &tm);
	return json_string(buf);
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *details(const verdict *v)
{
	const stamp_check *k = &v->check;
	int cert_expired = k->product.cert_valid_until && k->product.cert_valid_until < v->today;
	int expired = k->batch.expiry && k->batch.expiry < v->today;

	return json_pack(
		"{s:{s:s, s:s, s:s, s:i, s:s, s:o, s:o, s:b, s:o, s:o}, "
		"s:{s:s, s:s, s:o, s:o, s:s, s:s, s:o}, "
		"s:{s:i, s:s, s:o, s:o, s:b}, "
		"s:{s:I, s:o, s:o, s:i}}",
		"product", "id", k->product.id, "name", k->product.name, "group", k->product.group,
		"ocop_stars", (int)k->product.stars, "ocop_decision", k->product.ocop_decision,
		"ocop_decision_date", date_json(k->product.ocop_date), "certificate_valid_until",
		date_json(k->product.cert_valid_until), "certificate_expired", cert_expired,
		"standards", str_or_null(k->product.standards), "gtin",
		str_or_null(k->product.gtin),
		"producer", "id", k->coop.id, "name", k->coop.name, "commune",
		str_or_null(k->coop.commune), "district", str_or_null(k->coop.district),
		"province", k->coop.province, "address", k->coop.address, "phone",
		str_or_null(k->coop.phone),
		"batch", "id", (int)k->batch.id, "lot", k->batch.lot, "produced",
		date_json(k->batch.produced), "expiry", date_json(k->batch.expiry), "expired",
		expired,
		"scans", "count", (json_int_t)v->scans.count, "first", time_json(v->scans.first),
		"last", time_json(v->scans.last), "suspicious_after", (int)v->suspicious_after);
}

char *api_render(const verdict *v, size_t *len)
{
	const stamp_check *k = &v->check;
	char kid[9];
	json_t *root = json_pack("{s:s, s:i}", "verdict", verdict_word(v), "schema", 1);
	if (!root)
		return NULL;
	if (!v->malformed) {
		stamp_key_id_format(k->code.key_id, kid);
		json_object_set_new(root, "code",
				    json_pack("{s:I, s:s, s:i}", "serial", (json_int_t)k->code.serial,
					      "key_id", kid, "version", (int)k->code.version));
		json_object_set_new(root, "signature_valid",
				    json_boolean(k->verdict == STAMP_V_GENUINE ||
						 k->verdict == STAMP_V_REVOKED ||
						 k->verdict == STAMP_V_UNKNOWN));
	}
	if (k->in_store) {
		json_t *d = details(v);
		if (!d) {
			json_decref(root);
			return NULL;
		}
		json_object_update(root, d);
		json_decref(d);
	}
	char *text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (text)
		*len = strlen(text);
	return text;
}
