/* SPDX-License-Identifier: MIT */
/*
 * audit_log.c - the audit pipeline's API (audit_log.h), event formatting
 * and alerts.  The spool is in audit_spool.c, the writer in
 * audit_writer.c.
 *
 * emit() formats the event on the caller's thread, outside any lock, into
 * a stack buffer; audit_spool.c then adds the event id and appends the
 * line to the spool file with one write(2) under its emit mutex (so ids
 * follow file order), before emit() returns.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "audit/audit_pipeline.h"
#include "lib/log.h"
#include "lib/wake.h"

/* Things logged once per pipeline (log->warned). */
#define WARN_BAD_DETAIL 1u
#define WARN_RESERVED   2u
#define WARN_NO_ROOM    4u
#define WARN_INVALID    8u
#define WARN_GAUGE      16u

/* ---- small shared helpers ---- */

int64_t
cw_audit_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
cw_audit_redis_key(char *buf, size_t len, const char *prefix,
    const char *suffix)
{
	size_t i, n = strlen(prefix);
	int k;

	/* The rule of store.c's prefixes: keys stay printable and short. */
	if (n > 32)
		return -1;
	for (i = 0; i < n; i++)
		if (!((prefix[i] >= 'a' && prefix[i] <= 'z') ||
		    (prefix[i] >= 'A' && prefix[i] <= 'Z') ||
		    (prefix[i] >= '0' && prefix[i] <= '9') ||
		    prefix[i] == ':' || prefix[i] == '_' || prefix[i] == '-'))
			return -1;
	k = snprintf(buf, len, "%s%s", prefix, suffix);
	return k < 0 || (size_t)k >= len ? -1 : 0;
}

int
cw_audit_host_stream_key(char *buf, size_t len, const char *prefix,
    const char *host)
{
	char key[CW_AUDIT_REDIS_KEY_MAX];
	int k;

	if (cw_audit_redis_key(key, sizeof(key), prefix, CW_KEY_AUDIT_HOST) < 0 ||
	    host == NULL || host[0] == '\0' ||
	    CW_AUDIT_HOST_RESERVED(host))
		return -1;
	k = snprintf(buf, len, "%s%s", key, host);
	return k < 0 || (size_t)k >= len ? -1 : 0;
}

/* True the first time only: a caller's bug is logged once, not per event. */
static bool
first_time(struct cw_audit_log *log, unsigned what)
{
	return (atomic_fetch_or(&log->warned, what) & what) == 0;
}

/* ---- alerts ---- */

static void
log_alert(const struct cw_alert *a)
{
	const char *from = a->rhost[0] != '\0' ? a->rhost : "local";

	switch (a->kind) {
	case CW_ALERT_REVOKED_LOGON:
		cw_log(LOG_ALERT, "audit alert revoked_logon: logon attempt by "
		    "revoked user %s from %s", a->user, from);
		break;
	case CW_ALERT_LEAVER_LOGON:
		cw_log(LOG_ALERT, "audit alert leaver_logon: logon attempt by "
		    "user %s (%s) from %s", a->user, a->reason, from);
		break;
	case CW_ALERT_BREAKGLASS:
		cw_log(LOG_ALERT, "audit alert breakglass: break-glass account "
		    "%s used from %s", a->user, from);
		break;
	case CW_ALERT_USER_DENIALS:
		cw_log(LOG_ALERT, "audit alert user_denials: %lld denials of "
		    "user %s within %d s (last from %s)", (long long)a->count,
		    a->user, a->window_s, from);
		break;
	default:
		cw_log(LOG_ALERT, "audit alert host_denials: %lld denials from "
		    "%s within %d s (last for user %s)", (long long)a->count,
		    a->rhost, a->window_s, a->user);
		break;
	}
}

