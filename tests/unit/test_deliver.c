/*
 * Unit tests for common/delivery/deliver.c: a target's Retry-After, parsed
 * whatever the target sends (huge, negative, fractional, garbage, dates
 * past and far ahead) without overflow, the backoff it is weighed
 * against, and what an interrupted attempt does to a job (API.md 5,
 * at-least-once).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "deliver.h"
#include "tap.h"

#define NOW	1938038400000LL		/* 2031-06-01T00:00:00.000Z */

/* A stand-in for curl_getdate(): a few fixed dates, else -1. */
static int64_t
fake_date(const char *s)
{
	if (strcmp(s, "in an hour") == 0)
		return NOW / 1000 + 3600;
	if (strcmp(s, "yesterday") == 0)
		return NOW / 1000 - 86400;
	if (strcmp(s, "year 9999") == 0)
		return 253402300799LL;
	if (strcmp(s, "the end of time") == 0)
		return INT64_MAX;
	return -1;
}

static void
test_retry_after_seconds(void)
{
	CHECK_INT(deliver_retry_after_ms("0", NULL, NOW), 0);
	CHECK_INT(deliver_retry_after_ms("1", NULL, NOW), 1000);
	CHECK_INT(deliver_retry_after_ms("120", fake_date, NOW), 120000);
	CHECK_INT(deliver_retry_after_ms("31622400", NULL, NOW), DELIVER_RETRY_AFTER_MAX_MS);
	/* more than a year, up to numbers no integer holds: the most, not a wrap */
	CHECK_INT(deliver_retry_after_ms("31622401", NULL, NOW), DELIVER_RETRY_AFTER_MAX_MS);
	CHECK_INT(deliver_retry_after_ms("9223372036854775807", NULL, NOW),
	    DELIVER_RETRY_AFTER_MAX_MS);
	CHECK_INT(deliver_retry_after_ms("9223372036854775808", NULL, NOW),
	    DELIVER_RETRY_AFTER_MAX_MS);
	CHECK_INT(deliver_retry_after_ms("99999999999999999999999999999999999", NULL,
	    NOW), DELIVER_RETRY_AFTER_MAX_MS);
}

static void
test_retry_after_not_seconds(void)
{
	static const char *const bad[] = {
		"", "-1", "-9223372036854775808", "+5", "1.5", "5s", "0x10", "1e9",
		" 5", "5 ", "abc", "\xff",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (deliver_retry_after_ms(bad[i], NULL, NOW) != -1 ||
		    deliver_retry_after_ms(bad[i], fake_date, NOW) != -1)
			tap_fail(__FILE__, __LINE__, "\"%s\" accepted", bad[i]);
	}
}

static void
test_retry_after_dates(void)
{
	CHECK_INT(deliver_retry_after_ms("in an hour", fake_date, NOW), 3600000);
	CHECK_INT(deliver_retry_after_ms("in an hour", NULL, NOW), -1);
	CHECK_INT(deliver_retry_after_ms("yesterday", fake_date, NOW), 0);
	CHECK_INT(deliver_retry_after_ms("year 9999", fake_date, NOW),
	    DELIVER_RETRY_AFTER_MAX_MS);
	CHECK_INT(deliver_retry_after_ms("the end of time", fake_date, NOW),
	    DELIVER_RETRY_AFTER_MAX_MS);
	CHECK_INT(deliver_retry_after_ms("not a date", fake_date, NOW), -1);
}

static void
test_backoff(void)
{
	struct deliver_policy p = { 10000, 3600000 };

	CHECK_INT(deliver_backoff(&p, 1), 20000);
	CHECK_INT(deliver_backoff(&p, 2), 40000);
	CHECK_INT(deliver_backoff(&p, 100), 3600000);
	CHECK_INT(deliver_backoff(&p, 1 << 30), 3600000);
}

static const struct deliver_policy policy = { 10000, 3600000 };

