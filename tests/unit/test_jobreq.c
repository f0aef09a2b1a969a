/*
 * Unit tests for common/model/jobreq.c (and verr.c): every rule of API.md 4.1 for
 * a job create body, the error code and field each refusal reports, and the
 * job a valid body becomes (defaults from the context, status, delay_until,
 * due_at).  Bodies are written with ' for " to keep them readable.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dqtime.h"
#include "jobreq.h"
#include "tap.h"

#define NOW	1938038400000LL		/* 2031-06-01T00:00:00.000Z */
#define DAY	86400000LL

static struct jobreq_ctx	ctx;
static json_t			*body;	/* the body the last parse borrowed from */

static void
ctx_reset(void)
{
	memset(&ctx, 0, sizeof(ctx));
	ctx.now_ms = NOW;
	ctx.default_max_attempts = 5;
	ctx.default_timeout_ms = 12000;
	ctx.require_https = 0;
}

/* JSON text with ' for " into a new value (the test's own; no error). */
static json_t *
json_q(const char *text)
{
	json_error_t jerr;
	char *s = strdup(text), *p;
	json_t *v;

	if (s == NULL)
		return NULL;
	for (p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	if ((v = json_loads(s, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		printf("# bad test JSON: %s: %s\n", s, jerr.text);
	free(s);
	return v;
}

static void
body_set(json_t *v)
{
	json_decref(body);
	body = v;
}

/* Parse v (stolen) in mode; the result of jobreq_parse. */
static int
parse_v(json_t *v, enum jobreq_mode mode, struct jobreq *jr, struct verr *e)
{
	body_set(v);
	verr_init(e);
	if (body == NULL) {
		tap_fail(__FILE__, __LINE__, "no body");
		memset(jr, 0, sizeof(*jr));
		return -2;
	}
	return jobreq_parse(body, mode, &ctx, jr, e);
}

static void
accept_v(json_t *v, int line)
{
	struct jobreq jr;
	struct verr e;
	char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;

	if (parse_v(v, JOBREQ_CREATE, &jr, &e) != 0) {
		tap_fail(__FILE__, line, "refused %s: %s %s", text ? text : "?",
		    e.n ? e.item[0].field : "", e.n ? e.item[0].message : "");
	} else
		jobreq_free(&jr);
	free(text);
}
#define ACCEPT(text)	accept_v(json_q(text), __LINE__)
#define ACCEPT_V(v)	accept_v(v, __LINE__)

/* v must be refused with exactly one error of this code and field. */
static void
refuse_v(json_t *v, enum jobreq_mode mode, enum verr_code code,
    const char *field, int line)
{
	struct jobreq jr;
	struct verr e;
	char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;
	int r = parse_v(v, mode, &jr, &e);

	if (r == 0) {
		tap_fail(__FILE__, line, "accepted %.200s", text ? text : "?");
		jobreq_free(&jr);
	} else if (r == -1 && e.n != 1) {
		tap_fail(__FILE__, line, "%.200s: %d errors, want 1 (first %s: %s)",
		    text ? text : "?", e.n, e.n ? e.item[0].field : "",
		    e.n ? e.item[0].message : "");
	} else if (r == -1 && (e.item[0].code != code ||
	    strcmp(e.item[0].field, field) != 0)) {
		tap_fail(__FILE__, line, "%.200s: got %s on \"%s\" (%s), want %s on \"%s\"",
		    text ? text : "?", verr_code_name(e.item[0].code),
		    e.item[0].field, e.item[0].message, verr_code_name(code), field);
	} else if (r == -1 && e.item[0].message[0] == '\0')
		tap_fail(__FILE__, line, "%.200s: empty message", text ? text : "?");
	/* a refused request leaves nothing to free */
	if (r == -1 && (jr.payload != NULL || jr.headers != NULL))
		tap_fail(__FILE__, line, "refused request kept allocations");
	free(text);
}
#define REFUSE(text, code, field) \
	refuse_v(json_q(text), JOBREQ_CREATE, code, field, __LINE__)
#define REFUSE_V(v, code, field) \
	refuse_v(v, JOBREQ_CREATE, code, field, __LINE__)

/* {"url": URL} with a URL built by the test. */
static json_t *
with_url(const char *field, const char *url)
{
	json_t *v = json_q("{'url': 'https://example.com/'}");

	json_object_set_new(v, field, json_string(url));
	return v;
}

/* {"url": ..., "headers": {}} to add to. */
static json_t *
with_headers(json_t **h)
{
	json_t *v = json_q("{'url': 'https://example.com/', 'headers': {}}");

	*h = json_object_get(v, "headers");
	return v;
}

/* --- the job a body becomes ---------------------------------------------- */

static void
test_minimal_defaults(void)
{
	struct jobreq jr;
	struct verr e;
	const struct job *j = &jr.job;

	ctx_reset();
	CHECK_INT(parse_v(json_q("{'url': 'https://example.com/hook'}"),
	    JOBREQ_CREATE, &jr, &e), 0);
	CHECK_INT(e.n, 0);
	CHECK_STR(j->url, "https://example.com/hook");
	CHECK_INT(j->method, JOB_POST);
	CHECK_STR(j->queue, "default");
	CHECK_INT(j->max_attempts, 5);		/* from the context */
	CHECK_INT(j->timeout_ms, 12000);	/* from the context */
	CHECK_INT(j->status, JOB_PENDING);
	CHECK_INT(j->requires_approval, 0);
	CHECK_INT(j->attempts, 0);
	CHECK_INT(j->created_at, NOW);
	CHECK_INT(j->updated_at, NOW);
	CHECK_INT(j->delay_until, 0);
	CHECK_INT(j->due_at, NOW);
	CHECK_INT(j->duration_ms, -1);
	CHECK(j->payload == NULL && jr.payload == NULL);
	CHECK(j->headers == NULL && jr.headers == NULL);
	CHECK(j->dedupe_key == NULL);
	CHECK(j->callback_url == NULL);
	CHECK(j->idempotency_key == NULL);
	CHECK(j->schedule_id == NULL);
	CHECK(j->id[0] == '\0');
	jobreq_free(&jr);
	/* other defaults in the context show through */
	ctx.default_max_attempts = 1;
	ctx.default_timeout_ms = 900000;
	ctx.now_ms = 1000;
	CHECK_INT(parse_v(json_q("{'url': 'http://example.com/'}"), JOBREQ_CREATE,
	    &jr, &e), 0);
	CHECK_INT(jr.job.max_attempts, 1);
	CHECK_INT(jr.job.timeout_ms, 900000);
	CHECK_INT(jr.job.created_at, 1000);
	CHECK_INT(jr.job.due_at, 1000);
	jobreq_free(&jr);
	jobreq_free(&jr);	/* twice is harmless */
}

static void
test_every_field(void)
{
	struct jobreq jr;
	struct verr e;
	const struct job *j = &jr.job;

	ctx_reset();
	CHECK_INT(parse_v(json_q("{"
	    "'url': 'https://example.com/a?b=c',"
	    "'method': 'PUT',"
	    "'payload': {'b': [1, 2], 'a': {'x': null}},"
	    "'headers': {'X-Trace': 'abc', 'Authorization': 'Bearer t'},"
	    "'delay': '90s',"
	    "'dedupe_key': 'order-42',"
	    "'max_attempts': 9,"
	    "'requires_approval': true,"
	    "'callback_url': 'https://cb.example.com/done',"
	    "'queue': 'emails_2',"
	    "'timeout': '2m'}"), JOBREQ_CREATE, &jr, &e), 0);
	CHECK_INT(e.n, 0);
	CHECK_STR(j->url, "https://example.com/a?b=c");
	CHECK_INT(j->method, JOB_PUT);
	CHECK_STR(j->payload, "{\"b\":[1,2],\"a\":{\"x\":null}}");
	CHECK(j->payload == jr.payload);
	CHECK_STR(j->headers, "{\"X-Trace\":\"abc\",\"Authorization\":\"Bearer t\"}");
	CHECK(j->headers == jr.headers);
	CHECK_STR(j->dedupe_key, "order-42");
	CHECK_INT(j->max_attempts, 9);
	CHECK_INT(j->requires_approval, 1);
	CHECK_INT(j->status, JOB_AWAITING_APPROVAL);
	CHECK_STR(j->callback_url, "https://cb.example.com/done");
	CHECK_STR(j->queue, "emails_2");
	CHECK_INT(j->timeout_ms, 120000);
	CHECK_INT(j->delay_until, NOW + 90000);
	CHECK_INT(j->due_at, NOW + 90000);
	CHECK_INT(j->created_at, NOW);
	jobreq_free(&jr);
	CHECK(jr.payload == NULL && jr.headers == NULL);
}

/* null means "not given" for every optional field. */
static void
test_nulls_are_defaults(void)
{
	struct jobreq jr;
	struct verr e;

	ctx_reset();
	CHECK_INT(parse_v(json_q("{'url': 'https://example.com/', 'method': null,"
	    "'payload': null, 'headers': null, 'delay': null, 'run_at': null,"
	    "'dedupe_key': null, 'max_attempts': null, 'requires_approval': null,"
	    "'callback_url': null, 'queue': null, 'timeout': null}"),
	    JOBREQ_CREATE, &jr, &e), 0);
	CHECK_INT(jr.job.method, JOB_POST);
	CHECK(jr.job.payload == NULL && jr.job.headers == NULL);
	CHECK_INT(jr.job.delay_until, 0);
	CHECK_INT(jr.job.due_at, NOW);
	CHECK(jr.job.dedupe_key == NULL && jr.job.callback_url == NULL);
	CHECK_INT(jr.job.max_attempts, 5);
	CHECK_INT(jr.job.status, JOB_PENDING);
	CHECK_STR(jr.job.queue, "default");
	CHECK_INT(jr.job.timeout_ms, 12000);
	jobreq_free(&jr);
}

/* --- url and callback_url ------------------------------------------------- */

static void
url_rules(const char *f)
{
	static const char *const good[] = {
		"https://example.com", "http://example.com/", "HTTPS://EXAMPLE.COM/x",
		"Http://example.com", "https://example.com:8443/p?q=1#frag",
		"https://user:pw@example.com/", "http://127.0.0.1:1/",
		"http://[::1]:65535/", "http://[2001:db8::1]/x", "https://a.b-c.d_e/",
		"https://example.com?x", "https://example.com#y",
	};
	static const char *const bad[] = {
		"", "example.com", "//example.com/", "ftp://example.com/",
		"file:///etc/passwd", "javascript:alert(1)", "http:/example.com",
		"https:example.com", "http://", "https:///path", "http://:80/",
		"http://exa!mple.com/", "http://exa%6dple.com/", "http://[::1/",
		"http://[]/", "http://user@/", "http://example.com:/",
		"http://example.com:0/", "http://example.com:65536/",
		"http://example.com:-1/", "http://example.com:80x/",
		"http://example.com:8080:1/", "http://example.com:99999999/",
		"http://exa mple.com/", " http://example.com/", "http://example.com/ ",
		"http://example.com/a b", "http://example.com/\t", "http://example.com/\n",
		"http://example.com/\x7f", "http://example.com/\x01",
	};
	char f_url[64];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ACCEPT_V(with_url(f, good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		REFUSE_V(with_url(f, bad[i]), VERR_VALIDATION, f);
	snprintf(f_url, sizeof(f_url), "{'url': 'https://x.example/', '%s': 42}", f);
	if (strcmp(f, "url") == 0)
		REFUSE("{'url': 42}", VERR_VALIDATION, "url");
	else
		REFUSE(f_url, VERR_VALIDATION, f);
	snprintf(f_url, sizeof(f_url), "{'url': 'https://x.example/', '%s': ['a']}", f);
	if (strcmp(f, "url") == 0)
		REFUSE("{'url': ['https://x.example/']}", VERR_VALIDATION, "url");
	else
		REFUSE(f_url, VERR_VALIDATION, f);
}

static void
url_length(const char *f)
{
	char url[2100];
	size_t n;

	memcpy(url, "https://example.com/", 20);
	for (n = 20; n < 2048; n++)
		url[n] = 'a';
	url[2048] = '\0';
	ACCEPT_V(with_url(f, url));
	url[2048] = 'a';
	url[2049] = '\0';
	REFUSE_V(with_url(f, url), VERR_VALIDATION, f);
}

static void
url_https(const char *f)
{
	ctx.require_https = 1;
	ACCEPT_V(with_url(f, "https://example.com/"));
	ACCEPT_V(with_url(f, "HTTPS://example.com/"));
	REFUSE_V(with_url(f, "http://example.com/"), VERR_VALIDATION, f);
	REFUSE_V(with_url(f, "HTTP://example.com/"), VERR_VALIDATION, f);
	ctx.require_https = 0;
}

static void
test_url(void)
{
	ctx_reset();
	url_rules("url");
	url_length("url");
	url_https("url");
}

static void
test_callback_url(void)
{
	struct jobreq jr;
	struct verr e;

	ctx_reset();
	url_rules("callback_url");
	url_length("callback_url");
	url_https("callback_url");
	/* require_https covers both: the target may be https and the callback not */
	ctx.require_https = 1;
	REFUSE("{'url': 'https://a.example/', 'callback_url': 'http://b.example/'}",
	    VERR_VALIDATION, "callback_url");
	ctx.require_https = 0;
	CHECK_INT(parse_v(json_q("{'url': 'https://a.example/',"
	    "'callback_url': 'http://b.example/cb'}"), JOBREQ_CREATE, &jr, &e), 0);
	CHECK_STR(jr.job.callback_url, "http://b.example/cb");
	CHECK_STR(jr.job.url, "https://a.example/");
	jobreq_free(&jr);
}

/* --- method, payload ---------------------------------------------------------- */

static void
test_method(void)
{
	static const struct { const char *m; enum job_method v; } good[] = {
		{ "GET", JOB_GET }, { "POST", JOB_POST }, { "PUT", JOB_PUT },
		{ "PATCH", JOB_PATCH }, { "DELETE", JOB_DELETE },
		{ "get", JOB_GET }, { "Patch", JOB_PATCH }, { "dElEtE", JOB_DELETE },
	};
	static const char *const bad[] = {
		"HEAD", "OPTIONS", "CONNECT", "TRACE", "", " GET", "GET ", "POSTS",
		"DELETES", "GETPOSTPUT", "P0ST",
	};
	struct jobreq jr;
	struct verr e;
	json_t *v;
	size_t i;

	ctx_reset();
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = json_q("{'url': 'https://example.com/'}");
		json_object_set_new(v, "method", json_string(good[i].m));
		if (parse_v(v, JOBREQ_CREATE, &jr, &e) != 0) {
			tap_fail(__FILE__, __LINE__, "method %s refused", good[i].m);
			continue;
		}
		CHECK_INT(jr.job.method, good[i].v);
		jobreq_free(&jr);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = json_q("{'url': 'https://example.com/'}");
		json_object_set_new(v, "method", json_string(bad[i]));
		REFUSE_V(v, VERR_VALIDATION, "method");
	}
	REFUSE("{'url': 'https://example.com/', 'method': 1}", VERR_VALIDATION, "method");
	REFUSE("{'url': 'https://example.com/', 'method': ['GET']}", VERR_VALIDATION,
	    "method");
	REFUSE("{'url': 'https://example.com/', 'method': true}", VERR_VALIDATION,
	    "method");
}

static void
test_payload(void)
{
	struct jobreq jr;
	struct verr e;

	ctx_reset();
	CHECK_INT(parse_v(json_q("{'url': 'https://example.com/', 'payload': {}}"),
	    JOBREQ_CREATE, &jr, &e), 0);
	CHECK_STR(jr.job.payload, "{}");
	jobreq_free(&jr);
	CHECK_INT(parse_v(json_q("{'url': 'https://example.com/', 'payload':"
	    " { 'k' : 'v\\u00e9\\n' , 'n' : 1.5, 't': true }}"), JOBREQ_CREATE, &jr, &e), 0);
	/* compact JSON, keys in the order given, text kept as UTF-8 */
	CHECK_STR(jr.job.payload, "{\"k\":\"v\xc3\xa9\\n\",\"n\":1.5,\"t\":true}");
	jobreq_free(&jr);
	REFUSE("{'url': 'https://example.com/', 'payload': [1, 2]}", VERR_VALIDATION,
	    "payload");
	REFUSE("{'url': 'https://example.com/', 'payload': []}", VERR_VALIDATION, "payload");
	REFUSE("{'url': 'https://example.com/', 'payload': 'text'}", VERR_VALIDATION,
	    "payload");
	REFUSE("{'url': 'https://example.com/', 'payload': 3}", VERR_VALIDATION, "payload");
	REFUSE("{'url': 'https://example.com/', 'payload': false}", VERR_VALIDATION,
	    "payload");
}

/* --- headers ---------------------------------------------------------------- */

static void
test_headers_ok(void)
{
	struct jobreq jr;
	struct verr e;
	json_t *v, *h;

	ctx_reset();
	CHECK_INT(parse_v(json_q("{'url': 'https://example.com/', 'headers':"
	    " {'X-A': '1', 'Content-Type': 'text/plain', 'x-empty': ''}}"),
	    JOBREQ_CREATE, &jr, &e), 0);
	CHECK_STR(jr.job.headers,
	    "{\"X-A\":\"1\",\"Content-Type\":\"text/plain\",\"x-empty\":\"\"}");
	jobreq_free(&jr);
	CHECK_INT(parse_v(json_q("{'url': 'https://example.com/', 'headers': {}}"),
	    JOBREQ_CREATE, &jr, &e), 0);
	CHECK_STR(jr.job.headers, "{}");
	jobreq_free(&jr);
	/* every tchar of RFC 7230 is allowed in a name */
	v = with_headers(&h);
	json_object_set_new(h, "!#$%&'*+-.^_`|~09azAZ", json_string("v"));
	ACCEPT_V(v);
	/* near misses of the refused names are fine */
	ACCEPT("{'url': 'https://example.com/', 'headers': {'Hostname': 'a', "
	    "'X-Host': 'b', 'Connection-Id': 'c', 'Content-Length2': 'd', "
	    "'X-DispatchQ': 'e', 'webhook': 'f', 'webhooks-id': 'g', "
	    "'X-Webhook-Id': 'h', 'Transfer-Encodings': 'i'}}");
	REFUSE("{'url': 'https://example.com/', 'headers': ['X-A: 1']}",
	    VERR_VALIDATION, "headers");
	REFUSE("{'url': 'https://example.com/', 'headers': 'X-A: 1'}",
	    VERR_VALIDATION, "headers");
}

static void
test_headers_count(void)
{
	json_t *v, *h;
	char name[16];
	int i;

	ctx_reset();
	v = with_headers(&h);
	for (i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "X-H%d", i);
		json_object_set_new(h, name, json_string("v"));
	}
	ACCEPT_V(v);
	v = with_headers(&h);
	for (i = 0; i < 51; i++) {
		snprintf(name, sizeof(name), "X-H%d", i);
		json_object_set_new(h, name, json_string("v"));
	}
	REFUSE_V(v, VERR_VALIDATION, "headers");
}

/* Names and values together at most 8 KiB. */
static void
test_headers_size(void)
{
	char big[9000];
	json_t *v, *h;

	ctx_reset();
	memset(big, 'v', sizeof(big));
	big[8192 - 5] = '\0';
	v = with_headers(&h);
	json_object_set_new(h, "X-Big", json_string(big));	/* 5 + 8187 */
	ACCEPT_V(v);
	big[8192 - 5] = 'v';
	big[8192 - 4] = '\0';
	v = with_headers(&h);
	json_object_set_new(h, "X-Big", json_string(big));	/* 5 + 8188 */
	REFUSE_V(v, VERR_VALIDATION, "headers");
	/* spread over several headers */
	memset(big, 'w', sizeof(big));
	big[4000] = '\0';
	v = with_headers(&h);
	json_object_set_new(h, "X-One", json_string(big));
	json_object_set_new(h, "X-Two", json_string(big));
	json_object_set_new(h, "X-Three", json_string(big + 3800));
	REFUSE_V(v, VERR_VALIDATION, "headers");	/* 8000 + 15 + 200 */
}

static void
test_headers_names(void)
{
	static const char *const bad[] = {
		"Bad Header", "X:Y", "X(Y)", "X/Y", "X@Y", "X,Y", "X;Y", "X=Y",
		"X?Y", "X[Y]", "X{Y}", "X\\Y", "X\"Y", "X<Y>", "\xc3\xa9t\xc3\xa9",
		"X\tY", " X", "X\r\nY",
	};
	char field[80];
	json_t *v, *h;
	size_t i;

	ctx_reset();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = with_headers(&h);
		json_object_set_new(h, bad[i], json_string("v"));
		snprintf(field, sizeof(field), "headers.%s", bad[i]);
		REFUSE_V(v, VERR_VALIDATION, field);
	}
	v = with_headers(&h);
	json_object_set_new(h, "", json_string("v"));
	REFUSE_V(v, VERR_VALIDATION, "headers.");
}

static void
test_headers_values(void)
{
	static const char *const bad[] = {
		"a\r\nX-Injected: 1", "a\nb", "a\rb", "\n", "trailing\r",
	};
	json_t *v, *h;
	size_t i;

	ctx_reset();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = with_headers(&h);
		json_object_set_new(h, "X-Val", json_string(bad[i]));
		REFUSE_V(v, VERR_VALIDATION, "headers.X-Val");
	}
	REFUSE("{'url': 'https://example.com/', 'headers': {'X-N': 1}}",
	    VERR_VALIDATION, "headers.X-N");
	REFUSE("{'url': 'https://example.com/', 'headers': {'X-N': null}}",
	    VERR_VALIDATION, "headers.X-N");
	REFUSE("{'url': 'https://example.com/', 'headers': {'X-N': ['a']}}",
	    VERR_VALIDATION, "headers.X-N");
	REFUSE("{'url': 'https://example.com/', 'headers': {'X-N': true}}",
	    VERR_VALIDATION, "headers.X-N");
	/* tabs and other text are fine in values */
	ACCEPT("{'url': 'https://example.com/', 'headers': {'X-N': 'a\\tb c:d;e'}}");
}

static void
test_headers_reserved(void)
{
	static const char *const names[] = {
		"Host", "host", "HOST", "hOsT",
		"Content-Length", "content-length", "CONTENT-LENGTH", "Content-length",
		"Transfer-Encoding", "transfer-encoding", "TRANSFER-ENCODING",
		"Connection", "connection", "CONNECTION", "cOnNeCtIoN",
		"X-DispatchQ-Job-Id", "X-DispatchQ-Attempt", "X-DispatchQ-Signature",
		"x-dispatchq-signature", "X-DISPATCHQ-ANYTHING", "X-DispatchQ-",
		"webhook-id", "webhook-timestamp", "webhook-signature", "Webhook-Id",
		"WEBHOOK-SIGNATURE", "webhook-", "webhook-other",
	};
	char field[80];
	json_t *v, *h;
	size_t i;

	ctx_reset();
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		v = with_headers(&h);
		json_object_set_new(h, "X-Fine", json_string("ok"));
		json_object_set_new(h, names[i], json_string("x"));
		snprintf(field, sizeof(field), "headers.%s", names[i]);
		REFUSE_V(v, VERR_VALIDATION, field);
	}
}

/* --- delay and run_at ------------------------------------------------------- */

static void
delay_is(const char *d, int64_t ms, int line)
{
	struct jobreq jr;
	struct verr e;
	json_t *v = json_q("{'url': 'https://example.com/'}");

	json_object_set_new(v, "delay", json_string(d));
	if (parse_v(v, JOBREQ_CREATE, &jr, &e) != 0) {
		tap_fail(__FILE__, line, "delay %s refused", d);
		return;
	}
	if (jr.job.delay_until != NOW + ms || jr.job.due_at != NOW + ms ||
	    jr.job.created_at != NOW || jr.job.status != JOB_PENDING)
		tap_fail(__FILE__, line, "delay %s: delay_until %lld due_at %lld",
		    d, (long long)jr.job.delay_until, (long long)jr.job.due_at);
	jobreq_free(&jr);
}
#define DELAY_IS(d, ms)	delay_is(d, ms, __LINE__)

static void
bad_delay(const char *d, int line)
{
	json_t *v = json_q("{'url': 'https://example.com/'}");

	json_object_set_new(v, "delay", json_string(d));
	refuse_v(v, JOBREQ_CREATE, VERR_INVALID_DELAY, "delay", line);
}
#define BAD_DELAY(d)	bad_delay(d, __LINE__)

static void
test_delay(void)
{
	ctx_reset();
	DELAY_IS("30s", 30000);
	DELAY_IS("5m", 300000);
	DELAY_IS("2h", 7200000);
	DELAY_IS("1d", DAY);
	DELAY_IS("0s", 0);
	DELAY_IS("007s", 7000);
	DELAY_IS("365d", 365 * DAY);
	DELAY_IS("8760h", 365 * DAY);
	DELAY_IS("525600m", 365 * DAY);
	DELAY_IS("31536000s", 365 * DAY);
	/* over 365 days */
	BAD_DELAY("366d");
	BAD_DELAY("8761h");
	BAD_DELAY("525601m");
	BAD_DELAY("31536001s");
	BAD_DELAY("99999999999999999999d");
	BAD_DELAY("9223372036854775807s");
	/* not ^(\d+)(s|m|h|d)$ */
	BAD_DELAY("");
	BAD_DELAY("10");
	BAD_DELAY("s");
	BAD_DELAY("10ms");
	BAD_DELAY("10S");
	BAD_DELAY("10H");
	BAD_DELAY("1w");
	BAD_DELAY("1.5h");
	BAD_DELAY("-1s");
	BAD_DELAY("+1s");
	BAD_DELAY(" 10s");
	BAD_DELAY("10s ");
	BAD_DELAY("10 s");
	BAD_DELAY("1h30m");
	BAD_DELAY("0x10s");
	BAD_DELAY("\xd9\xa1s");	/* an Arabic-Indic digit one */
	/* a delay that is not a string is a validation error */
	REFUSE("{'url': 'https://example.com/', 'delay': 30}", VERR_VALIDATION, "delay");
	REFUSE("{'url': 'https://example.com/', 'delay': true}", VERR_VALIDATION, "delay");
	REFUSE("{'url': 'https://example.com/', 'delay': {'s': 1}}", VERR_VALIDATION,
	    "delay");
	REFUSE("{'url': 'https://example.com/', 'delay': ['1s']}", VERR_VALIDATION,
	    "delay");
	REFUSE("{'url': 'https://example.com/', 'delay': 1.5}", VERR_VALIDATION, "delay");
}

static void
test_delay_with_approval(void)
{
	struct jobreq jr;
	struct verr e;

	ctx_reset();
	CHECK_INT(parse_v(json_q("{'url': 'https://example.com/', 'delay': '1h',"
	    "'requires_approval': true}"), JOBREQ_CREATE, &jr, &e), 0);
	CHECK_INT(jr.job.status, JOB_AWAITING_APPROVAL);
	CHECK_INT(jr.job.delay_until, NOW + 3600000);
	CHECK_INT(jr.job.due_at, NOW + 3600000);
	jobreq_free(&jr);
}

static void
run_at_is(const char *t, int64_t delay_until, int64_t due_at, int line)
{
	struct jobreq jr;
	struct verr e;
	json_t *v = json_q("{'url': 'https://example.com/'}");

	json_object_set_new(v, "run_at", json_string(t));
	if (parse_v(v, JOBREQ_CREATE, &jr, &e) != 0) {
		tap_fail(__FILE__, line, "run_at %s refused: %s", t,
		    e.n ? e.item[0].message : "");
		return;
	}
	if (jr.job.delay_until != delay_until || jr.job.due_at != due_at)
		tap_fail(__FILE__, line, "run_at %s: delay_until %lld due_at %lld, "
		    "want %lld %lld", t, (long long)jr.job.delay_until,
		    (long long)jr.job.due_at, (long long)delay_until, (long long)due_at);
	jobreq_free(&jr);
}
#define RUN_AT_IS(t, du, due)	run_at_is(t, du, due, __LINE__)

static void
bad_run_at(const char *t, int line)
{
	json_t *v = json_q("{'url': 'https://example.com/'}");

	json_object_set_new(v, "run_at", json_string(t));
	refuse_v(v, JOBREQ_CREATE, VERR_VALIDATION, "run_at", line);
}
#define BAD_RUN_AT(t)	bad_run_at(t, __LINE__)

static void
test_run_at(void)
{
	ctx_reset();
	RUN_AT_IS("2031-06-01T00:00:01.250Z", NOW + 1250, NOW + 1250);
	RUN_AT_IS("2031-06-01T02:00:00+02:00", NOW, NOW);
	RUN_AT_IS("2031-06-02T00:00:00Z", NOW + DAY, NOW + DAY);
	RUN_AT_IS("2031-05-31T21:00:00-03:00", NOW, NOW);
	/* lower-case t and z, more than millisecond precision (truncated) */
	RUN_AT_IS("2031-06-01t00:00:01.250999z", NOW + 1250, NOW + 1250);
	/* in the past: kept as delay_until, due now */
	RUN_AT_IS("2031-05-31T00:00:00.000Z", NOW - DAY, NOW);
	/* up to 365 days ahead */
	RUN_AT_IS("2032-05-31T00:00:00.000Z", NOW + 365 * DAY, NOW + 365 * DAY);
	BAD_RUN_AT("2032-05-31T00:00:00.001Z");
	BAD_RUN_AT("2040-01-01T00:00:00Z");
	/* not RFC 3339 */
	BAD_RUN_AT("");
	BAD_RUN_AT("2031-06-02");
	BAD_RUN_AT("2031-06-02 00:00:00Z");
	BAD_RUN_AT("2031-06-02T00:00:00");
	BAD_RUN_AT("2031-06-31T00:00:00Z");
	BAD_RUN_AT("2031-13-01T00:00:00Z");
	BAD_RUN_AT("2031-06-02T25:00:00Z");
	BAD_RUN_AT("tomorrow");
	BAD_RUN_AT("1938042000000");
	REFUSE("{'url': 'https://example.com/', 'run_at': 1938042000000}",
	    VERR_VALIDATION, "run_at");
	REFUSE("{'url': 'https://example.com/', 'run_at': true}", VERR_VALIDATION,
	    "run_at");
}

static void
test_run_at_and_delay(void)
{
	struct jobreq jr;
	struct verr e;

	ctx_reset();
	/* exclusive: the error names run_at */
	REFUSE("{'url': 'https://example.com/', 'delay': '10s',"
	    "'run_at': '2031-06-02T00:00:00Z'}", VERR_VALIDATION, "run_at");
	REFUSE("{'url': 'https://example.com/', 'run_at': '2031-06-02T00:00:00Z',"
	    "'delay': '0s'}", VERR_VALIDATION, "run_at");
	/* whatever time run_at names, even the epoch */
	REFUSE("{'url': 'https://example.com/', 'delay': '10s',"
	    "'run_at': '1970-01-01T00:00:00.000Z'}", VERR_VALIDATION, "run_at");
	/* null for either is "not given" */
	CHECK_INT(parse_v(json_q("{'url': 'https://example.com/', 'delay': '10s',"
	    "'run_at': null}"), JOBREQ_CREATE, &jr, &e), 0);
	CHECK_INT(jr.job.delay_until, NOW + 10000);
	jobreq_free(&jr);
	CHECK_INT(parse_v(json_q("{'url': 'https://example.com/', 'delay': null,"
	    "'run_at': '2031-06-01T00:00:10Z'}"), JOBREQ_CREATE, &jr, &e), 0);
	CHECK_INT(jr.job.delay_until, NOW + 10000);
	jobreq_free(&jr);
}

/* --- the smaller fields ------------------------------------------------------- */

static void
test_dedupe_key(void)
{
	char key[300];
	struct jobreq jr;
	struct verr e;
	json_t *v;

	ctx_reset();
	memset(key, 'k', sizeof(key));
	key[255] = '\0';
	v = json_q("{'url': 'https://example.com/'}");
	json_object_set_new(v, "dedupe_key", json_string(key));
	CHECK_INT(parse_v(v, JOBREQ_CREATE, &jr, &e), 0);
	CHECK_STR(jr.job.dedupe_key, key);
	jobreq_free(&jr);
	key[255] = 'k';
	key[256] = '\0';
	v = json_q("{'url': 'https://example.com/'}");
	json_object_set_new(v, "dedupe_key", json_string(key));
	REFUSE_V(v, VERR_VALIDATION, "dedupe_key");
	CHECK_INT(parse_v(json_q("{'url': 'https://example.com/', 'dedupe_key': 'x'}"),
	    JOBREQ_CREATE, &jr, &e), 0);
	CHECK_STR(jr.job.dedupe_key, "x");
	jobreq_free(&jr);
	REFUSE("{'url': 'https://example.com/', 'dedupe_key': ''}", VERR_VALIDATION,
	    "dedupe_key");
	REFUSE("{'url': 'https://example.com/', 'dedupe_key': 42}", VERR_VALIDATION,
	    "dedupe_key");
	REFUSE("{'url': 'https://example.com/', 'dedupe_key': ['a']}", VERR_VALIDATION,
	    "dedupe_key");
}

static void
test_max_attempts(void)
{
	struct jobreq jr;
	struct verr e;

	ctx_reset();
	CHECK_INT(parse_v(json_q("{'url': 'https://example.com/', 'max_attempts': 1}"),
	    JOBREQ_CREATE, &jr, &e), 0);
	CHECK_INT(jr.job.max_attempts, 1);
	jobreq_free(&jr);
	CHECK_INT(parse_v(json_q("{'url': 'https://example.com/', 'max_attempts': 100}"),
	    JOBREQ_CREATE, &jr, &e), 0);
	CHECK_INT(jr.job.max_attempts, 100);
	jobreq_free(&jr);
	REFUSE("{'url': 'https://example.com/', 'max_attempts': 0}", VERR_VALIDATION,
	    "max_attempts");
	REFUSE("{'url': 'https://example.com/', 'max_attempts': 101}", VERR_VALIDATION,
	    "max_attempts");
	REFUSE("{'url': 'https://example.com/', 'max_attempts': -1}", VERR_VALIDATION,
	    "max_attempts");
	REFUSE("{'url': 'https://example.com/', 'max_attempts': 4294967299}",
	    VERR_VALIDATION, "max_attempts");
	REFUSE("{'url': 'https://example.com/', 'max_attempts': 2.5}", VERR_VALIDATION,
	    "max_attempts");
	REFUSE("{'url': 'https://example.com/', 'max_attempts': 3.0}", VERR_VALIDATION,
	    "max_attempts");
	REFUSE("{'url': 'https://example.com/', 'max_attempts': '3'}", VERR_VALIDATION,
	    "max_attempts");
	REFUSE("{'url': 'https://example.com/', 'max_attempts': true}", VERR_VALIDATION,
	    "max_attempts");
	REFUSE("{'url': 'https://example.com/', 'max_attempts': [3]}", VERR_VALIDATION,
	    "max_attempts");
}

static void
test_requires_approval(void)
{
	struct jobreq jr;
	struct verr e;

	ctx_reset();
	CHECK_INT(parse_v(json_q("{'url': 'https://example.com/',"
	    "'requires_approval': true}"), JOBREQ_CREATE, &jr, &e), 0);
	CHECK_INT(jr.job.requires_approval, 1);
	CHECK_INT(jr.job.status, JOB_AWAITING_APPROVAL);
	CHECK_INT(jr.job.due_at, NOW);
	jobreq_free(&jr);
	CHECK_INT(parse_v(json_q("{'url': 'https://example.com/',"
	    "'requires_approval': false}"), JOBREQ_CREATE, &jr, &e), 0);
	CHECK_INT(jr.job.requires_approval, 0);
	CHECK_INT(jr.job.status, JOB_PENDING);
	jobreq_free(&jr);
	REFUSE("{'url': 'https://example.com/', 'requires_approval': 'true'}",
	    VERR_VALIDATION, "requires_approval");
	REFUSE("{'url': 'https://example.com/', 'requires_approval': 1}",
	    VERR_VALIDATION, "requires_approval");
	REFUSE("{'url': 'https://example.com/', 'requires_approval': 0}",
	    VERR_VALIDATION, "requires_approval");
}

static void
test_queue(void)
{
	static const char *const bad[] = {
		"", "a b", "a.b", "a/b", "a:b", "\xc3\xa9", "queue!", " q", "q\n",
	};
	char name[80];
	struct jobreq jr;
	struct verr e;
	json_t *v;
	size_t i;

	ctx_reset();
	CHECK_INT(parse_v(json_q("{'url': 'https://example.com/',"
	    "'queue': 'Az09_-x'}"), JOBREQ_CREATE, &jr, &e), 0);
	CHECK_STR(jr.job.queue, "Az09_-x");
	jobreq_free(&jr);
	memset(name, 'q', sizeof(name));
	name[64] = '\0';
	v = json_q("{'url': 'https://example.com/'}");
	json_object_set_new(v, "queue", json_string(name));
	CHECK_INT(parse_v(v, JOBREQ_CREATE, &jr, &e), 0);
	CHECK_STR(jr.job.queue, name);
	jobreq_free(&jr);
	name[64] = 'q';
	name[65] = '\0';
	v = json_q("{'url': 'https://example.com/'}");
	json_object_set_new(v, "queue", json_string(name));
	REFUSE_V(v, VERR_VALIDATION, "queue");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = json_q("{'url': 'https://example.com/'}");
		json_object_set_new(v, "queue", json_string(bad[i]));
		REFUSE_V(v, VERR_VALIDATION, "queue");
	}
	REFUSE("{'url': 'https://example.com/', 'queue': 7}", VERR_VALIDATION, "queue");
	CHECK(jobreq_queue_valid("default"));
	CHECK(!jobreq_queue_valid(""));
	CHECK(!jobreq_queue_valid("has space"));
}

