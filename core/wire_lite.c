/* SPDX-License-Identifier: MIT */
/*
 * wire_lite.c - the PAM module's codec of the local socket protocol
 * (wire_lite.h), written for the two messages it exchanges so that the
 * module needs no JSON library.
 *
 * The reply parser reads one flat JSON object whose members are all known
 * strings or non-negative integers.  It never skips a value it does not
 * understand, so it never recurses: a nested or unknown value is an error
 * at its first byte.  Every read is bounded by the end of the buffer and
 * every copy by its destination.  Errors deny: the caller treats them as
 * "no answer", which the module turns into a refusal.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "wire_int.h"
#include "wire_lex.h"
#include "wire_lite.h"

/* ------------------------------------------------------------------ */
/* The request: formatted into the caller's buffer, never past it.    */

struct out {
	char *p;
	size_t left;
	bool bad;       /* did not fit, or a string was not UTF-8 */
	bool first;     /* no member written yet */
};

static void
put(struct out *o, const void *s, size_t n)
{
	if (o->bad || n > o->left) {
		o->bad = true;
		return;
	}
	memcpy(o->p, s, n);
	o->p += n;
	o->left -= n;
}

/*
 * s as a JSON string: quotes, backslash and control bytes escaped the way
 * jansson escapes them, so that both codecs write the same bytes.
 */
static void
put_string(struct out *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF", shorts[] = "\b\f\n\r\t";
	const unsigned char *u = (const unsigned char *)s;
	size_t i, n, len = strlen(s);
	const char *e;
	char esc[6];

	put(o, "\"", 1);
	for (i = 0; i < len && !o->bad; i += n) {
		n = 1;
		if (u[i] == '"' || u[i] == '\\') {
			esc[0] = '\\';
			esc[1] = (char)u[i];
			put(o, esc, 2);
		} else if (u[i] < 0x20 && (e = strchr(shorts, u[i])) != NULL) {
			esc[0] = '\\';
			esc[1] = "bfnrt"[e - shorts];
			put(o, esc, 2);
		} else if (u[i] < 0x20) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[u[i] >> 4];
			esc[5] = hex[u[i] & 0xf];
			put(o, esc, 6);
		} else if ((n = cw_wire_utf8_len(u + i, len - i)) == 0) {
			o->bad = true;
		} else {
			put(o, u + i, n);
		}
	}
	put(o, "\"", 1);
}

/* ,"key": (no comma before the first member). */
static void
put_key(struct out *o, const char *key)
{
	if (!o->first)
		put(o, ",", 1);
	o->first = false;
	put_string(o, key);
	put(o, ":", 1);
}

/* A string member, left out when empty (as cw_request_encode does). */
static void
put_opt(struct out *o, const char *key, const char *value)
{
	if (value[0] == '\0')
		return;
	put_key(o, key);
	put_string(o, value);
}

/* An integer member, left out unless positive. */
static void
put_int(struct out *o, const char *key, int64_t value)
{
	char num[24];
	int n;

	if (value <= 0)
		return;
	n = snprintf(num, sizeof(num), "%lld", (long long)value);
	put_key(o, key);
	put(o, num, (size_t)n);
}

/* The members of r, in cw_request_encode's order. */
static void
put_request(struct out *o, const struct cw_request *r)
{
	put_key(o, "v");
	put(o, "1", 1);
	put_key(o, "op");
	put_string(o, cw_wire_op_names[r->op]);
	put_key(o, "mode");
	put_string(o, cw_mode_name(r->mode));
	put_opt(o, "user", r->user);
	put_opt(o, "host_class", r->host_class);
	if (r->op == CW_OP_SESSION)
		put_opt(o, "event", r->event == CW_SESSION_CLOSE ? "close" :
		    "open");
	put_opt(o, "service", r->service);
	put_opt(o, "rhost", r->rhost);
	put_opt(o, "tty", r->tty);
	put_opt(o, "role", r->role);
	put_opt(o, "reason", r->reason);
	put_opt(o, "ticket", r->ticket);
	put_int(o, "duration", r->duration);
	put_int(o, "effective", r->effective);
	put_int(o, "at", r->at);
	put_int(o, "within", r->within);
	put_int(o, "until", r->until);
	put_int(o, "since", r->since);
	put_opt(o, "audit_type", r->audit_type);
	put_opt(o, "host", r->host);
	if (r->csv) {
		put_key(o, "csv");
		put(o, "true", 4);
	}
	put_opt(o, "month", r->month);
	put_opt(o, "cursor", r->cursor);
	put_opt(o, "after", r->after);
	put_opt(o, "id", r->id);
	put_opt(o, "state", r->state);
}

