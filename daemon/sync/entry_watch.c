/* SPDX-License-Identifier: MIT */
/*
 * entry_watch.c - see entry_watch.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sync/entry_watch.h"
#include "lib/log.h"
#include "revoke/revocation_queue.h"
#include "revoke/revocation_audit.h"

void
cw_watch_init(struct cw_entry_watch *w, struct cw_store *store,
    const struct cw_calendar *calendar, bool revoke_leavers)
{
	memset(w, 0, sizeof(*w));
	w->store = store;
	w->calendar = calendar;
	w->revoke_leavers = revoke_leavers;
	cw_strmap_init(&w->invalid);
	cw_strmap_init(&w->leaving);
	cw_strmap_init(&w->recorded);
	cw_strmap_init(&w->pending);
}

void
cw_watch_set_stopping(struct cw_entry_watch *w, bool (*stopping)(void *),
    void *arg)
{
	w->stopping = stopping;
	w->stopping_arg = arg;
}

void
cw_watch_free(struct cw_entry_watch *w)
{
	cw_strmap_clear(&w->invalid, free);
	cw_strmap_clear(&w->leaving, free);
	cw_strmap_clear(&w->recorded, NULL);
	cw_strmap_clear(&w->pending, free);
}

void
cw_watch_forget(struct cw_entry_watch *w)
{
	cw_strmap_clear(&w->recorded, NULL);
}

static const char *
invalid_why(const struct cw_db_entry *e)
{
	switch (e->kind) {
	case CW_KIND_STAFF:
		return e->rec.staff.invalid ? e->rec.staff.invalid_why : NULL;
	case CW_KIND_HOST_CLASS:
		return e->rec.host_class.invalid ?
		    e->rec.host_class.invalid_why : NULL;
	default:
		return e->rec.role.invalid ? e->rec.role.invalid_why : NULL;
	}
}

/* Logs an invalid entry unless this very reason was logged already. */
static void
note_invalid(struct cw_entry_watch *w, const struct cw_db_entry *e)
{
	const char *why = invalid_why(e), *last;
	char *copy;
	void *old;

	last = cw_strmap_get(&w->invalid, e->uuid);
	if (why == NULL) {
		free(cw_strmap_remove(&w->invalid, e->uuid));
		return;
	}
	if (last != NULL && strcmp(last, why) == 0)
		return;
	cw_warn("ldap: %s: %s; denied as record_invalid", e->dn, why);
	if ((copy = strdup(why)) != NULL &&
	    cw_strmap_put(&w->invalid, e->uuid, copy, &old) == 0)
		free(old);
	else
		free(copy);
}

/*
 * Hands a leaver to the revocation queue.  The id is derived from the
 * person and the day their leaving took effect, so that every syncing
 * daemon of a fleet that sees the same leaver submits the same revocation
 * (the queue is idempotent by id), and a restart does not file it twice.
 */
