/* SPDX-License-Identifier: MIT */
/*
 * audit_writer.c - the central writer: Redis stream -> HMAC chain
 * (audit_log.h, docs/audit.md).  This file: the lease in Redis, the store
 * while it is held, the daily roll and sweep, the thread, start and stop.
 * Reading the stream and sealing is audit_writer_read.c, the process's
 * token audit_writer_token.c, the duplicate marks audit_dedup.c.
 *
 * One writer at a time.  Any number of daemons may run with writer =
 * yes; the one holding the lease <prefix>audit:writer (store/lease.h:
 * a fencing token from INCR <prefix>audit:fence, PX WRITER_LEASE_MS,
 * renewed at a third of it) works, the others stand by and take it when
 * it expires.  Tokens name processes, not hosts, so a second daemon on
 * the same host is just another writer; only a restart that can prove its
 * previous incarnation dead (the flock on <spool_dir>/writer.token) takes
 * that one's lease at once.  The holder opens the store only while it
 * holds the lease, appends only while its last renewal is recent enough
 * (APPEND_MARGIN_MS) that the lease cannot have expired meanwhile, and its
 * Redis writes (XACK/XDEL, lua/audit_ack.lua) carry the token: once the
 * lease moved on they are refused, the entries stay pending for the new
 * holder, and this one stands by.
 *
 * Order.  Events reach their host's stream <prefix>audit:<host> in the
 * host's counter order (the forwarder sends its spool in order, each
 * batch one MULTI/EXEC), and the writer seals each stream in order
 * (audit_writer_read.c, audit_writer_streams.c): after taking the lock it
 * finds every stream, and in each first claims the entries a previous
 * holder left pending (once idle a lease, so a live one is not robbed),
 * then its own pending entries (after its own restart), then new ones.
 *
 * Duplicates.  At-least-once delivery repeats a suffix of what was already
 * sent: a forwarder resending a batch whose confirmation it did not save,
 * or this writer re-reading entries it appended but did not XACK.  Since
 * per host and run the counters arrive in order, an event is a copy
 * exactly when its counter is at most the highest seen for its (host,
 * run).  Those marks are kept per host for its last 8 runs, and rebuilt
 * from the trail's last 8 MiB when the store is (re)opened: far more
 * than any resend window (one forwarder batch, one writer batch).  A
 * counter that jumps is a gap: events that never arrived (logged,
 * counted).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit_writer_internal.h"
#include "lib/log.h"
#include "text.h"
#include "lib/wake.h"
#include "audit/events.h"

#define BLOCK_MAX_MS 500
#define STANDBY_MS 1000
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define STOP_MS 2000
#define US_PER_DAY (86400LL * 1000000LL)

/* ---- Redis helpers ---- */

void
writer_redis_state(struct cw_audit_writer *w, bool up, const char *why)
{
	if (up && !w->redis_up)
		cw_log(LOG_NOTICE, "audit writer: redis reachable again");
	else if (!up && w->redis_up)
		cw_log(LOG_WARNING, "audit writer: %s; retrying with backoff up "
		    "to %d s", why, BACKOFF_MAX_MS / 1000);
	w->redis_up = up;
}

