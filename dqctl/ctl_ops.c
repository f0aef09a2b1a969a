/*
 * dqctl's operator actions on jobs and topics (API.md 9): bulk actions by
 * filter in one account or all of them, deleting finished jobs, and an
 * account's topics (list, show, set with plain endpoints, delete).  The
 * store does the work, with the rules and limits of the API.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl.h"
#include "dqtime.h"
#include "jobreq.h"
#include "wakeup.h"

/* --- jobs bulk --------------------------------------------------------------- */

struct bulk_run {
	struct ctl		*c;
	struct store_bulk	 b;		/* the filter; the account per run */
	const char		*account;	/* --account, or NULL: all */
	char			 (*ids)[ID_JOB_LEN + 1];
	int			 found;
	int			 failed;
	long long		 matched, changed, skipped, calls;
};

static const char *const bulk_actions[] = { "retry", "cancel", "approve", "delete" };

static int
bulk_usage(void)
{
	fprintf(stderr, "usage: dqctl jobs bulk retry|cancel|approve|delete "
	    "[--account NAME] [--status S] [--queue Q] [--schedule ID]\n"
	    "           [--created-after TIME] [--created-before TIME] "
	    "[--ids ID,...] [--approved-by NAME]\n"
	    "  at least one filter; TIME is RFC 3339 (2026-11-07T05:31:56Z)\n");
	return 2;
}

/* A comma-separated list of job ids; -1 when one is not. */
static int
bulk_ids(struct bulk_run *r, const char *list)
{
	const char *p = list, *comma;
	size_t n;
	int i = 0;

	if ((r->ids = calloc(STORE_BULK_MAX, sizeof(*r->ids))) == NULL)
		return -1;
	for (; *p != '\0' && i < STORE_BULK_MAX; i++, p = *comma ? comma + 1 : comma) {
		comma = p + strcspn(p, ",");
		n = (size_t)(comma - p);
		if (n != ID_JOB_LEN)
			return -1;
		memcpy(r->ids[i], p, n);
		if (!ids_valid(r->ids[i], "job_", 16))
			return -1;
	}
	if (*p != '\0' || i == 0)
		return -1;
	r->b.ids = (const char (*)[ID_JOB_LEN + 1])r->ids;
	r->b.nids = i;
	return 0;
}

/* One option and its value; -1 when it is not one or its value is bad. */
static int
bulk_option(struct bulk_run *r, const char *opt, const char *v)
{
	enum job_status s;
	int64_t t;

	if (strcmp(opt, "--account") == 0)
		r->account = v;
	else if (strcmp(opt, "--status") == 0 && job_status_parse(v, &s) == 0)
		r->b.status = (int)s;
	else if (strcmp(opt, "--queue") == 0 && jobreq_queue_valid(v))
		r->b.queue = v;
	else if (strcmp(opt, "--schedule") == 0 && ids_valid(v, "sch_", 16))
		r->b.schedule_id = v;
	else if (strcmp(opt, "--created-after") == 0 && dqtime_parse(v, &t) == 0)
		r->b.created_after = t;
	else if (strcmp(opt, "--created-before") == 0 && dqtime_parse(v, &t) == 0)
		r->b.created_before = t;
	else if (strcmp(opt, "--ids") == 0 && r->ids == NULL)
		return bulk_ids(r, v);
	else if (strcmp(opt, "--approved-by") == 0 && *v != '\0' && strlen(v) <= 255 &&
	    r->b.action == STORE_BULK_APPROVE)
		r->b.approved_by = v;
	else
		return -1;
	return 0;
}

static void
bulk_wake(const struct store_bulk *b)
{
	int i;

	for (i = 0; i < b->nwoken; i++)
		wakeup_send(b->woken[i].due > 0 ? WAKEUP_JOB : WAKEUP_QUEUE, b->account,
		    b->woken[i].queue, b->woken[i].due);
}

/* Every matching job of one account, a call of STORE_BULK_MAX at a time. */
static int
bulk_account(const struct account *a, void *arg)
{
	struct bulk_run *r = arg;
	enum dq_err e;

	if (r->account != NULL && strcmp(r->account, a->name) != 0)
		return 0;
	r->found = 1;
	r->b.account = a->id;
	r->b.has_after = 0;
	r->b.ids_done = 0;
	if (r->b.action == STORE_BULK_APPROVE && r->b.approved_by == NULL)
		r->b.approved_by = "dqctl";
	do {
		r->b.now = dqtime_now_ms();
		if ((e = store_jobs_bulk(r->c->st, &r->b)) != DQ_OK) {
			r->failed = ctl_err(a->name, e);
			return 1;
		}
		bulk_wake(&r->b);
		r->calls++;
		r->matched += r->b.matched;
		r->changed += r->b.changed;
		r->skipped += r->b.skipped;
	} while (r->b.more);
	return 0;
}

