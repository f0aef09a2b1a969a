/*
 * dqctl stats and dqctl jobs: what is in the store, for an operator at a
 * terminal.  Reads only.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl.h"
#include "dqtime.h"
#include "num.h"

struct stats {
	struct store	*st;
	int64_t		 total[JOB_NSTATUS];
	int64_t		 oldest_due;		/* earliest due pending job */
	char		 oldest_queue[JOB_QUEUE_MAX + 1];
	int		 queues;
};

static int
stats_queue(const struct queue_info *qi, void *arg)
{
	struct stats *s = arg;
	struct account a;
	int i;

	if (store_account_get(s->st, qi->account, &a) != DQ_OK)
		snprintf(a.name, sizeof(a.name), "#%u", qi->account);
	printf("%-16s %-24s", a.name, qi->name);
	for (i = 0; i < JOB_NSTATUS; i++) {
		printf(" %10lld", (long long)qi->counts[i]);
		s->total[i] += qi->counts[i];
	}
	printf("%s\n", qi->paused ? "  (paused)" : "");
	s->queues++;
	return 0;
}

/* The earliest due time of each queue, found after the listing. */
static int
stats_due(const struct queue_info *qi, void *arg)
{
	struct stats *s = arg;
	int64_t due = 0;

	if (store_queue_next_due(s->st, qi->account, qi->name, &due) == DQ_OK &&
	    due > 0 && (s->oldest_due == 0 || due < s->oldest_due)) {
		s->oldest_due = due;
		snprintf(s->oldest_queue, sizeof(s->oldest_queue), "%s", qi->name);
	}
	return 0;
}

int
cmd_stats(struct ctl *c)
{
	struct stats s;
	char when[DQ_TIME_LEN + 1];
	int64_t now = dqtime_now_ms(), tick = 0;
	enum dq_err e;
	int i;

	memset(&s, 0, sizeof(s));
	s.st = c->st;
	printf("%-16s %-24s", "ACCOUNT", "QUEUE");
	for (i = 0; i < JOB_NSTATUS; i++)
		printf(" %10.10s", job_status_name((enum job_status)i));
	printf("\n");
	if ((e = store_queue_list(c->st, 0, 1, stats_queue, &s)) != DQ_OK)
		return ctl_err("stats", e);
	printf("%-41s", "total");
	for (i = 0; i < JOB_NSTATUS; i++)
		printf(" %10lld", (long long)s.total[i]);
	printf("\n\n");
	store_queue_list(c->st, 0, 0, stats_due, &s);
	if (s.oldest_due > 0 && s.oldest_due <= now)
		printf("oldest due job: %s in queue %s, waiting %.1fs\n",
		    dqtime_format(s.oldest_due, when, sizeof(when)), s.oldest_queue,
		    (double)(now - s.oldest_due) / 1000.0);
	else
		printf("oldest due job: none waiting\n");
	if (store_meta_get(c->st, "dispatcher_tick", &tick) == DQ_OK && tick > 0)
		printf("dispatcher: last heartbeat %s (%.1fs ago)\n",
		    dqtime_format(tick, when, sizeof(when)), (double)(now - tick) / 1000.0);
	else
		printf("dispatcher: no heartbeat recorded\n");
	return 0;
}

struct jl {
	struct ctl			*c;
	struct store_list_query		 q;
	const char			*account;
	int				 shown;
};

static void
jobs_print(const struct job *j, const char *account)
{
	char when[DQ_TIME_LEN + 1];

	printf("%-20s %-10s %-17s %-16s %3d/%-3d %s %s\n", j->id, account,
	    job_status_name(j->status), j->queue, j->attempts, j->max_attempts,
	    dqtime_format(j->created_at, when, sizeof(when)), j->url);
}

static int
jobs_of_account(const struct account *a, void *arg)
{
	struct jl *l = arg;
	struct job jobs[STORE_LIST_MAX];
	int64_t total;
	int n, more, i;

	if (l->account != NULL && strcmp(l->account, a->name) != 0)
		return 0;
	l->q.account = a->id;
	l->q.limit = l->q.limit > STORE_LIST_MAX ? STORE_LIST_MAX : l->q.limit;
	if (store_jobs_list(l->c->st, &l->q, jobs, &n, &more, &total) != DQ_OK)
		return 0;
	for (i = 0; i < n; i++) {
		jobs_print(&jobs[i], a->name);
		job_free(&jobs[i]);
	}
	if (more)
		printf("... %lld jobs in %s in all\n", (long long)total, a->name);
	l->shown += n;
	return 0;
}

int
cmd_jobs_list(struct ctl *c)
{
	struct jl l;
	enum job_status st;
	long long n;
	int i;

	memset(&l, 0, sizeof(l));
	l.c = c;
	l.q.status = -1;
	l.q.limit = 20;
	for (i = 0; i + 1 < c->argc; i += 2) {
		if (strcmp(c->argv[i], "--account") == 0)
			l.account = c->argv[i + 1];
		else if (strcmp(c->argv[i], "--queue") == 0)
			l.q.queue = c->argv[i + 1];
		else if (strcmp(c->argv[i], "--status") == 0 &&
		    job_status_parse(c->argv[i + 1], &st) == 0)
			l.q.status = (int)st;
		else if (strcmp(c->argv[i], "--limit") == 0 &&
		    num_parse_ll(c->argv[i + 1], 1, STORE_LIST_MAX, &n) == 0)
			l.q.limit = (int)n;
		else
			break;
	}
	if (i != c->argc) {
		fprintf(stderr, "usage: dqctl jobs list [--account NAME] [--status S] "
		    "[--queue Q] [--limit 1-100]\n");
		return 2;
	}
	printf("%-20s %-10s %-17s %-16s %-7s %-24s %s\n", "ID", "ACCOUNT", "STATUS",
	    "QUEUE", "TRIES", "CREATED", "URL");
	store_account_list(c->st, jobs_of_account, &l);
	return 0;
}

static int
show_attempt(const struct attempt *at, void *arg)
{
	char when[DQ_TIME_LEN + 1];
	int *kept = arg;

	if (at == NULL) {		/* the list starts (again) */
		*kept = 0;
		return 0;
	}
	(*kept)++;
	printf("  attempt %d  %s  %s  %lldms  %s\n", at->n,
	    dqtime_format(at->started_at, when, sizeof(when)),
	    at->response_code ? "" : "-", (long long)at->duration_ms,
	    at->error ? at->error : "ok");
	if (at->response_code)
		printf("    HTTP %d\n", at->response_code);
	return 0;
}

int
cmd_jobs_show(struct ctl *c)
{
	struct job j;
	enum dq_err e;
	json_t *o;
	char *text;
	int made = 0, kept = 0;

	if (c->argc != 1) {
		fprintf(stderr, "usage: dqctl jobs show JOB_ID\n");
		return 2;
	}
	if ((e = store_job_get(c->st, 0, c->argv[0], &j)) != DQ_OK)
		return ctl_err(c->argv[0], e);
	o = job_to_json(&j, 0, dqtime_now_ms());
	json_object_set_new(o, "account_id", json_integer(j.account));
	text = json_dumps(o, JSON_INDENT(2));
	printf("%s\nattempts:\n", text ? text : "{}");
	free(text);
	json_decref(o);
	if (store_attempts_list(c->st, 0, j.id, show_attempt, &kept, &made) == DQ_OK &&
	    made > kept)
		printf("  (%d attempts made; the first %d and the latest %d are kept)\n",
		    made, STORE_ATTEMPTS_FIRST, STORE_ATTEMPTS_LATEST);
	job_free(&j);
	return 0;
}
