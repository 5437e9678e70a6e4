/* SPDX-License-Identifier: MIT */
/*
 * audit_writer_internal.h - what the central writer's files share (not
 * for callers: they use audit_pipeline.h).  audit_writer.c holds the
 * lease in Redis, the store and the thread; audit_writer_read.c reads
 * the streams and seals; audit_writer_streams.c finds the streams (one
 * per host, and the legacy one); audit_writer_token.c the token that names this
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
#define ACK_IDS (BATCH * 2)     /* entries plus ids XAUTOCLAIM found gone */

enum read_phase {
	READ_OTHERS,            /* lease just taken: find every stream */
	READ_OWN,               /* (unused since per-host streams) */
	READ_NEW,               /* running: each stream has its own phase */
};

/* Where one stream is (audit_writer_streams.c). */
enum stream_phase {
	SP_CHECK,               /* create the group, look at what is pending */
	SP_OTHERS,              /* claim what a previous holder left */
	SP_OWN,                 /* our own pending entries, from cursor */
	SP_NEW,                 /* new entries */
};

/*
 * One audit stream: <prefix>audit:<host>, whose every event must claim
 * host, or the legacy <prefix>audit (host NULL: events sealed by the
 * host they claim).  A host's events are sealed in stream order: a
 * stream reads nothing new until what was delivered before is sealed.
 */
struct writer_stream {
	char *key;
	const char *host;       /* inside key; NULL for the legacy stream */
	char *sealed_key;       /* <prefix>audit-sealed:<host>; NULL: legacy */
	enum stream_phase phase;
	char cursor[STREAM_ID_MAX];
	long long retry_ms;     /* SP_OTHERS: next XAUTOCLAIM */
	bool hot;               /* the last read filled COUNT: more waits */
	long long seen_ms;      /* when a read last brought entries */
	bool gone;              /* no longer a stream: dropped at a round */
	bool in_reply;          /* scratch, while a reply is handled */
};

struct cw_audit_writer {
	struct cw_audit_log *log;
	struct cw_redis *redis;
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
	int64_t swept_day;
	int backoff_ms;
	struct cw_audit_dedup *dedup;
	struct cw_audit_event *events;
	/* The ids of the batch being sealed, and their streams. */
	char ids[ACK_IDS][STREAM_ID_MAX];
	struct writer_stream *id_stream[ACK_IDS];
	size_t nids;
	uint64_t invalid_logged, forged_logged, errors_logged;

	/* The streams (audit_writer_streams.c), sorted by key. */
	char legacy_key[CW_AUDIT_REDIS_KEY_MAX];        /* <prefix>audit */
	char host_prefix[CW_AUDIT_REDIS_KEY_MAX];       /* <prefix>audit: */
	char sealed_prefix[CW_AUDIT_REDIS_KEY_MAX];     /* <prefix>audit-sealed: */
	char scan_match[CW_AUDIT_REDIS_KEY_MAX + 1];    /* <prefix>audit* */
	struct writer_stream **streams;
	size_t nstreams, streams_cap;
	struct writer_stream *legacy;   /* in streams, or NULL */
	bool legacy_clear;      /* a read found nothing new in legacy */
	char scan_cursor[24];   /* "0": the next step starts a cycle */
	long long scan_next_ms;
	size_t pass_pos;        /* the next chunk of a pass over SP_NEW */
	bool pass_found;        /* this pass read something */
	bool block_next;        /* the last pass found nothing: block */
	long long next_pass_ms; /* many streams: the next idle pass */
	/* Scratch for the commands over many streams. */
	struct writer_stream **pick;
	const char **argv;
	size_t argv_cap;
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

/* ---- audit_writer_read.c ---- */

/*
 * One round of reading and sealing while the lease is held: 1 did some
 * work, 0 nothing to do (it waited: a BLOCK or a pause), -1 failed.
 */
int writer_read_round(struct cw_audit_writer *w);

/* ---- audit_writer_streams.c ---- */

/* Key names from the prefix, empty table.  0 or -1. */
int writer_streams_init(struct cw_audit_writer *w, const char *prefix);
void writer_streams_free(struct cw_audit_writer *w);
/* Every stream: SCAN to the end (after taking the lease).  0 or -1. */
int writer_streams_discover_all(struct cw_audit_writer *w);
/* One SCAN step when due (new hosts appear within a cycle).  0 or -1. */
int writer_streams_discover_step(struct cw_audit_writer *w);
/* Drops the streams marked gone. */
void writer_streams_compact(struct cw_audit_writer *w);
/* The stream named key (len bytes), or NULL. */
struct writer_stream *writer_streams_find(struct cw_audit_writer *w,
    const char *key, size_t len);
/* Streams in SP_CHECK: group created, pending looked at.  1, 0, -1. */
int writer_streams_check(struct cw_audit_writer *w);
/* Logs a Redis error of a stream command: 1st, 2nd, 4th... time. */
void writer_stream_error(struct cw_audit_writer *w, const char *what,
    const char *key, const char *text);
/* Waits ms, or until stop.  For rounds that had nothing to block on. */
void writer_round_pause(struct cw_audit_writer *w, int ms);

/* ---- audit_writer_token.c ---- */

/* Takes <spool_dir>/writer.token: learns the dead predecessor's token. */
void writer_token_file_open(struct cw_audit_writer *w, const char *spool_dir);
/* Records the token just acquired there (for our own next incarnation). */
void writer_token_file_save(struct cw_audit_writer *w);

#endif
