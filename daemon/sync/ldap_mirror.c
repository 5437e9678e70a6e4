/* SPDX-License-Identifier: MIT */
/*
 * ldap_mirror.c - RFC 4533 consumer that mirrors the directory into Redis.
 *
 * libldap's ldap_sync_* API drives the protocol; our callbacks turn each
 * message into a pending change and write pending changes in batches.
 * Two rules keep the mirror exact:
 *   - the cookie is persisted only with the changes it covers, and during
 *     the refresh phase not at all (a refresh cut short must be redone);
 *   - after a refresh in "present" mode (no cookie, a cookie the server
 *     could not use incrementally, or a server without a session log),
 *     every stored entry the refresh did not mention is deleted.
 * Only the sync leader runs a mirror (sync_lead.h): its store carries the
 * lease, and every write of it (batches, cookie, deletes) is fenced.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <ldap.h>

#include "ldap_cookie.h"
#include "sync/ldap_conn.h"
#include "sync/ldap_mirror.h"
#include "sync/mirror_writer.h"
#include "lib/log.h"

/* Changes written per Redis transaction during a refresh. */
#define BATCH 1000

static const char *const kind_classes[CW_KIND_COUNT] = {
	"cwStaff", "cwHostClass", "cwRoleDef"
};

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

/* ------------------------------------------------------------ DN helpers */

