/*
 * Unit tests for common/model/jsonw.c, the JSON writer behind every
 * response: random jansson values (nested objects and arrays, strings with
 * every kind of character, integers at the int64 edges, reals, literals),
 * written with jw_value() and with the jw_* calls the handlers make, must
 * read back equal with jansson, in the same key order, as compact JSON.
 * Then the exact text of numbers and escapes, what bytes that are not
 * UTF-8 become, jw_time(), and the 64 MiB cap.  The random values come
 * from tap_rand(): the seed is printed, DQ_TEST_SEED repeats a run.
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dqtime.h"
#include "jsonw.h"
#include "tap.h"

#define ROUNDS		3000	/* random values per test point */
#define DEPTH		5	/* deepest nesting of a random value */
#define TEXT_MAX	300	/* characters in a random string */

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* --- random values ------------------------------------------------------- */

static size_t
utf8_put(unsigned char *p, uint32_t c)
{
	if (c < 0x80) {
		p[0] = (unsigned char)c;
		return 1;
	}
	if (c < 0x800) {
		p[0] = (unsigned char)(0xc0 | c >> 6);
		p[1] = (unsigned char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		p[0] = (unsigned char)(0xe0 | c >> 12);
		p[1] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
		p[2] = (unsigned char)(0x80 | (c & 0x3f));
		return 3;
	}
	p[0] = (unsigned char)(0xf0 | c >> 18);
	p[1] = (unsigned char)(0x80 | (c >> 12 & 0x3f));
	p[2] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
	p[3] = (unsigned char)(0x80 | (c & 0x3f));
	return 4;
}

/* A code point of a random kind: controls (NUL too, unless for a key),
 * what JSON escapes, printable ASCII, and UTF-8 of each length with the
 * edges of its range. */
static uint32_t
rand_char(int key)
{
	static const uint32_t special[] = {
		'"', '\\', '/', 0x7f, 0x80, 0xa0, 0x7ff, 0x800, 0xd7ff, 0xe000,
		0x2028, 0x2029, 0xfeff, 0xfffd, 0xfffe, 0xffff, 0x10000, 0x1f600,
		0x10ffff,
	};
	uint32_t c;

	switch (tap_rand_below(8)) {
	case 0:
		c = (uint32_t)tap_rand_below(0x20);
		return key && c == 0 ? 1 : c;
	case 1:
		return special[tap_rand_below(NELEM(special))];
	case 2:
		return 0x80 + (uint32_t)tap_rand_below(0x800 - 0x80);
	case 3:
		c = 0x800 + (uint32_t)tap_rand_below(0x10000 - 0x800);
		return c >= 0xd800 && c <= 0xdfff ? c - 0x800 : c;	/* no surrogates */
	case 4:
		return 0x10000 + (uint32_t)tap_rand_below(0x100000);
	default:
		return 0x20 + (uint32_t)tap_rand_below(0x5f);
	}
}

/* A random UTF-8 text in buf (TEXT_MAX * 4 + 1 bytes), NUL-terminated
 * after *lenp bytes (which may hold NULs unless for a key). */
static void
rand_text(unsigned char *buf, size_t *lenp, int key)
{
	size_t n = tap_rand_below(8) == 0 ? tap_rand_below(TEXT_MAX + 1) :
	    tap_rand_below(12), len = 0;

	while (n-- > 0)
		len += utf8_put(buf + len, rand_char(key));
	buf[len] = '\0';
	*lenp = len;
}

static json_int_t
rand_int(void)
{
	static const json_int_t edge[] = {
		INT64_MIN, INT64_MIN + 1, INT64_MAX, INT64_MAX - 1, 0, 1, -1, 9,
		10, -10, INT32_MIN, INT32_MAX, 4294967296LL, 999999999999999999LL,
		1000000000000000000LL, -1000000000000000000LL, 9007199254740993LL,
	};
	uint64_t u;

	switch (tap_rand_below(3)) {
	case 0:
		return edge[tap_rand_below(NELEM(edge))];
	case 1:
		u = tap_rand();
		return u > INT64_MAX ? -(json_int_t)(u - INT64_MAX - 1) - 1 :
		    (json_int_t)u;
	default:
		return (json_int_t)tap_rand_below(2001) - 1000;
	}
}

static double
rand_real(void)
{
	static const double edge[] = {
		0.0, -0.0, 0.1, -0.1, 0.5, 1.0, -1.0, 100.0, 1e15, 1e16, 1e17,
		1e21, 1e22, 1e-7, 1e-6, 1.0 / 3.0, 2.0 / 3.0, 3.141592653589793,
		123456789012345678.0, 9007199254740993.0, DBL_MAX, -DBL_MAX,
		DBL_MIN, DBL_TRUE_MIN, -DBL_TRUE_MIN, DBL_EPSILON,
	};
	uint64_t bits;
	double d;

	switch (tap_rand_below(4)) {
	case 0:
		return edge[tap_rand_below(NELEM(edge))];
	case 1:		/* any bit pattern that is a number */
		do {
			bits = tap_rand();
			memcpy(&d, &bits, sizeof(d));
		} while (!isfinite(d));
		return d;
	case 2:		/* decimal fractions, the common case */
		return (double)((int64_t)tap_rand_below(2000001) - 1000000) / 1000.0;
	default:	/* 53-bit mantissas at moderate exponents */
		d = ldexp((double)tap_rand_below(1ULL << 53), (int)tap_rand_below(140) - 70);
		return tap_rand_below(2) ? -d : d;
	}
}

static json_t *rand_value(int depth);

static json_t *
rand_container(int depth)
{
	unsigned char key[TEXT_MAX * 4 + 1];
	size_t n = tap_rand_below(7), len;
	json_t *v;

	if (tap_rand_below(2)) {
		v = json_array();
		while (n-- > 0)
			json_array_append_new(v, rand_value(depth + 1));
		return v;
	}
	v = json_object();
	while (n-- > 0) {
		rand_text(key, &len, 1);
		json_object_set_new(v, (const char *)key, rand_value(depth + 1));
	}
	return v;
}

static json_t *
rand_value(int depth)
{
	unsigned char s[TEXT_MAX * 4 + 1];
	size_t len;

	switch (tap_rand_below(depth < DEPTH ? 12 : 8)) {
	case 0: case 1:
		rand_text(s, &len, 0);
		return json_stringn((const char *)s, len);
	case 2: case 3:
		return json_integer(rand_int());
	case 4: case 5:
		return json_real(rand_real());
	case 6:
		return json_boolean(tap_rand_below(2));
	case 7:
		return json_null();
	default:
		return rand_container(depth);
	}
}

/* --- checks -------------------------------------------------------------- */

/* Compact JSON text as dq sends it: NUL-terminated after len, no
 * whitespace outside strings, no raw control character anywhere. */
static int
text_compact(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	int in_string = 0;
	size_t i;

	if (p[len] != '\0')
		return 0;
	for (i = 0; i < len; i++) {
		if (p[i] < 0x20)
			return 0;
		if (in_string) {
			if (p[i] == '\\')
				i++;
			else if (p[i] == '"')
				in_string = 0;
		} else if (p[i] == ' ')
			return 0;
		else if (p[i] == '"')
			in_string = 1;
	}
	return !in_string;
}

/* text (freed here) reads back as want, compact, in the same order. */
static void
same_value(json_t *want, char *text, size_t len, const char *how, int line)
{
	char *a = NULL, *b = NULL;
	json_error_t e;
	json_t *got;

	if (want == NULL || text == NULL) {
		tap_fail(__FILE__, line, "%s: no value or no text", how);
		free(text);
		return;
	}
	if (!text_compact(text, len))
		tap_fail(__FILE__, line, "%s: not compact JSON: %.300s", how, text);
	got = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL |
	    JSON_REJECT_DUPLICATES, &e);
	if (got == NULL) {
		tap_fail(__FILE__, line, "%s: jansson refuses it (%s at %d): %.300s",
		    how, e.text, e.position, text);
		free(text);
		return;
	}
	/* json_equal() holds 0.0 equal to -0.0 and ignores key order: jansson's
	 * own text of both tells those apart too. */
	a = json_dumps(want, JSON_COMPACT | JSON_ENCODE_ANY);
	b = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!json_equal(want, got) || a == NULL || b == NULL || strcmp(a, b) != 0)
		tap_fail(__FILE__, line, "%s: wrote %.300s for %.300s", how, text,
		    a ? a : "?");
	free(a);
	free(b);
	json_decref(got);
	free(text);
}

