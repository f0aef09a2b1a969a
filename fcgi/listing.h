/*
 * The list routes' paging rule beyond query.c (offset is capped) and the
 * 422 quota_exceeded answers (listing.c).
 */
#ifndef DQ_LISTING_H
#define DQ_LISTING_H

#include "http.h"
#include "query.h"

#define LIST_OFFSET_MAX	10000

struct jw;

/*
 * Every list answers {"data":[…],"total","limit","offset","next_cursor"}:
 * list_open() starts it (the caller writes the items), list_close() ends
 * it with the page's figures (cursor NULL: the last page).
 */
void	list_open(struct jw *);
void	list_close(struct jw *, int64_t total, const struct page *,
	    const char *cursor);

/* page_parse(), then the offset cap; 0, or -1 with e filled. */
int	list_page(const struct query *, const struct page_kind *, uint32_t account,
	    json_t *filters, struct page *, struct verr *);

/* The {name} of a path (a queue's, a topic's): 0, or -1 with 400 answered. */
int	list_name_param(struct req *, struct resp *);
/*
 * Lists by name (queues, topics): limit, offset and a cursor whose only
 * filter is the name the next page starts after (NULL: the first page),
 * into the store's query for the request's account.  0, or -1 with 400
 * answered; page_free(pg) after (nq borrows from it).  kind's check is
 * list_name_check.  list_name_cursor: the cursor of the page after last.
 */
void	list_name_check(json_t *filters, struct verr *e);
int	list_name_page(struct req *, const struct page_kind *, struct page *pg,
	    struct store_name_query *nq, struct resp *);
char	*list_name_cursor(struct page *pg, const char *last);

/* 422 quota_exceeded naming the limit; the error object alone for a batch. */
json_t	*list_quota_object(const struct req *, enum store_quota);
void	 list_quota(struct resp *, const struct req *, enum store_quota);

#endif
