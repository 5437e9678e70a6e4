/*
 * sync.c - the background sync thread (see sync.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ldap_source.h"
#include "log.h"
#include "sync.h"

#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000

static const char *const kind_names[CW_KIND_COUNT] = {
	"staff", "host class", "role"
};

static const char *const kind_classes[CW_KIND_COUNT] = {
	"cwStaff", "cwHostClass", "cwRoleDef"
};

/* Says once, per entry change, what about an entry will deny. */
static void
report_entry(enum cw_kind kind, const struct cw_entry *e)
{
	char err[256], why[CW_INVALID_MAX];
	int rc;

	why[0] = '\0';
	if (kind == CW_KIND_STAFF) {
		struct cw_staff r;
		rc = cw_staff_from_entry(e, &r, err, sizeof(err));
		if (rc == 0 && r.invalid)
			snprintf(why, sizeof(why), "%s", r.invalid_why);
		if (rc == 0)
			cw_staff_free(&r);
	} else if (kind == CW_KIND_HOST_CLASS) {
		struct cw_host_class r;
		rc = cw_host_class_from_entry(e, &r, err, sizeof(err));
		if (rc == 0 && r.invalid)
			snprintf(why, sizeof(why), "%s", r.invalid_why);
		if (rc == 0)
			cw_host_class_free(&r);
	} else {
		struct cw_role_def r;
		rc = cw_role_def_from_entry(e, &r, err, sizeof(err));
		if (rc == 0 && r.invalid)
			snprintf(why, sizeof(why), "%s", r.invalid_why);
		if (rc == 0)
			cw_role_def_free(&r);
	}
	if (rc < 0)
		cw_warn("ldap: %s: %s; entry ignored", e->dn, err);
	else if (why[0] != '\0')
		cw_warn("ldap: %s: %s; denied as record_invalid", e->dn, why);
}

static void
set_ldap_up(struct cw_sync *s, bool up, const char *detail)
{
	if (up && !s->ldap_up)
		cw_info("ldap: connected to %s", detail);
	else if (!up && s->ldap_up)
		cw_warn("%s (retrying with backoff up to %d s)", detail,
		    BACKOFF_MAX_MS / 1000);
	s->ldap_up = up;
}

static void
set_redis_up(struct cw_sync *s, bool up, const char *detail)
{
	if (up && !s->redis_up)
		cw_info("redis: reachable again");
	else if (!up && s->redis_up)
		cw_warn("%s (%s)", detail, s->have_snapshot ?
		    "answering from the last data loaded" :
		    "no policy data yet: logons fail closed");
	s->redis_up = up;
}

