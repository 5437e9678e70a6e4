/* SPDX-License-Identifier: MIT */
/*
 * audit_fixture - writes an audit trail through the real store, for the
 * shell test to verify, tamper with and export.
 *
 *   audit_fixture TRAIL KEYDIR [basic|retention|bulk=N]
 *
 * basic: days 2026-01-05, -06, -07 and -09 (the 8th the writer was not
 * running), every event type with awkward text, and a rotation from key
 * k1 to k2 on the 6th.  retention: days 0, 1, 2 and 100 with key k1, then
 * a sweep on day 200 with 183 days' retention (removes days 0..2).
 * KEYDIR must hold k1.key and k2.key.  Exit 0, or 1 with a message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "gentime.h"

#define HOUR_US (3600LL * 1000000LL)
#define DAY_US (24 * HOUR_US)
#define PER_DAY 6

static const char *const awkward[] = {
	"alice", "Zo\xc3\xab O'Neil, \"QA\"", "back\\slash/slash",
	"tab\there\x1b[0m", "\xe5\xb1\xb1\xe7\x94\xb0 \xf0\x9f\x94\x91",
	"comma,separated", "",
};

#define NAWKWARD (sizeof(awkward) / sizeof(awkward[0]))

static int
fill_event(struct cw_audit_event *ev, unsigned i, int64_t t)
{
	/* Every type but the store's own, in turn. */
	static const enum cw_audit_type types[] = {
		CW_AUDIT_PAM_DECISION, CW_AUDIT_SESSION_OPEN,
		CW_AUDIT_SESSION_CLOSE, CW_AUDIT_CLI_REQUEST,
		CW_AUDIT_ELEVATION_GRANTED, CW_AUDIT_ELEVATION_DROPPED,
		CW_AUDIT_ELEVATION_EXPIRED, CW_AUDIT_REVOCATION_REQUESTED,
		CW_AUDIT_REVOCATION_STEP, CW_AUDIT_REVOCATION_COMPLETED,
		CW_AUDIT_REVOCATION_DEADLINE_WARNING,
		CW_AUDIT_REVOCATION_DEADLINE_MISSED,
		CW_AUDIT_REVOCATION_DEAD_LETTERED, CW_AUDIT_SYNC_STATE,
		CW_AUDIT_DAEMON_START, CW_AUDIT_DAEMON_STOP,
		CW_AUDIT_CONFIG_RELOAD, CW_AUDIT_BREAKGLASS,
		CW_AUDIT_ANOMALY_ALERT,
	};
	enum cw_audit_type type = types[i % (sizeof(types) / sizeof(types[0]))];
	const char *who = awkward[i % NAWKWARD];

	if (cw_audit_event_init(ev, type, t, who, awkward[(i + 1) % NAWKWARD],
	    i % 3 == 0 ? "deny" : "success") < 0 ||
	    cw_audit_event_add_string(ev, "service", "sshd") < 0 ||
	    cw_audit_event_add_string(ev, "reason", who) < 0 ||
	    cw_audit_event_add_int(ev, "n", (int64_t)i * -7919) < 0 ||
	    cw_audit_event_add_bool(ev, "admin", i % 2 == 0) < 0)
		return -1;
	if (i % 4 == 0)
		cw_audit_event_set_host(ev, "db-7.example");
	return 0;
}

static int
write_day(struct cw_audit_store *st, int64_t day, unsigned *counter)
{
	struct cw_audit_event ev[PER_DAY];
	int64_t t = day * DAY_US + 9 * HOUR_US;
	char err[256];
	unsigned i;

	for (i = 0; i < PER_DAY; i++) {
		if (fill_event(&ev[i], (*counter)++, t + (int64_t)i *
		    HOUR_US) < 0) {
			fprintf(stderr, "audit_fixture: bad event\n");
			return -1;
		}
	}
	if (cw_audit_store_append(st, ev, PER_DAY, t + PER_DAY * HOUR_US, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "audit_fixture: %s\n", err);
		return -1;
	}
	return 0;
}

static int
build_basic(struct cw_audit_store *st, int64_t day0)
{
	static const int days[] = { 0, 1, 2, 4 };
	unsigned counter = 0;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
		if (write_day(st, day0 + days[i], &counter) < 0)
			return -1;
		if (days[i] == 1 && cw_audit_store_rotate_key(st, "k2", "root",
		    (day0 + 1) * DAY_US + 20 * HOUR_US, err, sizeof(err)) < 0) {
			fprintf(stderr, "audit_fixture: %s\n", err);
			return -1;
		}
	}
	return 0;
}

static int
build_retention(struct cw_audit_store *st, int64_t day0)
{
	static const int days[] = { 0, 1, 2, 100 };
	struct cw_audit_removal removed;
	unsigned counter = 0;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(days) / sizeof(days[0]); i++)
		if (write_day(st, day0 + days[i], &counter) < 0)
			return -1;
	if (cw_audit_retention_sweep(st, 183, "root",
	    (day0 + 200) * DAY_US + 12 * HOUR_US, &removed, err,
	    sizeof(err)) < 0 || removed.removed_files != 3) {
		fprintf(stderr, "audit_fixture: sweep: %s\n", err);
		return -1;
	}
	return 0;
}

/* N records, 20,000 a day in appends of 1,000: the export-size test. */
static int
build_bulk(struct cw_audit_store *st, int64_t day0, long n)
{
	static struct cw_audit_event ev[1000];
	unsigned counter = 0;
	char err[256];
	long done = 0, k, batch;

	while (done < n) {
		int64_t day = day0 + done / 20000;
		int64_t t = day * DAY_US + HOUR_US + (done % 20000) * 1000;

		batch = n - done < 1000 ? n - done : 1000;
		for (k = 0; k < batch; k++)
			if (fill_event(&ev[k], counter++, t + k * 1000) < 0)
				return -1;
		if (cw_audit_store_append(st, ev, (size_t)batch, t + batch *
		    1000, err, sizeof(err)) < 0) {
			fprintf(stderr, "audit_fixture: %s\n", err);
			return -1;
		}
		done += batch;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct cw_audit_store_options o = { .host = "web1", .key_id = "k1" };
	int64_t day0 = cw_days_from_civil(2026, 1, 5);
	struct cw_audit_store *st;
	bool retention;
	char err[256];
	int rc;

	long bulk = 0;

	if (argc == 4 && strncmp(argv[3], "bulk=", 5) == 0)
		bulk = atol(argv[3] + 5);
	if (argc < 3 || argc > 4 || (argc == 4 && bulk <= 0 &&
	    strcmp(argv[3], "basic") != 0 &&
	    strcmp(argv[3], "retention") != 0)) {
		fprintf(stderr, "usage: audit_fixture TRAIL KEYDIR "
		    "[basic|retention|bulk=N]\n");
		return 2;
	}
	retention = argc == 4 && strcmp(argv[3], "retention") == 0;
	o.dir = argv[1];
	o.key_dir = argv[2];
	if (cw_audit_store_open(&o, day0 * DAY_US + 8 * HOUR_US, &st, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "audit_fixture: %s\n", err);
		return 1;
	}
	rc = bulk > 0 ? build_bulk(st, day0, bulk) : retention ?
	    build_retention(st, day0) : build_basic(st, day0);
	cw_audit_store_close(st);
	return rc < 0 ? 1 : 0;
}
