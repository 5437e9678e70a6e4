/* SPDX-License-Identifier: MIT */
/*
 * redis_tls.c - the TLS transport of redis.h over OpenSSL 3 (Debian 12's
 * hiredis 0.14 has none): TCP from redis_transport.c, then a non-blocking
 * handshake, reads and writes, each waiting in poll() against the call's
 * deadline, exactly like the plain transports.
 *
 * What is checked, and why each failure gets its own words: an operator
 * who sees "TLS handshake failed" cannot tell a wrong CA from an expired
 * certificate from a plaintext port, so the error names the cause (the
 * verification result, the alert, or what the server did) and the
 * setting that would fix it.  Nothing ever falls back to plaintext.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "config.h"
#include "config_file.h"
#include "store/redis_tls.h"
#include "store/redis_transport.h"
#include "text.h"

/* A PEM private key is a few KiB; RSA 16384 stays below this. */
#define KEY_FILE_MAX (64 * 1024)

struct cw_redis_tls {
	SSL_CTX *ctx;
	char *server_name;
	bool name_is_ip;        /* match IP SANs, send no SNI (RFC 6066) */
	bool has_cert;          /* a client certificate is configured */
};

/* One connection. */
struct tls_conn {
	int fd;
	SSL *ssl;
	const struct cw_redis_tls *t;
	bool cert_requested;    /* the server asked for a client certificate */
	char why[256];          /* the last failure, for describe() */
};

/* The server asked for a certificate and none is set: note it, send none. */
static int client_cert_cb(SSL *ssl, X509 **x509, EVP_PKEY **pkey)
{
	struct tls_conn *c = SSL_get_app_data(ssl);

	(void)x509;
	(void)pkey;
	if (c != NULL)
		c->cert_requested = true;
	return 0;
}

/* Loads key_file (root-only, like every secret) into ctx. */
static int load_key(SSL_CTX *ctx, const char *path, char *err, size_t errlen)
{
	char *buf = NULL, why[256];
	EVP_PKEY *key = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	int rc = -1;

	if (cw_secret_file_read(path, KEY_FILE_MAX, &buf, &len, why,
	    sizeof why) != 0) {
		cw_set_err(err, errlen, "[redis] key_file %s (a secret: it "
		    "must be owned by root and closed to everyone else; fix: "
		    "chown root:root %s && chmod 0600 %s)", why, path, path);
		goto out;
	}
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL ||
	    (key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL) {
		cw_set_err(err, errlen, "[redis] key_file %s: not a PEM "
		    "private key (without a passphrase)", path);
		goto out;
	}
	if (SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		cw_set_err(err, errlen, "[redis] key_file %s does not match "
		    "cert_file", path);
		goto out;
	}
	rc = 0;
out:
	EVP_PKEY_free(key);
	BIO_free(bio);
	if (buf != NULL) {
		explicit_bzero(buf, len);
		free(buf);
	}
	ERR_clear_error();
	return rc;
}

/* The CA, the client certificate and key: everything that reads files. */
static int load_files(struct cw_redis_tls *t,
    const struct cw_redis_tls_options *o, char *err, size_t errlen)
{
	unsigned long e;

	if (o->ca_file != NULL ?
	    SSL_CTX_load_verify_locations(t->ctx, o->ca_file, NULL) != 1 :
	    SSL_CTX_set_default_verify_paths(t->ctx) != 1) {
		e = ERR_peek_last_error();
		cw_set_err(err, errlen, "[redis] ca_file %s: %s",
		    o->ca_file != NULL ? o->ca_file : "(system CAs)",
		    e != 0 ? ERR_reason_error_string(e) : "unusable");
		return -1;
	}
	if (o->cert_file == NULL)
		return 0;
	if (SSL_CTX_use_certificate_chain_file(t->ctx, o->cert_file) != 1) {
		e = ERR_peek_last_error();
		cw_set_err(err, errlen, "[redis] cert_file %s: %s", o->cert_file,
		    e != 0 ? ERR_reason_error_string(e) : "unusable");
		return -1;
	}
	t->has_cert = true;
	return load_key(t->ctx, o->key_file, err, errlen);
}

