/* SPDX-License-Identifier: MIT */
/*
 * store_guard.c - see store_guard.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/denylist.h"
#include "audit/events.h"
#include "lib/log.h"
#include "store/store_guard.h"

/* How often the copies of open revocations are refreshed when nothing
 * else asks for it (completions do not bump the generation). */
#define RECORDS_EVERY_S 60
/* How long the copy of a done revocation is kept, to be put back when a
 * loss takes its record from the report (8 days: past any working day,
 * and a store older than that is a restore, not a failover). */
#define DONE_KEEP_S (8 * 86400)
/* Users named in a log line or an audit record; the rest are counted. */
#define NAMES_SHOWN 200

struct uids {
	char **v;
	size_t n;
};

static void
uids_free(struct uids *u)
{
	size_t i;

	for (i = 0; i < u->n; i++)
		free(u->v[i]);
	free(u->v);
	u->v = NULL;
	u->n = 0;
}

struct collect {
	struct uids *out;
	const struct cw_strmap *except;         /* skip keys in it; or NULL */
	int rc;
};

static void
collect_key(const char *key, void *value, void *arg)
{
	struct collect *c = arg;

	(void)value;
	if (c->rc < 0 || (c->except != NULL &&
	    cw_strmap_get(c->except, key) != NULL))
		return;
	if ((c->out->v[c->out->n] = strdup(key)) == NULL) {
		c->rc = -1;
		return;
	}
	c->out->n++;
}

/* The keys of m not in except (may be NULL), copied.  0 or -1. */
static int
keys_of(const struct cw_strmap *m, const struct cw_strmap *except,
    struct uids *out)
{
	struct collect c = { out, except, 0 };

	out->n = 0;
	if ((out->v = calloc(m->count + 1, sizeof(*out->v))) == NULL)
		return -1;
	cw_strmap_foreach(m, collect_key, &c);
	if (c.rc < 0)
		uids_free(out);
	return c.rc;
}

/* "a,b,c" of the first names, cut to fit buf. */
static void
join_names(const struct uids *u, char *buf, size_t size)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < u->n && len + 1 < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
		    i ? "," : "", u->v[i]);
	if (len >= size && size > 4)
		memcpy(buf + size - 4, "...", 4);
}

int
cw_guard_init(struct cw_guard *g, struct cw_store *st, const char *state_dir,
    char *err, size_t errlen)
{
	struct cw_strmap names;
	struct uids u = { NULL, 0 };
	size_t i;
	int rc = -1;

	memset(g, 0, sizeof(*g));
	g->store = st;
	cw_hoststate_init(&g->hs);
	cw_strmap_init(&names);
	snprintf(g->denylist_path, sizeof(g->denylist_path),
	    "%s/revoked.list", state_dir);
	snprintf(g->state_path, sizeof(g->state_path),
	    "%s/revocations.state", state_dir);
	if (cw_hoststate_load(g->state_path, &g->hs, err, errlen) < 0 ||
	    cw_denylist_load(g->denylist_path, &names, err, errlen) < 0)
		goto out;
	/*
	 * The state file is written before the list, so after a crash
	 * either may hold a user the other lacks: both are denied (the
	 * missing stamp is filled in when the store is first seen).
	 */
	if (keys_of(&names, &g->hs.denied, &u) < 0)
		goto oom;
	for (i = 0; i < u.n; i++)
		if (cw_hoststate_stamp(&g->hs, u.v[i], "", 0) < 0)
			goto oom;
	g->verify = true;
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	uids_free(&u);
	cw_strmap_clear(&names, NULL);
	if (rc < 0)
		cw_hoststate_free(&g->hs);
	return rc;
}

void
cw_guard_free(struct cw_guard *g)
{
	cw_hoststate_free(&g->hs);
}

const struct cw_strmap *
cw_guard_denied(const struct cw_guard *g)
{
	return &g->hs.denied;
}

void
cw_guard_suspect(struct cw_guard *g)
{
	g->verify = true;
}

/* A loss seen by identity: logged now, repaired by cw_guard_revoked. */
static void
start_loss(struct cw_guard *g, const char *why)
{
	if (!g->loss) {
		snprintf(g->loss_old_epoch, sizeof(g->loss_old_epoch), "%s",
		    g->hs.epoch);
		g->loss_old_gen = g->hs.gen;
	}
	g->loss = true;
	snprintf(g->loss_why, sizeof(g->loss_why), "%s", why);
	cw_log(LOG_ALERT, "redis: the store lost data: %s; this host keeps "
	    "denying every user on its deny-list and re-asserts them", why);
}

