/*
 * Building responses: JSON bodies, extra headers, the error envelope, and
 * the one table that maps dq's error enum to HTTP.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "jobreq.h"
#include "jsonw.h"
#include "log.h"

void
resp_init(struct resp *r)
{
	memset(r, 0, sizeof(*r));
	r->status = 200;
}

void
resp_free(struct resp *r)
{
	json_decref(r->json);
	free(r->text);
	r->json = NULL;
	r->text = NULL;
}

void
resp_header(struct resp *r, const char *name, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(r->headers + r->hlen, sizeof(r->headers) - r->hlen, "%s: ", name);
	if (n < 0 || (size_t)n >= sizeof(r->headers) - r->hlen)
		return;
	r->hlen += (size_t)n;
	va_start(ap, fmt);
	n = vsnprintf(r->headers + r->hlen, sizeof(r->headers) - r->hlen, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n + 2 >= sizeof(r->headers) - r->hlen) {
		r->headers[r->hlen] = '\0';
		return;
	}
	r->hlen += (size_t)n;
	memcpy(r->headers + r->hlen, "\r\n", 3);
	r->hlen += 2;
}

void
resp_json(struct resp *r, int status, json_t *json)
{
	json_decref(r->json);
	r->status = status;
	r->json = json;
}

static json_t	*resp_error_vobject(const struct req *, const char *, json_t *,
		    const char *, va_list) __attribute__((format(printf, 4, 0)));

void
resp_jw(struct resp *r, const struct req *q, int status, struct jw *w)
{
	char *text;

	if ((text = jw_finish(w, NULL)) == NULL) {
		resp_dq_err(r, q, DQ_ERR_NOMEM, NULL);
		return;
	}
	resp_json(r, status, NULL);
	free(r->text);
	r->text = text;
	r->content_type = "application/json; charset=utf-8";
}

void
resp_job(struct resp *r, const struct req *q, int status, const struct job *j,
    int deduplicated)
{
	struct jw w;

	jw_init(&w);
	job_write_json(&w, j, deduplicated, q->now);
	resp_jw(r, q, status, &w);
}

static json_t *
resp_error_vobject(const struct req *q, const char *code, json_t *details,
    const char *fmt, va_list ap)
{
	char msg[512];
	json_t *err;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	verr_utf8_fix(msg);
	err = json_pack("{s:s, s:s, s:s}", "code", code, "message", msg,
	    "request_id", q->request_id);
	if (err != NULL && details != NULL)
		json_object_set_new(err, "details", details);
	else
		json_decref(details);
	return err;
}

json_t *
resp_error_object(const struct req *q, const char *code, json_t *details,
    const char *fmt, ...)
{
	va_list ap;
	json_t *err;

	va_start(ap, fmt);
	err = resp_error_vobject(q, code, details, fmt, ap);
	va_end(ap);
	return err;
}

void
resp_error(struct resp *r, const struct req *q, int status, const char *code,
    json_t *details, const char *fmt, ...)
{
	va_list ap;
	json_t *err;

	va_start(ap, fmt);
	err = resp_error_vobject(q, code, details, fmt, ap);
	va_end(ap);
	r->error_code = code;
	resp_json(r, status, json_pack("{s:o}", "error", err));
}

json_t *
resp_verr_object(const struct req *q, const struct verr *e)
{
	json_t *details = json_array();
	const struct verr_item *first = &e->item[0];
	int i;

	for (i = 0; i < e->n; i++)
		json_array_append_new(details, e->item[i].field[0] ?
		    json_pack("{s:s, s:s}", "field", e->item[i].field,
		    "message", e->item[i].message) :
		    json_pack("{s:s}", "message", e->item[i].message));
	return resp_error_object(q, verr_code_name(first->code), details,
	    "%s%s%s", first->field, first->field[0] ? " " : "", first->message);
}

void
resp_verr(struct resp *r, const struct req *q, const struct verr *e)
{
	r->error_code = verr_code_name(e->item[0].code);
	resp_json(r, 400, json_pack("{s:o}", "error", resp_verr_object(q, e)));
}

/* A message with a leading "%" is prefixed with what the request named. */
static const struct {
	enum dq_err	 err;
	int		 status;
	const char	*code;
	const char	*message;
} errmap[] = {
	{ DQ_ERR_NOMEM, 503, "unavailable", "out of memory, try again" },
	{ DQ_ERR_BUSY, 503, "unavailable", "the store is busy, try again" },
	{ DQ_ERR_NOTFOUND, 404, "not_found", "% not found" },
	{ DQ_ERR_STATE, 409, "conflict", "% is not allowed in this state" },
	{ DQ_ERR_IDEM_REUSED, 422, "idempotency_key_reused",
	    "the Idempotency-Key was already used with a different request body" },
	{ DQ_ERR_EXISTS, 409, "conflict", "% already exists" },
	{ DQ_ERR_INVALID, 400, "validation_error", "% is invalid" },
	{ DQ_ERR_QUOTA, 422, "quota_exceeded", "% is over the account's quota" },
};

void
resp_dq_err(struct resp *r, const struct req *q, enum dq_err e, const char *what)
{
	const char *msg;
	size_t i;

	for (i = 0; i < sizeof(errmap) / sizeof(errmap[0]); i++) {
		if (errmap[i].err != e)
			continue;
		if (errmap[i].status == 503)
			resp_header(r, "Retry-After", "1");
		msg = errmap[i].message;
		if (msg[0] == '%')
			resp_error(r, q, errmap[i].status, errmap[i].code, NULL,
			    "%s%s", what ? what : "object", msg + 1);
		else
			resp_error(r, q, errmap[i].status, errmap[i].code, NULL,
			    "%s", msg);
		return;
	}
	log_warnx("internal error: %s (%s)", dq_strerror(e), what ? what : "-");
	resp_error(r, q, 500, "internal_error", NULL,
	    "internal error; the request id is in the server log");
}

json_t *
req_json_object(const struct req *q, struct resp *r)
{
	json_error_t jerr;
	json_t *v;

	if (q->body == NULL || q->body_len == 0) {
		resp_error(r, q, 400, "missing_body", NULL, "a JSON body is required");
		return NULL;
	}
	v = json_loadb(q->body, q->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (v == NULL) {
		resp_error(r, q, 400, "invalid_request", NULL,
		    "body is not valid JSON: %s at line %d, column %d", jerr.text,
		    jerr.line, jerr.column);
		return NULL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		resp_error(r, q, 400, "invalid_request", NULL,
		    "body must be a JSON object");
		return NULL;
	}
	return v;
}

void
req_jobreq_ctx(const struct req *q, struct jobreq_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->now_ms = q->now;
	ctx->default_max_attempts = q->conf->default_max_attempts;
	ctx->default_timeout_ms = q->conf->delivery_timeout_ms;
	ctx->require_https = q->conf->require_https;
}
