/* SPDX-License-Identifier: MIT */
/*
 * audit_store.c - the audit trail on disk: daily files of sealed lines,
 * their writer, verifier, retention and export.  Every file operation on
 * the trail is here; what a record is and how it is sealed is in
 * audit_record.c (pure), and audit.h describes the format.
 *
 * Durability: an append batch is one write() on an O_APPEND descriptor
 * followed by one fsync(); cw_audit_store_append() returns 0 only after
 * that fsync.  A new day file is created O_EXCL, gets its day_opened
 * record and an fsync, then the directory is fsync'd, so a file never
 * exists on disk without its first record unless the machine died in
 * between (the next open removes such an empty file; it held nothing).
 *
 * Everything that reads files streams them through a bounded line reader,
 * so memory does not grow with the trail and no line can be longer than
 * CW_AUDIT_LINE_MAX.
 */
#include "audit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "config.h"
#include "config_file.h"
#include "gentime.h"
#include "text.h"

#define US_PER_DAY (86400LL * 1000000LL)
#define READER_BUF (64 * 1024)
#define KEY_CACHE_SLOTS 8
#define LOCK_NAME ".lock"
/* The actor of the records the store writes on its own account. */
#define STORE_ACTOR "clearwayd"

static int64_t
day_of(int64_t us)
{
	return us / US_PER_DAY - (us % US_PER_DAY < 0);
}

/* ---- file names and listing ---- */

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
	*day = day_of(us);
	return 0;
}

struct day_list {
	int64_t *days;
	size_t n, cap;
};

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

/*
 * The days of the audit files in the directory dirfd, oldest first.  Other
 * names (the lock file, an editor's backup) are not part of the trail.
 * Returns 0, or -1 with errno set.
 */
static int
list_days(int dirfd, struct day_list *l)
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

static int
open_dir(const char *dir)
{
	return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int
open_day(int dirfd, int64_t day, int flags)
{
	char name[CW_AUDIT_FILE_NAME_SIZE];

	if (cw_audit_file_name(day, name) < 0) {
		errno = EINVAL;
		return -1;
	}
	return openat(dirfd, name, flags | O_CLOEXEC | O_NOFOLLOW, 0600);
}

/* ---- the bounded line reader ---- */

enum read_result {
	READ_LINE,              /* a whole line, without its newline */
	READ_EOF,
	READ_PARTIAL,           /* last bytes of the file, no newline */
	READ_TOO_LONG,          /* over CW_AUDIT_LINE_MAX; skipped */
	READ_ERROR,             /* errno set */
};

struct line_reader {
	int fd;
	char *buf;
	size_t start, end;
	bool eof;
	bool skipping;          /* inside an over-long line */
	unsigned long lineno;   /* of the line last returned */
};

static int
reader_init(struct line_reader *rd, int fd)
{
	memset(rd, 0, sizeof(*rd));
	rd->fd = fd;
	rd->buf = malloc(READER_BUF);
	return rd->buf != NULL ? 0 : -1;
}

static void
reader_free(struct line_reader *rd)
{
	free(rd->buf);
	rd->buf = NULL;
}

/* Moves what is left to the front and reads more; -1 on error. */
static int
reader_fill(struct line_reader *rd)
{
	ssize_t n;

	memmove(rd->buf, rd->buf + rd->start, rd->end - rd->start);
	rd->end -= rd->start;
	rd->start = 0;
	do {
		n = read(rd->fd, rd->buf + rd->end, READER_BUF - rd->end);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n == 0)
		rd->eof = true;
	rd->end += (size_t)n;
	return 0;
}

static enum read_result
reader_next(struct line_reader *rd, const char **line, size_t *len)
{
	char *nl;

	for (;;) {
		nl = memchr(rd->buf + rd->start, '\n', rd->end - rd->start);
		if (rd->skipping) {
			if (nl != NULL) {
				rd->start = (size_t)(nl - rd->buf) + 1;
				rd->skipping = false;
				continue;
			}
			rd->start = rd->end;
		} else if (nl != NULL) {
			*line = rd->buf + rd->start;
			*len = (size_t)(nl - *line);
			rd->start += *len + 1;
			rd->lineno++;
			return *len > CW_AUDIT_LINE_MAX ? READ_TOO_LONG :
			    READ_LINE;
		} else if (rd->end - rd->start > CW_AUDIT_LINE_MAX) {
			rd->lineno++;
			rd->skipping = true;
			return READ_TOO_LONG;
		} else if (rd->eof) {
			if (rd->start == rd->end)
				return READ_EOF;
			*line = rd->buf + rd->start;
			*len = rd->end - rd->start;
			rd->start = rd->end;
			rd->lineno++;
			return READ_PARTIAL;
		}
		if (rd->eof)
			return READ_EOF;
		if (reader_fill(rd) < 0)
			return READ_ERROR;
	}
}

/* ---- keys ---- */

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
cw_audit_key_load(const char *key_dir, const char *key_id,
    unsigned char key[CW_AUDIT_KEY_MAX], size_t *key_len, char *err,
    size_t errlen)
{
	/* Room for 128 digits, a newline, and cw_secret_read's margin. */
	char path[PATH_MAX], hex[2 * CW_AUDIT_KEY_MAX + 3];
	int n, i, hi, lo, rc = -1;

	*key_len = 0;
	if (!cw_audit_key_id_valid(key_id)) {
		cw_set_err(err, errlen, "invalid audit key id");
		return -1;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.key", key_dir,
	    key_id) >= sizeof(path)) {
		cw_set_err(err, errlen, "%s: path too long", key_dir);
		return -1;
	}
	if ((n = cw_secret_read(path, hex, sizeof(hex), err, errlen)) < 0)
		goto out;
	if (n % 2 != 0 || n < 2 * CW_AUDIT_KEY_MIN ||
	    n > 2 * CW_AUDIT_KEY_MAX) {
		cw_set_err(err, errlen, "%s: must hold %d to %d hex digits", path,
		    2 * CW_AUDIT_KEY_MIN, 2 * CW_AUDIT_KEY_MAX);
		goto out;
	}
	for (i = 0; i < n / 2; i++) {
		hi = hex_value(hex[2 * i]);
		lo = hex_value(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			cw_set_err(err, errlen, "%s: not hex", path);
			goto out;
		}
		key[i] = (unsigned char)(hi << 4 | lo);
	}
	*key_len = (size_t)n / 2;
	rc = 0;
out:
	explicit_bzero(hex, sizeof(hex));
	if (rc < 0)
		explicit_bzero(key, CW_AUDIT_KEY_MAX);
	return rc;
}

