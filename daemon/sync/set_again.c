/* SPDX-License-Identifier: MIT */
/*
 * set_again.c - the rings of sync_filed.c on disk (set_again.h).  A
 * central that dropped an elevation early or set a suspension, then was
 * restarted, must still make it again when Redis later goes back to older
 * data: in memory alone a restart forgot it.  The file is read once, at
 * start, and is untrusted like every state file: each record is checked
 * (names, bounds) before it is kept, and a file that does not parse stops
 * the start, saying which file and why.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "model/denylist.h"
#include "names.h"
#include "sync/set_again.h"
#include "sync/sync.h"

#define SET_AGAIN_MAX_BYTES (1024 * 1024)

/* A string member of o that fits dst (size), valid by valid() if given. */
static bool
get_str(json_t *o, const char *name, char *dst, size_t size,
    bool (*valid)(const char *, size_t))
{
	json_t *v = json_object_get(o, name);
	const char *str;
	size_t len;

	if (!json_is_string(v))
		return false;
	str = json_string_value(v);
	len = json_string_length(v);
	if (len >= size || strlen(str) != len ||
	    (valid != NULL && !valid(str, len)))
		return false;
	memcpy(dst, str, len + 1);
	return true;
}

static bool
get_time(json_t *o, const char *name, int64_t *out)
{
	json_t *v = json_object_get(o, name);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return false;
	*out = (int64_t)json_integer_value(v);
	return true;
}

/* The drops of a into s (still recent ones only); false at a bad one. */
static bool
parse_drops(struct cw_sync *s, json_t *a, int64_t now)
{
	struct cw_sync_drop d;
	size_t i;
	json_t *o;

	json_array_foreach(a, i, o) {
		memset(&d, 0, sizeof(d));
		if (!json_is_object(o) ||
		    !get_str(o, "uid", d.uid, sizeof(d.uid),
		    cw_user_name_valid) ||
		    !get_str(o, "role", d.role, sizeof(d.role),
		    cw_object_name_valid) ||
		    !get_time(o, "at", &d.at) || d.at == 0)
			return false;
		if (now - d.at > CW_SYNC_DROP_KEEP_S)
			continue;
		s->drops[s->drop_next] = d;
		s->drop_next = (s->drop_next + 1) % CW_SYNC_DROPS_MAX;
	}
	return true;
}

/* The suspensions of a into s (still running ones only). */
static bool
parse_susps(struct cw_sync *s, json_t *a, int64_t now)
{
	struct cw_sync_susp x;
	size_t i;
	json_t *o;

	json_array_foreach(a, i, o) {
		memset(&x, 0, sizeof(x));
		if (!json_is_object(o) ||
		    !get_str(o, "uid", x.uid, sizeof(x.uid),
		    cw_user_name_valid) ||
		    !get_str(o, "by", x.s.by, sizeof(x.s.by), NULL) ||
		    !get_str(o, "reason", x.s.reason, sizeof(x.s.reason),
		    NULL) ||
		    !get_time(o, "until", &x.s.until) ||
		    !get_time(o, "since", &x.s.since))
			return false;
		if (x.s.until <= now)
			continue;
		s->susps[s->susp_next] = x;
		s->susp_next = (s->susp_next + 1) % CW_SYNC_SUSPS_MAX;
	}
	return true;
}

static int
parse(struct cw_sync *s, const char *buf, size_t len, char *why,
    size_t whylen)
{
	json_error_t jerr;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	json_t *drops, *susps;
	int64_t now = (int64_t)time(NULL);
	int rc = -1;

	if (root == NULL) {
		snprintf(why, whylen, "not JSON: %s", jerr.text);
		return -1;
	}
	drops = json_object_get(root, "drops");
	susps = json_object_get(root, "suspensions");
	if (!json_is_object(root) || json_integer_value(json_object_get(root,
	    "version")) != 1 || !json_is_array(drops) || !json_is_array(susps))
		snprintf(why, whylen, "not a version 1 object with \"drops\" "
		    "and \"suspensions\"");
	else if (json_array_size(drops) > CW_SYNC_DROPS_MAX ||
	    json_array_size(susps) > CW_SYNC_SUSPS_MAX)
		snprintf(why, whylen, "more records than a daemon keeps");
	else if (!parse_drops(s, drops, now))
		snprintf(why, whylen, "a bad record in \"drops\"");
	else if (!parse_susps(s, susps, now))
		snprintf(why, whylen, "a bad record in \"suspensions\"");
	else
		rc = 0;
	json_decref(root);
	return rc;
}

