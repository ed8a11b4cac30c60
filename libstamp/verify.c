/*
 * verify.c - the verdict on a scanned code.
 *
 * One function decides for both the officers' offline check and the public
 * daemon, so the two can never disagree, and one table (about[]) names the
 * verdicts and their exit codes and HTTP statuses for every front end. The signature is verified on
 * every call (Ed25519), except on the daemon's fast path (STAMP_VERIFY_TRUST_STORED, see verify.h),
 * where a code that is byte-equal to what the store recorded at issuance is accepted without
 * recomputing.
 */
#include <sodium.h>
#include <string.h>

#include "internal.h"
#include "stamp/verify.h"

static const stamp_verdict_info about[STAMP_V_COUNT] = {
	[STAMP_V_GENUINE] = {"genuine", "GENUINE", "", STAMP_V_GENUINE, 1, 0, 200},
	[STAMP_V_SUSPICIOUS] =
		{"suspicious", "SUSPICIOUS",
		 ": genuine signature, but scanned by more phones than a stamp should be",
		 STAMP_V_SUSPICIOUS, 1, 1, 200},
	[STAMP_V_REVOKED] = {"revoked", "REVOKED",
			     ": genuine signature, but this stamp was withdrawn", STAMP_V_REVOKED,
			     1, 1, 200},
	[STAMP_V_UNKNOWN] = {"unknown", "UNKNOWN",
			     ": the signature is valid but this serial is not in the store",
			     STAMP_V_UNKNOWN, 1, 1, 200},
	[STAMP_V_FORGED] = {"forged", "FORGED", ": the signature does not match", STAMP_V_FORGED, 0,
			    1, 200},
	[STAMP_V_UNKNOWN_KEY] = {"unknown-key", "UNKNOWN KEY",
				 ": no registered key has this key id", STAMP_V_FORGED, 0, 1, 200},
	[STAMP_V_FOREIGN_HOST] = {"foreign-host", "FOREIGN HOST",
				  ": genuine signature, but the code names another host than its "
				  "batch's",
				  STAMP_V_FORGED, 1, 1, 200},
	[STAMP_V_MALFORMED] = {"malformed", "MALFORMED", ": not an ocopstamp code",
			       STAMP_V_MALFORMED, 0, 1, 400},
};

const stamp_verdict_info *stamp_verdict_about(stamp_verdict v)
{
	return &about[(unsigned)v < STAMP_V_COUNT ? v : STAMP_V_MALFORMED];
}

const char *stamp_verdict_name(stamp_verdict v)
{
	return stamp_verdict_about(v)->name;
}

/* The public key a code names: key files first, then the store. */
static int find_key(stamp_txn *t, const stamp_pubkey *keys, size_t nkeys,
		    const uint8_t id[STAMP_KEYID_BYTES], uint8_t pk[STAMP_PK_BYTES])
{
	for (size_t i = 0; i < nkeys; i++) {
		if (memcmp(keys[i].id, id, STAMP_KEYID_BYTES) == 0) {
			memcpy(pk, keys[i].pk, STAMP_PK_BYTES);
			return 0;
		}
	}
	if (!t)
		return STAMP_ENOTFOUND;
	stamp_keyrec k;
	int rc = stamp_store_get_key(t, id, &k);
	if (rc == 0)
		memcpy(pk, k.pk, STAMP_PK_BYTES);
	return rc;
}

/* Stamp -> batch -> product -> cooperative. ENOTFOUND only for the stamp. */
static int look_up(stamp_txn *t, unsigned flags, stamp_check *out)
{
	int rc = stamp_store_get_stamp(t, out->code.serial, &out->stamp);
	if (rc)
		return rc;
	if ((rc = stamp_store_get_batch(t, out->stamp.batch_id, &out->batch)) == 0 &&
	    !(flags & STAMP_VERIFY_SKIP_DETAILS)) {
		if ((rc = stamp_store_get_product(t, out->batch.product_id, &out->product)) == 0)
			rc = stamp_store_get_coop(t, out->product.coop_id, &out->coop);
	}
	return rc == STAMP_ENOTFOUND ? STAMP_ECORRUPT : rc;
}

/* The code is exactly what the store recorded for its serial. */
static int stored_equal(const stamp_check *k)
{
	return memcmp(k->code.key_id, k->batch.key_id, STAMP_KEYID_BYTES) == 0 &&
	       sodium_memcmp(k->code.sig, k->stamp.sig, STAMP_SIG_BYTES) == 0;
}

/* A stamp of the store, its code checked: genuine unless revoked. */
static int settle(stamp_txn *t, stamp_check *k)
{
	k->in_store = 1;
	k->verdict = k->stamp.status == STAMP_STAMP_REVOKED ? STAMP_V_REVOKED : STAMP_V_GENUINE;
	int rc = stamp_revocation_find(t, k->code.serial, &k->batch, &k->revocation);
	if (rc == STAMP_ENOTFOUND)
		return 0;
	if (rc == 0) {
		k->revoked = 1;
		k->verdict = STAMP_V_REVOKED;
	}
	return rc;
}

int stamp_verify_code(stamp_txn *t, const stamp_pubkey *keys, size_t nkeys, const stamp_code *c,
		      unsigned flags, stamp_check *out)
{
	uint8_t pk[STAMP_PK_BYTES];
	int rc, found = 0;

	out->code = *c;
	out->in_store = 0;
	out->revoked = 0;
	if (t && (flags & STAMP_VERIFY_TRUST_STORED)) {
		rc = look_up(t, flags, out);
		if (rc && rc != STAMP_ENOTFOUND)
			return rc;
		found = rc == 0;
		if (found && stored_equal(out))
			return settle(t, out);
	}
	rc = find_key(t, keys, nkeys, c->key_id, pk);
	if (rc == STAMP_ENOTFOUND) {
		out->verdict = STAMP_V_UNKNOWN_KEY;
		return 0;
	}
	if (rc)
		return rc;
	if (stamp_code_verify(c, pk) != 0) {
		out->verdict = STAMP_V_FORGED;
		return 0;
	}
	if (!t) {
		out->verdict = STAMP_V_GENUINE;
		return 0;
	}
	if (!found) {
		rc = look_up(t, flags, out);
		if (rc == STAMP_ENOTFOUND) {
			out->verdict = STAMP_V_UNKNOWN;
			return 0;
		}
		if (rc)
			return rc;
	}
	/*
	 * A valid signature by another registered key for a serial that was
	 * issued under a different key: not the stamp that was issued.
	 */
	if (memcmp(c->key_id, out->batch.key_id, STAMP_KEYID_BYTES) != 0) {
		out->verdict = STAMP_V_FORGED;
		return 0;
	}
	return settle(t, out);
}

int stamp_same_host(const char *host, const char *base)
{
	const char *h = strstr(base, "://");
	return h && strcmp(h + 3, host) == 0;
}

int stamp_verify_text(stamp_txn *t, const stamp_pubkey *keys, size_t nkeys, const char *text,
		      size_t len, stamp_check *out)
{
	stamp_code c;

	memset(out, 0, sizeof *out);
	if (stamp_code_parse(text, len, &c, out->host) != 0) {
		out->verdict = STAMP_V_MALFORMED;
		return 0;
	}
	int rc = stamp_verify_code(t, keys, nkeys, &c, 0, out);
	if (rc == 0 && out->verdict == STAMP_V_GENUINE && out->in_store && out->host[0] &&
	    !stamp_same_host(out->host, out->batch.base_url))
		out->verdict = STAMP_V_FOREIGN_HOST;
	return rc;
}
