/* SPDX-License-Identifier: MIT */
/*
 * revoker.c - the revocation worker (see revoker.h).
 *
 * One thread per [daemon] revocation_workers, each with its own Redis and
 * LDAP connections, sharing the queue through the consumer group: a dead
 * worker's entries are taken over by another after redelivery_ms.  Steps
 * are idempotent and recorded one by one, so a retry redoes only what is
 * not done.  The first worker also moves due scheduled revocations into
 * the queue and watches deadlines.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "model/denylist.h"
#include "audit/events.h"
#include "sync/ldap_conn.h"
#include "lib/log.h"
#include "lib/namebox.h"
#include "revoke/revocation_queue.h"
#include "revoke/revocation_steps.h"
#include "revoke/revocation_audit.h"
#include "revoke/revoker.h"
#include "store/store.h"
#include "lib/wake.h"

#define CLAIM_MAX 16
#define WATCH_INTERVAL_MS 10000

struct worker {
	struct cw_revoker *owner;
	int index;
	pthread_t thread;
	bool started;
	struct cw_redis *redis;
	struct cw_store store;
	LDAP *ld;
	char consumer[128];
	struct cw_strmap alerted;       /* "id:level" already logged */
};

/* A user newly revoked on this host: their sessions must end here. */
struct host_job {
	char uid[CW_USER_MAX + 1];
	long long queued_ms;            /* cw_now_ms() when queued */
	struct host_job *next;
};

/* The journal is written at most this often while jobs keep coming. */
#define JOURNAL_SAVE_MS 1000
/*
 * Newly revoked users waiting in the inbox, at most: each waits once, so
 * this bounds a revoked set arriving whole, far beyond any directory.
 */
#define INBOX_MAX (1 << 20)

struct cw_revoker {
	const struct cw_config *cfg;
	char host[128];
	struct cw_name_list remove;     /* roles and group DNs to remove */
	struct cw_wake wake;            /* the workers': work is queued */
	int nworkers;
	struct worker workers[8];
	/* The host's own step, on every host (even with no workers). */
	pthread_t host_thread;
	bool host_started;
	struct cw_redis *host_redis;
	struct cw_store host_store;
	struct cw_wake host_wake;       /* the host thread's doorbell */
	/* Newly revoked users and the revoked set, from the follow thread
	 * (the wiring connects it: cw_revoker_inbox()). */
	struct cw_namebox inbox;
	/* The rest of the host part is the host thread's alone. */
	struct host_job *host_jobs;     /* newest first */
	struct cw_strmap host_queued;   /* uids in host_jobs */
	/*
	 * Users whose sessions were ended here and who have been revoked
	 * ever since, persisted in state_dir (journal_path) so that a
	 * restart never runs the command for them again.
	 */
	struct cw_strmap ended;
	bool ended_dirty;
	struct cw_strmap revoked_now;   /* the last revoked set */
	bool have_revoked_now;
	char journal_path[512];
	int stop_fd;                    /* eventfd: readable once stopping */
	/* Host thread only: the open revocations, read once for many jobs. */
	struct cw_revq_list open;
	long long open_read_ms;         /* 0: not read */
};

static bool
role_or_all(const char *s, size_t len)
{
	return (len == 1 && s[0] == '*') || cw_object_name_valid(s, len);
}

/* revoke_roles ("*" or names) and revoke_groups (DNs split on ';'). */
static int
build_remove_list(const struct cw_config *cfg, struct cw_name_list *out,
    char *err, size_t errlen)
{
	char *copy = NULL, *tok, *save = NULL;
	char **p;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (cw_name_list_parse(cfg->ldap.revoke_roles ? cfg->ldap.revoke_roles :
	    "", role_or_all, out, err, errlen) < 0)
		return -1;
	if (cfg->ldap.revoke_groups == NULL)
		return 0;
	if ((copy = strdup(cfg->ldap.revoke_groups)) == NULL)
		goto out;
	for (tok = strtok_r(copy, ";", &save); tok != NULL;
	    tok = strtok_r(NULL, ";", &save)) {
		tok += strspn(tok, " \t");
		if (*tok == '\0')
			continue;
		if ((p = reallocarray(out->names, out->count + 1,
		    sizeof(*p))) == NULL)
			goto out;
		out->names = p;
		if ((out->names[out->count] = strdup(tok)) == NULL)
			goto out;
		out->count++;
	}
	rc = 0;
out:
	if (rc < 0)
		snprintf(err, errlen, "out of memory");
	free(copy);
	return rc;
}

