/* SPDX-License-Identifier: MIT */
/*
 * sync_lead.c - the sync leader's lease (sync_lead.h), held by the mirror
 * thread.  Apart from sync.c because it is the one part of the sync that
 * decides whether this daemon may write the directory data at all.
 *
 * The lease is renewed here between rounds and by the mirror itself
 * during a long refresh (ldap_mirror.c); a write the lease refused forgets
 * the token on the spot (store.c), which this file then reports as a loss.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit/events.h"
#include "config_file.h"
#include "lib/log.h"
#include "sync/ldap_mirror.h"
#include "sync/sync.h"
#include "sync/sync_lead.h"

int
cw_sync_lead_init(struct cw_sync *s)
{
	if (cw_lease_init(&s->lease, s->mirror_store.redis,
	    s->cfg->redis.key_prefix, CW_KEY_SYNC_LEADER, CW_KEY_SYNC_FENCE,
	    CW_SYNC_LEASE_MS) < 0)
		return -1;
	s->mirror_store.lease = &s->lease;
	return 0;
}

/* The status fields (under the lock: the server reads them). */
static void
publish(struct cw_sync *s, bool leading)
{
	pthread_mutex_lock(&s->wake.lock);
	s->status.sync_leader = leading;
	s->status.leader_token = cw_lease_token_now(&s->lease);
	s->status.fenced_writes = atomic_load(&s->lease.refused);
	if (!leading) {
		/* Not our session to keep: no lag, no error of ours. */
		s->status.ldap_connected = false;
		s->status.ldap_uri[0] = '\0';
		s->status.ldap_error[0] = '\0';
		s->status.ldap_retry_ms = 0;
		snprintf(s->status.ldap_state, sizeof(s->status.ldap_state),
		    "standby");
	}
	pthread_mutex_unlock(&s->wake.lock);
}

/* We were the leader and are not any more: stop writing, say so. */
static void
lost(struct cw_sync *s, const char *why)
{
	char detail[160];

	snprintf(detail, sizeof(detail), "token %lld: %s", s->lead_token, why);
	cw_warn("sync: no longer the sync leader (%s); the LDAP session ends "
	    "and this daemon stands by as a candidate (%lu writes refused by "
	    "the lease so far)", detail, atomic_load(&s->lease.refused));
	cw_ev_sync_state("leader", "lost", detail);
	if (s->mirror != NULL) {
		cw_mirror_stop(s->mirror);
		s->mirror = NULL;
	}
	s->leading = false;
	s->next_ldap_ms = 0;
	s->lead_next_ms = cw_now_ms() + CW_SYNC_CANDIDATE_MS;
	publish(s, false);
}

static void
won(struct cw_sync *s, const char *last_holder)
{
	char detail[96];

	s->leading = true;
	s->lead_token = cw_lease_token_now(&s->lease);
	s->lead_refused = atomic_load(&s->lease.refused);
	snprintf(detail, sizeof(detail), "token %lld", s->lead_token);
	cw_log(LOG_NOTICE, "sync: now the sync leader (%s%s%s); syncing from "
	    "the stored cookie", detail, last_holder[0] != '\0' ?
	    ", after token " : "", last_holder);
	cw_ev_sync_state("leader", "acquired", detail);
	s->next_ldap_ms = 0;    /* start the session now */
	publish(s, true);
}

/* Candidate: ask for the lease every CW_SYNC_CANDIDATE_MS. */
static bool
candidate(struct cw_sync *s, long long now)
{
	char err[256], holder[CW_LEASE_TOKEN_MAX];
	int rc;

	if (now < s->lead_next_ms)
		return false;
	s->lead_next_ms = now + CW_SYNC_CANDIDATE_MS;
	holder[0] = '\0';
	rc = cw_lease_acquire(&s->lease, NULL, holder, sizeof(holder), err,
	    sizeof(err));
	if (rc == 1) {
		won(s, s->lead_seen);
		return true;
	}
	if (rc == 0 && strcmp(holder, s->lead_seen) != 0) {
		cw_info("sync: standing by: the sync leader holds token %s",
		    holder);
		snprintf(s->lead_seen, sizeof(s->lead_seen), "%s", holder);
		publish(s, false);
	} else if (rc < 0) {
		cw_debug("sync: cannot ask for the leader lease: %s", err);
	}
	return false;
}

bool
cw_sync_lead(struct cw_sync *s)
{
	long long now = cw_now_ms();
	char err[256];
	int rc;

	if (!s->leading)
		return candidate(s, now);
	if (!cw_lease_held(&s->lease)) {
		lost(s, atomic_load(&s->lease.refused) > s->lead_refused ?
		    "a write was refused: the lease had moved on" :
		    "found taken over during a refresh or a batch");
		return false;
	}
	if (!cw_lease_renew_due(&s->lease, now))
		return true;
	rc = cw_lease_renew(&s->lease, err, sizeof(err));
	if (rc == 0) {
		lost(s, "the lease is held by another");
		return false;
	}
	if (rc < 0 && cw_lease_expired(&s->lease, cw_now_ms())) {
		cw_lease_forget(&s->lease);
		lost(s, "no renewal within the lease's ttl");
		return false;
	}
	publish(s, true);
	return true;
}

void
cw_sync_lead_end(struct cw_sync *s)
{
	if (!s->leading)
		return;
	cw_lease_release(&s->lease);
	s->leading = false;
	cw_info("sync: gave up the sync leader lease (token %lld)",
	    s->lead_token);
	publish(s, false);
}

void
cw_sync_lead_wait(struct cw_sync *s)
{
	long long until = cw_now_ms() + CW_SYNC_CANDIDATE_MS;

	pthread_mutex_lock(&s->wake.lock);
	while (!s->wake.stop &&
	    cw_wake_wait_until(&s->wake.cond, &s->wake.lock, until))
		;
	pthread_mutex_unlock(&s->wake.lock);
}
