/*
 * POST /v1/jobs/bulk (API.md 9): retry, cancel, approve or delete every job
 * of a filter, at most STORE_BULK_MAX a call, continued with next_cursor.
 * The store does the work (store_bulk.c: through the indexes, in short
 * slices so that creates go on meanwhile); here the body is checked and the
 * cursor, signed like a list's, carries the action and the filter.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "dqtime.h"
#include "handlers.h"
#include "jobreq.h"
#include "wakeup.h"

#define BULK_SLICE_US		2000	/* of the writer lock, each slice */
#define BULK_CURSOR_KIND	"bulk"
#define APPROVED_BY_MAX		255

static const char *const bulk_actions[] = {
	[STORE_BULK_RETRY] = "retry", [STORE_BULK_CANCEL] = "cancel",
	[STORE_BULK_APPROVE] = "approve", [STORE_BULK_DELETE] = "delete"
};
#define BULK_NACTIONS	(sizeof(bulk_actions) / sizeof(bulk_actions[0]))

struct bulk_req {
	struct store_bulk	 b;
	char			 (*ids)[ID_JOB_LEN + 1];	/* owned */
	json_t			*canon;		/* the cursor's filters: action, filter */
};

static int
bulk_action(json_t *v, struct store_bulk *b, struct verr *e)
{
	const char *s = json_string_value(v);
	size_t i;

	for (i = 0; s != NULL && i < BULK_NACTIONS; i++) {
		if (strcmp(s, bulk_actions[i]) == 0) {
			b->action = (enum store_bulk_action)i;
			return 0;
		}
	}
	verr_add(e, v == NULL ? VERR_MISSING_FIELD : VERR_VALIDATION, "action",
	    v == NULL ? "is required" : "must be one of retry, cancel, approve, delete");
	return -1;
}

static void
bulk_time(const char *field, json_t *v, int64_t *out, json_t *canon, struct verr *e)
{
	int64_t ms;

	if (!json_is_string(v) || dqtime_parse(json_string_value(v), &ms) == -1) {
		verr_add(e, VERR_VALIDATION, field,
		    "must be an RFC 3339 time like 2026-11-07T05:31:56.120Z");
		return;
	}
	*out = ms;
	if (canon != NULL)
		json_object_set_new(canon, field + strlen("filter."), json_integer(ms));
}

static void
bulk_ids(json_t *v, struct bulk_req *br, struct verr *e)
{
	size_t i, n = json_array_size(v);
	const char *id;
	char field[32];

	if (!json_is_array(v) || n < 1 || n > STORE_BULK_MAX) {
		verr_add(e, VERR_VALIDATION, "filter.ids",
		    "must be an array of 1 to %d job ids", STORE_BULK_MAX);
		return;
	}
	if ((br->ids = calloc(n, sizeof(*br->ids))) == NULL) {
		verr_add(e, VERR_VALIDATION, "filter.ids", "is too large");
		return;
	}
	for (i = 0; i < n; i++) {
		id = json_string_value(json_array_get(v, i));
		if (id == NULL || !ids_valid(id, "job_", 16)) {
			snprintf(field, sizeof(field), "filter.ids[%zu]", i);
			verr_add(e, VERR_VALIDATION, field, "is not a job id");
			return;
		}
		memcpy(br->ids[i], id, ID_JOB_LEN + 1);
	}
	br->b.ids = (const char (*)[ID_JOB_LEN + 1])br->ids;
	br->b.nids = (int)n;
}

/* One field of the filter, checked, into b and its canonical form (canon,
 * when not NULL). */
static void
bulk_filter_field(const char *k, json_t *v, struct bulk_req *br, json_t *canon,
    struct verr *e)
{
	struct store_bulk *b = &br->b;
	enum job_status st;
	const char *s = json_string_value(v);
	char field[80];