static void
timeout_is(const char *t, int64_t ms, int line)
{
	struct jobreq jr;
	struct verr e;
	json_t *v = json_q("{'url': 'https://example.com/'}");

	json_object_set_new(v, "timeout", json_string(t));
	if (parse_v(v, JOBREQ_CREATE, &jr, &e) != 0) {
		tap_fail(__FILE__, line, "timeout %s refused", t);
		return;
	}
	if (jr.job.timeout_ms != ms)
		tap_fail(__FILE__, line, "timeout %s: %lld ms", t,
		    (long long)jr.job.timeout_ms);
	jobreq_free(&jr);
}

static void
test_timeout(void)
{
	static const char *const bad[] = {
		"0s", "16m", "901s", "1h", "1d", "500ms", "1000", "", "abc", "1.5s",
		"-5s", "15m ",
	};
	json_t *v;
	size_t i;

	ctx_reset();
	timeout_is("1s", 1000, __LINE__);
	timeout_is("15m", 900000, __LINE__);
	timeout_is("900s", 900000, __LINE__);
	timeout_is("30s", 30000, __LINE__);
	timeout_is("2m", 120000, __LINE__);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = json_q("{'url': 'https://example.com/'}");
		json_object_set_new(v, "timeout", json_string(bad[i]));
		REFUSE_V(v, VERR_VALIDATION, "timeout");
	}
	REFUSE("{'url': 'https://example.com/', 'timeout': 30}", VERR_VALIDATION,
	    "timeout");
	REFUSE("{'url': 'https://example.com/', 'timeout': 30000}", VERR_VALIDATION,
	    "timeout");
}

