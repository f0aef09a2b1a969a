/*
 * Unit tests for common/model/job.c and jobact.c: the record codec (round
 * trips, and refusal of truncated, padded or garbled records), the API's job
 * object of API.md 4.2 (exact key set, nulls, actions, retries_remaining,
 * next_retry_in_seconds, response_body), and the lifecycle actions of 4.5.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dqtime.h"
#include "job.h"
#include "tap.h"

#define T0	1938038400000LL		/* 2031-06-01T00:00:00.000Z */

/* A job with every field set to something distinct. */
static void
job_full(struct job *j)
{
	job_init(j);
	memcpy(j->id, "job_AbCdEfGh01234567", ID_JOB_LEN + 1);
	j->account = 0x01020304;
	j->status = JOB_ACTIVE;
	j->method = JOB_PATCH;
	j->requires_approval = 1;
	j->attempts = 2;
	j->max_attempts = 7;
	j->attempt_seq = 11;
	j->interrupts = 4;
	j->created_at = T0;
	j->updated_at = T0 + 1;
	j->delay_until = T0 + 2;
	j->due_at = T0 + 3;
	j->started_at = T0 + 4;
	j->finished_at = T0 + 5;
	j->next_retry_at = T0 + 6;
	j->approved_at = T0 + 7;
	j->lease_until = T0 + 8;
	j->lease_owner = -123456789012345LL;
	j->lease_pid = 4000000000u;
	j->timeout_ms = 120000;
	j->duration_ms = 1234;
	j->response_code = 503;
	j->response_is_json = 1;
	j->cb_status = JOB_CB_DELIVERED;
	j->cb_attempts = 3;
	j->cb_due_at = T0 + 9;
	j->url = "https://example.com/hook?a=1";
	j->queue = "emails";
	j->payload = "{\"to\":\"a@example.com\",\"n\":[1,2]}";
	j->headers = "{\"X-Trace\":\"t1\"}";
	j->dedupe_key = "order-42";
	j->idempotency_key = "idem-\xc3\xa9";
	j->callback_url = "https://cb.example.com/done";
	j->schedule_id = "sch_0123456789abcdef";
	j->approved_by = "alice";
	j->last_error = "HTTP 503";
	j->response_body = "{\"error\":\"busy\"}";
	j->order_at = T0 + 10;
	j->seq = 77;
	j->topic = "orders";
}

/* The bytes version 3 added at the end of job_full's record. */
#define V3_TAIL	(8 + 8 + 4 + sizeof("orders"))

/* The least a record can hold: url and queue, everything else unset. */
static void
job_bare(struct job *j)
{
	job_init(j);
	memcpy(j->id, "job_0000000000000000", ID_JOB_LEN + 1);
	j->account = 1;
	j->max_attempts = 3;
	j->created_at = j->updated_at = j->due_at = T0;
	j->timeout_ms = 30000;
	j->url = "http://example.com/";
	j->queue = "default";
}

/* Every field of b equals a's; strings of b live in b->mem. */
static void
job_same(const struct job *a, const struct job *b, int line)
{
	const char *const sa[] = { a->url, a->queue, a->payload, a->headers,
	    a->dedupe_key, a->idempotency_key, a->callback_url, a->schedule_id,
	    a->approved_by, a->last_error, a->response_body, a->topic };
	const char *const sb[] = { b->url, b->queue, b->payload, b->headers,
	    b->dedupe_key, b->idempotency_key, b->callback_url, b->schedule_id,
	    b->approved_by, b->last_error, b->response_body, b->topic };

	if (strcmp(a->id, b->id) != 0 || a->account != b->account ||
	    a->status != b->status || a->method != b->method ||
	    a->requires_approval != b->requires_approval ||
	    a->attempts != b->attempts || a->max_attempts != b->max_attempts ||
	    a->attempt_seq != b->attempt_seq || a->created_at != b->created_at ||
	    a->updated_at != b->updated_at || a->delay_until != b->delay_until ||
	    a->due_at != b->due_at || a->started_at != b->started_at ||
	    a->finished_at != b->finished_at || a->next_retry_at != b->next_retry_at ||
	    a->approved_at != b->approved_at || a->lease_until != b->lease_until ||
	    a->lease_owner != b->lease_owner || a->lease_pid != b->lease_pid ||
	    a->timeout_ms != b->timeout_ms || a->duration_ms != b->duration_ms ||
	    a->response_code != b->response_code ||
	    a->response_is_json != b->response_is_json ||
	    a->cb_status != b->cb_status || a->cb_attempts != b->cb_attempts ||
	    a->cb_due_at != b->cb_due_at || a->interrupts != b->interrupts ||
	    a->order_at != b->order_at || a->seq != b->seq)
		tap_fail(__FILE__, line, "a numeric field differs after the round trip");
	tap_strings_copied(sa, sb, sizeof(sa) / sizeof(sa[0]), line);
}

