/* SPDX-License-Identifier: MIT */
/*
 * audit.h - the audit trail: one tamper-evident record format for every
 * event (audit_record.c, audit_parse.c: pure, no I/O, no clock), and its
 * store of daily files (audit_files.c, audit_lines.c, audit_append.c,
 * audit_keys.c, audit_retention.c, audit_verify.c, audit_export.c).
 *
 * RECORD.  One JSON object per line, exactly these eleven members:
 *
 *   seq      integer, 1.. : position in the chain; +1 per record, never
 *            reset (a chain spans all files)
 *   time     "YYYY-MM-DDTHH:MM:SS.ffffffZ" (RFC 3339, UTC, microseconds):
 *            when the event happened, by the clock of whoever saw it
 *   host     the host the event happened on
 *   type     one of the names in enum cw_audit_type (table below)
 *   actor    who caused it ("" when nobody in particular)
 *   subject  whom or what it is about ("" when nothing in particular)
 *   outcome  a token [a-z_]{1,32}: allow deny ignore unavailable success
 *            failure forbidden info alert ...
 *   details  an object of at most 16 members named [a-z][a-z0-9_]{0,31},
 *            each a string, a boolean or an integer within +-(2^53 - 1)
 *            (exact in every JSON reader; there are no fractions)
 *   key_id   the id of the HMAC key that sealed the record
 *   prev     hex MAC of the record before (64 zeros for seq 1)
 *   mac      hex HMAC-SHA256 of the canonical form (below), lower case
 *
 * Text (host, actor, subject, string details) is at most 256 bytes of
 * UTF-8 without control characters (C0, DEL, C1): the writer replaces
 * anything else with '?' and cuts longer text, ending it with "...".  An
 * event is never refused for its text (losing it would be worse), and a
 * hostile value (a user name from PAM, a tty) can never add a line or
 * send escape sequences to an auditor's terminal.  Every record the
 * writer can make fits in CW_AUDIT_LINE_MAX bytes.
 *
 * CANONICAL FORM AND MAC.  The MAC input is the record without its `mac`
 * member, serialized with keys sorted by byte value, no whitespace (","
 * and ":" only), non-ASCII text as raw UTF-8, and only '"' and '\' escaped
 * (the only characters JSON requires to escape that a record can hold).
 * That is jansson's json_dumps(JSON_SORT_KEYS | JSON_COMPACT) and also
 * Python's
 *     json.dumps(r, sort_keys=True, separators=(",", ":"),
 *                ensure_ascii=False).encode()
 * byte for byte.  The MAC is HMAC-SHA256 over those bytes.  The line on
 * disk is the same serialization with `mac` included, then "\n"; a
 * verifier refuses a line that is not exactly that, so editing even the
 * layout of a record is detected.  scripts/audit-verify.py is an
 * independent verifier in 150 lines of Python (stdlib only); its core is
 * the three lines above plus hmac.new(key, body, hashlib.sha256).
 *
 * KEYS.  <key_dir>/<key_id>.key, owned by root, no group/other bits (read
 * with cw_secret_read()), holding one line of 64 to 128 hex digits (32 to
 * 64 random bytes): hex because a secret file is one line of text, which
 * raw bytes cannot be (`openssl rand -hex 32`).  A key id is
 * [A-Za-z0-9_-][A-Za-z0-9._-]{0,63}: it names a file.  Rotation: a
 * `key_rotated` record, sealed with the OLD key, names the new key id in
 * details.new_key_id; every later record is sealed with the new key.
 *
 * CHAIN ACROSS FILES.  The store writes <dir>/audit-YYYY-MM-DD.jsonl by the
 * writer's UTC date.  Every file starts with a `day_opened` record
 * (details.previous_file names the file before it, absent at the chain's
 * start), and its `prev` is the previous file's last MAC, so one chain
 * runs through all files.  The daemon rolls over at midnight even without
 * events (cw_audit_store_roll), so every day with a running writer has a
 * file.  A missing day file breaks the chain at the next file's line 1,
 * and its day_opened names the missing file.  A date with no file is
 * legitimate only if the chain is unbroken across it (the writer was not
 * running; its daemon_stop/daemon_start records say so).  What the chain
 * cannot prove alone: that nothing was cut from the END (the newest
 * records or files); pass the writer's last seq and MAC (cw_audit_store_
 * chain_state) as the expected tail to cover that.  And nothing protects
 * against someone who holds the key.
 *
 * RETENTION.  A sweep first appends a `retention_removed` record naming
 * keep_from_seq, keep_from_prev and keep_from_file (the first record that
 * stays), then removes older files, oldest first.  A verifier accepts an
 * oldest file that does not start at seq 1 only when some verified
 * retention_removed record allows it: its first seq is below
 * keep_from_seq, or equal with the same prev.  Deleting files without
 * such a record, or deleting more than it allows, fails as missing_start.
 *
 * EVENT TYPES (type: actor / subject / details; the daemon fills them):
 *   pam_decision         user / user / host_class service mode rhost tty
 *                        decision reason; outcome = the decision
 *   session_open         user / user / service rhost tty
 *   session_close        user / user / service rhost tty duration_s
 *   cli_request          caller / target / command args exit
 *   elevation_granted    approver / user / role start end reason
 *   elevation_dropped    who / user / role
 *   elevation_expired    clearwayd / user / role end
 *   revocation_requested requester / user / id reason deadline effective
 *   revocation_step      clearwayd / user / id step target
 *   revocation_completed clearwayd / user / id deadline met
 *   revocation_deadline_warning, revocation_deadline_missed,
 *   revocation_dead_lettered      clearwayd / user / id deadline ...
 *   revocation_retried   approver / user / id (clearwayctl retry)
 *   sync_state           clearwayd / ldap|redis / state error
 *   daemon_start, daemon_stop     clearwayd / "" / version pid
 *   config_reload        clearwayd / path / error
 *   breakglass           user / user / service rhost tty; outcome alert
 *   anomaly_alert        clearwayd / user or rhost / kind count window_s;
 *                        outcome alert
 *   key_rotated          who / "" / new_key_id            (store)
 *   retention_removed    who / "" / keep_from_seq keep_from_prev
 *                        keep_from_file first_removed last_removed
 *                        removed_files retention_days     (store)
 *   day_opened           clearwayd / "" / previous_file   (store)
 *   writer_recovered     clearwayd / file / discarded_bytes
 *                        discarded_sha256: an unfinished write (crash)
 *                        was cut off the end of the file  (store)
 *   store_loss           clearwayd / redis / why old_epoch epoch old_gen
 *                        gen users revocations reasserted; outcome alert:
 *                        Redis forgot revocations (restart, FLUSHALL,
 *                        failover) and this host put them back
 */
