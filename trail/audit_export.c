/* SPDX-License-Identifier: MIT */
/*
 * audit_export.c - the records of a time range, out as JSONL (as stored,
 * so an auditor can check each MAC) or as CSV (RFC 4180).  Apart because
 * it is the one way records leave the trail for other tools, and it must
 * stay constant in memory however long the range.
 */
#include "audit_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "text.h"

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
	cw_hex_encode(r->prev, CW_AUDIT_MAC_LEN, prev);
	cw_hex_encode(r->mac, CW_AUDIT_MAC_LEN, mac);
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
	const struct cw_audit_filter *f;
	enum cw_audit_format format;
	FILE *out;
	struct cw_audit_export_result *res;
	struct cw_audit_record rec;
	size_t max_bytes;
	long start;                     /* ftell(out) at the start */
};

static void
note_skipped(struct exporter *x, const char *file, unsigned long line)
{
	if (x->res->skipped++ == 0)
		snprintf(x->res->first_skipped, sizeof(x->res->first_skipped),
		    "%s:%lu", file, line);
}

/* The filter's verdict on a parsed record. */
static bool
keeps(const struct cw_audit_filter *f, const struct cw_audit_record *r)
{
	const struct cw_audit_event *ev = &r->event;

	if (ev->time_us < f->since_us || ev->time_us >= f->until_us)
		return false;
	if (f->type >= 0 && (int)ev->type != f->type)
		return false;
	if (f->host != NULL && strcmp(ev->host, f->host) != 0)
		return false;
	return f->user == NULL || strcmp(ev->actor, f->user) == 0 ||
	    strcmp(ev->subject, f->user) == 0;
}

static int
export_line(struct exporter *x, const char *file, unsigned long lineno,
    const char *text, size_t len)
{
	if (cw_audit_line_parse(text, len, &x->rec, NULL, 0) < 0) {
		note_skipped(x, file, lineno);
		return 0;
	}
	if (!keeps(x->f, &x->rec))
		return 0;
	x->res->records++;
	if (x->format == CW_AUDIT_FORMAT_CSV)
		return write_csv(x->out, &x->rec);
	/* As stored: the auditor can check each line's MAC. */
	if (fwrite(text, 1, len, x->out) != len || fputc('\n', x->out) == EOF)
		return -1;
	return 0;
}

/* True once the page has its bytes (checked between lines only). */
static bool
page_full(struct exporter *x)
{
	long at;

	if (x->max_bytes == 0 || (at = ftell(x->out)) < 0)
		return false;
	return (size_t)(at - x->start) >= x->max_bytes;
}

/*
 * Exports one day's file from line cur->line on.  Returns 1 when the
 * page filled up (cur->line is where the next one starts), 0 at the end
 * of the file, -1 on an I/O error.
 */
static int
export_file(struct exporter *x, int dirfd, struct cw_audit_cursor *cur,
    char *err, size_t errlen)
{
	char name[CW_AUDIT_FILE_NAME_SIZE];
	struct line_reader rd;
	enum read_result r;
	const char *text;
	size_t len;
	int fd, rc = -1;

	cw_audit_file_name(cur->day, name);
	if ((fd = audit_open_day(dirfd, cur->day, O_RDONLY)) < 0) {
		cw_set_err(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	if (audit_reader_init(&rd, fd) < 0) {
		cw_set_err(err, errlen, "out of memory");
		goto out;
	}
	while ((r = audit_reader_next(&rd, &text, &len)) != READ_EOF) {
		if (r == READ_ERROR) {
			cw_set_err(err, errlen, "%s: %s", name, strerror(errno));
			goto out;
		}
		if (rd.lineno <= cur->line)
			continue;       /* an earlier page had it */
		if (r != READ_LINE)
			note_skipped(x, name, rd.lineno);
		else if (export_line(x, name, rd.lineno, text, len) < 0 ||
		    ferror(x->out)) {
			cw_set_err(err, errlen, "cannot write the export");
			goto out;
		}
		cur->line = rd.lineno;
		if (page_full(x)) {
			rc = 1;
			goto out;
		}
	}
	rc = 0;
out:
	audit_reader_free(&rd);
	close(fd);
	return rc;
}

int
cw_audit_export_page(const char *dir, const struct cw_audit_filter *f,
    enum cw_audit_format format, FILE *out, struct cw_audit_cursor *cur,
    size_t max_bytes, struct cw_audit_export_result *res, char *err,
    size_t errlen)
{
	struct day_list days = { 0 };
	struct exporter *x;
	int64_t first_day;
	size_t i;
	int dirfd = -1, rc = -1, more = 0;

	memset(res, 0, sizeof(*res));
	if ((x = calloc(1, sizeof(*x))) == NULL) {
		cw_set_err(err, errlen, "out of memory");
		return -1;
	}
	*x = (struct exporter){ .f = f, .format = format, .out = out,
	    .res = res, .max_bytes = max_bytes, .start = ftell(out) };
	if ((dirfd = audit_open_dir(dir)) < 0 || audit_list_days(dirfd, &days) < 0) {
		cw_set_err(err, errlen, "%s: %s", dir, strerror(errno));
		goto out;
	}
	/* A day early: an event may be written a little before its own
	 * host's clock says it happened (clocks differ). */
	first_day = f->since_us <= 0 ? 0 : audit_day_of(f->since_us) - 1;
	if (format == CW_AUDIT_FORMAT_CSV && cur->day == 0 &&
	    fputs(CSV_HEADER, out) == EOF) {
		cw_set_err(err, errlen, "cannot write the export");
		goto out;
	}
	for (i = 0; i < days.n && more == 0; i++) {
		if (days.days[i] < first_day || days.days[i] < cur->day)
			continue;
		if (days.days[i] > cur->day) {
			cur->day = days.days[i];
			cur->line = 0;
		}
		if ((more = export_file(x, dirfd, cur, err, errlen)) < 0)
			goto out;
	}
	cur->done = more == 0;
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

int
cw_audit_export(const char *dir, int64_t since_us, int64_t until_us,
    enum cw_audit_format format, FILE *out,
    struct cw_audit_export_result *res, char *err, size_t errlen)
{
	struct cw_audit_filter f = { since_us, until_us, NULL, -1, NULL };
	struct cw_audit_cursor cur = { 0, 0, false };

	return cw_audit_export_page(dir, &f, format, out, &cur, 0, res, err,
	    errlen);
}
