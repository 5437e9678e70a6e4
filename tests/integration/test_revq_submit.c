/* SPDX-License-Identifier: MIT */
/*
 * test_revq_submit.c - submitting and promoting revocations, and
 * reinstate (daemon/revoke/revq_submit.c), against the rig's Redis.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "test_revq.h"

/* ------------------------------------------------- submit and promote */

static bool
revoked_in_delta(struct cw_store *st, long long from, const char *uid)
{
	char err[256];
	size_t skipped;
	bool gap, found;
	struct cw_delta *d = cw_store_delta_since(st, from, &gap, &skipped,
	    err, sizeof(err));

	if (d == NULL)
		return false;
	found = d->has_revoked && cw_strmap_get(&d->revoked, uid) != NULL;
	cw_delta_free(d);
	return found;
}

/*
 * test_submit's end: the three it queued are claimed and completed (f,
 * the promoted leaver, among them), after which nothing is left.
 */
static void
claim_the_three(struct cw_store *st, int64_t now, struct cw_revocation *f)
{
	struct cw_revocation got[4];
	struct cw_revq_claim_opts o = { "t1", 4, 60000, false, 0 };
	char err[256];
	int n, i;

	n = cw_revq_claim(st, &o, now, got, err, sizeof(err));
	CHECK(n == 3, "claim returns the three queued (%d: %s)", n, err);
	for (i = 0; i < n; i++) {
		CHECK(got[i].delivered == 1 && got[i].sid[0] != '\0' &&
		    got[i].state == CW_REVQ_QUEUED, "claimed %s (%s) once",
		    got[i].id, got[i].uid);
		cw_revq_step_done(st, got[i].id, "lock_ldap", NULL, now, err,
		    sizeof(err));
		CHECK(cw_revq_complete(st, got[i].sid, got[i].id, now + 10,
		    err, sizeof(err)) == 1, "completed %s", got[i].id);
		CHECK(cw_revq_complete(st, got[i].sid, got[i].id, now + 11,
		    err, sizeof(err)) == 0, "completing again is a no-op");
	}
	CHECK(cw_revq_get(st, f->id, f, err, sizeof(err)) == 1 &&
	    f->state == CW_REVQ_DONE && f->completed_at == now + 10 &&
	    cw_revq_step_is_done(f, "lock_ldap"),
	    "the record says done, when, and which step");
	CHECK(rcount(st, "XLEN", "revq", NULL) == 0 &&
	    rcount(st, "XPENDING", "revq", CW_REVQ_GROUP, NULL) == 0 &&
	    rcount(st, "ZCARD", "rev:open", NULL) == 0,
	    "stream, pending list and open set are empty");
	CHECK(cw_revq_claim(st, &o, now, got, err, sizeof(err)) == 0,
	    "nothing more to claim");
}

