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
#include "sync/ldap_mirror_int.h"
#include "lib/log.h"

/* Changes written per Redis transaction during a refresh. */
#define BATCH 1000

static const char *const kind_classes[CW_KIND_COUNT] = {
	"cwStaff", "cwHostClass", "cwRoleDef"
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
	if (mirror_pending_add(m, json != NULL ? (enum cw_kind)kind :
	    CW_KIND_STAFF, uuid, json) < 0)
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
		if (mirror_pending_add(m, CW_KIND_STAFF, uuid, NULL) < 0)
			fail_in_callback(m, "out of memory");
		break;
	default:
		break;
	}
	if (m->refreshing && m->npending >= BATCH && mirror_flush(m, false) < 0)
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
			if (mirror_pending_add(m, CW_KIND_STAFF, uuid,
			    NULL) < 0)
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
	if (mirror_pending_add(s->m, CW_KIND_STAFF, uuid, NULL) < 0)
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
	if (mirror_flush(m, true) < 0)
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
	mirror_pending_clear(m);
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
	mirror_start_writer(m, wst);
	return m;
fail:
	cw_mirror_stop(m);
	return NULL;
}

void
cw_mirror_settle(struct cw_mirror *m)
{
	if (m != NULL)
		(void)mirror_take_result(m, true);
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
		if ((m->writer != NULL ? mirror_write_async(m) :
		    mirror_flush(m, true)) == 0)
			return 0;
		fail_in_callback(m, NULL);      /* its reason in m->err */
	}
	if (rc == LDAP_SYNC_REFRESH_REQUIRED) {
		/* Next session starts from nothing and converges exactly;
		 * the batch in flight first, or its cookie would land after
		 * the clear. */
		(void)mirror_take_result(m, true);
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
		(void)mirror_take_result(m, true);
		cw_mirror_writer_stop(m->writer);
	}
	mirror_handed_clear(m);
	free(m->handed);
	free(m->handed_cookie);
	if (m->st->mirror_seq == &m->seq)
		m->st->mirror_seq = NULL;
	if (m->ls != NULL)
		ldap_sync_destroy(m->ls, 1);    /* also unbinds ls_ld */
	mirror_pending_clear(m);
	free(m->pending);
	cw_strmap_clear(&m->seen, NULL);
	for (k = 0; k < CW_KIND_COUNT; k++)
		free(m->bases[k]);
	free(m->uri);
	free(m);
}
