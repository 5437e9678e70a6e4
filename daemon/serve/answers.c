/* SPDX-License-Identifier: MIT */
/*
 * answers.c - the answer table's writer (see answers.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "serve/answers.h"

struct cw_answers {
	char *path;
	int fd;                 /* holds the lock */
	unsigned char *map;
	size_t maplen;
	struct cw_answer_header *header;
	uint64_t gen;
	unsigned long long published;   /* for the line at close */
};

/*
 * Writes a header word and its check: the check cleared first and set
 * last, so that a module's read of the pair, however torn, either matches
 * one value written or fails (answer_table.h).
 */
static void
put_word(uint64_t *word, uint64_t *check, uint64_t value)
{
	atomic_store_explicit((_Atomic uint64_t *)check, 0,
	    memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit((_Atomic uint64_t *)word, value,
	    memory_order_relaxed);
	atomic_store_explicit((_Atomic uint64_t *)check,
	    cw_answer_word_check(value), memory_order_release);
}

static size_t
table_size(void)
{
	return (size_t)cw_answer_slot_offset(CW_ANSWER_SLOTS);
}

struct cw_answers *
cw_answers_open(const char *socket_path, char *err, size_t errlen)
{
	struct cw_answers *a = calloc(1, sizeof(*a));
	size_t plen = strlen(socket_path) + sizeof(CW_ANSWER_SUFFIX);

	if (a == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->fd = -1;
	a->map = MAP_FAILED;
	if ((a->path = malloc(plen)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	snprintf(a->path, plen, "%s%s", socket_path, CW_ANSWER_SUFFIX);
	/* Afresh: a file left by an earlier daemon holds its answers, and
	 * an old module may still hold it open (it sees no lock: a miss). */
	if (unlink(a->path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", a->path, strerror(errno));
		goto fail;
	}
	a->fd = open(a->path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	/* Blocking: a module that found the new file before the lock holds
	 * its shared lock for a few system calls (fast_answer.c). */
	if (a->fd < 0 || flock(a->fd, LOCK_EX) < 0 ||
	    fchmod(a->fd, 0600) < 0 || ftruncate(a->fd,
	    (off_t)table_size()) < 0) {
		snprintf(err, errlen, "%s: %s", a->path, strerror(errno));
		goto fail;
	}
	a->maplen = table_size();
	a->map = mmap(NULL, a->maplen, PROT_READ | PROT_WRITE, MAP_SHARED,
	    a->fd, 0);
	if (a->map == MAP_FAILED) {
		snprintf(err, errlen, "%s: mmap: %s", a->path, strerror(errno));
		goto fail;
	}
	a->header = (struct cw_answer_header *)a->map;
	a->header->version = CW_ANSWER_VERSION;
	a->header->nslots = CW_ANSWER_SLOTS;
	a->header->slot_size = CW_ANSWER_SLOT_SIZE;
	a->gen = 1;
	put_word(&a->header->gen, &a->header->gen_check, a->gen);
	/* No heartbeat yet: alive_until_ms 0 is in the past. */
	put_word((uint64_t *)&a->header->alive_until_ms,
	    &a->header->alive_check, 0);
	/* The magic last: a module that sees it sees the rest. */
	atomic_thread_fence(memory_order_release);
	memcpy(a->header->magic, CW_ANSWER_MAGIC, sizeof(a->header->magic));
	return a;
fail:
	cw_answers_close(a);
	return NULL;
}

void
cw_answers_close(struct cw_answers *a)
{
	if (a == NULL)
		return;
	if (a->fd >= 0) {
		unlink(a->path);        /* first: no new module opens it */
		cw_info("answer table: %llu answers published over %llu "
		    "generations of the data", a->published,
		    (unsigned long long)a->gen);
	}
	if (a->map != MAP_FAILED) {
		/* A module that opened it already sees no answer hold. */
		cw_answers_changed(a);
		munmap(a->map, a->maplen);
	}
	if (a->fd >= 0)
		close(a->fd);           /* the lock goes with it */
	free(a->path);
	free(a);
}

void
cw_answers_changed(struct cw_answers *a)
{
	if (a == NULL)
		return;
	a->gen++;
	put_word(&a->header->gen, &a->header->gen_check, a->gen);
	/* The change that follows is not seen before this. */
	atomic_thread_fence(memory_order_seq_cst);
}

void
cw_answers_heartbeat(struct cw_answers *a, long long now_ms)
{
	if (a == NULL)
		return;
	put_word((uint64_t *)&a->header->alive_until_ms,
	    &a->header->alive_check,
	    (uint64_t)(now_ms + CW_ANSWERS_ALIVE_MS));
}

void
cw_answers_get_stats(const struct cw_answers *a, struct cw_answers_stats *out)
{
	out->on = a != NULL;
	out->published = a != NULL ? a->published : 0;
	out->generation = a != NULL ? (unsigned long long)a->gen : 0;
}

void
cw_answers_put(struct cw_answers *a, const struct cw_answer_pub *p)
{
	const struct cw_answer_slot *bucket;
	struct cw_answer_slot s;
	unsigned char *dst;
	uint32_t first;

	if (a == NULL || cw_answer_slot_fill(&s, &p->key, p->decision, a->gen,
	    p->now, p->valid_until, p->mono_until_ms, p->training_expires,
	    p->elevation_ends) < 0)
		return;
	first = cw_answer_bucket(&p->key) * CW_ANSWER_WAYS;
	bucket = (const struct cw_answer_slot *)(a->map +
	    cw_answer_slot_offset(first));
	dst = a->map + cw_answer_slot_offset(first +
	    cw_answer_bucket_victim(bucket, &p->key, a->gen));
	/*
	 * The check word is cleared first and written last: a module that
	 * reads the slot meanwhile finds a check that does not match the
	 * rest (or none), a miss.
	 */
	atomic_store_explicit((_Atomic uint64_t *)dst, 0,
	    memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	memcpy(dst + sizeof(s.check), (const unsigned char *)&s +
	    sizeof(s.check), sizeof(s) - sizeof(s.check));
	atomic_store_explicit((_Atomic uint64_t *)dst, s.check,
	    memory_order_release);
	a->published++;
}