static int
bulk_parse(struct ctl *c, struct bulk_run *r)
{
	size_t i;
	int k;

	for (i = 0; i < sizeof(bulk_actions) / sizeof(bulk_actions[0]); i++)
		if (c->argc > 0 && strcmp(c->argv[0], bulk_actions[i]) == 0)
			break;
	if (i == sizeof(bulk_actions) / sizeof(bulk_actions[0]) || c->argc % 2 == 0)
		return -1;
	r->b.action = (enum store_bulk_action)i;
	for (k = 1; k + 1 < c->argc; k += 2)
		if (bulk_option(r, c->argv[k], c->argv[k + 1]) == -1)
			return -1;
	/* an empty filter is refused, as over the API */
	return r->b.status < 0 && r->b.queue == NULL && r->b.schedule_id == NULL &&
	    r->b.created_after == INT64_MIN && r->b.created_before == INT64_MAX &&
	    r->b.ids == NULL ? -1 : 0;
}

int
cmd_jobs_bulk(struct ctl *c)
{
	struct bulk_run r;
	enum dq_err e;
	int rc;

	memset(&r, 0, sizeof(r));
	r.c = c;
	r.b.status = -1;
	r.b.created_after = INT64_MIN;
	r.b.created_before = INT64_MAX;
	r.b.max = STORE_BULK_MAX;
	r.b.budget_us = 2000;
	if (bulk_parse(c, &r) == -1) {
		free(r.ids);
		return bulk_usage();
	}
	wakeup_sender_open(c->conf.wakeup_socket);
	wakeup_map_open(c->conf.data_dir);
	if ((e = store_account_list(c->st, bulk_account, &r)) != DQ_OK)
		rc = ctl_err("jobs bulk", e);
	else if (r.failed)
		rc = r.failed;
	else if (r.account != NULL && !r.found) {
		fprintf(stderr, "dqctl: there is no account named %s\n", r.account);
		rc = 1;
	} else {
		printf("%s: matched %lld, changed %lld, skipped %lld\n",
		    bulk_actions[r.b.action], r.matched, r.changed, r.skipped);
		rc = 0;
	}
	free(r.ids);
	return rc;
}

/* --- jobs delete ------------------------------------------------------------- */

int
cmd_jobs_delete(struct ctl *c)
{
	enum dq_err e;
	int i, rc = 0;

	if (c->argc < 1) {
		fprintf(stderr, "usage: dqctl jobs delete JOB_ID ...\n");
		return 2;
	}
	for (i = 0; i < c->argc; i++) {
		e = ids_valid(c->argv[i], "job_", 16) ?
		    store_job_delete(c->st, 0, c->argv[i]) : DQ_ERR_NOTFOUND;
		if (e == DQ_OK)
			printf("deleted %s\n", c->argv[i]);
		else if (e == DQ_ERR_NOTFOUND)
			fprintf(stderr, "dqctl: there is no job %s\n", c->argv[i]);
		else if (e == DQ_ERR_STATE)
			fprintf(stderr, "dqctl: %s is not finished (completed, failed or "
			    "cancelled); cancel it first\n", c->argv[i]);
		else
			ctl_err(c->argv[i], e);
		if (e != DQ_OK)
			rc = 1;
	}
	return rc;
}

/* --- topics ---------------------------------------------------------------------- */

/* The account named by argv[0]; 0 with the error said. */
static uint32_t
topic_account(struct ctl *c, const char *name)
{
	struct account a;
	enum dq_err e;

	if ((e = store_account_by_name(c->st, name, &a)) == DQ_OK)
		return a.id;
	if (e == DQ_ERR_NOTFOUND)
		fprintf(stderr, "dqctl: there is no account named %s\n", name);
	else
		ctl_err(name, e);
	return 0;
}

struct topic_list {
	struct ctl	*c;
	const char	*account;
	int		 found, failed;
};

static int
topic_list_account(const struct account *a, void *arg)
{
	struct topic_list *l = arg;
	struct topic ts[STORE_LIST_MAX];
	struct store_name_query q;
	char when[DQ_TIME_LEN + 1];
	int64_t total;
	int n, more, i;
	json_t *eps;

	if (l->account != NULL && strcmp(l->account, a->name) != 0)
		return 0;
	l->found = 1;
	memset(&q, 0, sizeof(q));
	q.account = a->id;
	q.limit = STORE_LIST_MAX;
	do {
		if (store_topic_page(l->c->st, &q, ts, &n, &more, &total) != DQ_OK) {
			l->failed = 1;
			return 1;
		}
		for (i = 0; i < n; i++) {
			eps = json_loads(ts[i].endpoints, 0, NULL);
			printf("%-16s %-32s %9zu  %s\n", a->name, ts[i].name,
			    json_array_size(eps), dqtime_format(ts[i].updated_at, when,
			    sizeof(when)));
			json_decref(eps);
		}
		q.offset += n;
		for (i = 0; i < n; i++)
			store_topic_free(&ts[i]);
	} while (more);
	return 0;
}

