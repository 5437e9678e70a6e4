/*
 * server.c - the decision socket (see server.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
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

#include "log.h"
#include "server.h"
#include "events.h"
#include "handlers.h"
#include "wire.h"

/* A request is a few hundred bytes; a client slower than this is gone. */
#define CONN_TIMEOUT_MS 5000
/* Connections one non-root uid may hold, so no user can starve logons. */
#define PER_UID_MAX 8
/* Fixed poll slots before the connections: listen, wake, signal. */
#define FIXED_SLOTS 3

struct conn {
	int fd;                         /* -1: slot free */
	uid_t uid;
	pid_t pid;
	long long deadline;
	unsigned char hdr[CW_WIRE_HEADER];
	size_t hdrgot;
	char *body;
	uint32_t bodylen;
	size_t bodygot;
	char *out;                      /* header + payload, once answered */
	size_t outlen, outoff;
};

struct cw_server {
	struct cw_config *cfg;          /* [policy] swapped on SIGHUP */
	int listen_fd;
	char *path;
	struct conn *conns;
	size_t nconns;                  /* slots, = max_clients */
	struct pollfd *pfds;
	struct cw_db *db;               /* NULL until the first load */
	struct cw_sync *sync;
	struct cw_control *control;
	_Atomic long long applied;      /* generation of db, for control.c */
	struct cw_strmap denylist;      /* until db loads (main.c) */
	const char *config_path;        /* for SIGHUP */
};

/* The socket's directory must be root's alone, or anyone could replace it. */
static int
prepare_dir(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir) {
		snprintf(err, errlen, "socket %s: needs its own directory", path);
		return -1;
	}
	*slash = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(err, errlen, "%s: must be a directory owned by us and "
		    "writable by no one else", dir);
		return -1;
	}
	return 0;
}

