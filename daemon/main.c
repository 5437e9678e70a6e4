/* SPDX-License-Identifier: MIT */
/*
 * clearwayd - mirrors the directory into Redis and answers logon decisions
 * for this host's PAM stack over a local socket.
 *
 * main() only wires the pieces together: configuration, the Redis client,
 * the sync thread (sync.c) and the decision server (server.c).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "config.h"
#include "config_file.h"
#include "lib/log.h"
#include "paths.h"
#include "store/redis.h"
#include "audit/audit_log.h"
#include "audit/audit_pipeline.h"
#include "model/denylist.h"
#include "audit/events.h"
#include "revoke/revoker.h"
#include "serve/server.h"
#include "sync/sync.h"

/* Longest Redis password we read (the file is root-only). */
#define REDIS_PASSWORD_MAX 1024

static void
usage(FILE *f)
{
	fprintf(f, "usage: clearwayd [-f] [-d] [-t] [-c FILE]\n"
	    "  -c FILE  configuration (default %s)\n"
	    "  -f       stay in the foreground and log to stderr\n"
	    "  -d       debug logging\n"
	    "  -t       check the configuration and exit\n"
	    "  -V       print the version\n", CW_DEFAULT_CONFIG);
}

/*
 * Makes Redis clients as the configuration names them: one per thread
 * that talks to Redis.  The password is read once and wiped when the
 * daemon has started (each client keeps its own copy for reconnects).
 */
struct redis_factory {
	const struct cw_config *cfg;
	char password[REDIS_PASSWORD_MAX];
	bool has_password;
};

static int
factory_init(struct redis_factory *f, const struct cw_config *cfg, char *err,
    size_t errlen)
{
	memset(f, 0, sizeof(*f));
	f->cfg = cfg;
	if (cfg->redis.password_file == NULL)
		return 0;
	if (cw_secret_read(cfg->redis.password_file, f->password,
	    sizeof(f->password), err, errlen) < 0)
		return -1;
	f->has_password = true;
	return 0;
}

static void
client_options(const struct redis_factory *f, struct cw_redis_options *o)
{
	const struct cw_config *cfg = f->cfg;

	memset(o, 0, sizeof(*o));
	o->password = f->has_password ? f->password : NULL;
	if (cfg->redis.socket != NULL) {
		o->transport = &cw_redis_transport_unix;
		o->where = cfg->redis.socket;
	} else {
		o->transport = &cw_redis_transport_tcp;
		o->where = cfg->redis.host;
		o->port = cfg->redis.port;
	}
	o->timeout_ms = cfg->redis.timeout_ms;
}

static struct cw_redis *
new_client(void *arg)
{
	struct cw_redis_options o;

	client_options(arg, &o);
	return cw_redis_new(&o);
}


/*
 * The deny list persisted by the last run: until policy data loads, the
 * users in it are denied as revoked rather than "unavailable".  A file
 * that is damaged stops the daemon: guessing could let a leaver in.
 */
