/* SPDX-License-Identifier: MIT */
/*
 * test_holidays_json.c - core/holidays_json.c: GOV.UK bank-holidays.json
 * overriding the rules for the years it lists, every form it refuses,
 * its bounds, and the configuration's part (io/config_file.c reads the
 * file: cw_calendar_load). *
 * Expected values come from outside the code under test: Easter dates
 * from published tables (cross-checked with python-dateutil's easter()),
 * holiday lists from the GOV.UK lists for those years (the rules give
 * them exactly, apart from the one-offs noted), and instants from Python's
 * zoneinfo with the system's Europe/London tzdata, written out as numbers
 * so that a bug shared by code and test cannot cancel out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "calendar_assert.h"
#include "config.h"
#include "config_file.h"
#include "gentime.h"

/* --- bank-holidays.json -------------------------------------------------- */

/* GOV.UK's 2020, when Early May moved to Friday 8 May for VE Day. */
static const char govuk_2020[] =
    "{\"england-and-wales\":{\"division\":\"england-and-wales\",\"events\":["
    "{\"title\":\"New Year\xe2\x80\x99s Day\",\"date\":\"2020-01-01\","
    "\"notes\":\"\",\"bunting\":true},"
    "{\"title\":\"Good Friday\",\"date\":\"2020-04-10\",\"notes\":\"\","
    "\"bunting\":false},"
    "{\"title\":\"Easter Monday\",\"date\":\"2020-04-13\",\"notes\":\"\","
    "\"bunting\":true},"
    "{\"title\":\"Early May bank holiday (VE day)\",\"date\":\"2020-05-08\","
    "\"notes\":\"\",\"bunting\":true},"
    "{\"title\":\"Spring bank holiday\",\"date\":\"2020-05-25\","
    "\"notes\":\"\",\"bunting\":true},"
    "{\"title\":\"Summer bank holiday\",\"date\":\"2020-08-31\","
    "\"notes\":\"\",\"bunting\":true},"
    "{\"title\":\"Boxing Day\",\"date\":\"2020-12-28\","
    "\"notes\":\"Substitute day\",\"bunting\":true},"
    "{\"title\":\"Christmas Day\",\"date\":\"2020-12-25\",\"notes\":\"\","
    "\"bunting\":true}]},"
    "\"northern-ireland\":{\"division\":\"northern-ireland\",\"events\":["
    "{\"title\":\"St Patrick\xe2\x80\x99s Day\",\"date\":\"2020-03-17\","
    "\"notes\":\"\",\"bunting\":true}]}}";

static void
parse_ok(const char *json, enum cw_division d, struct cw_calendar *cal)
{
	char err[256] = "";

	if (cw_holidays_json_parse(json, strlen(json), d, cal, err,
	    sizeof(err)) != 0)
		fail_msg("refused: %s", err);
}

