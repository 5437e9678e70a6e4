/* SPDX-License-Identifier: MIT */
/*
 * fast_answer.h - the module's side of the answer table
 * (core/answer_table.h): take clearwayd's earlier answer to this very
 * question while it holds, and leave the decision's record in the
 * daemon's inbox (core/decision_line.h) before using it.
 *
 * Only as root (the table and the inbox are root's alone), only while
 * clearwayd holds the table's lock and its heartbeat is recent; anything
 * unexpected (a file of the wrong owner or mode, a torn or stale slot,
 * an inbox that cannot take the line) is a miss, and the caller asks the
 * socket as before.  Bounded: no wait on any lock.
 */
#ifndef CW_FAST_ANSWER_H
#define CW_FAST_ANSWER_H

#include <stdint.h>
#include <sys/types.h>

#include "policy.h"
#include "wire.h"

/* An inbox larger than this is not written (the daemon is behind). */
#define CW_INBOX_MAX_BYTES (64L * 1024 * 1024)

struct cw_fast_answer {
	struct cw_decision decision;
	int64_t training_expires, elevation_ends;
};

/*
 * Answers req (op decide) from the table next to socket_path, recording
 * it in spool_dir's inbox.  0 with *out set, or -1: ask the socket.
 */
int cw_fast_answer(const char *socket_path, const char *spool_dir,
    const struct cw_request *req, struct cw_fast_answer *out);

#endif
