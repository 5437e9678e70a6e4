/* SPDX-License-Identifier: MIT */
/*
 * peer_bench - logons through real libpam for bench/peers.sh, the same
 * loop for pam_permit (the floor), Clearway, nslcd and SSSD.
 *
 *   peer_bench lat CONFDIR SERVICE USERS CALLS OUT
 *   peer_bench rate CONFDIR SERVICE USERS PROCS MS
 *   peer_bench leaver CONFDIR SERVICE USERS COUNT INTERVAL_US OUT
 *
 * A logon is pam_start_confdir + pam_acct_mgmt + pam_end, so the stack's
 * modules are loaded on every call as sshd loads them, from a service file
 * in CONFDIR (never /etc/pam.d).  USERS is a file of user names, one a
 * line, every one of which the stack is expected to allow; calls take them
 * in turn.  Any other answer is an error: a benchmark of failures must not
 * pass for one of decisions.
 *
 * lat     CALLS logons back to back; writes "start_ms,latency_us" per call
 *         to OUT and prints "n= median_us= p99_us= p999_us= max_us=".
 * rate    PROCS processes log on for MS milliseconds; prints "procs= calls=
 *         per_s= errors=".
 * leaver  for each of the first COUNT users: log on every INTERVAL_US
 *         (back to back when a logon takes longer) on one thread while the
 *         main thread sets cwEmploymentStatus: leaver on the user's entry
 *         in LDAP (BENCH_LDAP_URI, BENCH_LDAP_BINDDN, BENCH_LDAP_PWFILE,
 *         BENCH_PEOPLE_BASE).  Writes "user,deny_after_write_us,
 *         allowed_after_write" to OUT, where the interval runs from the
 *         modify's reply to the end of the first logon that denied, and
 *         allowed_after_write counts logons that began after the reply and
 *         were still allowed.  Prints median, p99 and the total allowed.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ldap.h>
#include <security/pam_appl.h>

#include "bench_common.h"

#define MAX_USERS 200000
#define USER_MAX 64
#define MAX_PROCS 256
/* A leaver trial that has not denied within this long has failed. */
#define LEAVER_LIMIT_US 10000000.0

struct users {
	char (*name)[USER_MAX];
	long n;
};

/* Reads one user name a line (at most MAX_USERS) into u.  0 or -1. */
static int
read_users(const char *path, struct users *u)
{
	char line[256];
	FILE *f = fopen(path, "re");
	size_t len;

	u->n = 0;
	if (f == NULL || (u->name = calloc(MAX_USERS, USER_MAX)) == NULL) {
		fprintf(stderr, "peer_bench: %s: %s\n", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return -1;
	}
	while (u->n < MAX_USERS && fgets(line, sizeof(line), f) != NULL) {
		len = strcspn(line, "\r\n");
		if (len == 0 || len >= USER_MAX)
			continue;
		memcpy(u->name[u->n], line, len);
		u->name[u->n][len] = '\0';
		u->n++;
	}
	fclose(f);
	if (u->n == 0) {
		fprintf(stderr, "peer_bench: %s: no users\n", path);
		free(u->name);
		u->name = NULL;
		return -1;
	}
	return 0;
}

/* One logon: the PAM result of the account phase, or -1 if none. */
static int
logon(const char *confdir, const char *service, const char *user)
{
	struct pam_conv conv = { bench_null_conv, NULL };
	pam_handle_t *pamh = NULL;
	int rc;

	if (pam_start_confdir(service, user, &conv, confdir, &pamh) !=
	    PAM_SUCCESS)
		return -1;
	rc = pam_acct_mgmt(pamh, PAM_SILENT);
	pam_end(pamh, rc);
	return rc;
}

static int
lat(const char *confdir, const char *service, const struct users *u,
    long calls, const char *out)
{
	double *us, *sorted, t0, t;
	long i, bad = 0;
	FILE *f;
	int rc, first_bad = 0;

	if ((us = calloc((size_t)calls, sizeof(*us))) == NULL ||
	    (sorted = calloc((size_t)calls, sizeof(*sorted))) == NULL ||
	    (f = fopen(out, "we")) == NULL) {
		fprintf(stderr, "peer_bench: %s: %s\n", out, strerror(errno));
		return 1;
	}
	t0 = bench_now_us();
	fprintf(f, "start_ms,latency_us\n");
	for (i = 0; i < calls; i++) {
		t = bench_now_us();
		rc = logon(confdir, service, u->name[i % u->n]);
		us[i] = bench_now_us() - t;
		if (rc != PAM_SUCCESS && bad++ == 0)
			first_bad = rc;
		fprintf(f, "%.3f,%.1f\n", (t - t0) / 1e3, us[i]);
	}
	if (fclose(f) != 0)
		return 1;
	memcpy(sorted, us, (size_t)calls * sizeof(*us));
	bench_sort(sorted, calls);
	printf("n=%ld median_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f\n",
	    calls, sorted[calls / 2], sorted[calls * 99 / 100],
	    sorted[calls * 999 / 1000], sorted[calls - 1]);
	free(us);
	free(sorted);
	if (bad > 0) {
		fprintf(stderr, "peer_bench: %ld of %ld logons not allowed "
		    "(first: %d)\n", bad, calls, first_bad);
		return 1;
	}
	return 0;
}

static int
rate(const char *confdir, const char *service, const struct users *u,
    int procs, long ms)
{
	long long counts[2], calls = 0, errors = 0;
	int go[2], res[2], p, status;
	double t0, until;
	pid_t pid;
	char c;
	long i;

	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(res, O_CLOEXEC) < 0)
		return 1;
	for (p = 0; p < procs; p++) {
		if ((pid = fork()) < 0)
			return 1;
		if (pid > 0)
			continue;
		/* Child: wait for the start, then log on until the end. */
		close(go[1]);
		counts[0] = counts[1] = 0;
		if (read(go[0], &c, 1) < 0)
			_exit(1);
		until = bench_now_us() + (double)ms * 1e3;
		for (i = p; bench_now_us() < until; i++)
			counts[logon(confdir, service, u->name[i % u->n]) ==
			    PAM_SUCCESS ? 0 : 1]++;
		_exit(write(res[1], counts, sizeof(counts)) ==
		    (ssize_t)sizeof(counts) ? 0 : 1);
	}
	close(res[1]);
	t0 = bench_now_us();
	close(go[1]);           /* EOF: every child starts now */
	for (p = 0; p < procs; p++)
		if (read(res[0], counts, sizeof(counts)) ==
		    (ssize_t)sizeof(counts)) {
			calls += counts[0];
			errors += counts[1];
		}
	while (wait(&status) > 0)
		;
	t0 = bench_now_us() - t0;
	printf("procs=%d calls=%lld per_s=%.0f errors=%lld\n", procs,
	    calls, (double)calls / (t0 / 1e6), errors);
	return errors > 0 ? 1 : 0;
}

