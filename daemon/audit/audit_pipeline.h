/* SPDX-License-Identifier: MIT */
/*
 * audit_pipeline.h - what the audit pipeline's own files share (not for
 * callers: they use audit_log.h).  audit_log.c owns the handle and
 * formats events, audit_spool.c the spool (appended by the emitting
 * threads) and its spool and forwarder threads, audit_writer.c the
 * central writer thread.
 */
#ifndef CW_AUDIT_PIPELINE_H
#define CW_AUDIT_PIPELINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "audit/anomaly.h"
#include "audit/audit_codec.h"
#include "audit/audit_log.h"
#include "audit/metrics.h"
#include "notify/notify.h"
#include "store/keys.h"         /* CW_KEY_AUDIT*, CW_KEY_AUDIT_WRITER */

#define CW_AUDIT_HOST_MAX 253
#define CW_AUDIT_REDIS_KEY_MAX 64
/* <prefix>audit:<host>: prefix (32), "audit:", a host name, NUL. */
#define CW_AUDIT_STREAM_KEY_MAX (32 + 6 + CW_AUDIT_HOST_MAX + 1)
/* Whether host cannot be a host's name: <prefix>audit:<host> is another
 * key of the pipeline (the writer's lease, and the counter of its
 * fencing tokens that the fleet work adds). */
#define CW_AUDIT_HOST_RESERVED(host) \
	(strcmp((host), "writer") == 0 || strcmp((host), "fence") == 0)
#define CW_AUDIT_ACTOR "clearwayd"

struct cw_audit_spool;
struct cw_audit_writer;

struct cw_audit_log {
	char host[CW_AUDIT_HOST_MAX + 1];
	char run[CW_AUDIT_RUN_LEN + 1];
	struct cw_metrics *metrics;
	pthread_mutex_t anomaly_lock;
	struct cw_anomaly *anomaly;
	atomic_uint warned;             /* WARN_* already logged */
	char *metrics_file;             /* NULL: none */
	int metrics_interval_s;
	struct cw_audit_spool *spool;
	struct cw_audit_writer *writer;
	struct cw_notify *notify;       /* NULL: notifications off */
};

/* ---- audit_log.c ---- */

/* Microseconds since the epoch (CLOCK_REALTIME): record time. */
int64_t cw_audit_now_us(void);

/* prefix + suffix into buf: the pipeline's Redis keys.  0 or -1. */
int cw_audit_redis_key(char *buf, size_t len, const char *prefix,
    const char *suffix);

/*
 * <prefix>audit:<host> into buf (CW_AUDIT_STREAM_KEY_MAX bytes): the
 * stream host forwards to.  0, or -1 for a bad prefix or host.
 */
int cw_audit_host_stream_key(char *buf, size_t len, const char *prefix,
    const char *host);

/* ---- audit_spool.c ---- */

struct cw_audit_spool *cw_audit_spool_start(struct cw_audit_log *log,
    const struct cw_config *cfg, const struct cw_redis_options *redis,
    char *err, size_t errlen);
/*
 * emit()'s half, on the caller's thread: completes line (head bytes, room
 * for CW_AUDIT_EVENT_LINE_MAX) with the next event id and appends it to
 * the spool file with one write(2), or to the memory backlog when the
 * spool cannot take it (full, unwritable, or older lines still waiting).
 * 0, or -1 when the event is dropped (stopping, backlog full).
 */
int cw_audit_spool_put(struct cw_audit_spool *sp, char *line, size_t head);
/* Counts an event emit() refused before it got here as dropped. */
void cw_audit_spool_refused(struct cw_audit_spool *sp);
void cw_audit_spool_counts(struct cw_audit_spool *sp, uint64_t *emitted,
    uint64_t *dropped, uint64_t *backlog);
/* Copies the emit counters into the metrics (before rendering). */
void cw_audit_spool_publish(struct cw_audit_spool *sp);
/* From now on emit() refuses; the spool thread writes what waits. */
void cw_audit_spool_close(struct cw_audit_spool *sp);
/* Closes, writes the backlog (at most 2 s), forwards for at most 2 s,
 * frees. */
void cw_audit_spool_stop(struct cw_audit_spool *sp);

/* ---- audit_writer.c ---- */

/* What the writer needs before it may start: retention, the key.  0/-1 */
int cw_audit_writer_check(const struct cw_config *cfg, char *err,
    size_t errlen);
struct cw_audit_writer *cw_audit_writer_start(struct cw_audit_log *log,
    const struct cw_config *cfg, const struct cw_redis_options *redis,
    char *err, size_t errlen);
/* Finishes the batch, drains for at most 2 s, releases the lock, frees. */
void cw_audit_writer_stop(struct cw_audit_writer *w);

#endif
