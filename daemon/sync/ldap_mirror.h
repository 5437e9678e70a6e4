/* SPDX-License-Identifier: MIT */
/*
 * ldap_mirror.h - keeps Redis an exact mirror of the directory's policy
 * entries with RFC 4533 content synchronization (refreshAndPersist).
 *
 * One sync search runs over the deepest DN that contains the staff, host
 * class and role bases, for the three object classes; each entry is filed
 * under the base its DN is in, and an entry that leaves every base (moved,
 * or its object class removed) is removed.  State is keyed by entryUUID.
 * The cookie is written to Redis in the same transaction as the changes it
 * covers, so a restart resumes exactly where the mirror stopped.
 */
#ifndef CW_LDAP_MIRROR_H
#define CW_LDAP_MIRROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "store/store.h"

struct cw_mirror;

struct cw_mirror_stats {
	size_t written;         /* entries written or removed, in total */
	int64_t last_change;    /* Unix time of the last change written */
	bool refreshed;         /* the refresh phase has completed */
	bool full_refresh;      /* the last refresh started without a cookie */
};

/* Called after each batch reaches Redis (e.g. to reload at once). */
typedef void (*cw_mirror_flushed_fn)(void *arg);

/* Asked at each message of a refresh: true when the owner is stopping,
 * so that a long refresh is abandoned (it is redone at the next start). */
typedef bool (*cw_mirror_stopping_fn)(void *arg);

/*
 * Optional hooks for changes ahead of their write (sync/early_deny.h):
 * change() for each change of the persist phase, or of a refresh from
 * a cookie, as it arrives (json NULL: removed), with the number of the
 * batch that will carry it; written() after batch number batch reached
 * Redis at generation gen.  Batches are numbered from 1, written in
 * order, and a change may arrive while an earlier batch is being
 * written.  Both on the mirror thread.
 */
struct cw_mirror_early {
	void (*change)(void *arg, unsigned long batch, enum cw_kind kind,
	    const char *uuid, const char *json);
	void (*written)(void *arg, unsigned long batch, long long gen,
	    const struct cw_store_change *c, size_t n);
	void *arg;
	/* The batch count, kept by the owner across sessions (or NULL). */
	unsigned long *batches;
};

/*
 * Connects, resumes from the stored cookie (or refreshes fully when there
 * is none, or when the server refuses it), and runs the refresh phase,
 * writing batches as they come, through st.  The persist phase's batches
 * go through wst (its own connection) on a writer thread
 * (mirror_writer.h); NULL: through st, on the caller's thread.  NULL with err on failure, and in
 * *ldap_rc libldap's code for it (LDAP_OTHER when our side failed), so
 * the caller can tell an unreachable directory (cw_ldap_unreachable())
 * from one that refuses us.
 */
struct cw_mirror *cw_mirror_start(const struct cw_config *cfg,
    struct cw_store *st, struct cw_store *wst, cw_mirror_flushed_fn flushed,
    cw_mirror_stopping_fn stopping, void *arg,
    const struct cw_mirror_early *early, int *ldap_rc, char *err,
    size_t errlen);

/* The connection's socket, to wait on. */
int cw_mirror_fd(const struct cw_mirror *m);

/*
 * Readable when the writer's batch is done (call cw_mirror_poll: the
 * next batch may be waiting for it); -1 without a writer.
 */
int cw_mirror_wake_fd(const struct cw_mirror *m);

/*
 * Waits for the batch the writer has in flight, if any, and takes its
 * result: nothing of this session reaches Redis after it returns, until
 * the next cw_mirror_poll.  NULL is fine.
 */
void cw_mirror_settle(struct cw_mirror *m);

/*
 * Handles whatever the server has sent (persist phase) and writes it.
 * 0 on success; -1 when the session is over (connection lost, server
 * ended the search, refresh required): stop it and start a new one.
 */
int cw_mirror_poll(struct cw_mirror *m, char *err, size_t errlen);

const struct cw_mirror_stats *cw_mirror_stats(const struct cw_mirror *m);
const char *cw_mirror_uri(const struct cw_mirror *m);

void cw_mirror_stop(struct cw_mirror *m);

/* The deepest DN containing all three bases (malloc'd), or NULL. */
char *cw_common_base(const char *const *bases, size_t n);

#endif
