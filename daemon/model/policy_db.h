/* SPDX-License-Identifier: MIT */
/*
 * policy_db.h - the daemon's in-memory policy data, and the deltas that
 * change it.
 *
 * The server thread owns the database and answers every request from it
 * without locks or I/O: that is what keeps a PAM decision near 0.1 ms.
 * The sync thread never touches it; it parses what changed in Redis into
 * a cw_delta (or a whole new database) and hands that over.  Applying a
 * change is a few hash-table operations, so a change in LDAP governs the
 * next logon within milliseconds even with 100,000 staff.
 */
#ifndef CW_POLICY_DB_H
#define CW_POLICY_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "wire.h"
#include "record.h"
#include "lib/strmap.h"
#include "model/staff_store.h"

enum cw_kind {
	CW_KIND_STAFF = 0,
	CW_KIND_HOST_CLASS,
	CW_KIND_ROLE,
	CW_KIND_COUNT
};

/* One directory entry as the database holds it. */
struct cw_db_entry {
	enum cw_kind kind;
	char *uuid;
	char *dn;
	char *modified;         /* modifyTimestamp, as stored; may be NULL */
	int64_t learned;        /* when this daemon applied it (Unix s) */
	bool locked;            /* pwdAccountLockedTime 000001010000Z */
	union {
		struct cw_staff staff;
		struct cw_host_class host_class;
		struct cw_role_def role;
	} rec;
};

struct cw_user_elevations {
	struct cw_elevation *list;
	size_t count;
};

/* A suspension (clearwayctl suspend): denied everywhere until `until`. */
struct cw_suspension {
	int64_t until;                  /* Unix seconds */
	int64_t since;
	char by[CW_USER_MAX + 1];
	char reason[CW_REASON_TEXT_MAX + 1];
};

/*
 * A staff record as the rest of the daemon reads it: built on demand from
 * the compact store into one of a few views the db owns (a ring), so a
 * pointer stays valid until CW_DB_VIEWS more are made or the db changes.
 */
#define CW_DB_VIEWS 4
struct cw_db_view {
	struct cw_db_entry e;
	char *roles[CW_ENTRY_MAX_VALUES];
};

struct cw_db {
	long long generation;           /* Redis cw:gen last applied */
	struct cw_sstore staff;         /* staff records (staff_store.h) */
	struct cw_strmap others;        /* uuid -> host class / role entry */
	struct cw_strmap revoked;       /* uid -> (void *)1 */
	struct cw_strmap elevations;    /* uid -> struct cw_user_elevations */
	struct cw_strmap suspended;     /* uid -> struct cw_suspension */
	/* uid -> struct cw_early_entry: changes that deny, ahead of Redis
	 * (model/early.h); read before the staff store. */
	struct cw_strmap early;
	size_t counts[CW_KIND_COUNT];

	/* Host classes and roles are few: kept as sorted arrays, rebuilt
	 * (lazily, by the owning thread) after any of them changes. */
	bool tables_dirty;
	struct cw_host_class *host_classes;
	size_t nhost_classes;
	struct cw_role_def *roles;
	size_t nroles;

	struct cw_db_view views[CW_DB_VIEWS];
	unsigned next_view;
};

struct cw_db *cw_db_new(void);
void cw_db_free(struct cw_db *db);

/* Creates an entry from a stored raw entry; NULL with err if unusable. */
struct cw_db_entry *cw_db_entry_parse(enum cw_kind kind, const char *json,
    size_t len, int64_t now, char *err, size_t errlen);
void cw_db_entry_free(struct cw_db_entry *e);

/*
 * Inserts or replaces (by uuid, whatever kind it had); takes e (a staff
 * entry is copied into the compact store and freed).  0 or -1.
 */
int cw_db_put(struct cw_db *db, struct cw_db_entry *e);
/* Removes the entry with this uuid, if any. */
void cw_db_remove(struct cw_db *db, const char *uuid);

/* Replace the revoked set / elevations wholesale (they are small). */
void cw_db_set_revoked(struct cw_db *db, struct cw_strmap *revoked);
/* Adds the keys of add to the revoked set and removes those of del. */
void cw_db_change_revoked(struct cw_db *db, const struct cw_strmap *add,
    const struct cw_strmap *del);
void cw_db_set_elevations(struct cw_db *db, struct cw_strmap *elevations);
void cw_db_free_elevations(void *ue);

/*
 * The staff record for uid, or NULL.  When two entries carry the same uid
 * the result is a record marked invalid: we cannot know which one is
 * meant, and guessing could let the wrong person in.
 */
