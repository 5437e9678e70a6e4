/* SPDX-License-Identifier: MIT */
/*
 * metrics.c - counters and gauges in the Prometheus text format
 * (metrics.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/metrics.h"
#include "text.h"

#define MAX_ALERT_KINDS 16

struct counter_info {
	const char *name;
	const char *help;
};

/* Order of enum cw_counter. */
static const struct counter_info counters[CW_COUNTER_COUNT] = {
	{ "clearway_audit_emitted_total",
	  "Audit events accepted: written to the spool, or to its backlog." },
	{ "clearway_audit_dropped_total",
	  "Audit events refused: the spool and its backlog were full (or the event invalid)." },
	{ "clearway_audit_spooled_total",
	  "Audit events fsync'd into the host spool." },
	{ "clearway_audit_forwarded_total",
	  "Audit events confirmed by Redis (stream <prefix>audit)." },
	{ "clearway_audit_written_total",
	  "Audit events sealed into the trail by this host's writer." },
	{ "clearway_audit_duplicates_total",
	  "Repeated deliveries of an event the writer dropped." },
	{ "clearway_audit_invalid_total",
	  "Stream entries the writer could not read as events." },
	{ "clearway_audit_missing_events_total",
	  "Event ids the writer never received (a gap in a host's counter)." },
	{ "clearway_audit_spool_full_total",
	  "Times the spool reached [audit] spool_max_bytes." },
	{ "clearway_audit_writer_idle_reads_total",
	  "Reads of the audit stream that found nothing new." },
	{ "clearway_audit_backlogged_total",
	  "Audit events that waited in memory: the spool could not take them." },
};

/* Order of enum cw_level. */
static const struct counter_info levels[CW_LEVEL_COUNT] = {
	{ "clearway_audit_backlog_events",
	  "Audit events waiting in memory for the spool (full or unwritable)." },
	{ "clearway_audit_spool_events",
	  "Audit events in the spool, not yet confirmed by Redis." },
	{ "clearway_audit_spool_bytes",
	  "Bytes of the spool not yet confirmed by Redis." },
	{ "clearway_audit_redis_up",
	  "1 if the forwarder's last exchange with Redis succeeded." },
	{ "clearway_audit_writer_active",
	  "1 if this host holds the central writer's lock." },
};

struct decision {
	char verdict[CW_METRICS_LABEL_MAX + 1];
	char reason[CW_METRICS_LABEL_MAX + 1];
	uint64_t count;
};

struct gauge {
	char name[CW_METRICS_NAME_MAX + 1];
	double value;
};

struct alert_count {
	char kind[CW_METRICS_LABEL_MAX + 1];
	uint64_t count;
};

struct cw_metrics {
	pthread_mutex_t lock;
	uint64_t counter[CW_COUNTER_COUNT];
	double level[CW_LEVEL_COUNT];
	struct decision decisions[CW_METRICS_MAX_DECISIONS];
	size_t ndecisions;
	struct alert_count alerts[MAX_ALERT_KINDS];
	size_t nalerts;
	struct gauge gauges[CW_METRICS_MAX_GAUGES];
	size_t ngauges;
};

/*
 * A label value as we keep it: [a-z0-9_], at most CW_METRICS_LABEL_MAX,
 * else "other".  Our verdicts, reasons and kinds are all such tokens; this
 * only keeps a bug from writing something that needs escaping.
 */
static void
label_copy(char *dst, const char *src)
{
	size_t i, len = src != NULL ? strnlen(src, CW_METRICS_LABEL_MAX + 1) :
	    0;

	if (len == 0 || len > CW_METRICS_LABEL_MAX)
		goto other;
	for (i = 0; i < len; i++)
		if (!((src[i] >= 'a' && src[i] <= 'z') ||
		    (src[i] >= '0' && src[i] <= '9') || src[i] == '_'))
			goto other;
	memcpy(dst, src, len + 1);
	return;
other:
	memcpy(dst, "other", sizeof("other"));
}

struct cw_metrics *
cw_metrics_new(const char *const *alert_kinds, size_t nkinds)
{
	struct cw_metrics *m = calloc(1, sizeof(*m));
	size_t i;

	if (m == NULL)
		return NULL;
	pthread_mutex_init(&m->lock, NULL);
	for (i = 0; i < nkinds && i < MAX_ALERT_KINDS; i++)
		label_copy(m->alerts[m->nalerts++].kind, alert_kinds[i]);
	return m;
}

void
cw_metrics_free(struct cw_metrics *m)
{
	if (m == NULL)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m);
}

