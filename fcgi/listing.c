/*
 * What every list route shares beyond query.c's parsing: the cap on
 * offset (a deep page is reached with next_cursor, which seeks, not with an
 * offset, which walks every entry before it inside one read transaction),
 * and the answers for an account at one of its limits (dq.conf
 * max_*_per_account).
 */
#include "config.h"

#include <string.h>

#include "jobreq.h"
#include "jsonw.h"
#include "listing.h"

int
list_page(const struct query *qs, const struct page_kind *kind, uint32_t account,
    json_t *filters, struct page *pg, struct verr *e)
{
	if (page_parse(qs, kind, account, filters, pg, e) == -1)
		return -1;
	if (pg->offset <= LIST_OFFSET_MAX)
		return 0;
	verr_add(e, VERR_INVALID_QUERY, "offset", "must be at most %d: page further "
	    "with the cursor (next_cursor of the page before)", LIST_OFFSET_MAX);
	return -1;
}

#define QUOTA_CODE	"quota_exceeded"	/* 422, as resp.c's table says */

static const struct {
	const char	*name;		/* details[].quota */
	const char	*why;
} quotas[] = {
	[STORE_QUOTA_JOBS] = { "jobs", "the account stores as many jobs as "
	    "max_jobs_per_account allows (finished jobs count until retention "
	    "removes them)" },
	[STORE_QUOTA_QUEUES] = { "queues", "the account has as many queues as "
	    "max_queues_per_account allows: use one of them" },
	[STORE_QUOTA_SCHEDULES] = { "schedules", "the account has as many "
	    "schedules as max_schedules_per_account allows: delete one first" },
	[STORE_QUOTA_TOPICS] = { "topics", "the account has as many topics as "
	    "max_topics_per_account allows: delete one first" },
};

static int64_t
quota_limit(const struct dq_conf *c, enum store_quota which)
{
	switch (which) {
	case STORE_QUOTA_JOBS:
		return c->max_jobs_per_account;
	case STORE_QUOTA_QUEUES:
		return c->max_queues_per_account;
	case STORE_QUOTA_SCHEDULES:
		return c->max_schedules_per_account;
	default:
		return c->max_topics_per_account;
	}
}

json_t *
list_quota_object(const struct req *q, enum store_quota which)
{
	int64_t limit = quota_limit(q->conf, which);

	return resp_error_object(q, QUOTA_CODE, json_pack("[{s:s, s:I}]",
	    "quota", quotas[which].name, "limit", (json_int_t)limit),
	    "%s (limit %lld)", quotas[which].why, (long long)limit);
}

void
list_quota(struct resp *r, const struct req *q, enum store_quota which)
{
	r->error_code = QUOTA_CODE;
	resp_json(r, 422, json_pack("{s:o}", "error", list_quota_object(q, which)));
}

int
list_name_param(struct req *q, struct resp *r)
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

/*
 * Lists by name (queues, topics) have no filters of their own: their
 * cursor (signed like every list's) carries the last name of its page as
 * its only filter, "after"; the id every page cursor carries is a
 * placeholder.
 */
#define NAME_CURSOR_ID	"job_0000000000000000"

void
list_name_check(json_t *filters, struct verr *e)
{
	const char *k;
	json_t *v;

	json_object_foreach(filters, k, v)
		if (strcmp(k, "after") != 0 || !json_is_string(v) ||
		    !jobreq_queue_valid(json_string_value(v)))
			verr_add(e, VERR_INVALID_QUERY, "cursor", "is not a valid cursor");
}

static const char *const name_params[] = { "limit", "offset", "cursor", NULL };

int
list_name_page(struct req *q, const struct page_kind *kind, struct page *pg,
    struct store_name_query *nq, struct resp *r)
{
	struct query qs;
	struct verr e;

	verr_init(&e);
	memset(pg, 0, sizeof(*pg));
	memset(nq, 0, sizeof(*nq));
	if (query_parse(&qs, q->query, name_params, &e) == 0 &&
	    list_page(&qs, kind, q->account.id, json_object(), pg, &e) == 0) {
		nq->account = q->account.id;
		nq->after = json_string_value(json_object_get(pg->filters, "after"));
		nq->offset = pg->offset;
		nq->limit = pg->limit;
		if (!pg->has_after || nq->after != NULL)
			return 0;
		verr_add(&e, VERR_VALIDATION, "cursor", "is not a valid cursor");
	}
	resp_verr(r, q, &e);
	page_free(pg);
	return -1;
}

char *
list_name_cursor(struct page *pg, const char *last)
{
	json_t *f;

	if ((f = json_pack("{s:s}", "after", last)) == NULL)
		return NULL;
	json_decref(pg->filters);	/* the next page starts after this one */
	pg->filters = f;
	return page_cursor(pg, 0, NAME_CURSOR_ID);
}

void
list_open(struct jw *w)
{
	jw_open(w, '{');
	jw_key(w, "data");
	jw_open(w, '[');
}

void
list_close(struct jw *w, int64_t total, const struct page *pg, const char *cursor)
{
	jw_close(w, ']');
	jw_key(w, "total");
	jw_int(w, total);
	jw_key(w, "limit");
	jw_int(w, pg->limit);
	jw_key(w, "offset");
	jw_int(w, pg->offset);
	jw_key(w, "next_cursor");
	jw_str(w, cursor);
	jw_close(w, '}');
}
