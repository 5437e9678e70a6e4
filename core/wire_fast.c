/* SPDX-License-Identifier: MIT */
/*
 * wire_fast.c - the daemon's fast path for the requests it reads most:
 * the PAM module's decide, session and breakglass, and clearwayctl check
 * without --at.  json_loadb and its allocations were a tenth of the
 * answer thread's time (docs/performance.md).
 *
 * It reads only the flat shape those requests have, with the strict
 * reader of wire_lex.c, and applies cw_request_parse's checks to each
 * member.  Anything else, and every error, it declines: cw_request_parse
 * (jansson) then reads the request as before, with its error messages.
 * So the fast path can only ever agree with it; unit_wire_fast compares
 * both on fixed cases and seeded mutations.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "names.h"
#include "wire_int.h"
#include "wire_fast.h"
#include "wire_lex.h"

enum key { K_V, K_OP, K_USER, K_HOST_CLASS, K_MODE, K_EVENT, K_SERVICE,
    K_RHOST, K_TTY, K_DURATION, K_COUNT };

static const char *const key_names[K_COUNT] = {
	"v", "op", "user", "host_class", "mode", "event", "service", "rhost",
	"tty", "duration",
};

/* Visible ASCII only, as wire.c's text_valid. */
static bool
text_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x21 || *s > 0x7e)
			return false;
	return true;
}

/* A string member into dst (dstsz), or an enum's index through names. */
static int
read_enum(struct cw_lex *x, const char *const *names, size_t n, int *out)
{
	char s[16];
	size_t i;

	if (cw_lex_read_string(x, s, sizeof(s)) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (names[i] != NULL && strcmp(s, names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	return -1;
}

/* One member's value into r, checked as cw_request_parse checks it. */
static int
read_value(struct cw_lex *x, enum key k, struct cw_request *r, int64_t *v)
{
	static const char *const modes[] = { "login", "admin" };
	static const char *const events[] = { "open", "close" };
	int i;

	switch (k) {
	case K_V:
		return cw_lex_read_uint(x, v);
	case K_OP:
		if (read_enum(x, cw_wire_op_names, CW_WIRE_OPS, &i) < 0)
			return -1;
		r->op = (enum cw_op)i;
		return 0;
	case K_USER:
		return cw_lex_read_string(x, r->user, sizeof(r->user)) < 0 ||
		    !cw_user_name_valid(r->user, strlen(r->user)) ? -1 : 0;
	case K_HOST_CLASS:
		return cw_lex_read_string(x, r->host_class,
		    sizeof(r->host_class)) < 0 || !cw_object_name_valid(
		    r->host_class, strlen(r->host_class)) ? -1 : 0;
	case K_MODE:
		if (read_enum(x, modes, 2, &i) < 0)
			return -1;
		r->mode = (enum cw_mode)i;
		return 0;
	case K_EVENT:
		if (read_enum(x, events, 2, &i) < 0)
			return -1;
		r->event = (enum cw_session_event)i;
		return 0;
	case K_SERVICE:
		return cw_lex_read_string(x, r->service, sizeof(r->service)) <
		    0 || !text_ok(r->service) ? -1 : 0;
	case K_RHOST:
		return cw_lex_read_string(x, r->rhost, sizeof(r->rhost)) < 0 ||
		    !text_ok(r->rhost) ? -1 : 0;
	case K_TTY:
		return cw_lex_read_string(x, r->tty, sizeof(r->tty)) < 0 ||
		    !text_ok(r->tty) ? -1 : 0;
	case K_DURATION:
		return cw_lex_read_uint(x, &r->duration) < 0 ||
		    r->duration < 1 || r->duration > CW_DURATION_MAX ? -1 : 0;
	case K_COUNT:
		break;
	}
	return -1;
}

/* The members, each once and known; *seen says which came. */
static int
read_members(struct cw_lex *x, struct cw_request *r, unsigned *seen,
    int64_t *v)
{
	char key[16];
	unsigned k;

	if (cw_lex_expect(x, '{') < 0)
		return -1;
	for (;;) {
		cw_lex_skip_ws(x);
		if (cw_lex_read_string(x, key, sizeof(key)) < 0)
			return -1;
		for (k = 0; k < K_COUNT; k++)
			if (strcmp(key, key_names[k]) == 0)
				break;
		if (k == K_COUNT || (*seen & 1u << k) ||
		    cw_lex_expect(x, ':') < 0)
			return -1;
		*seen |= 1u << k;
		cw_lex_skip_ws(x);
		if (read_value(x, (enum key)k, r, v) < 0)
			return -1;
		cw_lex_skip_ws(x);
		if (x->p >= x->end)
			return -1;
		if (*x->p++ == '}')
			break;
		if (x->p[-1] != ',')
			return -1;
	}
	cw_lex_skip_ws(x);
	return x->p == x->end ? 0 : -1;
}

int
cw_request_parse_fast(const char *buf, size_t len, struct cw_request *out)
{
	struct cw_lex x = { (const unsigned char *)buf,
	    (const unsigned char *)buf + len, NULL, 0 };
	unsigned seen = 0;
	int64_t v = 0;

	memset(out, 0, sizeof(*out));
	if (len == 0 || len > CW_WIRE_MAX_FRAME ||
	    read_members(&x, out, &seen, &v) < 0)
		goto decline;
	/* What those four ops need; the rest is cw_request_parse's. */
	if (!(seen & 1u << K_V) || v != CW_WIRE_VERSION ||
	    !(seen & 1u << K_OP) || !(seen & 1u << K_USER) ||
	    !(seen & 1u << K_HOST_CLASS))
		goto decline;
	if (out->op != CW_OP_DECIDE && out->op != CW_OP_CHECK &&
	    out->op != CW_OP_SESSION && out->op != CW_OP_BREAKGLASS)
		goto decline;
	if (out->op == CW_OP_SESSION && !(seen & 1u << K_EVENT))
		goto decline;
	return 0;
decline:
	memset(out, 0, sizeof(*out));
	return 1;
}
