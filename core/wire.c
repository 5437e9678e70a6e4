/* SPDX-License-Identifier: MIT */
/*
 * wire.c - encoding and strict parsing of the local socket protocol.
 *
 * The daemon parses requests from any local user, so the request parser
 * trusts nothing: the frame length is bounded before a byte is read, the
 * JSON must be one object with known keys only, and every string is checked
 * for its shape before it is copied into a fixed-size field.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "wire_int.h"

static const char *const event_names[] = {
	[CW_SESSION_OPEN] = "open",
	[CW_SESSION_CLOSE] = "close",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int
lookup(const char *const *names, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

/* Free text from a peer (service, rhost, tty): visible ASCII only. */
static bool
text_valid(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return true;
}

enum field_kind { FIELD_USER, FIELD_OBJECT, FIELD_TEXT, FIELD_MESSAGE,
    FIELD_PROSE, FIELD_MONTH, FIELD_DIGITS, FIELD_REF };

static bool month_valid(const char *s, size_t len);
static int get_time(json_t *obj, const char *key, int64_t *out, char *err,
    size_t errlen);
static int get_bool(json_t *obj, const char *key, bool *out, char *err,
    size_t errlen);

/* Operator prose (--reason): printable ASCII, spaces allowed. */
static bool
prose_valid(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

/*
 * Copies a string member into dst (size dstsz) after checking its shape.
 * An absent member leaves dst empty unless it is required.
 */
static int
get_string(json_t *obj, const char *key, enum field_kind kind, bool required,
    char *dst, size_t dstsz, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key);
	const char *s;
	size_t len;
	bool ok;

	dst[0] = '\0';
	if (v == NULL) {
		if (!required)
			return 0;
		snprintf(err, errlen, "missing \"%s\"", key);
		return -1;
	}
	if (!json_is_string(v)) {
		snprintf(err, errlen, "\"%s\" is not a string", key);
		return -1;
	}
	s = json_string_value(v);
	len = json_string_length(v);
	if (len >= dstsz) {
		snprintf(err, errlen, "\"%s\" is longer than %zu bytes", key,
		    dstsz - 1);
		return -1;
	}
	switch (kind) {
	case FIELD_USER:
		ok = cw_user_name_valid(s, len);
		break;
	case FIELD_OBJECT:
		ok = cw_object_name_valid(s, len);
		break;
	case FIELD_TEXT:
		ok = text_valid(s, len);
		break;
	case FIELD_PROSE:
		ok = prose_valid(s, len);
		break;
	case FIELD_MONTH:
		ok = month_valid(s, len);
		break;
	case FIELD_DIGITS:
		ok = len > 0 && strspn(s, "0123456789") == len;
		break;
	case FIELD_REF:         /* revocation ids and page cursors */
		ok = len > 0 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") == len;
		break;
	default:
		ok = strlen(s) == len;  /* no NUL inside */
		break;
	}
	if (!ok) {
		snprintf(err, errlen, "\"%s\" has characters not allowed", key);
		return -1;
	}
	memcpy(dst, s, len + 1);
	return 0;
}

/* Reads an enum-valued string member through its table of names. */
static int
get_enum(json_t *obj, const char *key, const char *const *names, size_t n,
    bool required, int dflt, int *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key);
	int i;

	*out = dflt;
	if (v == NULL) {
		if (!required)
			return 0;
		snprintf(err, errlen, "missing \"%s\"", key);
		return -1;
	}
	if (!json_is_string(v) ||
	    (i = lookup(names, n, json_string_value(v))) < 0) {
		snprintf(err, errlen, "\"%s\" has an unknown value", key);
		return -1;
	}
	*out = i;
	return 0;
}

/* Refuses members other than the ones listed: no silent extensions. */
static int
only_keys(json_t *obj, const char *const *allowed, char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(obj, key, v) {
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL) {
			snprintf(err, errlen, "unknown member \"%.40s\"", key);
			return -1;
		}
	}
	return 0;
}

