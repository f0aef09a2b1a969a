/*
 * Unit tests for common/base/num.c and common/base/dqtime.c: checked parsing of
 * numbers, durations, sizes and the API's delay syntax; RFC 3339 both ways.
 */
#include "config.h"

#include <limits.h>
#include <string.h>

#include "dqtime.h"
#include "num.h"
#include "tap.h"

static void
test_parse_ll(void)
{
	long long v;

	CHECK(num_parse_ll("42", 0, 100, &v) == 0 && v == 42);
	CHECK(num_parse_ll("-5", -10, 10, &v) == 0 && v == -5);
	CHECK(num_parse_ll("101", 0, 100, &v) == -1);
	CHECK(num_parse_ll("", 0, 100, &v) == -1);
	CHECK(num_parse_ll(" 1", 0, 100, &v) == -1);
	CHECK(num_parse_ll("1x", 0, 100, &v) == -1);
	CHECK(num_parse_ll("99999999999999999999", 0, 100, &v) == -1);
}

/* Counts as HTTP writes them: digits only; more than max says so. */
static void
test_parse_count(void)
{
	static const char *const bad[] = {
		"", " 1", "1 ", "+1", "-1", "0x10", "1e3", "1.5", "12abc", "\t7", "١",
	};
	long long v;
	size_t i;

	CHECK_INT(num_parse_count("0", 100, &v), 0);
	CHECK_INT(v, 0);
	CHECK_INT(num_parse_count("0042", 100, &v), 0);
	CHECK_INT(v, 42);
	CHECK_INT(num_parse_count("100", 100, &v), 0);
	CHECK_INT(v, 100);
	CHECK_INT(num_parse_count("101", 100, &v), 1);
	CHECK_INT(v, 100);
	CHECK_INT(num_parse_count("7", 5, &v), 1);
	CHECK_INT(v, 5);
	CHECK_INT(num_parse_count("9223372036854775807", LLONG_MAX, &v), 0);
	CHECK_INT(v, LLONG_MAX);
	CHECK_INT(num_parse_count("9223372036854775808", LLONG_MAX, &v), 1);
	CHECK_INT(v, LLONG_MAX);
	CHECK_INT(num_parse_count("99999999999999999999999999999999", LLONG_MAX, &v), 1);
	CHECK_INT(v, LLONG_MAX);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 77;
		if (num_parse_count(bad[i], LLONG_MAX, &v) != -1 || v != 77)
			tap_fail(__FILE__, __LINE__, "\"%s\" accepted", bad[i]);
	}
	CHECK_INT(num_parse_count(NULL, 10, &v), -1);
}

static void
test_duration_and_size(void)
{
	int64_t v;

	CHECK(num_parse_duration_ms("250ms", &v) == 0 && v == 250);
	CHECK(num_parse_duration_ms("30s", &v) == 0 && v == 30000);
	CHECK(num_parse_duration_ms("5m", &v) == 0 && v == 300000);
	CHECK(num_parse_duration_ms("1h", &v) == 0 && v == 3600000);
	CHECK(num_parse_duration_ms("30d", &v) == 0 && v == 30LL * 86400000);
	CHECK(num_parse_duration_ms("7", &v) == 0 && v == 7000);
	CHECK(num_parse_duration_ms("5x", &v) == -1);
	CHECK(num_parse_duration_ms("ms", &v) == -1);
	CHECK(num_parse_size("64k", &v) == 0 && v == 65536);
	CHECK(num_parse_size("1m", &v) == 0 && v == 1048576);
	CHECK(num_parse_size("12", &v) == 0 && v == 12);
	CHECK(num_parse_size("1t", &v) == -1);
}

static void
test_delay(void)
{
	int64_t v;
	char buf[32];

	CHECK(num_parse_delay_ms("10s", 3, &v) == 0 && v == 10000);
	CHECK(num_parse_delay_ms("2d", 2, &v) == 0 && v == 172800000);
	CHECK(num_parse_delay_ms("0s", 2, &v) == 0 && v == 0);
	CHECK(num_parse_delay_ms("10", 2, &v) == -1);
	CHECK(num_parse_delay_ms("10ms", 4, &v) == -1);
	CHECK(num_parse_delay_ms("-1s", 3, &v) == -1);
	CHECK(num_parse_delay_ms("1.5h", 4, &v) == -1);
	CHECK(num_parse_delay_ms("99999999999999999999d", 21, &v) == -1);
	num_format_delay(90000, buf, sizeof(buf));
	CHECK_STR(buf, "90s");
	num_format_delay(900000, buf, sizeof(buf));
	CHECK_STR(buf, "15m");
}

static void
test_time_roundtrip(void)
{
	char buf[DQ_TIME_LEN + 1];
	int64_t v;

	CHECK_STR(dqtime_format(0, buf, sizeof(buf)), "1970-01-01T00:00:00.000Z");
	CHECK(dqtime_parse("2026-11-07T05:31:56.120Z", &v) == 0);
	CHECK_STR(dqtime_format(v, buf, sizeof(buf)), "2026-11-07T05:31:56.120Z");
	CHECK(dqtime_parse("2026-11-07T07:31:56+02:00", &v) == 0);
	CHECK_STR(dqtime_format(v, buf, sizeof(buf)), "2026-11-07T05:31:56.000Z");
	CHECK(dqtime_parse("2024-02-29T00:00:00Z", &v) == 0);
	CHECK(dqtime_parse("2023-02-29T00:00:00Z", &v) == -1);
	CHECK(dqtime_parse("2026-11-07 05:31:56Z", &v) == -1);
	CHECK(dqtime_parse("2026-11-07T05:31:56", &v) == -1);
	CHECK(dqtime_parse("2026-11-07T25:00:00Z", &v) == -1);
	CHECK(dqtime_parse("2026-11-07T05:31:56.1234567891Z", &v) == -1);
}

int
main(void)
{
	TAP_RUN(test_parse_ll);
	TAP_RUN(test_parse_count);
	TAP_RUN(test_duration_and_size);
	TAP_RUN(test_delay);
	TAP_RUN(test_time_roundtrip);
	return tap_done();
}
