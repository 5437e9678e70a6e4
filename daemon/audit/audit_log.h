/* SPDX-License-Identifier: MIT */
/*
 * audit_log.h - the daemon's audit pipeline: from cw_audit_emit() on any
 * thread to a sealed record in the central trail (docs/audit.md has the
 * event schema, the Redis keys, the config keys and the failure cases).
 *
 *   caller ─emit: write(2)─> <spool_dir>/spool.<seq>.jsonl  (bounded by
 *     │ (disk full:            │  spool thread: fdatasync  spool_max_bytes)
 *     └─> memory backlog ──────┘  <= every 10 ms
 *                                                       │ forwarder thread
 *                                                       v MULTI/XADD.../EXEC
 *   <directory>/audit-YYYY-MM-DD.jsonl <─writer── Redis stream <prefix>audit
 *   (HMAC chain, trail/audit.h)          thread    (group "writers")
 *
 * SPOOL (every host).  emit() formats the event as one JSON line with a
 * unique details.event_id ("<run>:<counter>", run random per start) and
 * appends it to the spool file <spool_dir>/spool.<seq>.jsonl with one
 * write(2) before it returns, so a record is in the file (page cache)
 * before the answer it records can be sent: killing the daemon loses
 * none.  No fsync on the caller: the spool thread fdatasyncs what was
 * appended at most every 10 ms (the window a power loss can take).  When
 * the spool cannot take a line (disk full or failing, spool_max_bytes
 * reached), it waits in a bounded memory backlog (CW_AUDIT_BACKLOG_BYTES /
 * _EVENTS), which the spool thread writes in small chunks as soon as
 * there is room; when the backlog is full too, emit() returns -1 and the
 * event is counted as dropped.
 *
 * FORWARDER (every host).  Sends the spool in order to the host's own
 * stream <prefix>audit:<host>, up to 512 events per
 * MULTI/XADD.../EXEC (all or nothing), and only after Redis answered the
 * EXEC does it advance <spool_dir>/spool.offset (written to a temporary
 * file, fsync'd, renamed); it deletes a segment once Redis has all of
 * it (the spool thread starts a new one every 1 MiB, or when the current
 * one is forwarded and idle), so nothing is ever truncated under the
 * emitters' feet.  A crash between EXEC and the offset resends that batch: delivery
 * is at-least-once, and the writer drops the copies by event id.  While
 * Redis is down events accumulate in the spool; retries back off from
 * 100 ms to 10 s, and each change of state is logged once.
 *
 * WRITER (only with [audit] writer = yes).  Holds the Redis lock
 * <prefix>audit:writer (SET NX PX 30 s, renewed every 5 s) while it works,
 * so that however many writers run for failover, one at a time seals; it
 * opens the store only while holding it.  It finds every host's stream
 * (SCAN) and the legacy <prefix>audit, and reads each through the
 * consumer group "writers" (its own pending entries first after a
 * restart, entries of dead writers idle over a lease by XAUTOCLAIM), seals
 * each new event into the HMAC chain (cw_audit_store_append) if it
 * claims its stream's host (else a forged_host anomaly record), and XACKs
 * and XDELs the entries only after that append was fsync'd.  Duplicates
 * are dropped by event id; it rolls the day file at midnight without
 * events and sweeps retention once a day.
 *
 * DURABILITY, AND ITS LIMITS.  An event emit() accepted is lost only if
 * (a) the machine loses power within the group-commit window (at most
 * ~10 ms plus one fdatasync) after it was written, or the daemon dies
 * while it waits in the backlog (only while the spool cannot be written),
 * (b) the spool and the backlog are both full (emit() says so: -1), (c)
 * Redis loses writes
 * it confirmed (run the audit Redis with appendonly yes and appendfsync
 * always; Sentinel failover can still lose them), or (d) the host's disk
 * loses fsync'd data.  Everything else (Redis down, writer down, any
 * process killed at any point) delays events but neither loses nor
 * repeats them in the trail.
 *
 * ANOMALIES AND METRICS.  cw_audit_note_decision() counts decisions for
 * metrics and raises anomaly alerts (anomaly.h): LOG_ALERT through
 * cw_log() and an anomaly_alert event.  Metrics are written in the
 * Prometheus text format to [audit] metrics_file every metrics_interval_s
 * by the spool thread (metrics.h).
 *
 * cw_log() (log.c) must be linked by the program: clearwayd has it.
 */
