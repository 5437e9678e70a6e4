/* SPDX-License-Identifier: MIT */
/*
 * audit_keys.c - the HMAC keys: reading a key file (audit.h, KEYS), the
 * verifier's cache of keys by id, and rotating the writer's chain to a
 * new key.  Apart because this is the only code that holds key bytes
 * outside a chain: every copy is wiped here.
 */
#include "audit_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_file.h"
#include "text.h"

int
cw_audit_key_load(const char *key_dir, const char *key_id,
    unsigned char key[CW_AUDIT_KEY_MAX], size_t *key_len, char *err,
    size_t errlen)
{
	/* Room for 128 digits, a newline, and cw_secret_read's margin. */
	char path[PATH_MAX], hex[2 * CW_AUDIT_KEY_MAX + 3];
	int n, rc = -1;

	*key_len = 0;
	if (!cw_audit_key_id_valid(key_id)) {
		cw_set_err(err, errlen, "invalid audit key id");
		return -1;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.key", key_dir,
	    key_id) >= sizeof(path)) {
		cw_set_err(err, errlen, "%s: path too long", key_dir);
		return -1;
	}
	if ((n = cw_secret_read(path, hex, sizeof(hex), err, errlen)) < 0)
		goto out;
	if (n % 2 != 0 || n < 2 * CW_AUDIT_KEY_MIN ||
	    n > 2 * CW_AUDIT_KEY_MAX) {
		cw_set_err(err, errlen, "%s: must hold %d to %d hex digits", path,
		    2 * CW_AUDIT_KEY_MIN, 2 * CW_AUDIT_KEY_MAX);
		goto out;
	}
	/* Either case: people write key files (`openssl rand -hex`). */
	if (cw_hex_decode(hex, (size_t)n, key, (size_t)n / 2, false) < 0) {
		cw_set_err(err, errlen, "%s: not hex", path);
		goto out;
	}
	*key_len = (size_t)n / 2;
	rc = 0;
out:
	explicit_bzero(hex, sizeof(hex));
	if (rc < 0)
		explicit_bzero(key, CW_AUDIT_KEY_MAX);
	return rc;
}

/* A full cache reuses its slots in turn: a chain rotates rarely. */
int
audit_key_cache_get(struct key_cache *kc, const char *key_dir,
    const char *id, const unsigned char **key, size_t *len, char *err,
    size_t errlen)
{
	size_t i;

	for (i = 0; i < kc->used; i++) {
		if (strcmp(kc->slot[i].id, id) == 0)
			goto found;
	}
	i = kc->used < KEY_CACHE_SLOTS ? kc->used++ : kc->next++ %
	    KEY_CACHE_SLOTS;
	kc->slot[i].id[0] = '\0';
	if (cw_audit_key_load(key_dir, id, kc->slot[i].key, &kc->slot[i].len,
	    err, errlen) < 0)
		return -1;
	snprintf(kc->slot[i].id, sizeof(kc->slot[i].id), "%s", id);
found:
	*key = kc->slot[i].key;
	*len = kc->slot[i].len;
	return 0;
}

void
audit_key_cache_wipe(struct key_cache *kc)
{
	explicit_bzero(kc, sizeof(*kc));
}

/* ---- rotation ---- */

int
cw_audit_store_rotate_key(struct cw_audit_store *st, const char *new_key_id,
    const char *actor, int64_t now_us, char *err, size_t errlen)
{
	unsigned char key[CW_AUDIT_KEY_MAX];
	struct cw_audit_chain next;
	char *line = NULL;
	size_t key_len, len;
	int rc = -1;

	/* Load the new key first: a rotation to a key we cannot read would
	 * leave a chain nobody can continue. */
	if (cw_audit_key_load(st->key_dir, new_key_id, key, &key_len, err,
	    errlen) < 0 || cw_audit_store_roll(st, now_us, err, errlen) < 0)
		goto wipe;
	next = st->chain;
	if (cw_audit_seal_key_rotation(&next, now_us, actor, new_key_id, key,
	    key_len, &line, &len, err, errlen) == 0 &&
	    audit_store_write(st, st->fd, line, len, err, errlen) == 0) {
		st->chain = next;
		rc = 0;
	}
	cw_audit_chain_wipe(&next);
wipe:
	explicit_bzero(key, sizeof(key));
	free(line);
	return rc;
}