static int
listen_unix(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* A stale socket from a crash is ours to remove; anything else is not. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket",
			    path);
			return -1;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, 0666) < 0 || listen(fd, 128) < 0) {
		snprintf(err, errlen, "socket %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

struct cw_server *
cw_server_open(struct cw_config *cfg, char *err, size_t errlen)
{
	struct cw_server *srv = calloc(1, sizeof(*srv));
	size_t i, n = (size_t)cfg->daemon.max_clients;

	if (srv == NULL)
		goto oom;
	srv->cfg = cfg;
	srv->listen_fd = -1;
	srv->nconns = n;
	srv->conns = calloc(n, sizeof(*srv->conns));
	srv->pfds = calloc(n + FIXED_SLOTS, sizeof(*srv->pfds));
	srv->path = strdup(cfg->daemon.socket);
	if (srv->conns == NULL || srv->pfds == NULL || srv->path == NULL)
		goto oom;
	for (i = 0; i < n; i++)
		srv->conns[i].fd = -1;
	if (prepare_dir(srv->path, err, errlen) < 0 ||
	    (srv->listen_fd = listen_unix(srv->path, err, errlen)) < 0)
		goto fail;
	return srv;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	cw_server_close(srv);
	return NULL;
}

static void
conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->body);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

void
cw_server_close(struct cw_server *srv)
{
	size_t i;

	if (srv == NULL)
		return;
	for (i = 0; srv->conns != NULL && i < srv->nconns; i++)
		conn_close(&srv->conns[i]);
	if (srv->listen_fd >= 0) {
		close(srv->listen_fd);
		unlink(srv->path);
	}
	cw_db_free(srv->db);
	cw_strmap_clear(&srv->denylist, NULL);
	free(srv->conns);
	free(srv->pfds);
	free(srv->path);
	free(srv);
}

/*
 * Queues resp on c; the connection closes once it is written.  If no answer
 * can be built the connection closes at once, and the client denies.
 */
static void
conn_respond(struct conn *c, const struct cw_response *resp)
{
	size_t len;
	char *payload = cw_response_encode(resp, &len);

	free(c->out);
	c->out = NULL;
	if (payload == NULL || (c->out = malloc(CW_WIRE_HEADER + len)) == NULL) {
		free(payload);
		conn_close(c);
		return;
	}
	cw_frame_header((uint32_t)len, (unsigned char *)c->out);
	memcpy(c->out + CW_WIRE_HEADER, payload, len);
	c->outlen = CW_WIRE_HEADER + len;
	c->outoff = 0;
	free(payload);
}

/*
 * Hands the connection to the control worker: the slot is freed without
 * closing the socket, which the worker answers and closes.
 */
static void
conn_detach(struct cw_server *srv, struct conn *c,
    struct cw_control_job *job)
{
	job->fd = c->fd;
	c->fd = -1;
	conn_close(c);
	cw_control_submit(srv->control, job);
}

static void
handle_request(struct cw_server *srv, struct conn *c)
{
	struct cw_handler_ctx h = { srv->cfg, srv->db, srv->sync,
	    &srv->denylist };
	struct cw_control_job *job;
	struct cw_response resp;
	struct cw_request req;
	struct cw_caller caller;
	char err[128];

	memset(&resp, 0, sizeof(resp));
	if (cw_request_parse(c->body, c->bodylen, &req, err, sizeof(err)) < 0) {
		cw_warn("socket: bad request from uid %u pid %d: %s",
		    (unsigned)c->uid, (int)c->pid, err);
		resp.status = CW_STATUS_BAD_REQUEST;
		snprintf(resp.message, sizeof(resp.message), "bad request: %s",
		    err);
		conn_respond(c, &resp);
		return;
	}
	cw_caller_identify(&caller, c->uid, c->pid, srv->db, srv->cfg,
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

/* Reads what is there; answers once a whole frame has arrived. */
static void
conn_read(struct cw_server *srv, struct conn *c)
{
	ssize_t n;

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
		handle_request(srv, c);
	return;
gone:
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	conn_close(c);
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
		conn_close(c);
		return;
	}
	c->outoff += (size_t)n;
	if (c->outoff == c->outlen)
		conn_close(c);
}

static size_t
conns_of_uid(const struct cw_server *srv, uid_t uid)
{
	size_t i, n = 0;

	for (i = 0; i < srv->nconns; i++)
		if (srv->conns[i].fd >= 0 && srv->conns[i].uid == uid)
			n++;
	return n;
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

static void
accept_all(struct cw_server *srv)
{
	struct ucred cred;
	socklen_t len;
	struct conn *c;
	int fd;

	while ((c = free_slot(srv)) != NULL) {
		fd = accept4(srv->listen_fd, NULL, NULL,
		    SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		len = sizeof(cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
		    (cred.uid != 0 &&
		    conns_of_uid(srv, cred.uid) >= PER_UID_MAX)) {
			close(fd);
			continue;
		}
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		c->uid = cred.uid;
		c->pid = cred.pid;
		c->deadline = cw_now_ms() + CONN_TIMEOUT_MS;
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
	for (d = cw_sync_take(sync); d != NULL; d = next) {
		next = d->next;
		if (srv->db == NULL && d->replace == NULL) {
			cw_delta_free(d);       /* cannot happen: first is full */
			continue;
		}
		cw_db_apply(&srv->db, d);
	}
	if (srv->db != NULL)
		atomic_store(&srv->applied, srv->db->generation);
}

/* Fills pfds; returns how many, and the poll timeout in *timeout. */
static size_t
build_pollset(struct cw_server *srv, int wake_fd, int signal_fd,
    int *timeout)
{
	long long now = cw_now_ms(), soonest = now + 60000;
	size_t i, n = FIXED_SLOTS;
	struct conn *c;

	/* With every slot taken, leave new clients in the backlog. */
	srv->pfds[0] = (struct pollfd){ .fd = free_slot(srv) != NULL ?
	    srv->listen_fd : -1, .events = POLLIN };
	srv->pfds[1] = (struct pollfd){ .fd = wake_fd, .events = POLLIN };
	srv->pfds[2] = (struct pollfd){ .fd = signal_fd, .events = POLLIN };
	for (i = 0; i < srv->nconns; i++) {
		c = &srv->conns[i];
		if (c->fd >= 0 && now >= c->deadline)
			conn_close(c);  /* too slow: the client will deny */
		if (c->fd < 0)
			continue;
		srv->pfds[n++] = (struct pollfd){ .fd = c->fd,
		    .events = c->out != NULL ? POLLOUT : POLLIN };
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
		reload_policy(srv);
		return false;
	}
	cw_info("signal %u: stopping", si.ssi_signo);
	return true;
}

int
cw_server_run(struct cw_server *srv, struct cw_sync *sync, int wake_fd,
    int signal_fd)
{
	size_t i, n;
	int timeout;
	struct conn *c;

	srv->sync = sync;
	for (;;) {
		n = build_pollset(srv, wake_fd, signal_fd, &timeout);
		if (poll(srv->pfds, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			cw_err("server: poll: %s", strerror(errno));
			return -1;
		}
		if (srv->pfds[2].revents && got_stop_signal(srv, signal_fd))
			return 0;
		if (srv->pfds[1].revents)
			apply_deltas(srv, sync, wake_fd);
		for (i = FIXED_SLOTS; i < n; i++) {
			if (srv->pfds[i].revents == 0 ||
			    (c = conn_by_fd(srv, srv->pfds[i].fd)) == NULL)
				continue;
			if (c->out != NULL)
				conn_write(c);
			else
				conn_read(srv, c);
		}
		if (srv->pfds[0].revents)
			accept_all(srv);
	}
}

_Atomic long long *
cw_server_applied(struct cw_server *srv)
{
	return &srv->applied;
}

void
cw_server_set_control(struct cw_server *srv, struct cw_control *c)
{
	srv->control = c;
}

void
cw_server_set_denylist(struct cw_server *srv, struct cw_strmap *m)
{
	cw_strmap_clear(&srv->denylist, NULL);
	srv->denylist = *m;
	cw_strmap_init(m);
}

void
cw_server_set_config_path(struct cw_server *srv, const char *path)
{
	srv->config_path = path;
}
