/* SPDX-License-Identifier: MIT */
/*
 * answer_table.c - the answer table's slots (see answer_table.h).
 */
#include <string.h>

#include "answer_table.h"

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t
fnv_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= FNV_PRIME;
	}
	return h;
}

uint32_t
cw_answer_bucket(const struct cw_answer_key *key)
{
	unsigned char mode = (unsigned char)key->mode;
	uint64_t h = FNV_OFFSET;

	/* The terminators keep ("ab", "c") and ("a", "bc") apart. */
	h = fnv_bytes(h, key->user, strlen(key->user) + 1);
	h = fnv_bytes(h, key->host_class, strlen(key->host_class) + 1);
	h = fnv_bytes(h, &mode, 1);
	return (uint32_t)(h ^ (h >> 32)) & (CW_ANSWER_BUCKETS - 1);
}

/* Whether s holds an answer to key, whatever its bounds. */
static bool
same_question(const struct cw_answer_slot *s, const struct cw_answer_key *key)
{
	return s->check != 0 && s->mode == (uint8_t)key->mode &&
	    strncmp(s->user, key->user, sizeof(s->user)) == 0 &&
	    strncmp(s->host_class, key->host_class,
	    sizeof(s->host_class)) == 0;
}

int
cw_answer_bucket_find(const struct cw_answer_slot b[CW_ANSWER_WAYS],
    const struct cw_answer_key *key, const struct cw_answer_now *now)
{
	int i;

	for (i = 0; i < CW_ANSWER_WAYS; i++)
		if (cw_answer_slot_answers(&b[i], key, now))
			return i;
	return -1;
}

unsigned
cw_answer_bucket_victim(const struct cw_answer_slot b[CW_ANSWER_WAYS],
    const struct cw_answer_key *key, uint64_t gen)
{
	unsigned i, oldest = 0;

	for (i = 0; i < CW_ANSWER_WAYS; i++)
		if (same_question(&b[i], key))
			return i;
	for (i = 0; i < CW_ANSWER_WAYS; i++)
		if (b[i].check == 0 || b[i].gen != gen)
			return i;
	for (i = 1; i < CW_ANSWER_WAYS; i++)
		if (b[i].filled_at < b[oldest].filled_at)
			oldest = i;
	return oldest;
}

uint64_t
cw_answer_slot_check(const struct cw_answer_slot *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint64_t h = fnv_bytes(FNV_OFFSET, p + sizeof(s->check),
	    sizeof(*s) - sizeof(s->check));

	return h == 0 ? 1 : h;  /* 0 means empty */
}

int
cw_answer_slot_fill(struct cw_answer_slot *s, const struct cw_answer_key *key,
    struct cw_decision d, uint64_t gen, int64_t now, int64_t valid_until,
    int64_t mono_until_ms, int64_t training_expires, int64_t elevation_ends)
{
	size_t ul = strlen(key->user), hl = strlen(key->host_class);

	memset(s, 0, sizeof(*s));
	if (ul >= sizeof(s->user) || hl >= sizeof(s->host_class))
		return -1;
	s->gen = gen;
	s->filled_at = now;
	s->valid_until = valid_until;
	s->mono_until_ms = mono_until_ms;
	s->training_expires = training_expires;
	s->elevation_ends = elevation_ends;
	s->mode = (uint8_t)key->mode;
	s->verdict = (uint8_t)d.verdict;
	s->reason = (uint8_t)d.reason;
	memcpy(s->user, key->user, ul);
	memcpy(s->host_class, key->host_class, hl);
	s->check = cw_answer_slot_check(s);
	return 0;
}

bool
cw_answer_slot_answers(const struct cw_answer_slot *s,
    const struct cw_answer_key *key, const struct cw_answer_now *now)
{
	if (s->check == 0 || s->check != cw_answer_slot_check(s))
		return false;   /* empty, or read while rewritten */
	if (s->gen != now->gen || s->mode != (uint8_t)key->mode)
		return false;
	/* The names are terminated inside the slot: the check covered them
	 * as the daemon wrote them (fill leaves the rest zero). */
	if (s->user[sizeof(s->user) - 1] != '\0' ||
	    s->host_class[sizeof(s->host_class) - 1] != '\0' ||
	    strcmp(s->user, key->user) != 0 ||
	    strcmp(s->host_class, key->host_class) != 0)
		return false;
	/* A clock that went back before the answer, or reached an instant
	 * the rules compare: ask again. */
	if (now->wall < s->filled_at || now->wall >= s->valid_until)
		return false;
	if (now->mono_ms >= s->mono_until_ms)
		return false;
	if (s->verdict == CW_VERDICT_ALLOW)
		return s->reason == CW_REASON_OK ||
		    s->reason == CW_REASON_OK_ELEVATED;
	return s->verdict == CW_VERDICT_DENY &&
	    s->reason < CW_REASON_COUNT &&
	    s->reason != CW_REASON_POLICY_UNAVAILABLE &&
	    s->reason != CW_REASON_BREAKGLASS && s->reason != CW_REASON_EXEMPT;
}

uint64_t
cw_answer_word_check(uint64_t word)
{
	uint64_t h = fnv_bytes(FNV_OFFSET, &word, sizeof(word));

	return h == 0 ? 1 : h;
}

bool
cw_answer_header_read(const struct cw_answer_header *h, uint64_t *gen,
    int64_t *alive_until_ms)
{
	if (memcmp(h->magic, CW_ANSWER_MAGIC, sizeof(h->magic)) != 0 ||
	    h->version != CW_ANSWER_VERSION || h->nslots != CW_ANSWER_SLOTS ||
	    h->slot_size != CW_ANSWER_SLOT_SIZE ||
	    h->gen_check != cw_answer_word_check(h->gen) ||
	    h->alive_check != cw_answer_word_check(
	    (uint64_t)h->alive_until_ms))
		return false;
	*gen = h->gen;
	*alive_until_ms = h->alive_until_ms;
	return true;
}
