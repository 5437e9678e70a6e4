/* SPDX-License-Identifier: MIT */
/*
 * server.c - the decision socket's poll loop (see server.h): reading a
 * request, answering it, admitting connections within the bounds of
 * server_int.h.  The sockets are opened and closed by server_open.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "config_file.h"
#include "serve/caller_names.h"
#include "client.h"
#include "lib/log.h"
#include "serve/ratelimit.h"
#include "serve/sd_notify.h"
#include "serve/server.h"
#include "audit/events.h"
#include "serve/handlers.h"
#include "wire.h"
#include "wire_fast.h"
#include "wire_lite.h"
#include "serve/server_int.h"

/* Closes c and frees what it holds; the slot is free again. */
void
serve_conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->body);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/*
 * Answers c with resp, at once: the frame is built on the stack (a plain
 * answer by wire_lite.c, with no allocation; one with data by jansson)
 * and sent; only what the socket does not take now waits in c->out for
 * POLLOUT.  The connection closes once the answer is written.  If no
 * answer can be built the connection closes at once, and the client
 * denies.
 */
static void
conn_respond(struct conn *c, const struct cw_response *resp)
{
	char small[1024], *frame = small, *payload = NULL;
	size_t len, plen;
	ssize_t n;

	free(c->out);
	c->out = NULL;
	if (cw_wire_response_format(resp, small, sizeof(small), &len) < 0) {
		if ((payload = cw_response_encode(resp, &plen)) == NULL ||
		    (frame = malloc(CW_WIRE_HEADER + plen)) == NULL) {
			free(payload);
			serve_conn_close(c);
			return;
		}
		cw_frame_header((uint32_t)plen, (unsigned char *)frame);
		memcpy(frame + CW_WIRE_HEADER, payload, plen);
		len = CW_WIRE_HEADER + plen;
		free(payload);
	}
	n = send(c->fd, frame, len, MSG_NOSIGNAL);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		n = 0;
	if (n < 0 || (size_t)n == len) {
		serve_conn_close(c);    /* answered (or the client is gone) */
		goto out;
	}
	/* The rest when the socket takes it (build_pollset: POLLOUT). */
	if (frame == small && (frame = malloc(len)) != NULL)
		memcpy(frame, small, len);
	if (frame == NULL) {
		serve_conn_close(c);
		return;
	}
	c->out = frame;
	c->outlen = len;
	c->outoff = (size_t)n;
	frame = small;          /* owned by c now */
out:
	if (frame != small)
		free(frame);
}

/*
 * Notes one caller turned away for being over a bound; the log gets one
 * line a second at most, with the count, so a flood cannot fill it.
 */
static void
note_busy(struct cw_server *srv, uid_t uid, const char *why)
{
	long long now = cw_now_ms();

	srv->busy_count++;
	if (now - srv->busy_logged_at < 1000)
		return;
	cw_warn("busy: turned %lu request(s) away in the last %llds; last: "
	    "uid %u, %s", srv->busy_count, srv->busy_logged_at == 0 ? 1LL :
	    (now - srv->busy_logged_at) / 1000, (unsigned)uid, why);
	srv->busy_logged_at = now;
	srv->busy_count = 0;
}

/* Answers "busy" (the client may try again) and notes it. */
static void
respond_busy(struct cw_server *srv, struct conn *c, const char *why)
{
	struct cw_response resp;

	memset(&resp, 0, sizeof(resp));
	resp.status = CW_STATUS_BUSY;
	snprintf(resp.message, sizeof(resp.message), "busy: %s; try again "
	    "in a moment", why);
	note_busy(srv, c->uid, why);
	conn_respond(c, &resp);
}

/*
 * Hands the connection to the control worker: the slot is freed without
 * closing the socket, which the worker answers and closes.  When the
 * worker's queue or the caller's share of it is full, answers busy here.
 */
static void
conn_detach(struct cw_server *srv, struct conn *c,
    struct cw_control_job *job)
{
	job->fd = c->fd;
	if (srv->control == NULL || cw_control_submit(srv->control, job) < 0) {
		free(job);
		respond_busy(srv, c, "too many changes waiting");
		return;
	}
	c->fd = -1;
	serve_conn_close(c);
}

/*
 * The caller's login name without waiting on NSS: true with name set (or
 * NULL: the uid has none); false when the request is parked until the
 * lookup ends, or was answered busy.
 */
