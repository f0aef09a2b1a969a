/*
 * Unit tests for common/delivery/deliver.c, the rules of API.md 5: a
 * target's Retry-After, parsed whatever the target sends (huge, negative,
 * fractional, garbage, dates past and far ahead, as a stand-in and as
 * libcurl reads them for the dispatcher) without overflow; the backoff it
 * is weighed against (first, doubling, cap, attempt numbers no job
 * reaches); which answers complete a job, which retry it and when it
 * fails for good; callbacks and their retries; and what an interrupted
 * attempt does to a job (at-least-once).
 */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <curl/curl.h>

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

/* An HTTP-date as the dispatcher reads one (transfer.c): libcurl's. */
static int64_t
curl_date(const char *s)
{
	time_t t = curl_getdate(s, NULL);

	return t < 0 ? -1 : (int64_t)t;
}

/* The three forms of RFC 9110 5.6.7, as a target would send them. */
static void
test_retry_after_http_dates(void)
{
	/* NOW is Sun, 01 Jun 2031 00:00:00 GMT */
	CHECK_INT(deliver_retry_after_ms("Sun, 01 Jun 2031 00:01:30 GMT", curl_date,
	    NOW), 90000);
	CHECK_INT(deliver_retry_after_ms("Sunday, 01-Jun-31 00:01:30 GMT", curl_date,
	    NOW), 90000);
	CHECK_INT(deliver_retry_after_ms("Sun Jun  1 00:01:30 2031", curl_date, NOW),
	    90000);
	/* now and the past: at once */
	CHECK_INT(deliver_retry_after_ms("Sun, 01 Jun 2031 00:00:00 GMT", curl_date,
	    NOW), 0);
	CHECK_INT(deliver_retry_after_ms("Sat, 31 May 2031 23:59:59 GMT", curl_date,
	    NOW), 0);
	CHECK_INT(deliver_retry_after_ms("Thu, 01 Jan 1970 00:00:00 GMT", curl_date,
	    NOW), 0);
	/* a date is whole seconds, now is not */
	CHECK_INT(deliver_retry_after_ms("Sun, 01 Jun 2031 00:00:01 GMT", curl_date,
	    NOW + 250), 750);
	CHECK_INT(deliver_retry_after_ms("Sun, 01 Jun 2031 00:00:00 GMT", curl_date,
	    NOW + 250), 0);
	/* a year ahead is the most, to the millisecond; beyond, still that */
	CHECK_INT(deliver_retry_after_ms("Mon, 01 Jun 2032 00:00:00 GMT", curl_date,
	    NOW), DELIVER_RETRY_AFTER_MAX_MS);
	CHECK_INT(deliver_retry_after_ms("Mon, 01 Jun 2032 00:00:01 GMT", curl_date,
	    NOW), DELIVER_RETRY_AFTER_MAX_MS);
	CHECK_INT(deliver_retry_after_ms("Sun, 30 May 2032 00:00:00 GMT", curl_date,
	    NOW), DELIVER_RETRY_AFTER_MAX_MS - 2 * 86400000LL);
	CHECK_INT(deliver_retry_after_ms("Fri, 31 Dec 9999 23:59:59 GMT", curl_date,
	    NOW), DELIVER_RETRY_AFTER_MAX_MS);
	/* not dates */
	CHECK_INT(deliver_retry_after_ms("soon", curl_date, NOW), -1);
	CHECK_INT(deliver_retry_after_ms("", curl_date, NOW), -1);
	CHECK_INT(deliver_retry_after_ms("-5", curl_date, NOW), -1);
}

/* Seconds ahead of a now that is not whole seconds, up to the edge. */
static void
test_retry_after_edges(void)
{
	CHECK_INT(deliver_retry_after_ms("31622399", NULL, NOW + 1),
	    DELIVER_RETRY_AFTER_MAX_MS - 1000);
	CHECK_INT(deliver_retry_after_ms("00000000000000000000000000000000000007", NULL,
	    NOW), 7000);
	/* a stand-in date at the edges of a year ahead, and past it by 1 s */
	CHECK_INT(deliver_retry_after_ms("in an hour", fake_date, NOW + 999), 3600000 - 999);
	CHECK_INT(deliver_retry_after_ms("in an hour", fake_date, NOW + 3600000), 0);
	CHECK_INT(deliver_retry_after_ms("in an hour", fake_date, NOW + 7200000), 0);
}

