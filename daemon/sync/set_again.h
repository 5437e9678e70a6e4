/* SPDX-License-Identifier: MIT */
/*
 * set_again.h - the elevations this daemon dropped early and the
 * suspensions it set (sync.h's rings), kept in state_dir/set-again.state so
 * that a daemon restarted since still makes them again after a Redis loss.
 */
#ifndef CW_SET_AGAIN_H
#define CW_SET_AGAIN_H

#include <stddef.h>

struct cw_sync;

/*
 * Before the threads start: fills s's rings from the file (none: empty),
 * leaving out drops older than CW_SYNC_DROP_KEEP_S and suspensions that
 * have ended.  0, or -1 with err naming the file and what is wrong in it.
 */
int cw_set_again_load(struct cw_sync *s, const char *state_dir, char *err,
    size_t errlen);

/*
 * Writes s's rings to the file (atomically, mode 0600), after a change to
 * them; a failure is logged, and the next change writes them all again.
 * Thread-safe: takes the rings under s's lock, writes without it.
 */
void cw_set_again_save(struct cw_sync *s);

/* After the threads have stopped. */
void cw_set_again_free(struct cw_sync *s);

#endif
