/* SPDX-License-Identifier: MIT */
/*
 * pam_load.c - PAM calls through the real libpam at a steady rate, timed.
 *
 *   pam_load CONFDIR SERVICE account|session SECONDS RATE USER...
 *
 * Each call is its own transaction (pam_start_confdir, so the service
 * file in CONFDIR names pam_clearway.so by path and no wrapper is
 * needed).  "account" runs pam_acct_mgmt; "session" opens and closes a
 * session.  Users are taken in turn.  SECONDS 0 makes one call per user.
 * Prints what it measured, one "name value" per line, for the test
 * script to read:
 *   pid P / calls N / success N / failed N / max_ms M / fail USER RC ...
 * With PAM_LOAD_LOG=FILE in the environment, every call also appends
 * "START_MS USER RC MICROSECONDS" to FILE (START_MS: the wall clock at
 * the call's start, for a checker that lines calls up with the faults it
 * injected; written unbuffered, so a killed loader loses no line).
 * Exits 0 once the calls are made, whatever they returned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

static long long
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The module asks nothing of the user; answer nothing. */
static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *arg)
{
	(void)n;
	(void)msg;
	(void)arg;
	*resp = NULL;
	return PAM_CONV_ERR;
}

static int
one_call(const char *confdir, const char *service, const char *mode,
    const char *user)
{
	struct pam_conv c = { conv, NULL };
	pam_handle_t *pamh = NULL;
	int rc;

	rc = pam_start_confdir(service, user, &c, confdir, &pamh);
	if (rc != PAM_SUCCESS)
		return rc;
	pam_set_item(pamh, PAM_RHOST, "192.0.2.10");
	pam_set_item(pamh, PAM_TTY, "pts/7");
	if (strcmp(mode, "session") == 0) {
		rc = pam_open_session(pamh, 0);
		if (rc == PAM_SUCCESS)
			rc = pam_close_session(pamh, 0);
	} else
		rc = pam_acct_mgmt(pamh, 0);
	pam_end(pamh, rc);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *confdir, *service, *mode;
	long long start, end, t0, took, max_ms = 0, gap, wall, t0_us;
	const char *logpath = getenv("PAM_LOAD_LOG");
	FILE *calllog = NULL;
	long calls = 0, success = 0, failed = 0;
	double seconds, rate;
	int i = 0, nusers, rc;

	if (argc < 7) {
		fprintf(stderr, "usage: pam_load CONFDIR SERVICE "
		    "account|session SECONDS RATE USER...\n");
		return 2;
	}
	confdir = argv[1];
	service = argv[2];
	mode = argv[3];
	seconds = atof(argv[4]);
	rate = atof(argv[5]);
	nusers = argc - 6;
	gap = rate > 0 ? (long long)(1000.0 / rate) : 0;
	if (logpath != NULL && (calllog = fopen(logpath, "a")) == NULL) {
		perror(logpath);
		return 1;
	}
	if (calllog != NULL)
		setvbuf(calllog, NULL, _IOLBF, 0);
	printf("pid %d\n", (int)getpid());
	fflush(stdout);
	start = now_ms();
	end = start + (long long)(seconds * 1000);
	for (;;) {
		if (seconds > 0 ? now_ms() >= end : calls >= nusers)
			break;
		t0 = now_ms();
		wall = wall_ms();
		t0_us = now_us();
		rc = one_call(confdir, service, mode, argv[6 + i]);
		took = now_ms() - t0;
		if (calllog != NULL)
			fprintf(calllog, "%lld %s %d %lld\n", wall, argv[6 + i],
			    rc, now_us() - t0_us);
		if (took > max_ms)
			max_ms = took;
		calls++;
		if (rc == PAM_SUCCESS)
			success++;
		else {
			failed++;
			printf("fail %s %d %s %lldms\n", argv[6 + i], rc,
			    pam_strerror(NULL, rc), took);
		}
		i = (i + 1) % nusers;
		if (gap > 0 && now_ms() < start + calls * gap)
			usleep((useconds_t)((start + calls * gap - now_ms()) *
			    1000));
	}
	printf("calls %ld\nsuccess %ld\nfailed %ld\nmax_ms %lld\n", calls,
	    success, failed, max_ms);
	if (calllog != NULL)
		fclose(calllog);
	return 0;
}
