/* SPDX-License-Identifier: MIT */
/*
 * command.h - running a configured command from the daemon: no shell, a
 * fixed PATH and environment, its own process group, a deadline, and an
 * optional unprivileged user.
 *
 * Two parts of clearwayd run commands an operator configures: the
 * revocation step that ends a user's sessions (end_sessions_command) and
 * the notifier (notify_command).  Both must never hang the daemon, never
 * pass through a shell (a value from the directory could carry shell
 * syntax), and never inherit the daemon's descriptors.
 */
#ifndef CW_COMMAND_H
#define CW_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define CW_COMMAND_ARGV_MAX 32          /* words */
#define CW_COMMAND_ARGBUF_MAX 4096      /* bytes of all words */
#define CW_COMMAND_STDERR_KEEP 200      /* bytes of its stderr kept */
#define CW_COMMAND_INPUT_MAX 32768      /* bytes to its stdin: fits a pipe */

struct cw_command {
	char *argv[CW_COMMAND_ARGV_MAX + 1];
	char buf[CW_COMMAND_ARGBUF_MAX];
	char path[256];
};

/* One "%c" in a template and what it stands for. */
struct cw_command_subst {
	char key;
	const char *value;
};

/*
 * Splits tmpl on spaces into c->argv, replacing each "%<key>" of subst
 * (and "%%" by "%"); any other '%' is an error, so that a typo never runs
 * a command with a literal "%x".  Then resolves argv[0]: as given when it
 * holds a '/', else from the fixed PATH (the daemon's own PATH is not
 * trusted).  what names the setting in errors ("session command").
 * Returns 0, or -1 with err set.
 */
int cw_command_parse(struct cw_command *c, const char *what,
    const char *tmpl, const struct cw_command_subst *subst, size_t nsubst,
    char *err, size_t errlen);

struct cw_command_run {
	int timeout_ms;                 /* its process group is killed then */
	int stop_fd;                    /* readable: kill it now; -1 none */
	const char *input;              /* to its stdin; NULL: /dev/null */
	size_t input_len;               /* <= CW_COMMAND_INPUT_MAX */
	bool as_user;                   /* drop to uid/gid (no groups) */
	uid_t uid;
	gid_t gid;
};

/*
 * Runs c as how says and waits for it.  Returns 0 when it ran: note is ""
 * when it exited 0, else says how it failed (exit status and the first
 * line of its stderr, killed at the deadline, killed by a signal).
 * Returns -1 when it could not be run at all, -2 when stop_fd stopped it
 * (killed); note says why.
 */
int cw_command_run(const struct cw_command *c, const struct cw_command_run *how,
    char *note, size_t notelen);

#endif