static bool
caller_name(struct cw_server *srv, struct conn *c, char *name,
    const char **namep)
{
	*namep = NULL;
	if (c->uid == 0)
		return true;
	switch (cw_caller_names_get(srv->names, c->uid, cw_now_ms(), name)) {
	case CW_NAME_KNOWN:
		*namep = name;
		return true;
	case CW_NAME_NONE:
		return true;
	case CW_NAME_WAIT:
		c->naming = true;
		return false;
	case CW_NAME_BUSY:
		break;
	}
	respond_busy(srv, c, "too many caller names being looked up");
	return false;
}

/* A parked request's payload, kept until its caller's name is known. */
static void
keep_body(struct conn *c, const char *body, size_t bodylen)
{
	if ((c->body = malloc(bodylen)) == NULL) {
		serve_conn_close(c);    /* the client denies */
		return;
	}
	memcpy(c->body, body, bodylen);
	c->bodylen = (uint32_t)bodylen;
	c->bodygot = bodylen;
}

/*
 * The request whose payload is body (bodylen bytes: c->body, or a frame
 * still on conn_read's stack, copied to c->body only when the request is
 * parked for its caller's name).
 */
static void
handle_request(struct cw_server *srv, struct conn *c, const char *body,
    size_t bodylen)
{
	struct cw_handler_ctx h = { srv->cfg, srv->db, srv->sync,
	    &srv->denylist, srv->answers };
	struct cw_control_job *job;
	struct cw_response resp;
	struct cw_request req;
	struct cw_caller caller;
	char err[128], name[CW_USER_MAX + 1];
	const char *namep;

	memset(&resp, 0, sizeof(resp));
	c->naming = false;
	/* The PAM module's requests without jansson (wire_fast.c); the
	 * rest, and every error, as before. */
	if (cw_request_parse_fast(body, bodylen, &req) != 0 &&
	    cw_request_parse(body, bodylen, &req, err, sizeof(err)) < 0) {
		cw_warn("socket: bad request from uid %u pid %d: %s",
		    (unsigned)c->uid, (int)c->pid, err);
		resp.status = CW_STATUS_BAD_REQUEST;
		snprintf(resp.message, sizeof(resp.message), "bad request: %s",
		    err);
		conn_respond(c, &resp);
		return;
	}
	if (!caller_name(srv, c, name, &namep)) {
		if (c->naming && body != c->body)
			keep_body(c, body, bodylen);
		return;
	}
	cw_caller_identify(&caller, c->uid, c->pid, namep, srv->db, srv->cfg,
	    (int64_t)time(NULL));
	if ((job = cw_handle_request(&h, &caller, &req, &resp)) != NULL) {
		conn_detach(srv, c, job);
		return;
	}
	conn_respond(c, &resp);
	cw_response_free(&resp);
}

static void
refuse_frame(struct conn *c, const char *why)
{
	struct cw_response resp;

	memset(&resp, 0, sizeof(resp));
	resp.status = CW_STATUS_BAD_REQUEST;
	snprintf(resp.message, sizeof(resp.message), "%s", why);
	cw_warn("socket: uid %u pid %d: %s", (unsigned)c->uid, (int)c->pid, why);
	conn_respond(c, &resp);
}

/*
 * The first read of a connection: one recv for the header and the payload
 * together, which is all a PAM request needs (it is sent in one piece).
 * A whole frame is answered from the stack; a part of one is kept for
 * conn_read's slow path.  Bytes past the frame are ignored, as before.
 */
static void
conn_read_first(struct cw_server *srv, struct conn *c)
{
	char frame[CW_WIRE_HEADER + 2048];
	ssize_t n = recv(c->fd, frame, sizeof(frame), 0);
	size_t got;

	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		serve_conn_close(c);
		return;
	}
	got = (size_t)n;
	if (got < CW_WIRE_HEADER) {
		memcpy(c->hdr, frame, got);
		c->hdrgot = got;
		return;
	}
	memcpy(c->hdr, frame, CW_WIRE_HEADER);
	c->hdrgot = CW_WIRE_HEADER;
	if (cw_frame_length(c->hdr, &c->bodylen) < 0) {
		refuse_frame(c, "frame length out of bounds");
		return;
	}
	got -= CW_WIRE_HEADER;
	if (got >= c->bodylen) {
		handle_request(srv, c, frame + CW_WIRE_HEADER, c->bodylen);
		return;
	}
	if ((c->body = malloc(c->bodylen)) == NULL) {
		serve_conn_close(c);
		return;
	}
	memcpy(c->body, frame + CW_WIRE_HEADER, got);
	c->bodygot = got;
}