/* --- unknown and missing fields ---------------------------------------------- */

static void
test_unknown_fields(void)
{
	static const char *const extra[] = { "approved_by", NULL };
	struct jobreq jr;
	struct verr e;

	ctx_reset();
	REFUSE("{'url': 'https://example.com/', 'urll': 'x'}", VERR_VALIDATION, "urll");
	REFUSE("{'url': 'https://example.com/', 'URL': 'x'}", VERR_VALIDATION, "URL");
	REFUSE("{'url': 'https://example.com/', 'retries': 3}", VERR_VALIDATION, "retries");
	REFUSE("{'url': 'https://example.com/', 'id': null}", VERR_VALIDATION, "id");
	REFUSE("{'url': 'https://example.com/', 'status': 'completed'}", VERR_VALIDATION,
	    "status");
	REFUSE("{'url': 'https://example.com/', 'required_approval': true}",
	    VERR_VALIDATION, "required_approval");
	REFUSE("{'url': 'https://example.com/', 'approved_by': 'me'}", VERR_VALIDATION,
	    "approved_by");
	/* fields a caller reads itself may be allowed through */
	ctx.extra_fields = extra;
	CHECK_INT(parse_v(json_q("{'url': 'https://example.com/', 'approved_by': 'me'}"),
	    JOBREQ_CREATE, &jr, &e), 0);
	jobreq_free(&jr);
	REFUSE("{'url': 'https://example.com/', 'approved': 'me'}", VERR_VALIDATION,
	    "approved");
	ctx.extra_fields = NULL;
}

