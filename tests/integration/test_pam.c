/* SPDX-License-Identifier: MIT */
/*
 * test_pam.c - pam_clearway.so through the real libpam, under pam_wrapper.
 *
 * Run by pam_test.sh, which starts the real clearwayd over the test rig's
 * LDAP and Redis and writes the service files this program names (in
 * PAM_WRAPPER_SERVICE_DIR).  Each case starts its own PAM transaction,
 * sets the items a real application would (PAM_RHOST, PAM_TTY,
 * PAM_RUSER), runs one or two PAM operations with run_pamtest() and
 * checks the exact return code and what the user was told.
 *
 * Every service stacks the module as
 *     TYPE [success=done ignore=ignore default=die] pam_clearway.so ...
 *     TYPE required pam_debug.so acct=user_unknown ...
 * so the stack's result is exactly the module's, except that the
 * module's PAM_IGNORE shows up as pam_debug's PAM_USER_UNKNOWN, which
 * this module never returns.  That keeps "ignored" distinguishable from
 * "denied" (libpam turns an all-ignore stack into PAM_PERM_DENIED).  One
 * service (clearway-exempt) is stacked as a site would do it instead:
 * pam_clearway.so "required", then pam_permit.so.
 *
 * Output is TAP; the exit status is 0 only when every case passed.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpamtest.h>
#include <security/pam_appl.h>

/* The module's PAM_IGNORE, as the test stacks report it (see above). */
#define MODULE_IGNORED PAM_USER_UNKNOWN

#define DENIED_MESSAGE "Access denied by site policy."
#define MAX_MESSAGES 8

enum told {
	TOLD_NOTHING = 0,       /* no message may reach the user */
	TOLD_DENIED,            /* exactly DENIED_MESSAGE, once */
};

struct op_case {
	enum pamtest_ops op;
	int module_rv;          /* what the module itself must return */
};

struct pam_case {
	const char *name;
	const char *service;
	const char *user;
	const char *ruser;      /* NULL: left unset */
	const char *rhost;
	const char *tty;
	int flags;
	struct op_case ops[2];
	size_t nops;
	enum told told;
};

/* What the conversation saw during one case. */
struct conv_log {
	size_t nerr;
	size_t ninfo;
	char err[MAX_MESSAGES][PAM_MAX_MSG_SIZE];
};

/* Hostile inputs, built in main(). */
static char long_user[10 * 1024 + 1];
static char long_rhost[300 + 1];
static char long_tty[300 + 1];

#define ONE(o, rv) { { o, rv } }, 1
#define ACCT(rv) ONE(PAMTEST_ACCOUNT, rv)

