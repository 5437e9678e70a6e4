/* SPDX-License-Identifier: MIT */
/*
 * audit_parse.c - the strict parser of one record line: exactly the
 * eleven members, each of its type and within its limits.  Apart from
 * audit_record.c (which builds and seals records) because this is the
 * code that meets untrusted bytes: every reader of the trail, and the
 * fuzz target, come through cw_audit_line_parse().  Pure: no I/O, no
 * clock.
 */
#include "audit_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "text.h"

#define RECORD_MEMBERS 11

/* A text member of o, copied into dst (max bytes + NUL). */
static int
get_text(json_t *o, const char *name, char *dst, size_t max, char *err,
    size_t errlen)
{
	json_t *v = json_object_get(o, name);

	if (!json_is_string(v) || !audit_text_valid(json_string_value(v),
	    json_string_length(v), max)) {
		cw_set_err(err, errlen, "%s: missing, not a string, longer than "
		    "%zu bytes, or holding control characters", name, max);
		return -1;
	}
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int
parse_detail(const char *key, json_t *v, struct cw_audit_detail *d,
    char *err, size_t errlen)
{
	memset(d, 0, sizeof(*d));
	if (!audit_token_valid(key, CW_AUDIT_DETAIL_KEY_MAX, true)) {
		cw_set_err(err, errlen, "details: invalid member name");
		return -1;
	}
	memcpy(d->key, key, strlen(key) + 1);
	if (json_is_string(v) && audit_text_valid(json_string_value(v),
	    json_string_length(v), CW_AUDIT_TEXT_MAX)) {
		d->kind = CW_AUDIT_STRING;
		memcpy(d->text, json_string_value(v), json_string_length(v) + 1);
	} else if (json_is_integer(v) &&
	    json_integer_value(v) <= CW_AUDIT_INT_MAX &&
	    json_integer_value(v) >= -CW_AUDIT_INT_MAX) {
		d->kind = CW_AUDIT_INTEGER;
		d->integer = json_integer_value(v);
	} else if (json_is_boolean(v)) {
		d->kind = CW_AUDIT_BOOLEAN;
		d->boolean = json_is_true(v);
	} else {
		cw_set_err(err, errlen, "details.%s: not a safe string, an "
		    "integer within 2^53 or a boolean", key);
		return -1;
	}
	return 0;
}

static int
parse_details(json_t *o, struct cw_audit_event *ev, char *err, size_t errlen)
{
	json_t *details = json_object_get(o, "details"), *v;
	const char *key;

	if (!json_is_object(details) ||
	    json_object_size(details) > CW_AUDIT_MAX_DETAILS) {
		cw_set_err(err, errlen, "details: not an object of at most %d "
		    "members", CW_AUDIT_MAX_DETAILS);
		return -1;
	}
	ev->ndetails = 0;
	json_object_foreach(details, key, v) {
		if (parse_detail(key, v, &ev->details[ev->ndetails], err,
		    errlen) < 0)
			return -1;
		ev->ndetails++;
	}
	return 0;
}

static int
parse_hex_member(json_t *o, const char *name,
    unsigned char mac[CW_AUDIT_MAC_LEN], char *err, size_t errlen)
{
	json_t *v = json_object_get(o, name);

	/* Lower case only: a MAC has one spelling in a canonical line. */
	if (!json_is_string(v) || cw_hex_decode(json_string_value(v),
	    json_string_length(v), mac, CW_AUDIT_MAC_LEN, true) < 0) {
		cw_set_err(err, errlen, "%s: not %d lower-case hex digits", name,
		    CW_AUDIT_HEX_LEN);
		return -1;
	}
	return 0;
}

/* The fixed members that are not free text. */
static int
parse_fixed(json_t *o, struct cw_audit_record *r, char *err, size_t errlen)
{
	json_t *seq = json_object_get(o, "seq");
	json_t *time = json_object_get(o, "time");
	json_t *type = json_object_get(o, "type");

	if (!json_is_integer(seq) || json_integer_value(seq) < 1 ||
	    json_integer_value(seq) > CW_AUDIT_INT_MAX) {
		cw_set_err(err, errlen, "seq: not an integer from 1 to 2^53-1");
		return -1;
	}
	r->seq = (uint64_t)json_integer_value(seq);
	if (!json_is_string(time) || cw_audit_time_parse(
	    json_string_value(time), json_string_length(time),
	    &r->event.time_us) < 0) {
		cw_set_err(err, errlen, "time: not YYYY-MM-DDTHH:MM:SS.ffffffZ");
		return -1;
	}
	if (!json_is_string(type) ||
	    cw_audit_type_parse(json_string_value(type), &r->event.type) < 0) {
		cw_set_err(err, errlen, "type: not a known event type");
		return -1;
	}
	if (get_text(o, "outcome", r->event.outcome, CW_AUDIT_OUTCOME_MAX,
	    err, errlen) < 0 || !audit_token_valid(r->event.outcome,
	    CW_AUDIT_OUTCOME_MAX, false)) {
		cw_set_err(err, errlen, "outcome: not a token of [a-z_]");
		return -1;
	}
	if (get_text(o, "key_id", r->key_id, CW_AUDIT_KEY_ID_MAX, err,
	    errlen) < 0 || !cw_audit_key_id_valid(r->key_id)) {
		cw_set_err(err, errlen, "key_id: not a valid key id");
		return -1;
	}
	return 0;
}

int
cw_audit_line_parse(const char *buf, size_t len, struct cw_audit_record *out,
    char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *o = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (len > CW_AUDIT_LINE_MAX || memchr(buf, '\n', len) != NULL) {
		cw_set_err(err, errlen, "longer than %d bytes, or more than one "
		    "line", CW_AUDIT_LINE_MAX);
		goto out;
	}
	o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL) {
		cw_set_err(err, errlen, "not JSON (column %d)", jerr.column);
		goto out;
	}
	if (!json_is_object(o) || json_object_size(o) != RECORD_MEMBERS) {
		cw_set_err(err, errlen, "not an object of exactly %d members",
		    RECORD_MEMBERS);
		goto out;
	}
	if (parse_fixed(o, out, err, errlen) < 0 ||
	    get_text(o, "host", out->event.host, CW_AUDIT_TEXT_MAX, err,
	    errlen) < 0 ||
	    get_text(o, "actor", out->event.actor, CW_AUDIT_TEXT_MAX, err,
	    errlen) < 0 ||
	    get_text(o, "subject", out->event.subject, CW_AUDIT_TEXT_MAX, err,
	    errlen) < 0 ||
	    parse_details(o, &out->event, err, errlen) < 0 ||
	    parse_hex_member(o, "prev", out->prev, err, errlen) < 0 ||
	    parse_hex_member(o, "mac", out->mac, err, errlen) < 0)
		goto out;
	rc = 0;
out:
	json_decref(o);
	return rc;
}
