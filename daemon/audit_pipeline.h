/*
 * audit_pipeline.h - what the audit pipeline's own files share (not for
 * callers: they use audit_log.h).  audit_log.c owns the handle and the
 * memory queue, audit_spool.c the spool and forwarder threads,
 * audit_writer.c the central writer thread.
 */
#ifndef CW_AUDIT_PIPELINE_H
#define CW_AUDIT_PIPELINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "anomaly.h"
#include "audit_codec.h"
#include "audit_log.h"
#include "metrics.h"

#define CW_AUDIT_HOST_MAX 253
#define CW_AUDIT_REDIS_KEY_MAX 64
#define CW_AUDIT_ACTOR "clearwayd"

struct cw_audit_spool;
struct cw_audit_writer;

/* The queue between emit() and the spool thread; all under lock. */
struct cw_audit_queue {
	pthread_mutex_t lock;
	pthread_cond_t cond;            /* CLOCK_MONOTONIC: wakes the spool */
	char *buf;                      /* CW_AUDIT_QUEUE_BYTES, whole lines */
	size_t used;
	size_t events;
	uint64_t counter;               /* the last event id counter given */
	uint64_t emitted, dropped;
	bool closed;                    /* stopping: emit() refuses */
	bool ready;                     /* initialised: set before the threads
					 * start (buf itself is swapped by the
					 * spool thread, so not a flag) */
};

/* Lines the spool thread took; its buffer is swapped with the queue's. */
struct cw_audit_batch {
	char *buf;                      /* CW_AUDIT_QUEUE_BYTES */
	size_t len;
	size_t events;
};

struct cw_audit_log {
	char host[CW_AUDIT_HOST_MAX + 1];
	char run[CW_AUDIT_RUN_LEN + 1];
	struct cw_audit_queue q;
	struct cw_metrics *metrics;
	pthread_mutex_t anomaly_lock;
	struct cw_anomaly *anomaly;
	atomic_uint warned;             /* WARN_* already logged */
	char *metrics_file;             /* NULL: none */
	int metrics_interval_s;
	struct cw_audit_spool *spool;
	struct cw_audit_writer *writer;
};

/* ---- audit_log.c, for the spool thread ---- */

/*
 * Waits until lines are queued and the clock reached not_before_ms, or the
 * queue is closed, or until_ms (monotonic ms, cw_now_ms()); then moves
 * whole lines, at most room bytes, into b (empty on entry).  *closed says
 * whether the queue is closed (stopping).  Returns the number of events
 * still queued: with *closed, 0 means nothing more will come.
 */
size_t cw_audit_queue_take(struct cw_audit_log *log,
    struct cw_audit_batch *b, size_t room, long long not_before_ms,
    long long until_ms, bool *closed);

/* Counts the events still queued as dropped and empties the queue. */
size_t cw_audit_queue_discard(struct cw_audit_log *log);

/* Copies the queue's counters into the metrics (before rendering). */
void cw_audit_queue_publish(struct cw_audit_log *log);

/* Microseconds since the epoch (CLOCK_REALTIME): record time. */
int64_t cw_audit_now_us(void);

/* prefix + suffix into buf: the pipeline's Redis keys.  0 or -1. */
int cw_audit_redis_key(char *buf, size_t len, const char *prefix,
    const char *suffix);

/* ---- audit_spool.c ---- */

struct cw_audit_spool *cw_audit_spool_start(struct cw_audit_log *log,
    const struct cw_config *cfg, const struct cw_redis_options *redis,
    char *err, size_t errlen);
/* Drains the queue into the spool, forwards for at most 2 s, frees. */
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