static char *
normalize_dn(const char *dn)
{
	char *out = NULL, *copy;

	if (ldap_dn_normalize(dn, LDAP_DN_FORMAT_LDAPV3, &out,
	    LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
		return NULL;
	copy = strdup(out != NULL ? out : "");
	ldap_memfree(out);
	return copy;
}

/* True when dn (normalized) is base or below it. */
static bool
dn_under(const char *dn, const char *base)
{
	size_t dl = strlen(dn), bl = strlen(base);

	if (bl == 0)
		return true;
	if (dl < bl || strcasecmp(dn + dl - bl, base) != 0)
		return false;
	return dl == bl || dn[dl - bl - 1] == ',';
}

char *
cw_common_base(const char *const *bases, size_t n)
{
	char *common = NULL, *p;
	size_t i;

	if (n == 0 || (common = normalize_dn(bases[0])) == NULL)
		return NULL;
	for (i = 1; i < n; i++) {
		char *b = normalize_dn(bases[i]);

		if (b == NULL)
			goto fail;
		/* Drop leading RDNs of common until b is under it. */
		p = common;
		while (!dn_under(b, p)) {
			if ((p = strchr(p, ',')) == NULL) {
				free(b);
				goto fail;
			}
			p++;
		}
		memmove(common, p, strlen(p) + 1);
		free(b);
	}
	if (common[0] == '\0')
		goto fail;      /* no common naming context */
	return common;
fail:
	free(common);
	return NULL;
}

/* ------------------------------------------------------------- batching */

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

static void
pending_clear(struct cw_mirror *m)
{
	items_free(m->pending, m->npending);
	m->npending = 0;
}

static int
pending_add(struct cw_mirror *m, enum cw_kind kind, const char *uuid,
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
static int
flush(struct cw_mirror *m, bool with_cookie)
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
		pending_clear(m);
	return rc;
}

/* Frees the batch handed over, once its result is taken. */
static void
handed_clear(struct cw_mirror *m)
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
static int
take_result(struct cw_mirror *m, bool settle)
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
	handed_clear(m);
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
static int
write_async(struct cw_mirror *m)
{
	struct berval *ck = &m->ls->ls_cookie;
	struct pending *buf;
	size_t cap;
	char *copy;

	if (take_result(m, false) < 0)
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
	if (cw_mirror_writer_put(m->writer, m->handed_c, m->nhanded,
	    ck->bv_val != NULL ? CW_COOKIE_SET : CW_COOKIE_KEEP, ck->bv_val,
	    ck->bv_len, m->st->lease, &m->seq) == 0)
		return 0;
oom:
	snprintf(m->err, sizeof(m->err), "out of memory");
	return -1;
}

static void
fail_in_callback(struct cw_mirror *m, const char *what)
{
	if (m->error == 0) {
		m->error = -1;
		if (what != NULL)
			snprintf(m->err, sizeof(m->err), "%s", what);
	}
}

/*
 * During the refresh (ldap_sync_init() runs it to the end and ignores what
 * an entry callback returns), a stop shuts the connection down: the next
 * read fails and the refresh ends at once, to be redone at the next start.
 */
static void
abandon_if_stopping(struct cw_mirror *m)
{
	ber_socket_t fd = -1;

	if (!m->refreshing || m->stopping == NULL ||
	    !m->stopping(m->flushed_arg))
		return;
	fail_in_callback(m, "ldap: refresh abandoned: the daemon is stopping");
	if (ldap_get_option(m->ls->ls_ld, LDAP_OPT_DESC, &fd) ==
	    LDAP_OPT_SUCCESS && fd >= 0)
		(void)shutdown(fd, SHUT_RDWR);
}

/*
 * The sync leader's lease (store/lease.h, sync_lead.c) is renewed between
 * rounds by the mirror thread; a refresh (ldap_sync_init() runs it whole)
 * can outlast the lease, so every callback renews it here when due, on
 * the same thread and connection.  A lease found lost ends the session as
 * a stop does: its writes would be refused anyway (each carries the token).
 */
static void
keep_lease(struct cw_mirror *m)
{
	struct cw_lease *l = m->st->lease;
	ber_socket_t fd = -1;
	char err[256];
	int rc;

	if (l == NULL || !cw_lease_renew_due(l, cw_now_ms()))
		return;
	rc = cw_lease_held(l) ? cw_lease_renew(l, err, sizeof(err)) : 0;
	if (rc == 1 || (rc < 0 && !cw_lease_expired(l, cw_now_ms())))
		return;
	cw_lease_forget(l);
	fail_in_callback(m, "sync: the sync leader lease was lost");
	if (m->refreshing && ldap_get_option(m->ls->ls_ld, LDAP_OPT_DESC,
	    &fd) == LDAP_OPT_SUCCESS && fd >= 0)
		(void)shutdown(fd, SHUT_RDWR);
}

static void
mark_seen(struct cw_mirror *m, const char *uuid)
{
	void *old;

	if (m->refreshing && cw_strmap_put(&m->seen, uuid, (void *)1, &old) < 0)
		fail_in_callback(m, "out of memory");
}

/* ------------------------------------------------------------ callbacks */

static bool
has_class(const struct cw_entry *e, const char *cls)
{
	const struct cw_attr *oc = cw_entry_attr(e, "objectClass");
	size_t i;

	for (i = 0; oc != NULL && i < oc->nvalues; i++)
		if (strcasecmp(oc->values[i], cls) == 0)
			return true;
	return false;
}

/* Which base the entry is filed under; -1 when none (it must go). */
static int
classify(const struct cw_mirror *m, const struct cw_entry *e)
{
	char *dn = normalize_dn(e->dn);
	int k, found = -1;

	if (dn == NULL)
		return -1;
	for (k = 0; k < CW_KIND_COUNT && found < 0; k++)
		if (dn_under(dn, m->bases[k]) && has_class(e, kind_classes[k]))
			found = k;
	free(dn);
	return found;
}

static void
entry_changed(struct cw_mirror *m, LDAPMessage *msg, const char *uuid)
{
	struct cw_entry e;
	char *json = NULL;
	int kind;

	if (cw_ldap_entry(m->ls->ls_ld, msg, uuid, &e) < 0) {
		cw_entry_free(&e);
		fail_in_callback(m, "out of memory");
		return;
	}
	kind = classify(m, &e);
	if (kind >= 0 && (json = cw_entry_to_json(&e)) == NULL)
		cw_warn("ldap: %s: cannot be stored; treated as removed", e.dn);
	cw_entry_free(&e);
	if (pending_add(m, json != NULL ? (enum cw_kind)kind : CW_KIND_STAFF,
	    uuid, json) < 0)
		fail_in_callback(m, "out of memory");
}

static int
on_entry(ldap_sync_t *ls, LDAPMessage *msg, struct berval *bv,
    ldap_sync_refresh_t phase)
{
	struct cw_mirror *m = ls->ls_private;
	char uuid[37];

	if (cw_uuid_text(bv->bv_val, bv->bv_len, uuid) < 0) {
		fail_in_callback(m, "ldap: sync state without a valid UUID");
		return LDAP_OTHER;
	}
	m->events++;
	abandon_if_stopping(m);
	keep_lease(m);
	if (m->error != 0)
		return LDAP_OTHER;
	switch (phase) {
	case LDAP_SYNC_CAPI_ADD:
	case LDAP_SYNC_CAPI_MODIFY:
		mark_seen(m, uuid);
		entry_changed(m, msg, uuid);
		break;
	case LDAP_SYNC_CAPI_PRESENT:
		m->present_mode = true;
		mark_seen(m, uuid);
		break;
	case LDAP_SYNC_CAPI_DELETE:
		if (pending_add(m, CW_KIND_STAFF, uuid, NULL) < 0)
			fail_in_callback(m, "out of memory");
		break;
	default:
		break;
	}
	if (m->refreshing && m->npending >= BATCH && flush(m, false) < 0)
		fail_in_callback(m, NULL);
	return m->error == 0 ? LDAP_SUCCESS : LDAP_OTHER;
}

static void
on_uuid_set(struct cw_mirror *m, BerVarray uuids, bool deleted)
{
	char uuid[37];
	size_t i;

	for (i = 0; uuids != NULL && uuids[i].bv_val != NULL; i++) {
		if (cw_uuid_text(uuids[i].bv_val, uuids[i].bv_len, uuid) < 0)
			continue;
		if (deleted) {
			if (pending_add(m, CW_KIND_STAFF, uuid, NULL) < 0)
				fail_in_callback(m, "out of memory");
		} else {
			mark_seen(m, uuid);
		}
	}
}

struct sweep {
	struct cw_mirror *m;
	size_t removed;
};

static void
sweep_one(const char *uuid, void *value, void *arg)
{
	struct sweep *s = arg;

	(void)value;
	if (cw_strmap_get(&s->m->seen, uuid) != NULL)
		return;
	if (pending_add(s->m, CW_KIND_STAFF, uuid, NULL) < 0)
		fail_in_callback(s->m, "out of memory");
	s->removed++;
}

/* Ends the refresh: removes what a present-mode refresh did not mention. */
static void
refresh_done(struct cw_mirror *m, bool present)
{
	struct cw_strmap stored;
	struct sweep s = { m, 0 };

	if (!m->refreshing)
		return;
	cw_strmap_init(&stored);
	if (present || !m->had_cookie) {
		if (cw_store_all_uuids(m->st, &stored, m->err,
		    sizeof(m->err)) < 0) {
			fail_in_callback(m, NULL);
			goto out;
		}
		cw_strmap_foreach(&stored, sweep_one, &s);
		if (s.removed > 0)
			cw_info("ldap: refresh: %zu stored entries no longer in "
			    "the directory", s.removed);
	}
	m->refreshing = false;
	m->stats.refreshed = true;
	if (flush(m, true) < 0)
		fail_in_callback(m, NULL);
out:
	cw_strmap_clear(&m->seen, NULL);
	cw_strmap_clear(&stored, NULL);
}

static int
on_intermediate(ldap_sync_t *ls, LDAPMessage *msg, BerVarray uuids,
    ldap_sync_refresh_t phase)
{
	struct cw_mirror *m = ls->ls_private;

	m->events++;
	abandon_if_stopping(m);
	keep_lease(m);
	if (m->error != 0)
		return LDAP_OTHER;
	switch (phase) {
	case LDAP_SYNC_CAPI_PRESENTS_IDSET:
		m->present_mode = true;
		on_uuid_set(m, uuids, false);
		break;
	case LDAP_SYNC_CAPI_DELETES_IDSET:
		on_uuid_set(m, uuids, true);
		break;
	case LDAP_SYNC_CAPI_PRESENTS:
		m->present_mode = true;
		break;
	case LDAP_SYNC_CAPI_DONE:
		refresh_done(m, m->present_mode || cw_ldap_refresh_was_present(ls->ls_ld, msg));
		break;
	default:
		break;
	}
	return m->error == 0 ? LDAP_SUCCESS : LDAP_OTHER;
}

/* The server ended the search (refreshOnly semantics, or an error). */
static int
on_result(ldap_sync_t *ls, LDAPMessage *msg, int refresh_deletes)
{
	struct cw_mirror *m = ls->ls_private;

	(void)msg;
	m->events++;
	m->ended = true;
	if (refresh_deletes < 0)
		return LDAP_SUCCESS;    /* an error result: nothing to apply */
	if (refresh_deletes == 0)
		m->present_mode = true;
	refresh_done(m, m->present_mode);
	return LDAP_SUCCESS;
}

/* ---------------------------------------------------------------- life */

static int
set_bases(struct cw_mirror *m, char *err, size_t errlen)
{
	const char *bases[CW_KIND_COUNT] = {
		m->cfg->ldap.staff_base, m->cfg->ldap.hostclass_base,
		m->cfg->ldap.role_base
	};
	int k;

	for (k = 0; k < CW_KIND_COUNT; k++) {
		if ((m->bases[k] = normalize_dn(bases[k])) == NULL) {
			snprintf(err, errlen, "ldap: '%s' is not a DN", bases[k]);
			return -1;
		}
	}
	return 0;
}

static ldap_sync_t *
new_sync(struct cw_mirror *m, LDAP *ld, char *err, size_t errlen)
{
	const char *bases[CW_KIND_COUNT] = {
		m->cfg->ldap.staff_base, m->cfg->ldap.hostclass_base,
		m->cfg->ldap.role_base
	};
	char *base = cw_common_base(bases, CW_KIND_COUNT), **attrs;
	ldap_sync_t *ls;
	size_t i, n = 0;

	if (base == NULL) {
		snprintf(err, errlen, "ldap: staff, host class and role bases "
		    "share no naming context");
		return NULL;
	}
	if ((ls = ldap_sync_initialize(NULL)) == NULL)
		goto oom;
	while (cw_ldap_wanted_attrs[n] != NULL)
		n++;
	/* ldap_sync_destroy frees these with ldap_memfree. */
	ls->ls_base = ldap_strdup(base);
	ls->ls_filter = ldap_strdup("(|(objectClass=cwStaff)"
	    "(objectClass=cwHostClass)(objectClass=cwRoleDef))");
	ls->ls_attrs = attrs = ldap_memcalloc(n + 1, sizeof(*attrs));
	for (i = 0; attrs != NULL && i < n; i++)
		attrs[i] = ldap_strdup(cw_ldap_wanted_attrs[i]);
	ls->ls_scope = LDAP_SCOPE_SUBTREE;
	ls->ls_timeout = 0;             /* ldap_sync_poll never waits */
	ls->ls_search_entry = on_entry;
	ls->ls_intermediate = on_intermediate;
	ls->ls_search_result = on_result;
	ls->ls_private = m;
	ls->ls_ld = ld;
	if (ls->ls_base == NULL || ls->ls_filter == NULL || attrs == NULL)
		goto oom;
	free(base);
	return ls;
oom:
	free(base);
	snprintf(err, errlen, "out of memory");
	if (ls != NULL) {
		ls->ls_ld = NULL;       /* the caller still owns ld */
		ldap_sync_destroy(ls, 1);
	}
	return NULL;
}

/*
 * Loads the stored cookie into ls (libldap frees it with ldap_memfree),
 * and fences the session's writes on sync:mirror_seq, read first: if
 * Redis goes back after that read, the first write is refused.
 */
static int
load_cookie(struct cw_mirror *m, char *err, size_t errlen)
{
	char *cookie;
	size_t len;

	if (cw_store_mirror_seq(m->st, &m->seq, err, errlen) < 0)
		return -1;
	m->st->mirror_seq = &m->seq;
	if (cw_store_cookie(m->st, &cookie, &len, err, errlen) < 0)
		return -1;
	if (cookie != NULL && (len != strlen(cookie) ||
	    !cw_cookie_plausible(cookie))) {
		/* slapd would answer a cookie it cannot parse with
		 * everything, without saying so: not sent at all, the
		 * refresh is the full one it will be. */
		cw_warn("ldap: stored sync cookie is malformed; full refresh");
		free(cookie);
		cookie = NULL;
	}
	m->had_cookie = cookie != NULL;
	if (cookie != NULL) {
		m->ls->ls_cookie.bv_val = ldap_strdup(cookie);
		m->ls->ls_cookie.bv_len = len;
		free(cookie);
	}
	return 0;
}

static void
forget_cookie(struct cw_mirror *m)
{
	ldap_memfree(m->ls->ls_cookie.bv_val);
	m->ls->ls_cookie.bv_val = NULL;
	m->ls->ls_cookie.bv_len = 0;
	m->had_cookie = false;
}

/*
 * Runs the refresh; 1 when the server wants a full refresh instead.  On
 * failure *rcp is libldap's code (LDAP_OTHER: our own side failed).
 */
static int
run_refresh(struct cw_mirror *m, int *rcp, char *err, size_t errlen)
{
	int rc;

	m->refreshing = true;
	m->present_mode = false;
	m->ended = false;
	m->error = 0;
	m->stats.full_refresh = !m->had_cookie;
	cw_strmap_clear(&m->seen, NULL);
	pending_clear(m);
	rc = ldap_sync_init(m->ls, LDAP_SYNC_REFRESH_AND_PERSIST);
	*rcp = m->error != 0 ? LDAP_OTHER : rc;
	if (m->error != 0) {
		snprintf(err, errlen, "%s", m->err);
		return -1;
	}
	if (rc == LDAP_SUCCESS && m->refreshing)
		refresh_done(m, m->present_mode);  /* server ended early */
	if (rc == LDAP_SUCCESS && m->error == 0)
		return 0;
	if (m->had_cookie && rc != LDAP_SERVER_DOWN && rc != LDAP_TIMEOUT &&
	    rc != LDAP_CONNECT_ERROR && rc != -1)
		return 1;       /* refresh required, or the cookie refused */
	snprintf(err, errlen, "ldap: sync with %s: %s", m->uri,
	    m->error ? m->err : ldap_err2string(rc));
	return -1;
}

/*
 * The persist phase's writer, on wst (mirror_writer.h).  Without one (no
 * writer store, no lease to fence with, or it cannot start) the mirror
 * thread writes itself, as during the refresh.
 */
static void
start_writer(struct cw_mirror *m, struct cw_store *wst)
{
	char err[256];

	if (wst == NULL || m->st->lease == NULL)
		return;
	if ((m->writer = cw_mirror_writer_start(wst, err, sizeof(err))) ==
	    NULL)
		cw_warn("ldap: %s: the mirror thread writes its batches itself",
		    err);
}

struct cw_mirror *
cw_mirror_start(const struct cw_config *cfg, struct cw_store *st,
    struct cw_store *wst, cw_mirror_flushed_fn flushed,
    cw_mirror_stopping_fn stopping, void *arg,
    const struct cw_mirror_early *early, int *ldap_rc, char *err,
    size_t errlen)
{
	struct cw_mirror *m = calloc(1, sizeof(*m));
	LDAP *ld;
	int rc;

	*ldap_rc = LDAP_OTHER;
	if (m == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->cfg = cfg;
	m->st = st;
	m->flushed = flushed;
	m->stopping = stopping;
	m->flushed_arg = arg;
	m->early = early;
	if (early != NULL && early->batches != NULL)
		m->batch = *early->batches;
	cw_strmap_init(&m->seen);
	if (set_bases(m, err, errlen) < 0 ||
	    (ld = cw_ldap_connect_rc(cfg, ldap_rc, err, errlen)) == NULL)
		goto fail;
	*ldap_rc = LDAP_OTHER;
	m->uri = cw_ldap_connected_uri(ld);
	if (cw_ldap_plaintext(ld))
		cw_warn("ldap: %s: plain LDAP without TLS (allow_plaintext = "
		    "yes): the directory's data crosses loopback in clear",
		    m->uri != NULL ? m->uri : "?");
	if ((m->ls = new_sync(m, ld, err, errlen)) == NULL) {
		ldap_unbind_ext_s(ld, NULL, NULL);
		goto fail;
	}
	if (load_cookie(m, err, errlen) < 0)
		goto fail;
	if ((rc = run_refresh(m, ldap_rc, err, errlen)) == 1) {
		cw_warn("ldap: the server cannot resume from the stored cookie; "
		    "full refresh");
		forget_cookie(m);
		rc = run_refresh(m, ldap_rc, err, errlen);
	}
	if (rc == 1)
		snprintf(err, errlen, "ldap: sync with %s: the server refused "
		    "a full refresh: %s", m->uri, ldap_err2string(*ldap_rc));
	if (rc != 0)
		goto fail;
	start_writer(m, wst);
	return m;
fail:
	cw_mirror_stop(m);
	return NULL;
}

void
cw_mirror_settle(struct cw_mirror *m)
{
	if (m != NULL)
		(void)take_result(m, true);
}

int
cw_mirror_wake_fd(const struct cw_mirror *m)
{
	return m->writer != NULL ? cw_mirror_writer_fd(m->writer) : -1;
}

int
cw_mirror_fd(const struct cw_mirror *m)
{
	ber_socket_t fd = -1;

	ldap_get_option(m->ls->ls_ld, LDAP_OPT_DESC, &fd);
	return (int)fd;
}

/* True when libldap has already read more than it has handed out. */
static bool
data_buffered(LDAP *ld)
{
	Sockbuf *sb = NULL;

	if (ldap_get_option(ld, LDAP_OPT_SOCKBUF, &sb) != LDAP_OPT_SUCCESS ||
	    sb == NULL)
		return false;
	return ber_sockbuf_ctrl(sb, LBER_SB_OPT_DATA_READY, NULL) > 0;
}

int
cw_mirror_poll(struct cw_mirror *m, char *err, size_t errlen)
{
	unsigned long before;
	int rc, idle = 0;

	m->error = 0;
	/*
	 * With a zero timeout, ldap_result() may read a message off the
	 * socket yet return nothing; the next call hands it out.  So poll
	 * until two calls in a row make no progress.
	 */
	do {
		before = m->events;
		rc = ldap_sync_poll(m->ls);
		idle = m->events == before && !data_buffered(m->ls->ls_ld) ?
		    idle + 1 : 0;
	} while (rc == 0 && m->error == 0 && !m->ended && idle < 2);
	if (rc == 0 && m->error == 0 && !m->ended) {
		if ((m->writer != NULL ? write_async(m) : flush(m, true)) == 0)
			return 0;
		fail_in_callback(m, NULL);      /* its reason in m->err */
	}
	if (rc == LDAP_SYNC_REFRESH_REQUIRED) {
		/* Next session starts from nothing and converges exactly;
		 * the batch in flight first, or its cookie would land after
		 * the clear. */
		(void)take_result(m, true);
		forget_cookie(m);
		(void)cw_store_write(m->st, NULL, 0, CW_COOKIE_CLEAR, NULL, 0,
		    err, errlen);
		snprintf(err, errlen, "ldap: server requires a full refresh");
		return -1;
	}
	snprintf(err, errlen, "ldap: sync with %s ended: %s", m->uri,
	    m->error ? m->err : m->ended ? "search ended by the server" :
	    rc < 0 ? "connection lost" : ldap_err2string(rc));
	return -1;
}

const struct cw_mirror_stats *
cw_mirror_stats(const struct cw_mirror *m)
{
	return &m->stats;
}

const char *
cw_mirror_uri(const struct cw_mirror *m)
{
	return m->uri != NULL ? m->uri : "?";
}

void
cw_mirror_stop(struct cw_mirror *m)
{
	int k;

	if (m == NULL)
		return;
	/* A batch in flight is waited for: written, it still gets its
	 * notices (the server may drop its early denials at that
	 * generation); refused, the next session writes it again. */
	if (m->writer != NULL) {
		(void)take_result(m, true);
		cw_mirror_writer_stop(m->writer);
	}
	handed_clear(m);
	free(m->handed);
	free(m->handed_cookie);
	if (m->st->mirror_seq == &m->seq)
		m->st->mirror_seq = NULL;
	if (m->ls != NULL)
		ldap_sync_destroy(m->ls, 1);    /* also unbinds ls_ld */
	pending_clear(m);
	free(m->pending);
	cw_strmap_clear(&m->seen, NULL);
	for (k = 0; k < CW_KIND_COUNT; k++)
		free(m->bases[k]);
	free(m->uri);
	free(m);
}