/* Reads what is there; answers once a whole frame has arrived. */
static void
conn_read(struct cw_server *srv, struct conn *c)
{
	ssize_t n;

	if (c->hdrgot == 0) {
		conn_read_first(srv, c);
		return;
	}
	if (c->hdrgot < CW_WIRE_HEADER) {
		n = recv(c->fd, c->hdr + c->hdrgot, CW_WIRE_HEADER - c->hdrgot, 0);
		if (n <= 0)
			goto gone;
		c->hdrgot += (size_t)n;
		if (c->hdrgot < CW_WIRE_HEADER)
			return;
		if (cw_frame_length(c->hdr, &c->bodylen) < 0) {
			refuse_frame(c, "frame length out of bounds");
			return;
		}
		if ((c->body = malloc(c->bodylen)) == NULL)
			goto gone;
	}
	n = recv(c->fd, c->body + c->bodygot, c->bodylen - c->bodygot, 0);
	if (n <= 0)
		goto gone;
	c->bodygot += (size_t)n;
	if (c->bodygot == c->bodylen)
		handle_request(srv, c, c->body, c->bodylen);
	return;
gone:
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	serve_conn_close(c);
}

static void
conn_write(struct conn *c)
{
	ssize_t n;

	n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
	    MSG_NOSIGNAL);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		serve_conn_close(c);
		return;
	}
	c->outoff += (size_t)n;
	if (c->outoff == c->outlen)
		serve_conn_close(c);
}

/* Connections held by non-root callers, and by uid. */
static void
count_conns(const struct cw_server *srv, uid_t uid, size_t *nonroot,
    size_t *of_uid)
{
	size_t i;

	*nonroot = *of_uid = 0;
	for (i = 0; i < srv->nconns; i++) {
		if (srv->conns[i].fd < 0)
			continue;
		*nonroot += srv->conns[i].uid != 0;
		*of_uid += srv->conns[i].uid == uid;
	}
}

static struct conn *
free_slot(struct cw_server *srv)
{
	size_t i;

	for (i = 0; i < srv->nconns; i++)
		if (srv->conns[i].fd < 0)
			return &srv->conns[i];
	return NULL;
}

/* The non-root connection that has waited longest (to make room for root). */
static struct conn *
oldest_nonroot(struct cw_server *srv)
{
	struct conn *c, *oldest = NULL;
	size_t i;

	for (i = 0; i < srv->nconns; i++) {
		c = &srv->conns[i];
		if (c->fd >= 0 && c->uid != 0 &&
		    (oldest == NULL || c->deadline < oldest->deadline))
			oldest = c;
	}
	return oldest;
}

/*
 * NULL when a non-root uid may have one more connection (one connection is
 * one request); else why not.  Decided before reading a byte, so that a
 * flood costs this thread as little as possible.
 */
static const char *
nonroot_refusal(struct cw_server *srv, uid_t uid)
{
	size_t nonroot, of_uid;

	if (!cw_ratelimit_take(&srv->rate, uid, cw_now_ms()))
		return "too many requests from this uid";
	count_conns(srv, uid, &nonroot, &of_uid);
	if (nonroot >= srv->nonroot_max)
		return "every connection slot for non-root callers is taken";
	if (of_uid + cw_control_jobs_of(srv->control, uid) >= PER_UID_MAX)
		return "this uid holds too many connections and changes";
	return NULL;
}

/*
 * Tells a caller turned away at the door that the daemon is busy (one
 * try, never blocking: it may not be reading) and hangs up.
 */
