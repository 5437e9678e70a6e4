/* SPDX-License-Identifier: MIT */
/*
 * notify.c - the notifier thread (see notify.h).
 */
#include <errno.h>
#include <pthread.h>
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "lib/command.h"
#include "lib/log.h"
#include "lib/wake.h"
#include "notify/notify.h"
#include "store/redis.h"

#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 60000

struct item {
	struct item *next;
	enum cw_audit_type type;
	int attempts;
	long long not_before;           /* cw_now_ms() */
	size_t len;
	char line[];
};

struct cw_notify {
	struct cw_command cmd;
	struct cw_command_run how;
	int retries;
	pthread_t thread;
	bool started;
	int stop_fd;                    /* eventfd: kills a running command */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stopping;
	struct item *head, *tail;       /* FIFO; retries go to the tail */
	size_t count;
	long long last_drop_log;
};

bool
cw_notify_wants(enum cw_audit_type type)
{
	switch (type) {
	case CW_AUDIT_BREAKGLASS:
	case CW_AUDIT_REVOCATION_DEADLINE_WARNING:
	case CW_AUDIT_REVOCATION_DEADLINE_MISSED:
	case CW_AUDIT_REVOCATION_DEAD_LETTERED:
	case CW_AUDIT_ANOMALY_ALERT:
	case CW_AUDIT_ACCESS_REQUESTED:
	case CW_AUDIT_ACCESS_APPROVED:
	case CW_AUDIT_ACCESS_REJECTED:
	case CW_AUDIT_ACCESS_EXPIRED:
		return true;
	default:
		return false;
	}
}

/* Appends it (lock held). */
static void
push_tail(struct cw_notify *n, struct item *it)
{
	it->next = NULL;
	if (n->tail != NULL)
		n->tail->next = it;
	else
		n->head = it;
	n->tail = it;
	n->count++;
}

/* Removes and returns the head (lock held, queue not empty). */
static struct item *
pop_head(struct cw_notify *n)
{
	struct item *it = n->head;

	n->head = it->next;
	if (n->head == NULL)
		n->tail = NULL;
	n->count--;
	return it;
}

void
cw_notify_offer(struct cw_notify *n, enum cw_audit_type type,
    const char *line, size_t len)
{
	struct item *it, *dropped = NULL;
	bool say = false;
	long long now;

	if (n == NULL || !cw_notify_wants(type) || len == 0 ||
	    len > CW_COMMAND_INPUT_MAX)
		return;
	if ((it = malloc(sizeof(*it) + len)) == NULL) {
		cw_log(LOG_ERR, "notify: out of memory; a %s notification "
		    "is lost (the audit trail has the event)",
		    cw_audit_type_name(type));
		return;
	}
	it->type = type;
	it->attempts = 0;
	it->not_before = 0;
	it->len = len;
	memcpy(it->line, line, len);
	now = cw_now_ms();
	pthread_mutex_lock(&n->lock);
	if (n->count >= CW_NOTIFY_QUEUE_MAX)
		dropped = pop_head(n);
	push_tail(n, it);
	pthread_cond_signal(&n->cond);
	/* Logged at most once a second: a burst must not flood the log. */
	if (dropped != NULL && now - n->last_drop_log >= 1000) {
		n->last_drop_log = now;
		say = true;
	}
	pthread_mutex_unlock(&n->lock);
	if (say)
		cw_log(LOG_WARNING, "notify: %d notifications waiting: the "
		    "oldest (%s) is dropped (the audit trail has it)",
		    CW_NOTIFY_QUEUE_MAX, cw_audit_type_name(dropped->type));
	free(dropped);
}

/*
 * Waits (lock held) for an item whose time has come; NULL when stopping.
 * The queue is short (CW_NOTIFY_QUEUE_MAX), so a scan is cheap.
 */
static struct item *
next_due(struct cw_notify *n)
{
	for (;;) {
		struct item *it, *prev = NULL;
		long long now = cw_now_ms(), wake = now + BACKOFF_MAX_MS;

		if (n->stopping)
			return NULL;
		for (it = n->head; it != NULL; prev = it, it = it->next) {
			if (it->not_before <= now) {
				if (prev != NULL)
					prev->next = it->next;
				else
					n->head = it->next;
				if (n->tail == it)
					n->tail = prev;
				n->count--;
				return it;
			}
			if (it->not_before < wake)
				wake = it->not_before;
		}
		cw_wake_wait_until(&n->cond, &n->lock, wake);
	}
}

/* Runs the command for it; true when it was delivered (or must not be
 * tried again because we are stopping). */
static bool
deliver(struct cw_notify *n, struct item *it)
{
	char note[CW_COMMAND_STDERR_KEEP + 128];
	struct cw_command_run how = n->how;
	int rc;

	how.input = it->line;
	how.input_len = it->len;
	rc = cw_command_run(&n->cmd, &how, note, sizeof(note));
	if (rc == 0 && note[0] == '\0')
		return true;
	if (rc == -2)
		return true;
	it->attempts++;
	if (it->attempts > n->retries) {
		cw_log(LOG_ERR, "notify: %s notification given up after %d "
		    "attempts: %s", cw_audit_type_name(it->type), it->attempts,
		    note);
		return true;
	}
	cw_log(LOG_WARNING, "notify: %s notification failed (attempt %d of "
	    "%d), will retry: %s", cw_audit_type_name(it->type), it->attempts,
	    n->retries + 1, note);
	return false;
}