static void
test_roundtrip_full(void)
{
	struct job a, b;
	void *buf;
	size_t len = 0;

	job_full(&a);
	buf = job_encode(&a, &len);
	CHECK(buf != NULL);
	if (buf == NULL)
		return;
	memset(&b, 0x5a, sizeof(b));
	CHECK_INT(job_decode(buf, len, &b), 0);
	/* the decoded job does not depend on the buffer it came from */
	memset(buf, 0, len);
	free(buf);
	CHECK(b.mem != NULL);
	job_same(&a, &b, __LINE__);
	job_free(&b);
	CHECK(b.mem == NULL);
	job_free(&b);		/* twice is harmless */
}

static void
test_roundtrip_nulls(void)
{
	struct job a, b;
	void *buf;
	size_t len = 0;

	job_bare(&a);
	CHECK((buf = job_encode(&a, &len)) != NULL);
	if (buf == NULL)
		return;
	CHECK_INT(job_decode(buf, len, &b), 0);
	free(buf);
	job_same(&a, &b, __LINE__);
	CHECK(b.payload == NULL && b.headers == NULL && b.dedupe_key == NULL &&
	    b.idempotency_key == NULL && b.callback_url == NULL &&
	    b.schedule_id == NULL && b.approved_by == NULL && b.last_error == NULL &&
	    b.response_body == NULL);
	CHECK_INT(b.duration_ms, -1);
	CHECK_INT(b.method, JOB_POST);
	job_free(&b);
	/* empty strings stay empty strings, not NULL */
	a.payload = "";
	a.last_error = "";
	CHECK((buf = job_encode(&a, &len)) != NULL);
	if (buf == NULL)
		return;
	CHECK_INT(job_decode(buf, len, &b), 0);
	free(buf);
	CHECK(b.payload != NULL && b.payload[0] == '\0');
	CHECK(b.last_error != NULL && b.last_error[0] == '\0');
	job_free(&b);
}

/* Numbers at the edges of their fields survive; so does the least of each. */
static void
test_roundtrip_edges(void)
{
	struct job a, b;
	void *buf;
	size_t len;
	int hi;

	for (hi = 0; hi < 2; hi++) {
		job_full(&a);
		a.account = hi ? UINT32_MAX : 0;
		a.attempts = a.max_attempts = a.attempt_seq = a.interrupts =
		    a.cb_attempts = hi ? INT32_MAX : 0;
		a.created_at = a.updated_at = a.delay_until = a.due_at =
		    a.started_at = a.finished_at = a.next_retry_at = a.approved_at =
		    a.lease_until = a.cb_due_at = hi ? INT64_MAX : INT64_MIN;
		a.lease_owner = hi ? INT64_MAX : INT64_MIN;
		a.lease_pid = hi ? UINT32_MAX : 0;
		a.timeout_ms = hi ? INT64_MAX : 0;
		a.duration_ms = hi ? INT64_MAX : -1;
		a.response_code = hi ? 999 : 0;
		if ((buf = job_encode(&a, &len)) == NULL) {
			CHECK(!"encode failed");
			continue;
		}
		CHECK_INT(job_decode(buf, len, &b), 0);
		job_same(&a, &b, __LINE__);
		job_free(&b);
		free(buf);
	}
}

/* Every status, method and callback status survives. */
static void
test_roundtrip_enums(void)
{
	struct job a, b;
	void *buf;
	size_t len;
	int s;

	for (s = 0; s < JOB_NSTATUS; s++) {
		job_full(&a);
		a.status = (enum job_status)s;
		a.method = (enum job_method)(s % JOB_NMETHOD);
		a.cb_status = (enum job_cb_status)(s % 4);
		if ((buf = job_encode(&a, &len)) == NULL) {
			CHECK(!"encode failed");
			continue;
		}
		CHECK_INT(job_decode(buf, len, &b), 0);
		CHECK_INT(b.status, s);
		CHECK_INT(b.method, s % JOB_NMETHOD);
		CHECK_INT(b.cb_status, s % 4);
		job_free(&b);
		free(buf);
	}
}

