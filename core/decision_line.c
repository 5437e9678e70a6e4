/* SPDX-License-Identifier: MIT */
/*
 * decision_line.c - the inbox's lines (see decision_line.h).  The parser
 * is the one place the daemon reads what a PAM stack wrote there.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "decision_line.h"
#include "names.h"

/* Printable, no space: what the wire lets through for these fields. */
static bool
printable(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

int
cw_decision_line_format(const struct cw_decision_line *l, char *buf,
    size_t len, size_t *outlen)
{
	const struct cw_request *r = &l->req;
	int n;

	if (!cw_user_name_valid(r->user, strlen(r->user)) ||
	    !cw_object_name_valid(r->host_class, strlen(r->host_class)) ||
	    !printable(r->service, strlen(r->service)) ||
	    !printable(r->rhost, strlen(r->rhost)) ||
	    !printable(r->tty, strlen(r->tty)) || l->time_us < 0 ||
	    l->pid < 0)
		return -1;
	n = snprintf(buf, len, "v1 t=%lld uid=%u pid=%d mode=%s verdict=%s "
	    "reason=%s user=%s host_class=%s service=%s rhost=%s tty=%s\n",
	    (long long)l->time_us, (unsigned)l->uid, (int)l->pid,
	    cw_mode_name(r->mode), cw_verdict_name(l->decision.verdict),
	    cw_reason_name(l->decision.reason), r->user, r->host_class,
	    r->service, r->rhost, r->tty);
	if (n < 0 || (size_t)n >= len || (size_t)n > CW_DECISION_LINE_MAX)
		return -1;
	*outlen = (size_t)n;
	return 0;
}

/* A cursor over the line being parsed. */
struct cursor {
	const char *p, *end;
	char *err;
	size_t errlen;
};

/*
 * The next field, which must be key=value: *v and *vn the value (up to
 * the next space or the end).  -1 naming key if it is not there.
 */
static int
field(struct cursor *c, const char *key, const char **v, size_t *vn)
{
	size_t kl = strlen(key);
	const char *sp;

	if ((size_t)(c->end - c->p) <= kl || memcmp(c->p, key, kl) != 0 ||
	    c->p[kl] != '=') {
		snprintf(c->err, c->errlen, "expected %s=", key);
		return -1;
	}
	*v = c->p + kl + 1;
	sp = memchr(*v, ' ', (size_t)(c->end - *v));
	*vn = (size_t)((sp != NULL ? sp : c->end) - *v);
	c->p = sp != NULL ? sp + 1 : c->end;
	return 0;
}

/* Decimal, no sign, no leading zero but "0", at most max. */
static int
number(const char *v, size_t n, unsigned long long max,
    unsigned long long *out)
{
	unsigned long long x = 0;
	size_t i;

	if (n == 0 || n > 20 || (n > 1 && v[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9' ||
		    x > (max - (unsigned long long)(v[i] - '0')) / 10)
			return -1;
		x = x * 10 + (unsigned long long)(v[i] - '0');
	}
	*out = x;
	return 0;
}

/* Copies a name or place field of n bytes into dst (size dstsz). */
static int
text(const char *v, size_t n, char *dst, size_t dstsz)
{
	if (n >= dstsz || !printable(v, n))
		return -1;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

/* Names the field that was wrong; -1. */
static int
bad(struct cursor *c, const char *what)
{
	snprintf(c->err, c->errlen, "bad %s", what);
	return -1;
}

static int
numbers(struct cursor *c, struct cw_decision_line *out)
{
	unsigned long long x;
	const char *v;
	size_t n;

	if (field(c, "t", &v, &n) < 0)
		return -1;
	if (number(v, n, INT64_MAX, &x) < 0)
		return bad(c, "t=");
	out->time_us = (int64_t)x;
	if (field(c, "uid", &v, &n) < 0)
		return -1;
	if (number(v, n, UINT32_MAX - 1, &x) < 0)
		return bad(c, "uid=");
	out->uid = (uid_t)x;
	if (field(c, "pid", &v, &n) < 0)
		return -1;
	if (number(v, n, INT32_MAX, &x) < 0)
		return bad(c, "pid=");
	out->pid = (pid_t)x;
	return 0;
}

/* mode=, verdict=, reason=: names the contract gives them. */
static int
outcome(struct cursor *c, struct cw_decision_line *out)
{
	char word[32];
	const char *v;
	size_t n;

	if (field(c, "mode", &v, &n) < 0)
		return -1;
	if (text(v, n, word, sizeof(word)) < 0 ||
	    cw_mode_parse(word, &out->req.mode) < 0)
		return bad(c, "mode=");
	if (field(c, "verdict", &v, &n) < 0)
		return -1;
	if (text(v, n, word, sizeof(word)) < 0 ||
	    cw_verdict_parse(word, &out->decision.verdict) < 0)
		return bad(c, "verdict=");
	if (field(c, "reason", &v, &n) < 0)
		return -1;
	if (text(v, n, word, sizeof(word)) < 0 ||
	    cw_reason_parse(word, &out->decision.reason) < 0)
		return bad(c, "reason=");
	return 0;
}

/* user=, host_class=, service=, rhost=, tty=, the line's end. */
static int
place(struct cursor *c, struct cw_request *r)
{
	static const char *const keys[] = { "user", "host_class", "service",
	    "rhost", "tty" };
	char *const dst[] = { r->user, r->host_class, r->service, r->rhost,
	    r->tty };
	const size_t sz[] = { sizeof(r->user), sizeof(r->host_class),
	    sizeof(r->service), sizeof(r->rhost), sizeof(r->tty) };
	const char *v;
	size_t i, n;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (field(c, keys[i], &v, &n) < 0)
			return -1;
		if (text(v, n, dst[i], sz[i]) < 0) {
			snprintf(c->err, c->errlen, "bad %s=", keys[i]);
			return -1;
		}
	}
	if (!cw_user_name_valid(r->user, strlen(r->user)) ||
	    !cw_object_name_valid(r->host_class, strlen(r->host_class)))
		return bad(c, "user= or host_class=");
	if (c->p != c->end) {
		snprintf(c->err, c->errlen, "text after tty=");
		return -1;
	}
	return 0;
}

int
cw_decision_line_parse(const char *s, size_t len,
    struct cw_decision_line *out, char *err, size_t errlen)
{
	struct cursor c = { s, s + len, err, errlen };

	memset(out, 0, sizeof(*out));
	out->req.op = CW_OP_DECIDE;
	if (len >= CW_DECISION_LINE_MAX) {
		snprintf(err, errlen, "line longer than %d bytes",
		    CW_DECISION_LINE_MAX - 1);
		return -1;
	}
	if (len < 3 || memcmp(s, "v1 ", 3) != 0) {
		snprintf(err, errlen, "not a v1 line");
		return -1;
	}
	c.p += 3;
	if (numbers(&c, out) < 0 || outcome(&c, out) < 0 ||
	    place(&c, &out->req) < 0)
		return -1;
	return 0;
}
