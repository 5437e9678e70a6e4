/* SPDX-License-Identifier: MIT */
/*
 * revocation_queue.h - the durable revocation queue in Redis (issue 4):
 * leavers and withdrawn privileges, from request to proof of completion.
 *
 * Keys, all under the store prefix <p> (store.h):
 *
 *   <p>rev:<id>          HASH  one revocation: id uid kind reason actor role
 *                              requested_at effective_at deadline month
 *                              denies state sid queued_at delivered seen
 *                              step:<name> step:<name>:at steps_done_at
 *                              completed_at last_error alert dead_at
 *                              cancelled_at cancelled_by cancel_reason
 *                              (times in Unix seconds)
 *   <p>revsched          ZSET  id -> effective_at, while state=scheduled
 *   <p>revq              STREAM  entry {id <id>} per queued revocation;
 *                              consumer group "workers"; an entry is
 *                              deleted (XACK + XDEL) once its revocation
 *                              is done, cancelled or dead-lettered
 *   <p>revq:dead         STREAM  dead letters {id uid sid deliveries error
 *                              at alert}, kept for the operator
 *   <p>rev:open          ZSET  id -> deadline, every revocation not yet
 *                              done or cancelled (dead ones stay: they
 *                              are still owed)
 *   <p>rev:month:YYYY-MM SET   ids requested in that month (Europe/London
 *                              local time, as the contract's reports are)
 *   <p>rev:monthz:YYYY-MM ZSET  the same ids -> requested_at, so that the
 *                              report is read page by page in order
 *                              (built from the SET when it lacks members)
 *   <p>rev:openby        HASH  "<kind>:<uid>" -> id of the open leaver or
 *                              revoke of that user (stale once that one
 *                              is done or cancelled): one open per user
 *                              and kind
 *   <p>revoked           SET   uids denied with reason "revoked"
 *   <p>gen, <p>changes   as in store.h: every change to <p>revoked bumps
 *                              gen and logs "r:<uid>" so that every
 *                              daemon reloads the revoked set at once
 *
 * States: scheduled (effective in the future, in revsched) -> queued (in
 * the stream) -> done; or -> cancelled (reinstate); or -> dead (a step
 * kept failing: dead-lettered with an alert, still open, retryable).
 *
 * Every write is one Lua script, so a reader never sees half a change,
 * and every script is idempotent: at-least-once delivery and retried
 * calls (a reply lost to a Redis restart) change nothing twice.  The
 * scripts derive rev:<id> and rev:month:* key names from the prefix,
 * which Redis allows outside Cluster (the fleet uses replication and
 * Sentinel, never Cluster: docs/architecture.md).
 *
 * Durability: a call returns after Redis has replied, and the queue's
 * Redis runs with appendonly yes + appendfsync always, which fsyncs the
 * AOF before replying: an accepted revocation survives a Redis crash.
 * (Redis 7.0 has no WAITAOF; WAIT only proves a replica received it.)
 *
 * Time: every function takes `now` from the caller instead of reading
 * Redis TIME.  Tests can drive the clock, and since every daemon of the
 * fleet promotes due revocations, the earliest clock acts first: skew can
 * only make a revocation take effect early, never late.
 *
 * Elevation kinds (elevation_expired, elevation_dropped) do not add the
 * user to <p>revoked: the privilege is already gone from <p>elevations
 * when they are submitted, and denying the person every logon for losing
 * one elevation would be wrong.  They are queued and reported all the
 * same (their work: end the elevated sessions, prove it was in time).
 *
 * Not thread-safe per store: each thread uses its own cw_store (and
 * cw_redis connection).
 */
#ifndef CW_REVOCATION_QUEUE_H
#define CW_REVOCATION_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "names.h"
#include "store/store.h"

#define CW_REVQ_ID_MAX 64           /* [A-Za-z0-9._:-], generated or given */
#define CW_REVQ_REASON_MAX 256      /* bytes, printable, no control chars */
#define CW_REVQ_STEP_NAME_MAX 40    /* [A-Za-z0-9._@-]: "end_sessions@host" */
#define CW_REVQ_OUTCOME_MAX 160     /* "done" or "failed:<why>" */
#define CW_REVQ_STEPS_MAX 12        /* steps recorded per revocation */
#define CW_REVQ_SID_MAX 40          /* a stream entry id */
#define CW_REVQ_GROUP "workers"
#define CW_REVQ_MAX_DELIVERIES 5    /* default dead-letter threshold */
#define CW_REVQ_WARN_FRACTION 0.5   /* default warning point of the window */

