/* SPDX-License-Identifier: MIT */
/*
 * daemon.h - the one wiring of clearwayd: every subsystem, built in
 * dependency order with what it needs passed at its creation, and torn
 * down in the reverse order.
 *
 *   clients, fds, the applied mark   (no threads)
 *   audit sink                        spool, forwarder, writer threads
 *   deny list, server socket          caller-names thread
 *   revoker                           workers, host thread
 *   sync                              follow, mirror threads
 *   control                           control worker
 *   run: the server loop on the calling thread
 *
 * [daemon] role decides what of it runs (log_role in daemon.c says
 * what, docs/deployment.md why): a host starts no mirror thread, no
 * revoker workers and no audit writer (the configuration has them off,
 * config_role.c), and its peers leave the central role's writes alone.
 *
 * No subsystem is handed a peer after it started, and none is started
 * before what it uses exists.  Peers talk through what the wiring
 * connects (daemon/README.md): doorbells and marks (lib/wake.h), the
 * namebox (lib/namebox.h), the control job queue, the delta queue.
 */
#ifndef CW_DAEMON_H
#define CW_DAEMON_H

#include <stdbool.h>

#include "audit/audit_log.h"
#include "audit/decision_inbox.h"
#include "config.h"
#include "control/control.h"
#include "lib/strmap.h"
#include "lib/wake.h"
#include "revoke/revoker.h"
#include "serve/server.h"
#include "store/redis.h"
#include "store/redis_tls.h"
#include "store/sentinel.h"
#include "store/sentinel_watch.h"
#include "sync/sync.h"

/* Longest Redis password we read (the file is root-only). */
#define CW_REDIS_PASSWORD_MAX 1024

/*
 * Makes Redis clients as the configuration names them: one per thread
 * that talks to Redis.  The password is read once and wiped when the
 * daemon has started (each client keeps its own copy for reconnects).
 */
struct cw_redis_factory {
	const struct cw_config *cfg;
	char password[CW_REDIS_PASSWORD_MAX];
	bool has_password;
	struct cw_redis_tls *tls;       /* [redis] tls; freed after clients */
	/* sentinel:// (store/sentinel.h), its watcher; freed after clients */
	struct cw_sentinel *sentinel;
	struct cw_sentinel_watch *watch;
	bool read_replica;              /* [redis] read_from or read_uri */
	struct cw_redis_addr read_addr; /* [redis] read_uri's */
};

struct cw_daemon {
	struct cw_config *cfg;          /* the caller's; outlives the daemon */
	const char *config_path;        /* for SIGHUP */
	char host[256];
	struct cw_redis_factory factory;
	int sig_fd, wake_fd;            /* TERM/INT/HUP; deltas waiting */
	struct cw_redis *follow_redis, *mirror_redis, *writer_redis;
	struct cw_redis *control_redis;
	struct cw_mark applied;        /* server -> control */
	struct cw_audit_log *audit;
	struct cw_decision_inbox *inbox;        /* the module's decisions */
	struct cw_strmap denylist;      /* until the server takes it */
	struct cw_server *srv;
	struct cw_revoker *revoker;
	struct cw_sync sync;
	bool sync_started;
	struct cw_control *control;
};

/*
 * Builds everything but the server loop.  -1 with err on failure; in
 * every case cw_daemon_teardown() undoes what was built.
 */
int cw_daemon_build(struct cw_daemon *d, struct cw_config *cfg,
    const char *config_path, char *err, size_t errlen);

/* Serves until TERM or INT; 0, or -1 when the loop failed. */
int cw_daemon_run(struct cw_daemon *d);

/* Stops and frees what was built, in the reverse order. */
void cw_daemon_teardown(struct cw_daemon *d);

#endif