struct cw_redis_tls *cw_redis_tls_new(const struct cw_redis_tls_options *o,
    char *err, size_t errlen)
{
	struct cw_redis_tls *t = NULL;
	unsigned char ip[16];
	int ok = 0;

	if (o == NULL || o->server_name == NULL || o->server_name[0] == '\0' ||
	    (o->cert_file == NULL) != (o->key_file == NULL)) {
		cw_set_err(err, errlen, "[redis] TLS needs a server name, and "
		    "cert_file and key_file together");
		return NULL;
	}
	if ((t = calloc(1, sizeof *t)) == NULL ||
	    (t->server_name = strdup(o->server_name)) == NULL ||
	    (t->ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		cw_set_err(err, errlen, "[redis] TLS: out of memory");
		goto out;
	}
	t->name_is_ip = inet_pton(AF_INET, o->server_name, ip) == 1 ||
	    inet_pton(AF_INET6, o->server_name, ip) == 1;
	/* TLS 1.0 and 1.1 are deprecated (RFC 8996). */
	if (SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION) != 1) {
		cw_set_err(err, errlen, "[redis] TLS: cannot require 1.2");
		goto out;
	}
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_options(t->ctx, SSL_OP_NO_RENEGOTIATION);
	/* write_all resumes partial writes itself, from a moving pointer. */
	SSL_CTX_set_mode(t->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_client_cert_cb(t->ctx, client_cert_cb);
	if (load_files(t, o, err, errlen) != 0)
		goto out;
	ok = 1;
out:
	ERR_clear_error();
	if (!ok) {
		cw_redis_tls_free(t);
		return NULL;
	}
	return t;
}

int cw_redis_tls_from_config(const struct cw_config *cfg,
    struct cw_redis_tls **out, char *err, size_t errlen)
{
	struct cw_redis_tls_options o = {
		.ca_file = cfg->redis.ca_file,
		.cert_file = cfg->redis.cert_file,
		.key_file = cfg->redis.key_file,
		.server_name = cfg->redis.server_name != NULL ?
		    cfg->redis.server_name : cfg->redis.host,
	};

	*out = NULL;
	if (!cfg->redis.tls)
		return 0;
	*out = cw_redis_tls_new(&o, err, errlen);
	return *out != NULL ? 0 : -1;
}

void cw_redis_tls_free(struct cw_redis_tls *t)
{
	if (t == NULL)
		return;
	SSL_CTX_free(t->ctx);
	free(t->server_name);
	free(t);
}

/* Words for a verification result an operator can act on. */
static const char *verify_hint(long v)
{
	switch (v) {
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		return " (the certificate does not name the server: check "
		    "[redis] host or server_name)";
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return " (renew the server's certificate, or check the clock)";
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		return " (not signed by a CA in [redis] ca_file)";
	default:
		return "";
	}
}

/*
 * Says why an SSL call failed into c->why (ret and e from the call and
 * SSL_get_error).  The order matters: a certificate problem is what the
 * operator must fix even when the transport error came later.
 */
static void describe_failure(struct tls_conn *c, const char *doing, int ret,
    int e)
{
	long v = SSL_get_verify_result(c->ssl);
	unsigned long ossl = ERR_peek_last_error();
	int reason = ossl != 0 ? ERR_GET_REASON(ossl) : 0;
	bool no_cert = c->cert_requested && !c->t->has_cert;
	bool handshake = strcmp(doing, "handshake") == 0;
	bool eof = reason == SSL_R_UNEXPECTED_EOF_WHILE_READING ||
	    e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && ret == 0);

	if (v != X509_V_OK)
		snprintf(c->why, sizeof c->why, "TLS %s: server certificate "
		    "refused: %s%s", doing, X509_verify_cert_error_string(v),
		    verify_hint(v));
	else if (no_cert && (ossl != 0 || e == SSL_ERROR_SYSCALL ||
	    e == SSL_ERROR_ZERO_RETURN))
		snprintf(c->why, sizeof c->why, "TLS %s: the server demands a "
		    "client certificate and none is configured (set [redis] "
		    "cert_file and key_file)%s%s", doing, ossl != 0 ? ": " : "",
		    ossl != 0 ? ERR_reason_error_string(ossl) : "");
	else if (handshake && (reason == SSL_R_WRONG_VERSION_NUMBER ||
	    reason == SSL_R_PACKET_LENGTH_TOO_LONG || eof))
		snprintf(c->why, sizeof c->why, "TLS %s: the server does not "
		    "speak TLS here (a plaintext port?)%s%s", doing,
		    ossl != 0 ? ": " : "",
		    ossl != 0 ? ERR_reason_error_string(ossl) : "");
	else if (eof || e == SSL_ERROR_SYSCALL)
		c->why[0] = '\0';      /* a close or errno: redis.c says it */
	else if (ossl != 0)
		snprintf(c->why, sizeof c->why, "TLS %s: %s", doing,
		    ERR_reason_error_string(ossl) != NULL ?
		    ERR_reason_error_string(ossl) : "error");
	else
		snprintf(c->why, sizeof c->why, "TLS %s: failed", doing);
	ERR_clear_error();
}

/*
 * Waits as SSL_get_error asks (e is WANT_READ or WANT_WRITE), or fails:
 * 0 to call again, -1 with errno set (and c->why for a TLS failure).
 */
