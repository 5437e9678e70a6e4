/* SPDX-License-Identifier: MIT */
/*
 * ldap_conn.h - connecting to the directory, and turning what it sends
 * into raw entries.
 *
 * Only the attributes policy needs are requested, so nothing else
 * (password hashes above all) is ever copied into Redis.
 */
#ifndef CW_LDAP_CONN_H
#define CW_LDAP_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include <ldap.h>

#include "config.h"
#include "entry.h"

/* NULL-terminated list of the attributes to request. */
extern char *const cw_ldap_wanted_attrs[];

/*
 * Connects to the first reachable URI of [ldap] uri (libldap tries a
 * space-separated list in order), with StartTLS and CA verification when
 * configured, TCP keepalive so a silently dead server is noticed; refuses
 * a connection without TLS unless it is ldapi://, or allow_plaintext and
 * a loopback peer (checked before the bind sends the password); and
 * binds: simple with the password file, SASL EXTERNAL (sasl_external,
 * for ldapi://: the peer's uid is the identity), or anonymously.  NULL with err on failure.
 */
LDAP *cw_ldap_connect(const struct cw_config *cfg, char *err, size_t errlen);

/* The same, also giving libldap's result code of the failure in *rc. */
LDAP *cw_ldap_connect_rc(const struct cw_config *cfg, int *rc, char *err,
    size_t errlen);

/*
 * True when rc says the directory could not be reached or could not
 * answer now (down, unreachable, busy, timed out): a failure that goes
 * away by itself, so worth retrying soon.  False for an answer that a
 * retry would only repeat (bad credentials, no access, bad config).
 */
bool cw_ldap_unreachable(int rc);

/*
 * Whether ld's connection runs without TLS over the network (a plain
 * ldap:// that [ldap] allow_plaintext let through to loopback): the
 * caller logs it as a warning.  ldapi:// is not plaintext on the wire.
 */
bool cw_ldap_plaintext(LDAP *ld);

/* The URI actually connected to (malloc'd), for logs. */
char *cw_ldap_connected_uri(LDAP *ld);

/*
 * Builds a raw entry from a search entry, with attributes and values in a
 * canonical order so an unchanged entry always encodes to the same JSON.
 * uuid is the entry's entryUUID in text form.  0 or -1.
 */
int cw_ldap_entry(LDAP *ld, LDAPMessage *msg, const char *uuid,
    struct cw_entry *e);

/* RFC 4122 text form of a 16-byte UUID from a sync control (37 bytes). */
int cw_uuid_text(const char *bytes, size_t len, char out[37]);

/* Whether a refresh's final syncInfo (msg) says it ran in present
 * mode (libldap reports both modes as LDAP_SYNC_CAPI_DONE). */
bool cw_ldap_refresh_was_present(LDAP *ld, LDAPMessage *msg);

#endif
