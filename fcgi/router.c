/*
 * Routing from one table of {method, pattern, handler, flags}.  A pattern's
 * "*" matches one path segment, which the handler finds in req->param[].
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "handlers.h"
#include "log.h"
#include "metrics.h"
#include "ratelimit.h"
#include "router.h"

#define R_PUBLIC	0x1	/* no API key needed, even under /v1 */
#define R_BODY		0x2	/* a JSON body is required */

typedef void (*route_fn)(struct req *, struct resp *);

struct route {
	const char	*method;
	const char	*pattern;
	route_fn	 fn;
	int		 flags;
};

static const struct route routes[] = {
	{ "GET", "/healthz", h_healthz, R_PUBLIC },
	{ "GET", "/metrics", h_metrics, R_PUBLIC },
	{ "GET", "/v1/openapi.json", h_openapi, R_PUBLIC },
	{ "POST", "/v1/jobs", h_job_create, R_BODY },
	{ "GET", "/v1/jobs", h_job_list, 0 },
	{ "POST", "/v1/jobs/batch", h_job_batch, R_BODY },
	{ "POST", "/v1/jobs/bulk", h_job_bulk, R_BODY },
	{ "GET", "/v1/jobs/*", h_job_get, 0 },
	{ "DELETE", "/v1/jobs/*", h_job_delete, 0 },
	{ "POST", "/v1/jobs/*/approve", h_job_approve, 0 },
	{ "POST", "/v1/jobs/*/cancel", h_job_cancel, 0 },
	{ "POST", "/v1/jobs/*/retry", h_job_retry, 0 },
	{ "GET", "/v1/jobs/*/attempts", h_job_attempts, 0 },
	{ "POST", "/v1/schedules", h_sched_create, R_BODY },
	{ "GET", "/v1/schedules", h_sched_list, 0 },
	{ "GET", "/v1/schedules/*", h_sched_get, 0 },
	{ "PUT", "/v1/schedules/*", h_sched_put, R_BODY },
	{ "DELETE", "/v1/schedules/*", h_sched_delete, 0 },
	{ "POST", "/v1/schedules/*/pause", h_sched_pause, 0 },
	{ "POST", "/v1/schedules/*/resume", h_sched_resume, 0 },
	{ "GET", "/v1/queues", h_queue_list, 0 },
	{ "GET", "/v1/queues/*", h_queue_get, 0 },
	{ "PUT", "/v1/queues/*", h_queue_put, R_BODY },
	{ "POST", "/v1/queues/*/pause", h_queue_pause, 0 },
	{ "POST", "/v1/queues/*/resume", h_queue_resume, 0 },
	{ "POST", "/v1/queues/*/purge", h_queue_purge, 0 },
	{ "GET", "/v1/topics", h_topic_list, 0 },
	{ "GET", "/v1/topics/*", h_topic_get, 0 },
	{ "PUT", "/v1/topics/*", h_topic_put, R_BODY },
	{ "DELETE", "/v1/topics/*", h_topic_delete, 0 },
	{ "GET", "/v1/stats", h_stats, 0 },
};
#define NROUTES	(sizeof(routes) / sizeof(routes[0]))
_Static_assert(NROUTES <= MET_ROUTES, "metrics have a slot per route");

#define ROUTER_PATH_MAX	1024

/*
 * Match path against pattern; on a match, the "*" segments are copied into
 * buf (size bufsz, NUL-separated) and pointed to from q->param.
 */
static int
route_match(const char *pattern, const char *path, struct req *q, char *buf,
    size_t bufsz)
{
	const char *p = pattern, *s = path;
	size_t n;
	int np = 0;

	while (*p != '\0') {
		if (*p == '*') {
			n = strcspn(s, "/");
			if (n == 0 || np == REQ_MAX_PARAMS || n >= bufsz)
				return 0;
			memcpy(buf, s, n);
			buf[n] = '\0';
			q->param[np++] = buf;
			buf += n + 1;
			bufsz -= n + 1;
			s += n;
			p++;
			continue;
		}
		if (*p++ != *s++)
			return 0;
	}
	if (*s != '\0')
		return 0;
	q->nparam = np;
	return 1;
}

static int
router_is_api(const char *path)
{
	return strcmp(path, "/v1") == 0 || strncmp(path, "/v1/", 4) == 0;
}

/* A public route under /v1 (no '*' in its pattern), by method and path. */
static int
router_is_public(const struct req *q)
{
	size_t i;

	for (i = 0; i < NROUTES; i++)
		if ((routes[i].flags & R_PUBLIC) &&
		    strcmp(routes[i].method, q->method) == 0 &&
		    strcmp(routes[i].pattern, q->path) == 0)
			return 1;
	return 0;
}

/*
 * In a replicated group only the master takes writes.  Elsewhere a request
 * that could change something is refused first, before authentication
 * reads the store: nothing has happened, so a front end may send it on to
 * another member, and a key created on the master a moment ago is not yet
 * "unknown" here.  0 when it may go on, else resp is set.
 */
static int
router_writable(struct req *q, struct resp *r)
{
	if (!store_replicated(q->st) || strcmp(q->method, "GET") == 0 ||
	    strcmp(q->method, "HEAD") == 0)
		return 0;
	if (store_writable(q->st))
		return 0;
	resp_not_master(r, q);
	return -1;
}

