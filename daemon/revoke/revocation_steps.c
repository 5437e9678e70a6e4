/* SPDX-License-Identifier: MIT */
/*
 * revocation_steps.c - the idempotent steps of a revocation (see the
 * header).  LDAP steps use the caller's bound handle; the session step
 * runs one configured command and then checks /proc itself, because the
 * command's word is not proof.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/command.h"
#include "lib/wake.h"
#include "revoke/revocation_steps.h"

#define POLL_TICK_MS 20
#define STATUS_MAX 4096         /* bytes of /proc/<pid>/status read */

/* ------------------------------------------------------------- LDAP */

/*
 * Failures that another try, later or on a new connection, may cure.  A
 * referral is a read-only replica (a syncrepl consumer, reached because
 * the provider listed first was down) sending us to its provider: the
 * next connection tries the provider first again.  Counted as a failed
 * delivery it dead-lettered every revocation filed during a provider
 * outage longer than max_deliveries redeliveries (the fault suite).
 */
static bool
ldap_transient(int rc)
{
	return rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT ||
	    rc == LDAP_REFERRAL ||
	    rc == LDAP_CONNECT_ERROR || rc == LDAP_BUSY ||
	    rc == LDAP_UNAVAILABLE || rc == LDAP_TIMELIMIT_EXCEEDED ||
	    rc == LDAP_LOCAL_ERROR || rc == LDAP_NO_MEMORY;
}

static enum cw_step_status
ldap_failure(int rc, const char *what, const char *dn, char *err,
    size_t errlen)
{
	snprintf(err, errlen, "ldap: %s %s: %s", what, dn,
	    ldap_err2string(rc));
	return ldap_transient(rc) ? CW_STEP_RETRY : CW_STEP_FAILED;
}

/* One modification of one attribute (value NULL: all its values). */
static int
modify_one(LDAP *ld, const char *dn, int op, const char *attr,
    const char *value)
{
	char *vals[2] = { (char *)value, NULL };
	LDAPMod mod = {
		.mod_op = op,
		.mod_type = (char *)attr,
		.mod_values = value != NULL ? vals : NULL,
	};
	LDAPMod *mods[2] = { &mod, NULL };

	return ldap_modify_ext_s(ld, dn, mods, NULL, NULL);
}

enum cw_step_status
cw_step_find_dn(LDAP *ld, const char *base, const char *uid, char **dn,
    char *err, size_t errlen)
{
	char filter[CW_USER_MAX + 16], *attrs[] = { "1.1", NULL };
	LDAPMessage *res = NULL, *e;
	enum cw_step_status st = CW_STEP_FAILED;
	int rc, n;

	*dn = NULL;
	/* A valid name has no filter metacharacters: no escaping needed. */
	if (!cw_user_name_valid(uid, strlen(uid))) {
		snprintf(err, errlen, "invalid user name");
		return CW_STEP_FAILED;
	}
	snprintf(filter, sizeof(filter), "(uid=%s)", uid);
	rc = ldap_search_ext_s(ld, base, LDAP_SCOPE_SUBTREE, filter, attrs, 0,
	    NULL, NULL, NULL, 2, &res);
	if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
		st = ldap_failure(rc, "search for", uid, err, errlen);
		goto out;
	}
	n = ldap_count_entries(ld, res);
	if (n > 1 || rc == LDAP_SIZELIMIT_EXCEEDED) {
		snprintf(err, errlen, "ldap: several entries with uid %s", uid);
		goto out;
	}
	st = CW_STEP_DONE;
	if (n == 1 && (e = ldap_first_entry(ld, res)) != NULL &&
	    (*dn = ldap_get_dn(ld, e)) == NULL) {
		snprintf(err, errlen, "ldap: no DN for uid %s", uid);
		st = CW_STEP_RETRY;
	}
out:
	ldap_msgfree(res);
	return st;
}

enum cw_step_status
cw_step_lock_ldap(LDAP *ld, const char *dn, char *err, size_t errlen)
{
	int rc = modify_one(ld, dn, LDAP_MOD_REPLACE, "pwdAccountLockedTime",
	    CW_PPOLICY_LOCKED);

	if (rc == LDAP_SUCCESS || rc == LDAP_NO_SUCH_OBJECT)
		return CW_STEP_DONE;
	return ldap_failure(rc, "lock", dn, err, errlen);
}

/* The entry's uid and cwRole values.  DONE with *gone when it does not
 * exist. */
static enum cw_step_status
read_user(LDAP *ld, const char *dn, struct berval ***uid,
    struct berval ***roles, bool *gone, char *err, size_t errlen)
{
	char *attrs[] = { "uid", "cwRole", NULL };
	LDAPMessage *res = NULL, *e;
	int rc;

	*uid = *roles = NULL;
	*gone = false;
	rc = ldap_search_ext_s(ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)",
	    attrs, 0, NULL, NULL, NULL, 1, &res);
	if (rc == LDAP_NO_SUCH_OBJECT) {
		*gone = true;
		ldap_msgfree(res);
		return CW_STEP_DONE;
	}
	if (rc != LDAP_SUCCESS) {
		ldap_msgfree(res);
		return ldap_failure(rc, "read", dn, err, errlen);
	}
	if ((e = ldap_first_entry(ld, res)) != NULL) {
		*uid = ldap_get_values_len(ld, e, "uid");
		*roles = ldap_get_values_len(ld, e, "cwRole");
	}
	ldap_msgfree(res);
	return CW_STEP_DONE;
}

