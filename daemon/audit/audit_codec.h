/* SPDX-License-Identifier: MIT */
/*
 * audit_codec.h - one audit event as one line of JSON: the form events
 * take in the host spool and in the Redis stream (docs/audit.md).
 *
 *   {"type":"pam_decision","time":"2026-11-23T09:00:00.000000Z",
 *    "host":"web1","actor":"alice","subject":"alice","outcome":"deny",
 *    "details":{"reason":"revoked",...,"event_id":"9f2c0a61d3b4e587:42"}}
 *
 * The members are a record's (trail/audit.h) without seq, key_id, prev and
 * mac, which only the central writer can give.  details.event_id is
 * "<run>:<counter>": run is 16 hex digits drawn at random when a host's
 * pipeline starts, counter counts from 1 in the order of cw_audit_emit().
 * With the host it names the event uniquely, which lets the writer drop
 * the copies that at-least-once delivery makes, and see a gap.
 *
 * The formatter runs on the caller's thread: no allocation, no jansson,
 * and it makes any text safe (control characters and invalid UTF-8 become
 * '?').  The parser reads what other hosts sent through Redis, so it is
 * strict: exactly these seven members, each of its type, no duplicate
 * names, and none of the types only the store itself writes (a forged
 * retention_removed could excuse deleted files to a verifier).
 */
#ifndef CW_AUDIT_CODEC_H
#define CW_AUDIT_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "audit.h"

#define CW_AUDIT_RUN_LEN 16                     /* hex digits */
#define CW_AUDIT_EVENT_ID_MAX (CW_AUDIT_RUN_LEN + 1 + 20)
/* Bytes the tail ("event_id":"...:N"}}\n) may take after the head. */
#define CW_AUDIT_EVENT_TAIL_MAX (CW_AUDIT_EVENT_ID_MAX + 20)
/* A whole line, head and tail, always fits in this. */
#define CW_AUDIT_EVENT_LINE_MAX CW_AUDIT_LINE_MAX

/* What the formatter had to leave out (flags in *fixed). */
#define CW_AUDIT_FIX_BAD_DETAIL 1u      /* bad name, repeated, bad integer */
#define CW_AUDIT_FIX_RESERVED   2u      /* the caller's own event_id */
#define CW_AUDIT_FIX_NO_ROOM    4u      /* a 16th detail: event_id needs it */

/*
 * Formats ev up to its event id into buf: every member, and details open
 * for the id to follow.  time_us replaces ev->time_us and host a blank
 * ev->host.  Returns the head's length, or 0 when ev cannot become a
 * record (an unknown or store-only type, an outcome that is not a token,
 * a time outside 1970..9999) or buf is too small.  Details it cannot keep
 * are left out and said in *fixed.
 */
size_t cw_audit_event_head(const struct cw_audit_event *ev, int64_t time_us,
    const char *host, char *buf, size_t buflen, unsigned *fixed);

/*
 * Appends "event_id":"<run>:<counter>"}}\n at buf + len.  Returns the
 * line's new length, or 0 when it does not fit in buflen.
 */
size_t cw_audit_event_tail(char *buf, size_t len, size_t buflen,
    const char *run, uint64_t counter);

/*
 * Parses one line (len bytes, without its newline) into ev, made safe by
 * trail/audit.h's own setters.  Returns 0, or -1 with err saying why
 * (never quoting the input).
 */
int cw_audit_event_parse(const char *buf, size_t len,
    struct cw_audit_event *ev, char *err, size_t errlen);

/* Splits an event id "<run>:<counter>" (counter >= 1).  0 or -1. */
int cw_audit_event_id_parse(const char *s, char run[CW_AUDIT_RUN_LEN + 1],
    uint64_t *counter);

/* True for the types only the store writes, never an emitter. */
int cw_audit_type_store_only(enum cw_audit_type t);

#endif