/* Backoff after failed attempt n: min(2^n x base, cap), from n = 1. */
static void
test_backoff(void)
{
	static const struct { int n; int64_t want; } t[] = {
		{ 1, 20000 }, { 2, 40000 }, { 3, 80000 }, { 4, 160000 },
		{ 5, 320000 }, { 6, 640000 }, { 7, 1280000 }, { 8, 2560000 },
		{ 9, 3600000 }, { 10, 3600000 }, { 63, 3600000 }, { 64, 3600000 },
		{ 100, 3600000 }, { 1 << 30, 3600000 }, { INT_MAX, 3600000 },
	};
	struct deliver_policy p = { 10000, 3600000 };
	struct deliver_policy tiny = { 1, 7 * 86400000LL };	/* the config's extremes */
	struct deliver_policy flat = { 60000, 60000 };
	struct deliver_policy day = { 86400000, 7 * 86400000LL };	/* 2^n x base overflows */
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (deliver_backoff(&p, t[i].n) != t[i].want)
			tap_fail(__FILE__, __LINE__, "attempt %d: %lld, want %lld", t[i].n,
			    (long long)deliver_backoff(&p, t[i].n), (long long)t[i].want);
	CHECK_INT(deliver_backoff(&tiny, 1), 2);
	CHECK_INT(deliver_backoff(&tiny, 29), 1LL << 29);
	CHECK_INT(deliver_backoff(&tiny, 30), 7 * 86400000LL);
	CHECK_INT(deliver_backoff(&tiny, INT_MAX), 7 * 86400000LL);
	CHECK_INT(deliver_backoff(&day, 1), 2 * 86400000LL);
	CHECK_INT(deliver_backoff(&day, 2), 4 * 86400000LL);
	CHECK_INT(deliver_backoff(&day, 3), 7 * 86400000LL);
	CHECK_INT(deliver_backoff(&day, 64), 7 * 86400000LL);
	CHECK_INT(deliver_backoff(&day, INT_MAX), 7 * 86400000LL);
	CHECK_INT(deliver_backoff(&flat, 1), 60000);
	CHECK_INT(deliver_backoff(&flat, INT_MAX), 60000);
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

/* The outcome of one attempt, answered with code (0: none, with error). */
static void
delivery_answer(struct delivery *dv, int code, const char *error, int64_t retry_after)
{
	memset(dv, 0, sizeof(*dv));
	dv->started_at = NOW + 10;
	dv->finished_at = NOW + 250;
	dv->response_code = code;
	dv->body = code ? "{\"ok\":false}" : NULL;
	dv->body_is_json = code != 0;
	dv->retry_after_ms = retry_after;
	snprintf(dv->error, sizeof(dv->error), "%s", error ? error : "");
}

/* What every answer does to the job and its attempt record. */
static void
check_answered(const struct job *j, const struct delivery *dv,
    const struct attempt *at, int line)
{
	if (j->started_at != dv->started_at || j->duration_ms != 240 ||
	    j->response_code != dv->response_code || j->response_body != dv->body ||
	    j->response_is_json != dv->body_is_json || j->lease_until != 0 ||
	    j->lease_owner != 0 || j->lease_pid != 0 || j->interrupts != 0 ||
	    j->updated_at != NOW + 300)
		tap_fail(__FILE__, line, "the job does not show the answer");
	if (at->n != j->attempts || at->started_at != dv->started_at ||
	    at->finished_at != dv->finished_at || at->duration_ms != 240 ||
	    at->response_code != dv->response_code || at->response_body != dv->body)
		tap_fail(__FILE__, line, "the attempt record does not show the answer");
}

/* Any 2xx completes the job, even on its last attempt; no error is kept. */
static void
test_apply_success(void)
{
	static const int codes[] = { 200, 201, 202, 204, 226, 299 };
	struct delivery dv;
	struct attempt at;
	struct job j;
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		job_active(&j, 3, 3);
		j.last_error = "HTTP 500";
		j.next_retry_at = NOW - 5000;
		j.interrupts = 2;
		delivery_answer(&dv, codes[i], NULL, 120000);
		deliver_apply(&j, &dv, &policy, NOW + 300, &at);
		CHECK_INT(j.status, JOB_COMPLETED);
		CHECK(j.last_error == NULL && at.error == NULL);
		CHECK_INT(j.next_retry_at, 0);
		CHECK_INT(j.finished_at, NOW + 300);
		CHECK_INT(j.attempts, 3);
		CHECK_INT(j.cb_status, JOB_CB_NONE);	/* no callback_url */
		check_answered(&j, &dv, &at, __LINE__);
	}
}

