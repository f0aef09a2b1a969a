/*
 * Unit tests for common/delivery/deliver.c: a target's Retry-After, parsed
 * whatever the target sends (huge, negative, fractional, garbage, dates
 * past and far ahead) without overflow, and the backoff it is weighed
 * against.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "deliver.h"
#include "tap.h"

#define NOW	1938038400000LL		/* 2031-06-01T00:00:00.000Z */

/* A stand-in for curl_getdate(): a few fixed dates, else -1. */
static int64_t
fake_date(const char *s)
{
	if (strcmp(s, "in an hour") == 0)
		return NOW / 1000 + 3600;
	if (strcmp(s, "yesterday") == 0)
		return NOW / 1000 - 86400;
	if (strcmp(s, "year 9999") == 0)
		return 253402300799LL;
	if (strcmp(s, "the end of time") == 0)
		return INT64_MAX;
	return -1;
}

static void
test_retry_after_seconds(void)
{
	CHECK_INT(deliver_retry_after_ms("0", NULL, NOW), 0);
	CHECK_INT(deliver_retry_after_ms("1", NULL, NOW), 1000);
	CHECK_INT(deliver_retry_after_ms("120", fake_date, NOW), 120000);
	CHECK_INT(deliver_retry_after_ms("31622400", NULL, NOW), DELIVER_RETRY_AFTER_MAX_MS);
	/* more than a year, up to numbers no integer holds: the most, not a wrap */
	CHECK_INT(deliver_retry_after_ms("31622401", NULL, NOW), DELIVER_RETRY_AFTER_MAX_MS);
	CHECK_INT(deliver_retry_after_ms("9223372036854775807", NULL, NOW),
	    DELIVER_RETRY_AFTER_MAX_MS);
	CHECK_INT(deliver_retry_after_ms("9223372036854775808", NULL, NOW),
	    DELIVER_RETRY_AFTER_MAX_MS);
	CHECK_INT(deliver_retry_after_ms("99999999999999999999999999999999999", NULL,
	    NOW), DELIVER_RETRY_AFTER_MAX_MS);
}

static void
test_retry_after_not_seconds(void)
{
	static const char *const bad[] = {
		"", "-1", "-9223372036854775808", "+5", "1.5", "5s", "0x10", "1e9",
		" 5", "5 ", "abc", "\xff",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (deliver_retry_after_ms(bad[i], NULL, NOW) != -1 ||
		    deliver_retry_after_ms(bad[i], fake_date, NOW) != -1)
			tap_fail(__FILE__, __LINE__, "\"%s\" accepted", bad[i]);
	}
}

static void
test_retry_after_dates(void)
{
	CHECK_INT(deliver_retry_after_ms("in an hour", fake_date, NOW), 3600000);
	CHECK_INT(deliver_retry_after_ms("in an hour", NULL, NOW), -1);
	CHECK_INT(deliver_retry_after_ms("yesterday", fake_date, NOW), 0);
	CHECK_INT(deliver_retry_after_ms("year 9999", fake_date, NOW),
	    DELIVER_RETRY_AFTER_MAX_MS);
	CHECK_INT(deliver_retry_after_ms("the end of time", fake_date, NOW),
	    DELIVER_RETRY_AFTER_MAX_MS);
	CHECK_INT(deliver_retry_after_ms("not a date", fake_date, NOW), -1);
}

static void
test_backoff(void)
{
	struct deliver_policy p = { 10000, 3600000 };

	CHECK_INT(deliver_backoff(&p, 1), 20000);
	CHECK_INT(deliver_backoff(&p, 2), 40000);
	CHECK_INT(deliver_backoff(&p, 100), 3600000);
	CHECK_INT(deliver_backoff(&p, 1 << 30), 3600000);
}

int
main(void)
{
	TAP_RUN(test_retry_after_seconds);
	TAP_RUN(test_retry_after_not_seconds);
	TAP_RUN(test_retry_after_dates);
	TAP_RUN(test_backoff);
	return tap_done();
}
