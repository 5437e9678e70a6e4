/* SPDX-License-Identifier: MIT */
/*
 * redis_connect.c - making a connection for redis.c: the transport, AUTH,
 * and (redis.h's fleet options) ROLE before anything else, the sentinels
 * asked first, a reader's replica and its catch-up.
 *
 * Why ROLE on every connection: a sentinel's answer can be old (it names
 * the master it last knew; a demoted master can still be reached), and a
 * replica given by mistake as [redis] uri answers reads as if it were the
 * master.  The server's own ROLE, asked on the connection that will
 * carry the commands, is the only proof of what it is now.  Between
 * connects, READONLY/NOREPLICAS replies (redis.c) catch a demotion.
 *
 * Every step counts against the call's one deadline; asking the
 * sentinels, each gets an equal share of what is left, so one that does
 * not answer cannot use up the time of the next.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/redis.h"
#include "store/redis_private.h"
#include "store/sentinel.h"

#define fail cw_redis_fail

/* How long a reader waits between two looks at a lagging replica. */
#define CATCH_UP_POLL_MS 10

/* What a connection is for. */
enum want {
	WANT_ANY,       /* no ROLE check (the options ask for none) */
	WANT_MASTER,    /* a client that writes */
	WANT_READ,      /* a reader: a caught-up replica, or the master */
};

/* What ROLE said. */
struct role {
	char kind[16];          /* master, slave, sentinel */
	char state[16];         /* a replica's link: connected, sync, ... */
	long long offset;       /* replication offset (applied, on a replica) */
	int replicas;           /* a master's connected replicas */
};

/* AUTH on a fresh connection.  The password never reaches err or a log. */
static int authenticate(struct cw_redis *r, struct call *c, char *err,
    size_t errlen)
{
	const char *argv[3] = { "AUTH", r->user, r->password };
	redisReply *reply = NULL;
	char *cmd = NULL;
	int len, rc = -1;

	/* AUTH user password (an ACL user), or AUTH password ("default"). */
	if (r->user == NULL)
		argv[1] = r->password;
	len = redisFormatCommandArgv(&cmd, r->user != NULL ? 3 : 2, argv,
	    NULL);
	if (len < 0) {
		fail(r, err, errlen, "out of memory formatting AUTH");
		goto out;
	}
	if (cw_redis_exchange(r, c, cmd, (size_t)len, 1, &reply, NULL, err,
	    errlen) != 0)
		goto out;
	if (reply->type == REDIS_REPLY_ERROR)
		fail(r, err, errlen, "AUTH failed: %s", reply->str);
	else if (reply->type != REDIS_REPLY_STATUS)
		fail(r, err, errlen, "AUTH failed: unexpected reply type %d",
		    reply->type);
	else
		rc = 0;
out:
	if (cmd != NULL && len > 0) {
		/* The formatted command holds the password in clear. */
		explicit_bzero(cmd, (size_t)len);
		redisFreeCommand(cmd);
	}
	if (reply != NULL)
		freeReplyObject(reply);
	return rc;
}

/* ROLE's first element, a replica's link state and the offset. */
static int parse_role(const redisReply *rep, struct role *out)
{
	const redisReply *k, *off = NULL;

	memset(out, 0, sizeof *out);
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 1)
		return -1;
	k = rep->element[0];
	if (k->type != REDIS_REPLY_STRING || k->len >= sizeof out->kind)
		return -1;
	memcpy(out->kind, k->str, k->len);
	if (strcmp(out->kind, "master") == 0 && rep->elements >= 3) {
		off = rep->element[1];
		if (rep->element[2]->type == REDIS_REPLY_ARRAY)
			out->replicas = (int)rep->element[2]->elements;
	}
	if (strcmp(out->kind, "slave") == 0 && rep->elements >= 5) {
		k = rep->element[3];
		if (k->type == REDIS_REPLY_STRING &&
		    k->len < sizeof out->state)
			memcpy(out->state, k->str, k->len);
		off = rep->element[4];
	}
	if (off != NULL && off->type == REDIS_REPLY_INTEGER)
		out->offset = off->integer;
	return 0;
}

/*
 * ROLE on the new connection.  1 when the server refused it with NOPERM
 * (an ACL without +role), 0 with *out, -1 with err.
 */
static int role_query(struct cw_redis *r, struct call *c, struct role *out,
    char *err, size_t errlen)
{
	static const char cmd[] = "*1\r\n$4\r\nROLE\r\n";
	redisReply *rep = NULL;
	int rc = -1;

	if (cw_redis_exchange(r, c, cmd, sizeof cmd - 1, 1, &rep, NULL, err,
	    errlen) != 0)
		goto out;
	if (rep->type == REDIS_REPLY_ERROR && strncmp(rep->str, "NOPERM",
	    6) == 0) {
		rc = 1;
		goto out;
	}
	if (rep->type == REDIS_REPLY_ERROR || parse_role(rep, out) != 0) {
		fail(r, err, errlen, "ROLE: %.120s", rep->type ==
		    REDIS_REPLY_ERROR ? rep->str : "a malformed answer");
		goto out;
	}
	rc = 0;
out:
	if (rep != NULL)
		freeReplyObject(rep);
	return rc;
}

