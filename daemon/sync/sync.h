/* SPDX-License-Identifier: MIT */
/*
 * sync.h - the background threads that keep the policy data fresh.
 *
 * The mirror thread (only on a syncing daemon) keeps Redis an exact copy
 * of the directory with RFC 4533 (ldap_mirror.c).  The follow thread
 * follows the Redis change log and hands the server thread deltas to
 * apply (policy_db.h).  They are separate so that a directory that is slow
 * or unreachable never delays what arrives through Redis (revocations
 * above all), and neither is ever on the server thread's path: an outage
 * only makes data older, never a PAM call slower.
 */
#ifndef CW_SYNC_H
#define CW_SYNC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "names.h"

#include "config.h"
#include "lib/namebox.h"
#include "lib/wake.h"
#include "sync/early_deny.h"
#include "sync/ldap_mirror.h"
#include "sync/entry_watch.h"
#include "sync/refill.h"
#include "model/policy_db.h"
#include "store/redis.h"
#include "store/store.h"
#include "store/store_guard.h"
#include "sync/staleness.h"

struct cw_mirror;

/* Filed revocations waiting for the follow thread (sync_filed.c). */
#define CW_SYNC_FILED_MAX 16
/* Elevations dropped early here, remembered for a loss (sync_filed.c). */
#define CW_SYNC_DROPS_MAX 256
#define CW_SYNC_DROP_KEEP_S (24 * 3600)
/* Suspensions set here, remembered for a loss (sync_filed.c). */
#define CW_SYNC_SUSPS_MAX 256

struct cw_sync_drop {
	char uid[CW_USER_MAX + 1];
	char role[CW_NAME_MAX + 1];
	int64_t at;                     /* 0: a free slot */
};

/* A suspension set here (clearwayctl suspend), to make again after a
 * loss while it runs. */
struct cw_sync_susp {
	char uid[CW_USER_MAX + 1];      /* "": free slot */
	struct cw_suspension s;
};

/* What clearwayctl status shows about synchronization. */
struct cw_sync_status {
	bool ldap_enabled;
	bool ldap_connected;
	bool refreshed;
	char ldap_uri[128];
	int64_t ldap_since;             /* state last changed (Unix s) */
	char ldap_state[16];            /* in_sync, unreachable, refused */
	char ldap_error[200];           /* why not in sync */
	long long ldap_retry_ms;        /* delay before the next attempt */
	int64_t ldap_lost_at;           /* last connection lost (Unix s) */
	int64_t redis_lost_at;          /* Redis last became unreachable */
	int64_t last_change;            /* last LDAP change written */
	size_t written;
	bool redis_up;
	long long generation;           /* last applied */
	int64_t last_reload;
	/* The sync leader's lease (sync_lead.h): held now, its token (0
	 * when none), writes it refused. */
	bool sync_leader;
	long long leader_token;
	unsigned long fenced_writes;
};

struct cw_sync {
	const struct cw_config *cfg;
	struct cw_store follow_store;   /* the follow thread's connection */
	struct cw_store mirror_store;   /* the mirror thread's connection */
	struct cw_store writer_store;   /* its writer's (redis NULL: none) */
	int wake_fd;                    /* eventfd the server polls */

	pthread_t follow_thread, mirror_thread;
	bool follow_started, mirror_started;
	/*
	 * The follow thread's doorbell: a poke means Redis has news (the
	 * mirror wrote a batch, the control worker a change: the wiring
	 * hands cw_sync_bell() to it).  Its lock guards the rest too.
	 */
	struct cw_wake wake;
	bool mirror_restart;            /* under lock: Redis lost data */
	struct cw_delta *queue, *queue_tail;    /* under lock */
	/* Under lock: revocations this daemon filed, for the guard to keep
	 * copies of (cw_sync_filed; sync_filed.c). */
	struct cw_revocation filed[CW_SYNC_FILED_MAX];
	size_t nfiled;
	/* Under lock: a ring of the elevations dropped early here. */
	struct cw_sync_drop drops[CW_SYNC_DROPS_MAX];
	size_t drop_next;
	/* Under lock: a ring of the suspensions set here. */
	struct cw_sync_susp susps[CW_SYNC_SUSPS_MAX];
	size_t susp_next;
	/* Both rings on disk (set_again.c): one writer at a time. */
	pthread_mutex_t set_again_lock;
	char set_again_path[512];
	struct cw_sync_status status;   /* under lock */
	struct cw_contact contact;      /* under lock: last heard from Redis */

	/* Owned by the follow thread. */
	struct cw_entry_watch watch;
	struct cw_calendar calendar;    /* deadlines of sync leavers */
	struct cw_strmap last_revoked;  /* to see who is newly revoked */
	struct cw_guard guard;          /* the deny-list against data loss */
	struct cw_namebox *revoked_out; /* to the revoker's host thread */
	bool have_db;
	bool offline_logged, admin_logged;      /* staleness last reported */
	bool redrop_pending;            /* a loss: early drops to redo */
	/* What this daemon answered from, and a loss awaiting the
	 * mirror's refill, kept across restarts (refill.h). */
	struct cw_refill refill;
	bool empty_logged;              /* wait_for_refill said so */
	bool clock_unchecked;           /* TIME refused (no +time) */
	bool clock_off;                 /* check_clock found it off */
	long long generation;
	/* Owned by the mirror thread. */
	struct cw_mirror *mirror;
	struct cw_early_deny early;     /* changes that deny, ahead */
	struct cw_mirror_early early_hooks;
	int backoff_ms;
	long long next_ldap_ms;
	/* The leader's lease (sync_lead.c), fencing mirror_store. */
	struct cw_lease lease;
	bool leading;
	long long lead_token, lead_next_ms;
	unsigned long lead_refused;     /* lease.refused when we took it */
	char lead_seen[CW_LEASE_TOKEN_MAX];     /* last holder logged */
};

