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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "verifyd.h"

#define ENVELOPE_MAX 512

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

char *api_details(const verdict *v, size_t *len)
{
	const stamp_check *k = &v->check;
	int cert_expired = k->product.cert_valid_until && k->product.cert_valid_until < v->today;
	int expired = k->batch.expiry && k->batch.expiry < v->today;

	json_t *d = json_pack(
		"{s:{s:s, s:s, s:s, s:i, s:s, s:o, s:o, s:b, s:o, s:o}, "
		"s:{s:s, s:s, s:o, s:o, s:s, s:s, s:o}, "
		"s:{s:i, s:s, s:o, s:o, s:b}}",
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
		"expired", expired);
	if (!d)
		return NULL;
	char *text = json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER);
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

typedef struct env {
	char *p;
	size_t n, cap;
	int full;
} env;

static void add(env *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(env *e, const char *fmt, ...)
{
	va_list ap;
	if (e->full)
		return;
	va_start(ap, fmt);
	int w = vsnprintf(e->p + e->n, e->cap - e->n, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= e->cap - e->n)
		e->full = 1;
	else
		e->n += (size_t)w;
}

char *api_render(const verdict *v, const char *details, size_t dlen, size_t *len)
{
	const stamp_check *k = &v->check;
	env e = {malloc(ENVELOPE_MAX + dlen), 0, ENVELOPE_MAX + dlen, 0};

	if (!e.p)
		return NULL;
	add(&e, "{\"verdict\":\"%s\",\"schema\":1", verdict_word(v));
	if (!v->malformed) {
		char kid[9];
		int sig_ok = k->verdict == STAMP_V_GENUINE || k->verdict == STAMP_V_REVOKED ||
			     k->verdict == STAMP_V_UNKNOWN;
		stamp_key_id_format(k->code.key_id, kid);
		add(&e,
		    ",\"code\":{\"serial\":%llu,\"key_id\":\"%s\",\"version\":%u},"
		    "\"signature_valid\":%s",
		    (unsigned long long)k->code.serial, kid, k->code.version,
		    sig_ok ? "true" : "false");
	}
	if (k->in_store && details) {
		char first[40], last[40];
		time_json(v->scans.first, first);
		time_json(v->scans.last, last);
		add(&e, ",%.*s", (int)dlen, details);
		add(&e,
		    ",\"scans\":{\"count\":%llu,\"first\":%s,\"last\":%s,"
		    "\"suspicious_after\":%u}",
		    (unsigned long long)v->scans.count, first, last, v->suspicious_after);
	}
	add(&e, "}");
	if (e.full) {
		free(e.p);
		return NULL;
	}
	*len = e.n;
	return e.p;
}