int
cw_wire_request_format(const struct cw_request *r, char *buf, size_t bufsz,
    size_t *len)
{
	struct out o = { buf + CW_WIRE_HEADER, 0, false, true };
	size_t payload;

	if ((unsigned)r->op >= CW_WIRE_OPS || bufsz <= CW_WIRE_HEADER)
		return -1;
	o.left = bufsz - CW_WIRE_HEADER;
	put(&o, "{", 1);
	put_request(&o, r);
	put(&o, "}", 1);
	if (o.bad)
		return -1;
	payload = (size_t)(o.p - (buf + CW_WIRE_HEADER));
	if (payload > CW_WIRE_MAX_FRAME)
		return -1;
	cw_frame_header((uint32_t)payload, (unsigned char *)buf);
	*len = CW_WIRE_HEADER + payload;
	return 0;
}

/* An answer without "data", as cw_response_encode writes it. */
int
cw_wire_response_format(const struct cw_response *r, char *buf,
    size_t bufsz, size_t *len)
{
	struct out o = { buf + CW_WIRE_HEADER, 0, false, true };
	size_t payload;

	if (r->data != NULL || (unsigned)r->status >= CW_WIRE_STATUSES ||
	    bufsz <= CW_WIRE_HEADER)
		return -1;
	o.left = bufsz - CW_WIRE_HEADER;
	put(&o, "{", 1);
	put_key(&o, "v");
	put(&o, "1", 1);
	put_key(&o, "status");
	put_string(&o, cw_wire_status_names[r->status]);
	if (r->status == CW_STATUS_OK) {
		put_key(&o, "verdict");
		put_string(&o, cw_verdict_name(r->decision.verdict));
		put_key(&o, "reason");
		put_string(&o, cw_reason_name(r->decision.reason));
	}
	put_opt(&o, "message", r->message);
	put_int(&o, "training_expires", r->training_expires);
	put_int(&o, "elevation_ends", r->elevation_ends);
	put(&o, "}", 1);
	if (o.bad)
		return -1;
	payload = (size_t)(o.p - (buf + CW_WIRE_HEADER));
	cw_frame_header((uint32_t)payload, (unsigned char *)buf);
	*len = CW_WIRE_HEADER + payload;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The reply: one flat object, read strictly.                          */

enum member { M_V, M_STATUS, M_VERDICT, M_REASON, M_MESSAGE, M_TRAINING,
    M_ELEVATION, M_COUNT };

static const char *const member_names[M_COUNT] = {
	"v", "status", "verdict", "reason", "message", "training_expires",
	"elevation_ends",
};

/* What the members said, before they are checked together. */
struct reply {
	unsigned seen;          /* bit per enum member */
	int64_t v;
	char status[16], verdict[32], reason[48];
};

/* The value of member m (x->p at its first byte) into r or out. */
static int
read_value(struct cw_lex *x, enum member m, struct reply *r,
    struct cw_response *out)
{
	switch (m) {
	case M_V:
		return cw_lex_read_uint(x, &r->v);
	case M_STATUS:
		return cw_lex_read_string(x, r->status, sizeof(r->status));
	case M_VERDICT:
		return cw_lex_read_string(x, r->verdict, sizeof(r->verdict));
	case M_REASON:
		return cw_lex_read_string(x, r->reason, sizeof(r->reason));
	case M_MESSAGE:
		return cw_lex_read_string(x, out->message, sizeof(out->message));
	case M_TRAINING:
		return cw_lex_read_uint(x, &out->training_expires);
	case M_ELEVATION:
		return cw_lex_read_uint(x, &out->elevation_ends);
	case M_COUNT:
		break;
	}
	return cw_lex_fail(x, "unknown member");
}

/* One "key": value; a key met twice, unknown, or "data" is an error. */
static int
read_member(struct cw_lex *x, struct reply *r, struct cw_response *out)
{
	char key[24];
	unsigned m;

	cw_lex_skip_ws(x);
	if (cw_lex_read_string(x, key, sizeof(key)) < 0)
		return cw_lex_fail(x, "unknown member");
	for (m = 0; m < M_COUNT; m++)
		if (strcmp(key, member_names[m]) == 0)
			break;
	if (m == M_COUNT)
		return cw_lex_fail(x, strcmp(key, "data") == 0 ? "a \"data\" member "
		    "(not a reply to this client)" : "unknown member");
	if (r->seen & 1u << m)
		return cw_lex_fail(x, "duplicated member");
	r->seen |= 1u << m;
	if (cw_lex_expect(x, ':') < 0)
		return -1;
	cw_lex_skip_ws(x);
	return read_value(x, (enum member)m, r, out);
}

/* The members, read together: version, status, then the decision. */
static int
check_reply(struct cw_lex *x, const struct reply *r, struct cw_response *out)
{
	size_t i;

	if (!(r->seen & 1u << M_V) || r->v != CW_WIRE_VERSION)
		return cw_lex_fail(x, "unsupported protocol version");
	if (!(r->seen & 1u << M_STATUS))
		return cw_lex_fail(x, "missing \"status\"");
	for (i = 0; i < CW_WIRE_STATUSES; i++)
		if (strcmp(r->status, cw_wire_status_names[i]) == 0)
			break;
	if (i == CW_WIRE_STATUSES)
		return cw_lex_fail(x, "\"status\" has an unknown value");
	out->status = (enum cw_status)i;
	if (out->status != CW_STATUS_OK)
		return 0;
	if (!(r->seen & 1u << M_VERDICT) ||
	    cw_verdict_parse(r->verdict, &out->decision.verdict) < 0)
		return cw_lex_fail(x, "bad or missing \"verdict\"");
	if (!(r->seen & 1u << M_REASON) ||
	    cw_reason_parse(r->reason, &out->decision.reason) < 0)
		return cw_lex_fail(x, "bad or missing \"reason\"");
	return 0;
}

/* The whole object, and nothing after it but blanks. */
static int
read_reply(struct cw_lex *x, struct reply *r, struct cw_response *out)
{
	if (cw_lex_expect(x, '{') < 0)
		return -1;
	cw_lex_skip_ws(x);
	if (x->p < x->end && *x->p == '}') {
		x->p++;
	} else {
		for (;;) {
			if (read_member(x, r, out) < 0)
				return -1;
			cw_lex_skip_ws(x);
			if (x->p >= x->end)
				return cw_lex_fail(x, "truncated");
			if (*x->p == '}')
				break;
			if (*x->p != ',')
				return cw_lex_fail(x, "not the JSON object expected");
			x->p++;
		}
		x->p++;
	}
	cw_lex_skip_ws(x);
	if (x->p != x->end)
		return cw_lex_fail(x, "bytes after the object");
	return check_reply(x, r, out);
}

int
cw_wire_reply_parse(const char *buf, size_t len, struct cw_response *out,
    char *err, size_t errlen)
{
	struct cw_lex x = { (const unsigned char *)buf,
	    (const unsigned char *)buf + len, err, errlen };
	struct reply r;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	out->decision.verdict = CW_VERDICT_DENY;
	if (buf == NULL || len == 0 || len > CW_WIRE_MAX_FRAME) {
		snprintf(err, errlen, "frame of %zu bytes", len);
	} else if (read_reply(&x, &r, out) == 0) {
		return 0;
	}
	/* Fail closed: nothing of a reply we could not read survives. */
	memset(out, 0, sizeof(*out));
	out->status = CW_STATUS_INTERNAL;
	out->decision.verdict = CW_VERDICT_DENY;
	out->decision.reason = CW_REASON_POLICY_UNAVAILABLE;
	return -1;
}
