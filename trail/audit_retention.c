/* SPDX-License-Identifier: MIT */
/*
 * audit_retention.c - removing files older than the retention period:
 * the plan, the retention_removed record, then the removal (audit.h,
 * RETENTION).  Apart because it is the only code that deletes any part
 * of the trail, and the order it does so in is what keeps a crashed
 * sweep verifiable.
 */
#include "audit_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "text.h"

/* The first record of the file of day: where the kept trail starts. */
static int
read_first_record(int dirfd, int64_t day, struct cw_audit_record *rec)
{
	struct line_reader rd;
	const char *line;
	size_t len;
	int fd, rc = -1;

	if ((fd = audit_open_day(dirfd, day, O_RDONLY)) < 0)
		return -1;
	if (audit_reader_init(&rd, fd) == 0 &&
	    audit_reader_next(&rd, &line, &len) == READ_LINE &&
	    cw_audit_line_parse(line, len, rec, NULL, 0) == 0)
		rc = 0;
	audit_reader_free(&rd);
	close(fd);
	return rc;
}

static int
plan_at(int dirfd, const char *dir, int retention_days, int64_t now_us,
    struct cw_audit_removal *plan, char *err, size_t errlen)
{
	struct cw_audit_record *rec = NULL;
	struct day_list days;
	size_t k = 0;
	int rc = -1;

	memset(plan, 0, sizeof(*plan));
	if (audit_list_days(dirfd, &days) < 0) {
		cw_set_err(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	/* A file goes when its whole day ended retention_days ago. */
	while (k < days.n && (days.days[k] + 1 + retention_days) *
	    US_PER_DAY <= now_us)
		k++;
	if (k == days.n && k > 0)
		k--;            /* the newest file is where the chain goes on */
	if (k == 0) {
		rc = 0;
		goto out;
	}
	if ((rec = malloc(sizeof(*rec))) == NULL ||
	    read_first_record(dirfd, days.days[k], rec) < 0) {
		cw_set_err(err, errlen, "%s: cannot read the first record that "
		    "would be kept (run audit verify)", dir);
		goto out;
	}
	plan->removed_files = k;
	cw_audit_file_name(days.days[0], plan->first_removed);
	cw_audit_file_name(days.days[k - 1], plan->last_removed);
	cw_audit_file_name(days.days[k], plan->keep_from_file);
	plan->keep_from_seq = rec->seq;
	memcpy(plan->keep_from_prev, rec->prev, sizeof(plan->keep_from_prev));
	rc = 0;
out:
	free(rec);
	free(days.days);
	return rc;
}

static int
check_retention(int retention_days, char *err, size_t errlen)
{
	if (retention_days < CW_AUDIT_RETENTION_MIN_DAYS) {
		cw_set_err(err, errlen, "retention of %d days refused: the audit "
		    "trail is kept at least %d days", retention_days,
		    CW_AUDIT_RETENTION_MIN_DAYS);
		return -1;
	}
	return 0;
}

int
cw_audit_retention_plan(const char *dir, int retention_days, int64_t now_us,
    struct cw_audit_removal *plan, char *err, size_t errlen)
{
	int fd, rc;

	memset(plan, 0, sizeof(*plan));
	if (check_retention(retention_days, err, errlen) < 0)
		return -1;
	if ((fd = audit_open_dir(dir)) < 0) {
		cw_set_err(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	rc = plan_at(fd, dir, retention_days, now_us, plan, err, errlen);
	close(fd);
	return rc;
}

static int
removal_event(const struct cw_audit_removal *p, const char *actor,
    int retention_days, int64_t now_us, struct cw_audit_event *ev)
{
	char prev[CW_AUDIT_HEX_LEN + 1];

	cw_hex_encode(p->keep_from_prev, CW_AUDIT_MAC_LEN, prev);
	if (cw_audit_event_init(ev, CW_AUDIT_RETENTION_REMOVED, now_us, actor,
	    "", "success") < 0 ||
	    cw_audit_event_add_int(ev, "keep_from_seq",
	    (int64_t)p->keep_from_seq) < 0 ||
	    cw_audit_event_add_string(ev, "keep_from_prev", prev) < 0 ||
	    cw_audit_event_add_string(ev, "keep_from_file",
	    p->keep_from_file) < 0 ||
	    cw_audit_event_add_string(ev, "first_removed",
	    p->first_removed) < 0 ||
	    cw_audit_event_add_string(ev, "last_removed", p->last_removed) < 0 ||
	    cw_audit_event_add_int(ev, "removed_files",
	    (int64_t)p->removed_files) < 0 ||
	    cw_audit_event_add_int(ev, "retention_days", retention_days) < 0)
		return -1;
	return 0;
}

/* Removes every audit file older than keep_day, oldest first. */
static int
remove_before(struct cw_audit_store *st, int64_t keep_day, char *err,
    size_t errlen)
{
	char name[CW_AUDIT_FILE_NAME_SIZE];
	struct day_list days;
	size_t i;
	int rc = -1;

	if (audit_list_days(st->dir_fd, &days) < 0) {
		cw_set_err(err, errlen, "%s: %s", st->dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < days.n && days.days[i] < keep_day; i++) {
		cw_audit_file_name(days.days[i], name);
		if (unlinkat(st->dir_fd, name, 0) < 0) {
			cw_set_err(err, errlen, "%s/%s: %s", st->dir, name,
			    strerror(errno));
			goto out;
		}
	}
	if (fsync(st->dir_fd) < 0) {
		cw_set_err(err, errlen, "%s: fsync: %s", st->dir, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(days.days);
	return rc;
}

int
cw_audit_retention_sweep(struct cw_audit_store *st, int retention_days,
    const char *actor, int64_t now_us, struct cw_audit_removal *removed,
    char *err, size_t errlen)
{
	struct cw_audit_event *ev = NULL;
	int64_t keep_day;
	int rc = -1;

	memset(removed, 0, sizeof(*removed));
	/* Today's file first, so that the newest file is never a candidate. */
	if (check_retention(retention_days, err, errlen) < 0 ||
	    cw_audit_store_roll(st, now_us, err, errlen) < 0 ||
	    plan_at(st->dir_fd, st->dir, retention_days, now_us, removed, err,
	    errlen) < 0)
		goto out;
	if (removed->removed_files == 0) {
		rc = 0;
		goto out;
	}
	if ((ev = malloc(sizeof(*ev))) == NULL ||
	    removal_event(removed, actor, retention_days, now_us, ev) < 0) {
		cw_set_err(err, errlen, "cannot build retention_removed");
		goto out;
	}
	/* The record first: a crash after it leaves files the record
	 * already allows to go, never a gap nothing explains. */
	if (cw_audit_store_append(st, ev, 1, now_us, err, errlen) < 0 ||
	    cw_audit_file_day(removed->keep_from_file, &keep_day) < 0 ||
	    remove_before(st, keep_day, err, errlen) < 0)
		goto out;
	rc = 0;
out:
	free(ev);
	if (rc < 0)
		removed->removed_files = 0;
	return rc;
}
