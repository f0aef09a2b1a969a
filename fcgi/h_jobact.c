/*
 * POST /v1/jobs/{id}/approve | cancel | retry (API.md 4.5) and DELETE
 * /v1/jobs/{id} (API.md 9).  The status rules are job_act_*() in common/;
 * here they meet HTTP.
 */
#include "config.h"

#include <string.h>

#include "handlers.h"
#include "wakeup.h"

#define APPROVED_BY_MAX	255

struct act {
	const char	*name;		/* for messages */
	const char	*conflict;	/* 409 code */
	const char	*approved_by;
	int64_t		 now;
	enum dq_err	(*fn)(struct job *, const struct act *);
};

static enum dq_err
act_edit(struct job *j, void *arg)
{
	const struct act *a = arg;

	return a->fn(j, a);
}

static enum dq_err
act_approve(struct job *j, const struct act *a)
{
	return job_act_approve(j, a->now, a->approved_by);
}

static enum dq_err
act_cancel(struct job *j, const struct act *a)
{
	return job_act_cancel(j, a->now);
}

static enum dq_err
act_retry(struct job *j, const struct act *a)
{
	return job_act_retry(j, a->now);
}

static void
act_run(struct req *q, struct resp *r, struct act *a)
{
	struct job j;
	enum dq_err err;

	a->now = q->now;
	if (!ids_valid(q->param[0], "job_", 16)) {
		resp_dq_err(r, q, DQ_ERR_NOTFOUND, "job");
		return;
	}
	err = store_job_edit(q->st, q->account.id, q->param[0], act_edit, a, &j);
	if (err == DQ_ERR_STATE) {
		resp_error(r, q, 409, a->conflict, NULL,
		    "the job cannot be %s in its current status", a->name);
		return;
	}
	if (err != DQ_OK) {
		resp_dq_err(r, q, err, "job");
		return;
	}
	if (j.status == JOB_PENDING)
		wakeup_send(WAKEUP_JOB, j.account, j.queue, j.due_at);
	else	/* cancelled: in an ordered queue, the next may go now */
		wakeup_send(WAKEUP_QUEUE, j.account, j.queue, 0);
	resp_job(r, q, 200, &j, 0);
	job_free(&j);
}

/* The optional body {"approved_by": "name"}; NULL when absent, -1 on error. */
static int
approve_body(struct req *q, struct resp *r, json_t **body, const char **by)
{
	struct verr e;
	const char *k;
	json_t *v;

	*body = NULL;
	*by = q->account.name;
	if (q->body_len == 0)
		return 0;
	if ((*body = req_json_object(q, r)) == NULL)
		return -1;
	verr_init(&e);
	json_object_foreach(*body, k, v) {
		if (strcmp(k, "approved_by") != 0)
			verr_add(&e, VERR_VALIDATION, k, "is not a known field");
		else if (json_is_string(v) && json_string_length(v) >= 1 &&
		    json_string_length(v) <= APPROVED_BY_MAX)
			*by = json_string_value(v);
		else if (!json_is_null(v))
			verr_add(&e, VERR_VALIDATION, k, "must be 1 to %d characters",
			    APPROVED_BY_MAX);
	}
	if (e.n == 0)
		return 0;
	resp_verr(r, q, &e);
	return -1;
}

void
h_job_approve(struct req *q, struct resp *r)
{
	struct act a = { "approved", "not_approvable", NULL, 0, act_approve };
	json_t *body;

	if (approve_body(q, r, &body, &a.approved_by) == 0)
		act_run(q, r, &a);
	json_decref(body);
}

void
h_job_cancel(struct req *q, struct resp *r)
{
	struct act a = { "cancelled", "not_cancellable", NULL, 0, act_cancel };

	act_run(q, r, &a);
}

void
h_job_retry(struct req *q, struct resp *r)
{
	struct act a = { "retried", "not_retryable", NULL, 0, act_retry };

	act_run(q, r, &a);
}

void
h_job_delete(struct req *q, struct resp *r)
{
	enum dq_err err;

	if (!ids_valid(q->param[0], "job_", 16)) {
		resp_dq_err(r, q, DQ_ERR_NOTFOUND, "job");
		return;
	}
	err = store_job_delete(q->st, q->account.id, q->param[0]);
	if (err == DQ_ERR_STATE) {
		resp_error(r, q, 409, "not_deletable", NULL, "the job cannot be deleted "
		    "in its current status: only completed, failed and cancelled jobs "
		    "can (cancel it first)");
		return;
	}
	if (err != DQ_OK) {
		resp_dq_err(r, q, err, "job");
		return;
	}
	resp_json(r, 200, json_pack("{s:s, s:b}", "id", q->param[0], "deleted", 1));
}
