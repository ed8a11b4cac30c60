/*
 * record.c - the byte layout of every record the store keeps.
 *
 * Kept apart from store.c so that the layout (which must stay readable by
 * every later version of the software) is one small file to review, and so
 * that the store only moves bytes. Version 1 of each record is below; a
 * future layout gets a new version byte and a new decoder beside the old.
 */
#include <string.h>

#include "internal.h"
#include "record.h"

#define REC_V1 1

typedef struct wbuf {
	uint8_t *p;
	size_t len;
} wbuf;

typedef stamp_rbuf rbuf;

static void put_int(wbuf *w, uint64_t v, int n)
{
	stamp_be_put(w->p + w->len, v, n);
	w->len += (size_t)n;
}

static void put_bytes(wbuf *w, const void *src, size_t n)
{
	memcpy(w->p + w->len, src, n);
	w->len += n;
}

/* Fields are bounded (STAMP_TEXT_MAX), so a record never nears STAMP_REC_MAX. */
static void put_str(wbuf *w, const char *s)
{
	size_t n = strlen(s);
	put_int(w, n, 2);
	put_bytes(w, s, n);
}

uint64_t stamp_rbuf_int(stamp_rbuf *r, int n)
{
	if (r->bad || r->len - r->off < (size_t)n) {
		r->bad = 1;
		return 0;
	}
	uint64_t v = stamp_be_get(r->p + r->off, n);
	r->off += (size_t)n;
	return v;
}

const uint8_t *stamp_rbuf_take(stamp_rbuf *r, size_t n)
{
	if (r->bad || r->len - r->off < n) {
		r->bad = 1;
		return NULL;
	}
	const uint8_t *p = r->p + r->off;
	r->off += n;
	return p;
}

static uint64_t get_int(rbuf *r, int n)
{
	return stamp_rbuf_int(r, n);
}

static void get_bytes(rbuf *r, void *dst, size_t n)
{
	const uint8_t *p = stamp_rbuf_take(r, n);
	if (p)
		memcpy(dst, p, n);
}

static void get_str(rbuf *r, char *dst, size_t cap)
{
	size_t n = (size_t)get_int(r, 2);
	if (r->bad || n >= cap || r->len - r->off < n || memchr(r->p + r->off, 0, n)) {
		r->bad = 1;
		return;
	}
	memcpy(dst, r->p + r->off, n);
	dst[n] = '\0';
	r->off += n;
}

static int finish(rbuf *r, void *out, size_t outsize)
{
	if (r->bad || r->off != r->len) {
		memset(out, 0, outsize);
		return STAMP_ECORRUPT;
	}
	return 0;
}

static int start(rbuf *r, const void *buf, size_t len, void *out, size_t outsize)
{
	memset(out, 0, outsize);
	*r = (rbuf){.p = buf, .len = len};
	return get_int(r, 1) == REC_V1 && !r->bad ? 0 : STAMP_ECORRUPT;
}

size_t stamp_rec_coop(const stamp_coop *c, uint8_t *buf)
{
	wbuf w = {buf, 0};
	put_int(&w, REC_V1, 1);
	put_str(&w, c->id);
	put_str(&w, c->name);
	put_str(&w, c->commune);
	put_str(&w, c->district);
	put_str(&w, c->province);
	put_str(&w, c->address);
	put_str(&w, c->phone);
	return w.len;
}

int stamp_unrec_coop(const void *buf, size_t len, stamp_coop *out)
{
	rbuf r;
	if (start(&r, buf, len, out, sizeof *out))
		return STAMP_ECORRUPT;
	get_str(&r, out->id, sizeof out->id);
	get_str(&r, out->name, sizeof out->name);
	get_str(&r, out->commune, sizeof out->commune);
	get_str(&r, out->district, sizeof out->district);
	get_str(&r, out->province, sizeof out->province);
	get_str(&r, out->address, sizeof out->address);
	get_str(&r, out->phone, sizeof out->phone);
	return finish(&r, out, sizeof *out);
}

size_t stamp_rec_product(const stamp_product *p, uint8_t *buf)
{
	wbuf w = {buf, 0};
	put_int(&w, REC_V1, 1);
	put_str(&w, p->id);
	put_str(&w, p->coop_id);
	put_str(&w, p->name);
	put_str(&w, p->short_name);
	put_str(&w, p->group);
	put_int(&w, p->stars, 1);
	put_str(&w, p->ocop_decision);
	put_int(&w, p->ocop_date, 4);
	put_int(&w, p->cert_valid_until, 4);
	put_str(&w, p->standards);
	put_str(&w, p->gtin);
	put_int(&w, p->shelf_life_days, 4);
	return w.len;
}

