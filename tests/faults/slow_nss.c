/* SPDX-License-Identifier: MIT */
/*
 * slow_nss.c - an LD_PRELOAD shim that makes every getpwuid_r() take
 * CW_SLOW_NSS_MS milliseconds (default 1500), as a stalled directory
 * (sssd, nslcd) behind nsswitch would.  Used by slow_nss_test.sh against
 * clearwayd only.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <pwd.h>
#include <stdlib.h>
#include <time.h>

typedef int (*getpwuid_r_fn)(uid_t, struct passwd *, char *, size_t,
    struct passwd **);

int
getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len,
    struct passwd **res)
{
	getpwuid_r_fn real = (getpwuid_r_fn)dlsym(RTLD_NEXT, "getpwuid_r");
	const char *ms = getenv("CW_SLOW_NSS_MS");
	long delay = ms != NULL ? atol(ms) : 1500;
	struct timespec ts = { delay / 1000, delay % 1000 * 1000000L };

	nanosleep(&ts, NULL);
	if (real == NULL) {
		*res = NULL;
		return 5;       /* EIO */
	}
	return real(uid, pw, buf, len, res);
}
