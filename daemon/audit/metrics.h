/* SPDX-License-Identifier: MIT */
/*
 * metrics.h - the daemon's counters and gauges, rendered in the
 * Prometheus text format (0.0.4) for node_exporter's textfile collector:
 * a file, not a listening port.
 *
 * Thread-safe (one mutex; every update is a few instructions under it).
 * Label values are the caller's tokens; the number of distinct decision
 * label pairs is bounded (CW_METRICS_MAX_DECISIONS; the rest are counted
 * under verdict="other",reason="other") so a bug or a hostile value can
 * never grow the file without bound.
 */
#ifndef CW_METRICS_H
#define CW_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define CW_METRICS_MAX_DECISIONS 96
#define CW_METRICS_MAX_GAUGES 32
#define CW_METRICS_NAME_MAX 64
#define CW_METRICS_LABEL_MAX 32

/* Counters: only ever go up (names in metrics.c). */
enum cw_counter {
	CW_COUNTER_EMITTED = 0,         /* accepted by cw_audit_emit() */
	CW_COUNTER_DROPPED,             /* refused: backlog full or bad event */
	CW_COUNTER_SPOOLED,             /* fsync'd into the spool */
	CW_COUNTER_FORWARDED,           /* confirmed by Redis */
	CW_COUNTER_WRITTEN,             /* sealed into the trail (writer) */
	CW_COUNTER_DUPLICATES,          /* copies the writer dropped */
	CW_COUNTER_INVALID,             /* stream entries that are not events */
	CW_COUNTER_MISSING,             /* event ids the writer never saw */
	CW_COUNTER_SPOOL_FULL,          /* times the spool reached its bound */
	CW_COUNTER_WRITER_IDLE,         /* empty reads of the stream (tests) */
	CW_COUNTER_BACKLOGGED,          /* had to wait in memory for the spool */
	CW_COUNTER_COUNT
};

/* Gauges the pipeline itself keeps. */
enum cw_level {
	CW_LEVEL_BACKLOG_EVENTS = 0,    /* in memory: the spool refused them */
	CW_LEVEL_SPOOL_EVENTS,          /* spooled, not yet forwarded */
	CW_LEVEL_SPOOL_BYTES,
	CW_LEVEL_REDIS_UP,              /* the forwarder's last exchange */
	CW_LEVEL_WRITER_ACTIVE,         /* this host holds the writer lock */
	CW_LEVEL_COUNT
};

struct cw_metrics;

/* alert_kinds: names to show (as 0) before the first alert of each. */
struct cw_metrics *cw_metrics_new(const char *const *alert_kinds,
    size_t nkinds);
void cw_metrics_free(struct cw_metrics *m);

void cw_metrics_add(struct cw_metrics *m, enum cw_counter c, uint64_t n);
uint64_t cw_metrics_get(struct cw_metrics *m, enum cw_counter c);
void cw_metrics_level(struct cw_metrics *m, enum cw_level l, double v);
/* Adds d (may be negative) to a level; never below zero. */
void cw_metrics_level_add(struct cw_metrics *m, enum cw_level l, double d);
double cw_metrics_level_get(struct cw_metrics *m, enum cw_level l);

/* clearway_decisions_total{verdict,reason} += 1. */
void cw_metrics_decision(struct cw_metrics *m, const char *verdict,
    const char *reason);
/* clearway_alerts_total{kind} += 1. */
void cw_metrics_alert(struct cw_metrics *m, const char *kind);
uint64_t cw_metrics_alerts(struct cw_metrics *m);

/*
 * Sets a gauge another part of the daemon owns (revocation queue depth,
 * sync lag...).  name: [a-zA-Z_:][a-zA-Z0-9_:]*, at most
 * CW_METRICS_NAME_MAX, not one of ours.  Returns 0, or -1 for a bad name
 * or no room (CW_METRICS_MAX_GAUGES).
 */
int cw_metrics_set_gauge(struct cw_metrics *m, const char *name, double v);

/* The whole exposition as text (malloc'd, *len bytes).  NULL: no memory. */
char *cw_metrics_render(struct cw_metrics *m, size_t *len);

/*
 * Writes the exposition to path atomically: a temporary file in the same
 * directory (path + ".tmp", which the collector ignores: it reads *.prom
 * only), then rename(2), so a reader sees the old file or the new one,
 * never half of one.  Mode 0644: metrics are not secret.  0 or -1.
 */
int cw_metrics_write_file(struct cw_metrics *m, const char *path, char *err,
    size_t errlen);

#endif
