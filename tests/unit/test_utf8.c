/*
 * Unit tests for common/base/utf8.c: which byte sequences are valid UTF-8
 * (overlong forms, surrogates, past U+10FFFF and truncated sequences are
 * not), and that utf8_text() keeps valid text and replaces the rest.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "utf8.h"

static void
test_valid(void)
{
	static const char *const good[] = { "", "plain", "caf\xc3\xa9",
	    "\xe2\x9c\x93", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf", "\x7f" };
	static const char *const bad[] = { "\xff", "\x80", "\xc3",
	    "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
	    "\xe2\x82", "caf\xe9", "ok\xf0\x9f\x98", "\xfe\xfe" };
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!utf8_valid(good[i]))
			tap_fail(__FILE__, __LINE__, "good[%zu] refused", i);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (utf8_valid(bad[i]))
			tap_fail(__FILE__, __LINE__, "bad[%zu] accepted", i);
}

static void
test_text(void)
{
	char *t;

	t = utf8_text("caf\xc3\xa9 \xe2\x9c\x93", 9);
	CHECK_STR(t, "caf\xc3\xa9 \xe2\x9c\x93");
	free(t);
	t = utf8_text("a\xff" "b\0c\xe2\x82", 7);
	CHECK_STR(t, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd");
	CHECK(t != NULL && utf8_valid(t));
	free(t);
	t = utf8_text("", 0);
	CHECK_STR(t, "");
	free(t);
}

int
main(void)
{
	TAP_RUN(test_valid);
	TAP_RUN(test_text);
	return tap_done();
}
