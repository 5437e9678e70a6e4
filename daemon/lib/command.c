/* SPDX-License-Identifier: MIT */
/*
 * command.c - running a configured command (see command.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/command.h"
#include "lib/wake.h"

#define REAP_WAIT_MS 2000       /* after SIGKILL, for the child to go */
#define POLL_TICK_MS 20

static const char *const command_path[] = {
	"/usr/sbin", "/usr/bin", "/sbin", "/bin", NULL
};

static const char *
subst_value(const struct cw_command_subst *subst, size_t nsubst, char key)
{
	size_t i;

	for (i = 0; i < nsubst; i++)
		if (subst[i].key == key)
			return subst[i].value;
	return NULL;
}

/* Copies one word of tmpl at *pp into c->buf at *used, substituting. */
static int
copy_word(struct cw_command *c, const char **pp, size_t *used,
    const struct cw_command_subst *subst, size_t nsubst, const char *what,
    char *err, size_t errlen)
{
	const char *p = *pp;

	for (; *p != '\0' && *p != ' '; p++) {
		const char *add = p, *v;
		size_t n = 1;

		if (*p == '%') {
			if (p[1] == '%') {
				/* a literal '%' */
			} else if ((v = subst_value(subst, nsubst, p[1])) !=
			    NULL && p[1] != '\0') {
				add = v, n = strlen(v);
			} else {
				snprintf(err, errlen, "%s: '%%%c' is not a "
				    "substitution it knows", what,
				    p[1] != '\0' ? p[1] : ' ');
				return -1;
			}
			p++;
		}
		if (*used + n + 1 >= sizeof(c->buf)) {
			snprintf(err, errlen, "%s too long", what);
			return -1;
		}
		memcpy(c->buf + *used, add, n);
		*used += n;
	}
	c->buf[(*used)++] = '\0';
	*pp = p;
	return 0;
}

static int
resolve_path(struct cw_command *c, const char *what, char *err,
    size_t errlen)
{
	size_t i;

	if (strchr(c->argv[0], '/') != NULL) {
		snprintf(c->path, sizeof(c->path), "%s", c->argv[0]);
		if (access(c->path, X_OK) == 0)
			return 0;
		snprintf(err, errlen, "%s %s: %s", what, c->path,
		    strerror(errno));
		return -1;
	}
	for (i = 0; command_path[i] != NULL; i++) {
		snprintf(c->path, sizeof(c->path), "%s/%s", command_path[i],
		    c->argv[0]);
		if (access(c->path, X_OK) == 0)
			return 0;
	}
	snprintf(err, errlen, "%s %s: not found", what, c->argv[0]);
	return -1;
}

int
cw_command_parse(struct cw_command *c, const char *what, const char *tmpl,
    const struct cw_command_subst *subst, size_t nsubst, char *err,
    size_t errlen)
{
	size_t used = 0, argc = 0;
	const char *p = tmpl;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if (argc == CW_COMMAND_ARGV_MAX) {
			snprintf(err, errlen, "%s too long", what);
			return -1;
		}
		c->argv[argc++] = c->buf + used;
		if (copy_word(c, &p, &used, subst, nsubst, what, err,
		    errlen) < 0)
			return -1;
	}
	c->argv[argc] = NULL;
	if (argc == 0) {
		snprintf(err, errlen, "empty %s", what);
		return -1;
	}
	return resolve_path(c, what, err, errlen);
}

/* In the child, between fork and execve: async-signal-safe calls only. */
__attribute__((noreturn)) static void
exec_child(const struct cw_command *c, const struct cw_command_run *how,
    int in, int devnull, int errfd)
{
	static char *const envp[] = {
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", NULL
	};
	struct sigaction dfl;
	sigset_t none;
	int sig;

	(void)setsid();
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(in, 0) < 0 || dup2(devnull, 1) < 0 || dup2(errfd, 2) < 0)
		_exit(126);
	closefrom(3);
	/* Groups first, then the gid, then the uid: each step needs the
	 * privilege the next one gives up.  Any failure: do not run. */
	if (how->as_user && (setgroups(0, NULL) < 0 ||
	    setresgid(how->gid, how->gid, how->gid) < 0 ||
	    setresuid(how->uid, how->uid, how->uid) < 0))
		_exit(126);
	execve(c->path, c->argv, envp);
	_exit(127);
}

/* Appends what the child wrote to stderr (bounded) to keep. */
static void
drain(int fd, char *keep, size_t *kept)
{
	char buf[512];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		size_t room = CW_COMMAND_STDERR_KEEP - *kept;
		size_t take = (size_t)n < room ? (size_t)n : room;

		memcpy(keep + *kept, buf, take);
		*kept += take;
	}
}

