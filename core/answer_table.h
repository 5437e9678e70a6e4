/* SPDX-License-Identifier: MIT */
/*
 * answer_table.h - the answers clearwayd publishes for the PAM module to
 * read without a round trip (docs/performance.md, "The fifth pass").
 *
 * A logon asked over the socket costs two processes' wakeups; on a
 * virtual machine that is most of its time.  So clearwayd writes each
 * answer it gives root to a file only root can read, next to its socket
 * (<socket>.answers), and the module, running as root in sshd or sudo,
 * takes a later answer to the same question from there as long as it
 * still holds: until the data changes (the file's generation moves on),
 * until an instant the rules compare passes (valid_until), while the
 * data is fresh enough (mono_until) and while clearwayd is alive (its
 * lock on the file) and not hung (its heartbeat).  Anything else is a
 * miss, and a miss asks the socket as before: this file can only save a
 * round trip, never answer what the daemon did not.
 *
 * The layout, all integers in host order (one host reads what it wrote):
 *   bytes 0..4095   the header (struct cw_answer_header);
 *   then nslots slots of CW_ANSWER_SLOT_SIZE bytes.
 * The daemon writes through a shared mapping; the module reads with
 * pread (a mapping would cost it two system calls and a page fault more
 * per logon), which copies bytes with no promise that a word is read
 * whole while it is being written.  So every word the module relies on
 * carries a check: the slot one over all its bytes, the header's
 * generation and heartbeat one each.  A read torn by a write fails its
 * check: a miss.
 * A question hashes to a bucket of CW_ANSWER_WAYS slots, read in one
 * pread: with one slot per hash, two of a host's users whose names hash
 * alike (a few pairs among a thousand users) took the slot from each
 * other at every logon, and always asked the socket.
 *
 * Pure: no I/O.  The daemon's side is daemon/serve/answers.c, the
 * module's pam_module/fast_answer.c.
 */
#ifndef CW_ANSWER_TABLE_H
#define CW_ANSWER_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "names.h"
#include "policy.h"

#define CW_ANSWER_MAGIC "CWANSWR1"
#define CW_ANSWER_VERSION 2
#define CW_ANSWER_HEADER_SIZE 4096
#define CW_ANSWER_SLOT_SIZE 256
/* 65,536 slots: 16 MiB of tmpfs at most, only what is touched is used. */
#define CW_ANSWER_SLOTS_LOG2 16
#define CW_ANSWER_SLOTS (1u << CW_ANSWER_SLOTS_LOG2)
/* Slots per bucket: a bucket is read whole (1 KiB). */
#define CW_ANSWER_WAYS 4
#define CW_ANSWER_BUCKETS (CW_ANSWER_SLOTS / CW_ANSWER_WAYS)
/* The file's name: the socket's path and this. */
#define CW_ANSWER_SUFFIX ".answers"

/*
 * The header (the first 64 bytes of the file).  Each of gen and
 * alive_until_ms is written before its check (cw_answer_word_check), and
 * the check cleared first, so that a reader sees either a matching pair
 * or a miss.
 */
struct cw_answer_header {
	char magic[8];
	uint32_t version;
	uint32_t nslots;
	uint32_t slot_size;
	uint32_t reserved;
	uint64_t gen;           /* moves on at every change of the data */
	uint64_t gen_check;
	int64_t alive_until_ms; /* CLOCK_MONOTONIC ms: heartbeat's bound */
	uint64_t alive_check;
	char pad[8];
};

/* One answer, as it lies in the file (CW_ANSWER_SLOT_SIZE bytes). */
struct cw_answer_slot {
	uint64_t check;         /* cw_answer_slot_check(); 0: empty */
	uint64_t gen;           /* the header's gen when it was given */
	int64_t filled_at;      /* decision instant, Unix s */
	int64_t valid_until;    /* first instant it may differ, Unix s */
	int64_t mono_until_ms;  /* CLOCK_MONOTONIC ms: data too old after */
	int64_t training_expires;       /* the response's notices */
	int64_t elevation_ends;
	uint8_t mode;
	uint8_t verdict;
	uint8_t reason;
	uint8_t reserved;
	char user[CW_USER_MAX + 1];
	char host_class[CW_NAME_MAX + 1];
	char pad[CW_ANSWER_SLOT_SIZE - 7 * 8 - 4 - (CW_USER_MAX + 1) -
	    (CW_NAME_MAX + 1)];
};

_Static_assert(sizeof(struct cw_answer_slot) == CW_ANSWER_SLOT_SIZE,
    "answer slot size");
_Static_assert(sizeof(struct cw_answer_header) == 64, "answer header size");

/* The question an answer is for. */
struct cw_answer_key {
	const char *user;
	const char *host_class;
	enum cw_mode mode;
};

/* The bucket of key: its first slot is bucket * CW_ANSWER_WAYS. */
uint32_t cw_answer_bucket(const struct cw_answer_key *key);

/* The offset of slot i in the file. */
static inline uint64_t
cw_answer_slot_offset(uint32_t i)
{
	return CW_ANSWER_HEADER_SIZE + (uint64_t)i * CW_ANSWER_SLOT_SIZE;
}

/* The check over every byte of s after its check word (never 0). */
uint64_t cw_answer_slot_check(const struct cw_answer_slot *s);

/*
 * Fills s with the answer d to key, given at now (Unix s) with data
 * generation gen; valid_until and mono_until_ms bound it; notices as the
 * response carries them.  Sets the check last.  -1 if a name does not
 * fit (nothing is to be published then).
 */
int cw_answer_slot_fill(struct cw_answer_slot *s,
    const struct cw_answer_key *key, struct cw_decision d, uint64_t gen,
    int64_t now, int64_t valid_until, int64_t mono_until_ms,
    int64_t training_expires, int64_t elevation_ends);

/* What a slot may answer: the header's words as the module read them. */
struct cw_answer_now {
	uint64_t gen;
	int64_t wall;           /* Unix s */
	int64_t mono_ms;        /* CLOCK_MONOTONIC ms */
};

/*
 * Whether s (read whole, perhaps torn) answers key now: intact, for this
 * question, of this generation, and now inside its bounds.  Only allow
 * and deny are ever taken.
 */
bool cw_answer_slot_answers(const struct cw_answer_slot *s,
    const struct cw_answer_key *key, const struct cw_answer_now *now);

/* The check of a header word (never 0: 0 is "being written"). */
uint64_t cw_answer_word_check(uint64_t word);

/* The slot of bucket b (read whole) that answers key now; -1: none. */
int cw_answer_bucket_find(const struct cw_answer_slot b[CW_ANSWER_WAYS],
    const struct cw_answer_key *key, const struct cw_answer_now *now);

/*
 * The slot of bucket b (the daemon's own, not torn) that a new answer to
 * key of generation gen goes to: the question's own, else an empty one
 * or one of an older generation (no longer answers), else the one given
 * longest ago.
 */
unsigned cw_answer_bucket_victim(const struct cw_answer_slot b[CW_ANSWER_WAYS],
    const struct cw_answer_key *key, uint64_t gen);

/*
 * Whether h (read whole, perhaps torn) is a header this code reads, with
 * both words intact: then *gen and *alive_until_ms are set.
 */
bool cw_answer_header_read(const struct cw_answer_header *h, uint64_t *gen,
    int64_t *alive_until_ms);

#endif
