/*
 * The JSON writer.  Compact output, keys in the order written.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dqtime.h"
#include "jsonw.h"

void
jw_init(struct jw *w)
{
	buf_init(&w->b, 1024, JW_MAX);
}

void
jw_free(struct jw *w)
{
	buf_free(&w->b);
}

void
jw_raw(struct jw *w, const char *s, size_t n)
{
	buf_add(&w->b, s, n);
}

char *
jw_finish(struct jw *w, size_t *lenp)
{
	return buf_take(&w->b, lenp);
}

/* A value follows: a comma unless it is the first in its object or array. */
static void
jw_sep(struct jw *w)
{
	char last;

	if (w->b.len == 0)
		return;
	last = w->b.data[w->b.len - 1];
	if (last != '{' && last != '[' && last != ':')
		jw_raw(w, ",", 1);
}

void
jw_open(struct jw *w, char c)
{
	jw_sep(w);
	jw_raw(w, &c, 1);
}

void
jw_close(struct jw *w, char c)
{
	jw_raw(w, &c, 1);
}

static void
jw_quoted(struct jw *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *end = p + n, *run;
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };

	jw_raw(w, "\"", 1);
	while (p < end) {
		for (run = p; p < end && *p >= 0x20 && *p != '"' && *p != '\\'; p++)
			;
		jw_raw(w, (const char *)run, (size_t)(p - run));
		if (p == end)
			break;
		switch (*p) {
		case '"': jw_raw(w, "\\\"", 2); break;
		case '\\': jw_raw(w, "\\\\", 2); break;
		case '\n': jw_raw(w, "\\n", 2); break;
		case '\r': jw_raw(w, "\\r", 2); break;
		case '\t': jw_raw(w, "\\t", 2); break;
		default:
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			jw_raw(w, esc, 6);
		}
		p++;
	}
	jw_raw(w, "\"", 1);
}

/* Keys written by dq are plain ASCII: no escaping to do. */
void
jw_key(struct jw *w, const char *key)
{
	size_t n = strlen(key);
	char *p;

	jw_sep(w);
	if ((p = buf_room(&w->b, n + 3)) == NULL)
		return;
	p[0] = '"';
	memcpy(p + 1, key, n);
	p[n + 1] = '"';
	p[n + 2] = ':';
	w->b.len += n + 3;
}

void
jw_str(struct jw *w, const char *s)
{
	jw_sep(w);
	if (s == NULL)
		jw_raw(w, "null", 4);
	else
		jw_quoted(w, s, strlen(s));
}

void
jw_int(struct jw *w, long long v)
{
	char buf[24], *p = buf + sizeof(buf);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (v < 0)
		*--p = '-';
	jw_sep(w);
	jw_raw(w, p, (size_t)(buf + sizeof(buf) - p));
}

void
jw_bool(struct jw *w, int v)
{
	jw_sep(w);
	jw_raw(w, v ? "true" : "false", v ? 4 : 5);
}

void
jw_null(struct jw *w)
{
	jw_sep(w);
	jw_raw(w, "null", 4);
}

void
jw_time(struct jw *w, int64_t ms)
{
	char buf[DQ_TIME_LEN + 3];

	if (ms == 0) {
		jw_null(w);
		return;
	}
	buf[0] = '"';
	dqtime_format(ms, buf + 1, sizeof(buf) - 1);
	buf[DQ_TIME_LEN + 1] = '"';
	jw_sep(w);
	jw_raw(w, buf, DQ_TIME_LEN + 2);
}

void
jw_json(struct jw *w, const char *text)
{
	jw_sep(w);
	if (text == NULL)
		jw_raw(w, "null", 4);
	else
		jw_raw(w, text, strlen(text));
}

void
jw_value(struct jw *w, json_t *v)
{
	char buf[40];
	const char *k;
	size_t i;
	json_t *x;
	int n;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		jw_open(w, '{');
		json_object_foreach(v, k, x) {
			jw_sep(w);
			jw_quoted(w, k, strlen(k));	/* any text: escaped */
			jw_raw(w, ":", 1);
			jw_value(w, x);
		}
		jw_close(w, '}');
		break;
	case JSON_ARRAY:
		jw_open(w, '[');
		json_array_foreach(v, i, x)
			jw_value(w, x);
		jw_close(w, ']');
		break;
	case JSON_STRING:
		jw_sep(w);
		jw_quoted(w, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		jw_int(w, json_integer_value(v));
		break;
	case JSON_REAL:
		/* the shortest form that reads back as the same number */
		for (n = 15; n <= 17; n++) {
			snprintf(buf, sizeof(buf), "%.*g", n, json_real_value(v));
			if (strtod(buf, NULL) == json_real_value(v))
				break;
		}
		n = (int)strlen(buf);
		jw_sep(w);
		jw_raw(w, buf, (size_t)n);
		if (strspn(buf, "-0123456789") == (size_t)n)
			jw_raw(w, ".0", 2);
		break;
	case JSON_TRUE:
		jw_bool(w, 1);
		break;
	case JSON_FALSE:
		jw_bool(w, 0);
		break;
	default:
		jw_null(w);
	}
}
