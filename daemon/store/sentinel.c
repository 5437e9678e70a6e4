/* SPDX-License-Identifier: MIT */
/*
 * sentinel.c - see sentinel.h.
 *
 * A sentinel is asked over a connection of its own, opened for the
 * question and closed after it: questions come only when a client
 * (re)connects, and a long-lived connection per client to a sentinel
 * would multiply the sentinels' load by the fleet's thread count for
 * nothing.  The one long-lived sentinel connection of a process is the
 * watcher's (sentinel_watch.c).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_file.h"
#include "store/redis_tls.h"
#include "store/sentinel.h"
#include "text.h"

/* Longest sentinel password we read (the file is root-only). */
#define SENTINEL_PASSWORD_MAX 1024

struct cw_sentinel {
	struct cw_sentinel_uri uri;
	const struct cw_redis_transport *tr;
	const void *tr_arg;
	char *password;                 /* wiped on free */
	int timeout_ms;
	atomic_uint epoch;
	atomic_size_t first;
};

struct cw_sentinel *cw_sentinel_new(const struct cw_sentinel_options *o)
{
	struct cw_sentinel *s;

	if (o == NULL || o->uri == NULL || o->uri->n == 0 ||
	    o->transport == NULL)
		return NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->uri = *o->uri;
	s->tr = o->transport;
	s->tr_arg = o->transport_arg;
	s->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 2000;
	atomic_init(&s->epoch, 0);
	atomic_init(&s->first, 0);
	if (o->password != NULL && (s->password = strdup(o->password)) ==
	    NULL) {
		free(s);
		return NULL;
	}
	return s;
}

void cw_sentinel_free(struct cw_sentinel *s)
{
	if (s == NULL)
		return;
	if (s->password != NULL) {
		explicit_bzero(s->password, strlen(s->password));
		free(s->password);
	}
	free(s);
}

