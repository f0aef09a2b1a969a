/*
 * /v1/jobs: create, batch create, read, list and the attempts history
 * (API.md 4.1-4.4, 4.6, 4.7).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "dqtime.h"
#include "handlers.h"
#include "jobreq.h"
#include "jsonw.h"
#include "listing.h"
#include "metrics.h"
#include "query.h"
#include "topics.h"
#include "utf8.h"
#include "wakeup.h"

#define BATCH_MAX	100
#define BATCH_JOBS_MAX	1000	/* jobs one batch may make, with topics' fan-outs */

/* SHA-256 of the body re-encoded canonically (sorted keys, compact). */
static int
jobs_body_hash(json_t *body, unsigned char out[CRYPTO_SHA256_LEN])
{
	char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);

	if (text == NULL)
		return -1;
	crypto_sha256(text, strlen(text), out);
	free(text);
	return 0;
}

static int
jobs_idem_header(const struct req *q, struct resp *r)
{
	const char *k = q->idempotency_key;
	struct verr e;

	if (k == NULL)
		return 0;
	if (*k != '\0' && strlen(k) <= JOB_KEY_MAX && utf8_valid(k))
		return 0;
	verr_init(&e);
	verr_add(&e, VERR_VALIDATION, "Idempotency-Key",
	    "header must be 1 to 255 bytes of UTF-8 text");
	resp_verr(r, q, &e);
	return -1;
}

/* A created item answers 201 with the new job, a deduplicated one 200
 * with the job it matched. */
static int
jobs_status(const struct store_create *it)
{
	return it->result == STORE_DEDUPLICATED ? 200 : 201;
}

static void
jobs_write(const struct req *q, const struct store_create *it, struct jw *w)
{
	if (it->fanout)
		fanout_write(w, q, it->job->topic != NULL ? it->job->topic :
		    it->existing.topic, it);
	else if (it->result == STORE_DEDUPLICATED)
		job_write_json(w, &it->existing, 1, q->now);
	else
		job_write_json(w, it->job, 0, q->now);
}

/* The jobs an item created (one, or a topic's fan-out): count them, and
 * tell the dispatcher about new pending work once it is committed. */
static void
jobs_created(const struct store_create *it)
{
	size_t i, n = it->njobs > 0 ? it->njobs : 1;
	const struct job *j;

	if (it->result != STORE_CREATED)
		return;
	metrics_jobs_created((unsigned)n);
	for (i = 0; i < n; i++) {
		j = &it->job[i];
		if (j->status == JOB_PENDING)
			wakeup_send(WAKEUP_JOB, j->account, j->queue, j->due_at);
	}
}

/*
 * An item naming a topic becomes its fan-out.  0, or -1 with the error:
 * an error object (new) and its status for a batch item, or answered on r
 * when r is given (the whole create).
 */
static int
jobs_fanout(const struct req *q, struct resp *r, struct jobreq *jr,
    struct fanout *f, struct store_create *it, json_t **error, int *status)
{
	struct verr e;
	enum dq_err err;

	verr_init(&e);
	if (fanout_make(q, jr, f, &e, &err) == 0) {
		it->job = f->jobs;
		it->njobs = f->n;
		it->fanout = 1;
		return 0;
	}
	if (err == DQ_ERR_INVALID && r != NULL)
		resp_verr(r, q, &e);
	else if (err == DQ_ERR_INVALID) {
		*error = resp_verr_object(q, &e);
		*status = 400;
	} else if (err == DQ_ERR_NOTFOUND && r == NULL) {
		*error = resp_error_object(q, "not_found", NULL, "topic %s not found",
		    jr->topic);
		*status = 404;
	} else if (r != NULL)
		resp_dq_err(r, q, err, "topic");
	else
		return -2;	/* the store failed: the whole batch does */
	return -1;
}

