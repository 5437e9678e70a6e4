/* SPDX-License-Identifier: MIT */
/*
 * audit_files.c - the trail's daily files: their names
 * (audit-YYYY-MM-DD.jsonl), listing a directory's files by day, and
 * opening one.  Apart because the writer, retention, the verifier and
 * export all walk the same files, and must agree on which names are the
 * trail (anything else in the directory is not).
 */
#include "audit_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gentime.h"

int
cw_audit_file_name(int64_t day, char name[CW_AUDIT_FILE_NAME_SIZE])
{
	int64_t y;
	unsigned m, d;

	/* 2932896: 9999-12-31, the last day a 4-digit year can name. */
	if (day < 0 || day > 2932896)
		return -1;
	cw_civil_from_days(day, &y, &m, &d);
	snprintf(name, CW_AUDIT_FILE_NAME_SIZE, "audit-%04lld-%02u-%02u.jsonl",
	    (long long)y, m, d);
	return 0;
}

int
cw_audit_file_day(const char *name, int64_t *day)
{
	char stamp[CW_AUDIT_TIME_LEN + 1];
	int64_t us;

	if (strnlen(name, CW_AUDIT_FILE_NAME_SIZE) !=
	    CW_AUDIT_FILE_NAME_SIZE - 1 || strncmp(name, "audit-", 6) != 0 ||
	    strcmp(name + 16, ".jsonl") != 0)
		return -1;
	/* One strict date parser: the record's. */
	snprintf(stamp, sizeof(stamp), "%.10sT00:00:00.000000Z", name + 6);
	if (cw_audit_time_parse(stamp, strlen(stamp), &us) < 0)
		return -1;
	*day = audit_day_of(us);
	return 0;
}

static int
compare_days(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int
day_list_add(struct day_list *l, int64_t day)
{
	int64_t *d;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		if ((d = realloc(l->days, l->cap * sizeof(*d))) == NULL)
			return -1;
		l->days = d;
	}
	l->days[l->n++] = day;
	return 0;
}

/* Other names (the lock file, an editor's backup) are not the trail. */
int
audit_list_days(int dirfd, struct day_list *l)
{
	struct dirent *de;
	DIR *d;
	int fd, rc = -1;
	int64_t day;

	memset(l, 0, sizeof(*l));
	if ((fd = dup(dirfd)) < 0)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	rewinddir(d);
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (cw_audit_file_day(de->d_name, &day) == 0 &&
		    day_list_add(l, day) < 0)
			goto out;
		errno = 0;
	}
	if (errno != 0)
		goto out;
	if (l->n > 1)
		qsort(l->days, l->n, sizeof(*l->days), compare_days);
	rc = 0;
out:
	closedir(d);
	if (rc < 0) {
		free(l->days);
		memset(l, 0, sizeof(*l));
	}
	return rc;
}

int
audit_open_dir(const char *dir)
{
	return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int
audit_open_day(int dirfd, int64_t day, int flags)
{
	char name[CW_AUDIT_FILE_NAME_SIZE];

	if (cw_audit_file_name(day, name) < 0) {
		errno = EINVAL;
		return -1;
	}
	return openat(dirfd, name, flags | O_CLOEXEC | O_NOFOLLOW, 0600);
}

