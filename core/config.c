/* SPDX-License-Identifier: MIT */
/*
 * config.c - the INI configuration: defaults, the parser, the checks.
 * Pure: the text comes in a buffer (io/config_file.c reads the file).
 *
 * A small parser of our own rather than inih: Debian's inih keeps its
 * options in process-wide globals (a side effect we must not have inside
 * sshd via the PAM module) and splits lines longer than its buffer into a
 * second line, which can silently turn the tail of a long value into a key.
 * Here a long line, a NUL byte, a duplicate key, an unknown section or key,
 * and a value of the wrong shape are all errors with a line number.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "config_role.h"
#include "names.h"
#include "paths.h"
#include "policy.h"
#include "redis_uri.h"

enum key_type {
	KEY_STRING,     /* any non-empty text */
	KEY_PATH,       /* absolute path */
	KEY_OPT_PATH,   /* absolute path, or empty for "none" (NULL) */
	KEY_BOOL,       /* yes/no/true/false */
	KEY_INT,        /* decimal within [min, max] */
	KEY_USERS,      /* list of login names */
	KEY_DIVISION,   /* a bank-holiday division name */
	KEY_OBJECT,     /* a host class or role name (cw_object_name_valid) */
	KEY_DURATION,   /* DURATION (duration.h) into int seconds, <= max */
	KEY_ROLE,       /* both, host or central */
};

struct key_spec {
	const char *section;
	const char *key;
	enum key_type type;
	size_t offset;
	long min, max;
};

#define STR(sec, k, field) { sec, k, KEY_STRING, offsetof(struct cw_config, field), 0, 0 }
#define PATH(sec, k, field) { sec, k, KEY_PATH, offsetof(struct cw_config, field), 0, 0 }
#define OPT_PATH(sec, k, field) { sec, k, KEY_OPT_PATH, offsetof(struct cw_config, field), 0, 0 }
#define BOOL(sec, k, field) { sec, k, KEY_BOOL, offsetof(struct cw_config, field), 0, 0 }
#define INT(sec, k, field, lo, hi) { sec, k, KEY_INT, offsetof(struct cw_config, field), lo, hi }
#define USERS(sec, k, field) { sec, k, KEY_USERS, offsetof(struct cw_config, field), 0, 0 }
#define DIVISION(sec, k, field) { sec, k, KEY_DIVISION, offsetof(struct cw_config, field), 0, 0 }
#define OBJECT(sec, k, field) { sec, k, KEY_OBJECT, offsetof(struct cw_config, field), 0, 0 }
#define DURATION(sec, k, field, hi) { sec, k, KEY_DURATION, offsetof(struct cw_config, field), 1, hi }
#define ROLE(sec, k, field) { sec, k, KEY_ROLE, offsetof(struct cw_config, field), 0, 0 }

