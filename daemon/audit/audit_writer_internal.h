/* SPDX-License-Identifier: MIT */
/*
 * audit_writer_internal.h - what the central writer's files share (not
 * for callers: they use audit_pipeline.h).  audit_writer.c holds the
 * lease in Redis, the store and the thread; audit_writer_read.c reads
 * the stream and seals; audit_writer_token.c the token that names this
 * process in the lease; audit_dedup.c the duplicate filter.  All of it
 * runs on the writer thread, except start and stop.
 */
#ifndef CW_AUDIT_WRITER_INTERNAL_H
#define CW_AUDIT_WRITER_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "audit/audit_dedup.h"
#include "audit/audit_pipeline.h"
#include "store/lease.h"

#define GROUP "writers"
#define BATCH 512
#define STREAM_ID_MAX 48
/*
 * The lease (<prefix>audit:writer, store/lease.h): a dead writer is
 * replaced within about WRITER_LEASE_MS.  Renewed every third of it; the
 * trail is appended only while the last renewal is younger than
 * APPEND_MARGIN_MS, so a writer that stalled stops sealing well before
 * another can have taken over.
 */
#define WRITER_LEASE_MS 6000
#define APPEND_MARGIN_MS 4000

enum read_phase {
	READ_OTHERS,            /* claim what a previous holder left */
	READ_OWN,               /* our own pending entries, from cursor */
	READ_NEW,               /* new entries */
};

struct cw_audit_writer {
	struct cw_audit_log *log;
	struct cw_redis *redis;
	char stream_key[CW_AUDIT_REDIS_KEY_MAX];
	char lock_key[CW_AUDIT_REDIS_KEY_MAX];
	char *dir, *key_dir, *key_id;
	/* The lease with its fencing token (the writer thread's), and (until
	 * used) the token of this spool's previous writer process, which is
	 * known to be dead (its flock is ours). */
	struct cw_lease lease;
	char prev_token[CW_LEASE_TOKEN_MAX];
	int token_fd;           /* <spool_dir>/writer.token, flock'd */
	int retention_days;
	int block_ms;

	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;              /* under lock */
	long long stop_deadline_ms;

	/* The writer thread's. */
	struct cw_audit_store *store;
	bool holding, redis_up, standby_logged, open_failed;
	enum read_phase phase;
	char cursor[STREAM_ID_MAX];
	int64_t swept_day;
	int backoff_ms;
	struct cw_audit_dedup *dedup;
	struct cw_audit_event *events;
	char ids[BATCH * 2][STREAM_ID_MAX];
	size_t nids;
	uint64_t invalid_logged;
};

/* ---- audit_writer.c ---- */

/* Notes whether Redis answers, logging only the changes. */
void writer_redis_state(struct cw_audit_writer *w, bool up, const char *why);
/* Runs a command; an error reply counts as failure.  NULL on failure. */
redisReply *writer_command(struct cw_audit_writer *w, int argc,
    const char **argv, const size_t *lens);
/*
 * A write the lease refused (its token moved on): stops sealing, gives
 * the store up and stands by as a candidate.
 */
void writer_fenced(struct cw_audit_writer *w, const char *what);
/*
 * After a failed append: closes the store and opens it again, which
 * repairs the file and rebuilds the duplicate marks from what really
 * reached it; if it will not open, gives the lease up.
 */
void writer_reopen(struct cw_audit_writer *w);

/* ---- audit_writer_read.c: 1 did some work, 0 nothing to do, -1 failed ---- */

/* After taking the lease: claims what a previous holder left pending. */
int writer_read_others(struct cw_audit_writer *w);
/* XREADGROUP from our own pending entries (own) or new ones. */
int writer_read_group(struct cw_audit_writer *w, bool own);

/* ---- audit_writer_token.c ---- */

/* Takes <spool_dir>/writer.token: learns the dead predecessor's token. */
void writer_token_file_open(struct cw_audit_writer *w, const char *spool_dir);
/* Records the token just acquired there (for our own next incarnation). */
void writer_token_file_save(struct cw_audit_writer *w);

#endif