/* Everything else is a failure: 1xx, 3xx (redirects are not followed),
 * 4xx, 5xx, codes past 599, and no answer at all; retried while attempts
 * are left, with the backoff of the attempt's number. */
static void
test_apply_failure_retries(void)
{
	static const int codes[] = {
		100, 101, 199, 300, 301, 302, 304, 399, 400, 401, 404, 408, 410,
		422, 429, 499, 500, 502, 503, 504, 599, 600, 999,
	};
	struct delivery dv;
	struct attempt at;
	struct job j;
	char want[32];
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		job_active(&j, 1, 3);
		delivery_answer(&dv, codes[i], NULL, -1);
		deliver_apply(&j, &dv, &policy, NOW + 300, &at);
		if (j.status != JOB_PENDING)
			tap_fail(__FILE__, __LINE__, "HTTP %d: status %s", codes[i],
			    job_status_name(j.status));
		snprintf(want, sizeof(want), "HTTP %d", codes[i]);
		CHECK_STR(j.last_error, want);
		CHECK_STR(at.error, want);
		CHECK_INT(j.next_retry_at, NOW + 300 + 20000);
		CHECK_INT(j.due_at, j.next_retry_at);
		CHECK_INT(j.attempts, 1);
		check_answered(&j, &dv, &at, __LINE__);
	}
	/* no answer: the transfer's error is kept as it is */
	job_active(&j, 2, 3);
	delivery_answer(&dv, 0, "connection refused", -1);
	deliver_apply(&j, &dv, &policy, NOW + 300, &at);
	CHECK_INT(j.status, JOB_PENDING);
	CHECK_STR(j.last_error, "connection refused");
	CHECK_STR(at.error, "connection refused");
	CHECK_INT(j.response_code, 0);
	CHECK(j.response_body == NULL);
	CHECK_INT(j.next_retry_at, NOW + 300 + 40000);
}

/* Every attempt of a job that keeps failing: the waits double up to the
 * cap, and the job fails for good at max_attempts, never before. */
static void
test_apply_until_failed(void)
{
	static const int64_t waits[] = {
		20000, 40000, 80000, 160000, 320000, 640000, 1280000, 2560000,
		3600000, 3600000, 3600000,
	};
	struct delivery dv;
	struct attempt at;
	struct job j;
	int n, max = (int)(sizeof(waits) / sizeof(waits[0])) + 1;

	job_active(&j, 0, max);
	j.callback_url = "https://cb.example.com/";
	for (n = 1; n <= max; n++) {
		j.status = JOB_ACTIVE;		/* claimed: the attempt counts */
		j.attempts++;
		delivery_answer(&dv, 503, NULL, -1);
		deliver_apply(&j, &dv, &policy, NOW + 300, &at);
		CHECK_INT(at.n, n);
		if (n < max) {
			CHECK_INT(j.status, JOB_PENDING);
			CHECK_INT(j.next_retry_at, NOW + 300 + waits[n - 1]);
			CHECK_INT(j.cb_status, JOB_CB_NONE);	/* not terminal yet */
		}
	}
	CHECK_INT(j.status, JOB_FAILED);
	CHECK_INT(j.attempts, max);
	CHECK_INT(j.next_retry_at, 0);
	CHECK_INT(j.finished_at, NOW + 300);
	CHECK_STR(j.last_error, "HTTP 503");
	/* a job that fails for good with a callback_url has it made now */
	CHECK_INT(j.cb_status, JOB_CB_PENDING);
	CHECK_INT(j.cb_attempts, 0);
	CHECK_INT(j.cb_due_at, NOW + 300);
}

/* max_attempts 1 fails at the first failure; a refused target (permanent)
 * fails at once whatever is left; attempts past the maximum (the maximum
 * lowered under a job) fail too. */
