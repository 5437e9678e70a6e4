/* SPDX-License-Identifier: MIT */
/*
 * entry.h - a directory entry as raw strings, exactly as LDAP returned it.
 *
 * This is what crosses from the LDAP edge into Redis and back: nothing in
 * it has been validated.  record.c is the one place that turns it into
 * typed records.
 */
#ifndef CW_ENTRY_H
#define CW_ENTRY_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Bounds on an entry.  cw_entry_add_value() and cw_entry_from_json() both
 * enforce them, so anything the LDAP edge manages to build can be stored
 * and read back, and nothing read back can be larger.  An attribute name is
 * an LDAP attribute description: [A-Za-z0-9;.-], as descriptors, OIDs and
 * options are spelled.  Values and the dn are UTF-8 without NUL bytes.
 */
#define CW_ENTRY_MAX_ATTRS 256
#define CW_ENTRY_MAX_VALUES 1024                /* per attribute */
#define CW_ENTRY_MAX_VALUE_LEN (64 * 1024)      /* bytes; also dn and uuid */
#define CW_ENTRY_MAX_NAME_LEN 128               /* attribute name, bytes */
#define CW_ENTRY_MAX_JSON (4 * 1024 * 1024)     /* whole JSON form, bytes */

struct cw_attr {
	char *name;
	char **values;
	size_t nvalues;
};

struct cw_entry {
	char *dn;
	char *uuid;             /* entryUUID: the key that survives renames */
	struct cw_attr *attrs;
	size_t nattrs;
};

/* Case-insensitive lookup, as LDAP attribute names are. NULL if absent. */
const struct cw_attr *cw_entry_attr(const struct cw_entry *e, const char *name);

/*
 * Appends a copy of value to attribute name (created on first use, matched
 * case-insensitively).  Returns 0, or -1 on allocation failure or when the
 * name, the value or the resulting entry would break the bounds above.
 */
int cw_entry_add_value(struct cw_entry *e, const char *name, const char *value);

void cw_entry_free(struct cw_entry *e);

/*
 * The attribute in which the LDAP edge notes each attribute whose values it
 * could not all keep (more than CW_ENTRY_MAX_VALUES, or a value the bounds
 * refuse), one value "<attribute>: <what>" each.  It travels with the entry
 * through Redis; record.c marks a record with it invalid (fail closed,
 * never a silently shortened but valid record).  The directory cannot send
 * it: only named attributes are requested.
 */
#define CW_ENTRY_INCOMPLETE "x-clearway-incomplete"

/* Notes that attr could not be copied whole, and why.  0 or -1. */
int cw_entry_mark_incomplete(struct cw_entry *e, const char *attr,
    const char *why);

/* The first such note, or NULL when the entry is complete. */
const char *cw_entry_incomplete(const struct cw_entry *e);

/*
 * JSON form used in Redis: {"dn":..,"uuid":..,"attrs":{"name":[values]}}.
 * cw_entry_to_json returns a malloc'd string, or NULL on allocation failure
 * or for an entry that cw_entry_from_json would refuse (no dn or uuid,
 * bounds broken, duplicate or empty attributes).
 * cw_entry_from_json parses len bytes strictly: exactly those three
 * fields, bounds as above; on error err names the field.  0 or -1.
 */
char *cw_entry_to_json(const struct cw_entry *e);
int cw_entry_from_json(const char *buf, size_t len, struct cw_entry *out,
    char *err, size_t errlen);

/*
 * cw_entry_from_json first tries a fast path for the compact, printable
 * ASCII, escape-free JSON the mirror writes (a cold start parses 100,000
 * of them); anything else goes through jansson, which also words every
 * error.  Both give the same entry.  Tests clear this to compare them.
 */
extern bool cw_entry_fast_json;

#endif
