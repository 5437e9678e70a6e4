/* SPDX-License-Identifier: MIT */
/*
 * test_revq_steps.c - the idempotent steps (daemon/revoke/
 * revocation_steps.c) against the rig's slapd, with slapd stopped midway;
 * ending a real user's processes; the persisted deny-list
 * (daemon/model/denylist.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "model/denylist.h"
#include "revoke/revocation_steps.h"
#include "sync/ldap_conn.h"

#include "test_revq.h"

/* ------------------------------------------------------- LDAP steps */

static LDAP *
ldap_open(char *err, size_t errlen)
{
	struct cw_config cfg;
	char ini[2048];
	LDAP *ld = NULL;

	snprintf(ini, sizeof(ini), "[ldap]\nuri = %s\nallow_plaintext = yes\nstaff_base = %s\n"
	    "hostclass_base = %s\nrole_base = %s\nbind_dn = %s\n"
	    "bind_password_file = %s\ntimeout_ms = 2000\n",
	    env("CW_LDAP_URI"), env("CW_STAFF_BASE"),
	    env("CW_HOSTCLASS_BASE"), env("CW_ROLE_BASE"),
	    env("CW_LDAP_ADMIN_DN"), env("CW_LDAP_ADMIN_PW_FILE"));
	if (cw_config_defaults(&cfg) == 0 &&
	    cw_config_parse(ini, strlen(ini), &cfg, err, errlen) == 0)
		ld = cw_ldap_connect(&cfg, err, errlen);
	cw_config_free(&cfg);
	return ld;
}

/* A simple bind as dn with "secret": the LDAP result code. */
static int
user_bind(const char *dn)
{
	struct berval cred = { 6, "secret" };
	int version = LDAP_VERSION3, rc;
	LDAP *ld;

	if (ldap_initialize(&ld, env("CW_LDAP_URI")) != LDAP_SUCCESS)
		return -1;
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
	rc = ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL,
	    NULL);
	ldap_unbind_ext_s(ld, NULL, NULL);
	return rc;
}

/* Whether attribute attr of dn holds value (-1: cannot read). */
static int
has_value(LDAP *ld, const char *dn, const char *attr, const char *value)
{
	char *attrs[] = { (char *)attr, NULL };
	LDAPMessage *res = NULL, *e;
	struct berval **v;
	int i, found = 0;

	if (ldap_search_ext_s(ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)",
	    attrs, 0, NULL, NULL, NULL, 0, &res) != LDAP_SUCCESS) {
		ldap_msgfree(res);
		return -1;
	}
	e = ldap_first_entry(ld, res);
	v = e ? ldap_get_values_len(ld, e, attr) : NULL;
	for (i = 0; v != NULL && v[i] != NULL; i++)
		found |= v[i]->bv_len == strlen(value) &&
		    memcmp(v[i]->bv_val, value, v[i]->bv_len) == 0;
	ldap_value_free_len(v);
	ldap_msgfree(res);
	return found;
}

/*
 * test_ldap_steps' end: the directory goes away in the middle of the work
 * (rqtwo's steps say retry) and comes back (they complete).  *ldp is the
 * connection, replaced by the one made after the outage (NULL: none).
 */
static void
ldap_outage(LDAP **ldp, const struct cw_name_list *roles,
    const char *dn_posix)
{
	char err[512], *dn2 = NULL;
	LDAP *ld = *ldp;

	cw_step_find_dn(ld, env("CW_STAFF_BASE"), "rqtwo", &dn2, err,
	    sizeof(err));
	CHECK(dn2 != NULL && rig("stop-slapd") == 0, "slapd stopped");
	if (dn2 == NULL)
		return;
	CHECK(cw_step_lock_ldap(ld, dn2, err, sizeof(err)) == CW_STEP_RETRY,
	    "lock with LDAP down: retry later (%s)", err);
	CHECK(cw_step_remove_roles(ld, dn2, roles, err, sizeof(err)) ==
	    CW_STEP_RETRY, "remove roles with LDAP down: retry later");
	ldap_unbind_ext_s(ld, NULL, NULL);
	CHECK((ld = ldap_open(err, sizeof(err))) == NULL,
	    "no new connection while it is down");
	CHECK(rig("start-slapd") == 0 && (ld = ldap_open(err,
	    sizeof(err))) != NULL, "slapd back; reconnected");
	*ldp = ld;
	if (ld != NULL)
		CHECK(cw_step_lock_ldap(ld, dn2, err, sizeof(err)) ==
		    CW_STEP_DONE && cw_step_remove_roles(ld, dn2, roles, err,
		    sizeof(err)) == CW_STEP_DONE &&
		    user_bind(dn2) == LDAP_INVALID_CREDENTIALS &&
		    has_value(ld, dn_posix, "memberUid", "rqtwo") == 0,
		    "after it returns both steps complete");
	ldap_memfree(dn2);
}