void
cw_metrics_add(struct cw_metrics *m, enum cw_counter c, uint64_t n)
{
	pthread_mutex_lock(&m->lock);
	m->counter[c] += n;
	pthread_mutex_unlock(&m->lock);
}

uint64_t
cw_metrics_get(struct cw_metrics *m, enum cw_counter c)
{
	uint64_t v;

	pthread_mutex_lock(&m->lock);
	v = m->counter[c];
	pthread_mutex_unlock(&m->lock);
	return v;
}

void
cw_metrics_level(struct cw_metrics *m, enum cw_level l, double v)
{
	pthread_mutex_lock(&m->lock);
	m->level[l] = v;
	pthread_mutex_unlock(&m->lock);
}

void
cw_metrics_level_add(struct cw_metrics *m, enum cw_level l, double d)
{
	pthread_mutex_lock(&m->lock);
	m->level[l] += d;
	if (m->level[l] < 0)
		m->level[l] = 0;
	pthread_mutex_unlock(&m->lock);
}

double
cw_metrics_level_get(struct cw_metrics *m, enum cw_level l)
{
	double v;

	pthread_mutex_lock(&m->lock);
	v = m->level[l];
	pthread_mutex_unlock(&m->lock);
	return v;
}

/* The slot for (verdict, reason); the last slot collects the overflow. */
static struct decision *
decision_slot(struct cw_metrics *m, const char *verdict, const char *reason)
{
	struct decision *d;
	size_t i;

	for (i = 0; i < m->ndecisions; i++) {
		d = &m->decisions[i];
		if (strcmp(d->verdict, verdict) == 0 &&
		    strcmp(d->reason, reason) == 0)
			return d;
	}
	if (m->ndecisions >= CW_METRICS_MAX_DECISIONS - 1) {
		verdict = reason = "other";
		for (i = 0; i < m->ndecisions; i++)
			if (strcmp(m->decisions[i].verdict, "other") == 0 &&
			    strcmp(m->decisions[i].reason, "other") == 0)
				return &m->decisions[i];
	}
	d = &m->decisions[m->ndecisions++];
	memcpy(d->verdict, verdict, strlen(verdict) + 1);
	memcpy(d->reason, reason, strlen(reason) + 1);
	return d;
}

void
cw_metrics_decision(struct cw_metrics *m, const char *verdict,
    const char *reason)
{
	char v[CW_METRICS_LABEL_MAX + 1], r[CW_METRICS_LABEL_MAX + 1];

	label_copy(v, verdict);
	label_copy(r, reason);
	pthread_mutex_lock(&m->lock);
	decision_slot(m, v, r)->count++;
	pthread_mutex_unlock(&m->lock);
}

void
cw_metrics_alert(struct cw_metrics *m, const char *kind)
{
	char k[CW_METRICS_LABEL_MAX + 1];
	size_t i;

	label_copy(k, kind);
	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->nalerts; i++)
		if (strcmp(m->alerts[i].kind, k) == 0)
			break;
	if (i == m->nalerts && m->nalerts < MAX_ALERT_KINDS)
		memcpy(m->alerts[m->nalerts++].kind, k, strlen(k) + 1);
	if (i < m->nalerts)
		m->alerts[i].count++;
	pthread_mutex_unlock(&m->lock);
}

uint64_t
cw_metrics_alerts(struct cw_metrics *m)
{
	uint64_t n = 0;
	size_t i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->nalerts; i++)
		n += m->alerts[i].count;
	pthread_mutex_unlock(&m->lock);
	return n;
}

static bool
metric_name_valid(const char *s)
{
	size_t i, len = strnlen(s, CW_METRICS_NAME_MAX + 1);

	if (len == 0 || len > CW_METRICS_NAME_MAX ||
	    (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    s[i] == ':'))
			return false;
	return true;
}

/* One of the names this file writes itself (a clash would duplicate). */
static bool
name_taken(const char *name)
{
	size_t i;

	for (i = 0; i < CW_COUNTER_COUNT; i++)
		if (strcmp(counters[i].name, name) == 0)
			return true;
	for (i = 0; i < CW_LEVEL_COUNT; i++)
		if (strcmp(levels[i].name, name) == 0)
			return true;
	return strcmp(name, "clearway_decisions_total") == 0 ||
	    strcmp(name, "clearway_alerts_total") == 0;
}