	snprintf(field, sizeof(field), "filter.%.60s", k);
	if (strcmp(k, "status") == 0 && s != NULL && job_status_parse(s, &st) == 0)
		b->status = (int)st;
	else if (strcmp(k, "status") == 0)
		verr_add(e, VERR_VALIDATION, field, "must be one of pending, "
		    "awaiting_approval, active, completed, failed, cancelled");
	else if (strcmp(k, "queue") == 0 && s != NULL && jobreq_queue_valid(s))
		b->queue = s;
	else if (strcmp(k, "queue") == 0)
		verr_add(e, VERR_VALIDATION, field,
		    "must be 1 to 64 characters of [a-zA-Z0-9_-]");
	else if (strcmp(k, "schedule_id") == 0 && s != NULL && ids_valid(s, "sch_", 16))
		b->schedule_id = s;
	else if (strcmp(k, "schedule_id") == 0)
		verr_add(e, VERR_VALIDATION, field, "is not a schedule id");
	else if (strcmp(k, "created_after") == 0)
		bulk_time(field, v, &b->created_after, canon, e);
	else if (strcmp(k, "created_before") == 0)
		bulk_time(field, v, &b->created_before, canon, e);
	else if (strcmp(k, "ids") == 0)
		bulk_ids(v, br, e);
	else
		verr_add(e, VERR_VALIDATION, field, "is not a known filter");
	if (canon != NULL && s != NULL && e->n == 0 && strncmp(k, "created_", 8) != 0)
		json_object_set(canon, k, v);
}

/* The filter (fields that are null count as absent); an empty one is
 * refused: a bulk action on every job must be asked for by name. */
static void
bulk_filter(json_t *f, struct bulk_req *br, json_t *canon, struct verr *e)
{
	const char *k;
	json_t *v;
	int named = 0;

	if (!json_is_object(f)) {
		verr_add(e, VERR_VALIDATION, "filter", "must be an object");
		return;
	}
	json_object_foreach(f, k, v) {
		if (json_is_null(v))
			continue;
		named++;
		bulk_filter_field(k, v, br, canon, e);
	}
	if (named == 0 && e->n == 0)
		verr_add(e, VERR_VALIDATION, "filter", "must name at least one of status, "
		    "queue, schedule_id, created_after, created_before, ids: say which "
		    "jobs you mean");
}

static void
bulk_approved_by(json_t *v, struct store_bulk *b, struct verr *e)
{
	if (b->action != STORE_BULK_APPROVE)
		verr_add(e, VERR_VALIDATION, "approved_by", "goes with action approve only");
	else if (json_is_string(v) && json_string_length(v) >= 1 &&
	    json_string_length(v) <= APPROVED_BY_MAX)
		b->approved_by = json_string_value(v);
	else
		verr_add(e, VERR_VALIDATION, "approved_by", "must be 1 to %d characters",
		    APPROVED_BY_MAX);
}

/*
 * The cursor: made by this installation for this account, for the same
 * action and filter (a filter left out takes the cursor's).  It carries
 * the position where the last call stopped.
 */
static void
bulk_cursor(json_t *v, struct bulk_req *br, json_t *canon, int filtered,
    struct req *q, struct verr *e)
{
	struct cursor c;
	json_t *want;

	if (!json_is_string(v) || cursor_read(json_string_value(v), &c) == -1) {
		verr_add(e, VERR_VALIDATION, "cursor", "is not a valid cursor");
		return;
	}
	want = json_pack("{s:s, s:O}", "a", bulk_actions[br->b.action], "f", canon);
	if (strcmp(c.kind, BULK_CURSOR_KIND) != 0 ||
	    c.account != (json_int_t)q->account.id ||
	    !ids_valid(c.id, "job_", 16) || !json_is_object(json_object_get(c.filters, "f")))
		verr_add(e, VERR_VALIDATION, "cursor", "is not a valid cursor");
	else if (!json_equal(json_object_get(c.filters, "a"), json_object_get(want, "a")) ||
	    (filtered && !json_equal(c.filters, want)))
		verr_add(e, VERR_VALIDATION, "cursor", "was made for another action or "
		    "filter: repeat the same action and filter with it");
	else {
		br->b.has_after = 1;
		br->b.after_created = c.created;
		memcpy(br->b.after_id, c.id, sizeof(br->b.after_id));
	}
	json_decref(want);
	json_decref(c.filters);
}

/* A filter taken from a cursor: read back as a request's would be. */
static void
bulk_filter_from(json_t *canon, struct bulk_req *br, struct verr *e)
{
	const char *k;
	json_t *v;

	json_object_foreach(canon, k, v) {
		if (strcmp(k, "created_after") == 0 && json_is_integer(v))
			br->b.created_after = json_integer_value(v);
		else if (strcmp(k, "created_before") == 0 && json_is_integer(v))
			br->b.created_before = json_integer_value(v);
		else
			bulk_filter_field(k, v, br, NULL, e);
	}
}

