/* SPDX-License-Identifier: MIT */
/*
 * bench_pam - latency of the PAM account check through real libpam.
 *
 *   bench_pam CONFDIR SERVICE USER [CALLS]
 *
 * Runs pam_acct_mgmt CALLS times (default 10000) on a stack read from
 * CONFDIR/SERVICE with pam_start_confdir (Linux-PAM >= 1.4), and prints the
 * median, p90, p99 and max of each call, and of a whole
 * pam_start + pam_acct_mgmt + pam_end cycle.  The expected PAM result is
 * checked on every call so that a benchmark of errors cannot pass as one
 * of decisions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_appl.h>

#include "bench_common.h"

static void
report(const char *what, double *us, long n)
{
	bench_sort(us, n);
	printf("%-28s calls=%ld median=%.1fus p90=%.1fus p99=%.1fus "
	    "max=%.1fus\n", what, n, us[n / 2], us[n * 90 / 100],
	    us[n * 99 / 100], us[n - 1]);
}

static pam_handle_t *
start(const char *confdir, const char *service, const char *user)
{
	struct pam_conv conv = { bench_null_conv, NULL };
	pam_handle_t *pamh = NULL;

	if (pam_start_confdir(service, user, &conv, confdir, &pamh) !=
	    PAM_SUCCESS) {
		fprintf(stderr, "bench_pam: pam_start_confdir failed\n");
		exit(1);
	}
	return pamh;
}

int
main(int argc, char **argv)
{
	long i, n = argc > 4 ? atol(argv[4]) : 10000;
	pam_handle_t *pamh;
	double *us, t;
	int rc, expect;

	if (argc < 4 || n < 100) {
		fprintf(stderr, "usage: bench_pam CONFDIR SERVICE USER "
		    "[CALLS>=100]\n");
		return 2;
	}
	if ((us = calloc((size_t)n, sizeof(*us))) == NULL)
		return 1;
	pamh = start(argv[1], argv[2], argv[3]);
	expect = pam_acct_mgmt(pamh, PAM_SILENT);   /* warm up, and learn */
	printf("user %s: %s\n", argv[3], pam_strerror(pamh, expect));
	for (i = 0; i < n; i++) {
		t = bench_now_us();
		rc = pam_acct_mgmt(pamh, PAM_SILENT);
		us[i] = bench_now_us() - t;
		if (rc != expect) {
			fprintf(stderr, "bench_pam: call %ld returned %d, "
			    "expected %d\n", i, rc, expect);
			return 1;
		}
	}
	pam_end(pamh, PAM_SUCCESS);
	report("pam_acct_mgmt", us, n);
	for (i = 0; i < n; i++) {
		t = bench_now_us();
		pamh = start(argv[1], argv[2], argv[3]);
		rc = pam_acct_mgmt(pamh, PAM_SILENT);
		pam_end(pamh, rc);
		us[i] = bench_now_us() - t;
		if (rc != expect) {
			fprintf(stderr, "bench_pam: cycle %ld returned %d\n", i,
			    rc);
			return 1;
		}
	}
	report("start+acct_mgmt+end", us, n);
	free(us);
	return 0;
}