void
h_job_create(struct req *q, struct resp *r)
{
	unsigned char hash[CRYPTO_SHA256_LEN];
	struct store_create it;
	struct jobreq_ctx ctx;
	struct fanout f;
	struct jobreq jr;
	struct verr e;
	enum dq_err err;
	json_t *body;
	struct jw w;

	if (jobs_idem_header(q, r) == -1 || (body = req_json_object(q, r)) == NULL)
		return;
	req_jobreq_ctx(q, &ctx);
	verr_init(&e);
	if (jobreq_parse(body, JOBREQ_CREATE, &ctx, &jr, &e) == -1) {
		resp_verr(r, q, &e);
		goto done;
	}
	memset(&it, 0, sizeof(it));
	memset(&f, 0, sizeof(f));
	it.job = &jr.job;
	if (q->idempotency_key != NULL) {
		jr.job.idempotency_key = q->idempotency_key;
		if (jobs_body_hash(body, hash) == 0)
			it.idem_hash = hash;
	}
	if (jr.topic != NULL && jobs_fanout(q, r, &jr, &f, &it, NULL, NULL) != 0)
		goto free;
	if ((err = store_jobs_create(q->st, q->account.id, &it, 1)) != DQ_OK)
		resp_dq_err(r, q, err, "job");
	else if (it.result == STORE_IDEM_REUSED)
		resp_dq_err(r, q, DQ_ERR_IDEM_REUSED, NULL);
	else if (it.result == STORE_OVER_QUOTA)
		list_quota(r, q, it.quota);
	else {
		jw_init(&w);
		jobs_write(q, &it, &w);
		resp_jw(r, q, jobs_status(&it), &w);
		jobs_created(&it);
	}
free:
	store_create_free(&it);
	fanout_free(&f);
	jobreq_free(&jr);
done:
	json_decref(body);
}

/* --- batch ------------------------------------------------------------------ */

struct batch_item {
	struct jobreq	 jr;
	struct fanout	 f;		/* when it names a topic */
	json_t		*error;		/* set when the item was refused */
	int		 status;	/* then: 400, 404, or 422 over a quota */
	int		 valid;
};

static int
batch_jobs(const struct req *q, struct resp *r, json_t *body, json_t **jobs)
{
	struct verr e;
	const char *k;
	json_t *v;

	verr_init(&e);
	json_object_foreach(body, k, v)
		if (strcmp(k, "jobs") != 0)
			verr_add(&e, VERR_VALIDATION, k, "is not a known field");
	*jobs = json_object_get(body, "jobs");
	if (*jobs == NULL)
		verr_add(&e, VERR_MISSING_FIELD, "jobs", "is required");
	else if (!json_is_array(*jobs) || json_array_size(*jobs) < 1 ||
	    json_array_size(*jobs) > BATCH_MAX)
		verr_add(&e, VERR_VALIDATION, "jobs",
		    "must be an array of 1 to %d job objects", BATCH_MAX);
	if (e.n == 0)
		return 0;
	resp_verr(r, q, &e);
	return -1;
}

/* An item naming a topic: its fan-out, within the batch's BATCH_JOBS_MAX.
 * 0, -1 refused (the item's error set), -2 the store failed. */
static int
batch_fanout(const struct req *q, struct batch_item *it, size_t i,
    struct store_create *c, size_t *njobs)
{
	int ret;

	if ((ret = jobs_fanout(q, NULL, &it->jr, &it->f, c, &it->error,
	    &it->status)) != 0)
		return ret;
	if (*njobs + it->f.n - 1 <= BATCH_JOBS_MAX) {
		*njobs += it->f.n - 1;
		return 0;
	}
	it->error = resp_error_object(q, "validation_error", json_pack("[{s:s, s:s}]",
	    "field", "topic", "message", "would make the batch more than 1000 jobs"),
	    "jobs[%zu]: topic %s would make the batch more than %d jobs", i,
	    it->jr.topic, BATCH_JOBS_MAX);
	it->status = 400;
	return -1;
}

/* -1 when the store failed (answered on r). */
static int
batch_validate(const struct req *q, struct resp *r, json_t *jobs,
    struct batch_item *items, struct store_create *creates, size_t *ncreate)
{
	struct jobreq_ctx ctx;
	struct verr e;
	size_t i, njobs = 0;
	json_t *v;
	int ret;

