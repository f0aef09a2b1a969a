/*
 * The route table and the checks every request passes before its handler:
 * authentication and the rate limit for /v1 (before routing, so an
 * unauthenticated request learns nothing about which routes exist; only
 * GET /v1/openapi.json is public there), then
 * 404/405, Content-Type (415) and a required body (400 missing_body).
 */
#ifndef DQ_ROUTER_H
#define DQ_ROUTER_H

#include "http.h"

void		 router_dispatch(struct req *, struct resp *);
/* "METHOD /pattern" of route i, for metrics labels. */
const char	*router_route_name(int);

#endif