enum cw_revocation_kind {
	CW_REV_LEAVER = 0,              /* clearwayctl leaver (HR) */
	CW_REV_REVOKE,                  /* clearwayctl revoke (approver) */
	CW_REV_ELEVATION_EXPIRED,
	CW_REV_ELEVATION_DROPPED,
	CW_REV_SYNC_LEAVER,             /* leaver status/date seen by the sync */
	CW_REV_KIND_COUNT
};

enum cw_revq_state {
	CW_REVQ_UNKNOWN = 0,
	CW_REVQ_SCHEDULED,
	CW_REVQ_QUEUED,
	CW_REVQ_DONE,
	CW_REVQ_CANCELLED,
	CW_REVQ_DEAD,
};

struct cw_revq_step {
	char name[CW_REVQ_STEP_NAME_MAX + 1];
	char outcome[CW_REVQ_OUTCOME_MAX + 1];  /* done | failed:<why> */
	int64_t at;
};

/*
 * One revocation.  The caller of cw_revq_submit fills the first block (id
 * may be empty: one is generated); the rest is read back from Redis.
 * Strings longer than their buffer are truncated on reading.
 */
struct cw_revocation {
	char id[CW_REVQ_ID_MAX + 1];
	char uid[CW_USER_MAX + 1];
	enum cw_revocation_kind kind;
	char reason[CW_REVQ_REASON_MAX + 1];
	char actor[CW_USER_MAX + 1];
	char role[CW_NAME_MAX + 1];     /* elevation kinds: the role; or "" */
	int64_t requested_at;
	int64_t effective_at;           /* == requested_at, or later */
	int64_t deadline;               /* cw_revocation_deadline(effective_at) */

	enum cw_revq_state state;
	char sid[CW_REVQ_SID_MAX + 1];  /* its stream entry, once queued */
	int64_t queued_at, steps_done_at, completed_at, dead_at, cancelled_at;
	long long delivered;            /* deliveries so far */
	bool alert;                     /* dead-lettered: raise an alert */
	char last_error[CW_REVQ_OUTCOME_MAX + 1];
	char cancelled_by[CW_USER_MAX + 1];
	char cancel_reason[CW_REVQ_REASON_MAX + 1];
	struct cw_revq_step steps[CW_REVQ_STEPS_MAX];
	size_t nsteps;                  /* sorted by name */
	bool audited;                   /* its revocation_requested is out */
};

/* "leaver", ...; NULL out of range.  Parse: 0 or -1. */
const char *cw_revocation_kind_name(enum cw_revocation_kind k);
int cw_revocation_kind_parse(const char *s, enum cw_revocation_kind *out);
const char *cw_revq_state_name(enum cw_revq_state s);
/* Whether this kind puts the user in <p>revoked (see above). */
bool cw_revocation_kind_denies(enum cw_revocation_kind k);

/* A fresh id: "r<YYYYMMDDTHHMMSSZ>-<12 hex>" from now and getrandom. */
int cw_revq_new_id(int64_t now, char out[CW_REVQ_ID_MAX + 1]);
bool cw_revq_id_valid(const char *s);
bool cw_revq_step_name_valid(const char *s);

/*
 * Records r (generating r->id when empty) in one script: the hash, the
 * month index, the open set; effective_at <= now: queued in the stream at
 * once and (denying kinds) the uid added to <p>revoked with gen/changes
 * bumped, so every daemon denies at the next decision; else scheduled in
 * <p>revsched.  Idempotent by id: a second submit changes nothing.  For
 * leaver and revoke also by user and kind: while one is open (scheduled,
 * queued or dead), submitting another changes nothing, except that one
 * still scheduled for later than r->effective_at is brought forward to
 * it (and queued at once when that is now).  Returns 1 when recorded, 0
 * when it was not because one stood already, 2 when that one was brought
 * forward: r is then overwritten with that revocation as stored (its id,
 * times, state).
 * *state (may be NULL) says how it stands.  -1 with err; when the reply
 * was lost after sending (cw_redis_unanswered), it may have been recorded.
 */