static void
test_file_overrides_year(void **state)
{
	struct cw_holiday_list list;
	struct cw_calendar cal;
	struct cw_holiday h;

	(void)state;
	parse_ok(govuk_2020, EW, &cal);
	assert_int_equal(cal.file_count, 8);
	assert_int_equal(cw_calendar_holidays(&cal, 2020, &list), 0);
	assert_days(&list, "01-01 04-10 04-13 05-08 05-25 08-31 12-25 12-28s",
	    "file 2020");
	assert_true(list.days[0].from_file);
	assert_string_equal(list.days[0].title, "New Year\xe2\x80\x99s Day");
	/* The moved holiday: Monday 4 May is a working day, Friday 8 not. */
	assert_int_equal(cw_is_working_day(&cal, 2020, 5, 4), 1);
	assert_int_equal(cw_is_working_day(&cal, 2020, 5, 8), 0);
	assert_int_equal(cw_calendar_holiday_on(&cal, 2020, 12, 28, &h), 1);
	assert_true(h.substitute && h.from_file);
	/* Thu 7 May 16:00 BST -> Mon 11 May; Fri 1 May -> Mon 4 May. */
	assert_int_equal(cw_revocation_deadline(&cal, 1588863600), 1589209200);
	assert_int_equal(cw_revocation_deadline(&cal, 1588345200), 1588604400);
	/* A year the file does not cover comes from the rules. */
	assert_int_equal(cw_calendar_holidays(&cal, 2021, &list), 0);
	assert_days(&list, "01-01 04-02 04-05 05-03 05-31 08-30 12-27s 12-28s",
	    "rules 2021");
	assert_false(list.days[0].from_file);
	assert_int_equal(cw_calendar_holidays(&cal, 2019, &list), 0);
	assert_false(list.days[0].from_file);
	cw_calendar_free(&cal);

	/* Without the file, 2020 is by rule: Early May on Monday 4 May. */
	cw_calendar_init(&cal, EW);
	assert_int_equal(cw_is_working_day(&cal, 2020, 5, 4), 0);
	assert_int_equal(cw_is_working_day(&cal, 2020, 5, 8), 1);

	/* A division the file lists only partly: its list is the year. */
	parse_ok(govuk_2020, NI, &cal);
	assert_int_equal(cw_calendar_holidays(&cal, 2020, &list), 0);
	assert_days(&list, "03-17", "NI file 2020");
	cw_calendar_free(&cal);

	/* A division the file does not list: rules everywhere. */
	parse_ok(govuk_2020, SC, &cal);
	assert_int_equal(cal.file_count, 0);
	assert_int_equal(cw_calendar_holidays(&cal, 2020, &list), 0);
	assert_false(list.days[0].from_file);
	assert_int_equal(list.count, 9);
	cw_calendar_free(&cal);
}

static void
test_file_minimal_forms(void **state)
{
	struct cw_calendar cal;

	(void)state;
	parse_ok("{\"scotland\":{\"division\":\"scotland\",\"events\":[]}}",
	    SC, &cal);
	assert_int_equal(cal.file_count, 0);
	cw_calendar_free(&cal);
	/* notes and bunting are optional; whitespace is JSON's. */
	parse_ok(" {\n \"scotland\" : {\"events\":[{\"date\":\"2030-06-03\","
	    "\"title\":\"Extra\"}], \"division\":\"scotland\"}}\n", SC, &cal);
	assert_int_equal(cal.file_count, 1);
	assert_false(cal.file_days[0].substitute);
	cw_calendar_free(&cal);
	/* A weekend date is harmless (it is no working day anyway). */
	parse_ok("{\"scotland\":{\"division\":\"scotland\",\"events\":["
	    "{\"date\":\"2030-06-01\",\"title\":\"Sat\",\"notes\":\"substitute "
	    "DAY\"}]}}", SC, &cal);
	assert_true(cal.file_days[0].substitute);
	cw_calendar_free(&cal);
}

struct bad_file {
	const char *json;
	const char *want;       /* in the error */
};

#define DIV(events) "{\"scotland\":{\"division\":\"scotland\",\"events\":[" \
	events "]}}"
#define EVENT(fields) DIV("{" fields "}")