int
cw_metrics_set_gauge(struct cw_metrics *m, const char *name, double v)
{
	int rc = -1;
	size_t i;

	if (name == NULL || !metric_name_valid(name) || name_taken(name))
		return -1;
	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->ngauges; i++)
		if (strcmp(m->gauges[i].name, name) == 0)
			break;
	if (i == m->ngauges && m->ngauges < CW_METRICS_MAX_GAUGES)
		memcpy(m->gauges[m->ngauges++].name, name, strlen(name) + 1);
	if (i < m->ngauges) {
		m->gauges[i].value = v;
		rc = 0;
	}
	pthread_mutex_unlock(&m->lock);
	return rc;
}

/* ---- rendering ---- */

struct text {
	char *buf;
	size_t len, cap;
	bool failed;
};

__attribute__((format(printf, 2, 3)))
static void
text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	size_t want;
	char *p;
	int n;

	if (t->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = true;
			return;
		}
		if ((size_t)n < t->cap - t->len)
			break;
		want = t->cap * 2 + (size_t)n;
		if ((p = realloc(t->buf, want)) == NULL) {
			t->failed = true;
			return;
		}
		t->buf = p;
		t->cap = want;
	}
	t->len += (size_t)n;
}

/* Prometheus sample values: Go's float syntax, which %.17g matches. */
static void
text_value(struct text *t, double v)
{
	if (isnan(v))
		text_add(t, "NaN\n");
	else if (isinf(v))
		text_add(t, v > 0 ? "+Inf\n" : "-Inf\n");
	else
		text_add(t, "%.17g\n", v);
}

static void
render_head(struct text *t, const char *name, const char *help,
    const char *type)
{
	text_add(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
render_labeled(struct cw_metrics *m, struct text *t)
{
	size_t i;

	render_head(t, "clearway_decisions_total",
	    "PAM decisions by verdict and reason.", "counter");
	for (i = 0; i < m->ndecisions; i++)
		text_add(t, "clearway_decisions_total{verdict=\"%s\","
		    "reason=\"%s\"} %" PRIu64 "\n", m->decisions[i].verdict,
		    m->decisions[i].reason, m->decisions[i].count);
	render_head(t, "clearway_alerts_total",
	    "Anomaly alerts raised, by kind.", "counter");
	for (i = 0; i < m->nalerts; i++)
		text_add(t, "clearway_alerts_total{kind=\"%s\"} %" PRIu64 "\n",
		    m->alerts[i].kind, m->alerts[i].count);
}

static void
render_plain(struct cw_metrics *m, struct text *t)
{
	size_t i;

	for (i = 0; i < CW_COUNTER_COUNT; i++) {
		render_head(t, counters[i].name, counters[i].help, "counter");
		text_add(t, "%s %" PRIu64 "\n", counters[i].name,
		    m->counter[i]);
	}
	for (i = 0; i < CW_LEVEL_COUNT; i++) {
		render_head(t, levels[i].name, levels[i].help, "gauge");
		text_add(t, "%s ", levels[i].name);
		text_value(t, m->level[i]);
	}
	for (i = 0; i < m->ngauges; i++) {
		text_add(t, "# TYPE %s gauge\n%s ", m->gauges[i].name,
		    m->gauges[i].name);
		text_value(t, m->gauges[i].value);
	}
}

char *
cw_metrics_render(struct cw_metrics *m, size_t *len)
{
	struct text t = { NULL, 0, 4096, false };

	if ((t.buf = malloc(t.cap)) == NULL)
		return NULL;
	pthread_mutex_lock(&m->lock);
	render_labeled(m, &t);
	render_plain(m, &t);
	pthread_mutex_unlock(&m->lock);
	if (t.failed) {
		free(t.buf);
		return NULL;
	}
	*len = t.len;
	return t.buf;
}

int
cw_metrics_write_file(struct cw_metrics *m, const char *path, char *err,
    size_t errlen)
{
	char *text = NULL, *tmp = NULL;
	int fd = -1, closed, rc = -1;
	size_t len;

	if ((text = cw_metrics_render(m, &len)) == NULL ||
	    asprintf(&tmp, "%s.tmp", path) < 0) {
		tmp = NULL;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/*
	 * No fsync: after a crash the collector may find the old file or an
	 * empty one, and the next interval replaces it; metrics are not a
	 * record.  O_NOFOLLOW: the directory is shared with other exporters.
	 */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd < 0 || cw_write_all(fd, text, len) < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	closed = close(fd);
	fd = -1;
	if (closed < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (rename(tmp, path) < 0) {
		snprintf(err, errlen, "rename to %s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0 && tmp != NULL)
		unlink(tmp);
	free(tmp);
	free(text);
	return rc;
}