/* --- writing the ways dq writes ------------------------------------------ */

/* What jw_key() takes: plain ASCII with nothing to escape. */
static int
key_plain(const char *k)
{
	for (; *k != '\0'; k++)
		if ((unsigned char)*k < 0x20 || (unsigned char)*k > 0x7e ||
		    *k == '"' || *k == '\\')
			return 0;
	return 1;
}

/* A container as stored JSON text (the payload, headers) or NULL. */
static int
write_stored(struct jw *w, json_t *v)
{
	char *text;

	if (tap_rand_below(4) != 0 ||
	    (text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
		return 0;
	jw_json(w, text);
	free(text);
	return 1;
}

/* v written as the handlers write: jw_open/jw_key/jw_close, jw_str,
 * jw_int, jw_bool, jw_null, stored text through jw_json(), and
 * jw_value() for what has no call of its own (reals, keys to escape,
 * strings holding NUL). */
static void
write_calls(struct jw *w, json_t *v)
{
	const char *k, *s;
	json_t *x;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		json_object_foreach(v, k, x) {
			if (!key_plain(k)) {
				jw_value(w, v);
				return;
			}
		}
		if (write_stored(w, v))
			return;
		jw_open(w, '{');
		json_object_foreach(v, k, x) {
			jw_key(w, k);
			write_calls(w, x);
		}
		jw_close(w, '}');
		break;
	case JSON_ARRAY:
		if (write_stored(w, v))
			return;
		jw_open(w, '[');
		json_array_foreach(v, i, x)
			write_calls(w, x);
		jw_close(w, ']');
		break;
	case JSON_STRING:
		s = json_string_value(v);
		if (strlen(s) == json_string_length(v))
			jw_str(w, s);
		else
			jw_value(w, v);
		break;
	case JSON_INTEGER:
		jw_int(w, json_integer_value(v));
		break;
	case JSON_TRUE:
		jw_bool(w, tap_rand_below(2) ? 1 : 42);
		break;
	case JSON_FALSE:
		jw_bool(w, 0);
		break;
	case JSON_NULL:
		i = tap_rand_below(3);
		if (i == 0)
			jw_null(w);
		else if (i == 1)
			jw_str(w, NULL);
		else
			jw_json(w, NULL);
		break;
	default:
		jw_value(w, v);
	}
}

/* --- tests --------------------------------------------------------------- */

/* Random values written by write(), read back. */
static void
roundtrip(void (*write)(struct jw *, json_t *), const char *how)
{
	struct jw w;
	json_t *v;
	size_t len;
	char *text;
	int i;

	for (i = 0; i < ROUNDS && !tap_failed_now; i++) {
		v = i % 4 == 0 ? rand_value(0) : rand_container(0);
		jw_init(&w);
		write(&w, v);
		text = jw_finish(&w, &len);
		same_value(v, text, len, how, __LINE__);
		json_decref(v);
	}
}

static void
test_roundtrip_value(void)
{
	roundtrip(jw_value, "jw_value");
}

static void
test_roundtrip_calls(void)
{
	roundtrip(write_calls, "jw_* calls");
}

/* A fixed document, to show what the calls produce. */
static void
test_calls_text(void)
{
	char *text, *again;
	struct jw w;
	size_t len = 0;

	jw_init(&w);
	jw_open(&w, '{');
	jw_key(&w, "a");
	jw_open(&w, '[');
	jw_int(&w, 1);
	jw_str(&w, "x");
	jw_null(&w);
	jw_bool(&w, 1);
	jw_bool(&w, 0);
	jw_open(&w, '{');
	jw_close(&w, '}');
	jw_json(&w, "{\"p\":[2]}");
	jw_close(&w, ']');
	jw_key(&w, "b");
	jw_open(&w, '{');
	jw_key(&w, "c");
	jw_open(&w, '[');
	jw_close(&w, ']');
	jw_close(&w, '}');
	jw_key(&w, "");
	jw_str(&w, "");
	jw_close(&w, '}');
	text = jw_finish(&w, &len);
	CHECK_STR(text, "{\"a\":[1,\"x\",null,true,false,{},{\"p\":[2]}],"
	    "\"b\":{\"c\":[]},\"\":\"\"}");
	CHECK_INT(len, text ? strlen(text) : 0);
	/* the text is the caller's now: the writer starts again, empty */
	jw_int(&w, 7);
	again = jw_finish(&w, NULL);
	CHECK_STR(again, "7");
	free(again);
	free(text);
	/* nothing written is an empty text, not an error */
	jw_init(&w);
	text = jw_finish(&w, &len);
	CHECK_STR(text, "");
	CHECK_INT(len, 0);
	free(text);
}

/* Every ASCII character alone, then every code point of Unicode in one
 * string: read back the same, and only ASCII is ever escaped. */
static void
test_every_char(void)
{
	unsigned char one[2], *all;
	struct jw w;
	size_t len, n = 0;
	char *text;
	uint32_t c;
	json_t *v;

	for (c = 0; c < 0x80; c++) {
		one[0] = (unsigned char)c;
		one[1] = '\0';
		v = json_stringn((const char *)one, 1);
		jw_init(&w);
		jw_value(&w, v);
		text = jw_finish(&w, &len);
		same_value(v, text, len, "one char", __LINE__);
		json_decref(v);
	}
	if ((all = malloc(0x110000 * 4 + 1)) == NULL) {
		CHECK(!"out of memory");
		return;
	}
	for (c = 0x80; c < 0x110000; c++)
		if (c < 0xd800 || c > 0xdfff)
			n += utf8_put(all + n, c);
	all[n] = '\0';
	jw_init(&w);
	jw_str(&w, (const char *)all);
	text = jw_finish(&w, &len);
	CHECK_INT(len, n + 2);			/* UTF-8 as it is, not \u escapes */
	v = json_stringn((const char *)all, n);
	same_value(v, text, len, "all of Unicode", __LINE__);
	json_decref(v);
	free(all);
	/* the short escapes, and \u for the other controls */
	jw_init(&w);
	jw_str(&w, "a\"b\\c/d\ne\rf\tg\x01h\x1f\x7f");
	text = jw_finish(&w, &len);
	CHECK_STR(text, "\"a\\\"b\\\\c/d\\ne\\rf\\tg\\u0001h\\u001f\x7f\"");
	free(text);
}

/* Keys written by jw_value() are any text: escaped like strings. */
static void
test_key_escapes(void)
{
	json_t *o = json_object();
	struct jw w;
	size_t len;
	char *text;

	json_object_set_new(o, "q\"b\\n\n\x01\xc3\xa9", json_integer(1));
	json_object_set_new(o, "", json_integer(2));
	jw_init(&w);
	jw_value(&w, o);
	text = jw_finish(&w, &len);
	CHECK_STR(text, "{\"q\\\"b\\\\n\\n\\u0001\xc3\xa9\":1,\"\":2}");
	same_value(o, text, len, "escaped keys", __LINE__);
	json_decref(o);
}

static void
number_text(json_t *v, const char *want, int line)
{
	struct jw w;
	char *text;

	jw_init(&w);
	jw_value(&w, v);
	text = jw_finish(&w, NULL);
	if (text == NULL || strcmp(text, want) != 0)
		tap_fail(__FILE__, line, "wrote %s, want %s", text ? text : "(null)",
		    want);
	free(text);
	json_decref(v);
}

/* Integers exactly, reals in the shortest text that reads back the same,
 * always with a '.' or an exponent so that they read back as reals. */
static void
test_number_text(void)
{
	struct jw w;
	char *text;

	number_text(json_integer(INT64_MIN), "-9223372036854775808", __LINE__);
	number_text(json_integer(INT64_MAX), "9223372036854775807", __LINE__);
	number_text(json_integer(0), "0", __LINE__);
	number_text(json_integer(-1), "-1", __LINE__);
	number_text(json_real(0.1), "0.1", __LINE__);
	number_text(json_real(100.0), "100.0", __LINE__);
	number_text(json_real(-0.0), "-0.0", __LINE__);
	number_text(json_real(0.0), "0.0", __LINE__);
	number_text(json_real(1.0 / 3.0), "0.3333333333333333", __LINE__);
	number_text(json_real(1e15), "1e+15", __LINE__);
	number_text(json_real(1e21), "1e+21", __LINE__);
	number_text(json_real(1e-7), "1e-07", __LINE__);
	number_text(json_real(DBL_MAX), "1.7976931348623157e+308", __LINE__);
	number_text(json_real(DBL_TRUE_MIN), "4.94065645841247e-324", __LINE__);
	number_text(json_real(-2.5), "-2.5", __LINE__);
	jw_init(&w);
	jw_int(&w, INT64_MIN);
	jw_int(&w, INT64_MAX);
	text = jw_finish(&w, NULL);
	CHECK_STR(text, "-9223372036854775808,9223372036854775807");
	free(text);
}

/*
 * Strings must be valid UTF-8 (jsonw.h): other bytes are copied as they
 * are, and never swallow the escape of what follows them.  With each byte
 * from 0x80 up read as 'X', the text is the JSON of the same string.
 */
static void
bytes_as_x(char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			s[i] = 'X';
}

static void
test_not_utf8(void)
{
	char s[64], x[64], *text;
	struct jw w;
	size_t len, n, i;
	json_t *v;
	int round;

	jw_init(&w);
	jw_str(&w, "\xe2\"\xff\\\xc3");
	text = jw_finish(&w, &len);
	CHECK_STR(text, "\"\xe2\\\"\xff\\\\\xc3\"");
	free(text);
	for (round = 0; round < ROUNDS && !tap_failed_now; round++) {
		n = tap_rand_below(sizeof(s));
		for (i = 0; i < n; i++)
			s[i] = (char)tap_rand_below(256);
		s[n] = '\0';
		v = json_stringn_nocheck(s, n);
		jw_init(&w);
		jw_open(&w, '[');
		jw_value(&w, v);
		jw_str(&w, s);		/* up to its first NUL */
		jw_close(&w, ']');
		json_decref(v);
		if ((text = jw_finish(&w, &len)) == NULL) {
			CHECK(!"no text");
			break;
		}
		bytes_as_x(text, len);
		memcpy(x, s, n + 1);
		bytes_as_x(x, n);
		v = json_pack("[s%s]", x, n, x);
		same_value(v, text, len, "bytes as X", __LINE__);
		json_decref(v);
	}
}

/* RFC 3339 UTC with milliseconds, null for 0, always 24 characters. */
static void
test_time(void)
{
	static const int64_t odd[] = { INT64_MIN, INT64_MIN + 999, -1, INT64_MAX,
	    253402300800000LL };
	struct jw w;
	char *text;
	int64_t ms, back;
	size_t len, i;
	int round;

	jw_init(&w);
	jw_open(&w, '[');
	jw_time(&w, 0);
	jw_time(&w, 1);
	jw_time(&w, 1938038400000LL);
	jw_time(&w, 253402300799999LL);
	jw_close(&w, ']');
	text = jw_finish(&w, NULL);
	CHECK_STR(text, "[null,\"1970-01-01T00:00:00.001Z\","
	    "\"2031-06-01T00:00:00.000Z\",\"9999-12-31T23:59:59.999Z\"]");
	free(text);
	for (round = 0; round < ROUNDS && !tap_failed_now; round++) {
		ms = 1 + (int64_t)tap_rand_below(253402300799999ULL);
		jw_init(&w);
		jw_time(&w, ms);
		text = jw_finish(&w, &len);
		if (text == NULL || len != DQ_TIME_LEN + 2) {
			tap_fail(__FILE__, __LINE__, "%lld: %s", (long long)ms,
			    text ? text : "(null)");
			free(text);
			break;
		}
		text[len - 1] = '\0';
		if (dqtime_parse(text + 1, &back) == -1 || back != ms)
			tap_fail(__FILE__, __LINE__, "%lld wrote %s", (long long)ms,
			    text + 1);
		free(text);
	}
	/* out of the calendar's range: still one well-formed string */
	for (i = 0; i < NELEM(odd); i++) {
		jw_init(&w);
		jw_time(&w, odd[i]);
		text = jw_finish(&w, &len);
		if (text == NULL || len != DQ_TIME_LEN + 2 || !text_compact(text, len) ||
		    text[0] != '"' || text[len - 1] != '"')
			tap_fail(__FILE__, __LINE__, "%lld: %s", (long long)odd[i],
			    text ? text : "(null)");
		free(text);
	}
}

/* Writes len bytes of 'x' (in pieces, as a long document is written). */
static void
fill(struct jw *w, size_t len)
{
	static char chunk[1 << 20];
	size_t n;

	memset(chunk, 'x', sizeof(chunk));
	for (; len > 0; len -= n) {
		n = len < sizeof(chunk) ? len : sizeof(chunk);
		jw_raw(w, chunk, n);
	}
}

/*
 * No document is larger than JW_MAX (jsonw.h): one just under it is
 * written whole; a write that would go past it is an error that sticks
 * (later writes that would fit do not hide it) until jw_finish() says so.
 */
static void
test_cap(void)
{
	struct jw w;
	size_t len = 0;
	char *text;
	json_t *v;

	jw_init(&w);
	fill(&w, JW_MAX - 1);
	text = jw_finish(&w, &len);
	CHECK(text != NULL && len == JW_MAX - 1 && text[len] == '\0' &&
	    text[len - 1] == 'x');
	free(text);

	jw_init(&w);
	fill(&w, JW_MAX - 10);
	fill(&w, 11);				/* one byte past the cap */
	jw_raw(&w, "x", 1);			/* would fit: ignored */
	jw_int(&w, 1);
	len = 12345;
	CHECK(jw_finish(&w, &len) == NULL);
	CHECK_INT(len, 12345);
	jw_free(&w);

	/* over the cap in the middle of a value */
	jw_init(&w);
	fill(&w, JW_MAX - 8);
	v = json_pack("[i,i,i,s]", 1, 2, 3, "four");
	jw_value(&w, v);
	json_decref(v);
	CHECK(jw_finish(&w, &len) == NULL);
	jw_free(&w);
}

int
main(void)
{
	TAP_RUN(test_roundtrip_value);
	TAP_RUN(test_roundtrip_calls);
	TAP_RUN(test_calls_text);
	TAP_RUN(test_every_char);
	TAP_RUN(test_key_escapes);
	TAP_RUN(test_number_text);
	TAP_RUN(test_not_utf8);
	TAP_RUN(test_time);
	TAP_RUN(test_cap);
	return tap_done();
}