static void
test_missing_url(void)
{
	ctx_reset();
	REFUSE("{}", VERR_MISSING_FIELD, "url");
	REFUSE("{'url': null}", VERR_MISSING_FIELD, "url");
	REFUSE("{'method': 'GET', 'payload': {'a': 1}}", VERR_MISSING_FIELD, "url");
}

/* Several problems are all reported, each with its own code and field. */
static void
test_several_errors(void)
{
	struct jobreq jr;
	struct verr e;
	int i, seen = 0;

	ctx_reset();
	CHECK_INT(parse_v(json_q("{'method': 'FETCH', 'delay': '1y', 'queue': 'a b',"
	    "'payload': [1], 'max_attempts': 0, 'typo': 1}"), JOBREQ_CREATE, &jr, &e), -1);
	CHECK_INT(e.n, 7);
	for (i = 0; i < e.n; i++) {
		if (strcmp(e.item[i].field, "url") == 0 &&
		    e.item[i].code == VERR_MISSING_FIELD)
			seen |= 1;
		if (strcmp(e.item[i].field, "method") == 0 &&
		    e.item[i].code == VERR_VALIDATION)
			seen |= 2;
		if (strcmp(e.item[i].field, "delay") == 0 &&
		    e.item[i].code == VERR_INVALID_DELAY)
			seen |= 4;
		if (strcmp(e.item[i].field, "queue") == 0 &&
		    e.item[i].code == VERR_VALIDATION)
			seen |= 8;
		if (strcmp(e.item[i].field, "payload") == 0 &&
		    e.item[i].code == VERR_VALIDATION)
			seen |= 16;
		if (strcmp(e.item[i].field, "max_attempts") == 0 &&
		    e.item[i].code == VERR_VALIDATION &&
		    strstr(e.item[i].message, "between 1 and 100") != NULL)
			seen |= 32;
		if (strcmp(e.item[i].field, "typo") == 0 &&
		    e.item[i].code == VERR_VALIDATION)
			seen |= 64;
	}
	CHECK_INT(seen, 127);
	CHECK(jr.payload == NULL && jr.headers == NULL);
}

