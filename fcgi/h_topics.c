/*
 * /v1/topics (API.md 9): an account's named lists of endpoints, and the
 * fan-out of a create that names one: one ordinary job per endpoint, the
 * same in everything but its url and headers (the create's, then the
 * endpoint's, which replace the create's of the same name).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "handlers.h"
#include "jobreq.h"
#include "jsonw.h"
#include "listing.h"
#include "topics.h"

/* --- the topic object ---------------------------------------------------------- */

static void
topic_write(struct jw *w, const struct topic *t)
{
	jw_open(w, '{');
	jw_key(w, "name"); jw_str(w, t->name);
	jw_key(w, "endpoints"); jw_json(w, t->endpoints);
	jw_key(w, "created_at"); jw_time(w, t->created_at);
	jw_key(w, "updated_at"); jw_time(w, t->updated_at);
	jw_close(w, '}');
}

static void
topic_answer(struct resp *r, const struct req *q, const struct topic *t)
{
	struct jw w;

	jw_init(&w);
	topic_write(&w, t);
	resp_jw(r, q, 200, &w);
}

/* --- PUT: the endpoints checked, as the compact JSON the store keeps ----------- */

static int
topic_endpoint(const struct req *q, json_t *ep, size_t i, json_t *out, struct verr *e)
{
	char field[64];
	const char *k, *url;
	json_t *v, *hdrs = NULL;

	snprintf(field, sizeof(field), "endpoints[%zu]", i);
	if (!json_is_object(ep)) {
		verr_add(e, VERR_VALIDATION, field, "must be an object with url and headers");
		return -1;
	}
	json_object_foreach(ep, k, v) {
		snprintf(field, sizeof(field), "endpoints[%zu].%.20s", i, k);
		if (strcmp(k, "url") == 0) {
			if (!json_is_string(v) || json_string_length(v) < 1 ||
			    json_string_length(v) > JOB_URL_MAX) {
				verr_add(e, VERR_VALIDATION, field,
				    "must be a string of 1 to %d characters", JOB_URL_MAX);
				return -1;
			}
			if (jobreq_check_url(field, json_string_value(v),
			    q->conf->require_https, e) == -1)
				return -1;
		} else if (strcmp(k, "headers") == 0) {
			if (!json_is_null(v) && jobreq_check_headers(field, v, e) == -1)
				return -1;
			hdrs = json_is_null(v) ? NULL : v;
		} else {
			verr_add(e, VERR_VALIDATION, field, "is not a known field");
			return -1;
		}
	}
	if ((url = json_string_value(json_object_get(ep, "url"))) == NULL) {
		snprintf(field, sizeof(field), "endpoints[%zu].url", i);
		verr_add(e, VERR_MISSING_FIELD, field, "is required");
		return -1;
	}
	return json_array_append_new(out, json_pack("{s:s, s:O?}", "url", url,
	    "headers", hdrs)) == 0 ? 0 : -1;
}

/* The body's endpoints as compact JSON (new string), or NULL with e filled. */
static char *
topic_endpoints(const struct req *q, json_t *body, struct verr *e)
{
	json_t *eps = json_object_get(body, "endpoints"), *out, *v;
	const char *k;
	char *text = NULL;
	size_t i;

	json_object_foreach(body, k, v)
		if (strcmp(k, "endpoints") != 0)
			verr_add(e, VERR_VALIDATION, k, "is not a known field");
	if (eps == NULL || json_is_null(eps))
		verr_add(e, VERR_MISSING_FIELD, "endpoints", "is required");
	else if (!json_is_array(eps) || json_array_size(eps) < 1 ||
	    json_array_size(eps) > STORE_FANOUT_MAX)
		verr_add(e, VERR_VALIDATION, "endpoints",
		    "must be an array of 1 to %d endpoints", STORE_FANOUT_MAX);
	if (e->n > 0 || (out = json_array()) == NULL)
		return NULL;
	json_array_foreach(eps, i, v)
		if (topic_endpoint(q, v, i, out, e) == -1)
			break;
	if (e->n == 0 && (text = jobreq_compact(out)) == NULL)
		verr_add(e, VERR_VALIDATION, "endpoints", "cannot be encoded");
	json_decref(out);
	return text;
}

void
h_topic_put(struct req *q, struct resp *r)
{
	struct topic t;
	struct verr e;
	enum dq_err err;
	json_t *body;
	char *eps;

	if (list_name_param(q, r) == -1 || (body = req_json_object(q, r)) == NULL)
		return;
	verr_init(&e);
	if ((eps = topic_endpoints(q, body, &e)) == NULL) {
		resp_verr(r, q, &e);
		json_decref(body);
		return;
	}
	err = store_topic_put(q->st, q->account.id, q->param[0], eps, q->now, &t);
	if (err == DQ_ERR_QUOTA)
		list_quota(r, q, STORE_QUOTA_TOPICS);
	else if (err != DQ_OK)
		resp_dq_err(r, q, err, "topic");
	else
		topic_answer(r, q, &t);
	store_topic_free(&t);
	free(eps);
	json_decref(body);
}

void
h_topic_get(struct req *q, struct resp *r)
{
	struct topic t;
	enum dq_err err;

	if (list_name_param(q, r) == -1)
		return;
	if ((err = store_topic_get(q->st, q->account.id, q->param[0], &t)) != DQ_OK)
		resp_dq_err(r, q, err, "topic");
	else
		topic_answer(r, q, &t);
	store_topic_free(&t);
}

void
h_topic_delete(struct req *q, struct resp *r)
{
	enum dq_err err;

	if (list_name_param(q, r) == -1)
		return;
	if ((err = store_topic_delete(q->st, q->account.id, q->param[0])) != DQ_OK) {
		resp_dq_err(r, q, err, "topic");
		return;
	}
	resp_json(r, 200, json_pack("{s:s, s:b}", "name", q->param[0], "deleted", 1));
}

