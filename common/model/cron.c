/*
 * Cron expressions: the five-field grammar with names, ranges, steps and
 * the @-macros, Vixie cron's rule for the two day fields, and the search
 * for the next firing.  The search walks local calendar days, skipping
 * months and days that cannot match, tries only the hours and minutes the
 * expression names, and asks tz.c which instant shows that wall-clock time.
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cron.h"
#include "dqtime.h"
#include "num.h"
#include "tz.h"

#define CRON_NFIELDS	5
#define CRON_TOKEN_MAX	16
/*
 * How far cron_next looks: eight years and a bit, because February 29
 * skips 2100 and "0 0 29 2 *" must still find 2104 from 2096.
 */
#define CRON_HORIZON_DAYS	(8 * 366 + 2)
/* Instants cron_next accepts: up to the end of year 9999 either way. */
#define CRON_MS_MAX	INT64_C(253402300799999)

struct cron_field {
	const char		*name;
	int			 min, max;
	const char *const	*names;		/* names[i] is value base + i */
	int			 base;
};

static const char *const cron_months[] = {
	"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
	"JUL", "AUG", "SEP", "OCT", "NOV", "DEC", NULL
};

static const char *const cron_wdays[] = {
	"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", NULL
};

/* In the order of the expression.  Day-of-week 7 is Sunday again. */
static const struct cron_field cron_fields[CRON_NFIELDS] = {
	{ "minute",		0, 59,	NULL,		0 },
	{ "hour",		0, 23,	NULL,		0 },
	{ "day-of-month",	1, 31,	NULL,		0 },
	{ "month",		1, 12,	cron_months,	1 },
	{ "day-of-week",	0, 7,	cron_wdays,	0 },
};

static const struct {
	const char	*name;
	const char	*expr;
} cron_macros[] = {
	{ "@yearly",	"0 0 1 1 *" },
	{ "@annually",	"0 0 1 1 *" },
	{ "@monthly",	"0 0 1 * *" },
	{ "@weekly",	"0 0 * * 0" },
	{ "@daily",	"0 0 * * *" },
	{ "@midnight",	"0 0 * * *" },
	{ "@hourly",	"0 * * * *" },
};

/* One list item being parsed, for the error messages. */
struct cron_item {
	const struct cron_field	*f;
	const char		*text;
	size_t			 len;
	char			*err;
	size_t			 errsz;
};

