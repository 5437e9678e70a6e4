/* SPDX-License-Identifier: MIT */
/*
 * audit_pipeline_bench - the audit pipeline (daemon/audit/audit_log.h) end to
 * end: emit -> spool (fdatasync) -> Redis stream -> sealed daily file.
 *
 *   audit_pipeline_bench [-n EVENTS] [-t THREADS] [-r RATE] WORKDIR
 *
 * In WORKDIR (created; must not exist; put it on the disk the spool and
 * trail would live on, or fsync means nothing) it starts its own
 * redis-server on a Unix socket with appendonly yes, appendfsync always
 * (the durability docs/audit.md asks for), and one pipeline with the
 * writer, as a writer host would run it.  Then:
 *   1. sustained throughput: THREADS threads (default 4) emit EVENTS
 *      (default 200,000) pam_decision events as fast as emit() accepts
 *      them; reported: events/s from the first emit until the last is
 *      sealed (fsync'd) in the daily file, and until spooled/forwarded;
 *   2. the cost of emit() on the caller's thread, median and p99 (ns):
 *      under that saturation, and paced at RATE events/s (default 2,000,
 *      a busy PAM host) on one thread.
 * Run as root: key files must be owned by root.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "audit/audit_log.h"
#include "lib/log.h"

struct emitter {
	struct cw_audit_log *log;
	long first, n;
	long long *ns;          /* cost of each accepted emit() */
	long retries;
};

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "audit_pipeline_bench: %s: %s\n", what, why);
	exit(1);
}

static void
sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000L };

	nanosleep(&ts, NULL);
}

/* dir/name into buf, or exit: paths here are never silently cut. */
static void
join(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= len)
		die(dir, "path too long");
}

static void
make_dirs(const char *work, char *keys, size_t len)
{
	unsigned char key[32];
	char path[4200];
	FILE *f;
	size_t i;

	if (mkdir(work, 0700) < 0)
		die(work, strerror(errno));
	join(keys, len, work, "keys");
	join(path, sizeof(path), work, "redis");
	if (mkdir(keys, 0700) < 0 || mkdir(path, 0700) < 0)
		die("mkdir", strerror(errno));
	if (RAND_bytes(key, sizeof(key)) != 1)
		die("RAND_bytes", "failed");
	join(path, sizeof(path), keys, "k1.key");
	if ((f = fopen(path, "w")) == NULL)
		die(path, strerror(errno));
	for (i = 0; i < sizeof(key); i++)
		fprintf(f, "%02x", key[i]);
	fprintf(f, "\n");
	fclose(f);
	chmod(path, 0600);
}

