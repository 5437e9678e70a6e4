/* SPDX-License-Identifier: MIT */
/*
 * leaver_bench - from "clearwayctl leaver" returning to the PAM module
 * denying, through real libpam.
 *
 *   leaver_bench CONFDIR SERVICE SOCKET FIRST COUNT
 *
 * For users sFIRST .. sFIRST+COUNT-1 (bench/gen-directory.py names):
 * files a leaver through the daemon's socket exactly as clearwayctl does
 * (root: no role needed), and as soon as it returns, runs pam_acct_mgmt
 * (pam_start_confdir, a fresh handle per user, like a new logon) until it
 * denies.  Prints median, p99 and max of that interval, and how many of
 * the first PAM calls already denied.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_appl.h>

#include "bench_common.h"
#include "client.h"

/* PAM result of one account check for user. */
static int
account(const char *confdir, const char *service, const char *user)
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

int
main(int argc, char **argv)
{
	long first, count, i, first_call_denied = 0;
	struct cw_response resp;
	struct cw_request req;
	double *us, t;
	char err[256];
	int tries, rc;

	if (argc != 6 || (first = atol(argv[4])) < 1 ||
	    (count = atol(argv[5])) < 10) {
		fprintf(stderr, "usage: leaver_bench CONFDIR SERVICE SOCKET "
		    "FIRST COUNT>=10\n");
		return 2;
	}
	if ((us = calloc((size_t)count, sizeof(*us))) == NULL)
		return 1;
	for (i = 0; i < count; i++) {
		memset(&req, 0, sizeof(req));
		req.op = CW_OP_LEAVER;
		snprintf(req.user, sizeof(req.user), "s%06ld", first + i);
		snprintf(req.reason, sizeof(req.reason), "leaver benchmark");
		if (cw_client_call(argv[3], 5000, &req, &resp, err,
		    sizeof(err)) < 0 || resp.status != CW_STATUS_OK) {
			fprintf(stderr, "leaver %s: %s%s\n", req.user, err,
			    resp.message);
			return 1;
		}
		cw_response_free(&resp);
		t = bench_now_us();
		for (tries = 0; (rc = account(argv[1], argv[2], req.user)) ==
		    PAM_SUCCESS && tries < 100000; tries++)
			;
		us[i] = bench_now_us() - t;
		if (rc != PAM_PERM_DENIED) {
			fprintf(stderr, "%s: PAM said %d\n", req.user, rc);
			return 1;
		}
		if (tries == 0)
			first_call_denied++;
	}
	bench_sort(us, count);
	printf("leaver returned -> PAM denies: n=%ld median=%.2fms "
	    "p99=%.2fms max=%.2fms; denied by the first PAM call: %ld/%ld\n",
	    count, us[count / 2] / 1e3, us[count * 99 / 100] / 1e3,
	    us[count - 1] / 1e3, first_call_denied, count);
	free(us);
	return 0;
}
