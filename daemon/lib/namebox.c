/* SPDX-License-Identifier: MIT */
/*
 * namebox.c - see namebox.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/namebox.h"

struct cw_namebox_item {
	struct cw_namebox_item *next;
	char name[];
};

void
cw_namebox_init(struct cw_namebox *b, struct cw_wake *bell, size_t max)
{
	memset(b, 0, sizeof(*b));
	pthread_mutex_init(&b->lock, NULL);
	b->bell = bell;
	b->max = max;
	cw_strmap_init(&b->waiting);
	cw_strmap_init(&b->set);
	cw_strmap_init(&b->kept);
}

void
cw_namebox_free(struct cw_namebox *b)
{
	struct cw_namebox_item *it, *next;

	for (it = b->head; it != NULL; it = next) {
		next = it->next;
		free(it);
	}
	b->head = b->tail = NULL;
	cw_strmap_clear(&b->waiting, NULL);
	cw_strmap_clear(&b->set, NULL);
	cw_strmap_clear(&b->kept, NULL);
	pthread_mutex_destroy(&b->lock);
}

int
cw_namebox_put(struct cw_namebox *b, const char *name)
{
	struct cw_namebox_item *it = NULL;
	size_t len = strlen(name);
	void *old;
	int rc = -1;

	pthread_mutex_lock(&b->lock);
	if (cw_strmap_get(&b->waiting, name) != NULL) {
		rc = 0;
		goto out;
	}
	if (b->waiting.count >= b->max ||
	    (it = malloc(sizeof(*it) + len + 1)) == NULL)
		goto out;
	memcpy(it->name, name, len + 1);
	it->next = NULL;
	if (cw_strmap_put(&b->waiting, name, (void *)1, &old) < 0) {
		free(it);
		goto out;
	}
	if (b->tail != NULL)
		b->tail->next = it;
	else
		b->head = it;
	b->tail = it;
	rc = 0;
out:
	pthread_mutex_unlock(&b->lock);
	if (rc == 0)
		cw_wake_poke(b->bell);
	return rc;
}

bool
cw_namebox_take(struct cw_namebox *b, char *out, size_t outlen)
{
	struct cw_namebox_item *it = NULL;

	pthread_mutex_lock(&b->lock);
	if (!b->have_set && (it = b->head) != NULL) {
		b->head = it->next;
		if (b->head == NULL)
			b->tail = NULL;
		(void)cw_strmap_remove(&b->waiting, it->name);
	}
	pthread_mutex_unlock(&b->lock);
	if (it == NULL)
		return false;
	snprintf(out, outlen, "%s", it->name);
	free(it);
	return true;
}

void
cw_namebox_put_set(struct cw_namebox *b, const struct cw_strmap *set)
{
	struct cw_strmap copy, kept;
	bool complete;

	/* Copied without the lock: the consumer never waits on a big set. */
	cw_strmap_init(&copy);
	cw_strmap_init(&kept);
	complete = cw_strmap_add_keys(&copy, set) == 0 &&
	    cw_strmap_add_keys(&kept, set) == 0;
	pthread_mutex_lock(&b->lock);
	if (b->have_set) {
		/* Names that left any set since the last take stay out. */
		(void)cw_strmap_keep_keys(&b->kept, set);
		complete = complete && b->set_complete;
	} else {
		cw_strmap_clear(&b->kept, NULL);
		b->kept = kept;
		cw_strmap_init(&kept);
	}
	cw_strmap_clear(&b->set, NULL);
	b->set = copy;
	b->have_set = true;
	b->set_complete = complete;
	pthread_mutex_unlock(&b->lock);
	cw_strmap_clear(&kept, NULL);
	cw_wake_poke(b->bell);
}

bool
cw_namebox_take_set(struct cw_namebox *b, struct cw_strmap *latest,
    struct cw_strmap *kept, bool *complete)
{
	bool have;

	pthread_mutex_lock(&b->lock);
	if ((have = b->have_set)) {
		cw_strmap_clear(latest, NULL);
		cw_strmap_clear(kept, NULL);
		*latest = b->set;
		*kept = b->kept;
		*complete = b->set_complete;
		cw_strmap_init(&b->set);
		cw_strmap_init(&b->kept);
		b->have_set = false;
	}
	pthread_mutex_unlock(&b->lock);
	return have;
}
