/*
 * Validation of a job create body, one parser per field from a table.
 * Unknown fields are refused (typo protection); null means "not given" for
 * every optional field.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dqtime.h"
#include "jobreq.h"
#include "jsonw.h"
#include "num.h"

#define JR_HEADERS_MAX		50
#define JR_HEADERS_BYTES	8192
#define JR_DELAY_MAX_MS		(365LL * 86400000)
#define JR_TIMEOUT_MIN_MS	1000LL
#define JR_TIMEOUT_MAX_MS	(15LL * 60000)

#define JR_CREATE	0x1
#define JR_TEMPLATE	0x2

struct jr_state {
	const struct jobreq_ctx	*ctx;
	struct jobreq		*out;
	struct verr		*e;
	int64_t			 delay_ms;	/* -1: none */
	int64_t			 run_at;
	int			 has_run_at;	/* run_at may be 0, the epoch */
};

typedef void (*jr_field_fn)(struct jr_state *, const char *, json_t *);

struct jr_field {
	const char	*name;
	int		 modes;
	int		 required;
	jr_field_fn	 fn;
};

static const char *
jr_string(struct jr_state *s, const char *name, json_t *v, size_t min, size_t max)
{
	size_t n;

	if (!json_is_string(v)) {
		verr_add(s->e, VERR_VALIDATION, name, "must be a string");
		return NULL;
	}
	n = json_string_length(v);
	if (n < min || n > max) {
		verr_add(s->e, VERR_VALIDATION, name,
		    "must be %zu to %zu characters long", min, max);
		return NULL;
	}
	return json_string_value(v);
}

int
jobreq_queue_valid(const char *q)
{
	size_t n = strlen(q), i;

	if (n < 1 || n > JOB_QUEUE_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)q[i]) && q[i] != '_' && q[i] != '-')
			return 0;
	return 1;
}

static int
jr_host_valid(const char *h, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	if (h[0] == '[')		/* IPv6 literal: checked when resolved */
		return h[n - 1] == ']' && n > 2;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)h[i]) && h[i] != '-' && h[i] != '.' &&
		    h[i] != '_')
			return 0;
	return 1;
}

/* Absolute http(s) URL with a host and an optional numeric port. */
int
jobreq_check_url(const char *field, const char *url, int require_https,
    struct verr *e)
{
	const char *p, *auth, *end, *host, *port = NULL, *q;
	long long pn;
	char portbuf[8];

	for (p = url; *p; p++) {
		if ((unsigned char)*p <= 0x20 || *p == 0x7f) {
			verr_add(e, VERR_VALIDATION, field,
			    "must not contain spaces or control characters");
			return -1;
		}
	}
	if (strncasecmp(url, "https://", 8) == 0)
		auth = url + 8;
	else if (strncasecmp(url, "http://", 7) == 0) {
		if (require_https) {
			verr_add(e, VERR_VALIDATION, field,
			    "must be an https URL (require_https is set)");
			return -1;
		}
		auth = url + 7;
	} else {
		verr_add(e, VERR_VALIDATION, field,
		    "must be an absolute http or https URL");
		return -1;
	}
	end = auth + strcspn(auth, "/?#");
	host = auth;
	if ((q = memchr(auth, '@', (size_t)(end - auth))) != NULL)
		host = q + 1;
	if (*host == '[')
		q = memchr(host, ']', (size_t)(end - host));
	else
		q = host;
	if (q != NULL && (q = memchr(q, ':', (size_t)(end - q))) != NULL) {
		port = q + 1;
		if ((size_t)(end - port) >= sizeof(portbuf) || end == port)
			goto badport;
		memcpy(portbuf, port, (size_t)(end - port));
		portbuf[end - port] = '\0';
		if (num_parse_ll(portbuf, 1, 65535, &pn) == -1)
			goto badport;
	}
	if (!jr_host_valid(host, (size_t)((port ? port - 1 : end) - host))) {
		verr_add(e, VERR_VALIDATION, field, "must have a valid host");
		return -1;
	}
	return 0;
badport:
	verr_add(e, VERR_VALIDATION, field, "has an invalid port");
	return -1;
}