/* Deletes one value; "already gone" answers count as done. */
static enum cw_step_status
delete_value(LDAP *ld, const char *dn, const char *attr, const char *value,
    char *err, size_t errlen)
{
	int rc = modify_one(ld, dn, LDAP_MOD_DELETE, attr, value);
	char what[96];

	if (rc == LDAP_SUCCESS || rc == LDAP_NO_SUCH_ATTRIBUTE ||
	    rc == LDAP_NO_SUCH_OBJECT || rc == LDAP_UNDEFINED_TYPE)
		return CW_STEP_DONE;
	if (rc == LDAP_OBJECT_CLASS_VIOLATION) {
		snprintf(err, errlen, "ldap: removing %s from %s would leave "
		    "it without a required %s (give the group a placeholder "
		    "member)", value, dn, attr);
		return CW_STEP_FAILED;
	}
	snprintf(what, sizeof(what), "delete %s from", attr);
	return ldap_failure(rc, what, dn, err, errlen);
}

/* Deletes the configured cwRole values the entry holds. */
static enum cw_step_status
remove_role_values(LDAP *ld, const char *dn, struct berval **have,
    const struct cw_name_list *wanted, char *err, size_t errlen)
{
	enum cw_step_status st = CW_STEP_DONE;
	bool all = cw_name_list_contains(wanted, "*");
	char *v;
	size_t i;

	for (i = 0; have != NULL && have[i] != NULL && st == CW_STEP_DONE;
	    i++) {
		if ((v = strndup(have[i]->bv_val, have[i]->bv_len)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return CW_STEP_RETRY;
		}
		if (all || cw_name_list_contains(wanted, v))
			st = delete_value(ld, dn, "cwRole", v, err, errlen);
		free(v);
	}
	return st;
}

/* Takes dn (and the entry's uid) out of every configured group. */
static enum cw_step_status
remove_from_groups(LDAP *ld, const char *dn, struct berval **uid,
    const struct cw_name_list *wanted, char *err, size_t errlen)
{
	enum cw_step_status st = CW_STEP_DONE;
	char *u = NULL;
	size_t i;

	if (uid != NULL && uid[0] != NULL &&
	    (u = strndup(uid[0]->bv_val, uid[0]->bv_len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return CW_STEP_RETRY;
	}
	for (i = 0; i < wanted->count && st == CW_STEP_DONE; i++) {
		const char *group = wanted->names[i];

		if (strchr(group, '=') == NULL)
			continue;
		st = delete_value(ld, group, "member", dn, err, errlen);
		if (st == CW_STEP_DONE && u != NULL)
			st = delete_value(ld, group, "memberUid", u, err,
			    errlen);
	}
	free(u);
	return st;
}

enum cw_step_status
cw_step_remove_roles(LDAP *ld, const char *dn,
    const struct cw_name_list *roles_to_remove, char *err, size_t errlen)
{
	struct berval **uid = NULL, **roles = NULL;
	enum cw_step_status st;
	bool gone;

	if (roles_to_remove == NULL || roles_to_remove->count == 0)
		return CW_STEP_DONE;
	st = read_user(ld, dn, &uid, &roles, &gone, err, errlen);
	if (st == CW_STEP_DONE && !gone)
		st = remove_role_values(ld, dn, roles, roles_to_remove, err,
		    errlen);
	/* Even for an entry already deleted: groups may still name it. */
	if (st == CW_STEP_DONE)
		st = remove_from_groups(ld, dn, uid, roles_to_remove, err,
		    errlen);
	ldap_value_free_len(uid);
	ldap_value_free_len(roles);
	return st;
}

/* -------------------------------------------------------- processes */

/* Reads "<key>:\t..." from a status file's text; NULL when absent. */
static const char *
status_field(const char *text, const char *key)
{
	size_t n = strlen(key);
	const char *p = text;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, n) == 0 && p[n] == ':')
			return p + n + 1;
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return NULL;
}

/* Whether /proc/<pid>/status shows a live process with uid in any of
 * its real, effective, saved and file-system uids. */
static bool
process_of(int dirfd, const char *pid, unsigned uid)
{
	char path[64], text[STATUS_MAX];
	const char *state, *uids;
	unsigned long u[4];
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof(path), "%s/status", pid);
	if ((fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;   /* gone meanwhile */
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return false;
	text[n] = '\0';
	state = status_field(text, "State");
	uids = status_field(text, "Uid");
	if (state == NULL || uids == NULL)
		return false;
	state += strspn(state, " \t");
	if (*state == 'Z' || *state == 'X')
		return false;   /* dead, waiting to be reaped */
	if (sscanf(uids, "%lu %lu %lu %lu", &u[0], &u[1], &u[2], &u[3]) != 4)
		return false;
	for (i = 0; i < 4; i++)
		if (u[i] == uid)
			return true;
	return false;
}

int
cw_processes_of(unsigned uid, int *pids, size_t max)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (!process_of(dirfd(d), de->d_name, uid))
			continue;
		if ((size_t)n < max && pids != NULL)
			pids[n] = atoi(de->d_name);
		n++;
	}
	closedir(d);
	return n;
}

