/* SPDX-License-Identifier: MIT */
/*
 * audit_dedup.c - the central writer's duplicate filter (audit_dedup.h):
 * per host the marks of its last DEDUP_RUNS runs, in a table of
 * DEDUP_SLOTS hosts probed a bounded distance, the least recently used
 * giving way.  Apart from the writer because it is the one piece of the
 * writer's state that outlives a batch, and it is rebuilt from the trail
 * (its last TAIL_BYTES, far more than any resend window: one forwarder
 * batch, one writer batch) each time the store is (re)opened.
 */
#include "audit/audit_dedup.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/probe.h"

#define TAIL_BYTES (8 * 1024 * 1024)
#define DEDUP_SLOTS 16384       /* hosts; a power of two */
#define DEDUP_PROBE 32
#define DEDUP_RUNS 8

struct run_mark {
	char run[CW_AUDIT_RUN_LEN + 1];
	uint64_t hi;            /* highest counter sealed */
	uint64_t used;          /* tick of last use, for eviction */
};

struct dedup_slot {
	bool used;
	char host[CW_AUDIT_TEXT_MAX + 1];
	uint64_t used_tick;
	struct run_mark runs[DEDUP_RUNS];
};

struct cw_audit_dedup {
	struct dedup_slot *slots;       /* DEDUP_SLOTS */
	uint64_t tick;                  /* of the last use, for eviction */
	struct cw_audit_record *record; /* for the tail scan */
};

struct cw_audit_dedup *
cw_audit_dedup_new(void)
{
	struct cw_audit_dedup *dd = calloc(1, sizeof(*dd));

	if (dd == NULL)
		return NULL;
	if ((dd->slots = calloc(DEDUP_SLOTS, sizeof(*dd->slots))) == NULL ||
	    (dd->record = malloc(sizeof(*dd->record))) == NULL) {
		cw_audit_dedup_free(dd);
		return NULL;
	}
	return dd;
}

void
cw_audit_dedup_free(struct cw_audit_dedup *dd)
{
	if (dd == NULL)
		return;
	free(dd->slots);
	free(dd->record);
	free(dd);
}

static bool
slot_holds(const void *slot, const char *host)
{
	const struct dedup_slot *s = slot;

	return s->used && strcmp(s->host, host) == 0;
}

/* A free slot first (the first found), else the least recently used. */
static bool
slot_better_victim(const void *slot, const void *victim, const void *ctx)
{
	const struct dedup_slot *s = slot, *v = victim;

	(void)ctx;
	return v->used && (!s->used || s->used_tick < v->used_tick);
}

/* The slot of host: found, free, or the least recently used nearby. */
static struct dedup_slot *
dedup_host(struct cw_audit_dedup *dd, const char *host)
{
	const struct cw_probe table = { dd->slots, DEDUP_SLOTS,
	    sizeof(dd->slots[0]), DEDUP_PROBE, slot_holds,
	    slot_better_victim };
	struct dedup_slot *victim;
	bool found;

	victim = cw_probe_find(&table, host, NULL, &found);
	if (found)
		return victim;
	memset(victim, 0, sizeof(*victim));
	victim->used = true;
	snprintf(victim->host, sizeof(victim->host), "%s", host);
	return victim;
}

bool
cw_audit_dedup_see(struct cw_audit_dedup *dd, const char *host,
    const char *run, uint64_t counter, uint64_t *missing)
{
	struct dedup_slot *s = dedup_host(dd, host);
	struct run_mark *m = NULL;
	size_t i;

	*missing = 0;
	s->used_tick = ++dd->tick;
	for (i = 0; i < DEDUP_RUNS; i++) {
		if (strcmp(s->runs[i].run, run) == 0) {
			m = &s->runs[i];
			break;
		}
		if (m == NULL || s->runs[i].used < m->used)
			m = &s->runs[i];
	}
	if (strcmp(m->run, run) != 0) {
		memcpy(m->run, run, CW_AUDIT_RUN_LEN + 1);
		m->hi = 0;
	} else if (counter <= m->hi) {
		m->used = dd->tick;
		return false;
	} else if (counter > m->hi + 1) {
		*missing = counter - m->hi - 1;
	}
	m->hi = counter;
	m->used = dd->tick;
	return true;
}

