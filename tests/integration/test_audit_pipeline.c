/* SPDX-License-Identifier: MIT */
/*
 * test_audit_pipeline - drives the audit pipeline (daemon/audit/audit_log.h)
 * for audit_pipeline_test.sh, against a real redis-server and real files.
 *
 *   test_audit_pipeline CONFIG HOST MODE [ARGS]
 *
 * Modes (each exits 0 when what it checks holds, 1 otherwise; log lines,
 * alerts included, go to stderr):
 *   outage N DIR       Redis down: emits N events (counter 1..N), checks
 *                      they are all spooled and none forwarded, creates
 *                      DIR/ready, waits for DIR/go (the script starts
 *                      Redis), then waits until the writer drained them
 *   spool FIRST N      emits counters FIRST.. FIRST+N-1, waits until all
 *                      are fsync'd in the spool, stops
 *   drain [forwarded|written N]
 *                      waits until the spool is forwarded and the writer
 *                      idle; or SIGKILLs itself once this run forwarded
 *                      (or sealed) at least N events
 *   emit-kill FIRST N  emits, and SIGKILLs itself as soon as all N are in
 *                      the spool (forwarder and writer mid-flight)
 *   refuse             a writer with retention_days 30, or with a key it
 *                      cannot read, must not start; a non-writer may
 *   alerts             a burst of denials for one user, one from one
 *                      remote host, a revoked user, a leaver, break-glass
 *                      (twice): 5 alerts, then drains
 *   metrics SECONDS    decisions and gauges, then runs SECONDS seconds
 *                      (the script reads the metrics file meanwhile)
 * Every event is a pam_decision whose details.counter the script checks.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config_file.h"
#include "audit/audit_log.h"
#include "lib/log.h"

#define WAIT_S 120

static struct cw_config cfg;
static struct cw_redis_options ropts;

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int
fail(const char *what)
{
	fprintf(stderr, "test_audit_pipeline: %s\n", what);
	return 1;
}

static int
load(const char *path)
{
	char err[512];

	if (cw_config_load(path, &cfg, err, sizeof(err)) < 0)
		return fail(err);
	memset(&ropts, 0, sizeof(ropts));
	if (cfg.redis.socket != NULL) {
		ropts.transport = &cw_redis_transport_unix;
		ropts.where = cfg.redis.socket;
	} else {
		ropts.transport = &cw_redis_transport_tcp;
		ropts.where = cfg.redis.host;
		ropts.port = cfg.redis.port;
	}
	ropts.timeout_ms = cfg.redis.timeout_ms;
	return 0;
}

static struct cw_audit_log *
start(const char *host)
{
	struct cw_audit_log *log;
	char err[512];

	if ((log = cw_audit_log_start(&cfg, &ropts, host, err, sizeof(err))) ==
	    NULL)
		fail(err);
	return log;
}

static int
decision_event(struct cw_audit_event *ev, long counter)
{
	char user[32], rhost[32];

	snprintf(user, sizeof(user), "u%ld", counter % 7);
	snprintf(rhost, sizeof(rhost), "192.0.2.%ld", counter % 250);
	if (cw_audit_event_init(ev, CW_AUDIT_PAM_DECISION, 0, user, user,
	    counter % 3 ? "allow" : "deny") < 0 ||
	    cw_audit_event_add_string(ev, "host_class", "payments-db") < 0 ||
	    cw_audit_event_add_string(ev, "service", "sshd") < 0 ||
	    cw_audit_event_add_string(ev, "mode", "login") < 0 ||
	    cw_audit_event_add_string(ev, "rhost", rhost) < 0 ||
	    cw_audit_event_add_string(ev, "tty", "ssh") < 0 ||
	    cw_audit_event_add_string(ev, "decision",
	    counter % 3 ? "allow" : "deny") < 0 ||
	    cw_audit_event_add_string(ev, "reason",
	    counter % 3 ? "ok" : "training_expired") < 0 ||
	    cw_audit_event_add_int(ev, "counter", counter) < 0)
		return -1;
	return 0;
}

/* Emits first..first+n-1, waiting out a full queue (bounded). */
static int
emit_range(struct cw_audit_log *log, long first, long n)
{
	struct cw_audit_event ev;
	long i, waited = 0;

	for (i = first; i < first + n; i++) {
		if (decision_event(&ev, i) < 0)
			return fail("cannot build an event");
		while (cw_audit_emit(log, &ev) < 0) {
			if (++waited > WAIT_S * 1000)
				return fail("the queue stayed full");
			sleep_ms(1);
		}
	}
	return 0;
}

static bool
spooled_all(struct cw_audit_log *log, uint64_t n)
{
	struct cw_audit_log_stats st;

	cw_audit_log_stats(log, &st);
	return st.spooled >= n;
}

static int
wait_spooled(struct cw_audit_log *log, uint64_t n)
{
	int i;

	for (i = 0; i < WAIT_S * 100; i++) {
		if (spooled_all(log, n))
			return 0;
		sleep_ms(10);
	}
	return fail("events not spooled in time");
}

