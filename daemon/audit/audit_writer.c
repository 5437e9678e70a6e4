/* SPDX-License-Identifier: MIT */
/*
 * audit_writer.c - the central writer: Redis stream -> HMAC chain
 * (audit_log.h, docs/audit.md).
 *
 * One writer at a time.  Any number of hosts may run with writer = yes;
 * the one holding <prefix>audit:writer (SET NX PX, renewed) works, the
 * others wait for the key to expire.  The key holds a token drawn at
 * random by each process, so a second daemon on the same host is just
 * another writer; only a restart that can prove its previous incarnation
 * dead (the flock on <spool_dir>/writer.token) takes that one's lock at
 * once.  The holder opens the store only
 * while it holds the key, and appends only while its last renewal is
 * recent enough that the key cannot have expired meanwhile.
 *
 * Order.  Events reach the stream in each host's counter order (the
 * forwarder sends its spool in order, each batch one MULTI/EXEC), and the
 * writer seals them in stream order: after taking the lock it first
 * claims the entries a previous holder left pending (once idle > 60 s, so
 * a live one is not robbed), then its own pending entries (after its own
 * restart), then new ones.
 *
 * Duplicates.  At-least-once delivery repeats a suffix of what was already
 * sent: a forwarder resending a batch whose confirmation it did not save,
 * or this writer re-reading entries it appended but did not XACK.  Since
 * per host and run the counters arrive in order, an event is a copy
 * exactly when its counter is at most the highest seen for its (host,
 * run).  Those marks are kept per host for its last 8 runs, and rebuilt
 * from the trail's last TAIL_BYTES when the store is (re)opened: far more
 * than any resend window (one forwarder batch, one writer batch).  A
 * counter that jumps is a gap: events that never arrived (logged,
 * counted).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit_pipeline.h"
#include "lib/log.h"
#include "text.h"
#include "lib/wake.h"

#define GROUP "writers"
#define BATCH 512
#define LOCK_TTL_MS 30000
#define RENEW_MS 5000
/* Append only if the lock was renewed this recently (< LOCK_TTL_MS). */
#define APPEND_MARGIN_MS 20000
#define CLAIM_IDLE_MS 60000
#define BLOCK_MAX_MS 500
#define STANDBY_MS 1000
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define STOP_MS 2000
#define TAIL_BYTES (8 * 1024 * 1024)
#define DEDUP_SLOTS 16384       /* hosts; a power of two */
#define DEDUP_PROBE 32
#define DEDUP_RUNS 8
#define STREAM_ID_MAX 48
#define TOKEN_RANDOM 16         /* bytes: the token names one process */
#define TOKEN_FILE "writer.token"     /* in the spool directory */
#define US_PER_DAY (86400LL * 1000000LL)

/* The token of this directory's previous writer process, proven dead. */
static const char acquire_takeover_lua[] =
    "local v = redis.call('GET', KEYS[1]) "
    "if v == false or v == ARGV[1] or v == ARGV[3] then "
    "  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end "
    "return 0";