int stamp_unrec_product(const void *buf, size_t len, stamp_product *out)
{
	rbuf r;
	if (start(&r, buf, len, out, sizeof *out))
		return STAMP_ECORRUPT;
	get_str(&r, out->id, sizeof out->id);
	get_str(&r, out->coop_id, sizeof out->coop_id);
	get_str(&r, out->name, sizeof out->name);
	get_str(&r, out->short_name, sizeof out->short_name);
	get_str(&r, out->group, sizeof out->group);
	out->stars = (uint8_t)get_int(&r, 1);
	get_str(&r, out->ocop_decision, sizeof out->ocop_decision);
	out->ocop_date = (uint32_t)get_int(&r, 4);
	out->cert_valid_until = (uint32_t)get_int(&r, 4);
	get_str(&r, out->standards, sizeof out->standards);
	get_str(&r, out->gtin, sizeof out->gtin);
	out->shelf_life_days = (uint32_t)get_int(&r, 4);
	return finish(&r, out, sizeof *out);
}

size_t stamp_rec_batch(const stamp_batch *b, uint8_t *buf)
{
	wbuf w = {buf, 0};
	put_int(&w, REC_V1, 1);
	put_int(&w, b->id, 4);
	put_str(&w, b->product_id);
	put_str(&w, b->lot);
	put_int(&w, b->produced, 4);
	put_int(&w, b->expiry, 4);
	put_int(&w, b->first_serial, 8);
	put_int(&w, b->count, 4);
	put_bytes(&w, b->key_id, STAMP_KEYID_BYTES);
	put_str(&w, b->base_url);
	put_int(&w, b->size_01mm, 2);
	put_int(&w, b->dpi, 2);
	put_int(&w, (uint64_t)b->created, 8);
	return w.len;
}

int stamp_unrec_batch(const void *buf, size_t len, stamp_batch *out)
{
	rbuf r;
	if (start(&r, buf, len, out, sizeof *out))
		return STAMP_ECORRUPT;
	out->id = (uint32_t)get_int(&r, 4);
	get_str(&r, out->product_id, sizeof out->product_id);
	get_str(&r, out->lot, sizeof out->lot);
	out->produced = (uint32_t)get_int(&r, 4);
	out->expiry = (uint32_t)get_int(&r, 4);
	out->first_serial = get_int(&r, 8);
	out->count = (uint32_t)get_int(&r, 4);
	get_bytes(&r, out->key_id, STAMP_KEYID_BYTES);
	get_str(&r, out->base_url, sizeof out->base_url);
	out->size_01mm = (uint16_t)get_int(&r, 2);
	out->dpi = (uint16_t)get_int(&r, 2);
	out->created = (int64_t)get_int(&r, 8);
	return finish(&r, out, sizeof *out);
}

size_t stamp_rec_key(const stamp_keyrec *k, uint8_t *buf)
{
	wbuf w = {buf, 0};
	put_int(&w, REC_V1, 1);
	put_bytes(&w, k->id, STAMP_KEYID_BYTES);
	put_bytes(&w, k->pk, STAMP_PK_BYTES);
	put_int(&w, k->valid_from, 4);
	put_int(&w, k->valid_until, 4);
	put_str(&w, k->label);
	return w.len;
}

int stamp_unrec_key(const void *buf, size_t len, stamp_keyrec *out)
{
	rbuf r;
	if (start(&r, buf, len, out, sizeof *out))
		return STAMP_ECORRUPT;
	get_bytes(&r, out->id, STAMP_KEYID_BYTES);
	get_bytes(&r, out->pk, STAMP_PK_BYTES);
	out->valid_from = (uint32_t)get_int(&r, 4);
	out->valid_until = (uint32_t)get_int(&r, 4);
	get_str(&r, out->label, sizeof out->label);
	return finish(&r, out, sizeof *out);
}