redisReply *
writer_command(struct cw_audit_writer *w, int argc, const char **argv,
    const size_t *lens)
{
	redisReply *r;
	char err[512];

	r = cw_redis_command(w->redis, err, sizeof(err), argc, argv, lens);
	if (r == NULL) {
		writer_redis_state(w, false, err);
		return NULL;
	}
	writer_redis_state(w, true, NULL);
	if (r->type == REDIS_REPLY_ERROR) {
		if (strncmp(r->str, "NOGROUP", 7) == 0)
			w->phase = READ_OTHERS;   /* recreate the group */
		cw_log(LOG_ERR, "audit writer: %s: %.200s", argv[0], r->str);
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

/* Published for clearwayctl status: the token held now, 0 when none. */
static _Atomic long long held_token;

long long
cw_ev_writer_token(void)
{
	return atomic_load(&held_token);
}

/*
 * The lease, free or expired; else, if it still holds the token of this
 * spool's previous writer process (dead: we hold its flock), at once
 * rather than after the ttl.  Any other holder, a second daemon on this
 * host included, keeps it until it lets it go or its lease expires.
 * Either way a new holder draws a new, greater fencing token.
 */
static bool
lock_acquire(struct cw_audit_writer *w)
{
	char err[512], holder[CW_LEASE_TOKEN_MAX];
	int rc;

	rc = cw_lease_acquire(&w->lease, w->prev_token, holder,
	    sizeof(holder), err, sizeof(err));
	if (rc < 0) {
		writer_redis_state(w, false, err);
		return false;
	}
	writer_redis_state(w, true, NULL);
	if (rc == 0)
		return false;
	if (w->prev_token[0] != '\0' && strcmp(holder, w->prev_token) == 0)
		cw_log(LOG_NOTICE, "audit writer: took %s over from this "
		    "spool's previous writer process, which is gone",
		    w->lock_key);
	w->prev_token[0] = '\0';
	writer_token_file_save(w);
	atomic_store(&held_token, cw_lease_token_now(&w->lease));
	return true;
}

/* ---- the store ---- */

static void
store_close(struct cw_audit_writer *w)
{
	cw_audit_store_close(w->store);
	w->store = NULL;
}

/* Rotates to [audit] key_id if the chain still uses another key. */
static int
rotate_if_needed(struct cw_audit_writer *w, char *err, size_t errlen)
{
	const struct cw_audit_chain *c = cw_audit_store_chain(w->store);

	if (strcmp(c->key_id, w->key_id) == 0)
		return 0;
	cw_log(LOG_NOTICE, "audit writer: rotating the chain's key from %s "
	    "to %s", c->key_id, w->key_id);
	return cw_audit_store_rotate_key(w->store, w->key_id, CW_AUDIT_ACTOR,
	    cw_audit_now_us(), err, errlen);
}

static int
store_open(struct cw_audit_writer *w)
{
	struct cw_audit_store_options o = { w->dir, w->key_dir,
	    w->log->host, w->key_id };
	char err[512];

	if (cw_audit_store_open(&o, cw_audit_now_us(), &w->store, err,
	    sizeof(err)) < 0 || rotate_if_needed(w, err, sizeof(err)) < 0) {
		/* Retried every second: said once, until it works again. */
		if (!w->open_failed)
			cw_log(LOG_CRIT, "audit writer: cannot open the trail "
			    "(events wait in Redis): %s", err);
		w->open_failed = true;
		store_close(w);
		return -1;
	}
	w->open_failed = false;
	cw_audit_dedup_rebuild(w->dedup, w->dir);
	w->swept_day = -1;
	return 0;
}

/* ---- the lock ---- */

static void
release(struct cw_audit_writer *w)
{
	if (!w->holding)
		return;
	store_close(w);
	cw_lease_release(&w->lease);
	w->holding = false;
	atomic_store(&held_token, 0);
	cw_metrics_level(w->log->metrics, CW_LEVEL_WRITER_ACTIVE, 0);
}

void
writer_fenced(struct cw_audit_writer *w, const char *what)
{
	cw_log(LOG_WARNING, "audit writer: %s refused: the lease %s no longer "
	    "holds token %s (another writer took over); standing by", what,
	    w->lock_key, w->lease.token[0] != '\0' ? w->lease.token : "?");
	cw_lease_forget(&w->lease);     /* nothing to release in Redis */
	release(w);
}

/* Takes the lock, then opens the store.  0 when this host now writes. */
static int
become_writer(struct cw_audit_writer *w)
{
	if (!lock_acquire(w)) {
		if (w->redis_up && !w->standby_logged)
			cw_log(LOG_INFO, "audit writer: standing by (%s is held "
			    "by another writer)", w->lock_key);
		w->standby_logged = true;
		return -1;
	}
	w->holding = true;
	if (store_open(w) < 0) {
		release(w);
		return -1;
	}
	w->phase = READ_OTHERS;         /* find every stream again */
	w->standby_logged = false;
	cw_metrics_level(w->log->metrics, CW_LEVEL_WRITER_ACTIVE, 1);
	cw_log(LOG_NOTICE, "audit writer: sealing %s and %s* into %s (lease "
	    "token %s)", w->legacy_key, w->host_prefix, w->dir, w->lease.token);
	return 0;
}

/*
 * Renews the lease every third of its ttl; -1 when it turned out to be
 * lost, or could not be renewed for a whole ttl (Redis unreachable: by
 * then another writer may hold it, and our acks would be refused).
 */
static int
renew(struct cw_audit_writer *w)
{
	char err[512];
	int v;

	if (!cw_lease_renew_due(&w->lease, cw_now_ms()))
		return 0;
	v = cw_lease_renew(&w->lease, err, sizeof(err));
	if (v == 1) {
		writer_redis_state(w, true, NULL);
		return 0;
	}
	if (v < 0) {
		writer_redis_state(w, false, err);
		if (!cw_lease_expired(&w->lease, cw_now_ms()))
			return 0;       /* appends stop by margin meanwhile */
		cw_lease_forget(&w->lease);
	}
	cw_log(LOG_WARNING, "audit writer: lost %s (%s); standing by",
	    w->lock_key, v == 0 ? "another writer took it over" :
	    "not renewed within its ttl");
	release(w);
	return -1;
}

/* Midnight roll and the daily retention sweep. */
static int
daily(struct cw_audit_writer *w)
{
	struct cw_audit_removal removed;
	int64_t now = cw_audit_now_us(), day = now / US_PER_DAY;
	char err[512];

	if (cw_audit_store_roll(w->store, now, err, sizeof(err)) < 0) {
		cw_log(LOG_CRIT, "audit writer: cannot roll the day file: %s",
		    err);
		return -1;
	}
	if (day == w->swept_day)
		return 0;
	w->swept_day = day;
	if (cw_audit_retention_sweep(w->store, w->retention_days,
	    CW_AUDIT_ACTOR, now, &removed, err, sizeof(err)) < 0)
		cw_log(LOG_ERR, "audit writer: retention sweep: %s", err);
	else if (removed.removed_files > 0)
		cw_log(LOG_NOTICE, "audit writer: retention removed %zu files "
		    "(%s .. %s)", removed.removed_files, removed.first_removed,
		    removed.last_removed);
	return 0;
}

void
writer_reopen(struct cw_audit_writer *w)
{
	store_close(w);
	if (store_open(w) < 0)
		release(w);
}

/* One round of work: 1 did some, 0 nothing to do, -1 failed. */
static int
work(struct cw_audit_writer *w)
{
	if (!w->holding && become_writer(w) < 0)
		return -1;
	if (renew(w) < 0 || daily(w) < 0)
		return -1;
	return writer_read_round(w);
}

/* ---- the thread ---- */

static bool
stopping(struct cw_audit_writer *w, long long *deadline)
{
	bool stop;

	pthread_mutex_lock(&w->lock);
	stop = w->stop;
	*deadline = w->stop_deadline_ms;
	pthread_mutex_unlock(&w->lock);
	return stop;
}

static void
pause_ms(struct cw_audit_writer *w, int ms)
{
	long long until = cw_now_ms() + ms;

	pthread_mutex_lock(&w->lock);
	while (!w->stop)
		if (!cw_wake_wait_until(&w->cond, &w->lock, until))
			break;
	pthread_mutex_unlock(&w->lock);
}

static void *
writer_main(void *arg)
{
	struct cw_audit_writer *w = arg;
	long long deadline;
	int r;

	pthread_setname_np(pthread_self(), "cw-writer");
	for (;;) {
		r = work(w);
		if (stopping(w, &deadline) && (r <= 0 || !w->holding ||
		    cw_now_ms() >= deadline))
			break;
		if (r > 0) {
			w->backoff_ms = BACKOFF_MIN_MS;
		} else if (r < 0) {
			pause_ms(w, w->holding ? w->backoff_ms : STANDBY_MS);
			w->backoff_ms = w->backoff_ms * 2 > BACKOFF_MAX_MS ?
			    BACKOFF_MAX_MS : w->backoff_ms * 2;
		} else if (w->phase == READ_OTHERS || w->block_ms <= 0) {
			/* Waiting for a dead holder's entries to idle, or
			 * polling without BLOCK. */
			pause_ms(w, w->phase == READ_OTHERS ? STANDBY_MS : 50);
		}
	}
	release(w);
	return NULL;
}

/* ---- start and stop ---- */

int
cw_audit_writer_check(const struct cw_config *cfg, char *err, size_t errlen)
{
	unsigned char key[CW_AUDIT_KEY_MAX];
	size_t len;
	int rc;

	if (cfg->audit.retention_days < CW_AUDIT_RETENTION_MIN_DAYS) {
		snprintf(err, errlen, "audit: [audit] retention_days %d is "
		    "below the minimum of %d: the writer refuses to start",
		    cfg->audit.retention_days, CW_AUDIT_RETENTION_MIN_DAYS);
		return -1;
	}
	rc = cw_audit_key_load(cfg->audit.key_dir, cfg->audit.key_id, key,
	    &len, err, errlen);
	explicit_bzero(key, sizeof(key));
	return rc;
}

static void
writer_free(struct cw_audit_writer *w)
{
	cw_redis_free(w->redis);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	if (w->token_fd >= 0)
		close(w->token_fd);
	cw_audit_dedup_free(w->dedup);
	writer_streams_free(w);
	free(w->events);
	free(w->dir);
	free(w->key_dir);
	free(w->key_id);
	free(w);
}

static int
writer_init(struct cw_audit_writer *w, struct cw_audit_log *log,
    const struct cw_config *cfg, const struct cw_redis_options *redis)
{
	int timeout = redis->timeout_ms > 0 ? redis->timeout_ms : 2000;

	w->log = log;
	w->token_fd = -1;
	w->retention_days = cfg->audit.retention_days;
	w->backoff_ms = BACKOFF_MIN_MS;
	w->redis_up = true;     /* so that the first failure is logged */
	/* A BLOCK must end well inside the client's own deadline. */
	w->block_ms = timeout / 2 < BLOCK_MAX_MS ? timeout / 2 : BLOCK_MAX_MS;
	pthread_mutex_init(&w->lock, NULL);
	cw_wake_cond_init(&w->cond);
	if (writer_streams_init(w, cfg->redis.key_prefix) < 0 ||
	    cw_audit_redis_key(w->lock_key, sizeof(w->lock_key),
	    cfg->redis.key_prefix, CW_KEY_AUDIT_WRITER) < 0)
		return -1;
	if ((w->dir = strdup(cfg->audit.directory)) == NULL ||
	    (w->key_dir = strdup(cfg->audit.key_dir)) == NULL ||
	    (w->key_id = strdup(cfg->audit.key_id)) == NULL ||
	    (w->dedup = cw_audit_dedup_new()) == NULL ||
	    (w->events = calloc(BATCH, sizeof(*w->events))) == NULL ||
	    (w->redis = cw_redis_new(redis)) == NULL ||
	    cw_lease_init(&w->lease, w->redis, cfg->redis.key_prefix,
	    CW_KEY_AUDIT_WRITER, CW_KEY_AUDIT_FENCE, WRITER_LEASE_MS) < 0)
		return -1;
	writer_token_file_open(w, cfg->audit.spool_dir);
	return 0;
}

struct cw_audit_writer *
cw_audit_writer_start(struct cw_audit_log *log, const struct cw_config *cfg,
    const struct cw_redis_options *redis, char *err, size_t errlen)
{
	struct cw_audit_writer *w;
	int rc;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		snprintf(err, errlen, "audit writer: out of memory");
		return NULL;
	}
	if (writer_init(w, log, cfg, redis) < 0) {
		snprintf(err, errlen, "audit writer: out of memory or no "
		    "randomness");
		writer_free(w);
		return NULL;
	}
	if ((rc = pthread_create(&w->thread, NULL, writer_main, w)) != 0) {
		snprintf(err, errlen, "audit writer: cannot start a thread: %s",
		    strerror(rc));
		writer_free(w);
		return NULL;
	}
	w->started = true;
	return w;
}

void
cw_audit_writer_stop(struct cw_audit_writer *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	w->stop_deadline_ms = cw_now_ms() + STOP_MS;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	if (w->started)
		pthread_join(w->thread, NULL);
	writer_free(w);
}