static void
turn_away(struct cw_server *srv, int fd, uid_t uid, const char *why)
{
	if (send(fd, srv->busy_frame, srv->busy_len,
	    MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		errno = 0;      /* it may be gone already: nothing to do */
	close(fd);
	note_busy(srv, uid, why);
}

/*
 * Accepts waiting connections, at most ACCEPT_BATCH a pass.  A non-root
 * caller over its bounds is turned away at once; root always gets a slot
 * while any is held by a non-root caller, whose connection is closed.
 */
static void
accept_all(struct cw_server *srv, int listen_fd)
{
	struct ucred cred;
	socklen_t len;
	struct conn *c;
	const char *why;
	int fd, n;

	for (n = 0; n < ACCEPT_BATCH; n++) {
		if (free_slot(srv) == NULL && oldest_nonroot(srv) == NULL)
			return;         /* root holds every slot: they are quick */
		fd = accept4(listen_fd, NULL, NULL,
		    SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				cw_warn("socket: accept: %s", strerror(errno));
				srv->accept_paused_until = cw_now_ms() +
				    ACCEPT_PAUSE_MS;
			}
			return;
		}
		len = sizeof(cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
		    (listen_fd == srv->root_fd && cred.uid != 0)) {
			close(fd);      /* the root socket is for root alone */
			continue;
		}
		if (cred.uid != 0 &&
		    (why = nonroot_refusal(srv, cred.uid)) != NULL) {
			turn_away(srv, fd, cred.uid, why);
			continue;
		}
		if ((c = free_slot(srv)) == NULL) {
			/* Only root gets here: non-root fits in its share. */
			c = oldest_nonroot(srv);
			note_busy(srv, c->uid, "connection closed to make "
			    "room for root");
			serve_conn_close(c);
		}
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		c->uid = cred.uid;
		c->pid = cred.pid;
		c->deadline = cw_now_ms() + (cred.uid == 0 ? CONN_TIMEOUT_MS :
		    CONN_TIMEOUT_NONROOT_MS);
		/*
		 * A PAM client writes its request right after connecting, so
		 * it is usually here already: answering now saves two trips
		 * through poll() on the logon path.
		 */
		conn_read(srv, c);
		if (c->fd >= 0 && c->out != NULL)
			conn_write(c);
	}
}

/* Applies the deltas the sync thread has queued, oldest first. */
static void
apply_deltas(struct cw_server *srv, struct cw_sync *sync, int wake_fd)
{
	struct cw_delta *d, *next;
	uint64_t count;

	if (read(wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		cw_warn("server: wake: %s", strerror(errno));
	if ((d = cw_sync_take(sync)) != NULL)
		cw_answers_changed(srv->answers);     /* before the change */
	for (; d != NULL; d = next) {
		next = d->next;
		if (srv->db == NULL && d->replace == NULL) {
			cw_delta_free(d);       /* cannot happen: first is full */
			continue;
		}
		cw_db_apply(&srv->db, d);
	}
	if (srv->db != NULL)
		cw_mark_set(srv->applied, srv->db->generation);
}

/* Fills pfds; returns how many, and the poll timeout in *timeout. */
static size_t
build_pollset(struct cw_server *srv, int wake_fd, int signal_fd,
    int *timeout)
{
	long long now = cw_now_ms(), soonest = now + 60000;
	size_t i, n = FIXED_SLOTS;
	struct conn *c;

	bool accepting = now >= srv->accept_paused_until &&
	    (free_slot(srv) != NULL || oldest_nonroot(srv) != NULL);

	/* With every slot root's, leave new clients in the backlog. */
	srv->pfds[PFD_LISTEN] = (struct pollfd){ .fd = accepting ?
	    srv->listen_fd : -1, .events = POLLIN };
	srv->pfds[PFD_ROOT] = (struct pollfd){ .fd = accepting ?
	    srv->root_fd : -1, .events = POLLIN };
	srv->pfds[PFD_WAKE] = (struct pollfd){ .fd = wake_fd,
	    .events = POLLIN };
	srv->pfds[PFD_SIGNAL] = (struct pollfd){ .fd = signal_fd,
	    .events = POLLIN };
	srv->pfds[PFD_NAMES] = (struct pollfd){
	    .fd = cw_caller_names_fd(srv->names), .events = POLLIN };
	if (now < srv->accept_paused_until)
		soonest = srv->accept_paused_until;
	for (i = 0; i < srv->nconns; i++) {
		c = &srv->conns[i];
		if (c->fd >= 0 && now >= c->deadline)
			serve_conn_close(c);  /* too slow: the client will deny */
		if (c->fd < 0)
			continue;
		/* Parked for its caller's name: only a hang-up matters. */
		srv->pfds[n++] = (struct pollfd){ .fd = c->fd,
		    .events = c->naming ? 0 : c->out != NULL ? POLLOUT :
		    POLLIN };
		if (c->deadline < soonest)
			soonest = c->deadline;
	}
	*timeout = (int)(soonest - now);
	return n;
}

static struct conn *
conn_by_fd(struct cw_server *srv, int fd)
{
	size_t i;

	for (i = 0; i < srv->nconns; i++)
		if (srv->conns[i].fd == fd)
			return &srv->conns[i];
	return NULL;
}

/* A name lookup ended: retries every request parked for one. */
static void
resume_named(struct cw_server *srv)
{
	size_t i;

	cw_caller_names_ack(srv->names);
	for (i = 0; i < srv->nconns; i++)
		if (srv->conns[i].fd >= 0 && srv->conns[i].naming)
			handle_request(srv, &srv->conns[i],
			    srv->conns[i].body, srv->conns[i].bodylen);
}

/*
 * SIGHUP: re-reads the configuration.  The [policy] settings the decision
 * reads (exempt and break-glass users, training validity, the duty role
 * names) are read only by this thread, so they are swapped in here and
 * take effect at the next request; everything else is used by other
 * threads and takes effect on restart, as the log line says.  A file that
 * does not load changes nothing.
 */
static void
reload_policy(struct cw_server *srv)
{
	struct cw_config fresh;
	char err[512];

	if (srv->config_path == NULL)
		return;
	if (cw_config_load(srv->config_path, &fresh, err, sizeof(err)) < 0) {
		cw_err("SIGHUP: %s; configuration unchanged", err);
		cw_ev_config_reload(srv->config_path, "failure", err);
		return;
	}
	cw_answers_changed(srv->answers);
	cw_config_swap_policy(srv->cfg, &fresh);
	cw_config_free(&fresh);
	cw_info("SIGHUP: [policy] reloaded from %s; other sections take "
	    "effect on restart", srv->config_path);
	cw_ev_config_reload(srv->config_path, "success",
	    "[policy] applied; other sections on restart");
}

/* True when the signal read means: stop. */
static bool
got_stop_signal(struct cw_server *srv, int signal_fd)
{
	struct signalfd_siginfo si;

	if (read(signal_fd, &si, sizeof(si)) != sizeof(si))
		return false;
	if (si.ssi_signo == SIGHUP) {
		cw_sd_reloading();
		reload_policy(srv);
		cw_sd_reloaded();
		return false;
	}
	cw_info("signal %u: stopping", si.ssi_signo);
	return true;
}

int
cw_server_run(struct cw_server *srv, struct cw_control *control,
    struct cw_sync *sync, int wake_fd, int signal_fd)
{
	size_t i, n;
	int timeout;
	struct conn *c;

	cw_answer_wait_short_slice();
	srv->control = control;
	srv->sync = sync;
	for (;;) {
		n = build_pollset(srv, wake_fd, signal_fd, &timeout);
		timeout = cw_sd_loop_tick(sync, timeout);       /* watchdog */
		if (srv->answers != NULL) {
			/* The modules trust the table while this beats. */
			cw_answers_heartbeat(srv->answers, cw_now_ms());
			if (timeout < 0 || timeout > CW_ANSWERS_HEARTBEAT_MS)
				timeout = CW_ANSWERS_HEARTBEAT_MS;
		}
		if (cw_answer_wait_poll(&srv->wait, srv->pfds, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			cw_err("server: poll: %s", strerror(errno));
			return -1;
		}
		if (srv->pfds[PFD_SIGNAL].revents &&
		    got_stop_signal(srv, signal_fd)) {
			cw_answer_wait_report(&srv->wait);
			return 0;
		}
		if (srv->pfds[PFD_WAKE].revents)
			apply_deltas(srv, sync, wake_fd);
		if (srv->pfds[PFD_NAMES].revents)
			resume_named(srv);
		for (i = FIXED_SLOTS; i < n; i++) {
			if (srv->pfds[i].revents == 0 ||
			    (c = conn_by_fd(srv, srv->pfds[i].fd)) == NULL)
				continue;
			if (c->naming)
				serve_conn_close(c);  /* hung up while parked */
			else if (c->out != NULL)
				conn_write(c);
			else {
				conn_read(srv, c);
				/* The socket takes a short answer at once:
				 * not a trip through poll() first. */
				if (c->fd >= 0 && c->out != NULL)
					conn_write(c);
			}
		}
		/* Root's connections first. */
		if (srv->pfds[PFD_ROOT].revents)
			accept_all(srv, srv->root_fd);
		if (srv->pfds[PFD_LISTEN].revents)
			accept_all(srv, srv->listen_fd);
	}
}
