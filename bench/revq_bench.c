/* SPDX-License-Identifier: MIT */
/*
 * revq_bench.c - drain rate of the revocation queue with the LDAP steps
 * (issue 4: "the drain rate for 10,000 queued revocations with LDAP steps,
 * target over 200 per second").
 *
 *   revq_bench RIG_SH [N [WORKERS [GROUPS]]]
 *
 * Starts its own rig (tests/rig/rig.sh) in a temp directory, bulk-loads N
 * staff (default 10,000) each with cwRole ops, dev and approver, and, when
 * GROUPS is 1, one groupOfNames and one posixGroup holding all of them.
 * Submits N immediate revocations (Redis with AOF appendfsync always, as
 * the rig runs it), then WORKERS threads (default 4), each with its own
 * Redis and LDAP connection, drain the queue doing what a clearwayd worker
 * will: claim, find the DN, lock (ppolicy), record the step, remove cwRole
 * ops and dev (and the group memberships), record the step, complete.
 * Prints the submit rate and the drain rate; the rig is always torn down.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "sync/ldap_conn.h"
#include "revoke/revocation_queue.h"
#include "revoke/revocation_steps.h"
#include "store/store.h"

#define PREFIX "bench:"
#define CLAIM_MAX 16

static const char *rig_sh;
static char rig_dir[256];
static struct cw_config cfg;
static struct cw_name_list roles;
static long n_total;

struct worker {
	pthread_t thread;
	int index;
	long done, failed;
	char err[256];
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
rig(const char *what, const char *arg)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "bash '%s' %s '%s' %s >&2", rig_sh, what,
	    rig_dir, arg ? arg : "");
	return system(cmd);
}

/* Exports KEY=VALUE lines of the rig's env file (no quoting needed for
 * the values we read). */
static int
load_env(void)
{
	char path[512], line[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/env", rig_dir);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *eq = strchr(line, '=');

		if (line[0] == '#' || eq == NULL)
			continue;
		line[strcspn(line, "\n")] = '\0';
		*eq = '\0';
		if (eq[1] == '\'') {
			eq++;
			eq[strlen(eq) - 1] = '\0';
		}
		setenv(line, eq + 1, 1);
	}
	fclose(f);
	return 0;
}

static int
write_ldif(const char *path, long n, int groups)
{
	const char *b = getenv("CW_LDAP_BASE");
	FILE *f = fopen(path, "w");
	long i;

	if (f == NULL || b == NULL)
		return -1;
	fprintf(f, "dn: ou=groups,%s\nobjectClass: organizationalUnit\n"
	    "ou: groups\n\n", b);
	for (i = 0; i < n; i++)
		fprintf(f, "dn: uid=bench%05ld,ou=people,%s\n"
		    "objectClass: inetOrgPerson\nobjectClass: cwStaff\n"
		    "uid: bench%05ld\ncn: bench%05ld\nsn: Bench\n"
		    "userPassword: secret\ncwRole: ops\ncwRole: dev\n"
		    "cwRole: approver\n\n", i, b, i, i);
	if (groups) {
		fprintf(f, "dn: cn=vpn-users,ou=groups,%s\nobjectClass: "
		    "groupOfNames\ncn: vpn-users\nmember: cn=admin,%s\n", b, b);
		for (i = 0; i < n; i++)
			fprintf(f, "member: uid=bench%05ld,ou=people,%s\n", i,
			    b);
		fprintf(f, "\ndn: cn=posix-staff,ou=groups,%s\nobjectClass: "
		    "posixGroup\ncn: posix-staff\ngidNumber: 5000\n", b);
		for (i = 0; i < n; i++)
			fprintf(f, "memberUid: bench%05ld\n", i);
		fprintf(f, "\n");
	}
	return fclose(f);
}

