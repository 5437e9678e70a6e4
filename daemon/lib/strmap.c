/* SPDX-License-Identifier: MIT */
/*
 * strmap.c - see strmap.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strmap.h"
#include "text.h"

/*
 * Keys are names and UUIDs from our own directory, not an attacker's
 * choice, so the unkeyed cw_fnv1a() is enough.
 */
struct cw_strmap_node {
	struct cw_strmap_node *next;
	uint64_t hash;
	void *value;
	char key[];
};

void
cw_strmap_init(struct cw_strmap *m)
{
	memset(m, 0, sizeof(*m));
}

void
cw_strmap_clear(struct cw_strmap *m, void (*free_value)(void *))
{
	struct cw_strmap_node *n, *next;
	size_t i;

	for (i = 0; i < m->nbuckets; i++) {
		for (n = m->buckets[i]; n != NULL; n = next) {
			next = n->next;
			if (free_value != NULL)
				free_value(n->value);
			free(n);
		}
	}
	free(m->buckets);
	cw_strmap_init(m);
}

static struct cw_strmap_node **
slot(const struct cw_strmap *m, const char *key, uint64_t h)
{
	struct cw_strmap_node **p = &m->buckets[h & (m->nbuckets - 1)];

	while (*p != NULL && ((*p)->hash != h || strcmp((*p)->key, key) != 0))
		p = &(*p)->next;
	return p;
}

void *
cw_strmap_get(const struct cw_strmap *m, const char *key)
{
	struct cw_strmap_node **p;

	if (m->count == 0)
		return NULL;
	p = slot(m, key, cw_fnv1a(key));
	return *p != NULL ? (*p)->value : NULL;
}

/* Doubles the table once the load factor passes 1. */
static int
grow(struct cw_strmap *m)
{
	size_t n = m->nbuckets ? m->nbuckets * 2 : 64, i;
	struct cw_strmap_node **b = calloc(n, sizeof(*b)), *node, *next;

	if (b == NULL)
		return -1;
	for (i = 0; i < m->nbuckets; i++) {
		for (node = m->buckets[i]; node != NULL; node = next) {
			next = node->next;
			node->next = b[node->hash & (n - 1)];
			b[node->hash & (n - 1)] = node;
		}
	}
	free(m->buckets);
	m->buckets = b;
	m->nbuckets = n;
	return 0;
}

int
cw_strmap_put(struct cw_strmap *m, const char *key, void *value, void **old)
{
	uint64_t h = cw_fnv1a(key);
	struct cw_strmap_node **p, *n;
	size_t len = strlen(key);

	*old = NULL;
	if (m->count >= m->nbuckets && grow(m) < 0)
		return -1;
	p = slot(m, key, h);
	if (*p != NULL) {
		*old = (*p)->value;
		(*p)->value = value;
		return 0;
	}
	if ((n = malloc(sizeof(*n) + len + 1)) == NULL)
		return -1;
	n->next = NULL;
	n->hash = h;
	n->value = value;
	memcpy(n->key, key, len + 1);
	*p = n;
	m->count++;
	return 0;
}

void *
cw_strmap_remove(struct cw_strmap *m, const char *key)
{
	struct cw_strmap_node **p, *n;
	void *value;

	if (m->count == 0)
		return NULL;
	p = slot(m, key, cw_fnv1a(key));
	if ((n = *p) == NULL)
		return NULL;
	*p = n->next;
	value = n->value;
	free(n);
	m->count--;
	return value;
}

void
cw_strmap_foreach(const struct cw_strmap *m,
    void (*fn)(const char *key, void *value, void *arg), void *arg)
{
	struct cw_strmap_node *n;
	size_t i;

	for (i = 0; i < m->nbuckets; i++)
		for (n = m->buckets[i]; n != NULL; n = n->next)
			fn(n->key, n->value, arg);
}
