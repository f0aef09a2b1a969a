/*
 * Writing finished transfers back: each outcome is applied to its job by
 * the delivery rules (common/delivery/deliver.c) in one transaction per batch, with
 * the attempt appended to the history.  A result for a job this dispatcher
 * no longer holds (its lease was reclaimed) is dropped.
 */
#include "config.h"

#include <string.h>

#include "dqtime.h"
#include "log.h"
#include "metrics.h"
#include "xfer.h"

#define RESULTS_TRIES	5

struct result {
	struct disp	*d;
	struct xfer	*x;
	struct delivery	*dv;
	int64_t		 now;
	enum job_status	 status;	/* out: the job's status after */
	int64_t		 due;		/* out: when it runs again (pending) */
	int64_t		 cb_due;	/* out: when its callback is due (0: none) */
};

static enum dq_err
result_job(struct job *j, struct attempt *at, void *arg)
{
	struct result *r = arg;

	if (j->status != JOB_ACTIVE || j->lease_owner != r->d->lease.owner ||
	    j->attempts != r->x->attempt)
		return DQ_ERR_STATE;
	deliver_apply(j, r->dv, &r->d->policy, r->now, at);
	r->status = j->status;
	r->due = j->due_at;
	r->cb_due = j->cb_status == JOB_CB_PENDING ? j->cb_due_at : 0;
	return DQ_OK;
}

static enum dq_err
result_callback(struct job *j, struct attempt *at, void *arg)
{
	struct result *r = arg;
	int ok = r->dv->response_code >= 200 && r->dv->response_code <= 299;

	if (j->cb_status != JOB_CB_PENDING || j->cb_attempts != r->x->attempt)
		return DQ_ERR_STATE;
	deliver_callback_apply(j, ok, &r->d->policy, r->now);
	r->cb_due = j->cb_status == JOB_CB_PENDING ? j->cb_due_at : 0;
	return DQ_OK;
}

static void
result_log(const struct result *r, enum dq_err e)
{
	const struct delivery *dv = r->dv;

	if (e == DQ_ERR_STATE) {
		log_info("%s: result of attempt %d dropped: no longer held here",
		    r->x->id, r->x->attempt);
		return;
	}
	log_debug("%s %s %d: %d%s%s %lldms", r->x->id, r->x->kind == XFER_JOB ?
	    "attempt" : "callback", r->x->attempt, dv->response_code,
	    dv->error[0] ? " " : "", dv->error,
	    (long long)(dv->finished_at - dv->started_at));
}

static void
result_metrics(const struct xfer *x, const struct delivery *dv)
{
	enum met_outcome o;

	if (x->code == CURLE_OK || x->capped)
		o = dv->response_code >= 200 && dv->response_code <= 299 ?
		    MET_OK : MET_HTTP_ERROR;
	else if (dv->permanent)
		o = MET_REFUSED;
	else if (x->code == CURLE_OPERATION_TIMEDOUT)
		o = MET_TIMEOUT;
	else
		o = MET_CONNECT_ERROR;
	metrics_delivery(o, dv->finished_at - dv->started_at,
	    x->kind == XFER_JOB && x->due_at > 0 ? x->started_at - x->due_at : -1);
}

/* Store busy even after its own retries: wait a little and try again. */
static enum dq_err
results_write(struct disp *d, struct store_update *u, int n)
{
	enum dq_err e;
	int tries;

	for (tries = 0; tries < RESULTS_TRIES; tries++) {
		if ((e = store_jobs_update(d->st, u, (size_t)n)) != DQ_ERR_BUSY)
			break;
		dqtime_sleep_ms(50);
	}
	return e;
}

void
results_apply(struct disp *d, struct xfer **xs, struct delivery *dvs, int n)
{
	struct store_update u[256];
	struct result r[256];
	enum dq_err e;
	int i, ok;

	for (i = 0; i < n; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].d = d;
		r[i].x = xs[i];
		r[i].dv = &dvs[i];
		r[i].now = dqtime_now_ms();
		u[i].id = xs[i]->id;
		u[i].fn = xs[i]->kind == XFER_JOB ? result_job : result_callback;
		u[i].arg = &r[i];
	}
	if ((e = results_write(d, u, n)) != DQ_OK)
		log_warnx("cannot record %d results: %s (their leases will expire "
		    "and the jobs run again)", n, dq_strerror(e));
	for (i = 0; i < n; i++) {
		if (xs[i]->started_at > 0)
			result_metrics(xs[i], &dvs[i]);
		ok = e == DQ_OK && u[i].result == DQ_OK;
		queues_xfer_done(d, xs[i]->q, xs[i]->account, ok && xs[i]->kind ==
		    XFER_JOB && r[i].status == JOB_PENDING ? r[i].due : 0);
		if (e != DQ_OK)
			continue;
		result_log(&r[i], u[i].result);
		if (ok && r[i].cb_due > 0)
			disp_note_callback(d, r[i].cb_due);
	}
}

void
results_failed_start(struct disp *d, struct xfer *x, const char *why)
{
	struct delivery dv;

	memset(&dv, 0, sizeof(dv));
	dv.started_at = dv.finished_at = dqtime_now_ms();
	dv.retry_after_ms = -1;
	snprintf(dv.error, sizeof(dv.error), "%s", why);
	results_apply(d, &x, &dv, 1);
}
