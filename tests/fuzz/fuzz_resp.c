/* SPDX-License-Identifier: MIT */
/*
 * fuzz_resp.c - arbitrary RESP bytes from "Redis", through the daemon's
 * own client (store/redis.c: hiredis's reader and our reply checks) into
 * the project code that reads replies: the store (generation, identity,
 * cookie, every uuid, a full load, the change log) and the revocation
 * queue (one revocation, the pending list, a page, a month).
 *
 * The input is what a hostile or broken server would send: a transport
 * of our own hands it out as the replies to every command, in turn, and
 * reports a closed connection once it is used up.  Nothing may crash,
 * leak or loop; what the calls return does not matter.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/policy_db.h"
#include "revoke/revocation_queue.h"
#include "store/redis.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The bytes still to hand out as replies. */
static const uint8_t *feed;
static size_t feed_left;

static int fuzz_open(void **state, const void *arg, const char *where,
    int port, int timeout_ms, char *err, size_t errlen)
{
	(void)arg; (void)where; (void)port; (void)timeout_ms; (void)err;
	(void)errlen;
	*state = (void *)&feed;
	return 0;
}

static int fuzz_write_all(void *state, const char *buf, size_t len,
    long long deadline_ms)
{
	(void)state; (void)buf; (void)len; (void)deadline_ms;
	return 0;
}

/* Small, uneven pieces: replies split anywhere, as TCP may. */
static long fuzz_read_some(void *state, char *buf, size_t len,
    long long deadline_ms)
{
	size_t n = feed_left < len ? feed_left : len;

	(void)state; (void)deadline_ms;
	if (n == 0) {
		errno = ECONNRESET;
		return -1;
	}
	if (n > 1 + (size_t)(feed[0] % 97))
		n = 1 + (size_t)(feed[0] % 97);
	memcpy(buf, feed, n);
	feed += n;
	feed_left -= n;
	return (long)n;
}

static void fuzz_close(void *state)
{
	(void)state;
}

static const struct cw_redis_transport fuzz_transport = {
	.name = "fuzz",
	.open = fuzz_open,
	.write_all = fuzz_write_all,
	.read_some = fuzz_read_some,
	.close = fuzz_close,
};

/* The store's readers, each taking the next replies. */
static void store_calls(struct cw_store *st)
{
	char err[256], epoch[CW_EPOCH_LEN + 1], *cookie = NULL;
	long long gen = 0, open = 0;
	struct cw_strmap uuids;
	struct cw_delta *d;
	size_t len = 0, skipped = 0;
	bool created = false, gap = false;

	(void)cw_store_generation(st, &gen, err, sizeof(err));
	(void)cw_store_identity(st, epoch, &created, &gen, &open, err,
	    sizeof(err));
	if (cw_store_cookie(st, &cookie, &len, err, sizeof(err)) == 0)
		free(cookie);
	cw_strmap_init(&uuids);
	(void)cw_store_all_uuids(st, &uuids, err, sizeof(err));
	cw_strmap_clear(&uuids, NULL);
	d = cw_store_load_all(st, NULL, NULL, &skipped, err, sizeof(err));
	cw_delta_free(d);
	d = cw_store_delta_since(st, 1, &gap, &skipped, err, sizeof(err));
	cw_delta_free(d);
}

/* The revocation queue's readers. */
static void revq_calls(struct cw_store *st)
{
	char err[256];
	struct cw_revocation r;
	struct cw_revq_list list = { 0 };
	struct cw_revq_page page = { 0 };

	memset(&r, 0, sizeof(r));
	(void)cw_revq_get(st, "r20261203T104146Z-424763757466", &r, err,
	    sizeof(err));
	if (cw_revq_pending(st, &list, err, sizeof(err)) == 0)
		cw_revq_list_free(&list);
	if (cw_revq_page_open(st, "", 10, &page, err, sizeof(err)) == 0)
		cw_revq_page_free(&page);
	if (cw_revq_page_month(st, "2026-12", "", 10, &page, err,
	    sizeof(err)) == 0)
		cw_revq_page_free(&page);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cw_redis_options o = { .transport = &fuzz_transport,
	    .where = "fuzz", .timeout_ms = 1000 };
	struct cw_redis *redis;
	struct cw_store st;

	feed = data;
	feed_left = size;
	if ((redis = cw_redis_new(&o)) == NULL)
		return 0;
	if (cw_store_init(&st, redis, "cw:") == 0) {
		store_calls(&st);
		revq_calls(&st);
	}
	cw_redis_free(redis);
	return 0;
}
