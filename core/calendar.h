/* SPDX-License-Identifier: MIT */
/*
 * calendar.h - the working-day clock of contract section 5: UK bank
 * holidays by division, Europe/London local time, and the deadline of a
 * revocation ("within one Working Day").
 *
 * Pure: no I/O, no clock, no TZ database, no globals.  Time is always an
 * argument, and the holidays file arrives as bytes (io/config_file.c reads
 * it).  calendar.c: the holidays and working days; holidays_json.c: the
 * holidays file; deadline.c: London time and the deadline.
 *
 * Supported years: CW_CALENDAR_YEAR_MIN..CW_CALENDAR_YEAR_MAX (1996..9999).
 *   - 1996 is the first year in which the UK's summer time followed the
 *     rule coded here (the EU one: 01:00 UTC on the last Sundays of March
 *     and October); 1981-1995 ended on other dates.  The holiday rules all
 *     hold from 1978 (the first Early May bank holiday), so 1996 is the
 *     later of the two limits.  St Andrew's Day is a Scottish bank holiday
 *     from 2007 (St Andrew's Day Bank Holiday (Scotland) Act 2007) and is
 *     computed only from then.
 *   - 9999 is the last year an ISO 8601 date can write.  Later years are
 *     the current law projected forward, which is all anyone can do.
 *   Anything outside is refused (-1), never guessed.
 *
 * Bank holidays by rule, per division:
 *   england-and-wales  1 Jan, Good Friday, Easter Monday, first Monday in
 *                      May, last Monday in May, last Monday in August,
 *                      25 Dec, 26 Dec
 *   scotland           1 Jan, 2 Jan, Good Friday, first Monday in May,
 *                      last Monday in May, FIRST Monday in August,
 *                      30 Nov (St Andrew's Day, from 2007), 25 Dec, 26 Dec
 *   northern-ireland   as england-and-wales plus 17 Mar (St Patrick's Day)
 *                      and 12 Jul (Battle of the Boyne)
 * A date-fixed holiday on a Saturday or Sunday is replaced by a substitute
 * day: the next weekday that is not already a holiday, taken in date order
 * (Christmas on a Saturday: Monday 27; Boxing Day on the Sunday: Tuesday
 * 28).  As in the GOV.UK list, only the substitute day is listed.
 *
 * One-off changes are not rules and come only from a GOV.UK-format
 * bank-holidays.json file: for example 1999-12-31 (millennium), 2002 and
 * 2012 (jubilees, Spring holiday moved), 2011-04-29 (royal wedding), 2020
 * (Early May moved to Friday 8 May for VE Day), 2022 (Spring moved to
 * 2 June, 3 June jubilee, 19 September state funeral), 2023-05-08
 * (coronation).  For every year the file lists for the configured
 * division, the file's list for that year is authoritative: it replaces
 * the rules for that whole year, so moved and extra holidays come out
 * right.  Years the file does not list use the rules, so the calendar never
 * goes stale.  A hand-written override file must therefore list every
 * holiday of each year it names.
 */
#ifndef CW_CALENDAR_H
#define CW_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CW_CALENDAR_YEAR_MIN 1996
#define CW_CALENDAR_YEAR_MAX 9999

/* The GOV.UK file is about 20 KB; a century of holidays is under 1000. */
#define CW_HOLIDAYS_MAX_BYTES (1024 * 1024)
#define CW_HOLIDAYS_MAX_EVENTS 1000          /* per division */
#define CW_HOLIDAYS_PER_YEAR_MAX 32          /* per division and year */
#define CW_HOLIDAY_TITLE_MAX 120             /* bytes, title and notes */

/* The GOV.UK bank-holidays.json keys. */
enum cw_division {
	CW_DIVISION_ENGLAND_AND_WALES = 0,      /* the default */
	CW_DIVISION_SCOTLAND,
	CW_DIVISION_NORTHERN_IRELAND,
};
#define CW_DIVISION_COUNT 3
#define CW_DIVISION_NAMES "england-and-wales, scotland, northern-ireland"

/* "england-and-wales", ...; "?" for a value out of the enum. */
const char *cw_division_name(enum cw_division d);

/* Exact, case-sensitive name -> division.  Returns 0 or -1. */
int cw_division_parse(const char *name, enum cw_division *out);

/* One bank holiday. */
struct cw_holiday {
	int year;
	unsigned month, day;
	const char *title;      /* static, or owned by the calendar */
	bool substitute;        /* in lieu of a holiday at a weekend */
	bool from_file;         /* from bank-holidays.json, not a rule */
};

/* Every bank holiday of one year, by date. */
struct cw_holiday_list {
	size_t count;
	struct cw_holiday days[CW_HOLIDAYS_PER_YEAR_MAX];
};

/*
 * A division and the holidays file's events for it, by date.  Build one
 * with cw_calendar_init() (rules only) or cw_holidays_json_parse(); free
 * it with cw_calendar_free().  Read-only once built: safe to share.
 */
struct cw_calendar {
	enum cw_division division;
	struct cw_holiday *file_days;
	size_t file_count;
};

void cw_calendar_init(struct cw_calendar *cal, enum cw_division division);
void cw_calendar_free(struct cw_calendar *cal);