	req_jobreq_ctx(q, &ctx);
	*ncreate = 0;
	json_array_foreach(jobs, i, v) {
		verr_init(&e);
		items[i].status = 400;
		if (!json_is_object(v)) {
			items[i].error = resp_error_object(q, "invalid_request", NULL,
			    "jobs[%zu] must be a JSON object", i);
			continue;
		}
		if (jobreq_parse(v, JOBREQ_CREATE, &ctx, &items[i].jr, &e) == -1) {
			items[i].error = resp_verr_object(q, &e);
			continue;
		}
		memset(&creates[*ncreate], 0, sizeof(creates[0]));
		creates[*ncreate].job = &items[i].jr.job;
		if (items[i].jr.topic != NULL && (ret = batch_fanout(q, &items[i], i,
		    &creates[*ncreate], &njobs)) != 0) {
			if (ret == -2) {
				resp_dq_err(r, q, DQ_ERR_BUSY, "topic");
				return -1;
			}
			continue;
		}
		njobs++;
		items[i].valid = 1;
		(*ncreate)++;
	}
	return 0;
}

static void
batch_write_item(const struct req *q, struct batch_item *it,
    struct store_create *c, struct jw *w)
{
	jw_open(w, '{');
	if (it->valid && c->result == STORE_OVER_QUOTA) {
		it->error = list_quota_object(q, c->quota);
		it->status = 422;
	}
	jw_key(w, "status");
	if (it->error != NULL) {
		jw_int(w, it->status);
		jw_key(w, "error");
		jw_value(w, it->error);
	} else {
		jw_int(w, jobs_status(c));
		if (c->fanout) {	/* {"status", "topic", "jobs"} */
			jw_key(w, "topic"); jw_str(w, c->job->topic);
			jw_key(w, "jobs");
			jw_open(w, '[');
			fanout_jobs_write(w, q, c);
			jw_close(w, ']');
		} else {
			jw_key(w, "job");
			jobs_write(q, c, w);
		}
		jobs_created(c);
	}
	jw_close(w, '}');
}

void
h_job_batch(struct req *q, struct resp *r)
{
	struct batch_item items[BATCH_MAX];
	struct store_create creates[BATCH_MAX];
	json_t *body, *jobs;
	size_t i, n, nc = 0, c = 0;
	enum dq_err err;
	struct jw w;

	if ((body = req_json_object(q, r)) == NULL)
		return;
	if (batch_jobs(q, r, body, &jobs) == -1)
		goto done;
	n = json_array_size(jobs);
	memset(items, 0, sizeof(items));
	if (batch_validate(q, r, jobs, items, creates, &nc) == -1)
		goto free;
	if (nc > 0 && (err = store_jobs_create(q->st, q->account.id, creates,
	    nc)) != DQ_OK) {
		resp_dq_err(r, q, err, "job");
		goto free;
	}
	jw_init(&w);
	jw_open(&w, '{');
	jw_key(&w, "data");
	jw_open(&w, '[');
	for (i = 0; i < n; i++)
		batch_write_item(q, &items[i], items[i].valid ? &creates[c++] : NULL, &w);
	jw_close(&w, ']');
	jw_close(&w, '}');
	resp_jw(r, q, 200, &w);
free:
	for (i = 0; i < nc; i++)
		store_create_free(&creates[i]);
	for (i = 0; i < n; i++) {
		fanout_free(&items[i].f);
		jobreq_free(&items[i].jr);
		json_decref(items[i].error);
	}
done:
	json_decref(body);
}

/* --- read ------------------------------------------------------------------- */

void
h_job_get(struct req *q, struct resp *r)
{
	struct job j;
	enum dq_err err;

	if (!ids_valid(q->param[0], "job_", 16)) {
		resp_dq_err(r, q, DQ_ERR_NOTFOUND, "job");
		return;
	}
	if ((err = store_job_get(q->st, q->account.id, q->param[0], &j)) != DQ_OK) {
		resp_dq_err(r, q, err, "job");
		return;
	}
	resp_job(r, q, 200, &j, 0);
	job_free(&j);
}

