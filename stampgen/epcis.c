/*
 * epcis.c - the registry as a GS1 EPCIS 2.0 JSON-LD document (the EPCIS 2.0
 * standard, its JSON schema, and CBV 2.0), for the national traceability
 * portal family (TCVN 12850:2019 is GS1's Global Traceability Standard).
 * What each batch says, as events (docs/decisions.md says why so):
 *
 *   - commissioning (ObjectEvent, ADD, disposition active) at its issuance,
 *     with its stamps: GS1 Digital Link URIs (…/01/<gtin>/10/<lot>/21/<serial>)
 *     when the product has a GTIN, else the stamps' own URLs; a batch of more
 *     than EPCIS_INSTANCES_MAX stamps is given as a class-level quantity only
 *     (the lot's URI and the count), one at most as both;
 *   - each standing production stage of its journey (ObjectEvent, OBSERVE)
 *     with the stage's bizStep, at its place: readPoint and bizLocation a GLN
 *     as a Digital Link (…/414/<gln>) where one is given, else our own URI of
 *     that stage; place, partner, note and position as ocop: extension
 *     members; a stage naming its input's source lot is a
 *     TransformationEvent from that source to the lot;
 *   - each revocation that reaches the batch (ObjectEvent, OBSERVE, a
 *     disposition for its reason).
 *
 * JSON through jansson; the document is checked against the official
 * schema in tests/e2e/e2e_epcis.sh (ajv).
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "epcis.h"

#define CONTEXT "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
#define CBV "https://ref.gs1.org/cbv/BizStep-"

/* rc, with its sentence in diag (stamp_diag_set is the library's own). */
static int failed(stamp_diag *diag, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int failed(stamp_diag *diag, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(diag->msg, sizeof diag->msg, fmt, ap);
	va_end(ap);
	return rc;
}

typedef struct out {
	stamp_txn *t;
	json_t *events;
	const epcis_opts *o;
	size_t n;
	int rc;
} out;

/* "2026-11-01T08:30:00+07:00" of a Unix time, in Vietnam */
static json_t *vn_time(int64_t t)
{
	char s[40];
	time_t v = (time_t)(t + 7 * 3600);
	struct tm tm;
	gmtime_r(&v, &tm);
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S+07:00", &tm);
	return json_string(s);
}

/* An event's day and time (00:00 when only the day is known), in Vietnam */
static json_t *event_time(const stamp_event *e)
{
	char s[40];
	unsigned m = e->minutes == STAMP_EVENT_NO_TIME ? 0 : e->minutes;
	snprintf(s, sizeof s, "%04u-%02u-%02uT%02u:%02u:00+07:00", e->date / 10000,
		 e->date / 100 % 100, e->date % 100, m / 60, m % 60);
	return json_string(s);
}

/* s percent-encoded into o (buf_pct, as verifyd's resolver writes them); "" if it does not fit. */
static void encoded(char *o, size_t cap, const char *s)
{
	strbuf t;
	char *r = NULL;
	if (buf_init(&t, cap) == 0) {
		buf_pct(&t, s);
		r = buf_take(&t, NULL);
	}
	snprintf(o, cap, "%s", r ? r : "");
	free(r);
}

/* The batch's own URI: its lot as a Digital Link class with a GTIN, else its page. */
static void lot_uri(const stamp_batch *b, const stamp_product *p, char *o, size_t cap)
{
	char g[15], lot[3 * STAMP_SHORT_MAX + 1];
	encoded(lot, sizeof lot, b->lot);
	if (p->gtin[0] && stamp_gtin14(p->gtin, g) == 0)
		snprintf(o, cap, "%s/01/%s/10/%s", b->base_url, g, lot);
	else
		snprintf(o, cap, "%s/L/%u", b->base_url, b->id);
}

/* A class-level quantity: count items of class cls (no unit: a count). */
static json_t *quantity(const char *cls, uint64_t n)
{
	return json_pack("[{s:s, s:I}]", "epcClass", cls, "quantity", (json_int_t)n);
}

/* The stamps' identifiers: Digital Link URIs with a GTIN, else their URLs as printed. */
static json_t *instances(stamp_txn *t, const stamp_batch *b, const char *printed,
			 const stamp_product *p, int *rc)
{
	json_t *list = json_array();
	char g[15], lot[3 * STAMP_SHORT_MAX + 1], uri[STAMP_CODE_TEXT_MAX + 160];
	int dl = p->gtin[0] && stamp_gtin14(p->gtin, g) == 0;
	encoded(lot, sizeof lot, b->lot);
	for (uint32_t i = 0; i < b->count && !*rc; i++) {
		uint64_t serial = b->first_serial + i;
		if (dl) {
			snprintf(uri, sizeof uri, "%s/01/%s/10/%s/21/%llu", b->base_url, g, lot,
				 (unsigned long long)serial);
		} else {
			stamp_stamp s;
			if ((*rc = stamp_store_get_stamp(t, serial, &s)) != 0)
				break;
			stamp_code c = {.version = STAMP_CODE_VERSION, .serial = serial};
			memcpy(c.key_id, b->key_id, sizeof c.key_id);
			memcpy(c.sig, s.sig, sizeof c.sig);
			stamp_code_to_url(&c, printed, uri);
		}
		json_array_append_new(list, json_string(uri));
	}
	return list;
}

static json_t *commissioning(out *x, const stamp_batch *b, const char *printed,
			     const stamp_product *p)
{
	char cls[512];
	lot_uri(b, p, cls, sizeof cls);
	json_t *e = json_pack("{s:s, s:o, s:s, s:s, s:s, s:s, s:{s:s}}", "type", "ObjectEvent",
			      "eventTime", vn_time(b->created), "eventTimeZoneOffset", "+07:00",
			      "action", "ADD", "bizStep", "commissioning", "disposition", "active",
			      "bizLocation", "id", cls);
	if (b->count <= EPCIS_INSTANCES_MAX)
		json_object_set_new(e, "epcList", instances(x->t, b, printed, p, &x->rc));
	else
		json_object_set_new(e, "quantityList", quantity(cls, b->count));
	json_object_set_new(e, "ocop:batch", json_integer(b->id));
	json_object_set_new(e, "ocop:product", json_string(p->id));
	json_object_set_new(e, "ocop:lot", json_string(b->lot));
	return e;
}

/* The stage's bizStep as EPCIS writes it: a CBV term bare, any other URI whole. */
static const char *bizstep(const stamp_stage_info *s)
{
	size_t n = strlen(CBV);
	return s->cbv && strncmp(s->bizstep, CBV, n) == 0 ? s->bizstep + n : s->bizstep;
}

static void text(json_t *o, const char *name, const char *v)
{
	if (v && *v)
		json_object_set_new(o, name, json_string(v));
}

static json_t *stage(const stamp_batch *b, const stamp_product *p, const stamp_event *ev)
{
	const stamp_stage_info *s = stamp_stage_about(ev->stage);
	char cls[512], where[600], src[700];
	lot_uri(b, p, cls, sizeof cls);
	if (ev->gln[0])
		snprintf(where, sizeof where, "https://id.gs1.org/414/%s", ev->gln);
	else
		snprintf(where, sizeof where, "%s/L/%u#stage-%s-%u", b->base_url, b->id,
			 ev->batch_id ? "b" : "p", ev->seq);
	json_t *e = json_pack("{s:s, s:o, s:s, s:s, s:{s:s}, s:{s:s}}", "type",
			      ev->source[0] ? "TransformationEvent" : "ObjectEvent", "eventTime",
			      event_time(ev), "eventTimeZoneOffset", "+07:00", "bizStep",
			      bizstep(s), "readPoint", "id", where, "bizLocation", "id", where);
	if (ev->source[0]) {
		/* "one step back": the input's lot, as named, to this lot */
		snprintf(src, sizeof src, "%s/L/%u#source-%s-%u", b->base_url, b->id,
			 ev->batch_id ? "b" : "p", ev->seq);
		json_object_set_new(e, "inputEPCList", json_pack("[s]", src));
		json_object_set_new(e, "outputQuantityList", quantity(cls, b->count));
		json_object_set_new(e, "ocop:source", json_string(ev->source));
	} else {
		json_object_set_new(e, "action", json_string("OBSERVE"));
		json_object_set_new(e, "quantityList", quantity(cls, b->count));
	}
	json_object_set_new(e, "ocop:batch", json_integer(b->id));
	json_object_set_new(e, "ocop:stage", json_string(s->name));
	text(e, "ocop:label", ev->label);
	text(e, "ocop:place", ev->place);
	text(e, "ocop:commune", ev->commune);
	text(e, "ocop:district", ev->district);
	text(e, "ocop:province", ev->province);
	text(e, "ocop:partner", ev->partner);
	text(e, "ocop:note", ev->note);
	if (ev->has_geo)
		json_object_set_new(e, "ocop:geo",
				    json_pack("{s:f, s:f}", "latitude", ev->lat_e6 / 1e6,
					      "longitude", ev->lon_e6 / 1e6));
	return e;
}

/* A revocation's CBV disposition, by its reason. */
static const char *disposition(unsigned reason)
{
	switch (reason) {
	case STAMP_REASON_STOLEN:
		return "stolen";
	case STAMP_REASON_RECALLED:
		return "recalled";
	case STAMP_REASON_LOST:
		return "unknown";
	case STAMP_REASON_PRINTED_IN_ERROR:
		return "destroyed";
	default: /* certificate withdrawn, key compromised, other: not to be sold */
		return "non_sellable_other";
	}
}

typedef struct rev_ctx {
	const stamp_batch *b;
	const stamp_product *p;
	json_t *events;
	size_t n;
} rev_ctx;

/* Whether revocation r reaches batch b (its serials, it, its product, its key). */
static int reaches(const stamp_revocation *r, const stamp_batch *b)
{
	switch (r->scope) {
	case STAMP_SCOPE_SERIALS:
		return r->first < b->first_serial + b->count && r->last >= b->first_serial;
	case STAMP_SCOPE_BATCH:
		return r->batch_id == b->id;
	case STAMP_SCOPE_PRODUCT:
		return strcmp(r->product_id, b->product_id) == 0;
	case STAMP_SCOPE_KEY:
		return memcmp(r->key_id, b->key_id, sizeof r->key_id) == 0 &&
		       (!r->from || stamp_date_from_unix(b->created) >= r->from);
	}
	return 0;
}

static int on_revocation(const stamp_revocation *r, void *ctx)
{
	rev_ctx *x = ctx;
	char cls[512];
	if (r->undone || !reaches(r, x->b))
		return 0;
	lot_uri(x->b, x->p, cls, sizeof cls);
	json_t *e = json_pack("{s:s, s:o, s:s, s:s, s:s, s:s, s:o}", "type", "ObjectEvent",
			      "eventTime", vn_time(r->since), "eventTimeZoneOffset", "+07:00",
			      "action", "OBSERVE", "bizStep", "decommissioning", "disposition",
			      disposition(r->reason), "quantityList", quantity(cls, 0));
	json_t *q = json_array_get(json_object_get(e, "quantityList"), 0);
	uint64_t first = x->b->first_serial, last = first + x->b->count - 1;
	if (r->scope == STAMP_SCOPE_SERIALS) {
		first = r->first > first ? r->first : first;
		last = r->last < last ? r->last : last;
	}
	json_object_set_new(q, "quantity", json_integer((json_int_t)(last - first + 1)));
	json_object_set_new(e, "ocop:batch", json_integer(x->b->id));
	json_object_set_new(e, "ocop:revocation", json_integer(r->id));
	json_object_set_new(e, "ocop:reason", json_string(stamp_reason_name(r->reason)));
	json_object_set_new(
		e, "ocop:serials",
		json_pack("{s:I, s:I}", "first", (json_int_t)first, "last", (json_int_t)last));
	text(e, "ocop:note", r->note);
	json_array_append_new(x->events, e);
	x->n++;
	return 0;
}

static int on_batch(const stamp_batch *batch, void *ctx)
{
	out *x = ctx;
	stamp_batch lower = *batch, *b = &lower;
	stamp_product p;
	stamp_event *journey = NULL;
	size_t n = 0;

	if (x->o->batch_id ? b->id != x->o->batch_id
			   : stamp_date_from_unix(b->created) < x->o->since)
		return 0;
	/* the stamps print HTTPS://HOST in capitals (QR alphanumeric mode); URIs here are lower */
	for (char *c = b->base_url; *c; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
	if ((x->rc = stamp_store_get_product(x->t, b->product_id, &p)) != 0)
		return 1;
	json_array_append_new(x->events, commissioning(x, b, batch->base_url, &p));
	x->n++;
	if (x->rc)
		return 1;
	x->rc = stamp_event_journey(x->t, b, &journey, &n);
	for (size_t i = 0; i < n && !x->rc; i++, x->n++)
		json_array_append_new(x->events, stage(b, &p, &journey[i]));
	free(journey);
	rev_ctx r = {b, &p, x->events, 0};
	if (!x->rc)
		x->rc = stamp_revocation_each(x->t, on_revocation, &r);
	x->n += r.n;
	return x->rc ? 1 : 0;
}

int epcis_export(stamp_txn *t, const epcis_opts *o, FILE *f, size_t *events, stamp_diag *diag)
{
	out x = {t, json_array(), o, 0, 0};
	char ns[STAMP_BASEURL_MAX + 16];
	stamp_batch b;

	*events = 0;
	if (o->batch_id && stamp_store_get_batch(t, o->batch_id, &b) != 0) {
		json_decref(x.events);
		return failed(diag, STAMP_ENOTFOUND, "no batch %u in the store", o->batch_id);
	}
	int rc = stamp_store_each_batch(t, on_batch, &x);
	if (x.rc)
		rc = x.rc;
	if (rc) {
		json_decref(x.events);
		return failed(diag, rc, "reading the store: %s", stamp_strerror(rc));
	}
	/* the ocop: extension namespace: the province's own address */
	snprintf(ns, sizeof ns, "%s/voc/", o->base_url);
	json_t *doc =
		json_pack("{s:[s,{s:s}], s:s, s:s, s:o, s:{s:o}}", "@context", CONTEXT, "ocop", ns,
			  "type", "EPCISDocument", "schemaVersion", "2.0", "creationDate",
			  vn_time(o->now), "epcisBody", "eventList", x.events);
	if (!doc)
		return failed(diag, ENOMEM, "out of memory");
	rc = json_dumpf(doc, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER) != 0 || fputc('\n', f) == EOF
		     ? EIO
		     : 0;
	json_decref(doc);
	if (rc)
		return failed(diag, rc, "cannot write the document");
	*events = x.n;
	return 0;
}
