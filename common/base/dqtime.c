/*
 * Wall-clock and monotonic time, RFC 3339 formatting and parsing.  Parsing
 * is strict (the API's run_at must be a real instant) and does not depend on
 * the process's time zone.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dqtime.h"

int64_t
dqtime_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
dqtime_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
dqtime_sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int64_t
dqtime_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
dqtime_put(char *p, int v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* Formatted by hand: this runs for every time field of every job shown. */
char *
dqtime_format(int64_t ms, char *buf, size_t n)
{
	int64_t secs = ms / 1000, days;
	int frac = (int)(ms % 1000), sod, y, m, d;

	if (n < DQ_TIME_LEN + 1)
		return n ? (buf[0] = '\0', buf) : buf;
	if (frac < 0) {
		frac += 1000;
		secs--;
	}
	days = secs / 86400;
	sod = (int)(secs % 86400);
	if (sod < 0) {
		sod += 86400;
		days--;
	}
	dqtime_civil(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = 0;
	memcpy(buf, "0000-00-00T00:00:00.000Z", DQ_TIME_LEN + 1);
	dqtime_put(buf, y, 4);
	dqtime_put(buf + 5, m, 2);
	dqtime_put(buf + 8, d, 2);
	dqtime_put(buf + 11, sod / 3600, 2);
	dqtime_put(buf + 14, sod / 60 % 60, 2);
	dqtime_put(buf + 17, sod % 60, 2);
	dqtime_put(buf + 20, frac, 3);
	return buf;
}

/* Read exactly n digits at *p into *out and advance. */
static int
dqtime_digits(const char **p, int n, int *out)
{
	int v = 0;

	while (n-- > 0) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	*out = v;
	return 0;
}

static int
dqtime_expect(const char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

/* Howard Hinnant's days_from_civil, proleptic Gregorian. */
int64_t
dqtime_days(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The inverse of dqtime_days (Hinnant's civil_from_days). */
void
dqtime_civil(int64_t days, int *y, int *m, int *d)
{
	int64_t z, era, doe, yoe, doy, mp;

	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

int
dqtime_mdays(int y, int m)
{
	static const int md[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return md[m - 1];
}

/* Fractional seconds: up to 9 digits, kept to milliseconds (truncated). */
static int
dqtime_fraction(const char **p, int *ms)
{
	int digits = 0, v = 0;

	*ms = 0;
	if (**p != '.')
		return 0;
	(*p)++;
	while (isdigit((unsigned char)**p)) {
		if (digits < 3)
			v = v * 10 + (**p - '0');
		digits++;
		(*p)++;
	}
	if (digits == 0 || digits > 9)
		return -1;
	while (digits++ < 3)
		v *= 10;
	*ms = v;
	return 0;
}

static int
dqtime_offset(const char **p, int *off_min)
{
	int sign, hh, mm;

	if (**p == 'Z' || **p == 'z') {
		(*p)++;
		*off_min = 0;
		return 0;
	}
	if (**p != '+' && **p != '-')
		return -1;
	sign = **p == '-' ? -1 : 1;
	(*p)++;
	if (dqtime_digits(p, 2, &hh) || dqtime_expect(p, ':') ||
	    dqtime_digits(p, 2, &mm) || hh > 23 || mm > 59)
		return -1;
	*off_min = sign * (hh * 60 + mm);
	return 0;
}

int
dqtime_parse(const char *s, int64_t *out_ms)
{
	const char *p = s;
	int y, mo, d, h, mi, sec, ms, off;

	if (dqtime_digits(&p, 4, &y) || dqtime_expect(&p, '-') ||
	    dqtime_digits(&p, 2, &mo) || dqtime_expect(&p, '-') ||
	    dqtime_digits(&p, 2, &d))
		return -1;
	if (*p != 'T' && *p != 't')
		return -1;
	p++;
	if (dqtime_digits(&p, 2, &h) || dqtime_expect(&p, ':') ||
	    dqtime_digits(&p, 2, &mi) || dqtime_expect(&p, ':') ||
	    dqtime_digits(&p, 2, &sec) || dqtime_fraction(&p, &ms) ||
	    dqtime_offset(&p, &off) || *p != '\0')
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > dqtime_mdays(y, mo) ||
	    h > 23 || mi > 59 || sec > 59)
		return -1;
	*out_ms = ((dqtime_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	    (int64_t)off * 60) * 1000) + ms;
	return 0;
}
