/*
 * Unit tests for common/model/cron.c and common/model/tz.c: the cron grammar and its
 * error messages, the next firing in UTC and across the DST changes of
 * Europe/Berlin, America/New_York and Australia/Lord_Howe, and the TZif
 * reader on system zones and on hand-made files.  Every expected instant
 * is worked out by hand and written in RFC 3339.  Points that need the
 * system's zoneinfo skip when it is not installed.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cron.h"
#include "dqtime.h"
#include "schedule.h"
#include "tap.h"
#include "tz.h"

/* A cron expression, the instant after which to look, the firing wanted. */
struct next_case {
	const char	*expr;
	const char	*after;
	const char	*want;		/* NULL: nothing fires (-1) */
};

#define NCASES(a)	(sizeof(a) / sizeof((a)[0]))
#define RUN_CASES(zone, a)	run_cases(__LINE__, zone, a, NCASES(a))

static int64_t
ms(const char *rfc3339)
{
	int64_t v;

	if (dqtime_parse(rfc3339, &v) == -1) {
		tap_fail(__FILE__, __LINE__, "bad instant in test: %s",
		    rfc3339);
		return 0;
	}
	return v;
}

static void
run_cases(int line, const char *zone, const struct next_case *c, size_t n)
{
	char err[256], got[DQ_TIME_LEN + 1];
	struct cron cr;
	struct tz *z;
	int64_t next, want;
	size_t i;

	if ((z = tz_load(zone, err, sizeof(err))) == NULL) {
		tap_fail(__FILE__, line, "tz_load(%s): %s", zone, err);
		return;
	}
	for (i = 0; i < n; i++) {
		if (cron_parse(c[i].expr, &cr, err, sizeof(err)) == -1) {
			tap_fail(__FILE__, line, "case %zu \"%s\": %s", i,
			    c[i].expr, err);
			continue;
		}
		next = cron_next(&cr, z, ms(c[i].after));
		want = c[i].want != NULL ? ms(c[i].want) : -1;
		if (next == want)
			continue;
		if (next == -1)
			snprintf(got, sizeof(got), "none");
		else
			dqtime_format(next, got, sizeof(got));
		tap_fail(__FILE__, line, "case %zu \"%s\" in %s after %s: "
		    "got %s, want %s", i, c[i].expr, zone, c[i].after, got,
		    c[i].want != NULL ? c[i].want : "none");
	}
	tz_free(z);
}

/* The runner's own TZDIR, put back after a point that points it elsewhere. */
static char	saved_tzdir[4096];
static int	had_tzdir;

static void
tzdir_set(const char *dir)
{
	const char *old = getenv("TZDIR");

	had_tzdir = old != NULL;
	snprintf(saved_tzdir, sizeof(saved_tzdir), "%s", old ? old : "");
	setenv("TZDIR", dir, 1);
}

static void
tzdir_restore(void)
{
	if (had_tzdir)
		setenv("TZDIR", saved_tzdir, 1);
	else
		unsetenv("TZDIR");
}

/* The system zones the DST points read, or a skip when they are absent. */
static int
have_zoneinfo(void)
{
	char err[256];
	struct tz *z;

	if ((z = tz_load("Europe/Berlin", err, sizeof(err))) == NULL) {
		tap_skip("no zoneinfo files (install tzdata)");
		return 0;
	}
	tz_free(z);
	return 1;
}

