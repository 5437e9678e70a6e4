/* SPDX-License-Identifier: MIT */
/*
 * denylist.c - the persisted deny-list (format and guarantees in the
 * header).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/denylist.h"
#include "names.h"
#include "text.h"

#define HEADER "clearway-denylist 1\n"
#define TRAILER "crc32 "
#define TRAILER_LEN (sizeof(TRAILER) - 1 + 8 + 1)   /* "crc32 " 8hex \n */

unsigned long
cw_crc32(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	unsigned long crc = 0xffffffffUL;
	size_t i;
	int k;

	/* Bitwise: the list is small and written rarely; no table needed. */
	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320UL & (0UL - (crc & 1)));
	}
	return crc ^ 0xffffffffUL;
}

/* The line starting at *pos (without its '\n'); NULL when no '\n'. */
static const char *
next_line(const char *buf, size_t len, size_t *pos, size_t *linelen)
{
	const char *start = buf + *pos;
	const char *nl = memchr(start, '\n', len - *pos);

	if (nl == NULL)
		return NULL;
	*linelen = (size_t)(nl - start);
	*pos += *linelen + 1;
	return start;
}

/* "count N": a decimal without sign or leading zeros. */
static int
parse_count(const char *line, size_t n, size_t *count)
{
	size_t i, v = 0;

	if (n < 7 || memcmp(line, "count ", 6) != 0 ||
	    (line[6] == '0' && n > 7) || n > 6 + 7)
		return -1;
	for (i = 6; i < n; i++) {
		if (line[i] < '0' || line[i] > '9')
			return -1;
		v = v * 10 + (size_t)(line[i] - '0');
	}
	if (v > CW_DENYLIST_MAX_NAMES)
		return -1;
	*count = v;
	return 0;
}

/* The trailer line must be the file's last bytes and match the CRC. */
static int
check_trailer(const char *buf, size_t len, size_t body, char *err,
    size_t errlen)
{
	char want[TRAILER_LEN + 1];

	if (len - body != TRAILER_LEN ||
	    memcmp(buf + body, TRAILER, sizeof(TRAILER) - 1) != 0 ||
	    buf[len - 1] != '\n') {
		snprintf(err, errlen, "deny-list: %s", len - body <
		    TRAILER_LEN ? "truncated (no checksum line)" :
		    "bad checksum line or data after it");
		return -1;
	}
	snprintf(want, sizeof(want), TRAILER "%08lx\n", cw_crc32(buf, body));
	if (memcmp(buf + body, want, TRAILER_LEN) != 0) {
		snprintf(err, errlen, "deny-list: checksum mismatch (corrupt)");
		return -1;
	}
	return 0;
}

/* The names: count lines, each valid and greater than the one before. */
static int
parse_names(const char *buf, size_t len, size_t *pos, size_t count,
    struct cw_strmap *out, char *err, size_t errlen)
{
	char name[CW_USER_MAX + 1], prev[CW_USER_MAX + 1] = "";
	const char *line;
	size_t i, n;
	void *old;

