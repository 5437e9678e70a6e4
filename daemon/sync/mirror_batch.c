/* SPDX-License-Identifier: MIT */
/*
 * mirror_batch.c - the mirror's changes between LDAP and Redis: the
 * pending list the callbacks fill, its batches written on the mirror
 * thread (the refresh) or handed to the writer thread (the persist
 * phase, mirror_writer.h), and what follows each write (early notices,
 * stats, the owner's callback).  ldap_mirror_int.h is what it shares with
 * ldap_mirror.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ldap.h>

#include "sync/ldap_mirror.h"
#include "sync/mirror_writer.h"
#include "sync/ldap_mirror_int.h"
#include "lib/log.h"


/* Frees the strings of p[0..n). */
static void
items_free(struct pending *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(p[i].uuid);
		free(p[i].json);
	}
}

void
mirror_pending_clear(struct cw_mirror *m)
{
	items_free(m->pending, m->npending);
	m->npending = 0;
}

int
mirror_pending_add(struct cw_mirror *m, enum cw_kind kind, const char *uuid,
    char *json)
{
	struct pending *p;

	if (m->npending == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 256;

		if ((p = reallocarray(m->pending, ncap, sizeof(*p))) == NULL)
			goto oom;
		m->pending = p;
		m->cap = ncap;
	}
	p = &m->pending[m->npending];
	p->kind = kind;
	p->json = json;
	if ((p->uuid = strdup(uuid)) == NULL)
		goto oom;
	m->npending++;
	/* A refresh from a cookie brings what changed meanwhile (a full
	 * one, everything: bulk, left to Redis). */
	if ((!m->refreshing || m->had_cookie) && m->early != NULL)
		m->early->change(m->early->arg, m->batch + 1, kind, uuid,
		    json);
	return 0;
oom:
	free(json);
	return -1;
}

/*
 * Numbers the batch about to be written (or handed over), and keeps the
 * count where the early hooks' owner asked: numbers never come back in a
 * later session, where an early record of an older one may still wait.
 */
static unsigned long
next_batch(struct cw_mirror *m)
{
	m->batch++;
	if (m->early != NULL && m->early->batches != NULL)
		*m->early->batches = m->batch;
	return m->batch;
}