/* Spool empty, then two empty reads by the writer that began after. */
static int
wait_drained(struct cw_audit_log *log)
{
	struct cw_audit_log_stats st;
	uint64_t idle = 0;
	bool empty = false;
	int i;

	for (i = 0; i < WAIT_S * 100; i++) {
		cw_audit_log_stats(log, &st);
		if (!empty && st.queue_events == 0 && st.spool_events == 0) {
			empty = true;
			idle = st.writer_idle_reads;
		}
		if (empty && (!cfg.audit.writer ||
		    st.writer_idle_reads >= idle + 2))
			return 0;
		sleep_ms(10);
	}
	cw_audit_log_stats(log, &st);
	fprintf(stderr, "spool_events %llu forwarded %llu written %llu\n",
	    (unsigned long long)st.spool_events,
	    (unsigned long long)st.forwarded, (unsigned long long)st.written);
	return fail("not drained in time");
}

static int
wait_file(const char *path)
{
	struct stat st;
	int i;

	for (i = 0; i < WAIT_S * 10; i++) {
		if (stat(path, &st) == 0)
			return 0;
		sleep_ms(100);
	}
	return fail("the go file never came");
}

static int
touch(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fclose(f) != 0)
		return fail("cannot create the ready file");
	return 0;
}

/* ---- modes ---- */

static int
mode_outage(struct cw_audit_log *log, long n, const char *dir)
{
	struct cw_audit_log_stats st;
	char path[4096];

	if (emit_range(log, 1, n) != 0 || wait_spooled(log, (uint64_t)n) != 0)
		return 1;
	cw_audit_log_stats(log, &st);
	if (st.forwarded != 0 || st.spool_events != (uint64_t)n ||
	    st.redis_up)
		return fail("with Redis down, events should all wait in the "
		    "spool");
	snprintf(path, sizeof(path), "%s/ready", dir);
	if (touch(path) != 0)
		return 1;
	snprintf(path, sizeof(path), "%s/go", dir);
	if (wait_file(path) != 0 || wait_drained(log) != 0)
		return 1;
	cw_audit_log_stats(log, &st);
	if (st.forwarded != (uint64_t)n || st.written != (uint64_t)n)
		return fail("not every event was forwarded and written once");
	return 0;
}

struct killer {
	struct cw_audit_log *log;
	uint64_t forwarded, written, spooled;
	pthread_t thread;
	bool started;
	atomic_bool stop;       /* before the log goes */
};

static void *
killer_main(void *arg)
{
	struct killer *k = arg;
	struct cw_audit_log_stats st;

	while (!atomic_load(&k->stop)) {
		cw_audit_log_stats(k->log, &st);
		if ((k->forwarded > 0 && st.forwarded >= k->forwarded) ||
		    (k->written > 0 && st.written >= k->written) ||
		    (k->spooled > 0 && st.spooled >= k->spooled))
			kill(getpid(), SIGKILL);
		sleep_ms(1);
	}
	return NULL;
}

static int
start_killer(struct killer *k)
{
	if (pthread_create(&k->thread, NULL, killer_main, k) != 0)
		return fail("cannot start the killer thread");
	k->started = true;
	return 0;
}

static void
stop_killer(struct killer *k)
{
	atomic_store(&k->stop, true);
	if (k->started)
		pthread_join(k->thread, NULL);
}

static int
mode_refuse(const char *host)
{
	struct cw_audit_log *log;
	char err[512], *saved;

	cfg.audit.retention_days = 30;
	if ((log = cw_audit_log_start(&cfg, &ropts, host, err,
	    sizeof(err))) != NULL || strstr(err, "retention_days 30") == NULL)
		return fail("a writer with 30 days' retention started");
	fprintf(stderr, "refused as it should: %s\n", err);
	cfg.audit.retention_days = 183;
	saved = cfg.audit.key_id;
	cfg.audit.key_id = (char *)"missing";
	log = cw_audit_log_start(&cfg, &ropts, host, err, sizeof(err));
	cfg.audit.key_id = saved;
	if (log != NULL)
		return fail("a writer without its key started");
	fprintf(stderr, "refused as it should: %s\n", err);
	cfg.audit.retention_days = 30;
	cfg.audit.writer = false;
	if ((log = start(host)) == NULL)
		return fail("a host without the writer should not care");
	cw_audit_log_stop(log);
	return 0;
}

static void
deny(struct cw_audit_log *log, const char *user, const char *rhost,
    const char *reason)
{
	cw_audit_note_decision(log, user, rhost, "deny", reason);
}

