/*
 * event.h - the production and business stages of a batch (its journey).
 *
 * An event belongs to one batch, or to a product and then to every batch of
 * it (a product-level stage: where the fish are caught, how the sauce ages).
 * Each names a stage from a small vocabulary (stamp_stage_info: a machine
 * name, the GS1 CBV 2.0 business step, Vietnamese and English labels), a day
 * or a day and time in Vietnam (UTC+7), a place, who did it (the cooperative
 * or a named partner), a note and, for an input, the source lot it came from
 * ("one step back"). Text is NFC, bounded and refused when it holds control
 * or invisible formatting characters, exactly as registry text.
 *
 * Events are append-only: adding one is an audited change, and a mistake is
 * withdrawn (stamp_event_withdraw, audited too) rather than erased, so the
 * record and its withdrawal stay in the store and the audit log.
 *
 * As for registry records, the field names are the CSV columns and the
 * stampgen flags: batch, product, stage, label, at, place, commune, district,
 * province, gln, lat, lon, partner, note, source.
 */
#ifndef STAMP_EVENT_H
#define STAMP_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "registry.h"
#include "store.h"

enum {
	STAMP_STAGE_RECEIVING = 1,
	STAMP_STAGE_GROWING,
	STAMP_STAGE_HARVESTING,
	STAMP_STAGE_PROCESSING,
	STAMP_STAGE_FERMENTING,
	STAMP_STAGE_PACKING,
	STAMP_STAGE_INSPECTING,
	STAMP_STAGE_STORING,
	STAMP_STAGE_SHIPPING,
	STAMP_STAGE_RETAIL_SELLING,
	STAMP_STAGE_LAST = STAMP_STAGE_RETAIL_SELLING
};

/* One line of the stage vocabulary; the one table of it is in event.c. */
typedef struct stamp_stage_info {
	const char *name;    /* stable machine name: "harvesting" */
	const char *bizstep; /* EPCIS bizStep URI (a CBV 2.0 term when cbv) */
	int cbv;	     /* 1: bizstep is a GS1 CBV 2.0 standard business step */
	int production;	     /* 1: a production stage (the issuance gate counts these) */
	const char *vi, *en; /* labels for shoppers */
} stamp_stage_info;

/* NULL for an unknown stage number. */
const stamp_stage_info *stamp_stage_about(unsigned stage);
/* The stage number of a machine name (exact, lower case), or 0. */
unsigned stamp_stage_find(const char *name);
/* "receiving, growing, ..., retail_selling", for messages. */
const char *stamp_stage_list(void);

#define STAMP_EVENT_NO_TIME 0xFFFF /* minutes: the event has a day only */
#define STAMP_EVENTS_MAX 100	   /* events of one batch, or of one product */
#define STAMP_GLN_MAX 13

typedef struct stamp_event {
	uint32_t batch_id;		   /* the batch, or 0 for a product-level event */
	char product_id[STAMP_ID_MAX + 1]; /* the product (also set for a batch's) */
	uint32_t seq;			   /* 1, 2, ... per batch or product; set by add */
	uint8_t stage;			   /* STAMP_STAGE_* */
	char label[STAMP_SHORT_MAX + 1];   /* free label: "Ủ chượp" */
	uint32_t date;			   /* YYYYMMDD, Vietnam */
	uint16_t minutes;		   /* since midnight UTC+7, or STAMP_EVENT_NO_TIME */
	char place[STAMP_TEXT_MAX + 1];	   /* name of the place */
	char commune[STAMP_TEXT_MAX + 1];
	char district[STAMP_TEXT_MAX + 1];
	char province[STAMP_TEXT_MAX + 1];
	char gln[STAMP_GLN_MAX + 1];	  /* optional GS1 GLN, check digit verified */
	uint8_t has_geo;		  /* 1: lat given, 2: lon; stored: 0 or 3 */
	int32_t lat_e6, lon_e6;		  /* degrees * 1e6 (WGS 84) */
	char partner[STAMP_TEXT_MAX + 1]; /* who did it; "" = the cooperative */
	char note[STAMP_TEXT_MAX + 1];
	char source[STAMP_TEXT_MAX + 1]; /* an input's source lot: "lô cá cơm, tàu BT-123" */
	int64_t created;		 /* Unix time, set by add */
	int64_t withdrawn;		 /* Unix time, 0 while it stands */
} stamp_event;