/* The master's replication offset now, through the reader's master client. */
static int master_offset(struct cw_redis *r, long long *offset, char *err,
    size_t errlen)
{
	const char *argv[1] = { "ROLE" };
	redisReply *rep;
	struct role role;
	char why[256] = "";
	int rc = -1;

	rep = cw_redis_call(r->primary, why, sizeof why, 1, argv, NULL);
	if (rep != NULL && parse_role(rep, &role) == 0 &&
	    strcmp(role.kind, "master") == 0) {
		*offset = role.offset;
		rc = 0;
	} else {
		fail(r, err, errlen, "cannot learn the master's offset to "
		    "read from this replica: %s", why[0] != '\0' ? why :
		    "the master client's server is not a master");
	}
	if (rep != NULL)
		freeReplyObject(rep);
	/* A reader holds no master connection for its reads. */
	cw_redis_disconnect(r->primary);
	return rc;
}

/*
 * A replica is read from only once it has applied everything the master
 * had when we connected, so a reader that moves from one server to
 * another never sees the data go back (the guard would take that for a
 * loss, store_guard.h).  Waits for it within the call's deadline.
 */
static int catch_up(struct cw_redis *r, struct call *c, struct role *role,
    char *err, size_t errlen)
{
	long long want, deadline = c->deadline;

	if (strcmp(role->state, "connected") != 0) {
		fail(r, err, errlen, "a replica whose link to its master is %s",
		    role->state[0] != '\0' ? role->state : "unknown");
		return -1;
	}
	if (master_offset(r, &want, err, errlen) != 0)
		return -1;
	/* One that does not catch up at once is not following (a
	 * partition): the next server, rather than the whole timeout. */
	if (deadline > cw_now_ms() + READER_LAG_MS)
		deadline = cw_now_ms() + READER_LAG_MS;
	while (role->offset < want) {
		if (cw_now_ms() + CATCH_UP_POLL_MS >= deadline) {
			fail(r, err, errlen, "a replica %lld bytes behind its "
			    "master", want - role->offset);
			return -1;
		}
		(void)poll(NULL, 0, CATCH_UP_POLL_MS);
		if (role_query(r, c, role, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* Whether the new connection is what it is wanted for (redis.h). */
static int check_role(struct cw_redis *r, struct call *c, enum want want,
    char *err, size_t errlen)
{
	struct role role;
	int rc;

	if (want == WANT_ANY)
		return 0;
	rc = role_query(r, c, &role, err, errlen);
	/* The configured master, with an ACL older than +role: READONLY
	 * replies still guard (redis.h). */
	if (rc == 1 && r->sentinel == NULL && want == WANT_MASTER) {
		r->on_master = true;
		return 0;
	}
	if (rc == 1) {
		fail(r, err, errlen, "ROLE refused (NOPERM): the ACL user "
		    "needs +role to use sentinels or replicas");
		return -1;
	}
	if (rc != 0)
		return -1;
	r->replicas = role.replicas;
	r->on_master = strcmp(role.kind, "master") == 0;
	if (r->on_master)
		return 0;
	if (want == WANT_READ && strcmp(role.kind, "slave") == 0)
		return catch_up(r, c, &role, err, errlen);
	fail(r, err, errlen, "is a %s, not the master: nothing is written "
	    "to it", strcmp(role.kind, "slave") == 0 ? "replica" : role.kind);
	return -1;
}

/* Names the connection's server in every later err. */
static void set_label(struct cw_redis *r, const char *where, int port)
{
	if (r->tr == &cw_redis_transport_unix)
		snprintf(r->label, sizeof r->label, "redis %s", where);
	else if (strchr(where, ':') != NULL)        /* IPv6 literal */
		snprintf(r->label, sizeof r->label, "redis [%s]:%d", where,
		    port);
	else
		snprintf(r->label, sizeof r->label, "redis %s:%d", where,
		    port);
}

/* Connects to where:port: transport, AUTH, ROLE.  Closed on failure. */
static int open_at(struct cw_redis *r, struct call *c, const char *where,
    int port, enum want want, char *err, size_t errlen)
{
	char terr[256] = "";
	long long left;

	cw_redis_disconnect(r);
	set_label(r, where, port);
	r->replicas = 0;
	r->on_master = false;
	left = c->deadline - cw_now_ms();
	if (left <= 0) {
		fail(r, err, errlen, "timed out after %d ms connecting",
		    r->timeout_ms);
		return -1;
	}
	if (r->tr->open(&r->conn, r->transport_arg, where, port, (int)left,
	    terr, sizeof terr) != 0) {
		r->conn = NULL;
		fail(r, err, errlen, "%s", terr);
		return -1;
	}
	r->reader = redisReaderCreate();
	if (r->reader == NULL) {
		fail(r, err, errlen, "out of memory creating reader");
		goto fail;
	}
	r->reader->maxbuf = READER_MAXBUF;
	if (r->password != NULL && authenticate(r, c, err, errlen) != 0)
		goto fail;
	if (check_role(r, c, want, err, errlen) != 0)
		goto fail;
	r->connected_at = r->checked_at = cw_now_ms();
	return 0;
fail:
	cw_redis_disconnect(r);
	return -1;
}

static bool same_addr(const struct cw_redis_addr *a,
    const struct cw_redis_addr *b)
{
	return a->port == b->port && strcmp(a->host, b->host) == 0;
}

/*
 * A reader tries the replicas the sentinel listed: the one it read from
 * last first (its data is what the host has), else from its own
 * starting point, so that a fleet's hosts spread over the replicas.
 */
static int try_replicas(struct cw_redis *r, struct call *c,
    const struct cw_sentinel_answer *a, char *err, size_t errlen)
{
	size_t k, i, start = r->spread;

	for (k = 0; k < a->nreplicas; k++)
		if (same_addr(&a->replica[k], &r->last_read))
			start = k;
	for (k = 0; k < a->nreplicas; k++) {
		i = (start + k) % a->nreplicas;
		if (open_at(r, c, a->replica[i].host, a->replica[i].port,
		    WANT_READ, err, errlen) == 0) {
			r->last_read = a->replica[i];
			return 0;
		}
	}
	return -1;
}

/* This sentinel's share of what is left of the call. */
static int share_ms(const struct call *c, size_t left_to_ask)
{
	long long left = c->deadline - cw_now_ms();
	long long per = left / (long long)(left_to_ask > 0 ? left_to_ask : 1);

	if (per < 100)
		per = left < 100 ? left : 100;
	return per > 0 ? (int)per : 0;
}

/*
 * Asks the sentinels in turn (the last one that worked first) and
 * connects to what the first usable answer names, ROLE checked: a
 * sentinel that does not answer, names no master, or names a server that
 * is not the master sends us to the next one.
 */
static int connect_sentinel(struct cw_redis *r, struct call *c, char *err,
    size_t errlen)
{
	struct cw_sentinel *s = r->sentinel;
	size_t n = cw_sentinel_count(s), first = cw_sentinel_first(s), k, i;
	unsigned epoch = cw_sentinel_epoch(s);
	struct cw_sentinel_answer a;
	char why[512] = "no sentinel asked";

	for (k = 0; k < n && cw_now_ms() < c->deadline; k++) {
		i = (first + k) % n;
		if (cw_sentinel_ask(s, i, r->is_reader, share_ms(c, n - k), &a,
		    why, sizeof why) != 0)
			continue;
		if ((r->is_reader && try_replicas(r, c, &a, why,
		    sizeof why) == 0) || open_at(r, c, a.master.host,
		    a.master.port, r->is_reader ? WANT_READ : WANT_MASTER, why,
		    sizeof why) == 0) {
			cw_sentinel_prefer(s, i);
			r->epoch = epoch;
			return 0;
		}
	}
	snprintf(r->label, sizeof r->label, "redis master %s",
	    cw_sentinel_master_name(s));
	fail(r, err, errlen, "no usable master through %zu sentinels; last: "
	    "%s", n, why);
	return -1;
}

int cw_redis_ensure_connected(struct cw_redis *r, struct call *c,
    char *err, size_t errlen)
{
	enum want want = !r->check_role ? WANT_ANY : r->is_reader ? WANT_READ :
	    WANT_MASTER;

	if (r->conn != NULL)
		return 0;
	if (r->sentinel != NULL)
		return connect_sentinel(r, c, err, errlen);
	/* A reader's own replica, else the configured master, as master. */
	if (r->is_reader && r->read_where != NULL && open_at(r, c,
	    r->read_where, r->read_port, WANT_READ, err, errlen) == 0)
		return 0;
	return open_at(r, c, r->where, r->port, want == WANT_READ ?
	    WANT_MASTER : want, err, errlen);
}

int cw_redis_recheck_replica(struct cw_redis *r, struct call *c)
{
	struct role role;
	struct call lag;
	long long want;
	char err[256];

	if (r->conn == NULL || !r->is_reader || r->on_master ||
	    cw_now_ms() - r->checked_at < READER_RECHECK_MS)
		return 0;
	r->checked_at = cw_now_ms();
	if (role_query(r, c, &role, err, sizeof err) != 0 ||
	    strcmp(role.kind, "slave") != 0 ||
	    strcmp(role.state, "connected") != 0)
		return -1;
	/* The master out of reach: nothing to compare (a failover may be
	 * under way); the replica's own word stands. */
	if (master_offset(r, &want, err, sizeof err) != 0)
		return 0;
	/* Not reaching what the master has now, within READER_LAG_MS: it
	 * stopped following (a partition), however "connected" it says. */
	lag = *c;
	if (lag.deadline > cw_now_ms() + READER_LAG_MS)
		lag.deadline = cw_now_ms() + READER_LAG_MS;
	while (role.offset < want) {
		if (cw_now_ms() + CATCH_UP_POLL_MS >= lag.deadline)
			return -1;
		(void)poll(NULL, 0, CATCH_UP_POLL_MS);
		if (role_query(r, &lag, &role, err, sizeof err) != 0)
			return -1;
	}
	return 0;
}