const struct cw_staff *cw_db_staff(struct cw_db *db, const char *uid);
/* The entry behind a uid (for status), or NULL when absent or ambiguous. */
const struct cw_db_entry *cw_db_staff_entry(struct cw_db *db,
    const char *uid);
const struct cw_user_elevations *cw_db_elevations(struct cw_db *db,
    const char *uid);

/* Every entry (staff as views), in no particular order; fn may not
 * change db. */
void cw_db_foreach_entry(struct cw_db *db,
    void (*fn)(const struct cw_db_entry *e, void *arg), void *arg);

/*
 * Every uid once (ambiguous ones too), a page at a time: from cursor on,
 * until at least at_least were passed to fn (value is NULL).  Returns the
 * cursor to go on from; cw_db_staff_end() (or more) when all were.  Pages
 * of a db that does not change between them cover each uid once.
 */
size_t cw_db_staff_pages(struct cw_db *db, size_t cursor, size_t at_least,
    void (*fn)(const char *uid, void *value, void *arg), void *arg);
size_t cw_db_staff_end(const struct cw_db *db);

/* A role's definition, or NULL when none (or several: then invalid). */
const struct cw_role_def *cw_db_role(struct cw_db *db, const char *name);

/* uid's suspension, or NULL; its end, or 0 when none. */
const struct cw_suspension *cw_db_suspension(const struct cw_db *db,
    const char *uid);
int64_t cw_db_suspended_until(const struct cw_db *db, const char *uid);
/* Replaces the suspensions wholesale (a delta carries them in full). */
void cw_db_set_suspended(struct cw_db *db, struct cw_strmap *suspended);

/* Fills a policy input for uid on host class hc at now (no copies). */
void cw_db_policy_input(struct cw_db *db, const char *uid, const char *hc,
    enum cw_mode mode, int64_t now, struct cw_policy_input *in);

/* A change for the server thread: an entry put (e != NULL) or removed. */
struct cw_change {
	char *uuid;
	struct cw_db_entry *entry;
};

/*
 * Where a delta comes from: Redis (the follow thread), or the mirror
 * ahead of Redis (model/early.h): an early one carries staff changes that
 * deny (entry NULL: removed), a written one names the uuids of early
 * changes that reached Redis at `generation`, an orphaned one those
 * another daemon's mirror will write.
 */
enum cw_delta_origin {
	CW_DELTA_REDIS = 0,
	CW_DELTA_EARLY,
	CW_DELTA_WRITTEN,
	CW_DELTA_ORPHANED
};

struct cw_delta {
	enum cw_delta_origin origin;
	long long generation;
	struct cw_db *replace;          /* non-NULL: use this db instead */
	struct cw_change *changes;
	size_t nchanges, cap;
	bool has_revoked, has_elevations, has_suspended;
	struct cw_strmap revoked, elevations, suspended;
	/*
	 * Instead of the whole revoked set (has_revoked false): uids now in
	 * it and no longer in it (Redis's, then the deny-list's changes once
	 * the loss guard has seen them: store_guard.h).
	 */
	bool revoked_changes;
	struct cw_strmap revoked_add, revoked_del;
	/*
	 * With keep_unlogged, the sets change only where the change log
	 * named a user in this delta's range (suspended_named: "s:<uid>",
	 * elevations_named: "e:<uid>"; uid -> 1): every lift and grant is
	 * logged, while a Redis that went back to older data logs nothing.
	 * So a suspension in memory that the set lacks stays unless named,
	 * and a user's grants that the set has take effect only when named
	 * (memory's stay: a grant dropped here and brought back by old data
	 * is not taken); a grant the set lacks goes (fewer rights).  The
	 * central that wrote them writes them again (sync_filed.c).  Set
	 * for every delta read from the log, and for the full reload after
	 * a loss's refill (no log: nothing named).
	 */
	bool keep_unlogged;
	struct cw_strmap suspended_named, elevations_named;
	struct cw_delta *next;          /* hand-over queue */
};

struct cw_delta *cw_delta_new(long long generation);
int cw_delta_add(struct cw_delta *d, const char *uuid,
    struct cw_db_entry *e);
void cw_delta_free(struct cw_delta *d);

/*
 * Applies d to *db (replacing *db when d->replace is set; the early
 * overlay moves to the new db); consumes d.  A delta not from Redis
 * changes only the overlay (early.h), never the generation.
 */
void cw_db_apply(struct cw_db **db, struct cw_delta *d);

#endif
