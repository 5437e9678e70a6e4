/* SPDX-License-Identifier: MIT */
/*
 * config_file.c - reading the configuration and the files it names (the
 * secrets, the bank-holidays file) from disk, with the ownership and mode
 * checks that make a file trustworthy.  The parsing itself is pure and
 * lives in core/config.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "config_file.h"

/*
 * Opens path for reading if it is a regular file owned by root whose mode
 * has none of the bits in forbidden.  Returns the fd, or -1 with err set.
 */
static int
open_root_file(const char *path, mode_t forbidden, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	if (st.st_uid != 0) {
		snprintf(err, errlen, "%s: must be owned by root", path);
		goto fail;
	}
	if (st.st_mode & forbidden) {
		snprintf(err, errlen, "%s: mode %04o is too open (must not "
		    "have %04o)", path, (unsigned)(st.st_mode & 07777),
		    (unsigned)forbidden);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/* Reads at most max bytes; a longer file is an error.  Returns length. */
static ssize_t
read_bounded(int fd, char *buf, size_t max)
{
	size_t got = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, buf + got, max + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > max)
			return -1;
	}
	return (ssize_t)got;
}

/*
 * cw_read_root_file() and cw_secret_file_read(): the file whole, refused
 * when its mode has any bit of forbidden.  A partial read is wiped (it
 * may be part of a secret).
 */
static int
read_whole_root_file(const char *path, mode_t forbidden, size_t max,
    char **bufp, size_t *lenp, char *err, size_t errlen)
{
	char *buf = NULL;
	struct stat st;
	ssize_t len;
	size_t size;
	int fd, rc = -1;

	*bufp = NULL;
	*lenp = 0;
	if ((fd = open_root_file(path, forbidden, err, errlen)) < 0)
		goto out;
	/*
	 * Sized by the file, not the limit: the PAM module loads the config
	 * on every logon, and a 256 KiB buffer costs an mmap and munmap.
	 */
	if (fstat(fd, &st) < 0 || (uintmax_t)st.st_size > max) {
		snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
		goto out;
	}
	size = (size_t)st.st_size;
	if ((buf = malloc(size + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* read_bounded() refuses a file that grew past size meanwhile. */
	if ((len = read_bounded(fd, buf, size)) < 0) {
		explicit_bzero(buf, size + 1);
		snprintf(err, errlen, "%s: unreadable, or changed while read",
		    path);
		goto out;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = (size_t)len;
	buf = NULL;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

int
cw_read_root_file(const char *path, size_t max, char **bufp, size_t *lenp,
    char *err, size_t errlen)
{
	return read_whole_root_file(path, S_IWGRP | S_IWOTH, max, bufp, lenp,
	    err, errlen);
}

int
cw_secret_file_read(const char *path, size_t max, char **bufp, size_t *lenp,
    char *err, size_t errlen)
{
	/* Group or other may not even read a secret. */
	return read_whole_root_file(path, S_IRWXG | S_IRWXO, max, bufp, lenp,
	    err, errlen);
}

int
cw_config_load(const char *path, struct cw_config *c, char *err,
    size_t errlen)
{
	char *buf = NULL, msg[256];
	size_t len;
	int rc = -1;

	if (cw_config_defaults(c) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (cw_read_root_file(path, CW_CONFIG_MAX_BYTES, &buf, &len, err,
	    errlen) < 0)
		goto out;
	if (cw_config_parse(buf, len, c, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "%s: %s", path, msg);
		goto out;
	}
	rc = 0;
out:
	free(buf);
	if (rc < 0)
		cw_config_free(c);
	return rc;
}

int
cw_secret_read(const char *path, char *buf, size_t buflen, char *err,
    size_t errlen)
{
	ssize_t len;
	int fd;

	if (buflen < 2) {
		snprintf(err, errlen, "%s: no room for the secret", path);
		return -1;
	}
	/* Group or other may not even read a secret. */
	if ((fd = open_root_file(path, S_IRWXG | S_IRWXO, err, errlen)) < 0)
		return -1;
	len = read_bounded(fd, buf, buflen - 2);
	close(fd);
	if (len < 0) {
		explicit_bzero(buf, buflen);
		snprintf(err, errlen, "%s: unreadable or longer than %zu bytes",
		    path, buflen - 2);
		return -1;
	}
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	buf[len] = '\0';
	if (len == 0 || memchr(buf, '\0', (size_t)len) != NULL ||
	    memchr(buf, '\n', (size_t)len) != NULL) {
		explicit_bzero(buf, buflen);
		snprintf(err, errlen, "%s: empty, or not a single line", path);
		return -1;
	}
	return (int)len;
}
