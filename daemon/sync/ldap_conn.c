/* SPDX-License-Identifier: MIT */
/*
 * ldap_conn.c - connecting to the directory, and converting its entries.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "config_file.h"
#include "sync/ldap_conn.h"

#define CW_STR_(x) #x
#define CW_STR(x) CW_STR_(x)

/* Longest bind password we read (the file is root-only). */
#define PASSWORD_MAX 1024
/* Keepalive: a silent peer is declared dead after about 30 + 3 * 10 s. */
#define KEEPALIVE_IDLE 30
#define KEEPALIVE_PROBES 3
#define KEEPALIVE_INTERVAL 10

/* Only these reach Redis: everything policy reads, nothing secret. */
char *const cw_ldap_wanted_attrs[] = {
	"uid", "cn", "cwEmploymentStatus", "cwLeavingDate", "cwIdentityCheck",
	"cwCriminalRecordCheck", "cwRightToWorkCheck", "cwRightToWorkExpiry",
	"cwClearance", "cwClearanceExpiry", "cwTrainingCompleted", "cwRole",
	"cwRequiredClearance", "cwLoginRole", "cwAdminRole", "cwMaxElevation",
	"cwPrivileged", "entryUUID", "modifyTimestamp", "pwdAccountLockedTime",
	"objectClass", NULL
};

static void
timeval_ms(struct timeval *tv, int ms)
{
	tv->tv_sec = ms / 1000;
	tv->tv_usec = (ms % 1000) * 1000;
}

/* Options that must be set before the first operation. */
static int
set_options(LDAP *ld, const struct cw_config *cfg, char *err, size_t errlen)
{
	int version = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, zero = 0;
	int idle = KEEPALIVE_IDLE, probes = KEEPALIVE_PROBES;
	int interval = KEEPALIVE_INTERVAL;
	struct timeval tv;

	timeval_ms(&tv, cfg->ldap.timeout_ms);
	if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version) ||
	    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv) ||
	    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv) ||
	    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) ||
	    ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_IDLE, &idle) ||
	    ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_PROBES, &probes) ||
	    ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_INTERVAL, &interval)) {
		snprintf(err, errlen, "ldap: cannot set connection options");
		return -1;
	}
	if (cfg->ldap.ca_file == NULL)
		return 0;
	/* A CA file means: verify the server, against that CA only. */
	if (ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, cfg->ldap.ca_file) ||
	    ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) ||
	    ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero)) {
		snprintf(err, errlen, "ldap: cannot use CA file %s",
		    cfg->ldap.ca_file);
		return -1;
	}
	return 0;
}

/* Says why an operation failed, with libldap's diagnostic (TLS errors). */
static void
describe_failure(LDAP *ld, const struct cw_config *cfg, const char *what,
    int rc, char *err, size_t errlen)
{
	char *diag = NULL;
	bool tls = cfg->ldap.starttls || strstr(cfg->ldap.uri, "ldaps://");
	bool useful;

	ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	useful = diag != NULL && *diag != '\0' && *diag != '(';
	snprintf(err, errlen, "ldap: %s %s: %s%s%s%s", what, cfg->ldap.uri,
	    ldap_err2string(rc), useful ? ": " : "", useful ? diag : "",
	    tls && rc == LDAP_SERVER_DOWN ? " (with TLS: does the server's "
	    "certificate verify against ca_file and match the host name?)" :
	    "");
	ldap_memfree(diag);
}

static int
bind_configured(LDAP *ld, const struct cw_config *cfg, int *rcp, char *err,
    size_t errlen)
{
	char password[PASSWORD_MAX], why[256];
	struct berval cred = { 0, NULL };
	const char *dn = cfg->ldap.bind_dn;
	int len, rc;

	if (cfg->ldap.sasl_external) {
		/* An empty (not absent) initial response: no authzid, so
		 * the server uses the identity of the socket's peer. */
		cred.bv_val = "";
		rc = ldap_sasl_bind_s(ld, NULL, "EXTERNAL", &cred, NULL, NULL,
		    NULL);
		dn = "SASL EXTERNAL";
		goto done;
	}
	if (dn != NULL) {
		len = cw_secret_read(cfg->ldap.bind_password_file, password,
		    sizeof(password), why, sizeof(why));
		if (len < 0) {
			snprintf(err, errlen, "ldap: bind password: %s", why);
			*rcp = LDAP_PARAM_ERROR;        /* a retry cannot cure it */
			return -1;
		}
		cred.bv_val = password;
		cred.bv_len = (ber_len_t)len;
	}
	rc = ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL,
	    NULL);
	explicit_bzero(password, sizeof(password));
done:
	*rcp = rc;
	if (rc != LDAP_SUCCESS) {
		char what[160];

		snprintf(what, sizeof(what), "bind as %s to",
		    dn ? dn : "anonymous");
		describe_failure(ld, cfg, what, rc, err, errlen);
		return -1;
	}
	return 0;
}