static const struct bad_file bad_files[] = {
	{ "not json", "not valid JSON" },
	{ "", "not valid JSON" },
	{ "{} x", "not valid JSON" },
	{ "[]", "must be an object keyed by division" },
	{ "{}", "must be an object keyed by division" },
	{ "\"scotland\"", "not valid JSON" },        /* not an object or array */
	{ "{\"wales\":{\"division\":\"wales\",\"events\":[]}}",
	    "unknown or repeated division \"wales\"" },
	{ "{\"Scotland\":{}}", "unknown or repeated division \"Scotland\"" },
	{ "{\"scotland\":[]}", "\"scotland\": not an object" },
	{ "{\"scotland\":{\"division\":\"england-and-wales\",\"events\":[]}}",
	    "\"division\" does not say \"scotland\"" },
	{ "{\"scotland\":{\"division\":\"scotland\"}}", "must hold exactly" },
	{ "{\"scotland\":{\"events\":[]}}", "must hold exactly" },
	{ "{\"scotland\":{\"division\":\"scotland\",\"events\":{}}}",
	    "must hold exactly" },
	{ "{\"scotland\":{\"division\":1,\"events\":[]}}", "must hold exactly" },
	{ "{\"scotland\":{\"division\":\"scotland\",\"events\":[],\"x\":1}}",
	    "must hold exactly" },
	{ "{\"scotland\":{\"division\":\"scotland\",\"division\":\"scotland\","
	    "\"events\":[]}}", "duplicate" },
	{ DIV("1"), "events[0]: not an object" },
	{ DIV("{\"title\":\"A\",\"date\":\"2026-06-01\"}, []"),
	    "events[1]: not an object" },
	{ EVENT("\"title\":1,\"date\":\"2026-06-01\""),
	    "\"title\" must be a string" },
	{ EVENT("\"title\":\"A\",\"date\":20260601"),
	    "\"date\" must be a string" },
	{ EVENT("\"title\":\"A\",\"date\":\"2026-06-01\",\"notes\":null"),
	    "\"notes\" must be a string" },
	{ EVENT("\"title\":\"A\",\"date\":\"2026-06-01\",\"bunting\":\"yes\""),
	    "\"bunting\" must be true or false" },
	{ EVENT("\"title\":\"A\",\"date\":\"2026-06-01\",\"colour\":\"red\""),
	    "unknown key \"colour\"" },
	{ EVENT("\"date\":\"2026-06-01\""), "no \"title\"" },
	{ EVENT("\"title\":\"A\""), "no \"date\"" },
	{ EVENT("\"title\":\"A\",\"date\":\"2026-02-30\""),
	    "date \"2026-02-30\" is not a real date" },
	{ EVENT("\"title\":\"A\",\"date\":\"2027-02-29\""),
	    "is not a real date" },
	{ EVENT("\"title\":\"A\",\"date\":\"2026-13-01\""),
	    "is not a real date" },
	{ EVENT("\"title\":\"A\",\"date\":\"2026-00-10\""),
	    "is not a real date" },
	{ EVENT("\"title\":\"A\",\"date\":\"2026-6-1\""), "is not a real date" },
	{ EVENT("\"title\":\"A\",\"date\":\"26-06-01\""), "is not a real date" },
	{ EVENT("\"title\":\"A\",\"date\":\"2026/06/01\""),
	    "is not a real date" },
	{ EVENT("\"title\":\"A\",\"date\":\"2026-06-01T00:00:00Z\""),
	    "is not a real date" },
	{ EVENT("\"title\":\"A\",\"date\":\" 2026-06-01\""),
	    "is not a real date" },
	{ EVENT("\"title\":\"A\",\"date\":\"\""), "is not a real date" },
	{ EVENT("\"title\":\"A\",\"date\":\"1995-12-25\""),
	    "outside the supported years 1996..9999" },
	{ EVENT("\"title\":\"\",\"date\":\"2026-06-01\""), "title must be" },
	{ EVENT("\"title\":\"a\\nb\",\"date\":\"2026-06-01\""),
	    "title must be" },
	{ EVENT("\"title\":\"a\\u001b[2J\",\"date\":\"2026-06-01\""),
	    "title must be" },
	{ EVENT("\"title\":\"a\\u0000b\",\"date\":\"2026-06-01\""),
	    "not valid JSON" },
	{ EVENT("\"title\":\"A\",\"date\":\"2026-06-01\",\"notes\":\"\\t\""),
	    "notes must be" },
	{ EVENT("\"title\":\"" "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789"
	    "01234567890123456789012345678901234567890\","
	    "\"date\":\"2026-06-01\""), "title must be 1..120 bytes" },
	{ EVENT("\"title\":\"\xff\",\"date\":\"2026-06-01\""),
	    "not valid JSON" },
	{ DIV("{\"title\":\"A\",\"date\":\"2026-06-01\"},"
	    "{\"title\":\"B\",\"date\":\"2026-06-01\"}"),
	    "2026-06-01 is listed twice" },
	/* An error in a division not asked for is still an error. */
	{ "{\"england-and-wales\":{\"division\":\"england-and-wales\","
	    "\"events\":[]},\"northern-ireland\":{\"division\":"
	    "\"northern-ireland\",\"events\":[{\"title\":\"A\",\"date\":"
	    "\"2026-02-30\"}]}}", "\"northern-ireland\" events[0]" },
};

