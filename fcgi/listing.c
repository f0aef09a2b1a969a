/*
 * What every list route shares beyond query.c's parsing: the cap on
 * offset (a deep page is reached with next_cursor, which seeks, not with an
 * offset, which walks every entry before it inside one read transaction),
 * and the answers for an account at one of its limits (dq.conf
 * max_*_per_account).
 */
#include "config.h"

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
};

static int64_t
quota_limit(const struct dq_conf *c, enum store_quota which)
{
	return which == STORE_QUOTA_JOBS ? c->max_jobs_per_account :
	    which == STORE_QUOTA_QUEUES ? c->max_queues_per_account :
	    c->max_schedules_per_account;
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