/* Whether addr is 127.0.0.0/8 or ::1 (or IPv4 ::1-mapped 127/8). */
static bool
loopback_addr(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
	const unsigned char *b = s6->sin6_addr.s6_addr;

	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr)
		    >> 24) == 127;
	if (ss->ss_family != AF_INET6)
		return false;
	return IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr) ||
	    (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) && b[12] == 127);
}

/* The family and address of ld's connection; -1 when there is none. */
static int
peer_of(LDAP *ld, struct sockaddr_storage *ss)
{
	socklen_t len = sizeof(*ss);
	ber_socket_t fd = -1;

	memset(ss, 0, sizeof(*ss));
	if (ldap_get_option(ld, LDAP_OPT_DESC, &fd) != LDAP_OPT_SUCCESS ||
	    fd < 0 || getpeername(fd, (struct sockaddr *)ss, &len) < 0)
		return -1;
	return 0;
}

bool
cw_ldap_plaintext(LDAP *ld)
{
	struct sockaddr_storage ss;

	if (ldap_tls_inplace(ld))
		return false;
	return peer_of(ld, &ss) < 0 || ss.ss_family != AF_UNIX;
}

/*
 * Before anything is sent (the bind carries the password): a connection
 * without TLS is only acceptable over ldapi://, or with allow_plaintext to
 * an address that really is loopback (the config checked the URI's text;
 * here "localhost" has been resolved).  Otherwise the connection is
 * refused, naming the URI and the fix.
 */
static int
check_transport(LDAP *ld, const struct cw_config *cfg, char *err,
    size_t errlen)
{
	struct sockaddr_storage ss;

	if (!cw_ldap_plaintext(ld))
		return 0;
	if (cfg->ldap.allow_plaintext && peer_of(ld, &ss) == 0 &&
	    loopback_addr(&ss))
		return 0;
	snprintf(err, errlen, "ldap: %s: refusing plain LDAP without TLS%s: "
	    "use ldaps:// or starttls = yes", cfg->ldap.uri,
	    cfg->ldap.allow_plaintext ? " to an address that is not loopback" :
	    " (allow_plaintext = yes permits it to a loopback address only)");
	return -1;
}

/* Whether the space-separated URI list has a plain ldap:// URI. */
static bool
may_be_plain(const char *uris)
{
	const char *p = uris;

	while (p != NULL && *p != '\0') {
		p += strspn(p, " \t");
		if (strncasecmp(p, "ldap://", 7) == 0)
			return true;
		p += strcspn(p, " \t");
	}
	return false;
}

bool
cw_ldap_unreachable(int rc)
{
	return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR ||
	    rc == LDAP_TIMEOUT || rc == LDAP_UNAVAILABLE || rc == LDAP_BUSY ||
	    rc == LDAP_TIMELIMIT_EXCEEDED;
}

LDAP *
cw_ldap_connect_rc(const struct cw_config *cfg, int *rcp, char *err,
    size_t errlen)
{
	LDAP *ld = NULL;
	int rc;

	*rcp = LDAP_PARAM_ERROR;
	if ((rc = ldap_initialize(&ld, cfg->ldap.uri)) != LDAP_SUCCESS) {
		snprintf(err, errlen, "ldap: bad uri '%s': %s", cfg->ldap.uri,
		    ldap_err2string(rc));
		return NULL;
	}
	if (set_options(ld, cfg, err, errlen) < 0)
		goto fail;
	if (cfg->ldap.starttls &&
	    (rc = ldap_start_tls_s(ld, NULL, NULL)) != LDAP_SUCCESS) {
		*rcp = rc;
		describe_failure(ld, cfg, "StartTLS with", rc, err, errlen);
		goto fail;
	}
	/*
	 * A list with a plain ldap:// URI (no StartTLS): connect first, and
	 * look at what answered before the bind sends anything.  ldaps://
	 * and ldapi:// cannot end up in clear, and bind as they always did.
	 */
	if (!cfg->ldap.starttls && may_be_plain(cfg->ldap.uri)) {
		if ((rc = ldap_connect(ld)) != LDAP_SUCCESS) {
			*rcp = rc;
			describe_failure(ld, cfg, "connect to", rc, err,
			    errlen);
			goto fail;
		}
		if (check_transport(ld, cfg, err, errlen) < 0)
			goto fail;
	}
	if (bind_configured(ld, cfg, rcp, err, errlen) < 0)
		goto fail;
	*rcp = LDAP_SUCCESS;
	return ld;
fail:
	ldap_unbind_ext_s(ld, NULL, NULL);
	return NULL;
}