static bool
stopping(struct cw_revoker *r)
{
	return cw_wake_stopping(&r->wake);
}

static void
drop_ldap(struct worker *w)
{
	if (w->ld != NULL)
		ldap_unbind_ext_s(w->ld, NULL, NULL);
	w->ld = NULL;
}

/*
 * A transient failure (the directory is down) is recorded as the step's
 * outcome so far: it shows in the queue and the report, and it tells the
 * queue that a worker is alive and trying, so an outage is retried for as
 * long as it lasts and never dead-lettered.  Success overwrites it.
 */
static void
note_retry(struct worker *w, const struct cw_revocation *rv,
    const char *step, const char *why)
{
	char msg[200], err[256];

	snprintf(msg, sizeof(msg), "will retry: %.180s", why);
	(void)cw_revq_step_done(&w->store, rv->id, step, msg,
	    (int64_t)time(NULL), err, sizeof(err));
}

/*
 * One LDAP step on the user's entry.  Returns the step's status; records
 * done or failed (a transient failure records nothing: try again later).
 */
static enum cw_step_status
ldap_step(struct worker *w, const struct cw_revocation *rv, const char *step,
    const char *dn)
{
	const struct cw_config *cfg = w->owner->cfg;
	enum cw_step_status st;
	char err[256], serr[256];

	if (cw_revq_step_is_done(rv, step))
		return CW_STEP_DONE;
	if (dn == NULL)
		st = CW_STEP_DONE;      /* no entry: nothing to lock or strip */
	else if (strcmp(step, "lock_ldap") == 0)
		st = cw_step_lock_ldap(w->ld, dn, err, sizeof(err));
	else
		st = cw_step_remove_roles(w->ld, dn, &w->owner->remove, err,
		    sizeof(err));
	(void)cfg;
	if (st == CW_STEP_RETRY) {
		cw_warn("revocation %s: %s: %s (will retry)", rv->id, step, err);
		note_retry(w, rv, step, err);
		drop_ldap(w);
		return st;
	}
	if (cw_revq_step_done(&w->store, rv->id, step, st == CW_STEP_DONE ?
	    NULL : err, (int64_t)time(NULL), serr, sizeof(serr)) < 0) {
		cw_warn("revocation %s: recording %s: %s", rv->id, step, serr);
		return CW_STEP_RETRY;
	}
	cw_ev_revocation(CW_AUDIT_REVOCATION_STEP, "clearwayd", rv->uid, rv->id,
	    st == CW_STEP_DONE ? "success" : "failure", rv->deadline, step);
	return st;
}

/* The directory steps: find the entry, lock it, strip its roles. */
static enum cw_step_status
directory_steps(struct worker *w, const struct cw_revocation *rv)
{
	const struct cw_config *cfg = w->owner->cfg;
	enum cw_step_status st;
	char err[256], *dn = NULL;

	if (cw_revq_step_is_done(rv, "lock_ldap") &&
	    cw_revq_step_is_done(rv, "remove_roles"))
		return CW_STEP_DONE;
	if (w->ld == NULL &&
	    (w->ld = cw_ldap_connect(cfg, err, sizeof(err))) == NULL) {
		cw_warn("revocation %s: %s (will retry)", rv->id, err);
		note_retry(w, rv, "lock_ldap", err);
		return CW_STEP_RETRY;
	}
	st = cw_step_find_dn(w->ld, cfg->ldap.staff_base, rv->uid, &dn, err,
	    sizeof(err));
	if (st == CW_STEP_RETRY) {
		note_retry(w, rv, "lock_ldap", err);
		drop_ldap(w);
		return st;
	}
	if (st == CW_STEP_FAILED) {
		(void)cw_revq_step_done(&w->store, rv->id, "lock_ldap", err,
		    (int64_t)time(NULL), err, sizeof(err));
		return st;
	}
	st = ldap_step(w, rv, "lock_ldap", dn);
	if (st == CW_STEP_DONE)
		st = ldap_step(w, rv, "remove_roles", dn);
	ldap_memfree(dn);
	return st;
}