static int
setup_config(int groups)
{
	static char g1[256], g2[256];
	static char *names[4] = { "ops", "dev", g1, g2 };
	char ini[2048], err[256];

	snprintf(g1, sizeof(g1), "cn=vpn-users,ou=groups,%s",
	    getenv("CW_LDAP_BASE"));
	snprintf(g2, sizeof(g2), "cn=posix-staff,ou=groups,%s",
	    getenv("CW_LDAP_BASE"));
	roles.names = names;
	roles.count = groups ? 4 : 2;
	snprintf(ini, sizeof(ini), "[ldap]\nuri = %s\nstaff_base = %s\n"
	    "hostclass_base = %s\nrole_base = %s\nbind_dn = %s\n"
	    "bind_password_file = %s\ntimeout_ms = 5000\n",
	    getenv("CW_LDAP_URI"), getenv("CW_STAFF_BASE"),
	    getenv("CW_HOSTCLASS_BASE"), getenv("CW_ROLE_BASE"),
	    getenv("CW_LDAP_ADMIN_DN"), getenv("CW_LDAP_ADMIN_PW_FILE"));
	if (cw_config_defaults(&cfg) < 0 ||
	    cw_config_parse(ini, strlen(ini), &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "config: %s\n", err);
		return -1;
	}
	return 0;
}

static struct cw_redis *
redis_client(void)
{
	struct cw_redis_options o = {
		.transport = &cw_redis_transport_unix,
		.where = getenv("CW_REDIS_SOCKET"),
		.timeout_ms = 10000,
	};

	return cw_redis_new(&o);
}

/* The steps of one revocation, as a clearwayd worker will run them. */
static int
process(struct cw_store *st, LDAP *ld, const struct cw_revocation *r,
    char *err, size_t errlen)
{
	int64_t now = time(NULL);
	char *dn = NULL;
	int rc = -1;

	if (cw_step_find_dn(ld, getenv("CW_STAFF_BASE"), r->uid, &dn, err,
	    errlen) != CW_STEP_DONE || dn == NULL)
		goto out;
	if (cw_step_lock_ldap(ld, dn, err, errlen) != CW_STEP_DONE ||
	    cw_revq_step_done(st, r->id, "lock_ldap", NULL, now, err,
	    errlen) < 0)
		goto out;
	if (cw_step_remove_roles(ld, dn, &roles, err, errlen) !=
	    CW_STEP_DONE || cw_revq_step_done(st, r->id, "remove_roles", NULL,
	    now, err, errlen) < 0)
		goto out;
	rc = cw_revq_complete(st, r->sid, r->id, now, err, errlen) < 0 ?
	    -1 : 0;
out:
	ldap_memfree(dn);
	return rc;
}

static long
open_count(struct cw_store *st)
{
	const char *argv[] = { "ZCARD", PREFIX "rev:open" };
	char err[128];
	redisReply *r = cw_redis_commandv(st->redis, err, sizeof(err), 2,
	    argv);
	long n = -1;

	if (r != NULL && r->type == REDIS_REPLY_INTEGER)
		n = (long)r->integer;
	freeReplyObject(r);
	return n;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct cw_revocation *got = calloc(CLAIM_MAX, sizeof(*got));
	char consumer[32];
	struct cw_revq_claim_opts o = { consumer, CLAIM_MAX, 60000, true, 0 };
	struct cw_store st;
	LDAP *ld = cw_ldap_connect(&cfg, w->err, sizeof(w->err));
	int n, i;

	snprintf(consumer, sizeof(consumer), "bench-%d", w->index);
	if (ld == NULL || got == NULL ||
	    cw_store_init(&st, redis_client(), PREFIX) < 0)
		return NULL;
	for (;;) {
		n = cw_revq_claim(&st, &o, time(NULL), got, w->err,
		    sizeof(w->err));
		o.own_pending_first = false;
		if (n < 0)
			break;
		if (n == 0) {
			if (open_count(&st) <= 0)
				break;
			usleep(5000);
			continue;
		}
		for (i = 0; i < n; i++) {
			if (process(&st, ld, &got[i], w->err,
			    sizeof(w->err)) == 0)
				w->done++;
			else
				w->failed++;
		}
	}
	cw_redis_free(st.redis);
	ldap_unbind_ext_s(ld, NULL, NULL);
	free(got);
	return NULL;
}

