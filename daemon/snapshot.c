/*
 * snapshot.c - building and querying the in-memory policy view.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "snapshot.h"

/* Elevations one person may hold at once; more is not a real state. */
#define MAX_ELEVATIONS_PER_USER 64

enum { CAP_STAFF, CAP_HOST_CLASS, CAP_ROLE, CAP_REVOKED, CAP_ELEVATIONS };

/* Makes room for one more element of size elsize in *arr. */
static int
grow(void **arr, size_t *cap, size_t n, size_t elsize)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	if ((p = reallocarray(*arr, ncap, elsize)) == NULL)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

struct cw_snapshot *
cw_snapshot_new(long long generation)
{
	struct cw_snapshot *s = calloc(1, sizeof(*s));

	if (s != NULL)
		s->generation = generation;
	return s;
}

void
cw_snapshot_free(struct cw_snapshot *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nstaff; i++)
		cw_staff_free(&s->staff[i]);
	for (i = 0; i < s->nhost_classes; i++)
		cw_host_class_free(&s->host_classes[i]);
	for (i = 0; i < s->nroles; i++)
		cw_role_def_free(&s->roles[i]);
	for (i = 0; i < s->nrevoked; i++)
		free(s->revoked[i]);
	for (i = 0; i < s->nelevations; i++)
		free(s->elevations[i].list);
	free(s->staff);
	free(s->host_classes);
	free(s->roles);
	free(s->revoked);
	free(s->elevations);
	free(s);
}

/* Parses a stored entry; the caller frees it. */
static int
load_entry(const char *json, size_t len, struct cw_entry *e, char *err,
    size_t errlen)
{
	memset(e, 0, sizeof(*e));
	return cw_entry_from_json(json, len, e, err, errlen);
}

int
cw_snapshot_add_staff(struct cw_snapshot *s, const char *json, size_t len,
    char *err, size_t errlen)
{
	struct cw_entry e;
	int rc = -1;

	if (load_entry(json, len, &e, err, errlen) < 0)
		goto out;
	if (grow((void **)&s->staff, &s->capacity[CAP_STAFF], s->nstaff,
	    sizeof(*s->staff)) < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (cw_staff_from_entry(&e, &s->staff[s->nstaff], err, errlen) < 0)
		goto out;
	s->nstaff++;
	rc = 0;
out:
	cw_entry_free(&e);
	return rc;
}

int
cw_snapshot_add_host_class(struct cw_snapshot *s, const char *json,
    size_t len, char *err, size_t errlen)
{
	struct cw_entry e;
	int rc = -1;

	if (load_entry(json, len, &e, err, errlen) < 0)
		goto out;
	if (grow((void **)&s->host_classes, &s->capacity[CAP_HOST_CLASS],
	    s->nhost_classes, sizeof(*s->host_classes)) < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (cw_host_class_from_entry(&e, &s->host_classes[s->nhost_classes],
	    err, errlen) < 0)
		goto out;
	s->nhost_classes++;
	rc = 0;
out:
	cw_entry_free(&e);
	return rc;
}

int
cw_snapshot_add_role(struct cw_snapshot *s, const char *json, size_t len,
    char *err, size_t errlen)
{
	struct cw_entry e;
	int rc = -1;

	if (load_entry(json, len, &e, err, errlen) < 0)
		goto out;
	if (grow((void **)&s->roles, &s->capacity[CAP_ROLE], s->nroles,
	    sizeof(*s->roles)) < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (cw_role_def_from_entry(&e, &s->roles[s->nroles], err, errlen) < 0)
		goto out;
	s->nroles++;
	rc = 0;
out:
	cw_entry_free(&e);
	return rc;
}

int
cw_snapshot_add_revoked(struct cw_snapshot *s, const char *uid, size_t len,
    char *err, size_t errlen)
{
	char *copy;

	if (!cw_user_name_valid(uid, len)) {
		snprintf(err, errlen, "revoked member is not a user name");
		return -1;
	}
	if (grow((void **)&s->revoked, &s->capacity[CAP_REVOKED], s->nrevoked,
	    sizeof(*s->revoked)) < 0 || (copy = strndup(uid, len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->revoked[s->nrevoked++] = copy;
	return 0;
}

/* One {"role":R,"start":T,"end":T} object, strictly. */
static int
parse_elevation(json_t *o, struct cw_elevation *e)
{
	json_t *role = json_object_get(o, "role");
	json_t *start = json_object_get(o, "start");
	json_t *end = json_object_get(o, "end");

	if (!json_is_object(o) || json_object_size(o) != 3 ||
	    !json_is_string(role) || !json_is_integer(start) ||
	    !json_is_integer(end))
		return -1;
	if (!cw_object_name_valid(json_string_value(role),
	    json_string_length(role)))
		return -1;
	memcpy(e->role, json_string_value(role), json_string_length(role) + 1);
	e->start = json_integer_value(start);
	e->end = json_integer_value(end);
	return e->start < e->end ? 0 : -1;
}

/*
 * An elevation widens access, so a list we cannot read entirely is
 * dropped entirely: the user falls back to standing roles only.
 */
int
cw_snapshot_add_elevations(struct cw_snapshot *s, const char *uid,
    size_t uidlen, const char *json, size_t len, char *err, size_t errlen)
{
	struct cw_user_elevations *u;
	json_error_t jerr;
	json_t *arr;
	size_t i, n = 0;
	int rc = -1;

	if (!cw_user_name_valid(uid, uidlen)) {
		snprintf(err, errlen, "elevations key is not a user name");
		return -1;
	}
	arr = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_array(arr) || (n = json_array_size(arr)) == 0 ||
	    n > MAX_ELEVATIONS_PER_USER) {
		snprintf(err, errlen, "elevations of %.*s: not a list of 1 to "
		    "%d grants", (int)uidlen, uid, MAX_ELEVATIONS_PER_USER);
		goto out;
	}
	if (grow((void **)&s->elevations, &s->capacity[CAP_ELEVATIONS],
	    s->nelevations, sizeof(*s->elevations)) < 0)
		goto oom;
	u = &s->elevations[s->nelevations];
	memset(u, 0, sizeof(*u));
	memcpy(u->uid, uid, uidlen);
	if ((u->list = calloc(n, sizeof(*u->list))) == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		if (parse_elevation(json_array_get(arr, i), &u->list[i]) < 0) {
			snprintf(err, errlen, "elevations of %.*s: grant %zu "
			    "is malformed", (int)uidlen, uid, i);
			free(u->list);
			goto out;
		}
	}
	u->count = n;
	s->nelevations++;
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	json_decref(arr);
	return rc;
}

static int
staff_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cw_staff *)a)->uid,
	    ((const struct cw_staff *)b)->uid);
}

static int
host_class_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cw_host_class *)a)->name,
	    ((const struct cw_host_class *)b)->name);
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
user_elevations_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cw_user_elevations *)a)->uid,
	    ((const struct cw_user_elevations *)b)->uid);
}