static void
decode_refused(const void *buf, size_t len, const char *what, int line)
{
	struct job b;

	memset(&b, 0x5a, sizeof(b));
	if (job_decode(buf, len, &b) != -1) {
		tap_fail(__FILE__, line, "%s: decoded", what);
		job_free(&b);
		return;
	}
	if (b.mem != NULL || b.url != NULL)
		tap_fail(__FILE__, line, "%s: refused but the job was not reset", what);
}

/* Record offsets of the version 1 format (job.c). */
#define OFF_STATUS	25
#define OFF_METHOD	26
#define OFF_CB_STATUS	145
#define OFF_ATTEMPTS	28	/* then max_attempts and attempt_seq, 4 bytes each */

/* A version 1 record (before interrupts) still reads, with interrupts 0. */
static void
test_version1(void)
{
	unsigned char *buf;
	struct job a, b;
	size_t len;

	job_full(&a);
	if ((buf = job_encode(&a, &len)) == NULL) {
		CHECK(!"encode failed");
		return;
	}
	CHECK_INT(buf[0], 3);
	buf[0] = 1;
	CHECK_INT(job_decode(buf, len - V3_TAIL - 4, &b), 0);
	CHECK_INT(b.interrupts, 0);
	CHECK_INT(b.attempts, 2);
	CHECK_STR(b.response_body, a.response_body);
	job_free(&b);
	decode_refused(buf, len - V3_TAIL, "version 1 with version 2's field", __LINE__);
	buf[0] = 2;
	CHECK_INT(job_decode(buf, len - V3_TAIL, &b), 0);
	CHECK_INT(b.interrupts, 4);
	CHECK(b.topic == NULL && b.order_at == 0 && b.seq == 0);
	job_free(&b);
	decode_refused(buf, len, "version 2 with version 3's fields", __LINE__);
	buf[0] = 4;
	decode_refused(buf, len, "an unknown version", __LINE__);
	free(buf);
}

static void
test_truncated_and_padded(void)
{
	unsigned char *buf;
	struct job a;
	size_t len;

	job_full(&a);
	if ((buf = job_encode(&a, &len)) == NULL) {
		CHECK(!"encode failed");
		return;
	}
	tap_record_damaged(buf, len, decode_refused, __LINE__);
	free(buf);
}

