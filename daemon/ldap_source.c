/*
 * ldap_source.c - connecting to the directory and reading policy entries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldap.h>

#include "ldap_source.h"

/* Longest bind password we read (the file is root-only). */
#define PASSWORD_MAX 1024

struct cw_ldap {
	LDAP *ld;
	int timeout_ms;
	char *uri;
};

/* Only these reach Redis: everything policy reads, nothing secret. */
static const char *const wanted_attrs[] = {
	"uid", "cn", "cwEmploymentStatus", "cwLeavingDate", "cwIdentityCheck",
	"cwCriminalRecordCheck", "cwRightToWorkCheck", "cwRightToWorkExpiry",
	"cwClearance", "cwClearanceExpiry", "cwTrainingCompleted", "cwRole",
	"cwRequiredClearance", "cwLoginRole", "cwAdminRole", "cwMaxElevation",
	"cwPrivileged", "entryUUID", "modifyTimestamp", "pwdAccountLockedTime",
	NULL
};

void
cw_entry_list_free(struct cw_entry_list *l)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		cw_entry_free(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

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
	struct timeval tv;

	timeval_ms(&tv, cfg->ldap.timeout_ms);
	if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version) ||
	    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv) ||
	    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv) ||
	    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF)) {
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

static int
bind_configured(struct cw_ldap *l, const struct cw_config *cfg, char *err,
    size_t errlen)
{
	char password[PASSWORD_MAX], why[256];
	struct berval cred = { 0, NULL };
	int len, rc;

	if (cfg->ldap.bind_dn != NULL) {
		len = cw_secret_read(cfg->ldap.bind_password_file, password,
		    sizeof(password), why, sizeof(why));
		if (len < 0) {
			snprintf(err, errlen, "ldap: bind password: %s", why);
			return -1;
		}
		cred.bv_val = password;
		cred.bv_len = (ber_len_t)len;
	}
	rc = ldap_sasl_bind_s(l->ld, cfg->ldap.bind_dn, LDAP_SASL_SIMPLE, &cred,
	    NULL, NULL, NULL);
	explicit_bzero(password, sizeof(password));
	if (rc != LDAP_SUCCESS) {
		snprintf(err, errlen, "ldap: bind as %s to %s: %s",
		    cfg->ldap.bind_dn ? cfg->ldap.bind_dn : "anonymous",
		    cfg->ldap.uri, ldap_err2string(rc));
		return -1;
	}
	return 0;
}

struct cw_ldap *
cw_ldap_open(const struct cw_config *cfg, char *err, size_t errlen)
{
	struct cw_ldap *l = calloc(1, sizeof(*l));
	int rc;

	if (l == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->timeout_ms = cfg->ldap.timeout_ms;
	/* libldap tries each URI of a space-separated list in turn. */
	if ((rc = ldap_initialize(&l->ld, cfg->ldap.uri)) != LDAP_SUCCESS) {
		snprintf(err, errlen, "ldap: bad uri '%s': %s", cfg->ldap.uri,
		    ldap_err2string(rc));
		goto fail;
	}
	if (set_options(l->ld, cfg, err, errlen) < 0)
		goto fail;
	if (cfg->ldap.starttls &&
	    (rc = ldap_start_tls_s(l->ld, NULL, NULL)) != LDAP_SUCCESS) {
		snprintf(err, errlen, "ldap: StartTLS with %s: %s",
		    cfg->ldap.uri, ldap_err2string(rc));
		goto fail;
	}
	if (bind_configured(l, cfg, err, errlen) < 0)
		goto fail;
	ldap_get_option(l->ld, LDAP_OPT_URI, &l->uri);
	return l;
fail:
	cw_ldap_close(l);
	return NULL;
}

void
cw_ldap_close(struct cw_ldap *l)
{
	if (l == NULL)
		return;
	if (l->ld != NULL)
		ldap_unbind_ext_s(l->ld, NULL, NULL);
	ldap_memfree(l->uri);
	free(l);
}

const char *
cw_ldap_uri(const struct cw_ldap *l)
{
	return l->uri != NULL ? l->uri : "?";
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

/*
 * LDAP gives no order to attributes or to the values of one attribute; we
 * sort both so that an unchanged entry always encodes to the same JSON and
 * a refresh rewrites only what really changed.
 */
static void
canonicalize(struct cw_entry *e)
{
	size_t i;

	qsort(e->attrs, e->nattrs, sizeof(*e->attrs), attr_cmp);
	for (i = 0; i < e->nattrs; i++)
		qsort(e->attrs[i].values, e->attrs[i].nvalues,
		    sizeof(*e->attrs[i].values), str_cmp);
}

/* Copies one attribute's values; binary values with NUL are refused. */
static int
copy_attr(LDAP *ld, LDAPMessage *msg, const char *name, struct cw_entry *e)
{
	struct berval **vals = ldap_get_values_len(ld, msg, name);
	char *v;
	int i, rc = 0;

	for (i = 0; vals != NULL && vals[i] != NULL && rc == 0; i++) {
		if (memchr(vals[i]->bv_val, '\0', vals[i]->bv_len) != NULL)
			continue;       /* not text: record.c sees it missing */
		if ((v = strndup(vals[i]->bv_val, vals[i]->bv_len)) == NULL)
			return -1;
		rc = cw_entry_add_value(e, name, v);
		free(v);
	}
	ldap_value_free_len(vals);
	return rc;
}

/* Builds e from one search entry; 1 when it has no entryUUID. */
static int
convert_entry(LDAP *ld, LDAPMessage *msg, struct cw_entry *e)
{
	BerElement *ber = NULL;
	char *name, *dn;
	const struct cw_attr *uuid;
	int rc = 0;

	memset(e, 0, sizeof(*e));
	if ((dn = ldap_get_dn(ld, msg)) == NULL || (e->dn = strdup(dn)) == NULL)
		rc = -1;
	ldap_memfree(dn);
	for (name = ldap_first_attribute(ld, msg, &ber); name != NULL && rc == 0;
	    name = ldap_next_attribute(ld, msg, ber)) {
		rc = copy_attr(ld, msg, name, e);
		ldap_memfree(name);
	}
	ber_free(ber, 0);
	if (rc == 0) {
		uuid = cw_entry_attr(e, "entryUUID");
		if (uuid == NULL || uuid->nvalues != 1)
			return 1;
		if ((e->uuid = strdup(uuid->values[0])) == NULL)
			return -1;
		canonicalize(e);
	}
	return rc;
}

static int
list_append(struct cw_entry_list *l, struct cw_entry *e)
{
	struct cw_entry *p;

	if (l->count == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 256;

		if ((p = reallocarray(l->items, ncap, sizeof(*p))) == NULL)
			return -1;
		l->items = p;
		l->cap = ncap;
	}
	l->items[l->count++] = *e;
	return 0;
}

int
cw_ldap_fetch(struct cw_ldap *l, const char *base, const char *object_class,
    struct cw_entry_list *out, size_t *skipped, char *err, size_t errlen)
{
	LDAPMessage *res = NULL, *msg;
	struct cw_entry e;
	struct timeval tv;
	char filter[128];
	int rc, conv, ret = -1;

	*skipped = 0;
	timeval_ms(&tv, l->timeout_ms);
	snprintf(filter, sizeof(filter), "(objectClass=%s)", object_class);
	/* libldap takes char ** but does not write through it. */
	rc = ldap_search_ext_s(l->ld, base, LDAP_SCOPE_SUBTREE, filter,
	    (char **)wanted_attrs, 0, NULL, NULL, &tv, LDAP_NO_LIMIT, &res);
	if (rc != LDAP_SUCCESS) {
		snprintf(err, errlen, "ldap: search %s under %s: %s", filter,
		    base, ldap_err2string(rc));
		goto out;
	}
	for (msg = ldap_first_entry(l->ld, res); msg != NULL;
	    msg = ldap_next_entry(l->ld, msg)) {
		conv = convert_entry(l->ld, msg, &e);
		if (conv == 0 && list_append(out, &e) == 0)
			continue;
		cw_entry_free(&e);
		if (conv < 0 || conv == 0) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		(*skipped)++;
	}
	ret = 0;
out:
	ldap_msgfree(res);
	return ret;
}
