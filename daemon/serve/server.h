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

#include "config.h"
#include "control/control.h"
#include "lib/strmap.h"
#include "lib/wake.h"
#include "sync/sync.h"

struct cw_server;

/* What the server is given at open (daemon.c), all of it before it runs. */
struct cw_server_deps {
	const char *config_path;        /* where SIGHUP re-reads it from */
	struct cw_strmap *denylist;     /* taken: used until data loads */
	struct cw_mark *applied;       /* set to each generation applied */
};

/*
 * Creates the socket at [daemon] socket: its directory is created root-only
 * writable if missing and refused if anyone but root can write to it; the
 * socket itself is 0666 (access is decided per request, by peer uid).
 */
struct cw_server *cw_server_open(struct cw_config *cfg,
    const struct cw_server_deps *deps, char *err, size_t errlen);

/*
 * Serves until a signal arrives on signal_fd (a signalfd); snapshots are
 * taken from sync whenever wake_fd (an eventfd) fires, and changes are
 * handed to control.  0 or -1.
 */
int cw_server_run(struct cw_server *srv, struct cw_control *control,
    struct cw_sync *sync, int wake_fd, int signal_fd);

void cw_server_close(struct cw_server *srv);

#endif
