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

/* What the command line asked for. */
struct probe_args {
	struct cw_redis_tls_options to;
	struct cw_redis_options o;
	const char *pwfile;
	int tls, fresh, repeat;
	int first;              /* argv index of HOST */
};

/* Options, then HOST PORT COMMAND...; -1 on a usage error. */
static int parse_args(int argc, char **argv, struct probe_args *a)
{
	int i;

	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(opt, "--tls") == 0 || strcmp(opt, "--fresh") == 0) {
			*(opt[2] == 't' ? &a->tls : &a->fresh) = 1;
			continue;
		}
		if (val == NULL)
			return -1;
		i++;
		if (strcmp(opt, "--ca") == 0)
			a->to.ca_file = val;
		else if (strcmp(opt, "--cert") == 0)
			a->to.cert_file = val;
		else if (strcmp(opt, "--key") == 0)
			a->to.key_file = val;
		else if (strcmp(opt, "--name") == 0)
			a->to.server_name = val;
		else if (strcmp(opt, "--user") == 0)
			a->o.user = val;
		else if (strcmp(opt, "--password-file") == 0)
			a->pwfile = val;
		else if (strcmp(opt, "--repeat") == 0)
			a->repeat = atoi(val);
		else if (strcmp(opt, "--timeout") == 0)
			a->o.timeout_ms = atoi(val);
		else
			return -1;
	}
	if (argc - i < 3)
		return -1;
	a->first = i;
	a->o.where = argv[i];
	a->o.port = atoi(argv[i + 1]);
	return 0;
}

int main(int argc, char **argv)
{
	struct probe_args a = { .o = { .transport = &cw_redis_transport_tcp,
	    .timeout_ms = 2000 } };
	struct cw_redis_tls *tls = NULL;
	struct cw_redis *r = NULL;
	char err[512], pw[1024];
	redisReply *rep = NULL;
	const char **cmd;
	int ncmd, rc = 1;

	signal(SIGPIPE, SIG_IGN);       /* as clearwayd: see redis_tls.h */
	if (parse_args(argc, argv, &a) < 0) {
		fprintf(stderr, "usage: redis_probe [--tls] [--ca F] [--cert F] "
		    "[--key F] [--name N] [--user U] [--password-file F] "
		    "[--repeat N [--fresh]] [--timeout MS] HOST PORT COMMAND "
		    "[ARG...]\n");
		return 64;
	}
	cmd = (const char **)argv + a.first + 2;
	ncmd = argc - a.first - 2;
	if (a.pwfile != NULL) {
		if (cw_secret_read(a.pwfile, pw, sizeof pw, err,
		    sizeof err) < 0) {
			printf("failed: %s\n", err);
			return 1;
		}
		a.o.password = pw;
	}
	if (a.tls) {
		if (a.to.server_name == NULL)
			a.to.server_name = a.o.where;
		if ((tls = cw_redis_tls_new(&a.to, err, sizeof err)) == NULL) {
			printf("failed: %s\n", err);
			return 1;
		}
		a.o.transport = &cw_redis_transport_tls;
		a.o.transport_arg = tls;
	}
	if (a.repeat > 0) {
		rc = repeat(&a.o, a.fresh, a.repeat, ncmd, cmd);
		goto out;
	}
	if ((r = cw_redis_new(&a.o)) == NULL)
		goto out;
	if ((rep = cw_redis_commandv(r, err, sizeof err, ncmd, cmd)) == NULL) {
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
	explicit_bzero(pw, sizeof pw);
	return rc;
}
