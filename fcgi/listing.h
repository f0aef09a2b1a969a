/*
 * The list routes' paging rule beyond query.c (offset is capped) and the
 * 422 quota_exceeded answers (listing.c).
 */
#ifndef DQ_LISTING_H
#define DQ_LISTING_H

#include "http.h"
#include "query.h"

#define LIST_OFFSET_MAX	10000

/* page_parse(), then the offset cap; 0, or -1 with e filled. */
int	list_page(const struct query *, const struct page_kind *, uint32_t account,
	    json_t *filters, struct page *, struct verr *);

/* 422 quota_exceeded naming the limit; the error object alone for a batch. */
json_t	*list_quota_object(const struct req *, enum store_quota);
void	 list_quota(struct resp *, const struct req *, enum store_quota);

#endif
