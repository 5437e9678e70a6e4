/* SPDX-License-Identifier: MIT */
/*
 * test_revq_report.c - reading the queue (daemon/revoke/revq_report.c):
 * the month report, the deadline watch, paging with cursors, and one open
 * revocation per user and kind.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "test_revq.h"

/* ---------------------------------------------------- report, watch */

struct report {
	int rows, met, missed, pending;
	int64_t now;
};

static void
report_row(const struct cw_revocation *r, void *arg)
{
	struct report *rep = arg;
	const char *o = cw_revq_outcome(r, rep->now);

	printf("#   %s %s requested %lld deadline %lld completed %lld "
	    "elapsed %lld %s steps %zu\n", r->id, r->uid,
	    (long long)r->requested_at, (long long)r->deadline,
	    (long long)r->completed_at, r->completed_at ?
	    (long long)(r->completed_at - r->requested_at) : -1LL, o,
	    r->nsteps);
	rep->rows++;
	rep->met += strcmp(o, "met") == 0;
	rep->missed += strcmp(o, "missed") == 0;
	rep->pending += strcmp(o, "pending") == 0;
}

void
test_report(void)
{
	/* Tuesday 3 March 2026, 10:00 UTC (GMT): deadline Wed 10:00. */
	const int64_t t0 = 1772532000;
	struct cw_store st;
	struct cw_revocation r[3], got[3];
	struct cw_revq_claim_opts o = { "t4", 3, 60000, false, 0 };
	struct report rep = { 0, 0, 0, 0, t0 + 3600 };
	struct cw_revq_list l;
	char err[256];
	int i, n;

	printf("# report and deadline watch\n");
	store_open(&st, "rp:");
	for (i = 0; i < 3; i++) {
		char uid[16];

		snprintf(uid, sizeof(uid), "user%d", i);
		r[i] = make_rev(uid, CW_REV_LEAVER, t0 + i, t0 + i);
		r[i].deadline = t0 + i + 86400;
		cw_revq_submit(&st, &r[i], t0 + i, NULL, err, sizeof(err));
	}
	n = cw_revq_claim(&st, &o, t0, got, err, sizeof(err));
	CHECK(n == 3, "three claimed");
	for (i = 0; i < n && i < 2; i++) {
		cw_revq_step_done(&st, got[i].id, "lock_ldap", NULL, t0 + 60,
		    err, sizeof(err));
		/* one in 60 s, one two days late */
		cw_revq_complete(&st, got[i].sid, got[i].id, i == 0 ?
		    t0 + 60 : t0 + 2 * 86400, err, sizeof(err));
	}
	CHECK(cw_revq_month(&st, "2026-03", report_row, &rep, err,
	    sizeof(err)) == 0 && rep.rows == 3,
	    "the March report lists all three (%d)", rep.rows);
	CHECK(rep.met == 1 && rep.missed == 1 && rep.pending == 1,
	    "one met, one missed, one pending");
	rep.rows = 0;
	CHECK(cw_revq_month(&st, "2026-04", report_row, &rep, err,
	    sizeof(err)) == 0 && rep.rows == 0, "April has none");
	CHECK(cw_revq_month(&st, "2026-13", report_row, &rep, err,
	    sizeof(err)) == -1, "a bad month is refused");

	CHECK(cw_revq_pending(&st, &l, err, sizeof(err)) == 0 && l.count == 1,
	    "one pending");
	if (l.count == 1) {
		struct cw_revocation *p = &l.items[0];

		CHECK(cw_revq_classify(p, t0 + 3600, 0.5) == CW_REVQ_ON_TIME &&
		    cw_revq_classify(p, t0 + 43202, 0.5) == CW_REVQ_WARNING &&
		    cw_revq_classify(p, t0 + 86402, 0.5) == CW_REVQ_MISSED &&
		    cw_revq_classify(p, t0 + 21602, 0.25) == CW_REVQ_WARNING,
		    "on time, warning past half the window, missed after");
		CHECK(cw_revq_time_left(p, t0 + 3602) == 86400 - 3600,
		    "time left counts down to the deadline");
	}
	cw_revq_list_free(&l);
	store_close(&st);
}

/* ----------------------------------------- paging, one open per user */

