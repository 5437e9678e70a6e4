/* SPDX-License-Identifier: MIT */
/*
 * config_check.h - the files a configuration names, checked before the
 * daemon relies on them: by clearwayd -t (all of them) and at start (the
 * secrets, so that a secret open to others stops the start, naming the
 * file and the fix, instead of switching a part of the daemon off).
 */
#ifndef CW_CONFIG_CHECK_H
#define CW_CONFIG_CHECK_H

#include <stddef.h>

#include "config.h"

/*
 * Every secret: [ldap] bind_password_file (unless SASL EXTERNAL),
 * [redis] password_file, [redis] key_file (loaded with ca_file and
 * cert_file, as at start), and on the audit writer key_dir and its
 * current key.  Each must exist, belong to root and be closed to group
 * and others.  0, or -1 with err naming the key, the file and the fix.
 */
int cw_config_check_secrets(const struct cw_config *cfg, char *err,
    size_t errlen);

/*
 * For -t: the secrets, then the other files: [ldap] ca_file parses as
 * PEM certificates, [policy] bank_holidays_file loads, and the
 * directories the daemon writes in (the socket's, state_dir, spool_dir,
 * the writer's audit directory), where they exist, are root's and
 * writable by no one else.  0, or -1 with err.
 */
int cw_config_check_files(const struct cw_config *cfg, char *err,
    size_t errlen);

#endif