static const struct page_kind topic_list_kind = { "topics", "job_", list_name_check };

void
h_topic_list(struct req *q, struct resp *r)
{
	struct topic ts[STORE_LIST_MAX];
	struct store_name_query tq;
	struct page pg;
	enum dq_err err;
	int64_t total = 0;
	int n = 0, more = 0, i;
	char *cursor = NULL;
	struct jw w;

	if (list_name_page(q, &topic_list_kind, &pg, &tq, r) == -1)
		return;
	if ((err = store_topic_page(q->st, &tq, ts, &n, &more, &total)) != DQ_OK) {
		resp_dq_err(r, q, err, "topics");
		page_free(&pg);
		return;
	}
	if (more && n > 0)
		cursor = list_name_cursor(&pg, ts[n - 1].name);
	jw_init(&w);
	list_open(&w);
	for (i = 0; i < n; i++)
		topic_write(&w, &ts[i]);
	list_close(&w, total, &pg, cursor);
	resp_jw(r, q, 200, &w);
	for (i = 0; i < n; i++)
		store_topic_free(&ts[i]);
	free(cursor);
	page_free(&pg);
}

/* --- fan-out ----------------------------------------------------------------------- */

void
fanout_free(struct fanout *f)
{
	size_t i;

	for (i = 0; f->headers != NULL && i < f->n; i++)
		free(f->headers[i]);
	free(f->headers);
	free(f->jobs);
	json_decref(f->endpoints);
	memset(f, 0, sizeof(*f));
}

/* The create's headers, then the endpoint's (new object), checked. */
static json_t *
fanout_headers(json_t *base, json_t *ep, size_t i, struct verr *e)
{
	json_t *h = base ? json_deep_copy(base) : json_object(), *v, *hv;
	const char *k, *hk;
	void *tmp;
	char field[48];

	if (h == NULL)
		return NULL;
	json_object_foreach(ep, k, v) {
		json_object_foreach_safe(h, tmp, hk, hv)
			if (strcasecmp(hk, k) == 0)
				json_object_del(h, hk);
		json_object_set(h, k, v);
	}
	snprintf(field, sizeof(field), "headers (with endpoint %zu's)", i);
	if (jobreq_check_headers(field, h, e) == -1) {
		json_decref(h);
		return NULL;
	}
	return h;
}

/* One job per endpoint: 0, or -1 with e filled. */
static int
fanout_jobs(const struct jobreq *jr, struct fanout *f, struct verr *e)
{
	json_t *base = NULL, *ep, *eh, *h;
	size_t i;

	if (jr->job.headers != NULL && (base = json_loads(jr->job.headers, 0, NULL)) == NULL)
		return -1;
	f->n = json_array_size(f->endpoints);
	if ((f->jobs = calloc(f->n, sizeof(*f->jobs))) == NULL ||
	    (f->headers = calloc(f->n, sizeof(*f->headers))) == NULL) {
		json_decref(base);
		return -1;
	}
	for (i = 0; i < f->n && e->n == 0; i++) {
		ep = json_array_get(f->endpoints, i);
		f->jobs[i] = jr->job;
		f->jobs[i].url = json_string_value(json_object_get(ep, "url"));
		f->jobs[i].topic = f->topic;
		eh = json_object_get(ep, "headers");
		if (!json_is_object(eh) || json_object_size(eh) == 0)
			continue;	/* the create's own headers, as they are */
		if ((h = fanout_headers(base, eh, i, e)) == NULL)
			break;
		f->headers[i] = json_object_size(h) ? jobreq_compact(h) : NULL;
		f->jobs[i].headers = f->headers[i];
		json_decref(h);
	}
	json_decref(base);
	return e->n > 0 ? -1 : 0;
}

int
fanout_make(const struct req *q, const struct jobreq *jr, struct fanout *f,
    struct verr *e, enum dq_err *err)
{
	struct topic t;

	memset(f, 0, sizeof(*f));
	snprintf(f->topic, sizeof(f->topic), "%s", jr->topic);
	if ((*err = store_topic_get(q->st, q->account.id, jr->topic, &t)) != DQ_OK)
		return -1;
	f->endpoints = json_loads(t.endpoints, 0, NULL);
	store_topic_free(&t);
	if (!json_is_array(f->endpoints) || json_array_size(f->endpoints) < 1 ||
	    json_array_size(f->endpoints) > STORE_FANOUT_MAX) {
		*err = DQ_ERR_CORRUPT;
		fanout_free(f);
		return -1;
	}
	if (fanout_jobs(jr, f, e) == -1) {
		*err = e->n > 0 ? DQ_ERR_INVALID : DQ_ERR_NOMEM;
		fanout_free(f);
		return -1;
	}
	return 0;
}

void
fanout_jobs_write(struct jw *w, const struct req *q, const struct store_create *it)
{
	size_t i, n = it->njobs > 0 ? it->njobs : 1;

	if (it->result == STORE_DEDUPLICATED) {
		job_write_json(w, &it->existing, 1, q->now);
		for (i = 0; i < it->nmore; i++)
			job_write_json(w, &it->more[i], 1, q->now);
	} else
		for (i = 0; i < n; i++)
			job_write_json(w, &it->job[i], 0, q->now);
}

void
fanout_write(struct jw *w, const struct req *q, const char *topic,
    const struct store_create *it)
{
	jw_open(w, '{');
	jw_key(w, "topic"); jw_str(w, topic);
	jw_key(w, "jobs");
	jw_open(w, '[');
	fanout_jobs_write(w, q, it);
	jw_close(w, ']');
	jw_close(w, '}');
}
