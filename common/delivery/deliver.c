/*
 * The delivery rules of API.md 5 as edits of a job: retries and backoff,
 * failure, callbacks, and the attempt record for the history.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deliver.h"
#include "num.h"

int64_t
deliver_backoff(const struct deliver_policy *p, int n)
{
	int64_t d = p->retry_base_ms;
	int i;

	for (i = 0; i < n && d < p->retry_cap_ms; i++)
		d *= 2;
	return d < p->retry_cap_ms ? d : p->retry_cap_ms;
}

int64_t
deliver_retry_after_ms(const char *v, int64_t (*date)(const char *), int64_t now_ms)
{
	long long secs;
	int64_t t;

	if (num_parse_count(v, DELIVER_RETRY_AFTER_MAX_MS / 1000, &secs) >= 0)
		return (int64_t)secs * 1000;
	if (date == NULL || (t = date(v)) < 0)
		return -1;
	if (t > (now_ms + DELIVER_RETRY_AFTER_MAX_MS) / 1000)
		return DELIVER_RETRY_AFTER_MAX_MS;
	return t * 1000 > now_ms ? t * 1000 - now_ms : 0;
}

static void
deliver_terminal(struct job *j, enum job_status s, int64_t now)
{
	j->status = s;
	j->finished_at = now;
	j->next_retry_at = 0;
	if (j->callback_url != NULL) {
		j->cb_status = JOB_CB_PENDING;
		j->cb_attempts = 0;
		j->cb_due_at = now;
	}
}

static void
deliver_retry_or_fail(struct job *j, const struct deliver_policy *p,
    int64_t retry_after_ms, int permanent, int64_t now)
{
	int64_t wait;

	if (permanent || j->attempts >= j->max_attempts) {
		deliver_terminal(j, JOB_FAILED, now);
		return;
	}
	wait = deliver_backoff(p, j->attempts);
	if (retry_after_ms > wait)
		wait = retry_after_ms < p->retry_cap_ms ? retry_after_ms : p->retry_cap_ms;
	j->status = JOB_PENDING;
	j->next_retry_at = now + wait;
	j->due_at = j->next_retry_at;
}

void
deliver_apply(struct job *j, struct delivery *d,
    const struct deliver_policy *p, int64_t now, struct attempt *at)
{
	int ok = d->response_code >= 200 && d->response_code <= 299;

	j->started_at = d->started_at;
	j->finished_at = d->finished_at;
	j->duration_ms = d->finished_at - d->started_at;
	j->response_code = d->response_code;
	j->response_body = d->body;
	j->response_is_json = d->body_is_json;
	j->lease_until = 0;
	j->lease_owner = 0;
	j->lease_pid = 0;
	j->interrupts = 0;
	j->updated_at = now;
	if (ok) {
		j->last_error = NULL;
		deliver_terminal(j, JOB_COMPLETED, now);
	} else {
		if (d->error[0] == '\0')
			snprintf(d->error, sizeof(d->error), "HTTP %d", d->response_code);
		j->last_error = d->error;
		deliver_retry_or_fail(j, p, d->retry_after_ms, d->permanent, now);
		if (j->status == JOB_FAILED)
			j->finished_at = now;
	}
	memset(at, 0, sizeof(*at));
	at->n = j->attempts;
	at->started_at = d->started_at;
	at->finished_at = d->finished_at;
	at->duration_ms = j->duration_ms;
	at->response_code = d->response_code;
	at->response_is_json = d->body_is_json;
	at->response_body = d->body;
	at->error = ok ? NULL : j->last_error;
}

void
deliver_callback_apply(struct job *j, int ok, const struct deliver_policy *p,
    int64_t now)
{
	j->updated_at = now;
	if (ok) {
		j->cb_status = JOB_CB_DELIVERED;
		j->cb_due_at = 0;
	} else if (j->cb_attempts >= JOB_CALLBACK_ATTEMPTS) {
		j->cb_status = JOB_CB_FAILED;
		j->cb_due_at = 0;
	} else
		j->cb_due_at = now + deliver_backoff(p, j->cb_attempts);
}

void
deliver_interrupted(struct job *j, int64_t now, struct attempt *at,
    char *msg, size_t msgsz)
{
	int counted = ++j->interrupts >= DELIVER_INTERRUPTS_MAX;

	snprintf(msg, msgsz, "interrupted: the dispatcher stopped during attempt "
	    "%d%s", j->attempts, counted ? " (interrupted too often: counted)" :
	    " (not counted; delivered again)");
	j->last_error = msg;
	j->lease_until = 0;
	j->lease_owner = 0;
	j->lease_pid = 0;
	j->updated_at = now;
	memset(at, 0, sizeof(*at));
	at->n = j->attempts;
	at->started_at = j->started_at;
	at->duration_ms = -1;
	at->error = msg;
	if (!counted)
		j->attempts--;
	else
		j->interrupts = 0;
	if (counted && j->attempts >= j->max_attempts) {
		deliver_terminal(j, JOB_FAILED, now);
		return;
	}
	j->status = JOB_PENDING;
	j->due_at = now;
}