static void *
notify_main(void *arg)
{
	struct cw_notify *n = arg;
	struct item *it;

	pthread_setname_np(pthread_self(), "cw-notify");
	pthread_mutex_lock(&n->lock);
	while ((it = next_due(n)) != NULL) {
		long long backoff;

		pthread_mutex_unlock(&n->lock);
		if (deliver(n, it)) {
			free(it);
			pthread_mutex_lock(&n->lock);
			continue;
		}
		backoff = (long long)BACKOFF_FIRST_MS << (it->attempts - 1 < 6 ?
		    it->attempts - 1 : 6);
		it->not_before = cw_now_ms() + (backoff < BACKOFF_MAX_MS ?
		    backoff : BACKOFF_MAX_MS);
		pthread_mutex_lock(&n->lock);
		push_tail(n, it);
	}
	pthread_mutex_unlock(&n->lock);
	return NULL;
}

/* The uid and gid of notify_user, looked up once here: never in the
 * child between fork and exec. */
static int
resolve_user(const char *name, struct cw_command_run *how, char *err,
    size_t errlen)
{
	struct passwd pw, *found = NULL;
	char buf[16384];
	int rc = getpwnam_r(name, &pw, buf, sizeof(buf), &found);

	if (rc != 0 || found == NULL) {
		snprintf(err, errlen, "[daemon] notify_user %s: %s", name,
		    rc != 0 ? strerror(rc) : "no such user");
		return -1;
	}
	if (pw.pw_uid == 0) {
		snprintf(err, errlen, "[daemon] notify_user %s is root: the "
		    "notifier must run unprivileged", name);
		return -1;
	}
	how->as_user = true;
	how->uid = pw.pw_uid;
	how->gid = pw.pw_gid;
	return 0;
}

/*
 * Dropping to notify_user takes CAP_SETUID and CAP_SETGID.  The shipped
 * unit leaves them out of the bounding set (least privilege where no one
 * is notified): refuse to start rather than fail every notification.
 */
static int
check_can_drop(char *err, size_t errlen)
{
	if (prctl(PR_CAPBSET_READ, CAP_SETUID, 0, 0, 0) == 1 &&
	    prctl(PR_CAPBSET_READ, CAP_SETGID, 0, 0, 0) == 1)
		return 0;
	snprintf(err, errlen, "[daemon] notify_command runs as notify_user, "
	    "which needs CAP_SETUID and CAP_SETGID, and this service's "
	    "capability bounding set lacks them: add the drop-in "
	    "/usr/share/doc/clearway/examples/systemd/notify.conf "
	    "(systemctl edit clearwayd)");
	return -1;
}

struct cw_notify *
cw_notify_start(const struct cw_config *cfg, char *err, size_t errlen)
{
	struct cw_notify *n;

	err[0] = '\0';
	if (cfg->daemon.notify_command == NULL)
		return NULL;
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n->stop_fd = -1;
	pthread_mutex_init(&n->lock, NULL);
	cw_wake_cond_init(&n->cond);
	n->retries = cfg->daemon.notify_retries;
	n->how.timeout_ms = cfg->daemon.notify_timeout_ms;
	if (cw_command_parse(&n->cmd, "[daemon] notify_command",
	    cfg->daemon.notify_command, NULL, 0, err, errlen) < 0 ||
	    resolve_user(cfg->daemon.notify_user, &n->how, err, errlen) < 0 ||
	    check_can_drop(err, errlen) < 0)
		goto fail;
	if ((n->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto fail;
	}
	n->how.stop_fd = n->stop_fd;
	if ((errno = pthread_create(&n->thread, NULL, notify_main, n)) != 0) {
		snprintf(err, errlen, "notify thread: %s", strerror(errno));
		goto fail;
	}
	n->started = true;
	return n;
fail:
	cw_notify_stop(n);
	return NULL;
}

void
cw_notify_stop(struct cw_notify *n)
{
	struct item *it;
	uint64_t one = 1;

	if (n == NULL)
		return;
	pthread_mutex_lock(&n->lock);
	n->stopping = true;
	pthread_cond_signal(&n->cond);
	pthread_mutex_unlock(&n->lock);
	if (n->stop_fd >= 0 && write(n->stop_fd, &one, sizeof(one)) < 0)
		cw_log(LOG_ERR, "notify: eventfd: %s", strerror(errno));
	if (n->started)
		pthread_join(n->thread, NULL);
	if (n->count > 0)
		cw_log(LOG_WARNING, "notify: stopping with %zu notifications "
		    "not delivered (the audit trail has them)", n->count);
	while ((it = n->head) != NULL) {
		n->head = it->next;
		free(it);
	}
	if (n->stop_fd >= 0)
		close(n->stop_fd);
	pthread_cond_destroy(&n->cond);
	pthread_mutex_destroy(&n->lock);
	free(n);
}
