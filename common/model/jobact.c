/*
 * Lifecycle actions on a job (API.md 4.5): which status each is allowed
 * from and what it changes.  The routes and the queue purge apply them
 * through store_job_edit(), so the rules live only here.
 */
#include "config.h"

#include "job.h"

enum dq_err
job_act_approve(struct job *j, int64_t now, const char *approved_by)
{
	if (j->status != JOB_AWAITING_APPROVAL)
		return DQ_ERR_STATE;
	j->status = JOB_PENDING;
	j->approved_at = now;
	j->approved_by = approved_by;
	j->due_at = j->delay_until > now ? j->delay_until : now;
	j->updated_at = now;
	return DQ_OK;
}

enum dq_err
job_act_cancel(struct job *j, int64_t now)
{
	if (j->status != JOB_PENDING && j->status != JOB_AWAITING_APPROVAL)
		return DQ_ERR_STATE;
	j->status = JOB_CANCELLED;
	j->finished_at = now;
	j->updated_at = now;
	return DQ_OK;
}

/* Back to pending now; the last attempt's results stay until the next one. */
enum dq_err
job_act_retry(struct job *j, int64_t now)
{
	if (j->status != JOB_FAILED && j->status != JOB_CANCELLED)
		return DQ_ERR_STATE;
	j->status = JOB_PENDING;
	j->attempts = 0;
	j->interrupts = 0;
	j->due_at = now;
	j->next_retry_at = 0;
	j->cb_status = JOB_CB_NONE;
	j->cb_attempts = 0;
	j->cb_due_at = 0;
	j->updated_at = now;
	return DQ_OK;
}
