/* SPDX-License-Identifier: MIT */
/*
 * hoststate.h - what a host remembers about revocations beside its
 * deny-list (<state_dir>/revocations.state), so that it can put back what
 * a Redis that lost data forgot (store_guard.h):
 *
 *   {"version": 1,
 *    "epoch": "<the store epoch last seen>", "gen": <highest gen in it>,
 *    "denied": {"<uid>": ["<epoch>", <gen>], ...},
 *    "open": [{"id", "uid", "kind", "reason", "actor", "role",
 *              "requested_at", "effective_at", "deadline"}, ...]}
 *
 * "denied" stamps each user of the deny-list with the store epoch and
 * generation at which this host first saw them revoked: a reinstate
 * marker (store.h) removes a user only when it is newer in the same
 * epoch.  "open" copies the revocations not yet done that this host has
 * seen, so that they can be submitted again (same id: idempotent).
 *
 * The file is JSON, mode 0600, replaced atomically; it is parsed only by
 * cw_hoststate_parse, which refuses anything malformed whole.  A host
 * without the file (first start, or deleted) still has its deny-list:
 * its users get stamped when the store is first seen.
 */
#ifndef CW_HOSTSTATE_H
#define CW_HOSTSTATE_H

#include <stddef.h>

#include "revoke/revocation_queue.h"
#include "store/store.h"
#include "lib/strmap.h"

#define CW_HOSTSTATE_MAX_OPEN 20000     /* revocation copies kept */
#define CW_HOSTSTATE_MAX_BYTES (64 * 1024 * 1024)

struct cw_stamp {
	char epoch[CW_EPOCH_LEN + 1];   /* "": not yet known */
	long long gen;
};

struct cw_hoststate {
	char epoch[CW_EPOCH_LEN + 1];   /* "": no store seen yet */
	long long gen;
	struct cw_strmap denied;        /* uid -> struct cw_stamp * */
	struct cw_strmap open;          /* id -> struct cw_revocation * */
};

void cw_hoststate_init(struct cw_hoststate *hs);
void cw_hoststate_free(struct cw_hoststate *hs);

/* Sets uid's stamp (a copy), replacing any.  0 or -1 (out of memory). */
int cw_hoststate_stamp(struct cw_hoststate *hs, const char *uid,
    const char *epoch, long long gen);
/* Keeps a copy of r (replacing one of the same id) unless full.  0 or -1. */
int cw_hoststate_keep(struct cw_hoststate *hs, const struct cw_revocation *r);

/* Parses len bytes into hs (initialized, empty).  0, or -1 with err. */
int cw_hoststate_parse(const char *buf, size_t len, struct cw_hoststate *hs,
    char *err, size_t errlen);
/* 0, 1 when there is no file, -1 with err (hs left empty). */
int cw_hoststate_load(const char *path, struct cw_hoststate *hs, char *err,
    size_t errlen);
int cw_hoststate_save(const char *path, const struct cw_hoststate *hs,
    char *err, size_t errlen);

#endif
