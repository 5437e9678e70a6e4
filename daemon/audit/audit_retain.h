/* SPDX-License-Identifier: MIT */
/*
 * audit_retain.h - the host keeps what it forwarded until the writer
 * sealed it (audit_retain.c; docs/audit.md, "Redis going back").  Part
 * of the spool (audit_spool_int.h embeds struct spool_retain); not for
 * other callers.
 */
#ifndef CW_AUDIT_RETAIN_H
#define CW_AUDIT_RETAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

/* A Redis stream entry id, <ms>-<seq>; 0-0 is "none". */
struct cw_stream_id {
	uint64_t ms, seq;
};

#define CW_STREAM_ID_TEXT 48

/* Parses "<ms>-<seq>" (len bytes).  0, or -1 for anything else. */
int cw_stream_id_parse(const char *s, size_t len, struct cw_stream_id *id);
/* <0, 0, >0 as a is before, the same as, after b. */
int cw_stream_id_cmp(const struct cw_stream_id *a,
    const struct cw_stream_id *b);
void cw_stream_id_format(char buf[CW_STREAM_ID_TEXT],
    const struct cw_stream_id *id);
/*
 * The last-generated-id of an XINFO STREAM reply: 0 with it; 0 with 0-0
 * when the reply is the error of a stream that does not exist (lost
 * with everything in it); -1 for any other reply.
 */
int cw_stream_xinfo_last(const redisReply *r, struct cw_stream_id *id);

/*
 * One segment that holds forwarded lines not yet known to be sealed:
 * every segment on disk before the forwarder's position, and the one it
 * is in when part of it was sent.  Oldest first.
 */
struct retain_seg {
	uint64_t seq;
	uint64_t bytes, events;         /* forwarded from it */
	struct cw_stream_id last;       /* the highest id Redis gave them */
};

struct spool_retain {
	/* Under the spool's lock (the spool thread asks spool_retain_sealed). */
	struct retain_seg *v;
	size_t n, cap;
	struct cw_stream_id mark;       /* the writer's sealed mark, as read */
	/* The forwarder's. */
	struct cw_stream_id sent;       /* the highest id Redis gave us */
	bool check;                     /* look at the stream before sending */
	bool grow_failed, over_logged;
	uint64_t let_go;                /* lines deleted unsealed, this run */
	long long next_poll_ms;
	char mark_key[320];     /* <prefix>audit-sealed:<host> */
};

struct cw_audit_spool;

/* The mark's key (spool_init).  0, or -1 for a bad prefix or host. */
int spool_retain_init(struct cw_audit_spool *sp, const char *prefix,
    const char *host);
void spool_retain_free(struct cw_audit_spool *sp);

/*
 * spool_open: the first bytes (events lines) of segment seq were
 * forwarded by an earlier run: kept until the writer's mark covers the
 * highest id that run had been given (saved with the offset).  0 or -1.
 */
int spool_retain_keep(struct cw_audit_spool *sp, uint64_t seq,
    uint64_t bytes, uint64_t events);
/* The offset file's id field: parse (at *p, moved past it) and format. */
int spool_retain_load_id(struct cw_audit_spool *sp, const char **p);
void spool_retain_save_id(struct cw_audit_spool *sp,
    char buf[CW_STREAM_ID_TEXT]);

/* Redis confirmed bytes (events lines) of segment seq (lock held). */
void spool_retain_sent(struct cw_audit_spool *sp, uint64_t seq,
    uint64_t bytes, uint64_t events, const struct cw_stream_id *last);
/* Whether all that was sent of segment seq is sealed (lock held). */
bool spool_retain_sealed(struct cw_audit_spool *sp, uint64_t seq);
/*
 * Segment seq (size bytes) is wholly forwarded and no one appends to it:
 * deleted now if nothing in it waits for the writer, else kept.
 */
void spool_retain_finish(struct cw_audit_spool *sp, uint64_t seq,
    uint64_t size);

/*
 * The forwarder's, before it moves its position past a batch Redis
 * confirmed: the batch's MULTI found the stream's last-generated-id at
 * before, and Redis gave its entries ids up to last.  Redis went back
 * when before is below what it gave us earlier: then the position is
 * rewound to everything kept, and true returned (the batch is not to be
 * counted: it is sent again too).
 */
bool spool_retain_batch(struct cw_audit_spool *sp,
    const struct cw_stream_id *before, const struct cw_stream_id *last);
/*
 * Looks at the stream and the mark when due (or when forced: before
 * the first send, after a failure), deletes the segments sealed, lets
 * the oldest go past the bound, and rewinds when Redis went back.
 * 1 when Redis answered, 0 when not due, -1 when it could not be asked.
 */
int spool_retain_poll(struct cw_audit_spool *sp, bool force, char *err,
    size_t errlen);
/* Ms until the next poll is due: -1 while nothing is kept. */
long long spool_retain_due_in(struct cw_audit_spool *sp);

/* ---- audit_forward.c ---- */

/* Writes the confirmed position (and the id) to spool.offset, if moved. */
void spool_save_offset(struct cw_audit_spool *sp);

#endif