static void
test_garbled(void)
{
	unsigned char *buf, save, junk[600];
	struct job a, b;
	size_t len, i, n;
	const unsigned char *p;
	uint32_t x = 12345;

	job_full(&a);
	if ((buf = job_encode(&a, &len)) == NULL) {
		CHECK(!"encode failed");
		return;
	}
	/* the offsets used below are where this test thinks they are */
	CHECK_INT(buf[0], 3);
	CHECK_INT(buf[OFF_STATUS], JOB_ACTIVE);
	CHECK_INT(buf[OFF_METHOD], JOB_PATCH);
	CHECK_INT(buf[OFF_CB_STATUS], JOB_CB_DELIVERED);
	CHECK_INT(buf[OFF_ATTEMPTS + 3], 2);
	CHECK_INT(buf[OFF_ATTEMPTS + 7], 7);
	save = buf[0];
	buf[0] = 4;
	decode_refused(buf, len, "version 4", __LINE__);
	buf[0] = 0;
	decode_refused(buf, len, "version 0", __LINE__);
	buf[0] = save;
	buf[OFF_STATUS] = JOB_NSTATUS;
	decode_refused(buf, len, "status out of range", __LINE__);
	buf[OFF_STATUS] = 0xff;
	decode_refused(buf, len, "status 255", __LINE__);
	buf[OFF_STATUS] = JOB_ACTIVE;
	buf[OFF_METHOD] = JOB_NMETHOD;
	decode_refused(buf, len, "method out of range", __LINE__);
	buf[OFF_METHOD] = JOB_PATCH;
	buf[OFF_CB_STATUS] = JOB_CB_FAILED + 1;
	decode_refused(buf, len, "callback status out of range", __LINE__);
	buf[OFF_CB_STATUS] = JOB_CB_DELIVERED;
	/* counts above INT_MAX would be negative in an int */
	for (i = OFF_ATTEMPTS; i < OFF_ATTEMPTS + 12; i += 4) {
		save = buf[i];
		buf[i] = 0x80;
		decode_refused(buf, len, "a count over INT_MAX", __LINE__);
		buf[i] = save;
	}
	/* a string without its terminator, and one with a NUL inside */
	p = memmem(buf, len, a.url, strlen(a.url));
	CHECK(p != NULL);
	if (p != NULL) {
		i = (size_t)(p - buf);
		buf[i + strlen(a.url)] = 'x';
		decode_refused(buf, len, "url not terminated", __LINE__);
		buf[i + strlen(a.url)] = '\0';
		buf[i + 3] = '\0';
		decode_refused(buf, len, "NUL inside url", __LINE__);
		buf[i + 3] = a.url[3];
		/* a length that runs past the end */
		buf[i - 4] = 0x7f;
		decode_refused(buf, len, "url length too large", __LINE__);
		buf[i - 4] = 0;
	}
	/* put back together, it decodes again */
	CHECK_INT(job_decode(buf, len, &b), 0);
	job_free(&b);
	free(buf);
	/* noise behind a good version byte */
	for (n = 0; n < 200; n++) {
		for (i = 0; i < sizeof(junk); i++) {
			x = x * 1103515245u + 12345u;
			junk[i] = (unsigned char)(x >> 16);
		}
		junk[0] = 1 + n % 2;
		decode_refused(junk, 1 + n * 3, "noise", __LINE__);
	}
	decode_refused(junk, 0, "empty", __LINE__);
}

/* A record without url or queue cannot be a job. */
static void
test_required_strings(void)
{
	struct job a;
	void *buf;
	size_t len;

	job_bare(&a);
	a.url = NULL;
	if ((buf = job_encode(&a, &len)) != NULL) {
		decode_refused(buf, len, "no url", __LINE__);
		free(buf);
	}
	job_bare(&a);
	a.queue = NULL;
	if ((buf = job_encode(&a, &len)) != NULL) {
		decode_refused(buf, len, "no queue", __LINE__);
		free(buf);
	}
}

/* Strings that fixed-size buffers and keys are made from never come out
 * of a record longer than any valid one: a 65-byte queue, a schedule id
 * not of its length (the store's key builders, the dispatcher's queue table
 * and the wake-up messages rely on it). */
static void
test_oversized_strings(void)
{
	char big[700];
	const char *sched[] = { "sch_", "sch_AAAAAAAAAAAAAAAAA", big };
	struct job a;
	void *buf;
	size_t len, i;

	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	job_bare(&a);
	a.queue = big;
	if ((buf = job_encode(&a, &len)) != NULL) {
		decode_refused(buf, len, "a 699-byte queue", __LINE__);
		free(buf);
	}
	big[JOB_QUEUE_MAX + 1] = '\0';
	if ((buf = job_encode(&a, &len)) != NULL) {
		decode_refused(buf, len, "a 65-byte queue", __LINE__);
		free(buf);
	}
	big[JOB_QUEUE_MAX + 1] = 'q';
	for (i = 0; i < sizeof(sched) / sizeof(sched[0]); i++) {
		job_bare(&a);
		a.schedule_id = sched[i];
		if ((buf = job_encode(&a, &len)) != NULL) {
			decode_refused(buf, len, "a bad schedule id", __LINE__);
			free(buf);
		}
	}
}

/* --- the JSON object -------------------------------------------------------- */

static const char *const api_keys[] = {
	/* API.md 4.2 */
	"id", "status", "url", "method", "queue", "attempts", "max_attempts",
	"created_at", "required_approval", "deduplicated", "payload", "headers",
	"dedupe_key", "delay_until", "started_at", "finished_at", "next_retry_at",
	"last_error", "response_code", "response_body", "duration_ms",
	"approved_at", "approved_by", "callback_url", "schedule_id",
	"idempotency_key", "retries_remaining", "next_retry_in_seconds", "actions",
	/* and the extensions */
	"run_at", "timeout", "callback_status", "updated_at", "topic",
};
#define NKEYS	(sizeof(api_keys) / sizeof(api_keys[0]))

