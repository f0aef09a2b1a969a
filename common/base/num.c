/*
 * Checked number parsing and big-endian key encoding.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"

int
num_parse_ll(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
num_parse_count(const char *s, long long max, long long *out)
{
	long long v = 0;
	int over = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (!over && (v > max / 10 || v * 10 > max - (*s - '0')))
			over = 1;
		else if (!over)
			v = v * 10 + (*s - '0');
	}
	*out = over ? max : v;
	return over;
}

int
num_parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Split "123unit" into its digits and unit; digits only, no sign. */
static int
num_split(const char *s, size_t len, uint64_t *val, const char **unit)
{
	size_t i;
	uint64_t v = 0;

	for (i = 0; i < len && isdigit((unsigned char)s[i]); i++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (i == 0)
		return -1;
	*val = v;
	*unit = s + i;
	return (int)(len - i);
}

static int
num_scale(uint64_t v, uint64_t mult, int64_t *out)
{
	if (v > (uint64_t)INT64_MAX / mult)
		return -1;
	*out = (int64_t)(v * mult);
	return 0;
}

int
num_parse_duration_ms(const char *s, int64_t *out_ms)
{
	static const struct { const char *u; uint64_t ms; } units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 },
		{ "h", 3600000 }, { "d", 86400000 },
	};
	const char *unit;
	uint64_t v;
	size_t i;
	int ulen;

	if ((ulen = num_split(s, strlen(s), &v, &unit)) < 0)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(unit, units[i].u) == 0)
			return num_scale(v, units[i].ms, out_ms);
	return -1;
}

int
num_parse_size(const char *s, int64_t *out)
{
	const char *unit;
	uint64_t v, mult;

	if (num_split(s, strlen(s), &v, &unit) < 0)
		return -1;
	if (strcmp(unit, "") == 0)
		mult = 1;
	else if (strcmp(unit, "k") == 0 || strcmp(unit, "K") == 0)
		mult = 1024;
	else if (strcmp(unit, "m") == 0 || strcmp(unit, "M") == 0)
		mult = 1024 * 1024;
	else if (strcmp(unit, "g") == 0 || strcmp(unit, "G") == 0)
		mult = 1024 * 1024 * 1024;
	else
		return -1;
	return num_scale(v, mult, out);
}

int
num_parse_delay_ms(const char *s, size_t len, int64_t *out_ms)
{
	const char *unit;
	uint64_t v, mult;

	if (num_split(s, len, &v, &unit) != 1)
		return -1;
	switch (*unit) {
	case 's': mult = 1000; break;
	case 'm': mult = 60000; break;
	case 'h': mult = 3600000; break;
	case 'd': mult = 86400000; break;
	default: return -1;
	}
	return num_scale(v, mult, out_ms);
}

void
num_format_delay(int64_t ms, char *buf, size_t n)
{
	if (ms % 86400000 == 0 && ms >= 86400000)
		snprintf(buf, n, "%lldd", (long long)(ms / 86400000));
	else if (ms % 3600000 == 0 && ms >= 3600000)
		snprintf(buf, n, "%lldh", (long long)(ms / 3600000));
	else if (ms % 60000 == 0 && ms >= 60000)
		snprintf(buf, n, "%lldm", (long long)(ms / 60000));
	else
		snprintf(buf, n, "%llds", (long long)(ms / 1000));
}

void
num_be64_put(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

uint64_t
num_be64_get(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

void
num_be32_put(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

uint32_t
num_be32_get(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | p[3];
}

uint64_t
num_hash(uint32_t seed, const char *s)
{
	uint64_t h = 1469598103934665603u ^ seed;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}
