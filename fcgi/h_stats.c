/*
 * GET /v1/stats (API.md 9): an account's activity over the last hour, day
 * or week, as a series of steps (created, delivered, failed attempts,
 * failed jobs, the 99th percentile of lateness), for the whole account or
 * one queue, and its jobs counted by status now.  The store keeps the
 * minutes (store_stats.c); a longer window sums them into longer steps.
 */
#include "config.h"

#include <string.h>

#include "handlers.h"
#include "jobreq.h"
#include "jsonw.h"
#include "query.h"

static const struct {
	const char	*name;
	int64_t		 step_s;
	int		 points;
} windows[] = {
	{ "1h", 60, 60 },
	{ "24h", 300, 288 },
	{ "7d", 3600, 168 },
};
#define NWINDOWS	(sizeof(windows) / sizeof(windows[0]))

static const char *const stats_params[] = { "window", "queue", NULL };

/* The window asked for (1h when none), or -1 with e filled. */
static int
stats_query(const struct req *q, struct query *qs, const char **queue, struct verr *e)
{
	const char *w;
	size_t i;

	if (query_parse(qs, q->query, stats_params, e) == -1)
		return -1;
	*queue = query_get(qs, "queue");
	if (*queue != NULL && !jobreq_queue_valid(*queue)) {
		verr_add(e, VERR_INVALID_QUERY, "queue",
		    "must be 1 to 64 characters of [a-zA-Z0-9_-]");
		return -1;
	}
	if ((w = query_get(qs, "window")) == NULL)
		return 0;
	for (i = 0; i < NWINDOWS; i++)
		if (strcmp(w, windows[i].name) == 0)
			return (int)i;
	verr_add(e, VERR_INVALID_QUERY, "window", "must be one of 1h, 24h, 7d");
	return -1;
}

static void
stats_write(struct jw *w, const struct store_stats_point *p, int n,
    const int64_t counts[JOB_NSTATUS], int win)
{
	int i, s;

	jw_open(w, '{');
	jw_key(w, "window"); jw_str(w, windows[win].name);
	jw_key(w, "step_seconds"); jw_int(w, windows[win].step_s);
	jw_key(w, "series");
	jw_open(w, '[');
	for (i = 0; i < n; i++) {
		jw_open(w, '{');
		jw_key(w, "t"); jw_time(w, p[i].t);
		jw_key(w, "created"); jw_int(w, p[i].created);
		jw_key(w, "delivered"); jw_int(w, p[i].delivered);
		jw_key(w, "failed_attempts"); jw_int(w, p[i].failed_attempts);
		jw_key(w, "failed_jobs"); jw_int(w, p[i].failed_jobs);
		jw_key(w, "lateness_p99_ms");
		if (p[i].lateness_p99_ms >= 0)
			jw_int(w, p[i].lateness_p99_ms);
		else
			jw_null(w);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_key(w, "now");
	jw_open(w, '{');
	for (s = 0; s < JOB_NSTATUS; s++) {
		jw_key(w, job_status_name((enum job_status)s));
		jw_int(w, counts[s]);
	}
	jw_close(w, '}');
	jw_close(w, '}');
}

void
h_stats(struct req *q, struct resp *r)
{
	struct store_stats_point points[STORE_STATS_POINTS_MAX];
	int64_t counts[JOB_NSTATUS], step, last;
	const char *queue = NULL;
	struct query qs;
	struct verr e;
	enum dq_err err;
	struct jw w;
	int win;

	verr_init(&e);
	if ((win = stats_query(q, &qs, &queue, &e)) == -1) {
		resp_verr(r, q, &e);
		return;
	}
	step = windows[win].step_s * 1000;
	last = q->now / step * step;	/* the step now is in comes last */
	if ((err = store_stats_series(q->st, q->account.id, queue,
	    last - (windows[win].points - 1) * step, step, windows[win].points,
	    points)) != DQ_OK ||
	    (err = store_jobs_count(q->st, q->account.id, queue, counts)) != DQ_OK) {
		resp_dq_err(r, q, err, "stats");
		return;
	}
	jw_init(&w);
	stats_write(&w, points, windows[win].points, counts, win);
	resp_jw(r, q, 200, &w);
}