static int
load_denylist(const struct cw_config *cfg, struct cw_server *srv, char *err,
    size_t errlen)
{
	char path[512], why[256];
	struct cw_strmap m;

	if (mkdir(cfg->daemon.state_dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", cfg->daemon.state_dir,
		    strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/revoked.list", cfg->daemon.state_dir);
	cw_strmap_init(&m);
	if (cw_denylist_load(path, &m, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "deny list %.200s: %.200s (fix or remove "
		    "it knowingly: it keeps revoked users out)", path, why);
		cw_strmap_clear(&m, NULL);
		return -1;
	}
	if (m.count > 0)
		cw_info("deny list: %zu revoked users denied until policy data "
		    "loads", m.count);
	cw_server_set_denylist(srv, &m);
	return 0;
}

/*
 * For -t: the secrets the configuration names can be read as the daemon
 * will read them: each file exists, is owned by root and is not
 * accessible to group or others (cw_secret_read() refuses it otherwise),
 * and on the audit writer the key directory is root's alone and holds
 * the current key.  Nothing read is kept or shown.
 */
static int
check_secrets(const struct cw_config *cfg, char *err, size_t errlen)
{
	char secret[REDIS_PASSWORD_MAX], why[256];
	const char *files[2] = { NULL, NULL };
	struct stat st;
	int i, rc = -1;

	if (cfg->ldap.bind_dn != NULL && !cfg->ldap.sasl_external)
		files[0] = cfg->ldap.bind_password_file;
	files[1] = cfg->redis.password_file;
	for (i = 0; i < 2; i++) {
		if (files[i] != NULL && cw_secret_read(files[i], secret,
		    sizeof(secret), why, sizeof(why)) < 0) {
			snprintf(err, errlen, "[%s] %s: %s", i == 0 ? "ldap" :
			    "redis", i == 0 ? "bind_password_file" :
			    "password_file", why);
			goto out;
		}
	}
	if (cfg->audit.writer) {
		if (stat(cfg->audit.key_dir, &st) < 0) {
			snprintf(err, errlen, "[audit] key_dir %s: %s",
			    cfg->audit.key_dir, strerror(errno));
			goto out;
		}
		if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
		    (st.st_mode & S_IRWXO) != 0) {
			snprintf(err, errlen, "[audit] key_dir %s: must be a "
			    "directory owned by root with no access for others",
			    cfg->audit.key_dir);
			goto out;
		}
		if (cw_audit_writer_check(cfg, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "[audit] %s", why);
			goto out;
		}
	}
	rc = 0;
out:
	explicit_bzero(secret, sizeof(secret));
	return rc;
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

struct options {
	const char *config;
	bool foreground, debug, test_only;
};

static int
parse_options(int argc, char **argv, struct options *o)
{
	int ch;

	memset(o, 0, sizeof(*o));
	o->config = CW_DEFAULT_CONFIG;
	while ((ch = getopt(argc, argv, "c:dftVh")) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'd': o->debug = true; break;
		case 'f': o->foreground = true; break;
		case 't': o->test_only = true; break;
		case 'V': printf("clearwayd %s\n", CW_VERSION); exit(0);
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	char err[512], host[256];
	struct cw_server *srv = NULL;
	struct cw_redis *redis = NULL, *redis2 = NULL, *redis3 = NULL;
	struct cw_control *control = NULL;
	struct cw_revoker *revoker = NULL;
	struct cw_audit_log *audit = NULL;
	struct cw_redis_options audit_redis;
	struct redis_factory factory;
	struct cw_config cfg;
	struct cw_sync sync;
	struct options opt;
	int wake_fd = -1, sig_fd = -1, rc = 1;
	long long t0;

	memset(&sync, 0, sizeof(sync));
	memset(&factory, 0, sizeof(factory));
	if (parse_options(argc, argv, &opt) < 0)
		return 2;
	umask(022);
	if (cw_config_load(opt.config, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "clearwayd: %s\n", err);
		return 1;
	}
	if (opt.test_only) {
		rc = check_secrets(&cfg, err, sizeof(err));
		if (rc == 0)
			printf("clearwayd: %s: configuration OK\n", opt.config);
		else
			fprintf(stderr, "clearwayd: %s\n", err);
		cw_config_free(&cfg);
		return rc == 0 ? 0 : 1;
	}
	cw_log_init("clearwayd", opt.foreground, opt.debug);
	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	if (factory_init(&factory, &cfg, err, sizeof(err)) < 0)
		goto fail;
	/* One connection per thread that talks to Redis. */
	if ((redis = new_client(&factory)) == NULL ||
	    (redis2 = new_client(&factory)) == NULL ||
	    (redis3 = new_client(&factory)) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	if ((sig_fd = signal_fd_open()) < 0 ||
	    (wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		snprintf(err, sizeof(err), "signalfd/eventfd: %s",
		    strerror(errno));
		goto fail;
	}
	client_options(&factory, &audit_redis);
	if ((srv = cw_server_open(&cfg, err, sizeof(err))) == NULL ||
	    load_denylist(&cfg, srv, err, sizeof(err)) < 0 ||
	    (audit = cw_audit_log_start(&cfg, &audit_redis, host, err,
	    sizeof(err))) == NULL)
		goto fail;
	/* Before any thread that emits events starts: none is lost, and
	 * the sink is written while no other thread can read it. */
	cw_events_init(audit);
	if ((revoker = cw_revoker_start(&cfg, new_client, &factory, host, err,
	    sizeof(err))) == NULL ||
	    cw_sync_start(&sync, &cfg, redis, redis2, revoker, wake_fd, err,
	    sizeof(err)) < 0 ||
	    (control = cw_control_start(&cfg, redis3, cw_server_applied(srv),
	    revoker, &sync, err, sizeof(err))) == NULL)
		goto fail;
	explicit_bzero(&factory, sizeof(factory));
	cw_server_set_control(srv, control);
	cw_server_set_config_path(srv, opt.config);
	cw_ev_daemon(CW_AUDIT_DAEMON_START, CW_VERSION);
	cw_info("clearwayd %s: listening on %s", CW_VERSION, cfg.daemon.socket);
	sd_notifyf(0, "READY=1\nSTATUS=listening on %s", cfg.daemon.socket);
	rc = cw_server_run(srv, &sync, wake_fd, sig_fd) == 0 ? 0 : 1;
	sd_notify(0, "STOPPING=1");
	cw_debug("stopping: the server loop has ended");
	goto out;
fail:
	cw_err("%s", err);
out:
	explicit_bzero(&factory, sizeof(factory));
	/* Users first: the sync hands newly revoked users to the revoker. */
	t0 = cw_now_ms();
	cw_control_stop(control);
	cw_debug("stopping: control %lld ms", cw_now_ms() - t0);
	cw_sync_stop(&sync);
	cw_debug("stopping: sync %lld ms", cw_now_ms() - t0);
	cw_revoker_stop(revoker);
	cw_debug("stopping: revoker %lld ms", cw_now_ms() - t0);
	cw_server_close(srv);
	/* Last, so that what the others did on the way out is recorded. */
	if (audit != NULL) {
		cw_ev_daemon(CW_AUDIT_DAEMON_STOP, CW_VERSION);
		cw_events_init(NULL);
		cw_audit_log_stop(audit);
		cw_debug("stopping: audit %lld ms", cw_now_ms() - t0);
	}
	cw_redis_free(redis);
	cw_redis_free(redis2);
	cw_redis_free(redis3);
	if (wake_fd >= 0)
		close(wake_fd);
	if (sig_fd >= 0)
		close(sig_fd);
	cw_config_free(&cfg);
	return rc;
}