#ifndef CW_AUDIT_LOG_H
#define CW_AUDIT_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "config.h"
#include "store/redis.h"

/* The memory backlog: lines the spool could not take yet. */
#define CW_AUDIT_BACKLOG_BYTES (4 * 1024 * 1024)
#define CW_AUDIT_BACKLOG_EVENTS 16384

struct cw_audit_log;

/*
 * Starts the spool and forwarder threads, and the writer thread when
 * cfg->audit.writer.  host names this daemon in events and as the
 * writer's consumer: printable ASCII without spaces, at most 253 bytes,
 * unique per daemon.  redis is copied.  Refuses to start a writer with
 * retention below CW_AUDIT_RETENTION_MIN_DAYS or a key it cannot read.
 * The spool directory is created 0700 and must not be writable by group
 * or others.  Returns the pipeline, or NULL with err set.
 */
struct cw_audit_log *cw_audit_log_start(const struct cw_config *cfg,
    const struct cw_redis_options *redis, const char *host, char *err,
    size_t errlen);

/*
 * Appends ev (struct cw_audit_event of trail/audit.h, built with its
 * setters) to the spool file: thread-safe, no allocation, one write(2) of
 * one line under the spool's emit mutex, never an fsync.  When the spool
 * cannot take it the line waits in the memory backlog instead.  time_us 0
 * means now, a blank host this daemon's.  details.event_id is reserved
 * (set here), so an event keeps at most 15 details of its own; a 16th,
 * or a detail with a bad name, is left out and logged once.  Returns 0,
 * or -1 when the backlog is full, the pipeline is stopping, or ev cannot
 * be a record (an unknown or store-only type, a bad outcome: a bug,
 * logged once); the event is then counted in clearway_audit_dropped_total
 * and the caller should log at LOG_CRIT.  A break-glass event also raises
 * its alert.
 */
int cw_audit_emit(struct cw_audit_log *log, const struct cw_audit_event *ev);

/*
 * Stops the threads: the backlog is written to the spool, the spool
 * forwarded for at most 2 s, the writer finishes its batch and drains for
 * at most 2 s, then everything is freed.  NULL is a no-op.
 */
void cw_audit_log_stop(struct cw_audit_log *log);

/*
 * One PAM decision (verdict "allow" | "deny" | "ignore" | "unavailable",
 * reason as in contract section 2), after the caller emitted its
 * pam_decision event: counts clearway_decisions_total{verdict,reason} and
 * raises the anomaly alerts it causes.  Thread-safe, no I/O except the
 * LOG_ALERT line of an alert.  user or rhost may be NULL.
 */
void cw_audit_note_decision(struct cw_audit_log *log, const char *user,
    const char *rhost, const char *verdict, const char *reason);

/*
 * Sets a gauge of the metrics file, e.g. clearway_revocation_queue_depth,
 * clearway_revocation_oldest_pending_seconds,
 * clearway_revocation_deadline_misses, clearway_sync_lag_seconds.  name
 * is [a-zA-Z_:][a-zA-Z0-9_:]{0,63}; at most 32 distinct names; a bad or
 * surplus name is ignored (logged once).
 */
void cw_audit_set_gauge(struct cw_audit_log *log, const char *name,
    double value);

/* Counters, for clearwayctl status, tests and benchmarks. */
struct cw_audit_log_stats {
	uint64_t emitted;       /* accepted by emit() */
	uint64_t dropped;       /* refused by emit() */
	uint64_t backlogged;    /* had to wait in memory for the spool */
	uint64_t spooled;       /* fsync'd into the spool */
	uint64_t forwarded;     /* confirmed by Redis */
	uint64_t written;       /* sealed by this process's writer */
	uint64_t duplicates;    /* copies the writer dropped */
	uint64_t invalid;       /* stream entries that were not events */
	uint64_t missing;       /* event ids the writer never received */
	uint64_t alerts;
	uint64_t writer_idle_reads;
	uint64_t queue_events;  /* in the memory backlog now */
	uint64_t spool_events;  /* in the spool, not yet forwarded */
	uint64_t spool_bytes;
	bool redis_up;
	bool writer_active;     /* holds the writer lock */
};

void cw_audit_log_stats(struct cw_audit_log *log,
    struct cw_audit_log_stats *out);

#endif
