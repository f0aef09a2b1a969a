/*
 * Fuzz target: the list routes' query string (query_parse) and paging
 * (page_parse) with signed cursors.  The input is tried as a whole query
 * string, and as a cursor's value both as it is and signed with this
 * process's key (cursor_seal: the fuzzer's text is then the cursor's JSON,
 * and reaches past the signature into the checks of what a cursor holds).  Whatever page_parse accepts must be in
 * range, and a cursor made from it must come back the same.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cursor.h"
#include "fuzz.h"
#include "query.h"

#define ACCOUNT	1

static const char *const allowed[] = {
	"status", "queue", "schedule_id", "limit", "offset", "cursor", NULL
};

/* As the jobs list checks its filters, in miniature: strings only, of
 * known names, short. */
static void
check_filters(json_t *f, struct verr *e)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)f, k, v)
		if ((strcmp(k, "status") != 0 && strcmp(k, "queue") != 0) ||
		    !json_is_string(v) || json_string_length(v) > 64)
			verr_add(e, VERR_INVALID_QUERY, k, "is not valid");
}

static const struct page_kind kind = { "jobs", "job_", check_filters };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[512];

	if (cursor_open(fuzz_dir(), err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	return 0;
}

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
	if (page_parse(q, &kind, ACCOUNT, filters_of(q), &p, &e) == -1) {
		FUZZ_CHECK(e.n > 0);
		page_free(&p);
		return;
	}
	FUZZ_CHECK(p.limit >= PAGE_LIMIT_MIN && p.limit <= PAGE_LIMIT_MAX &&
	    p.offset >= 0);
	if (p.has_after) {
		FUZZ_CHECK(strlen(p.after_id) == ID_JOB_LEN);
		FUZZ_CHECK(p.after_created >= 0 && p.after_created <= PAGE_TIME_MAX);
		cur = page_cursor(&p, p.after_created, p.after_id);
		FUZZ_CHECK(cur != NULL && strlen(cur) <= CURSOR_TEXT_MAX);
		memset(&cq, 0, sizeof(cq));
		cq.n = 1;
		cq.name[0] = "cursor";
		cq.value[0] = cur;
		FUZZ_CHECK(page_parse(&cq, &kind, ACCOUNT, json_object(), &again, &e) == 0);
		FUZZ_CHECK(again.after_created == p.after_created &&
		    again.limit == p.limit && strcmp(again.after_id, p.after_id) == 0 &&
		    json_equal(again.filters, p.filters));
		page_free(&again);
		free(cur);
	}
	page_free(&p);
}

static void
fuzz_cursor(char *value)
{
	struct query q;

	memset(&q, 0, sizeof(q));
	q.n = 1;
	q.name[0] = "cursor";
	q.value[0] = value;
	fuzz_page(&q);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct query q;
	struct verr e;
	char *s = fuzz_str(data, size), *sc;
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
	fuzz_cursor(s);
	if ((sc = cursor_seal(s, strlen(s))) != NULL) {
		fuzz_cursor(sc);
		free(sc);
	}
	free(s);
	return 0;
}
