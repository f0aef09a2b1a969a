/*
 * One API request and its response, as dq-fcgi's handlers see them.  The
 * worker fills a struct req from the FastCGI parameters and body, a handler
 * fills the struct resp, and the worker writes it out.  Handlers never touch
 * FastCGI themselves.
 */
#ifndef DQ_HTTP_H
#define DQ_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "conf.h"
#include "dqerr.h"
#include "ids.h"
#include "store.h"
#include "verr.h"

#define REQ_MAX_PARAMS	4
#define REQ_ID_MAX	128

struct req {
	const char		*method;
	const char		*path;		/* raw path, without the query */
	const char		*query;		/* raw query string, or "" */
	const char		*content_type;	/* or NULL */
	const char		*authorization;	/* or NULL; never logged */
	const char		*idempotency_key;
	const char		*remote_addr;
	int64_t			 content_length;	/* -1: none given */
#define REQ_LENGTH_BAD	(-2)	/* content_length: not a number */
	char			*body;		/* NUL-terminated, or NULL */
	size_t			 body_len;
	char			 request_id[REQ_ID_MAX + 1];
	const char		*param[REQ_MAX_PARAMS];	/* {} segments of the route */
	int			 nparam;
	int			 route;		/* index in the route table, -1: none */
	struct account		 account;	/* after auth */
	int			 authed;
	int64_t			 now;		/* wall clock at arrival, ms */
	struct store		*st;
	const struct dq_conf	*conf;
};

#define RESP_HEADERS_MAX	2048

struct resp {
	int		 status;
	json_t		*json;		/* owned; the body when set */
	char		*text;		/* owned; a non-JSON body (metrics) */
	const char	*content_type;	/* for text */
	char		 headers[RESP_HEADERS_MAX];	/* extra "Name: value\r\n" lines */
	size_t		 hlen;
	const char	*error_code;	/* for the access log */
};

void	resp_init(struct resp *);
void	resp_free(struct resp *);
void	resp_header(struct resp *, const char *name, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Steals json. */
void	resp_json(struct resp *, int status, json_t *json);
/* The finished text of a JSON writer as the body (out of memory: 503). */
struct jw;
void	resp_jw(struct resp *, const struct req *, int status, struct jw *);
/* One job as the whole body. */
void	resp_job(struct resp *, const struct req *, int status, const struct job *,
	    int deduplicated);

/* The API's error envelope (API.md 3); details is stolen (may be NULL). */
void	resp_error(struct resp *, const struct req *, int status, const char *code,
	    json_t *details, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* The inner error objects, for the per-item results of a batch (new references). */
json_t	*resp_error_object(const struct req *, const char *code, json_t *details,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
json_t	*resp_verr_object(const struct req *, const struct verr *);
/* A validation failure: code and message from the first item, every item in details. */
void	resp_verr(struct resp *, const struct req *, const struct verr *);
/*
 * 503 unavailable from a member of a replicated group that is not the
 * master: DQ-Master names the master (its URL, else its address) when one
 * is known, so that a client or front end can go there.
 */
void	resp_not_master(struct resp *, const struct req *);
/* A store error mapped to its HTTP status and code (one table, resp.c). */
void	resp_dq_err(struct resp *, const struct req *, enum dq_err, const char *what);

/* Parse the body as a JSON object; on failure the error is in resp. */
json_t	*req_json_object(const struct req *, struct resp *);
/* What job validation needs from the request and the configuration. */
struct jobreq_ctx;
void	req_jobreq_ctx(const struct req *, struct jobreq_ctx *);

#endif
