/* SPDX-License-Identifier: MIT */
/*
 * redis_tls.h - TLS to Redis: OpenSSL under hiredis's reader and
 * formatter, as one more transport of redis.h.
 *
 * The server is always verified: its certificate must chain to ca_file
 * (or the system's trusted CAs) and name server_name (a DNS name, or an
 * IP address matched against the certificate's IP entries).  TLS 1.2 is
 * the oldest version spoken.  The handshake is non-blocking and counts
 * against the same deadline as the connect and the command, so a server
 * that accepts the TCP connection and then says nothing costs no more
 * than timeout_ms.
 *
 * Writes go through OpenSSL's socket BIO (write(2)): the process must
 * ignore SIGPIPE, as clearwayd does, or a server that hangs up mid-write
 * would kill it.
 */
#ifndef CW_REDIS_TLS_H
#define CW_REDIS_TLS_H

#include <stddef.h>

#include "store/redis.h"

struct cw_redis_tls_options {
	const char *ca_file;            /* NULL: the system's trusted CAs */
	const char *cert_file;          /* client certificate, or NULL */
	const char *key_file;           /* its key: a root-only secret */
	const char *server_name;        /* checked and sent as SNI */
};

/*
 * Shared, read-only TLS settings (an SSL_CTX with the CA, the client
 * certificate and key loaded): one for every client of a daemon, given
 * as cw_redis_options.transport_arg with cw_redis_transport_tls, used
 * by several threads at once.  Reading the key refuses a file that is
 * not owned by root or is open to group or others.  NULL with err
 * naming the file and what was wrong.
 */
struct cw_redis_tls *cw_redis_tls_new(const struct cw_redis_tls_options *o,
    char *err, size_t errlen);

struct cw_config;

/*
 * The TLS settings [redis] names (tls, ca_file, cert_file, key_file,
 * server_name, else host): cw_redis_tls_new() on them.  *out is NULL
 * when tls is off.  0, or -1 with err.
 */
int cw_redis_tls_from_config(const struct cw_config *cfg,
    struct cw_redis_tls **out, char *err, size_t errlen);

/* After every client using it is freed. */
void cw_redis_tls_free(struct cw_redis_tls *t);

extern const struct cw_redis_transport cw_redis_transport_tls;

#endif