/* 429 for a client address that has spent its tries without a valid key. */
static void
router_unauth_limited(struct req *q, struct resp *r)
{
	resp_header(r, "RateLimit-Limit", "%lld", (long long)q->conf->rate_limit_unauth);
	resp_header(r, "RateLimit-Remaining", "0");
	resp_header(r, "RateLimit-Reset", "1");
	resp_header(r, "Retry-After", "1");
	resp_error(r, q, 429, "rate_limited", json_pack("[{s:I}]", "limit",
	    (json_int_t)q->conf->rate_limit_unauth), "too many requests without a "
	    "valid API key from this address (at most %lld a second)",
	    (long long)q->conf->rate_limit_unauth);
}

/*
 * 0 when authenticated, else resp is set.  Requests without a valid key
 * spend their client address's bucket (rate_limit_unauthenticated).  While
 * an address's bucket is empty only keys this worker has seen lately pass
 * (from its cache); any other is answered 429 without a store read, so a
 * flood of bad keys costs a hash each and nothing more.
 */
static int
router_auth(struct req *q, struct resp *r)
{
	int64_t limit = q->conf->rate_limit_unauth;
	enum dq_err e;

	if (limit > 0 && !ratelimit_addr(q->remote_addr, limit, 0)) {
		if (auth_account_cached(q->authorization, &q->account) == DQ_OK) {
			q->authed = 1;
			return 0;
		}
		router_unauth_limited(q, r);
		return -1;
	}
	if ((e = auth_account(q->st, q->authorization, &q->account)) == DQ_OK) {
		q->authed = 1;
		return 0;
	}
	if (e != DQ_ERR_NOTFOUND) {
		resp_dq_err(r, q, e, "account");
		return -1;
	}
	if (limit > 0 && !ratelimit_addr(q->remote_addr, limit, 1)) {
		router_unauth_limited(q, r);
		return -1;
	}
	resp_header(r, "WWW-Authenticate", "Bearer");
	resp_error(r, q, 401, "unauthorized", NULL,
	    "a valid API key is required: Authorization: Bearer <key>");
	return -1;
}

static int
router_rate(struct req *q, struct resp *r)
{
	struct rl_result rl;
	json_t *details;

	if (q->conf->rate_limit <= 0)
		return 0;
	ratelimit_take(q->account.id, q->conf->rate_limit, &rl);
	resp_header(r, "RateLimit-Limit", "%lld", (long long)q->conf->rate_limit);
	resp_header(r, "RateLimit-Remaining", "%lld", (long long)rl.remaining);
	resp_header(r, "RateLimit-Reset", "%lld", (long long)rl.reset_s);
	if (rl.allowed)
		return 0;
	resp_header(r, "Retry-After", "1");
	details = json_pack("[{s:I}]", "limit", (json_int_t)q->conf->rate_limit);
	resp_error(r, q, 429, "rate_limited", details,
	    "rate limit of %lld requests per second exceeded",
	    (long long)q->conf->rate_limit);
	return -1;
}

static int
router_json_type(const char *ct)
{
	static const char want[] = "application/json";
	size_t n = sizeof(want) - 1;

	return ct != NULL && strncasecmp(ct, want, n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';');
}

/* 415 for a body that is not JSON; 400 for a missing required body. */
static int
router_body(const struct route *rt, struct req *q, struct resp *r)
{
	if (q->body_len > 0 && !router_json_type(q->content_type)) {
		resp_error(r, q, 415, "invalid_content_type", NULL,
		    "Content-Type must be application/json");
		return -1;
	}
	if ((rt->flags & R_BODY) && q->body_len == 0) {
		resp_error(r, q, 400, "missing_body", NULL, "a JSON body is required");
		return -1;
	}
	return 0;
}

static void
router_not_allowed(struct req *q, struct resp *r, const char *allow)
{
	resp_header(r, "Allow", "%s", allow);
	resp_error(r, q, 405, "method_not_allowed", NULL,
	    "%s is not allowed here; allowed: %s", q->method, allow);
}

void
router_dispatch(struct req *q, struct resp *r)
{
	char buf[ROUTER_PATH_MAX + REQ_MAX_PARAMS], allow[64] = "";
	const struct route *rt, *hit = NULL;
	size_t i;

	if (router_is_api(q->path) && !router_is_public(q) &&
	    (router_writable(q, r) == -1 || router_auth(q, r) == -1 ||
	    router_rate(q, r) == -1))
		return;
	if (strlen(q->path) > ROUTER_PATH_MAX)
		goto notfound;
	for (i = 0; i < NROUTES && hit == NULL; i++) {
		rt = &routes[i];
		if (!route_match(rt->pattern, q->path, q, buf, sizeof(buf)))
			continue;
		if (strcmp(rt->method, q->method) == 0)
			hit = rt;
		else if (strstr(allow, rt->method) == NULL)
			snprintf(allow + strlen(allow), sizeof(allow) - strlen(allow),
			    "%s%s", allow[0] ? ", " : "", rt->method);
	}
	if (hit == NULL && allow[0] != '\0') {
		router_not_allowed(q, r, allow);
		return;
	}
	if (hit == NULL)
		goto notfound;
	q->route = (int)(hit - routes);
	if (router_body(hit, q, r) == -1)
		return;
	hit->fn(q, r);
	return;
notfound:
	resp_error(r, q, 404, "not_found", NULL, "no route for %s %.200s",
	    q->method, q->path);
}

const char *
router_route_name(int i)
{
	static char names[NROUTES][64];

	if (i < 0 || (size_t)i >= NROUTES)
		return "none";
	if (names[i][0] == '\0')
		snprintf(names[i], sizeof(names[i]), "%s %s", routes[i].method,
		    routes[i].pattern);
	return names[i];
}
