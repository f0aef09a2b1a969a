/*
 * Query strings of the list routes: name=value pairs, percent-decoded, each
 * name known to the route and given at most once; and the paging parameters
 * (limit, offset, cursor) shared by every list.
 */
#ifndef DQ_QUERY_H
#define DQ_QUERY_H

#include <stdint.h>

#include <jansson.h>

#include "ids.h"
#include "verr.h"

#define QUERY_MAX	16
#define QUERY_LEN_MAX	4096

struct query {
	int	 n;
	char	*name[QUERY_MAX];
	char	*value[QUERY_MAX];
	char	 buf[QUERY_LEN_MAX + QUERY_MAX];
};

/* 0, or -1 with e filled (invalid_query). */
int		 query_parse(struct query *, const char *qs, const char *const *allowed,
		    struct verr *e);
const char	*query_get(const struct query *, const char *name);

#define PAGE_LIMIT_MIN	1
#define PAGE_LIMIT_MAX	100
#define PAGE_TIME_MAX	253402300799999LL	/* 9999-12-31T23:59:59.999Z */

/* What a list route pages over. */
struct page_kind {
	const char	*name;		/* "jobs", "schedules": a cursor serves its own list */
	const char	*id_prefix;	/* of the ids it pages by: "job_", "sch_" */
	/*
	 * Check the list's filters (a JSON object; the query string's are
	 * strings), adding invalid_query errors named after each filter.  The
	 * same check runs on the filters a cursor brings back.
	 */
	void		(*check)(json_t *filters, struct verr *e);
};

struct page {
	const struct page_kind *kind;
	uint32_t	 account;
	int		 limit;
	int64_t		 offset;
	int		 has_after;
	int64_t		 after_created;
	char		 after_id[ID_JOB_LEN + 1];	/* job or schedule id */
	json_t		*filters;	/* owned: the filters in effect */
};

/*
 * Read limit, offset and cursor for account's list of kind.  filters
 * (stolen) are the request's own, as a JSON object of strings; with a
 * cursor they must be absent or equal to the cursor's, and page->filters
 * becomes the cursor's.  A cursor also brings its page size, unless the
 * request sends a limit, which the next cursor then keeps.
 */
int	page_parse(const struct query *, const struct page_kind *, uint32_t account,
	    json_t *filters, struct page *, struct verr *e);
/* The opaque cursor for the page after (created, id); new string or NULL. */
char	*page_cursor(const struct page *, int64_t created, const char *id);
void	page_free(struct page *);

#endif