#ifndef CW_AUDIT_H
#define CW_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CW_AUDIT_LINE_MAX 16384         /* bytes, without the newline */
#define CW_AUDIT_TEXT_MAX 256           /* bytes of one text value */
#define CW_AUDIT_MAX_DETAILS 16
#define CW_AUDIT_DETAIL_KEY_MAX 32
#define CW_AUDIT_OUTCOME_MAX 32
#define CW_AUDIT_KEY_ID_MAX 64
#define CW_AUDIT_KEY_MIN 32             /* key bytes */
#define CW_AUDIT_KEY_MAX 64
#define CW_AUDIT_MAC_LEN 32             /* HMAC-SHA256 */
#define CW_AUDIT_HEX_LEN (2 * CW_AUDIT_MAC_LEN)
#define CW_AUDIT_TIME_LEN 27            /* 2026-11-23T09:00:00.000000Z */
#define CW_AUDIT_INT_MAX 9007199254740991LL     /* 2^53 - 1 */
/* "audit-YYYY-MM-DD.jsonl" plus NUL. */
#define CW_AUDIT_FILE_NAME_SIZE 23

enum cw_audit_type {
	CW_AUDIT_PAM_DECISION = 0,
	CW_AUDIT_SESSION_OPEN,
	CW_AUDIT_SESSION_CLOSE,
	CW_AUDIT_CLI_REQUEST,
	CW_AUDIT_ELEVATION_GRANTED,
	CW_AUDIT_ELEVATION_DROPPED,
	CW_AUDIT_ELEVATION_EXPIRED,
	CW_AUDIT_REVOCATION_REQUESTED,
	CW_AUDIT_REVOCATION_STEP,
	CW_AUDIT_REVOCATION_COMPLETED,
	CW_AUDIT_REVOCATION_DEADLINE_WARNING,
	CW_AUDIT_REVOCATION_DEADLINE_MISSED,
	CW_AUDIT_REVOCATION_DEAD_LETTERED,
	CW_AUDIT_SYNC_STATE,
	CW_AUDIT_DAEMON_START,
	CW_AUDIT_DAEMON_STOP,
	CW_AUDIT_CONFIG_RELOAD,
	CW_AUDIT_BREAKGLASS,
	CW_AUDIT_KEY_ROTATED,
	CW_AUDIT_RETENTION_REMOVED,
	CW_AUDIT_ANOMALY_ALERT,
	CW_AUDIT_DAY_OPENED,
	CW_AUDIT_WRITER_RECOVERED,
	CW_AUDIT_REVOCATION_RETRIED,
	CW_AUDIT_STORE_LOSS,
	CW_AUDIT_SUSPENDED,             /* clearwayctl suspend */
	CW_AUDIT_UNSUSPENDED,           /* clearwayctl unsuspend */
	CW_AUDIT_ACCESS_REQUESTED,      /* clearwayctl request */
	CW_AUDIT_ACCESS_APPROVED,       /* clearwayctl approve */
	CW_AUDIT_ACCESS_REJECTED,       /* clearwayctl reject */
	CW_AUDIT_ACCESS_EXPIRED,        /* a request left unanswered */
	CW_AUDIT_TYPE_COUNT
};