/* Field names, NULL-terminated, in CSV/documentation order. */
extern const char *const stamp_event_fields[];

/*
 * Set one field from text, as stamp_coop_set: trims, checks UTF-8, NFC,
 * bounds and type; "at" is YYYY-MM-DD or DD/MM/YYYY, optionally followed by
 * a blank or 'T' and HH:MM (Vietnam time; a trailing "+07:00" is accepted).
 * STAMP_EINPUT with a diag naming the column; STAMP_ENOTFOUND for an unknown
 * field name. "batch" is a batch number, "product" a product id.
 */
int stamp_event_set(stamp_event *e, const char *field, const char *value,
		    stamp_diag *diag) STAMP_WUR;
/* Text of a field, "" for none. */
int stamp_event_get(const stamp_event *e, const char *field, char *out, size_t outlen) STAMP_WUR;
/*
 * Whole-record rules: a stage, a date, exactly one of batch and product
 * (a batch's product_id may be set as well), lat and lon together.
 */
int stamp_event_check(const stamp_event *e, stamp_diag *diag) STAMP_WUR;
/* 1 when field must have a column in an event CSV, 0 when optional, -1 unknown. */
int stamp_event_required(const char *field);

/*
 * Append e in write transaction t: the batch (or product) must exist, e is
 * checked, e->seq, e->created (now) and, for a batch, e->product_id are
 * filled in. STAMP_EINPUT (diag says why) past STAMP_EVENTS_MAX or for a
 * batch or product that is not registered. Recorded for the audit entry.
 */
int stamp_event_add(stamp_txn *t, stamp_event *e, int64_t now, stamp_diag *diag) STAMP_WUR;
/*
 * Mark event seq of batch_id (or, batch_id 0, of product_id) withdrawn at
 * now: it stays listed as withdrawn, no longer shown. STAMP_ENOTFOUND when
 * there is no such event, STAMP_EEXIST when it was withdrawn already.
 */
int stamp_event_withdraw(stamp_txn *t, uint32_t batch_id, const char *product_id, uint32_t seq,
			 int64_t now, stamp_diag *diag) STAMP_WUR;

typedef int (*stamp_event_cb)(const stamp_event *e, void *ctx);
/*
 * The events of a batch (batch_id) or of a product (batch_id 0), withdrawn
 * ones included, in sequence order; cb returns non-zero to stop.
 */
int stamp_event_each(stamp_txn *t, uint32_t batch_id, const char *product_id, stamp_event_cb cb,
		     void *ctx) STAMP_WUR;

/*
 * The journey a shopper sees for batch b: the events of its product and its
 * own, withdrawn ones left out, in time order (day, then time, a day-only
 * event after the timed ones of its day; the product's before the batch's
 * on a tie, then by sequence). b->id 0: the product's events only.
 * *out is malloc'd, *n events long (at most 2 * STAMP_EVENTS_MAX); the
 * caller frees it. NULL and 0 when there are none, and on failure.
 */
int stamp_event_journey(stamp_txn *t, const stamp_batch *b, stamp_event **out, size_t *n) STAMP_WUR;

/*
 * The stage part of the issuance gate (Circular 02/2024/TT-BKHCN): *yes = 1
 * when the product, or batch_id (0: not issued yet), has at least one
 * standing production stage (stamp_stage_info.production), else 0.
 */
int stamp_event_has_production(stamp_txn *t, const char *product_id, uint32_t batch_id,
			       int *yes) STAMP_WUR;

#endif
