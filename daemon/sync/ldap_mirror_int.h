/* SPDX-License-Identifier: MIT */
/*
 * ldap_mirror_int.h - what ldap_mirror.c (the protocol, the callbacks,
 * the session) and mirror_batch.c (the pending changes and their writes)
 * share.  Everything here belongs to the mirror thread, except the batch
 * handed to the writer (mirror_writer.h), which it leaves alone until the
 * result is taken.
 */
#ifndef CW_LDAP_MIRROR_INT_H
#define CW_LDAP_MIRROR_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <ldap.h>

#include "lib/strmap.h"
#include "store/store.h"
#include "sync/ldap_mirror.h"

struct pending {
	enum cw_kind kind;
	char *uuid;
	char *json;             /* NULL: delete */
};

struct cw_mirror {
	const struct cw_config *cfg;
	struct cw_store *st;
	/*
	 * The persist phase's writes (mirror_writer.h), on wst, its own
	 * connection: the batch handed over and its store changes, kept
	 * untouched until its result is taken.  NULL writer: the mirror
	 * thread writes them itself (no writer store, or the refresh).
	 */
	struct cw_store *wst;
	struct cw_mirror_writer *writer;
	struct pending *handed;
	size_t nhanded, handed_cap;
	struct cw_store_change *handed_c;
	unsigned long handed_batch;
	char *handed_cookie;            /* the last cookie handed over */
	size_t handed_cookie_len;
	unsigned long batch;            /* batches written or handed over */
	ldap_sync_t *ls;
	char *uri;
	char *bases[CW_KIND_COUNT];     /* normalized */
	cw_mirror_flushed_fn flushed;
	cw_mirror_stopping_fn stopping;
	void *flushed_arg;
	const struct cw_mirror_early *early;    /* or NULL */

	struct pending *pending;
	size_t npending, cap;
	bool refreshing;                /* refresh phase not done yet */
	bool had_cookie;
	bool present_mode;              /* unmentioned entries are gone */
	bool ended;                     /* the server ended the search */
	unsigned long events;           /* callbacks run, to see progress */
	struct cw_strmap seen;          /* uuids mentioned in this refresh */
	long long seq;                  /* sync:mirror_seq as last written */
	int error;                      /* first failure inside a callback */
	char err[256];
	struct cw_mirror_stats stats;
};

/* Adds a change (json NULL: removed; the list owns json).  0 or -1. */
int mirror_pending_add(struct cw_mirror *m, enum cw_kind kind,
    const char *uuid, char *json);
void mirror_pending_clear(struct cw_mirror *m);

/* Writes what is pending on this thread, with the cookie if asked.
 * 0, or -1 (m->err). */
int mirror_flush(struct cw_mirror *m, bool with_cookie);

/* The persist phase: the writer's result taken if in, the next batch
 * handed over when it is free.  0, or -1 (m->err). */
int mirror_write_async(struct cw_mirror *m);

/* The result of the batch handed over, if in (settle: waits for it).
 * 0, or -1 when it was refused (m->err). */
int mirror_take_result(struct cw_mirror *m, bool settle);

/* Frees the batch handed over, once its result is taken. */
void mirror_handed_clear(struct cw_mirror *m);

/* Starts the persist phase's writer on wst, if it can (else the mirror
 * thread writes). */
void mirror_start_writer(struct cw_mirror *m, struct cw_store *wst);

#endif