static const char renew_lua[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "  return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";
static const char release_lua[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "  return redis.call('DEL', KEYS[1]) end return 0";

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

enum read_phase {
	READ_OTHERS,            /* claim what a previous holder left */
	READ_OWN,               /* our own pending entries, from cursor */
	READ_NEW,               /* new entries */
};

struct cw_audit_writer {
	struct cw_audit_log *log;
	struct cw_redis *redis;
	char stream_key[CW_AUDIT_REDIS_KEY_MAX];
	char lock_key[CW_AUDIT_REDIS_KEY_MAX];
	char *dir, *key_dir, *key_id;
	/* "<host> <hex>": this process's, and (until used) that of the last
	 * process that wrote this directory, which is known to be dead. */
	char token[CW_AUDIT_HOST_MAX + 2 + 2 * TOKEN_RANDOM + 1];
	char prev_token[CW_AUDIT_HOST_MAX + 2 + 2 * TOKEN_RANDOM + 1];
	int token_fd;           /* <spool_dir>/writer.token, flock'd */
	int retention_days;
	int block_ms;

	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;              /* under lock */
	long long stop_deadline_ms;

	/* The writer thread's. */
	struct cw_audit_store *store;
	bool holding, redis_up, standby_logged, open_failed;
	long long renewed_ms;
	enum read_phase phase;
	char cursor[STREAM_ID_MAX];
	int64_t swept_day;
	int backoff_ms;
	uint64_t tick;
	struct dedup_slot *dedup;
	struct cw_audit_event *events;
	struct cw_audit_record *record;         /* for the tail scan */
	char ids[BATCH * 2][STREAM_ID_MAX];
	size_t nids;
	uint64_t invalid_logged;
};

/* ---- duplicates ---- */

/* The slot of host: found, free, or the least recently used nearby. */
static struct dedup_slot *
dedup_host(struct cw_audit_writer *w, const char *host)
{
	size_t i, at = cw_fnv1a(host) & (DEDUP_SLOTS - 1);
	struct dedup_slot *s, *victim = NULL;

	for (i = 0; i < DEDUP_PROBE; i++) {
		s = &w->dedup[(at + i) & (DEDUP_SLOTS - 1)];
		if (s->used && strcmp(s->host, host) == 0)
			return s;
		if (victim == NULL || (victim->used && (!s->used ||
		    s->used_tick < victim->used_tick)))
			victim = s;
	}
	memset(victim, 0, sizeof(*victim));
	victim->used = true;
	snprintf(victim->host, sizeof(victim->host), "%s", host);
	return victim;
}

/*
 * Marks (host, run, counter) as sealed.  Returns false for a copy of an
 * event already sealed; *missing gets the counters skipped before it.
 */
static bool
dedup_see(struct cw_audit_writer *w, const char *host, const char *run,
    uint64_t counter, uint64_t *missing)
{
	struct dedup_slot *s = dedup_host(w, host);
	struct run_mark *m = NULL;
	size_t i;

	*missing = 0;
	s->used_tick = ++w->tick;
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
		m->used = w->tick;
		return false;
	} else if (counter > m->hi + 1) {
		*missing = counter - m->hi - 1;
	}
	m->hi = counter;
	m->used = w->tick;
	return true;
}

/* The event's id, if it has a well-formed one. */
static bool
event_id(const struct cw_audit_event *ev, char run[CW_AUDIT_RUN_LEN + 1],
    uint64_t *counter)
{
	const struct cw_audit_detail *d = cw_audit_event_detail(ev,
	    "event_id");

	return d != NULL && d->kind == CW_AUDIT_STRING &&
	    cw_audit_event_id_parse(d->text, run, counter) == 0;
}

/* ---- rebuilding the marks from the trail's tail ---- */

/* Feeds the complete lines of buf[0..len) to the marks; returns used. */
static size_t
scan_lines(struct cw_audit_writer *w, const char *buf, size_t len)
{
	char run[CW_AUDIT_RUN_LEN + 1], err[128];
	const char *p = buf, *nl;
	uint64_t counter, missing;

	while ((nl = memchr(p, '\n', len - (size_t)(p - buf))) != NULL) {
		if (cw_audit_line_parse(p, (size_t)(nl - p), w->record, err,
		    sizeof(err)) == 0 && event_id(&w->record->event, run,
		    &counter))
			(void)dedup_see(w, w->record->event.host, run, counter,
			    &missing);
		p = nl + 1;
	}
	return (size_t)(p - buf);
}

/* Scans the last *budget bytes of dir/name. */
static void
scan_tail(struct cw_audit_writer *w, int dirfd, const char *name,
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
		used = scan_lines(w, buf, have);
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

static void
dedup_rebuild(struct cw_audit_writer *w)
{
	char name[CW_AUDIT_FILE_NAME_SIZE];
	size_t budget = TAIL_BYTES;
	int64_t days[2];
	int dirfd, i;

	memset(w->dedup, 0, sizeof(*w->dedup) * DEDUP_SLOTS);
	dirfd = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return;
	newest_files(dirfd, days);
	for (i = 0; i < 2 && budget > 0 && days[i] >= 0; i++)
		if (cw_audit_file_name(days[i], name) == 0)
			scan_tail(w, dirfd, name, &budget);
	close(dirfd);
}

/* ---- Redis helpers ---- */

static void
redis_state(struct cw_audit_writer *w, bool up, const char *why)
{
	if (up && !w->redis_up)
		cw_log(LOG_NOTICE, "audit writer: redis reachable again");
	else if (!up && w->redis_up)
		cw_log(LOG_WARNING, "audit writer: %s; retrying with backoff up "
		    "to %d s", why, BACKOFF_MAX_MS / 1000);
	w->redis_up = up;
}

/* Runs a command; an error reply counts as failure.  NULL on failure. */
static redisReply *
command(struct cw_audit_writer *w, int argc, const char **argv,
    const size_t *lens)
{
	redisReply *r;
	char err[512];

	r = cw_redis_command(w->redis, err, sizeof(err), argc, argv, lens);
	if (r == NULL) {
		redis_state(w, false, err);
		return NULL;
	}
	redis_state(w, true, NULL);
	if (r->type == REDIS_REPLY_ERROR) {
		if (strncmp(r->str, "NOGROUP", 7) == 0)
			w->phase = READ_OTHERS;   /* recreate the group */
		cw_log(LOG_ERR, "audit writer: %s: %.200s", argv[0], r->str);
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

/* EVAL script 1 <lock key> <token> <ttl> [arg3]: the integer, or -1. */
static long long
lock_script(struct cw_audit_writer *w, const char *script, const char *arg3)
{
	char ttl[16];
	const char *argv[7] = { "EVAL", script, "1", w->lock_key, w->token,
	    ttl, arg3 };
	long long v = -1;
	redisReply *r;

	snprintf(ttl, sizeof(ttl), "%d", LOCK_TTL_MS);
	r = command(w, arg3 != NULL ? 7 : 6, argv, NULL);
	if (r != NULL && r->type == REDIS_REPLY_INTEGER)
		v = r->integer;
	if (r != NULL)
		freeReplyObject(r);
	return v;
}

/*
 * SET NX PX; else, if the lock still holds the token of this directory's
 * previous writer process (dead: we hold its flock), take it at once
 * rather than wait out the lease.  Any other holder, a second daemon on
 * this host included, keeps it until it lets it go or its lease expires.
 */
static bool
lock_acquire(struct cw_audit_writer *w)
{
	char ttl[16];
	const char *argv[6] = { "SET", w->lock_key, w->token, "NX", "PX", ttl };
	redisReply *r;
	bool got;

	snprintf(ttl, sizeof(ttl), "%d", LOCK_TTL_MS);
	if ((r = command(w, 6, argv, NULL)) == NULL)
		return false;
	got = r->type == REDIS_REPLY_STATUS;    /* nil: someone holds it */
	freeReplyObject(r);
	if (!got && w->prev_token[0] != '\0' && lock_script(w,
	    acquire_takeover_lua, w->prev_token) == 1) {
		cw_log(LOG_NOTICE, "audit writer: took %s over from this "
		    "trail's previous writer process, which is gone",
		    w->lock_key);
		got = true;
	}
	if (got)
		w->prev_token[0] = '\0';
	return got;
}

static void
ensure_group(struct cw_audit_writer *w)
{
	const char *argv[6] = { "XGROUP", "CREATE", w->stream_key, GROUP, "0",
	    "MKSTREAM" };
	char err[512];
	redisReply *r;

	/* BUSYGROUP (it exists) is the usual answer: not an error here. */
	r = cw_redis_commandv(w->redis, err, sizeof(err), 6, argv);
	if (r != NULL)
		freeReplyObject(r);
}

/* ---- the store ---- */

static void
store_close(struct cw_audit_writer *w)
{
	cw_audit_store_close(w->store);
	w->store = NULL;
}

/* Rotates to [audit] key_id if the chain still uses another key. */
static int
rotate_if_needed(struct cw_audit_writer *w, char *err, size_t errlen)
{
	const struct cw_audit_chain *c = cw_audit_store_chain(w->store);

	if (strcmp(c->key_id, w->key_id) == 0)
		return 0;
	cw_log(LOG_NOTICE, "audit writer: rotating the chain's key from %s "
	    "to %s", c->key_id, w->key_id);
	return cw_audit_store_rotate_key(w->store, w->key_id, CW_AUDIT_ACTOR,
	    cw_audit_now_us(), err, errlen);
}

static int
store_open(struct cw_audit_writer *w)
{
	struct cw_audit_store_options o = { w->dir, w->key_dir,
	    w->log->host, w->key_id };
	char err[512];

	if (cw_audit_store_open(&o, cw_audit_now_us(), &w->store, err,
	    sizeof(err)) < 0 || rotate_if_needed(w, err, sizeof(err)) < 0) {
		/* Retried every second: said once, until it works again. */
		if (!w->open_failed)
			cw_log(LOG_CRIT, "audit writer: cannot open the trail "
			    "(events wait in Redis): %s", err);
		w->open_failed = true;
		store_close(w);
		return -1;
	}
	w->open_failed = false;
	dedup_rebuild(w);
	w->swept_day = -1;
	return 0;
}

/* ---- the lock ---- */

static void
release(struct cw_audit_writer *w)
{
	if (!w->holding)
		return;
	store_close(w);
	(void)lock_script(w, release_lua, NULL);
	w->holding = false;
	cw_metrics_level(w->log->metrics, CW_LEVEL_WRITER_ACTIVE, 0);
}

/* Takes the lock, then opens the store.  0 when this host now writes. */
static int
become_writer(struct cw_audit_writer *w)
{
	if (!lock_acquire(w)) {
		if (w->redis_up && !w->standby_logged)
			cw_log(LOG_INFO, "audit writer: standing by (%s is held "
			    "by another writer)", w->lock_key);
		w->standby_logged = true;
		return -1;
	}
	w->holding = true;
	w->renewed_ms = cw_now_ms();
	if (store_open(w) < 0) {
		release(w);
		return -1;
	}
	ensure_group(w);
	w->phase = READ_OTHERS;
	w->standby_logged = false;
	cw_metrics_level(w->log->metrics, CW_LEVEL_WRITER_ACTIVE, 1);
	cw_log(LOG_NOTICE, "audit writer: sealing %s into %s", w->stream_key,
	    w->dir);
	return 0;
}

/* Renews the lock every RENEW_MS; -1 when it turned out to be lost. */
static int
renew(struct cw_audit_writer *w)
{
	long long v;

	if (cw_now_ms() - w->renewed_ms < RENEW_MS)
		return 0;
	v = lock_script(w, renew_lua, NULL);
	if (v == 1) {
		w->renewed_ms = cw_now_ms();
		return 0;
	}
	if (v < 0)
		return 0;       /* Redis unreachable: appends stop by margin */
	cw_log(LOG_WARNING, "audit writer: lost %s to another writer; "
	    "standing by", w->lock_key);
	release(w);
	return -1;
}

/* Midnight roll and the daily retention sweep. */
static int
daily(struct cw_audit_writer *w)
{
	struct cw_audit_removal removed;
	int64_t now = cw_audit_now_us(), day = now / US_PER_DAY;
	char err[512];

	if (cw_audit_store_roll(w->store, now, err, sizeof(err)) < 0) {
		cw_log(LOG_CRIT, "audit writer: cannot roll the day file: %s",
		    err);
		return -1;
	}
	if (day == w->swept_day)
		return 0;
	w->swept_day = day;
	if (cw_audit_retention_sweep(w->store, w->retention_days,
	    CW_AUDIT_ACTOR, now, &removed, err, sizeof(err)) < 0)
		cw_log(LOG_ERR, "audit writer: retention sweep: %s", err);
	else if (removed.removed_files > 0)
		cw_log(LOG_NOTICE, "audit writer: retention removed %zu files "
		    "(%s .. %s)", removed.removed_files, removed.first_removed,
		    removed.last_removed);
	return 0;
}

/* ---- reading and sealing ---- */

static void
add_id(struct cw_audit_writer *w, const redisReply *id)
{
	if (id->type != REDIS_REPLY_STRING || id->len >= STREAM_ID_MAX ||
	    w->nids >= sizeof(w->ids) / sizeof(w->ids[0]))
		return;
	memcpy(w->ids[w->nids++], id->str, id->len + 1);
}

static void
note_invalid(struct cw_audit_writer *w, const char *id, const char *why)
{
	cw_metrics_add(w->log->metrics, CW_COUNTER_INVALID, 1);
	/* A flood of garbage must not flood the log: 1st, 2nd, 4th, ... */
	w->invalid_logged++;
	if ((w->invalid_logged & (w->invalid_logged - 1)) == 0)
		cw_log(LOG_ERR, "audit writer: stream entry %s is not an event "
		    "(%s); dropped (%" PRIu64 " so far)", id, why,
		    w->invalid_logged);
}

/* One stream entry [id, [field, value, ...]] into w->events[*n]. */
static void
take_entry(struct cw_audit_writer *w, const redisReply *e, size_t *n)
{
	char run[CW_AUDIT_RUN_LEN + 1], err[256];
	struct cw_audit_event *ev = &w->events[*n];
	const redisReply *f;
	uint64_t counter, missing;
	size_t i;

	if (e->type != REDIS_REPLY_ARRAY || e->elements != 2)
		return;
	add_id(w, e->element[0]);
	f = e->element[1];
	if (f->type != REDIS_REPLY_ARRAY)
		return;                 /* deleted meanwhile: just XACK it */
	for (i = 0; i + 1 < f->elements; i += 2)
		if (f->element[i]->type == REDIS_REPLY_STRING &&
		    strcmp(f->element[i]->str, "e") == 0 &&
		    f->element[i + 1]->type == REDIS_REPLY_STRING)
			break;
	if (i + 1 >= f->elements) {
		note_invalid(w, e->element[0]->str, "no field e");
		return;
	}
	if (cw_audit_event_parse(f->element[i + 1]->str,
	    f->element[i + 1]->len, ev, err, sizeof(err)) < 0) {
		note_invalid(w, e->element[0]->str, err);
		return;
	}
	/* Without an id (another implementation?) it cannot be a known
	 * copy: sealed, rather than risk losing it. */
	if (!event_id(ev, run, &counter)) {
		(*n)++;
		return;
	}
	if (!dedup_see(w, ev->host, run, counter, &missing)) {
		cw_metrics_add(w->log->metrics, CW_COUNTER_DUPLICATES, 1);
		return;
	}
	if (missing > 0) {
		cw_metrics_add(w->log->metrics, CW_COUNTER_MISSING, missing);
		cw_log(LOG_WARNING, "audit writer: %" PRIu64 " events of host %s"
		    " (run %s) before %" PRIu64 " never arrived", missing,
		    ev->host, run, counter);
	}
	(*n)++;
}

/* XACK and XDEL the entries handled: acknowledged, and gone from Redis. */
static int
ack(struct cw_audit_writer *w)
{
	const char *ack_argv[BATCH * 2 + 3], *del_argv[BATCH * 2 + 2];
	const char *const *argv[2] = { ack_argv, del_argv };
	redisReply *rep[2];
	char err[512];
	int argc[2], rc = -1;
	size_t i;

	if (w->nids == 0)
		return 0;
	ack_argv[0] = "XACK";
	ack_argv[1] = del_argv[1] = w->stream_key;
	ack_argv[2] = GROUP;
	del_argv[0] = "XDEL";
	for (i = 0; i < w->nids; i++)
		ack_argv[i + 3] = del_argv[i + 2] = w->ids[i];
	argc[0] = (int)w->nids + 3;
	argc[1] = (int)w->nids + 2;
	if (cw_redis_pipeline(w->redis, err, sizeof(err), 2, argc, argv, NULL,
	    rep) < 0) {
		redis_state(w, false, err);
		return -1;
	}
	if (rep[0]->type == REDIS_REPLY_INTEGER &&
	    rep[1]->type == REDIS_REPLY_INTEGER)
		rc = 0;
	freeReplyObject(rep[0]);
	freeReplyObject(rep[1]);
	return rc;
}

/* A failure after reading: re-read our pending entries from the start. */
static int
reread_later(struct cw_audit_writer *w)
{
	if (w->phase != READ_OTHERS)
		w->phase = READ_OWN;
	snprintf(w->cursor, sizeof(w->cursor), "0");
	return -1;
}

/* Seals n events: fsync'd when it returns 0. */
static int
seal(struct cw_audit_writer *w, size_t n)
{
	char err[512];

	if (n == 0)
		return 0;
	/* The lock may have expired unseen: do not write beside another. */
	if (cw_now_ms() - w->renewed_ms > APPEND_MARGIN_MS)
		return -1;
	if (cw_audit_store_append(w->store, w->events, n, cw_audit_now_us(),
	    err, sizeof(err)) < 0) {
		/* Reopening repairs the file and rebuilds the marks from
		 * what really reached it; the events are read again. */
		cw_log(LOG_CRIT, "audit writer: append failed: %s", err);
		store_close(w);
		if (store_open(w) < 0)
			release(w);
		return -1;
	}
	cw_metrics_add(w->log->metrics, CW_COUNTER_WRITTEN, n);
	return 0;
}

/* Entries (an array of [id, fields]) plus ids to acknowledge only. */
static int
handle(struct cw_audit_writer *w, const redisReply *entries,
    const redisReply *deleted)
{
	size_t i, n = 0;

	w->nids = 0;
	for (i = 0; entries != NULL && i < entries->elements && i < BATCH; i++)
		take_entry(w, entries->element[i], &n);
	for (i = 0; deleted != NULL && i < deleted->elements && i < BATCH; i++)
		add_id(w, deleted->element[i]);
	if (seal(w, n) < 0 || ack(w) < 0)
		return reread_later(w);
	return 1;
}

/* Whether consumers other than us have pending entries (XPENDING). */
static int
others_pending(struct cw_audit_writer *w)
{
	const char *argv[3] = { "XPENDING", w->stream_key, GROUP };
	const redisReply *c, *list;
	redisReply *r;
	int others = 0;
	size_t i;

	if ((r = command(w, 3, argv, NULL)) == NULL)
		return -1;
	list = r->type == REDIS_REPLY_ARRAY && r->elements == 4 ?
	    r->element[3] : NULL;
	for (i = 0; list != NULL && list->type == REDIS_REPLY_ARRAY &&
	    i < list->elements; i++) {
		c = list->element[i];
		if (c->type == REDIS_REPLY_ARRAY && c->elements == 2 &&
		    c->element[0]->type == REDIS_REPLY_STRING &&
		    strcmp(c->element[0]->str, w->log->host) != 0)
			others = 1;
	}
	freeReplyObject(r);
	return others;
}

/*
 * After taking the lock: claims what other consumers left pending, once
 * idle over CLAIM_IDLE_MS.  Until then it reads nothing new (order).
 */
static int
read_others(struct cw_audit_writer *w)
{
	char idle[16];
	const char *argv[8] = { "XAUTOCLAIM", w->stream_key, GROUP,
	    w->log->host, idle, "0-0", "COUNT", "512" };
	redisReply *r;
	int others, rc = 0;

	if ((others = others_pending(w)) < 0)
		return -1;
	if (others == 0) {
		w->phase = READ_OWN;
		snprintf(w->cursor, sizeof(w->cursor), "0");
		return 1;
	}
	snprintf(idle, sizeof(idle), "%d", CLAIM_IDLE_MS);
	if ((r = command(w, 8, argv, NULL)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_ARRAY && r->elements >= 2 &&
	    r->element[1]->type == REDIS_REPLY_ARRAY &&
	    r->element[1]->elements > 0)
		rc = handle(w, r->element[1], r->elements >= 3 &&
		    r->element[2]->type == REDIS_REPLY_ARRAY ? r->element[2] :
		    NULL);
	freeReplyObject(r);
	return rc;
}

/* The entries of our stream in an XREADGROUP reply, or NULL. */
static const redisReply *
stream_entries(const redisReply *r)
{
	const redisReply *s;

	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1)
		return NULL;
	s = r->element[0];
	if (s->type != REDIS_REPLY_ARRAY || s->elements != 2 ||
	    s->element[1]->type != REDIS_REPLY_ARRAY)
		return NULL;
	return s->element[1];
}

/* XREADGROUP from our pending entries (id) or new ones (">"). */
static int
read_group(struct cw_audit_writer *w, bool own)
{
	char block[16];
	const char *argv[11] = { "XREADGROUP", "GROUP", GROUP, w->log->host,
	    "COUNT", "512" };
	const redisReply *entries, *last;
	redisReply *r;
	int argc = 6, rc;

	if (!own && w->block_ms > 0) {
		snprintf(block, sizeof(block), "%d", w->block_ms);
		argv[argc++] = "BLOCK";
		argv[argc++] = block;
	}
	argv[argc++] = "STREAMS";
	argv[argc++] = w->stream_key;
	argv[argc++] = own ? w->cursor : ">";
	if ((r = command(w, argc, argv, NULL)) == NULL)
		return -1;
	entries = stream_entries(r);
	if (entries == NULL || entries->elements == 0) {
		if (own)
			w->phase = READ_NEW;
		else
			cw_metrics_add(w->log->metrics, CW_COUNTER_WRITER_IDLE,
			    1);
		freeReplyObject(r);
		return 0;
	}
	last = entries->element[entries->elements - 1];
	if (own && last->type == REDIS_REPLY_ARRAY && last->elements == 2 &&
	    last->element[0]->type == REDIS_REPLY_STRING &&
	    last->element[0]->len < STREAM_ID_MAX)
		memcpy(w->cursor, last->element[0]->str,
		    last->element[0]->len + 1);
	rc = handle(w, entries, NULL);
	freeReplyObject(r);
	return rc;
}

/* One round of work: 1 did some, 0 nothing to do, -1 failed. */
static int
work(struct cw_audit_writer *w)
{
	if (!w->holding && become_writer(w) < 0)
		return -1;
	if (renew(w) < 0 || daily(w) < 0)
		return -1;
	switch (w->phase) {
	case READ_OTHERS:
		ensure_group(w);
		return read_others(w);
	case READ_OWN:
		return read_group(w, true);
	default:
		return read_group(w, false);
	}
}

/* ---- the thread ---- */

static bool
stopping(struct cw_audit_writer *w, long long *deadline)
{
	bool stop;

	pthread_mutex_lock(&w->lock);
	stop = w->stop;
	*deadline = w->stop_deadline_ms;
	pthread_mutex_unlock(&w->lock);
	return stop;
}

static void
pause_ms(struct cw_audit_writer *w, int ms)
{
	long long until = cw_now_ms() + ms;

	pthread_mutex_lock(&w->lock);
	while (!w->stop)
		if (!cw_wake_wait_until(&w->cond, &w->lock, until))
			break;
	pthread_mutex_unlock(&w->lock);
}

static void *
writer_main(void *arg)
{
	struct cw_audit_writer *w = arg;
	long long deadline;
	int r;

	for (;;) {
		r = work(w);
		if (stopping(w, &deadline) && (r <= 0 || !w->holding ||
		    cw_now_ms() >= deadline))
			break;
		if (r > 0) {
			w->backoff_ms = BACKOFF_MIN_MS;
		} else if (r < 0) {
			pause_ms(w, w->holding ? w->backoff_ms : STANDBY_MS);
			w->backoff_ms = w->backoff_ms * 2 > BACKOFF_MAX_MS ?
			    BACKOFF_MAX_MS : w->backoff_ms * 2;
		} else if (w->phase == READ_OTHERS || w->block_ms <= 0) {
			/* Waiting for a dead holder's entries to idle, or
			 * polling without BLOCK. */
			pause_ms(w, w->phase == READ_OTHERS ? STANDBY_MS : 50);
		}
	}
	release(w);
	return NULL;
}

/* ---- start and stop ---- */

int
cw_audit_writer_check(const struct cw_config *cfg, char *err, size_t errlen)
{
	unsigned char key[CW_AUDIT_KEY_MAX];
	size_t len;
	int rc;

	if (cfg->audit.retention_days < CW_AUDIT_RETENTION_MIN_DAYS) {
		snprintf(err, errlen, "audit: [audit] retention_days %d is "
		    "below the minimum of %d: the writer refuses to start",
		    cfg->audit.retention_days, CW_AUDIT_RETENTION_MIN_DAYS);
		return -1;
	}
	rc = cw_audit_key_load(cfg->audit.key_dir, cfg->audit.key_id, key,
	    &len, err, errlen);
	explicit_bzero(key, sizeof(key));
	return rc;
}

static void
writer_free(struct cw_audit_writer *w)
{
	cw_redis_free(w->redis);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	if (w->token_fd >= 0)
		close(w->token_fd);
	free(w->dedup);
	free(w->events);
	free(w->record);
	free(w->dir);
	free(w->key_dir);
	free(w->key_id);
	free(w);
}

static int
make_token(struct cw_audit_writer *w, const char *host)
{
	unsigned char r[TOKEN_RANDOM];
	char hex[2 * sizeof(r) + 1];
	size_t i;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -1;
	for (i = 0; i < sizeof(r); i++)
		snprintf(hex + 2 * i, 3, "%02x", r[i]);
	snprintf(w->token, sizeof(w->token), "%s %s", host, hex);
	return 0;
}

/* A token read back from the file: "<printable> <hex>", nothing else. */
static bool
token_valid(const char *t)
{
	const char *sp = strchr(t, ' ');
	size_t i;

	if (sp == NULL || sp == t || strlen(sp + 1) != 2 * TOKEN_RANDOM)
		return false;
	for (i = 0; t[i] != '\0'; i++)
		if (t[i] < 0x20 || t[i] >= 0x7f)
			return false;
	return strspn(sp + 1, "0123456789abcdef") == 2 * TOKEN_RANDOM;
}

/*
 * <spool_dir>/writer.token holds the token of the last writer process of
 * this daemon (one daemon per spool directory), and that process holds a
 * flock on it for its whole life.  Taking the flock therefore proves that
 * process is gone, so a lock that still holds its token may be taken over
 * at once (a restart need not wait out the lease).  A second live daemon
 * cannot take the flock (nor start on the same spool); one with another
 * spool reads a token that is not the live holder's.  Then our own token
 * goes in.  Without the file, a restart simply waits for the lease.  (Not
 * in the trail directory: that holds the trail's files only.)
 */
static void
token_file_open(struct cw_audit_writer *w, const char *spool_dir)
{
	char path[4096], buf[sizeof(w->token) + 1];
	ssize_t n;
	int len;

	w->token_fd = -1;
	len = snprintf(path, sizeof(path), "%s/%s", spool_dir, TOKEN_FILE);
	if (len < 0 || (size_t)len >= sizeof(path))
		return;
	if ((w->token_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) < 0)
		goto fail;
	if (flock(w->token_fd, LOCK_EX | LOCK_NB) < 0) {
		cw_log(LOG_WARNING, "audit writer: %s is held by another live "
		    "writer; this one waits for %s to be free", path,
		    w->lock_key);
		close(w->token_fd);
		w->token_fd = -1;
		return;
	}
	n = pread(w->token_fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (token_valid(buf))
		memcpy(w->prev_token, buf, strlen(buf) + 1);
	snprintf(buf, sizeof(buf), "%s\n", w->token);
	if (ftruncate(w->token_fd, 0) < 0 || pwrite(w->token_fd, buf,
	    strlen(buf), 0) != (ssize_t)strlen(buf) || fdatasync(w->token_fd) < 0)
		goto fail;
	return;
fail:
	/* Keep the flock if we have it: the file is only an accelerator. */
	cw_log(LOG_WARNING, "audit writer: %s: %s; a restart will wait for "
	    "the lock's lease", path, strerror(errno));
}

static int
writer_init(struct cw_audit_writer *w, struct cw_audit_log *log,
    const struct cw_config *cfg, const struct cw_redis_options *redis)
{
	int timeout = redis->timeout_ms > 0 ? redis->timeout_ms : 2000;

	w->log = log;
	w->token_fd = -1;
	w->retention_days = cfg->audit.retention_days;
	w->backoff_ms = BACKOFF_MIN_MS;
	w->redis_up = true;     /* so that the first failure is logged */
	/* A BLOCK must end well inside the client's own deadline. */
	w->block_ms = timeout / 2 < BLOCK_MAX_MS ? timeout / 2 : BLOCK_MAX_MS;
	pthread_mutex_init(&w->lock, NULL);
	cw_wake_cond_init(&w->cond);
	if (cw_audit_redis_key(w->stream_key, sizeof(w->stream_key),
	    cfg->redis.key_prefix, "audit") < 0 ||
	    cw_audit_redis_key(w->lock_key, sizeof(w->lock_key),
	    cfg->redis.key_prefix, "audit:writer") < 0 ||
	    make_token(w, log->host) < 0)
		return -1;
	if ((w->dir = strdup(cfg->audit.directory)) == NULL ||
	    (w->key_dir = strdup(cfg->audit.key_dir)) == NULL ||
	    (w->key_id = strdup(cfg->audit.key_id)) == NULL ||
	    (w->dedup = calloc(DEDUP_SLOTS, sizeof(*w->dedup))) == NULL ||
	    (w->events = calloc(BATCH, sizeof(*w->events))) == NULL ||
	    (w->record = malloc(sizeof(*w->record))) == NULL ||
	    (w->redis = cw_redis_new(redis)) == NULL)
		return -1;
	token_file_open(w, cfg->audit.spool_dir);
	return 0;
}

struct cw_audit_writer *
cw_audit_writer_start(struct cw_audit_log *log, const struct cw_config *cfg,
    const struct cw_redis_options *redis, char *err, size_t errlen)
{
	struct cw_audit_writer *w;
	int rc;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		snprintf(err, errlen, "audit writer: out of memory");
		return NULL;
	}
	if (writer_init(w, log, cfg, redis) < 0) {
		snprintf(err, errlen, "audit writer: out of memory or no "
		    "randomness");
		writer_free(w);
		return NULL;
	}
	if ((rc = pthread_create(&w->thread, NULL, writer_main, w)) != 0) {
		snprintf(err, errlen, "audit writer: cannot start a thread: %s",
		    strerror(rc));
		writer_free(w);
		return NULL;
	}
	w->started = true;
	return w;
}

void
cw_audit_writer_stop(struct cw_audit_writer *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	w->stop_deadline_ms = cw_now_ms() + STOP_MS;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	if (w->started)
		pthread_join(w->thread, NULL);
	writer_free(w);
}