/* Writes the three lists to Redis; -1 if Redis failed. */
static int
mirror_all(struct cw_sync *s, struct cw_entry_list *lists, long *written,
    char *err, size_t errlen)
{
	enum cw_kind k;
	bool *changed;
	long n;
	size_t i;

	*written = 0;
	for (k = 0; k < CW_KIND_COUNT; k++) {
		changed = calloc(lists[k].count + 1, sizeof(*changed));
		if (changed == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		n = cw_store_mirror(&s->store, k, lists[k].items,
		    lists[k].count, changed, err, errlen);
		for (i = 0; n > 0 && i < lists[k].count; i++)
			if (changed[i])
				report_entry(k, &lists[k].items[i]);
		free(changed);
		if (n < 0)
			return -1;
		*written += n;
	}
	return 0;
}

/* One full read of the directory into Redis. */
static int
ldap_round(struct cw_sync *s)
{
	const struct cw_config *cfg = s->cfg;
	const char *bases[CW_KIND_COUNT] = {
		cfg->ldap.staff_base, cfg->ldap.hostclass_base,
		cfg->ldap.role_base
	};
	struct cw_entry_list lists[CW_KIND_COUNT];
	struct cw_ldap *l;
	char err[512];
	size_t skipped;
	long written;
	enum cw_kind k;
	int rc = -1;

	memset(lists, 0, sizeof(lists));
	if ((l = cw_ldap_open(cfg, err, sizeof(err))) == NULL) {
		set_ldap_up(s, false, err);
		return -1;
	}
	for (k = 0; k < CW_KIND_COUNT; k++) {
		if (cw_ldap_fetch(l, bases[k], kind_classes[k], &lists[k],
		    &skipped, err, sizeof(err)) < 0) {
			set_ldap_up(s, false, err);
			goto out;
		}
		if (skipped > 0)
			cw_warn("ldap: %zu %s entries without entryUUID "
			    "ignored", skipped, kind_names[k]);
	}
	set_ldap_up(s, true, cw_ldap_uri(l));
	if (mirror_all(s, lists, &written, err, sizeof(err)) < 0) {
		set_redis_up(s, false, err);
		goto out;
	}
	set_redis_up(s, true, NULL);
	if (written > 0)
		cw_info("ldap: %zu staff, %zu host classes, %zu roles; "
		    "%ld written to redis", lists[0].count, lists[1].count,
		    lists[2].count, written);
	rc = 0;
out:
	for (k = 0; k < CW_KIND_COUNT; k++)
		cw_entry_list_free(&lists[k]);
	cw_ldap_close(l);
	return rc;
}

static void
handoff(struct cw_sync *s, struct cw_snapshot *snap)
{
	struct cw_snapshot *old;
	uint64_t one = 1;

	pthread_mutex_lock(&s->lock);
	old = s->pending;
	s->pending = snap;
	pthread_mutex_unlock(&s->lock);
	cw_snapshot_free(old);
	if (write(s->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		cw_err("sync: cannot wake the server: %s", strerror(errno));
}

/* Rebuilds the snapshot when the generation moved (or none exists). */
static void
reload(struct cw_sync *s)
{
	struct cw_snapshot *snap;
	long long gen;
	size_t skipped;
	char err[512];

	if (cw_store_generation(&s->store, &gen, err, sizeof(err)) < 0) {
		set_redis_up(s, false, err);
		return;
	}
	set_redis_up(s, true, NULL);
	if (s->have_snapshot && gen == s->generation)
		return;
	if ((snap = cw_store_load(&s->store, &skipped, err, sizeof(err))) ==
	    NULL) {
		set_redis_up(s, false, err);
		return;
	}
	if (skipped > 0)
		cw_warn("redis: %zu stored values unusable, first: %s",
		    skipped, err);
	cw_debug("policy data generation %lld: %zu staff, %zu host classes, "
	    "%zu roles, %zu revoked", snap->generation, snap->nstaff,
	    snap->nhost_classes, snap->nroles, snap->nrevoked);
	if (!s->have_snapshot)
		cw_info("policy data loaded: %zu staff, %zu host classes, "
		    "%zu roles", snap->nstaff, snap->nhost_classes, snap->nroles);
	s->generation = snap->generation;
	s->have_snapshot = true;
	handoff(s, snap);
}

static void
schedule_ldap(struct cw_sync *s, bool ok)
{
	long long now = cw_now_ms();

	if (ok) {
		s->backoff_ms = BACKOFF_MIN_MS;
		s->next_ldap_ms = now + s->cfg->ldap.refresh_interval_s * 1000LL;
		return;
	}
	/* Jitter spreads a fleet's reconnects after a directory outage. */
	s->next_ldap_ms = now + s->backoff_ms +
	    arc4random_uniform((uint32_t)s->backoff_ms / 4 + 1);
	s->backoff_ms = s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
	    s->backoff_ms * 2;
}

/* Sleeps until ms (monotonic) or until asked to stop; true to go on. */
static bool
sleep_until(struct cw_sync *s, long long ms)
{
	struct timespec ts;
	bool go_on;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	pthread_mutex_lock(&s->lock);
	while (!s->stop && cw_now_ms() < ms)
		if (pthread_cond_timedwait(&s->cond, &s->lock, &ts) == ETIMEDOUT)
			break;
	go_on = !s->stop;
	pthread_mutex_unlock(&s->lock);
	return go_on;
}

static void *
sync_main(void *arg)
{
	struct cw_sync *s = arg;
	long long wake;

	do {
		if (s->cfg->daemon.ldap_sync && cw_now_ms() >= s->next_ldap_ms)
			schedule_ldap(s, ldap_round(s) == 0);
		reload(s);
		wake = cw_now_ms() + s->cfg->daemon.reload_interval_ms;
		if (s->cfg->daemon.ldap_sync && s->next_ldap_ms < wake)
			wake = s->next_ldap_ms;
	} while (sleep_until(s, wake));
	return NULL;
}

int
cw_sync_start(struct cw_sync *s, const struct cw_config *cfg,
    struct cw_redis *redis, int wake_fd, char *err, size_t errlen)
{
	pthread_condattr_t ca;
	int rc;

	memset(s, 0, sizeof(s[0]));
	s->cfg = cfg;
	s->redis = redis;
	s->wake_fd = wake_fd;
	s->ldap_up = true;              /* so the first failure is logged */
	s->redis_up = true;
	s->backoff_ms = BACKOFF_MIN_MS;
	if (cw_store_init(&s->store, redis, cfg->redis.key_prefix) < 0) {
		snprintf(err, errlen, "[redis] key_prefix must be at most %d "
		    "characters of [A-Za-z0-9:_-]", CW_PREFIX_MAX);
		return -1;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &ca);
	pthread_condattr_destroy(&ca);
	if ((rc = pthread_create(&s->thread, NULL, sync_main, s)) != 0) {
		snprintf(err, errlen, "cannot start sync thread: %s",
		    strerror(rc));
		return -1;
	}
	s->started = true;
	return 0;
}

struct cw_snapshot *
cw_sync_take(struct cw_sync *s)
{
	struct cw_snapshot *snap;

	pthread_mutex_lock(&s->lock);
	snap = s->pending;
	s->pending = NULL;
	pthread_mutex_unlock(&s->lock);
	return snap;
}

void
cw_sync_stop(struct cw_sync *s)
{
	if (!s->started)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	cw_snapshot_free(s->pending);
	s->pending = NULL;
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	s->started = false;
}
