/* SPDX-License-Identifier: MIT */
/*
 * sd_notify.h - what systemd hears from the server thread: the watchdog
 * keep-alive (WatchdogSec=), STATUS= with the sync and Redis state, and
 * RELOADING=1 / READY=1 around a SIGHUP reload.
 *
 * The keep-alive comes from the loop that answers PAM, so that a loop that
 * hangs (a deadlock, a blocking call that should not be there) stops it
 * and systemd restarts the daemon; a keep-alive from any other thread
 * would let a hung decision path live on.  Outside systemd (no
 * NOTIFY_SOCKET, no WATCHDOG_USEC) every call does nothing.
 */
#ifndef CW_SD_NOTIFY_H
#define CW_SD_NOTIFY_H

struct cw_sync;

/*
 * Called by the server loop once per turn, before it waits: sends
 * WATCHDOG=1 when half the watchdog interval has passed since the last
 * one, and STATUS= when the state it describes changed (sync may be
 * NULL).  Returns timeout_ms (the loop's own poll timeout) lowered so the
 * loop wakes in time for the next keep-alive.
 */
int cw_sd_loop_tick(struct cw_sync *sync, int timeout_ms);

/* Around a SIGHUP reload: RELOADING=1 (with MONOTONIC_USEC=), READY=1. */
void cw_sd_reloading(void);
void cw_sd_reloaded(void);

#endif