int
cw_set_again_load(struct cw_sync *s, const char *state_dir, char *err,
    size_t errlen)
{
	char *buf = NULL, why[200];
	size_t len;
	int rc;

	pthread_mutex_init(&s->set_again_lock, NULL);
	if ((size_t)snprintf(s->set_again_path, sizeof(s->set_again_path),
	    "%s/set-again.state", state_dir) >= sizeof(s->set_again_path)) {
		snprintf(err, errlen, "state_dir too long");
		return -1;
	}
	if ((rc = cw_statefile_read(s->set_again_path, SET_AGAIN_MAX_BYTES,
	    &buf, &len, err, errlen)) != 0)
		return rc > 0 ? 0 : -1;
	if (parse(s, buf, len, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s (it lists what this daemon must "
		    "make again if Redis loses data: remove it only once Redis "
		    "is known to hold this daemon's suspensions and early drops)",
		    s->set_again_path, why);
		rc = -1;
	}
	free(buf);
	return rc;
}

void
cw_set_again_free(struct cw_sync *s)
{
	pthread_mutex_destroy(&s->set_again_lock);
}

/* Appends v (NULL: it could not be made) to a; false when it was not. */
static bool
append(json_t *a, json_t *v)
{
	return v != NULL && json_array_append_new(a, v) == 0;
}

/* The rings as the file holds them, the slots in use only; NULL when one
 * could not be written down (none may be left out). */
static json_t *
to_json(const struct cw_sync_drop *drops, const struct cw_sync_susp *susps)
{
	json_t *d = json_array(), *u = json_array();
	bool ok = d != NULL && u != NULL;
	size_t i;

	for (i = 0; ok && i < CW_SYNC_DROPS_MAX; i++)
		if (drops[i].at != 0)
			ok = append(d, json_pack("{s:s, s:s, s:I}", "uid",
			    drops[i].uid, "role", drops[i].role, "at",
			    (json_int_t)drops[i].at));
	for (i = 0; ok && i < CW_SYNC_SUSPS_MAX; i++)
		if (susps[i].uid[0] != '\0')
			ok = append(u, json_pack("{s:s, s:s, s:s, s:I, s:I}",
			    "uid", susps[i].uid, "by", susps[i].s.by, "reason",
			    susps[i].s.reason, "until",
			    (json_int_t)susps[i].s.until, "since",
			    (json_int_t)susps[i].s.since));
	if (!ok) {
		json_decref(d);
		json_decref(u);
		return NULL;
	}
	return json_pack("{s:i, s:o, s:o}", "version", 1, "drops", d,
	    "suspensions", u);
}

void
cw_set_again_save(struct cw_sync *s)
{
	struct cw_sync_drop *drops = malloc(sizeof(s->drops));
	struct cw_sync_susp *susps = malloc(sizeof(s->susps));
	json_t *root = NULL;
	char *text = NULL, err[512];

	/* One writer at a time, each with the rings as they are when it
	 * takes them: the file never goes back to an older copy. */
	pthread_mutex_lock(&s->set_again_lock);
	if (drops != NULL && susps != NULL) {
		pthread_mutex_lock(&s->wake.lock);
		memcpy(drops, s->drops, sizeof(s->drops));
		memcpy(susps, s->susps, sizeof(s->susps));
		pthread_mutex_unlock(&s->wake.lock);
		if ((root = to_json(drops, susps)) != NULL)
			text = json_dumps(root, JSON_COMPACT);
	}
	if (text == NULL)
		cw_log(LOG_ERR, "sync: cannot write down what to make again "
		    "after a Redis loss (out of memory, or a record JSON cannot "
		    "hold); a restart before the next change would forget it");
	else if (cw_statefile_write(s->set_again_path, text, strlen(text),
	    err, sizeof(err)) < 0)
		cw_log(LOG_ERR, "sync: cannot keep what to make again after a "
		    "Redis loss: %s (a restart before the next change would "
		    "forget it)", err);
	pthread_mutex_unlock(&s->set_again_lock);
	free(text);
	json_decref(root);
	free(drops);
	free(susps);
}