int
cw_guard_identity(struct cw_guard *g, long long *gen, bool *full,
    bool *check, char *err, size_t errlen)
{
	char epoch[CW_EPOCH_LEN + 1], why[200];
	long long open;
	bool created;

	*full = *check = false;
	if (cw_store_identity(g->store, epoch, &created, gen, &open, err,
	    errlen) < 0) {
		g->verify = true;
		return -1;
	}
	/* A revocation opened or closed (a scheduled one bumps no gen):
	 * copy it before Redis can lose it. */
	if (open != g->last_open) {
		g->last_open = open;
		g->records_due = g->verify = true;
	}
	why[0] = '\0';
	if (g->hs.epoch[0] != '\0' && strcmp(epoch, g->hs.epoch) != 0)
		snprintf(why, sizeof(why), created ? "it had no epoch "
		    "(emptied, or restarted without its files)" : "its epoch "
		    "changed from %s to %s (another server or a rebuilt "
		    "store)", g->hs.epoch, epoch);
	else if (g->hs.epoch[0] != '\0' && *gen < g->hs.gen)
		snprintf(why, sizeof(why), "its generation went back from "
		    "%lld to %lld (older data: a restart from an old "
		    "AOF/RDB, or a lagging replica)", g->hs.gen, *gen);
	if (why[0] != '\0') {
		start_loss(g, why);
		*full = true;
	}
	if (why[0] != '\0' || strcmp(epoch, g->hs.epoch) != 0 ||
	    *gen > g->hs.gen) {
		/* Persisted at once: a store emptied while this daemon is
		 * stopped must still look like a loss when it starts. */
		g->dirty = g->dirty || strcmp(epoch, g->hs.epoch) != 0;
		memcpy(g->hs.epoch, epoch, sizeof(epoch));
		g->hs.gen = *gen;
	}
	/* Now and then in full even when nothing changed: a partial loss
	 * (a key deleted by hand) bumps no generation either. */
	*check = *full || g->verify || g->loss ||
	    (int64_t)time(NULL) - g->records_checked >= RECORDS_EVERY_S;
	/* A check compares the whole revoked set: the delta must carry it. */
	g->store->load_sets = g->store->load_sets || *check;
	g->verify = false;
	return 0;
}

/*
 * Users on the deny-list that Redis does not list: removed when
 * reinstated since this host stamped them, otherwise put in lost.
 * Returns whether the deny-list changed, or -1 (Redis: keep them all).
 */
static int
sort_missing(struct cw_guard *g, const struct cw_strmap *revoked,
    struct uids *lost)
{
	struct cw_reinstate_mark *marks = NULL;
	struct uids missing = { NULL, 0 };
	char err[256];
	size_t i;
	int changed = 0;

	if (keys_of(&g->hs.denied, revoked, &missing) < 0)
		return -1;
	if (missing.n == 0)
		goto out;
	if ((marks = calloc(missing.n, sizeof(*marks))) == NULL ||
	    (lost->v = calloc(missing.n, sizeof(*lost->v))) == NULL ||
	    cw_store_reinstated(g->store, (const char *const *)missing.v,
	    missing.n, marks, err, sizeof(err)) < 0) {
		changed = -1;
		goto out;
	}
	for (i = 0; i < missing.n; i++) {
		const struct cw_stamp *st = cw_strmap_get(&g->hs.denied,
		    missing.v[i]);

		if (st != NULL && marks[i].epoch[0] != '\0' &&
		    strcmp(marks[i].epoch, st->epoch) == 0 &&
		    marks[i].gen > st->gen) {
			free(cw_strmap_remove(&g->hs.denied, missing.v[i]));
			cw_log_auth(LOG_NOTICE, "reinstated user %s: no longer "
			    "denied as revoked on this host", missing.v[i]);
			changed = 1;
			continue;
		}
		lost->v[lost->n++] = missing.v[i];
		missing.v[i] = NULL;
	}
out:
	if (changed < 0)
		uids_free(lost);
	for (i = 0; i < missing.n; i++)
		free(missing.v[i]);
	free(missing.v);
	free(marks);
	return changed;
}

static bool
state_open(enum cw_revq_state s)
{
	return s == CW_REVQ_SCHEDULED || s == CW_REVQ_QUEUED ||
	    s == CW_REVQ_DEAD;
}