/* Keys by id, loaded once per verification. */
struct key_cache {
	struct {
		char id[CW_AUDIT_KEY_ID_MAX + 1];
		unsigned char key[CW_AUDIT_KEY_MAX];
		size_t len;
	} slot[KEY_CACHE_SLOTS];
	size_t used, next;
};

static int
key_cache_get(struct key_cache *kc, const char *key_dir, const char *id,
    const unsigned char **key, size_t *len, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < kc->used; i++) {
		if (strcmp(kc->slot[i].id, id) == 0)
			goto found;
	}
	i = kc->used < KEY_CACHE_SLOTS ? kc->used++ : kc->next++ %
	    KEY_CACHE_SLOTS;
	kc->slot[i].id[0] = '\0';
	if (cw_audit_key_load(key_dir, id, kc->slot[i].key, &kc->slot[i].len,
	    err, errlen) < 0)
		return -1;
	snprintf(kc->slot[i].id, sizeof(kc->slot[i].id), "%s", id);
found:
	*key = kc->slot[i].key;
	*len = kc->slot[i].len;
	return 0;
}

static void
key_cache_wipe(struct key_cache *kc)
{
	explicit_bzero(kc, sizeof(*kc));
}

/* ---- the writer ---- */

struct cw_audit_store {
	char *dir;
	char *key_dir;
	int dir_fd;
	int lock_fd;
	int fd;                 /* today's (the newest) file; -1 before one */
	int64_t day;            /* of fd */
	bool broken;            /* a write failed: close and open again */
	struct cw_audit_chain chain;
	char *batch;
	size_t batch_cap;
};

/* What a crash left behind, found when the store is opened. */
struct recovery {
	bool happened;
	char file[CW_AUDIT_FILE_NAME_SIZE];
	uint64_t discarded_bytes;
	unsigned char discarded_sha256[32];
};

/* Writes and fsyncs; on failure the store is broken (see audit.h). */
static int
store_write(struct cw_audit_store *st, int fd, const char *buf, size_t len,
    char *err, size_t errlen)
{
	if (cw_write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
		cw_set_err(err, errlen, "%s: cannot write the audit trail: %s",
		    st->dir, strerror(errno));
		st->broken = true;
		return -1;
	}
	return 0;
}

/* Creates (0700) or checks the directory: ours, and nobody else's. */
static int
open_store_dir(const char *dir, char *err, size_t errlen)
{
	struct stat sb;
	int fd;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		cw_set_err(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW)) < 0) {
		cw_set_err(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) < 0 || sb.st_uid != geteuid() ||
	    (sb.st_mode & 077) != 0) {
		cw_set_err(err, errlen, "%s: must be a directory owned by the "
		    "writer (root) with no group or other access", dir);
		close(fd);
		return -1;
	}
	return fd;
}

