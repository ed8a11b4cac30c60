/*
 * fixture.h - a temporary store holding one cooperative, one product and a
 * registered key made from a fixed seed; shared by the tests of issuance and
 * verification.
 */
#ifndef STAMP_TEST_FIXTURE_H
#define STAMP_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stamp/stamp.h"

typedef struct fixture {
	char dir[64];
	stamp_store *st;
	stamp_keypair *kp;
} fixture;

static inline void fixture_seed(uint8_t seed[32], uint8_t first)
{
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(first + i);
}

/* 0 on success; the fixture's store holds coop HTX-1, product NM-01, the key. */
static inline int fixture_open(fixture *f)
{
	uint8_t seed[32];
	stamp_coop c = {0};
	stamp_product p = {0};
	stamp_keyrec k = {0};
	stamp_txn *t;
	int rc;

	memset(f, 0, sizeof *f);
	strcpy(f->dir, "/tmp/ocopstamp-test.XXXXXX");
	if (!mkdtemp(f->dir) || stamp_init() != 0)
		return -1;
	strcat(f->dir, "/store");
	fixture_seed(seed, 0);
	if ((rc = stamp_key_from_seed(seed, &f->kp)) ||
	    (rc = stamp_store_open(f->dir, STAMP_STORE_CREATE, &f->st, NULL)))
		return rc;
	strcpy(c.id, "HTX-1");
	strcpy(c.name, "HTX Nước mắm Hoằng Hóa");
	strcpy(c.commune, "Hoằng Phụ");
	strcpy(c.district, "Hoằng Hóa");
	strcpy(c.province, "Thanh Hóa");
	strcpy(c.address, "Thôn Trung, xã Hoằng Phụ");
	strcpy(p.id, "NM-01");
	strcpy(p.coop_id, "HTX-1");
	strcpy(p.name, "Nước mắm cốt cá cơm");
	strcpy(p.short_name, "Nước mắm cốt");
	strcpy(p.group, "Thực phẩm");
	p.stars = 4;
	strcpy(p.ocop_decision, "1234/QĐ-UBND");
	p.ocop_date = 20240110;
	p.cert_valid_until = 20270110;
	p.shelf_life_days = 730;
	memcpy(k.id, stamp_key_public(f->kp)->id, STAMP_KEYID_BYTES);
	memcpy(k.pk, stamp_key_public(f->kp)->pk, STAMP_PK_BYTES);
	if ((rc = stamp_txn_begin(f->st, 1, &t)))
		return rc;
	if ((rc = stamp_store_put_coop(t, &c, 0)) || (rc = stamp_store_put_product(t, &p, 0)) ||
	    (rc = stamp_store_put_key(t, &k, 0))) {
		stamp_txn_abort(t);
		return rc;
	}
	return stamp_txn_commit(t, NULL);
}

static inline void fixture_close(fixture *f)
{
	char cmd[128];
	stamp_store_close(f->st);
	stamp_key_free(f->kp);
	f->dir[strlen(f->dir) - strlen("/store")] = '\0';
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", f->dir);
}

/* cmocka setup/teardown giving each test a fresh fixture in *state. */
static inline int fixture_setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	if (!f || fixture_open(f) != 0) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static inline int fixture_teardown(void **state)
{
	fixture_close(*state);
	free(*state);
	return 0;
}

static inline stamp_issue_req fixture_req(const char *lot, uint32_t count)
{
	stamp_issue_req r = {0};
	r.product_id = "NM-01";
	r.lot = lot;
	r.produced = 20261101;
	r.count = count;
	r.base_url = "https://tem.thanhhoa.gov.vn";
	r.now = 1795000000; /* 2026-11-18 */
	return r;
}

#endif