/* Loads one JSON object of the current protocol version. */
static json_t *
load_object(const char *buf, size_t len, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root, *v;

	if (len == 0 || len > CW_WIRE_MAX_FRAME) {
		snprintf(err, errlen, "frame of %zu bytes", len);
		return NULL;
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		snprintf(err, errlen, "not JSON: %s", jerr.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "not a JSON object");
		goto fail;
	}
	v = json_object_get(root, "v");
	if (!json_is_integer(v) || json_integer_value(v) != CW_WIRE_VERSION) {
		snprintf(err, errlen, "unsupported protocol version");
		goto fail;
	}
	return root;
fail:
	json_decref(root);
	return NULL;
}

static const char *const request_keys[] = {
	"v", "op", "user", "host_class", "mode", "event", "service", "rhost",
	"tty", "role", "duration", "reason", "ticket", "effective", "month",
	"cursor", "after", "id", "at", "within", "until", "since", "audit_type", "host",
	"csv", "state", NULL
};

/* What each operation needs beyond "v" and "op". */
struct op_needs {
	bool user, host_class, role, duration, reason, month, id;
};

static const struct op_needs op_needs[] = {
	[CW_OP_DECIDE] = { true, true, false, false, false },
	[CW_OP_CHECK] = { true, true, false, false, false },
	[CW_OP_SESSION] = { true, true, false, false, false },
	[CW_OP_BREAKGLASS] = { true, true, false, false, false },
	[CW_OP_STATUS] = { false, false, false, false, false },
	[CW_OP_ELEVATE] = { true, false, true, true, true },
	[CW_OP_DROP] = { true, false, true, false, false },
	[CW_OP_ELEVATIONS] = { false, false, false, false, false },
	[CW_OP_LEAVER] = { true, false, false, false, true },
	[CW_OP_REVOKE] = { true, false, false, false, true },
	[CW_OP_REINSTATE] = { true, false, false, false, true },
	[CW_OP_QUEUE] = { false, false, false, false, false },
	[CW_OP_REPORT] = { false, false, false, false, false, true },
	[CW_OP_EXPORT] = { false, false, false, false, false, false },
	[CW_OP_ERASE] = { true, false, false, false, false, false },
	[CW_OP_RETRY] = { false, false, false, false, false, false, true },
	[CW_OP_WHO] = { false, true, false, false, false, false, false },
	[CW_OP_EXPIRING] = { false, false, false, false, false, false, false },
	[CW_OP_SUSPEND] = { true, false, false, false, true, false, false },
	[CW_OP_UNSUSPEND] = { true, false, false, false, true, false, false },
	[CW_OP_AUDIT_VERIFY] = { false, false, false, false, false, false,
	    false },
	[CW_OP_AUDIT_EXPORT] = { false, false, false, false, false, false,
	    false },
	[CW_OP_REQUEST] = { true, false, true, true, true, false, false },
	[CW_OP_REQUESTS] = { false, false, false, false, false, false, false },
	[CW_OP_APPROVE] = { true, false, true, true, false, false, true },
	[CW_OP_REJECT] = { true, false, false, false, true, false, true },
	[CW_OP_REVIEW] = { false, true, false, false, false, false, false },
};

/* "YYYY-MM" with a real month. */
static bool
month_valid(const char *s, size_t len)
{
	size_t i;

	if (len != 7 || s[4] != '-')
		return false;
	for (i = 0; i < 7; i++)
		if (i != 4 && (s[i] < '0' || s[i] > '9'))
			return false;
	return (s[5] == '0' && s[6] >= '1') || (s[5] == '1' && s[6] <= '2');
}

static int
get_duration(json_t *obj, bool required, int64_t *out, char *err,
    size_t errlen)
{
	json_t *v = json_object_get(obj, "duration");

	*out = 0;
	if (v == NULL && !required)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > CW_DURATION_MAX) {
		snprintf(err, errlen, "\"duration\" must be 1 to %lld seconds",
		    (long long)CW_DURATION_MAX);
		return -1;
	}
	*out = json_integer_value(v);
	return 0;
}