/* ------------------------------------------------- ending sessions */

/* True once stop_fd (-1: none) is readable: the caller is stopping. */
static bool
stop_requested(int stop_fd)
{
	struct pollfd p = { .fd = stop_fd, .events = POLLIN };

	return stop_fd >= 0 && poll(&p, 1, 0) > 0;
}

/* Sleeps ms, or less when stop_fd becomes readable. */
static void
nap_or_stop(int stop_fd, int ms)
{
	struct pollfd p = { .fd = stop_fd, .events = POLLIN };

	(void)poll(&p, 1, ms);          /* fd -1 is ignored: a plain sleep */
}

/* Waits until no live process of uid remains (until deadline, or until
 * stop_fd is readable).  The number left, or -1 when /proc cannot be
 * read. */
static int
confirm_gone(unsigned uid, long long deadline, int stop_fd)
{
	int n;

	while ((n = cw_processes_of(uid, NULL, 0)) > 0 &&
	    cw_now_ms() < deadline && !stop_requested(stop_fd))
		nap_or_stop(stop_fd, POLL_TICK_MS);
	return n;
}

/* The account's uid number: 1 found, 0 no such account, -1 error. */
static int
local_uid(const char *name, unsigned *uid, char *err, size_t errlen)
{
	struct passwd pw, *found = NULL;
	char buf[16384];
	int rc = getpwnam_r(name, &pw, buf, sizeof(buf), &found);

	if (rc != 0) {
		snprintf(err, errlen, "getpwnam_r %s: %s", name, strerror(rc));
		return -1;
	}
	if (found == NULL)
		return 0;
	*uid = (unsigned)pw.pw_uid;
	return 1;
}

int
cw_user_processes_here(const char *name)
{
	char err[256];
	unsigned id = 0;
	int rc;

	if (!cw_user_name_valid(name, strlen(name)))
		return -1;
	if ((rc = local_uid(name, &id, err, sizeof(err))) <= 0)
		return rc;
	return cw_processes_of(id, NULL, 0);
}

enum cw_step_status
cw_step_end_sessions(const char *uid, const char *command_template,
    int timeout_ms, char *err, size_t errlen)
{
	return cw_step_end_sessions_stoppable(uid, command_template,
	    timeout_ms, -1, err, errlen);
}

enum cw_step_status
cw_step_end_sessions_stoppable(const char *uid, const char *command_template,
    int timeout_ms, int stop_fd, char *err, size_t errlen)
{
	struct cw_command *c = NULL;
	struct cw_command_subst user = { 'u', uid };
	struct cw_command_run how = { .timeout_ms = 0, .stop_fd = stop_fd };
	enum cw_step_status st = CW_STEP_FAILED;
	char note[CW_COMMAND_STDERR_KEEP + 128];
	unsigned id = 0;
	int rc, left;

	err[0] = '\0';
	if (!cw_user_name_valid(uid, strlen(uid))) {
		snprintf(err, errlen, "invalid user name");
		return CW_STEP_FAILED;
	}
	if ((rc = local_uid(uid, &id, err, errlen)) <= 0)
		return rc == 0 ? CW_STEP_DONE : CW_STEP_RETRY;
	if (id < CW_SESSION_UID_MIN) {
		snprintf(err, errlen, "%s is a system account (uid %u): "
		    "refusing to end its processes", uid, id);
		return CW_STEP_FAILED;
	}
	if (timeout_ms <= 0)
		timeout_ms = 10000;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return CW_STEP_RETRY;
	}
	if (cw_command_parse(c, "session command", command_template ?
	    command_template : CW_END_SESSIONS_DEFAULT, &user, 1, err,
	    errlen) < 0)
		goto out;
	how.timeout_ms = timeout_ms;
	if (cw_command_run(c, &how, note, sizeof(note)) < 0) {
		snprintf(err, errlen, "%s", note);
		st = CW_STEP_RETRY;
		goto out;
	}
	left = confirm_gone(id, cw_now_ms() + timeout_ms, stop_fd);
	if (left > 0 && stop_requested(stop_fd)) {
		snprintf(err, errlen, "stopped while %d process(es) of %s "
		    "remained: the daemon is shutting down", left, uid);
		st = CW_STEP_RETRY;
	} else if (left == 0) {
		st = CW_STEP_DONE;
		snprintf(err, errlen, "%s", note);  /* for the log, if any */
	} else {
		/* Not a passing outage: a human must look (dead letter). */
		snprintf(err, errlen, "%d process(es) of %s remain%s%s", left,
		    uid, note[0] ? " after: " : "", note);
		st = left < 0 ? CW_STEP_RETRY : CW_STEP_FAILED;
	}
out:
	free(c);
	return st;
}
