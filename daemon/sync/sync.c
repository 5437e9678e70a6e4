/* SPDX-License-Identifier: MIT */
/*
 * sync.c - the background sync thread (see sync.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config_file.h"
#include "audit/events.h"
#include "sync/ldap_conn.h"
#include "sync/ldap_mirror.h"
#include "sync/set_again.h"
#include "lib/log.h"
#include "sync/sync.h"
#include "sync/sync_lead.h"
#include "lib/wake.h"

#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
/*
 * While the directory is unreachable, a connection attempt (refused or
 * timed out at once: cheap) every PROBE_MS, so that hosts are back in
 * sync within about a second of it answering, however long it was down.
 * Only a directory that answers and refuses us is backed off.
 */
#define PROBE_MS 500
/* The follow thread's longest wait while a loss's writes are to redo. */
#define REDROP_RETRY_MS 200

static void
status_update(struct cw_sync *s, void (*fn)(struct cw_sync_status *,
    const void *), const void *arg)
{
	pthread_mutex_lock(&s->wake.lock);
	fn(&s->status, arg);
	pthread_mutex_unlock(&s->wake.lock);
}

static void
set_connected(struct cw_sync_status *st, const void *arg)
{
	const char *uri = arg;

	st->ldap_connected = uri != NULL;
	snprintf(st->ldap_uri, sizeof(st->ldap_uri), "%s", uri ? uri : "");
	st->ldap_since = (int64_t)time(NULL);
	if (uri != NULL) {
		snprintf(st->ldap_state, sizeof(st->ldap_state), "in_sync");
		st->ldap_error[0] = '\0';
		st->ldap_retry_ms = 0;
	}
}

struct ldap_down {
	const char *state, *why;
	long long retry_ms;
	bool changed;
};

static void
set_down(struct cw_sync_status *st, const void *arg)
{
	const struct ldap_down *d = arg;

	if (d->changed)
		st->ldap_since = (int64_t)time(NULL);
	if (st->ldap_connected || st->ldap_lost_at == 0)
		st->ldap_lost_at = (int64_t)time(NULL);
	st->ldap_connected = false;
	st->ldap_uri[0] = '\0';
	snprintf(st->ldap_state, sizeof(st->ldap_state), "%s", d->state);
	snprintf(st->ldap_error, sizeof(st->ldap_error), "%s", d->why);
	st->ldap_retry_ms = d->retry_ms;
}

static void
set_mirror_stats(struct cw_sync_status *st, const void *arg)
{
	const struct cw_mirror_stats *ms = arg;

	st->refreshed = ms->refreshed;
	st->last_change = ms->last_change;
	st->written = ms->written;
}

static void
set_reload(struct cw_sync_status *st, const void *arg)
{
	st->generation = *(const long long *)arg;
	st->last_reload = (int64_t)time(NULL);
}

static void
redis_state(struct cw_sync *s, bool up, const char *detail)
{
	bool was;

	pthread_mutex_lock(&s->wake.lock);
	was = s->status.redis_up;
	s->status.redis_up = up;
	if (was && !up)
		s->status.redis_lost_at = (int64_t)time(NULL);
	pthread_mutex_unlock(&s->wake.lock);
	if (up != was)
		cw_ev_sync_state("redis", up ? "reachable" : "unreachable",
		    detail);
	if (up && !was)
		cw_info("redis: reachable");
	else if (!up && was)
		cw_warn("%s (%s)", detail, s->have_db ?
		    "answering from the data in memory" :
		    "no policy data yet: logons fail closed");
}

/*
 * Redis answered and this host is up to date with it: the clock of
 * offline_grace and admin_max_staleness starts again (staleness.h).
 */