static const char *const list_params[] = {
	"status", "queue", "schedule_id", "limit", "offset", "cursor", NULL
};

/* The list's filters, from the query string or a cursor alike. */
static void
list_check(json_t *f, struct verr *e)
{
	enum job_status st;
	const char *k, *v;
	json_t *jv;

	json_object_foreach(f, k, jv) {
		v = json_string_value(jv);
		if (strcmp(k, "status") == 0 && (v == NULL || job_status_parse(v, &st) == -1))
			verr_add(e, VERR_INVALID_QUERY, "status", "must be one of pending, "
			    "awaiting_approval, active, completed, failed, cancelled");
		else if (strcmp(k, "queue") == 0 && (v == NULL || !jobreq_queue_valid(v)))
			verr_add(e, VERR_INVALID_QUERY, "queue",
			    "must be 1 to 64 characters of [a-zA-Z0-9_-]");
		else if (strcmp(k, "schedule_id") == 0 && (v == NULL ||
		    !ids_valid(v, "sch_", 16)))
			verr_add(e, VERR_INVALID_QUERY, "schedule_id", "is not a schedule id");
		else if (strcmp(k, "status") != 0 && strcmp(k, "queue") != 0 &&
		    strcmp(k, "schedule_id") != 0)
			verr_add(e, VERR_INVALID_QUERY, k, "is not a known filter");
	}
}

static const struct page_kind list_kind = { "jobs", "job_", list_check };

/* The request's filters as a JSON object (checked by page_parse). */
static json_t *
list_filters(const struct query *qs)
{
	static const char *const names[] = { "status", "queue", "schedule_id" };
	json_t *f = json_object(), *js;
	const char *v;
	size_t i;

	for (i = 0; f != NULL && i < sizeof(names) / sizeof(names[0]); i++) {
		if ((v = query_get(qs, names[i])) == NULL)
			continue;
		/* not UTF-8: null, which the check refuses */
		if ((js = json_string(v)) == NULL)
			js = json_null();
		json_object_set_new(f, names[i], js);
	}
	return f;
}

static void
list_query(const struct page *p, uint32_t account, struct store_list_query *lq)
{
	const char *status = json_string_value(json_object_get(p->filters, "status"));
	enum job_status st;

	memset(lq, 0, sizeof(*lq));
	lq->account = account;
	lq->status = status && job_status_parse(status, &st) == 0 ? (int)st : -1;
	lq->queue = json_string_value(json_object_get(p->filters, "queue"));
	lq->schedule_id = json_string_value(json_object_get(p->filters, "schedule_id"));
	lq->limit = p->limit;
	lq->offset = p->offset;
	lq->has_after = p->has_after;
	lq->after_created = p->after_created;
	if (p->has_after)
		memcpy(lq->after_id, p->after_id, sizeof(lq->after_id));
}

void
h_job_list(struct req *q, struct resp *r)
{
	struct job jobs[100];
	struct store_list_query lq;
	struct query qs;
	struct page pg;
	struct verr e;
	enum dq_err err;
	int64_t total;
	int n = 0, more, i;
	struct jw w;
	char *cursor = NULL;

	verr_init(&e);
	memset(&pg, 0, sizeof(pg));
	if (query_parse(&qs, q->query, list_params, &e) == 0)
		list_page(&qs, &list_kind, q->account.id, list_filters(&qs), &pg, &e);
	if (e.n > 0) {
		resp_verr(r, q, &e);
		page_free(&pg);
		return;
	}
	list_query(&pg, q->account.id, &lq);
	if ((err = store_jobs_list(q->st, &lq, jobs, &n, &more, &total)) != DQ_OK) {
		resp_dq_err(r, q, err, "jobs");
		page_free(&pg);
		return;
	}
	if (more && n > 0)
		cursor = page_cursor(&pg, jobs[n - 1].created_at, jobs[n - 1].id);
	jw_init(&w);
	list_open(&w);
	for (i = 0; i < n; i++)
		job_write_json(&w, &jobs[i], 0, q->now);
	list_close(&w, total, &pg, cursor);
	resp_jw(r, q, 200, &w);
	free(cursor);
	for (i = 0; i < n; i++)
		job_free(&jobs[i]);
	page_free(&pg);
}