void
test_ldap_steps(void)
{
	char err[512], dn_ops[256], dn_posix[256], dn_solo[256];
	char *dn = NULL, *dn3 = NULL;
	char *names[4] = { "ops", "dev", dn_ops, dn_posix };
	struct cw_name_list roles = { names, 4 };
	char *solo_names[1] = { dn_solo };
	struct cw_name_list solo = { solo_names, 1 };
	LDAP *ld;
	int rc;

	printf("# LDAP steps\n");
	snprintf(dn_ops, sizeof(dn_ops), "cn=ops-team,ou=groups,%s",
	    env("CW_LDAP_BASE"));
	snprintf(dn_posix, sizeof(dn_posix), "cn=posix-ops,ou=groups,%s",
	    env("CW_LDAP_BASE"));
	snprintf(dn_solo, sizeof(dn_solo), "cn=solo,ou=groups,%s",
	    env("CW_LDAP_BASE"));
	if (!CHECK((ld = ldap_open(err, sizeof(err))) != NULL,
	    "connected to slapd (%s)", err))
		return;
	rc = cw_step_find_dn(ld, env("CW_STAFF_BASE"), "rqone", &dn, err,
	    sizeof(err));
	CHECK(rc == CW_STEP_DONE && dn != NULL, "found rqone: %s",
	    dn ? dn : err);
	CHECK(cw_step_find_dn(ld, env("CW_STAFF_BASE"), "nobody", &dn3, err,
	    sizeof(err)) == CW_STEP_DONE && dn3 == NULL,
	    "no entry for an unknown uid (nothing to lock)");
	if (dn == NULL)
		goto out;
	CHECK(user_bind(dn) == LDAP_SUCCESS, "rqone can bind before");
	CHECK(cw_step_lock_ldap(ld, dn, err, sizeof(err)) == CW_STEP_DONE,
	    "lock: done (%s)", err);
	rc = user_bind(dn);
	CHECK(rc == LDAP_INVALID_CREDENTIALS, "bind as rqone with the right "
	    "password now fails: %s", ldap_err2string(rc));
	CHECK(cw_step_lock_ldap(ld, dn, err, sizeof(err)) == CW_STEP_DONE,
	    "locking again: done");

	CHECK(cw_step_remove_roles(ld, dn, &roles, err, sizeof(err)) ==
	    CW_STEP_DONE, "remove roles: done (%s)", err);
	CHECK(has_value(ld, dn, "cwRole", "ops") == 0 &&
	    has_value(ld, dn, "cwRole", "dev") == 0 &&
	    has_value(ld, dn, "cwRole", "approver") == 1,
	    "ops and dev removed, the unlisted role kept");
	CHECK(has_value(ld, dn_ops, "member", dn) == 0 &&
	    has_value(ld, dn_posix, "memberUid", "rqone") == 0 &&
	    has_value(ld, dn_posix, "memberUid", "rqtwo") == 1,
	    "out of both groups, others still in");
	CHECK(cw_step_remove_roles(ld, dn, &roles, err, sizeof(err)) ==
	    CW_STEP_DONE, "removing again: done (idempotent)");
	CHECK(cw_step_remove_roles(ld, dn, &solo, err, sizeof(err)) ==
	    CW_STEP_FAILED && strstr(err, "placeholder") != NULL,
	    "the last member of a groupOfNames: refused, with advice: %s",
	    err);

	ldap_outage(&ld, &roles, dn_posix);
out:
	ldap_memfree(dn);
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
}

/* ---------------------------------------------------- end sessions */

