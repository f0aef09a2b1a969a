/*
 * Unit tests for common/base/ids.c: the formats of job, schedule and request
 * ids, API keys and signing secrets (API.md 1, 2 and 5), ids_valid(), and
 * that ids are unique and drawn evenly from the base62 alphabet.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "ids.h"
#include "tap.h"

#define B62	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#define NUNIQ	10000

/* s is prefix + n base62 characters, exactly. */
static int
shaped(const char *s, const char *prefix, size_t n)
{
	size_t pl = strlen(prefix);

	return strlen(s) == pl + n && strncmp(s, prefix, pl) == 0 &&
	    strspn(s + pl, B62) == n;
}

static void
test_formats(void)
{
	char job[ID_JOB_LEN + 1], sch[ID_SCHED_LEN + 1], req[ID_REQ_LEN + 1];
	char key[ID_KEY_LEN + 1];

	CHECK_INT(ID_JOB_LEN, 20);
	CHECK_INT(ID_SCHED_LEN, 20);
	CHECK_INT(ID_REQ_LEN, 24);
	CHECK_INT(ID_KEY_LEN, 35);
	CHECK_INT(ID_SECRET_LEN, 50);
	CHECK_INT(ids_new_job(job), 0);
	CHECK(shaped(job, "job_", 16));
	CHECK_INT(ids_new_sched(sch), 0);
	CHECK(shaped(sch, "sch_", 16));
	CHECK_INT(ids_new_req(req), 0);
	CHECK(shaped(req, "req_", 20));
	CHECK_INT(ids_new_api_key(key), 0);
	CHECK(shaped(key, "dq_", 32));
	CHECK(ids_valid(job, "job_", 16));
	CHECK(ids_valid(sch, "sch_", 16));
	CHECK(ids_valid(req, "req_", 20));
	CHECK(ids_valid(key, "dq_", 32));
}

static void
test_new_generic(void)
{
	char buf[16];

	memset(buf, 'Z', sizeof(buf));
	CHECK_INT(ids_new("x_", 13, buf, sizeof(buf)), 0);	/* 2 + 13 + NUL = 16 */
	CHECK(shaped(buf, "x_", 13));
	CHECK_INT(ids_new("x_", 14, buf, sizeof(buf)), -1);	/* no room for NUL */
	CHECK_INT(ids_new("", 0, buf, 1), 0);
	CHECK_STR(buf, "");
	CHECK_INT(ids_new("p", 100, buf, sizeof(buf)), -1);
}

static void
test_valid(void)
{
	CHECK(ids_valid("job_ABCDEFGHIJKLMNOP", "job_", 16));
	CHECK(ids_valid("job_0123456789abcdef", "job_", 16));
	CHECK(!ids_valid("job_ABCDEFGHIJKLMNO", "job_", 16));		/* 15 */
	CHECK(!ids_valid("job_ABCDEFGHIJKLMNOPQ", "job_", 16));	/* 17 */
	CHECK(!ids_valid("sch_ABCDEFGHIJKLMNOP", "job_", 16));
	CHECK(!ids_valid("JOB_ABCDEFGHIJKLMNOP", "job_", 16));
	CHECK(!ids_valid("job_ABCDEFGHIJKLMN-P", "job_", 16));
	CHECK(!ids_valid("job_ABCDEFGHIJKLMN_P", "job_", 16));
	CHECK(!ids_valid("job_ABCDEFGHIJKLMN P", "job_", 16));
	CHECK(!ids_valid("job_ABCDEFGHIJKLMN\xc3\xa9", "job_", 16));
	CHECK(!ids_valid("job_ABCDEFGHIJKLMN+/", "job_", 16));
	CHECK(!ids_valid("", "job_", 16));
	CHECK(!ids_valid("job_", "job_", 16));
	CHECK(!ids_valid("job", "job_", 16));
	CHECK(ids_valid("dq_abcdefghijklmnopqrstuvwxyzABCDEF", "dq_", 32));
	CHECK(!ids_valid("dq_abcdefghijklmnopqrstuvwxyzABCDE!", "dq_", 32));
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* 10,000 job ids: all distinct, all valid, every character about as likely. */
static void
test_unique_and_uniform(void)
{
	char (*ids)[ID_JOB_LEN + 1];
	char **sorted;
	long counts[62];
	const char *p;
	size_t i, j, dup = 0, total = 0;
	double expect;

	ids = calloc(NUNIQ, sizeof(*ids));
	sorted = calloc(NUNIQ, sizeof(*sorted));
	if (ids == NULL || sorted == NULL) {
		CHECK(!"out of memory");
		goto done;
	}
	memset(counts, 0, sizeof(counts));
	for (i = 0; i < NUNIQ; i++) {
		CHECK_INT(ids_new_job(ids[i]), 0);
		if (!ids_valid(ids[i], "job_", 16))
			tap_fail(__FILE__, __LINE__, "invalid id %s", ids[i]);
		sorted[i] = ids[i];
		for (j = 4; j < ID_JOB_LEN; j++) {
			if ((p = strchr(B62, ids[i][j])) != NULL) {
				counts[p - B62]++;
				total++;
			}
		}
	}
	qsort(sorted, NUNIQ, sizeof(*sorted), cmp_str);
	for (i = 1; i < NUNIQ; i++)
		if (strcmp(sorted[i - 1], sorted[i]) == 0)
			dup++;
	CHECK_INT(dup, 0);
	CHECK_INT(total, NUNIQ * 16);
	/*
	 * 160,000 draws over 62 characters: about 2581 each, standard
	 * deviation about 50.  A plain "% 62" of a byte would give the first
	 * eight characters 3125 and the others 2500, far outside +-300.
	 */
	expect = (double)total / 62;
	for (i = 0; i < 62; i++)
		if (counts[i] < expect - 300 || counts[i] > expect + 300)
			tap_fail(__FILE__, __LINE__, "character %c drawn %ld times, "
			    "expected about %.0f", B62[i], counts[i], expect);
done:
	free(ids);
	free(sorted);
}

static void
test_api_keys_unique(void)
{
	char a[ID_KEY_LEN + 1], b[ID_KEY_LEN + 1];

	CHECK_INT(ids_new_api_key(a), 0);
	CHECK_INT(ids_new_api_key(b), 0);
	CHECK(strcmp(a, b) != 0);
}

static void
test_secret(void)
{
	char s[ID_SECRET_LEN + 1], t[ID_SECRET_LEN + 1];
	unsigned char raw[64];
	size_t i;
	int n;

	memset(s, 'x', sizeof(s));
	CHECK_INT(ids_new_secret(s), 0);
	CHECK_INT(strlen(s), ID_SECRET_LEN);
	CHECK(strncmp(s, "whsec_", 6) == 0);
	/* standard base64 of 32 bytes: 43 characters and one '=' */
	CHECK_INT(strspn(s + 6, B62 "+/"), 43);
	CHECK(s[49] == '=');
	n = crypto_base64_decode(s + 6, strlen(s + 6), raw, sizeof(raw));
	CHECK_INT(n, 32);
	CHECK_INT(ids_new_secret(t), 0);
	CHECK(strcmp(s, t) != 0);
	/* 32 random bytes are not all zero */
	for (i = 0; i < 32 && raw[i] == 0; i++)
		;
	CHECK(i < 32);
}

int
main(void)
{
	TAP_RUN(test_formats);
	TAP_RUN(test_new_generic);
	TAP_RUN(test_valid);
	TAP_RUN(test_unique_and_uniform);
	TAP_RUN(test_api_keys_unique);
	TAP_RUN(test_secret);
	return tap_done();
}