/* Waits for pid until deadline (reading its stderr); kills its process
 * group at the deadline, or as soon as stop_fd is readable.  Returns its
 * wait status, or -1 if it timed out or was stopped (killed) or could not
 * be reaped. */
static int
wait_child(pid_t pid, int errfd, int stop_fd, long long deadline,
    char *keep, size_t *kept, bool *timed_out, bool *stopped)
{
	struct pollfd pfd[2] = {
		{ .fd = errfd, .events = POLLIN },
		{ .fd = stop_fd, .events = POLLIN },
	};
	int status, i;

	*timed_out = *stopped = false;
	while (waitpid(pid, &status, WNOHANG) == 0) {
		long long left = deadline - cw_now_ms();

		if (left <= 0 || (pfd[1].revents & POLLIN)) {
			*timed_out = left <= 0;
			*stopped = !*timed_out;
			kill(-pid, SIGKILL);
			for (i = 0; i < REAP_WAIT_MS / POLL_TICK_MS; i++) {
				if (waitpid(pid, &status, WNOHANG) == pid)
					return -1;
				usleep(POLL_TICK_MS * 1000);
			}
			return -1;
		}
		if (poll(pfd, 2, left < POLL_TICK_MS ? (int)left :
		    POLL_TICK_MS) > 0 && (pfd[0].revents & (POLLIN | POLLHUP)))
			drain(errfd, keep, kept);
	}
	drain(errfd, keep, kept);
	return status;
}

/* Says in note how a command that ran ended, "" when it exited 0. */
static void
describe(const struct cw_command *c, int status, bool timed_out,
    int timeout_ms, const char *keep, size_t kept, char *note,
    size_t notelen)
{
	if (timed_out)
		snprintf(note, notelen, "%s killed after %d ms", c->argv[0],
		    timeout_ms);
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		snprintf(note, notelen, "%s exited %d%s%s", c->argv[0],
		    WEXITSTATUS(status), kept ? ": " : "", keep);
	else if (WIFSIGNALED(status))
		snprintf(note, notelen, "%s killed by signal %d", c->argv[0],
		    WTERMSIG(status));
}

/* Opens stdin for the child: /dev/null, or a pipe already holding input
 * (which fits in the pipe's buffer, so the write cannot block). */
static int
child_input(const struct cw_command_run *how, int devnull, int *in,
    char *note, size_t notelen)
{
	int p[2];

	*in = -1;
	if (how->input == NULL) {
		*in = dup(devnull);
		goto check;
	}
	if (how->input_len > CW_COMMAND_INPUT_MAX) {
		snprintf(note, notelen, "input too long (%zu bytes)",
		    how->input_len);
		return -1;
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		goto check;
	if (write(p[1], how->input, how->input_len) !=
	    (ssize_t)how->input_len) {
		snprintf(note, notelen, "cannot pass the input: %s",
		    strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[1]);
	*in = p[0];
check:
	if (*in < 0) {
		snprintf(note, notelen, "cannot set up the input: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
cw_command_run(const struct cw_command *c, const struct cw_command_run *how,
    char *note, size_t notelen)
{
	char keep[CW_COMMAND_STDERR_KEEP + 1];
	size_t kept = 0;
	int pipefd[2] = { -1, -1 }, devnull = -1, in = -1, status, rc = -1;
	bool timed_out, stopped;
	pid_t pid;

	note[0] = '\0';
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0 || pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0) {
		snprintf(note, notelen, "cannot set up the command: %s",
		    strerror(errno));
		goto out;
	}
	if (child_input(how, devnull, &in, note, notelen) < 0)
		goto out;
	if ((pid = fork()) < 0) {
		snprintf(note, notelen, "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		exec_child(c, how, in, devnull, pipefd[1]);
	close(pipefd[1]);
	pipefd[1] = -1;
	status = wait_child(pid, pipefd[0], how->stop_fd, cw_now_ms() +
	    how->timeout_ms, keep, &kept, &timed_out, &stopped);
	keep[kept] = '\0';
	keep[strcspn(keep, "\r\n")] = '\0';
	rc = 0;
	if (stopped) {
		snprintf(note, notelen, "%s stopped: the daemon is shutting "
		    "down", c->argv[0]);
		rc = -2;
	} else {
		describe(c, status, timed_out, how->timeout_ms, keep, kept,
		    note, notelen);
	}
out:
	if (devnull >= 0)
		close(devnull);
	if (in >= 0)
		close(in);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	return rc;
}
