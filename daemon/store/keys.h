/* SPDX-License-Identifier: MIT */
/*
 * keys.h - the Redis key layout: every key clearwayd reads or writes, in
 * one place.  Every daemon of a fleet shares it.
 *
 * A key is <prefix><name>, prefix = [redis] key_prefix ("cw:" by default,
 * at most CW_PREFIX_MAX of [A-Za-z0-9:_-]).  C builds names with
 * cw_key() / cw_key_id(); the Lua scripts (store/lua/NAME.lua) get theirs as
 * KEYS, except the revocation queue's scripts, which derive rev:<id>,
 * rev:openby, rev:month:<m>, rev:monthz:<m>, reinstated and epoch from
 * the prefix (ARGV[1], revq_lib.lua): those names are spelt there too.
 * docs/architecture.md ("Redis keys") summarises this file.
 */
#ifndef CW_KEYS_H
#define CW_KEYS_H

#include <stdio.h>

/* Directory data (the sync writes it, every daemon reads it): */

/* HASH entryUUID -> entry JSON (core/entry.h), one hash per kind. */
#define CW_KEY_STAFF            "staff"
#define CW_KEY_HOSTCLASS        "hostclass"
#define CW_KEY_ROLE             "role"
/* STRING integer: one more for every change batch (0 when absent). */
#define CW_KEY_GEN              "gen"
/* STREAM: entry <gen>-1 {c: "k:uuid,..."} names what batch <gen>
 * changed (k = kind 0..2, x = deleted, r = revoked, e = elevations);
 * about the last 10,000 are kept. */
#define CW_KEY_CHANGES          "changes"
/* STRING: the RFC 4533 cookie the stored entries cover. */
#define CW_KEY_LDAP_COOKIE      "ldap:cookie"
/* STRING integer: how many batches the sync mirrors wrote (0 when
 * absent); only their writes INCR it, each in the script that writes
 * the batch (lua/store_write.lua), and each is refused ("BEHIND ...")
 * unless it still holds the value the mirror last wrote: a store that
 * went back to older data is never written over with a newer cookie. */
#define CW_KEY_MIRROR_SEQ       "sync:mirror_seq"
/* HASH: sync status for clearwayctl status (connected, ...). */
#define CW_KEY_LDAP_STATE       "ldap:state"
/* STRING: the sync leader's lease (store/lease.h): its fencing token,
 * SET PX ttl, renewed at ttl/3.  Only the holder's mirror writes the
 * directory data above (staff ... ldap:state): each of those writes
 * carries the token and its script refuses it unless this key still
 * holds exactly that token (lua/fence_lib.lua). */
#define CW_KEY_SYNC_LEADER      "sync:leader"
/* STRING integer: INCR'd for each new sync leader's token (never
 * decreases, never deleted). */
#define CW_KEY_SYNC_FENCE       "sync:fence"
/* STRING: 32 random hex digits, made once with the data: a store that
 * lost it (FLUSHALL, restarted empty, another server) is not the one a
 * host knew (store_guard.h). */
#define CW_KEY_EPOCH            "epoch"

/* Who is denied, and elevations: */

/* SET uid: users denied with reason "revoked". */
#define CW_KEY_REVOKED          "revoked"
/* HASH uid -> "<epoch> <gen> <at>": uid's last reinstate, removed when
 * uid is revoked again; the only thing that lets a host take a user off
 * its deny-list. */
#define CW_KEY_REINSTATED       "reinstated"
/* HASH uid -> JSON list of running grants (core/elevation.h). */
#define CW_KEY_ELEVATIONS       "elevations"
/* STREAM: granted / dropped / expired, kept. */
#define CW_KEY_ELEVATION_HISTORY "elevation-history"
/* HASH uid -> {"until","since","by","reason"}: users suspended (denied
 * everywhere until "until", without the leaver steps; clearwayctl
 * suspend).  Entries past their end are ignored, and lifted by the next
 * suspend or unsuspend of that user. */
#define CW_KEY_SUSPENDED        "suspended"
/* HASH uid -> {"dn","reason","at"}: the first leaver event of a user. */
#define CW_KEY_LEAVERS          "leavers"

/* Access requests (store/store_request.h): */

/* HASH id -> request JSON (id user role duration reason ticket created
 * expires clearance state by note answered). */