bool
cw_audit_dedup_event_id(const struct cw_audit_event *ev,
    char run[CW_AUDIT_RUN_LEN + 1], uint64_t *counter)
{
	const struct cw_audit_detail *d = cw_audit_event_detail(ev,
	    "event_id");

	return d != NULL && d->kind == CW_AUDIT_STRING &&
	    cw_audit_event_id_parse(d->text, run, counter) == 0;
}

/* ---- rebuilding the marks from the trail's tail ---- */

/* Feeds the complete lines of buf[0..len) to the marks; returns used. */
static size_t
scan_lines(struct cw_audit_dedup *dd, const char *buf, size_t len)
{
	char run[CW_AUDIT_RUN_LEN + 1], err[128];
	const char *p = buf, *nl;
	uint64_t counter, missing;

	while ((nl = memchr(p, '\n', len - (size_t)(p - buf))) != NULL) {
		if (cw_audit_line_parse(p, (size_t)(nl - p), dd->record, err,
		    sizeof(err)) == 0 && cw_audit_dedup_event_id(
		    &dd->record->event, run, &counter))
			(void)cw_audit_dedup_see(dd, dd->record->event.host, run,
			    counter, &missing);
		p = nl + 1;
	}
	return (size_t)(p - buf);
}

/* Scans the last *budget bytes of dir/name. */
static void
scan_tail(struct cw_audit_dedup *dd, int dirfd, const char *name,
    size_t *budget)
{
	static const size_t cap = CW_AUDIT_LINE_MAX * 4;
	size_t have = 0, used;
	char *buf = NULL;
	struct stat st;
	off_t start;
	ssize_t n;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0 || (buf = malloc(cap)) == NULL)
		goto out;
	start = st.st_size > (off_t)*budget ? st.st_size - (off_t)*budget : 0;
	*budget -= (size_t)(st.st_size - start);
	if (lseek(fd, start, SEEK_SET) < 0)
		goto out;
	while ((n = read(fd, buf + have, cap - have)) > 0) {
		have += (size_t)n;
		used = scan_lines(dd, buf, have);
		/* The first line of a tail that starts mid-file is half a
		 * line: scan_lines fails to parse it and skips it. */
		if (used == 0 && have == cap)
			used = have;    /* no newline in 64 KiB: not ours */
		memmove(buf, buf + used, have - used);
		have -= used;
	}
out:
	free(buf);
	if (fd >= 0)
		close(fd);
}

/* The two newest audit files of the store's directory. */
static void
newest_files(int dirfd, int64_t days[2])
{
	struct dirent *de;
	int64_t day;
	DIR *d;
	int fd;

	days[0] = days[1] = -1;
	if ((fd = dup(dirfd)) < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (cw_audit_file_day(de->d_name, &day) < 0)
			continue;
		if (day > days[0]) {
			days[1] = days[0];
			days[0] = day;
		} else if (day > days[1]) {
			days[1] = day;
		}
	}
	closedir(d);
}

void
cw_audit_dedup_rebuild(struct cw_audit_dedup *dd, const char *dir)
{
	char name[CW_AUDIT_FILE_NAME_SIZE];
	size_t budget = TAIL_BYTES;
	int64_t days[2];
	int dirfd, i;

	memset(dd->slots, 0, sizeof(*dd->slots) * DEDUP_SLOTS);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return;
	newest_files(dirfd, days);
	for (i = 0; i < 2 && budget > 0 && days[i] >= 0; i++)
		if (cw_audit_file_name(days[i], name) == 0)
			scan_tail(dd, dirfd, name, &budget);
	close(dirfd);
}