/* A schedule's template: no delay, run_at or dedupe_key. */
static void
test_template_mode(void)
{
	struct jobreq jr;
	struct verr e;

	ctx_reset();
	CHECK_INT(parse_v(json_q("{'url': 'https://example.com/', 'method': 'GET',"
	    "'headers': {'X-A': 'b'}, 'max_attempts': 2, 'requires_approval': true,"
	    "'callback_url': 'https://cb.example/', 'queue': 'q', 'timeout': '5s',"
	    "'payload': {'a': 1}}"), JOBREQ_TEMPLATE, &jr, &e), 0);
	CHECK_INT(jr.job.method, JOB_GET);
	CHECK_INT(jr.job.timeout_ms, 5000);
	jobreq_free(&jr);
	refuse_v(json_q("{'url': 'https://example.com/', 'delay': '1s'}"),
	    JOBREQ_TEMPLATE, VERR_VALIDATION, "delay", __LINE__);
	refuse_v(json_q("{'url': 'https://example.com/', 'run_at':"
	    "'2031-06-02T00:00:00Z'}"), JOBREQ_TEMPLATE, VERR_VALIDATION, "run_at",
	    __LINE__);
	refuse_v(json_q("{'url': 'https://example.com/', 'dedupe_key': 'k'}"),
	    JOBREQ_TEMPLATE, VERR_VALIDATION, "dedupe_key", __LINE__);
	refuse_v(json_q("{'queue': 'q'}"), JOBREQ_TEMPLATE, VERR_MISSING_FIELD, "url",
	    __LINE__);
}

