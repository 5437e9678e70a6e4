/* SPDX-License-Identifier: MIT */
/*
 * anomaly.c - anomaly alerts from decisions (anomaly.h).
 *
 * One fixed table of keys "<kind>/<user or host>", open addressing with a
 * short probe: a decision costs a hash and a few compares, and memory
 * never grows, whatever names a caller (or an attacker at the login
 * prompt) sends.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "audit/anomaly.h"
#include "lib/probe.h"

#define BUCKETS 10
#define PROBE 16
#define KEY_MAX (CW_AUDIT_TEXT_MAX + 16)

struct slot {
	bool used;
	char key[KEY_MAX + 1];
	int64_t last_seen_ms;
	int64_t last_alert_ms;
	bool alerted;
	int64_t epoch;                  /* bucket number of buckets[epoch % 10] */
	uint32_t buckets[BUCKETS];
};

struct cw_anomaly {
	struct cw_anomaly_config cfg;
	int64_t window_ms;
	int64_t bucket_ms;
	struct slot slots[CW_ANOMALY_SLOTS];
};

static const char *const kind_names[CW_ALERT_KIND_COUNT] = {
	"revoked_logon", "leaver_logon", "breakglass", "user_denials",
	"host_denials", "forged_host",
};

const char *
cw_alert_kind_name(enum cw_alert_kind k)
{
	return (unsigned)k < CW_ALERT_KIND_COUNT ? kind_names[k] : "unknown";
}

struct cw_anomaly *
cw_anomaly_new(const struct cw_anomaly_config *c)
{
	struct cw_anomaly *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->cfg = *c;
	if (a->cfg.user_denials < 1)
		a->cfg.user_denials = 1;
	if (a->cfg.host_denials < 1)
		a->cfg.host_denials = 1;
	if (a->cfg.window_s < 1)
		a->cfg.window_s = 1;
	a->window_ms = (int64_t)a->cfg.window_s * 1000;
	a->bucket_ms = a->window_ms / BUCKETS > 0 ? a->window_ms / BUCKETS : 1;
	return a;
}

void
cw_anomaly_free(struct cw_anomaly *a)
{
	free(a);
}

