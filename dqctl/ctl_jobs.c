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

/*
 * jobs list: the newest jobs across accounts.  The store lists each
 * account's jobs newest first; the newest `want` of all of them are among
 * the newest `want` of each, so those are merged into kept[], newest first.
 */
struct jl {
	struct ctl		*c;
	struct store_list_query	 q;
	const char		*account;	/* --account, or NULL: all */
	int			 found;		/* --account named one that exists */
	int			 want;
	int			 nkept;
	struct job		 kept[STORE_LIST_MAX];
	char			 kept_account[STORE_LIST_MAX][ACCOUNT_NAME_MAX + 1];
	int64_t			 total;		/* matches in every account */
};

static int
jobs_newer(const struct job *a, const struct job *b)
{
	if (a->created_at != b->created_at)
		return a->created_at > b->created_at;
	return strcmp(a->id, b->id) > 0;
}

/* Keep j (its memory passes to kept[]) if it is among the newest; 0 if not. */
static int
jobs_keep(struct jl *l, struct job *j, const char *account)
{
	int at = l->nkept;

	while (at > 0 && jobs_newer(j, &l->kept[at - 1]))
		at--;
	if (at == l->want)
		return 0;
	if (l->nkept == l->want)
		job_free(&l->kept[--l->nkept]);
	memmove(&l->kept[at + 1], &l->kept[at], (size_t)(l->nkept - at) * sizeof(l->kept[0]));
	memmove(l->kept_account[at + 1], l->kept_account[at],
	    (size_t)(l->nkept - at) * sizeof(l->kept_account[0]));
	l->kept[at] = *j;
	snprintf(l->kept_account[at], sizeof(l->kept_account[at]), "%s", account);
	l->nkept++;
	return 1;
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
	l->found = 1;
	l->q.account = a->id;
	l->q.limit = l->want;
	if (store_jobs_list(l->c->st, &l->q, jobs, &n, &more, &total) != DQ_OK)
		return 0;
	l->total += total;
	for (i = 0; i < n; i++)
		if (!jobs_keep(l, &jobs[i], a->name))
			job_free(&jobs[i]);
	return 0;
}

static void
jobs_print(const struct job *j, const char *account)
{
	char when[DQ_TIME_LEN + 1];

	printf("%-20s %-10s %-17s %-16s %3d/%-3d %s %s\n", j->id, account,
	    job_status_name(j->status), j->queue, j->attempts, j->max_attempts,
	    dqtime_format(j->created_at, when, sizeof(when)), j->url);
}

/* The options of jobs list into l; -1 on a usage error. */
static int
jobs_list_options(struct ctl *c, struct jl *l)
{
	enum job_status st;
	long long n;
	int i;

	for (i = 0; i + 1 < c->argc; i += 2) {
		if (strcmp(c->argv[i], "--account") == 0)
			l->account = c->argv[i + 1];
		else if (strcmp(c->argv[i], "--queue") == 0)
			l->q.queue = c->argv[i + 1];
		else if (strcmp(c->argv[i], "--status") == 0 &&
		    job_status_parse(c->argv[i + 1], &st) == 0)
			l->q.status = (int)st;
		else if (strcmp(c->argv[i], "--limit") == 0 &&
		    num_parse_ll(c->argv[i + 1], 1, STORE_LIST_MAX, &n) == 0)
			l->want = (int)n;
		else
			break;
	}
	if (i == c->argc)
		return 0;
	fprintf(stderr, "usage: dqctl jobs list [--account NAME] [--status S] "
	    "[--queue Q] [--limit 1-100]\n"
	    "  S is one of pending, awaiting_approval, active, completed, failed, "
	    "cancelled\n");
	return -1;
}