/* Ends every running elevation of the user (Redis only). */
static enum cw_step_status
end_elevations(struct worker *w, const struct cw_revocation *rv)
{
	int64_t now = (int64_t)time(NULL);
	char err[256];

	if (cw_revq_step_is_done(rv, "end_elevations"))
		return CW_STEP_DONE;
	if (cw_store_drop_all_elevations(&w->store, rv->uid, "revocation", now,
	    err, sizeof(err)) < 0 ||
	    cw_revq_step_done(&w->store, rv->id, "end_elevations", NULL, now,
	    err, sizeof(err)) < 0) {
		cw_warn("revocation %s: end_elevations: %s", rv->id, err);
		return CW_STEP_RETRY;
	}
	cw_ev_revocation(CW_AUDIT_REVOCATION_STEP, "clearwayd", rv->uid, rv->id,
	    "success", rv->deadline, "end_elevations");
	return CW_STEP_DONE;
}

static void
process(struct worker *w, const struct cw_revocation *rv)
{
	const struct cw_config *cfg = w->owner->cfg;
	int64_t now = (int64_t)time(NULL);
	enum cw_step_status st = CW_STEP_DONE;
	char err[256];

	if (cw_revocation_kind_denies(rv->kind)) {
		st = end_elevations(w, rv);
		if (st == CW_STEP_DONE)
			st = directory_steps(w, rv);
	}
	if (st == CW_STEP_DONE) {
		if (cw_revq_complete(&w->store, rv->sid, rv->id, now, err,
		    sizeof(err)) < 0)
			cw_warn("revocation %s: complete: %s", rv->id, err);
		else {
			cw_log_auth(LOG_NOTICE, "revocation_completed id=%s "
			    "user=%s kind=%s elapsed_s=%lld", rv->id, rv->uid,
			    cw_revocation_kind_name(rv->kind),
			    (long long)(now - rv->requested_at));
			cw_ev_revocation(CW_AUDIT_REVOCATION_COMPLETED,
			    "clearwayd", rv->uid, rv->id, now <= rv->deadline ?
			    "success" : "failure", rv->deadline, now <=
			    rv->deadline ? "deadline met" : "deadline missed");
		}
		return;
	}
	if (st == CW_STEP_FAILED && rv->delivered >= cfg->daemon.max_deliveries) {
		if (cw_revq_dead_letter(&w->store, rv->sid, rv->id, rv->delivered,
		    rv->last_error[0] ? rv->last_error : "a step kept failing",
		    now, err, sizeof(err)) >= 0)
		{
			cw_log(LOG_CRIT, "revocation %s of %s dead-lettered after "
			    "%lld deliveries: %s; an operator must act",
			    rv->id, rv->uid, rv->delivered, rv->last_error);
			cw_ev_revocation(CW_AUDIT_REVOCATION_DEAD_LETTERED,
			    "clearwayd", rv->uid, rv->id, "alert", rv->deadline,
			    rv->last_error);
		}
	}
}

/* What monitoring watches: depth, the oldest one's age, misses. */
static void
set_gauges(const struct cw_revq_list *l, int64_t now, double frac)
{
	int64_t oldest = 0;
	size_t i, missed = 0;

	for (i = 0; i < l->count; i++) {
		if (now - l->items[i].requested_at > oldest)
			oldest = now - l->items[i].requested_at;
		if (cw_revq_classify(&l->items[i], now, frac) == CW_REVQ_MISSED)
			missed++;
	}
	cw_ev_gauge("clearway_revocation_queue_depth", (double)l->count);
	cw_ev_gauge("clearway_revocation_oldest_pending_seconds",
	    (double)oldest);
	cw_ev_gauge("clearway_revocation_deadline_misses", (double)missed);
}