int cw_revq_submit(struct cw_store *st, struct cw_revocation *r,
    int64_t now, enum cw_revq_state *state, char *err, size_t errlen);

/*
 * Moves scheduled revocations with effective_at <= now into the stream
 * (and their uids into <p>revoked), at most max per call, atomically.
 * Returns how many it took from the schedule (call again while == max),
 * or -1.
 */
int cw_revq_promote_due(struct cw_store *st, int64_t now, size_t max,
    char *err, size_t errlen);

/* Creates the consumer group (and stream) if missing.  0 or -1. */
int cw_revq_init(struct cw_store *st, char *err, size_t errlen);

struct cw_revq_claim_opts {
	const char *consumer;   /* unique per worker: "<host>:<pid>:<n>" */
	size_t max;             /* entries per call */
	/*
	 * Pending entries idle this long are taken (XAUTOCLAIM): a dead
	 * worker's, and our own that failed (the retry interval).  Longer
	 * than the slowest attempt, or live workers' entries are stolen.
	 */
	long long idle_ms;
	/* First read our own pending entries (ID 0): right after a start. */
	bool own_pending_first;
	/*
	 * An entry delivered more than this many times with no outcome
	 * recorded (workers die on it) is dead-lettered by the claim; 0 =
	 * CW_REVQ_MAX_DELIVERIES.  A worker dead-letters an entry whose
	 * step failed for good once delivered >= this (cw_revq_dead_letter).
	 */
	int max_deliveries;
};

/*
 * Claims up to o->max revocations: own pending first (if asked), then
 * idle entries of any consumer (XAUTOCLAIM; entries deleted under it are
 * re-queued from their records), then new ones (XREADGROUP >).  Each
 * comes with its stream id (sid) and delivery count (delivered).  Entries
 * whose revocation is no longer queued are acknowledged and skipped.
 * Fills out[0..n) (out has room for o->max) and returns n, or -1 with
 * err.  now is recorded when a lost entry is queued again.
 */
int cw_revq_claim(struct cw_store *st, const struct cw_revq_claim_opts *o,
    int64_t now, struct cw_revocation *out, char *err, size_t errlen);

/*
 * Records one step's outcome: why == NULL for done, else "failed:<why>"
 * (why cut to fit and control characters blanked: never refused).
 * Returns 1, 0 when the revocation is no longer queued (cancelled or
 * done: stop working on it), -1 with err (also: no such revocation).
 */
int cw_revq_step_done(struct cw_store *st, const char *id, const char *step,
    const char *why, int64_t now, char *err, size_t errlen);

/* True when r records step as done. */
bool cw_revq_step_is_done(const struct cw_revocation *r, const char *step);

/*
 * All steps done: XACK + XDEL the entry, state=done, completed_at=now, out
 * of the open set, in one script.  Returns 1, 0 when it was not queued
 * (already done, cancelled: the entry is acknowledged anyway), -1.
 */
int cw_revq_complete(struct cw_store *st, const char *sid, const char *id,
    int64_t now, char *err, size_t errlen);

/*
 * Gives up on an entry: XADD to <p>revq:dead with alert=1, XACK + XDEL,
 * state=dead (still open and owed).  Returns 1, 0 when it was not queued,
 * -1.
 */
int cw_revq_dead_letter(struct cw_store *st, const char *sid, const char *id,
    long long deliveries, const char *why, int64_t now, char *err,
    size_t errlen);

/* An operator's retry of a dead revocation: queued again.  1, 0, -1. */
int cw_revq_retry(struct cw_store *st, const char *id, int64_t now,
    char *err, size_t errlen);

/*
 * Marks r's revocation_requested audit record as emitted (field
 * requested_audited).  Returns 1 the first time (the caller emits it
 * now), 0 when it was marked before, -1 with err (also: no such id).
 * Whoever learns of a revocation first (the CLI's worker, the sync, a
 * revoker claiming one whose filer never heard back) emits its record,
 * and only once.
 */
int cw_revq_mark_audited(struct cw_store *st, const char *id, int64_t now,
    char *err, size_t errlen);