static void
keys_exact(json_t *o, int line)
{
	const char *k;
	json_t *v;
	size_t i;

	if (!json_is_object(o)) {
		tap_fail(__FILE__, line, "not an object");
		return;
	}
	for (i = 0; i < NKEYS; i++)
		if (json_object_get(o, api_keys[i]) == NULL)
			tap_fail(__FILE__, line, "key %s missing", api_keys[i]);
	json_object_foreach(o, k, v) {
		for (i = 0; i < NKEYS && strcmp(api_keys[i], k) != 0; i++)
			;
		if (i == NKEYS)
			tap_fail(__FILE__, line, "unexpected key %s", k);
	}
	if (json_object_size(o) != NKEYS)
		tap_fail(__FILE__, line, "%zu keys, want %zu", json_object_size(o),
		    (size_t)NKEYS);
}

static const char *
jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static long long
jint(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) ? (long long)json_integer_value(v) : -999999;
}

static int
jnull(json_t *o, const char *k)
{
	return json_is_null(json_object_get(o, k));
}

/* The compact, sorted text of o[k] (static). */
static const char *
jtext(json_t *o, const char *k)
{
	static char buf[512];
	char *s = json_dumps(json_object_get(o, k),
	    JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

	snprintf(buf, sizeof(buf), "%s", s ? s : "(none)");
	free(s);
	return buf;
}

static void
test_json_full(void)
{
	struct job j;
	json_t *o;

	job_full(&j);
	o = job_to_json(&j, 1, T0);
	keys_exact(o, __LINE__);
	CHECK_STR(jstr(o, "id"), "job_AbCdEfGh01234567");
	CHECK_STR(jstr(o, "status"), "active");
	CHECK_STR(jstr(o, "url"), "https://example.com/hook?a=1");
	CHECK_STR(jstr(o, "method"), "PATCH");
	CHECK_STR(jstr(o, "queue"), "emails");
	CHECK_INT(jint(o, "attempts"), 2);
	CHECK_INT(jint(o, "max_attempts"), 7);
	CHECK_STR(jstr(o, "created_at"), "2031-06-01T00:00:00.000Z");
	CHECK(json_is_true(json_object_get(o, "required_approval")));
	CHECK(json_is_true(json_object_get(o, "deduplicated")));
	CHECK_STR(jtext(o, "payload"), "{\"n\":[1,2],\"to\":\"a@example.com\"}");
	CHECK_STR(jtext(o, "headers"), "{\"X-Trace\":\"t1\"}");
	CHECK_STR(jstr(o, "dedupe_key"), "order-42");
	CHECK_STR(jstr(o, "delay_until"), "2031-06-01T00:00:00.002Z");
	CHECK_STR(jstr(o, "started_at"), "2031-06-01T00:00:00.004Z");
	CHECK_STR(jstr(o, "finished_at"), "2031-06-01T00:00:00.005Z");
	CHECK_STR(jstr(o, "next_retry_at"), "2031-06-01T00:00:00.006Z");
	CHECK_STR(jstr(o, "last_error"), "HTTP 503");
	CHECK_INT(jint(o, "response_code"), 503);
	CHECK_STR(jtext(o, "response_body"), "{\"error\":\"busy\"}");
	CHECK_INT(jint(o, "duration_ms"), 1234);
	CHECK_STR(jstr(o, "approved_at"), "2031-06-01T00:00:00.007Z");
	CHECK_STR(jstr(o, "approved_by"), "alice");
	CHECK_STR(jstr(o, "callback_url"), "https://cb.example.com/done");
	CHECK_STR(jstr(o, "schedule_id"), "sch_0123456789abcdef");
	CHECK_STR(jstr(o, "idempotency_key"), "idem-\xc3\xa9");
	CHECK_INT(jint(o, "retries_remaining"), 5);
	CHECK_INT(jint(o, "next_retry_in_seconds"), 0);	/* active: no retry wait */
	CHECK_STR(jtext(o, "actions"), "[]");
	CHECK_STR(jstr(o, "run_at"), "2031-06-01T00:00:00.003Z");
	CHECK_STR(jstr(o, "timeout"), "2m");
	CHECK_STR(jstr(o, "callback_status"), "delivered");
	CHECK_STR(jstr(o, "updated_at"), "2031-06-01T00:00:00.001Z");
	CHECK_STR(jstr(o, "topic"), "orders");
	json_decref(o);
}

static void
test_json_nulls(void)
{
	static const char *const nulls[] = {
		"payload", "headers", "dedupe_key", "delay_until", "started_at",
		"finished_at", "next_retry_at", "last_error", "response_code",
		"response_body", "duration_ms", "approved_at", "approved_by",
		"callback_url", "schedule_id", "idempotency_key", "callback_status",
		"topic",
	};
	struct job j;
	json_t *o;
	size_t i;

	job_bare(&j);
	o = job_to_json(&j, 0, T0);
	keys_exact(o, __LINE__);
	for (i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (!jnull(o, nulls[i]))
			tap_fail(__FILE__, __LINE__, "%s is %s, want null", nulls[i],
			    jtext(o, nulls[i]));
	CHECK_STR(jstr(o, "status"), "pending");
	CHECK_STR(jstr(o, "method"), "POST");
	CHECK(json_is_false(json_object_get(o, "required_approval")));
	CHECK(json_is_false(json_object_get(o, "deduplicated")));
	CHECK_INT(jint(o, "attempts"), 0);
	CHECK_INT(jint(o, "retries_remaining"), 3);
	CHECK_INT(jint(o, "next_retry_in_seconds"), 0);
	CHECK_STR(jtext(o, "actions"), "[\"cancel\"]");
	CHECK_STR(jstr(o, "run_at"), "2031-06-01T00:00:00.000Z");
	CHECK_STR(jstr(o, "timeout"), "30s");
	CHECK_STR(jstr(o, "created_at"), "2031-06-01T00:00:00.000Z");
	CHECK_STR(jstr(o, "updated_at"), "2031-06-01T00:00:00.000Z");
	json_decref(o);
}

static void
test_json_actions(void)
{
	static const struct { enum job_status s; const char *name, *actions; } t[] = {
		{ JOB_PENDING, "pending", "[\"cancel\"]" },
		{ JOB_AWAITING_APPROVAL, "awaiting_approval", "[\"approve\",\"cancel\"]" },
		{ JOB_ACTIVE, "active", "[]" },
		{ JOB_COMPLETED, "completed", "[]" },
		{ JOB_FAILED, "failed", "[\"retry\"]" },
		{ JOB_CANCELLED, "cancelled", "[\"retry\"]" },
	};
	struct job j;
	json_t *o;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		job_bare(&j);
		j.status = t[i].s;
		o = job_to_json(&j, 0, T0);
		CHECK_STR(jstr(o, "status"), t[i].name);
		CHECK_STR(jtext(o, "actions"), t[i].actions);
		json_decref(o);
	}
}

static void
test_json_retries(void)
{
	struct job j;
	json_t *o;

	job_bare(&j);
	j.max_attempts = 5;
	j.attempts = 2;
	j.next_retry_at = T0 + 90500;		/* 90.5 s ahead */
	o = job_to_json(&j, 0, T0);
	CHECK_INT(jint(o, "retries_remaining"), 3);
	CHECK_INT(jint(o, "next_retry_in_seconds"), 91);	/* rounded up */
	json_decref(o);
	o = job_to_json(&j, 0, T0 + 90000);
	CHECK_INT(jint(o, "next_retry_in_seconds"), 1);	/* not 0 while still waiting */
	json_decref(o);
	o = job_to_json(&j, 0, T0 + 100000);	/* past */
	CHECK_INT(jint(o, "next_retry_in_seconds"), 0);
	json_decref(o);
	j.attempts = 5;
	j.next_retry_at = 0;
	j.status = JOB_FAILED;
	o = job_to_json(&j, 0, T0);
	CHECK_INT(jint(o, "retries_remaining"), 0);
	CHECK_INT(jint(o, "next_retry_in_seconds"), 0);
	json_decref(o);
}

static void
test_json_response_body(void)
{
	struct job j;
	json_t *o;

	job_bare(&j);
	j.response_body = "{\"ok\":true,\"n\":[1]}";
	j.response_is_json = 1;
	o = job_to_json(&j, 0, T0);
	CHECK(json_is_object(json_object_get(o, "response_body")));
	CHECK_STR(jtext(o, "response_body"), "{\"n\":[1],\"ok\":true}");
	json_decref(o);
	/* the same text from a target that did not say JSON is a string */
	j.response_is_json = 0;
	o = job_to_json(&j, 0, T0);
	CHECK_STR(jstr(o, "response_body"), "{\"ok\":true,\"n\":[1]}");
	json_decref(o);
	/* any JSON value */
	j.response_is_json = 1;
	j.response_body = "42";
	o = job_to_json(&j, 0, T0);
	CHECK_INT(jint(o, "response_body"), 42);
	json_decref(o);
	j.response_body = "\"hi\"";
	o = job_to_json(&j, 0, T0);
	CHECK_STR(jstr(o, "response_body"), "hi");
	json_decref(o);
	/* a truncated body is kept as text (the dispatcher marks it not JSON) */
	j.response_body = "{\"ok\":tr";
	j.response_is_json = 0;
	o = job_to_json(&j, 0, T0);
	CHECK_STR(jstr(o, "response_body"), "{\"ok\":tr");
	json_decref(o);
	j.response_body = "";
	j.response_is_json = 0;
	o = job_to_json(&j, 0, T0);
	CHECK_STR(jstr(o, "response_body"), "");
	json_decref(o);
}

static void
test_names(void)
{
	enum job_status s;
	enum job_method m;

	CHECK_STR(job_status_name(JOB_AWAITING_APPROVAL), "awaiting_approval");
	CHECK_STR(job_status_name(JOB_NSTATUS), "unknown");
	CHECK(job_status_parse("cancelled", &s) == 0 && s == JOB_CANCELLED);
	CHECK(job_status_parse("pending", &s) == 0 && s == JOB_PENDING);
	CHECK(job_status_parse("Pending", &s) == -1);
	CHECK(job_status_parse("canceled", &s) == -1);
	CHECK(job_status_parse("", &s) == -1);
	CHECK_STR(job_method_name(JOB_DELETE), "DELETE");
	CHECK(job_method_parse("PATCH", &m) == 0 && m == JOB_PATCH);
	CHECK(job_method_parse("patch", &m) == -1);
	CHECK(job_cb_status_name(JOB_CB_NONE) == NULL);
	CHECK_STR(job_cb_status_name(JOB_CB_PENDING), "pending");
	CHECK_STR(job_cb_status_name(JOB_CB_FAILED), "failed");
	CHECK(!job_is_terminal(JOB_PENDING));
	CHECK(!job_is_terminal(JOB_AWAITING_APPROVAL));
	CHECK(!job_is_terminal(JOB_ACTIVE));
	CHECK(job_is_terminal(JOB_COMPLETED));
	CHECK(job_is_terminal(JOB_FAILED));
	CHECK(job_is_terminal(JOB_CANCELLED));
}

/* --- actions ------------------------------------------------------------------- */

/* Refused actions change nothing at all. */
static void
act_refused(enum job_status s, int which, int line)
{
	struct job j, before;
	enum dq_err e;

	job_full(&j);
	j.status = s;
	memcpy(&before, &j, sizeof(j));
	e = which == 0 ? job_act_approve(&j, T0 + 1000, "bob") :
	    which == 1 ? job_act_cancel(&j, T0 + 1000) : job_act_retry(&j, T0 + 1000);
	if (e != DQ_ERR_STATE)
		tap_fail(__FILE__, line, "action %d from %s: %d, want DQ_ERR_STATE",
		    which, job_status_name(s), (int)e);
	if (memcmp(&j, &before, sizeof(j)) != 0)
		tap_fail(__FILE__, line, "action %d from %s changed the job", which,
		    job_status_name(s));
}

static void
test_act_approve(void)
{
	struct job j;
	int s;

	job_full(&j);
	j.status = JOB_AWAITING_APPROVAL;
	j.approved_at = 0;
	j.approved_by = NULL;
	j.delay_until = 0;
	CHECK_INT(job_act_approve(&j, T0 + 1000, "bob"), DQ_OK);
	CHECK_INT(j.status, JOB_PENDING);
	CHECK_INT(j.approved_at, T0 + 1000);
	CHECK_STR(j.approved_by, "bob");
	CHECK_INT(j.due_at, T0 + 1000);
	CHECK_INT(j.updated_at, T0 + 1000);
	/* it runs at max(now, delay_until) */
	job_full(&j);
	j.status = JOB_AWAITING_APPROVAL;
	j.delay_until = T0 + 60000;
	CHECK_INT(job_act_approve(&j, T0 + 1000, "bob"), DQ_OK);
	CHECK_INT(j.due_at, T0 + 60000);
	CHECK_INT(j.delay_until, T0 + 60000);
	job_full(&j);
	j.status = JOB_AWAITING_APPROVAL;
	j.delay_until = T0 + 500;
	CHECK_INT(job_act_approve(&j, T0 + 1000, "bob"), DQ_OK);
	CHECK_INT(j.due_at, T0 + 1000);
	for (s = 0; s < JOB_NSTATUS; s++)
		if (s != JOB_AWAITING_APPROVAL)
			act_refused((enum job_status)s, 0, __LINE__);
}

static void
test_act_cancel(void)
{
	struct job j;
	int s;

	job_full(&j);
	j.status = JOB_PENDING;
	j.finished_at = 0;
	CHECK_INT(job_act_cancel(&j, T0 + 2000), DQ_OK);
	CHECK_INT(j.status, JOB_CANCELLED);
	CHECK_INT(j.finished_at, T0 + 2000);
	CHECK_INT(j.updated_at, T0 + 2000);
	/* while waiting for a retry is still pending */
	job_full(&j);
	j.status = JOB_PENDING;
	j.next_retry_at = T0 + 50000;
	CHECK_INT(job_act_cancel(&j, T0 + 2000), DQ_OK);
	CHECK_INT(j.status, JOB_CANCELLED);
	job_full(&j);
	j.status = JOB_AWAITING_APPROVAL;
	CHECK_INT(job_act_cancel(&j, T0 + 2000), DQ_OK);
	CHECK_INT(j.status, JOB_CANCELLED);
	CHECK_INT(j.finished_at, T0 + 2000);
	for (s = 0; s < JOB_NSTATUS; s++)
		if (s != JOB_PENDING && s != JOB_AWAITING_APPROVAL)
			act_refused((enum job_status)s, 1, __LINE__);
}

static void
test_act_retry(void)
{
	struct job j;
	int s, from;

	for (from = 0; from < 2; from++) {
		job_full(&j);
		j.status = from ? JOB_CANCELLED : JOB_FAILED;
		j.attempts = 7;
		j.cb_status = JOB_CB_FAILED;
		CHECK_INT(job_act_retry(&j, T0 + 3000), DQ_OK);
		CHECK_INT(j.status, JOB_PENDING);
		CHECK_INT(j.attempts, 0);
		CHECK_INT(j.due_at, T0 + 3000);
		CHECK_INT(j.next_retry_at, 0);
		CHECK_INT(j.updated_at, T0 + 3000);
		CHECK_INT(j.cb_status, JOB_CB_NONE);
		CHECK_INT(j.cb_attempts, 0);
		CHECK_INT(j.cb_due_at, 0);
		/* the last attempt's results stay until the next attempt */
		CHECK_INT(j.response_code, 503);
		CHECK_STR(j.response_body, "{\"error\":\"busy\"}");
		CHECK_STR(j.last_error, "HTTP 503");
		CHECK_INT(j.duration_ms, 1234);
		CHECK_INT(j.started_at, T0 + 4);
		CHECK_INT(j.attempt_seq, 11);
		CHECK_INT(j.max_attempts, 7);
	}
	for (s = 0; s < JOB_NSTATUS; s++)
		if (s != JOB_FAILED && s != JOB_CANCELLED)
			act_refused((enum job_status)s, 2, __LINE__);
}

int
main(void)
{
	TAP_RUN(test_roundtrip_full);
	TAP_RUN(test_oversized_strings);
	TAP_RUN(test_roundtrip_nulls);
	TAP_RUN(test_roundtrip_edges);
	TAP_RUN(test_roundtrip_enums);
	TAP_RUN(test_version1);
	TAP_RUN(test_truncated_and_padded);
	TAP_RUN(test_garbled);
	TAP_RUN(test_required_strings);
	TAP_RUN(test_json_full);
	TAP_RUN(test_json_nulls);
	TAP_RUN(test_json_actions);
	TAP_RUN(test_json_retries);
	TAP_RUN(test_json_response_body);
	TAP_RUN(test_names);
	TAP_RUN(test_act_approve);
	TAP_RUN(test_act_cancel);
	TAP_RUN(test_act_retry);
	return tap_done();
}
