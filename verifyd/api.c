/*
 * api.c - the verdict as JSON, for programs: schema in docs/api.md.
 *
 * The same facts as the page, with dates as ISO strings, times as ISO 8601
 * in Vietnam time, and flags instead of prose. Everything that comes from
 * the registry (names, addresses, lots) is serialised by jansson, once per
 * batch (api_details, cached by verifyd): building ~30 jansson values per
 * request was a third of verifyd's CPU time. The per-request envelope holds
 * only fixed words, numbers, hex and ISO times, which need no escaping, so
 * it is formatted directly around the cached part.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "verifyd.h"

#define ENVELOPE_MAX 2048 /* the revocation's note is the largest part */

static json_t *date_json(uint32_t d)
{
	char buf[11];
	if (!d)
		return json_null();
	stamp_date_format(d, buf);
	return json_string(buf);
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *degrees_json(int has, int32_t e6)
{
	return has ? json_real((double)e6 / 1e6) : json_null();
}

/* One stage of the journey; every text is the officer's, serialised by jansson. */
static json_t *event_json(const stamp_event *e)
{
	const stamp_stage_info *st = stamp_stage_about(e->stage);
	char time[6] = "";
	if (e->minutes != STAMP_EVENT_NO_TIME)
		snprintf(time, sizeof time, "%02u:%02u", e->minutes / 60u % 100, e->minutes % 60u);
	return json_pack(
		"{s:s, s:s, s:o, s:o, s:o, s:s, s:{s:o, s:o, s:o, s:o, s:o, s:o, s:o}, "
		"s:o, s:o, s:o}",
		"stage", st ? st->name : "", "bizstep", st ? st->bizstep : "", "label",
		str_or_null(e->label), "date", date_json(e->date), "time", str_or_null(time), "of",
		e->batch_id ? "batch" : "product", "place", "name", str_or_null(e->place),
		"commune", str_or_null(e->commune), "district", str_or_null(e->district),
		"province", str_or_null(e->province), "gln", str_or_null(e->gln), "lat",
		degrees_json(e->has_geo == 3, e->lat_e6), "lon",
		degrees_json(e->has_geo == 3, e->lon_e6), "partner", str_or_null(e->partner),
		"note", str_or_null(e->note), "source", str_or_null(e->source));
}

static json_t *events_json(const verdict *v)
{
	json_t *a = json_array();
	for (size_t i = 0; a && v->events && i < v->nevents; i++)
		if (json_array_append_new(a, event_json(&v->events[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

char *api_details(const verdict *v, size_t *len)
{
	const stamp_check *k = &v->check;
	int cert_expired = k->product.cert_valid_until && k->product.cert_valid_until < v->today;
	int expired = k->batch.expiry && k->batch.expiry < v->today;

	json_t *d = json_pack(
		"{s:{s:s, s:s, s:s, s:i, s:s, s:o, s:o, s:b, s:o, s:o}, "
		"s:{s:s, s:s, s:o, s:o, s:s, s:s, s:o}, "
		"s:{s:i, s:s, s:o, s:o, s:b}, s:o}",
		"product", "id", k->product.id, "name", k->product.name, "group", k->product.group,
		"ocop_stars", (int)k->product.stars, "ocop_decision", k->product.ocop_decision,
		"ocop_decision_date", date_json(k->product.ocop_date), "certificate_valid_until",
		date_json(k->product.cert_valid_until), "certificate_expired", cert_expired,
		"standards", str_or_null(k->product.standards), "gtin",
		str_or_null(k->product.gtin), "producer", "id", k->coop.id, "name", k->coop.name,
		"commune", str_or_null(k->coop.commune), "district", str_or_null(k->coop.district),
		"province", k->coop.province, "address", k->coop.address, "phone",
		str_or_null(k->coop.phone), "batch", "id", (int)k->batch.id, "lot", k->batch.lot,
		"produced", date_json(k->batch.produced), "expiry", date_json(k->batch.expiry),
		"expired", expired, "events", events_json(v));
	if (!d)
		return NULL;
	json_t *images = json_array();
	if (v->has_image) {
		char hex[STAMP_SHA256_HEX], url[80];
		stamp_image_hex(v->image.sha256, hex);
		snprintf(url, sizeof url, "/img/%s.jpg", hex);
		json_array_append_new(images,
				      json_pack("{s:s, s:s, s:i, s:i, s:i, s:s}", "url", url,
						"type", stamp_image_type(&v->image), "width",
						v->image.width, "height", v->image.height, "bytes",
						(int)v->image.bytes, "sha256", hex));
	}
	json_object_set_new(json_object_get(d, "product"), "images", images);
	/* 6 decimals of a degree at most: 10 significant digits hold them */
	char *text = json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	json_decref(d);
	if (!text)
		return NULL;
	/* the members without the enclosing braces, to sit inside the envelope */
	size_t n = strlen(text);
	memmove(text, text + 1, n - 2);
	text[n - 2] = '\0';
	*len = n - 2;
	return text;
}

/* "\"2026-11-28T10:00:00+07:00\"" or "null" */
static void time_json(int64_t t, char out[40])
{
	struct tm tm;
	if (!t) {
		strcpy(out, "null");
		return;
	}
	vn_time(t, &tm);
	strftime(out, 40, "\"%Y-%m-%dT%H:%M:%S+07:00\"", &tm);
}

/* The revocation in force, serialised by jansson: its note is an officer's text. */
static char *revocation_json(const stamp_revocation *r)
{
	char since[40];
	struct tm tm;
	vn_time(r->since, &tm);
	strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%S+07:00", &tm);
	json_t *j = json_pack("{s:i, s:s, s:o, s:s, s:s}", "id", (json_int_t)r->id, "reason",
			      stamp_reason_name(r->reason), "note", str_or_null(r->note), "since",
			      since, "scope", stamp_scope_name(r->scope));
	if (!j)
		return NULL;
	char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	return text;
}

char *api_render(const verdict *v, const char *details, size_t dlen, size_t *len)
{
	const stamp_check *k = &v->check;
	const stamp_verdict_info *about = stamp_verdict_about(k->verdict);
	char *revocation = NULL;
	strbuf e;

	if (buf_init(&e, ENVELOPE_MAX + dlen))
		return NULL;
	buf_put(&e, "{\"verdict\":\"%s\",\"schema\":2", stamp_verdict_name(verdict_shown(v)));
	if (!v->malformed) {
		char kid[9];
		stamp_key_id_format(k->code.key_id, kid);
		buf_put(&e,
			",\"code\":{\"serial\":%llu,\"key_id\":\"%s\",\"version\":%u},"
			"\"signature_valid\":%s",
			(unsigned long long)k->code.serial, kid, k->code.version,
			about->signature_valid ? "true" : "false");
	}
	if (k->revoked && !(revocation = revocation_json(&k->revocation))) {
		free(e.p);
		return NULL;
	}
	if (revocation)
		buf_put(&e, ",\"revocation\":%s", revocation);
	free(revocation);
	if (k->in_store && details) {
		char first[40], last[40];
		time_json(v->scans.first, first);
		time_json(v->scans.last, last);
		buf_put(&e, ",%.*s", (int)dlen, details);
		buf_put(&e,
			",\"scans\":{\"requests\":%llu,\"counted\":%llu,\"scanners\":%llu,"
			"\"days\":%u,\"first\":%s,\"last\":%s,\"suspicious_after\":%u}",
			(unsigned long long)v->scans.requests, (unsigned long long)v->scans.counted,
			(unsigned long long)v->scans.scanners, v->scans.days, first, last,
			v->suspicious_after);
	}
	buf_put(&e, "}");
	return buf_take(&e, len);
}
