/*
 * Schedules as the API sees them: the JSON object and the checks of a create
 * or replace body.  Kept apart from schedule.h so that the store and the
 * dispatcher do not depend on request validation.
 */
#include "config.h"

#include <string.h>

#include "cron.h"
#include "dqtime.h"
#include "num.h"
#include "schedreq.h"

static json_t *
sched_time(int64_t ms)
{
	char buf[DQ_TIME_LEN + 1];

	return ms ? json_string(dqtime_format(ms, buf, sizeof(buf))) : json_null();
}

static json_t *
sched_json_text(const char *s)
{
	json_t *v;

	if (s == NULL)
		return json_null();
	return (v = json_loads(s, JSON_DECODE_ANY, NULL)) ? v : json_null();
}

json_t *
sched_to_json(const struct schedule *s)
{
	const struct job *t = &s->tmpl;
	char timeout[32];

	num_format_delay(t->timeout_ms, timeout, sizeof(timeout));
	return json_pack("{s:s, s:s?, s:s, s:s, s:b, s:o, s:o, s:s?, s:o, s:o,"
	    " s:s, s:s, s:o, s:o, s:i, s:b, s:s?, s:s, s:s}",
	    "id", s->id, "name", s->name, "cron", s->cron, "timezone", s->timezone,
	    "paused", s->paused, "next_run_at", sched_time(s->next_run_at),
	    "last_run_at", sched_time(s->last_run_at),
	    "last_job_id", s->last_job_id[0] ? s->last_job_id : NULL,
	    "created_at", sched_time(s->created_at),
	    "updated_at", sched_time(s->updated_at),
	    "url", t->url, "method", job_method_name(t->method),
	    "payload", sched_json_text(t->payload),
	    "headers", sched_json_text(t->headers),
	    "max_attempts", t->max_attempts,
	    "requires_approval", t->requires_approval,
	    "callback_url", t->callback_url, "queue", t->queue,
	    "timeout", timeout);
}

/* cron, timezone, name and paused; the template is jobreq's. */
static void
sched_fields(json_t *body, struct schedule *s, struct verr *e)
{
	json_t *v;
	struct cron c;
	char err[160];

	v = json_object_get(body, "cron");
	if (v == NULL || json_is_null(v))
		verr_add(e, VERR_MISSING_FIELD, "cron", "is required");
	else if (!json_is_string(v) || json_string_length(v) > SCHED_CRON_MAX)
		verr_add(e, VERR_VALIDATION, "cron", "must be a string like \"*/5 * * * *\"");
	else if (cron_parse(json_string_value(v), &c, err, sizeof(err)) == -1)
		verr_add(e, VERR_INVALID_CRON, "cron", "is invalid: %s", err);
	else
		s->cron = json_string_value(v);
	s->timezone = "UTC";
	v = json_object_get(body, "timezone");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_string(v) || sched_zone(json_string_value(v), err,
		    sizeof(err)) == NULL)
			verr_add(e, VERR_VALIDATION, "timezone",
			    "must be an IANA time zone name like \"Europe/Berlin\"");
		else
			s->timezone = json_string_value(v);
	}
	v = json_object_get(body, "name");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_string(v) || json_string_length(v) < 1 ||
		    json_string_length(v) > SCHED_NAME_MAX)
			verr_add(e, VERR_VALIDATION, "name", "must be 1 to %d characters",
			    SCHED_NAME_MAX);
		else
			s->name = json_string_value(v);
	}
	v = json_object_get(body, "paused");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_boolean(v))
			verr_add(e, VERR_VALIDATION, "paused", "must be true or false");
		else
			s->paused = json_is_true(v);
	}
}

int
sched_parse(json_t *body, const struct jobreq_ctx *ctx, struct schedule *s,
    struct jobreq *r, struct verr *e)
{
	static const char *const extra[] = { "cron", "timezone", "name", "paused", NULL };
	struct jobreq_ctx c = *ctx;

	sched_init(s);
	memset(r, 0, sizeof(*r));
	c.extra_fields = extra;
	sched_fields(body, s, e);
	if (jobreq_parse(body, JOBREQ_TEMPLATE, &c, r, e) == -1 || e->n > 0) {
		jobreq_free(r);
		return -1;
	}
	s->tmpl = r->job;
	if (!s->paused && (s->next_run_at = sched_next(s, ctx->now_ms)) < 0) {
		verr_add(e, VERR_INVALID_CRON, "cron", "never fires in the coming years");
		jobreq_free(r);
		return -1;
	}
	s->created_at = s->updated_at = ctx->now_ms;
	return 0;
}

