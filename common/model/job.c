/*
 * Job names, the job record codec and the job's JSON object.
 *
 * Record format, version 3 (JOB_REC_VERSION): u8 version, then the fields in
 * the order of job_encode().  To change the format, bump the version, keep a
 * decoder for the old one that fills the new fields with their defaults, and
 * let records upgrade as they are rewritten.  Version 1 lacked interrupts
 * (read as 0); version 2 lacked the last three, order_at, seq and topic
 * (read as 0, 0 and NULL; the store gives a waiting job its order_at when
 * it opens a store written before them).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dqtime.h"
#include "job.h"
#include "jsonw.h"
#include "num.h"
#include "rec.h"

#define JOB_REC_VERSION	3

static const char *const job_status_names[JOB_NSTATUS] = {
	"pending", "awaiting_approval", "active", "completed", "failed",
	"cancelled"
};

static const char *const job_method_names[JOB_NMETHOD] = {
	"GET", "POST", "PUT", "PATCH", "DELETE"
};

static const char *const job_cb_names[] = {
	NULL, "pending", "delivered", "failed"
};

const char *
job_status_name(enum job_status s)
{
	return (unsigned)s < JOB_NSTATUS ? job_status_names[s] : "unknown";
}

int
job_status_parse(const char *s, enum job_status *out)
{
	int i;

	for (i = 0; i < JOB_NSTATUS; i++) {
		if (strcmp(s, job_status_names[i]) == 0) {
			*out = (enum job_status)i;
			return 0;
		}
	}
	return -1;
}

const char *
job_method_name(enum job_method m)
{
	return (unsigned)m < JOB_NMETHOD ? job_method_names[m] : "POST";
}

int
job_method_parse(const char *s, enum job_method *out)
{
	int i;

	for (i = 0; i < JOB_NMETHOD; i++) {
		if (strcmp(s, job_method_names[i]) == 0) {
			*out = (enum job_method)i;
			return 0;
		}
	}
	return -1;
}

const char *
job_cb_status_name(enum job_cb_status s)
{
	return (unsigned)s <= JOB_CB_FAILED ? job_cb_names[s] : NULL;
}

int
job_is_terminal(enum job_status s)
{
	return s == JOB_COMPLETED || s == JOB_FAILED || s == JOB_CANCELLED;
}

void
job_init(struct job *j)
{
	memset(j, 0, sizeof(*j));
	j->method = JOB_POST;
	j->duration_ms = -1;
}

void
job_free(struct job *j)
{
	free(j->mem);
	j->mem = NULL;
}

void *
job_encode(const struct job *j, size_t *lenp)
{
	struct rec_w w;

	rec_w_init(&w);
	rec_u8(&w, JOB_REC_VERSION);
	rec_bytes(&w, j->id, ID_JOB_LEN);
	rec_u32(&w, j->account);
	rec_u8(&w, j->status);
	rec_u8(&w, j->method);
	rec_u8(&w, j->requires_approval ? 1 : 0);
	rec_u32(&w, (uint32_t)j->attempts);
	rec_u32(&w, (uint32_t)j->max_attempts);
	rec_u32(&w, (uint32_t)j->attempt_seq);
	rec_i64(&w, j->created_at);
	rec_i64(&w, j->updated_at);
	rec_i64(&w, j->delay_until);
	rec_i64(&w, j->due_at);
	rec_i64(&w, j->started_at);
	rec_i64(&w, j->finished_at);
	rec_i64(&w, j->next_retry_at);
	rec_i64(&w, j->approved_at);
	rec_i64(&w, j->lease_until);
	rec_i64(&w, j->lease_owner);
	rec_u32(&w, j->lease_pid);
	rec_i64(&w, j->timeout_ms);
	rec_i64(&w, j->duration_ms);
	rec_u32(&w, (uint32_t)j->response_code);
	rec_u8(&w, j->response_is_json ? 1 : 0);
	rec_u8(&w, j->cb_status);
	rec_u32(&w, (uint32_t)j->cb_attempts);
	rec_i64(&w, j->cb_due_at);
	rec_str(&w, j->url);
	rec_str(&w, j->queue);
	rec_str(&w, j->payload);
	rec_str(&w, j->headers);
	rec_str(&w, j->dedupe_key);
	rec_str(&w, j->idempotency_key);
	rec_str(&w, j->callback_url);
	rec_str(&w, j->schedule_id);
	rec_str(&w, j->approved_by);
	rec_str(&w, j->last_error);
	rec_str(&w, j->response_body);
	rec_u32(&w, (uint32_t)j->interrupts);
	rec_i64(&w, j->order_at);
	rec_i64(&w, j->seq);
	rec_str(&w, j->topic);
	return rec_w_finish(&w, lenp);
}

int
job_decode(const void *buf, size_t len, struct job *j)
{
	struct rec_r r;
	const void *id;
	void *mem;
	unsigned version;

	job_init(j);
	if ((mem = malloc(len ? len : 1)) == NULL)
		return -1;
	memcpy(mem, buf, len);
	rec_r_init(&r, mem, len);
	if ((version = rec_get_u8(&r)) < 1 || version > JOB_REC_VERSION)
		goto bad;
	if ((id = rec_get_bytes(&r, ID_JOB_LEN)) != NULL)
		memcpy(j->id, id, ID_JOB_LEN);
	j->account = rec_get_u32(&r);
	j->status = (enum job_status)rec_get_u8(&r);
	j->method = (enum job_method)rec_get_u8(&r);
	j->requires_approval = rec_get_u8(&r);
	j->attempts = (int)rec_get_u32(&r);
	j->max_attempts = (int)rec_get_u32(&r);
	j->attempt_seq = (int)rec_get_u32(&r);
	j->created_at = rec_get_i64(&r);
	j->updated_at = rec_get_i64(&r);
	j->delay_until = rec_get_i64(&r);
	j->due_at = rec_get_i64(&r);
	j->started_at = rec_get_i64(&r);
	j->finished_at = rec_get_i64(&r);
	j->next_retry_at = rec_get_i64(&r);
	j->approved_at = rec_get_i64(&r);
	j->lease_until = rec_get_i64(&r);
	j->lease_owner = rec_get_i64(&r);
	j->lease_pid = rec_get_u32(&r);
	j->timeout_ms = rec_get_i64(&r);
	j->duration_ms = rec_get_i64(&r);
	j->response_code = (int)rec_get_u32(&r);
	j->response_is_json = rec_get_u8(&r);
	j->cb_status = (enum job_cb_status)rec_get_u8(&r);
	j->cb_attempts = (int)rec_get_u32(&r);
	j->cb_due_at = rec_get_i64(&r);
	j->url = rec_get_str(&r);
	j->queue = rec_get_str(&r);
	j->payload = rec_get_str(&r);
	j->headers = rec_get_str(&r);
	j->dedupe_key = rec_get_str(&r);
	j->idempotency_key = rec_get_str(&r);
	j->callback_url = rec_get_str(&r);
	j->schedule_id = rec_get_str(&r);
	j->approved_by = rec_get_str(&r);
	j->last_error = rec_get_str(&r);
	j->response_body = rec_get_str(&r);
	if (version >= 2)
		j->interrupts = (int)rec_get_u32(&r);
	if (version >= 3) {
		j->order_at = rec_get_i64(&r);
		j->seq = rec_get_i64(&r);
		j->topic = rec_get_str(&r);
	}
	if (rec_r_done(&r) == -1 || j->status >= JOB_NSTATUS ||
	    j->method >= JOB_NMETHOD || j->cb_status > JOB_CB_FAILED ||
	    j->url == NULL || j->queue == NULL ||
	    strnlen(j->queue, JOB_QUEUE_MAX + 1) > JOB_QUEUE_MAX ||
	    (j->schedule_id != NULL && strlen(j->schedule_id) != ID_SCHED_LEN) ||
	    j->attempts < 0 ||
	    j->max_attempts < 0 || j->attempt_seq < 0 || j->cb_attempts < 0 ||
	    j->interrupts < 0 || j->seq < 0 ||
	    (j->topic != NULL && strnlen(j->topic, JOB_TOPIC_MAX + 1) > JOB_TOPIC_MAX))
		goto bad;
	j->mem = mem;
	return 0;
bad:
	free(mem);
	job_init(j);
	return -1;
}

/* --- JSON ---------------------------------------------------------------- */