static void
jr_url(struct jr_state *s, const char *name, json_t *v)
{
	const char *u = jr_string(s, name, v, 1, JOB_URL_MAX);

	if (u == NULL || jobreq_check_url(name, u, s->ctx->require_https, s->e))
		return;
	if (strcmp(name, "url") == 0)
		s->out->job.url = u;
	else
		s->out->job.callback_url = u;
}

static void
jr_method(struct jr_state *s, const char *name, json_t *v)
{
	char up[8];
	size_t i, n;
	enum job_method m;

	if (!json_is_string(v) || (n = json_string_length(v)) >= sizeof(up))
		goto bad;
	for (i = 0; i <= n; i++)
		up[i] = (char)toupper((unsigned char)json_string_value(v)[i]);
	if (job_method_parse(up, &m) == -1)
		goto bad;
	s->out->job.method = m;
	return;
bad:
	verr_add(s->e, VERR_VALIDATION, name,
	    "must be one of GET, POST, PUT, PATCH, DELETE");
}

/* Compact JSON text of a value (stored, and sent as the body as it is). */
char *
jobreq_compact(json_t *v)
{
	struct jw w;

	jw_init(&w);
	jw_value(&w, v);
	return jw_finish(&w, NULL);
}

static void
jr_payload(struct jr_state *s, const char *name, json_t *v)
{
	if (!json_is_object(v)) {
		verr_add(s->e, VERR_VALIDATION, name, "must be an object or null");
		return;
	}
	if ((s->out->payload = jobreq_compact(v)) == NULL)
		verr_add(s->e, VERR_VALIDATION, name, "cannot be encoded");
	s->out->job.payload = s->out->payload;
}

static int
jr_token(const char *s)
{
	static const char tchar[] = "!#$%&'*+-.^_`|~";

	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && strchr(tchar, *s) == NULL)
			return 0;
	return 1;
}

static int
jr_header_reserved(const char *h)
{
	static const char *const names[] = {
		"host", "content-length", "transfer-encoding", "connection"
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(h, names[i]) == 0)
			return 1;
	return strncasecmp(h, "x-dispatchq-", 12) == 0 ||
	    strncasecmp(h, "webhook-", 8) == 0;
}

static int
jr_header_value_ok(const char *v)
{
	for (; *v; v++)
		if (*v == '\r' || *v == '\n')
			return 0;
	return 1;
}

int
jobreq_check_headers(const char *name, json_t *v, struct verr *e)
{
	const char *k;
	json_t *hv;
	size_t bytes = 0;
	char f[96];

	if (!json_is_object(v)) {
		verr_add(e, VERR_VALIDATION, name, "must be an object of strings or null");
		return -1;
	}
	if (json_object_size(v) > JR_HEADERS_MAX) {
		verr_add(e, VERR_VALIDATION, name, "must have at most %d headers",
		    JR_HEADERS_MAX);
		return -1;
	}
	json_object_foreach(v, k, hv) {
		snprintf(f, sizeof(f), "%.30s.%.60s", name, k);
		if (!jr_token(k)) {
			verr_add(e, VERR_VALIDATION, f, "is not a valid header name");
			return -1;
		}
		if (jr_header_reserved(k)) {
			verr_add(e, VERR_VALIDATION, f, "may not be set by a job");
			return -1;
		}
		if (!json_is_string(hv) || !jr_header_value_ok(json_string_value(hv))) {
			verr_add(e, VERR_VALIDATION, f,
			    "must be a string without CR or LF");
			return -1;
		}
		bytes += strlen(k) + json_string_length(hv);
	}
	if (bytes > JR_HEADERS_BYTES) {
		verr_add(e, VERR_VALIDATION, name, "must total at most 8 KiB");
		return -1;
	}
	return 0;
}

static void
jr_headers(struct jr_state *s, const char *name, json_t *v)
{
	if (jobreq_check_headers(name, v, s->e) == -1)
		return;
	if ((s->out->headers = jobreq_compact(v)) == NULL)
		verr_add(s->e, VERR_VALIDATION, name, "cannot be encoded");
	s->out->job.headers = s->out->headers;
}