size_t stamp_rec_reservation(const stamp_reservation *r, uint8_t *buf)
{
	wbuf w = {buf, 0};
	put_int(&w, REC_V1, 1);
	put_int(&w, r->count, 4);
	put_int(&w, r->state, 1);
	put_int(&w, r->batch_id, 4);
	put_int(&w, (uint64_t)r->created, 8);
	put_int(&w, (uint32_t)r->pid, 4);
	put_str(&w, r->host);
	put_str(&w, r->product_id);
	put_str(&w, r->lot);
	put_str(&w, r->tmp);
	return w.len;
}

int stamp_unrec_reservation(const void *buf, size_t len, stamp_reservation *out)
{
	rbuf r;
	if (start(&r, buf, len, out, sizeof *out))
		return STAMP_ECORRUPT;
	out->count = (uint32_t)get_int(&r, 4);
	out->state = (uint8_t)get_int(&r, 1);
	out->batch_id = (uint32_t)get_int(&r, 4);
	out->created = (int64_t)get_int(&r, 8);
	out->pid = (int32_t)(uint32_t)get_int(&r, 4);
	get_str(&r, out->host, sizeof out->host);
	get_str(&r, out->product_id, sizeof out->product_id);
	get_str(&r, out->lot, sizeof out->lot);
	get_str(&r, out->tmp, sizeof out->tmp);
	if (out->state > STAMP_RESERVE_STORED || out->count == 0)
		r.bad = 1;
	return finish(&r, out, sizeof *out);
}

size_t stamp_rec_revocation(const stamp_revocation *r, uint8_t *buf)
{
	wbuf w = {buf, 0};
	put_int(&w, REC_V1, 1);
	put_int(&w, r->scope, 1);
	put_int(&w, r->first, 8);
	put_int(&w, r->last, 8);
	put_int(&w, r->batch_id, 4);
	put_str(&w, r->product_id);
	put_str(&w, r->lot);
	put_bytes(&w, r->key_id, STAMP_KEYID_BYTES);
	put_int(&w, r->from, 4);
	put_int(&w, r->reason, 1);
	put_str(&w, r->note);
	put_int(&w, (uint64_t)r->since, 8);
	put_str(&w, r->actor);
	put_int(&w, (uint64_t)r->undone, 8);
	put_str(&w, r->undone_by);
	return w.len;
}

int stamp_unrec_revocation(const void *buf, size_t len, stamp_revocation *out)
{
	rbuf r;
	if (start(&r, buf, len, out, sizeof *out))
		return STAMP_ECORRUPT;
	out->scope = (uint8_t)get_int(&r, 1);
	out->first = get_int(&r, 8);
	out->last = get_int(&r, 8);
	out->batch_id = (uint32_t)get_int(&r, 4);
	get_str(&r, out->product_id, sizeof out->product_id);
	get_str(&r, out->lot, sizeof out->lot);
	get_bytes(&r, out->key_id, STAMP_KEYID_BYTES);
	out->from = (uint32_t)get_int(&r, 4);
	out->reason = (uint8_t)get_int(&r, 1);
	get_str(&r, out->note, sizeof out->note);
	out->since = (int64_t)get_int(&r, 8);
	get_str(&r, out->actor, sizeof out->actor);
	out->undone = (int64_t)get_int(&r, 8);
	get_str(&r, out->undone_by, sizeof out->undone_by);
	if (out->scope < STAMP_SCOPE_SERIALS || out->scope > STAMP_SCOPE_KEY ||
	    !stamp_reason_name(out->reason))
		r.bad = 1;
	return finish(&r, out, sizeof *out);
}

size_t stamp_rec_audit(const stamp_audit_entry *e, uint8_t *buf)
{
	wbuf w = {buf, 0};
	put_int(&w, REC_V1, 1);
	put_int(&w, (uint64_t)e->time, 8);
	put_str(&w, e->user);
	put_str(&w, e->actor);
	put_str(&w, e->what);
	put_str(&w, e->result);
	put_bytes(&w, e->prev, STAMP_AUDIT_HASH_BYTES);
	put_bytes(&w, e->hash, STAMP_AUDIT_HASH_BYTES);
	return w.len;
}

