/* SPDX-License-Identifier: MIT */
/*
 * audit_append.c - the writer of one trail directory: open (lock, resume
 * the chain, repair what a crash left), append, roll over at midnight,
 * close.  Apart because it is the only code that writes records, and its
 * durability rules below must hold in one place.
 *
 * Durability: an append batch is one write() on an O_APPEND descriptor
 * followed by one fsync(); cw_audit_store_append() returns 0 only after
 * that fsync.  A new day file is created O_EXCL, gets its day_opened
 * record and an fsync, then the directory is fsync'd, so a file never
 * exists on disk without its first record unless the machine died in
 * between (the next open removes such an empty file; it held nothing).
 */
#include "audit_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "text.h"

#define LOCK_NAME ".lock"

/* What a crash left behind, found when the store is opened. */
struct recovery {
	bool happened;
	char file[CW_AUDIT_FILE_NAME_SIZE];
	uint64_t discarded_bytes;
	unsigned char discarded_sha256[32];
};

int
audit_store_write(struct cw_audit_store *st, int fd, const char *buf,
    size_t len, char *err, size_t errlen)
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

	if (audit_list_days(st->dir_fd, &days) < 0) {
		cw_set_err(err, errlen, "%s: %s", st->dir, strerror(errno));
		return -1;
	}
	while (days.n > 0) {
		cw_audit_file_name(days.days[days.n - 1], name);
		fd = audit_open_day(st->dir_fd, days.days[days.n - 1],
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
	int64_t today = audit_day_of(now_us);
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
	fd = audit_open_day(st->dir_fd, today, O_WRONLY | O_APPEND | O_CREAT |
	    O_EXCL);
	if (fd < 0) {
		cw_set_err(err, errlen, "%s/%s: %s", st->dir, name,
		    strerror(errno));
		goto out;
	}
	if (audit_store_write(st, fd, st->batch, used, err, errlen) < 0)
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
	if (used > 0 && audit_store_write(st, st->fd, st->batch, used, err,
	    errlen) < 0)
		goto out;
	st->chain = next;
	rc = 0;
out:
	cw_audit_chain_wipe(&next);
	return rc;
}

static int
append_recovery(struct cw_audit_store *st, const struct recovery *rec,
    int64_t now_us, char *err, size_t errlen)
{
	char hex[CW_AUDIT_HEX_LEN + 1];
	struct cw_audit_event ev;

	cw_hex_encode(rec->discarded_sha256, CW_AUDIT_MAC_LEN, hex);
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
