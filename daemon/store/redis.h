/* SPDX-License-Identifier: MIT */
/*
 * redis.h - a small Redis client: hiredis's protocol reader and formatter
 * over a transport of our own.
 *
 * Debian 12's hiredis (0.14) has no TLS, and its blocking context cannot be
 * given a different transport, so we never use redisContext: commands are
 * formatted with redisFormatCommandArgv, written through the transport, and
 * replies assembled with a redisReader.  A transport is a vtable (Unix
 * socket and TCP in redis_transport.c; TLS over OpenSSL in redis_tls.c).
 *
 * Every call is bounded by the configured timeout.  After any transport or
 * protocol error the connection is closed; the next call reconnects once.
 *
 * Never a write to a replica: an error reply saying the server is a
 * replica or cut off from its replicas (READONLY, NOREPLICAS), or that a
 * blocked command was cut off by a role change (UNBLOCKED, MASTERDOWN),
 * is a lost connection, never an answer: the connection is closed, the
 * server looked up again (with a sentinel) and the command sent once
 * more within the same deadline (the server refused it: it did not run).
 */
#ifndef CW_REDIS_H
#define CW_REDIS_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

struct cw_redis_transport {
	const char *name;
	/*
	 * Connects; on success stores its state in *state.  0 or -1.  arg is
	 * the options' transport_arg (TLS: the struct cw_redis_tls).
	 */
	int (*open)(void **state, const void *arg, const char *where, int port,
	    int timeout_ms, char *err, size_t errlen);
	/* Writes all of buf before the deadline (ms, CLOCK_MONOTONIC). 0/-1 */
	int (*write_all)(void *state, const char *buf, size_t len,
	    long long deadline_ms);
	/* Reads up to len bytes before the deadline; >0, or -1 (EOF too). */
	long (*read_some)(void *state, char *buf, size_t len,
	    long long deadline_ms);
	void (*close)(void *state);
	/*
	 * Optional: why the last write_all/read_some failed, when errno
	 * cannot say it (a TLS alert, a certificate); NULL otherwise.
	 */
	const char *(*describe)(void *state);
};

extern const struct cw_redis_transport cw_redis_transport_unix;
extern const struct cw_redis_transport cw_redis_transport_tcp;

struct cw_redis_options {
	const struct cw_redis_transport *transport;
	const char *where;      /* socket path, or host name / address */
	int port;               /* TCP only */
	const char *password;   /* NULL: no AUTH */
	int timeout_ms;         /* bound on connect and on every command */
	const char *user;       /* ACL user for AUTH; NULL: AUTH password */
	const void *transport_arg;      /* handed to transport->open */
	/*
	 * Set: every new connection is checked with ROLE before it carries
	 * a command, and a client that writes (not a reader) takes nothing
	 * but a master.  A NOPERM answer to ROLE is tolerated only without
	 * a sentinel and reader (an ACL older than +role): READONLY replies
	 * still keep such a client off a replica.
	 */
	bool check_role;
	/*
	 * Set (store/sentinel.h): where and port are unused; on every
	 * connect the sentinels are asked in turn which server to use.
	 * Implies check_role.
	 */
	struct cw_sentinel *sentinel;
	/*
	 * A reader: reads from a replica (read_where:read_port, or one the
	 * sentinels list as up with its link to the master ok), the master
	 * when none is fit.  A replica is used only once it has caught up
	 * with the master's replication offset as of the connect, so a
	 * reader never sees older data than it saw before.  What the
	 * replica refuses (READONLY: a write) is sent to the master, on a
	 * second connection made when first needed.  Implies check_role.
	 */
	bool reader;
	const char *read_where;         /* NULL: the sentinels' replicas */
	int read_port;
};

struct cw_redis;

/* Creates a client (does not connect yet). NULL on allocation failure. */
struct cw_redis *cw_redis_new(const struct cw_redis_options *o);
void cw_redis_free(struct cw_redis *r);

/*
 * Runs one command.  Returns the reply (free with freeReplyObject), which
 * may be of type REDIS_REPLY_ERROR; or NULL when the server could not be
 * reached or the exchange failed, with err saying why.
 */
redisReply *cw_redis_command(struct cw_redis *r, char *err, size_t errlen,
    int argc, const char **argv, const size_t *argvlen);

/* printf-less convenience for NUL-terminated arguments. */
redisReply *cw_redis_commandv(struct cw_redis *r, char *err, size_t errlen,
    int argc, const char **argv);

/*
 * As cw_redis_command, but an error reply is a failure too: NULL, with
 * "redis <COMMAND>: <the server's text>" in err.  For callers that have
 * no use for an error reply beyond reporting it.
 */
redisReply *cw_redis_call(struct cw_redis *r, char *err, size_t errlen,
    int argc, const char **argv, const size_t *argvlen);

/*
 * Pipelines n commands in one round trip; replies[i] as for
 * cw_redis_command.  Returns 0 when every reply arrived, -1 otherwise (all
 * replies then NULL).  Used by MULTI/EXEC blocks and bulk loads.
 */
int cw_redis_pipeline(struct cw_redis *r, char *err, size_t errlen, size_t n,
    const int *argc, const char *const *const *argv,
    const size_t *const *argvlen, redisReply **replies);

/*
 * Whether the last call on r failed after its command(s) had been written
 * whole (a reply lost to a timeout or a reset): the server may have run
 * them.  0 after a success, or when the failure came before the command
 * was sent (no connection, refused, part-written).  Callers of writes use
 * it to tell "not recorded" from "outcome unknown".
 */
int cw_redis_unanswered(const struct cw_redis *r);

/*
 * WAIT 1 ms (at most timeout_ms/2): until one replica has received what
 * this connection wrote, when the master it found (ROLE) had replicas;
 * at once otherwise.  Returns how many replicas acknowledged (0: none in
 * time, or none to wait for: the write stands on the master alone), or
 * -1.  Redis's WAIT confirms receipt, not a disk write; it narrows the
 * window of a failover losing an acknowledged write, it cannot close it
 * (docs/sentinel.md says what does).
 */
int cw_redis_wait_replica(struct cw_redis *r, int ms, char *err,
    size_t errlen);

/* cw_now_ms(), the monotonic clock deadlines are kept in. */
#include "lib/wake.h"

#endif
