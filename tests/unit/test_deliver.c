/*
 * The delivery rules of common/delivery/deliver.c: what an interrupted
 * attempt does to a job (API.md 5, at-least-once), alongside an answered one.
 */
#include "config.h"

#include <string.h>

#include "deliver.h"
#include "tap.h"

#define T0	1700000000000LL

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
	j->started_at = T0;
	j->lease_until = T0 + 45000;
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
	deliver_interrupted(&j, T0 + 100, &at, msg, sizeof(msg));
	CHECK_INT(j.status, JOB_PENDING);
	CHECK_INT(j.attempts, 0);
	CHECK_INT(j.due_at, T0 + 100);
	CHECK_INT(j.lease_until, 0);
	CHECK_INT(j.lease_owner, 0);
	CHECK_INT(j.interrupts, 1);
	CHECK_INT(at.n, 1);			/* the history keeps it */
	CHECK_INT(at.started_at, T0);
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
	deliver_interrupted(&j, T0 + 100, &at, msg, sizeof(msg));
	j.status = JOB_ACTIVE;		/* claimed again */
	j.attempts++;
	memset(&dv, 0, sizeof(dv));
	dv.started_at = T0 + 200;
	dv.finished_at = T0 + 300;
	dv.response_code = 500;
	dv.retry_after_ms = -1;
	deliver_apply(&j, &dv, &policy, T0 + 300, &at);
	CHECK_INT(j.status, JOB_FAILED);	/* 1 of 1, answered */
	CHECK_INT(j.attempts, 1);
	CHECK_INT(j.interrupts, 0);
	CHECK_INT(at.finished_at, T0 + 300);
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
		deliver_interrupted(&j, T0 + i, &at, msg, sizeof(msg));
		CHECK_INT(j.status, JOB_PENDING);
		CHECK_INT(j.attempts, 0);
		j.status = JOB_ACTIVE;
		j.attempts++;
	}
	deliver_interrupted(&j, T0 + 50, &at, msg, sizeof(msg));
	CHECK_INT(j.status, JOB_PENDING);	/* counted: 1 of 2 used */
	CHECK_INT(j.attempts, 1);
	CHECK_INT(j.interrupts, 0);
	CHECK(strstr(msg, "counted") != NULL && strstr(msg, "not counted") == NULL);
	j.status = JOB_ACTIVE;
	j.attempts++;
	for (i = 1; i < DELIVER_INTERRUPTS_MAX; i++) {
		deliver_interrupted(&j, T0 + 60 + i, &at, msg, sizeof(msg));
		j.status = JOB_ACTIVE;
		j.attempts++;
	}
	deliver_interrupted(&j, T0 + 90, &at, msg, sizeof(msg));
	CHECK_INT(j.status, JOB_FAILED);	/* 2 of 2, both counted */
	CHECK_INT(j.attempts, 2);
}

int
main(void)
{
	TAP_RUN(test_interrupted_last_attempt_runs_again);
	TAP_RUN(test_answer_after_interruption);
	TAP_RUN(test_interrupted_too_often_counts);
	return tap_done();
}