/* Logs a revocation past its warning point or deadline, once each. */
static void
watch_deadlines(struct worker *w)
{
	double frac = w->owner->cfg->daemon.deadline_warning_percent / 100.0;
	int64_t now = (int64_t)time(NULL);
	struct cw_revq_list l = { NULL, 0 };
	enum cw_revq_urgency u;
	char key[CW_REVQ_ID_MAX + 16], err[256];
	void *old;
	size_t i;

	if (cw_revq_pending(&w->store, &l, err, sizeof(err)) < 0)
		return;
	set_gauges(&l, now, frac);
	for (i = 0; i < l.count; i++) {
		const struct cw_revocation *rv = &l.items[i];

		if ((u = cw_revq_classify(rv, now, frac)) == CW_REVQ_ON_TIME)
			continue;
		snprintf(key, sizeof(key), "%s:%d", rv->id, (int)u);
		if (cw_strmap_get(&w->alerted, key) != NULL)
			continue;
		(void)cw_strmap_put(&w->alerted, key, (void *)1, &old);
		cw_ev_revocation(u == CW_REVQ_MISSED ?
		    CW_AUDIT_REVOCATION_DEADLINE_MISSED :
		    CW_AUDIT_REVOCATION_DEADLINE_WARNING, "clearwayd", rv->uid,
		    rv->id, "alert", rv->deadline, cw_revq_state_name(rv->state));
		if (u == CW_REVQ_MISSED)
			cw_log(LOG_CRIT, "revocation_deadline_missed id=%s "
			    "user=%s deadline=%lld state=%s", rv->id, rv->uid,
			    (long long)rv->deadline,
			    cw_revq_state_name(rv->state));
		else
			cw_log(LOG_WARNING, "revocation_deadline_warning id=%s "
			    "user=%s time_left_s=%lld state=%s", rv->id,
			    rv->uid, (long long)cw_revq_time_left(rv, now),
			    cw_revq_state_name(rv->state));
	}
	cw_revq_list_free(&l);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	const struct cw_config *cfg = w->owner->cfg;
	struct cw_revocation claimed[CLAIM_MAX];
	struct cw_revq_claim_opts o = {
		w->consumer, CLAIM_MAX, cfg->daemon.redelivery_ms, true,
		cfg->daemon.max_deliveries
	};
	long long next_watch = 0;
	char err[256];
	int i, n;

	pthread_setname_np(pthread_self(), "cw-revoker");
	while (!stopping(w->owner)) {
		int64_t now = (int64_t)time(NULL);

		if (w->index == 0 &&
		    cw_revq_promote_due(&w->store, now, 100, err, sizeof(err)) < 0)
			cw_debug("revocations: promote: %s", err);
		if (w->index == 0 && cw_now_ms() >= next_watch) {
			next_watch = cw_now_ms() + WATCH_INTERVAL_MS;
			watch_deadlines(w);
		}
		n = cw_revq_claim(&w->store, &o, now, claimed, err, sizeof(err));
		o.own_pending_first = false;
		if (n < 0)
			cw_debug("revocations: claim: %s", err);
		for (i = 0; i < n && !stopping(w->owner); i++) {
			/* Filed by someone who never heard back: audit it. */
			cw_revocation_audit_requested(&w->store, &claimed[i], now);
			process(w, &claimed[i]);
		}
		if (n <= 0)
			(void)cw_wake_nap(&w->owner->wake, 500);
	}
	drop_ldap(w);
	return NULL;
}

/*
 * Records the host step on every open revocation of uid.  The list of open
 * revocations is read again only when it was read before the job was
 * queued (a revocation is open before its user is in the revoked set), so
 * a backlog of thousands reads it once, not once per user.
 */
