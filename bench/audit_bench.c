/* SPDX-License-Identifier: MIT */
/*
 * audit_bench - throughput of the audit trail through the real store.
 *
 *   audit_bench [-n RECORDS] [-s SYNC_RECORDS] WORKDIR
 *
 * In WORKDIR (created, so it must not exist yet; on the disk the trail
 * would live on, not a tmpfs, or fsync means nothing), with a fresh key:
 *   1. sealed append, one event per call, so one fsync per record
 *      (SYNC_RECORDS, default RECORDS);
 *   2. sealed append in batches of 100, one fsync per batch (RECORDS,
 *      default 1,000,000), spread over 30 days of files;
 *   3. export of that trail as JSONL and as CSV to /dev/null, and
 *   4. verification of it, each in a child process whose peak RSS
 *      (getrusage) is reported, next to the same for a trail of 1% the
 *      size: constant memory shows as equal RSS.
 * Run as root: key files must be owned by root.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "audit.h"

#define DAY_US (86400LL * 1000000LL)
#define SPAN_DAYS 30
#define BATCH 100
/* 2026-01-05T00:00:00Z */
#define BASE_US (1767571200LL * 1000000LL)

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what, const char *err)
{
	fprintf(stderr, "audit_bench: %s: %s\n", what, err);
	exit(1);
}

static void
make_key(const char *keys)
{
	unsigned char key[32];
	char path[4200];
	FILE *f;
	size_t i;

	if (mkdir(keys, 0700) < 0 && errno != EEXIST)
		die(keys, strerror(errno));
	if (RAND_bytes(key, sizeof(key)) != 1)
		die("RAND_bytes", "failed");
	snprintf(path, sizeof(path), "%s/bench.key", keys);
	umask(077);
	if ((f = fopen(path, "w")) == NULL)
		die(path, strerror(errno));
	for (i = 0; i < sizeof(key); i++)
		fprintf(f, "%02x", key[i]);
	fputc('\n', f);
	fclose(f);
}

/* A PAM decision as the daemon will write it (about 450 bytes sealed). */
static void
make_event(struct cw_audit_event *ev, uint64_t i, int64_t t)
{
	char user[32];

	snprintf(user, sizeof(user), "user%05" PRIu64, i % 50000);
	if (cw_audit_event_init(ev, CW_AUDIT_PAM_DECISION, t, user, user,
	    i % 10 == 0 ? "deny" : "allow") < 0 ||
	    cw_audit_event_add_string(ev, "host_class", "payments-db") < 0 ||
	    cw_audit_event_add_string(ev, "service", "sshd") < 0 ||
	    cw_audit_event_add_string(ev, "mode", "login") < 0 ||
	    cw_audit_event_add_string(ev, "rhost", "10.20.30.40") < 0 ||
	    cw_audit_event_add_string(ev, "tty", "ssh") < 0 ||
	    cw_audit_event_add_string(ev, "decision",
	    i % 10 == 0 ? "deny" : "allow") < 0 ||
	    cw_audit_event_add_string(ev, "reason",
	    i % 10 == 0 ? "training_expired" : "ok") < 0)
		die("event", "cannot build");
	cw_audit_event_set_host(ev, "db-17.example.gov.uk");
}

/* Writes n records in calls of batch events; returns seconds taken. */
static double
append_records(const char *dir, const char *keys, uint64_t n, size_t batch)
{
	struct cw_audit_store_options o = { .dir = dir, .key_dir = keys,
	    .host = "audit1", .key_id = "bench" };
	struct cw_audit_event *ev = calloc(batch, sizeof(*ev));
	struct cw_audit_store *st;
	int64_t step = SPAN_DAYS * DAY_US / (int64_t)n, t = BASE_US;
	char err[256];
	uint64_t i = 0;
	size_t k;
	double start;

	if (ev == NULL)
		die("calloc", strerror(errno));
	if (cw_audit_store_open(&o, BASE_US, &st, err, sizeof(err)) < 0)
		die("open", err);
	start = now_s();
	while (i < n) {
		for (k = 0; k < batch && i < n; k++, i++) {
			t = BASE_US + (int64_t)i * step;
			make_event(&ev[k], i, t);
		}
		if (cw_audit_store_append(st, ev, k, t, err, sizeof(err)) < 0)
			die("append", err);
	}
	start = now_s() - start;
	cw_audit_store_close(st);
	free(ev);
	return start;
}

enum job { EXPORT_JSONL, EXPORT_CSV, VERIFY };

static const char *const job_names[] = { "export jsonl", "export csv",
	"verify" };