int
cmd_jobs_list(struct ctl *c)
{
	struct jl *l;
	enum dq_err e;
	int i, rc = 0;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return ctl_err("jobs list", DQ_ERR_NOMEM);
	l->c = c;
	l->q.status = -1;
	l->want = 20;
	if (jobs_list_options(c, l) == -1) {
		free(l);
		return 2;
	}
	if ((e = store_account_list(c->st, jobs_of_account, l)) != DQ_OK)
		rc = ctl_err("jobs list", e);
	else if (l->account != NULL && !l->found) {
		fprintf(stderr, "dqctl: there is no account named %s\n", l->account);
		rc = 1;
	} else {
		printf("%-20s %-10s %-17s %-16s %-7s %-24s %s\n", "ID", "ACCOUNT",
		    "STATUS", "QUEUE", "TRIES", "CREATED", "URL");
		for (i = 0; i < l->nkept; i++)
			jobs_print(&l->kept[i], l->kept_account[i]);
		if (l->total > l->nkept)
			printf("(the newest %d of %lld; --limit shows up to %d)\n",
			    l->nkept, (long long)l->total, STORE_LIST_MAX);
	}
	for (i = 0; i < l->nkept; i++)
		job_free(&l->kept[i]);
	free(l);
	return rc;
}

#define SHOW_BODY_MAX	2000	/* bytes of an answer shown per attempt */

/* One attempt: when, how long, the outcome; then its error and answer. */
static int
show_attempt(const struct attempt *at, void *arg)
{
	char when[DQ_TIME_LEN + 1], outcome[32];
	size_t len;

	if (at == NULL) {	/* a retried read starts the list again */
		*(int *)arg = 0;
		return 0;
	}
	(*(int *)arg)++;
	if (at->response_code)
		snprintf(outcome, sizeof(outcome), "HTTP %d", at->response_code);
	else
		snprintf(outcome, sizeof(outcome), "no answer");
	printf("  attempt %d  %s  ", at->n, at->started_at ?
	    dqtime_format(at->started_at, when, sizeof(when)) : "-");
	if (at->duration_ms >= 0)
		printf("%lldms  ", (long long)at->duration_ms);
	printf("%s\n", outcome);
	/* an HTTP error's message is its status line, already shown */
	if (at->error != NULL && strcmp(at->error, outcome) != 0)
		printf("    error: %s\n", at->error);
	if (at->response_body != NULL) {
		len = strlen(at->response_body);
		printf("    body: %.*s%s\n", (int)(len > SHOW_BODY_MAX ? SHOW_BODY_MAX :
		    len), at->response_body, len > SHOW_BODY_MAX ? " ..." : "");
	}
	return 0;
}

int
cmd_jobs_show(struct ctl *c)
{
	struct job j;
	enum dq_err e;
	json_t *o;
	char *text;
	int shown = 0, made = 0;

	if (c->argc != 1) {
		fprintf(stderr, "usage: dqctl jobs show JOB_ID\n");
		return 2;
	}
	if ((e = store_job_get(c->st, 0, c->argv[0], &j)) == DQ_ERR_NOTFOUND) {
		fprintf(stderr, "dqctl: there is no job %s\n", c->argv[0]);
		return 1;
	}
	if (e != DQ_OK)
		return ctl_err(c->argv[0], e);
	o = job_to_json(&j, 0, dqtime_now_ms());
	json_object_set_new(o, "account_id", json_integer(j.account));
	text = json_dumps(o, JSON_INDENT(2));
	printf("%s\nattempts:\n", text ? text : "{}");
	free(text);
	json_decref(o);
	e = store_attempts_list(c->st, 0, j.id, show_attempt, &shown, &made);
	if (e == DQ_OK && made > shown)
		printf("  (%d attempts made; the first %d and the latest %d are kept)\n",
		    made, STORE_ATTEMPTS_FIRST, STORE_ATTEMPTS_LATEST);
	job_free(&j);
	if (e != DQ_OK)
		return ctl_err("attempts", e);
	if (shown == 0)
		printf("  none yet\n");
	return 0;
}