static void
test_verr(void)
{
	struct verr e;
	char longf[200];
	int i;

	CHECK_STR(verr_code_name(VERR_MISSING_FIELD), "missing_field");
	CHECK_STR(verr_code_name(VERR_VALIDATION), "validation_error");
	CHECK_STR(verr_code_name(VERR_INVALID_DELAY), "invalid_delay");
	CHECK_STR(verr_code_name(VERR_INVALID_CRON), "invalid_cron");
	CHECK_STR(verr_code_name(VERR_INVALID_QUERY), "invalid_query");
	verr_init(&e);
	CHECK_INT(e.n, 0);
	verr_add(&e, VERR_VALIDATION, "f", "must be %d to %s", 1, "two");
	CHECK_INT(e.n, 1);
	CHECK_STR(e.item[0].field, "f");
	CHECK_STR(e.item[0].message, "must be 1 to two");
	verr_add(&e, VERR_MISSING_FIELD, NULL, "x");
	CHECK_STR(e.item[1].field, "");
	memset(longf, 'f', sizeof(longf));
	longf[sizeof(longf) - 1] = '\0';
	verr_add(&e, VERR_VALIDATION, longf, "long");
	CHECK_INT(strlen(e.item[2].field), sizeof(e.item[2].field) - 1);
	/* items go into JSON: invalid UTF-8 from a request is masked, valid kept */
	verr_add(&e, VERR_INVALID_QUERY, "\xff\xc3", "is %s", "caf\xc3\xa9");
	CHECK_STR(e.item[3].field, "??");
	CHECK_STR(e.item[3].message, "is caf\xc3\xa9");
	memset(longf, 'f', sizeof(longf));
	for (i = 60; i < 80; i += 2)
		memcpy(longf + i, "\xc3\xa9", 2);	/* the cut falls in a character */
	longf[sizeof(longf) - 1] = '\0';
	verr_add(&e, VERR_VALIDATION, longf, "long");
	CHECK_INT(strlen(e.item[4].field), sizeof(e.item[4].field) - 1);
	CHECK(e.item[4].field[70] == '?');
	for (i = 0; i < 40; i++)
		verr_add(&e, VERR_VALIDATION, "more", "m%d", i);
	CHECK_INT(e.n, VERR_MAX);
	CHECK_STR(e.item[5].message, "m0");
}

int
main(void)
{
	TAP_RUN(test_minimal_defaults);
	TAP_RUN(test_every_field);
	TAP_RUN(test_nulls_are_defaults);
	TAP_RUN(test_url);
	TAP_RUN(test_callback_url);
	TAP_RUN(test_method);
	TAP_RUN(test_payload);
	TAP_RUN(test_headers_ok);
	TAP_RUN(test_headers_count);
	TAP_RUN(test_headers_size);
	TAP_RUN(test_headers_names);
	TAP_RUN(test_headers_values);
	TAP_RUN(test_headers_reserved);
	TAP_RUN(test_delay);
	TAP_RUN(test_delay_with_approval);
	TAP_RUN(test_run_at);
	TAP_RUN(test_run_at_and_delay);
	TAP_RUN(test_dedupe_key);
	TAP_RUN(test_max_attempts);
	TAP_RUN(test_requires_approval);
	TAP_RUN(test_queue);
	TAP_RUN(test_timeout);
	TAP_RUN(test_unknown_fields);
	TAP_RUN(test_missing_url);
	TAP_RUN(test_several_errors);
	TAP_RUN(test_template_mode);
	TAP_RUN(test_verr);
	body_set(NULL);
	return tap_done();
}
