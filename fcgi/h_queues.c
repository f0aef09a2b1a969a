/*
 * /v1/queues (API.md 7): settings and counts of an account's queues, pause,
 * resume and purge.  The dispatcher enforces the settings; a wake-up tells it
 * they changed.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "handlers.h"
#include "jobreq.h"
#include "wakeup.h"

static json_t *
queue_json(const struct queue_info *qi)
{
	json_t *counts = json_object();
	int s;

	for (s = 0; s < JOB_NSTATUS; s++)
		json_object_set_new(counts, job_status_name((enum job_status)s),
		    json_integer(qi->counts[s]));
	return json_pack("{s:s, s:b, s:o, s:o, s:o}", "name", qi->name,
	    "paused", qi->paused,
	    "concurrency", qi->concurrency > 0 ? json_integer(qi->concurrency) :
	    json_null(),
	    "rate_per_second", qi->rate_per_second > 0 ?
	    json_real(qi->rate_per_second) : json_null(),
	    "counts", counts);
}

/* The {name} of the path; 0, or -1 with a 400 answered. */
static int
queue_name(struct req *q, struct resp *r)
{
	struct verr e;

	if (jobreq_queue_valid(q->param[0]))
		return 0;
	verr_init(&e);
	verr_add(&e, VERR_VALIDATION, "name",
	    "must be 1 to 64 characters of [a-zA-Z0-9_-]");
	resp_verr(r, q, &e);
	return -1;
}

static int
queue_list_add(const struct queue_info *qi, void *arg)
{
	json_array_append_new(arg, queue_json(qi));
	return 0;
}

void
h_queue_list(struct req *q, struct resp *r)
{
	json_t *data = json_array();
	enum dq_err err;

	if (q->query[0] != '\0') {
		json_decref(data);
		resp_error(r, q, 400, "invalid_query", NULL,
		    "this list takes no query parameters");
		return;
	}
	err = store_queue_list(q->st, q->account.id, 1, queue_list_add, data);
	if (err != DQ_OK) {
		json_decref(data);
		resp_dq_err(r, q, err, "queues");
		return;
	}
	resp_json(r, 200, json_pack("{s:o}", "data", data));
}

void
h_queue_get(struct req *q, struct resp *r)
{
	struct queue_info qi;
	enum dq_err err;

	if (queue_name(q, r) == -1)
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

	if (queue_name(q, r) == -1 || (body = req_json_object(q, r)) == NULL)
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

	if (queue_name(q, r) == -1)
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

	if (queue_name(q, r) == -1)
		return;
	err = store_queue_purge(q->st, q->account.id, q->param[0], q->now, &n);
	if (err != DQ_OK) {
		resp_dq_err(r, q, err, "queue");
		return;
	}
	resp_json(r, 200, json_pack("{s:I}", "cancelled", (json_int_t)n));
}