/* Pages through an index with cursors: how many rows, in order, once. */
static int
page_all(struct cw_store *st, const char *month, size_t max,
    const char *drop_after_first, char *err, size_t errlen)
{
	char after[CW_REVQ_CURSOR_MAX + 1] = "", last[CW_REVQ_ID_MAX + 1] = "";
	int64_t last_score = -1;
	struct cw_revq_page p;
	int rows = 0, pages = 0, bad = 0;
	size_t i;

	do {
		if ((month != NULL ? cw_revq_page_month(st, month, after, max, &p,
		    err, errlen) : cw_revq_page_open(st, after, max, &p, err,
		    errlen)) < 0)
			return -1;
		for (i = 0; i < p.count; i++) {
			const struct cw_revq_page_item *it = &p.items[i];

			/* (score, id) strictly increasing: no repeats, in order */
			if (it->score < last_score || (it->score == last_score &&
			    strcmp(it->id, last) <= 0))
				bad++;
			last_score = it->score;
			snprintf(last, sizeof(last), "%s", it->id);
			rows += it->found;
		}
		if (p.count > 0)
			cw_revq_cursor(p.items[p.count - 1].score,
			    p.items[p.count - 1].id, after, sizeof(after));
		if (pages++ == 0 && drop_after_first != NULL && p.count > 0)
			/* the cursor's own member leaves the index meanwhile */
			(void)rcount(st, "ZREM", drop_after_first,
			    p.items[p.count - 1].id, NULL);
		if (p.last)
			after[0] = '\0';
		cw_revq_page_free(&p);
	} while (after[0] != '\0' && pages < 10000);
	return bad > 0 ? -2 : rows;
}

void
test_paging(void)
{
	struct cw_store st;
	struct cw_revocation r, again;
	enum cw_revq_state state;
	char err[256], uid[32], month[8], mkey[40];
	int64_t now = time(NULL);
	int i, n;

	printf("# paging and one open revocation per user and kind\n");
	store_open(&st, "pg:");
	for (i = 0; i < 300; i++) {
		snprintf(uid, sizeof(uid), "pg%03d", i);
		/* equal deadlines for most: ties are ordered by id */
		r = make_rev(uid, CW_REV_REVOKE, now, now);
		r.deadline = now + 86400 + (i % 3);
		if (cw_revq_submit(&st, &r, now, &state, err, sizeof(err)) != 1)
			break;
	}
	CHECK(i == 300, "300 revocations filed (%s)", err);
	again = make_rev("pg007", CW_REV_REVOKE, now, now);
	CHECK(cw_revq_submit(&st, &again, now, &state, err, sizeof(err)) == 0 &&
	    strcmp(again.reason, "test: pg007") == 0 && again.id[0] != '\0',
	    "a second revoke of pg007 returns the open one (%s)", again.id);
	again = make_rev("pg007", CW_REV_LEAVER, now, now);
	CHECK(cw_revq_submit(&st, &again, now, &state, err, sizeof(err)) == 1,
	    "a leaver of pg007 is another kind: filed");
	CHECK(rcount(&st, "ZCARD", "rev:open", NULL) == 301,
	    "301 open revocations");
	n = page_all(&st, NULL, 7, NULL, err, sizeof(err));
	CHECK(n == 301, "queue pages of 7: every row once, in order (%d)", n);
	/* Its row came on the first page; none after it may be lost or
	 * repeated (page_all checks the order). */
	n = page_all(&st, NULL, 50, "rev:open", err, sizeof(err));
	CHECK(n == 301, "the cursor's member left the index: the next page "
	    "resumes right after its place (%d)", n);
	CHECK(cw_revq_month_of(now, month) == 0, "this month");
	snprintf(mkey, sizeof(mkey), "rev:monthz:%s", month);
	(void)rcount(&st, "DEL", mkey, NULL);
	n = page_all(&st, month, 64, NULL, err, sizeof(err));
	CHECK(n == 301, "month pages, the ordered index rebuilt from the set "
	    "(%d)", n);
	CHECK(cw_revq_mark_audited(&st, again.id, now, err, sizeof(err)) == 1 &&
	    cw_revq_mark_audited(&st, again.id, now, err, sizeof(err)) == 0 &&
	    cw_revq_mark_audited(&st, "no-such", now, err, sizeof(err)) < 0 &&
	    rcount(&st, "EXISTS", "rev:no-such", NULL) == 0,
	    "requested audit marked once; a missing id is refused, not made");
	store_close(&st);
}