static const struct pam_case cases[] = {
	/* Allowed, and every deny reason the sample data provides. */
	{ "alice is allowed on sc-hosts", "clearway-sc", "alice", NULL,
	  "client.example.org", "ssh", 0, ACCT(PAM_SUCCESS), TOLD_NOTHING },
	{ "unknown user nobody-here", "clearway-sc", "nobody-here", NULL,
	  NULL, NULL, 0, ACCT(PAM_PERM_DENIED), TOLD_DENIED },
	{ "mallory: revoked", "clearway-sc", "mallory", NULL, NULL, NULL, 0,
	  ACCT(PAM_PERM_DENIED), TOLD_DENIED },
	{ "ivan: record_invalid", "clearway-sc", "ivan", NULL, NULL, NULL, 0,
	  ACCT(PAM_PERM_DENIED), TOLD_DENIED },
	{ "carol: not_active (leaver)", "clearway-sc", "carol", NULL, NULL,
	  NULL, 0, ACCT(PAM_PERM_DENIED), TOLD_DENIED },
	{ "sybil: not_active (suspended)", "clearway-sc", "sybil", NULL, NULL,
	  NULL, 0, ACCT(PAM_PERM_DENIED), TOLD_DENIED },
	{ "dave: left", "clearway-sc", "dave", NULL, NULL, NULL, 0,
	  ACCT(PAM_PERM_DENIED), TOLD_DENIED },
	{ "erin: checks_incomplete", "clearway-sc", "erin", NULL, NULL, NULL,
	  0, ACCT(PAM_PERM_DENIED), TOLD_DENIED },
	{ "frank: right_to_work_expired", "clearway-sc", "frank", NULL, NULL,
	  NULL, 0, ACCT(PAM_PERM_DENIED), TOLD_DENIED },
	{ "bob: clearance_insufficient on sc-hosts", "clearway-sc", "bob",
	  NULL, NULL, NULL, 0, ACCT(PAM_PERM_DENIED), TOLD_DENIED },
	{ "grace: clearance_expired", "clearway-sc", "grace", NULL, NULL, NULL,
	  0, ACCT(PAM_PERM_DENIED), TOLD_DENIED },
	{ "heidi: training_expired", "clearway-sc", "heidi", NULL, NULL, NULL,
	  0, ACCT(PAM_PERM_DENIED), TOLD_DENIED },
	{ "judy: no_role", "clearway-sc", "judy", NULL, NULL, NULL, 0,
	  ACCT(PAM_PERM_DENIED), TOLD_DENIED },
	{ "alice in admin mode: elevation_required", "clearway-sc-admin",
	  "alice", NULL, NULL, NULL, 0, ACCT(PAM_PERM_DENIED), TOLD_DENIED },
	{ "oscar in admin mode: ok_elevated", "clearway-sc-admin", "oscar",
	  NULL, NULL, NULL, 0, ACCT(PAM_SUCCESS), TOLD_NOTHING },
	{ "bob is allowed on open-hosts (BPSS)", "clearway-open", "bob", NULL,
	  NULL, NULL, 0, ACCT(PAM_SUCCESS), TOLD_NOTHING },
	{ "alice: no_role on open-hosts", "clearway-open", "alice", NULL,
	  NULL, NULL, 0, ACCT(PAM_PERM_DENIED), TOLD_DENIED },
	{ "unknown host class", "clearway-nohc", "alice", NULL, NULL, NULL, 0,
	  ACCT(PAM_PERM_DENIED), TOLD_DENIED },
	{ "PAM_SILENT: denied without a message", "clearway-sc", "mallory",
	  NULL, NULL, NULL, PAM_SILENT, ACCT(PAM_PERM_DENIED), TOLD_NOTHING },

	/* Local overrides in the configuration. */
	{ "exempt trent is ignored by the module", "clearway-sc", "trent",
	  NULL, NULL, NULL, 0, ACCT(MODULE_IGNORED), TOLD_NOTHING },
	/* A plain "required" line and pam_permit: the stack's own result. */
	{ "exempt trent: the rest of the stack decides", "clearway-exempt",
	  "trent", NULL, NULL, NULL, 0, ACCT(PAM_SUCCESS), TOLD_NOTHING },
	{ "break-glass rescue", "clearway-sc", "rescue", NULL, NULL, NULL, 0,
	  ACCT(PAM_SUCCESS), TOLD_NOTHING },
	{ "break-glass rescue, daemon stopped", "clearway-stopped", "rescue",
	  NULL, NULL, NULL, 0, ACCT(PAM_SUCCESS), TOLD_NOTHING },
	{ "exempt trent, daemon stopped", "clearway-stopped", "trent", NULL,
	  NULL, NULL, 0, ACCT(MODULE_IGNORED), TOLD_NOTHING },

	/* Nothing to decide with: fail closed. */
	{ "daemon stopped", "clearway-stopped", "alice", NULL, NULL, NULL, 0,
	  ACCT(PAM_AUTHINFO_UNAVAIL), TOLD_DENIED },
	{ "config file missing", "clearway-noconf", "alice", NULL, NULL, NULL,
	  0, ACCT(PAM_AUTHINFO_UNAVAIL), TOLD_DENIED },
	{ "config file writable by others", "clearway-openconf", "alice",
	  NULL, NULL, NULL, 0, ACCT(PAM_AUTHINFO_UNAVAIL), TOLD_DENIED },
	{ "unknown module argument", "clearway-badarg", "alice", NULL, NULL,
	  NULL, 0, ACCT(PAM_PERM_DENIED), TOLD_DENIED },
	{ "no host_class argument and none in the config", "clearway-nohcarg",
	  "alice", NULL, NULL, NULL, 0, ACCT(PAM_PERM_DENIED), TOLD_DENIED },

	/* The host class from [daemon] host_class; an argument overrides. */
	{ "alice on the config's host class (sc-hosts)", "clearway-hcconf",
	  "alice", NULL, NULL, NULL, 0, ACCT(PAM_SUCCESS), TOLD_NOTHING },
	{ "bob on the config's host class (sc-hosts): clearance",
	  "clearway-hcconf", "bob", NULL, NULL, NULL, 0,
	  ACCT(PAM_PERM_DENIED), TOLD_DENIED },
	{ "bob with host_class=open-hosts over the config's sc-hosts",
	  "clearway-hcoverride", "bob", NULL, NULL, NULL, 0,
	  ACCT(PAM_SUCCESS), TOLD_NOTHING },

	/* Hostile names: refused before they reach a log or the daemon. */
	{ "10 KB user name", "clearway-sc", long_user, NULL, NULL, NULL, 0,
	  ACCT(PAM_PERM_DENIED), TOLD_DENIED },
	{ "user name with a newline", "clearway-sc", "al\nice", NULL, NULL,
	  NULL, 0, ACCT(PAM_PERM_DENIED), TOLD_DENIED },
	{ "user name with ESC", "clearway-sc", "ali\x1b" "ce", NULL, NULL,
	  NULL, 0, ACCT(PAM_PERM_DENIED), TOLD_DENIED },
	{ "user name with a tab", "clearway-sc", "alice\t", NULL, NULL, NULL,
	  0, ACCT(PAM_PERM_DENIED), TOLD_DENIED },
	{ "user name with a path", "clearway-sc", "../etc", NULL, NULL, NULL,
	  0, ACCT(PAM_PERM_DENIED), TOLD_DENIED },
	{ "empty user name", "clearway-sc", "", NULL, NULL, NULL, 0,
	  ACCT(PAM_PERM_DENIED), TOLD_DENIED },

	/* Hostile items are cleaned, so the request is still well formed. */
	{ "alice with control bytes in rhost and tty", "clearway-sc", "alice",
	  NULL, "evil\x01host name\xff", "tty\n1", 0, ACCT(PAM_SUCCESS),
	  TOLD_NOTHING },
	{ "alice with an oversized rhost and tty", "clearway-sc", "alice",
	  NULL, long_rhost, long_tty, 0, ACCT(PAM_SUCCESS), TOLD_NOTHING },

	/* subject=ruser (su): the person asking, not the target account. */
	{ "su: ruser alice to root", "clearway-su", "root", "alice", NULL,
	  NULL, 0, ACCT(PAM_SUCCESS), TOLD_NOTHING },
	{ "su: ruser mallory to alice", "clearway-su", "alice", "mallory",
	  NULL, NULL, 0, ACCT(PAM_PERM_DENIED), TOLD_DENIED },
	{ "su: no ruser", "clearway-su", "alice", NULL, NULL, NULL, 0,
	  ACCT(PAM_PERM_DENIED), TOLD_DENIED },
	{ "su: hostile ruser", "clearway-su", "root", "al\nice", NULL, NULL,
	  0, ACCT(PAM_PERM_DENIED), TOLD_DENIED },

	/* Sessions: recorded, fail closed on open, never fail on close. */
	{ "session open and close for alice", "clearway-session", "alice",
	  NULL, "client.example.org", "/dev/pts/3", 0,
	  { { PAMTEST_OPEN_SESSION, PAM_SUCCESS },
	    { PAMTEST_CLOSE_SESSION, PAM_SUCCESS } }, 2, TOLD_NOTHING },
	{ "session open, daemon stopped", "clearway-session-stopped", "alice",
	  NULL, NULL, NULL, 0, ONE(PAMTEST_OPEN_SESSION, PAM_SESSION_ERR),
	  TOLD_NOTHING },
	{ "session close, daemon stopped", "clearway-session-stopped",
	  "alice", NULL, NULL, NULL, 0,
	  ONE(PAMTEST_CLOSE_SESSION, PAM_SUCCESS), TOLD_NOTHING },
	{ "break-glass session, daemon stopped", "clearway-session-stopped",
	  "rescue", NULL, NULL, NULL, 0,
	  { { PAMTEST_OPEN_SESSION, PAM_SUCCESS },
	    { PAMTEST_CLOSE_SESSION, PAM_SUCCESS } }, 2, TOLD_NOTHING },
	{ "exempt session", "clearway-session", "trent", NULL, NULL, NULL, 0,
	  { { PAMTEST_OPEN_SESSION, MODULE_IGNORED },
	    { PAMTEST_CLOSE_SESSION, MODULE_IGNORED } }, 2, TOLD_NOTHING },
	/*
	 * After a failed open, libpam replays the open's outcome for close
	 * in the same transaction (its "frozen chain"), so a close that must
	 * be judged on its own runs in a transaction of its own.
	 */
	{ "session open with a hostile user name", "clearway-session",
	  "al\nice", NULL, NULL, NULL, 0,
	  ONE(PAMTEST_OPEN_SESSION, PAM_SESSION_ERR), TOLD_NOTHING },
	{ "session close with a hostile user name", "clearway-session",
	  "al\nice", NULL, NULL, NULL, 0,
	  ONE(PAMTEST_CLOSE_SESSION, PAM_SUCCESS), TOLD_NOTHING },
	{ "session open with an unknown argument", "clearway-session-badarg",
	  "alice", NULL, NULL, NULL, 0,
	  ONE(PAMTEST_OPEN_SESSION, PAM_SESSION_ERR), TOLD_NOTHING },
	{ "session close with an unknown argument", "clearway-session-badarg",
	  "alice", NULL, NULL, NULL, 0,
	  ONE(PAMTEST_CLOSE_SESSION, PAM_SUCCESS), TOLD_NOTHING },

	/* The phases Clearway has no say in. */
	{ "authenticate is ignored", "clearway-sc", "alice", NULL, NULL, NULL,
	  0, ONE(PAMTEST_AUTHENTICATE, MODULE_IGNORED), TOLD_NOTHING },
	{ "setcred is ignored", "clearway-sc", "alice", NULL, NULL, NULL, 0,
	  ONE(PAMTEST_SETCRED, MODULE_IGNORED), TOLD_NOTHING },
};

