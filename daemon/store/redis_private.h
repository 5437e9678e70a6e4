/* SPDX-License-Identifier: MIT */
/*
 * redis_private.h - what redis.c (calls, replies) and redis_connect.c
 * (connecting: AUTH, ROLE, the sentinels, a reader's replica) share.
 * Not for other callers: they use redis.h.
 */
#ifndef CW_REDIS_PRIVATE_H
#define CW_REDIS_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "redis_uri.h"
#include "store/redis.h"

/* Bytes asked of the transport per read. */
#define READ_CHUNK (16 * 1024)

/*
 * hiredis keeps the reader's buffer between replies and only drops it when
 * it is empty and has more than maxbuf bytes to spare: a bound, so one
 * 5 MB value does not pin 5 MB per connection for the daemon's lifetime,
 * yet large enough that ordinary replies reuse the buffer.
 */
#define READER_MAXBUF (64 * 1024)

/* Used when the options leave timeout_ms at 0 or below. */
#define DEFAULT_TIMEOUT_MS 2000

/* "redis [host]:port" or "redis /path": prefixes every err. */
#define LABEL_MAX (CW_REDIS_HOST_MAX + 32)

struct cw_redis {
	const struct cw_redis_transport *tr;
	char *where;            /* configured; unused with a sentinel */
	int port;
	const void *transport_arg;      /* the caller's, outlives r */
	char *user;             /* NULL: AUTH with the password alone */
	char *password;         /* NULL: no AUTH.  Wiped on free. */
	int timeout_ms;
	char label[LABEL_MAX];  /* the server of the current connection */
	void *conn;             /* transport state; NULL while disconnected */
	redisReader *reader;    /* one per connection; NULL with conn */
	int unanswered;         /* the last call failed after sending */
	/* Fleet (redis.h): ROLE, the sentinels, a reader's replica. */
	bool check_role;
	struct cw_sentinel *sentinel;
	unsigned epoch;         /* the sentinel's, when conn was made */
	bool is_reader;       /* options.reader (redis.h) */
	char *read_where;       /* a reader's fixed replica, or NULL */
	int read_port;
	struct cw_redis *primary;       /* a reader's master client */
	struct cw_redis_addr last_read; /* the replica read from last */
	unsigned spread;        /* where a reader starts in the replicas */
	int replicas;           /* the master's, by ROLE at connect; or 0 */
	bool on_master;         /* a reader that fell back to the master */
	long long connected_at; /* cw_now_ms() of the connect */
	long long checked_at;   /* a reader's last look at its replica */
};

/*
 * A reader that fell back to the master looks for a replica again after
 * this long, so that after a failover (when no replica is fit for a few
 * seconds) the fleet's readers do not all stay on the master.
 */
#define READER_REPICK_MS 30000

/*
 * A reader on a replica asks it ROLE again this often: a replica whose
 * link to its master broke still answers (replica-serve-stale-data), and
 * a reader blocked on it would never hear of another change.  A link cut
 * without a reset (a partition) still says "connected" until Redis's
 * repl-timeout (60 s by default), so each look also asks the master its
 * offset, which the replica must reach within READER_LAG_MS: a replica
 * that stopped following is left at the first look.
 */
#define READER_RECHECK_MS 1000
#define READER_LAG_MS 200

/* Why a call's replies were not taken as answers (redis.h). */
enum refusal {
	REFUSED_NO,
	REFUSED_READONLY,       /* a replica: the write did not run */
	REFUSED_LOST,           /* NOREPLICAS, UNBLOCKED, MASTERDOWN */
};

/* What one call went through, for the reconnect decision. */
struct call {
	long long deadline;
	int got_bytes;          /* at least one reply byte arrived */
	int peer_closed;        /* failed on EOF, EPIPE or ECONNRESET */
	int sent;               /* the command(s) were written whole */
	enum refusal refused;   /* the server refused to answer (redis.h) */
};

/* "redis: " + label + ": " + fmt into err. */
void cw_redis_fail(const struct cw_redis *r, char *err, size_t errlen,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Closes the connection (if any) and its reader. */
void cw_redis_disconnect(struct cw_redis *r);

/* Writes buf (n formatted commands) and reads n replies (redis.c). */
int cw_redis_exchange(struct cw_redis *r, struct call *c, const char *buf,
    size_t len, size_t n, redisReply **replies, int *sent, char *err,
    size_t errlen);

/*
 * Connects (and authenticates, and checks ROLE, asking the sentinels
 * first when there are some) unless already connected (redis_connect.c).
 * 0, or -1 with err and no connection.
 */
int cw_redis_ensure_connected(struct cw_redis *r, struct call *c,
    char *err, size_t errlen);

/*
 * A reader on a replica, every READER_RECHECK_MS: whether the replica's
 * link to its master is still up.  0, or -1 (the caller disconnects).
 */
int cw_redis_recheck_replica(struct cw_redis *r, struct call *c);

#endif