static void
mark_contact(struct cw_sync *s)
{
	struct cw_contact c;

	c.mono_ms = cw_now_ms();
	pthread_mutex_lock(&s->wake.lock);
	c.clock_redis_ms = s->contact.clock_redis_ms;
	c.clock_mono_ms = s->contact.clock_mono_ms;
	c.at = cw_staleness_now(&c, c.mono_ms, (int64_t)time(NULL));
	c.offline_at = s->contact.offline_at;
	if (c.at != s->contact.at || c.offline_at <= 0)
		c.offline_at = s->cfg->daemon.offline_grace_s > 0 ?
		    c.at + s->cfg->daemon.offline_grace_s :
		    cw_revocation_deadline(&s->calendar, c.at);
	if (c.offline_at <= 0)          /* outside the calendar's years */
		c.offline_at = c.at + 86400;
	s->contact = c;
	pthread_mutex_unlock(&s->wake.lock);
}

void
cw_sync_staleness(struct cw_sync *s, struct cw_staleness *out)
{
	struct cw_contact c;
	long long now_ms = cw_now_ms();

	pthread_mutex_lock(&s->wake.lock);
	c = s->contact;
	pthread_mutex_unlock(&s->wake.lock);
	cw_staleness_eval(s->cfg, &c, now_ms, cw_staleness_now(&c, now_ms,
	    (int64_t)time(NULL)), out);
}

/*
 * The metrics, and a log line and audit record when the data crosses
 * into or out of either limit (the server applies the limits at each
 * decision by itself; this only reports them).
 */
static void
report_staleness(struct cw_sync *s)
{
	struct cw_staleness st;

	cw_sync_staleness(s, &st);
	cw_ev_gauge("clearway_data_age_seconds", (double)st.age_s);
	cw_ev_gauge("clearway_offline_grace_expired", st.offline_expired);
	cw_ev_gauge("clearway_admin_data_stale", st.admin_stale);
	if (st.offline_expired != s->offline_logged) {
		s->offline_logged = st.offline_expired;
		if (st.offline_expired)
			cw_log(LOG_CRIT, "offline_grace passed: no contact with "
			    "Redis for %llds; nothing is allowed from the old "
			    "data (revoked users stay denied, break-glass "
			    "works) until it answers", (long long)st.age_s);
		else
			cw_info("redis answers again: decisions from current "
			    "data (offline_grace no longer passed)");
		cw_ev_sync_state("offline_grace", st.offline_expired ?
		    "expired" : "fresh", NULL);
	}
	if (st.admin_stale != s->admin_logged) {
		s->admin_logged = st.admin_stale;
		if (st.admin_stale)
			cw_warn("data older than admin_max_staleness (%llds "
			    "since Redis last answered): mode admin is not "
			    "allowed", (long long)st.age_s);
		else
			cw_info("data fresh again: mode admin allowed");
		cw_ev_sync_state("admin_max_staleness", st.admin_stale ?
		    "expired" : "fresh", NULL);
	}
}

