/*
 * /v1/schedules (API.md 6): create, list, read, replace, delete, pause and
 * resume.  The dispatcher fires them; a wake-up tells it when one changes.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "jsonw.h"
#include "listing.h"
#include "query.h"
#include "schedreq.h"
#include "wakeup.h"

static void
sched_wake(const struct schedule *s)
{
	if (s->next_run_at != 0)
		wakeup_send(WAKEUP_SCHEDULE, s->account, NULL, s->next_run_at);
}

/* The {id} of the path: 0, or -1 with the 404 answered. */
static int
sched_id(struct req *q, struct resp *r)
{
	if (ids_valid(q->param[0], "sch_", 16))
		return 0;
	resp_dq_err(r, q, DQ_ERR_NOTFOUND, "schedule");
	return -1;
}

/* Parse a create/replace body; NULL with the 400 answered. */
static json_t *
sched_body(struct req *q, struct resp *r, struct schedule *s, struct jobreq *jr)
{
	struct jobreq_ctx ctx;
	struct verr e;
	json_t *body;

	if ((body = req_json_object(q, r)) == NULL)
		return NULL;
	req_jobreq_ctx(q, &ctx);
	verr_init(&e);
	if (sched_parse(body, &ctx, s, jr, &e) == -1) {
		resp_verr(r, q, &e);
		json_decref(body);
		return NULL;
	}
	return body;
}

void
h_sched_create(struct req *q, struct resp *r)
{
	struct schedule s;
	struct jobreq jr;
	enum dq_err err;
	json_t *body;

	if ((body = sched_body(q, r, &s, &jr)) == NULL)
		return;
	if ((err = store_schedule_create(q->st, q->account.id, &s)) == DQ_ERR_QUOTA)
		list_quota(r, q, STORE_QUOTA_SCHEDULES);
	else if (err != DQ_OK)
		resp_dq_err(r, q, err, "schedule");
	else {
		sched_wake(&s);
		resp_json(r, 201, sched_to_json(&s));
	}
	jobreq_free(&jr);
	json_decref(body);
}

void
h_sched_get(struct req *q, struct resp *r)
{
	struct schedule s;
	enum dq_err err;

	if (sched_id(q, r) == -1)
		return;
	if ((err = store_schedule_get(q->st, q->account.id, q->param[0], &s)) != DQ_OK) {
		resp_dq_err(r, q, err, "schedule");
		return;
	}
	resp_json(r, 200, sched_to_json(&s));
	sched_free(&s);
}

static const char *const list_params[] = { "limit", "offset", "cursor", NULL };

/* Schedules are listed unfiltered: a cursor's filters must be none. */
static void
list_check(json_t *f, struct verr *e)
{
	const char *k;
	json_t *v;

	json_object_foreach(f, k, v)
		verr_add(e, VERR_INVALID_QUERY, k, "is not a known filter");
}

static const struct page_kind list_kind = { "schedules", "sch_", list_check };

void
h_sched_list(struct req *q, struct resp *r)
{
	struct schedule s[STORE_LIST_MAX];
	struct store_list_query lq;
	struct query qs;
	struct page pg;
	struct verr e;
	enum dq_err err;
	int64_t total;
	int n = 0, more, i;
	json_t *item;
	struct jw w;
	char *cursor = NULL;

	verr_init(&e);
	memset(&pg, 0, sizeof(pg));
	if (query_parse(&qs, q->query, list_params, &e) == 0)
		list_page(&qs, &list_kind, q->account.id, json_object(), &pg, &e);
	if (e.n > 0) {
		resp_verr(r, q, &e);
		page_free(&pg);
		return;
	}
	memset(&lq, 0, sizeof(lq));
	lq.account = q->account.id;
	lq.limit = pg.limit;
	lq.offset = pg.offset;
	lq.has_after = pg.has_after;
	lq.after_created = pg.after_created;
	memcpy(lq.after_id, pg.after_id, sizeof(lq.after_id));
	if ((err = store_schedules_list(q->st, &lq, s, &n, &more, &total)) != DQ_OK) {
		resp_dq_err(r, q, err, "schedules");
		page_free(&pg);
		return;
	}
	if (more && n > 0)
		cursor = page_cursor(&pg, s[n - 1].created_at, s[n - 1].id);
	jw_init(&w);
	list_open(&w);
	for (i = 0; i < n; i++) {
		item = sched_to_json(&s[i]);
		jw_value(&w, item);
		json_decref(item);
	}
	list_close(&w, total, &pg, cursor);
	resp_jw(r, q, 200, &w);
	free(cursor);
	for (i = 0; i < n; i++)
		sched_free(&s[i]);
	page_free(&pg);
}

struct change {
	const struct schedule	*with;	/* replace: the new definition */
	int			 pause;	/* else: 1 pause, 0 resume */
	int64_t			 now;
};

static enum dq_err
sched_change(struct schedule *s, void *arg)
{
	const struct change *c = arg;

	s->updated_at = c->now;
	if (c->with != NULL) {
		s->name = c->with->name;
		s->cron = c->with->cron;
		s->timezone = c->with->timezone;
		s->paused = c->with->paused;
		s->next_run_at = c->with->next_run_at;
		s->tmpl = c->with->tmpl;
		return DQ_OK;
	}
	if (c->pause) {
		s->paused = 1;
		s->next_run_at = 0;
	} else if (s->paused) {
		s->paused = 0;
		s->next_run_at = sched_next(s, c->now);
		if (s->next_run_at < 0)
			s->next_run_at = 0;
	}
	return DQ_OK;
}

static void
sched_edit(struct req *q, struct resp *r, struct change *c)
{
	struct schedule out;
	enum dq_err err;

	c->now = q->now;
	err = store_schedule_edit(q->st, q->account.id, q->param[0], sched_change, c,
	    &out);
	if (err != DQ_OK) {
		resp_dq_err(r, q, err, "schedule");
		return;
	}
	sched_wake(&out);
	resp_json(r, 200, sched_to_json(&out));
	sched_free(&out);
}

void
h_sched_put(struct req *q, struct resp *r)
{
	struct change c = { NULL, 0, 0 };
	struct schedule s;
	struct jobreq jr;
	json_t *body;

	if (sched_id(q, r) == -1 || (body = sched_body(q, r, &s, &jr)) == NULL)
		return;
	c.with = &s;
	sched_edit(q, r, &c);
	jobreq_free(&jr);
	json_decref(body);
}

void
h_sched_pause(struct req *q, struct resp *r)
{
	struct change c = { NULL, 1, 0 };

	if (sched_id(q, r) == 0)
		sched_edit(q, r, &c);
}

void
h_sched_resume(struct req *q, struct resp *r)
{
	struct change c = { NULL, 0, 0 };

	if (sched_id(q, r) == 0)
		sched_edit(q, r, &c);
}

void
h_sched_delete(struct req *q, struct resp *r)
{
	enum dq_err err;

	if (sched_id(q, r) == -1)
		return;
	if ((err = store_schedule_delete(q->st, q->account.id, q->param[0])) != DQ_OK) {
		resp_dq_err(r, q, err, "schedule");
		return;
	}
	resp_json(r, 200, json_pack("{s:s, s:b}", "id", q->param[0], "deleted", 1));
}