static const char *
pam_code_name(int rv)
{
	switch (rv) {
	case PAM_SUCCESS: return "PAM_SUCCESS";
	case PAM_PERM_DENIED: return "PAM_PERM_DENIED";
	case PAM_AUTHINFO_UNAVAIL: return "PAM_AUTHINFO_UNAVAIL";
	case PAM_IGNORE: return "PAM_IGNORE";
	case PAM_USER_UNKNOWN: return "PAM_USER_UNKNOWN (module ignored)";
	case PAM_SESSION_ERR: return "PAM_SESSION_ERR";
	case PAM_SERVICE_ERR: return "PAM_SERVICE_ERR";
	case PAM_SYSTEM_ERR: return "PAM_SYSTEM_ERR";
	case PAM_AUTH_ERR: return "PAM_AUTH_ERR";
	case PAM_CRED_ERR: return "PAM_CRED_ERR";
	default: return "other";
	}
}

/* Records what the module tells the user; answers no prompts. */
static int
record_conv(int n, const struct pam_message **msg,
    struct pam_response **resp, void *data)
{
	struct conv_log *log = data;
	int i;

	for (i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_ERROR_MSG:
			if (log->nerr < MAX_MESSAGES)
				snprintf(log->err[log->nerr], PAM_MAX_MSG_SIZE,
				    "%s", msg[i]->msg);
			log->nerr++;
			break;
		case PAM_TEXT_INFO:
			log->ninfo++;
			break;
		default:
			/* This module never prompts; a prompt is a failure. */
			return PAM_CONV_ERR;
		}
	}
	*resp = NULL;
	return PAM_SUCCESS;
}