static int
submit_leaver(struct cw_entry_watch *w, const char *uid, const char *reason,
    int64_t effective, int64_t now, char *err, size_t errlen)
{
	struct cw_revocation r;
	enum cw_revq_state state;
	char day[16];
	struct tm tm;
	time_t t = (time_t)effective;
	size_t i;
	int rc;

	memset(&r, 0, sizeof(r));
	gmtime_r(&t, &tm);
	strftime(day, sizeof(day), "%Y%m%d", &tm);
	snprintf(r.id, sizeof(r.id), "sync-%s-%s", uid, day);
	for (i = 0; r.id[i] != '\0'; i++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789._:-", r.id[i]) == NULL)
			r.id[i] = '_';
	snprintf(r.uid, sizeof(r.uid), "%s", uid);
	r.kind = CW_REV_SYNC_LEAVER;
	snprintf(r.reason, sizeof(r.reason), "%s", reason);
	snprintf(r.actor, sizeof(r.actor), "clearwayd");
	/*
	 * It takes effect now: a leaving date noticed late (the daemon was
	 * down) cannot be revoked in the past.  The deadline runs from now,
	 * and the reason keeps the leaving date.
	 */
	r.requested_at = now;
	r.effective_at = now;
	r.deadline = cw_revocation_deadline(w->calendar, now);
	if ((rc = cw_revq_submit(w->store, &r, now, &state, err, errlen)) < 0)
		return -1;
	/* Its revocation_requested record, once per revocation. */
	cw_revocation_audit_requested(w->store, &r, now);
	return rc;
}

static void
record_leaver(struct cw_entry_watch *w, const char *uid, const char *dn,
    const char *reason, int64_t at)
{
	int64_t now = (int64_t)time(NULL);
	char err[256];
	void *old;
	int rc;

	if (cw_strmap_get(&w->recorded, uid) != NULL ||
	    (w->stopping != NULL && w->stopping(w->stopping_arg)))
		return;
	rc = cw_store_record_leaver(w->store, uid, dn, reason, at, err,
	    sizeof(err));
	if (rc >= 0 && w->revoke_leavers)
		rc = submit_leaver(w, uid, reason, at, now, err, sizeof(err));
	if (rc < 0) {
		cw_warn("leaver %s: cannot record the event: %s (will retry)",
		    uid, err);
		return;
	}
	if (rc == 1)
		cw_notice("leaver %s (%s): %s; %s", uid, dn, reason,
		    w->revoke_leavers ? "revocation queued" :
		    "recorded (revoke_leavers = no)");
	(void)cw_strmap_put(&w->recorded, uid, (void *)1, &old);
}

/* A leaver noticed in a delta, filed by the next cw_watch_tick. */
struct pending_leaver {
	int64_t at;
	char reason[96];
	char dn[];
};

/* Notes a leaver to file at the tick (memory only: no Redis here). */
static void
defer_leaver(struct cw_entry_watch *w, const char *uid, const char *dn,
    const char *reason, int64_t at)
{
	struct pending_leaver *p;
	size_t dnlen = strlen(dn) + 1;
	void *old;

	if (cw_strmap_get(&w->recorded, uid) != NULL)
		return;
	if ((p = malloc(sizeof(*p) + dnlen)) == NULL) {
		/* No memory for the note: file it now, as before. */
		record_leaver(w, uid, dn, reason, at);
		return;
	}
	p->at = at;
	snprintf(p->reason, sizeof(p->reason), "%s", reason);
	memcpy(p->dn, dn, dnlen);
	if (cw_strmap_put(&w->pending, uid, p, &old) < 0)
		free(p);
	else
		free(old);
}

/*
 * A directory lock for good (pwdAccountLockedTime 000001010000Z, what the
 * revocation step sets) on someone not denied as revoked: a revocation
 * that Redis forgot, or one made in the directory alone.  Filed unless a
 * reinstate lifted the revocation and left the lock to the directory's
 * admin (revocation_queue.h).
 */
static bool
locked_unrevoked(struct cw_entry_watch *w, const struct cw_db_entry *e,
    const struct cw_strmap *revoked)
{
	struct cw_reinstate_mark mark;
	const char *uid = e->rec.staff.uid;
	char err[256];

	if (!e->locked || revoked == NULL || cw_strmap_get(revoked, uid) != NULL ||
	    cw_strmap_get(&w->recorded, uid) != NULL)
		return false;
	if (cw_store_reinstated(w->store, &uid, 1, &mark, err,
	    sizeof(err)) < 0) {
		cw_warn("ldap lock of %s: cannot read reinstates: %s (will "
		    "retry)", uid, err);
		return false;
	}
	return mark.epoch[0] == '\0';
}

/* A staff entry: a leaver now, or one to watch until the date passes. */
static void
note_staff(struct cw_entry_watch *w, const struct cw_db_entry *e,
    const struct cw_strmap *revoked, int64_t now)
{
	const struct cw_staff *s = &e->rec.staff;
	int64_t *at;
	void *old;

	free(cw_strmap_remove(&w->leaving, s->uid));
	free(cw_strmap_remove(&w->pending, s->uid));
	if (s->invalid)
		return;
	if (locked_unrevoked(w, e, revoked)) {
		defer_leaver(w, s->uid, e->dn, "pwdAccountLockedTime: the "
		    "account is locked for good in the directory", now);
		return;
	}
	if (s->employment == CW_EMPLOYMENT_LEAVER) {
		defer_leaver(w, s->uid, e->dn, "cwEmploymentStatus is leaver",
		    now);
		return;
	}
	if (!s->leaving.present)
		return;
	if (s->leaving.at <= now) {
		defer_leaver(w, s->uid, e->dn, "cwLeavingDate has passed",
		    s->leaving.at);
		return;
	}
	if ((at = malloc(sizeof(*at))) == NULL)
		return;
	*at = s->leaving.at;
	if (cw_strmap_put(&w->leaving, s->uid, at, &old) < 0)
		free(at);
	else
		free(old);
}

static void
note_entry(struct cw_entry_watch *w, const struct cw_db_entry *e,
    const struct cw_strmap *revoked, int64_t now)
{
	note_invalid(w, e);
	if (e->kind == CW_KIND_STAFF)
		note_staff(w, e, revoked, now);
}

struct walk {
	struct cw_entry_watch *w;
	const struct cw_strmap *revoked;
	int64_t now;
};

static void
walk_entry(const struct cw_db_entry *e, void *arg)
{
	struct walk *k = arg;

	note_entry(k->w, e, k->revoked, k->now);
}

void
cw_watch_delta(struct cw_entry_watch *w, const struct cw_delta *d,
    int64_t now)
{
	struct walk k = { w, d->has_revoked ? &d->revoked : NULL, now };
	size_t i;

	if (d->replace != NULL)
		cw_db_foreach_entry(d->replace, walk_entry, &k);
	for (i = 0; i < d->nchanges; i++) {
		if (d->changes[i].entry != NULL)
			note_entry(w, d->changes[i].entry, k.revoked, now);
		else
			free(cw_strmap_remove(&w->invalid, d->changes[i].uuid));
	}
}

struct due {
	int64_t now;
	char **uids;
	size_t n, cap;
};

static void
collect_due(const char *uid, void *value, void *arg)
{
	struct due *d = arg;
	char **p;

	if (*(int64_t *)value > d->now)
		return;
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		if ((p = reallocarray(d->uids, d->cap, sizeof(*p))) == NULL)
			return;
		d->uids = p;
	}
	if ((d->uids[d->n] = strdup(uid)) != NULL)
		d->n++;
}