static void
record_host_step(struct cw_revoker *r, const struct host_job *j,
    const char *why)
{
	struct cw_revq_list *l = &r->open;
	const char *uid = j->uid;
	char step[CW_REVQ_STEP_NAME_MAX + 1], err[256];
	size_t i;

	snprintf(step, sizeof(step), "end_sessions@%.26s", r->host);
	if (r->open_read_ms == 0 || r->open_read_ms < j->queued_ms) {
		cw_revq_list_free(l);
		r->open_read_ms = 0;
		if (cw_revq_pending(&r->host_store, l, err, sizeof(err)) < 0) {
			cw_warn("revocations: %s: %s", step, err);
			return;
		}
		r->open_read_ms = cw_now_ms();
	}
	for (i = 0; i < l->count; i++) {
		if (strcmp(l->items[i].uid, uid) != 0 ||
		    !cw_revocation_kind_denies(l->items[i].kind))
			continue;
		/* A host's Redis user may not write the queue: its step is
		 * in the audit trail (below) alone. */
		if (r->cfg->daemon.role != CW_ROLE_HOST)
			(void)cw_revq_step_done(&r->host_store, l->items[i].id,
			    step, why, (int64_t)time(NULL), err, sizeof(err));
		cw_ev_revocation(CW_AUDIT_REVOCATION_STEP, "clearwayd", uid,
		    l->items[i].id, why == NULL ? "success" : "failure",
		    l->items[i].deadline, step);
	}
}

/* Runs the host step for j's user; true when it is done (journal it). */
static bool
end_sessions_here(struct cw_revoker *r, const struct host_job *j)
{
	const struct cw_config *cfg = r->cfg;
	const char *uid = j->uid;
	enum cw_step_status st;
	char err[256];

	/*
	 * A fleet host: a user with no process here has no session to end,
	 * and recording the step would make every revocation cost one audit
	 * event and one queue read per host of the fleet (docs/scaling.md).
	 * The PAM decision already denies them.  A single machine (both)
	 * keeps its record either way.
	 */
	if (cfg->daemon.role == CW_ROLE_HOST &&
	    cw_user_processes_here(uid) == 0) {
		cw_debug("revocation: %s has no process on this host: no "
		    "session to end", uid);
		return true;
	}
	st = cw_step_end_sessions_stoppable(uid,
	    cfg->daemon.end_sessions_command,
	    cfg->daemon.end_sessions_timeout_ms, r->stop_fd, err, sizeof(err));
	if (st != CW_STEP_DONE && stopping(r)) {
		/* Not an outcome: the step runs again after the restart. */
		cw_info("revocation: ending the sessions of %s interrupted by "
		    "shutdown; resumed at the next start", uid);
		return false;
	}
	if (st == CW_STEP_DONE)
		cw_log_auth(LOG_NOTICE, "revocation: sessions of %s ended on "
		    "this host", uid);
	else
		cw_log(LOG_ERR, "revocation: cannot end the sessions of %s on "
		    "this host: %s", uid, err);
	record_host_step(r, j, st == CW_STEP_DONE ? NULL : err);
	return st == CW_STEP_DONE;
}

/* Writes the journal of finished session ends, when it changed. */
static void
save_journal(struct cw_revoker *r)
{
	char err[256];

	if (!r->ended_dirty)
		return;
	r->ended_dirty = false;
	if (cw_denylist_save(r->journal_path, &r->ended, err,
	    sizeof(err)) < 0) {
		cw_warn("revocations: %s: %s (finished session ends may be "
		    "redone after a restart)", r->journal_path, err);
		r->ended_dirty = true;
	}
}

static void take_revoked_set(struct cw_revoker *);
static void host_revoked(struct cw_revoker *, const char *);

/* Takes what the inbox holds, then the newest job. */
static struct host_job *
next_host_job(struct cw_revoker *r)
{
	char uid[CW_USER_MAX + 1];
	struct host_job *j;

	take_revoked_set(r);
	while (cw_namebox_take(&r->inbox, uid, sizeof(uid)))
		host_revoked(r, uid);
	if ((j = r->host_jobs) != NULL) {
		r->host_jobs = j->next;
		(void)cw_strmap_remove(&r->host_queued, j->uid);
	}
	return j;
}

