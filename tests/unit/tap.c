/*
 * The TAP producer behind tap.h.
 */
#include "config.h"

#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "num.h"
#include "tap.h"

int		 tap_failed_now;
static int	 tap_n, tap_nfail;
static char	 tap_cur[4096];
static char	 tap_why[256];		/* set when the running point skips */
static uint64_t	 tap_rng;
static int	 tap_rng_fresh = 1;	/* the point has drawn nothing yet */

static int
tap_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

const char *
tap_dir(void)
{
	return tap_cur;
}

void
tap_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_failed_now = 1;
	printf("# %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void
tap_run(const char *name, void (*fn)(void))
{
	const char *tmp = getenv("TMPDIR");

	snprintf(tap_cur, sizeof(tap_cur), "%s/dq-unit-XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(tap_cur) == NULL) {
		perror("mkdtemp");
		exit(99);
	}
	tap_failed_now = 0;
	tap_why[0] = '\0';
	tap_rng_fresh = 1;
	fflush(stdout);
	fn();
	tap_n++;
	if (tap_failed_now)
		tap_nfail++;
	printf("%s %d - %s", tap_failed_now ? "not ok" : "ok", tap_n, name);
	if (tap_why[0] != '\0' && !tap_failed_now)
		printf(" # SKIP %s", tap_why);
	printf("\n");
	fflush(stdout);
	nftw(tap_cur, tap_rm, 16, FTW_DEPTH | FTW_PHYS);
}

int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_nfail ? 1 : 0;
}

void
tap_skip(const char *why)
{
	snprintf(tap_why, sizeof(tap_why), "%s", why);
}

void
tap_skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	exit(0);
}

void
tap_strings_copied(const char *const *want, const char *const *got, size_t n,
    int line)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if ((want[i] == NULL) != (got[i] == NULL) ||
		    (want[i] != NULL && strcmp(want[i], got[i]) != 0))
			tap_fail(__FILE__, line, "string %zu: \"%s\" became \"%s\"", i,
			    want[i] ? want[i] : "(null)", got[i] ? got[i] : "(null)");
		if (got[i] != NULL && got[i] == want[i])
			tap_fail(__FILE__, line, "string %zu is not a copy", i);
	}
}

void
tap_record_damaged(const void *rec, size_t len,
    void (*refused)(const void *, size_t, const char *, int), int line)
{
	unsigned char *b;
	char what[64];
	size_t n, size;

	for (n = 0; n <= len; n++) {
		size = n < len ? n : len + 1;
		if ((b = malloc(size)) == NULL && size > 0) {
			printf("Bail out! out of memory\n");
			exit(99);
		}
		if (n > 0)
			memcpy(b, rec, n);
		if (n < len)
			snprintf(what, sizeof(what), "truncated to %zu of %zu", n, len);
		else {
			b[len] = 0;
			snprintf(what, sizeof(what), "a byte too many");
		}
		refused(b, size, what, line);
		free(b);
	}
}

/* The seed, read and printed once. */
static uint64_t
tap_seed(void)
{
	static long long seed = -1;
	const char *s;

	if (seed >= 0)
		return (uint64_t)seed;
	seed = 1;
	if ((s = getenv("DQ_TEST_SEED")) != NULL &&
	    num_parse_ll(s, 0, LLONG_MAX, &seed) == -1) {
		printf("Bail out! DQ_TEST_SEED=%s is not a number\n", s);
		exit(99);
	}
	printf("# random seed %lld (DQ_TEST_SEED=%lld repeats this run)\n", seed,
	    seed);
	return (uint64_t)seed;
}

/* splitmix64: small, fast, and the same everywhere. */
uint64_t
tap_rand(void)
{
	uint64_t z;

	if (tap_rng_fresh) {
		tap_rng = tap_seed();
		tap_rng_fresh = 0;
	}
	z = (tap_rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t
tap_rand_below(uint64_t n)
{
	return tap_rand() % n;
}