int
cmd_topics_list(struct ctl *c)
{
	struct topic_list l = { c, NULL, 0, 0 };
	enum dq_err e;

	if (c->argc == 2 && strcmp(c->argv[0], "--account") == 0)
		l.account = c->argv[1];
	else if (c->argc != 0) {
		fprintf(stderr, "usage: dqctl topics list [--account NAME]\n");
		return 2;
	}
	printf("%-16s %-32s %9s  %s\n", "ACCOUNT", "TOPIC", "ENDPOINTS", "UPDATED");
	if ((e = store_account_list(c->st, topic_list_account, &l)) != DQ_OK || l.failed)
		return ctl_err("topics list", e != DQ_OK ? e : DQ_ERR_BUSY);
	if (l.account != NULL && !l.found) {
		fprintf(stderr, "dqctl: there is no account named %s\n", l.account);
		return 1;
	}
	return 0;
}

int
cmd_topics_show(struct ctl *c)
{
	struct topic t;
	enum dq_err e;
	uint32_t account;
	json_t *eps;
	char *text;

	if (c->argc != 2) {
		fprintf(stderr, "usage: dqctl topics show ACCOUNT TOPIC\n");
		return 2;
	}
	if ((account = topic_account(c, c->argv[0])) == 0)
		return 1;
	if ((e = store_topic_get(c->st, account, c->argv[1], &t)) != DQ_OK) {
		if (e != DQ_ERR_NOTFOUND)
			return ctl_err(c->argv[1], e);
		fprintf(stderr, "dqctl: %s has no topic %s\n", c->argv[0], c->argv[1]);
		return 1;
	}
	eps = json_loads(t.endpoints, 0, NULL);
	text = json_dumps(eps, JSON_INDENT(2));
	printf("%s\n", text ? text : t.endpoints);
	free(text);
	json_decref(eps);
	store_topic_free(&t);
	return 0;
}

/* Plain endpoints (no headers) from the command line, checked as a job's
 * url; their JSON, or NULL. */
static char *
topic_urls(struct ctl *c, char **urls, int n)
{
	json_t *eps = json_array();
	struct verr e;
	char *text = NULL;
	int i;

	verr_init(&e);
	for (i = 0; i < n && eps != NULL; i++) {
		if (strlen(urls[i]) > JOB_URL_MAX || jobreq_check_url("url", urls[i],
		    c->conf.require_https, &e) == -1) {
			fprintf(stderr, "dqctl: %s: %s\n", urls[i], e.n > 0 ?
			    e.item[0].message : "longer than 2048 characters");
			goto done;
		}
		json_array_append_new(eps, json_pack("{s:s, s:n}", "url", urls[i],
		    "headers"));
	}
	text = jobreq_compact(eps);
done:
	json_decref(eps);
	return text;
}

int
cmd_topics_set(struct ctl *c)
{
	struct topic t;
	enum dq_err e;
	uint32_t account;
	char *eps;

	if (c->argc < 3 || c->argc - 2 > STORE_FANOUT_MAX ||
	    !jobreq_queue_valid(c->argv[1])) {
		fprintf(stderr, "usage: dqctl topics set ACCOUNT TOPIC URL ...\n"
		    "  1 to %d URLs; TOPIC is 1-64 characters of [a-zA-Z0-9_-]\n",
		    STORE_FANOUT_MAX);
		return 2;
	}
	if ((account = topic_account(c, c->argv[0])) == 0 ||
	    (eps = topic_urls(c, c->argv + 2, c->argc - 2)) == NULL)
		return 1;
	e = store_topic_put(c->st, account, c->argv[1], eps, dqtime_now_ms(), &t);
	free(eps);
	if (e == DQ_ERR_QUOTA) {
		fprintf(stderr, "dqctl: %s has as many topics as max_topics_per_account "
		    "allows\n", c->argv[0]);
		return 1;
	}
	if (e != DQ_OK)
		return ctl_err(c->argv[1], e);
	printf("set %s of %s: %d endpoints\n", t.name, c->argv[0], c->argc - 2);
	store_topic_free(&t);
	return 0;
}

int
cmd_topics_delete(struct ctl *c)
{
	enum dq_err e;
	uint32_t account;

	if (c->argc != 2) {
		fprintf(stderr, "usage: dqctl topics delete ACCOUNT TOPIC\n");
		return 2;
	}
	if ((account = topic_account(c, c->argv[0])) == 0)
		return 1;
	if ((e = store_topic_delete(c->st, account, c->argv[1])) == DQ_ERR_NOTFOUND) {
		fprintf(stderr, "dqctl: %s has no topic %s\n", c->argv[0], c->argv[1]);
		return 1;
	}
	if (e != DQ_OK)
		return ctl_err(c->argv[1], e);
	printf("deleted %s of %s\n", c->argv[1], c->argv[0]);
	return 0;
}