/* The anomaly_alert record: actor clearwayd, subject user or rhost. */
static int
alert_event(const struct cw_alert *a, struct cw_audit_event *ev)
{
	if (cw_audit_event_init(ev, CW_AUDIT_ANOMALY_ALERT, cw_audit_now_us(),
	    CW_AUDIT_ACTOR, a->subject, "alert") < 0 ||
	    cw_audit_event_add_string(ev, "kind",
	    cw_alert_kind_name(a->kind)) < 0 ||
	    cw_audit_event_add_int(ev, "count", a->count) < 0 ||
	    cw_audit_event_add_int(ev, "window_s", a->window_s) < 0 ||
	    cw_audit_event_add_string(ev, "user", a->user) < 0 ||
	    cw_audit_event_add_string(ev, "rhost", a->rhost) < 0 ||
	    cw_audit_event_add_string(ev, "reason", a->reason) < 0)
		return -1;
	return 0;
}

static void
raise_alert(struct cw_audit_log *log, const struct cw_alert *a)
{
	struct cw_audit_event ev;

	log_alert(a);
	cw_metrics_alert(log->metrics, cw_alert_kind_name(a->kind));
	if (alert_event(a, &ev) < 0 || cw_audit_emit(log, &ev) < 0)
		cw_log(LOG_CRIT, "audit: the %s alert could not be spooled for "
		    "the trail (spool and backlog full)",
		    cw_alert_kind_name(a->kind));
}

static void
breakglass_seen(struct cw_audit_log *log, const struct cw_audit_event *ev)
{
	const struct cw_audit_detail *rhost = cw_audit_event_detail(ev,
	    "rhost");
	struct cw_alert a;
	size_t n;

	pthread_mutex_lock(&log->anomaly_lock);
	n = cw_anomaly_breakglass(log->anomaly, ev->subject, rhost != NULL &&
	    rhost->kind == CW_AUDIT_STRING ? rhost->text : "", cw_now_ms(), &a);
	pthread_mutex_unlock(&log->anomaly_lock);
	if (n > 0)
		raise_alert(log, &a);
}

/* Hands the completed line (spool_put added its id and newline) to the
 * notifier, which copies it and returns at once. */
static void
notify(struct cw_audit_log *log, enum cw_audit_type type, const char *line)
{
	const char *nl = memchr(line, '\n', CW_AUDIT_EVENT_LINE_MAX);

	if (nl != NULL)
		cw_notify_offer(log->notify, type, line, (size_t)(nl - line) + 1);
}

/* ---- the API ---- */

int
cw_audit_emit(struct cw_audit_log *log, const struct cw_audit_event *ev)
{
	char line[CW_AUDIT_EVENT_LINE_MAX];
	unsigned fixed = 0;
	size_t head;
	int rc;

	if (log == NULL || ev == NULL)
		return -1;
	head = cw_audit_event_head(ev, ev->time_us != 0 ? ev->time_us :
	    cw_audit_now_us(), log->host, line, sizeof(line) -
	    CW_AUDIT_EVENT_TAIL_MAX, &fixed);
	if ((fixed & CW_AUDIT_FIX_BAD_DETAIL) &&
	    first_time(log, WARN_BAD_DETAIL))
		cw_log(LOG_ERR, "audit: a %s event had a detail with a bad or "
		    "repeated name, or an integer out of range: left out",
		    cw_audit_type_name(ev->type));
	if ((fixed & CW_AUDIT_FIX_RESERVED) && first_time(log, WARN_RESERVED))
		cw_log(LOG_ERR, "audit: a %s event set details.event_id, which "
		    "is the pipeline's: left out", cw_audit_type_name(ev->type));
	if ((fixed & CW_AUDIT_FIX_NO_ROOM) && first_time(log, WARN_NO_ROOM))
		cw_log(LOG_ERR, "audit: a %s event had 16 details; the last is "
		    "left out for event_id", cw_audit_type_name(ev->type));
	if (head == 0) {
		if (first_time(log, WARN_INVALID))
			cw_log(LOG_ERR, "audit: an event of type %s cannot be a "
			    "record (unknown or store-only type, bad outcome or "
			    "time): dropped", cw_audit_type_name(ev->type));
		cw_audit_spool_refused(log->spool);
		return -1;
	}
	rc = cw_audit_spool_put(log->spool, line, head);
	if (rc == 0 && log->notify != NULL && cw_notify_wants(ev->type))
		notify(log, ev->type, line);
	if (ev->type == CW_AUDIT_BREAKGLASS)
		breakglass_seen(log, ev);
	return rc;
}

