/* SPDX-License-Identifier: MIT */
/*
 * denylist.h - the persisted local deny-list: the revoked users this host
 * keeps denying when Redis or LDAP is down and after a reboot (contract
 * section 2: "the daemon keeps a persisted deny-list").
 *
 * The file (e.g. <state_dir>/revoked.list), mode 0600, owned by the
 * daemon's user:
 *
 *   clearway-denylist 1
 *   count 2
 *   alice
 *   mallory
 *   crc32 1a2b3c4d
 *
 * Names are valid login names (cw_user_name_valid), one per line, in
 * strictly increasing byte order (so duplicates and reordering show), and
 * the last line is the CRC-32 (IEEE 802.3, as zlib's) of every byte before
 * it, in 8 lowercase hex digits, then a newline and nothing more.  The
 * format is canonical: a list has exactly one encoding.  The count and the
 * trailer make a truncated file detectable; the checksum a corrupted one.
 * It is no defence against someone who can write the file (root).
 *
 * A file that fails any check is refused whole, never half-read: the
 * caller then fails closed (denies with policy_unavailable) until Redis
 * answers again.
 *
 * It is written atomically: a temporary file in the same directory,
 * written, fsync'd, renamed over the old one, and the directory fsync'd,
 * so after a crash the file is either the old list or the new one.
 */
#ifndef CW_DENYLIST_H
#define CW_DENYLIST_H

#include <stddef.h>

#include "lib/strmap.h"

#define CW_DENYLIST_VERSION 1
#define CW_DENYLIST_MAX_NAMES 1000000
#define CW_DENYLIST_MAX_BYTES (96 * 1024 * 1024)

/*
 * Parses len bytes of a deny-list into out (uid -> (void *)1; out must be
 * initialized, and is left empty on error).  Returns 0, or -1 with err.
 */
int cw_denylist_parse(const char *buf, size_t len, struct cw_strmap *out,
    char *err, size_t errlen);

/* The encoding of the names in m (malloc'd, *len bytes).  0 or -1. */
int cw_denylist_format(const struct cw_strmap *m, char **buf, size_t *len);

/*
 * Loads path: refuses anything but a regular file owned by the effective
 * uid and not accessible to group or others, larger than the limit, or
 * not parsing.  Returns 0, 1 when there is no file (nothing persisted
 * yet), -1 with err.
 */
int cw_denylist_load(const char *path, struct cw_strmap *out, char *err,
    size_t errlen);

/* Writes m to path atomically with mode 0600.  0, or -1 with err. */
int cw_denylist_save(const char *path, const struct cw_strmap *m, char *err,
    size_t errlen);

/*
 * The state_dir file helpers both use (and store_guard.c's state file):
 * cw_statefile_read refuses anything but a regular file owned by the
 * effective uid, not accessible to group or others, at most max bytes;
 * returns 0 with *buf (malloc'd, *len bytes), 1 when there is no file,
 * -1 with err.  cw_statefile_write replaces path atomically (temporary
 * file, fsync, rename, fsync of the directory) with mode 0600.
 */
int cw_statefile_read(const char *path, size_t max, char **buf, size_t *len,
    char *err, size_t errlen);
int cw_statefile_write(const char *path, const char *buf, size_t len,
    char *err, size_t errlen);

/* CRC-32 (IEEE, reflected, as zlib's crc32()). */
unsigned long cw_crc32(const void *buf, size_t len);

#endif