static int
run_job(enum job job, const char *dir, const char *keys)
{
	struct cw_audit_verify_options vo = { .dir = dir, .key_dir = keys };
	struct cw_audit_verify_report rep;
	struct cw_audit_export_result res;
	char err[256];
	FILE *out;

	if (job == VERIFY) {
		if (cw_audit_verify_dir(&vo, &rep) < 0)
			die("verify", rep.problem.what);
		return 0;
	}
	if ((out = fopen("/dev/null", "w")) == NULL)
		die("/dev/null", strerror(errno));
	if (cw_audit_export(dir, 0, INT64_MAX, job == EXPORT_CSV ?
	    CW_AUDIT_FORMAT_CSV : CW_AUDIT_FORMAT_JSONL, out, &res, err,
	    sizeof(err)) < 0)
		die("export", err);
	fclose(out);
	return 0;
}

/*
 * Runs job in a fresh process (this program again, exec'd): its peak RSS
 * is then its own, not pages shared with the writer at fork.
 */
static void
measure(enum job job, const char *dir, const char *keys, uint64_t n)
{
	char jobarg[8];
	struct rusage ru;
	double start = now_s(), secs;
	int status;
	pid_t pid;

	fflush(stdout);
	snprintf(jobarg, sizeof(jobarg), "%d", (int)job);
	if ((pid = fork()) < 0)
		die("fork", strerror(errno));
	if (pid == 0) {
		execl("/proc/self/exe", "audit_bench", "--job", jobarg, dir,
		    keys, (char *)NULL);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		die(job_names[job], "child failed");
	secs = now_s() - start;
	printf("  %-12s %9" PRIu64 " records: %7.2f s, %10.0f records/s, "
	    "peak RSS %ld KiB\n", job_names[job], n, secs, (double)n / secs,
	    ru.ru_maxrss);
}

static uint64_t
parse_count(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (*end != '\0' || v < 100)
		die(s, "a count of at least 100 is needed");
	return v;
}

int
main(int argc, char **argv)
{
	uint64_t n = 1000000, nsync = 0;
	char keys[4096], dir[4096];
	double secs;
	int ch;

	if (argc == 5 && strcmp(argv[1], "--job") == 0)
		return run_job((enum job)atoi(argv[2]), argv[3], argv[4]);
	while ((ch = getopt(argc, argv, "n:s:")) != -1) {
		switch (ch) {
		case 'n': n = parse_count(optarg); break;
		case 's': nsync = parse_count(optarg); break;
		default:
			fprintf(stderr, "usage: audit_bench [-n RECORDS] "
			    "[-s SYNC_RECORDS] WORKDIR\n");
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: audit_bench [-n RECORDS] "
		    "[-s SYNC_RECORDS] WORKDIR\n");
		return 2;
	}
	if (nsync == 0)
		nsync = n;
	/* A fresh directory: an old trail would be resumed, not measured. */
	if (mkdir(argv[optind], 0700) < 0)
		die(argv[optind], strerror(errno));
	snprintf(keys, sizeof(keys), "%s/keys", argv[optind]);
	make_key(keys);

	printf("sealed append (HMAC-SHA256, O_APPEND, fsync before return):\n");
	snprintf(dir, sizeof(dir), "%s/trail-fsync-each", argv[optind]);
	secs = append_records(dir, keys, nsync, 1);
	printf("  fsync per record     %9" PRIu64 " records: %7.2f s, %10.0f "
	    "records/s\n", nsync, secs, (double)nsync / secs);
	snprintf(dir, sizeof(dir), "%s/trail-batch", argv[optind]);
	secs = append_records(dir, keys, n, BATCH);
	printf("  fsync per %d records %9" PRIu64 " records: %7.2f s, %10.0f "
	    "records/s\n", BATCH, n, secs, (double)n / secs);

	printf("reading %" PRIu64 " records over %d daily files (child "
	    "processes):\n", n, SPAN_DAYS);
	measure(EXPORT_JSONL, dir, keys, n);
	measure(EXPORT_CSV, dir, keys, n);
	measure(VERIFY, dir, keys, n);

	printf("the same for %" PRIu64 " records (constant memory: same "
	    "RSS):\n", n / 100);
	snprintf(dir, sizeof(dir), "%s/trail-small", argv[optind]);
	append_records(dir, keys, n / 100, BATCH);
	measure(EXPORT_JSONL, dir, keys, n / 100);
	measure(EXPORT_CSV, dir, keys, n / 100);
	measure(VERIFY, dir, keys, n / 100);
	return 0;
}