int stamp_unrec_audit(const void *buf, size_t len, stamp_audit_entry *out)
{
	rbuf r;
	if (start(&r, buf, len, out, sizeof *out))
		return STAMP_ECORRUPT;
	out->time = (int64_t)get_int(&r, 8);
	get_str(&r, out->user, sizeof out->user);
	get_str(&r, out->actor, sizeof out->actor);
	get_str(&r, out->what, sizeof out->what);
	get_str(&r, out->result, sizeof out->result);
	get_bytes(&r, out->prev, STAMP_AUDIT_HASH_BYTES);
	get_bytes(&r, out->hash, STAMP_AUDIT_HASH_BYTES);
	return finish(&r, out, sizeof *out);
}

void stamp_rec_stamp(uint32_t batch_id, uint8_t status, const uint8_t sig[STAMP_SIG_BYTES],
		     uint8_t buf[STAMP_STAMP_REC_BYTES])
{
	buf[0] = REC_V1;
	buf[1] = status;
	stamp_be_put(buf + 2, batch_id, 4);
	memcpy(buf + 6, sig, STAMP_SIG_BYTES);
}

int stamp_unrec_stamp(const void *buf, size_t len, uint64_t serial, stamp_stamp *out)
{
	const uint8_t *p = buf;
	memset(out, 0, sizeof *out);
	/* an unknown status is damage, never "valid": verify.c trusts this */
	if (len != STAMP_STAMP_REC_BYTES || p[0] != REC_V1 || p[1] > STAMP_STAMP_REVOKED)
		return STAMP_ECORRUPT;
	out->serial = serial;
	out->status = p[1];
	out->batch_id = (uint32_t)stamp_be_get(p + 2, 4);
	memcpy(out->sig, p + 6, STAMP_SIG_BYTES);
	return 0;
}

/* Event: batch id and seq are the key's too; stored so a value is whole on its own. */
size_t stamp_rec_event(const stamp_event *e, uint8_t *buf)
{
	wbuf w = {buf, 0};
	put_int(&w, REC_V1, 1);
	put_int(&w, e->batch_id, 4);
	put_str(&w, e->product_id);
	put_int(&w, e->seq, 4);
	put_int(&w, e->stage, 1);
	put_str(&w, e->label);
	put_int(&w, e->date, 4);
	put_int(&w, e->minutes, 2);
	put_str(&w, e->place);
	put_str(&w, e->commune);
	put_str(&w, e->district);
	put_str(&w, e->province);
	put_str(&w, e->gln);
	put_int(&w, e->has_geo, 1);
	put_int(&w, (uint32_t)e->lat_e6, 4);
	put_int(&w, (uint32_t)e->lon_e6, 4);
	put_str(&w, e->partner);
	put_str(&w, e->note);
	put_str(&w, e->source);
	put_int(&w, (uint64_t)e->created, 8);
	put_int(&w, (uint64_t)e->withdrawn, 8);
	return w.len;
}

int stamp_unrec_event(const void *buf, size_t len, stamp_event *out)
{
	rbuf r;
	if (start(&r, buf, len, out, sizeof *out))
		return STAMP_ECORRUPT;
	out->batch_id = (uint32_t)get_int(&r, 4);
	get_str(&r, out->product_id, sizeof out->product_id);
	out->seq = (uint32_t)get_int(&r, 4);
	out->stage = (uint8_t)get_int(&r, 1);
	get_str(&r, out->label, sizeof out->label);
	out->date = (uint32_t)get_int(&r, 4);
	out->minutes = (uint16_t)get_int(&r, 2);
	get_str(&r, out->place, sizeof out->place);
	get_str(&r, out->commune, sizeof out->commune);
	get_str(&r, out->district, sizeof out->district);
	get_str(&r, out->province, sizeof out->province);
	get_str(&r, out->gln, sizeof out->gln);
	out->has_geo = (uint8_t)get_int(&r, 1);
	out->lat_e6 = (int32_t)(uint32_t)get_int(&r, 4);
	out->lon_e6 = (int32_t)(uint32_t)get_int(&r, 4);
	get_str(&r, out->partner, sizeof out->partner);
	get_str(&r, out->note, sizeof out->note);
	get_str(&r, out->source, sizeof out->source);
	out->created = (int64_t)get_int(&r, 8);
	out->withdrawn = (int64_t)get_int(&r, 8);
	/* an unknown stage is damage, never shown as some other stage */
	if (!stamp_stage_about(out->stage) || (out->has_geo != 0 && out->has_geo != 3) ||
	    (out->minutes != STAMP_EVENT_NO_TIME && out->minutes >= 24 * 60))
		r.bad = 1;
	return finish(&r, out, sizeof *out);
}
