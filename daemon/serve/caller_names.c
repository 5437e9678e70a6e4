/* SPDX-License-Identifier: MIT */
/*
 * caller_names.c - uid -> login name, resolved by a thread of its own
 * (see caller_names.h).
 */
#include <errno.h>
#include <pthread.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "serve/caller_names.h"
#include "lib/wake.h"

enum slot_state { SLOT_FREE = 0, SLOT_PENDING, SLOT_NAMED, SLOT_UNNAMED };

struct name_slot {
	enum slot_state state;
	uid_t uid;
	long long expires_ms;
	long long used_ms;              /* for eviction */
	char name[CW_USER_MAX + 1];
};

struct cw_caller_names {
	pthread_t thread;
	struct cw_wake wake;            /* its lock guards the slots too */
	bool exited;                    /* the thread has left its loop */
	int efd;
	size_t npending;
	struct name_slot slot[CW_NAMES_SLOTS];
};

/* One NSS lookup, without the lock held: this is the call that may stall. */
static bool
lookup(uid_t uid, char name[CW_USER_MAX + 1])
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || res == NULL ||
	    !cw_user_name_valid(pw.pw_name, strlen(pw.pw_name)))
		return false;
	snprintf(name, CW_USER_MAX + 1, "%s", pw.pw_name);
	return true;
}

static struct name_slot *
next_pending(struct cw_caller_names *n)
{
	size_t i;

	for (i = 0; i < CW_NAMES_SLOTS; i++)
		if (n->slot[i].state == SLOT_PENDING)
			return &n->slot[i];
	return NULL;
}

static void *
names_main(void *arg)
{
	struct cw_caller_names *n = arg;
	char name[CW_USER_MAX + 1];
	struct name_slot *s;
	uint64_t one = 1;
	uid_t uid;
	bool found;

	pthread_setname_np(pthread_self(), "cw-names");
	pthread_mutex_lock(&n->wake.lock);
	while (!n->wake.stop) {
		if ((s = next_pending(n)) == NULL) {
			cw_wake_wait_until(&n->wake.cond, &n->wake.lock,
			    cw_now_ms() + 1000);
			continue;
		}
		uid = s->uid;
		pthread_mutex_unlock(&n->wake.lock);
		found = lookup(uid, name);
		pthread_mutex_lock(&n->wake.lock);
		/* The slot is ours while pending: nothing evicts those. */
		s->state = found ? SLOT_NAMED : SLOT_UNNAMED;
		snprintf(s->name, sizeof(s->name), "%s", found ? name : "");
		s->expires_ms = cw_now_ms() + (found ? CW_NAMES_TTL_MS :
		    CW_NAMES_NEG_TTL_MS);
		n->npending--;
		if (write(n->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			break;
	}
	n->exited = true;
	pthread_cond_broadcast(&n->wake.cond);
	pthread_mutex_unlock(&n->wake.lock);
	return NULL;
}

struct cw_caller_names *
cw_caller_names_start(char *err, size_t errlen)
{
	struct cw_caller_names *n = calloc(1, sizeof(*n));
	int rc;

	if (n == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((n->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		free(n);
		return NULL;
	}
	cw_wake_init(&n->wake);
	if ((rc = pthread_create(&n->thread, NULL, names_main, n)) != 0) {
		snprintf(err, errlen, "cannot start the name lookup thread: %s",
		    strerror(rc));
		cw_wake_destroy(&n->wake);
		close(n->efd);
		free(n);
		return NULL;
	}
	return n;
}

int
cw_caller_names_fd(const struct cw_caller_names *n)
{
	return n->efd;
}

void
cw_caller_names_ack(struct cw_caller_names *n)
{
	uint64_t count;

	if (read(n->efd, &count, sizeof(count)) < 0)
		return;         /* EAGAIN: nothing was pending */
}

/* uid's slot, or the one it may take (free, or least recently used). */
static struct name_slot *
slot_for(struct cw_caller_names *n, uid_t uid)
{
	struct name_slot *s, *victim = NULL;
	size_t i;

	for (i = 0; i < CW_NAMES_SLOTS; i++) {
		s = &n->slot[i];
		if (s->state != SLOT_FREE && s->uid == uid)
			return s;
		if (s->state == SLOT_PENDING)
			continue;
		if (victim == NULL || s->state == SLOT_FREE ||
		    (victim->state != SLOT_FREE && s->used_ms < victim->used_ms))
			victim = s;
	}
	return victim;
}

enum cw_name_answer
cw_caller_names_get(struct cw_caller_names *n, uid_t uid, long long now_ms,
    char name[CW_USER_MAX + 1])
{
	enum cw_name_answer a = CW_NAME_BUSY;
	struct name_slot *s;

	name[0] = '\0';
	if (uid == 0) {
		snprintf(name, CW_USER_MAX + 1, "root");
		return CW_NAME_KNOWN;
	}
	pthread_mutex_lock(&n->wake.lock);
	if ((s = slot_for(n, uid)) == NULL)
		goto out;               /* every slot waits on a lookup */
	if (s->state != SLOT_FREE && s->uid == uid && s->state != SLOT_PENDING &&
	    now_ms < s->expires_ms) {
		s->used_ms = now_ms;
		snprintf(name, CW_USER_MAX + 1, "%s", s->name);
		a = s->state == SLOT_NAMED ? CW_NAME_KNOWN : CW_NAME_NONE;
		goto out;
	}
	if (s->state == SLOT_PENDING) {
		a = CW_NAME_WAIT;
		goto out;
	}
	if (n->npending >= CW_NAMES_PENDING_MAX)
		goto out;
	/* New, or expired: (re)ask, and have the caller wait for it. */
	s->state = SLOT_PENDING;
	s->uid = uid;
	s->used_ms = now_ms;
	n->npending++;
	pthread_cond_signal(&n->wake.cond);
	a = CW_NAME_WAIT;
out:
	pthread_mutex_unlock(&n->wake.lock);
	return a;
}

/*
 * Stops the thread.  A lookup stuck in NSS must not hold up the daemon's
 * exit: after STOP_WAIT_MS the thread is left to die with the process
 * (detached, its state not freed, since it still uses it).
 */
#define STOP_WAIT_MS 1000

void
cw_caller_names_stop(struct cw_caller_names *n)
{
	long long until = cw_now_ms() + STOP_WAIT_MS;
	bool exited;

	if (n == NULL)
		return;
	exited = cw_wake_stop_wait(&n->wake, &n->exited, until);
	if (!exited) {
		pthread_detach(n->thread);
		return;
	}
	pthread_join(n->thread, NULL);
	cw_wake_destroy(&n->wake);
	close(n->efd);
	free(n);
}