/* ---- leaver ---- */

struct trial {
	const char *confdir, *service, *user;
	long interval_us;
	LDAP *ld;                       /* the writer's */
	const char *dn;
	bool write_failed;
	_Atomic double write_done;      /* 0 until the modify replied */
	double deny_at;                 /* end of the first denial after */
	long allowed_after;
	int last_rc;
};

/*
 * The writer thread: waits for a few allowed logons, then makes the user
 * a leaver.  Logons stay on the main thread: a module's per-thread data
 * outlives dlclose (pam_sss's does), so a thread that logged on must not
 * exit before the process does.
 */
static void *
writer_main(void *arg)
{
	static char *vals[] = { "leaver", NULL };
	static LDAPMod mod = { LDAP_MOD_REPLACE, "cwEmploymentStatus",
	    { .modv_strvals = vals } };
	LDAPMod *mods[] = { &mod, NULL };
	struct timespec warm = { 0, 20 * 1000 * 1000 };
	struct trial *tr = arg;

	nanosleep(&warm, NULL);
	if (ldap_modify_ext_s(tr->ld, tr->dn, mods, NULL, NULL) !=
	    LDAP_SUCCESS)
		tr->write_failed = true;
	atomic_store(&tr->write_done, bench_now_us());
	return NULL;
}

/* Logs on every interval until the first denial after the write. */
static void
caller_loop(struct trial *tr)
{
	double t, end, w, deadline = bench_now_us() + LEAVER_LIMIT_US;
	struct timespec ts;
	int rc;

	for (;;) {
		t = bench_now_us();
		if (t > deadline)
			return;
		rc = logon(tr->confdir, tr->service, tr->user);
		end = bench_now_us();
		tr->last_rc = rc;
		w = atomic_load(&tr->write_done);
		if (w > 0 && tr->write_failed)
			return;
		if (rc != PAM_SUCCESS && w > 0) {
			tr->deny_at = end;
			return;
		}
		if (rc == PAM_SUCCESS && w > 0 && t >= w)
			tr->allowed_after++;
		if (end - t < tr->interval_us) {
			ts.tv_sec = 0;
			ts.tv_nsec = (long)(tr->interval_us - (end - t)) * 1000;
			nanosleep(&ts, NULL);
		}
	}
}

