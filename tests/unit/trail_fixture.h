/* SPDX-License-Identifier: MIT */
/*
 * trail_fixture.h - what the unit tests of the trail's store share
 * (test_audit_append.c, _keys, _verify, _retention, _export): a temporary
 * trail directory with two key files, and helpers to build, read, edit
 * and verify its day files.  Key files must be owned by root, so most
 * tests need root (as CI runs).
 */
#ifndef CW_TRAIL_FIXTURE_H
#define CW_TRAIL_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "audit.h"

#define HOUR_US (3600LL * 1000000LL)
#define DAY_US (24 * HOUR_US)

struct fixture {
	char base[64];
	char dir[96];
	char keys[96];
	int64_t day0;           /* 2026-01-05 */
};

/* cmocka setup and teardown: the directory, keys k1 and k2 (0400). */
int setup(void **state);
int teardown(void **state);
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* Noon UTC of day (0 = fx->day0). */
int64_t noon(const struct fixture *fx, int day);
void write_text(const char *path, const char *text, mode_t mode);
struct cw_audit_store *open_store(const struct fixture *fx,
    const char *key_id, int64_t now);
/* n PAM decisions for user<i>, a microsecond apart from now. */
void append_events(struct cw_audit_store *st, int n, int64_t now);
/* Days 0..ndays-1, each a file of day_opened + per_day decisions. */
struct cw_audit_chain build_days(const struct fixture *fx, int ndays,
    int per_day);
/* The path (malloc'd) and the name (static) of day's file. */
char *day_path(const struct fixture *fx, int day);
char *day_name(const struct fixture *fx, int day);
/* The file as lines (each with its "\n"); *n of them. */
char **read_lines(const char *path, size_t *n);
/* Writes the lines back, freeing them. */
void write_lines(const char *path, char **lines, size_t n);
uint64_t seq_of(const char *line);
int verify(const struct fixture *fx, const struct cw_audit_chain *tail,
    struct cw_audit_verify_report *rep);
void assert_intact(const struct fixture *fx,
    const struct cw_audit_chain *tail, struct cw_audit_verify_report *rep);
void assert_problem(const struct fixture *fx,
    enum cw_audit_problem_kind kind, const char *file, unsigned long line);

#endif
