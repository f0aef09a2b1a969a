/*
 * Fuzz target: the number, duration, size and delay parsers of common/base/num.c
 * and RFC 3339 times (dqtime_parse), all on the same input.  Values they
 * accept are in range, and a delay or a time written back out by dq reads
 * back as the same value.
 */
#include "config.h"

#include <string.h>

#include "dqtime.h"
#include "fuzz.h"
#include "num.h"

#define YEAR_10000_MS	INT64_C(253402300800000)

static void
fuzz_delay(const char *s, size_t len)
{
	char buf[32];
	int64_t ms, again;

	if (num_parse_delay_ms(s, len, &ms) == -1)
		return;
	FUZZ_CHECK(ms >= 0 && ms % 1000 == 0);
	num_format_delay(ms, buf, sizeof(buf));
	FUZZ_CHECK(num_parse_delay_ms(buf, strlen(buf), &again) == 0 && again == ms);
}

static void
fuzz_time(const char *s)
{
	char buf[DQ_TIME_LEN + 8];
	int64_t ms, again;

	if (dqtime_parse(s, &ms) == -1)
		return;
	/* An offset may move 1970 or 9999 across the year's edge. */
	if (ms < 0 || ms >= YEAR_10000_MS)
		return;
	dqtime_format(ms, buf, sizeof(buf));
	FUZZ_CHECK(strlen(buf) == DQ_TIME_LEN);
	FUZZ_CHECK(dqtime_parse(buf, &again) == 0 && again == ms);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	long long ll;
	double d;
	int64_t v;

	if (s == NULL)
		return 0;
	if (num_parse_ll(s, -5, 1000000, &ll) == 0)
		FUZZ_CHECK(ll >= -5 && ll <= 1000000);
	if (num_parse_double(s, 0, 1e6, &d) == 0)
		FUZZ_CHECK(d >= 0 && d <= 1e6);
	if (num_parse_duration_ms(s, &v) == 0)
		FUZZ_CHECK(v >= 0);
	if (num_parse_size(s, &v) == 0)
		FUZZ_CHECK(v >= 0);
	fuzz_delay(s, strlen(s));
	fuzz_delay((const char *)data, size);
	fuzz_time(s);
	free(s);
	return 0;
}