/*
 * Reinstate (undo a mistaken revocation): removes uid from <p>revoked and
 * cancels its revocations not yet done (cancelled_by, cancel_reason,
 * cancelled_at; their stream entries acknowledged, schedule entries
 * removed), bumping gen/changes, in one script.  Done revocations stay
 * done: they are evidence, and the LDAP lock they set is for the
 * directory's admin to lift.  It leaves <p>reinstated uid -> "<epoch>
 * <gen> <now>" (store.h), the explicit undo a host needs before it takes
 * uid off its deny-list.  The caller audits.  Returns how many were
 * cancelled (*was_revoked says whether uid was in the set), or -1.
 */
int cw_revq_reinstate(struct cw_store *st, const char *uid,
    const char *actor, const char *reason, int64_t now, bool *was_revoked,
    char *err, size_t errlen);

/* Reads one revocation.  1, 0 when there is none, -1. */
int cw_revq_get(struct cw_store *st, const char *id, struct cw_revocation *r,
    char *err, size_t errlen);

struct cw_revq_list {
	struct cw_revocation *items;
	size_t count;
};
void cw_revq_list_free(struct cw_revq_list *l);

/*
 * Deadline watch: every revocation not done or cancelled (scheduled,
 * queued, dead), by deadline.  0 or -1.
 */
int cw_revq_pending(struct cw_store *st, struct cw_revq_list *out,
    char *err, size_t errlen);

enum cw_revq_urgency {
	CW_REVQ_ON_TIME = 0,    /* inside the first part of its window */
	CW_REVQ_WARNING,        /* past warn_fraction of the window */
	CW_REVQ_MISSED,         /* past the deadline */
};

/*
 * Where a revocation not yet done stands at now.  The window runs from
 * effective_at to deadline; a scheduled one is on time until effective.
 * warn_fraction <= 0 or >= 1 means CW_REVQ_WARN_FRACTION.
 */
enum cw_revq_urgency cw_revq_classify(const struct cw_revocation *r,
    int64_t now, double warn_fraction);
const char *cw_revq_urgency_name(enum cw_revq_urgency u);

/* Seconds to the deadline at now (negative: overdue). */
int64_t cw_revq_time_left(const struct cw_revocation *r, int64_t now);

/* For reports: "met", "missed", "pending" (not done, not yet late),
 * "cancelled". */
const char *cw_revq_outcome(const struct cw_revocation *r, int64_t now);

/*
 * Report: calls fn for every revocation requested in month "YYYY-MM"
 * (London time), ordered by requested_at then id.  Elapsed is
 * completed_at - requested_at.  0 or -1.
 */
int cw_revq_month(struct cw_store *st, const char *month,
    void (*fn)(const struct cw_revocation *r, void *arg), void *arg,
    char *err, size_t errlen);

/*
 * Paging (clearwayctl queue and report, whose answers may be any size):
 * a page is up to max (<= 256) index members after a cursor, in index
 * order, with their records.  A cursor is "<score>:<id>" of the last
 * member a reader has seen ("" = from the start); it stays valid when
 * that member leaves the index (the next page starts after its place).
 */
struct cw_revq_page_item {
	char id[CW_REVQ_ID_MAX + 1];
	int64_t score;                  /* deadline, or requested_at */
	bool found;                     /* false: no record for this id */
	struct cw_revocation r;
};
struct cw_revq_page {
	struct cw_revq_page_item *items;
	size_t count;
	bool last;                      /* no member after these */
};
/* "<score>:<id>": up to 20 digits and a sign, a colon, an id. */
#define CW_REVQ_CURSOR_MAX (21 + 1 + CW_REVQ_ID_MAX)
void cw_revq_page_free(struct cw_revq_page *p);
bool cw_revq_cursor_valid(const char *after);
void cw_revq_cursor(int64_t score, const char *id, char *out, size_t outlen);

/* Revocations not done or cancelled, by deadline then id.  0 or -1. */
int cw_revq_page_open(struct cw_store *st, const char *after, size_t max,
    struct cw_revq_page *p, char *err, size_t errlen);
/* Revocations requested in month, by requested_at then id.  0 or -1. */
int cw_revq_page_month(struct cw_store *st, const char *month,
    const char *after, size_t max, struct cw_revq_page *p, char *err,
    size_t errlen);

/* "YYYY-MM" (London local) of an instant.  0 or -1. */
int cw_revq_month_of(int64_t t, char out[8]);

#endif
