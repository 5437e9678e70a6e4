/* SPDX-License-Identifier: MIT */
/*
 * audit_record.c - the audit record: events, the canonical form, the MAC
 * and sealing the chain.  Pure: no I/O, no clock, no globals.  The strict
 * parser of one line is audit_parse.c: it meets untrusted input, this
 * file builds what the writer trusts.
 *
 * One function (record_to_json) builds the JSON of a record, for sealing,
 * for checking and for export, so what is MAC'd and what is checked can
 * never drift apart.  scripts/audit-verify.py is the independent second
 * implementation that keeps this honest.
 */
#include "audit_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "gentime.h"
#include "text.h"

#define US_PER_SEC 1000000LL
#define SECS_PER_DAY 86400LL
/* 10000-01-01T00:00:00Z: the first instant a 4-digit year cannot show. */
#define TIME_LIMIT_US (253402300800LL * US_PER_SEC)

static const char *const type_names[CW_AUDIT_TYPE_COUNT] = {
	[CW_AUDIT_PAM_DECISION] = "pam_decision",
	[CW_AUDIT_SESSION_OPEN] = "session_open",
	[CW_AUDIT_SESSION_CLOSE] = "session_close",
	[CW_AUDIT_CLI_REQUEST] = "cli_request",
	[CW_AUDIT_ELEVATION_GRANTED] = "elevation_granted",
	[CW_AUDIT_ELEVATION_DROPPED] = "elevation_dropped",
	[CW_AUDIT_ELEVATION_EXPIRED] = "elevation_expired",
	[CW_AUDIT_REVOCATION_REQUESTED] = "revocation_requested",
	[CW_AUDIT_REVOCATION_STEP] = "revocation_step",
	[CW_AUDIT_REVOCATION_COMPLETED] = "revocation_completed",
	[CW_AUDIT_REVOCATION_DEADLINE_WARNING] = "revocation_deadline_warning",
	[CW_AUDIT_REVOCATION_DEADLINE_MISSED] = "revocation_deadline_missed",
	[CW_AUDIT_REVOCATION_DEAD_LETTERED] = "revocation_dead_lettered",
	[CW_AUDIT_SYNC_STATE] = "sync_state",
	[CW_AUDIT_DAEMON_START] = "daemon_start",
	[CW_AUDIT_DAEMON_STOP] = "daemon_stop",
	[CW_AUDIT_CONFIG_RELOAD] = "config_reload",
	[CW_AUDIT_BREAKGLASS] = "breakglass",
	[CW_AUDIT_KEY_ROTATED] = "key_rotated",
	[CW_AUDIT_RETENTION_REMOVED] = "retention_removed",
	[CW_AUDIT_ANOMALY_ALERT] = "anomaly_alert",
	[CW_AUDIT_DAY_OPENED] = "day_opened",
	[CW_AUDIT_WRITER_RECOVERED] = "writer_recovered",
	[CW_AUDIT_REVOCATION_RETRIED] = "revocation_retried",
	[CW_AUDIT_STORE_LOSS] = "store_loss",
	[CW_AUDIT_SUSPENDED] = "suspended",
	[CW_AUDIT_UNSUSPENDED] = "unsuspended",
	[CW_AUDIT_ACCESS_REQUESTED] = "access_requested",
	[CW_AUDIT_ACCESS_APPROVED] = "access_approved",
	[CW_AUDIT_ACCESS_REJECTED] = "access_rejected",
	[CW_AUDIT_ACCESS_EXPIRED] = "access_request_expired",
};

const char *
cw_audit_type_name(enum cw_audit_type t)
{
	if ((unsigned)t >= CW_AUDIT_TYPE_COUNT)
		return "unknown";
	return type_names[t];
}

int
cw_audit_type_parse(const char *s, enum cw_audit_type *out)
{
	int i;

	for (i = 0; i < CW_AUDIT_TYPE_COUNT; i++) {
		if (strcmp(type_names[i], s) == 0) {
			*out = (enum cw_audit_type)i;
			return 0;
		}
	}
	return -1;
}