enum cw_audit_value_kind {
	CW_AUDIT_STRING = 0,
	CW_AUDIT_INTEGER,
	CW_AUDIT_BOOLEAN,
};

struct cw_audit_detail {
	char key[CW_AUDIT_DETAIL_KEY_MAX + 1];
	enum cw_audit_value_kind kind;
	char text[CW_AUDIT_TEXT_MAX + 1];
	int64_t integer;
	bool boolean;
};

/*
 * What happened, before it is sealed.  Fill it with cw_audit_event_init()
 * and cw_audit_event_add_*(), which make any text safe; it owns no memory.
 */
struct cw_audit_event {
	enum cw_audit_type type;
	int64_t time_us;                /* microseconds since the epoch, UTC */
	char host[CW_AUDIT_TEXT_MAX + 1];       /* "": the chain's host */
	char actor[CW_AUDIT_TEXT_MAX + 1];
	char subject[CW_AUDIT_TEXT_MAX + 1];
	char outcome[CW_AUDIT_OUTCOME_MAX + 1];
	struct cw_audit_detail details[CW_AUDIT_MAX_DETAILS];
	size_t ndetails;
};

/* A sealed record, as written or as parsed back. */
struct cw_audit_record {
	struct cw_audit_event event;    /* host always set */
	uint64_t seq;
	char key_id[CW_AUDIT_KEY_ID_MAX + 1];
	unsigned char prev[CW_AUDIT_MAC_LEN];
	unsigned char mac[CW_AUDIT_MAC_LEN];
};

/*
 * The writer's end of the chain.  seq and mac are the last sealed record's
 * (0 and zeros before the first).  To save it, keep seq, mac and key_id
 * (cw_audit_chain_state_encode); never the key, which stays in its file.
 */
struct cw_audit_chain {
	uint64_t seq;
	unsigned char mac[CW_AUDIT_MAC_LEN];
	char key_id[CW_AUDIT_KEY_ID_MAX + 1];
	unsigned char key[CW_AUDIT_KEY_MAX];
	size_t key_len;
	char host[CW_AUDIT_TEXT_MAX + 1];
};

/* ---- names and values (audit_record.c) ---- */

const char *cw_audit_type_name(enum cw_audit_type t);
int cw_audit_type_parse(const char *s, enum cw_audit_type *out);
bool cw_audit_key_id_valid(const char *s);

/* Formats microseconds since the epoch; -1 outside years 1970..9999. */
int cw_audit_time_format(int64_t us, char buf[CW_AUDIT_TIME_LEN + 1]);
/* Parses exactly the form cw_audit_time_format() writes; 0 or -1. */
int cw_audit_time_parse(const char *s, size_t len, int64_t *us);

/* MACs as hex: cw_hex_encode() and cw_hex_decode(.., lower_only) (text.h). */

/* ---- events ---- */

/*
 * Clears ev and sets its fixed members.  Text is made safe and cut (see
 * above); actor and subject may be NULL (""); outcome must be a token.
 * Returns 0, or -1 for an unknown type, a bad outcome or a bad time.
 */
int cw_audit_event_init(struct cw_audit_event *ev, enum cw_audit_type type,
    int64_t time_us, const char *actor, const char *subject,
    const char *outcome);
void cw_audit_event_set_host(struct cw_audit_event *ev, const char *host);