LDAP *
cw_ldap_connect(const struct cw_config *cfg, char *err, size_t errlen)
{
	int rc;

	return cw_ldap_connect_rc(cfg, &rc, err, errlen);
}

char *
cw_ldap_connected_uri(LDAP *ld)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[NI_MAXHOST], port[NI_MAXSERV], buf[NI_MAXHOST + 16];
	ber_socket_t fd = -1;

	/* LDAP_OPT_URI is the whole configured list; say which one answered. */
	if (ldap_get_option(ld, LDAP_OPT_DESC, &fd) != LDAP_OPT_SUCCESS ||
	    fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return strdup("?");
	if (ss.ss_family == AF_UNIX)
		return strdup("ldapi (local socket)");
	if (getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), port,
	    sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		return strdup("?");
	snprintf(buf, sizeof(buf), ss.ss_family == AF_INET6 ? "[%s]:%s" :
	    "%s:%s", host, port);
	return strdup(buf);
}

static int
attr_cmp(const void *a, const void *b)
{
	return strcasecmp(((const struct cw_attr *)a)->name,
	    ((const struct cw_attr *)b)->name);
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
canonicalize(struct cw_entry *e)
{
	size_t i;

	qsort(e->attrs, e->nattrs, sizeof(*e->attrs), attr_cmp);
	for (i = 0; i < e->nattrs; i++)
		qsort(e->attrs[i].values, e->attrs[i].nvalues,
		    sizeof(*e->attrs[i].values), str_cmp);
}

/*
 * Copies one attribute's values.  When the raw entry cannot hold them all
 * (more than CW_ENTRY_MAX_VALUES, or a value that is binary or over-long),
 * the entry is marked incomplete, naming the attribute: record.c then
 * marks the record invalid (record_invalid), never a shortened but valid
 * one.
 */
static int
copy_attr(LDAP *ld, LDAPMessage *msg, const char *name, struct cw_entry *e)
{
	struct berval **vals = ldap_get_values_len(ld, msg, name);
	const char *why = NULL;
	char *v;
	int i, rc = 0;

	for (i = 0; vals != NULL && vals[i] != NULL; i++) {
		if (i >= CW_ENTRY_MAX_VALUES) {
			why = "more than " CW_STR(CW_ENTRY_MAX_VALUES) " values";
			break;
		}
		if (memchr(vals[i]->bv_val, '\0', vals[i]->bv_len) != NULL) {
			why = "a binary value";
			continue;
		}
		if ((v = strndup(vals[i]->bv_val, vals[i]->bv_len)) == NULL) {
			rc = -1;
			break;
		}
		if (cw_entry_add_value(e, name, v) < 0)
			why = "a value that cannot be stored";
		free(v);
	}
	ldap_value_free_len(vals);
	if (rc == 0 && why != NULL && cw_entry_mark_incomplete(e, name, why) < 0)
		rc = -1;
	return rc;
}

int
cw_ldap_entry(LDAP *ld, LDAPMessage *msg, const char *uuid,
    struct cw_entry *e)
{
	BerElement *ber = NULL;
	char *name, *dn;
	int rc = 0;

	memset(e, 0, sizeof(*e));
	if ((dn = ldap_get_dn(ld, msg)) == NULL)
		return -1;
	e->dn = strdup(dn);
	ldap_memfree(dn);
	if (e->dn == NULL || (e->uuid = strdup(uuid)) == NULL)
		rc = -1;
	for (name = ldap_first_attribute(ld, msg, &ber); name != NULL && rc == 0;
	    name = rc == 0 ? ldap_next_attribute(ld, msg, ber) : NULL) {
		rc = copy_attr(ld, msg, name, e);
		ldap_memfree(name);
	}
	ber_free(ber, 0);
	if (rc == 0)
		canonicalize(e);
	return rc;
}

int
cw_uuid_text(const char *bytes, size_t len, char out[37])
{
	const unsigned char *b = (const unsigned char *)bytes;

	if (len != 16)
		return -1;
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
	    b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
	return 0;
}

/*
 * The final syncInfo of a refresh says which mode it was in: libldap
 * reports both as LDAP_SYNC_CAPI_DONE, so we read the tag ourselves.
 */
bool
cw_ldap_refresh_was_present(LDAP *ld, LDAPMessage *msg)
{
	struct berval *data = NULL;
	char *oid = NULL;
	BerElement *ber;
	ber_len_t len;
	bool present = false;

	if (ldap_parse_intermediate(ld, msg, &oid, &data, NULL, 0) !=
	    LDAP_SUCCESS)
		return false;
	if (data != NULL && (ber = ber_init(data)) != NULL) {
		present = ber_peek_tag(ber, &len) == LDAP_TAG_SYNC_REFRESH_PRESENT;
		ber_free(ber, 1);
	}
	ldap_memfree(oid);
	ber_bvfree(data);
	return present;
}
