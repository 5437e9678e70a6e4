/* SPDX-License-Identifier: MIT */
/*
 * audit_verify.c - checking a trail directory: every file in date order,
 * every line's MAC, form and link, the key hand-overs, the files' shape,
 * then the chain's two ends; the FIRST problem is reported, named.
 * Apart because it trusts nothing the writer did: it shares with it only
 * the file listing, the line reader and the record code.
 */
#include "audit_internal.h"

#include <jansson.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "text.h"

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

	while ((r = audit_reader_next(rd, &text, &len)) == READ_LINE ||
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
	    cw_hex_decode(prev->text, strlen(prev->text), keep_prev,
	    CW_AUDIT_MAC_LEN, true) < 0)
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
	if (opener && audit_day_of(r->event.time_us) != v->day)
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
	if (audit_key_cache_get(&v->keys, v->opt->key_dir, r->key_id, &key,
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
		switch (audit_reader_next(rd, &text, &len)) {
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
	if ((fd = audit_open_day(dirfd, day, O_RDONLY)) < 0)
		return io_problem(v, v->file, "open");
	if (audit_reader_init(&rd, fd) < 0) {
		close(fd);
		return io_problem(v, v->file, "out of memory");
	}
	rc = verify_lines(v, &rd);
	audit_reader_free(&rd);
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
		cw_hex_encode(v->opt->tail_mac, CW_AUDIT_MAC_LEN, tail);
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
	if ((dirfd = audit_open_dir(o->dir)) < 0 || audit_list_days(dirfd, &days) < 0) {
		io_problem(v, "", o->dir);
		goto out;
	}
	rc = verify_days(v, dirfd, &days);
	r->last_seq = v->seq;
	cw_hex_encode(v->mac, CW_AUDIT_MAC_LEN, r->last_mac);
out:
	if (dirfd >= 0)
		close(dirfd);
	free(days.days);
	audit_key_cache_wipe(&v->keys);
	free(v);
	return rc;
}

char *
cw_audit_verify_report_json(const struct cw_audit_verify_report *r)
{
	bool intact = r->problem.kind == CW_AUDIT_INTACT;
	json_t *o;
	char *s;

	o = json_pack("{s:b, s:I, s:I, s:I, s:I, s:s, s:I, s:I, s:I}",
	    "intact", intact, "files", (json_int_t)r->files,
	    "records", (json_int_t)r->records,
	    "first_seq", (json_int_t)r->first_seq,
	    "last_seq", (json_int_t)r->last_seq, "last_mac", r->last_mac,
	    "key_rotations", (json_int_t)r->key_rotations,
	    "retention_removals", (json_int_t)r->retention_removals,
	    "days_without_file", (json_int_t)r->days_without_file);
	if (o != NULL && !intact && json_object_set_new(o, "problem",
	    json_pack("{s:s, s:s, s:I, s:I, s:s}",
	    "kind", cw_audit_problem_name(r->problem.kind),
	    "file", r->problem.file, "line", (json_int_t)r->problem.line,
	    "seq", (json_int_t)r->problem.seq,
	    "what", r->problem.what)) != 0) {
		json_decref(o);
		return NULL;
	}
	s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return s;
}