static int	cron_err(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* Always -1, so that a parser can return it. */
static int
cron_err(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return -1;
}

static int64_t
cron_floordiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int
cron_unexpected(struct cron_item *it, const char *p)
{
	if (isprint((unsigned char)*p))
		return cron_err(it->err, it->errsz,
		    "%s: unexpected '%c' in '%.*s'", it->f->name, *p,
		    (int)it->len, it->text);
	return cron_err(it->err, it->errsz,
	    "%s: unexpected byte 0x%02x in '%.*s'", it->f->name,
	    (unsigned)(unsigned char)*p, (int)it->len, it->text);
}

/* The next run of letters and digits at *p into tok (size toksz). */
static int
cron_token(struct cron_item *it, const char **p, const char *end,
    char *tok, size_t toksz)
{
	size_t n = 0;

	while (*p + n < end && isalnum((unsigned char)(*p)[n]))
		n++;
	if (n == 0 && *p < end)
		return cron_unexpected(it, *p);
	if (n == 0)
		return cron_err(it->err, it->errsz,
		    "%s: missing value in '%.*s'", it->f->name, (int)it->len,
		    it->text);
	if (n >= toksz)
		return cron_err(it->err, it->errsz, "%s: '%.*s' is too long",
		    it->f->name, (int)n, *p);
	memcpy(tok, *p, n);
	tok[n] = '\0';
	*p += n;
	return 0;
}

/* A number, or a name where the field has names, within the field. */
static int
cron_value(struct cron_item *it, const char **p, const char *end, int *out)
{
	const struct cron_field *f = it->f;
	char tok[CRON_TOKEN_MAX];
	long long v;
	int i;

	if (cron_token(it, p, end, tok, sizeof(tok)) == -1)
		return -1;
	if (isdigit((unsigned char)tok[0])) {
		if (num_parse_ll(tok, 0, LLONG_MAX, &v) == -1)
			return cron_err(it->err, it->errsz,
			    "%s: '%s' is not a number", f->name, tok);
		if (v < f->min || v > f->max)
			return cron_err(it->err, it->errsz,
			    "%s: %lld is out of range %d-%d", f->name, v,
			    f->min, f->max);
		*out = (int)v;
		return 0;
	}
	for (i = 0; f->names != NULL && f->names[i] != NULL; i++)
		if (strcasecmp(tok, f->names[i]) == 0) {
			*out = f->base + i;
			return 0;
		}
	if (f->names == NULL)
		return cron_err(it->err, it->errsz, "%s: '%s' is not a number",
		    f->name, tok);
	return cron_err(it->err, it->errsz, "%s: unknown name '%s'", f->name,
	    tok);
}

/* The n in "/n": at least 1, at most the field's largest value. */
static int
cron_step(struct cron_item *it, const char **p, const char *end, int *out)
{
	char tok[CRON_TOKEN_MAX];
	long long v;

	if (cron_token(it, p, end, tok, sizeof(tok)) == -1)
		return -1;
	if (num_parse_ll(tok, 0, LLONG_MAX, &v) == -1)
		return cron_err(it->err, it->errsz,
		    "%s: step '%s' is not a number", it->f->name, tok);
	if (v < 1 || v > it->f->max)
		return cron_err(it->err, it->errsz,
		    "%s: step %lld is out of range 1-%d", it->f->name, v,
		    it->f->max);
	*out = (int)v;
	return 0;
}

/* "*", "a", "a-b", each with an optional "/step"; "a/step" runs to max. */
static int
cron_item_parse(struct cron_item *it, uint64_t *bits)
{
	const char *p = it->text, *end = it->text + it->len;
	int lo, hi, step = 1, v;

	if (*p == '*') {
		lo = it->f->min;
		hi = it->f->max;
		p++;
	} else {
		if (cron_value(it, &p, end, &lo) == -1)
			return -1;
		hi = p < end && *p == '/' ? it->f->max : lo;
		if (p < end && *p == '-') {
			p++;
			if (cron_value(it, &p, end, &hi) == -1)
				return -1;
			if (hi < lo)
				return cron_err(it->err, it->errsz,
				    "%s: range %d-%d runs backwards",
				    it->f->name, lo, hi);
		}
	}
	if (p < end && *p == '/') {
		p++;
		if (cron_step(it, &p, end, &step) == -1)
			return -1;
	}
	if (p < end)
		return cron_unexpected(it, p);
	for (v = lo; v <= hi; v += step)
		*bits |= UINT64_C(1) << v;
	return 0;
}

/* A comma-separated list of items; s is not NUL-terminated. */
static int
cron_field_parse(const struct cron_field *f, const char *s, size_t len,
    uint64_t *bits, char *err, size_t errsz)
{
	struct cron_item it = { f, s, 0, err, errsz };
	const char *end = s + len, *comma;

	*bits = 0;
	for (;;) {
		comma = memchr(it.text, ',', (size_t)(end - it.text));
		it.len = (size_t)((comma ? comma : end) - it.text);
		if (it.len == 0)
			return cron_err(err, errsz, "%s: empty item in list",
			    f->name);
		if (cron_item_parse(&it, bits) == -1)
			return -1;
		if (comma == NULL)
			return 0;
		it.text = comma + 1;
	}
}

/*
 * With AND semantics (either day field starting with '*'), a day-of-month
 * that no chosen month has can never fire; February counts its 29th.
 */
static int
cron_days_check(const struct cron *c, char *err, size_t errsz)
{
	int m, day, nmon = 0, mon = 0;

	if (!(c->flags & (CRON_DOM_STAR | CRON_DOW_STAR)))
		return 0;
	for (m = 1; m <= 12; m++) {
		if (!(c->month & (1U << m)))
			continue;
		if (c->dom & ((UINT64_C(2) << dqtime_mdays(2000, m)) - 1))
			return 0;
		nmon++;
		mon = m;
	}
	for (day = 1; !(c->dom & (1U << day)); day++)
		;
	if (nmon == 1)
		return cron_err(err, errsz, "day-of-month: %d never occurs in "
		    "%s", day, cron_months[mon - 1]);
	return cron_err(err, errsz, "day-of-month: %d never occurs in any of "
	    "the chosen months", day);
}

static int
cron_macro(const char *s, struct cron *out, char *err, size_t errsz)
{
	size_t i, len = strcspn(s, " \t");

	if (s[len + strspn(s + len, " \t")] != '\0')
		return cron_err(err, errsz, "unexpected text after '%.*s'",
		    (int)len, s);
	for (i = 0; i < sizeof(cron_macros) / sizeof(cron_macros[0]); i++)
		if (strlen(cron_macros[i].name) == len &&
		    strncasecmp(s, cron_macros[i].name, len) == 0)
			return cron_parse(cron_macros[i].expr, out, err, errsz);
	if (len == 7 && strncasecmp(s, "@reboot", len) == 0)
		return cron_err(err, errsz, "@reboot is not supported");
	return cron_err(err, errsz, "unknown macro '%.*s'",
	    len > 20 ? 20 : (int)len, s);
}

/* Split on blanks; n counts every field so that the error can say how many. */
static int
cron_split(const char *s, const char **f, size_t *flen)
{
	size_t len;
	int n = 0;

	s += strspn(s, " \t");
	while (*s != '\0') {
		len = strcspn(s, " \t");
		if (n < CRON_NFIELDS) {
			f[n] = s;
			flen[n] = len;
		}
		if (n < INT_MAX)
			n++;
		s += len;
		s += strspn(s, " \t");
	}
	return n;
}

int
cron_parse(const char *expr, struct cron *out, char *err, size_t errsz)
{
	const char *f[CRON_NFIELDS];
	size_t flen[CRON_NFIELDS];
	uint64_t bits[CRON_NFIELDS];
	int i, n;

	if (expr[strspn(expr, " \t")] == '@')
		return cron_macro(expr + strspn(expr, " \t"), out, err, errsz);
	if ((n = cron_split(expr, f, flen)) != CRON_NFIELDS)
		return cron_err(err, errsz, "expected 5 fields, got %d", n);
	for (i = 0; i < CRON_NFIELDS; i++)
		if (cron_field_parse(&cron_fields[i], f[i], flen[i], &bits[i],
		    err, errsz) == -1)
			return -1;
	memset(out, 0, sizeof(*out));
	out->minute = bits[0];
	out->hour = (uint32_t)bits[1];
	out->dom = (uint32_t)bits[2];
	out->month = (uint16_t)bits[3];
	out->dow = (uint8_t)((bits[4] & 0x7f) | (bits[4] >> 7));
	if (f[2][0] == '*')
		out->flags |= CRON_DOM_STAR;
	if (f[4][0] == '*')
		out->flags |= CRON_DOW_STAR;
	return cron_days_check(out, err, errsz);
}

/* Vixie cron: both day fields restricted means either may match. */
static int
cron_day_match(const struct cron *c, int64_t day, int mday)
{
	int wday = (int)((day % 7 + 11) % 7);	/* 1970-01-01 was a Thursday */
	int dom = (c->dom >> mday) & 1, dow = (c->dow >> wday) & 1;

	if (c->flags & (CRON_DOM_STAR | CRON_DOW_STAR))
		return dom && dow;
	return dom || dow;
}

/*
 * The first firing on a local day at or after from seconds into it that is
 * not before t0 (UTC seconds).  A wall-clock time in a gap fires when the
 * gap ends; one in an overlap at its first occurrence, which may be before
 * t0 when t0 is in the repeated hour: then it has fired already.
 */
static int64_t
cron_day_next(const struct cron *c, const struct tz *z, int64_t day,
    int64_t from, int64_t t0)
{
	int64_t t;
	int h, m;

	for (h = (int)(from / 3600); h < 24; h++) {
		if (!(c->hour & (1U << h)))
			continue;
		m = h * 3600 < from ? (int)(from - h * 3600) / 60 : 0;
		for (; m < 60; m++) {
			if (!(c->minute & (UINT64_C(1) << m)))
				continue;
			tz_local_to_utc(z, day * 86400 + h * 3600 + m * 60, &t);
			t = cron_floordiv(t + 59, 60) * 60;
			if (t >= t0)
				return t;
		}
	}
	return -1;
}

/*
 * Local days are walked from the wall-clock minute after the one showing
 * just before t0, not from t0's own: when t0 ends a gap, the skipped
 * times (which fire at t0) read earlier than t0's wall clock.
 */
int64_t
cron_next(const struct cron *c, const struct tz *z, int64_t after_ms)
{
	int64_t t0, l, day, last, t;
	int y, m, d;

	if (after_ms < -CRON_MS_MAX || after_ms > CRON_MS_MAX)
		return -1;
	t0 = (cron_floordiv(after_ms, 60000) + 1) * 60;
	l = t0 - 60 + tz_offset(z, t0 - 60, NULL) + 60;
	l = cron_floordiv(l + 59, 60) * 60;
	day = cron_floordiv(l, 86400);
	for (last = day + CRON_HORIZON_DAYS; day <= last; day++) {
		dqtime_civil(day, &y, &m, &d);
		if (!(c->month & (1U << m))) {
			day += dqtime_mdays(y, m) - d;	/* to the month's end */
			continue;
		}
		if (!cron_day_match(c, day, d))
			continue;
		t = cron_day_next(c, z, day, l > day * 86400 ? l - day * 86400 :
		    0, t0);
		if (t != -1)
			return t * 1000;
	}
	return -1;
}
