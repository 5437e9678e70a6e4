/* SPDX-License-Identifier: MIT */
/*
 * config_file.h - the configuration and its secret and holiday files read
 * from disk (the I/O half of config.h, whose parser is pure).
 */
#ifndef CW_CONFIG_FILE_H
#define CW_CONFIG_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "calendar.h"
#include "config.h"

/*
 * Whether st (a stat of a directory) is a directory only root can change:
 * owned by root, writable by no one else.  Whoever can write a directory
 * can put files there, or replace them (the socket, the spool).
 */
static inline bool
cw_root_only_dir(const struct stat *st)
{
	return S_ISDIR(st->st_mode) && st->st_uid == 0 &&
	    (st->st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

/*
 * Loads path: refuses a file that is not a regular file owned by root and
 * not writable by group or others (a config that others can edit decides
 * who may log on), then parses it.  Returns 0 or -1.
 */
int cw_config_load(const char *path, struct cw_config *c, char *err,
    size_t errlen);

/*
 * Reads path whole into *bufp (malloc'd, NUL-terminated, *lenp bytes
 * before the NUL), refusing a file that is not a regular file owned by
 * root and not writable by group or others, or that is larger than max.
 * Returns 0 or -1 with err set ("PATH: what was wrong").
 */
int cw_read_root_file(const char *path, size_t max, char **bufp,
    size_t *lenp, char *err, size_t errlen);

/*
 * Reads a secret (password, key) from path into buf, NUL-terminated, with
 * one trailing newline removed.  Refuses a file not owned by root or with
 * any group/other permission bit.  Returns its length, or -1.
 */
int cw_secret_read(const char *path, char *buf, size_t buflen, char *err,
    size_t errlen);

/*
 * As cw_read_root_file, for a secret of several lines (a PEM private
 * key): group and others may have no access at all.  The caller wipes
 * *bufp (explicit_bzero over *lenp) before freeing it.
 */
int cw_secret_file_read(const char *path, size_t max, char **bufp,
    size_t *lenp, char *err, size_t errlen);

/*
 * Builds the working-day calendar for division: rules only when
 * holidays_path is NULL, else rules overridden by that GOV.UK-format
 * bank-holidays.json (read with cw_read_root_file()).  Free cal with
 * cw_calendar_free().  Returns 0 or -1.
 */
int cw_calendar_load(const char *holidays_path, enum cw_division division,
    struct cw_calendar *cal, char *err, size_t errlen);

#endif