/*
 * The copy of a done revocation, in refresh_records: true when nothing
 * more is to be done with it (dropped when old or when the copies fill
 * up; outside a loss, kept as it is without asking Redis, so that a
 * refresh costs nothing per done copy), false when Redis must be asked (a
 * loss is being repaired: absent means forgotten, submitted again).
 */
static bool
done_copy(struct cw_guard *g, const struct cw_revocation *copy, int64_t now,
    bool *changed)
{
	if (now - copy->requested_at > DONE_KEEP_S ||
	    g->hs.open.count >= CW_HOSTSTATE_MAX_OPEN / 2) {
		free(cw_strmap_remove(&g->hs.open, copy->id));
		*changed = true;
		return true;
	}
	return !g->loss;
}

/*
 * Refreshes the copies of open revocations, and submits again (same id)
 * those Redis no longer has at all.  A copy is dropped only when Redis
 * shows it cancelled, never because it is absent.  The copy of a done
 * revocation is kept DONE_KEEP_S (done_copy): a store that went back to
 * older data loses done records too, and the month's report, which is
 * read from them, would be short of a revocation that happened (the
 * fault suite's Redis restarted from an older AOF).  How many were
 * submitted again; *changed when the copies changed.
 */
static size_t
refresh_records(struct cw_guard *g, int64_t now, bool *changed)
{
	struct cw_revq_list l = { NULL, 0 };
	struct cw_strmap listed;
	struct uids ids = { NULL, 0 };
	struct cw_revocation r, *copy;
	enum cw_revq_state state;
	char err[256];
	size_t i, again = 0;
	void *old;
	int rc;

	cw_strmap_init(&listed);
	g->records_checked = now;
	if (cw_revq_pending(g->store, &l, err, sizeof(err)) < 0) {
		g->verify = true;
		goto out;
	}
	for (i = 0; i < l.count; i++) {
		if (!state_open(l.items[i].state))
			continue;
		copy = cw_strmap_get(&g->hs.open, l.items[i].id);
		if (copy == NULL)
			*changed = true;
		if (cw_hoststate_keep(&g->hs, &l.items[i]) < 0 ||
		    cw_strmap_put(&listed, l.items[i].id, (void *)1, &old) < 0)
			goto out;
	}
	if (keys_of(&g->hs.open, &listed, &ids) < 0)
		goto out;
	for (i = 0; i < ids.n; i++) {
		copy = cw_strmap_get(&g->hs.open, ids.v[i]);
		if (copy->state == CW_REVQ_DONE &&
		    done_copy(g, copy, now, changed))
			continue;
		if ((rc = cw_revq_get(g->store, ids.v[i], &r, err,
		    sizeof(err))) < 0) {
			g->verify = true;
			break;
		}
		if (rc == 1 && r.state == CW_REVQ_DONE) {
			copy->state = CW_REVQ_DONE;
			*changed = true;
			continue;
		}
		if (rc == 1 && !state_open(r.state)) {
			free(cw_strmap_remove(&g->hs.open, ids.v[i]));
			*changed = true;
			continue;
		}
		if (rc == 1 || g->read_only)
			continue;       /* open, just not indexed; or central's */
		r = *copy;
		if ((rc = cw_revq_submit(g->store, &r, now, &state, err,
		    sizeof(err))) < 0) {
			cw_err("redis: cannot submit revocation %s of %s "
			    "again: %s (retrying)", r.id, r.uid, err);
			g->verify = true;
			continue;
		}
		if (rc == 1) {
			cw_log(LOG_ALERT, "redis: revocation %s of %s was lost; "
			    "submitted again (%s), its steps will run",
			    r.id, r.uid, cw_revq_state_name(state));
			again++;
		}
	}
out:
	uids_free(&ids);
	cw_strmap_clear(&listed, NULL);
	cw_revq_list_free(&l);
	return again;
}

struct fill {
	const char *epoch;
	long long gen;
	bool changed;
};

static void
fill_stamp(const char *uid, void *value, void *arg)
{
	struct cw_stamp *st = value;
	struct fill *f = arg;

	(void)uid;
	if (st->epoch[0] == '\0') {
		snprintf(st->epoch, sizeof(st->epoch), "%s", f->epoch);
		st->gen = f->gen;
		f->changed = true;
	}
}

struct add {
	struct cw_guard *g;
	long long gen;
	bool changed;
	int rc;
};