/* Each returns -1 for a bad or repeated key, or no room; value text is made
 * safe, integers must be within +-CW_AUDIT_INT_MAX. */
int cw_audit_event_add_string(struct cw_audit_event *ev, const char *key,
    const char *value);
int cw_audit_event_add_int(struct cw_audit_event *ev, const char *key,
    int64_t value);
int cw_audit_event_add_bool(struct cw_audit_event *ev, const char *key,
    bool value);

/* The detail named key, or NULL. */
const struct cw_audit_detail *cw_audit_event_detail(
    const struct cw_audit_event *ev, const char *key);

/* ---- the chain ---- */

/*
 * Starts a new chain (seq 0, zero MAC) that will seal with key_id/key as
 * host.  Returns 0, or -1 for a bad key id or key length.
 */
int cw_audit_chain_start(struct cw_audit_chain *c, const char *host,
    const char *key_id, const unsigned char *key, size_t key_len,
    char *err, size_t errlen);

/*
 * Continues after last, a record already verified.  key must be the key
 * of cw_audit_record_next_key_id(last).  Returns 0 or -1.
 */
int cw_audit_chain_resume(struct cw_audit_chain *c, const char *host,
    const struct cw_audit_record *last, const unsigned char *key,
    size_t key_len, char *err, size_t errlen);

/* The key id the record after r must carry (key_rotated changes it). */
const char *cw_audit_record_next_key_id(const struct cw_audit_record *r);

/* Wipes the key. */
void cw_audit_chain_wipe(struct cw_audit_chain *c);

/*
 * Seals ev as the chain's next record: *line is a malloc'd canonical line
 * ending in "\n", *len its length.  The chain advances only on success.
 * Returns 0 or -1.
 */
int cw_audit_seal(struct cw_audit_chain *c, const struct cw_audit_event *ev,
    char **line, size_t *len, char *err, size_t errlen);

/*
 * Seals a key_rotated record (naming new_key_id) with the current key,
 * then makes new_key the chain's key.  Returns 0 or -1 (chain unchanged).
 */
int cw_audit_seal_key_rotation(struct cw_audit_chain *c, int64_t time_us,
    const char *actor, const char *new_key_id, const unsigned char *new_key,
    size_t new_key_len, char **line, size_t *len, char *err, size_t errlen);

/* {"key_id":..,"mac":..,"seq":..}: the chain's position, without the key. */
#define CW_AUDIT_STATE_MAX 256
int cw_audit_chain_state_encode(const struct cw_audit_chain *c,
    char buf[CW_AUDIT_STATE_MAX]);
/* Restores seq, mac and key_id; the caller loads the key.  0 or -1. */
int cw_audit_chain_state_decode(const char *buf, size_t len,
    struct cw_audit_chain *c);

/* ---- parsing (audit_parse.c) and checking one line ---- */

/*
 * Parses one line (len bytes, without its newline; at most
 * CW_AUDIT_LINE_MAX): exactly the eleven members, each of its type and
 * within its limits, no duplicate keys.  Checks no MAC.  On error err says
 * what was wrong (never quoting more than a few bytes of the input).
 * Returns 0 or -1.
 */
int cw_audit_line_parse(const char *buf, size_t len,
    struct cw_audit_record *out, char *err, size_t errlen);

enum cw_audit_check {
	CW_AUDIT_CHECK_OK = 0,
	CW_AUDIT_CHECK_MAC,     /* the MAC does not match the content */
	CW_AUDIT_CHECK_FORM,    /* content right, but the line was re-laid out */
	CW_AUDIT_CHECK_ERROR,   /* out of memory */
};

/*
 * Checks a parsed record against its line and the key of r->key_id:
 * recomputes the MAC (compared in constant time), then requires the line
 * to be exactly the canonical serialization.
 */
enum cw_audit_check cw_audit_record_check(const struct cw_audit_record *r,
    const char *line, size_t len, const unsigned char *key, size_t key_len);

/* The canonical serialization, with or without `mac`, malloc'd, no "\n". */
char *cw_audit_record_serialize(const struct cw_audit_record *r,
    bool with_mac, size_t *len);
/* details alone as canonical JSON (for CSV), malloc'd. */
char *cw_audit_details_json(const struct cw_audit_event *ev);

/* ---- the store of daily files (audit_files.c) ---- */

/* "audit-YYYY-MM-DD.jsonl" for a day number (days since 1970-01-01). */
int cw_audit_file_name(int64_t day, char name[CW_AUDIT_FILE_NAME_SIZE]);
/* The day of a file name of exactly that form; 0 or -1. */
int cw_audit_file_day(const char *name, int64_t *day);

