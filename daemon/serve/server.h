/* SPDX-License-Identifier: MIT */
/*
 * server.h - the local socket that PAM modules and clearwayctl talk to.
 *
 * One thread, one poll() loop, non-blocking sockets with a deadline per
 * connection, so no client (slow, hostile or crashed) can hold up another
 * one's logon.  Each caller is identified by SO_PEERCRED, never by what it
 * claims.
 */
#ifndef CW_SERVER_H
#define CW_SERVER_H

#include <stddef.h>

#include <stdatomic.h>

#include "config.h"
#include "control/control.h"
#include "lib/strmap.h"
#include "sync/sync.h"

struct cw_server;

/*
 * Creates the socket at [daemon] socket: its directory is created root-only
 * writable if missing and refused if anyone but root can write to it; the
 * socket itself is 0666 (access is decided per request, by peer uid).
 */
struct cw_server *cw_server_open(struct cw_config *cfg, char *err,
    size_t errlen);

/* Where SIGHUP re-reads the configuration from. */
void cw_server_set_config_path(struct cw_server *srv, const char *path);

/*
 * Serves until a signal arrives on signal_fd (a signalfd); snapshots are
 * taken from sync whenever wake_fd (an eventfd) fires.  0 or -1.
 */
int cw_server_run(struct cw_server *srv, struct cw_sync *sync, int wake_fd,
    int signal_fd);

/* The generation the server has applied (control.c waits on it). */
_Atomic long long *cw_server_applied(struct cw_server *srv);

/* The persisted deny list (taken), used until policy data loads. */
void cw_server_set_denylist(struct cw_server *srv, struct cw_strmap *m);

/* Where changes go (set before cw_server_run). */
void cw_server_set_control(struct cw_server *srv, struct cw_control *c);

void cw_server_close(struct cw_server *srv);

#endif