static void
add_revoked(const char *uid, void *value, void *arg)
{
	struct add *a = arg;
	const struct cw_stamp *st = cw_strmap_get(&a->g->hs.denied, uid);

	(void)value;
	/* Known in an older epoch: known again from now on in this one. */
	if (st != NULL && strcmp(st->epoch, a->g->hs.epoch) == 0)
		return;
	if (cw_hoststate_stamp(&a->g->hs, uid, a->g->hs.epoch, a->gen) < 0)
		a->rc = -1;
	a->changed = true;
}

static void
persist(struct cw_guard *g)
{
	char err[512];

	/* The state first: after a crash it holds at least the list. */
	if (cw_hoststate_save(g->state_path, &g->hs, err, sizeof(err)) < 0)
		cw_log(LOG_ERR, "state %s: %s", g->state_path, err);
	if (cw_denylist_save(g->denylist_path, &g->hs.denied, err,
	    sizeof(err)) < 0)
		cw_log(LOG_ERR, "deny list %s: %s", g->denylist_path, err);
}

static void
report(struct cw_guard *g, const struct uids *lost, size_t again)
{
	char names[NAMES_SHOWN + 4];
	const char *why = g->loss ? g->loss_why : "it no longer lists users "
	    "this host denies, and holds no reinstate for them (older or "
	    "partial data)";

	join_names(lost, names, sizeof(names));
	cw_log(LOG_ALERT, "redis: the store lost data: %s; re-asserted %zu "
	    "revoked users (%s) and %zu open revocations", why, lost->n,
	    names[0] ? names : "none", again);
	cw_ev_store_loss(g->loss ? "identity" : "content", g->loss ?
	    g->loss_old_epoch : g->hs.epoch, g->hs.epoch, g->loss ?
	    g->loss_old_gen : g->hs.gen, g->hs.gen, names, (long long)lost->n,
	    (long long)again);
}

/* d->revoked becomes the deny-list. */
static int
hand_over(struct cw_guard *g, struct cw_delta *d)
{
	struct uids all = { NULL, 0 };
	size_t i;
	void *old;
	int rc = 0;

	if (keys_of(&g->hs.denied, NULL, &all) < 0)
		return -1;
	cw_strmap_clear(&d->revoked, NULL);
	for (i = 0; i < all.n && rc == 0; i++)
		rc = cw_strmap_put(&d->revoked, all.v[i], (void *)1, &old);
	uids_free(&all);
	return rc;
}

bool
cw_guard_revoked(struct cw_guard *g, struct cw_delta *d)
{
	struct add a = { g, d->generation, false, 0 };
	struct fill f = { g->hs.epoch, d->generation, false };
	struct uids lost = { NULL, 0 };
	int64_t now = (int64_t)time(NULL);
	size_t listed = d->revoked.count, again = 0, i;
	bool changed, repaired = false;
	long long gen;
	char err[256];
	int missing;

	/* The log may run ahead of the identity read: the highest seen. */
	if (d->generation > g->hs.gen)
		g->hs.gen = d->generation;
	cw_strmap_foreach(&g->hs.denied, fill_stamp, &f);
	cw_strmap_foreach(&d->revoked, add_revoked, &a);
	changed = f.changed || a.changed || g->dirty;
	g->dirty = false;
	if ((missing = sort_missing(g, &d->revoked, &lost)) < 0)
		g->verify = true;       /* cannot tell: keep denying them */
	changed = changed || missing == 1;
	if (g->loss || g->records_due || lost.n > 0 || d->replace != NULL ||
	    listed != g->last_count || now - g->records_checked >=
	    RECORDS_EVERY_S) {
		g->records_due = false;
		again = refresh_records(g, now, &changed);
	}
	g->last_count = listed;
	if (lost.n > 0 && g->read_only) {
		cw_warn("redis: %zu revoked users this host denies are not in "
		    "the store; they stay denied here (a central daemon "
		    "re-asserts them)", lost.n);
	} else if (lost.n > 0) {
		gen = cw_store_reassert(g->store, (const char *const *)lost.v,
		    lost.n, err, sizeof(err));
		if (gen < 0) {
			cw_err("redis: cannot re-assert %zu revoked users: %s "
			    "(retrying; they stay denied here)", lost.n, err);
			g->verify = true;
		}
		for (i = 0; gen >= 0 && i < lost.n; i++)
			(void)cw_hoststate_stamp(&g->hs, lost.v[i], g->hs.epoch,
			    gen);
		changed = true;
	}
	if (g->loss || lost.n > 0 || again > 0) {
		report(g, &lost, again);
		repaired = true;
		changed = true;
		g->loss = g->verify ? g->loss : false;
	}
	if (hand_over(g, d) < 0)
		cw_err("deny list: out of memory handing it over");
	if (changed)
		persist(g);
	uids_free(&lost);
	return repaired;
}