static int
submit_all(struct cw_store *st, long n)
{
	char err[256];
	int64_t now = time(NULL);
	double t0 = now_s(), t;
	long i;

	for (i = 0; i < n; i++) {
		struct cw_revocation r;

		memset(&r, 0, sizeof(r));
		snprintf(r.uid, sizeof(r.uid), "bench%05ld", i);
		r.kind = CW_REV_LEAVER;
		snprintf(r.reason, sizeof(r.reason), "benchmark leaver");
		snprintf(r.actor, sizeof(r.actor), "harry");
		r.requested_at = r.effective_at = now;
		r.deadline = now + 86400;
		if (cw_revq_submit(st, &r, now, NULL, err, sizeof(err)) != 1) {
			fprintf(stderr, "submit: %s\n", err);
			return -1;
		}
	}
	t = now_s() - t0;
	printf("submitted %ld revocations in %.2f s: %.0f/s "
	    "(each one Lua script, fsync'd to the AOF before the reply)\n",
	    n, t, (double)n / t);
	return 0;
}

static int
drain(int nworkers)
{
	struct worker *w = calloc((size_t)nworkers, sizeof(*w));
	long done = 0, failed = 0;
	double t0, t;
	int i;

	if (w == NULL)
		return -1;
	t0 = now_s();
	for (i = 0; i < nworkers; i++) {
		w[i].index = i;
		pthread_create(&w[i].thread, NULL, worker_main, &w[i]);
	}
	for (i = 0; i < nworkers; i++) {
		pthread_join(w[i].thread, NULL);
		done += w[i].done;
		failed += w[i].failed;
		if (w[i].err[0] != '\0' && w[i].failed > 0)
			fprintf(stderr, "worker %d: %s\n", i, w[i].err);
	}
	t = now_s() - t0;
	printf("drained %ld revocations (%ld failed) with %d workers in "
	    "%.2f s: %.0f revocations/s\n", done, failed, nworkers, t,
	    (double)done / t);
	free(w);
	return done == n_total ? 0 : -1;
}

int
main(int argc, char **argv)
{
	char ldif[512];
	struct cw_store st;
	int workers, groups, rc = 1;

	if (argc < 2) {
		fprintf(stderr, "usage: revq_bench RIG_SH [N [WORKERS "
		    "[GROUPS]]]\n");
		return 2;
	}
	rig_sh = argv[1];
	n_total = argc > 2 ? atol(argv[2]) : 10000;
	workers = argc > 3 ? atoi(argv[3]) : 4;
	groups = argc > 4 ? atoi(argv[4]) : 0;
	if (n_total < 1 || n_total > 99999 || workers < 1 || workers > 64)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(rig_dir, sizeof(rig_dir), "/tmp/cw-revq-bench.XXXXXX");
	if (mkdtemp(rig_dir) == NULL)
		return 1;
	snprintf(ldif, sizeof(ldif), "%s.ldif", rig_dir);
	if (rig("start", NULL) != 0 || load_env() < 0 ||
	    write_ldif(ldif, n_total, groups) < 0 ||
	    rig("bulkload", ldif) != 0 || setup_config(groups) < 0)
		goto out;
	if (cw_store_init(&st, redis_client(), PREFIX) < 0)
		goto out;
	printf("%ld staff, steps: find DN, lock, remove cwRole ops+dev%s\n",
	    n_total, groups ? ", leave a groupOfNames and a posixGroup of "
	    "all staff" : "");
	if (submit_all(&st, n_total) == 0 && drain(workers) == 0)
		rc = 0;
	cw_redis_free(st.redis);
	cw_config_free(&cfg);
out:
	rig("stop", "--clean");
	unlink(ldif);
	return rc;
}
