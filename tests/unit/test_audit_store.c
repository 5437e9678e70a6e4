/* SPDX-License-Identifier: MIT */
/*
 * test_audit_store.c - the audit trail on disk, in a temporary directory:
 * the writer (resume, roll-over, rotation, crash repair, lock), the
 * verifier against each kind of tampering, retention, and export.  Key
 * files must be owned by root, so most tests need root (as CI runs).
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

#include "audit.h"
#include "config.h"
#include "gentime.h"

#define HOUR_US (3600LL * 1000000LL)
#define DAY_US (24 * HOUR_US)

struct fixture {
	char base[64];
	char dir[96];
	char keys[96];
	int64_t day0;           /* 2026-01-05 */
};

static int64_t
noon(const struct fixture *fx, int day)
{
	return (fx->day0 + day) * DAY_US + 12 * HOUR_US;
}

static void
write_text(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static int
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

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	nftw(fx->base, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static struct cw_audit_store *
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
static void
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
static struct cw_audit_chain
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

static char *
day_path(const struct fixture *fx, int day)
{
	char name[CW_AUDIT_FILE_NAME_SIZE], *path;

	assert_int_equal(cw_audit_file_name(fx->day0 + day, name), 0);
	assert_true(asprintf(&path, "%s/%s", fx->dir, name) > 0);
	return path;
}

static char *
day_name(const struct fixture *fx, int day)
{
	static char name[CW_AUDIT_FILE_NAME_SIZE];

	assert_int_equal(cw_audit_file_name(fx->day0 + day, name), 0);
	return name;
}

/* The file as lines (each with its "\n"); *n of them. */
static char **
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

static void
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

static uint64_t
seq_of(const char *line)
{
	return strtoull(strstr(line, "\"seq\":") + 6, NULL, 10);
}

static int
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

static void
assert_intact(const struct fixture *fx, const struct cw_audit_chain *tail,
    struct cw_audit_verify_report *rep)
{
	if (verify(fx, tail, rep) != 0)
		fail_msg("not intact: %s %s:%lu: %s",
		    cw_audit_problem_name(rep->problem.kind), rep->problem.file,
		    rep->problem.line, rep->problem.what);
}

static void
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

static void
test_file_names(void **state)
{
	char name[CW_AUDIT_FILE_NAME_SIZE];
	int64_t day;

	(void)state;
	assert_int_equal(cw_audit_file_name(cw_days_from_civil(2026, 11, 23),
	    name), 0);
	assert_string_equal(name, "audit-2026-11-23.jsonl");
	assert_int_equal(cw_audit_file_day(name, &day), 0);
	assert_true(day == cw_days_from_civil(2026, 11, 23));
	assert_int_equal(cw_audit_file_day("audit-2026-02-30.jsonl", &day), -1);
	assert_int_equal(cw_audit_file_day("audit-2026-2-03.jsonl", &day), -1);
	assert_int_equal(cw_audit_file_day("audit-2026-02-03.jsonl~", &day),
	    -1);
	assert_int_equal(cw_audit_file_day("audit-2026-02-03.json", &day), -1);
	assert_int_equal(cw_audit_file_name(-1, name), -1);
}

static void
test_round_trip_and_resume(void **state)
{
	struct fixture *fx = *state;
	struct cw_audit_verify_report rep;
	struct cw_audit_store_options o = { .dir = fx->dir,
	    .key_dir = fx->keys, .host = "web1", .key_id = "k1" };
	struct cw_audit_store *st, *second;
	struct stat sb;
	char err[256], **lines, *path;
	size_t n;

	if (geteuid() != 0)
		skip();
	st = open_store(fx, "k1", noon(fx, 0));
	/* One writer per directory. */
	assert_int_equal(cw_audit_store_open(&o, noon(fx, 0), &second, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "another audit writer"));
	append_events(st, 10, noon(fx, 0));
	assert_true(cw_audit_store_chain(st)->seq == 11);
	cw_audit_store_close(st);
	assert_intact(fx, NULL, &rep);
	assert_true(rep.files == 1 && rep.records == 11 && rep.first_seq == 1 &&
	    rep.last_seq == 11);

	/* Root-only on disk. */
	assert_int_equal(stat(fx->dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	path = day_path(fx, 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	free(path);

	/* The next day: resumed, rolled over, chained across the files. */
	st = open_store(fx, "k1", noon(fx, 1));
	append_events(st, 5, noon(fx, 1));
	cw_audit_store_close(st);
	st = open_store(fx, "k1", noon(fx, 1) + HOUR_US);
	append_events(st, 1, noon(fx, 1) + HOUR_US);
	cw_audit_store_close(st);
	assert_intact(fx, NULL, &rep);
	assert_true(rep.files == 2 && rep.records == 18);

	path = day_path(fx, 1);
	lines = read_lines(path, &n);
	assert_int_equal(n, 7);
	assert_non_null(strstr(lines[0], "\"type\":\"day_opened\""));
	assert_non_null(strstr(lines[0], day_name(fx, 0)));
	assert_true(seq_of(lines[0]) == 12);
	write_lines(path, lines, n);
	free(path);

	/* A day the writer did not run is a date gap, not a break. */
	st = open_store(fx, "k1", noon(fx, 4));
	cw_audit_store_close(st);
	assert_intact(fx, NULL, &rep);
	assert_true(rep.files == 3 && rep.days_without_file == 2);
}

static void
test_key_rotation(void **state)
{
	struct fixture *fx = *state;
	struct cw_audit_verify_report rep;
	struct cw_audit_store *st;
	char err[256], path[160];
	uint64_t seq;

	if (geteuid() != 0)
		skip();
	st = open_store(fx, "k1", noon(fx, 0));
	append_events(st, 3, noon(fx, 0));
	assert_int_equal(cw_audit_store_rotate_key(st, "k2", "root",
	    noon(fx, 0) + 10, err, sizeof(err)), 0);
	assert_string_equal(cw_audit_store_chain(st)->key_id, "k2");
	append_events(st, 3, noon(fx, 0) + 20);
	/* A key that cannot be read is refused, and nothing changes. */
	seq = cw_audit_store_chain(st)->seq;
	assert_int_equal(cw_audit_store_rotate_key(st, "k9", "root",
	    noon(fx, 0) + 30, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "k9.key"));
	assert_true(cw_audit_store_chain(st)->seq == seq);
	cw_audit_store_close(st);

	/* Reopened naming k1: an existing chain keeps its own key. */
	st = open_store(fx, "k1", noon(fx, 1));
	assert_string_equal(cw_audit_store_chain(st)->key_id, "k2");
	append_events(st, 2, noon(fx, 1));
	cw_audit_store_close(st);
	assert_intact(fx, NULL, &rep);
	assert_int_equal(rep.key_rotations, 1);

	/* Without the old key, the old records cannot be checked. */
	snprintf(path, sizeof(path), "%s/k1.key", fx->keys);
	assert_int_equal(unlink(path), 0);
	assert_problem(fx, CW_AUDIT_KEY, day_name(fx, 0), 1);
}

static void
test_changed_byte(void **state)
{
	struct fixture *fx = *state;
	char **lines, *path, *at;
	size_t n;

	if (geteuid() != 0)
		skip();
	build_days(fx, 3, 5);
	path = day_path(fx, 1);
	lines = read_lines(path, &n);
	at = strstr(lines[2], "user1");
	at[4] = '7';
	write_lines(path, lines, n);
	free(path);
	assert_problem(fx, CW_AUDIT_CHANGED, day_name(fx, 1), 3);
}

static void
test_deleted_line(void **state)
{
	struct fixture *fx = *state;
	struct cw_audit_verify_report rep;
	char **lines, *path;
	size_t n;

	if (geteuid() != 0)
		skip();
	build_days(fx, 3, 5);
	path = day_path(fx, 1);
	lines = read_lines(path, &n);
	free(lines[2]);
	memmove(&lines[2], &lines[3], (n - 3) * sizeof(*lines));
	write_lines(path, lines, n - 1);
	free(path);
	assert_problem(fx, CW_AUDIT_DELETED, day_name(fx, 1), 3);
	assert_int_equal(verify(fx, NULL, &rep), -1);
	assert_true(rep.problem.seq == 10);    /* 9 is gone */
	assert_non_null(strstr(rep.problem.what, "9..9"));
}

static void
test_swapped_pair(void **state)
{
	struct fixture *fx = *state;
	char **lines, *path, *tmp;
	size_t n;

	if (geteuid() != 0)
		skip();
	build_days(fx, 3, 5);
	path = day_path(fx, 1);
	lines = read_lines(path, &n);
	tmp = lines[2];
	lines[2] = lines[3];
	lines[3] = tmp;
	write_lines(path, lines, n);
	free(path);
	assert_problem(fx, CW_AUDIT_REORDERED, day_name(fx, 1), 3);
}

static void
test_truncated(void **state)
{
	struct fixture *fx = *state;
	struct stat sb;
	char *path;

	if (geteuid() != 0)
		skip();
	build_days(fx, 3, 5);
	/* Cut inside the last line of the newest file. */
	path = day_path(fx, 2);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(truncate(path, sb.st_size - 10), 0);
	free(path);
	assert_problem(fx, CW_AUDIT_TRUNCATED, day_name(fx, 2), 6);
}

static void
test_truncated_middle_file(void **state)
{
	struct fixture *fx = *state;
	char **lines, *path;
	size_t n;

	if (geteuid() != 0)
		skip();
	build_days(fx, 3, 5);
	path = day_path(fx, 1);
	lines = read_lines(path, &n);
	free(lines[n - 1]);
	free(lines[n - 2]);
	write_lines(path, lines, n - 2);
	free(path);
	assert_problem(fx, CW_AUDIT_DELETED, day_name(fx, 2), 1);
}

static void
test_missing_day(void **state)
{
	struct fixture *fx = *state;
	struct cw_audit_verify_report rep;
	char *path;

	if (geteuid() != 0)
		skip();
	build_days(fx, 3, 5);
	path = day_path(fx, 1);
	assert_int_equal(unlink(path), 0);
	free(path);
	assert_problem(fx, CW_AUDIT_MISSING_DAY, day_name(fx, 2), 1);
	assert_int_equal(verify(fx, NULL, &rep), -1);
	assert_non_null(strstr(rep.problem.what, day_name(fx, 1)));
}

static void
test_missing_start_and_tail(void **state)
{
	struct fixture *fx = *state;
	struct cw_audit_verify_report rep;
	struct cw_audit_chain end;
	char **lines, *path;
	size_t n;

	if (geteuid() != 0)
		skip();
	end = build_days(fx, 3, 5);
	assert_intact(fx, &end, &rep);

	/* Cutting records off the end shows only against the writer's state. */
	path = day_path(fx, 2);
	lines = read_lines(path, &n);
	free(lines[n - 1]);
	write_lines(path, lines, n - 1);
	free(path);
	assert_intact(fx, NULL, &rep);
	assert_int_equal(verify(fx, &end, &rep), -1);
	assert_int_equal(rep.problem.kind, CW_AUDIT_MISSING_TAIL);
	assert_string_equal(rep.problem.file, day_name(fx, 2));
	assert_int_equal(rep.problem.line, 5);

	/* The oldest file deleted, with no record to allow it. */
	path = day_path(fx, 0);
	assert_int_equal(unlink(path), 0);
	free(path);
	assert_problem(fx, CW_AUDIT_MISSING_START, day_name(fx, 1), 1);
}

static void
test_empty_and_malformed(void **state)
{
	struct fixture *fx = *state;
	struct cw_audit_verify_report rep;
	char *path;
	FILE *f;

	if (geteuid() != 0)
		skip();
	assert_int_equal(mkdir(fx->dir, 0700), 0);
	assert_int_equal(verify(fx, NULL, &rep), -1);
	assert_int_equal(rep.problem.kind, CW_AUDIT_EMPTY);
	rmdir(fx->dir);

	build_days(fx, 2, 2);
	path = day_path(fx, 1);
	f = fopen(path, "a");
	fputs("not json\n", f);
	fclose(f);
	free(path);
	assert_problem(fx, CW_AUDIT_MALFORMED, day_name(fx, 1), 4);
}

static void
test_writer_recovery(void **state)
{
	struct fixture *fx = *state;
	struct cw_audit_verify_report rep;
	struct cw_audit_store *st;
	char **lines, *path;
	size_t n;
	FILE *f;

	if (geteuid() != 0)
		skip();
	build_days(fx, 1, 3);
	path = day_path(fx, 0);
	f = fopen(path, "a");
	fputs("{\"actor\":\"us", f);     /* a write cut short by a crash */
	fclose(f);
	assert_problem(fx, CW_AUDIT_TRUNCATED, day_name(fx, 0), 5);

	st = open_store(fx, "k1", noon(fx, 0) + HOUR_US);
	cw_audit_store_close(st);
	assert_intact(fx, NULL, &rep);
	lines = read_lines(path, &n);
	assert_int_equal(n, 5);
	assert_non_null(strstr(lines[4], "\"type\":\"writer_recovered\""));
	assert_non_null(strstr(lines[4], "\"discarded_bytes\":12"));
	write_lines(path, lines, n);
	free(path);
}

static void
test_retention(void **state)
{
	struct fixture *fx = *state;
	struct cw_audit_verify_report rep;
	struct cw_audit_removal plan, done;
	struct cw_audit_store *st;
	char err[256], *path, **saved;
	size_t nsaved;
	int d;

	if (geteuid() != 0)
		skip();
	st = open_store(fx, "k1", noon(fx, 0));
	for (d = 0; d < 3; d++)
		append_events(st, 2, noon(fx, d));
	append_events(st, 2, noon(fx, 100));
	cw_audit_store_close(st);

	/* Below six months is refused, by the plan and by the sweep. */
	assert_int_equal(cw_audit_retention_plan(fx->dir, 30, noon(fx, 200),
	    &plan, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "183"));
	st = open_store(fx, "k1", noon(fx, 200));
	assert_int_equal(cw_audit_retention_sweep(st, 30, "root",
	    noon(fx, 200), &done, err, sizeof(err)), -1);
	assert_int_equal(done.removed_files, 0);
	assert_intact(fx, NULL, &rep);
	assert_int_equal(rep.files, 5);

	/* Day 16 is the last whose whole day is 183 days before day 200. */
	assert_int_equal(cw_audit_retention_plan(fx->dir, 183, noon(fx, 200),
	    &plan, err, sizeof(err)), 0);
	assert_int_equal(plan.removed_files, 3);
	assert_string_equal(plan.keep_from_file, day_name(fx, 100));
	assert_int_equal(cw_audit_retention_plan(fx->dir, 184, noon(fx, 200),
	    &plan, err, sizeof(err)), 0);
	assert_int_equal(plan.removed_files, 3);
	assert_int_equal(cw_audit_retention_plan(fx->dir, 198, noon(fx, 200),
	    &plan, err, sizeof(err)), 0);
	assert_int_equal(plan.removed_files, 2);

	path = day_path(fx, 2);
	saved = read_lines(path, &nsaved);
	assert_int_equal(cw_audit_retention_sweep(st, 183, "root",
	    noon(fx, 200), &done, err, sizeof(err)), 0);
	cw_audit_store_close(st);
	assert_int_equal(done.removed_files, 3);
	assert_string_equal(done.first_removed, day_name(fx, 0));
	assert_string_equal(done.last_removed, day_name(fx, 2));
	assert_int_equal(access(path, F_OK), -1);
	assert_intact(fx, NULL, &rep);
	assert_int_equal(rep.files, 2);
	assert_int_equal(rep.retention_removals, 1);

	/* A sweep that stopped part-way (crash) still verifies. */
	write_lines(path, saved, nsaved);
	assert_intact(fx, NULL, &rep);
	assert_int_equal(rep.files, 3);
	assert_int_equal(unlink(path), 0);
	free(path);

	/* Deleting more than the record allows does not. */
	path = day_path(fx, 100);
	assert_int_equal(unlink(path), 0);
	free(path);
	assert_problem(fx, CW_AUDIT_MISSING_START, day_name(fx, 200), 1);
}

static size_t
count(const char *s, const char *what)
{
	size_t n = 0;

	while ((s = strstr(s, what)) != NULL) {
		n++;
		s += strlen(what);
	}
	return n;
}

static char *
export_to_string(const struct fixture *fx, int64_t since, int64_t until,
    enum cw_audit_format format, struct cw_audit_export_result *res)
{
	char *buf = NULL, err[256];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (cw_audit_export(fx->dir, since, until, format, f, res, err,
	    sizeof(err)) < 0)
		fail_msg("export: %s", err);
	fclose(f);
	return buf;
}

static void
test_export(void **state)
{
	struct fixture *fx = *state;
	struct cw_audit_export_result res;
	struct cw_audit_event ev[4];
	struct cw_audit_store *st;
	char err[256], **lines, *out, *path, expect[8192];
	size_t n, i;
	int64_t t = noon(fx, 0);

	if (geteuid() != 0)
		skip();
	for (i = 0; i < 4; i++) {
		assert_int_equal(cw_audit_event_init(&ev[i],
		    CW_AUDIT_CLI_REQUEST, t + (int64_t)i * HOUR_US,
		    "o'neil, \"x\"", "bob", "success"), 0);
		assert_int_equal(cw_audit_event_add_string(&ev[i], "command",
		    "leaver"), 0);
		assert_int_equal(cw_audit_event_add_int(&ev[i], "exit", 0), 0);
	}
	st = open_store(fx, "k1", t);
	assert_int_equal(cw_audit_store_append(st, ev, 4, t + 4 * HOUR_US,
	    err, sizeof(err)), 0);
	cw_audit_store_close(st);
	path = day_path(fx, 0);
	lines = read_lines(path, &n);
	free(path);
	assert_int_equal(n, 5);

	/* [13:00, 15:00): the 2nd and 3rd events, exactly as stored. */
	out = export_to_string(fx, t + HOUR_US, t + 3 * HOUR_US,
	    CW_AUDIT_FORMAT_JSONL, &res);
	snprintf(expect, sizeof(expect), "%s%s", lines[2], lines[3]);
	assert_string_equal(out, expect);
	assert_true(res.records == 2 && res.skipped == 0);
	free(out);

	out = export_to_string(fx, t + HOUR_US, t + 2 * HOUR_US,
	    CW_AUDIT_FORMAT_CSV, &res);
	assert_true(res.records == 1);
	assert_non_null(strstr(out, "seq,time,host,type,actor,subject,"
	    "outcome,details,key_id,prev,mac\r\n3,2026-01-05T13:00:00.000000Z,"
	    "web1,cli_request,\"o'neil, \"\"x\"\"\",bob,success,"
	    "\"{\"\"command\"\":\"\"leaver\"\",\"\"exit\"\":0}\",k1,"));
	/* A header and one row, each ending in CRLF. */
	assert_int_equal(count(out, "\r\n"), 2);
	assert_int_equal(count(out, "\n"), 2);
	free(out);

	/* A line that is not a record is left out, and counted. */
	path = day_path(fx, 0);
	write_lines(path, lines, n);
	{
		FILE *f = fopen(path, "a");

		fputs("garbage\n", f);
		fclose(f);
	}
	free(path);
	out = export_to_string(fx, 0, INT64_MAX, CW_AUDIT_FORMAT_JSONL, &res);
	assert_true(res.records == 5 && res.skipped == 1);
	assert_non_null(strstr(res.first_skipped, ":6"));
	free(out);
}

static void
test_config_keys(void **state)
{
	static const char text[] =
	    "[daemon]\nldap_sync = no\n"
	    "[audit]\nretention_days = 400\ndirectory = /srv/audit\n"
	    "key_dir = /srv/audit-keys\n";
	struct cw_config c;
	char err[256];

	(void)state;
	assert_int_equal(cw_config_defaults(&c), 0);
	assert_string_equal(c.audit.directory, "/var/lib/clearway/audit");
	assert_string_equal(c.audit.key_dir, "/etc/clearway/audit-keys");
	assert_int_equal(cw_config_parse(text, strlen(text), &c, err,
	    sizeof(err)), 0);
	assert_string_equal(c.audit.directory, "/srv/audit");
	assert_string_equal(c.audit.key_dir, "/srv/audit-keys");
	cw_config_free(&c);

	assert_int_equal(cw_config_defaults(&c), 0);
	assert_int_equal(cw_config_parse("[audit]\ndirectory = rel\n", 23, &c,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "absolute"));
	cw_config_free(&c);
}

static void
test_key_files(void **state)
{
	struct fixture *fx = *state;
	unsigned char key[CW_AUDIT_KEY_MAX];
	char err[256], path[160];
	size_t len;

	if (geteuid() != 0)
		skip();
	assert_int_equal(cw_audit_key_load(fx->keys, "k2", key, &len, err,
	    sizeof(err)), 0);
	assert_int_equal(len, 34);
	assert_int_equal(key[0], 0xf0);
	snprintf(path, sizeof(path), "%s/short.key", fx->keys);
	write_text(path, "00112233\n", 0600);
	assert_int_equal(cw_audit_key_load(fx->keys, "short", key, &len, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "hex digits"));
	assert_null(strstr(err, "00112233"));   /* never the secret */
	snprintf(path, sizeof(path), "%s/open.key", fx->keys);
	write_text(path, "000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f\n", 0644);
	assert_int_equal(cw_audit_key_load(fx->keys, "open", key, &len, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "too open"));
	assert_int_equal(cw_audit_key_load(fx->keys, "../keys/k1", key, &len,
	    err, sizeof(err)), -1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_names),
		T(test_round_trip_and_resume),
		T(test_key_rotation),
		T(test_changed_byte),
		T(test_deleted_line),
		T(test_swapped_pair),
		T(test_truncated),
		T(test_truncated_middle_file),
		T(test_missing_day),
		T(test_missing_start_and_tail),
		T(test_empty_and_malformed),
		T(test_writer_recovery),
		T(test_retention),
		T(test_export),
		T(test_config_keys),
		T(test_key_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
