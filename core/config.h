/* SPDX-License-Identifier: MIT */
/*
 * config.h - the configuration file (contract section 6).
 *
 * One INI file; sections [ldap] [redis] [policy] [audit] [daemon]; unknown
 * sections and keys are errors.  Secrets are never in the file itself, only
 * the names of root-owned files that hold them.
 */
#ifndef CW_CONFIG_H
#define CW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "calendar.h"
#include "names.h"

/* The configuration file is small; anything larger is not one. */
#define CW_CONFIG_MAX_BYTES (256 * 1024)
#define CW_CONFIG_MAX_LINE 4096
#define CW_AUDIT_RETENTION_MIN_DAYS 183
#define CW_AUDIT_KEY_DIR_DEFAULT "/etc/clearway/audit-keys"
#define CW_AUDIT_KEY_ID_DEFAULT "k1"
#define CW_AUDIT_SPOOL_MAX_DEFAULT (256 * 1024 * 1024)
#define CW_AUDIT_SPOOL_MAX_MIN (1024 * 1024)
/* [daemon] admin_max_staleness: admin mode needs data fresher than this. */
#define CW_ADMIN_MAX_STALENESS_DEFAULT 300

/*
 * What one clearwayd does in a fleet ([daemon] role; docs/deployment.md).
 * HOST answers PAM from what it reads (a read-only Redis user); CENTRAL
 * runs what is done once for the fleet (mirror, queue, writer, the CLI's
 * writes); BOTH is all of it, one machine alone (the default).
 */
enum cw_role {
	CW_ROLE_BOTH = 0,
	CW_ROLE_HOST,
	CW_ROLE_CENTRAL,
};

/* "both", "host", "central". */
const char *cw_role_name(enum cw_role r);

/* node_exporter's textfile collector directory on Debian. */
#define CW_METRICS_FILE_DEFAULT \
	"/var/lib/prometheus/node-exporter/clearway.prom"

struct cw_config {
	struct {
		char *uri;              /* space-separated, tried in order */
		char *staff_base;
		char *hostclass_base;
		char *role_base;
		/* Revocation: cwRole values to remove ("*" all), and group DNs
		 * to remove the user from (separated by ';'). */
		char *revoke_roles;
		char *revoke_groups;
		char *bind_dn;          /* NULL: anonymous */
		char *bind_password_file;
		char *ca_file;
		bool starttls;
		bool sasl_external;     /* bind with SASL EXTERNAL (ldapi) */
		/* Plain ldap:// (no TLS) is refused unless this is set, and
		 * even then only to a loopback address (ldapi:// needs no TLS). */
		bool allow_plaintext;
		int timeout_ms;
	} ldap;
	struct {
		char *socket;           /* set: Unix socket; else host:port */
		char *uri;              /* redis:// or rediss://: sets the next 3;
		                         * sentinel://: sets sentinel (and tls) */
		char *host;
		int port;
		bool tls;               /* TLS 1.2+, the server verified */
		char *ca_file;          /* NULL: the system's trusted CAs */
		char *cert_file;        /* client certificate (with key_file) */
		char *key_file;         /* its private key: a root-only secret */
		char *server_name;      /* name the certificate must carry;
		                         * NULL: host */
		char *user;             /* ACL user for AUTH; NULL: "default" */
		char *password_file;
		int timeout_ms;
		char *key_prefix;
		bool sentinel;          /* uri is sentinel:// or sentinels:// */
		char *sentinel_password_file;   /* NULL: no AUTH to sentinels */
		char *read_from;        /* NULL or "master", or "replica" */
		char *read_uri;         /* redis://: the follow connection's */
	} redis;
	struct {
		int training_validity_days;
		int request_expiry_hours;       /* unanswered requests */
		struct cw_name_list exempt_users;
		struct cw_name_list breakglass_users;
		/* cwRole values that make someone HR, an approver, an auditor */
		char *hr_role;
		char *approver_role;
		char *auditor_role;
		enum cw_division division;      /* bank holidays (section 5) */
		char *bank_holidays_file;       /* NULL: holidays by rule only */
	} policy;
	struct {
		int retention_days;
		char *directory;        /* the daily audit files */
		char *key_dir;          /* <key_id>.key HMAC keys, root-only */
		bool writer;            /* this daemon seals the central trail */
		char *key_id;           /* the key a new chain starts with */
		char *spool_dir;        /* the host's on-disk spool */
		int spool_max_bytes;
		int alert_user_denials; /* denials of one user ... */
		int alert_host_denials; /* ... or from one remote host ... */
		int alert_window_s;     /* ... within this window raise an alert */
		char *metrics_file;     /* NULL: no metrics file */
		int metrics_interval_s;
	} audit;
	struct {
		char *socket;
		char *state_dir;
		/* This host's cwHostClass, for PAM stacks that name none (so one
		 * pam-auth-update profile fits every host); NULL: none. */
		char *host_class;
		bool ldap_sync;         /* this daemon mirrors LDAP into Redis */
		int client_timeout_ms;  /* PAM module and CLI waiting for us */
		int reload_interval_ms;
		int max_clients;
		/* How long the answer thread polls for the next request
		 * before it sleeps, at most (serve/answer_wait.h). */
		int answer_poll_us;
		/* Publish root's logon answers for the module to take again
		 * without asking (core/answer_table.h). */
		bool answer_table;
		/* The revocation queue (daemon/revoke/revoker.c). */
		int revocation_workers;         /* 0: this host runs no steps */
		char *end_sessions_command;     /* %u = the user */
		int end_sessions_timeout_ms;
		int max_deliveries;             /* then dead-lettered */
		int redelivery_ms;              /* a claimed step idle this long */
		int deadline_warning_percent;   /* of the window, then warn */
		/* Notifications (daemon/notify/): one JSON event on the
		 * command's stdin, run as notify_user; NULL: none. */
		char *notify_command;
		char *notify_user;
		int notify_timeout_ms;
		int notify_retries;             /* then given up, logged */
		bool revoke_leavers;            /* sync leavers -> queue */
		enum cw_role role;
		/* Seconds without contact with Redis after which nothing is
		 * allowed from the old data (break-glass aside); 0: one
		 * working day after the last contact (contract section 5). */
		int offline_grace_s;
		int admin_max_staleness_s;      /* admin mode needs fresher */
	} daemon;
};

/* Fills every field with its default. */
int cw_config_defaults(struct cw_config *c);

/*
 * Parses len bytes of INI text over the defaults already in c.  On error
 * err reads "line N: what was wrong".  Returns 0 or -1.
 */
int cw_config_parse(const char *buf, size_t len, struct cw_config *c,
    char *err, size_t errlen);

void cw_config_free(struct cw_config *c);

/*
 * Moves fresh's [policy] section into c (and c's old one into fresh, to be
 * freed with it): the part a running daemon may change on SIGHUP.
 */
void cw_config_swap_policy(struct cw_config *c, struct cw_config *fresh);

#endif