static void
collect_pending(const char *uid, void *value, void *arg)
{
	struct due *d = arg;

	(void)value;
	collect_due(uid, &d->now, d);   /* every pending one is due */
}

/* Files the leavers noted by cw_watch_delta (the Redis writes). */
static void
file_pending(struct cw_entry_watch *w, int64_t now)
{
	struct due d = { now, NULL, 0, 0 };
	struct pending_leaver *p;
	size_t i;

	if (w->pending.count == 0)
		return;
	cw_strmap_foreach(&w->pending, collect_pending, &d);
	for (i = 0; i < d.n; i++) {
		if ((p = cw_strmap_remove(&w->pending, d.uids[i])) != NULL)
			record_leaver(w, d.uids[i], p->dn, p->reason, p->at);
		free(p);
		free(d.uids[i]);
	}
	free(d.uids);
}

void
cw_watch_tick(struct cw_entry_watch *w, int64_t now)
{
	struct due d = { now, NULL, 0, 0 };
	size_t i;

	file_pending(w, now);
	cw_strmap_foreach(&w->leaving, collect_due, &d);
	for (i = 0; i < d.n; i++) {
		record_leaver(w, d.uids[i], "", "cwLeavingDate has passed", now);
		free(cw_strmap_remove(&w->leaving, d.uids[i]));
		free(d.uids[i]);
	}
	free(d.uids);
}