/*
 * follow, mirror and writer are three connections to the same Redis (the
 * mirror's writer thread uses writer; NULL: the mirror thread writes
 * itself).  The revoked set, and each user newly in it, are put in
 * revoked_out (whose consumer ends their sessions here); wake_fd (an
 * eventfd) is written when deltas wait for the server.
 */
int cw_sync_start(struct cw_sync *s, const struct cw_config *cfg,
    struct cw_redis *follow, struct cw_redis *mirror, struct cw_redis *writer,
    struct cw_namebox *revoked_out, int wake_fd, char *err, size_t errlen);

/*
 * A revocation this daemon has just filed (the control worker calls it
 * once Redis took it): the guard keeps a copy from the follow thread's
 * next reload on (store_guard.h), so that a Redis that loses it, even
 * before this host has seen it listed, gets it submitted again.  Without
 * it, a revocation filed less than a refresh before Redis went back to an
 * older AOF was gone from the queue and the report (the fault suite).
 * Thread-safe; when CW_SYNC_FILED_MAX wait already, the oldest is
 * dropped (the guard's own refresh still finds it listed).
 */
void cw_sync_filed(void *sync, const struct cw_revocation *r);

/* The follow thread: moves the filed copies into the guard. */
void cw_sync_keep_filed(struct cw_sync *s);

/*
 * An elevation dropped early here (the control worker, once Redis took
 * it).  A Redis that goes back to data older than the drop holds the
 * grant again, running to its old end; after a loss the follow thread
 * drops again what this daemon dropped in the last CW_SYNC_DROP_KEEP_S
 * (cw_sync_redrop).  The last CW_SYNC_DROPS_MAX, kept in state_dir too
 * (set_again.h), so that a restart does not forget them.  Thread-safe.
 */
void cw_sync_dropped(void *sync, const char *uid, const char *role);

/*
 * A suspension set here (s), or lifted here (s NULL: forgotten), by the
 * control worker once Redis took it.  Redis gone back to older data
 * would lift it; after a loss the follow thread sets again those still
 * running that Redis no longer holds (cw_sync_redrop).  The last
 * CW_SYNC_SUSPS_MAX, kept in state_dir too (set_again.h); one lifted on
 * another daemon is set again here after a loss (fail closed, logged).
 * Thread-safe.
 */
void cw_sync_suspended(void *sync, const char *uid,
    const struct cw_suspension *s);

/* The follow thread, after a loss, on a daemon that may write: the early
 * drops and the suspensions made again.  0, or -1 when one could not be
 * made (logged; call again). */
int cw_sync_redrop(struct cw_sync *s);

/*
 * The follow thread, at each reload (sync_clock.c): Redis's TIME noted
 * with the monotonic instant, for the decision clock; logged when this
 * host's clock goes further than CW_CLOCK_TOLERANCE_S off and back.
 */
void cw_sync_check_clock(struct cw_sync *s);

/* Asks the mirror thread to start again and refresh from LDAP. */
void cw_sync_mirror_restart(struct cw_sync *s);

/*
 * The follow thread when Redis went back (sync_loss.c).  The store's
 * sync cookie (*cookie NULL: none; 0, or -1 with err); before a reload
 * with it, the loss seen or repaired (*full and *check set as the
 * reload must load); the data in memory kept while a loaded delta is
 * older (only its revoked set taken); with no memory, nothing answered.
 */
int cw_sync_store_cookie(struct cw_sync *s, char **cookie, char *err,
    size_t errlen);
void cw_sync_after_loss(struct cw_sync *s, const char *cookie, bool *full,
    bool *check);
void cw_sync_keep_memory(struct cw_delta *d);
/*
 * Whether the generation this daemon holds came back with other data:
 * the store's cookie (read before its generation) is not the one
 * answered from, yet the generation is the same (Redis went back and
 * the mirror refilled it up to the same number).  Logged when true.
 */
bool cw_sync_reused(const struct cw_sync *s, const char *cookie);
void cw_sync_wait_refill(struct cw_sync *s);

/*
 * Queues d for the server and wakes it (the follow thread's deltas, and
 * the mirror's early ones: sync/ only).
 */
void cw_sync_handoff(struct cw_sync *s, struct cw_delta *d);

/*
 * The follow thread's hand-over to the host thread (sync_revoked.c):
 * the revoked set as it now is (the deny-list), or only its changes
 * (d->revoked_changes); each user newly in it is put alone too.
 */
void cw_sync_revoked_set(struct cw_sync *s, const struct cw_strmap *revoked);
void cw_sync_revoked_changes(struct cw_sync *s, const struct cw_delta *d);

/* Takes every waiting delta, oldest first (a list via ->next). */
struct cw_delta *cw_sync_take(struct cw_sync *s);

void cw_sync_get_status(struct cw_sync *s, struct cw_sync_status *out);

/*
 * How far behind the directory this host's answers may be, in seconds:
 * 0 while it follows Redis and (on a syncing host) the directory in
 * persist mode, caught up; otherwise the time since that was last
 * confirmed (the connection lost).  -1 when not known yet.
 */
int64_t cw_sync_lag_seconds(const struct cw_sync_status *ss, int64_t now);

/* How old this host's data is now (staleness.h); any thread. */
void cw_sync_staleness(struct cw_sync *s, struct cw_staleness *out);

/*
 * The doorbell to ring when Redis has news (a change was just written):
 * the follow thread reloads now, not at the next tick.
 */
struct cw_wake *cw_sync_bell(struct cw_sync *s);

void cw_sync_stop(struct cw_sync *s);

#endif
