/* SPDX-License-Identifier: MIT */
/*
 * mirror_writer.h - the mirror's Redis writes of its persist phase, on a
 * thread and a connection of their own.
 *
 * Why: a staff change that denies is handed to the server the moment the
 * mirror thread reads it (early_deny.h), but a thread that is itself
 * waiting for Redis to write and fsync the previous batch (2-7 ms with
 * appendfsync always) reads nothing meanwhile.  HR filing a list of
 * leavers made every other one wait that long (docs/performance.md).  So
 * the mirror thread hands each batch over and goes back to reading the
 * directory; the writer writes it.  One batch at a time and in order: the
 * next is handed over only once the last one's result was taken, so the
 * cookie a batch carries always covers it and every batch before.
 *
 * The writer's store (its own connection) carries a copy of the lease's
 * token taken at each hand-over; a write refused by the fence only says
 * so in the result, and the mirror thread tells the lease
 * (cw_lease_refused) when it takes it.  Owned by the mirror thread,
 * which alone calls these functions.
 */
#ifndef CW_MIRROR_WRITER_H
#define CW_MIRROR_WRITER_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

struct cw_mirror_writer;

/*
 * Starts the thread, writing through st (the writer's own connection,
 * its lease and mirror_seq set by cw_mirror_writer_put).  NULL with err.
 */
struct cw_mirror_writer *cw_mirror_writer_start(struct cw_store *st,
    char *err, size_t errlen);

/* An eventfd that becomes readable when a batch's result can be taken. */
int cw_mirror_writer_fd(const struct cw_mirror_writer *w);

/* True from a hand-over until its result is taken. */
bool cw_mirror_writer_busy(const struct cw_mirror_writer *w);

/*
 * Hands over a batch: c[0..n), the cookie op and the cookie's bytes (the
 * caller keeps both alive and untouched until the result is taken),
 * fenced by lease's token now and *mirror_seq (which the writer advances
 * on success; the caller reads it only once the result is taken).  0, or
 * -1 when busy.
 */
int cw_mirror_writer_put(struct cw_mirror_writer *w,
    const struct cw_store_change *c, size_t n, enum cw_cookie_op op,
    const char *cookie, size_t cookie_len, const struct cw_lease *lease,
    long long *mirror_seq);

/*
 * The result of the batch handed over, if it is in: 1 with *gen the
 * generation written (or -1 with err filled: the write failed), 0 when
 * none is in yet (or none was handed over).  Clears busy.
 */
int cw_mirror_writer_take(struct cw_mirror_writer *w, long long *gen,
    char *err, size_t errlen);

/* Waits for the batch in flight, if any (bounded by the store's
 * timeout), then its result as cw_mirror_writer_take. */
int cw_mirror_writer_settle(struct cw_mirror_writer *w, long long *gen,
    char *err, size_t errlen);

/* Stops the thread after the batch in flight; NULL is fine. */
void cw_mirror_writer_stop(struct cw_mirror_writer *w);

#endif