/* 2026-01-01 is a Thursday. */
static void
test_field_forms(void)
{
	static const struct next_case c[] = {
		{ "* * * * *", "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z" },
		{ "* * * * *", "2026-01-01T00:00:30.5Z", "2026-01-01T00:01:00Z" },
		{ "*/5 * * * *", "2026-01-01T00:01:00Z", "2026-01-01T00:05:00Z" },
		{ "5/15 * * * *", "2026-01-01T00:20:00Z", "2026-01-01T00:35:00Z" },
		{ "5/15 * * * *", "2026-01-01T00:50:00Z", "2026-01-01T01:05:00Z" },
		{ "10-20/5 * * * *", "2026-01-01T00:16:00Z", "2026-01-01T00:20:00Z" },
		{ "10-20/5 * * * *", "2026-01-01T00:20:00Z", "2026-01-01T01:10:00Z" },
		{ "0,30-32 * * * *", "2026-01-01T00:30:00Z", "2026-01-01T00:31:00Z" },
		{ "0 6,18 * * *", "2026-01-01T06:00:00Z", "2026-01-01T18:00:00Z" },
		{ "0 9-17 * * *", "2026-01-01T17:00:00Z", "2026-01-02T09:00:00Z" },
		{ "0 0 1,15 * *", "2026-01-01T00:00:00Z", "2026-01-15T00:00:00Z" },
		{ "0 0 1-30/2 * *", "2026-01-29T00:00:00Z", "2026-02-01T00:00:00Z" },
		{ "0 0 1 */3 *", "2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z" },
		{ "59 23 31 12 *", "2026-01-01T00:00:00Z", "2026-12-31T23:59:00Z" },
		{ "0 0 * * 1", "2026-01-01T00:00:00Z", "2026-01-05T00:00:00Z" },
		{ "0 0 * * 0", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z" },
		{ "0 0 * * 7", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z" },
		{ "0 0 * * 5-7", "2026-01-04T00:00:00Z", "2026-01-09T00:00:00Z" },
		{ "0 12 * * */2", "2026-01-01T12:00:00Z", "2026-01-03T12:00:00Z" },
		{ " \t30  8 * *\t1-5 ", "2026-01-02T09:00:00Z", "2026-01-05T08:30:00Z" },
	};

	RUN_CASES("UTC", c);
}

static void
test_names(void)
{
	static const struct next_case c[] = {
		{ "0 0 1 jun *", "2026-01-01T00:00:00Z", "2026-06-01T00:00:00Z" },
		{ "0 0 1 JAN-MAR *", "2026-03-01T00:00:00Z", "2027-01-01T00:00:00Z" },
		{ "0 0 1 Jul,dec *", "2026-07-01T00:00:00Z", "2026-12-01T00:00:00Z" },
		{ "0 0 1 feb-NOV/3 *", "2026-02-01T00:00:00Z", "2026-05-01T00:00:00Z" },
		{ "0 0 * * sun", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z" },
		{ "0 0 * * MON-FRI", "2026-01-02T00:00:00Z", "2026-01-05T00:00:00Z" },
		{ "0 0 * * sat,Sun", "2026-01-01T00:00:00Z", "2026-01-03T00:00:00Z" },
		{ "0 0 * * Wed", "2026-01-01T00:00:00Z", "2026-01-07T00:00:00Z" },
	};

	RUN_CASES("UTC", c);
}

/* 2026-05-01T10:20Z is a Friday. */
static void
test_macros(void)
{
	static const struct next_case c[] = {
		{ "@yearly", "2026-05-01T10:20:00Z", "2027-01-01T00:00:00Z" },
		{ "@annually", "2026-05-01T10:20:00Z", "2027-01-01T00:00:00Z" },
		{ "@monthly", "2026-05-01T10:20:00Z", "2026-06-01T00:00:00Z" },
		{ "@weekly", "2026-05-01T10:20:00Z", "2026-05-03T00:00:00Z" },
		{ "@daily", "2026-05-01T10:20:00Z", "2026-05-02T00:00:00Z" },
		{ "@midnight", "2026-05-01T10:20:00Z", "2026-05-02T00:00:00Z" },
		{ "@hourly", "2026-05-01T10:20:00Z", "2026-05-01T11:00:00Z" },
		{ " @DAILY ", "2026-05-01T10:20:00Z", "2026-05-02T00:00:00Z" },
	};

	RUN_CASES("UTC", c);
}

static void
test_parse_errors(void)
{
	static const struct {
		const char	*expr;
		const char	*err;
	} c[] = {
		{ "", "expected 5 fields, got 0" },
		{ "* * * *", "expected 5 fields, got 4" },
		{ "* * * * * *", "expected 5 fields, got 6" },
		{ "61 * * * *", "minute: 61 is out of range 0-59" },
		{ "* 24 * * *", "hour: 24 is out of range 0-23" },
		{ "* * 0 * *", "day-of-month: 0 is out of range 1-31" },
		{ "* * 32 * *", "day-of-month: 32 is out of range 1-31" },
		{ "* * * 13 *", "month: 13 is out of range 1-12" },
		{ "* * * * 8", "day-of-week: 8 is out of range 0-7" },
		{ "* * * * FOO", "day-of-week: unknown name 'FOO'" },
		{ "* * * * MONDAY", "day-of-week: unknown name 'MONDAY'" },
		{ "* * * foo *", "month: unknown name 'foo'" },
		{ "MON * * * *", "minute: 'MON' is not a number" },
		{ "1x * * * *", "minute: '1x' is not a number" },
		{ "*/0 * * * *", "minute: step 0 is out of range 1-59" },
		{ "* */24 * * *", "hour: step 24 is out of range 1-23" },
		{ "5-1 * * * *", "minute: range 5-1 runs backwards" },
		{ "* * * * FRI-MON", "day-of-week: range 5-1 runs backwards" },
		{ "1,,2 * * * *", "minute: empty item in list" },
		{ "1, * * * *", "minute: empty item in list" },
		{ "1- * * * *", "minute: missing value in '1-'" },
		{ "*/ * * * *", "minute: missing value in '*/'" },
		{ "*5 * * * *", "minute: unexpected '5' in '*5'" },
		{ "1-2-3 * * * *", "minute: unexpected '-' in '1-2-3'" },
		{ "0 0 ? * *", "day-of-month: unexpected '?' in '?'" },
		{ "0 0 L * *", "day-of-month: 'L' is not a number" },
		{ "99999999999999999999 * * * *",
		    "minute: '99999999999999999999' is too long" },
		{ "@reboot", "@reboot is not supported" },
		{ "@fortnightly", "unknown macro '@fortnightly'" },
		{ "@daily 0", "unexpected text after '@daily'" },
		{ "0 0 30 2 *", "day-of-month: 30 never occurs in FEB" },
		{ "0 0 31 4,6,9,11 *", "day-of-month: 31 never occurs in "
		    "any of the chosen months" },
		{ "0 0 30,31 feb */2", "day-of-month: 30 never occurs in FEB" },
	};
	char err[256];
	struct cron cr;
	size_t i;

	for (i = 0; i < NCASES(c); i++) {
		err[0] = '\0';
		if (cron_parse(c[i].expr, &cr, err, sizeof(err)) != -1)
			tap_fail(__FILE__, __LINE__, "\"%s\" was accepted",
			    c[i].expr);
		else if (strcmp(err, c[i].err) != 0)
			tap_fail(__FILE__, __LINE__, "\"%s\": got \"%s\", want "
			    "\"%s\"", c[i].expr, err, c[i].err);
	}
	/* Restricted on both day fields, February 30 yields to Mondays. */
	CHECK(cron_parse("0 0 30 2 1", &cr, err, sizeof(err)) == 0);
	CHECK(cron_parse("0 0 29 2 *", &cr, err, sizeof(err)) == 0);
}

static void
test_bitmasks(void)
{
	char err[256];
	struct cron cr;

	CHECK(cron_parse("*/15 0-23/6 1-31/10 */4 7", &cr, err,
	    sizeof(err)) == 0);
	CHECK(cr.minute == (UINT64_C(1) | UINT64_C(1) << 15 |
	    UINT64_C(1) << 30 | UINT64_C(1) << 45));
	CHECK_INT(cr.hour, 1 << 0 | 1 << 6 | 1 << 12 | 1 << 18);
	CHECK(cr.dom == (UINT32_C(1) << 1 | UINT32_C(1) << 11 |
	    UINT32_C(1) << 21 | UINT32_C(1) << 31));
	CHECK_INT(cr.month, 1 << 1 | 1 << 5 | 1 << 9);
	CHECK_INT(cr.dow, 1);
	CHECK_INT(cr.flags, 0);
	CHECK(cron_parse("0 0 * * *", &cr, err, sizeof(err)) == 0);
	CHECK_INT(cr.flags, CRON_DOM_STAR | CRON_DOW_STAR);
	CHECK_INT(cr.dow, 0x7f);
}

/*
 * Both day fields restricted: Fridays or the 13th.  With "*" leading the
 * day of week the two must agree: a Friday or Sunday that is the 13th.
 */
static void
test_dom_dow(void)
{
	static const struct next_case c[] = {
		{ "0 0 13 * 5", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z" },
		{ "0 0 13 * 5", "2026-01-09T00:00:00Z", "2026-01-13T00:00:00Z" },
		{ "0 0 13 * 5", "2026-01-13T00:00:00Z", "2026-01-16T00:00:00Z" },
		{ "0 0 13 * 5", "2026-02-06T00:00:00Z", "2026-02-13T00:00:00Z" },
		{ "0 0 13 * 5", "2026-02-13T00:00:00Z", "2026-02-20T00:00:00Z" },
		{ "0 0 13 * */5", "2026-01-01T00:00:00Z", "2026-02-13T00:00:00Z" },
		{ "0 0 */2 * 2", "2026-01-01T00:00:00Z", "2026-01-13T00:00:00Z" },
		{ "0 0 29 2 1", "2026-01-01T00:00:00Z", "2026-02-02T00:00:00Z" },
	};

	RUN_CASES("UTC", c);
}

static void
test_short_months_and_leap_day(void)
{
	static const struct next_case c[] = {
		{ "0 0 31 * *", "2026-01-31T00:00:00Z", "2026-03-31T00:00:00Z" },
		{ "0 0 31 * *", "2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z" },
		{ "0 0 31 * *", "2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z" },
		{ "0 0 31 * *", "2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z" },
		{ "0 0 31 * *", "2026-08-31T00:00:00Z", "2026-10-31T00:00:00Z" },
		{ "0 0 31 * *", "2026-10-31T00:00:00Z", "2026-12-31T00:00:00Z" },
		{ "0 0 29 2 *", "2026-01-01T00:00:00Z", "2028-02-29T00:00:00Z" },
		{ "0 0 29 2 *", "2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z" },
		/* 2100 is not a leap year. */
		{ "0 0 29 2 *", "2096-03-01T00:00:00Z", "2104-02-29T00:00:00Z" },
		/* A Sunday February 29 comes in 2032 and then 2060: too far. */
		{ "0 0 29 2 */7", "2026-01-01T00:00:00Z", "2032-02-29T00:00:00Z" },
		{ "0 0 29 2 */7", "2033-01-01T00:00:00Z", NULL },
	};
	char err[256];
	struct cron cr;
	struct tz *z;

	RUN_CASES("UTC", c);
	/* Out of the calendar's range: nothing, rather than overflow. */
	z = tz_load("UTC", err, sizeof(err));
	CHECK(z != NULL && cron_parse("* * * * *", &cr, err, sizeof(err)) == 0);
	if (z != NULL) {
		CHECK_INT(cron_next(&cr, z, INT64_MAX), -1);
		CHECK_INT(cron_next(&cr, z, INT64_MIN), -1);
	}
	tz_free(z);
}

/* 2026-03-29: 02:00 CET becomes 03:00 CEST at 01:00Z. */
static const struct next_case berlin_spring[] = {
	{ "30 1 * * *", "2026-03-28T12:00:00Z", "2026-03-29T00:30:00Z" },
	{ "30 2 * * *", "2026-03-27T12:00:00Z", "2026-03-28T01:30:00Z" },
	{ "30 2 * * *", "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z" },
	{ "30 2 * * *", "2026-03-29T00:59:30Z", "2026-03-29T01:00:00Z" },
	{ "30 2 * * *", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z" },
	{ "*/15 2 * * *", "2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z" },
	{ "*/15 2 * * *", "2026-03-29T01:00:00Z", "2026-03-30T00:00:00Z" },
	{ "0 3 * * *", "2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z" },
	{ "* * * * *", "2026-03-29T00:59:00Z", "2026-03-29T01:00:00Z" },
	{ "* * * * *", "2026-03-29T01:00:00Z", "2026-03-29T01:01:00Z" },
	{ "0 * * * *", "2026-03-28T23:30:00Z", "2026-03-29T00:00:00Z" },
	{ "0 * * * *", "2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z" },
	{ "0 * * * *", "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z" },
	{ "@daily", "2026-03-28T12:00:00Z", "2026-03-28T23:00:00Z" },
	{ "@daily", "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z" },
};

/* 2026-10-25: 03:00 CEST becomes 02:00 CET at 01:00Z; 02:xx shows twice. */
static const struct next_case berlin_fall[] = {
	{ "30 2 * * *", "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z" },
	{ "30 2 * * *", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z" },
	{ "30 2 * * *", "2026-10-25T01:15:00Z", "2026-10-26T01:30:00Z" },
	{ "0 3 * * *", "2026-10-24T12:00:00Z", "2026-10-25T02:00:00Z" },
	{ "0 * * * *", "2026-10-24T22:30:00Z", "2026-10-24T23:00:00Z" },
	{ "0 * * * *", "2026-10-24T23:00:00Z", "2026-10-25T00:00:00Z" },
	{ "0 * * * *", "2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z" },
	{ "*/30 * * * *", "2026-10-25T00:30:00Z", "2026-10-25T02:00:00Z" },
	{ "*/30 * * * *", "2026-10-25T00:59:59Z", "2026-10-25T02:00:00Z" },
	{ "@daily", "2026-10-24T12:00:00Z", "2026-10-24T22:00:00Z" },
	{ "@daily", "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z" },
};

static void
test_berlin_spring_forward(void)
{
	if (have_zoneinfo())
		RUN_CASES("Europe/Berlin", berlin_spring);
}

static void
test_berlin_fall_back(void)
{
	if (have_zoneinfo())
		RUN_CASES("Europe/Berlin", berlin_fall);
}

/*
 * 2026-03-08: 02:00 EST becomes 03:00 EDT at 07:00Z.  2026-11-01: 02:00
 * EDT becomes 01:00 EST at 06:00Z; 01:xx shows twice.
 */
static void
test_new_york(void)
{
	static const struct next_case c[] = {
		{ "30 2 * * *", "2026-03-07T12:00:00Z", "2026-03-08T07:00:00Z" },
		{ "30 2 * * *", "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z" },
		{ "0 * * * *", "2026-03-08T06:30:00Z", "2026-03-08T07:00:00Z" },
		{ "0 * * * *", "2026-03-08T07:00:00Z", "2026-03-08T08:00:00Z" },
		{ "30 1 * * *", "2026-10-31T12:00:00Z", "2026-11-01T05:30:00Z" },
		{ "30 1 * * *", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z" },
		{ "30 2 * * *", "2026-10-31T12:00:00Z", "2026-11-01T07:30:00Z" },
		{ "0 * * * *", "2026-11-01T04:30:00Z", "2026-11-01T05:00:00Z" },
		{ "0 * * * *", "2026-11-01T05:00:00Z", "2026-11-01T07:00:00Z" },
	};

	if (have_zoneinfo())
		RUN_CASES("America/New_York", c);
}

/*
 * Lord Howe moves by half an hour.  2026-10-04: 02:00 +10:30 becomes 02:30
 * +11 at 15:30Z the day before.  2026-04-05: 02:00 +11 becomes 01:30
 * +10:30 at 15:00Z the day before.
 */
static void
test_half_hour_dst(void)
{
	static const struct next_case c[] = {
		{ "15 2 * * *", "2026-10-03T00:00:00Z", "2026-10-03T15:30:00Z" },
		{ "15 2 * * *", "2026-10-03T15:30:00Z", "2026-10-04T15:15:00Z" },
		{ "45 1 * * *", "2026-04-04T00:00:00Z", "2026-04-04T14:45:00Z" },
		{ "45 1 * * *", "2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z" },
	};

	if (have_zoneinfo())
		RUN_CASES("Australia/Lord_Howe", c);
}

/* Firings of expr from after until before; -1 if the zone is missing. */
static int
count_firings(const char *zone, const char *expr, const char *after,
    const char *before)
{
	char err[256];
	struct cron cr;
	struct tz *z;
	int64_t t = ms(after), prev, end = ms(before);
	int n = 0;

	if ((z = tz_load(zone, err, sizeof(err))) == NULL ||
	    cron_parse(expr, &cr, err, sizeof(err)) == -1) {
		tz_free(z);
		return -1;
	}
	for (;;) {
		prev = t;
		if ((t = cron_next(&cr, z, t)) == -1 || t >= end)
			break;
		if (t <= prev || t % 60000 != 0)
			n = -1000;	/* not forward, not a whole minute */
		n++;
	}
	tz_free(z);
	return n;
}

/* One local day, midnight to midnight: each wall-clock hour fires once. */
static void
test_hourly_over_a_dst_day(void)
{
	if (!have_zoneinfo())
		return;
	/* 23 real hours; 02:00 does not exist and fires at 03:00 with it. */
	CHECK_INT(count_firings("Europe/Berlin", "0 * * * *",
	    "2026-03-28T22:59:00Z", "2026-03-29T22:00:00Z"), 23);
	/* 25 real hours; 02:00 shows twice and fires once. */
	CHECK_INT(count_firings("Europe/Berlin", "0 * * * *",
	    "2026-10-24T21:59:00Z", "2026-10-25T23:00:00Z"), 24);
	CHECK_INT(count_firings("Europe/Berlin", "* * * * *",
	    "2026-10-24T21:59:00Z", "2026-10-25T23:00:00Z"), 24 * 60);
	CHECK_INT(count_firings("America/New_York", "*/10 * * * *",
	    "2026-11-01T03:59:00Z", "2026-11-02T05:00:00Z"), 24 * 6);
}

static void
check_offset(int line, const struct tz *z, const char *at, int off, int dst)
{
	int got, is_dst = -1;

	got = tz_offset(z, ms(at) / 1000, &is_dst);
	if (got != off || is_dst != dst)
		tap_fail(__FILE__, line, "offset at %s: %d (dst %d), want %d "
		    "(dst %d)", at, got, is_dst, off, dst);
}

/* An instant, and the UTC offset and DST flag in force then. */
struct off_case {
	const char	*at;
	int		 off;
	int		 dst;
};

static void
check_offsets(int line, const char *zone, const struct off_case *c, size_t n)
{
	char err[256];
	struct tz *z;
	size_t i;

	if ((z = tz_load(zone, err, sizeof(err))) == NULL) {
		tap_fail(__FILE__, line, "tz_load(%s): %s", zone, err);
		return;
	}
	for (i = 0; i < n; i++)
		check_offset(line, z, c[i].at, c[i].off, c[i].dst);
	tz_free(z);
}

#define OFFSETS(zone, ...) do {						\
	static const struct off_case _c[] = { __VA_ARGS__ };		\
	check_offsets(__LINE__, zone, _c, NCASES(_c));			\
} while (0)

/*
 * Transition tables for the past, the footer rule after them: 2040 and
 * later are past every fat table.  Nuuk's rule times are negative
 * (version 3), Santiago's are 24:00, Sydney's DST spans New Year.
 */
static void
test_tz_offsets(void)
{
	if (!have_zoneinfo())
		return;
	OFFSETS("Europe/Berlin",
	    { "1990-06-01T00:00:00Z", 7200, 1 },
	    { "1990-12-01T00:00:00Z", 3600, 0 },
	    { "2026-03-29T00:59:59Z", 3600, 0 },
	    { "2026-03-29T01:00:00Z", 7200, 1 },
	    { "2026-10-25T00:59:59Z", 7200, 1 },
	    { "2026-10-25T01:00:00Z", 3600, 0 },
	    { "2100-01-01T00:00:00Z", 3600, 0 },
	    { "2100-07-01T00:00:00Z", 7200, 1 });
	OFFSETS("America/Nuuk",
	    { "2040-03-25T00:59:59Z", -7200, 0 },
	    { "2040-03-25T01:00:00Z", -3600, 1 },
	    { "2040-10-28T00:59:59Z", -3600, 1 },
	    { "2040-10-28T01:00:00Z", -7200, 0 });
	OFFSETS("America/Santiago",
	    { "2050-04-03T02:59:59Z", -10800, 1 },
	    { "2050-04-03T03:00:00Z", -14400, 0 },
	    { "2050-09-04T03:59:59Z", -14400, 0 },
	    { "2050-09-04T04:00:00Z", -10800, 1 });
	OFFSETS("Australia/Sydney",
	    { "2050-01-15T00:00:00Z", 39600, 1 },
	    { "2050-07-15T00:00:00Z", 36000, 0 });
	OFFSETS("Asia/Kolkata",
	    { "2026-06-01T00:00:00Z", 19800, 0 });
}

static void
check_local(int line, const struct tz *z, const char *wall,
    enum tz_local kind, const char *want)
{
	char got[DQ_TIME_LEN + 1];
	enum tz_local k;
	int64_t t;

	k = tz_local_to_utc(z, ms(wall) / 1000, &t);
	dqtime_format(t * 1000, got, sizeof(got));
	if (k != kind || strcmp(got, want) != 0)
		tap_fail(__FILE__, line, "local %s: %s (%d), want %s (%d)",
		    wall, got, (int)k, want, (int)kind);
}

/* Wall-clock times are written with a Z but read as Berlin's clock. */
static void
test_local_to_utc(void)
{
	char err[256];
	struct tz *z;

	if (!have_zoneinfo())
		return;
	if ((z = tz_load("Europe/Berlin", err, sizeof(err))) == NULL) {
		tap_fail(__FILE__, __LINE__, "%s", err);
		return;
	}
	check_local(__LINE__, z, "2026-06-01T12:00:00Z", TZ_LOCAL_ONCE,
	    "2026-06-01T10:00:00.000Z");
	check_local(__LINE__, z, "2026-03-29T01:59:59Z", TZ_LOCAL_ONCE,
	    "2026-03-29T00:59:59.000Z");
	check_local(__LINE__, z, "2026-03-29T02:00:00Z", TZ_LOCAL_GAP,
	    "2026-03-29T01:00:00.000Z");
	check_local(__LINE__, z, "2026-03-29T02:59:59Z", TZ_LOCAL_GAP,
	    "2026-03-29T01:00:00.000Z");
	check_local(__LINE__, z, "2026-03-29T03:00:00Z", TZ_LOCAL_ONCE,
	    "2026-03-29T01:00:00.000Z");
	check_local(__LINE__, z, "2026-10-25T01:59:59Z", TZ_LOCAL_ONCE,
	    "2026-10-24T23:59:59.000Z");
	check_local(__LINE__, z, "2026-10-25T02:00:00Z", TZ_LOCAL_TWICE,
	    "2026-10-25T00:00:00.000Z");
	check_local(__LINE__, z, "2026-10-25T02:59:59Z", TZ_LOCAL_TWICE,
	    "2026-10-25T00:59:59.000Z");
	check_local(__LINE__, z, "2026-10-25T03:00:00Z", TZ_LOCAL_ONCE,
	    "2026-10-25T02:00:00.000Z");
	tz_free(z);
}

static void
check_load_error(int line, const char *name, const char *want)
{
	char err[256] = "";
	struct tz *z;

	if ((z = tz_load(name, err, sizeof(err))) != NULL) {
		tap_fail(__FILE__, line, "tz_load(\"%s\") succeeded", name);
		tz_free(z);
	} else if (strcmp(err, want) != 0)
		tap_fail(__FILE__, line, "tz_load(\"%s\"): \"%s\", want \"%s\"",
		    name, err, want);
}

static void
test_tz_bad_names(void)
{
	const char *path = "time zone name must not contain '..' or start "
	    "with '/'";
	const char *chars = "time zone name may only contain letters, digits "
	    "and _ + - /";
	char longname[200];

	memset(longname, 'A', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	check_load_error(__LINE__, "../../etc/passwd", path);
	check_load_error(__LINE__, "/etc/passwd", path);
	check_load_error(__LINE__, "Europe/../../etc/passwd", path);
	check_load_error(__LINE__, "Europe/Ber lin", chars);
	check_load_error(__LINE__, "Europe/Berlin\n", chars);
	check_load_error(__LINE__, "zone.tab", chars);
	check_load_error(__LINE__, "",
	    "time zone name must be 1-127 characters");
	check_load_error(__LINE__, longname,
	    "time zone name must be 1-127 characters");
	check_load_error(__LINE__, "Nowhere/City",
	    "unknown time zone 'Nowhere/City'");
	if (!have_zoneinfo())
		return;
	check_load_error(__LINE__, "Europe", "unknown time zone 'Europe'");
	check_load_error(__LINE__, "Europe/Berlin/x",
	    "unknown time zone 'Europe/Berlin/x'");
}

/* UTC is built in: an empty zone directory still has it, and only it. */
static void
test_utc_without_zoneinfo(void)
{
	static const struct next_case c[] = {
		{ "30 2 * * *", "2026-03-29T00:00:00Z", "2026-03-29T02:30:00Z" },
		{ "30 2 * * *", "2026-10-25T02:30:00Z", "2026-10-26T02:30:00Z" },
	};
	char err[256];
	struct tz *z;
	int dst = -1;

	tzdir_set(tap_dir());
	if ((z = tz_load("UTC", err, sizeof(err))) == NULL)
		tap_fail(__FILE__, __LINE__, "tz_load(UTC): %s", err);
	else {
		CHECK_INT(tz_offset(z, ms("2026-07-01T00:00:00Z") / 1000,
		    &dst), 0);
		CHECK_INT(dst, 0);
	}
	tz_free(z);
	RUN_CASES("UTC", c);
	check_load_error(__LINE__, "Europe/Berlin",
	    "unknown time zone 'Europe/Berlin'");
	tzdir_restore();
}

/* A hand-made TZif file, built up in memory. */
struct tzif {
	unsigned char	b[2048];
	size_t		n;
};

static void
tzif_be(struct tzif *f, uint64_t v, int bytes)
{
	while (bytes-- > 0 && f->n < sizeof(f->b))
		f->b[f->n++] = bytes < 8 ?
		    (unsigned char)(v >> (bytes * 8)) : 0;
}

/*
 * Header and data block: times of width tsize, transition i to type
 * (i + 1) % ntypes; types alternate standard (even) and daylight (odd).
 */
static void
tzif_block(struct tzif *f, int version, int tsize, const int64_t *trans,
    int ntrans, const int32_t *offs, int ntypes, int leaps)
{
	int i;

	memcpy(f->b + f->n, "TZif", 4);
	f->n += 4;
	f->b[f->n++] = version == 1 ? 0 : (unsigned char)('0' + version);
	memset(f->b + f->n, 0, 15);
	f->n += 15;
	tzif_be(f, 0, 4);		/* isutcnt */
	tzif_be(f, 0, 4);		/* isstdcnt */
	tzif_be(f, (uint64_t)leaps, 4);
	tzif_be(f, (uint64_t)ntrans, 4);
	tzif_be(f, (uint64_t)ntypes, 4);
	tzif_be(f, 4, 4);		/* charcnt: "ABC\0" */
	for (i = 0; i < ntrans; i++)
		tzif_be(f, (uint64_t)trans[i], tsize);
	for (i = 0; i < ntrans; i++)
		tzif_be(f, (uint64_t)((i + 1) % ntypes), 1);
	for (i = 0; i < ntypes; i++) {
		tzif_be(f, (uint64_t)(uint32_t)offs[i], 4);
		tzif_be(f, (uint64_t)(i % 2), 1);
		tzif_be(f, 0, 1);
	}
	memcpy(f->b + f->n, "ABC", 4);
	f->n += 4;
	for (i = 0; i < leaps; i++)
		tzif_be(f, 0, tsize + 4);
}

static void
tzif_save(const char *name, const void *data, size_t len)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/Test", tap_dir());
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/Test/%s", tap_dir(), name);
	if ((fp = fopen(path, "wb")) == NULL ||
	    fwrite(data, 1, len, fp) != len)
		tap_fail(__FILE__, __LINE__, "cannot write %s", path);
	if (fp != NULL)
		fclose(fp);
}

/* A version 2+ file: a v1 block, the 64-bit block, then the footer. */
static void
tzif_save_v2(const char *name, int version, const int64_t *trans,
    int ntrans, const int32_t *offs, int ntypes, int leaps,
    const char *footer)
{
	struct tzif f = { .n = 0 };

	tzif_block(&f, version, 4, trans, ntrans, offs, ntypes, leaps);
	tzif_block(&f, version, 8, trans, ntrans, offs, ntypes, leaps);
	f.b[f.n++] = '\n';
	memcpy(f.b + f.n, footer, strlen(footer));
	f.n += strlen(footer);
	f.b[f.n++] = '\n';
	tzif_save(name, f.b, f.n);
}

/*
 * Files written here, read through TZDIR: a slim Berlin (no transitions,
 * the rule does everything), version 1, a zone on DST all year (version
 * 3's "J365/25"), and damaged ones.
 */
static void
test_tzif_files(void)
{
	/* 1000000000 is 2001-09-09T01:46:40Z. */
	static const int64_t v1trans[] = { 1000000000 };
	static const int32_t cet[] = { 3600 }, v1offs[] = { 3600, 7200 };
	static const int32_t est[] = { -18000 };
	struct tzif f = { .n = 0 };
	char err[256];
	struct tz *z;

	tzdir_set(tap_dir());
	tzif_save_v2("SlimBerlin", 2, NULL, 0, cet, 1, 0,
	    "CET-1CEST,M3.5.0,M10.5.0/3");
	RUN_CASES("Test/SlimBerlin", berlin_spring);
	RUN_CASES("Test/SlimBerlin", berlin_fall);

	tzif_block(&f, 1, 4, v1trans, 1, v1offs, 2, 0);
	tzif_save("V1", f.b, f.n);
	OFFSETS("Test/V1",
	    { "2001-09-09T01:46:39Z", 3600, 0 },
	    { "2001-09-09T01:46:40Z", 7200, 1 },
	    { "2030-01-01T00:00:00Z", 7200, 1 });

	tzif_save_v2("AllYearDst", 3, NULL, 0, est, 1, 0,
	    "EST5EDT,0/0,J365/25");
	OFFSETS("Test/AllYearDst",
	    { "2026-01-01T00:30:00Z", -14400, 1 },
	    { "2026-01-01T05:00:00Z", -14400, 1 },
	    { "2026-07-01T00:00:00Z", -14400, 1 },
	    { "2026-12-31T23:59:59Z", -14400, 1 });

	tzif_save_v2("Leap", 2, NULL, 0, cet, 1, 1, "CET-1");
	check_load_error(__LINE__, "Test/Leap",
	    "time zone 'Test/Leap': leap-second zones are not supported");
	tzif_save_v2("NoRule", 2, NULL, 0, cet, 1, 0, "CET-1CEST");
	check_load_error(__LINE__, "Test/NoRule",
	    "time zone 'Test/NoRule': unsupported TZ footer");
	tzif_save("Short", f.b, 50);
	check_load_error(__LINE__, "Test/Short",
	    "time zone 'Test/Short': truncated TZif file");
	tzif_save("Text", "hello, world\n", 13);
	check_load_error(__LINE__, "Test/Text",
	    "time zone 'Test/Text': not a TZif file");
	if ((z = tz_load("Test/V1", err, sizeof(err))) == NULL)
		tap_fail(__FILE__, __LINE__, "%s", err);
	tz_free(z);
	tzdir_restore();
}

/*
 * The schedules' zone table keeps every zone it loaded and grows with
 * them: 300 distinct zones all load, and asking again gives the zone
 * already loaded.
 */
static void
test_zone_table_grows(void)
{
	static const int32_t cet[] = { 3600 };
	const struct tz *first = NULL, *z;
	char name[32], err[256];
	int i;

	tzdir_set(tap_dir());
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "Z%03d", i);
		tzif_save_v2(name, 2, NULL, 0, cet, 1, 0, "CET-1");
		snprintf(name, sizeof(name), "Test/Z%03d", i);
		if ((z = sched_zone(name, err, sizeof(err))) == NULL) {
			tap_fail(__FILE__, __LINE__, "zone %d: %s", i, err);
			break;
		}
		if (i == 0)
			first = z;
	}
	CHECK(sched_zone("Test/Z000", err, sizeof(err)) == first);
	CHECK(sched_zone("Test/Nowhere", err, sizeof(err)) == NULL);
	tzdir_restore();
}

int
main(void)
{
	unsetenv("TZ");
	TAP_RUN(test_field_forms);
	TAP_RUN(test_names);
	TAP_RUN(test_macros);
	TAP_RUN(test_parse_errors);
	TAP_RUN(test_bitmasks);
	TAP_RUN(test_dom_dow);
	TAP_RUN(test_short_months_and_leap_day);
	TAP_RUN(test_berlin_spring_forward);
	TAP_RUN(test_berlin_fall_back);
	TAP_RUN(test_new_york);
	TAP_RUN(test_half_hour_dst);
	TAP_RUN(test_hourly_over_a_dst_day);
	TAP_RUN(test_tz_offsets);
	TAP_RUN(test_local_to_utc);
	TAP_RUN(test_tz_bad_names);
	TAP_RUN(test_utc_without_zoneinfo);
	TAP_RUN(test_tzif_files);
	TAP_RUN(test_zone_table_grows);
	return tap_done();
}