static const struct key_spec keys[] = {
	STR("ldap", "uri", ldap.uri),
	STR("ldap", "staff_base", ldap.staff_base),
	STR("ldap", "hostclass_base", ldap.hostclass_base),
	STR("ldap", "role_base", ldap.role_base),
	STR("ldap", "revoke_roles", ldap.revoke_roles),
	STR("ldap", "revoke_groups", ldap.revoke_groups),
	STR("ldap", "bind_dn", ldap.bind_dn),
	PATH("ldap", "bind_password_file", ldap.bind_password_file),
	PATH("ldap", "ca_file", ldap.ca_file),
	BOOL("ldap", "starttls", ldap.starttls),
	BOOL("ldap", "sasl_external", ldap.sasl_external),
	/* yes: accept a plain ldap:// URI (no StartTLS) to a loopback
	 * address, logged as a warning; without it only ldaps://, StartTLS
	 * or ldapi:// are accepted. */
	BOOL("ldap", "allow_plaintext", ldap.allow_plaintext),
	INT("ldap", "timeout_ms", ldap.timeout_ms, 100, 120000),

	PATH("redis", "socket", redis.socket),
	/* redis://HOST[:PORT] or rediss://HOST[:PORT] (TLS), instead of
	 * host, port and tls; an IPv6 address goes in brackets. */
	STR("redis", "uri", redis.uri),
	STR("redis", "host", redis.host),
	INT("redis", "port", redis.port, 1, 65535),
	/* yes: TLS 1.2 or later to host:port, the server's certificate
	 * verified (chain and name); a failure never falls back to plain. */
	BOOL("redis", "tls", redis.tls),
	/* PEM CA certificate(s) the server's certificate must chain to;
	 * unset: the system's trusted CAs. */
	PATH("redis", "ca_file", redis.ca_file),
	/* PEM client certificate, for a server with tls-auth-clients; needs
	 * key_file. */
	PATH("redis", "cert_file", redis.cert_file),
	/* PEM private key of cert_file: owned by root, mode 0600 or 0400. */
	PATH("redis", "key_file", redis.key_file),
	/* The name the server's certificate must carry (DNS name or IP
	 * address), also sent as SNI; default: host. */
	STR("redis", "server_name", redis.server_name),
	/* Redis 6+ ACL user name sent with AUTH (AUTH user password);
	 * unset: AUTH password, the "default" user. */
	STR("redis", "user", redis.user),
	PATH("redis", "password_file", redis.password_file),
	INT("redis", "timeout_ms", redis.timeout_ms, 10, 60000),
	STR("redis", "key_prefix", redis.key_prefix),
	/* With a sentinel:// uri: the sentinels' own password (sentinel.conf
	 * requirepass), a root-only file; unset: no AUTH to the sentinels. */
	PATH("redis", "sentinel_password_file", redis.sentinel_password_file),
	/* master (default) | replica: where the follow connection (policy
	 * loads, change pushes) reads; replica needs a sentinel:// uri. */
	STR("redis", "read_from", redis.read_from),
	/* redis://HOST[:PORT] of a replica for that connection to read
	 * from; writes still go to the master. */
	STR("redis", "read_uri", redis.read_uri),

	INT("policy", "training_validity_days", policy.training_validity_days,
	    1, 3660),
	/* An access request unanswered this long expires (clearwayctl
	 * request): at most 30 days. */
	INT("policy", "request_expiry_hours", policy.request_expiry_hours,
	    1, 720),
	USERS("policy", "exempt_users", policy.exempt_users),
	USERS("policy", "breakglass_users", policy.breakglass_users),
	STR("policy", "hr_role", policy.hr_role),
	STR("policy", "approver_role", policy.approver_role),
	STR("policy", "auditor_role", policy.auditor_role),
	DIVISION("policy", "division", policy.division),
	PATH("policy", "bank_holidays_file", policy.bank_holidays_file),

	INT("audit", "retention_days", audit.retention_days,
	    CW_AUDIT_RETENTION_MIN_DAYS, 36600),
	PATH("audit", "directory", audit.directory),
	PATH("audit", "key_dir", audit.key_dir),
	BOOL("audit", "writer", audit.writer),
	STR("audit", "key_id", audit.key_id),
	PATH("audit", "spool_dir", audit.spool_dir),
	INT("audit", "spool_max_bytes", audit.spool_max_bytes,
	    CW_AUDIT_SPOOL_MAX_MIN, INT_MAX),
	INT("audit", "alert_user_denials", audit.alert_user_denials, 1, 100000),
	INT("audit", "alert_host_denials", audit.alert_host_denials, 1, 100000),
	INT("audit", "alert_window_s", audit.alert_window_s, 10, 86400),
	OPT_PATH("audit", "metrics_file", audit.metrics_file),
	INT("audit", "metrics_interval_s", audit.metrics_interval_s, 1, 3600),

	PATH("daemon", "socket", daemon.socket),
	OBJECT("daemon", "host_class", daemon.host_class),
	PATH("daemon", "state_dir", daemon.state_dir),
	BOOL("daemon", "ldap_sync", daemon.ldap_sync),
	INT("daemon", "client_timeout_ms", daemon.client_timeout_ms, 10, 30000),
	INT("daemon", "reload_interval_ms", daemon.reload_interval_ms, 50,
	    600000),
	INT("daemon", "max_clients", daemon.max_clients, 1, 4096),
	INT("daemon", "answer_poll_us", daemon.answer_poll_us, 0, 1000),
	BOOL("daemon", "answer_table", daemon.answer_table),
	INT("daemon", "revocation_workers", daemon.revocation_workers, 0, 8),
	STR("daemon", "end_sessions_command", daemon.end_sessions_command),
	INT("daemon", "end_sessions_timeout_ms", daemon.end_sessions_timeout_ms,
	    100, 120000),
	INT("daemon", "max_deliveries", daemon.max_deliveries, 1, 100),
	INT("daemon", "redelivery_ms", daemon.redelivery_ms, 100, 3600000),
	BOOL("daemon", "revoke_leavers", daemon.revoke_leavers),
	INT("daemon", "deadline_warning_percent",
	    daemon.deadline_warning_percent, 1, 99),
	STR("daemon", "notify_command", daemon.notify_command),
	STR("daemon", "notify_user", daemon.notify_user),
	INT("daemon", "notify_timeout_ms", daemon.notify_timeout_ms, 100,
	    120000),
	INT("daemon", "notify_retries", daemon.notify_retries, 0, 20),
	/* both (default), host or central: what this daemon runs
	 * (check_role below, docs/deployment.md). */
	ROLE("daemon", "role", daemon.role),
	/* After this long without a reply from Redis, nothing is allowed
	 * from the old data (break-glass aside); unset: one working day. */
	DURATION("daemon", "offline_grace", daemon.offline_grace_s,
	    366L * 86400),
	DURATION("daemon", "admin_max_staleness", daemon.admin_max_staleness_s,
	    366L * 86400),
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const char *const sections[] = {
	"ldap", "redis", "policy", "audit", "daemon"
};

static void *
field(struct cw_config *c, const struct key_spec *k)
{
	return (char *)c + k->offset;
}

static int
set_string(char **dst, const char *value)
{
	char *copy = strdup(value);

	if (copy == NULL)
		return -1;
	free(*dst);
	*dst = copy;
	return 0;
}

int
cw_config_defaults(struct cw_config *c)
{
	memset(c, 0, sizeof(*c));
	c->ldap.timeout_ms = 5000;
	c->redis.port = 6379;
	c->redis.timeout_ms = 2000;
	c->policy.training_validity_days = CW_TRAINING_VALIDITY_DAYS_DEFAULT;
	c->policy.request_expiry_hours = 24;
	c->policy.division = CW_DIVISION_ENGLAND_AND_WALES;
	c->audit.retention_days = CW_AUDIT_RETENTION_MIN_DAYS;
	c->audit.spool_max_bytes = CW_AUDIT_SPOOL_MAX_DEFAULT;
	c->audit.alert_user_denials = 5;
	c->audit.alert_host_denials = 20;
	c->audit.alert_window_s = 300;
	c->audit.metrics_interval_s = 15;
	c->daemon.ldap_sync = true;
	c->daemon.client_timeout_ms = 1000;
	c->daemon.reload_interval_ms = 1000;
	c->daemon.max_clients = 256;
	c->daemon.answer_poll_us = 0;       /* sleep at once */
	c->daemon.answer_table = true;
	c->daemon.revocation_workers = 1;
	c->daemon.end_sessions_timeout_ms = 10000;
	c->daemon.max_deliveries = 5;
	c->daemon.redelivery_ms = 30000;
	c->daemon.deadline_warning_percent = 50;
	c->daemon.notify_timeout_ms = 10000;
	c->daemon.notify_retries = 5;
	c->daemon.revoke_leavers = true;
	c->daemon.role = CW_ROLE_BOTH;
	c->daemon.admin_max_staleness_s = CW_ADMIN_MAX_STALENESS_DEFAULT;
	if (set_string(&c->redis.host, "127.0.0.1") < 0 ||
	    set_string(&c->redis.key_prefix, "cw:") < 0 ||
	    set_string(&c->policy.hr_role, "hr") < 0 ||
	    set_string(&c->ldap.revoke_roles, "*") < 0 ||
	    set_string(&c->daemon.end_sessions_command,
	    "loginctl terminate-user %u") < 0 ||
	    set_string(&c->daemon.notify_user, "nobody") < 0 ||
	    set_string(&c->policy.approver_role, "approver") < 0 ||
	    set_string(&c->policy.auditor_role, "auditor") < 0 ||
	    set_string(&c->daemon.socket, CW_DEFAULT_SOCKET) < 0 ||
	    set_string(&c->daemon.state_dir, CW_DEFAULT_STATEDIR) < 0 ||
	    set_string(&c->audit.directory, CW_DEFAULT_STATEDIR "/audit") < 0 ||
	    set_string(&c->audit.key_dir, CW_AUDIT_KEY_DIR_DEFAULT) < 0 ||
	    set_string(&c->audit.key_id, CW_AUDIT_KEY_ID_DEFAULT) < 0 ||
	    set_string(&c->audit.spool_dir, CW_DEFAULT_STATEDIR "/spool") < 0 ||
	    set_string(&c->audit.metrics_file, CW_METRICS_FILE_DEFAULT) < 0) {
		cw_config_free(c);
		return -1;
	}
	return 0;
}

static int
parse_bool(const char *v, bool *out)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
		*out = true;
	else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0)
		*out = false;
	else
		return -1;
	return 0;
}