static void
journal_done(struct cw_revoker *r, const char *uid)
{
	void *old;

	/* Not for a user reinstated meanwhile (the set that says so may
	 * have arrived while the step ran): a new revocation must end their
	 * sessions again. */
	take_revoked_set(r);
	if ((!r->have_revoked_now ||
	    cw_strmap_get(&r->revoked_now, uid) != NULL) &&
	    cw_strmap_put(&r->ended, uid, (void *)1, &old) == 0)
		r->ended_dirty = true;
}

/*
 * Ends sessions one user at a time, newest revocation first, checking for
 * a stop between users and inside each (the command is killed: the queue
 * is durable, and what was interrupted is not journaled, so it runs
 * again after the restart).  The journal is saved at most once a second
 * while busy, and at once when idle or stopping.
 */
static void *
host_main(void *arg)
{
	struct cw_revoker *r = arg;
	struct host_job *j;
	long long saved = cw_now_ms();

	pthread_setname_np(pthread_self(), "cw-sessions");
	while (!stopping(r)) {
		while (!stopping(r) && (j = next_host_job(r)) != NULL) {
			if (end_sessions_here(r, j))
				journal_done(r, j->uid);
			free(j);
			if (cw_now_ms() - saved >= JOURNAL_SAVE_MS) {
				save_journal(r);
				saved = cw_now_ms();
			}
		}
		save_journal(r);
		saved = cw_now_ms();
		cw_revq_list_free(&r->open);    /* idle: read afresh next time */
		r->open_read_ms = 0;
		(void)cw_wake_nap(&r->host_wake, 500);
	}
	cw_revq_list_free(&r->open);
	save_journal(r);
	while ((j = r->host_jobs) != NULL) {
		r->host_jobs = j->next;
		free(j);
	}
	return NULL;
}

/*
 * uid is newly revoked (the inbox): queues it unless its sessions were
 * already ended here since it was revoked (the journal) or it is queued
 * already.  New work goes to the front, so a leaver revoked now waits for
 * at most the step in progress, not behind a backlog.  Host thread.
 */
static void
host_revoked(struct cw_revoker *r, const char *uid)
{
	struct host_job *j;
	void *old;

	/* Revoked now, though no whole set says so yet (the sync hands
	 * over a revocation alone: sync.c), so that journal_done records
	 * its end. */
	if (r->have_revoked_now)
		(void)cw_strmap_put(&r->revoked_now, uid, (void *)1, &old);
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return;
	snprintf(j->uid, sizeof(j->uid), "%s", uid);
	j->queued_ms = cw_now_ms();
	if (cw_strmap_get(&r->ended, j->uid) != NULL ||
	    cw_strmap_get(&r->host_queued, j->uid) != NULL ||
	    cw_strmap_put(&r->host_queued, j->uid, (void *)1, &old) < 0) {
		free(j);
		return;
	}
	j->next = r->host_jobs;
	r->host_jobs = j;
}

/*
 * The revoked set as it now is (the inbox): it becomes revoked_now, and
 * users who left it (reinstated) leave the journal of finished session
 * ends, so that a later revocation ends their sessions again.  "Left" is
 * judged against every set that arrived since the last one taken (kept),
 * so a user reinstated and revoked again in between is not missed.  Host
 * thread.
 */
static void
take_revoked_set(struct cw_revoker *r)
{
	struct cw_strmap kept;
	bool complete;

	cw_strmap_init(&kept);
	if (cw_namebox_take_set(&r->inbox, &r->revoked_now, &kept,
	    &complete)) {
		r->have_revoked_now = complete;
		if (cw_strmap_keep_keys(&r->ended, &kept) > 0)
			r->ended_dirty = true;  /* saved by the host loop */
	}
	cw_strmap_clear(&kept, NULL);
}

/* The journal of the last run; a damaged one is only a cost (redone). */
static void
load_journal(struct cw_revoker *r)
{
	char err[256];
	int rc;

	snprintf(r->journal_path, sizeof(r->journal_path),
	    "%s/sessions_ended.list", r->cfg->daemon.state_dir);
	rc = cw_denylist_load(r->journal_path, &r->ended, err, sizeof(err));
	if (rc < 0)
		cw_warn("revocations: %s: %s; sessions of revoked users are "
		    "ended again", r->journal_path, err);
	else if (rc == 0 && r->ended.count > 0)
		cw_info("revocations: sessions of %zu revoked users already "
		    "ended on this host", r->ended.count);
}

