/*
 * ldap_source.h - reading policy entries from the directory.
 *
 * A plain search of each base.  Only the attributes policy needs are
 * requested, so nothing else (password hashes above all) is ever copied
 * into Redis.
 */
#ifndef CW_LDAP_SOURCE_H
#define CW_LDAP_SOURCE_H

#include <stddef.h>

#include "config.h"
#include "entry.h"

struct cw_entry_list {
	struct cw_entry *items;
	size_t count;
	size_t cap;
};

void cw_entry_list_free(struct cw_entry_list *l);

struct cw_ldap;

/*
 * Connects to the first reachable URI of [ldap] uri, with StartTLS and CA
 * verification when configured, and binds (simple with the password file,
 * or anonymously).  NULL with err on failure.
 */
struct cw_ldap *cw_ldap_open(const struct cw_config *cfg, char *err,
    size_t errlen);
void cw_ldap_close(struct cw_ldap *l);

/* The URI actually connected to, for logs. */
const char *cw_ldap_uri(const struct cw_ldap *l);

/*
 * Searches base (subtree) for objectClass=object_class.  Entries without
 * an entryUUID are skipped (counted in *skipped).  Any result but complete
 * success is an error: a partial answer must never look like deletions.
 */
int cw_ldap_fetch(struct cw_ldap *l, const char *base,
    const char *object_class, struct cw_entry_list *out, size_t *skipped,
    char *err, size_t errlen);

#endif
