/* SPDX-License-Identifier: MIT */
/*
 * daemon.c - the wiring (see daemon.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "config_file.h"
#include "daemon.h"
#include "audit/events.h"
#include "lib/log.h"
#include "model/denylist.h"
#include "paths.h"

static int
factory_init(struct cw_redis_factory *f, const struct cw_config *cfg,
    char *err, size_t errlen)
{
	memset(f, 0, sizeof(*f));
	f->cfg = cfg;
	if (cw_redis_tls_from_config(cfg, &f->tls, err, errlen) < 0 ||
	    cw_redis_fleet_init(f, cfg, err, errlen) < 0)
		return -1;
	if (cfg->redis.password_file == NULL)
		return 0;
	if (cw_secret_read(cfg->redis.password_file, f->password,
	    sizeof(f->password), err, errlen) < 0)
		return -1;
	f->has_password = true;
	return 0;
}

static void
client_options(const struct cw_redis_factory *f, struct cw_redis_options *o)
{
	const struct cw_config *cfg = f->cfg;

	memset(o, 0, sizeof(*o));
	o->password = f->has_password ? f->password : NULL;
	if (cfg->redis.socket != NULL) {
		o->transport = &cw_redis_transport_unix;
		o->where = cfg->redis.socket;
	} else {
		o->transport = f->tls != NULL ? &cw_redis_transport_tls :
		    &cw_redis_transport_tcp;
		o->transport_arg = f->tls;
		o->where = cfg->redis.host;
		o->port = cfg->redis.port;
	}
	o->user = cfg->redis.user;
	o->timeout_ms = cfg->redis.timeout_ms;
	cw_redis_fleet_options(f, o, false);
}

static struct cw_redis *
new_client(void *arg)
{
	struct cw_redis_options o;

	client_options(arg, &o);
	return cw_redis_new(&o);
}

/* The follow connection: a reader ([redis] read_from, read_uri). */
static struct cw_redis *
new_reader(struct cw_redis_factory *f)
{
	struct cw_redis_options o;

	client_options(f, &o);
	cw_redis_fleet_options(f, &o, true);
	return cw_redis_new(&o);
}

/*
 * The deny list persisted by the last run: until policy data loads, the
 * users in it are denied as revoked rather than "unavailable".  A file
 * that is damaged stops the daemon: guessing could let a leaver in.
 */