static void
jr_delay(struct jr_state *s, const char *name, json_t *v)
{
	int64_t ms;

	if (!json_is_string(v)) {
		verr_add(s->e, VERR_VALIDATION, name, "must be a string like \"30s\", \"5m\", \"2h\" or \"1d\"");
		return;
	}
	if (num_parse_delay_ms(json_string_value(v), json_string_length(v), &ms) == -1 ||
	    ms > JR_DELAY_MAX_MS) {
		verr_add(s->e, VERR_INVALID_DELAY, name,
		    "must match ^(\\d+)(s|m|h|d)$ and be at most 365d");
		return;
	}
	s->delay_ms = ms;
}

static void
jr_run_at(struct jr_state *s, const char *name, json_t *v)
{
	int64_t ms;

	if (!json_is_string(v) || dqtime_parse(json_string_value(v), &ms) == -1) {
		verr_add(s->e, VERR_VALIDATION, name,
		    "must be an RFC 3339 time like 2026-11-07T05:31:56.120Z");
		return;
	}
	if (ms > s->ctx->now_ms + JR_DELAY_MAX_MS) {
		verr_add(s->e, VERR_VALIDATION, name, "must be at most 365 days ahead");
		return;
	}
	s->run_at = ms;
	s->has_run_at = 1;
}

static void
jr_topic(struct jr_state *s, const char *name, json_t *v)
{
	if (!json_is_string(v) || !jobreq_queue_valid(json_string_value(v))) {
		verr_add(s->e, VERR_VALIDATION, name,
		    "must be a topic name: 1 to 64 characters of [a-zA-Z0-9_-]");
		return;
	}
	s->out->topic = json_string_value(v);
}

static void
jr_dedupe_key(struct jr_state *s, const char *name, json_t *v)
{
	s->out->job.dedupe_key = jr_string(s, name, v, 1, JOB_KEY_MAX);
}

static void
jr_max_attempts(struct jr_state *s, const char *name, json_t *v)
{
	json_int_t n;

	if (!json_is_integer(v) || (n = json_integer_value(v)) < 1 || n > 100) {
		verr_add(s->e, VERR_VALIDATION, name, "must be between 1 and 100");
		return;
	}
	s->out->job.max_attempts = (int)n;
}

static void
jr_requires_approval(struct jr_state *s, const char *name, json_t *v)
{
	if (!json_is_boolean(v)) {
		verr_add(s->e, VERR_VALIDATION, name, "must be true or false");
		return;
	}
	s->out->job.requires_approval = json_is_true(v);
}

static void
jr_queue(struct jr_state *s, const char *name, json_t *v)
{
	if (!json_is_string(v) || !jobreq_queue_valid(json_string_value(v))) {
		verr_add(s->e, VERR_VALIDATION, name,
		    "must be 1 to 64 characters of [a-zA-Z0-9_-]");
		return;
	}
	s->out->job.queue = json_string_value(v);
}

static void
jr_timeout(struct jr_state *s, const char *name, json_t *v)
{
	int64_t ms;

	if (!json_is_string(v) ||
	    num_parse_delay_ms(json_string_value(v), json_string_length(v), &ms) == -1 ||
	    ms < JR_TIMEOUT_MIN_MS || ms > JR_TIMEOUT_MAX_MS) {
		verr_add(s->e, VERR_VALIDATION, name,
		    "must be a duration like \"30s\" or \"5m\" between 1s and 15m");
		return;
	}
	s->out->job.timeout_ms = ms;
}