/*
 * The users of del that this host denies: taken off when reinstated since
 * it stamped them (then left in del), otherwise put in lost and dropped
 * from del (Redis forgot them).  -1 when the markers cannot be read: all
 * are kept, and dropped from del.
 */
static int
changes_missing(struct cw_guard *g, struct cw_strmap *del, struct uids *lost,
    bool *changed)
{
	struct cw_reinstate_mark *marks = NULL;
	struct uids asked = { NULL, 0 };
	char err[256];
	size_t i;
	int rc = -1;

	if (keys_of(del, NULL, &asked) < 0)
		return -1;
	/* Only those the deny-list holds need a marker. */
	for (i = 0; i < asked.n; i++)
		if (cw_strmap_get(&g->hs.denied, asked.v[i]) == NULL) {
			free(asked.v[i]);
			asked.v[i--] = asked.v[--asked.n];
		}
	if (asked.n == 0) {
		rc = 0;
		goto out;
	}
	if ((marks = calloc(asked.n, sizeof(*marks))) == NULL ||
	    (lost->v = calloc(asked.n, sizeof(*lost->v))) == NULL ||
	    cw_store_reinstated(g->store, (const char *const *)asked.v,
	    asked.n, marks, err, sizeof(err)) < 0) {
		cw_strmap_clear(del, NULL);     /* keep denying them all */
		goto out;
	}
	for (i = 0; i < asked.n; i++) {
		const struct cw_stamp *st = cw_strmap_get(&g->hs.denied,
		    asked.v[i]);

		if (marks[i].epoch[0] != '\0' &&
		    strcmp(marks[i].epoch, st->epoch) == 0 &&
		    marks[i].gen > st->gen) {
			free(cw_strmap_remove(&g->hs.denied, asked.v[i]));
			cw_log_auth(LOG_NOTICE, "reinstated user %s: no longer "
			    "denied as revoked on this host", asked.v[i]);
			*changed = true;
			continue;
		}
		(void)cw_strmap_remove(del, asked.v[i]);
		lost->v[lost->n++] = asked.v[i];
		asked.v[i] = NULL;
	}
	rc = 0;
out:
	uids_free(&asked);
	free(marks);
	return rc;
}

/* Puts lost back into Redis (not a read-only host), stamped anew. */
static void
reassert_lost(struct cw_guard *g, const struct uids *lost)
{
	char err[256];
	long long gen;
	size_t i;

	if (g->read_only) {
		cw_warn("redis: %zu revoked users this host denies are not in "
		    "the store; they stay denied here (a central daemon "
		    "re-asserts them)", lost->n);
		return;
	}
	gen = cw_store_reassert(g->store, (const char *const *)lost->v,
	    lost->n, err, sizeof(err));
	if (gen < 0) {
		cw_err("redis: cannot re-assert %zu revoked users: %s "
		    "(retrying; they stay denied here)", lost->n, err);
		g->verify = true;
		return;
	}
	for (i = 0; i < lost->n; i++)
		(void)cw_hoststate_stamp(&g->hs, lost->v[i], g->hs.epoch, gen);
	report(g, lost, 0);
}

void
cw_guard_revoked_changes(struct cw_guard *g, struct cw_delta *d)
{
	struct add a = { g, d->generation, false, 0 };
	struct uids lost = { NULL, 0 };
	bool changed;

	if (d->generation > g->hs.gen)
		g->hs.gen = d->generation;
	cw_strmap_foreach(&d->revoked_add, add_revoked, &a);
	changed = a.changed || g->dirty;
	g->dirty = false;
	/* Not on the deny-list: nothing to take off (del holds only what
	 * the deny-list loses, for the server). */
	if (changes_missing(g, &d->revoked_del, &lost, &changed) < 0)
		g->verify = true;
	if (lost.n > 0) {
		reassert_lost(g, &lost);
		changed = true;
	}
	if (changed)
		persist(g);
	uids_free(&lost);
}