static int
load_denylist(struct cw_daemon *d, char *err, size_t errlen)
{
	const struct cw_config *cfg = d->cfg;
	char path[512], why[256];

	if (mkdir(cfg->daemon.state_dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", cfg->daemon.state_dir,
		    strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/revoked.list", cfg->daemon.state_dir);
	if (cw_denylist_load(path, &d->denylist, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "deny list %.200s: %.200s (fix or remove "
		    "it knowingly: it keeps revoked users out)", path, why);
		return -1;
	}
	if (d->denylist.count > 0)
		cw_info("deny list: %zu revoked users denied until policy data "
		    "loads", d->denylist.count);
	return 0;
}

/* TERM/INT/HUP arrive on a signalfd so the poll loop sees them in turn. */
static int
signal_fd_open(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* What has no thread: the secrets, the clients, the fds. */
static int
build_base(struct cw_daemon *d, char *err, size_t errlen)
{
	if (gethostname(d->host, sizeof(d->host)) < 0)
		snprintf(d->host, sizeof(d->host), "unknown");
	d->host[sizeof(d->host) - 1] = '\0';
	if (factory_init(&d->factory, d->cfg, err, errlen) < 0)
		return -1;
	/* One connection per thread that talks to Redis (the mirror's is
	 * never opened on a daemon that does not sync: clients connect on
	 * first use). */
	if ((d->follow_redis = new_reader(&d->factory)) == NULL ||
	    (d->mirror_redis = new_client(&d->factory)) == NULL ||
	    (d->writer_redis = new_client(&d->factory)) == NULL ||
	    (d->control_redis = new_client(&d->factory)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((d->sig_fd = signal_fd_open()) < 0 ||
	    (d->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		snprintf(err, errlen, "signalfd/eventfd: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The audit sink first: every thread emits events, so it is set before
 * any of them starts (none is lost, and the sink is written while no
 * other thread can read it).
 */
static int
build_audit(struct cw_daemon *d, char *err, size_t errlen)
{
	struct cw_redis_options o;

	client_options(&d->factory, &o);
	if ((d->audit = cw_audit_log_start(d->cfg, &o, d->host, err,
	    errlen)) == NULL)
		return -1;
	cw_events_init(d->audit);
	/* Next: it emits the decisions modules took from the answer table,
	 * and reads what an earlier run left before anything is answered. */
	if ((d->inbox = cw_decision_inbox_start(d->cfg->audit.spool_dir, err,
	    errlen)) == NULL)
		return -1;
	return 0;
}

/*
 * What each [daemon] role runs (docs/deployment.md).  The configuration
 * has already turned off, or refused, what a host never runs
 * (config_role.c): the mirror (ldap_sync), the revoker workers with the
 * promoter and the deadline watch (revocation_workers), filing leavers
 * (revoke_leavers), the audit writer.  Below them, a host also leaves to
 * the central role the writes its Redis user may not make: elevation
 * expiry (control.c), the store's epoch and re-assertions after a loss
 * (store_guard.c, read-only), the queue's record of its session ends
 * (revoker.c: the audit trail has them), and the CLI's write commands
 * (handlers.c answers them with where they are served).
 */
static void
log_role(const struct cw_config *cfg)
{
	if (cfg->daemon.role == CW_ROLE_HOST)
		cw_info("role host: decisions, deny-list, session ends, audit "
		    "spool and forwarder; reads Redis only (no LDAP sync, no "
		    "revocation workers, no elevation expiry, no audit "
		    "writer, the CLI's writes served by a central daemon)");
	else
		cw_info("role %s: LDAP sync %s, %d revocation workers, audit "
		    "writer %s", cw_role_name(cfg->daemon.role),
		    cfg->daemon.ldap_sync ? "on" : "off",
		    cfg->daemon.revocation_workers,
		    cfg->audit.writer ? "on" : "off");
}

/*
 * The peers, each given at its start what it talks to: the revoker (its
 * doorbell and inbox exist once it does), the sync (which puts the newly
 * revoked in the revoker's inbox), the control worker (which rings the
 * sync's and the revoker's doorbells and waits on the server's mark).
 */
static int
build_peers(struct cw_daemon *d, char *err, size_t errlen)
{
	struct cw_control_links links;

	log_role(d->cfg);
	if ((d->revoker = cw_revoker_start(d->cfg, new_client, &d->factory,
	    d->host, err, errlen)) == NULL)
		return -1;
	if (cw_sync_start(&d->sync, d->cfg, d->follow_redis, d->mirror_redis,
	    d->writer_redis, cw_revoker_inbox(d->revoker), d->wake_fd, err,
	    errlen) < 0)
		return -1;
	d->sync_started = true;
	links.applied = &d->applied;
	links.reread = cw_sync_bell(&d->sync);
	links.revq = cw_revoker_bell(d->revoker);
	links.filed = cw_sync_filed;
	links.filed_arg = &d->sync;
	links.dropped = cw_sync_dropped;
	links.suspended = cw_sync_suspended;
	if ((d->control = cw_control_start(d->cfg, d->control_redis, &links,
	    err, errlen)) == NULL)
		return -1;
	return 0;
}

int
cw_daemon_build(struct cw_daemon *d, struct cw_config *cfg,
    const char *config_path, char *err, size_t errlen)
{
	struct cw_server_deps deps;

	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	d->config_path = config_path;
	d->sig_fd = d->wake_fd = -1;
	cw_mark_init(&d->applied);
	cw_strmap_init(&d->denylist);
	if (build_base(d, err, errlen) < 0 || build_audit(d, err, errlen) < 0 ||
	    load_denylist(d, err, errlen) < 0)
		return -1;
	deps.config_path = config_path;
	deps.denylist = &d->denylist;
	deps.applied = &d->applied;
	if ((d->srv = cw_server_open(cfg, &deps, err, errlen)) == NULL ||
	    build_peers(d, err, errlen) < 0)
		return -1;
	explicit_bzero(&d->factory.password, sizeof(d->factory.password));
	return 0;
}

int
cw_daemon_run(struct cw_daemon *d)
{
	int rc;

	cw_ev_daemon(CW_AUDIT_DAEMON_START, CW_VERSION);
	cw_info("clearwayd %s: role %s, listening on %s", CW_VERSION,
	    cw_role_name(d->cfg->daemon.role), d->cfg->daemon.socket);
	sd_notifyf(0, "READY=1\nSTATUS=listening on %s", d->cfg->daemon.socket);
	rc = cw_server_run(d->srv, d->control, &d->sync, d->wake_fd,
	    d->sig_fd);
	sd_notify(0, "STOPPING=1");
	cw_debug("stopping: the server loop has ended");
	return rc == 0 ? 0 : -1;
}

void
cw_daemon_teardown(struct cw_daemon *d)
{
	long long t0 = cw_now_ms();

	explicit_bzero(&d->factory.password, sizeof(d->factory.password));
	/* Users first: the control worker rings the sync and the revoker,
	 * the sync hands newly revoked users to the revoker. */
	cw_control_stop(d->control);
	cw_debug("stopping: control %lld ms", cw_now_ms() - t0);
	if (d->sync_started)
		cw_sync_stop(&d->sync);
	cw_debug("stopping: sync %lld ms", cw_now_ms() - t0);
	cw_revoker_stop(d->revoker);
	cw_debug("stopping: revoker %lld ms", cw_now_ms() - t0);
	cw_server_close(d->srv);
	cw_strmap_clear(&d->denylist, NULL);
	/* With the answer table gone, no module adds to the inbox: read it
	 * once more while the pipeline still takes events. */
	cw_decision_inbox_stop(d->inbox);
	/* Last, so that what the others did on the way out is recorded.  A
	 * start that failed before the socket opened (a damaged deny list,
	 * a socket path that is not ours) records no stop, as it never has. */
	if (d->audit != NULL) {
		if (d->srv != NULL)
			cw_ev_daemon(CW_AUDIT_DAEMON_STOP, CW_VERSION);
		cw_events_init(NULL);
		cw_audit_log_stop(d->audit);
		cw_debug("stopping: audit %lld ms", cw_now_ms() - t0);
	}
	if (d->wake_fd >= 0)
		close(d->wake_fd);
	if (d->sig_fd >= 0)
		close(d->sig_fd);
	cw_redis_free(d->follow_redis);
	cw_redis_free(d->mirror_redis);
	cw_redis_free(d->writer_redis);
	cw_redis_free(d->control_redis);
	/* After every client that used it (the revoker's and the audit
	 * pipeline's are gone by now too). */
	cw_redis_fleet_free(&d->factory);
	cw_redis_tls_free(d->factory.tls);
	d->factory.tls = NULL;
	cw_mark_destroy(&d->applied);
}