int cw_sentinel_from_config(const struct cw_config *cfg,
    const struct cw_redis_tls *tls, struct cw_sentinel **out, char *err,
    size_t errlen)
{
	struct cw_sentinel_options o = {
		.transport = tls != NULL ? &cw_redis_transport_tls :
		    &cw_redis_transport_tcp,
		.transport_arg = tls,
		.timeout_ms = cfg->redis.timeout_ms,
	};
	struct cw_sentinel_uri uri;
	char pw[SENTINEL_PASSWORD_MAX], why[160];
	int rc = -1;

	*out = NULL;
	if (!cfg->redis.sentinel)
		return 0;
	if (cw_sentinel_uri_parse(cfg->redis.uri, &uri, why,
	    sizeof(why)) < 0) {
		cw_set_err(err, errlen, "[redis] uri: %s", why);
		return -1;
	}
	o.uri = &uri;
	if (cfg->redis.sentinel_password_file != NULL) {
		if (cw_secret_read(cfg->redis.sentinel_password_file, pw,
		    sizeof(pw), err, errlen) < 0)
			goto out;
		o.password = pw;
	}
	if ((*out = cw_sentinel_new(&o)) == NULL) {
		cw_set_err(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(pw, sizeof(pw));
	return rc;
}

size_t cw_sentinel_count(const struct cw_sentinel *s)
{
	return s->uri.n;
}

const char *cw_sentinel_master_name(const struct cw_sentinel *s)
{
	return s->uri.master;
}

size_t cw_sentinel_first(const struct cw_sentinel *s)
{
	return atomic_load(&((struct cw_sentinel *)s)->first) % s->uri.n;
}

void cw_sentinel_prefer(struct cw_sentinel *s, size_t i)
{
	atomic_store(&s->first, i % s->uri.n);
}

unsigned cw_sentinel_epoch(const struct cw_sentinel *s)
{
	return atomic_load(&((struct cw_sentinel *)s)->epoch);
}

void cw_sentinel_bump(struct cw_sentinel *s)
{
	atomic_fetch_add(&s->epoch, 1);
}

const struct cw_redis_addr *cw_sentinel_addr(const struct cw_sentinel *s,
    size_t i)
{
	return &s->uri.addr[i % s->uri.n];
}

void cw_sentinel_client_options(const struct cw_sentinel *s, size_t i,
    struct cw_redis_options *o)
{
	const struct cw_redis_addr *a = cw_sentinel_addr(s, i);

	memset(o, 0, sizeof(*o));
	o->transport = s->tr;
	o->transport_arg = s->tr_arg;
	o->where = a->host;
	o->port = a->port;
	o->password = s->password;
	o->timeout_ms = s->timeout_ms;
}

/* A bulk or status string of at most max-1 bytes into buf. */
static int
reply_str(const redisReply *r, char *buf, size_t max)
{
	if (r == NULL || (r->type != REDIS_REPLY_STRING &&
	    r->type != REDIS_REPLY_STATUS) || r->len >= max)
		return -1;
	memcpy(buf, r->str, r->len);
	buf[r->len] = '\0';
	return 0;
}

/* "HOST" and "PORT" strings into an address. */
static int
set_addr(struct cw_redis_addr *a, const redisReply *host,
    const redisReply *port)
{
	char p[8];
	char *end;
	long v;

	if (reply_str(host, a->host, sizeof(a->host)) < 0 ||
	    a->host[0] == '\0' || reply_str(port, p, sizeof(p)) < 0)
		return -1;
	v = strtol(p, &end, 10);
	if (*end != '\0' || end == p || v < 1 || v > 65535)
		return -1;
	a->port = (int)v;
	return 0;
}

/* The value of field name in a flat [k1, v1, k2, v2, ...] array. */
static const redisReply *
field(const redisReply *r, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i + 1 < r->elements; i += 2)
		if (r->element[i]->type == REDIS_REPLY_STRING &&
		    r->element[i]->len == n &&
		    memcmp(r->element[i]->str, name, n) == 0)
			return r->element[i + 1];
	return NULL;
}

/* Whether one replica of SENTINEL replicas is fit to read from. */
static bool
replica_fit(const redisReply *r)
{
	char flags[128], link[16];

	if (r->type != REDIS_REPLY_ARRAY ||
	    reply_str(field(r, "flags"), flags, sizeof(flags)) < 0 ||
	    reply_str(field(r, "master-link-status"), link,
	    sizeof(link)) < 0)
		return false;
	return strcmp(link, "ok") == 0 && strstr(flags, "s_down") == NULL &&
	    strstr(flags, "o_down") == NULL &&
	    strstr(flags, "disconnected") == NULL;
}

static void
take_replicas(const redisReply *r, struct cw_sentinel_answer *out)
{
	const redisReply *e;
	size_t i;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		return;
	for (i = 0; i < r->elements; i++) {
		e = r->element[i];
		if (out->nreplicas == CW_SENTINEL_REPLICAS_MAX)
			return;
		if (replica_fit(e) && set_addr(&out->replica[out->nreplicas],
		    field(e, "ip"), field(e, "port")) == 0)
			out->nreplicas++;
	}
}

/* The master's address out of get-master-addr-by-name's answer. */
static int
take_master(const struct cw_sentinel *s, const redisReply *r,
    struct cw_sentinel_answer *out, char *err, size_t errlen)
{
	if (r->type == REDIS_REPLY_NIL) {
		cw_set_err(err, errlen, "does not know master %s",
		    s->uri.master);
		return -1;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		cw_set_err(err, errlen, "%.200s", r->str);
		return -1;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    set_addr(&out->master, r->element[0], r->element[1]) < 0) {
		cw_set_err(err, errlen, "a malformed master address");
		return -1;
	}
	return 0;
}

int cw_sentinel_ask(struct cw_sentinel *s, size_t i, bool replicas,
    int timeout_ms, struct cw_sentinel_answer *out, char *err,
    size_t errlen)
{
	const char *q_master[] = { "SENTINEL", "get-master-addr-by-name",
	    s->uri.master };
	const char *q_replicas[] = { "SENTINEL", "replicas", s->uri.master };
	const char *const *argv[2] = { q_master, q_replicas };
	const int argc[2] = { 3, 3 };
	redisReply *rep[2] = { NULL, NULL };
	struct cw_redis_options o;
	struct cw_redis *r;
	char why[256] = "";
	int rc = -1;

	memset(out, 0, sizeof(*out));
	cw_sentinel_client_options(s, i, &o);
	o.timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
	if ((r = cw_redis_new(&o)) == NULL) {
		cw_set_err(err, errlen, "out of memory");
		return -1;
	}
	/* Both questions in one round trip. */
	if (cw_redis_pipeline(r, why, sizeof(why), replicas ? 2 : 1, argc,
	    argv, NULL, rep) < 0) {
		cw_set_err(err, errlen, "sentinel %s", why);
		goto out;
	}
	if (take_master(s, rep[0], out, why, sizeof(why)) < 0) {
		cw_set_err(err, errlen, "sentinel %s:%d: %s",
		    cw_sentinel_addr(s, i)->host, cw_sentinel_addr(s, i)->port,
		    why);
		goto out;
	}
	take_replicas(rep[1], out);
	rc = 0;
out:
	if (rep[0] != NULL)
		freeReplyObject(rep[0]);
	if (rep[1] != NULL)
		freeReplyObject(rep[1]);
	cw_redis_free(r);
	return rc;
}