/* The store changes of p[0..n): they point into its strings. */
static struct cw_store_change *
changes_of(const struct pending *p, size_t n)
{
	struct cw_store_change *c = calloc(n + 1, sizeof(*c));
	size_t i;

	if (c == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		c[i] = (struct cw_store_change){ p[i].kind, p[i].uuid,
		    p[i].json };
	return c;
}

/*
 * After batch number batch (c[0..n)) was written at generation gen, or
 * refused (gen < 0, m->err says why): a refusal's warnings; or the early
 * notices, the stats and the owner's callback.  0, or -1 when refused.
 */
static int
batch_done(struct cw_mirror *m, long long gen, unsigned long batch,
    const struct cw_store_change *c, size_t n)
{
	if (gen < 0) {
		/* A stale leader: said per batch, so that it shows. */
		if (strstr(m->err, "FENCED") != NULL)
			cw_warn("sync: write of %zu changes refused: this "
			    "daemon no longer holds the sync leader lease", n);
		/* The session ends; the next resumes from the older cookie
		 * Redis holds, so LDAP sends again what Redis lost. */
		if (strstr(m->err, "BEHIND ") != NULL)
			cw_warn("ldap: Redis went back under the mirror (%s): "
			    "starting again from its cookie", m->err);
		return -1;
	}
	if (m->early != NULL && n > 0)
		m->early->written(m->early->arg, batch, gen, c, n);
	if (n > 0) {
		m->stats.written += n;
		m->stats.last_change = (int64_t)time(NULL);
	}
	if (m->flushed != NULL)
		m->flushed(m->flushed_arg);
	return 0;
}

/*
 * Writes what is pending, on this thread (the refresh, or no writer).
 * The cookie goes with it only outside the refresh phase: then it covers
 * exactly the changes written.
 */
int
mirror_flush(struct cw_mirror *m, bool with_cookie)
{
	struct cw_store_change *c;
	enum cw_cookie_op op = CW_COOKIE_KEEP;
	struct berval *ck = &m->ls->ls_cookie;
	long long gen;
	int rc;

	if (m->npending == 0 && !with_cookie)
		return 0;
	if (with_cookie && ck->bv_val != NULL)
		op = CW_COOKIE_SET;
	if ((c = changes_of(m->pending, m->npending)) == NULL) {
		snprintf(m->err, sizeof(m->err), "out of memory");
		return -1;
	}
	next_batch(m);
	gen = cw_store_write(m->st, c, m->npending, op, ck->bv_val,
	    ck->bv_len, m->err, sizeof(m->err));
	rc = batch_done(m, gen, m->batch, c, m->npending);
	free(c);
	if (rc == 0)
		mirror_pending_clear(m);
	return rc;
}

/* Frees the batch handed over, once its result is taken. */
void
mirror_handed_clear(struct cw_mirror *m)
{
	items_free(m->handed, m->nhanded);
	m->nhanded = 0;
	free(m->handed_c);
	m->handed_c = NULL;
}

/*
 * The result of the batch handed to the writer, if it is in (settle:
 * waits for it), with what follows a write (batch_done).  0, or -1 when
 * it was refused (m->err).
 */
int
mirror_take_result(struct cw_mirror *m, bool settle)
{
	long long gen = -1;
	int rc;

	if (m->writer == NULL)
		return 0;
	rc = settle ? cw_mirror_writer_settle(m->writer, &gen, m->err,
	    sizeof(m->err)) : cw_mirror_writer_take(m->writer, &gen, m->err,
	    sizeof(m->err));
	if (rc == 0)
		return 0;
	/* The writer fenced with a copy of the lease: tell the lease. */
	if (gen < 0 && m->st->lease != NULL)
		(void)cw_lease_refused(m->st->lease, m->err);
	rc = batch_done(m, gen, m->handed_batch, m->handed_c, m->nhanded);
	mirror_handed_clear(m);
	return rc;
}

/* Whether the cookie has moved since the last batch handed over. */
static bool
cookie_moved(const struct cw_mirror *m)
{
	const struct berval *ck = &m->ls->ls_cookie;

	if (ck->bv_val == NULL)
		return false;
	return m->handed_cookie == NULL || ck->bv_len != m->handed_cookie_len ||
	    memcmp(ck->bv_val, m->handed_cookie, ck->bv_len) != 0;
}

/*
 * The persist phase: takes the result of the batch in flight if it is
 * in, and hands what is pending over to the writer when it is free,
 * with the cookie, which covers it (and every batch before: one batch
 * at a time, in order).  What arrives meanwhile waits for the next
 * batch; a change that denies has already gone to the server
 * (early_deny.h).  0, or -1 (m->err).
 */
int
mirror_write_async(struct cw_mirror *m)
{
	struct berval *ck = &m->ls->ls_cookie;
	struct pending *buf;
	size_t cap;
	char *copy;

	if (mirror_take_result(m, false) < 0)
		return -1;
	if (cw_mirror_writer_busy(m->writer) ||
	    (m->npending == 0 && !cookie_moved(m)))
		return 0;
	if ((m->handed_c = changes_of(m->pending, m->npending)) == NULL)
		goto oom;
	if (ck->bv_val != NULL) {
		if ((copy = malloc(ck->bv_len + 1)) == NULL)
			goto oom;
		memcpy(copy, ck->bv_val, ck->bv_len);
		copy[ck->bv_len] = '\0';
		free(m->handed_cookie);
		m->handed_cookie = copy;
		m->handed_cookie_len = ck->bv_len;
	}
	/* The pending list becomes the batch; the old batch's buffer
	 * (emptied by handed_clear) the pending list. */
	buf = m->handed;
	cap = m->handed_cap;
	m->handed = m->pending;
	m->handed_cap = m->cap;
	m->nhanded = m->npending;
	m->pending = buf;
	m->cap = cap;
	m->npending = 0;
	m->handed_batch = next_batch(m);
	/* The writer reads the cookie from handed_cookie, which stays until
	 * the result is taken (the next hand-over replaces it). */
	if (cw_mirror_writer_put(m->writer, m->handed_c, m->nhanded,
	    ck->bv_val != NULL ? CW_COOKIE_SET : CW_COOKIE_KEEP,
	    m->handed_cookie, m->handed_cookie_len, m->st->lease,
	    &m->seq) == 0)
		return 0;
oom:
	snprintf(m->err, sizeof(m->err), "out of memory");
	return -1;
}

/*
 * The persist phase's writer, on wst (mirror_writer.h).  Without one (no
 * writer store, no lease to fence with, or it cannot start) the mirror
 * thread writes itself, as during the refresh.
 */
void
mirror_start_writer(struct cw_mirror *m, struct cw_store *wst)
{
	char err[256];

	if (wst == NULL || m->st->lease == NULL)
		return;
	if ((m->writer = cw_mirror_writer_start(wst, err, sizeof(err))) ==
	    NULL)
		cw_warn("ldap: %s: the mirror thread writes its batches itself",
		    err);
}

