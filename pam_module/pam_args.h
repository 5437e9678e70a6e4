/* SPDX-License-Identifier: MIT */
/*
 * pam_args.h - the arguments of pam_clearway.so, as a pure parser.
 *
 * The arguments come from /etc/pam.d/<service>.  A typo there must never
 * widen access, so every argument is known, given at most once and well
 * formed, or the whole line is an error (contract section 3).  No I/O and
 * no PAM calls here, so the parser is unit-tested and fuzzed on its own.
 */
#ifndef CW_PAM_ARGS_H
#define CW_PAM_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "names.h"
#include "policy.h"

/* Longest config= path accepted; far beyond any real location. */
#define CW_PAM_CONFIG_PATH_MAX 1024

/* Who the decision is about. */
enum cw_pam_subject {
	CW_SUBJECT_USER = 0,    /* PAM_USER: sshd, login, sudo */
	CW_SUBJECT_RUSER,       /* PAM_RUSER: su, where PAM_USER is the target */
};

struct cw_pam_args {
	char host_class[CW_NAME_MAX + 1];
	enum cw_mode mode;
	char config[CW_PAM_CONFIG_PATH_MAX + 1];
	enum cw_pam_subject subject;
	bool debug;
};

/*
 * Parses argc/argv as handed to pam_sm_*.  out is always fully written:
 * the defaults overridden by the arguments, or on error the defaults alone
 * (with no host class, so nothing can be decided).  On error err names the
 * offending argument, truncated and with unprintable bytes replaced, so
 * that the caller can log it as is.  Returns 0 or -1.
 */
int cw_pam_args_parse(int argc, const char **argv, struct cw_pam_args *out,
    char *err, size_t errlen);

#endif