/* Marks the record at i invalid because its name is not unique. */
#define MARK_DUPLICATE(rec, kind, name) do {                              \
	(rec).invalid = true;                                             \
	snprintf((rec).invalid_why, sizeof((rec).invalid_why),           \
	    "%s '%s' is held by more than one entry", kind, name);       \
} while (0)

void
cw_snapshot_finish(struct cw_snapshot *s)
{
	size_t i;

	if (s->nstaff > 1)
		qsort(s->staff, s->nstaff, sizeof(*s->staff), staff_cmp);
	for (i = 1; i < s->nstaff; i++) {
		if (strcmp(s->staff[i - 1].uid, s->staff[i].uid) == 0) {
			MARK_DUPLICATE(s->staff[i - 1], "uid", s->staff[i].uid);
			MARK_DUPLICATE(s->staff[i], "uid", s->staff[i].uid);
		}
	}
	if (s->nhost_classes > 1)
		qsort(s->host_classes, s->nhost_classes,
		    sizeof(*s->host_classes), host_class_cmp);
	for (i = 1; i < s->nhost_classes; i++) {
		struct cw_host_class *a = &s->host_classes[i - 1];
		struct cw_host_class *b = &s->host_classes[i];

		if (strcmp(a->name, b->name) == 0) {
			MARK_DUPLICATE(*a, "host class", b->name);
			MARK_DUPLICATE(*b, "host class", b->name);
		}
	}
	cw_role_table_sort(s->roles, s->nroles);
	for (i = 1; i < s->nroles; i++) {
		if (strcmp(s->roles[i - 1].name, s->roles[i].name) == 0) {
			MARK_DUPLICATE(s->roles[i - 1], "role", s->roles[i].name);
			MARK_DUPLICATE(s->roles[i], "role", s->roles[i].name);
		}
	}
	if (s->nrevoked > 1)
		qsort(s->revoked, s->nrevoked, sizeof(*s->revoked), str_cmp);
	if (s->nelevations > 1)
		qsort(s->elevations, s->nelevations, sizeof(*s->elevations),
		    user_elevations_cmp);
}

const struct cw_staff *
cw_snapshot_staff(const struct cw_snapshot *s, const char *uid)
{
	struct cw_staff key;

	if (strlen(uid) > CW_USER_MAX || s->nstaff == 0)
		return NULL;
	memcpy(key.uid, uid, strlen(uid) + 1);
	return bsearch(&key, s->staff, s->nstaff, sizeof(key), staff_cmp);
}

const struct cw_host_class *
cw_snapshot_host_class(const struct cw_snapshot *s, const char *name)
{
	struct cw_host_class key;

	if (strlen(name) > CW_NAME_MAX || s->nhost_classes == 0)
		return NULL;
	memcpy(key.name, name, strlen(name) + 1);
	return bsearch(&key, s->host_classes, s->nhost_classes, sizeof(key),
	    host_class_cmp);
}

static bool
is_revoked(const struct cw_snapshot *s, const char *uid)
{
	return s->nrevoked > 0 && bsearch(&uid, s->revoked, s->nrevoked,
	    sizeof(*s->revoked), str_cmp) != NULL;
}

static const struct cw_user_elevations *
user_elevations(const struct cw_snapshot *s, const char *uid)
{
	struct cw_user_elevations key;

	if (strlen(uid) > CW_USER_MAX || s->nelevations == 0)
		return NULL;
	memcpy(key.uid, uid, strlen(uid) + 1);
	return bsearch(&key, s->elevations, s->nelevations, sizeof(key),
	    user_elevations_cmp);
}

void
cw_snapshot_policy_input(const struct cw_snapshot *s, const char *uid,
    const char *hc, enum cw_mode mode, int64_t now,
    struct cw_policy_input *in)
{
	const struct cw_user_elevations *ue = user_elevations(s, uid);

	memset(in, 0, sizeof(*in));
	in->staff = cw_snapshot_staff(s, uid);
	in->host_class = cw_snapshot_host_class(s, hc);
	in->roles.defs = s->roles;
	in->roles.count = s->nroles;
	in->revoked = is_revoked(s, uid);
	if (ue != NULL) {
		in->elevations = ue->list;
		in->nelevations = ue->count;
	}
	in->mode = mode;
	in->now = now;
}
