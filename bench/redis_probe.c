/* SPDX-License-Identifier: MIT */
/*
 * redis_probe - one Redis command through the daemon's own client
 * (daemon/store/redis.c over TCP or the TLS transport), for the wire
 * tests and the TLS benchmark.
 *
 *   redis_probe [options] HOST PORT COMMAND [ARG...]
 *     --fresh              with --repeat: a new connection (TCP, TLS
 *                          handshake, AUTH) for every command
 *     --tls                TLS (redis_tls.c), verified
 *     --ca FILE --cert FILE --key FILE --name NAME
 *     --user U --password-file F   AUTH user password
 *     --repeat N           run the command N times on one connection and
 *                          print the median and p99 round trip in us
 *     --timeout MS         default 2000
 *
 * Prints the reply ("OK", a string, an integer, "(nil)", "(array N)",
 * "(error) TEXT") and exits 0; a reply of type error exits 2; a failure
 * to get any reply prints "failed: ERR" and exits 1.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config_file.h"
#include "store/redis.h"
#include "store/redis_tls.h"

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static void print_reply(const redisReply *r)
{
	switch (r->type) {
	case REDIS_REPLY_STATUS:
	case REDIS_REPLY_STRING:
		printf("%s\n", r->str);
		break;
	case REDIS_REPLY_ERROR:
		printf("(error) %s\n", r->str);
		break;
	case REDIS_REPLY_INTEGER:
		printf("%lld\n", r->integer);
		break;
	case REDIS_REPLY_NIL:
		printf("(nil)\n");
		break;
	default:
		printf("(array %zu)\n", r->elements);
	}
}

/*
 * Runs the command n times and prints timings: on one connection, or
 * (fresh) on a new one each time, the connect then counted too.
 */
static int repeat(const struct cw_redis_options *o, int fresh, int n,
    int argc, const char **argv)
{
	struct cw_redis *r = cw_redis_new(o);
	long long *t = calloc((size_t)n, sizeof *t);
	struct timespec a, b;
	char err[512];
	redisReply *rep;
	int i;

	if (t == NULL || r == NULL) {
		free(t);
		cw_redis_free(r);
		return 1;
	}
	for (i = -1; i < n; i++) {      /* -1: connect, not timed */
		clock_gettime(CLOCK_MONOTONIC, &a);
		if (fresh && i >= 0) {
			cw_redis_free(r);
			if ((r = cw_redis_new(o)) == NULL)
				break;
		}
		rep = cw_redis_call(r, err, sizeof err, argc, argv, NULL);
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (rep == NULL) {
			printf("failed: %s\n", err);
			break;
		}
		freeReplyObject(rep);
		if (i >= 0)
			t[i] = (b.tv_sec - a.tv_sec) * 1000000LL +
			    (b.tv_nsec - a.tv_nsec) / 1000;
	}
	cw_redis_free(r);
	if (i < n) {
		free(t);
		return 1;
	}
	qsort(t, (size_t)n, sizeof *t, cmp_ll);
	printf("n=%d median_us=%lld p99_us=%lld\n", n, t[n / 2],
	    t[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1]);
	free(t);
	return 0;
}

int main(int argc, char **argv)
{
	struct cw_redis_tls_options to = { 0 };
	struct cw_redis_options o = { .transport = &cw_redis_transport_tcp,
	    .timeout_ms = 2000 };
	struct cw_redis_tls *tls = NULL;
	struct cw_redis *r = NULL;
	const char *pwfile = NULL;
	char err[512], pw[1024];
	redisReply *rep = NULL;
	int i = 1, tlson = 0, fresh = 0, n = 0, rc = 1;

	signal(SIGPIPE, SIG_IGN);       /* as clearwayd: see redis_tls.h */
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(opt, "--tls") == 0 || strcmp(opt, "--fresh") == 0) {
			*(opt[2] == 't' ? &tlson : &fresh) = 1;
			continue;
		}
		if (val == NULL)
			goto usage;
		i++;
		if (strcmp(opt, "--ca") == 0)
			to.ca_file = val;
		else if (strcmp(opt, "--cert") == 0)
			to.cert_file = val;
		else if (strcmp(opt, "--key") == 0)
			to.key_file = val;
		else if (strcmp(opt, "--name") == 0)
			to.server_name = val;
		else if (strcmp(opt, "--user") == 0)
			o.user = val;
		else if (strcmp(opt, "--password-file") == 0)
			pwfile = val;
		else if (strcmp(opt, "--repeat") == 0)
			n = atoi(val);
		else if (strcmp(opt, "--timeout") == 0)
			o.timeout_ms = atoi(val);
		else
			goto usage;
	}
	if (argc - i < 3)
		goto usage;
	o.where = argv[i];
	o.port = atoi(argv[i + 1]);
	if (pwfile != NULL) {
		if (cw_secret_read(pwfile, pw, sizeof pw, err, sizeof err) < 0) {
			printf("failed: %s\n", err);
			return 1;
		}
		o.password = pw;
	}
	if (tlson) {
		if (to.server_name == NULL)
			to.server_name = o.where;
		if ((tls = cw_redis_tls_new(&to, err, sizeof err)) == NULL) {
			printf("failed: %s\n", err);
			return 1;
		}
		o.transport = &cw_redis_transport_tls;
		o.transport_arg = tls;
	}
	if (n > 0) {
		rc = repeat(&o, fresh, n, argc - i - 2,
		    (const char **)argv + i + 2);
		goto out;
	}
	if ((r = cw_redis_new(&o)) == NULL)
		goto out;
	rep = cw_redis_commandv(r, err, sizeof err, argc - i - 2,
	    (const char **)argv + i + 2);
	if (rep == NULL) {
		printf("failed: %s\n", err);
		goto out;
	}
	print_reply(rep);
	rc = rep->type == REDIS_REPLY_ERROR ? 2 : 0;
out:
	if (rep != NULL)
		freeReplyObject(rep);
	cw_redis_free(r);
	cw_redis_tls_free(tls);
	return rc;
usage:
	fprintf(stderr, "usage: redis_probe [--tls] [--ca F] [--cert F] "
	    "[--key F] [--name N] [--user U] [--password-file F] "
	    "[--repeat N [--fresh]] [--timeout MS] HOST PORT COMMAND [ARG...]\n");
	return 64;
}
