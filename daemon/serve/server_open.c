/* SPDX-License-Identifier: MIT */
/*
 * server_open.c - the decision sockets (server_int.h): the socket
 * directory, the two listening sockets (root's, and the public one), the
 * file descriptor budget that sets how many callers are served at once,
 * and closing it all.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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
#include "serve/server.h"
#include "audit/events.h"
#include "serve/handlers.h"
#include "wire.h"
#include "serve/server_int.h"

/* The frame sent to a caller turned away at accept(), built once. */
static char *
busy_frame(size_t *lenp)
{
	struct cw_response resp;
	char *payload, *frame = NULL;
	size_t len;

	memset(&resp, 0, sizeof(resp));
	resp.status = CW_STATUS_BUSY;
	snprintf(resp.message, sizeof(resp.message), "busy: too many "
	    "connections; try again in a moment");
	if ((payload = cw_response_encode(&resp, &len)) == NULL)
		return NULL;
	if ((frame = malloc(CW_WIRE_HEADER + len)) != NULL) {
		cw_frame_header((uint32_t)len, (unsigned char *)frame);
		memcpy(frame + CW_WIRE_HEADER, payload, len);
		*lenp = CW_WIRE_HEADER + len;
	}
	free(payload);
	return frame;
}

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
listen_unix(const char *path, mode_t mode, int backlog, char *err,
    size_t errlen)
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
	    chmod(path, mode) < 0 || listen(fd, backlog) < 0) {
		snprintf(err, errlen, "socket %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * Raises the soft fd limit toward the hard one (at most FD_LIMIT_CAP), so
 * that a flood meets our bounds and not EMFILE, and returns how many
 * client slots fit in it: want (max_clients), or fewer, said in the log.
 */
static size_t
fd_budget(size_t want)
{
	struct rlimit rl;
	rlim_t target, fit;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return want;
	target = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > FD_LIMIT_CAP ?
	    FD_LIMIT_CAP : rl.rlim_max;
	if (rl.rlim_cur < target) {
		rl.rlim_cur = target;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			cw_warn("cannot raise the fd limit to %llu: %s",
			    (unsigned long long)target, strerror(errno));
		if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
			return want;
	}
	fit = rl.rlim_cur > FD_OTHERS + CW_CONTROL_QUEUE_MAX + 2 ?
	    rl.rlim_cur - FD_OTHERS - CW_CONTROL_QUEUE_MAX : 2;
	if ((rlim_t)want <= fit)
		return want;
	cw_warn("max_clients %zu lowered to %llu: the fd limit is %llu",
	    want, (unsigned long long)fit, (unsigned long long)rl.rlim_cur);
	return (size_t)fit;
}

struct cw_server *
cw_server_open(struct cw_config *cfg, const struct cw_server_deps *deps,
    char *err, size_t errlen)
{
	struct cw_server *srv = calloc(1, sizeof(*srv));
	size_t i, n = fd_budget((size_t)cfg->daemon.max_clients), reserve;
	char aerr[256];

	if (srv == NULL)
		goto oom;
	srv->cfg = cfg;
	srv->config_path = deps->config_path;
	srv->applied = deps->applied;
	srv->denylist = *deps->denylist;
	cw_strmap_init(deps->denylist);
	srv->listen_fd = srv->root_fd = -1;
	srv->nconns = n;
	cw_answer_wait_init(&srv->wait, cfg->daemon.answer_poll_us);
	reserve = n / 4;
	if (reserve < ROOT_RESERVE_MIN)
		reserve = ROOT_RESERVE_MIN;
	if (reserve > ROOT_RESERVE_MAX)
		reserve = ROOT_RESERVE_MAX;
	srv->nonroot_max = n > reserve ? n - reserve : 1;
	cw_ratelimit_init(&srv->rate, NONROOT_RATE_PER_S, NONROOT_BURST);
	srv->conns = calloc(n, sizeof(*srv->conns));
	srv->pfds = calloc(n + FIXED_SLOTS, sizeof(*srv->pfds));
	srv->path = strdup(cfg->daemon.socket);
	srv->busy_frame = busy_frame(&srv->busy_len);
	if (srv->conns == NULL || srv->pfds == NULL || srv->path == NULL ||
	    srv->busy_frame == NULL)
		goto oom;
	for (i = 0; i < n; i++)
		srv->conns[i].fd = -1;
	if (cw_client_root_path(srv->path, srv->root_path,
	    sizeof(srv->root_path)) < 0) {
		snprintf(err, errlen, "socket path too long: %s", srv->path);
		goto fail;
	}
	if (prepare_dir(srv->path, err, errlen) < 0 ||
	    (srv->root_fd = listen_unix(srv->root_path, 0600, ROOT_BACKLOG,
	    err, errlen)) < 0 ||
	    (srv->listen_fd = listen_unix(srv->path, 0666, PUBLIC_BACKLOG,
	    err, errlen)) < 0 ||
	    (srv->names = cw_caller_names_start(err, errlen)) == NULL)
		goto fail;
	if (cfg->daemon.answer_table && (srv->answers =
	    cw_answers_open(srv->path, aerr, sizeof(aerr))) == NULL)
		cw_warn("answer table: %s; every logon asks the socket", aerr);
	return srv;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	cw_server_close(srv);
	return NULL;
}

void
cw_server_close(struct cw_server *srv)
{
	size_t i;

	if (srv == NULL)
		return;
	/* First: the modules ask the socket, and meet it closed. */
	cw_answers_close(srv->answers);
	for (i = 0; srv->conns != NULL && i < srv->nconns; i++)
		serve_conn_close(&srv->conns[i]);
	if (srv->listen_fd >= 0) {
		close(srv->listen_fd);
		unlink(srv->path);
	}
	if (srv->root_fd >= 0) {
		close(srv->root_fd);
		unlink(srv->root_path);
	}
	cw_caller_names_stop(srv->names);
	cw_db_free(srv->db);
	cw_strmap_clear(&srv->denylist, NULL);
	free(srv->conns);
	free(srv->pfds);
	free(srv->path);
	free(srv->busy_frame);
	free(srv);
}
