/*
 * /v1/queues (API.md 7): settings and counts of an account's queues, pause,
 * resume and purge.  The dispatcher enforces the settings; a wake-up tells it
 * they changed.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "jobreq.h"
#include "jsonw.h"
#include "listing.h"
#include "wakeup.h"

static json_t *
queue_json(const struct queue_info *qi)
{
	json_t *counts = json_object();
	int s;

	for (s = 0; s < JOB_NSTATUS; s++)
		json_object_set_new(counts, job_status_name((enum job_status)s),
		    json_integer(qi->counts[s]));
	return json_pack("{s:s, s:b, s:b, s:o, s:o, s:o}", "name", qi->name,
	    "paused", qi->paused, "ordered", qi->ordered,
	    "concurrency", qi->concurrency > 0 ? json_integer(qi->concurrency) :
	    json_null(),
	    "rate_per_second", qi->rate_per_second > 0 ?
	    json_real(qi->rate_per_second) : json_null(),
	    "counts", counts);
}

static const struct page_kind queue_list_kind = { "queues", "job_", list_name_check };

void
h_queue_list(struct req *q, struct resp *r)
{
	struct queue_info qi[STORE_LIST_MAX];
	struct store_name_query lq;
	struct page pg;
	enum dq_err err;
	int64_t total = 0;
	int n = 0, more = 0, i;
	json_t *item;
	char *cursor = NULL;
	struct jw w;

	if (list_name_page(q, &queue_list_kind, &pg, &lq, r) == -1)
		return;
	if ((err = store_queue_page(q->st, &lq, qi, &n, &more, &total)) != DQ_OK) {
		resp_dq_err(r, q, err, "queues");
		page_free(&pg);
		return;
	}
	if (more && n > 0)
		cursor = list_name_cursor(&pg, qi[n - 1].name);
	jw_init(&w);
	list_open(&w);
	for (i = 0; i < n; i++) {
		item = queue_json(&qi[i]);
		jw_value(&w, item);
		json_decref(item);
	}
	list_close(&w, total, &pg, cursor);
	resp_jw(r, q, 200, &w);
	free(cursor);
	page_free(&pg);
}

void
h_queue_get(struct req *q, struct resp *r)
{
	struct queue_info qi;
	enum dq_err err;

	if (list_name_param(q, r) == -1)
		return;
	if ((err = store_queue_get(q->st, q->account.id, q->param[0], &qi)) != DQ_OK) {
		resp_dq_err(r, q, err, "queue");
		return;
	}
	resp_json(r, 200, queue_json(&qi));
}

static void
queue_change(struct req *q, struct resp *r, const struct queue_change *ch)
{
	struct queue_info qi;
	enum dq_err err;

	err = store_queue_set(q->st, q->account.id, q->param[0], ch, q->now, &qi);
	if (err == DQ_ERR_QUOTA) {
		list_quota(r, q, STORE_QUOTA_QUEUES);
		return;
	}
	if (err != DQ_OK) {
		resp_dq_err(r, q, err, "queue");
		return;
	}
	wakeup_send(WAKEUP_QUEUE, q->account.id, qi.name, 0);
	resp_json(r, 200, queue_json(&qi));
}

static void
queue_field(const char *k, json_t *v, struct queue_change *ch, struct verr *e)
{
	if (strcmp(k, "paused") == 0) {
		if (!json_is_boolean(v))
			verr_add(e, VERR_VALIDATION, k, "must be true or false");
		ch->set_paused = 1;
		ch->paused = json_is_true(v);
	} else if (strcmp(k, "concurrency") == 0) {
		if (!json_is_null(v) && (!json_is_integer(v) ||
		    json_integer_value(v) < 1 || json_integer_value(v) > 10000))
			verr_add(e, VERR_VALIDATION, k, "must be 1 to 10000, or null");
		ch->set_concurrency = 1;
		ch->concurrency = json_is_integer(v) ? json_integer_value(v) : 0;
	} else if (strcmp(k, "ordered") == 0) {
		if (!json_is_boolean(v))
			verr_add(e, VERR_VALIDATION, k, "must be true or false");
		ch->set_ordered = 1;
		ch->ordered = json_is_true(v);
	} else if (strcmp(k, "rate_per_second") == 0) {
		if (!json_is_null(v) && (!json_is_number(v) ||
		    !(json_number_value(v) >= 0.01 && json_number_value(v) <= 100000)))
			verr_add(e, VERR_VALIDATION, k, "must be 0.01 to 100000, or null");
		ch->set_rate = 1;
		ch->rate_per_second = json_is_number(v) ? json_number_value(v) : 0;
	} else
		verr_add(e, VERR_VALIDATION, k, "is not a known field");
}

void
h_queue_put(struct req *q, struct resp *r)
{
	struct queue_change ch;
	struct verr e;
	const char *k;
	json_t *body, *v;

	if (list_name_param(q, r) == -1 || (body = req_json_object(q, r)) == NULL)
		return;
	memset(&ch, 0, sizeof(ch));
	verr_init(&e);
	json_object_foreach(body, k, v)
		queue_field(k, v, &ch, &e);
	if (e.n > 0)
		resp_verr(r, q, &e);
	else
		queue_change(q, r, &ch);
	json_decref(body);
}

static void
queue_pause_to(struct req *q, struct resp *r, int paused)
{
	struct queue_change ch;

	if (list_name_param(q, r) == -1)
		return;
	memset(&ch, 0, sizeof(ch));
	ch.set_paused = 1;
	ch.paused = paused;
	queue_change(q, r, &ch);
}

void
h_queue_pause(struct req *q, struct resp *r)
{
	queue_pause_to(q, r, 1);
}

void
h_queue_resume(struct req *q, struct resp *r)
{
	queue_pause_to(q, r, 0);
}

void
h_queue_purge(struct req *q, struct resp *r)
{
	int64_t n;
	enum dq_err err;

	if (list_name_param(q, r) == -1)
		return;
	err = store_queue_purge(q->st, q->account.id, q->param[0], q->now, &n);
	if (err != DQ_OK) {
		resp_dq_err(r, q, err, "queue");
		return;
	}
	resp_json(r, 200, json_pack("{s:I}", "cancelled", (json_int_t)n));
}
