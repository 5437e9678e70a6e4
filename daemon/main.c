/* SPDX-License-Identifier: MIT */
/*
 * clearwayd - mirrors the directory into Redis and answers logon decisions
 * for this host's PAM stack over a local socket.
 *
 * main() reads the options and the configuration, checks it (-t), and
 * hands the rest to the wiring (daemon.c): build, run, tear down.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "config_check.h"
#include "config_file.h"
#include "daemon.h"
#include "lib/log.h"
#include "paths.h"
#include "audit/audit_pipeline.h"

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
 * For -t: the secrets the configuration names can be read as the daemon
 * will read them: each file exists, is owned by root and is not
 * accessible to group or others (cw_secret_read() refuses it otherwise),
 * and on the audit writer the key directory is root's alone and holds
 * the current key.  Nothing read is kept or shown.
 */
static int
check_secrets(const struct cw_config *cfg, char *err, size_t errlen)
{
	char secret[CW_REDIS_PASSWORD_MAX], why[256];
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
	char err[512];
	struct cw_config cfg;
	struct cw_daemon d;
	struct options opt;
	int rc;

	if (parse_options(argc, argv, &opt) < 0)
		return 2;
	umask(022);
	if (cw_config_load(opt.config, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "clearwayd: %s\n", err);
		return 1;
	}
	if (opt.test_only) {
		rc = cw_config_check_files(&cfg, err, sizeof(err));
		if (rc == 0)
			rc = check_secrets(&cfg, err, sizeof(err));
		if (rc == 0)
			printf("clearwayd: %s: configuration OK (role %s)\n",
			    opt.config, cw_role_name(cfg.daemon.role));
		else
			fprintf(stderr, "clearwayd: %s\n", err);
		cw_config_free(&cfg);
		return rc == 0 ? 0 : 1;
	}
	cw_log_init("clearwayd", opt.foreground, opt.debug);
	/* A secret open to others stops the start (config_check.h). */
	if (cw_config_check_secrets(&cfg, err, sizeof(err)) < 0) {
		cw_err("%s", err);
		cw_config_free(&cfg);
		return 1;
	}
	if (cw_daemon_build(&d, &cfg, opt.config, err, sizeof(err)) < 0) {
		cw_err("%s", err);
		rc = 1;
	} else {
		rc = cw_daemon_run(&d) == 0 ? 0 : 1;
	}
	cw_daemon_teardown(&d);
	cw_config_free(&cfg);
	return rc;
}