/* ---- text ---- */

/* What the parser accepts as text: at most max bytes, all safe chars. */
bool
audit_text_valid(const char *str, size_t len, size_t max)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;

	if (len > max)
		return false;
	while (i < len) {
		if ((n = cw_utf8_safe_len(s + i, len - i)) == 0)
			return false;
		i += n;
	}
	return true;
}

/*
 * Copies src into dst (CW_AUDIT_TEXT_MAX + 1 bytes) as valid text: every
 * byte that does not start a safe character becomes '?', and text longer
 * than the limit is cut on a character boundary and ends in "...".  The
 * result always passes audit_text_valid().
 */
static void
text_copy(char *dst, const char *src)
{
	const unsigned char *s = (const unsigned char *)(src ? src : "");
	size_t len = strlen((const char *)s), limit, i = 0, o = 0, n;
	bool cut;

	/* Each unsafe byte becomes one '?': the copy is as long as src. */
	cut = len > CW_AUDIT_TEXT_MAX;
	limit = cut ? CW_AUDIT_TEXT_MAX - 3 : len;
	while (i < len) {
		n = cw_utf8_safe_len(s + i, len - i);
		if (o + (n ? n : 1) > limit)
			break;
		if (n == 0) {
			dst[o++] = '?';
			i++;
		} else {
			memcpy(dst + o, s + i, n);
			o += n;
			i += n;
		}
	}
	if (cut) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}

