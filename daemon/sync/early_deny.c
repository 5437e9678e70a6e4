/* SPDX-License-Identifier: MIT */
/*
 * early_deny.c - see early_deny.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "store/store.h"
#include "sync/early_deny.h"
#include "sync/sync.h"

void
cw_early_deny_init(struct cw_early_deny *ed, struct cw_sync *sync,
    unsigned training_days, bool on)
{
	memset(ed, 0, sizeof(*ed));
	ed->sync = sync;
	ed->training_days = training_days;
	ed->on = on;
	cw_strmap_init(&ed->sent);
}

void
cw_early_deny_free(struct cw_early_deny *ed)
{
	cw_strmap_clear(&ed->sent, NULL);
}

/*
 * The record to hand over for a staff change, or NULL with *deny false
 * when the change does not deny.  An entry that does not parse is gone
 * (as the Redis path treats it: unknown user).
 */
static struct cw_db_entry *
denying_record(struct cw_early_deny *ed, const char *json, bool *deny)
{
	struct cw_db_entry *e;
	struct cw_decision dec;
	int64_t now = (int64_t)time(NULL);
	char err[256];

	*deny = true;
	if ((e = cw_db_entry_parse(CW_KIND_STAFF, json, strlen(json), now,
	    err, sizeof(err))) == NULL)
		return NULL;
	dec = cw_decide_person(&e->rec.staff, false, 0, now,
	    ed->training_days);
	if (dec.verdict == CW_VERDICT_ALLOW) {
		*deny = false;
		cw_db_entry_free(e);
		return NULL;
	}
	return e;
}

void
cw_early_change(void *arg, unsigned long batch, enum cw_kind kind,
    const char *uuid, const char *json)
{
	struct cw_early_deny *ed = arg;
	struct cw_db_entry *e = NULL;
	struct cw_delta *d;
	bool deny = true;
	void *old;

	/* Host classes and roles (tens, rarely changed) go through Redis;
	 * json NULL is any entry's removal (the server knows its kind). */
	if (!ed->on || (json != NULL && kind != CW_KIND_STAFF))
		return;
	if (json != NULL && (e = denying_record(ed, json, &deny)) == NULL &&
	    !deny)
		return;
	/* Remembered first: a written notice must follow whatever the
	 * server was handed.  No memory: the Redis path alone. */
	if ((d = cw_delta_new(0)) == NULL ||
	    cw_strmap_put(&ed->sent, uuid, (void *)(uintptr_t)batch,
	    &old) < 0 ||
	    cw_delta_add(d, uuid, e) < 0) {
		cw_db_entry_free(e);
		cw_delta_free(d);
		return;
	}
	d->origin = CW_DELTA_EARLY;
	ed->handed++;
	cw_debug("sync: %s %s denied ahead of Redis", e != NULL ?
	    e->rec.staff.uid : "entry", uuid);
	cw_sync_handoff(ed->sync, d);
}

/*
 * A notice naming every uuid of c[] remembered for batch number batch or
 * an earlier one (a later one's early record stays until its own batch
 * is written).
 */
static struct cw_delta *
notice(struct cw_early_deny *ed, enum cw_delta_origin origin,
    unsigned long batch, long long gen, const struct cw_store_change *c,
    size_t n)
{
	struct cw_delta *d = cw_delta_new(gen);
	void *tag;
	size_t i;

	if (d == NULL)
		return NULL;    /* kept: the next write names them again */
	d->origin = origin;
	for (i = 0; i < n; i++) {
		tag = cw_strmap_get(&ed->sent, c[i].uuid);
		if (tag == NULL || (uintptr_t)tag > batch)
			continue;
		if (cw_delta_add(d, c[i].uuid, NULL) < 0)
			break;
		(void)cw_strmap_remove(&ed->sent, c[i].uuid);
	}
	if (d->nchanges == 0) {
		cw_delta_free(d);
		return NULL;
	}
	return d;
}

void
cw_early_written(void *arg, unsigned long batch, long long gen,
    const struct cw_store_change *c, size_t n)
{
	struct cw_early_deny *ed = arg;
	struct cw_delta *d;

	if (ed->sent.count == 0 ||
	    (d = notice(ed, CW_DELTA_WRITTEN, batch, gen, c, n)) == NULL)
		return;
	cw_sync_handoff(ed->sync, d);
}

struct collect {
	struct cw_store_change *c;
	size_t n;
};

static void
collect(const char *uuid, void *value, void *arg)
{
	struct collect *k = arg;

	(void)value;
	k->c[k->n++] = (struct cw_store_change){ CW_KIND_STAFF, uuid, NULL };
}

void
cw_early_orphan(struct cw_early_deny *ed)
{
	struct collect k = { NULL, 0 };
	struct cw_delta *d;

	if (ed->sent.count == 0 ||
	    (k.c = calloc(ed->sent.count, sizeof(*k.c))) == NULL)
		return;
	cw_strmap_foreach(&ed->sent, collect, &k);
	/* notice() removes what it names: the keys k.c points at. */
	d = cw_delta_new(0);
	if (d != NULL) {
		size_t i;

		d->origin = CW_DELTA_ORPHANED;
		for (i = 0; i < k.n; i++)
			if (cw_delta_add(d, k.c[i].uuid, NULL) < 0)
				break;
	}
	free(k.c);
	if (d == NULL || d->nchanges == 0) {
		cw_delta_free(d);
		return;
	}
	cw_strmap_clear(&ed->sent, NULL);
	cw_sync_handoff(ed->sync, d);
}