/*
 * The members that belong to one operation only: a decision at another
 * instant (at) is a question, never a logon; until, within and the audit
 * export's filters mean nothing elsewhere.  0, or -1 with err.
 */
static int
check_op_fields(enum cw_op op, const struct cw_request *r, char *err,
    size_t errlen)
{
	if ((op == CW_OP_SUSPEND && r->until == 0) ||
	    (r->until != 0 && op != CW_OP_SUSPEND &&
	    op != CW_OP_AUDIT_EXPORT)) {
		snprintf(err, errlen, op == CW_OP_SUSPEND ? "\"until\" is "
		    "required" : "\"until\" is only for suspend and "
		    "audit_export");
		return -1;
	}
	if (op != CW_OP_AUDIT_EXPORT && (r->since != 0 || r->csv ||
	    r->audit_type[0] != '\0' || r->host[0] != '\0')) {
		snprintf(err, errlen, "\"since\", \"audit_type\", \"host\" "
		    "and \"csv\" are only for audit_export");
		return -1;
	}
	if (r->state[0] != '\0' && op != CW_OP_REQUESTS) {
		snprintf(err, errlen, "\"state\" is only for requests");
		return -1;
	}
	if (r->at != 0 && op != CW_OP_CHECK) {
		snprintf(err, errlen, "\"at\" is only for check");
		return -1;
	}
	if ((op == CW_OP_EXPIRING) != (r->within != 0) ||
	    r->within > CW_WITHIN_MAX) {
		snprintf(err, errlen, op == CW_OP_EXPIRING ? "\"within\" must "
		    "be 1 s to 366 days" : "\"within\" is only for expiring");
		return -1;
	}
	return 0;
}

int
cw_request_parse(const char *buf, size_t len, struct cw_request *out,
    char *err, size_t errlen)
{
	json_t *root;
	int op = 0, mode = 0, event = 0, rc = -1;
	const struct op_needs *need;

	memset(out, 0, sizeof(*out));
	if ((root = load_object(buf, len, err, errlen)) == NULL)
		return -1;
	if (only_keys(root, request_keys, err, errlen) < 0 ||
	    get_enum(root, "op", cw_wire_op_names, NELEM(cw_wire_op_names), true, 0, &op,
	    err, errlen) < 0)
		goto out;
	need = &op_needs[op];
	if (get_string(root, "user", FIELD_USER, need->user, out->user,
	    sizeof(out->user), err, errlen) < 0 ||
	    get_string(root, "host_class", FIELD_OBJECT, need->host_class,
	    out->host_class, sizeof(out->host_class), err, errlen) < 0 ||
	    get_enum(root, "mode", (const char *const[]){ "login", "admin" },
	    2, false, CW_MODE_LOGIN, &mode, err, errlen) < 0 ||
	    get_enum(root, "event", event_names, NELEM(event_names),
	    op == CW_OP_SESSION, 0, &event, err, errlen) < 0 ||
	    get_string(root, "service", FIELD_TEXT, false, out->service,
	    sizeof(out->service), err, errlen) < 0 ||
	    get_string(root, "rhost", FIELD_TEXT, false, out->rhost,
	    sizeof(out->rhost), err, errlen) < 0 ||
	    get_string(root, "tty", FIELD_TEXT, false, out->tty,
	    sizeof(out->tty), err, errlen) < 0 ||
	    get_string(root, "role", FIELD_OBJECT, need->role, out->role,
	    sizeof(out->role), err, errlen) < 0 ||
	    get_duration(root, need->duration, &out->duration, err,
	    errlen) < 0 ||
	    get_string(root, "reason", FIELD_PROSE, need->reason,
	    out->reason, sizeof(out->reason), err, errlen) < 0 ||
	    get_string(root, "ticket", FIELD_TEXT, false, out->ticket,
	    sizeof(out->ticket), err, errlen) < 0 ||
	    get_time(root, "effective", &out->effective, err, errlen) < 0 ||
	    get_string(root, "month", FIELD_MONTH, need->month, out->month,
	    sizeof(out->month), err, errlen) < 0 ||
	    get_string(root, "cursor", FIELD_DIGITS, false, out->cursor,
	    sizeof(out->cursor), err, errlen) < 0 ||
	    get_string(root, "after", FIELD_REF, false, out->after,
	    sizeof(out->after), err, errlen) < 0 ||
	    get_string(root, "id", FIELD_REF, need->id, out->id,
	    sizeof(out->id), err, errlen) < 0 ||
	    get_time(root, "at", &out->at, err, errlen) < 0 ||
	    get_time(root, "within", &out->within, err, errlen) < 0 ||
	    get_time(root, "until", &out->until, err, errlen) < 0 ||
	    get_time(root, "since", &out->since, err, errlen) < 0 ||
	    get_string(root, "audit_type", FIELD_REF, false, out->audit_type,
	    sizeof(out->audit_type), err, errlen) < 0 ||
	    get_string(root, "host", FIELD_TEXT, false, out->host,
	    sizeof(out->host), err, errlen) < 0 ||
	    get_bool(root, "csv", &out->csv, err, errlen) < 0 ||
	    get_string(root, "state", FIELD_REF, false, out->state,
	    sizeof(out->state), err, errlen) < 0)
		goto out;
	if (check_op_fields((enum cw_op)op, out, err, errlen) < 0)
		goto out;
	if (need->reason && strspn(out->reason, " ") == strlen(out->reason)) {
		snprintf(err, errlen, "\"reason\" is empty");
		goto out;
	}
	out->op = (enum cw_op)op;
	out->mode = (enum cw_mode)mode;
	out->event = (enum cw_session_event)event;
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* An optional boolean member (absent: false). */
static int
get_bool(json_t *obj, const char *key, bool *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key);

	*out = false;
	if (v == NULL)
		return 0;
	if (!json_is_boolean(v)) {
		snprintf(err, errlen, "bad \"%s\"", key);
		return -1;
	}
	*out = json_is_true(v);
	return 0;
}

