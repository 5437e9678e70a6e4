/* SPDX-License-Identifier: MIT */
/*
 * audit_writer_token.c - the token that names this writer process in the
 * lease (<prefix>audit:writer), and <spool_dir>/writer.token, which lets
 * a restarted daemon prove its previous incarnation dead and take the
 * lease over at once instead of waiting it out.  Apart because it is the
 * one part of the writer that touches a file other than the trail.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <unistd.h>

#include "audit/audit_writer_internal.h"
#include "lib/log.h"
#include "text.h"

#define TOKEN_FILE "writer.token"     /* in the spool directory */

int
writer_token_make(struct cw_audit_writer *w, const char *host)
{
	unsigned char r[TOKEN_RANDOM];
	char hex[2 * sizeof(r) + 1];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -1;
	cw_hex_encode(r, sizeof(r), hex);
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
void
writer_token_file_open(struct cw_audit_writer *w, const char *spool_dir)
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