/* Starts redis-server on work/redis.sock; returns its pid. */
static pid_t
start_redis(const char *work, const char *sock)
{
	char dir[4200];
	pid_t pid;

	join(dir, sizeof(dir), work, "redis");
	if ((pid = fork()) < 0)
		die("fork", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		execlp("redis-server", "redis-server", "--port", "0",
		    "--unixsocket", sock, "--unixsocketperm", "700", "--save",
		    "", "--appendonly", "yes", "--appendfsync", "always",
		    "--dir", dir, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void
wait_redis(const struct cw_redis_options *o)
{
	const char *ping[1] = { "PING" };
	struct cw_redis *r = cw_redis_new(o);
	redisReply *rep;
	char err[256];
	int i;

	for (i = 0; i < 200; i++) {
		rep = cw_redis_commandv(r, err, sizeof(err), 1, ping);
		if (rep != NULL) {
			freeReplyObject(rep);
			cw_redis_free(r);
			return;
		}
		sleep_us(50000);
	}
	die("redis-server", "did not answer");
}

static void
make_event(struct cw_audit_event *ev, long i)
{
	char user[16], rhost[24];

	snprintf(user, sizeof(user), "user%ld", i % 1000);
	snprintf(rhost, sizeof(rhost), "10.%ld.%ld.%ld", i / 65536 % 256,
	    i / 256 % 256, i % 256);
	cw_audit_event_init(ev, CW_AUDIT_PAM_DECISION, 0, user, user, "allow");
	cw_audit_event_add_string(ev, "host_class", "payments-db");
	cw_audit_event_add_string(ev, "service", "sshd");
	cw_audit_event_add_string(ev, "mode", "login");
	cw_audit_event_add_string(ev, "rhost", rhost);
	cw_audit_event_add_string(ev, "tty", "ssh");
	cw_audit_event_add_string(ev, "decision", "allow");
	cw_audit_event_add_string(ev, "reason", "ok");
	cw_audit_event_add_int(ev, "counter", i);
}

/* Emits e->n events; a full queue is retried (and not timed). */
static void *
emit_main(void *arg)
{
	struct emitter *e = arg;
	struct cw_audit_event ev;
	long long t0;
	long i;

	for (i = 0; i < e->n; i++) {
		make_event(&ev, e->first + i);
		for (;;) {
			t0 = now_ns();
			if (cw_audit_emit(e->log, &ev) == 0)
				break;
			e->retries++;
			sleep_us(200);
		}
		e->ns[i] = now_ns() - t0;
	}
	return NULL;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static void
report_cost(const char *what, long long *ns, long n)
{
	qsort(ns, (size_t)n, sizeof(*ns), cmp_ll);
	printf("emit() cost %s: median %lld ns, p99 %lld ns, max %lld ns "
	    "(%ld calls)\n", what, ns[n / 2], ns[n * 99 / 100], ns[n - 1], n);
}

/* Polls until every event is sealed; reports the three milestones. */
static void
wait_sealed(struct cw_audit_log *log, long n, long long t0)
{
	struct cw_audit_log_stats st;
	long long spooled = 0, forwarded = 0, deadline = t0 + 600e9;

	for (;;) {
		cw_audit_log_stats(log, &st);
		if (!spooled && st.spooled >= (uint64_t)n)
			spooled = now_ns();
		if (!forwarded && st.forwarded >= (uint64_t)n)
			forwarded = now_ns();
		if (st.written >= (uint64_t)n)
			break;
		if (now_ns() > deadline)
			die("throughput", "not sealed within 10 minutes");
		sleep_us(1000);
	}
	printf("%ld events: spooled %.0f/s, forwarded %.0f/s, sealed "
	    "(emit -> fsync'd in the daily file) %.0f/s, end to end %.2f s\n",
	    n, n / ((spooled - t0) / 1e9), n / ((forwarded - t0) / 1e9),
	    n / ((now_ns() - t0) / 1e9), (now_ns() - t0) / 1e9);
}

static void
throughput(struct cw_audit_log *log, long n, int threads)
{
	struct emitter e[64];
	pthread_t tid[64];
	long long t0, *all;
	long per = n / threads, k = 0, retries = 0;
	int i, j;

	for (i = 0; i < threads; i++) {
		e[i] = (struct emitter){ log, 1 + i * per, per, NULL, 0 };
		if ((e[i].ns = calloc((size_t)per, sizeof(long long))) == NULL)
			die("calloc", "out of memory");
	}
	t0 = now_ns();
	for (i = 0; i < threads; i++)
		pthread_create(&tid[i], NULL, emit_main, &e[i]);
	for (i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	wait_sealed(log, per * threads, t0);
	all = calloc((size_t)(per * threads), sizeof(long long));
	for (i = 0; i < threads; i++) {
		for (j = 0; j < per; j++)
			all[k++] = e[i].ns[j];
		retries += e[i].retries;
		free(e[i].ns);
	}
	printf("(%d emitting threads; emit() found the queue full %ld times)\n",
	    threads, retries);
	report_cost("saturated", all, k);
	free(all);
}

static void
paced(struct cw_audit_log *log, long first, int rate)
{
	struct cw_audit_event ev;
	long n = rate * 3L, i;
	long long *ns = calloc((size_t)n, sizeof(long long)), t0, next;

	next = now_ns();
	for (i = 0; i < n; i++) {
		make_event(&ev, first + i);
		t0 = now_ns();
		if (cw_audit_emit(log, &ev) < 0)
			die("paced", "the queue was full");
		ns[i] = now_ns() - t0;
		next += 1000000000LL / rate;
		while (now_ns() < next)
			sleep_us(50);
	}
	report_cost("paced", ns, n);
	free(ns);
}

int
main(int argc, char **argv)
{
	struct cw_redis_options ro = { &cw_redis_transport_unix, NULL, 0, NULL,
	    5000 };
	char keys[4200], sock[4200], spool[4200], trail[4200], err[512];
	long n = 200000;
	int threads = 4, rate = 2000, c;
	struct cw_audit_log *log;
	struct cw_config cfg;
	pid_t redis;

	while ((c = getopt(argc, argv, "n:t:r:")) != -1) {
		if (c == 'n')
			n = atol(optarg);
		else if (c == 't')
			threads = atoi(optarg);
		else if (c == 'r')
			rate = atoi(optarg);
		else
			return 2;
	}
	if (optind != argc - 1 || n < 1 || threads < 1 || threads > 64 ||
	    rate < 1) {
		fprintf(stderr, "usage: audit_pipeline_bench [-n EVENTS] "
		    "[-t THREADS] [-r RATE] WORKDIR\n");
		return 2;
	}
	cw_log_init("audit_pipeline_bench", true, false);
	make_dirs(argv[optind], keys, sizeof(keys));
	join(sock, sizeof(sock), argv[optind], "redis.sock");
	join(spool, sizeof(spool), argv[optind], "spool");
	join(trail, sizeof(trail), argv[optind], "trail");
	redis = start_redis(argv[optind], sock);
	ro.where = sock;
	wait_redis(&ro);
	if (cw_config_defaults(&cfg) < 0)
		die("config", "out of memory");
	free(cfg.audit.directory);
	free(cfg.audit.key_dir);
	free(cfg.audit.spool_dir);
	free(cfg.audit.metrics_file);
	cfg.audit.directory = strdup(trail);
	cfg.audit.key_dir = strdup(keys);
	cfg.audit.spool_dir = strdup(spool);
	cfg.audit.metrics_file = NULL;
	cfg.audit.writer = true;
	cfg.daemon.ldap_sync = false;
	if ((log = cw_audit_log_start(&cfg, &ro, "bench-host", err,
	    sizeof(err))) == NULL)
		die("start", err);
	throughput(log, n, threads);
	paced(log, n + 1, rate);
	cw_audit_log_stop(log);
	cw_config_free(&cfg);
	kill(redis, SIGTERM);
	waitpid(redis, NULL, 0);
	return 0;
}