/* An active job on its attempt-th try of max. */
static void
job_active(struct job *j, int attempt, int max)
{
	job_init(j);
	memcpy(j->id, "job_AbCdEfGh01234567", ID_JOB_LEN + 1);
	j->status = JOB_ACTIVE;
	j->attempts = attempt;
	j->max_attempts = max;
	j->attempt_seq = attempt;
	j->started_at = NOW;
	j->lease_until = NOW + 45000;
	j->lease_owner = 77;
	j->url = "https://example.com/";
	j->queue = "default";
}

/* The last allowed attempt, interrupted, is delivered again and not counted. */
static void
test_interrupted_last_attempt_runs_again(void)
{
	struct attempt at;
	struct job j;
	char msg[128];

	job_active(&j, 1, 1);
	deliver_interrupted(&j, NOW + 100, &at, msg, sizeof(msg));
	CHECK_INT(j.status, JOB_PENDING);
	CHECK_INT(j.attempts, 0);
	CHECK_INT(j.due_at, NOW + 100);
	CHECK_INT(j.lease_until, 0);
	CHECK_INT(j.lease_owner, 0);
	CHECK_INT(j.interrupts, 1);
	CHECK_INT(at.n, 1);			/* the history keeps it */
	CHECK_INT(at.started_at, NOW);
	CHECK_INT(at.finished_at, 0);		/* never finished: interrupted */
	CHECK(at.error != NULL && strstr(at.error, "not counted") != NULL);
	CHECK_STR(j.last_error, at.error);
}

/* An answer after an interruption counts as usual and clears the run. */
static void
test_answer_after_interruption(void)
{
	struct delivery dv;
	struct attempt at;
	struct job j;
	char msg[128];

	job_active(&j, 1, 1);
	deliver_interrupted(&j, NOW + 100, &at, msg, sizeof(msg));
	j.status = JOB_ACTIVE;		/* claimed again */
	j.attempts++;
	memset(&dv, 0, sizeof(dv));
	dv.started_at = NOW + 200;
	dv.finished_at = NOW + 300;
	dv.response_code = 500;
	dv.retry_after_ms = -1;
	deliver_apply(&j, &dv, &policy, NOW + 300, &at);
	CHECK_INT(j.status, JOB_FAILED);	/* 1 of 1, answered */
	CHECK_INT(j.attempts, 1);
	CHECK_INT(j.interrupts, 0);
	CHECK_INT(at.finished_at, NOW + 300);
}

/* A job that brings its dispatcher down every time is not retried forever. */
static void
test_interrupted_too_often_counts(void)
{
	struct attempt at;
	struct job j;
	char msg[128];
	int i;

	job_active(&j, 1, 2);
	for (i = 1; i < DELIVER_INTERRUPTS_MAX; i++) {
		deliver_interrupted(&j, NOW + i, &at, msg, sizeof(msg));
		CHECK_INT(j.status, JOB_PENDING);
		CHECK_INT(j.attempts, 0);
		j.status = JOB_ACTIVE;
		j.attempts++;
	}
	deliver_interrupted(&j, NOW + 50, &at, msg, sizeof(msg));
	CHECK_INT(j.status, JOB_PENDING);	/* counted: 1 of 2 used */
	CHECK_INT(j.attempts, 1);
	CHECK_INT(j.interrupts, 0);
	CHECK(strstr(msg, "counted") != NULL && strstr(msg, "not counted") == NULL);
	j.status = JOB_ACTIVE;
	j.attempts++;
	for (i = 1; i < DELIVER_INTERRUPTS_MAX; i++) {
		deliver_interrupted(&j, NOW + 60 + i, &at, msg, sizeof(msg));
		j.status = JOB_ACTIVE;
		j.attempts++;
	}
	deliver_interrupted(&j, NOW + 90, &at, msg, sizeof(msg));
	CHECK_INT(j.status, JOB_FAILED);	/* 2 of 2, both counted */
	CHECK_INT(j.attempts, 2);
}

int
main(void)
{
	TAP_RUN(test_retry_after_seconds);
	TAP_RUN(test_retry_after_not_seconds);
	TAP_RUN(test_retry_after_dates);
	TAP_RUN(test_backoff);
	TAP_RUN(test_interrupted_last_attempt_runs_again);
	TAP_RUN(test_answer_after_interruption);
	TAP_RUN(test_interrupted_too_often_counts);
	return tap_done();
}