/* An optional non-negative integer member (Unix time). */
static int
get_time(json_t *obj, const char *key, int64_t *out, char *err,
    size_t errlen)
{
	json_t *v = json_object_get(obj, key);

	*out = 0;
	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		snprintf(err, errlen, "bad \"%s\"", key);
		return -1;
	}
	*out = json_integer_value(v);
	return 0;
}

int
cw_response_parse(const char *buf, size_t len, struct cw_response *out,
    char *err, size_t errlen)
{
	static const char *const keys[] = {
		"v", "status", "verdict", "reason", "message", "data",
		"training_expires", "elevation_ends", NULL
	};
	json_t *root, *v;
	int status = 0, rc = -1;

	memset(out, 0, sizeof(*out));
	out->decision.verdict = CW_VERDICT_DENY;
	if ((root = load_object(buf, len, err, errlen)) == NULL)
		return -1;
	if (only_keys(root, keys, err, errlen) < 0 ||
	    get_enum(root, "status", cw_wire_status_names, NELEM(cw_wire_status_names), true,
	    0, &status, err, errlen) < 0 ||
	    get_string(root, "message", FIELD_MESSAGE, false, out->message,
	    sizeof(out->message), err, errlen) < 0)
		goto out;
	out->status = (enum cw_status)status;
	if ((v = json_object_get(root, "data")) != NULL) {
		if (!json_is_object(v) ||
		    (out->data = json_dumps(v, JSON_COMPACT)) == NULL) {
			snprintf(err, errlen, "bad \"data\"");
			goto out;
		}
	}
	if (get_time(root, "training_expires", &out->training_expires, err,
	    errlen) < 0 || get_time(root, "elevation_ends",
	    &out->elevation_ends, err, errlen) < 0)
		goto out;
	if (out->status == CW_STATUS_OK && out->data == NULL) {
		v = json_object_get(root, "verdict");
		if (!json_is_string(v) ||
		    cw_verdict_parse(json_string_value(v),
		    &out->decision.verdict) < 0) {
			snprintf(err, errlen, "bad or missing \"verdict\"");
			goto out;
		}
		v = json_object_get(root, "reason");
		if (!json_is_string(v) ||
		    cw_reason_parse(json_string_value(v),
		    &out->decision.reason) < 0) {
			snprintf(err, errlen, "bad or missing \"reason\"");
			goto out;
		}
	}
	rc = 0;
out:
	if (rc < 0) {
		out->decision.verdict = CW_VERDICT_DENY;
		cw_response_free(out);
	}
	json_decref(root);
	return rc;
}

