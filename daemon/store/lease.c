/* SPDX-License-Identifier: MIT */
/*
 * lease.c - a lease in Redis with a fencing token (lease.h).  Every
 * compare-and-set is one Lua script (lua/lease_*.lua), so two candidates
 * can never both believe they took it, and a renewal never extends a
 * lease that has already passed to someone else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/lease.h"
#include "store/lua_scripts.h"

int
cw_lease_init(struct cw_lease *l, struct cw_redis *redis, const char *prefix,
    const char *name, const char *fence_name, int ttl_ms)
{
	int a, b;

	memset(l, 0, sizeof(*l));
	l->redis = redis;
	l->ttl_ms = ttl_ms < 300 ? 300 : ttl_ms;
	a = snprintf(l->key, sizeof(l->key), "%s%s", prefix, name);
	b = snprintf(l->fence_key, sizeof(l->fence_key), "%s%s", prefix,
	    fence_name);
	if (a < 0 || (size_t)a >= sizeof(l->key) || b < 0 ||
	    (size_t)b >= sizeof(l->fence_key))
		return -1;
	atomic_store(&l->published, 0);
	atomic_store(&l->refused, 0);
	return 0;
}

static void
set_token(struct cw_lease *l, const char *t, size_t len)
{
	if (len >= sizeof(l->token))
		len = 0;        /* the callers checked: cannot happen */
	memcpy(l->token, t, len);
	l->token[len] = '\0';
	atomic_store(&l->published, len > 0 ? strtoll(l->token, NULL, 10) : 0);
}

void
cw_lease_snapshot(struct cw_lease *dst, const struct cw_lease *src)
{
	dst->redis = NULL;
	memcpy(dst->key, src->key, sizeof(dst->key));
	memcpy(dst->fence_key, src->fence_key, sizeof(dst->fence_key));
	dst->ttl_ms = src->ttl_ms;
	dst->renewed_ms = src->renewed_ms;
	set_token(dst, src->token, strlen(src->token));
	atomic_store(&dst->refused, 0);
}

void
cw_lease_forget(struct cw_lease *l)
{
	set_token(l, "", 0);
}

int
cw_lease_acquire(struct cw_lease *l, const char *dead_token, char *holder,
    size_t holderlen, char *err, size_t errlen)
{
	char ttl[16];
	const char *argv[] = { "EVAL", cw_lua_lease_acquire, "2", l->key,
	    l->fence_key, l->token, ttl, dead_token != NULL ? dead_token : "" };
	long long sent = cw_now_ms();
	const redisReply *v;
	redisReply *r;
	int rc = -1;

	if (holder != NULL && holderlen > 0)
		holder[0] = '\0';
	snprintf(ttl, sizeof(ttl), "%d", l->ttl_ms);
	if ((r = cw_redis_call(l->redis, err, errlen, 8, argv, NULL)) == NULL)
		return -1;
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 2 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER) {
		snprintf(err, errlen, "redis: unexpected reply to the lease "
		    "script for %s", l->key);
		goto out;
	}
	v = r->element[1];
	if (r->element[0]->integer == 1 && v->type == REDIS_REPLY_STRING &&
	    v->len > 0 && v->len < sizeof(l->token)) {
		set_token(l, v->str, v->len);
		l->renewed_ms = sent;
		rc = 1;
		v = r->elements >= 3 ? r->element[2] : NULL;  /* before us */
	} else {
		cw_lease_forget(l);
		rc = 0;
	}
	if (holder != NULL && holderlen > 0 && v != NULL &&
	    v->type == REDIS_REPLY_STRING)
		snprintf(holder, holderlen, "%.*s", (int)v->len, v->str);
out:
	freeReplyObject(r);
	return rc;
}

int
cw_lease_renew(struct cw_lease *l, char *err, size_t errlen)
{
	char ttl[16];
	const char *argv[] = { "EVAL", cw_lua_lease_renew, "1", l->key,
	    l->token, ttl };
	long long sent = cw_now_ms();
	redisReply *r;
	int rc;

	if (!cw_lease_held(l))
		return 0;
	snprintf(ttl, sizeof(ttl), "%d", l->ttl_ms);
	if ((r = cw_redis_call(l->redis, err, errlen, 6, argv, NULL)) == NULL)
		return -1;
	rc = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
	freeReplyObject(r);
	if (rc)
		l->renewed_ms = sent;
	else
		cw_lease_forget(l);
	return rc;
}

void
cw_lease_release(struct cw_lease *l)
{
	const char *argv[] = { "EVAL", cw_lua_lease_release, "1", l->key,
	    l->token };
	char err[256];
	redisReply *r;

	if (!cw_lease_held(l))
		return;
	if ((r = cw_redis_call(l->redis, err, sizeof(err), 5, argv, NULL)) !=
	    NULL)
		freeReplyObject(r);
	cw_lease_forget(l);
}

bool
cw_lease_renew_due(const struct cw_lease *l, long long now_ms)
{
	return now_ms - l->renewed_ms >= l->ttl_ms / 3;
}

bool
cw_lease_expired(const struct cw_lease *l, long long now_ms)
{
	return now_ms - l->renewed_ms >= l->ttl_ms;
}

bool
cw_lease_refused(struct cw_lease *l, const char *err)
{
	if (err == NULL || strstr(err, "FENCED") == NULL)
		return false;
	atomic_fetch_add(&l->refused, 1);
	cw_lease_forget(l);     /* whoever holds it now, it is not us */
	return true;
}

long long
cw_lease_token_now(const struct cw_lease *l)
{
	return atomic_load(&((struct cw_lease *)l)->published);
}