static char *
read_secret(const char *path)
{
	static char pw[256];
	FILE *f = fopen(path, "re");

	if (f == NULL || fgets(pw, sizeof(pw), f) == NULL) {
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	fclose(f);
	pw[strcspn(pw, "\r\n")] = '\0';
	return pw;
}

/* A simple bind as binddn; NULL (said on stderr) if it fails. */
static LDAP *
bench_bind(const char *uri, const char *binddn, char *pw)
{
	struct berval cred = { strlen(pw), pw };
	int v3 = LDAP_VERSION3;
	LDAP *ld = NULL;

	if (ldap_initialize(&ld, uri) != LDAP_SUCCESS ||
	    ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3) !=
	    LDAP_OPT_SUCCESS || ldap_sasl_bind_s(ld, binddn, LDAP_SASL_SIMPLE,
	    &cred, NULL, NULL, NULL) != LDAP_SUCCESS) {
		fprintf(stderr, "peer_bench: cannot bind to %s\n", uri);
		if (ld != NULL)
			ldap_unbind_ext_s(ld, NULL, NULL);
		return NULL;
	}
	return ld;
}

static int
leaver(const char *confdir, const char *service, const struct users *u,
    long count, long interval_us, const char *out)
{
	const char *uri = getenv("BENCH_LDAP_URI"),
	    *binddn = getenv("BENCH_LDAP_BINDDN"),
	    *pwfile = getenv("BENCH_LDAP_PWFILE"),
	    *base = getenv("BENCH_PEOPLE_BASE");
	char dn[512], *pw;
	long i, n = 0, allowed = 0;
	double *us;
	LDAP *ld = NULL;
	pthread_t th;
	FILE *f;
	int rc = 1;

	if (uri == NULL || binddn == NULL || pwfile == NULL || base == NULL ||
	    (pw = read_secret(pwfile)) == NULL) {
		fprintf(stderr, "peer_bench: leaver needs BENCH_LDAP_URI, "
		    "BENCH_LDAP_BINDDN, BENCH_LDAP_PWFILE, BENCH_PEOPLE_BASE\n");
		return 2;
	}
	if (count > u->n)
		count = u->n;
	if ((us = calloc((size_t)count, sizeof(*us))) == NULL ||
	    (f = fopen(out, "we")) == NULL)
		return 1;
	if ((ld = bench_bind(uri, binddn, pw)) == NULL)
		goto out;
	fprintf(f, "user,deny_after_write_us,allowed_after_write\n");
	for (i = 0; i < count; i++) {
		struct trial tr = { confdir, service, u->name[i], interval_us,
		    ld, dn, false, 0, 0, 0, 0 };

		snprintf(dn, sizeof(dn), "uid=%s,%s", u->name[i], base);
		if (pthread_create(&th, NULL, writer_main, &tr) != 0)
			goto out;
		caller_loop(&tr);
		pthread_join(th, NULL);
		if (tr.write_failed) {
			fprintf(stderr, "peer_bench: modify %s failed\n", dn);
			goto out;
		}
		if (tr.deny_at == 0) {
			fprintf(stderr, "peer_bench: %s still allowed (last "
			    "result %d) 10 s after the write\n", tr.user,
			    tr.last_rc);
			continue;
		}
		us[n] = tr.deny_at - atomic_load(&tr.write_done);
		allowed += tr.allowed_after;
		fprintf(f, "%s,%.1f,%ld\n", tr.user, us[n], tr.allowed_after);
		n++;
	}
	if (n == 0)
		goto out;
	bench_sort(us, n);
	printf("n=%ld median_us=%.1f p99_us=%.1f max_us=%.1f "
	    "allowed_after_write=%ld\n", n, us[n / 2], us[n * 99 / 100],
	    us[n - 1], allowed);
	rc = n == count ? 0 : 1;
out:
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
	if (fclose(f) != 0)
		rc = 1;
	free(us);
	return rc;
}

static void
usage(void)
{
	fprintf(stderr, "usage: peer_bench lat CONFDIR SERVICE USERS CALLS OUT\n"
	    "       peer_bench rate CONFDIR SERVICE USERS PROCS MS\n"
	    "       peer_bench leaver CONFDIR SERVICE USERS COUNT INTERVAL_US "
	    "OUT\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct users u = { NULL, 0 };
	long a, b;
	int rc = 2;

	if (argc < 7)
		usage();
	/* As sshd does: a module writing to a daemon that went away must get
	 * EPIPE, not kill the caller (pam_sss does when sssd drops it). */
	signal(SIGPIPE, SIG_IGN);
	a = atol(argv[5]);
	if (read_users(argv[4], &u) < 0)
		rc = 1;
	else if (strcmp(argv[1], "lat") == 0 && argc == 7 && a >= 1)
		rc = lat(argv[2], argv[3], &u, a, argv[6]);
	else if (strcmp(argv[1], "rate") == 0 && argc == 7 && a >= 1 &&
	    a <= MAX_PROCS && (b = atol(argv[6])) >= 10)
		rc = rate(argv[2], argv[3], &u, (int)a, b);
	else if (strcmp(argv[1], "leaver") == 0 && argc == 8 && a >= 1 &&
	    (b = atol(argv[6])) >= 0 && b <= 1000000)
		rc = leaver(argv[2], argv[3], &u, a, b, argv[7]);
	else
		usage();
	free(u.name);
	return rc;
}
