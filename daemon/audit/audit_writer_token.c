/* SPDX-License-Identifier: MIT */
/*
 * audit_writer_token.c - <spool_dir>/writer.token: the fencing token of
 * the lease (<prefix>audit:writer, store/lease.h) this daemon's writer
 * last held, which lets a restarted daemon prove its previous incarnation
 * dead and take the lease over at once instead of waiting it out.  Apart
 * because it is the one part of the writer that touches a file other than
 * the trail.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "audit/audit_writer_internal.h"
#include "lib/log.h"

#define TOKEN_FILE "writer.token"     /* in the spool directory */

/* A token read back from the file: 1 to 20 decimal digits, nothing else. */
static bool
token_valid(const char *t)
{
	size_t n = strlen(t);

	return n > 0 && n < 21 && n < CW_LEASE_TOKEN_MAX &&
	    strspn(t, "0123456789") == n;
}

/*
 * <spool_dir>/writer.token holds the lease token of the last writer
 * process of this daemon (one daemon per spool directory), and that
 * process holds a flock on it for its whole life.  Taking the flock
 * therefore proves that process is gone, so a lease that still holds its
 * token may be taken over at once (a restart need not wait out the
 * lease); the takeover draws a new, greater token, so anything the dead
 * process left in flight is fenced off.  A second live daemon cannot take
 * the flock (nor start on the same spool); one with another spool reads a
 * token that is not the live holder's.  Without the file, a restart simply
 * waits for the lease.  (Not in the trail directory: that holds the
 * trail's files only.)
 */
void
writer_token_file_open(struct cw_audit_writer *w, const char *spool_dir)
{
	char path[4096], buf[CW_LEASE_TOKEN_MAX + 1];
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
	return;
fail:
	/* Keep the flock if we have it: the file is only an accelerator. */
	cw_log(LOG_WARNING, "audit writer: %s: %s; a restart will wait for "
	    "the lock's lease", path, strerror(errno));
}

void
writer_token_file_save(struct cw_audit_writer *w)
{
	char buf[CW_LEASE_TOKEN_MAX + 1];
	int len;

	if (w->token_fd < 0 || !cw_lease_held(&w->lease))
		return;
	len = snprintf(buf, sizeof(buf), "%s\n", w->lease.token);
	if (ftruncate(w->token_fd, 0) < 0 || pwrite(w->token_fd, buf,
	    (size_t)len, 0) != (ssize_t)len || fdatasync(w->token_fd) < 0)
		cw_log(LOG_WARNING, "audit writer: cannot record token %s in "
		    "the token file: %s; a restart will wait for the lease",
		    w->lease.token, strerror(errno));
}
