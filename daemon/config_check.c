/* SPDX-License-Identifier: MIT */
/*
 * config_check.c - every file the configuration names, checked the way
 * the daemon will use it (see config_check.h).
 *
 * Each check reads the file through the same function the daemon uses
 * later (cw_secret_read, cw_calendar_load, cw_redis_tls_new, OpenSSL's
 * PEM reader), so "-t passes" means "the start will not fail on this
 * file".  Nothing read is kept, and a secret never reaches a message.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "audit/audit_pipeline.h"
#include "config_check.h"
#include "config_file.h"
#include "store/redis_tls.h"

/* A password read to check it; as long as the daemon's own buffers. */
#define SECRET_MAX 1024

/* The repair an operator needs for a secret file that was refused. */
static void secret_fail(const char *key, const char *path, const char *why,
    char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s (a secret: it must be owned by root and "
	    "closed to everyone else; fix: chown root:root %s && chmod 0600 "
	    "%s)", key, why, path, path);
}

/* One secret (a password file): exists, root's, 0600/0400, one line. */
static int check_secret(const char *key, const char *path, char *err,
    size_t errlen)
{
	char secret[SECRET_MAX], why[256];
	int rc = 0;

	if (path == NULL)
		return 0;
	if (cw_secret_read(path, secret, sizeof(secret), why,
	    sizeof(why)) < 0) {
		secret_fail(key, path, why, err, errlen);
		rc = -1;
	}
	explicit_bzero(secret, sizeof(secret));
	return rc;
}

/* The audit writer's key directory and current key (root's alone). */
static int check_audit_keys(const struct cw_config *cfg, char *err,
    size_t errlen)
{
	char why[256];
	struct stat st;

	if (!cfg->audit.writer)
		return 0;
	if (stat(cfg->audit.key_dir, &st) < 0) {
		snprintf(err, errlen, "[audit] key_dir %s: %s",
		    cfg->audit.key_dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		snprintf(err, errlen, "[audit] key_dir %s: must be a directory "
		    "owned by root with no access for group or others (fix: "
		    "chown root:root %s && chmod 0700 %s)", cfg->audit.key_dir,
		    cfg->audit.key_dir, cfg->audit.key_dir);
		return -1;
	}
	if (cw_audit_writer_check(cfg, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "[audit] %s (keys are secrets: chmod "
		    "0600, owned by root)", why);
		return -1;
	}
	return 0;
}

int cw_config_check_secrets(const struct cw_config *cfg, char *err,
    size_t errlen)
{
	struct cw_redis_tls *tls = NULL;

	if (cfg->ldap.bind_dn != NULL && !cfg->ldap.sasl_external &&
	    check_secret("[ldap] bind_password_file",
	    cfg->ldap.bind_password_file, err, errlen) < 0)
		return -1;
	if (check_secret("[redis] password_file", cfg->redis.password_file,
	    err, errlen) < 0 ||
	    check_secret("[redis] sentinel_password_file",
	    cfg->redis.sentinel_password_file, err, errlen) < 0)
		return -1;
	/* The TLS key is read, with the CA and certificate, as at start. */
	if (cw_redis_tls_from_config(cfg, &tls, err, errlen) < 0)
		return -1;
	cw_redis_tls_free(tls);
	return check_audit_keys(cfg, err, errlen);
}

/* A PEM file of CA certificates: readable, at least one certificate. */
static int check_ca_file(const char *key, const char *path, char *err,
    size_t errlen)
{
	X509 *x = NULL;
	FILE *f;
	int n = 0;

	if (path == NULL)
		return 0;
	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "%s %s: %s", key, path, strerror(errno));
		return -1;
	}
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		X509_free(x);
		n++;
	}
	fclose(f);
	ERR_clear_error();
	if (n == 0) {
		snprintf(err, errlen, "%s %s: no PEM certificate in it", key,
		    path);
		return -1;
	}
	return 0;
}

/*
 * A directory the daemon creates files in: when it exists, root's and
 * writable by no one else (a directory others can write lets them
 * replace what the daemon wrote).  A missing one is made at start.
 */
static int check_own_dir(const char *key, const char *path, char *err,
    size_t errlen)
{
	struct stat st;

	if (path == NULL || stat(path, &st) < 0)
		return 0;
	if (!cw_root_only_dir(&st)) {
		snprintf(err, errlen, "%s %s: must be a directory owned by "
		    "root and writable by no one else (fix: chown root %s && "
		    "chmod go-w %s)", key, path, path, path);
		return -1;
	}
	return 0;
}

/* The directory part of path, into buf ("/" for "/x"). */
static void dir_of(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash == NULL ? 0 : slash == path ? 1 :
	    (size_t)(slash - path);

	snprintf(buf, len, "%.*s", (int)n, path);
}

/* The files that are not secrets: CA files, holidays, directories. */
static int check_other_files(const struct cw_config *cfg, char *err,
    size_t errlen)
{
	struct cw_calendar cal;
	char dir[4096], why[256];

	if (check_ca_file("[ldap] ca_file", cfg->ldap.ca_file, err,
	    errlen) < 0)
		return -1;
	if (cw_calendar_load(cfg->policy.bank_holidays_file,
	    cfg->policy.division, &cal, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "[policy] bank_holidays_file: %s", why);
		return -1;
	}
	cw_calendar_free(&cal);
	dir_of(cfg->daemon.socket, dir, sizeof(dir));
	if (check_own_dir("[daemon] socket's directory", dir, err,
	    errlen) < 0 ||
	    check_own_dir("[daemon] state_dir", cfg->daemon.state_dir, err,
	    errlen) < 0 ||
	    check_own_dir("[audit] spool_dir", cfg->audit.spool_dir, err,
	    errlen) < 0 ||
	    (cfg->audit.writer && check_own_dir("[audit] directory",
	    cfg->audit.directory, err, errlen) < 0))
		return -1;
	return 0;
}

int cw_config_check_files(const struct cw_config *cfg, char *err,
    size_t errlen)
{
	if (cw_config_check_secrets(cfg, err, errlen) < 0)
		return -1;
	return check_other_files(cfg, err, errlen);
}