static void
job_write_actions(struct jw *w, enum job_status s)
{
	static const char *const actions[JOB_NSTATUS] = {
		"[\"cancel\"]", "[\"approve\",\"cancel\"]", "[]", "[]",
		"[\"retry\"]", "[\"retry\"]"
	};

	jw_json(w, (unsigned)s < JOB_NSTATUS ? actions[s] : "[]");
}

void
job_write_json(struct jw *w, const struct job *j, int deduplicated, int64_t now_ms)
{
	char timeout[32];
	int64_t wait = 0;

	if (j->next_retry_at > now_ms && j->status == JOB_PENDING)
		wait = (j->next_retry_at - now_ms + 999) / 1000;	/* whole seconds, up */
	num_format_delay(j->timeout_ms, timeout, sizeof(timeout));
	jw_open(w, '{');
	jw_key(w, "id"); jw_str(w, j->id);
	jw_key(w, "status"); jw_str(w, job_status_name(j->status));
	jw_key(w, "url"); jw_str(w, j->url);
	jw_key(w, "method"); jw_str(w, job_method_name(j->method));
	jw_key(w, "queue"); jw_str(w, j->queue);
	jw_key(w, "attempts"); jw_int(w, j->attempts);
	jw_key(w, "max_attempts"); jw_int(w, j->max_attempts);
	jw_key(w, "created_at"); jw_time(w, j->created_at);
	jw_key(w, "required_approval"); jw_bool(w, j->requires_approval);
	jw_key(w, "deduplicated"); jw_bool(w, deduplicated);
	jw_key(w, "payload"); jw_json(w, j->payload);
	jw_key(w, "headers"); jw_json(w, j->headers);
	jw_key(w, "dedupe_key"); jw_str(w, j->dedupe_key);
	jw_key(w, "delay_until"); jw_time(w, j->delay_until);
	jw_key(w, "started_at"); jw_time(w, j->started_at);
	jw_key(w, "finished_at"); jw_time(w, j->finished_at);
	jw_key(w, "next_retry_at"); jw_time(w, j->next_retry_at);
	jw_key(w, "last_error"); jw_str(w, j->last_error);
	jw_key(w, "response_code");
	if (j->response_code)
		jw_int(w, j->response_code);
	else
		jw_null(w);
	jw_key(w, "response_body");
	if (j->response_is_json)
		jw_json(w, j->response_body);
	else
		jw_str(w, j->response_body);
	jw_key(w, "duration_ms");
	if (j->duration_ms >= 0)
		jw_int(w, j->duration_ms);
	else
		jw_null(w);
	jw_key(w, "approved_at"); jw_time(w, j->approved_at);
	jw_key(w, "approved_by"); jw_str(w, j->approved_by);
	jw_key(w, "callback_url"); jw_str(w, j->callback_url);
	jw_key(w, "schedule_id"); jw_str(w, j->schedule_id);
	jw_key(w, "idempotency_key"); jw_str(w, j->idempotency_key);
	jw_key(w, "retries_remaining"); jw_int(w, j->max_attempts - j->attempts);
	jw_key(w, "next_retry_in_seconds"); jw_int(w, wait);
	jw_key(w, "actions"); job_write_actions(w, j->status);
	jw_key(w, "run_at"); jw_time(w, j->due_at);
	jw_key(w, "timeout"); jw_str(w, timeout);
	jw_key(w, "callback_status"); jw_str(w, job_cb_status_name(j->cb_status));
	jw_key(w, "updated_at"); jw_time(w, j->updated_at);
	jw_key(w, "topic"); jw_str(w, j->topic);
	jw_close(w, '}');
}

json_t *
job_to_json(const struct job *j, int deduplicated, int64_t now_ms)
{
	struct jw w;
	json_t *o;
	char *text;
	size_t len;

	jw_init(&w);
	job_write_json(&w, j, deduplicated, now_ms);
	if ((text = jw_finish(&w, &len)) == NULL)
		return NULL;
	o = json_loadb(text, len, 0, NULL);
	free(text);
	return o;
}
