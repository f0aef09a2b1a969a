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

struct page {
	int		 limit;
	int64_t		 offset;
	int		 has_after;
	int64_t		 after_created;
	char		 after_id[ID_JOB_LEN + 1];	/* job or schedule id */
	json_t		*filters;	/* owned: the filters in effect */
};

/*
 * Read limit, offset and cursor.  filters (stolen) are the request's own
 * filters as a JSON object; with a cursor they must be absent or equal to
 * the cursor's, and page->filters becomes the cursor's.
 */
int	page_parse(const struct query *, json_t *filters, struct page *, struct verr *e);
/* The opaque cursor for the page after (created, id); new string. */
char	*page_cursor(const json_t *filters, int64_t created, const char *id);
void	page_free(struct page *);

#endif
