/*
 * snapshot.h - an immutable in-memory view of the policy data.
 *
 * The sync thread builds a snapshot from Redis and hands it over whole; the
 * server thread answers every request from the snapshot it holds, without
 * locks or I/O, which is what keeps a PAM decision near 0.1 ms.  Records
 * are kept in arrays sorted by name for binary search.
 */
#ifndef CW_SNAPSHOT_H
#define CW_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "record.h"

struct cw_user_elevations {
	char uid[CW_USER_MAX + 1];
	struct cw_elevation *list;
	size_t count;
};

struct cw_snapshot {
	long long generation;           /* Redis cw:gen it was built from */
	struct cw_staff *staff;
	size_t nstaff;
	struct cw_host_class *host_classes;
	size_t nhost_classes;
	struct cw_role_def *roles;
	size_t nroles;
	char **revoked;
	size_t nrevoked;
	struct cw_user_elevations *elevations;
	size_t nelevations;
	size_t capacity[5];             /* growth bookkeeping while building */
};

struct cw_snapshot *cw_snapshot_new(long long generation);
void cw_snapshot_free(struct cw_snapshot *s);

/*
 * Builders, called while loading; each parses one stored value.  An
 * unusable value (bad JSON, no key) is skipped and returns -1 with err set;
 * an invalid but keyed record is kept, marked invalid, and returns 0.
 */
int cw_snapshot_add_staff(struct cw_snapshot *s, const char *json,
    size_t len, char *err, size_t errlen);
int cw_snapshot_add_host_class(struct cw_snapshot *s, const char *json,
    size_t len, char *err, size_t errlen);
int cw_snapshot_add_role(struct cw_snapshot *s, const char *json,
    size_t len, char *err, size_t errlen);
int cw_snapshot_add_revoked(struct cw_snapshot *s, const char *uid,
    size_t len, char *err, size_t errlen);
int cw_snapshot_add_elevations(struct cw_snapshot *s, const char *uid,
    size_t uidlen, const char *json, size_t len, char *err, size_t errlen);

/*
 * Sorts for lookup.  Two records with the same name (two entries with one
 * uid) are both marked invalid: we cannot know which one is meant, and
 * guessing could let the wrong person in.
 */
void cw_snapshot_finish(struct cw_snapshot *s);

const struct cw_staff *cw_snapshot_staff(const struct cw_snapshot *s,
    const char *uid);
const struct cw_host_class *cw_snapshot_host_class(
    const struct cw_snapshot *s, const char *name);

/* Fills a policy input for uid on host class hc at now (no copies made). */
void cw_snapshot_policy_input(const struct cw_snapshot *s, const char *uid,
    const char *hc, enum cw_mode mode, int64_t now,
    struct cw_policy_input *in);

#endif
