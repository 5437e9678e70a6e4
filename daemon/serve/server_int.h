/* SPDX-License-Identifier: MIT */
/*
 * server_int.h - what server.c (the poll loop: reading, answering,
 * admitting connections) and server_open.c (the sockets and the fd
 * budget, at start and stop) share.  Not for other callers: server.h is
 * the interface.
 */
#ifndef CW_SERVER_INT_H
#define CW_SERVER_INT_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/un.h>

#include "serve/answer_wait.h"
#include "serve/answers.h"
#include "serve/caller_names.h"
#include "serve/ratelimit.h"
#include "serve/server.h"
#include "wire.h"

/*
 * Logons first (issue 10): root's connections are the PAM stacks, and
 * they must get an answer within the module's timeout whatever local users
 * do.  So unprivileged callers are bounded in everything they can make
 * this thread hold or do: a share of the slots (the rest is kept for
 * root, and a root caller with no free slot takes the oldest non-root
 * one), a few connections and change jobs per uid, a short idle timeout,
 * a request rate per uid, and no NSS lookup on this thread (their names
 * are resolved by caller_names.c while the request waits).
 */

/* A request is a few hundred bytes; a client slower than this is gone. */
#define CONN_TIMEOUT_MS 5000
#define CONN_TIMEOUT_NONROOT_MS 2000
/* Connections plus change jobs one non-root uid may hold. */
#define PER_UID_MAX 8
/* Slots kept for root: a quarter of them, within these bounds. */
#define ROOT_RESERVE_MIN 1
#define ROOT_RESERVE_MAX 64
/* Requests a second one non-root uid may make, and its burst. */
#define NONROOT_RATE_PER_S 20
#define NONROOT_BURST 40
/*
 * Listen backlogs.  Root's (the PAM stacks) as long as the kernel allows,
 * for a burst of logons.  The public one short: a flood keeps it full
 * whatever its length, and a well-behaved caller whose connect has
 * waited for room (client.c) should then wait behind few others.
 */
#define ROOT_BACKLOG SOMAXCONN
#define PUBLIC_BACKLOG 64
/* Connections accepted per pass, so a connect flood cannot starve the rest. */
#define ACCEPT_BATCH 64
/* After EMFILE/ENFILE, rest the listener this long (not a busy loop). */
#define ACCEPT_PAUSE_MS 100
/*
 * The fd limit is raised toward its hard limit, to at most this; the
 * other threads' files (Redis, LDAP, spool, trail, eventfds, a step's
 * child) are budgeted at FD_OTHERS, the change worker's jobs at
 * CW_CONTROL_QUEUE_MAX, and max_clients is lowered to what is left.
 */
#define FD_LIMIT_CAP 8192
#define FD_OTHERS 128
/* Fixed poll slots before the connections. */
enum {
	PFD_LISTEN,             /* the public socket */
	PFD_ROOT,               /* the root socket (client.h) */
	PFD_WAKE,
	PFD_SIGNAL,
	PFD_NAMES,
	FIXED_SLOTS
};

struct conn {
	int fd;                         /* -1: slot free */
	uid_t uid;
	pid_t pid;
	long long deadline;
	unsigned char hdr[CW_WIRE_HEADER];
	size_t hdrgot;
	char *body;
	uint32_t bodylen;
	size_t bodygot;
	char *out;                      /* header + payload, once answered */
	size_t outlen, outoff;
	bool naming;                    /* parked: caller's name looked up */
};

struct cw_server {
	struct cw_config *cfg;          /* [policy] swapped on SIGHUP */
	int listen_fd;
	int root_fd;                    /* mode 0600: root's own way in */
	char *path;
	char root_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct conn *conns;
	size_t nconns;                  /* slots, = max_clients */
	struct pollfd *pfds;
	struct cw_db *db;               /* NULL until the first load */
	struct cw_sync *sync;
	struct cw_control *control;
	struct cw_mark *applied;        /* generation of db, for control.c */
	struct cw_strmap denylist;      /* until db loads (main.c) */
	const char *config_path;        /* for SIGHUP */
	size_t nonroot_max;             /* slots non-root callers may hold */
	struct cw_caller_names *names;
	struct cw_ratelimit rate;       /* non-root requests, per uid */
	long long accept_paused_until;
	long long busy_logged_at;       /* turn-aways: one log line a second */
	unsigned long busy_count;
	char *busy_frame;               /* the answer to those turned away */
	size_t busy_len;
	struct cw_answer_wait wait;     /* answer_wait.h */
	struct cw_answers *answers;     /* answers.h; NULL: none */
};

/* Closes c and frees what it holds; the slot is free again. */
void serve_conn_close(struct conn *c);

#endif
