/* SPDX-License-Identifier: MIT */
/*
 * status.c - building the JSON of clearwayctl status (see status.h).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gentime.h"
#include "audit/events.h"
#include "serve/status.h"

/* A GeneralizedTime text for an instant, or JSON null when absent. */
static json_t *
when_json(const struct cw_when *w)
{
	char buf[CW_GENTIME_BUFSZ];

	if (!w->present || cw_gentime_format(w->at, buf) < 0)
		return json_null();
	return json_string(buf);
}

static json_t *
time_json(int64_t t)
{
	struct cw_when w = { t != 0, t };

	return when_json(&w);
}

static json_t *
names_json(const struct cw_name_list *l)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < l->count; i++)
		json_array_append_new(a, json_string(l->names[i]));
	return a;
}

static json_t *
elevations_json(const struct cw_user_elevations *ue, int64_t now)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && ue != NULL && i < ue->count; i++) {
		const struct cw_elevation *e = &ue->list[i];

		json_array_append_new(a, json_pack("{s:s, s:o, s:o, s:b}",
		    "role", e->role, "start", time_json(e->start), "end",
		    time_json(e->end), "active", e->start <= now &&
		    now < e->end));
	}
	return a;
}

static json_t *
staff_json(struct cw_db *db, const char *uid, int64_t now)
{
	const struct cw_db_entry *e = cw_db_staff_entry(db, uid);
	const struct cw_staff *s = cw_db_staff(db, uid);
	json_t *o;

	if (s == NULL)
		return json_pack("{s:s, s:b}", "user", uid, "known", 0);
	o = json_pack("{s:s, s:b, s:b, s:s, s:s, s:o, s:o, s:o, s:o, s:o, "
	    "s:o, s:o, s:o, s:b}",
	    "user", uid, "known", 1, "valid", !s->invalid,
	    "invalid_why", s->invalid ? s->invalid_why : "",
	    "employment", cw_employment_name(s->employment),
	    "leaving_date", when_json(&s->leaving),
	    "identity_check", when_json(&s->identity_check),
	    "criminal_record_check", when_json(&s->criminal_record_check),
	    "right_to_work_check", when_json(&s->right_to_work_check),
	    "right_to_work_expiry", when_json(&s->right_to_work_expiry),
	    "clearance_expiry", when_json(&s->clearance_expiry),
	    "training_completed", when_json(&s->training),
	    "roles", names_json(&s->roles),
	    "revoked", cw_strmap_get(&db->revoked, uid) != NULL);
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "clearance",
	    json_string(cw_clearance_name(s->clearance)));
	json_object_set_new(o, "elevations",
	    elevations_json(cw_db_elevations(db, uid), now));
	if (cw_db_suspended_until(db, uid) > now) {
		const struct cw_suspension *sp = cw_db_suspension(db, uid);

		json_object_set_new(o, "suspended", json_pack("{s:I, s:I, s:s, "
		    "s:s}", "until", (json_int_t)sp->until, "since",
		    (json_int_t)sp->since, "by", sp->by, "reason", sp->reason));
	}
	if (e != NULL) {
		json_object_set_new(o, "dn", json_string(e->dn));
		json_object_set_new(o, "entry_uuid", json_string(e->uuid));
		json_object_set_new(o, "modified", e->modified ?
		    json_string(e->modified) : json_null());
		json_object_set_new(o, "learned", time_json(e->learned));
	}
	return o;
}

static json_t *
daemon_json(struct cw_db *db, const struct cw_sync_status *ss,
    const struct cw_staleness *st, const struct cw_answers_stats *as,
    const struct cw_config *cfg, int64_t now)
{
	json_t *o = json_pack("{s:{s:b, s:s, s:b, s:b, s:s, s:o, s:o, s:I, "
	    "s:s, s:I}, s:{s:b}, s:I, s:o, s:I}",
	    "ldap", "enabled", ss->ldap_enabled, "state", ss->ldap_state,
	    "connected", ss->ldap_connected, "refreshed", ss->refreshed,
	    "uri", ss->ldap_uri, "since", time_json(ss->ldap_since),
	    "last_change", time_json(ss->last_change), "entries_written",
	    (json_int_t)ss->written, "error", ss->ldap_error,
	    "retry_in_ms", (json_int_t)ss->ldap_retry_ms,
	    "redis", "up", ss->redis_up,
	    "generation", (json_int_t)ss->generation,
	    "last_reload", time_json(ss->last_reload),
	    "lag_seconds", (json_int_t)cw_sync_lag_seconds(ss, now));

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "data_loaded", json_boolean(db != NULL));
	/* The leases (store/lease.h): this daemon's part, and its token. */
	json_object_set_new(o, "leases", json_pack("{s:{s:b, s:I, s:I}, "
	    "s:{s:b, s:I}}", "sync_leader", "held", ss->sync_leader, "token",
	    (json_int_t)ss->leader_token, "fenced_writes",
	    (json_int_t)ss->fenced_writes, "audit_writer", "held",
	    cw_ev_writer_token() > 0, "token",
	    (json_int_t)cw_ev_writer_token()));
	json_object_set_new(o, "role", json_string(cw_role_name(
	    cfg->daemon.role)));
	json_object_set_new(o, "staleness", json_pack("{s:I, s:o, s:o, s:b, "
	    "s:I, s:b, s:I}",
	    "data_age_seconds", (json_int_t)st->age_s,
	    "last_contact", st->age_s < 0 ? json_null() :
	    time_json(now - st->age_s),
	    "offline_at", time_json(st->offline_at),
	    "offline_grace_expired", st->offline_expired,
	    "admin_max_staleness_seconds",
	    (json_int_t)cfg->daemon.admin_max_staleness_s,
	    "admin_stale", st->admin_stale,
	    "offline_grace_seconds", (json_int_t)cfg->daemon.offline_grace_s));
	/* serve/answers.h: on, and how often it answered and changed. */
	json_object_set_new(o, "answer_table", json_pack("{s:b, s:I, s:I}",
	    "enabled", as->on, "answers_published", (json_int_t)as->published,
	    "generation", (json_int_t)as->generation));
	if (db != NULL)
		json_object_set_new(o, "counts", json_pack("{s:I, s:I, s:I, "
		    "s:I}", "staff", (json_int_t)db->counts[CW_KIND_STAFF],
		    "host_classes", (json_int_t)db->counts[CW_KIND_HOST_CLASS],
		    "roles", (json_int_t)db->counts[CW_KIND_ROLE], "revoked",
		    (json_int_t)db->revoked.count));
	return o;
}

char *
cw_status_json(struct cw_db *db, const struct cw_sync_status *ss,
    const struct cw_staleness *st, const struct cw_answers_stats *as,
    const struct cw_config *cfg, const char *uid, int64_t now)
{
	json_t *o;
	char *s;

	if (uid != NULL && uid[0] != '\0')
		o = db != NULL ? staff_json(db, uid, now) :
		    json_pack("{s:s, s:b}", "user", uid, "known", 0);
	else
		o = daemon_json(db, ss, st, as, cfg, now);
	if (o == NULL)
		return NULL;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}