struct cw_revoker *
cw_revoker_start(const struct cw_config *cfg,
    struct cw_redis *(*new_redis)(void *), void *arg, const char *host,
    char *err, size_t errlen)
{
	struct cw_revoker *r = calloc(1, sizeof(*r));
	struct worker *w;
	int i;

	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->cfg = cfg;
	snprintf(r->host, sizeof(r->host), "%s", host);
	cw_wake_init(&r->wake);
	cw_wake_init(&r->host_wake);
	cw_namebox_init(&r->inbox, &r->host_wake, INBOX_MAX);
	cw_strmap_init(&r->host_queued);
	cw_strmap_init(&r->ended);
	cw_strmap_init(&r->revoked_now);
	if ((r->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto fail;
	}
	load_journal(r);
	if (build_remove_list(cfg, &r->remove, err, errlen) < 0)
		goto fail;
	if ((r->host_redis = new_redis(arg)) == NULL ||
	    cw_store_init(&r->host_store, r->host_redis,
	    cfg->redis.key_prefix) < 0) {
		snprintf(err, errlen, "revocations: no Redis client");
		goto fail;
	}
	if (pthread_create(&r->host_thread, NULL, host_main, r) != 0) {
		snprintf(err, errlen, "cannot start the session ender");
		goto fail;
	}
	r->host_started = true;
	for (i = 0; i < cfg->daemon.revocation_workers && i < 8; i++) {
		w = &r->workers[i];
		w->owner = r;
		w->index = i;
		cw_strmap_init(&w->alerted);
		snprintf(w->consumer, sizeof(w->consumer), "%s:%d:%d", host,
		    (int)getpid(), i);
		if ((w->redis = new_redis(arg)) == NULL ||
		    cw_store_init(&w->store, w->redis,
		    cfg->redis.key_prefix) < 0) {
			snprintf(err, errlen, "revocation worker: no Redis client");
			goto fail;
		}
		r->nworkers = i + 1;
		if (i == 0 && cw_revq_init(&w->store, err, errlen) < 0)
			cw_warn("revocations: %s (will retry)", err);
		if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
			snprintf(err, errlen, "cannot start a revocation worker");
			goto fail;
		}
		w->started = true;
	}
	return r;
fail:
	cw_revoker_stop(r);
	return NULL;
}

struct cw_wake *
cw_revoker_bell(struct cw_revoker *r)
{
	return &r->wake;
}

struct cw_namebox *
cw_revoker_inbox(struct cw_revoker *r)
{
	return &r->inbox;
}

void
cw_revoker_stop(struct cw_revoker *r)
{
	uint64_t one = 1;
	int i;

	if (r == NULL)
		return;
	cw_wake_stop(&r->wake);
	cw_wake_stop(&r->host_wake);
	if (r->stop_fd >= 0 && write(r->stop_fd, &one, sizeof(one)) < 0)
		cw_warn("revocations: cannot signal the stop: %s",
		    strerror(errno));
	for (i = 0; i < r->nworkers; i++) {
		if (r->workers[i].started)
			pthread_join(r->workers[i].thread, NULL);
		cw_redis_free(r->workers[i].redis);
		cw_strmap_clear(&r->workers[i].alerted, NULL);
	}
	if (r->host_started)
		pthread_join(r->host_thread, NULL);
	if (r->stop_fd >= 0)
		close(r->stop_fd);
	cw_strmap_clear(&r->host_queued, NULL);
	cw_strmap_clear(&r->ended, NULL);
	cw_strmap_clear(&r->revoked_now, NULL);
	cw_redis_free(r->host_redis);
	cw_name_list_free(&r->remove);
	cw_namebox_free(&r->inbox);
	cw_wake_destroy(&r->wake);
	cw_wake_destroy(&r->host_wake);
	free(r);
}