void
cw_sync_handoff(struct cw_sync *s, struct cw_delta *d)
{
	uint64_t one = 1;

	pthread_mutex_lock(&s->wake.lock);
	if (s->queue_tail != NULL)
		s->queue_tail->next = d;
	else
		s->queue = d;
	s->queue_tail = d;
	pthread_mutex_unlock(&s->wake.lock);
	if (write(s->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		cw_err("sync: cannot wake the server: %s", strerror(errno));
}

static bool stopping(struct cw_sync *);

/* The mirror (during a long refresh), the entry watch (filing many
 * leavers) and a full load from Redis ask whether to give up for now. */
static bool
sync_stopping(void *arg)
{
	return stopping(arg);
}

/* Redis lost data: the mirror must refresh everything from LDAP. */
void
cw_sync_mirror_restart(struct cw_sync *s)
{
	pthread_mutex_lock(&s->wake.lock);
	s->mirror_restart = s->cfg->daemon.ldap_sync;
	pthread_mutex_unlock(&s->wake.lock);
}

/* What a reload brought, for the log. */
static void
log_loaded(const struct cw_delta *d, size_t skipped, const char *err,
    long long ms)
{
	if (skipped > 0)
		cw_warn("redis: %zu stored values unusable, first: %s",
		    skipped, err);
	if (d->replace != NULL)
		cw_info("policy data loaded (generation %lld): %zu staff, "
		    "%zu host classes, %zu roles in %lld ms", d->generation,
		    d->replace->counts[CW_KIND_STAFF],
		    d->replace->counts[CW_KIND_HOST_CLASS],
		    d->replace->counts[CW_KIND_ROLE], ms);
	else
		cw_debug("generation %lld: %zu changes", d->generation,
		    d->nchanges);
}

/*
 * Hands a loaded delta over: the revoked set to the guard and the
 * revoker, the rest to the server.  current: the store's data is not
 * older than memory's (refill.h), else only its revoked users are taken.
 */
static void
take(struct cw_sync *s, struct cw_delta *d, bool current, size_t skipped,
    const char *err, long long t0)
{
	char *cookie = NULL, cerr[256];

	if (d->has_revoked)
		cw_guard_revoked(&s->guard, d);
	else if (d->revoked_changes)
		cw_guard_revoked_changes(&s->guard, d);
	if (!current && d->replace != NULL)
		cw_sync_keep_memory(d);
	else if (d->replace != NULL && s->refill.loss && s->have_db)
		d->keep_unlogged = true;        /* the refill: nothing logged */
	if (d->replace != NULL && d->replace->counts[CW_KIND_STAFF] == 0 &&
	    d->replace->counts[CW_KIND_HOST_CLASS] == 0) {
		/*
		 * No directory data (never synced, or Redis lost it and the
		 * mirror has not refilled it yet): answering from it would
		 * deny everyone as unknown.  Keep answering from memory (the
		 * guard keeps the deny-list), or "unavailable" with none;
		 * the refill arrives as changes after this generation.
		 */
		if (s->have_db)
			s->generation = d->generation;
		cw_delta_free(d);
		return;
	}
	log_loaded(d, skipped, err, cw_now_ms() - t0);
	/* Leavers are filed by the central role alone: a host may not
	 * write, and a fleet need not file each one a thousand times. */
	if (s->cfg->daemon.role != CW_ROLE_HOST)
		cw_watch_delta(&s->watch, d, (int64_t)time(NULL));
	if (d->has_revoked)
		cw_sync_revoked_set(s, &d->revoked);
	else if (d->revoked_changes)
		cw_sync_revoked_changes(s, d);
	s->generation = d->generation;
	s->have_db = true;
	status_update(s, set_reload, &s->generation);
	cw_sync_handoff(s, d);
	mark_contact(s);
	/* Read after the load: what memory holds is not newer than this
	 * (a restart must never take data older than it). */
	if (current && cw_sync_store_cookie(s, &cookie, cerr, sizeof(cerr)) == 0)
		cw_refill_answered(&s->refill, cookie);
	free(cookie);
}

/*
 * Brings the server up to the Redis generation: the changes since the
 * last one when the change log explains them, everything otherwise.
 */
static void
reload(struct cw_sync *s)
{
	struct cw_delta *d = NULL;
	char err[512], *cookie = NULL;
	long long gen, t0 = cw_now_ms();
	size_t skipped = 0;
	bool gap = true, full, check, current;

	cw_sync_keep_filed(s);
	/* The cookie first: data loaded after it is at least this new. */
	if (cw_sync_store_cookie(s, &cookie, err, sizeof(err)) < 0) {
		redis_state(s, false, err);
		return;
	}
	/* A store that forgot or went back is a loss, not news (guard). */
	if (cw_guard_identity(&s->guard, &gen, &full, &check, err,
	    sizeof(err)) < 0) {
		free(cookie);
		redis_state(s, false, err);
		return;
	}
	redis_state(s, true, NULL);
	cw_sync_check_clock(s);
	if (s->have_db && gen == s->generation && cw_sync_reused(s, cookie))
		full = check = true;
	cw_sync_after_loss(s, cookie, &full, &check);
	current = cw_refill_current(&s->refill, cookie);
	free(cookie);
	if (s->have_db && gen == s->generation && !check) {
		mark_contact(s);
		return;
	}
	if (!s->have_db && !current) {
		cw_sync_wait_refill(s);
		return;
	}
	err[0] = '\0';
	if (s->have_db && !full)
		d = cw_store_delta_since(&s->follow_store, s->generation, &gap,
		    &skipped, err, sizeof(err));
	if (d == NULL && gap)
		d = cw_store_load_all(&s->follow_store, sync_stopping, s,
		    &skipped, err, sizeof(err));
	if (d == NULL && stopping(s))
		return;         /* a load abandoned for a stop: nothing wrong */
	if (d == NULL) {
		cw_guard_suspect(&s->guard);
		redis_state(s, false, err);
		return;
	}
	take(s, d, current, skipped, err, t0);
}

struct cw_wake *
cw_sync_bell(struct cw_sync *s)
{
	return &s->wake;
}

/* After each batch the mirror writes: the follow thread picks it up now. */
static void
mirror_flushed(void *arg)
{
	struct cw_sync *s = arg;

	cw_wake_poke(&s->wake);
}

/*
 * When to try again.  An unreachable directory is probed every PROBE_MS
 * for as long as it is down; one that answers but refuses us (bad
 * credentials, no access, our own side failing) backs off exponentially,
 * since trying again at once would only repeat the answer.  Jitter
 * spreads a fleet's attempts.  Returns the delay in ms.
 */
static long long
schedule_retry(struct cw_sync *s, bool unreachable)
{
	long long delay;

	if (unreachable) {
		s->backoff_ms = BACKOFF_MIN_MS;
		delay = PROBE_MS + arc4random_uniform(PROBE_MS / 5 + 1);
	} else {
		delay = s->backoff_ms +
		    arc4random_uniform((uint32_t)s->backoff_ms / 4 + 1);
		s->backoff_ms = s->backoff_ms * 2 > BACKOFF_MAX_MS ?
		    BACKOFF_MAX_MS : s->backoff_ms * 2;
	}
	s->next_ldap_ms = cw_now_ms() + delay;
	return delay;
}

static void
mirror_down(struct cw_sync *s, const char *why, bool unreachable)
{
	struct ldap_down d = { unreachable ? "unreachable" : "refused", why,
	    0, false };
	bool first;

	pthread_mutex_lock(&s->wake.lock);
	first = s->status.ldap_connected || s->status.ldap_since == 0;
	d.changed = first || strcmp(s->status.ldap_state, d.state) != 0;
	pthread_mutex_unlock(&s->wake.lock);
	if (d.changed) {
		cw_warn("%s (%s; decisions go on from the data already in "
		    "Redis and memory)", why, unreachable ? "probing every "
		    "half second until it answers" : "retrying with backoff "
		    "up to 60 s");
		cw_ev_sync_state("ldap", "disconnected", why);
	}
	else
		cw_debug("%s", why);
	cw_mirror_stop(s->mirror);
	s->mirror = NULL;
	d.retry_ms = schedule_retry(s, unreachable);
	status_update(s, set_down, &d);
}

static void
mirror_start(struct cw_sync *s)
{
	const struct cw_mirror_stats *ms;
	long long t0 = cw_now_ms();
	char err[512];
	int rc;

	s->mirror = cw_mirror_start(s->cfg, &s->mirror_store,
	    s->writer_store.redis != NULL ? &s->writer_store : NULL,
	    mirror_flushed,
	    sync_stopping, s, &s->early_hooks, &rc, err, sizeof(err));
	if (s->mirror == NULL && stopping(s))
		return;
	if (s->mirror == NULL) {
		mirror_down(s, err, cw_ldap_unreachable(rc));
		return;
	}
	ms = cw_mirror_stats(s->mirror);
	cw_info("ldap: in sync with %s (%s refresh, %zu entries written, "
	    "%lld ms); following changes", cw_mirror_uri(s->mirror),
	    ms->full_refresh ? "full" : "incremental", ms->written,
	    cw_now_ms() - t0);
	status_update(s, set_connected, cw_mirror_uri(s->mirror));
	status_update(s, set_mirror_stats, ms);
	cw_ev_sync_state("ldap", "in_sync", cw_mirror_uri(s->mirror));
	s->backoff_ms = BACKOFF_MIN_MS;
}

/*
 * Waits (at most 200 ms, to see a stop request) for the directory, or
 * for the mirror's writer to finish a batch (the next may be waiting).
 */
static bool
directory_has_data(struct cw_sync *s, long long until_ms)
{
	struct pollfd p[2] = { { .fd = -1, .events = POLLIN },
	    { .fd = -1, .events = POLLIN } };
	long long left = until_ms - cw_now_ms();

	if (s->mirror != NULL) {
		p[0].fd = cw_mirror_fd(s->mirror);
		p[1].fd = cw_mirror_wake_fd(s->mirror);
	}
	if (left < 0)
		left = 0;
	if (left > 200)
		left = 200;
	return poll(p, 2, (int)left) > 0 && ((p[0].revents | p[1].revents) &
	    (POLLIN | POLLHUP | POLLERR));
}

static bool
stopping(struct cw_sync *s)
{
	return cw_wake_stopping(&s->wake);
}

/*
 * After Redis lost data, the stored cookie (if any came back) cannot be
 * trusted to cover the stored entries: clear it and start a new session,
 * which refreshes everything.  false when Redis cannot be written yet.
 */
static bool
mirror_refresh_all(struct cw_sync *s)
{
	char err[512];

	/* A batch in flight carries a cookie: it must not land after. */
	cw_mirror_settle(s->mirror);
	if (cw_store_forget_cookie(&s->mirror_store, err, sizeof(err)) < 0)
		return false;
	cw_warn("ldap: Redis lost data: refreshing everything from the "
	    "directory");
	/* A mirror that is down keeps its retry schedule: a directory that
	 * refuses us is not asked again sooner because Redis lost data. */
	if (s->mirror != NULL) {
		cw_mirror_stop(s->mirror);
		s->mirror = NULL;
		s->next_ldap_ms = 0;
	}
	return true;
}

static bool
take_mirror_restart(struct cw_sync *s)
{
	bool r;

	pthread_mutex_lock(&s->wake.lock);
	r = s->mirror_restart;
	s->mirror_restart = false;
	pthread_mutex_unlock(&s->wake.lock);
	return r;
}

static void *
mirror_main(void *arg)
{
	struct cw_sync *s = arg;
	char err[512];

	pthread_setname_np(pthread_self(), "cw-mirror");
	while (!stopping(s)) {
		/* Only the sync leader's mirror runs (sync_lead.h). */
		if (!cw_sync_lead(s)) {
			/* What this mirror did not write, the leader's will. */
			cw_early_orphan(&s->early);
			cw_sync_lead_wait(s);
			continue;
		}
		if (take_mirror_restart(s) && !mirror_refresh_all(s))
			cw_sync_mirror_restart(s);      /* again shortly */
		if (s->mirror == NULL && cw_now_ms() >= s->next_ldap_ms)
			mirror_start(s);
		if (!directory_has_data(s, s->mirror ? cw_now_ms() + 200 :
		    s->next_ldap_ms))
			continue;
		/* A session that ends is retried soon: the connection
		 * was lost, or the server wants a new refresh. */
		if (cw_mirror_poll(s->mirror, err, sizeof(err)) < 0)
			mirror_down(s, err, true);
		else
			status_update(s, set_mirror_stats,
			    cw_mirror_stats(s->mirror));
	}
	cw_mirror_stop(s->mirror);
	s->mirror = NULL;
	cw_sync_lead_end(s);
	cw_early_deny_free(&s->early);
	return NULL;
}

/* How far behind the directory this host may be, for monitoring. */
static void
report_lag(struct cw_sync *s)
{
	struct cw_sync_status st;
	int64_t lag;

	cw_sync_get_status(s, &st);
	if ((lag = cw_sync_lag_seconds(&st, (int64_t)time(NULL))) >= 0)
		cw_ev_gauge("clearway_sync_lag_seconds", (double)lag);
}

/*
 * Waits for the next change.  With data loaded and Redis up, Redis itself
 * wakes us when a change is logged (XREAD BLOCK on the change log); the
 * generation is still compared on every pass, which catches a writer that
 * keeps no log.  Otherwise (no data yet, Redis down) a plain timed sleep.
 */
static bool
follow_wait(struct cw_sync *s)
{
	const struct cw_config *cfg = s->cfg;
	int block = cfg->daemon.reload_interval_ms, nap = block;
	bool up;
	char err[256];
	int rc;

	pthread_mutex_lock(&s->wake.lock);
	up = s->status.redis_up;
	pthread_mutex_unlock(&s->wake.lock);
	if (block > cfg->redis.timeout_ms - 200)
		block = cfg->redis.timeout_ms - 200;
	/* Early drops and suspensions to make again after a loss: each
	 * moment Redis still lacks them, hosts may allow (sync_filed.c). */
	if (s->redrop_pending && nap > REDROP_RETRY_MS)
		nap = block = REDROP_RETRY_MS;
	if (!s->have_db || !up || block < 10)
		return cw_wake_nap(&s->wake, nap);
	if ((rc = cw_store_wait_change(&s->follow_store, s->generation, block,
	    err, sizeof(err))) < 0) {
		/* Perhaps a restart: what comes back is compared in full. */
		cw_guard_suspect(&s->guard);
		return cw_wake_nap(&s->wake, nap);
	}
	if (rc == 0)
		mark_contact(s);        /* "nothing new" is an answer */
	return !stopping(s);
}

static void *
follow_main(void *arg)
{
	struct cw_sync *s = arg;

	pthread_setname_np(pthread_self(), "cw-follow");
	/* Full loads parse on this thread and a worker (store_parse.h). */
	s->follow_store.parser = cw_parse_worker_start();
	do {
		reload(s);
		if (s->cfg->daemon.role != CW_ROLE_HOST)
			cw_watch_tick(&s->watch, (int64_t)time(NULL));
		report_lag(s);
		report_staleness(s);
	} while (follow_wait(s));
	cw_parse_worker_stop(s->follow_store.parser);
	s->follow_store.parser = NULL;
	cw_watch_free(&s->watch);
	cw_guard_free(&s->guard);
	cw_refill_free(&s->refill);
	cw_strmap_clear(&s->last_revoked, NULL);
	return NULL;
}

int
cw_sync_start(struct cw_sync *s, const struct cw_config *cfg,
    struct cw_redis *follow, struct cw_redis *mirror, struct cw_redis *writer,
    struct cw_namebox *revoked_out, int wake_fd, char *err, size_t errlen)
{
	int rc;

	memset(s, 0, sizeof(s[0]));
	s->cfg = cfg;
	s->wake_fd = wake_fd;
	s->revoked_out = revoked_out;
	cw_strmap_init(&s->last_revoked);
	s->backoff_ms = BACKOFF_MIN_MS;
	s->status.ldap_enabled = cfg->daemon.ldap_sync;
	s->status.redis_up = true;      /* so the first failure is logged */
	snprintf(s->status.ldap_state, sizeof(s->status.ldap_state), "%s",
	    cfg->daemon.ldap_sync ? "connecting" : "off");
	if (cw_store_init(&s->follow_store, follow, cfg->redis.key_prefix) < 0 ||
	    cw_store_init(&s->mirror_store, mirror,
	    cfg->redis.key_prefix) < 0 || (writer != NULL &&
	    cw_store_init(&s->writer_store, writer,
	    cfg->redis.key_prefix) < 0)) {
		snprintf(err, errlen, "[redis] key_prefix must be at most %d "
		    "characters of [A-Za-z0-9:_-]", CW_PREFIX_MAX);
		return -1;
	}
	if (cw_sync_lead_init(s) < 0) {
		snprintf(err, errlen, "[redis] key_prefix too long for the "
		    "sync leader's lease");
		return -1;
	}
	if (cw_calendar_load(cfg->policy.bank_holidays_file,
	    cfg->policy.division, &s->calendar, err, errlen) < 0) {
		s->cfg = NULL;          /* nothing to stop */
		return -1;
	}
	if (cw_guard_init(&s->guard, &s->follow_store, cfg->daemon.state_dir,
	    err, errlen) < 0) {
		cw_calendar_free(&s->calendar);
		s->cfg = NULL;
		return -1;
	}
	if (cw_refill_init(&s->refill, cfg->daemon.state_dir, err,
	    errlen) < 0) {
		cw_guard_free(&s->guard);
		cw_calendar_free(&s->calendar);
		s->cfg = NULL;
		return -1;
	}
	if (cw_set_again_load(s, cfg->daemon.state_dir, err, errlen) < 0) {
		cw_set_again_free(s);
		cw_refill_free(&s->refill);
		cw_guard_free(&s->guard);
		cw_calendar_free(&s->calendar);
		s->cfg = NULL;
		return -1;
	}
	s->guard.read_only = cfg->daemon.role == CW_ROLE_HOST;
	s->follow_store.read_only = s->guard.read_only;
	cw_watch_init(&s->watch, &s->follow_store, &s->calendar,
	    cfg->daemon.revoke_leavers);
	cw_watch_set_stopping(&s->watch, sync_stopping, s);
	cw_wake_init(&s->wake);
	cw_early_deny_init(&s->early, s, cfg->policy.training_validity_days > 0 ?
	    (unsigned)cfg->policy.training_validity_days : 0, true);
	s->early_hooks = (struct cw_mirror_early){ cw_early_change,
	    cw_early_written, &s->early, &s->early.batches };
	if ((rc = pthread_create(&s->follow_thread, NULL, follow_main, s)) != 0)
		goto fail;
	s->follow_started = true;
	if (cfg->daemon.ldap_sync) {
		if ((rc = pthread_create(&s->mirror_thread, NULL, mirror_main,
		    s)) != 0)
			goto fail;
		s->mirror_started = true;
	}
	return 0;
fail:
	snprintf(err, errlen, "cannot start sync thread: %s", strerror(rc));
	cw_sync_stop(s);
	return -1;
}

struct cw_delta *
cw_sync_take(struct cw_sync *s)
{
	struct cw_delta *d;

	pthread_mutex_lock(&s->wake.lock);
	d = s->queue;
	s->queue = s->queue_tail = NULL;
	pthread_mutex_unlock(&s->wake.lock);
	return d;
}

int64_t
cw_sync_lag_seconds(const struct cw_sync_status *ss, int64_t now)
{
	int64_t lag = 0;

	/* A standby central (sync_lead.h) keeps no session: the leader's
	 * lag is the store's. */
	if (ss->ldap_enabled && strcmp(ss->ldap_state, "standby") != 0 &&
	    !(ss->ldap_connected && ss->refreshed))
		lag = ss->ldap_lost_at > 0 ? now - ss->ldap_lost_at : -1;
	if (!ss->redis_up && ss->redis_lost_at > 0 &&
	    now - ss->redis_lost_at > lag)
		lag = now - ss->redis_lost_at;
	return lag < 0 && lag != -1 ? 0 : lag;
}

void
cw_sync_get_status(struct cw_sync *s, struct cw_sync_status *out)
{
	pthread_mutex_lock(&s->wake.lock);
	*out = s->status;
	pthread_mutex_unlock(&s->wake.lock);
}

void
cw_sync_stop(struct cw_sync *s)
{
	struct cw_delta *d, *next;

	if (s->cfg == NULL)
		return;                 /* never started */
	cw_wake_stop(&s->wake);
	if (s->mirror_started)
		pthread_join(s->mirror_thread, NULL);
	if (s->follow_started)
		pthread_join(s->follow_thread, NULL);
	else {
		cw_watch_free(&s->watch);
		cw_guard_free(&s->guard);
		cw_refill_free(&s->refill);
	}
	for (d = cw_sync_take(s); d != NULL; d = next) {
		next = d->next;
		cw_delta_free(d);
	}
	cw_wake_destroy(&s->wake);
	cw_set_again_free(s);
	cw_calendar_free(&s->calendar);
	s->cfg = NULL;
}