static int tls_wait(struct tls_conn *c, const char *doing, int ret, int e,
    long long deadline_ms)
{
	int saved = errno;
	unsigned long ossl = ERR_peek_last_error();
	bool eof = ossl != 0 &&
	    ERR_GET_REASON(ossl) == SSL_R_UNEXPECTED_EOF_WHILE_READING;

	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return cw_redis_wait_fd(c->fd, e == SSL_ERROR_WANT_READ ?
		    POLLIN : POLLOUT, deadline_ms);
	describe_failure(c, doing, ret, e);
	/*
	 * Closed, as for a plain socket (redis.c may reconnect an idle
	 * connection): a close_notify, or the bare EOF OpenSSL 3 reports
	 * as an error, since Redis closes without close_notify.
	 */
	if (e == SSL_ERROR_ZERO_RETURN || eof || (e == SSL_ERROR_SYSCALL &&
	    (ret == 0 || saved == 0)))
		errno = ECONNRESET;
	else if (e == SSL_ERROR_SYSCALL)
		errno = saved;
	else
		errno = EPROTO;
	return -1;
}

/* Per-connection SSL with the name checks; 0 or -1 with c->why. */
static int tls_setup(struct tls_conn *c)
{
	X509_VERIFY_PARAM *p;

	if ((c->ssl = SSL_new(c->t->ctx)) == NULL ||
	    SSL_set_fd(c->ssl, c->fd) != 1) {
		snprintf(c->why, sizeof c->why, "TLS: out of memory");
		return -1;
	}
	SSL_set_app_data(c->ssl, c);
	p = SSL_get0_param(c->ssl);
	X509_VERIFY_PARAM_set_hostflags(p,
	    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (c->t->name_is_ip ?
	    X509_VERIFY_PARAM_set1_ip_asc(p, c->t->server_name) != 1 :
	    (SSL_set_tlsext_host_name(c->ssl, c->t->server_name) != 1 ||
	    X509_VERIFY_PARAM_set1_host(p, c->t->server_name, 0) != 1)) {
		snprintf(c->why, sizeof c->why, "TLS: cannot check the name "
		    "%s", c->t->server_name);
		return -1;
	}
	return 0;
}

static void tls_close(void *state)
{
	struct tls_conn *c = state;

	if (c == NULL)
		return;
	/*
	 * No close_notify: Redis has no use for it, and a blocking-free
	 * shutdown could only be half done.  The fd closes the stream.
	 */
	SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

static int tls_open(void **state, const void *arg, const char *where,
    int port, int timeout_ms, char *err, size_t errlen)
{
	long long deadline = cw_now_ms() + timeout_ms;
	struct tls_conn *c;
	int ret;

	if (arg == NULL) {
		cw_set_err(err, errlen, "TLS: no TLS settings");
		return -1;
	}
	if ((c = calloc(1, sizeof *c)) == NULL) {
		cw_set_err(err, errlen, "out of memory");
		return -1;
	}
	c->t = arg;
	ERR_clear_error();
	c->fd = cw_redis_tcp_connect(where, port, deadline, timeout_ms, err,
	    errlen);
	if (c->fd < 0)
		goto fail_quiet;
	if (tls_setup(c) != 0)
		goto fail;
	while ((ret = SSL_connect(c->ssl)) != 1)
		if (tls_wait(c, "handshake", ret,
		    SSL_get_error(c->ssl, ret), deadline) != 0) {
			if (errno == ETIMEDOUT)
				snprintf(c->why, sizeof c->why, "TLS handshake: "
				    "timed out after %d ms (a plaintext port "
				    "says nothing to a TLS hello)", timeout_ms);
			goto fail;
		}
	*state = c;
	return 0;
fail:
	cw_set_err(err, errlen, "%s", c->why);
fail_quiet:
	tls_close(c);
	return -1;
}

static int tls_write_all(void *state, const char *buf, size_t len,
    long long deadline_ms)
{
	struct tls_conn *c = state;
	int n, chunk;

	c->why[0] = '\0';
	ERR_clear_error();
	while (len > 0) {
		chunk = len > (size_t)INT32_MAX ? INT32_MAX : (int)len;
		n = SSL_write(c->ssl, buf, chunk);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (tls_wait(c, "write", n, SSL_get_error(c->ssl, n),
		    deadline_ms) != 0)
			return -1;
	}
	return 0;
}

static long tls_read_some(void *state, char *buf, size_t len,
    long long deadline_ms)
{
	struct tls_conn *c = state;
	int n, chunk = len > (size_t)INT32_MAX ? INT32_MAX : (int)len;

	c->why[0] = '\0';
	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	ERR_clear_error();
	for (;;) {
		n = SSL_read(c->ssl, buf, chunk);
		if (n > 0)
			return n;
		if (tls_wait(c, "read", n, SSL_get_error(c->ssl, n),
		    deadline_ms) != 0)
			return -1;
	}
}

/* A TLS-level reason, when the last failure had one beyond errno. */
static const char *tls_describe(void *state)
{
	struct tls_conn *c = state;

	return c != NULL && c->why[0] != '\0' ? c->why : NULL;
}

const struct cw_redis_transport cw_redis_transport_tls = {
	.name = "tls",
	.open = tls_open,
	.write_all = tls_write_all,
	.read_some = tls_read_some,
	.close = tls_close,
	.describe = tls_describe,
};