/* ---- keys (audit_keys.c) ---- */

/*
 * Loads <key_dir>/<key_id>.key (see KEYS).  Errors name the file, never
 * its content.  Returns 0 or -1.
 */
int cw_audit_key_load(const char *key_dir, const char *key_id,
    unsigned char key[CW_AUDIT_KEY_MAX], size_t *key_len, char *err,
    size_t errlen);

/* ---- the writer (audit_append.c; rotation: audit_keys.c) ---- */

/*
 * The writer of one trail directory.  Not thread-safe: one thread (the
 * daemon's audit writer) owns it; a lock file keeps other processes out.
 */
struct cw_audit_store;

struct cw_audit_store_options {
	const char *dir;        /* created 0700 if missing */
	const char *key_dir;
	const char *host;       /* this writer's host name */
	const char *key_id;     /* for a new chain; a chain keeps its own */
};

/*
 * Opens the store for appending: takes an exclusive lock (one writer per
 * directory), resumes the chain from the newest file's last record (whose
 * MAC must verify), cuts an unfinished last line left by a crash and
 * records that as writer_recovered, and rolls over to now's day.
 * Returns 0 or -1.
 */
int cw_audit_store_open(const struct cw_audit_store_options *o,
    int64_t now_us, struct cw_audit_store **out, char *err, size_t errlen);

/*
 * Seals and appends n events in one write, after rolling over to now's
 * day if needed, then fsyncs once: when it returns 0 every record is on
 * disk.  On -1 some of them may be on disk; the store then refuses further
 * appends and must be closed and opened again (which repairs the file);
 * repeat the events then (at-least-once).
 */
int cw_audit_store_append(struct cw_audit_store *st,
    const struct cw_audit_event *ev, size_t n, int64_t now_us, char *err,
    size_t errlen);

/* Starts now's day file (with its day_opened) if it is not open yet. */
int cw_audit_store_roll(struct cw_audit_store *st, int64_t now_us,
    char *err, size_t errlen);

/* Loads new_key_id, appends key_rotated with the old key, switches. */
int cw_audit_store_rotate_key(struct cw_audit_store *st,
    const char *new_key_id, const char *actor, int64_t now_us, char *err,
    size_t errlen);

/* The chain's position: seq, MAC and key id of the last record. */
const struct cw_audit_chain *cw_audit_store_chain(
    const struct cw_audit_store *st);

void cw_audit_store_close(struct cw_audit_store *st);

/* ---- retention (audit_retention.c) ---- */

struct cw_audit_removal {
	size_t removed_files;
	char first_removed[CW_AUDIT_FILE_NAME_SIZE];
	char last_removed[CW_AUDIT_FILE_NAME_SIZE];
	char keep_from_file[CW_AUDIT_FILE_NAME_SIZE];
	uint64_t keep_from_seq;
	unsigned char keep_from_prev[CW_AUDIT_MAC_LEN];
};

/*
 * Which files are entirely older than retention_days before now (a file's
 * day ends before the cut-off), and the first record that stays.  Refuses
 * retention_days below CW_AUDIT_RETENTION_MIN_DAYS (183).  Removes
 * nothing.  Returns 0 or -1.
 */
int cw_audit_retention_plan(const char *dir, int retention_days,
    int64_t now_us, struct cw_audit_removal *plan, char *err, size_t errlen);

/*
 * Plans, appends the retention_removed record, then removes the files
 * oldest first: a crash in between leaves a trail that still verifies.
 * *removed says what went.  Returns 0 or -1.
 */
int cw_audit_retention_sweep(struct cw_audit_store *st, int retention_days,
    const char *actor, int64_t now_us, struct cw_audit_removal *removed,
    char *err, size_t errlen);

/* ---- verification (audit_verify.c) ---- */

enum cw_audit_problem_kind {
	CW_AUDIT_INTACT = 0,
	CW_AUDIT_CHANGED,       /* MAC mismatch, re-laid-out line, bad link */
	CW_AUDIT_DELETED,       /* seq gap: records removed */
	CW_AUDIT_REORDERED,     /* a record out of its place, or repeated */
	CW_AUDIT_TRUNCATED,     /* last line unfinished, or an empty file */
	CW_AUDIT_MALFORMED,     /* not a record, or a record out of place */
	CW_AUDIT_MISSING_DAY,   /* a day file in the middle is gone */
	CW_AUDIT_MISSING_START, /* older files removed without a record */
	CW_AUDIT_MISSING_TAIL,  /* ends before the expected last record */
	CW_AUDIT_KEY,           /* key missing, unreadable, or not the chain's */
	CW_AUDIT_EMPTY,         /* no audit files at all */
	CW_AUDIT_IO,            /* a file or the directory cannot be read */
};