static void
assert_refused(const char *json, size_t len, enum cw_division d,
    const char *want)
{
	struct cw_calendar cal;
	char err[256] = "";

	if (cw_holidays_json_parse(json, len, d, &cal, err, sizeof(err)) != -1)
		fail_msg("accepted: %.80s", json);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" does not say \"%s\"", err, want);
	/* A refused file leaves a rules-only calendar. */
	assert_int_equal(cal.file_count, 0);
	assert_null(cal.file_days);
	assert_int_equal(cal.division, d);
	cw_calendar_free(&cal);
}

static void
test_file_refused(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NELEMS(bad_files); i++)
		assert_refused(bad_files[i].json, strlen(bad_files[i].json),
		    EW, bad_files[i].want);
	/* Bytes after a NUL are part of the input, not ignored. */
	assert_refused(DIV("") "\0junk", sizeof(DIV("") "\0junk") - 1, EW,
	    "not valid JSON");
}

/* n events, the i-th on day first + i*step (days since 1970-01-01). */
static char *
generated_file(size_t n, int64_t first, int64_t step, size_t pad)
{
	size_t cap = 128 + n * 64 + pad, len;
	char *buf = malloc(cap);
	size_t i;

	assert_non_null(buf);
	len = (size_t)snprintf(buf, cap, "{\"scotland\":{\"division\":"
	    "\"scotland\",\"events\":[");
	for (i = 0; i < n; i++) {
		int64_t days = first + (int64_t)i * step, y;
		unsigned m, d;

		cw_civil_from_days(days, &y, &m, &d);
		len += (size_t)snprintf(buf + len, cap - len, "%s{\"title\":"
		    "\"H\",\"date\":\"%04d-%02u-%02u\"}", i ? "," : "", (int)y,
		    m, d);
	}
	memset(buf + len, ' ', pad);
	len += pad;
	snprintf(buf + len, cap - len, "]}}");
	return buf;
}

static void
test_file_bounds(void **state)
{
	int64_t jan1_2026 = 20454;      /* days from 1970-01-01 */
	struct cw_calendar cal;
	char *json;

	(void)state;
	/* 32 in one year is the most; 33 is refused. */
	json = generated_file(CW_HOLIDAYS_PER_YEAR_MAX, jan1_2026, 1, 0);
	parse_ok(json, SC, &cal);
	assert_int_equal(cal.file_count, CW_HOLIDAYS_PER_YEAR_MAX);
	cw_calendar_free(&cal);
	free(json);
	json = generated_file(CW_HOLIDAYS_PER_YEAR_MAX + 1, jan1_2026, 1, 0);
	assert_refused(json, strlen(json), SC, "more than 32 holidays in 2026");
	free(json);

	/* 1000 events (one a fortnight) is the most; 1001 is refused. */
	json = generated_file(CW_HOLIDAYS_MAX_EVENTS, jan1_2026, 14, 0);
	parse_ok(json, SC, &cal);
	assert_int_equal(cal.file_count, CW_HOLIDAYS_MAX_EVENTS);
	cw_calendar_free(&cal);
	free(json);
	json = generated_file(CW_HOLIDAYS_MAX_EVENTS + 1, jan1_2026, 14, 0);
	assert_refused(json, strlen(json), SC, "more than 1000 events");
	free(json);

	/* Over 1 MiB, whatever it holds. */
	json = generated_file(1, jan1_2026, 1, CW_HOLIDAYS_MAX_BYTES);
	assert_refused(json, strlen(json), SC, "larger than 1048576 bytes");
	free(json);

	/* Deep nesting is not JSON this parser wants, and must not crash. */
	json = malloc(200001);
	assert_non_null(json);
	memset(json, '[', 200000);
	json[200000] = '\0';
	assert_refused(json, 200000, SC, "not valid JSON");
	free(json);
}