/* Printable ASCII, at most max bytes: safe in a log line and a record. */
static void
safe_copy(char *dst, const char *src, size_t max)
{
	size_t i;

	src = src != NULL ? src : "";
	for (i = 0; i < max && src[i] != '\0'; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[i] = '\0';
}

static bool
slot_holds(const void *slot, const char *key)
{
	const struct slot *s = slot;

	return s->used && strcmp(s->key, key) == 0;
}

/* When a slot is forgotten for a new key (see slot_get). */
struct victim_rule {
	int64_t now_ms, stale_ms;
};

static bool
slot_better_victim(const void *slot, const void *victim, const void *ctx)
{
	const struct slot *s = slot, *v = victim;
	const struct victim_rule *rule = ctx;

	if (!s->used || rule->now_ms - s->last_seen_ms > rule->stale_ms)
		return v->used;
	return v->used && s->last_seen_ms < v->last_seen_ms;
}

/*
 * The slot of key: found, or a free or expired one nearby, or the least
 * recently seen of the probe (forgetting it: a bounded table must forget
 * something, and the oldest key is the one least likely to alert).
 */
static struct slot *
slot_get(struct cw_anomaly *a, const char *key, int64_t now_ms)
{
	const struct cw_probe table = { a->slots, CW_ANOMALY_SLOTS,
	    sizeof(a->slots[0]), PROBE, slot_holds, slot_better_victim };
	const struct victim_rule rule = { now_ms, 2 * a->window_ms };
	struct slot *victim;
	bool found;

	victim = cw_probe_find(&table, key, &rule, &found);
	if (found)
		return victim;
	memset(victim, 0, sizeof(*victim));
	victim->used = true;
	memcpy(victim->key, key, strlen(key) + 1);
	victim->epoch = now_ms / a->bucket_ms;
	return victim;
}

static void
make_key(char key[KEY_MAX + 1], enum cw_alert_kind kind, const char *who)
{
	size_t n = strlen(kind_names[kind]);

	memcpy(key, kind_names[kind], n);
	key[n] = '/';
	safe_copy(key + n + 1, who, CW_AUDIT_TEXT_MAX);
}

/* Counts one denial in s's ring; returns the count within the window. */
static int64_t
ring_count(struct cw_anomaly *a, struct slot *s, int64_t now_ms)
{
	int64_t now_b = now_ms / a->bucket_ms, b, sum = 0;
	size_t i;

	if (now_b - s->epoch >= BUCKETS)
		memset(s->buckets, 0, sizeof(s->buckets));
	else
		for (b = s->epoch + 1; b <= now_b; b++)
			s->buckets[b % BUCKETS] = 0;
	if (now_b > s->epoch)
		s->epoch = now_b;
	s->buckets[s->epoch % BUCKETS]++;
	for (i = 0; i < BUCKETS; i++)
		sum += s->buckets[i];
	return sum;
}

/* True (and remembered) when s may alert now: once per window. */
static bool
may_alert(struct cw_anomaly *a, struct slot *s, int64_t now_ms)
{
	if (s->alerted && now_ms - s->last_alert_ms < a->window_ms)
		return false;
	s->alerted = true;
	s->last_alert_ms = now_ms;
	return true;
}

static void
fill(struct cw_anomaly *a, struct cw_alert *al, enum cw_alert_kind kind,
    const char *subject, const char *user, const char *rhost,
    const char *reason, int64_t count)
{
	memset(al, 0, sizeof(*al));
	al->kind = kind;
	safe_copy(al->subject, subject, CW_AUDIT_TEXT_MAX);
	safe_copy(al->user, user, CW_AUDIT_TEXT_MAX);
	safe_copy(al->rhost, rhost, CW_AUDIT_TEXT_MAX);
	safe_copy(al->reason, reason, CW_ANOMALY_REASON_MAX);
	al->count = count;
	al->window_s = a->cfg.window_s;
}

/* An alert of kind about who, rate-limited; counts when threshold > 0. */
static bool
check(struct cw_anomaly *a, enum cw_alert_kind kind, const char *who,
    int threshold, int64_t now_ms, int64_t *count)
{
	char key[KEY_MAX + 1];
	struct slot *s;

	make_key(key, kind, who);
	s = slot_get(a, key, now_ms);
	s->last_seen_ms = now_ms;
	*count = 1;
	if (threshold > 0 && (*count = ring_count(a, s, now_ms)) < threshold)
		return false;
	return may_alert(a, s, now_ms);
}

static enum cw_alert_kind
kind_of_reason(const char *reason)
{
	if (strcmp(reason, "revoked") == 0)
		return CW_ALERT_REVOKED_LOGON;
	if (strcmp(reason, "left") == 0 || strcmp(reason, "not_active") == 0)
		return CW_ALERT_LEAVER_LOGON;
	if (strcmp(reason, "breakglass") == 0)
		return CW_ALERT_BREAKGLASS;
	return CW_ALERT_KIND_COUNT;
}

size_t
cw_anomaly_decision(struct cw_anomaly *a, const char *user,
    const char *rhost, const char *verdict, const char *reason,
    int64_t now_ms, struct cw_alert out[CW_ANOMALY_MAX_ALERTS])
{
	enum cw_alert_kind kind;
	bool has_user = user != NULL && user[0] != '\0';
	bool has_host = rhost != NULL && rhost[0] != '\0';
	int64_t count;
	size_t n = 0;

	reason = reason != NULL ? reason : "";
	kind = kind_of_reason(reason);
	if (kind != CW_ALERT_KIND_COUNT && check(a, kind, user, 0, now_ms,
	    &count))
		fill(a, &out[n++], kind, user, user, rhost, reason, 1);
	if (verdict == NULL || strcmp(verdict, "deny") != 0)
		return n;
	if (has_user && check(a, CW_ALERT_USER_DENIALS, user,
	    a->cfg.user_denials, now_ms, &count))
		fill(a, &out[n++], CW_ALERT_USER_DENIALS, user, user, rhost,
		    reason, count);
	if (has_host && check(a, CW_ALERT_HOST_DENIALS, rhost,
	    a->cfg.host_denials, now_ms, &count))
		fill(a, &out[n++], CW_ALERT_HOST_DENIALS, rhost, user, rhost,
		    reason, count);
	return n;
}

size_t
cw_anomaly_breakglass(struct cw_anomaly *a, const char *user,
    const char *rhost, int64_t now_ms, struct cw_alert *out)
{
	int64_t count;

	if (!check(a, CW_ALERT_BREAKGLASS, user, 0, now_ms, &count))
		return 0;
	fill(a, out, CW_ALERT_BREAKGLASS, user, user, rhost, "breakglass", 1);
	return 1;
}
