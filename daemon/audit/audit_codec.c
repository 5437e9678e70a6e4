/* SPDX-License-Identifier: MIT */
/*
 * audit_codec.c - one audit event as one line of JSON (audit_codec.h).
 *
 * The formatter writes by hand into the caller's buffer: it runs inside
 * cw_audit_emit() on the PAM decision path, where an allocation or a
 * jansson tree per event would cost more than the rest of emit().  The
 * parser uses jansson, strictly, because its input comes from Redis.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "audit/audit_codec.h"
#include "text.h"

#define EVENT_ID_KEY "event_id"
#define MEMBERS 7       /* type time host actor subject outcome details */

/* A bounded output buffer; once full it stays full. */
struct out {
	char *p;
	size_t len, cap;
	bool full;
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (o->full || n > o->cap - o->len) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void
put_str(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/*
 * A JSON string of the text in field (at most max bytes, NUL or not):
 * unsafe bytes become '?', '"' and '\' are escaped.  Bounded by max even
 * if the caller's array is not terminated.
 */
static void
put_text(struct out *o, const char *field, size_t max)
{
	const unsigned char *s = (const unsigned char *)field;
	size_t len = strnlen(field, max), i = 0, n;

	put(o, "\"", 1);
	while (i < len) {
		n = cw_utf8_safe_len(s + i, len - i);
		if (n == 0) {
			put(o, "?", 1);
			i++;
			continue;
		}
		if (s[i] == '"' || s[i] == '\\')
			put(o, "\\", 1);
		put(o, (const char *)s + i, n);
		i += n;
	}
	put(o, "\"", 1);
}

static bool
token_valid(const char *s, size_t max, bool digits)
{
	size_t i, len = strnlen(s, max + 1);

	if (len == 0 || len > max || s[0] < 'a' || s[0] > 'z')
		return false;
	for (i = 1; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_' ||
		    (digits && s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

int
cw_audit_type_store_only(enum cw_audit_type t)
{
	return t == CW_AUDIT_KEY_ROTATED || t == CW_AUDIT_RETENTION_REMOVED ||
	    t == CW_AUDIT_DAY_OPENED || t == CW_AUDIT_WRITER_RECOVERED;
}

/* Whether detail i of ev may go out; sets *fixed for those that may not. */
static bool
detail_keep(const struct cw_audit_event *ev, size_t i, size_t kept,
    unsigned *fixed)
{
	const struct cw_audit_detail *d = &ev->details[i];
	size_t j;

	if (!token_valid(d->key, CW_AUDIT_DETAIL_KEY_MAX, true) ||
	    (d->kind == CW_AUDIT_INTEGER && (d->integer > CW_AUDIT_INT_MAX ||
	    d->integer < -CW_AUDIT_INT_MAX)) || (d->kind != CW_AUDIT_STRING &&
	    d->kind != CW_AUDIT_INTEGER && d->kind != CW_AUDIT_BOOLEAN)) {
		*fixed |= CW_AUDIT_FIX_BAD_DETAIL;
		return false;
	}
	if (strcmp(d->key, EVENT_ID_KEY) == 0) {
		*fixed |= CW_AUDIT_FIX_RESERVED;
		return false;
	}
	for (j = 0; j < i; j++)
		if (strncmp(ev->details[j].key, d->key,
		    CW_AUDIT_DETAIL_KEY_MAX + 1) == 0) {
			*fixed |= CW_AUDIT_FIX_BAD_DETAIL;
			return false;
		}
	/* The last slot belongs to event_id. */
	if (kept >= CW_AUDIT_MAX_DETAILS - 1) {
		*fixed |= CW_AUDIT_FIX_NO_ROOM;
		return false;
	}
	return true;
}

/*
 * u in decimal, as "%" PRIu64 writes it, without snprintf: the audit
 * record is formatted on the answer thread before every decision's
 * answer, and printf's machinery was most of its cost.
 */
static void
put_uint(struct out *o, uint64_t u, bool minus)
{
	char num[24];
	size_t i = sizeof(num);

	do {
		num[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (minus)
		num[--i] = '-';
	put(o, num + i, sizeof(num) - i);
}

static void
put_int(struct out *o, int64_t v)
{
	put_uint(o, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0);
}

static void
put_detail(struct out *o, const struct cw_audit_detail *d)
{
	put(o, "\"", 1);
	put_str(o, d->key);
	put(o, "\":", 2);
	if (d->kind == CW_AUDIT_STRING) {
		put_text(o, d->text, CW_AUDIT_TEXT_MAX);
	} else if (d->kind == CW_AUDIT_INTEGER) {
		put_int(o, d->integer);
	} else {
		put_str(o, d->boolean ? "true" : "false");
	}
	put(o, ",", 1);
}

size_t
cw_audit_event_head(const struct cw_audit_event *ev, int64_t time_us,
    const char *host, char *buf, size_t buflen, unsigned *fixed)
{
	struct out o = { buf, 0, buflen, false };
	char stamp[CW_AUDIT_TIME_LEN + 1];
	size_t i, kept = 0;

	*fixed = 0;
	if ((unsigned)ev->type >= CW_AUDIT_TYPE_COUNT ||
	    cw_audit_type_store_only(ev->type) ||
	    !token_valid(ev->outcome, CW_AUDIT_OUTCOME_MAX, false) ||
	    cw_audit_time_format(time_us, stamp) < 0)
		return 0;
	put_str(&o, "{\"type\":\"");
	put_str(&o, cw_audit_type_name(ev->type));
	put_str(&o, "\",\"time\":\"");
	put_str(&o, stamp);
	put_str(&o, "\",\"host\":");
	put_text(&o, ev->host[0] != '\0' ? ev->host : host, CW_AUDIT_TEXT_MAX);
	put_str(&o, ",\"actor\":");
	put_text(&o, ev->actor, CW_AUDIT_TEXT_MAX);
	put_str(&o, ",\"subject\":");
	put_text(&o, ev->subject, CW_AUDIT_TEXT_MAX);
	put_str(&o, ",\"outcome\":\"");
	put_str(&o, ev->outcome);
	put_str(&o, "\",\"details\":{");
	for (i = 0; i < ev->ndetails && i < CW_AUDIT_MAX_DETAILS; i++) {
		if (!detail_keep(ev, i, kept, fixed))
			continue;
		put_detail(&o, &ev->details[i]);
		kept++;
	}
	return o.full ? 0 : o.len;
}

size_t
cw_audit_event_tail(char *buf, size_t len, size_t buflen, const char *run,
    uint64_t counter)
{
	struct out o = { buf, len, buflen, false };

	if (len >= buflen)
		return 0;
	put_str(&o, "\"" EVENT_ID_KEY "\":\"");
	put(&o, run, strnlen(run, CW_AUDIT_RUN_LEN));
	put(&o, ":", 1);
	put_uint(&o, counter, false);
	put(&o, "\"}}\n", 4);
	/* Terminated, as snprintf left it (notify reads it as a string). */
	if (o.full || o.len >= buflen)
		return 0;
	buf[o.len] = '\0';
	return o.len;
}

/* ---- parsing ---- */

static const char *
get_string(json_t *o, const char *name)
{
	json_t *v = json_object_get(o, name);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int
parse_detail(struct cw_audit_event *ev, const char *key, json_t *v)
{
	if (json_is_string(v))
		return cw_audit_event_add_string(ev, key, json_string_value(v));
	if (json_is_integer(v))
		return cw_audit_event_add_int(ev, key, json_integer_value(v));
	if (json_is_boolean(v))
		return cw_audit_event_add_bool(ev, key, json_is_true(v));
	return -1;
}

static int
parse_details(json_t *o, struct cw_audit_event *ev, char *err, size_t errlen)
{
	json_t *details = json_object_get(o, "details"), *v;
	const char *key;

	if (!json_is_object(details) ||
	    json_object_size(details) > CW_AUDIT_MAX_DETAILS) {
		snprintf(err, errlen, "details: not an object of at most %d "
		    "members", CW_AUDIT_MAX_DETAILS);
		return -1;
	}
	json_object_foreach(details, key, v) {
		if (parse_detail(ev, key, v) < 0) {
			snprintf(err, errlen, "details: a bad member name or "
			    "value");
			return -1;
		}
	}
	return 0;
}

/* The fixed members, through cw_audit_event_init() and friends. */
static int
parse_fixed(json_t *o, struct cw_audit_event *ev, char *err, size_t errlen)
{
	const char *type = get_string(o, "type"), *time = get_string(o, "time");
	const char *host = get_string(o, "host");
	enum cw_audit_type t;
	int64_t us;

	if (type == NULL || cw_audit_type_parse(type, &t) < 0 ||
	    cw_audit_type_store_only(t)) {
		snprintf(err, errlen, "type: missing, unknown, or one only the "
		    "store writes");
		return -1;
	}
	if (time == NULL || cw_audit_time_parse(time, strlen(time), &us) < 0) {
		snprintf(err, errlen, "time: missing or not a record time");
		return -1;
	}
	if (host == NULL || host[0] == '\0' || get_string(o, "actor") == NULL ||
	    get_string(o, "subject") == NULL ||
	    cw_audit_event_init(ev, t, us, get_string(o, "actor"),
	    get_string(o, "subject"), get_string(o, "outcome")) < 0) {
		snprintf(err, errlen, "host, actor, subject or outcome missing "
		    "or not valid");
		return -1;
	}
	cw_audit_event_set_host(ev, host);
	return 0;
}

int
cw_audit_event_parse(const char *buf, size_t len, struct cw_audit_event *ev,
    char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *o;
	int rc = -1;

	memset(ev, 0, sizeof(*ev));
	if (len > CW_AUDIT_EVENT_LINE_MAX) {
		snprintf(err, errlen, "longer than %d bytes",
		    CW_AUDIT_EVENT_LINE_MAX);
		return -1;
	}
	o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(o) || json_object_size(o) != MEMBERS) {
		snprintf(err, errlen, "not a JSON object of exactly %d members",
		    MEMBERS);
		goto out;
	}
	if (parse_fixed(o, ev, err, errlen) < 0 ||
	    parse_details(o, ev, err, errlen) < 0)
		goto out;
	rc = 0;
out:
	json_decref(o);
	return rc;
}

int
cw_audit_event_id_parse(const char *s, char run[CW_AUDIT_RUN_LEN + 1],
    uint64_t *counter)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < CW_AUDIT_RUN_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return -1;
	if (s[i++] != ':' || s[i] < '1' || s[i] > '9')
		return -1;
	for (; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || n > (UINT64_MAX - 9) / 10)
			return -1;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	memcpy(run, s, CW_AUDIT_RUN_LEN);
	run[CW_AUDIT_RUN_LEN] = '\0';
	*counter = n;
	return 0;
}
