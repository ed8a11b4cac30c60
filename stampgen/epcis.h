/*
 * epcis.h - stampgen's EPCIS 2.0 export (epcis.c says what goes in it).
 */
#ifndef STAMPGEN_EPCIS_H
#define STAMPGEN_EPCIS_H

#include <stdio.h>

#include "stamp/stamp.h"

/* A batch of more stamps is exported as a class-level quantity only. */
#define EPCIS_INSTANCES_MAX 10000

typedef struct epcis_opts {
	uint32_t batch_id; /* this batch only; 0: every batch issued on or after since */
	uint32_t since;	   /* date (YYYYMMDD, Vietnam); 0: all */
	int64_t now;	   /* the document's creation time */
	char base_url[STAMP_BASEURL_MAX + 1]; /* the ocop: namespace's origin */
} epcis_opts;

/* The document into f; *events is how many. 0, or an error with diag. */
int epcis_export(stamp_txn *t, const epcis_opts *o, FILE *f, size_t *events, stamp_diag *diag);

#endif