void
cw_audit_note_decision(struct cw_audit_log *log, const char *user,
    const char *rhost, const char *verdict, const char *reason)
{
	struct cw_alert alerts[CW_ANOMALY_MAX_ALERTS];
	size_t i, n;

	if (log == NULL)
		return;
	cw_metrics_decision(log->metrics, verdict, reason);
	pthread_mutex_lock(&log->anomaly_lock);
	n = cw_anomaly_decision(log->anomaly, user, rhost, verdict, reason,
	    cw_now_ms(), alerts);
	pthread_mutex_unlock(&log->anomaly_lock);
	for (i = 0; i < n; i++)
		raise_alert(log, &alerts[i]);
}

void
cw_audit_set_gauge(struct cw_audit_log *log, const char *name, double value)
{
	if (log == NULL)
		return;
	if (cw_metrics_set_gauge(log->metrics, name, value) < 0 &&
	    first_time(log, WARN_GAUGE))
		cw_log(LOG_WARNING, "audit: gauge ignored: a bad or reserved "
		    "name, or more than %d gauges", CW_METRICS_MAX_GAUGES);
}

void
cw_audit_log_stats(struct cw_audit_log *log, struct cw_audit_log_stats *out)
{
	struct cw_metrics *m = log->metrics;

	memset(out, 0, sizeof(*out));
	cw_audit_spool_counts(log->spool, &out->emitted, &out->dropped,
	    &out->queue_events);
	out->backlogged = cw_metrics_get(m, CW_COUNTER_BACKLOGGED);
	out->spooled = cw_metrics_get(m, CW_COUNTER_SPOOLED);
	out->forwarded = cw_metrics_get(m, CW_COUNTER_FORWARDED);
	out->written = cw_metrics_get(m, CW_COUNTER_WRITTEN);
	out->duplicates = cw_metrics_get(m, CW_COUNTER_DUPLICATES);
	out->invalid = cw_metrics_get(m, CW_COUNTER_INVALID);
	out->missing = cw_metrics_get(m, CW_COUNTER_MISSING);
	out->writer_idle_reads = cw_metrics_get(m, CW_COUNTER_WRITER_IDLE);
	out->alerts = cw_metrics_alerts(m);
	out->spool_events = (uint64_t)cw_metrics_level_get(m,
	    CW_LEVEL_SPOOL_EVENTS);
	out->spool_bytes = (uint64_t)cw_metrics_level_get(m,
	    CW_LEVEL_SPOOL_BYTES);
	out->redis_up = cw_metrics_level_get(m, CW_LEVEL_REDIS_UP) > 0;
	out->writer_active = cw_metrics_level_get(m,
	    CW_LEVEL_WRITER_ACTIVE) > 0;
}

/* Printable ASCII without spaces: a host name, a consumer, part of a lock
 * token ("<host> <random>"). */
static int
check_host(const char *host, char *err, size_t errlen)
{
	size_t i, len = host != NULL ? strnlen(host, CW_AUDIT_HOST_MAX + 1) :
	    0;

	for (i = 0; i < len; i++)
		if (host[i] <= 0x20 || host[i] >= 0x7f)
			break;
	if (len == 0 || len > CW_AUDIT_HOST_MAX || i < len) {
		snprintf(err, errlen, "audit: host name must be 1 to %d "
		    "printable characters without spaces", CW_AUDIT_HOST_MAX);
		return -1;
	}
	/* Its stream would be the writer's lease or its counter. */
	if (CW_AUDIT_HOST_RESERVED(host)) {
		snprintf(err, errlen, "audit: the host name \"%s\" is reserved "
		    "(<prefix>audit:%s is a key of the audit writer's lease): "
		    "rename the host", host, host);
		return -1;
	}
	return 0;
}