#define CW_KEY_REQUESTS         "requests"
/* ZSET id -> expires, while pending. */
#define CW_KEY_REQ_PENDING      "requests:pending"
/* ZSET id -> id: every request kept, in order (bounded). */
#define CW_KEY_REQ_LOG          "requests:log"
/* STRING: the last id given. */
#define CW_KEY_REQ_SEQ          "requests:seq"
/* HASH uid -> how many of uid's are pending. */
#define CW_KEY_REQ_PENDINGBY    "requests:pendingby"
/* HASH "<uid>:<role>" -> id of the pending one. */
#define CW_KEY_REQ_OPEN         "requests:open"

/* The revocation queue (revoke/revocation_queue.h has the details): */

/* HASH per revocation, key rev:<id>: id uid kind reason ... state. */
#define CW_KEY_REV              "rev:"
/* ZSET id -> effective_at, while state = scheduled. */
#define CW_KEY_REVSCHED         "revsched"
/* STREAM {id} per queued revocation, consumer group CW_REVQ_GROUP. */
#define CW_KEY_REVQ             "revq"
/* STREAM: dead letters {id uid sid deliveries error at alert}. */
#define CW_KEY_REVQ_DEAD        "revq:dead"
/* ZSET id -> deadline: every revocation not yet done or cancelled. */
#define CW_KEY_REV_OPEN         "rev:open"
/* HASH "<kind>:<uid>" -> id of the open leaver or revoke of a user. */
#define CW_KEY_REV_OPENBY       "rev:openby"
/* SET of ids requested in a month, key rev:month:<YYYY-MM> (London). */
#define CW_KEY_REV_MONTH        "rev:month:"
/* ZSET id -> requested_at of the same ids, key rev:monthz:<YYYY-MM>. */
#define CW_KEY_REV_MONTHZ       "rev:monthz:"

/* The audit pipeline (daemon/audit/audit_log.h): */

/* STREAM audit:<host>: the audit events of one host on their way to
 * the writer, field e = the event line (docs/audit.md); consumer group
 * "writers".  <host> is the sending daemon's host name, which is also
 * the host member of every event in it: the writer seals an event that
 * claims another host as a forged_host anomaly instead.  Only that host
 * (its Redis user clearway-host-<host>, %RW~<prefix>audit:<host>) and
 * the central role may append; the writer finds the streams with SCAN
 * (TYPE stream).  "writer" and "fence" are not host names (below). */
#define CW_KEY_AUDIT_HOST       "audit:"
/* STREAM: the single audit stream of versions before per-host streams
 * (any host could write any host's name there).  Nothing of this
 * version appends to it, unless its Redis user may not write its own
 * stream; the writer drains it, sealing events by the host they claim. */
#define CW_KEY_AUDIT            "audit"
/* STRING: the audit writer's lease (store/lease.h): its fencing
 * token, SET PX ttl, renewed at ttl/3.  The writer's XACK/XDEL carry the
 * token (lua/audit_ack.lua) and are refused once it moved on. */
#define CW_KEY_AUDIT_WRITER     "audit:writer"
/* STRING integer: INCR'd for each new audit writer's token. */
#define CW_KEY_AUDIT_FENCE      "audit:fence"
/* STRING audit-sealed:<host>: the id of the last entry of audit:<host>
 * the writer sealed and acknowledged (set in the same script as its
 * XACK/XDEL, lua/audit_ack.lua; never lowered).  The host reads it and
 * keeps what it forwarded until this covers it (daemon/audit/
 * audit_retain.c).  Outside audit:* so that no host user may write it. */
#define CW_KEY_AUDIT_SEALED     "audit-sealed:"

#define CW_PREFIX_MAX 32
/* Room for a prefix and any fixed name above. */
#define CW_KEY_MAX (CW_PREFIX_MAX + 24)

/* <prefix><name> into buf (CW_KEY_MAX bytes fit every fixed name). */
static inline void
cw_key(char *buf, size_t len, const char *prefix, const char *name)
{
	snprintf(buf, len, "%s%s", prefix, name);
}

/*
 * <prefix><name><id>, for rev:<id> and rev:month(z):<m>; the id is cut
 * at idmax bytes (ids are validated before they get here).
 */
static inline void
cw_key_id(char *buf, size_t len, const char *prefix, const char *name,
    const char *id, int idmax)
{
	snprintf(buf, len, "%s%s%.*s", prefix, name, idmax, id);
}

#endif
