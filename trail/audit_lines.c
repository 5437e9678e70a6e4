/* SPDX-License-Identifier: MIT */
/*
 * audit_lines.c - the bounded line reader every reader of the trail
 * streams files through (resume, retention, verify, export).  One reader,
 * so memory never grows with the trail and no line is ever taken longer
 * than CW_AUDIT_LINE_MAX, whatever a file holds.
 */
#include "audit_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READER_BUF (64 * 1024)

int
audit_reader_init(struct line_reader *rd, int fd)
{
	memset(rd, 0, sizeof(*rd));
	rd->fd = fd;
	rd->buf = malloc(READER_BUF);
	return rd->buf != NULL ? 0 : -1;
}

void
audit_reader_free(struct line_reader *rd)
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

enum read_result
audit_reader_next(struct line_reader *rd, const char **line,
    size_t *len)
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