/* [a-z][a-z0-9_]* of 1..max bytes (detail keys, outcomes). */
bool
audit_token_valid(const char *s, size_t max, bool digits)
{
	size_t i, len = strnlen(s, max + 1);

	if (len == 0 || len > max || s[0] < 'a' || s[0] > 'z')
		return false;
	for (i = 1; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || c == '_' ||
		    (digits && c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

bool
cw_audit_key_id_valid(const char *s)
{
	size_t i, len;

	if (s == NULL)
		return false;
	len = strnlen(s, CW_AUDIT_KEY_ID_MAX + 1);
	if (len == 0 || len > CW_AUDIT_KEY_ID_MAX || s[0] == '.')
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* ---- time ---- */

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

int
cw_audit_time_format(int64_t us, char buf[CW_AUDIT_TIME_LEN + 1])
{
	int64_t days, secs, y;
	unsigned m, d;

	if (us < 0 || us >= TIME_LIMIT_US)
		return -1;
	days = floor_div(us, SECS_PER_DAY * US_PER_SEC);
	secs = (us / US_PER_SEC) % SECS_PER_DAY;
	cw_civil_from_days(days, &y, &m, &d);
	snprintf(buf, CW_AUDIT_TIME_LEN + 1,
	    "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ", (long long)y, m, d,
	    (long long)(secs / 3600), (long long)(secs / 60 % 60),
	    (long long)(secs % 60), (long long)(us % US_PER_SEC));
	return 0;
}

/* n decimal digits at s; -1 if any is not a digit. */
static int64_t
digits(const char *s, size_t n)
{
	int64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
cw_audit_time_parse(const char *s, size_t len, int64_t *us)
{
	int64_t y, mo, d, h, mi, sec, frac;

	if (len != CW_AUDIT_TIME_LEN || s[4] != '-' || s[7] != '-' ||
	    s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' ||
	    s[26] != 'Z')
		return -1;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	frac = digits(s + 20, 6);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > cw_days_in_month(y, (unsigned)mo) || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || sec < 0 || sec > 59 || frac < 0)
		return -1;
	*us = ((cw_days_from_civil(y, (unsigned)mo, (unsigned)d) *
	    SECS_PER_DAY + h * 3600 + mi * 60 + sec) * US_PER_SEC) + frac;
	return 0;
}

/* ---- events ---- */

int
cw_audit_event_init(struct cw_audit_event *ev, enum cw_audit_type type,
    int64_t time_us, const char *actor, const char *subject,
    const char *outcome)
{
	memset(ev, 0, sizeof(*ev));
	if ((unsigned)type >= CW_AUDIT_TYPE_COUNT || time_us < 0 ||
	    time_us >= TIME_LIMIT_US || outcome == NULL ||
	    !audit_token_valid(outcome, CW_AUDIT_OUTCOME_MAX, false))
		return -1;
	ev->type = type;
	ev->time_us = time_us;
	text_copy(ev->actor, actor);
	text_copy(ev->subject, subject);
	memcpy(ev->outcome, outcome, strlen(outcome) + 1);
	return 0;
}

void
cw_audit_event_set_host(struct cw_audit_event *ev, const char *host)
{
	text_copy(ev->host, host);
}

const struct cw_audit_detail *
cw_audit_event_detail(const struct cw_audit_event *ev, const char *key)
{
	size_t i;

	for (i = 0; i < ev->ndetails && i < CW_AUDIT_MAX_DETAILS; i++)
		if (strcmp(ev->details[i].key, key) == 0)
			return &ev->details[i];
	return NULL;
}

/* A fresh detail slot named key, or NULL (bad key, repeated, full). */
static struct cw_audit_detail *
new_detail(struct cw_audit_event *ev, const char *key,
    enum cw_audit_value_kind kind)
{
	struct cw_audit_detail *d;

	if (key == NULL || !audit_token_valid(key, CW_AUDIT_DETAIL_KEY_MAX, true) ||
	    ev->ndetails >= CW_AUDIT_MAX_DETAILS ||
	    cw_audit_event_detail(ev, key) != NULL)
		return NULL;
	d = &ev->details[ev->ndetails++];
	memset(d, 0, sizeof(*d));
	memcpy(d->key, key, strlen(key) + 1);
	d->kind = kind;
	return d;
}

int
cw_audit_event_add_string(struct cw_audit_event *ev, const char *key,
    const char *value)
{
	struct cw_audit_detail *d = new_detail(ev, key, CW_AUDIT_STRING);

	if (d == NULL)
		return -1;
	text_copy(d->text, value);
	return 0;
}

int
cw_audit_event_add_int(struct cw_audit_event *ev, const char *key,
    int64_t value)
{
	struct cw_audit_detail *d;

	if (value > CW_AUDIT_INT_MAX || value < -CW_AUDIT_INT_MAX)
		return -1;
	if ((d = new_detail(ev, key, CW_AUDIT_INTEGER)) == NULL)
		return -1;
	d->integer = value;
	return 0;
}

int
cw_audit_event_add_bool(struct cw_audit_event *ev, const char *key,
    bool value)
{
	struct cw_audit_detail *d = new_detail(ev, key, CW_AUDIT_BOOLEAN);

	if (d == NULL)
		return -1;
	d->boolean = value;
	return 0;
}

/*
 * An event the parser would accept back: the setters guarantee it, but an
 * event may also have been filled in by hand.
 */
static bool
event_valid(const struct cw_audit_event *ev)
{
	size_t i, j;

	if ((unsigned)ev->type >= CW_AUDIT_TYPE_COUNT || ev->time_us < 0 ||
	    ev->time_us >= TIME_LIMIT_US ||
	    !audit_token_valid(ev->outcome, CW_AUDIT_OUTCOME_MAX, false) ||
	    ev->ndetails > CW_AUDIT_MAX_DETAILS)
		return false;
	if (!audit_text_valid(ev->host, strnlen(ev->host, sizeof(ev->host)),
	    CW_AUDIT_TEXT_MAX) ||
	    !audit_text_valid(ev->actor, strnlen(ev->actor, sizeof(ev->actor)),
	    CW_AUDIT_TEXT_MAX) ||
	    !audit_text_valid(ev->subject, strnlen(ev->subject, sizeof(ev->subject)),
	    CW_AUDIT_TEXT_MAX))
		return false;
	for (i = 0; i < ev->ndetails; i++) {
		const struct cw_audit_detail *d = &ev->details[i];

		if (!audit_token_valid(d->key, CW_AUDIT_DETAIL_KEY_MAX, true))
			return false;
		for (j = 0; j < i; j++)
			if (strcmp(ev->details[j].key, d->key) == 0)
				return false;
		if (d->kind == CW_AUDIT_STRING && !audit_text_valid(d->text,
		    strnlen(d->text, sizeof(d->text)), CW_AUDIT_TEXT_MAX))
			return false;
		if (d->kind == CW_AUDIT_INTEGER && (d->integer >
		    CW_AUDIT_INT_MAX || d->integer < -CW_AUDIT_INT_MAX))
			return false;
		if (d->kind > CW_AUDIT_BOOLEAN)
			return false;
	}
	return true;
}

/* ---- the canonical form ---- */

static json_t *
detail_value(const struct cw_audit_detail *d)
{
	switch (d->kind) {
	case CW_AUDIT_STRING:
		return json_string(d->text);
	case CW_AUDIT_INTEGER:
		return json_integer((json_int_t)d->integer);
	case CW_AUDIT_BOOLEAN:
		return json_boolean(d->boolean);
	}
	return NULL;
}

static json_t *
details_to_json(const struct cw_audit_event *ev)
{
	json_t *o = json_object();
	size_t i;

	if (o == NULL)
		return NULL;
	for (i = 0; i < ev->ndetails; i++) {
		if (json_object_set_new(o, ev->details[i].key,
		    detail_value(&ev->details[i])) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* The one place the JSON of a record is built. */
static json_t *
record_to_json(const struct cw_audit_record *r, bool with_mac)
{
	const struct cw_audit_event *ev = &r->event;
	char time[CW_AUDIT_TIME_LEN + 1], prev[CW_AUDIT_HEX_LEN + 1];
	char mac[CW_AUDIT_HEX_LEN + 1];
	json_t *o;

	if (cw_audit_time_format(ev->time_us, time) < 0 ||
	    r->seq > (uint64_t)CW_AUDIT_INT_MAX)
		return NULL;
	cw_hex_encode(r->prev, CW_AUDIT_MAC_LEN, prev);
	cw_hex_encode(r->mac, CW_AUDIT_MAC_LEN, mac);
	o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s}",
	    "seq", (json_int_t)r->seq, "time", time, "host", ev->host,
	    "type", cw_audit_type_name(ev->type), "actor", ev->actor,
	    "subject", ev->subject, "outcome", ev->outcome,
	    "details", details_to_json(ev), "key_id", r->key_id,
	    "prev", prev);
	if (o != NULL && with_mac &&
	    json_object_set_new(o, "mac", json_string(mac)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static char *
dump_canonical(json_t *o, size_t *len)
{
	char *s = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);

	if (s != NULL && len != NULL)
		*len = strlen(s);
	return s;
}

char *
cw_audit_record_serialize(const struct cw_audit_record *r, bool with_mac,
    size_t *len)
{
	json_t *o = record_to_json(r, with_mac);
	char *s = NULL;

	if (o != NULL)
		s = dump_canonical(o, len);
	json_decref(o);
	return s;
}

char *
cw_audit_details_json(const struct cw_audit_event *ev)
{
	json_t *o = details_to_json(ev);
	char *s = NULL;

	if (o != NULL)
		s = dump_canonical(o, NULL);
	json_decref(o);
	return s;
}

static int
hmac_sha256(const unsigned char *key, size_t key_len, const char *data,
    size_t len, unsigned char out[CW_AUDIT_MAC_LEN])
{
	size_t outlen = 0;

	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, key_len,
	    (const unsigned char *)data, len, out, CW_AUDIT_MAC_LEN,
	    &outlen) == NULL || outlen != CW_AUDIT_MAC_LEN)
		return -1;
	return 0;
}

/* r->mac from the canonical form of everything else in r. */
static int
compute_mac(const struct cw_audit_record *r, const unsigned char *key,
    size_t key_len, unsigned char out[CW_AUDIT_MAC_LEN])
{
	size_t len;
	char *body = cw_audit_record_serialize(r, false, &len);
	int rc = -1;

	if (body != NULL)
		rc = hmac_sha256(key, key_len, body, len, out);
	free(body);
	return rc;
}

enum cw_audit_check
cw_audit_record_check(const struct cw_audit_record *r, const char *line,
    size_t len, const unsigned char *key, size_t key_len)
{
	unsigned char mac[CW_AUDIT_MAC_LEN];
	enum cw_audit_check rc = CW_AUDIT_CHECK_ERROR;
	size_t canon_len;
	char *canon = NULL;

	if (compute_mac(r, key, key_len, mac) < 0)
		goto out;
	if (CRYPTO_memcmp(mac, r->mac, sizeof(mac)) != 0) {
		rc = CW_AUDIT_CHECK_MAC;
		goto out;
	}
	if ((canon = cw_audit_record_serialize(r, true, &canon_len)) == NULL)
		goto out;
	rc = (canon_len == len && memcmp(canon, line, len) == 0) ?
	    CW_AUDIT_CHECK_OK : CW_AUDIT_CHECK_FORM;
out:
	free(canon);
	return rc;
}

/* ---- the chain ---- */

static int
set_key(struct cw_audit_chain *c, const char *key_id,
    const unsigned char *key, size_t key_len, char *err, size_t errlen)
{
	if (!cw_audit_key_id_valid(key_id)) {
		cw_set_err(err, errlen, "invalid audit key id");
		return -1;
	}
	if (key == NULL || key_len < CW_AUDIT_KEY_MIN ||
	    key_len > CW_AUDIT_KEY_MAX) {
		cw_set_err(err, errlen, "audit key %s must be %d to %d bytes",
		    key_id, CW_AUDIT_KEY_MIN, CW_AUDIT_KEY_MAX);
		return -1;
	}
	explicit_bzero(c->key, sizeof(c->key));
	memcpy(c->key, key, key_len);
	c->key_len = key_len;
	memcpy(c->key_id, key_id, strlen(key_id) + 1);
	return 0;
}

int
cw_audit_chain_start(struct cw_audit_chain *c, const char *host,
    const char *key_id, const unsigned char *key, size_t key_len,
    char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	text_copy(c->host, host);
	return set_key(c, key_id, key, key_len, err, errlen);
}

const char *
cw_audit_record_next_key_id(const struct cw_audit_record *r)
{
	const struct cw_audit_detail *d;

	if (r->event.type != CW_AUDIT_KEY_ROTATED)
		return r->key_id;
	d = cw_audit_event_detail(&r->event, "new_key_id");
	if (d == NULL || d->kind != CW_AUDIT_STRING ||
	    !cw_audit_key_id_valid(d->text))
		return NULL;
	return d->text;
}

int
cw_audit_chain_resume(struct cw_audit_chain *c, const char *host,
    const struct cw_audit_record *last, const unsigned char *key,
    size_t key_len, char *err, size_t errlen)
{
	const char *next = cw_audit_record_next_key_id(last);

	memset(c, 0, sizeof(*c));
	text_copy(c->host, host);
	if (next == NULL) {
		cw_set_err(err, errlen, "key_rotated record without a valid "
		    "new_key_id");
		return -1;
	}
	if (set_key(c, next, key, key_len, err, errlen) < 0)
		return -1;
	c->seq = last->seq;
	memcpy(c->mac, last->mac, sizeof(c->mac));
	return 0;
}

void
cw_audit_chain_wipe(struct cw_audit_chain *c)
{
	explicit_bzero(c->key, sizeof(c->key));
	c->key_len = 0;
}

int
cw_audit_seal(struct cw_audit_chain *c, const struct cw_audit_event *ev,
    char **line, size_t *len, char *err, size_t errlen)
{
	struct cw_audit_record *r;
	char *s = NULL, *out;
	size_t n = 0;
	int rc = -1;

	*line = NULL;
	*len = 0;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		cw_set_err(err, errlen, "out of memory");
		return -1;
	}
	if (!event_valid(ev) || c->key_len == 0 ||
	    c->seq >= (uint64_t)CW_AUDIT_INT_MAX) {
		cw_set_err(err, errlen, "cannot seal: invalid %s event, or the "
		    "chain has no key", cw_audit_type_name(ev->type));
		goto out;
	}
	r->event = *ev;
	if (r->event.host[0] == '\0')
		memcpy(r->event.host, c->host, sizeof(c->host));
	r->seq = c->seq + 1;
	memcpy(r->key_id, c->key_id, sizeof(r->key_id));
	memcpy(r->prev, c->mac, sizeof(r->prev));
	if (compute_mac(r, c->key, c->key_len, r->mac) < 0 ||
	    (s = cw_audit_record_serialize(r, true, &n)) == NULL ||
	    (out = realloc(s, n + 2)) == NULL) {
		cw_set_err(err, errlen, "cannot seal: out of memory or HMAC "
		    "failed");
		goto out;
	}
	s = NULL;
	out[n] = '\n';
	out[n + 1] = '\0';
	*line = out;
	*len = n + 1;
	c->seq = r->seq;
	memcpy(c->mac, r->mac, sizeof(c->mac));
	rc = 0;
out:
	free(s);
	free(r);
	return rc;
}

int
cw_audit_seal_key_rotation(struct cw_audit_chain *c, int64_t time_us,
    const char *actor, const char *new_key_id, const unsigned char *new_key,
    size_t new_key_len, char **line, size_t *len, char *err, size_t errlen)
{
	struct cw_audit_chain next = *c;
	struct cw_audit_event *ev = NULL;
	int rc = -1;

	*line = NULL;
	if (set_key(&next, new_key_id, new_key, new_key_len, err,
	    errlen) < 0)
		goto out;
	if ((ev = malloc(sizeof(*ev))) == NULL ||
	    cw_audit_event_init(ev, CW_AUDIT_KEY_ROTATED, time_us, actor, "",
	    "success") < 0 ||
	    cw_audit_event_add_string(ev, "new_key_id", new_key_id) < 0) {
		cw_set_err(err, errlen, "cannot build the key_rotated record");
		goto out;
	}
	/* Sealed with the old key: only its holder can hand over. */
	if (cw_audit_seal(c, ev, line, len, err, errlen) < 0)
		goto out;
	next.seq = c->seq;
	memcpy(next.mac, c->mac, sizeof(next.mac));
	*c = next;
	rc = 0;
out:
	cw_audit_chain_wipe(&next);
	free(ev);
	return rc;
}

int
cw_audit_chain_state_encode(const struct cw_audit_chain *c,
    char buf[CW_AUDIT_STATE_MAX])
{
	char mac[CW_AUDIT_HEX_LEN + 1];
	int n;

	cw_hex_encode(c->mac, CW_AUDIT_MAC_LEN, mac);
	n = snprintf(buf, CW_AUDIT_STATE_MAX,
	    "{\"key_id\":\"%s\",\"mac\":\"%s\",\"seq\":%llu}", c->key_id, mac,
	    (unsigned long long)c->seq);
	return (n < 0 || n >= CW_AUDIT_STATE_MAX) ? -1 : 0;
}

int
cw_audit_chain_state_decode(const char *buf, size_t len,
    struct cw_audit_chain *c)
{
	json_t *o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *seq, *mac, *kid;
	int rc = -1;

	if (o == NULL || !json_is_object(o) || json_object_size(o) != 3)
		goto out;
	seq = json_object_get(o, "seq");
	mac = json_object_get(o, "mac");
	kid = json_object_get(o, "key_id");
	if (!json_is_integer(seq) || json_integer_value(seq) < 0 ||
	    json_integer_value(seq) > CW_AUDIT_INT_MAX ||
	    !json_is_string(mac) || !json_is_string(kid) ||
	    !cw_audit_key_id_valid(json_string_value(kid)) ||
	    cw_hex_decode(json_string_value(mac), json_string_length(mac),
	    c->mac, CW_AUDIT_MAC_LEN, true) < 0)
		goto out;
	c->seq = (uint64_t)json_integer_value(seq);
	snprintf(c->key_id, sizeof(c->key_id), "%s", json_string_value(kid));
	rc = 0;
out:
	json_decref(o);
	return rc;
}