	for (i = 0; i < count; i++) {
		if ((line = next_line(buf, len, pos, &n)) == NULL) {
			snprintf(err, errlen, "deny-list: truncated after %zu "
			    "of %zu names", i, count);
			return -1;
		}
		if (!cw_user_name_valid(line, n)) {
			snprintf(err, errlen, "deny-list: line %zu is not a "
			    "user name", i + 3);
			return -1;
		}
		memcpy(name, line, n);
		name[n] = '\0';
		if (i > 0 && strcmp(prev, name) >= 0) {
			snprintf(err, errlen, "deny-list: line %zu out of "
			    "order or repeated", i + 3);
			return -1;
		}
		if (cw_strmap_put(out, name, (void *)1, &old) < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		memcpy(prev, name, n + 1);
	}
	return 0;
}

int
cw_denylist_parse(const char *buf, size_t len, struct cw_strmap *out,
    char *err, size_t errlen)
{
	size_t pos = 0, n, count;
	const char *line;

	if (len > CW_DENYLIST_MAX_BYTES) {
		snprintf(err, errlen, "deny-list: larger than %d bytes",
		    CW_DENYLIST_MAX_BYTES);
		return -1;
	}
	if (len < sizeof(HEADER) - 1 ||
	    memcmp(buf, HEADER, sizeof(HEADER) - 1) != 0) {
		snprintf(err, errlen, "deny-list: %s", len == 0 ? "empty file" :
		    "not a version 1 clearway deny-list");
		return -1;
	}
	pos = sizeof(HEADER) - 1;
	if ((line = next_line(buf, len, &pos, &n)) == NULL ||
	    parse_count(line, n, &count) < 0) {
		snprintf(err, errlen, "deny-list: %s", line == NULL ?
		    "truncated (no count line)" : "bad count line");
		return -1;
	}
	if (parse_names(buf, len, &pos, count, out, err, errlen) < 0 ||
	    check_trailer(buf, len, pos, err, errlen) < 0) {
		cw_strmap_clear(out, NULL);
		return -1;
	}
	return 0;
}

struct collect {
	const char **names;
	size_t n;
	size_t bytes;
};

static void
collect_name(const char *key, void *value, void *arg)
{
	struct collect *c = arg;

	(void)value;
	c->names[c->n++] = key;
	c->bytes += strlen(key) + 1;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
cw_denylist_format(const struct cw_strmap *m, char **buf, size_t *len)
{
	struct collect c = { NULL, 0, 0 };
	char *out = NULL;
	size_t i, pos, cap;
	int rc = -1;

	*buf = NULL;
	*len = 0;
	if (m->count > CW_DENYLIST_MAX_NAMES ||
	    (c.names = calloc(m->count + 1, sizeof(*c.names))) == NULL)
		return -1;
	cw_strmap_foreach(m, collect_name, &c);
	qsort(c.names, c.n, sizeof(*c.names), name_cmp);
	cap = sizeof(HEADER) + 32 + c.bytes + TRAILER_LEN + 1;
	if ((out = malloc(cap)) == NULL)
		goto out;
	pos = (size_t)snprintf(out, cap, HEADER "count %zu\n", c.n);
	for (i = 0; i < c.n; i++)
		pos += (size_t)snprintf(out + pos, cap - pos, "%s\n",
		    c.names[i]);
	pos += (size_t)snprintf(out + pos, cap - pos, TRAILER "%08lx\n",
	    cw_crc32(out, pos));
	*buf = out;
	*len = pos;
	out = NULL;
	rc = 0;
out:
	free(out);
	free(c.names);
	return rc;
}

/* Reads an open file whole, within the size limit. */
static int
read_all(int fd, size_t size, char **bufp, char *err, size_t errlen)
{
	char *buf = malloc(size + 1);
	size_t got = 0;
	ssize_t n;

	if (buf == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (got < size && (n = read(fd, buf + got, size - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "read: %s", strerror(errno));
			free(buf);
			return -1;
		}
		got += (size_t)n;
	}
	if (got != size) {
		snprintf(err, errlen, "changed while being read");
		free(buf);
		return -1;
	}
	*bufp = buf;
	return 0;
}

int
cw_statefile_read(const char *path, size_t max, char **bufp, size_t *lenp,
    char *err, size_t errlen)
{
	char *buf = NULL, why[200];
	struct stat st;
	int fd, rc = -1;

	*bufp = NULL;
	*lenp = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return 1;
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	why[0] = '\0';
	if (fstat(fd, &st) < 0)
		snprintf(why, sizeof(why), "%s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		snprintf(why, sizeof(why), "not a regular file");
	else if (st.st_uid != geteuid() || (st.st_mode & 077) != 0)
		snprintf(why, sizeof(why), "must be owned by uid %u with no "
		    "group or other access", (unsigned)geteuid());
	else if ((size_t)st.st_size > max)
		snprintf(why, sizeof(why), "too large");
	else if (read_all(fd, (size_t)st.st_size, &buf, why, sizeof(why)) == 0)
		rc = 0;
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, why[0] ? why :
		    "unreadable");
	else {
		*bufp = buf;
		*lenp = (size_t)st.st_size;
	}
	close(fd);
	return rc;
}

int
cw_denylist_load(const char *path, struct cw_strmap *out, char *err,
    size_t errlen)
{
	char *buf = NULL, why[200];
	size_t len;
	int rc;

	if ((rc = cw_statefile_read(path, CW_DENYLIST_MAX_BYTES, &buf, &len,
	    err, errlen)) != 0)
		return rc;
	if (cw_denylist_parse(buf, len, out, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		rc = -1;
	}
	free(buf);
	return rc;
}

/* fsync of the directory holding path, so the rename itself is durable. */
static int
sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd, rc = -1;

	if (copy == NULL)
		return -1;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		rc = fsync(fd);
		close(fd);
	}
	free(copy);
	return rc;
}

int
cw_statefile_write(const char *path, const char *buf, size_t len, char *err,
    size_t errlen)
{
	char tmp[4096];
	int fd = -1, rc = -1;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >=
	    sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	if (fchmod(fd, 0600) < 0 || cw_write_all(fd, buf, len) < 0 ||
	    fsync(fd) < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	rc = close(fd);
	fd = -1;
	if (rc < 0) {
		rc = -1;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	rc = -1;
	if (rename(tmp, path) < 0) {
		snprintf(err, errlen, "rename to %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (sync_dir(path) < 0) {
		snprintf(err, errlen, "fsync of %s's directory: %s", path,
		    strerror(errno));
		goto out;
	}
	rc = 0;
	goto out;
fail:
	unlink(tmp);
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

int
cw_denylist_save(const char *path, const struct cw_strmap *m, char *err,
    size_t errlen)
{
	char *buf = NULL;
	size_t len;
	int rc;

	if (cw_denylist_format(m, &buf, &len) < 0) {
		snprintf(err, errlen, "deny-list: out of memory or too many "
		    "names");
		return -1;
	}
	rc = cw_statefile_write(path, buf, len, err, errlen);
	free(buf);
	return rc;
}
