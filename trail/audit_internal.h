/* SPDX-License-Identifier: MIT */
/*
 * audit_internal.h - what the files of libcwaudit share and nobody else
 * may use: the record's text rules (audit_record.c, audit_parse.c), and
 * the store's handle, file listing, line reader and key cache (the
 * audit_*.c files of the store).  audit.h is the public interface; this
 * header is not installed and not included outside trail/.
 */
#ifndef CW_AUDIT_INTERNAL_H
#define CW_AUDIT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit.h"

#define US_PER_DAY (86400LL * 1000000LL)
/* The actor of the records the store writes on its own account. */
#define STORE_ACTOR "clearwayd"

/* ---- the record's text rules (audit_record.c) ---- */

/* At most max bytes of safe UTF-8 (no control characters). */
bool audit_text_valid(const char *str, size_t len, size_t max);
/* [a-z][a-z0-9_]* of 1..max bytes (detail keys; outcomes without digits). */
bool audit_token_valid(const char *s, size_t max, bool digits);

/* ---- daily files (audit_files.c) ---- */

/* The UTC day (days since 1970-01-01) of an instant in microseconds. */
static inline int64_t
audit_day_of(int64_t us)
{
	return us / US_PER_DAY - (us % US_PER_DAY < 0);
}

struct day_list {
	int64_t *days;
	size_t n, cap;
};

/*
 * The days of the audit files in the directory dirfd, oldest first, in
 * l->days (the caller frees it).  Returns 0, or -1 with errno set.
 */
int audit_list_days(int dirfd, struct day_list *l);
/* The trail directory for reading; -1 with errno set. */
int audit_open_dir(const char *dir);
/* The file of day in dirfd (never through a link); -1 with errno set. */
int audit_open_day(int dirfd, int64_t day, int flags);

/* ---- the bounded line reader (audit_lines.c) ---- */

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

/* Reads fd (not owned) from where it is; 0, or -1 out of memory. */
int audit_reader_init(struct line_reader *rd, int fd);
void audit_reader_free(struct line_reader *rd);
/* The next line: *line stays valid until the next call. */
enum read_result audit_reader_next(struct line_reader *rd, const char **line,
    size_t *len);

/* ---- keys by id, loaded once per verification (audit_keys.c) ---- */

#define KEY_CACHE_SLOTS 8

struct key_cache {
	struct {
		char id[CW_AUDIT_KEY_ID_MAX + 1];
		unsigned char key[CW_AUDIT_KEY_MAX];
		size_t len;
	} slot[KEY_CACHE_SLOTS];
	size_t used, next;
};

/* The key of id, loaded on first use; 0 or -1 (err says why). */
int audit_key_cache_get(struct key_cache *kc, const char *key_dir,
    const char *id, const unsigned char **key, size_t *len, char *err,
    size_t errlen);
/* Wipes every key held. */
void audit_key_cache_wipe(struct key_cache *kc);

/* ---- the writer's handle (audit_append.c) ---- */

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

/* Writes and fsyncs; on failure the store is broken (see audit.h). */
int audit_store_write(struct cw_audit_store *st, int fd, const char *buf,
    size_t len, char *err, size_t errlen);

#endif