/* --- attempts ----------------------------------------------------------------- */

static json_t *
attempt_time(int64_t ms)
{
	char buf[DQ_TIME_LEN + 1];

	return ms ? json_string(dqtime_format(ms, buf, sizeof(buf))) : json_null();
}

/*
 * The attempts of one job as the API shows them.  Their answers' bodies
 * are shown newest first up to ATTEMPTS_BODY_BUDGET bytes in all; older
 * ones past that are null with "response_body_omitted": true, so that the
 * list stays small however large each answer was (max_response_body).
 */
#define ATTEMPTS_BODY_BUDGET	(1 << 20)

struct attempts {
	json_t	*data;
	size_t	 sizes[STORE_ATTEMPTS_FIRST + STORE_ATTEMPTS_LATEST + 1];
	size_t	 n;
};

/* Called with NULL when a retried transaction starts the list again. */
static int
attempt_add(const struct attempt *at, void *arg)
{
	struct attempts *as = arg;
	json_t *body = NULL;

	if (at == NULL) {
		as->n = 0;
		return json_array_clear(as->data);
	}
	if (as->n < sizeof(as->sizes) / sizeof(as->sizes[0]))
		as->sizes[as->n++] = at->response_body ? strlen(at->response_body) : 0;
	/* JSON answers parsed, anything else as a string, as on the job. */
	if (at->response_body != NULL && at->response_is_json)
		body = json_loads(at->response_body, JSON_DECODE_ANY, NULL);
	if (at->response_body != NULL && body == NULL)
		body = json_string(at->response_body);
	if (body == NULL)
		body = json_null();
	/* an attempt that never finished was cut short by a dispatcher crash */
	json_array_append_new(as->data, json_pack("{s:i, s:b, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "attempt", at->n, "interrupted", at->finished_at == 0,
	    "started_at", attempt_time(at->started_at),
	    "finished_at", attempt_time(at->finished_at),
	    "duration_ms", at->duration_ms >= 0 ? json_integer(at->duration_ms) :
	    json_null(), "response_code", at->response_code ?
	    json_integer(at->response_code) : json_null(), "response_body", body,
	    "error", at->error ? json_string(at->error) : json_null()));
	return 0;
}

static void
attempts_cap(struct attempts *as)
{
	size_t i = as->n, used = 0;
	json_t *a;

	while (i-- > 0) {
		used += as->sizes[i];
		if (used <= ATTEMPTS_BODY_BUDGET || as->sizes[i] == 0)
			continue;
		a = json_array_get(as->data, i);
		json_object_set_new(a, "response_body", json_null());
		json_object_set_new(a, "response_body_omitted", json_true());
	}
}

void
h_job_attempts(struct req *q, struct resp *r)
{
	struct attempts as;
	enum dq_err err;
	int made = 0;

	if (!ids_valid(q->param[0], "job_", 16)) {
		resp_dq_err(r, q, DQ_ERR_NOTFOUND, "job");
		return;
	}
	as.data = json_array();
	as.n = 0;
	err = store_attempts_list(q->st, q->account.id, q->param[0], attempt_add, &as,
	    &made);
	if (err != DQ_OK) {
		json_decref(as.data);
		resp_dq_err(r, q, err, "job");
		return;
	}
	attempts_cap(&as);
	/* made: attempts ever made; those between the first and the latest
	 * kept are omitted (store.h) */
	resp_json(r, 200, json_pack("{s:o, s:i, s:i}", "data", as.data, "total", made,
	    "omitted", made > (int)json_array_size(as.data) ?
	    made - (int)json_array_size(as.data) : 0));
}