static int
bulk_parse(struct req *q, json_t *body, struct bulk_req *br, struct verr *e)
{
	json_t *f = json_object_get(body, "filter"), *cur = json_object_get(body, "cursor");
	json_t *by = json_object_get(body, "approved_by"), *v;
	struct cursor c;
	const char *k;

	json_object_foreach(body, k, v)
		if (strcmp(k, "action") != 0 && strcmp(k, "filter") != 0 &&
		    strcmp(k, "cursor") != 0 && strcmp(k, "approved_by") != 0)
			verr_add(e, VERR_VALIDATION, k, "is not a known field");
	if (bulk_action(json_object_get(body, "action"), &br->b, e) == -1 || e->n > 0)
		return -1;
	if (by != NULL && !json_is_null(by))
		bulk_approved_by(by, &br->b, e);
	if (f != NULL && !json_is_null(f))
		bulk_filter(f, br, br->canon, e);
	else if (cur == NULL || json_is_null(cur))
		verr_add(e, VERR_MISSING_FIELD, "filter", "is required");
	if (e->n > 0 || cur == NULL || json_is_null(cur))
		return e->n > 0 ? -1 : 0;
	if (f == NULL || json_is_null(f)) {	/* the cursor's own filter */
		if (json_is_string(cur) && cursor_read(json_string_value(cur), &c) == 0) {
			json_object_update(br->canon, json_object_get(c.filters, "f"));
			json_decref(c.filters);
		}
		bulk_filter_from(br->canon, br, e);
	}
	if (e->n == 0 && br->b.ids != NULL)
		verr_add(e, VERR_VALIDATION, "cursor", "is not used with filter.ids: "
		    "one call handles all of them");
	if (e->n == 0)
		bulk_cursor(cur, br, br->canon, f != NULL && !json_is_null(f), q, e);
	return e->n > 0 ? -1 : 0;
}

/* The cursor of the call after this one, or NULL when it was the last. */
static char *
bulk_next(const struct req *q, const struct bulk_req *br)
{
	struct cursor c;
	char *out;

	if (!br->b.more || !br->b.has_after)
		return NULL;
	memset(&c, 0, sizeof(c));
	memcpy(c.kind, BULK_CURSOR_KIND, sizeof(BULK_CURSOR_KIND));
	c.account = q->account.id;
	c.filters = json_pack("{s:s, s:O}", "a", bulk_actions[br->b.action], "f",
	    br->canon);
	c.limit = STORE_BULK_MAX;
	c.created = br->b.after_created;
	memcpy(c.id, br->b.after_id, sizeof(c.id));
	out = cursor_make(&c);
	json_decref(c.filters);
	return out;
}

static void
bulk_wake(const struct req *q, const struct store_bulk *b)
{
	int i;

	for (i = 0; i < b->nwoken; i++)
		wakeup_send(b->woken[i].due > 0 ? WAKEUP_JOB : WAKEUP_QUEUE,
		    q->account.id, b->woken[i].queue, b->woken[i].due);
}

void
h_job_bulk(struct req *q, struct resp *r)
{
	struct bulk_req br;
	struct verr e;
	enum dq_err err;
	json_t *body;
	char *next = NULL;

	if ((body = req_json_object(q, r)) == NULL)
		return;
	memset(&br, 0, sizeof(br));
	br.b.account = q->account.id;
	br.b.status = -1;
	br.b.created_after = INT64_MIN;
	br.b.created_before = INT64_MAX;
	br.b.approved_by = q->account.name;
	br.b.now = q->now;
	br.b.max = STORE_BULK_MAX;
	br.b.budget_us = BULK_SLICE_US;
	br.canon = json_object();
	verr_init(&e);
	if (bulk_parse(q, body, &br, &e) == -1)
		resp_verr(r, q, &e);
	else if ((err = store_jobs_bulk(q->st, &br.b)) != DQ_OK)
		resp_dq_err(r, q, err, "jobs");
	else {
		bulk_wake(q, &br.b);
		next = bulk_next(q, &br);
		resp_json(r, 200, json_pack("{s:i, s:i, s:i, s:s?}", "matched",
		    br.b.matched, "changed", br.b.changed, "skipped", br.b.skipped,
		    "next_cursor", next));
	}
	free(next);
	free(br.ids);
	json_decref(br.canon);
	json_decref(body);
}