static int
mode_alerts(struct cw_audit_log *log)
{
	struct cw_audit_log_stats st;
	struct cw_audit_event ev;
	char user[16];
	int i;

	for (i = 0; i < 15; i++)        /* one user_denials alert */
		deny(log, "mallory", "198.51.100.7", "training_expired");
	for (i = 1; i <= 20; i++) {     /* one host_denials alert */
		snprintf(user, sizeof(user), "h%d", i);
		deny(log, user, "192.0.2.99", "no_role");
	}
	for (i = 0; i < 3; i++)         /* one revoked_logon alert */
		deny(log, "eve", "203.0.113.5", "revoked");
	deny(log, "bob", "", "left");   /* one leaver_logon alert */
	cw_audit_note_decision(log, "rescue", "203.0.113.9", "allow",
	    "breakglass");
	/* The same use as an event: the same key, so no second alert. */
	if (cw_audit_event_init(&ev, CW_AUDIT_BREAKGLASS, 0, "rescue",
	    "rescue", "alert") < 0 ||
	    cw_audit_event_add_string(&ev, "service", "sshd") < 0 ||
	    cw_audit_event_add_string(&ev, "rhost", "203.0.113.9") < 0 ||
	    cw_audit_emit(log, &ev) < 0)
		return fail("cannot emit the breakglass event");
	cw_audit_log_stats(log, &st);
	if (st.alerts != 5) {
		fprintf(stderr, "alerts: %llu\n", (unsigned long long)st.alerts);
		return fail("expected exactly 5 alerts");
	}
	return wait_drained(log);
}

static int
mode_metrics(struct cw_audit_log *log, long seconds)
{
	int i;

	for (i = 0; i < 3; i++)
		cw_audit_note_decision(log, "alice", "192.0.2.1", "allow", "ok");
	deny(log, "eve", "192.0.2.2", "revoked");
	deny(log, "eve", "192.0.2.2", "revoked");
	cw_audit_note_decision(log, "carol", NULL, "unavailable",
	    "policy_unavailable");
	cw_audit_set_gauge(log, "clearway_revocation_queue_depth", 7);
	cw_audit_set_gauge(log, "clearway_revocation_oldest_pending_seconds",
	    1234.5);
	cw_audit_set_gauge(log, "clearway_revocation_deadline_misses", 1);
	cw_audit_set_gauge(log, "clearway_sync_lag_seconds", 0.25);
	cw_audit_set_gauge(log, "not a name", 1);       /* ignored, logged */
	if (emit_range(log, 1, 100) != 0)
		return 1;
	for (i = 0; i < seconds * 10; i++) {
		/* Keep the numbers moving so every rewrite differs. */
		cw_audit_set_gauge(log, "clearway_sync_lag_seconds", i / 10.0);
		sleep_ms(100);
	}
	return 0;
}

static int
run(const char *host, int argc, char **argv)
{
	const char *mode = argv[0];
	struct cw_audit_log *log;
	struct killer k = { .log = NULL };
	struct cw_audit_log_stats st;
	int rc = 1;

	if (strcmp(mode, "refuse") == 0)
		return mode_refuse(host);
	if ((log = start(host)) == NULL)
		return 1;
	k.log = log;
	if (strcmp(mode, "outage") == 0 && argc == 3)
		rc = mode_outage(log, atol(argv[1]), argv[2]);
	else if (strcmp(mode, "spool") == 0 && argc == 3)
		rc = emit_range(log, atol(argv[1]), atol(argv[2])) ||
		    wait_spooled(log, (uint64_t)atol(argv[2]));
	else if (strcmp(mode, "drain") == 0 && (argc == 1 || argc == 3)) {
		if (argc == 3 && strcmp(argv[1], "written") == 0)
			k.written = (uint64_t)atol(argv[2]);
		else if (argc == 3)
			k.forwarded = (uint64_t)atol(argv[2]);
		rc = (argc == 3 && start_killer(&k) != 0) || wait_drained(log);
		/* Still alive: the kill point was never reached. */
		if (argc == 3 && fail("drained before the kill point") != 0)
			rc = 3;
	} else if (strcmp(mode, "emit-kill") == 0 && argc == 3) {
		k.spooled = (uint64_t)atol(argv[2]);
		rc = start_killer(&k) || emit_range(log, atol(argv[1]),
		    atol(argv[2])) || wait_spooled(log, k.spooled);
		sleep_ms(WAIT_S * 1000);        /* the killer ends this */
	} else if (strcmp(mode, "alerts") == 0)
		rc = mode_alerts(log);
	else if (strcmp(mode, "metrics") == 0 && argc == 2)
		rc = mode_metrics(log, atol(argv[1]));
	else
		fail("unknown mode or wrong arguments");
	stop_killer(&k);
	cw_audit_log_stats(log, &st);
	fprintf(stderr, "stats: emitted %llu spooled %llu forwarded %llu "
	    "written %llu duplicates %llu missing %llu invalid %llu\n",
	    (unsigned long long)st.emitted, (unsigned long long)st.spooled,
	    (unsigned long long)st.forwarded, (unsigned long long)st.written,
	    (unsigned long long)st.duplicates, (unsigned long long)st.missing,
	    (unsigned long long)st.invalid);
	cw_audit_log_stop(log);
	return rc;
}

int
main(int argc, char **argv)
{
	int rc;

	if (argc < 4) {
		fprintf(stderr, "usage: test_audit_pipeline CONFIG HOST MODE "
		    "[ARGS]\n");
		return 2;
	}
	/* Foreground logging: the alert lines come out on stderr. */
	cw_log_init("clearwayd", true, false);
	if (load(argv[1]) != 0)
		return 1;
	rc = run(argv[2], argc - 3, argv + 3);
	cw_config_free(&cfg);
	return rc;
}
