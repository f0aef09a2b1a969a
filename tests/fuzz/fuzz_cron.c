/*
 * Fuzz target: cron expressions and the next firing.  The input is up to
 * three lines: the expression, a zone name (default UTC) and the instant
 * to search after in ms (default 2026-09-21).  A firing that cron_next()
 * finds must lie after that instant on a whole minute, and show a wall
 * clock the expression names, unless it is the end of a DST gap (where
 * the skipped times fire); when it is near, no earlier minute may match.
 */
#include "config.h"

#include <string.h>

#include "cron.h"
#include "dqtime.h"
#include "fuzz.h"
#include "num.h"
#include "tz.h"

#define AFTER	INT64_C(1790000000000)
#define NEAR	(3 * 86400)	/* seconds searched for an earlier match */

static int
day_match(const struct cron *c, int64_t day, int mday)
{
	int wday = (int)((day % 7 + 11) % 7);
	int dom = (c->dom >> mday) & 1, dow = (c->dow >> wday) & 1;

	if (c->flags & (CRON_DOM_STAR | CRON_DOW_STAR))
		return dom && dow;
	return dom || dow;
}

/* Does the wall clock local (seconds) match the expression? */
static int
wall_match(const struct cron *c, int64_t local)
{
	int64_t day = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	int64_t sec = local - day * 86400;
	int y, m, d;

	dqtime_civil(day, &y, &m, &d);
	return (c->month >> m & 1) && day_match(c, day, d) &&
	    (c->hour >> (sec / 3600) & 1) && (c->minute >> (sec % 3600 / 60) & 1);
}

/* A minute that shows a matching wall clock for the first time fires. */
static int
fires_at(const struct cron *c, const struct tz *z, int64_t t)
{
	int64_t local = t + tz_offset(z, t, NULL), first;

	if (!wall_match(c, local))
		return 0;
	tz_local_to_utc(z, local, &first);
	return first == t;
}

static void
check_next(const struct cron *c, const struct tz *z, int64_t after)
{
	int64_t n = cron_next(c, z, after), s, t;

	if (n == -1)
		return;
	FUZZ_CHECK(n > after && n % 60000 == 0);
	s = n / 1000;
	FUZZ_CHECK(wall_match(c, s + tz_offset(z, s, NULL)) ||
	    tz_offset(z, s - 60, NULL) != tz_offset(z, s, NULL));
	if (after < 0 || s - after / 1000 > NEAR)
		return;
	for (t = (after / 60000 + 1) * 60; t < s; t += 60)
		FUZZ_CHECK(!fires_at(c, z, t));
	FUZZ_CHECK(cron_next(c, z, n) > n || cron_next(c, z, n) == -1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), *zone = NULL, *when = NULL, err[256];
	long long after = AFTER;
	struct tz *z = NULL;
	struct cron c;

	if (s == NULL)
		return 0;
	if ((zone = strchr(s, '\n')) != NULL) {
		*zone++ = '\0';
		if ((when = strchr(zone, '\n')) != NULL)
			*when++ = '\0';
	}
	if (when != NULL && num_parse_ll(when, INT64_MIN, INT64_MAX, &after) == -1)
		after = AFTER;
	if (cron_parse(s, &c, err, sizeof(err)) == -1) {
		FUZZ_CHECK(err[0] != '\0');
		goto done;
	}
	FUZZ_CHECK(c.minute != 0 && c.hour != 0 && c.dom != 0 && c.month != 0 &&
	    c.dow != 0);
	if ((z = tz_load(zone != NULL && *zone != '\0' ? zone : "UTC", err,
	    sizeof(err))) == NULL)
		goto done;
	check_next(&c, z, after);
done:
	tz_free(z);
	free(s);
	return 0;
}
