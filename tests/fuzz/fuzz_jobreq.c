/*
 * Fuzz target: the job validator.  The input is a request body as
 * POST /v1/jobs and POST /v1/schedules receive it (a create may name a
 * topic instead of a url, and then has none); whatever jobreq_parse()
 * or sched_parse() accepts must keep the promises the dispatcher relies on
 * (no CR or LF in a header, a valid queue, limits held), and must survive
 * the store's record codec unchanged.  An input that is not JSON goes to
 * the record decoders instead, as a damaged record would.
 */
#include "config.h"

#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "job.h"
#include "jobreq.h"
#include "schedreq.h"

#define NOW	INT64_C(1790000000000)		/* 2026-09-21 */

static int
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* Header values may hold anything but CR and LF (and NUL, which JSON refuses). */
static void
check_headers(const char *text)
{
	json_t *h, *v;
	const char *k, *s;
	size_t n;

	if (text == NULL)
		return;
	FUZZ_CHECK((h = json_loads(text, 0, NULL)) != NULL && json_is_object(h));
	json_object_foreach(h, k, v) {
		FUZZ_CHECK(json_is_string(v) && k[0] != '\0');
		s = json_string_value(v);
		n = json_string_length(v);
		FUZZ_CHECK(memchr(s, '\r', n) == NULL && memchr(s, '\n', n) == NULL);
		FUZZ_CHECK(strlen(s) == n);
		FUZZ_CHECK(strpbrk(k, "\r\n: ") == NULL);
	}
	json_decref(h);
}

static void
check_job(const struct job *j)
{
	struct job d;
	json_t *o;
	void *rec;
	size_t len;

	FUZZ_CHECK(j->url != NULL && strlen(j->url) <= JOB_URL_MAX);
	FUZZ_CHECK(strpbrk(j->url, "\r\n ") == NULL);
	FUZZ_CHECK(jobreq_queue_valid(j->queue));
	FUZZ_CHECK(j->max_attempts >= 1 && j->max_attempts <= 100);
	FUZZ_CHECK(j->timeout_ms >= 1000 && j->timeout_ms <= 15 * 60000);
	FUZZ_CHECK(j->method < JOB_NMETHOD);
	FUZZ_CHECK(j->due_at >= j->created_at);
	check_headers(j->headers);
	FUZZ_CHECK((rec = job_encode(j, &len)) != NULL);
	FUZZ_CHECK(job_decode(rec, len, &d) == 0);
	FUZZ_CHECK(same(d.url, j->url) && same(d.queue, j->queue) &&
	    same(d.payload, j->payload) && same(d.headers, j->headers) &&
	    same(d.callback_url, j->callback_url) &&
	    same(d.dedupe_key, j->dedupe_key) && same(d.topic, j->topic) &&
	    d.method == j->method &&
	    d.due_at == j->due_at && d.max_attempts == j->max_attempts);
	FUZZ_CHECK((o = job_to_json(&d, 0, NOW)) != NULL);
	json_decref(o);
	job_free(&d);
	free(rec);
}

static void
fuzz_job(json_t *body, int require_https)
{
	struct jobreq_ctx ctx = { NOW, 3, 30000, require_https, NULL };
	struct jobreq r;
	struct verr e;

	verr_init(&e);
	if (jobreq_parse(body, JOBREQ_CREATE, &ctx, &r, &e) == 0) {
		FUZZ_CHECK(e.n == 0);
		/* a create naming a topic has no url: each endpoint gives one */
		FUZZ_CHECK((r.topic == NULL) != (r.job.url == NULL));
		if (r.topic != NULL) {
			FUZZ_CHECK(jobreq_queue_valid(r.topic));
			r.job.url = "https://endpoint.example/";
			r.job.topic = r.topic;
		}
		check_job(&r.job);
	} else
		FUZZ_CHECK(e.n > 0);
	jobreq_free(&r);
}

static void
fuzz_schedule(json_t *body)
{
	struct jobreq_ctx ctx = { NOW, 3, 30000, 0, NULL };
	struct schedule s, d;
	struct jobreq r;
	struct verr e;
	json_t *o;
	void *rec;
	size_t len;

	verr_init(&e);
	if (sched_parse(body, &ctx, &s, &r, &e) == -1) {
		FUZZ_CHECK(e.n > 0);
		return;
	}
	FUZZ_CHECK(s.paused || s.next_run_at > NOW);
	check_job(&s.tmpl);
	FUZZ_CHECK((rec = sched_encode(&s, &len)) != NULL);
	FUZZ_CHECK(sched_decode(rec, len, &d) == 0);
	FUZZ_CHECK(same(d.cron, s.cron) && same(d.timezone, s.timezone) &&
	    same(d.name, s.name) && same(d.tmpl.url, s.tmpl.url));
	FUZZ_CHECK((o = sched_to_json(&d)) != NULL);
	json_decref(o);
	sched_free(&d);
	free(rec);
	jobreq_free(&r);
}

/* A damaged record must be refused or decoded, never read out of bounds. */
static void
fuzz_records(const uint8_t *data, size_t size)
{
	struct schedule s;
	struct job j;
	json_t *o;

	if (job_decode(data, size, &j) == 0) {
		if ((o = job_to_json(&j, 0, NOW)) != NULL)
			json_decref(o);
		job_free(&j);
	}
	if (sched_decode(data, size, &s) == 0) {
		if ((o = sched_to_json(&s)) != NULL)
			json_decref(o);
		sched_free(&s);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *body;

	body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (body == NULL || !json_is_object(body)) {
		json_decref(body);
		fuzz_records(data, size);
		return 0;
	}
	fuzz_job(body, 0);
	fuzz_job(body, 1);
	fuzz_schedule(body);
	json_decref(body);
	return 0;
}