void
test_submit(void)
{
	struct cw_store st;
	struct cw_revocation r, f, e;
	enum cw_revq_state state;
	char err[256];
	long long gen0, gen1;
	int64_t now = time(NULL);

	printf("# submit, now and in the future\n");
	store_open(&st, "s:");
	cw_store_generation(&st, &gen0, err, sizeof(err));
	r = make_rev("mallory", CW_REV_REVOKE, now, now);
	CHECK(cw_revq_submit(&st, &r, now, &state, err, sizeof(err)) == 1 &&
	    state == CW_REVQ_QUEUED, "immediate revocation queued (%s)", err);
	CHECK(strncmp(r.id, "r", 1) == 0 && cw_revq_id_valid(r.id),
	    "an id was generated: %s", r.id);
	CHECK(rcount(&st, "SISMEMBER", "revoked", "mallory", NULL) == 1,
	    "the user is in the revoked set at once");
	cw_store_generation(&st, &gen1, err, sizeof(err));
	CHECK(gen1 == gen0 + 1, "the generation was bumped");
	CHECK(revoked_in_delta(&st, gen0, "mallory"),
	    "the daemon's delta reader sees the revocation (no gap)");
	CHECK(cw_revq_submit(&st, &r, now + 5, &state, err, sizeof(err)) ==
	    0 && state == CW_REVQ_QUEUED, "resubmitting the same id: no-op");
	cw_store_generation(&st, &gen0, err, sizeof(err));
	CHECK(gen0 == gen1 && rcount(&st, "XLEN", "revq", NULL) == 1,
	    "no second queue entry, no second bump");

	f = make_rev("carol", CW_REV_LEAVER, now, now + 3600);
	CHECK(cw_revq_submit(&st, &f, now, &state, err, sizeof(err)) == 1 &&
	    state == CW_REVQ_SCHEDULED, "future leaver scheduled");
	CHECK(rcount(&st, "SISMEMBER", "revoked", "carol", NULL) == 0 &&
	    rcount(&st, "ZCARD", "revsched", NULL) == 1,
	    "not revoked before the effective time");
	CHECK(cw_revq_promote_due(&st, now + 3599, 100, err, sizeof(err)) ==
	    0 && rcount(&st, "XLEN", "revq", NULL) == 1,
	    "promote one second early: nothing moves");
	CHECK(cw_revq_promote_due(&st, now + 3600, 100, err, sizeof(err)) ==
	    1, "promote at the effective time: it moves");
	CHECK(rcount(&st, "SISMEMBER", "revoked", "carol", NULL) == 1 &&
	    rcount(&st, "XLEN", "revq", NULL) == 2 &&
	    rcount(&st, "ZCARD", "revsched", NULL) == 0,
	    "now revoked and queued");
	CHECK(cw_revq_promote_due(&st, now + 7200, 100, err, sizeof(err)) ==
	    0 && rcount(&st, "XLEN", "revq", NULL) == 2,
	    "promoting again moves nothing twice");

	e = make_rev("oscar", CW_REV_ELEVATION_EXPIRED, now, now);
	snprintf(e.role, sizeof(e.role), "ops-admin");
	CHECK(cw_revq_submit(&st, &e, now, &state, err, sizeof(err)) == 1 &&
	    rcount(&st, "SISMEMBER", "revoked", "oscar", NULL) == 0,
	    "an expired elevation is queued without denying the person");

	r = make_rev("bad user", CW_REV_REVOKE, now, now);
	CHECK(cw_revq_submit(&st, &r, now, NULL, err, sizeof(err)) == -1,
	    "an invalid user name is refused: %s", err);
	r = make_rev("alice", CW_REV_REVOKE, now, now);
	snprintf(r.reason, sizeof(r.reason), "two\nlines");
	CHECK(cw_revq_submit(&st, &r, now, NULL, err, sizeof(err)) == -1,
	    "a reason with a newline is refused");

	claim_the_three(&st, now, &f);
	store_close(&st);
}

/* ------------------------------------------------ reinstate, dead letter */

void
test_reinstate(void)
{
	struct cw_store st;
	struct cw_revocation a, b, got[2];
	struct cw_revq_claim_opts o = { "t2", 2, 60000, false, 0 };
	char err[256];
	bool was;
	long long gen0, gen1;
	int64_t now = time(NULL);

	printf("# reinstate\n");
	store_open(&st, "ri:");
	a = make_rev("dave", CW_REV_REVOKE, now, now);
	b = make_rev("dave", CW_REV_LEAVER, now, now + 7200);
	cw_revq_submit(&st, &a, now, NULL, err, sizeof(err));
	cw_revq_submit(&st, &b, now, NULL, err, sizeof(err));
	cw_store_generation(&st, &gen0, err, sizeof(err));
	CHECK(cw_revq_reinstate(&st, "dave", "anna", "wrong person", now + 5,
	    &was, err, sizeof(err)) == 2 && was,
	    "reinstate cancels both revocations of the user");
	cw_store_generation(&st, &gen1, err, sizeof(err));
	CHECK(rcount(&st, "SISMEMBER", "revoked", "dave", NULL) == 0 &&
	    gen1 == gen0 + 1, "no longer revoked; generation bumped");
	CHECK(cw_revq_get(&st, a.id, &a, err, sizeof(err)) == 1 &&
	    a.state == CW_REVQ_CANCELLED && strcmp(a.cancelled_by, "anna") ==
	    0 && strcmp(a.cancel_reason, "wrong person") == 0 &&
	    a.cancelled_at == now + 5, "the record says who, why and when");
	CHECK(rcount(&st, "XLEN", "revq", NULL) == 0 &&
	    rcount(&st, "ZCARD", "revsched", NULL) == 0 &&
	    cw_revq_claim(&st, &o, now, got, err, sizeof(err)) == 0,
	    "nothing left to work on");
	CHECK(cw_revq_promote_due(&st, now + 7200, 10, err, sizeof(err)) == 0 &&
	    rcount(&st, "SISMEMBER", "revoked", "dave", NULL) == 0,
	    "the cancelled future leaver never takes effect");
	CHECK(cw_revq_reinstate(&st, "dave", "anna", "again", now + 6, &was,
	    err, sizeof(err)) == 0 && !was,
	    "reinstating again changes nothing");
	store_close(&st);
}
