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
#include "log.h"
#include "paths.h"
#include "redis.h"
#include "server.h"
#include "sync.h"

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

/* Builds the Redis client the configuration names. */
static struct cw_redis *
redis_from_config(const struct cw_config *cfg, char *password,
    size_t pwlen, char *err, size_t errlen)
{
	struct cw_redis_options o;
	struct cw_redis *r;

	memset(&o, 0, sizeof(o));
	if (cfg->redis.password_file != NULL) {
		if (cw_secret_read(cfg->redis.password_file, password, pwlen,
		    err, errlen) < 0)
			return NULL;
		o.password = password;
	}
	if (cfg->redis.socket != NULL) {
		o.transport = &cw_redis_transport_unix;
		o.where = cfg->redis.socket;
	} else {
		o.transport = &cw_redis_transport_tcp;
		o.where = cfg->redis.host;
		o.port = cfg->redis.port;
	}
	o.timeout_ms = cfg->redis.timeout_ms;
	if ((r = cw_redis_new(&o)) == NULL)
		snprintf(err, errlen, "out of memory");
	return r;
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
	char err[512], password[REDIS_PASSWORD_MAX];
	struct cw_server *srv = NULL;
	struct cw_redis *redis = NULL, *redis2 = NULL, *redis3 = NULL;
	struct cw_control *control = NULL;
	struct cw_config cfg;
	struct cw_sync sync;
	struct options opt;
	int wake_fd = -1, sig_fd = -1, rc = 1;

	memset(&sync, 0, sizeof(sync));
	if (parse_options(argc, argv, &opt) < 0)
		return 2;
	umask(022);
	if (cw_config_load(opt.config, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "clearwayd: %s\n", err);
		return 1;
	}
	if (opt.test_only) {
		printf("clearwayd: %s: configuration OK\n", opt.config);
		cw_config_free(&cfg);
		return 0;
	}
	cw_log_init("clearwayd", opt.foreground, opt.debug);
	/* One connection per sync thread (see sync.h). */
	redis = redis_from_config(&cfg, password, sizeof(password), err,
	    sizeof(err));
	if (redis != NULL)
		redis2 = redis_from_config(&cfg, password, sizeof(password),
		    err, sizeof(err));
	if (redis2 != NULL)
		redis3 = redis_from_config(&cfg, password, sizeof(password),
		    err, sizeof(err));
	explicit_bzero(password, sizeof(password));
	if (redis == NULL || redis2 == NULL || redis3 == NULL)
		goto fail;
	if ((sig_fd = signal_fd_open()) < 0 ||
	    (wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		snprintf(err, sizeof(err), "signalfd/eventfd: %s",
		    strerror(errno));
		goto fail;
	}
	if ((srv = cw_server_open(&cfg, err, sizeof(err))) == NULL ||
	    cw_sync_start(&sync, &cfg, redis, redis2, wake_fd, err,
	    sizeof(err)) < 0 ||
	    (control = cw_control_start(&cfg, redis3,
	    cw_server_applied(srv), err, sizeof(err))) == NULL)
		goto fail;
	cw_server_set_control(srv, control);
	cw_info("clearwayd %s: listening on %s", CW_VERSION, cfg.daemon.socket);
	sd_notifyf(0, "READY=1\nSTATUS=listening on %s", cfg.daemon.socket);
	rc = cw_server_run(srv, &sync, wake_fd, sig_fd) == 0 ? 0 : 1;
	sd_notify(0, "STOPPING=1");
	goto out;
fail:
	cw_err("%s", err);
out:
	cw_control_stop(control);
	cw_sync_stop(&sync);
	cw_server_close(srv);
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