const char *cw_audit_problem_name(enum cw_audit_problem_kind k);

struct cw_audit_verify_options {
	const char *dir;
	const char *key_dir;
	bool expect_tail;       /* the writer's last seq and MAC are known */
	uint64_t tail_seq;
	unsigned char tail_mac[CW_AUDIT_MAC_LEN];
};

struct cw_audit_verify_report {
	size_t files;
	uint64_t records;
	uint64_t first_seq, last_seq;
	char last_mac[CW_AUDIT_HEX_LEN + 1];
	size_t key_rotations;
	size_t retention_removals;
	size_t days_without_file;       /* date gaps the chain spans intact */
	struct {
		enum cw_audit_problem_kind kind;
		char file[CW_AUDIT_FILE_NAME_SIZE];     /* "" when none */
		unsigned long line;     /* 1-based; 0 when not a line */
		uint64_t seq;           /* of that line's record; 0 unknown */
		int sys_errno;          /* CW_AUDIT_IO; CW_AUDIT_KEY: EACCES/EPERM */
		char what[320];
	} problem;
};

/*
 * Checks every audit file in date order and reports the FIRST problem:
 * file, line, seq and what.  Streams: memory does not grow with the trail.
 * Returns 0 when intact, -1 otherwise (r->problem says why).
 */
int cw_audit_verify_dir(const struct cw_audit_verify_options *o,
    struct cw_audit_verify_report *r);

/*
 * The report as one JSON object (malloc'd, compact): intact files records
 * first_seq last_seq last_mac key_rotations retention_removals
 * days_without_file, and problem {kind file line seq what} when broken.
 * What clearwayctl audit verify --json prints, whoever reads the files.
 * NULL when out of memory.
 */
char *cw_audit_verify_report_json(const struct cw_audit_verify_report *r);

/* ---- export (audit_export.c) ---- */

enum cw_audit_format {
	CW_AUDIT_FORMAT_JSONL = 0,
	CW_AUDIT_FORMAT_CSV,
};

struct cw_audit_export_result {
	uint64_t records;       /* written */
	uint64_t skipped;       /* lines that are not records */
	char first_skipped[CW_AUDIT_FILE_NAME_SIZE + 24];      /* file:line */
};

/*
 * Writes every record with since_us <= time < until_us to out, line by
 * line in constant memory: JSONL as stored, or CSV (RFC 4180, CRLF, a
 * header row) with the columns seq,time,host,type,actor,subject,outcome,
 * details,key_id,prev,mac where details is one JSON string.  Records are
 * in the file of the day they were written, which for an event forwarded
 * late is after its time, so files from the day before since onwards are
 * read.  Lines that are not records are skipped and counted (run verify).
 * Returns 0, or -1 on an I/O error.
 */
int cw_audit_export(const char *dir, int64_t since_us, int64_t until_us,
    enum cw_audit_format format, FILE *out,
    struct cw_audit_export_result *res, char *err, size_t errlen);

/* Which records an export keeps (NULL / -1: any). */
struct cw_audit_filter {
	int64_t since_us, until_us;     /* since <= time < until */
	const char *user;               /* the actor or the subject */
	int type;                       /* an enum cw_audit_type, or -1 */
	const char *host;
};

/* Where a paged export goes on: a day file and the lines read in it. */
struct cw_audit_cursor {
	int64_t day;                    /* 0: from the first file */
	unsigned long line;
	bool done;                      /* set when every file was read */
};

/*
 * Like cw_audit_export, for the records f keeps, from *cur on, stopping
 * at a line boundary once at least max_bytes were written (0: no limit);
 * *cur says where the next page starts.  The CSV header is written only
 * when cur->day is 0.  Returns 0, or -1 on an I/O error.
 */
int cw_audit_export_page(const char *dir, const struct cw_audit_filter *f,
    enum cw_audit_format format, FILE *out, struct cw_audit_cursor *cur,
    size_t max_bytes, struct cw_audit_export_result *res, char *err,
    size_t errlen);

#endif