static int
make_run_id(char run[CW_AUDIT_RUN_LEN + 1])
{
	unsigned char r[CW_AUDIT_RUN_LEN / 2];
	size_t i;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -1;
	for (i = 0; i < sizeof(r); i++)
		snprintf(run + 2 * i, 3, "%02x", r[i]);
	return 0;
}

static int
log_init(struct cw_audit_log *log, const struct cw_config *cfg,
    const char *host, char *err, size_t errlen)
{
	const char *kinds[CW_ALERT_KIND_COUNT];
	struct cw_anomaly_config ac = { cfg->audit.alert_user_denials,
	    cfg->audit.alert_host_denials, cfg->audit.alert_window_s };
	size_t i;

	memcpy(log->host, host, strlen(host) + 1);
	for (i = 0; i < CW_ALERT_KIND_COUNT; i++)
		kinds[i] = cw_alert_kind_name((enum cw_alert_kind)i);
	pthread_mutex_init(&log->anomaly_lock, NULL);
	atomic_init(&log->warned, 0);
	log->metrics_interval_s = cfg->audit.metrics_interval_s > 0 ?
	    cfg->audit.metrics_interval_s : 15;
	if (make_run_id(log->run) < 0) {
		snprintf(err, errlen, "audit: getrandom: %s", strerror(errno));
		return -1;
	}
	if ((log->metrics = cw_metrics_new(kinds, CW_ALERT_KIND_COUNT)) ==
	    NULL || (log->anomaly = cw_anomaly_new(&ac)) == NULL ||
	    (cfg->audit.metrics_file != NULL && (log->metrics_file =
	    strdup(cfg->audit.metrics_file)) == NULL)) {
		snprintf(err, errlen, "audit: out of memory");
		return -1;
	}
	return 0;
}

struct cw_audit_log *
cw_audit_log_start(const struct cw_config *cfg,
    const struct cw_redis_options *redis, const char *host, char *err,
    size_t errlen)
{
	struct cw_audit_log *log;
	char key[CW_AUDIT_REDIS_KEY_MAX];

	if (check_host(host, err, errlen) < 0)
		return NULL;
	if (cw_audit_redis_key(key, sizeof(key), cfg->redis.key_prefix,
	    CW_KEY_AUDIT) < 0) {
		snprintf(err, errlen, "audit: [redis] key_prefix must be at "
		    "most 32 characters of [A-Za-z0-9:_-]");
		return NULL;
	}
	if (cfg->audit.writer && cw_audit_writer_check(cfg, err, errlen) < 0)
		return NULL;
	if ((log = calloc(1, sizeof(*log))) == NULL) {
		snprintf(err, errlen, "audit: out of memory");
		return NULL;
	}
	if (log_init(log, cfg, host, err, errlen) < 0)
		goto fail;
	/* Before the spool: every event it accepts may be notified. */
	if ((log->notify = cw_notify_start(cfg, err, errlen)) == NULL &&
	    err[0] != '\0')
		goto fail;
	if ((log->spool = cw_audit_spool_start(log, cfg, redis, err,
	    errlen)) == NULL)
		goto fail;
	if (cfg->audit.writer && (log->writer = cw_audit_writer_start(log,
	    cfg, redis, err, errlen)) == NULL)
		goto fail;
	return log;
fail:
	cw_audit_log_stop(log);
	return NULL;
}

void
cw_audit_log_stop(struct cw_audit_log *log)
{
	char err[512];

	if (log == NULL)
		return;
	/* The spool first (it writes what waits, the forwarder sends it):
	 * the writer then drains what was forwarded. */
	cw_audit_spool_stop(log->spool);
	cw_audit_writer_stop(log->writer);
	cw_notify_stop(log->notify);
	if (log->metrics != NULL && log->spool != NULL &&
	    log->metrics_file != NULL &&
	    cw_metrics_write_file(log->metrics, log->metrics_file, err,
	    sizeof(err)) < 0)
		cw_log(LOG_WARNING, "audit: metrics: %s", err);
	cw_anomaly_free(log->anomaly);
	cw_metrics_free(log->metrics);
	pthread_mutex_destroy(&log->anomaly_lock);
	free(log->metrics_file);
	free(log);
}