static int
set_item(pam_handle_t *ph, int item, const char *value)
{
	if (value == NULL)
		return PAM_SUCCESS;
	return pam_set_item(ph, item, value);
}

/* Starts a transaction with the items a real application would set. */
static pam_handle_t *
start(const struct pam_case *tc, const struct pam_conv *conv)
{
	pam_handle_t *ph = NULL;

	if (pam_start(tc->service, tc->user, conv, &ph) != PAM_SUCCESS)
		return NULL;
	if (set_item(ph, PAM_RUSER, tc->ruser) != PAM_SUCCESS ||
	    set_item(ph, PAM_RHOST, tc->rhost) != PAM_SUCCESS ||
	    set_item(ph, PAM_TTY, tc->tty) != PAM_SUCCESS) {
		pam_end(ph, PAM_SYSTEM_ERR);
		return NULL;
	}
	return ph;
}

/*
 * Runs the case's operations; run_pamtest() ends the transaction.  It
 * counts its cases with sizeof, hence one real array per length.
 */
static enum pamtest_err
run_one_op(const struct pam_case *tc, pam_handle_t *ph, int got[2])
{
	struct pam_testcase one[] = {
		pam_test_flags(tc->ops[0].op, tc->ops[0].module_rv, tc->flags),
	};
	enum pamtest_err perr;

	perr = run_pamtest(tc->service, tc->user, NULL, one, ph);
	got[0] = one[0].op_rv;
	return perr;
}

