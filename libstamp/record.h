/*
 * record.h - versioned binary encodings of the registry records (private).
 *
 * Each stored value is: record version (1 byte) then the fields in a fixed
 * order; integers big-endian; strings as u16 length + bytes (no NUL). A
 * decoder refuses an unknown version, a short or long value and a string
 * that does not fit its field: STAMP_ECORRUPT, never a guess.
 */
#ifndef STAMP_RECORD_H
#define STAMP_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "stamp/audit.h"
#include "stamp/event.h"
#include "stamp/registry.h"
#include "stamp/revocation.h"
#include "stamp/store.h"

#define STAMP_REC_MAX 4096 /* every encoded record fits */
#define STAMP_STAMP_REC_BYTES (1 + 1 + 4 + STAMP_SIG_BYTES)

/* A bounded reader of big-endian fields; bad is set, once, by any overrun. */
typedef struct stamp_rbuf {
	const uint8_t *p;
	size_t len, off;
	int bad;
} stamp_rbuf;
uint64_t stamp_rbuf_int(stamp_rbuf *r, int n);		 /* 0 once bad */
const uint8_t *stamp_rbuf_take(stamp_rbuf *r, size_t n); /* NULL once bad */

/* Encoders return the length written into buf (STAMP_REC_MAX bytes). */
size_t stamp_rec_coop(const stamp_coop *c, uint8_t *buf);
size_t stamp_rec_product(const stamp_product *p, uint8_t *buf);
size_t stamp_rec_batch(const stamp_batch *b, uint8_t *buf);
size_t stamp_rec_key(const stamp_keyrec *k, uint8_t *buf);
size_t stamp_rec_reservation(const stamp_reservation *r, uint8_t *buf);
size_t stamp_rec_revocation(const stamp_revocation *r, uint8_t *buf);
size_t stamp_rec_audit(const stamp_audit_entry *e, uint8_t *buf);
size_t stamp_rec_event(const stamp_event *e, uint8_t *buf);
void stamp_rec_stamp(uint32_t batch_id, uint8_t status, const uint8_t sig[STAMP_SIG_BYTES],
		     uint8_t buf[STAMP_STAMP_REC_BYTES]);

/* Decoders: 0 or STAMP_ECORRUPT; *out zeroed first. */
int stamp_unrec_coop(const void *buf, size_t len, stamp_coop *out);
int stamp_unrec_product(const void *buf, size_t len, stamp_product *out);
int stamp_unrec_batch(const void *buf, size_t len, stamp_batch *out);
int stamp_unrec_key(const void *buf, size_t len, stamp_keyrec *out);
/* out->first_serial is the key's, set by the caller. */
int stamp_unrec_reservation(const void *buf, size_t len, stamp_reservation *out);
/* out->id is the key's, set by the caller. */
int stamp_unrec_revocation(const void *buf, size_t len, stamp_revocation *out);
/* out->seq is the key's, set by the caller. */
int stamp_unrec_audit(const void *buf, size_t len, stamp_audit_entry *out);
int stamp_unrec_event(const void *buf, size_t len, stamp_event *out);
int stamp_unrec_stamp(const void *buf, size_t len, uint64_t serial, stamp_stamp *out);

#endif
