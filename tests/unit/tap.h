/*
 * A tiny TAP producer for dq's unit tests: each TAP_RUN(fn) is one test
 * point; CHECK() inside it records a failure with its line and goes on.
 * Each test gets a fresh temporary directory (tap_dir()) that is removed
 * afterwards.  Automake's tap-driver.sh counts the points.
 */
#ifndef DQ_TAP_H
#define DQ_TAP_H

#include <stdint.h>
#include <stdio.h>

extern int tap_failed_now;

void		 tap_run(const char *name, void (*fn)(void));
int		 tap_done(void);			/* exit status */
const char	*tap_dir(void);				/* this test's temp dir */
void		 tap_fail(const char *file, int line, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
void		 tap_skip_all(const char *why);		/* exits 77-style in TAP */
void		 tap_skip(const char *why);		/* this point only */

/*
 * The strings a decoder handed back: each got[i] is want[i] (both NULL or
 * the same text) and, when not NULL, a copy rather than the same pointer.
 */
void		 tap_strings_copied(const char *const *want,
		    const char *const *got, size_t n, int line);

/*
 * Every truncation of an encoded record (0 to len - 1 bytes), and the
 * record with a zero byte too many, each in a heap block of exactly its
 * size (so that a sanitizer build sees a read past it), given to
 * refused(), which checks that its decoder refuses it.
 */
void		 tap_record_damaged(const void *rec, size_t len,
		    void (*refused)(const void *, size_t, const char *what, int line),
		    int line);

/*
 * Random numbers for property tests.  Every test point starts again from
 * the same seed, 1 unless DQ_TEST_SEED gives another; the first draw
 * prints it, so that a failure can be repeated.
 */
uint64_t	 tap_rand(void);
uint64_t	 tap_rand_below(uint64_t n);		/* in [0, n), n > 0 */

#define CHECK(cond) do {						\
	if (!(cond))							\
		tap_fail(__FILE__, __LINE__, "%s", #cond);		\
} while (0)

#define CHECK_INT(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b)							\
		tap_fail(__FILE__, __LINE__, "%s == %lld, want %lld",	\
		    #a, _a, _b);					\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *_a = (a), *_b = (b);				\
	if (_a == NULL || _b == NULL || strcmp(_a, _b) != 0)		\
		tap_fail(__FILE__, __LINE__, "%s == \"%s\", want \"%s\"", \
		    #a, _a ? _a : "(null)", _b ? _b : "(null)");	\
} while (0)

#define TAP_RUN(fn)	tap_run(#fn, fn)

#endif
