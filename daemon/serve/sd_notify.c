/* SPDX-License-Identifier: MIT */
/*
 * sd_notify.c - see sd_notify.h.  Server thread only: no locking of its
 * own (the sync status is copied under the sync's lock).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "serve/sd_notify.h"
#include "store/redis.h"
#include "sync/sync.h"

/* STATUS= at most this often: it is for people, not a heartbeat. */
#define STATUS_MIN_INTERVAL_MS 1000

static struct {
	bool checked;           /* WATCHDOG_USEC read */
	long long interval_ms;  /* half of WatchdogSec=; 0: off */
	long long next_ms;      /* next keep-alive due */
	long long status_ms;    /* last STATUS= considered */
	char status[256];       /* last STATUS= sent */
} sd;

/* WATCHDOG_USEC (and WATCHDOG_PID, if set, naming us), read once. */
static void watchdog_init(void)
{
	uint64_t usec = 0;

	sd.checked = true;
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
		/* Half the interval, as sd_watchdog_enabled(3) advises. */
		sd.interval_ms = (long long)(usec / 2000);
		if (sd.interval_ms < 1)
			sd.interval_ms = 1;
	}
}

/* One line: what the operator wants from systemctl status. */
static void describe(struct cw_sync *sync, char *buf, size_t len)
{
	struct cw_sync_status st;

	if (sync == NULL) {
		snprintf(buf, len, "serving");
		return;
	}
	cw_sync_get_status(sync, &st);
	snprintf(buf, len, "policy generation %lld; redis %s; ldap %s%s%s",
	    st.generation, st.redis_up ? "up" : "DOWN",
	    !st.ldap_enabled ? "sync off" : st.ldap_state[0] != '\0' ?
	    st.ldap_state : "starting",
	    st.ldap_enabled && st.ldap_uri[0] != '\0' ? " with " : "",
	    st.ldap_enabled ? st.ldap_uri : "");
}

int cw_sd_loop_tick(struct cw_sync *sync, int timeout_ms)
{
	long long now = cw_now_ms(), left;
	char status[sizeof sd.status];

	if (!sd.checked)
		watchdog_init();
	if (sd.interval_ms > 0 && now >= sd.next_ms) {
		sd_notify(0, "WATCHDOG=1");
		sd.next_ms = now + sd.interval_ms;
	}
	if (now - sd.status_ms >= STATUS_MIN_INTERVAL_MS) {
		sd.status_ms = now;
		describe(sync, status, sizeof status);
		if (strcmp(status, sd.status) != 0) {
			memcpy(sd.status, status, sizeof status);
			sd_notifyf(0, "STATUS=%s", status);
		}
	}
	if (sd.interval_ms == 0)
		return timeout_ms;
	left = sd.next_ms - now;
	if (left < 0)
		left = 0;
	return timeout_ms < 0 || left < timeout_ms ? (int)left : timeout_ms;
}

void cw_sd_reloading(void)
{
	struct timespec ts;

	/* systemd 253+ (Type=notify-reload) wants the time with it. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nSTATUS=reloading the configuration\n"
	    "MONOTONIC_USEC=%" PRIu64, (uint64_t)ts.tv_sec * 1000000 +
	    (uint64_t)ts.tv_nsec / 1000);
}

void cw_sd_reloaded(void)
{
	sd.status[0] = '\0';    /* STATUS= again at the next tick */
	sd.status_ms = 0;
	sd_notify(0, "READY=1");
}