static void
test_file_null_arguments(void **state)
{
	struct cw_calendar cal;
	char err[64];

	(void)state;
	assert_int_equal(cw_holidays_json_parse(NULL, 0, EW, &cal, err,
	    sizeof(err)), -1);
	assert_int_equal(cw_holidays_json_parse("{}", 2, EW, NULL, err,
	    sizeof(err)), -1);
	assert_int_equal(cw_holidays_json_parse("{}", 2, (enum cw_division)9,
	    &cal, err, sizeof(err)), -1);
	assert_int_equal(cw_holidays_json_parse("x", 1, EW, &cal, NULL, 0),
	    -1);
	cw_calendar_free(&cal);
	cw_calendar_free(NULL);
}

/* --- the configuration's part -------------------------------------------- */

static void
test_config_division_and_file(void **state)
{
	static const char base[] = "[daemon]\nldap_sync = no\n[policy]\n";
	struct cw_config c;
	char text[256], err[256];

	(void)state;
	assert_int_equal(cw_config_defaults(&c), 0);
	assert_int_equal(c.policy.division, EW);
	assert_null(c.policy.bank_holidays_file);
	snprintf(text, sizeof(text), "%sdivision = scotland\n"
	    "bank_holidays_file = /etc/clearway/bank-holidays.json\n", base);
	assert_int_equal(cw_config_parse(text, strlen(text), &c, err,
	    sizeof(err)), 0);
	assert_int_equal(c.policy.division, SC);
	assert_string_equal(c.policy.bank_holidays_file,
	    "/etc/clearway/bank-holidays.json");
	cw_config_free(&c);

	assert_int_equal(cw_config_defaults(&c), 0);
	snprintf(text, sizeof(text), "%sdivision = wales\n", base);
	assert_int_equal(cw_config_parse(text, strlen(text), &c, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "line 4: division must be one of "
	    "england-and-wales, scotland, northern-ireland"));
	cw_config_free(&c);

	assert_int_equal(cw_config_defaults(&c), 0);
	snprintf(text, sizeof(text), "%sbank_holidays_file = holidays.json\n",
	    base);
	assert_int_equal(cw_config_parse(text, strlen(text), &c, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "must be an absolute path"));
	cw_config_free(&c);
}

static char *
temp_file(const char *text, mode_t mode)
{
	char *path = strdup("/tmp/cw-test-holidays.XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static void
test_calendar_load(void **state)
{
	struct cw_calendar cal;
	char err[512], *path;

	(void)state;
	assert_int_equal(cw_calendar_load(NULL, SC, &cal, err, sizeof(err)), 0);
	assert_int_equal(cal.division, SC);
	assert_int_equal(cal.file_count, 0);
	cw_calendar_free(&cal);
	if (geteuid() != 0)
		skip();         /* ownership checks need root to set up */

	path = temp_file(govuk_2020, 0644);
	assert_int_equal(cw_calendar_load(path, EW, &cal, err, sizeof(err)), 0);
	assert_int_equal(cal.file_count, 8);
	assert_int_equal(cw_is_working_day(&cal, 2020, 5, 4), 1);
	cw_calendar_free(&cal);

	assert_int_equal(chmod(path, 0664), 0);
	assert_int_equal(cw_calendar_load(path, EW, &cal, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "too open"));
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(cw_calendar_load(path, EW, &cal, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "must be owned by root"));
	unlink(path);
	free(path);

	path = temp_file("{\"wales\":{}}", 0644);
	assert_int_equal(cw_calendar_load(path, EW, &cal, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "unknown or repeated division"));
	assert_int_equal(cal.file_count, 0);
	unlink(path);
	free(path);

	assert_int_equal(cw_calendar_load("/nonexistent/h.json", EW, &cal, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/h.json"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_overrides_year),
		cmocka_unit_test(test_file_minimal_forms),
		cmocka_unit_test(test_file_refused),
		cmocka_unit_test(test_file_bounds),
		cmocka_unit_test(test_file_null_arguments),
		cmocka_unit_test(test_config_division_and_file),
		cmocka_unit_test(test_calendar_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