static enum pamtest_err
run_two_ops(const struct pam_case *tc, pam_handle_t *ph, int got[2])
{
	struct pam_testcase two[] = {
		pam_test_flags(tc->ops[0].op, tc->ops[0].module_rv, tc->flags),
		pam_test_flags(tc->ops[1].op, tc->ops[1].module_rv, tc->flags),
	};
	enum pamtest_err perr;

	perr = run_pamtest(tc->service, tc->user, NULL, two, ph);
	got[0] = two[0].op_rv;
	got[1] = two[1].op_rv;
	return perr;
}

/*
 * Only error messages are judged: the module sends nothing else, and the
 * informational lines come from pam_debug ("acct=user_unknown").
 */
static bool
told_ok(const struct pam_case *tc, const struct conv_log *log)
{
	if (tc->told == TOLD_NOTHING)
		return log->nerr == 0;
	return log->nerr == 1 && strcmp(log->err[0], DENIED_MESSAGE) == 0;
}

/* One case; prints its TAP line and returns whether it passed. */
static bool
run_case(size_t num, const struct pam_case *tc)
{
	struct conv_log log;
	struct pam_conv conv = { record_conv, &log };
	enum pamtest_err perr;
	pam_handle_t *ph;
	int got[2] = { -1, -1 };
	size_t i;
	bool ok;

	memset(&log, 0, sizeof(log));
	fprintf(stderr, "# case %zu: %s\n", num, tc->name);
	if ((ph = start(tc, &conv)) == NULL) {
		printf("not ok %zu - %s: pam_start failed\n", num, tc->name);
		return false;
	}
	perr = tc->nops == 1 ? run_one_op(tc, ph, got) :
	    run_two_ops(tc, ph, got);
	ok = perr == PAMTEST_ERR_OK && told_ok(tc, &log);
	printf("%s %zu - %s\n", ok ? "ok" : "not ok", num, tc->name);
	if (ok)
		return true;
	printf("#   pamtest: %s\n", pamtest_strerror(perr));
	for (i = 0; i < tc->nops; i++)
		printf("#   op %zu: expected %s, got %s (%d)\n", i + 1,
		    pam_code_name(tc->ops[i].module_rv), pam_code_name(got[i]),
		    got[i]);
	printf("#   messages to the user: %zu error, %zu info%s%s\n",
	    log.nerr, log.ninfo, log.nerr > 0 ? "; first: " : "",
	    log.nerr > 0 ? log.err[0] : "");
	return false;
}

static void
fill(char *buf, size_t size, char c)
{
	memset(buf, c, size - 1);
	buf[size - 1] = '\0';
}

int
main(int argc, char **argv)
{
	size_t i, n = sizeof(cases) / sizeof(cases[0]), failed = 0;
	const char *only = argc > 1 ? argv[1] : NULL;

	fill(long_user, sizeof(long_user), 'a');
	fill(long_rhost, sizeof(long_rhost), 'h');
	fill(long_tty, sizeof(long_tty), 't');
	printf("1..%zu\n", n);
	for (i = 0; i < n; i++) {
		/* An argument runs only the cases whose name contains it. */
		if (only != NULL && strstr(cases[i].name, only) == NULL) {
			printf("ok %zu - %s # SKIP not selected\n", i + 1,
			    cases[i].name);
			continue;
		}
		if (!run_case(i + 1, &cases[i]))
			failed++;
	}
	if (failed > 0)
		printf("# %zu of %zu cases failed\n", failed, n);
	return failed > 0 ? 1 : 0;
}