static int
lock_store(struct cw_audit_store *st, char *err, size_t errlen)
{
	st->lock_fd = openat(st->dir_fd, LOCK_NAME, O_RDWR | O_CREAT |
	    O_CLOEXEC | O_NOFOLLOW, 0600);
	if (st->lock_fd < 0) {
		cw_set_err(err, errlen, "%s/%s: %s", st->dir, LOCK_NAME,
		    strerror(errno));
		return -1;
	}
	/* Two writers would fork the chain. */
	if (flock(st->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		cw_set_err(err, errlen, "%s: another audit writer holds it",
		    st->dir);
		return -1;
	}
	return 0;
}

static int
sha256(const char *buf, size_t len, unsigned char out[32])
{
	return EVP_Digest(buf, len, out, NULL, EVP_sha256(), NULL) == 1 ?
	    0 : -1;
}

/*
 * Cuts an unfinished last line (a write that a crash cut short: it was
 * never acknowledged) off the end of fd, noting its size and hash in rec.
 * More than a line's worth without a newline is not ours to cut.
 */
static int
repair_tail(int fd, const char *name, struct recovery *rec, char *err,
    size_t errlen)
{
	char *buf = NULL, *nl;
	struct stat sb;
	size_t window;
	off_t keep;
	int rc = -1;

	if (fstat(fd, &sb) < 0)
		goto io;
	if (sb.st_size == 0)
		return 0;
	window = sb.st_size > CW_AUDIT_LINE_MAX + 1 ? CW_AUDIT_LINE_MAX + 1 :
	    (size_t)sb.st_size;
	if ((buf = malloc(window)) == NULL ||
	    pread(fd, buf, window, sb.st_size - (off_t)window) !=
	    (ssize_t)window)
		goto io;
	if (buf[window - 1] == '\n') {
		rc = 0;
		goto out;
	}
	nl = memrchr(buf, '\n', window);
	if (nl == NULL && (off_t)window < sb.st_size) {
		cw_set_err(err, errlen, "%s: ends in over %d bytes without a "
		    "newline; not an unfinished record (run audit verify)",
		    name, CW_AUDIT_LINE_MAX);
		goto out;
	}
	keep = sb.st_size - (off_t)window + (nl ? nl - buf + 1 : 0);
	rec->happened = true;
	snprintf(rec->file, sizeof(rec->file), "%s", name);
	rec->discarded_bytes = (uint64_t)(sb.st_size - keep);
	if (sha256(buf + (keep - (sb.st_size - (off_t)window)),
	    (size_t)rec->discarded_bytes, rec->discarded_sha256) < 0 ||
	    ftruncate(fd, keep) < 0 || fsync(fd) < 0)
		goto io;
	rc = 0;
	goto out;
io:
	cw_set_err(err, errlen, "%s: %s", name, strerror(errno));
out:
	free(buf);
	return rc;
}

/* The last line of fd (which ends in a newline) into buf, NUL-terminated. */
static int
read_last_line(int fd, char *buf, size_t bufsize, size_t *len)
{
	struct stat sb;
	size_t window;
	char *nl;

	if (fstat(fd, &sb) < 0 || sb.st_size < 1)
		return -1;
	window = sb.st_size > (off_t)bufsize ? bufsize : (size_t)sb.st_size;
	if (pread(fd, buf, window, sb.st_size - (off_t)window) !=
	    (ssize_t)window || buf[window - 1] != '\n')
		return -1;
	nl = memrchr(buf, '\n', window - 1);
	if (nl == NULL && (off_t)window < sb.st_size)
		return -1;      /* longer than any record */
	*len = window - 1 - (nl ? (size_t)(nl - buf) + 1 : 0);
	memmove(buf, nl ? nl + 1 : buf, *len);
	buf[*len] = '\0';
	return 0;
}

/*
 * Continues the chain from the last record of fd, which must verify with
 * the key it names: the writer never chains onto a record it cannot trust.
 */
static int
resume_from_file(struct cw_audit_store *st, int fd, const char *name,
    const char *host, char *err, size_t errlen)
{
	unsigned char key[CW_AUDIT_KEY_MAX], next_key[CW_AUDIT_KEY_MAX];
	struct cw_audit_record *rec = NULL;
	size_t len, key_len, next_len;
	const char *next_id;
	char *line = NULL, msg[256];
	int rc = -1;

	if ((line = malloc(CW_AUDIT_LINE_MAX + 2)) == NULL ||
	    (rec = malloc(sizeof(*rec))) == NULL) {
		cw_set_err(err, errlen, "out of memory");
		goto out;
	}
	if (read_last_line(fd, line, CW_AUDIT_LINE_MAX + 2, &len) < 0 ||
	    cw_audit_line_parse(line, len, rec, msg, sizeof(msg)) < 0) {
		cw_set_err(err, errlen, "%s: the last line is not a record (run "
		    "audit verify)", name);
		goto out;
	}
	if (cw_audit_key_load(st->key_dir, rec->key_id, key, &key_len, err,
	    errlen) < 0)
		goto out;
	if (cw_audit_record_check(rec, line, len, key, key_len) !=
	    CW_AUDIT_CHECK_OK) {
		cw_set_err(err, errlen, "%s: the last record does not verify; "
		    "not continuing the chain from it (run audit verify)",
		    name);
		goto out;
	}
	if ((next_id = cw_audit_record_next_key_id(rec)) == NULL ||
	    cw_audit_key_load(st->key_dir, next_id, next_key, &next_len, err,
	    errlen) < 0)
		goto out;
	rc = cw_audit_chain_resume(&st->chain, host, rec, next_key, next_len,
	    err, errlen);
out:
	explicit_bzero(key, sizeof(key));
	explicit_bzero(next_key, sizeof(next_key));
	free(line);
	free(rec);
	return rc;
}

static int
start_new_chain(struct cw_audit_store *st,
    const struct cw_audit_store_options *o, char *err, size_t errlen)
{
	unsigned char key[CW_AUDIT_KEY_MAX];
	size_t key_len;
	int rc = -1;

	if (cw_audit_key_load(st->key_dir, o->key_id, key, &key_len, err,
	    errlen) == 0)
		rc = cw_audit_chain_start(&st->chain, o->host, o->key_id, key,
		    key_len, err, errlen);
	explicit_bzero(key, sizeof(key));
	return rc;
}

/*
 * Finds the newest file, repairs its end, and continues the chain from it;
 * with no files, starts a new chain.  An empty newest file (the machine
 * died between creating it and its first record) holds nothing: removed.
 */
static int
store_resume(struct cw_audit_store *st,
    const struct cw_audit_store_options *o, struct recovery *rec, char *err,
    size_t errlen)
{
	char name[CW_AUDIT_FILE_NAME_SIZE];
	struct day_list days;
	struct stat sb;
	int fd = -1, rc = -1;

	if (list_days(st->dir_fd, &days) < 0) {
		cw_set_err(err, errlen, "%s: %s", st->dir, strerror(errno));
		return -1;
	}
	while (days.n > 0) {
		cw_audit_file_name(days.days[days.n - 1], name);
		fd = open_day(st->dir_fd, days.days[days.n - 1],
		    O_RDWR | O_APPEND);
		if (fd < 0 || fstat(fd, &sb) < 0) {
			cw_set_err(err, errlen, "%s/%s: %s", st->dir, name,
			    strerror(errno));
			goto out;
		}
		if (repair_tail(fd, name, rec, err, errlen) < 0 ||
		    fstat(fd, &sb) < 0)
			goto out;
		if (sb.st_size > 0)
			break;
		close(fd);
		fd = -1;
		rec->happened = true;
		snprintf(rec->file, sizeof(rec->file), "%s", name);
		if (unlinkat(st->dir_fd, name, 0) < 0 ||
		    fsync(st->dir_fd) < 0) {
			cw_set_err(err, errlen, "%s/%s: %s", st->dir, name,
			    strerror(errno));
			goto out;
		}
		days.n--;
	}
	if (days.n == 0) {
		rc = start_new_chain(st, o, err, errlen);
		goto out;
	}
	if (resume_from_file(st, fd, name, o->host, err, errlen) < 0)
		goto out;
	st->fd = fd;
	st->day = days.days[days.n - 1];
	fd = -1;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(days.days);
	return rc;
}

/* Seals ev into st->batch at *used with the chain c. */
static int
batch_add(struct cw_audit_store *st, struct cw_audit_chain *c,
    const struct cw_audit_event *ev, size_t *used, char *err, size_t errlen)
{
	char *line = NULL, *grown;
	size_t len;
	int rc = -1;

	if (cw_audit_seal(c, ev, &line, &len, err, errlen) < 0)
		return -1;
	if (*used + len > st->batch_cap) {
		size_t cap = (*used + len) * 2;

		if ((grown = realloc(st->batch, cap)) == NULL) {
			cw_set_err(err, errlen, "out of memory");
			goto out;
		}
		st->batch = grown;
		st->batch_cap = cap;
	}
	memcpy(st->batch + *used, line, len);
	*used += len;
	rc = 0;
out:
	free(line);
	return rc;
}

/*
 * Opens today's file when the date has moved on since the newest file (if
 * the clock went back, the newest file stays: the trail never goes back).
 */
static int
store_roll(struct cw_audit_store *st, int64_t now_us, char *err,
    size_t errlen)
{
	char name[CW_AUDIT_FILE_NAME_SIZE], prev[CW_AUDIT_FILE_NAME_SIZE];
	struct cw_audit_chain next = st->chain;
	struct cw_audit_event ev;
	int64_t today = day_of(now_us);
	size_t used = 0;
	int fd = -1, rc = -1;

	if (st->fd >= 0 && today <= st->day)
		return 0;
	if (cw_audit_file_name(today, name) < 0 ||
	    cw_audit_event_init(&ev, CW_AUDIT_DAY_OPENED, now_us,
	    STORE_ACTOR, "", "info") < 0 ||
	    (st->fd >= 0 && (cw_audit_file_name(st->day, prev) < 0 ||
	    cw_audit_event_add_string(&ev, "previous_file", prev) < 0))) {
		cw_set_err(err, errlen, "invalid time for the audit trail");
		goto out;
	}
	if (batch_add(st, &next, &ev, &used, err, errlen) < 0)
		goto out;
	fd = open_day(st->dir_fd, today, O_WRONLY | O_APPEND | O_CREAT |
	    O_EXCL);
	if (fd < 0) {
		cw_set_err(err, errlen, "%s/%s: %s", st->dir, name,
		    strerror(errno));
		goto out;
	}
	if (store_write(st, fd, st->batch, used, err, errlen) < 0)
		goto out;
	if (fsync(st->dir_fd) < 0) {
		cw_set_err(err, errlen, "%s: fsync: %s", st->dir, strerror(errno));
		st->broken = true;
		goto out;
	}
	if (st->fd >= 0)
		close(st->fd);
	st->fd = fd;
	st->day = today;
	fd = -1;
	st->chain = next;
	rc = 0;
out:
	cw_audit_chain_wipe(&next);
	if (fd >= 0)
		close(fd);
	return rc;
}

int
cw_audit_store_roll(struct cw_audit_store *st, int64_t now_us, char *err,
    size_t errlen)
{
	if (st->broken) {
		cw_set_err(err, errlen, "%s: a write failed; reopen the store",
		    st->dir);
		return -1;
	}
	return store_roll(st, now_us, err, errlen);
}

int
cw_audit_store_append(struct cw_audit_store *st,
    const struct cw_audit_event *ev, size_t n, int64_t now_us, char *err,
    size_t errlen)
{
	struct cw_audit_chain next;
	size_t i, used = 0;
	int rc = -1;

	if (cw_audit_store_roll(st, now_us, err, errlen) < 0)
		return -1;
	/* Sealed on a copy: a bad event leaves the chain as it was. */
	next = st->chain;
	for (i = 0; i < n; i++) {
		if (batch_add(st, &next, &ev[i], &used, err, errlen) < 0)
			goto out;
	}
	if (used > 0 && store_write(st, st->fd, st->batch, used, err,
	    errlen) < 0)
		goto out;
	st->chain = next;
	rc = 0;
out:
	cw_audit_chain_wipe(&next);
	return rc;
}

int
cw_audit_store_rotate_key(struct cw_audit_store *st, const char *new_key_id,
    const char *actor, int64_t now_us, char *err, size_t errlen)
{
	unsigned char key[CW_AUDIT_KEY_MAX];
	struct cw_audit_chain next;
	char *line = NULL;
	size_t key_len, len;
	int rc = -1;

	/* Load the new key first: a rotation to a key we cannot read would
	 * leave a chain nobody can continue. */
	if (cw_audit_key_load(st->key_dir, new_key_id, key, &key_len, err,
	    errlen) < 0 || cw_audit_store_roll(st, now_us, err, errlen) < 0)
		goto wipe;
	next = st->chain;
	if (cw_audit_seal_key_rotation(&next, now_us, actor, new_key_id, key,
	    key_len, &line, &len, err, errlen) == 0 &&
	    store_write(st, st->fd, line, len, err, errlen) == 0) {
		st->chain = next;
		rc = 0;
	}
	cw_audit_chain_wipe(&next);
wipe:
	explicit_bzero(key, sizeof(key));
	free(line);
	return rc;
}

static int
append_recovery(struct cw_audit_store *st, const struct recovery *rec,
    int64_t now_us, char *err, size_t errlen)
{
	char hex[CW_AUDIT_HEX_LEN + 1];
	struct cw_audit_event ev;

	cw_audit_hex(rec->discarded_sha256, hex);
	if (cw_audit_event_init(&ev, CW_AUDIT_WRITER_RECOVERED, now_us,
	    STORE_ACTOR, rec->file, "info") < 0 ||
	    cw_audit_event_add_int(&ev, "discarded_bytes",
	    (int64_t)rec->discarded_bytes) < 0 ||
	    (rec->discarded_bytes > 0 &&
	    cw_audit_event_add_string(&ev, "discarded_sha256", hex) < 0)) {
		cw_set_err(err, errlen, "cannot build writer_recovered");
		return -1;
	}
	return cw_audit_store_append(st, &ev, 1, now_us, err, errlen);
}

int
cw_audit_store_open(const struct cw_audit_store_options *o, int64_t now_us,
    struct cw_audit_store **out, char *err, size_t errlen)
{
	struct cw_audit_store *st;
	struct recovery rec;

	*out = NULL;
	memset(&rec, 0, sizeof(rec));
	if (o->dir == NULL || o->key_dir == NULL || o->host == NULL ||
	    !cw_audit_key_id_valid(o->key_id)) {
		cw_set_err(err, errlen, "audit store: dir, key_dir, host and a "
		    "valid key_id are required");
		return -1;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL)
		goto nomem;
	st->dir_fd = st->lock_fd = st->fd = -1;
	st->day = -1;
	if ((st->dir = strdup(o->dir)) == NULL ||
	    (st->key_dir = strdup(o->key_dir)) == NULL)
		goto nomem;
	if ((st->dir_fd = open_store_dir(o->dir, err, errlen)) < 0 ||
	    lock_store(st, err, errlen) < 0 ||
	    store_resume(st, o, &rec, err, errlen) < 0 ||
	    store_roll(st, now_us, err, errlen) < 0 ||
	    (rec.happened && append_recovery(st, &rec, now_us, err,
	    errlen) < 0))
		goto fail;
	*out = st;
	return 0;
nomem:
	cw_set_err(err, errlen, "out of memory");
fail:
	cw_audit_store_close(st);
	return -1;
}

const struct cw_audit_chain *
cw_audit_store_chain(const struct cw_audit_store *st)
{
	return &st->chain;
}

void
cw_audit_store_close(struct cw_audit_store *st)
{
	if (st == NULL)
		return;
	if (st->fd >= 0)
		close(st->fd);
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	if (st->dir_fd >= 0)
		close(st->dir_fd);
	cw_audit_chain_wipe(&st->chain);
	free(st->batch);
	free(st->dir);
	free(st->key_dir);
	free(st);
}

/* ---- retention ---- */

/* The first record of the file of day: where the kept trail starts. */
static int
read_first_record(int dirfd, int64_t day, struct cw_audit_record *rec)
{
	struct line_reader rd;
	const char *line;
	size_t len;
	int fd, rc = -1;

	if ((fd = open_day(dirfd, day, O_RDONLY)) < 0)
		return -1;
	if (reader_init(&rd, fd) == 0 &&
	    reader_next(&rd, &line, &len) == READ_LINE &&
	    cw_audit_line_parse(line, len, rec, NULL, 0) == 0)
		rc = 0;
	reader_free(&rd);
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
	if (list_days(dirfd, &days) < 0) {
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
	if ((fd = open_dir(dir)) < 0) {
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

	cw_audit_hex(p->keep_from_prev, prev);
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

	if (list_days(st->dir_fd, &days) < 0) {
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

/* ---- verification ---- */

static const char *const problem_names[] = {
	[CW_AUDIT_INTACT] = "intact",
	[CW_AUDIT_CHANGED] = "changed",
	[CW_AUDIT_DELETED] = "deleted",
	[CW_AUDIT_REORDERED] = "reordered",
	[CW_AUDIT_TRUNCATED] = "truncated",
	[CW_AUDIT_MALFORMED] = "malformed",
	[CW_AUDIT_MISSING_DAY] = "missing_day",
	[CW_AUDIT_MISSING_START] = "missing_start",
	[CW_AUDIT_MISSING_TAIL] = "missing_tail",
	[CW_AUDIT_KEY] = "key",
	[CW_AUDIT_EMPTY] = "empty",
	[CW_AUDIT_IO] = "io",
};

const char *
cw_audit_problem_name(enum cw_audit_problem_kind k)
{
	if ((size_t)k >= sizeof(problem_names) / sizeof(problem_names[0]))
		return "unknown";
	return problem_names[k];
}

struct verifier {
	const struct cw_audit_verify_options *opt;
	struct cw_audit_verify_report *rep;
	struct key_cache keys;
	struct cw_audit_record rec;     /* the line being checked */
	char file[CW_AUDIT_FILE_NAME_SIZE];
	char prev_file[CW_AUDIT_FILE_NAME_SIZE];        /* "" for the first */
	int64_t day;
	/* The last record accepted, and the key id the next one must have. */
	bool started;
	uint64_t seq;
	unsigned char mac[CW_AUDIT_MAC_LEN];
	char key_id[CW_AUDIT_KEY_ID_MAX + 1];
	char last_file[CW_AUDIT_FILE_NAME_SIZE];
	unsigned long last_line;
	/* Where the kept trail starts, and whether that start is legitimate
	 * (seq 1, or allowed by a retention_removed record). */
	bool anchored;
	uint64_t anchor_seq;
	unsigned char anchor_prev[CW_AUDIT_MAC_LEN];
	char anchor_file[CW_AUDIT_FILE_NAME_SIZE];
	bool tail_seen;
};

static int problem(struct verifier *v, enum cw_audit_problem_kind kind,
    const char *file, unsigned long line, uint64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Records the first problem only; returns -1 to stop the walk. */
static int
problem(struct verifier *v, enum cw_audit_problem_kind kind, const char *file,
    unsigned long line, uint64_t seq, const char *fmt, ...)
{
	va_list ap;

	if (v->rep->problem.kind != CW_AUDIT_INTACT)
		return -1;
	v->rep->problem.kind = kind;
	snprintf(v->rep->problem.file, sizeof(v->rep->problem.file), "%s",
	    file);
	v->rep->problem.line = line;
	v->rep->problem.seq = seq;
	va_start(ap, fmt);
	vsnprintf(v->rep->problem.what, sizeof(v->rep->problem.what), fmt, ap);
	va_end(ap);
	return -1;
}

static int
io_problem(struct verifier *v, const char *file, const char *what)
{
	int e = errno;

	v->rep->problem.sys_errno = e;
	return problem(v, CW_AUDIT_IO, file, 0, 0, "%s: %s", what,
	    strerror(e));
}

/*
 * A seq gap at this line: if one of the missing records turns up later in
 * the file, the records were reordered; otherwise they were deleted.  The
 * walk stops at the first problem, so the rest of the file is ours to read.
 */
static int
explain_gap(struct verifier *v, struct line_reader *rd, uint64_t expected,
    uint64_t found, unsigned long line)
{
	const char *text;
	size_t len;
	enum read_result r;

	while ((r = reader_next(rd, &text, &len)) == READ_LINE ||
	    r == READ_TOO_LONG) {
		if (r == READ_LINE &&
		    cw_audit_line_parse(text, len, &v->rec, NULL, 0) == 0 &&
		    v->rec.seq >= expected && v->rec.seq < found)
			return problem(v, CW_AUDIT_REORDERED, v->file, line,
			    found, "seq %llu stands before seq %llu (line "
			    "%lu): records out of order",
			    (unsigned long long)found,
			    (unsigned long long)v->rec.seq, rd->lineno);
	}
	return problem(v, CW_AUDIT_DELETED, v->file, line, found,
	    "seq %llu follows seq %llu (%s line %lu): records %llu..%llu are "
	    "missing", (unsigned long long)found,
	    (unsigned long long)expected - 1, v->last_file, v->last_line,
	    (unsigned long long)expected, (unsigned long long)found - 1);
}

/* The record at this line does not follow the last one: say how. */
static int
chain_break(struct verifier *v, struct line_reader *rd)
{
	const struct cw_audit_detail *from;
	uint64_t expected = v->seq + 1, found = v->rec.seq;
	unsigned long line = rd->lineno;

	from = cw_audit_event_detail(&v->rec.event, "previous_file");
	if (line == 1 && v->rec.event.type == CW_AUDIT_DAY_OPENED &&
	    from != NULL && from->kind == CW_AUDIT_STRING &&
	    strcmp(from->text, v->prev_file) != 0)
		return problem(v, CW_AUDIT_MISSING_DAY, v->file, line, found,
		    "the chain continues from %s, which is missing (last "
		    "record before it: seq %llu in %s)", from->text,
		    (unsigned long long)v->seq, v->last_file);
	if (found > expected)
		return explain_gap(v, rd, expected, found, line);
	if (found < expected)
		return problem(v, CW_AUDIT_REORDERED, v->file, line, found,
		    "seq %llu follows seq %llu: a record repeated or out of "
		    "order", (unsigned long long)found,
		    (unsigned long long)v->seq);
	return problem(v, CW_AUDIT_CHANGED, v->file, line, found,
	    "prev is not the MAC of seq %llu (%s line %lu): not the record "
	    "sealed after it", (unsigned long long)v->seq, v->last_file,
	    v->last_line);
}

/* A retention_removed record may allow the kept trail's start. */
static int
note_removal(struct verifier *v, unsigned long line)
{
	const struct cw_audit_detail *seq, *prev;
	unsigned char keep_prev[CW_AUDIT_MAC_LEN];

	seq = cw_audit_event_detail(&v->rec.event, "keep_from_seq");
	prev = cw_audit_event_detail(&v->rec.event, "keep_from_prev");
	if (seq == NULL || seq->kind != CW_AUDIT_INTEGER || seq->integer < 1 ||
	    prev == NULL || prev->kind != CW_AUDIT_STRING ||
	    cw_audit_unhex(prev->text, strlen(prev->text), keep_prev) < 0)
		return problem(v, CW_AUDIT_MALFORMED, v->file, line,
		    v->rec.seq, "retention_removed without keep_from_seq "
		    "and keep_from_prev");
	v->rep->retention_removals++;
	/* Below keep_from_seq: a sweep stopped before removing all it
	 * could; nothing it did not allow is gone. */
	if (!v->anchored && (v->anchor_seq < (uint64_t)seq->integer ||
	    (v->anchor_seq == (uint64_t)seq->integer &&
	    memcmp(v->anchor_prev, keep_prev, sizeof(keep_prev)) == 0)))
		v->anchored = true;
	return 0;
}

/* The record has been checked: it becomes the chain's end. */
static int
accept_record(struct verifier *v, unsigned long line)
{
	const struct cw_audit_record *r = &v->rec;
	const char *next = cw_audit_record_next_key_id(r);

	if (next == NULL)
		return problem(v, CW_AUDIT_MALFORMED, v->file, line, r->seq,
		    "key_rotated without a valid new_key_id");
	if (!v->started) {
		v->anchored = r->seq == 1 && CRYPTO_memcmp(r->prev,
		    (unsigned char[CW_AUDIT_MAC_LEN]){ 0 }, CW_AUDIT_MAC_LEN) == 0;
		v->anchor_seq = r->seq;
		memcpy(v->anchor_prev, r->prev, sizeof(v->anchor_prev));
		snprintf(v->anchor_file, sizeof(v->anchor_file), "%s", v->file);
		v->rep->first_seq = r->seq;
	}
	if (r->event.type == CW_AUDIT_KEY_ROTATED)
		v->rep->key_rotations++;
	if (r->event.type == CW_AUDIT_RETENTION_REMOVED &&
	    note_removal(v, line) < 0)
		return -1;
	if (v->opt->expect_tail && r->seq == v->opt->tail_seq &&
	    CRYPTO_memcmp(r->mac, v->opt->tail_mac, CW_AUDIT_MAC_LEN) == 0)
		v->tail_seen = true;
	v->started = true;
	v->seq = r->seq;
	memcpy(v->mac, r->mac, sizeof(v->mac));
	snprintf(v->key_id, sizeof(v->key_id), "%s", next);
	snprintf(v->last_file, sizeof(v->last_file), "%s", v->file);
	v->last_line = line;
	v->rep->records++;
	return 0;
}

/* Each file opens with day_opened, dated the file's own day. */
static int
check_file_structure(struct verifier *v, unsigned long line)
{
	const struct cw_audit_record *r = &v->rec;
	bool opener = r->event.type == CW_AUDIT_DAY_OPENED;

	if ((line == 1) != opener)
		return problem(v, CW_AUDIT_MALFORMED, v->file, line, r->seq,
		    line == 1 ? "the file does not start with day_opened" :
		    "day_opened in the middle of a file");
	if (opener && day_of(r->event.time_us) != v->day)
		return problem(v, CW_AUDIT_CHANGED, v->file, line, r->seq,
		    "day_opened is dated another day than the file's name: "
		    "file renamed?");
	return 0;
}

/*
 * The checks, in an order that makes the report say what happened: the
 * MAC first (nothing else in an altered record can be believed), then the
 * link to the record before, then the key hand-over, then the file's shape.
 */
static int
check_line(struct verifier *v, struct line_reader *rd, const char *text,
    size_t len)
{
	const struct cw_audit_record *r = &v->rec;
	unsigned long line = rd->lineno;
	const unsigned char *key;
	size_t key_len;
	char msg[200];

	errno = 0;
	if (key_cache_get(&v->keys, v->opt->key_dir, r->key_id, &key,
	    &key_len, msg, sizeof(msg)) < 0) {
		/* A key the verifier may not read says nothing of the chain. */
		int e = errno;

		(void)problem(v, CW_AUDIT_KEY, v->file, line, r->seq,
		    "key '%s': %s", r->key_id, msg);
		if (e == EACCES || e == EPERM)
			v->rep->problem.sys_errno = e;
		return -1;
	}
	switch (cw_audit_record_check(r, text, len, key, key_len)) {
	case CW_AUDIT_CHECK_OK:
		break;
	case CW_AUDIT_CHECK_MAC:
		return problem(v, CW_AUDIT_CHANGED, v->file, line, r->seq,
		    "MAC does not match: the record was altered");
	case CW_AUDIT_CHECK_FORM:
		return problem(v, CW_AUDIT_CHANGED, v->file, line, r->seq,
		    "not in canonical form: the line was edited");
	default:
		return problem(v, CW_AUDIT_IO, v->file, line, r->seq,
		    "out of memory");
	}
	if (v->started && (r->seq != v->seq + 1 ||
	    memcmp(r->prev, v->mac, CW_AUDIT_MAC_LEN) != 0))
		return chain_break(v, rd);
	if (v->started && strcmp(r->key_id, v->key_id) != 0)
		return problem(v, CW_AUDIT_KEY, v->file, line, r->seq,
		    "sealed with key '%s' but the chain's key is '%s' (no "
		    "key_rotated record hands over)", r->key_id, v->key_id);
	if (check_file_structure(v, line) < 0)
		return -1;
	return accept_record(v, line);
}

static int
verify_lines(struct verifier *v, struct line_reader *rd)
{
	const char *text;
	size_t len;
	char msg[200];

	for (;;) {
		switch (reader_next(rd, &text, &len)) {
		case READ_EOF:
			if (rd->lineno == 0)
				return problem(v, CW_AUDIT_TRUNCATED, v->file,
				    0, 0, "the file is empty");
			return 0;
		case READ_ERROR:
			return io_problem(v, v->file, "read");
		case READ_TOO_LONG:
			return problem(v, CW_AUDIT_MALFORMED, v->file,
			    rd->lineno, 0, "longer than %d bytes: not a "
			    "record", CW_AUDIT_LINE_MAX);
		case READ_PARTIAL:
			return problem(v, CW_AUDIT_TRUNCATED, v->file,
			    rd->lineno, 0, "the last line has no newline: the "
			    "file was cut short, or a write did not finish");
		case READ_LINE:
			break;
		}
		if (cw_audit_line_parse(text, len, &v->rec, msg,
		    sizeof(msg)) < 0)
			return problem(v, CW_AUDIT_MALFORMED, v->file,
			    rd->lineno, 0, "not a record: %s", msg);
		if (check_line(v, rd, text, len) < 0)
			return -1;
	}
}

static int
verify_file(struct verifier *v, int dirfd, int64_t day)
{
	struct line_reader rd;
	int fd, rc;

	v->day = day;
	cw_audit_file_name(day, v->file);
	if ((fd = open_day(dirfd, day, O_RDONLY)) < 0)
		return io_problem(v, v->file, "open");
	if (reader_init(&rd, fd) < 0) {
		close(fd);
		return io_problem(v, v->file, "out of memory");
	}
	rc = verify_lines(v, &rd);
	reader_free(&rd);
	close(fd);
	v->rep->files++;
	snprintf(v->prev_file, sizeof(v->prev_file), "%s", v->file);
	return rc;
}

/* After the last file: is the start legitimate, is the end the expected? */
static int
verify_ends(struct verifier *v)
{
	char tail[CW_AUDIT_HEX_LEN + 1];

	if (!v->anchored)
		return problem(v, CW_AUDIT_MISSING_START, v->anchor_file, 1,
		    v->anchor_seq, "the oldest file starts at seq %llu, not "
		    "at the chain's start, and no retention_removed record "
		    "allows the removal of what came before: files deleted",
		    (unsigned long long)v->anchor_seq);
	if (v->opt->expect_tail && !v->tail_seen) {
		cw_audit_hex(v->opt->tail_mac, tail);
		return problem(v, CW_AUDIT_MISSING_TAIL, v->last_file,
		    v->last_line, v->seq, "the trail ends at seq %llu without "
		    "the writer's last record (seq %llu, MAC %.16s...): "
		    "records cut off the end",
		    (unsigned long long)v->seq,
		    (unsigned long long)v->opt->tail_seq, tail);
	}
	return 0;
}

static int
verify_days(struct verifier *v, int dirfd, const struct day_list *days)
{
	size_t i;

	if (days->n == 0)
		return problem(v, CW_AUDIT_EMPTY, "", 0, 0, "no audit files "
		    "in %s", v->opt->dir);
	for (i = 0; i < days->n; i++) {
		if (i > 0)
			v->rep->days_without_file += (size_t)(days->days[i] -
			    days->days[i - 1] - 1);
		if (verify_file(v, dirfd, days->days[i]) < 0)
			return -1;
	}
	return verify_ends(v);
}

int
cw_audit_verify_dir(const struct cw_audit_verify_options *o,
    struct cw_audit_verify_report *r)
{
	struct day_list days = { 0 };
	struct verifier *v;
	int dirfd = -1, rc = -1;

	memset(r, 0, sizeof(*r));
	if ((v = calloc(1, sizeof(*v))) == NULL) {
		r->problem.kind = CW_AUDIT_IO;
		r->problem.sys_errno = ENOMEM;
		snprintf(r->problem.what, sizeof(r->problem.what),
		    "out of memory");
		return -1;
	}
	v->opt = o;
	v->rep = r;
	if ((dirfd = open_dir(o->dir)) < 0 || list_days(dirfd, &days) < 0) {
		io_problem(v, "", o->dir);
		goto out;
	}
	rc = verify_days(v, dirfd, &days);
	r->last_seq = v->seq;
	cw_audit_hex(v->mac, r->last_mac);
out:
	if (dirfd >= 0)
		close(dirfd);
	free(days.days);
	key_cache_wipe(&v->keys);
	free(v);
	return rc;
}

/* ---- export ---- */

#define CSV_HEADER "seq,time,host,type,actor,subject,outcome,details," \
	"key_id,prev,mac\r\n"

/* One RFC 4180 field: quoted, inner quotes doubled, when it needs it. */
static void
csv_field(FILE *out, const char *s, bool last)
{
	const char *p;

	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, out);
	} else {
		fputc('"', out);
		for (p = s; *p != '\0'; p++) {
			if (*p == '"')
				fputc('"', out);
			fputc(*p, out);
		}
		fputc('"', out);
	}
	fputs(last ? "\r\n" : ",", out);
}

static int
write_csv(FILE *out, const struct cw_audit_record *r)
{
	char time[CW_AUDIT_TIME_LEN + 1], seq[24];
	char prev[CW_AUDIT_HEX_LEN + 1], mac[CW_AUDIT_HEX_LEN + 1];
	char *details = cw_audit_details_json(&r->event);

	if (details == NULL || cw_audit_time_format(r->event.time_us,
	    time) < 0) {
		free(details);
		return -1;
	}
	snprintf(seq, sizeof(seq), "%llu", (unsigned long long)r->seq);
	cw_audit_hex(r->prev, prev);
	cw_audit_hex(r->mac, mac);
	csv_field(out, seq, false);
	csv_field(out, time, false);
	csv_field(out, r->event.host, false);
	csv_field(out, cw_audit_type_name(r->event.type), false);
	csv_field(out, r->event.actor, false);
	csv_field(out, r->event.subject, false);
	csv_field(out, r->event.outcome, false);
	csv_field(out, details, false);
	csv_field(out, r->key_id, false);
	csv_field(out, prev, false);
	csv_field(out, mac, true);
	free(details);
	return 0;
}

struct exporter {
	int64_t since, until;
	enum cw_audit_format format;
	FILE *out;
	struct cw_audit_export_result *res;
	struct cw_audit_record rec;
};

static void
note_skipped(struct exporter *x, const char *file, unsigned long line)
{
	if (x->res->skipped++ == 0)
		snprintf(x->res->first_skipped, sizeof(x->res->first_skipped),
		    "%s:%lu", file, line);
}

static int
export_line(struct exporter *x, const char *file, unsigned long lineno,
    const char *text, size_t len)
{
	if (cw_audit_line_parse(text, len, &x->rec, NULL, 0) < 0) {
		note_skipped(x, file, lineno);
		return 0;
	}
	if (x->rec.event.time_us < x->since || x->rec.event.time_us >= x->until)
		return 0;
	x->res->records++;
	if (x->format == CW_AUDIT_FORMAT_CSV)
		return write_csv(x->out, &x->rec);
	/* As stored: the auditor can check each line's MAC. */
	if (fwrite(text, 1, len, x->out) != len || fputc('\n', x->out) == EOF)
		return -1;
	return 0;
}

static int
export_file(struct exporter *x, int dirfd, int64_t day, char *err,
    size_t errlen)
{
	char name[CW_AUDIT_FILE_NAME_SIZE];
	struct line_reader rd;
	enum read_result r;
	const char *text;
	size_t len;
	int fd, rc = -1;

	cw_audit_file_name(day, name);
	if ((fd = open_day(dirfd, day, O_RDONLY)) < 0) {
		cw_set_err(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	if (reader_init(&rd, fd) < 0) {
		cw_set_err(err, errlen, "out of memory");
		goto out;
	}
	while ((r = reader_next(&rd, &text, &len)) != READ_EOF) {
		if (r == READ_ERROR) {
			cw_set_err(err, errlen, "%s: %s", name, strerror(errno));
			goto out;
		}
		if (r != READ_LINE)
			note_skipped(x, name, rd.lineno);
		else if (export_line(x, name, rd.lineno, text, len) < 0 ||
		    ferror(x->out)) {
			cw_set_err(err, errlen, "cannot write the export");
			goto out;
		}
	}
	rc = 0;
out:
	reader_free(&rd);
	close(fd);
	return rc;
}

int
cw_audit_export(const char *dir, int64_t since_us, int64_t until_us,
    enum cw_audit_format format, FILE *out,
    struct cw_audit_export_result *res, char *err, size_t errlen)
{
	struct day_list days = { 0 };
	struct exporter *x;
	int64_t first_day;
	size_t i;
	int dirfd = -1, rc = -1;

	memset(res, 0, sizeof(*res));
	if ((x = calloc(1, sizeof(*x))) == NULL) {
		cw_set_err(err, errlen, "out of memory");
		return -1;
	}
	*x = (struct exporter){ .since = since_us, .until = until_us,
	    .format = format, .out = out, .res = res };
	if ((dirfd = open_dir(dir)) < 0 || list_days(dirfd, &days) < 0) {
		cw_set_err(err, errlen, "%s: %s", dir, strerror(errno));
		goto out;
	}
	/* A day early: an event may be written a little before its own
	 * host's clock says it happened (clocks differ). */
	first_day = since_us <= 0 ? 0 : day_of(since_us) - 1;
	if (format == CW_AUDIT_FORMAT_CSV && fputs(CSV_HEADER, out) == EOF) {
		cw_set_err(err, errlen, "cannot write the export");
		goto out;
	}
	for (i = 0; i < days.n; i++) {
		if (days.days[i] >= first_day &&
		    export_file(x, dirfd, days.days[i], err, errlen) < 0)
			goto out;
	}
	if (fflush(out) == EOF || ferror(out)) {
		cw_set_err(err, errlen, "cannot write the export");
		goto out;
	}
	rc = 0;
out:
	if (dirfd >= 0)
		close(dirfd);
	free(days.days);
	free(x);
	return rc;
}