static const struct jr_field jr_fields[] = {
	{ "url", JR_CREATE | JR_TEMPLATE, 1, jr_url },
	{ "method", JR_CREATE | JR_TEMPLATE, 0, jr_method },
	{ "payload", JR_CREATE | JR_TEMPLATE, 0, jr_payload },
	{ "headers", JR_CREATE | JR_TEMPLATE, 0, jr_headers },
	{ "delay", JR_CREATE, 0, jr_delay },
	{ "run_at", JR_CREATE, 0, jr_run_at },
	{ "dedupe_key", JR_CREATE, 0, jr_dedupe_key },
	{ "max_attempts", JR_CREATE | JR_TEMPLATE, 0, jr_max_attempts },
	{ "requires_approval", JR_CREATE | JR_TEMPLATE, 0, jr_requires_approval },
	{ "callback_url", JR_CREATE | JR_TEMPLATE, 0, jr_url },
	{ "queue", JR_CREATE | JR_TEMPLATE, 0, jr_queue },
	{ "timeout", JR_CREATE | JR_TEMPLATE, 0, jr_timeout },
	{ "topic", JR_CREATE, 0, jr_topic },
};
#define JR_NFIELDS	(sizeof(jr_fields) / sizeof(jr_fields[0]))

static const struct jr_field *
jr_find(const char *name, int mode)
{
	size_t i;

	for (i = 0; i < JR_NFIELDS; i++)
		if (strcmp(jr_fields[i].name, name) == 0 && (jr_fields[i].modes & mode))
			return &jr_fields[i];
	return NULL;
}

static int
jr_is_extra(const struct jobreq_ctx *ctx, const char *name)
{
	const char *const *x;

	for (x = ctx->extra_fields; x != NULL && *x != NULL; x++)
		if (strcmp(*x, name) == 0)
			return 1;
	return 0;
}

static void
jr_defaults(struct jr_state *s)
{
	struct job *j = &s->out->job;

	job_init(j);
	j->queue = "default";
	j->max_attempts = (int)s->ctx->default_max_attempts;
	j->timeout_ms = s->ctx->default_timeout_ms;
	s->delay_ms = -1;
	s->run_at = 0;
}

/* Times and status follow from the fields once all are read. */
static void
jr_finish(struct jr_state *s)
{
	struct job *j = &s->out->job;
	int64_t now = s->ctx->now_ms;

	j->created_at = j->updated_at = now;
	if (s->delay_ms >= 0)
		j->delay_until = now + s->delay_ms;
	else if (s->run_at != 0)
		j->delay_until = s->run_at;
	j->due_at = j->delay_until > now ? j->delay_until : now;
	j->status = j->requires_approval ? JOB_AWAITING_APPROVAL : JOB_PENDING;
}

int
jobreq_parse(json_t *body, enum jobreq_mode mode, const struct jobreq_ctx *ctx,
    struct jobreq *out, struct verr *e)
{
	struct jr_state s = { ctx, out, e, -1, 0, 0 };
	const struct jr_field *f;
	int mask = mode == JOBREQ_CREATE ? JR_CREATE : JR_TEMPLATE;
	const char *k;
	json_t *v;
	size_t i;

	memset(out, 0, sizeof(*out));
	jr_defaults(&s);
	json_object_foreach(body, k, v) {
		if ((f = jr_find(k, mask)) != NULL) {
			if (!json_is_null(v))
				f->fn(&s, k, v);
		} else if (!jr_is_extra(ctx, k))
			verr_add(e, VERR_VALIDATION, k, "is not a known field");
	}
	if (out->topic != NULL && out->job.url != NULL)
		verr_add(e, VERR_VALIDATION, "topic", "cannot be used together with url: "
		    "a topic's jobs go to its endpoints");
	for (i = 0; i < JR_NFIELDS; i++) {
		f = &jr_fields[i];
		if (f->required && (f->modes & mask) && !(out->topic != NULL &&
		    strcmp(f->name, "url") == 0) &&
		    ((v = json_object_get(body, f->name)) == NULL || json_is_null(v)))
			verr_add(e, VERR_MISSING_FIELD, f->name, "is required");
	}
	if (s.delay_ms >= 0 && s.has_run_at)
		verr_add(e, VERR_VALIDATION, "run_at", "cannot be used together with delay");
	if (e->n > 0) {
		jobreq_free(out);
		return -1;
	}
	jr_finish(&s);
	return 0;
}

void
jobreq_free(struct jobreq *r)
{
	free(r->payload);
	free(r->headers);
	r->payload = r->headers = NULL;
}
