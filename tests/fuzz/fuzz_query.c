/*
 * Fuzz target: the list routes' query string (query_parse) and paging
 * (page_parse), with the cursor decoded from base64url JSON.  The input is
 * tried both as a whole query string and as a cursor's value; a cursor that
 * is accepted must come back the same after page_cursor() makes it again.
 */
#include "config.h"

#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "query.h"

static const char *const allowed[] = {
	"status", "queue", "schedule_id", "limit", "offset", "cursor", NULL
};

/* The filters the list handlers pass: the ones given, as a JSON object. */
static json_t *
filters_of(const struct query *q)
{
	json_t *f = json_object();
	const char *v;

	if ((v = query_get(q, "status")) != NULL)
		json_object_set_new(f, "status", json_string(v));
	if ((v = query_get(q, "queue")) != NULL)
		json_object_set_new(f, "queue", json_string(v));
	return f;
}

static void
fuzz_page(const struct query *q)
{
	struct page p, again;
	struct query cq;
	struct verr e;
	char *cur;

	verr_init(&e);
	if (page_parse(q, filters_of(q), &p, &e) == -1) {
		FUZZ_CHECK(e.n > 0);
		page_free(&p);
		return;
	}
	FUZZ_CHECK(p.limit >= 1 && p.limit <= 100 && p.offset >= 0);
	if (p.has_after) {
		FUZZ_CHECK(strlen(p.after_id) == ID_JOB_LEN);
		cur = page_cursor(p.filters, p.after_created, p.after_id);
		FUZZ_CHECK(cur != NULL);
		memset(&cq, 0, sizeof(cq));
		cq.n = 1;
		cq.name[0] = "cursor";
		cq.value[0] = cur;
		FUZZ_CHECK(page_parse(&cq, json_object(), &again, &e) == 0);
		FUZZ_CHECK(again.after_created == p.after_created &&
		    strcmp(again.after_id, p.after_id) == 0 &&
		    json_equal(again.filters, p.filters));
		page_free(&again);
		free(cur);
	}
	page_free(&p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct query q;
	struct verr e;
	char *s = fuzz_str(data, size);
	int i;

	if (s == NULL)
		return 0;
	verr_init(&e);
	if (query_parse(&q, s, allowed, &e) == 0) {
		FUZZ_CHECK(q.n <= QUERY_MAX);
		for (i = 0; i < q.n; i++)
			FUZZ_CHECK(query_get(&q, q.name[i]) == q.value[i]);
		fuzz_page(&q);
	} else
		FUZZ_CHECK(e.n > 0);
	memset(&q, 0, sizeof(q));
	q.n = 1;
	q.name[0] = "cursor";
	q.value[0] = s;
	fuzz_page(&q);
	free(s);
	return 0;
}