/* Dumps obj compactly; the result must fit one frame. */
static char *
dump(json_t *obj, size_t *len)
{
	char *s = NULL;

	if (obj != NULL)
		s = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (s == NULL)
		return NULL;
	*len = strlen(s);
	if (*len > CW_WIRE_MAX_FRAME) {
		free(s);
		return NULL;
	}
	return s;
}

/* Adds key: value unless value is empty (optional fields stay absent). */
static void
set_optional(json_t *obj, const char *key, const char *value)
{
	if (value[0] != '\0')
		json_object_set_new(obj, key, json_string(value));
}

char *
cw_request_encode(const struct cw_request *r, size_t *len)
{
	json_t *o;

	if ((unsigned)r->op >= NELEM(cw_wire_op_names))
		return NULL;
	o = json_pack("{s:i, s:s, s:s}", "v", CW_WIRE_VERSION, "op",
	    cw_wire_op_names[r->op], "mode", cw_mode_name(r->mode));
	if (o == NULL)
		return NULL;
	set_optional(o, "user", r->user);
	set_optional(o, "host_class", r->host_class);
	if (r->op == CW_OP_SESSION)
		json_object_set_new(o, "event", json_string(
		    r->event == CW_SESSION_CLOSE ? "close" : "open"));
	set_optional(o, "service", r->service);
	set_optional(o, "rhost", r->rhost);
	set_optional(o, "tty", r->tty);
	set_optional(o, "role", r->role);
	set_optional(o, "reason", r->reason);
	set_optional(o, "ticket", r->ticket);
	if (r->duration > 0)
		json_object_set_new(o, "duration", json_integer(r->duration));
	if (r->effective > 0)
		json_object_set_new(o, "effective", json_integer(r->effective));
	if (r->at > 0)
		json_object_set_new(o, "at", json_integer(r->at));
	if (r->within > 0)
		json_object_set_new(o, "within", json_integer(r->within));
	if (r->until > 0)
		json_object_set_new(o, "until", json_integer(r->until));
	if (r->since > 0)
		json_object_set_new(o, "since", json_integer(r->since));
	set_optional(o, "audit_type", r->audit_type);
	set_optional(o, "host", r->host);
	if (r->csv)
		json_object_set_new(o, "csv", json_true());
	set_optional(o, "month", r->month);
	set_optional(o, "cursor", r->cursor);
	set_optional(o, "after", r->after);
	set_optional(o, "id", r->id);
	set_optional(o, "state", r->state);
	return dump(o, len);
}

char *
cw_response_encode(const struct cw_response *r, size_t *len)
{
	json_t *o;

	o = json_pack("{s:i, s:s}", "v", CW_WIRE_VERSION, "status",
	    cw_status_name(r->status));
	if (o == NULL)
		return NULL;
	if (r->data != NULL) {
		json_t *d = json_loads(r->data, 0, NULL);

		if (!json_is_object(d)) {
			json_decref(d);
			json_decref(o);
			return NULL;
		}
		json_object_set_new(o, "data", d);
	} else if (r->status == CW_STATUS_OK) {
		json_object_set_new(o, "verdict",
		    json_string(cw_verdict_name(r->decision.verdict)));
		json_object_set_new(o, "reason",
		    json_string(cw_reason_name(r->decision.reason)));
	}
	set_optional(o, "message", r->message);
	if (r->training_expires > 0)
		json_object_set_new(o, "training_expires",
		    json_integer(r->training_expires));
	if (r->elevation_ends > 0)
		json_object_set_new(o, "elevation_ends",
		    json_integer(r->elevation_ends));
	return dump(o, len);
}
