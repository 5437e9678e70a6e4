/* SPDX-License-Identifier: MIT */
/*
 * store_load_bench.c - a cold load (cw_store_load_all: what a restarted
 * clearwayd does first) from a Redis that bench/store_fill.py filled.
 *
 *   store_load_bench SOCKET PREFIX [ROUNDS [WORKER]]
 *
 * WORKER 1 (the default, as clearwayd's follow thread does) hands the
 * store a parse worker; 0 parses on the loading thread alone.  Prints
 * every round's time and the fastest, in milliseconds.
 */
#include <stdio.h>
#include <stdlib.h>

#include "store/store.h"

int
main(int argc, char **argv)
{
	struct cw_redis_options o = {
		.transport = &cw_redis_transport_unix, .timeout_ms = 60000,
	};
	struct cw_redis *redis;
	struct cw_store st;
	struct cw_delta *d;
	char err[256];
	size_t skipped;
	long long t0, ms, best = -1;
	int i, rounds;

	if (argc < 3) {
		fprintf(stderr, "usage: store_load_bench SOCKET PREFIX "
		    "[ROUNDS]\n");
		return 2;
	}
	o.where = argv[1];
	rounds = argc > 3 ? atoi(argv[3]) : 5;
	if ((redis = cw_redis_new(&o)) == NULL ||
	    cw_store_init(&st, redis, argv[2]) < 0) {
		fprintf(stderr, "store_load_bench: bad arguments\n");
		return 2;
	}
	if (argc <= 4 || atoi(argv[4]) != 0)
		st.parser = cw_parse_worker_start();
	for (i = 0; i < rounds; i++) {
		t0 = cw_now_ms();
		d = cw_store_load_all(&st, NULL, NULL, &skipped, err,
		    sizeof(err));
		ms = cw_now_ms() - t0;
		if (d == NULL) {
			fprintf(stderr, "store_load_bench: %s\n", err);
			return 1;
		}
		printf("round %d: %zu staff, %zu skipped, %lld ms\n", i + 1,
		    d->replace->counts[CW_KIND_STAFF], skipped, ms);
		if (best < 0 || ms < best)
			best = ms;
		cw_delta_free(d);
	}
	printf("cold load (%s): best of %d rounds %lld ms\n", st.parser ?
	    "with a parse worker" : "one thread", rounds, best);
	cw_parse_worker_stop(st.parser);
	cw_redis_free(redis);
	return 0;
}