/*
 * Parses len bytes of GOV.UK bank-holidays.json:
 *   {"england-and-wales": {"division": "england-and-wales",
 *     "events": [{"title": "...", "date": "YYYY-MM-DD", "notes": "",
 *                 "bunting": true}, ...]},
 *    "scotland": {...}, "northern-ireland": {...}}
 * Strict, whichever division is wanted: at most CW_HOLIDAYS_MAX_BYTES; the
 * three division keys only (any subset, at least one), each naming itself
 * in "division"; per event "title" and "date" required, "notes" and
 * "bunting" optional, nothing else; titles and notes of 1..120 (notes
 * 0..120) bytes without control characters; real dates within the
 * supported years; no date twice; at most CW_HOLIDAYS_MAX_EVENTS per
 * division and CW_HOLIDAYS_PER_YEAR_MAX per year.  An event whose notes
 * are "Substitute day" is marked as a substitute.
 *
 * On success cal holds division and the file's events for it (none if the
 * file does not list that division: rules everywhere).  On error cal is a
 * rules-only calendar for division, and err names what was wrong.
 * Returns 0 or -1.
 */
int cw_holidays_json_parse(const char *buf, size_t len,
    enum cw_division division, struct cw_calendar *cal, char *err,
    size_t errlen);

/* Easter Sunday of a Gregorian year (1583..9999).  Returns 0 or -1. */
int cw_easter_sunday(int year, unsigned *month, unsigned *day);

/* Day of the week of a civil date: 0 = Monday .. 6 = Sunday. */
unsigned cw_weekday(int year, unsigned month, unsigned day);

/* "Monday" .. "Sunday"; "?" out of range. */
const char *cw_weekday_name(unsigned weekday);

/* True for a real date (month 1..12, day within the month). */
bool cw_date_valid(int year, unsigned month, unsigned day);

/*
 * The bank holidays of year in cal's division: the file's list when the
 * file covers that year, else the rules'.  Returns 0, or -1 for a year
 * outside the supported range.
 */
int cw_calendar_holidays(const struct cw_calendar *cal, int year,
    struct cw_holiday_list *out);

/*
 * Whether y-m-d is a bank holiday in cal's division; if so and out is not
 * NULL, *out describes it.  Returns 1, 0, or -1 for an invalid date or one
 * outside the supported years.
 */
int cw_calendar_holiday_on(const struct cw_calendar *cal, int year,
    unsigned month, unsigned day, struct cw_holiday *out);

/*
 * Whether y-m-d is a Working Day: not a Saturday, Sunday or bank holiday.
 * Returns 1, 0, or -1 for an invalid date or one outside the supported
 * years.
 */
int cw_is_working_day(const struct cw_calendar *cal, int year,
    unsigned month, unsigned day);

/*
 * Europe/London local time, by rule: GMT (UTC+0), and BST (UTC+1) from
 * 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of
 * October.  This is the EU rule, which the UK has followed since 1996;
 * instants before 1996-01-01T00:00:00Z or after 9999-12-31T23:59:59Z are
 * refused.
 */
struct cw_local_time {
	int year;
	unsigned month, day, hour, minute, second;
	unsigned weekday;       /* 0 = Monday */
	int utc_offset;         /* seconds east of UTC: 0 or 3600 */
};

/* "GMT" or "BST" for an offset from cw_london_from_utc(). */
const char *cw_london_zone_name(int utc_offset);

/* UTC instant -> London wall time.  Returns 0 or -1 (out of range). */
int cw_london_from_utc(int64_t t, struct cw_local_time *out);

enum cw_local_result {
	CW_LOCAL_OK = 0,
	CW_LOCAL_INVALID = -1,  /* not a real date/time, or out of range */
	CW_LOCAL_SKIPPED = -2,  /* in the spring gap: 01:00-01:59 never happens */
	CW_LOCAL_REPEATED = -3, /* in the autumn overlap: 01:00-01:59 twice */
};

/*
 * London wall time -> UTC instant.  A wall time that the spring change
 * skips or the autumn change repeats has no single answer and is refused
 * (CW_LOCAL_SKIPPED, CW_LOCAL_REPEATED).  Returns CW_LOCAL_OK or a
 * negative enum cw_local_result.
 */
int cw_london_to_utc(int year, unsigned month, unsigned day, unsigned hour,
    unsigned minute, unsigned second, int64_t *out);

enum cw_deadline_rule {
	/* event on a working day: the same wall time on the next one */
	CW_DEADLINE_SAME_TIME_NEXT_WORKING_DAY,
	/* event on another day: 24:00 of the first working day after it */
	CW_DEADLINE_END_OF_FIRST_WORKING_DAY,
};

/* A deadline and what it was reckoned from, for display and audit. */
struct cw_deadline {
	int64_t event_utc;
	int64_t deadline_utc;
	struct cw_local_time event_local;
	struct cw_local_time deadline_local;
	enum cw_deadline_rule rule;
	/* The working day the deadline falls in (ends, for END_OF_...). */
	int working_year;
	unsigned working_month, working_day;
};

/*
 * Contract section 5 for an event at event_utc, in London local time: an
 * event on a working day at hh:mm:ss is due at hh:mm:ss on the next working
 * day (converted with that day's UTC offset); an event on any other day is
 * due at the end (24:00, which is 00:00 of the following day) of the first
 * working day after it.  Returns 0, or -1 when the event or the deadline
 * falls outside the supported years.
 */
int cw_deadline_compute(const struct cw_calendar *cal, int64_t event_utc,
    struct cw_deadline *out);

/*
 * The deadline alone: the UTC instant by which a revocation requested at
 * event_utc must be done, or -1 (every supported instant is positive).
 */
int64_t cw_revocation_deadline(const struct cw_calendar *cal,
    int64_t event_utc);

#endif
