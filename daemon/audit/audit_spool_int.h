/* SPDX-License-Identifier: MIT */
/*
 * audit_spool_int.h - what the spool's three files share (not for other
 * callers: audit_pipeline.h is the spool's interface).  audit_spool.c is
 * the emitters' side and the spool thread, audit_spool_files.c the files
 * (segments, the offset file) and opening them at start, audit_forward.c
 * the forwarder thread.  See audit_spool.c for the design.
 */
#ifndef CW_AUDIT_SPOOL_INT_H
#define CW_AUDIT_SPOOL_INT_H

#include <stdint.h>
#include <sys/types.h>

#include "audit/audit_pipeline.h"
#include "audit/audit_retain.h"
#include "store/redis.h"


#define SEGMENT_PREFIX "spool."
#define SEGMENT_SUFFIX ".jsonl"
#define SEGMENT_DIGITS 20
#define SEGMENT_NAME_SIZE (sizeof(SEGMENT_PREFIX) - 1 + SEGMENT_DIGITS + \
    sizeof(SEGMENT_SUFFIX))
#define LEGACY_FILE "spool.jsonl"       /* before segments: seq 0 */
#define OFFSET_FILE "spool.offset"
#define OFFSET_TMP "spool.offset.tmp"
#define LOCK_FILE ".lock"

#define GROUP_COMMIT_MS 10      /* at most one fdatasync per 10 ms */
#define POLL_MS 100             /* spool full or unwritable: retry */
#define IDLE_MS 1000            /* nothing to do: look at the clock */
#define STOP_MS 2000            /* bound on each thread's last flush */
#define SEGMENT_MAX (1024 * 1024)
#define DRAIN_BYTES (64 * 1024) /* one write from the backlog */
#define DRAIN_ROUND (1024 * 1024)       /* then fdatasync, then go on */
#define FORWARD_EVENTS 512      /* per MULTI/EXEC */
#define FORWARD_BYTES (1024 * 1024)
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 10000
#define IDLE_ROTATE_MS 1000
/*
 * spool.offset is saved once FORWARD_EVENTS confirmed events are not in
 * it (so a crash resends less than one batch, as before), at a segment's
 * end, at a stop, or when the forwarder has been idle this long: not after
 * every batch, which cost a file, two syncs and a rename per group commit.
 */
#define OFFSET_SAVE_MS 500
#define DROP_LOG_MS 1000
#define SCAN_CHUNK (64 * 1024)

/* Things logged once per episode (the spool thread's). */
struct episode {
	bool full;              /* spool at spool_max_bytes */
	bool write_failed;
	bool sync_failed;
	bool rotate_failed;
	bool offset_failed;     /* the forwarder's */
	bool metrics_failed;
	uint64_t dropped_logged;
	long long drop_logged_ms;
};

struct cw_audit_spool {
	struct cw_audit_log *log;
	char *dir;
	int dir_fd, lock_fd;
	uint64_t max_bytes;
	uint64_t segment_max;
	char stream_key[CW_AUDIT_STREAM_KEY_MAX];       /* <prefix>audit:<host> */
	size_t stream_key_len;
	struct cw_redis *redis;

	/* The emitters' side, all under emit. */
	pthread_mutex_t emit;
	pthread_cond_t emit_cond;       /* wakes the spool thread */
	int fd;                         /* the current segment, O_APPEND */
	uint64_t seq;                   /* its number */
	uint64_t seg_bytes;             /* whole lines in it */
	uint64_t disk_bytes;            /* in all segments on disk */
	uint64_t file_bytes, file_events;       /* appended, this run */
	char *backlog;                  /* CW_AUDIT_BACKLOG_BYTES of lines */
	size_t bl_head, bl_used, bl_events;
	bool draining;                  /* the spool thread writes a chunk */
	bool sync_wanted;               /* appended since the last snapshot */
	bool broken;                    /* a cut failed: start a segment */
	bool full_hit;                  /* spool_max_bytes turned a line away */
	bool closed;                    /* stopping: emit() refuses */
	int write_errno;                /* the last failed append; 0 none */
	long long next_drain_ms;
	uint64_t counter;               /* the last event id counter given */
	uint64_t emitted, dropped, backlogged;

	/* Between the spool thread and the forwarder, under lock. */
	pthread_mutex_t lock;
	pthread_cond_t cond;            /* wakes the forwarder */
	uint64_t synced_seq, synced_bytes;      /* fdatasync'd */
	uint64_t fwd_seq, fwd_off;      /* confirmed by Redis */
	uint64_t events;                /* synced lines not yet confirmed */
	uint64_t pending_bytes;         /* their bytes */
	bool stop_fwd;
	long long fwd_deadline_ms;
	/* Forwarded, kept until sealed (audit_retain.c; its v, mark). */
	struct spool_retain ret;

	pthread_t spool_thread, fwd_thread;
	bool spool_started, fwd_started;

	/* The spool thread's. */
	char *drain;                    /* DRAIN_BYTES */
	uint64_t published_bytes, published_events;
	long long last_sync_ms, last_data_ms, next_metrics_ms;
	struct episode ep;

	/* The forwarder's. */
	int rfd;                        /* segment rfd_seq, for pread */
	uint64_t rfd_seq;
	char *chunk;
	bool redis_up, fsync_checked;
	int backoff_ms;
	/* Confirmed by Redis, not yet in spool.offset (OFFSET_SAVE_MS). */
	uint64_t unsaved_events, save_seq, save_off;
	bool offset_dirty;
	long long dirty_since_ms;
	const char *argv[FORWARD_EVENTS + 2][5];
	size_t argl[FORWARD_EVENTS + 2][5];
};

/* ---- audit_spool_files.c ---- */

/* Reads exactly len bytes at off.  0, or -1 (error or end of file). */
int spool_pread_all(int fd, char *buf, size_t len, uint64_t off);
void spool_segment_name(char name[SEGMENT_NAME_SIZE], uint64_t seq);
/* Saves (seq, off) durably: temporary file, fdatasync, rename, fsync. */
int spool_offset_save(struct cw_audit_spool *sp, uint64_t seq, uint64_t off);
/* The spool's levels into the metrics (lock held). */
void spool_publish_levels(struct cw_audit_spool *sp);
/* Opens (or recovers) the spool directory at start.  0 or -1 with err. */
int spool_open(struct cw_audit_spool *sp, char *err, size_t errlen);

/* ---- audit_forward.c ---- */

/* Deletes a wholly forwarded segment before seq size's end (the end). */
void spool_finish_segment(struct cw_audit_spool *sp, uint64_t seq,
    uint64_t size);
void *spool_forward_main(void *arg);

#endif