/* Starts `sleep 300` as user; waits until /proc shows it. */
static pid_t
start_session(const char *user, unsigned uid)
{
	char reuid[96], regid[96];
	pid_t pid;
	int i;

	snprintf(reuid, sizeof(reuid), "--reuid=%s", user);
	snprintf(regid, sizeof(regid), "--regid=%s", user);
	if ((pid = fork()) == 0) {
		execlp("setpriv", "setpriv", reuid, regid, "--clear-groups",
		    "sleep", "300", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 200 && cw_processes_of(uid, NULL, 0) == 0; i++)
		usleep(10 * 1000);
	return pid;
}

void
test_end_sessions(void)
{
	const char *user = env("CW_TEST_SESSION_USER");
	struct passwd *pw = getpwnam(user);
	char err[512];
	int status;
	pid_t pid;

	printf("# end sessions\n");
	if (!CHECK(pw != NULL && pw->pw_uid >= CW_SESSION_UID_MIN,
	    "throwaway user %s exists", user))
		return;
	pid = start_session(user, pw->pw_uid);
	CHECK(cw_processes_of(pw->pw_uid, NULL, 0) == 1,
	    "a process of %s runs (pid %d)", user, (int)pid);
	CHECK(cw_step_end_sessions(user, "/bin/true %u", 300, err,
	    sizeof(err)) == CW_STEP_FAILED && strstr(err, "remain"),
	    "a command that kills nothing: the check says so: %s", err);
	CHECK(cw_step_end_sessions(user, "pkill -KILL -u %u", 5000, err,
	    sizeof(err)) == CW_STEP_DONE, "pkill -KILL -u %%u: done (%s)",
	    err);
	CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
	    WTERMSIG(status) == SIGKILL, "the session was killed");
	CHECK(cw_step_end_sessions(user, "pkill -KILL -u %u", 5000, err,
	    sizeof(err)) == CW_STEP_DONE && strstr(err, "exited 1"),
	    "again, with nothing left: done (%s)", err);
	CHECK(cw_step_end_sessions(user, "sleep 30", 300, err, sizeof(err)) ==
	    CW_STEP_DONE && strstr(err, "killed after"),
	    "a hanging command is killed at its timeout: %s", err);
	CHECK(cw_step_end_sessions(user, "pkill -u %x", 300, err,
	    sizeof(err)) == CW_STEP_FAILED, "%%x in the template: refused");
	CHECK(cw_step_end_sessions("daemon", "pkill -KILL -u %u", 300, err,
	    sizeof(err)) == CW_STEP_FAILED, "a system account: refused (%s)",
	    err);
	CHECK(cw_step_end_sessions("no-such-user-x", "pkill -KILL -u %u", 300,
	    err, sizeof(err)) == CW_STEP_DONE, "no local account: done");
	CHECK(cw_step_end_sessions("x;rm", "pkill -KILL -u %u", 300, err,
	    sizeof(err)) == CW_STEP_FAILED, "an invalid name: refused");
}

/* ---------------------------------------------------------- deny-list */

void
test_denylist(void)
{
	char path[512], err[256], *buf = NULL;
	struct cw_strmap m, got;
	struct stat sb;
	void *old;
	size_t len;
	FILE *f;
	long size;

	printf("# deny-list\n");
	snprintf(path, sizeof(path), "%s/revoked.list", env("CW_TEST_DIR"));
	cw_strmap_init(&m);
	cw_strmap_init(&got);
	CHECK(cw_denylist_load(path, &got, err, sizeof(err)) == 1,
	    "no file yet: said so");
	cw_strmap_put(&m, "mallory", (void *)1, &old);
	cw_strmap_put(&m, "carol", (void *)1, &old);
	cw_strmap_put(&m, "alice.b", (void *)1, &old);
	CHECK(cw_denylist_save(path, &m, err, sizeof(err)) == 0 &&
	    stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600,
	    "saved with mode 0600 (%s)", err);
	CHECK(cw_denylist_load(path, &got, err, sizeof(err)) == 0 &&
	    got.count == 3 && cw_strmap_get(&got, "mallory") &&
	    cw_strmap_get(&got, "alice.b"), "loaded back: 3 names");
	cw_strmap_clear(&got, NULL);
	CHECK(cw_denylist_format(&m, &buf, &len) == 0 &&
	    strncmp(buf, "clearway-denylist 1\ncount 3\nalice.b\ncarol\n", 42)
	    == 0, "sorted, with header and count");
	free(buf);

	/* Truncated: the last 10 bytes gone. */
	f = fopen(path, "r+");
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	CHECK(truncate(path, size - 10) == 0 &&
	    cw_denylist_load(path, &got, err, sizeof(err)) == -1 &&
	    got.count == 0, "truncated file refused: %s", err);
	/* Corrupt: one letter of a name changed. */
	cw_denylist_save(path, &m, err, sizeof(err));
	f = fopen(path, "r+");
	fseek(f, 30, SEEK_SET);
	fputc('X', f);
	fclose(f);
	CHECK(cw_denylist_load(path, &got, err, sizeof(err)) == -1 &&
	    strstr(err, "checksum") != NULL, "corrupt file refused: %s", err);
	cw_denylist_save(path, &m, err, sizeof(err));
	chmod(path, 0644);
	CHECK(cw_denylist_load(path, &got, err, sizeof(err)) == -1,
	    "a file others can read is refused: %s", err);
	cw_strmap_clear(&m, NULL);
	CHECK(cw_denylist_save(path, &m, err, sizeof(err)) == 0 &&
	    cw_denylist_load(path, &got, err, sizeof(err)) == 0 &&
	    got.count == 0, "an empty list round-trips");
	cw_strmap_clear(&got, NULL);
}