static void
test_apply_fails_for_good(void)
{
	struct delivery dv;
	struct attempt at;
	struct job j;

	job_active(&j, 1, 1);
	delivery_answer(&dv, 500, NULL, -1);
	deliver_apply(&j, &dv, &policy, NOW + 300, &at);
	CHECK_INT(j.status, JOB_FAILED);
	CHECK_INT(j.next_retry_at, 0);
	CHECK_INT(j.cb_status, JOB_CB_NONE);
	job_active(&j, 1, 100);
	delivery_answer(&dv, 0, "refused: 10.0.0.1 is a private address", -1);
	dv.permanent = 1;
	deliver_apply(&j, &dv, &policy, NOW + 300, &at);
	CHECK_INT(j.status, JOB_FAILED);
	CHECK_STR(j.last_error, "refused: 10.0.0.1 is a private address");
	CHECK_INT(j.finished_at, NOW + 300);
	job_active(&j, 5, 3);
	delivery_answer(&dv, 500, NULL, -1);
	deliver_apply(&j, &dv, &policy, NOW + 300, &at);
	CHECK_INT(j.status, JOB_FAILED);
	/* the last attempt fails even when the target asks to be tried later */
	job_active(&j, 3, 3);
	delivery_answer(&dv, 429, NULL, 60000);
	deliver_apply(&j, &dv, &policy, NOW + 300, &at);
	CHECK_INT(j.status, JOB_FAILED);
	CHECK_INT(j.next_retry_at, 0);
}

/* A Retry-After is honoured when longer than the backoff, up to the cap. */
static void
test_apply_retry_after(void)
{
	static const struct { int attempt; int64_t after, want; } t[] = {
		{ 1, 300000, 300000 },		/* longer: honoured */
		{ 1, 5000, 20000 },		/* shorter: the backoff */
		{ 1, 20000, 20000 },
		{ 1, 20001, 20001 },
		{ 1, 0, 20000 },
		{ 1, -1, 20000 },		/* none */
		{ 1, 3600000, 3600000 },
		{ 1, 3600001, 3600000 },	/* the cap */
		{ 1, DELIVER_RETRY_AFTER_MAX_MS, 3600000 },
		{ 8, 1000, 2560000 },
		{ 9, 7200000, 3600000 },
	};
	struct delivery dv;
	struct attempt at;
	struct job j;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		job_active(&j, t[i].attempt, 10);
		delivery_answer(&dv, 503, NULL, t[i].after);
		deliver_apply(&j, &dv, &policy, NOW + 300, &at);
		if (j.status != JOB_PENDING || j.next_retry_at != NOW + 300 + t[i].want)
			tap_fail(__FILE__, __LINE__, "attempt %d, Retry-After %lld ms: "
			    "waits %lld ms, want %lld", t[i].attempt,
			    (long long)t[i].after, (long long)(j.next_retry_at - NOW - 300),
			    (long long)t[i].want);
	}
}

/* A completed job with a callback_url has its callback made at once. */
static void
test_apply_schedules_callback(void)
{
	struct delivery dv;
	struct attempt at;
	struct job j;

	job_active(&j, 1, 3);
	j.callback_url = "https://cb.example.com/";
	j.cb_attempts = 4;		/* from before a retry */
	delivery_answer(&dv, 200, NULL, -1);
	deliver_apply(&j, &dv, &policy, NOW + 300, &at);
	CHECK_INT(j.status, JOB_COMPLETED);
	CHECK_INT(j.cb_status, JOB_CB_PENDING);
	CHECK_INT(j.cb_attempts, 0);
	CHECK_INT(j.cb_due_at, NOW + 300);
	/* a retry is not an end: no callback yet */
	job_active(&j, 1, 3);
	j.callback_url = "https://cb.example.com/";
	delivery_answer(&dv, 500, NULL, -1);
	deliver_apply(&j, &dv, &policy, NOW + 300, &at);
	CHECK_INT(j.cb_status, JOB_CB_NONE);
	CHECK_INT(j.cb_due_at, 0);
}

/* A finished job whose callback is due (as deliver_apply left it). */
static void
job_with_callback(struct job *j, enum job_status s)
{
	job_active(j, 2, 3);
	j->status = s;
	j->finished_at = NOW;
	j->last_error = s == JOB_FAILED ? "HTTP 500" : NULL;
	j->callback_url = "https://cb.example.com/";
	j->cb_status = JOB_CB_PENDING;
	j->cb_attempts = 0;
	j->cb_due_at = NOW;
}

