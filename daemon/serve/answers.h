/* SPDX-License-Identifier: MIT */
/*
 * answers.h - the answer table clearwayd publishes for the PAM module
 * (core/answer_table.h says what it is and why).
 *
 * Owned by the server thread: it is the only writer, and the only thread
 * that changes what a decision is made from (the db, the [policy]
 * settings), so it can move the generation on before each change.
 */
#ifndef CW_ANSWERS_H
#define CW_ANSWERS_H

#include <stdbool.h>
#include <stdint.h>

#include "answer_table.h"
#include "policy.h"

/*
 * The heartbeat: written at least this often (the server loop's longest
 * sleep while the table is on: 5 wakeups a second when idle) ...
 */
#define CW_ANSWERS_HEARTBEAT_MS 200
/*
 * ... and trusted this long: a daemon hung longer is asked, and times
 * out.  Under the default client_timeout_ms (1 s), so that a hung daemon
 * is refused from its table sooner than a logon asking it would time out.
 */
#define CW_ANSWERS_ALIVE_MS 500

struct cw_answers;

/*
 * Creates socket_path + CW_ANSWER_SUFFIX afresh (root's, 0600, in the
 * socket's directory, which server_open.c has checked), maps it and takes
 * an exclusive lock on it for the daemon's life: the module reads the
 * lock as "clearwayd is alive".  NULL with err set on failure; the daemon
 * then answers over the socket only.
 */
struct cw_answers *cw_answers_open(const char *socket_path, char *err,
    size_t errlen);

/* Removes the file and releases it: every module asks the socket again. */
void cw_answers_close(struct cw_answers *a);

/*
 * What a decision is made from is about to change: no answer given
 * before is taken again.  Call before the change.
 */
void cw_answers_changed(struct cw_answers *a);

/* The server thread is alive at now_ms (cw_now_ms()). */
void cw_answers_heartbeat(struct cw_answers *a, long long now_ms);

/* An answer to publish, and how long it holds. */
struct cw_answer_pub {
	struct cw_answer_key key;
	struct cw_decision decision;
	int64_t now;                    /* decision instant, Unix s */
	int64_t valid_until;            /* Unix s */
	int64_t mono_until_ms;          /* cw_now_ms() clock */
	int64_t training_expires, elevation_ends;
};

/* Publishes p in its slot (the question's earlier answer, or another's). */
void cw_answers_put(struct cw_answers *a, const struct cw_answer_pub *p);

/* For clearwayctl status: what the table holds (a NULL table: off). */
struct cw_answers_stats {
	bool on;
	unsigned long long published;   /* answers written since start */
	unsigned long long generation;  /* changes of the data since start */
};

void cw_answers_get_stats(const struct cw_answers *a,
    struct cw_answers_stats *out);

#endif
