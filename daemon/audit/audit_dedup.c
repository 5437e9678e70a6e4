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
#define DEDUP_HOLES 16          /* gaps remembered per run */

/* Counters lo..hi skipped: not sealed yet, so not copies when they come. */
struct hole {
	uint64_t lo, hi;
};

struct run_mark {
	char run[CW_AUDIT_RUN_LEN + 1];
	uint64_t hi;            /* highest counter sealed */
	uint64_t used;          /* tick of last use, for eviction */
	/* Gaps below hi, oldest first (allocated at the first gap): what a
	 * host sends again after Redis went back fills them. */
	struct hole *holes;
	size_t nholes;
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

/* Forgets the gaps of every run of slot s. */
static void
slot_clear(struct dedup_slot *s)
{
	size_t i;

	for (i = 0; i < DEDUP_RUNS; i++)
		free(s->runs[i].holes);
	memset(s, 0, sizeof(*s));
}

void
cw_audit_dedup_free(struct cw_audit_dedup *dd)
{
	size_t i;

	if (dd == NULL)
		return;
	for (i = 0; dd->slots != NULL && i < DEDUP_SLOTS; i++)
		slot_clear(&dd->slots[i]);
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
	slot_clear(victim);
	victim->used = true;
	snprintf(victim->host, sizeof(victim->host), "%s", host);
	return victim;
}

/* Remembers the gap lo..hi of m; the oldest gap gives way to it. */
static void
hole_add(struct run_mark *m, uint64_t lo, uint64_t hi)
{
	if (m->holes == NULL &&
	    (m->holes = calloc(DEDUP_HOLES, sizeof(*m->holes))) == NULL)
		return;         /* then a late event is taken for a copy */
	if (m->nholes == DEDUP_HOLES) {
		memmove(m->holes, m->holes + 1, (DEDUP_HOLES - 1) *
		    sizeof(*m->holes));
		m->nholes--;
	}
	m->holes[m->nholes].lo = lo;
	m->holes[m->nholes].hi = hi;
	m->nholes++;
}

/* Whether counter is in a gap of m: then it is taken out of it. */
static bool
hole_fill(struct run_mark *m, uint64_t counter)
{
	struct hole *h;
	uint64_t hi;
	size_t i;

	for (i = 0; i < m->nholes; i++) {
		h = &m->holes[i];
		if (counter < h->lo || counter > h->hi)
			continue;
		if (h->lo == h->hi) {
			memmove(h, h + 1, (m->nholes - i - 1) * sizeof(*h));
			m->nholes--;
		} else if (counter == h->lo) {
			h->lo++;
		} else if (counter == h->hi) {
			h->hi--;
		} else {
			hi = h->hi;
			h->hi = counter - 1;
			hole_add(m, counter + 1, hi);
		}
		return true;
	}
	return false;
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
	m->used = dd->tick;
	if (strcmp(m->run, run) != 0) {
		memcpy(m->run, run, CW_AUDIT_RUN_LEN + 1);
		m->nholes = 0;
	} else if (counter <= m->hi) {
		/* A copy, unless it comes late into a gap (sent again after
		 * Redis went back): sealed then, after later events. */
		return hole_fill(m, counter);
	} else if (counter > m->hi + 1) {
		*missing = counter - m->hi - 1;
		hole_add(m, m->hi + 1, counter - 1);
	}
	m->hi = counter;
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

/* Scans dir/name from byte start to its end. */
static void
scan_from(struct cw_audit_dedup *dd, int dirfd, const char *name,
    off_t start)
{
	static const size_t cap = CW_AUDIT_LINE_MAX * 4;
	size_t have = 0, used;
	char *buf = NULL;
	ssize_t n;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || (buf = malloc(cap)) == NULL ||
	    lseek(fd, start, SEEK_SET) < 0)
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

/*
 * The last TAIL_BYTES of the two newest files, read oldest first: the
 * gaps are learnt in the order they were left, so an event sent again
 * later (Redis went back) still fills its gap after a rebuild.
 */
void
cw_audit_dedup_rebuild(struct cw_audit_dedup *dd, const char *dir)
{
	char name[2][CW_AUDIT_FILE_NAME_SIZE];
	off_t start[2];
	size_t budget = TAIL_BYTES, i;
	struct stat st;
	int64_t days[2];
	int dirfd, k, n = 0;

	for (i = 0; i < DEDUP_SLOTS; i++)
		slot_clear(&dd->slots[i]);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return;
	newest_files(dirfd, days);
	for (k = 0; k < 2 && budget > 0 && days[k] >= 0; k++) {
		if (cw_audit_file_name(days[k], name[n]) < 0 ||
		    fstatat(dirfd, name[n], &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		start[n] = st.st_size > (off_t)budget ? st.st_size -
		    (off_t)budget : 0;
		budget -= (size_t)(st.st_size - start[n]);
		n++;
	}
	while (n-- > 0)
		scan_from(dd, dirfd, name[n], start[n]);
	close(dirfd);
}