/*
 * Callbacks: up to JOB_CALLBACK_ATTEMPTS (5, API.md 5) with the delivery
 * backoff, counted as the dispatcher counts them (cb_attempts goes up when
 * one is made); the outcome is callback_status only, never the job's.
 */
static void
test_callback_retries(void)
{
	struct job j, before;
	int made, st;
	int64_t now;

	for (st = 0; st < 2; st++) {
		job_with_callback(&j, st ? JOB_FAILED : JOB_COMPLETED);
		memcpy(&before, &j, sizeof(j));
		now = NOW;
		for (made = 0; j.cb_status == JOB_CB_PENDING && made < 100; made++) {
			now = j.cb_due_at + 1;
			j.cb_attempts++;		/* made */
			deliver_callback_apply(&j, 0, &policy, now);
			CHECK_INT(j.updated_at, now);
			if (j.cb_status == JOB_CB_PENDING &&
			    j.cb_due_at != now + (10000LL << j.cb_attempts))
				tap_fail(__FILE__, __LINE__, "callback %d: due in %lld ms",
				    j.cb_attempts, (long long)(j.cb_due_at - now));
		}
		CHECK_INT(made, JOB_CALLBACK_ATTEMPTS);
		CHECK_INT(JOB_CALLBACK_ATTEMPTS, 5);
		CHECK_INT(j.cb_status, JOB_CB_FAILED);
		CHECK_INT(j.cb_due_at, 0);
		/* the job itself is as it was */
		CHECK_INT(j.status, before.status);
		CHECK_INT(j.attempts, before.attempts);
		CHECK_INT(j.finished_at, before.finished_at);
		CHECK(j.last_error == before.last_error);
		CHECK_INT(j.next_retry_at, before.next_retry_at);
	}
	/* the waits: 20 s after the first, doubling */
	job_with_callback(&j, JOB_COMPLETED);
	j.cb_attempts = 1;
	deliver_callback_apply(&j, 0, &policy, NOW + 1000);
	CHECK_INT(j.cb_due_at, NOW + 1000 + 20000);
	j.cb_attempts = 4;
	deliver_callback_apply(&j, 0, &policy, NOW + 1000);
	CHECK_INT(j.cb_status, JOB_CB_PENDING);
	CHECK_INT(j.cb_due_at, NOW + 1000 + 160000);
}

/* A callback that succeeds, at the first or the last attempt, is delivered. */
static void
test_callback_delivered(void)
{
	struct job j;
	int n;

	for (n = 1; n <= JOB_CALLBACK_ATTEMPTS; n++) {
		job_with_callback(&j, JOB_COMPLETED);
		j.cb_attempts = n;
		deliver_callback_apply(&j, 1, &policy, NOW + 7);
		CHECK_INT(j.cb_status, JOB_CB_DELIVERED);
		CHECK_INT(j.cb_due_at, 0);
		CHECK_INT(j.cb_attempts, n);
		CHECK_INT(j.updated_at, NOW + 7);
		CHECK_INT(j.status, JOB_COMPLETED);
	}
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
	delivery_answer(&dv, 500, NULL, -1);
	deliver_apply(&j, &dv, &policy, NOW + 300, &at);
	CHECK_INT(j.status, JOB_FAILED);	/* 1 of 1, answered */
	CHECK_INT(j.attempts, 1);
	CHECK_INT(j.interrupts, 0);
	CHECK_INT(at.finished_at, dv.finished_at);
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
	TAP_RUN(test_retry_after_http_dates);
	TAP_RUN(test_retry_after_edges);
	TAP_RUN(test_backoff);
	TAP_RUN(test_apply_success);
	TAP_RUN(test_apply_failure_retries);
	TAP_RUN(test_apply_until_failed);
	TAP_RUN(test_apply_fails_for_good);
	TAP_RUN(test_apply_retry_after);
	TAP_RUN(test_apply_schedules_callback);
	TAP_RUN(test_callback_retries);
	TAP_RUN(test_callback_delivered);
	TAP_RUN(test_interrupted_last_attempt_runs_again);
	TAP_RUN(test_answer_after_interruption);
	TAP_RUN(test_interrupted_too_often_counts);
	return tap_done();
}