static int
parse_long(const char *v, long min, long max, long *out)
{
	char *end;
	long n;

	if (!isdigit((unsigned char)v[0]))
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

/* Stores value into the field k describes; err says what shape was wanted. */
static int
set_key(struct cw_config *c, const struct key_spec *k, const char *value,
    char *err, size_t errlen)
{
	void *p = field(c, k);
	long n;

	switch (k->type) {
	case KEY_OPT_PATH:
		if (value[0] == '\0') {
			free(*(char **)p);
			*(char **)p = NULL;
			return 0;
		}
		/* FALLTHROUGH */
	case KEY_PATH:
		if (value[0] != '/') {
			snprintf(err, errlen, "%s must be an absolute path",
			    k->key);
			return -1;
		}
		/* FALLTHROUGH */
	case KEY_OBJECT:
		if (k->type == KEY_OBJECT &&
		    !cw_object_name_valid(value, strlen(value))) {
			snprintf(err, errlen, "%s must be a name of 1 to %d of "
			    "A-Z a-z 0-9 . _ -", k->key, CW_NAME_MAX);
			return -1;
		}
		/* FALLTHROUGH */
	case KEY_STRING:
		if (set_string(p, value) < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		return 0;
	case KEY_BOOL:
		if (parse_bool(value, p) < 0) {
			snprintf(err, errlen, "%s must be yes or no", k->key);
			return -1;
		}
		return 0;
	case KEY_INT:
		if (parse_long(value, k->min, k->max, &n) < 0) {
			snprintf(err, errlen, "%s must be a number from %ld "
			    "to %ld", k->key, k->min, k->max);
			return -1;
		}
		*(int *)p = (int)n;
		return 0;
	case KEY_USERS:
		cw_name_list_free(p);
		if (cw_name_list_parse(value, cw_user_name_valid, p, err,
		    errlen) < 0)
			return -1;
		return 0;
	case KEY_DIVISION:
		if (cw_division_parse(value, p) < 0) {
			snprintf(err, errlen, "%s must be one of %s", k->key,
			    CW_DIVISION_NAMES);
			return -1;
		}
		return 0;
	case KEY_DURATION:
		return cw_config_set_duration(k->key, k->min, k->max, value, p,
		    err, errlen);
	case KEY_ROLE:
		return cw_config_set_role(k->key, value, p, err, errlen);
	}
	return -1;
}

static const struct key_spec *
find_key(const char *section, const char *key)
{
	size_t i;

	/* The first byte before any call: the PAM module parses the whole
	 * file at every logon, and this scan was a tenth of it. */
	for (i = 0; i < NKEYS; i++)
		if (keys[i].key[0] == key[0] && keys[i].section[0] ==
		    section[0] && strcmp(keys[i].key, key) == 0 &&
		    strcmp(keys[i].section, section) == 0)
			return &keys[i];
	return NULL;
}

static bool
known_section(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (strcmp(sections[i], name) == 0)
			return true;
	return false;
}

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r'))
		*--end = '\0';
	return s;
}

struct parse_state {
	char section[16];
	bool seen[NKEYS];
};

/* One line, NUL-terminated and without its newline. */
static int
parse_line(struct parse_state *st, char *line, struct cw_config *c,
    char *err, size_t errlen)
{
	const struct key_spec *k;
	char *eq, *key, *value;
	size_t len;

	line = trim(line);
	if (line[0] == '\0' || line[0] == '#' || line[0] == ';')
		return 0;
	if (line[0] == '[') {
		len = strlen(line);
		if (line[len - 1] != ']' || len - 2 >= sizeof(st->section)) {
			snprintf(err, errlen, "malformed section header");
			return -1;
		}
		line[len - 1] = '\0';
		if (!known_section(line + 1)) {
			snprintf(err, errlen, "unknown section [%.20s]",
			    line + 1);
			return -1;
		}
		memcpy(st->section, line + 1, len - 1);
		return 0;
	}
	if ((eq = strchr(line, '=')) == NULL) {
		snprintf(err, errlen, "expected key = value");
		return -1;
	}
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	if (st->section[0] == '\0') {
		snprintf(err, errlen, "key \"%.40s\" outside any section", key);
		return -1;
	}
	if ((k = find_key(st->section, key)) == NULL) {
		snprintf(err, errlen, "unknown key \"%.40s\" in [%s]", key,
		    st->section);
		return -1;
	}
	if (st->seen[k - keys]) {
		snprintf(err, errlen, "%s is set twice in [%s]", key,
		    st->section);
		return -1;
	}
	st->seen[k - keys] = true;
	if (value[0] == '\0' && k->type != KEY_USERS &&
	    k->type != KEY_OPT_PATH) {
		snprintf(err, errlen, "%s has no value", key);
		return -1;
	}
	return set_key(c, k, value, err, errlen);
}

/*
 * An audit key id names a file in key_dir: [A-Za-z0-9_-][A-Za-z0-9._-]
 * {0,63}, the rule of trail/audit.h (which the PAM module's cwcore does
 * not link), so a bad one fails at load and not on the writer's first day.
 */
static bool
key_id_valid(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > 64 || s[0] == '.')
		return false;
	for (i = 0; i < len; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') &&
		    !(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(s[i] >= '0' && s[i] <= '9') && s[i] != '_' &&
		    s[i] != '-' && s[i] != '.')
			return false;
	return true;
}

/*
 * Splits [redis] uri: a server's ("redis://HOST[:PORT]", "rediss://..."),
 * into host, port and tls; a sentinel one ("sentinel://H1:P1,.../NAME")
 * is only checked and marked here (the daemon's sentinel.c reads it),
 * sentinels:// setting tls.
 */
static int
redis_uri_split(struct cw_config *c, char *err, size_t errlen)
{
	struct cw_sentinel_uri su;
	struct cw_redis_addr a;
	char why[160];
	bool tls;

	if (cw_redis_uri_is_sentinel(c->redis.uri)) {
		if (cw_sentinel_uri_parse(c->redis.uri, &su, why,
		    sizeof(why)) < 0) {
			snprintf(err, errlen, "[redis] uri: %s", why);
			return -1;
		}
		c->redis.sentinel = true;
		c->redis.tls = c->redis.tls || su.tls;
		return 0;
	}
	if (cw_redis_uri_server(c->redis.uri, &a, &tls, why,
	    sizeof(why)) < 0) {
		snprintf(err, errlen, "[redis] uri: %s", why);
		return -1;
	}
	if (set_string(&c->redis.host, a.host) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->redis.port = a.port;
	c->redis.tls = c->redis.tls || tls;
	return 0;
}

/* Whether the host part of an ldap:// URI is a loopback address. */
static bool
ldap_host_is_loopback(const char *host, size_t n)
{
	static const char *const names[] = { "localhost", "[::1]" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (n == strlen(names[i]) && strncasecmp(host, names[i], n) == 0)
			return true;
	/* 127.0.0.0/8, written as a dotted address. */
	if (n < 4 || strncmp(host, "127.", 4) != 0)
		return false;
	for (i = 4; i < n; i++)
		if (!isdigit((unsigned char)host[i]) && host[i] != '.')
			return false;
	return true;
}

/*
 * One URI of [ldap] uri: ldaps:// and ldapi:// always do; ldap:// needs
 * StartTLS, or allow_plaintext and a host written as a loopback address
 * or "localhost" (an empty host, libldap's default, is refused: say which
 * host).  Anything else is refused, naming the URI and the fix.
 */
static int
check_ldap_uri(const struct cw_config *c, const char *u, size_t len,
    char *err, size_t errlen)
{
	const char *host, *end;

	if ((len >= 8 && strncasecmp(u, "ldaps://", 8) == 0) ||
	    (len >= 8 && strncasecmp(u, "ldapi://", 8) == 0))
		return 0;
	if (len < 7 || strncasecmp(u, "ldap://", 7) != 0) {
		snprintf(err, errlen, "[ldap] uri %.*s: not ldaps://, ldap:// "
		    "or ldapi://", (int)(len > 80 ? 80 : len), u);
		return -1;
	}
	if (c->ldap.starttls)
		return 0;
	host = u + 7;
	end = host[0] == '[' ? memchr(host, ']', len - 7) : NULL;
	end = end != NULL ? end + 1 : host + strcspn(host, ":/");
	if (end > u + len)
		end = u + len;
	if (!c->ldap.allow_plaintext || !ldap_host_is_loopback(host,
	    (size_t)(end - host))) {
		snprintf(err, errlen, "[ldap] uri %.*s: plain LDAP without "
		    "TLS is refused: use ldaps://, or starttls = yes%s",
		    (int)(len > 80 ? 80 : len), u, ldap_host_is_loopback(host,
		    (size_t)(end - host)) ? ", or allow_plaintext = yes for "
		    "this loopback address" : " (plain LDAP is only ever "
		    "allowed to a loopback address)");
		return -1;
	}
	return 0;
}

/* Every URI of the space-separated [ldap] uri list. */
static int
check_ldap_tls(const struct cw_config *c, char *err, size_t errlen)
{
	const char *p = c->ldap.uri;
	size_t n;

	if (p == NULL)
		return 0;
	for (;;) {
		p += strspn(p, " \t");
		if (*p == '\0')
			return 0;
		n = strcspn(p, " \t");
		if (check_ldap_uri(c, p, n, err, errlen) < 0)
			return -1;
		p += n;
	}
}

/* Sentinel and replica reads (daemon/store/sentinel.h). */
static int
check_redis_fleet(struct cw_config *c, char *err, size_t errlen)
{
	struct cw_redis_addr a;
	char why[160];
	bool tls;

	if (c->redis.sentinel_password_file != NULL && !c->redis.sentinel) {
		snprintf(err, errlen, "[redis] sentinel_password_file needs a "
		    "sentinel:// uri");
		return -1;
	}
	/* With TLS to several servers no one address can be the name every
	 * certificate is checked against: say it once for all of them. */
	if (c->redis.tls && c->redis.server_name == NULL &&
	    (c->redis.sentinel || c->redis.read_uri != NULL)) {
		snprintf(err, errlen, "[redis] TLS to sentinels or replicas "
		    "needs server_name (the name every server's certificate "
		    "carries)");
		return -1;
	}
	if (c->redis.read_from != NULL &&
	    strcmp(c->redis.read_from, "master") != 0 &&
	    (strcmp(c->redis.read_from, "replica") != 0 ||
	    !c->redis.sentinel || c->redis.read_uri != NULL)) {
		snprintf(err, errlen, "[redis] read_from is master or replica; "
		    "replica needs a sentinel:// uri and no read_uri");
		return -1;
	}
	if (c->redis.read_uri == NULL)
		return 0;
	if (cw_redis_uri_server(c->redis.read_uri, &a, &tls, why,
	    sizeof(why)) < 0) {
		snprintf(err, errlen, "[redis] read_uri: %s", why);
		return -1;
	}
	if (tls != c->redis.tls) {
		snprintf(err, errlen, "[redis] read_uri: rediss:// exactly "
		    "when [redis] uses TLS");
		return -1;
	}
	return 0;
}

/* The [redis] keys that only make sense together. */
static int
check_redis(struct cw_config *c, char *err, size_t errlen)
{
	if (c->redis.uri != NULL && c->redis.socket != NULL) {
		snprintf(err, errlen, "[redis] uri and socket exclude each "
		    "other");
		return -1;
	}
	if (c->redis.uri != NULL && redis_uri_split(c, err, errlen) < 0)
		return -1;
	if (c->redis.tls && c->redis.socket != NULL) {
		snprintf(err, errlen, "[redis] tls is for host:port, not a "
		    "local socket");
		return -1;
	}
	if ((c->redis.cert_file == NULL) != (c->redis.key_file == NULL)) {
		snprintf(err, errlen, "[redis] cert_file and key_file go "
		    "together");
		return -1;
	}
	if (!c->redis.tls && (c->redis.ca_file != NULL ||
	    c->redis.cert_file != NULL || c->redis.server_name != NULL)) {
		snprintf(err, errlen, "[redis] ca_file, cert_file, key_file "
		    "and server_name need tls = yes (or a rediss:// uri)");
		return -1;
	}
	if (c->redis.user != NULL && c->redis.password_file == NULL) {
		snprintf(err, errlen, "[redis] user needs password_file");
		return -1;
	}
	return check_redis_fleet(c, err, errlen);
}

/* Whether the file set [section] key (rather than the default). */
static bool
was_set(const struct parse_state *st, const char *section, const char *key)
{
	const struct key_spec *k = find_key(section, key);

	return k != NULL && st->seen[k - keys];
}

/* Settings that only make sense together. */
static int
check_consistent(struct cw_config *c, char *err, size_t errlen)
{
	if (!key_id_valid(c->audit.key_id)) {
		snprintf(err, errlen, "[audit] key_id must be 1 to 64 of "
		    "[A-Za-z0-9._-], not starting with '.'");
		return -1;
	}
	if (c->daemon.ldap_sync && (c->ldap.uri == NULL ||
	    c->ldap.staff_base == NULL || c->ldap.hostclass_base == NULL ||
	    c->ldap.role_base == NULL)) {
		snprintf(err, errlen, "[daemon] ldap_sync needs [ldap] uri, "
		    "staff_base, hostclass_base and role_base");
		return -1;
	}
	if (c->ldap.sasl_external && c->ldap.bind_dn != NULL) {
		snprintf(err, errlen, "[ldap] sasl_external and bind_dn "
		    "exclude each other");
		return -1;
	}
	if (c->ldap.bind_dn != NULL && c->ldap.bind_password_file == NULL) {
		snprintf(err, errlen, "[ldap] bind_dn needs bind_password_file");
		return -1;
	}
	if (check_ldap_tls(c, err, errlen) < 0)
		return -1;
	return check_redis(c, err, errlen);
}

int
cw_config_parse(const char *buf, size_t len, struct cw_config *c, char *err,
    size_t errlen)
{
	struct parse_state st;
	char line[CW_CONFIG_MAX_LINE + 1], msg[200];
	size_t pos = 0, lineno = 0, n;
	const char *nl;

	memset(&st, 0, sizeof(st));
	if (len > CW_CONFIG_MAX_BYTES) {
		snprintf(err, errlen, "larger than %d bytes", CW_CONFIG_MAX_BYTES);
		return -1;
	}
	if (memchr(buf, '\0', len) != NULL) {
		snprintf(err, errlen, "contains a NUL byte");
		return -1;
	}
	while (pos < len) {
		lineno++;
		nl = memchr(buf + pos, '\n', len - pos);
		n = nl != NULL ? (size_t)(nl - (buf + pos)) : len - pos;
		if (n > CW_CONFIG_MAX_LINE) {
			snprintf(err, errlen, "line %zu: longer than %d bytes",
			    lineno, CW_CONFIG_MAX_LINE);
			return -1;
		}
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		pos += n + (nl != NULL);
		if (parse_line(&st, line, c, msg, sizeof(msg)) < 0) {
			snprintf(err, errlen, "line %zu: %s", lineno, msg);
			return -1;
		}
	}
	if (cw_config_check_role(c, was_set(&st, "daemon", "ldap_sync"),
	    was_set(&st, "daemon", "revocation_workers"),
	    was_set(&st, "daemon", "revoke_leavers"), err, errlen) < 0)
		return -1;
	return check_consistent(c, err, errlen);
}

void
cw_config_swap_policy(struct cw_config *c, struct cw_config *fresh)
{
	struct cw_config tmp;

	memcpy(&tmp.policy, &c->policy, sizeof(tmp.policy));
	memcpy(&c->policy, &fresh->policy, sizeof(c->policy));
	memcpy(&fresh->policy, &tmp.policy, sizeof(fresh->policy));
}

void
cw_config_free(struct cw_config *c)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		void *p = field(c, &keys[i]);

		if (keys[i].type == KEY_STRING || keys[i].type == KEY_PATH ||
		    keys[i].type == KEY_OPT_PATH || keys[i].type == KEY_OBJECT) {
			free(*(char **)p);
			*(char **)p = NULL;
		} else if (keys[i].type == KEY_USERS) {
			cw_name_list_free(p);
		}
	}
}
