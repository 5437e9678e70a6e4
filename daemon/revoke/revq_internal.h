/* SPDX-License-Identifier: MIT */
/*
 * revq_internal.h - what the files of the revocation queue share, and
 * nobody else uses (the API is revocation_queue.h):
 *
 *   revq_record.c   names, checks, ids, months, decoding a record (no I/O)
 *   revq_script.c   calling the queue's Lua scripts (store/lua/revq_*.lua)
 *   revq_submit.c   submit, promote, mark audited, reinstate
 *   revq_claim.c    the consumer group, claim, step outcomes, complete,
 *                   dead letters, retry
 *   revq_report.c   reading records, the month, paging, deadline watch
 */
#ifndef CW_REVQ_INTERNAL_H
#define CW_REVQ_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "revoke/revocation_queue.h"
#include "store/keys.h"

/* KEYS every queue script gets, in revq_lib.lua's order. */
#define REVQ_NKEYS 7

/* 1..max bytes, each in allowed. */
bool revq_chars_in(const char *s, size_t max, const char *allowed);

/* "scheduled", ... as a state; CW_REVQ_UNKNOWN for anything else. */
enum cw_revq_state revq_state_parse(const char *s);

/* snprintf "%s": src cut to fit. */
void revq_copy(char *dst, size_t size, const char *src);

/* A HGETALL reply into r.  0, or -1 when it is empty (no such record). */
int revq_decode_hash(const redisReply *h, struct cw_revocation *r);

/*
 * Runs script with the seven keys, the prefix, the group and nargs (at
 * most 16) more arguments.  An error reply is an error: NULL with err.
 */
redisReply *revq_run_script(struct cw_store *st, const char *script,
    const char **args, int nargs, char *err, size_t errlen);

/* Runs a script whose reply is one integer: 0 with *value, or -1. */
int revq_run_int(struct cw_store *st, const char *script, const char **args,
    int nargs, long long *value, char *err, size_t errlen);

/* Runs a script that takes (id, now) and answers an integer into *v. */
int revq_run_id_script(struct cw_store *st, const char *script,
    const char *id, int64_t now, long long *v, char *err, size_t errlen);

#endif
