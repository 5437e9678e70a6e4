/* SPDX-License-Identifier: MIT */
/*
 * trail_fixture.c - see trail_fixture.h: one fixture for every unit test
 * of the trail's store, so each test file holds only its own job's tests.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "trail_fixture.h"
#include "gentime.h"

int64_t
noon(const struct fixture *fx, int day)
{
	return (fx->day0 + day) * DAY_US + 12 * HOUR_US;
}

void
write_text(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char path[160];

	if (fx == NULL)
		return -1;
	snprintf(fx->base, sizeof(fx->base), "/tmp/cw-audit-test.XXXXXX");
	if (mkdtemp(fx->base) == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "%s/trail", fx->base);
	snprintf(fx->keys, sizeof(fx->keys), "%s/keys", fx->base);
	if (mkdir(fx->keys, 0700) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/k1.key", fx->keys);
	write_text(path, "000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f\n", 0600);
	snprintf(path, sizeof(path), "%s/k2.key", fx->keys);
	write_text(path, "F0E1D2C3B4A5968778695A4B3C2D1E0F"
	    "F0E1D2C3B4A5968778695A4B3C2D1E0FAABB\n", 0400);
	fx->day0 = cw_days_from_civil(2026, 1, 5);
	*state = fx;
	return 0;
}

static int
remove_entry(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
teardown(void **state)
{
	struct fixture *fx = *state;

	nftw(fx->base, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

struct cw_audit_store *
open_store(const struct fixture *fx, const char *key_id, int64_t now)
{
	struct cw_audit_store_options o = {
		.dir = fx->dir, .key_dir = fx->keys, .host = "web1",
		.key_id = key_id,
	};
	struct cw_audit_store *st;
	char err[256];

	if (cw_audit_store_open(&o, now, &st, err, sizeof(err)) < 0)
		fail_msg("open: %s", err);
	return st;
}

/* n PAM decisions for user<i>, a microsecond apart from now. */
void
append_events(struct cw_audit_store *st, int n, int64_t now)
{
	struct cw_audit_event *ev = calloc((size_t)n, sizeof(*ev));
	char user[32], err[256];
	int i;

	assert_non_null(ev);
	for (i = 0; i < n; i++) {
		snprintf(user, sizeof(user), "user%d", i);
		assert_int_equal(cw_audit_event_init(&ev[i],
		    CW_AUDIT_PAM_DECISION, now + i, user, user, "allow"), 0);
		assert_int_equal(cw_audit_event_add_string(&ev[i], "service",
		    "sshd"), 0);
	}
	if (cw_audit_store_append(st, ev, (size_t)n, now, err,
	    sizeof(err)) < 0)
		fail_msg("append: %s", err);
	free(ev);
}

/* Days 0..ndays-1, each a file of day_opened + per_day decisions. */
struct cw_audit_chain
build_days(const struct fixture *fx, int ndays, int per_day)
{
	struct cw_audit_store *st = open_store(fx, "k1", noon(fx, 0));
	struct cw_audit_chain end;
	int d;

	for (d = 0; d < ndays; d++)
		append_events(st, per_day, noon(fx, d));
	end = *cw_audit_store_chain(st);
	cw_audit_store_close(st);
	return end;
}

char *
day_path(const struct fixture *fx, int day)
{
	char name[CW_AUDIT_FILE_NAME_SIZE], *path;

	assert_int_equal(cw_audit_file_name(fx->day0 + day, name), 0);
	assert_true(asprintf(&path, "%s/%s", fx->dir, name) > 0);
	return path;
}

char *
day_name(const struct fixture *fx, int day)
{
	static char name[CW_AUDIT_FILE_NAME_SIZE];

	assert_int_equal(cw_audit_file_name(fx->day0 + day, name), 0);
	return name;
}

/* The file as lines (each with its "\n"); *n of them. */
char **
read_lines(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	char **lines = NULL, *line = NULL;
	size_t cap = 0;

	assert_non_null(f);
	*n = 0;
	while (getline(&line, &cap, f) > 0) {
		lines = realloc(lines, (*n + 1) * sizeof(*lines));
		assert_non_null(lines);
		lines[(*n)++] = strdup(line);
	}
	free(line);
	fclose(f);
	return lines;
}

void
write_lines(const char *path, char **lines, size_t n)
{
	FILE *f = fopen(path, "w");
	size_t i;

	assert_non_null(f);
	for (i = 0; i < n; i++) {
		fputs(lines[i], f);
		free(lines[i]);
	}
	free(lines);
	fclose(f);
}

uint64_t
seq_of(const char *line)
{
	return strtoull(strstr(line, "\"seq\":") + 6, NULL, 10);
}

int
verify(const struct fixture *fx, const struct cw_audit_chain *tail,
    struct cw_audit_verify_report *rep)
{
	struct cw_audit_verify_options o = { .dir = fx->dir,
	    .key_dir = fx->keys };

	if (tail != NULL) {
		o.expect_tail = true;
		o.tail_seq = tail->seq;
		memcpy(o.tail_mac, tail->mac, sizeof(o.tail_mac));
	}
	return cw_audit_verify_dir(&o, rep);
}

void
assert_intact(const struct fixture *fx, const struct cw_audit_chain *tail,
    struct cw_audit_verify_report *rep)
{
	if (verify(fx, tail, rep) != 0)
		fail_msg("not intact: %s %s:%lu: %s",
		    cw_audit_problem_name(rep->problem.kind), rep->problem.file,
		    rep->problem.line, rep->problem.what);
}

void
assert_problem(const struct fixture *fx, enum cw_audit_problem_kind kind,
    const char *file, unsigned long line)
{
	struct cw_audit_verify_report rep;

	assert_int_equal(verify(fx, NULL, &rep), -1);
	if (rep.problem.kind != kind || strcmp(rep.problem.file, file) != 0 ||
	    rep.problem.line != line)
		fail_msg("wanted %s at %s:%lu, got %s at %s:%lu: %s",
		    cw_audit_problem_name(kind), file, line,
		    cw_audit_problem_name(rep.problem.kind), rep.problem.file,
		    rep.problem.line, rep.problem.what);
	assert_true(rep.problem.what[0] != '\0');
}
