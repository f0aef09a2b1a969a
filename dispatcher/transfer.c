/*
 * HTTP transfers on the one curl multi handle: building the request of
 * API.md 5 for a job or a callback (headers, body, both signatures),
 * capturing the answer up to max_response_body, refusing private targets at
 * connect time, and handing finished transfers to results.c.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "deliver.h"
#include "dqtime.h"
#include "jsonw.h"
#include "log.h"
#include "sign.h"
#include "utf8.h"
#include "xfer.h"

#define XFER_CONNECT_MAX_MS	10000

/*
 * Easy handles are kept for the next transfers instead of made for each
 * one: curl_easy_reset() forgets every option of the last request (its URL,
 * headers, body and callbacks: xfer_easy sets them all again) but keeps the
 * handle's buffers.  The pool holds at most as many as may run at once, and
 * the minute's summary trims it (xfer_trim).
 */
static CURL *
xfer_easy_get(struct disp *d)
{
	if (d->nidle_easy > 0)
		return d->idle_easy[--d->nidle_easy];
	return curl_easy_init();
}

static void
xfer_easy_put(struct disp *d, CURL *e)
{
	int cap = d->conf->max_parallel < DISP_IDLE_EASY ?
	    (int)d->conf->max_parallel : DISP_IDLE_EASY;

	if (d->nidle_easy >= cap) {
		curl_easy_cleanup(e);
		return;
	}
	curl_easy_reset(e);
	d->idle_easy[d->nidle_easy++] = e;
}

void
xfer_trim(struct disp *d, int keep)
{
	while (d->nidle_easy > keep)
		curl_easy_cleanup(d->idle_easy[--d->nidle_easy]);
}

static void
xfer_free(struct xfer *x)
{
	if (x == NULL)
		return;
	if (x->easy != NULL)
		xfer_easy_put(x->d, x->easy);
	curl_slist_free_all(x->headers);
	free(x->body);
	buf_free(&x->resp);
	free(x);
}

/*
 * Keep the answer up to resp.max, then stop reading: a target that trickles
 * an endless body must not hold a delivery slot until the timeout.  The
 * transfer then ends with CURLE_WRITE_ERROR and x->capped, and the attempt
 * is judged on the status it had (xfer_result).
 */
static size_t
xfer_on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb, room, take;

	room = x->resp.max - x->resp.len;
	take = n < room ? n : room;
	if (take < n)
		x->truncated = x->capped = 1;
	if (take == 0)
		return 0;
	buf_add(&x->resp, p, take);
	if (x->resp.err)
		return 0;	/* aborts the transfer: out of memory */
	return x->capped ? 0 : n;
}

/* An HTTP-date as Unix seconds, or -1 (for deliver_retry_after_ms). */
static int64_t
xfer_http_date(const char *s)
{
	time_t t = curl_getdate(s, NULL);

	return t < 0 ? -1 : (int64_t)t;
}

/*
 * A target that wants no retry of a failed delivery says so in its answer
 * (API.md 9): DQ-No-Retry: true, or QStash's Upstash-NonRetryable-Error:
 * true, which receivers written for QStash send.
 */
static const char *const xfer_no_retry_names[] = {
	"DQ-No-Retry", "Upstash-NonRetryable-Error"
};

static void
xfer_no_retry(struct xfer *x, const char *line, size_t n, const char *val)
{
	size_t i, len;

	if (strcasecmp(val, "true") != 0)
		return;
	for (i = 0; i < sizeof(xfer_no_retry_names) / sizeof(xfer_no_retry_names[0]); i++) {
		len = strlen(xfer_no_retry_names[i]);
		if (n > len && line[len] == ':' &&
		    strncasecmp(line, xfer_no_retry_names[i], len) == 0)
			x->no_retry = xfer_no_retry_names[i];
	}
}

/* Content-Type, Retry-After and the no-retry ones are the only answer
 * headers dq reads. */
static size_t
xfer_on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb, vl;
	char val[128];
	const char *v;

	if ((v = memchr(p, ':', n)) == NULL)
		return n;
	v++;
	while (v < p + n && (*v == ' ' || *v == '\t'))
		v++;
	vl = (size_t)(p + n - v);
	while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
		vl--;
	if (vl >= sizeof(val))
		vl = sizeof(val) - 1;
	memcpy(val, v, vl);
	val[vl] = '\0';
	if (n > 13 && strncasecmp(p, "content-type:", 13) == 0)
		memcpy(x->content_type, val, vl + 1);
	else if (n > 12 && strncasecmp(p, "retry-after:", 12) == 0)
		x->retry_after_ms = deliver_retry_after_ms(val, xfer_http_date,
		    dqtime_now_ms());
	else
		xfer_no_retry(x, p, n, val);
	return n;
}

/* The SSRF guard: called with the resolved address before every connect. */
static curl_socket_t
xfer_on_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *sa)
{
	struct xfer *x = arg;
	const char *why;
	char text[64];

	if (!x->d->conf->allow_private_targets &&
	    (why = addr_refusal(&sa->addr)) != NULL) {
		snprintf(x->refused, sizeof(x->refused), "refused to connect to %s: "
		    "it is %s (allow_private_targets is off)",
		    addr_text(&sa->addr, text, sizeof(text)), why);
		return CURL_SOCKET_BAD;
	}
	return socket(sa->family, sa->socktype | SOCK_CLOEXEC, sa->protocol);
}

static int
xfer_header(struct xfer *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
xfer_header(struct xfer *x, const char *fmt, ...)
{
	char line[8448];
	struct curl_slist *l;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) ||
	    (l = curl_slist_append(x->headers, line)) == NULL)
		return -1;
	x->headers = l;
	return 0;
}

/* Does the job set this header itself?  (Then dq does not add its own.) */
static int
xfer_user_has(json_t *hdrs, const char *name)
{
	const char *k;
	json_t *v;

	json_object_foreach(hdrs, k, v)
		if (strcasecmp(k, name) == 0)
			return 1;
	return 0;
}

/*
 * The request headers: the job's own, then dq's (API.md 5).  msg_id is the
 * Standard Webhooks id: the job id, or the job id + "_cb" for its callback,
 * the same on every attempt so that a receiver can deduplicate a resend.
 * A request without a body says no Content-Type: libcurl would otherwise
 * add its form type to a POST, PUT or PATCH with an empty body.
 */
static int
xfer_headers(struct xfer *x, const struct account *a, const char *job_headers,
    int attempt, const char *msg_id)
{
	char sig[SIGN_HEX_LEN + 1], wh[SIGN_WH_LEN + 1];
	json_t *hdrs = NULL;
	const char *k;
	json_t *v;
	int64_t ts = dqtime_now_ms() / 1000;
	int rc = -1;

	if (job_headers != NULL &&
	    (hdrs = json_loads(job_headers, 0, NULL)) == NULL)
		return -1;
	json_object_foreach(hdrs, k, v)
		if (xfer_header(x, "%s: %s", k, json_string_value(v)) == -1)
			goto done;
	if ((!xfer_user_has(hdrs, "Content-Type") && xfer_header(x,
	    x->body != NULL ? "Content-Type: application/json" : "Content-Type:") == -1) ||
	    (!xfer_user_has(hdrs, "User-Agent") &&
	    xfer_header(x, "User-Agent: dq/%s", PACKAGE_VERSION) == -1))
		goto done;
	sign_dispatchq(a, x->body, x->body_len, sig);
	sign_webhook(a, msg_id, ts, x->body, x->body_len, wh);
	if (xfer_header(x, "X-DispatchQ-Job-Id: %s", x->id) == -1 ||
	    xfer_header(x, "X-DispatchQ-Attempt: %d", attempt) == -1 ||
	    xfer_header(x, "X-DispatchQ-Signature: %s", sig) == -1 ||
	    xfer_header(x, "webhook-id: %s", msg_id) == -1 ||
	    xfer_header(x, "webhook-timestamp: %lld", (long long)ts) == -1 ||
	    xfer_header(x, "webhook-signature: %s", wh) == -1 ||
	    xfer_header(x, "Expect:") == -1)
		goto done;
	rc = 0;
done:
	json_decref(hdrs);
	return rc;
}

/*
 * The options that make a transfer safe to run for a stranger's job: only
 * http(s), no redirects, no proxy from the environment, the SSRF guard on
 * every connect, bounded time.  Each one's result is checked: a libcurl
 * that refuses one would run the transfer without that protection, so the
 * transfer is refused instead (the attempt fails, and is retried).
 */
static int
xfer_easy_guards(struct xfer *x, CURL *e, int64_t timeout_ms)
{
	CURLcode c;

	if ((c = curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR,
	    x->d->conf->require_https ? "https" : "http,https")) != CURLE_OK ||
	    (c = curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L)) != CURLE_OK ||
	    (c = curl_easy_setopt(e, CURLOPT_PROXY, "")) != CURLE_OK ||
	    (c = curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, xfer_on_socket)) != CURLE_OK ||
	    (c = curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, x)) != CURLE_OK ||
	    (c = curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)timeout_ms)) != CURLE_OK ||
	    (c = curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout_ms <
	    XFER_CONNECT_MAX_MS ? timeout_ms : XFER_CONNECT_MAX_MS))) != CURLE_OK ||
	    (c = curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK) {
		log_warnx("refusing the transfer of %s: libcurl would not set a "
		    "safeguard: %s", x->id, curl_easy_strerror(c));
		return -1;
	}
	return 0;
}

/* The request itself; any option libcurl refuses refuses the transfer. */
static int
xfer_easy(struct xfer *x, const char *url, enum job_method m, int64_t timeout_ms)
{
	CURL *e;
	int bad = 0;

	if ((e = x->easy = xfer_easy_get(x->d)) == NULL ||
	    xfer_easy_guards(x, e, timeout_ms) == -1)
		return -1;
	bad |= curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_PRIVATE, x) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, xfer_on_body) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, x) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, xfer_on_header) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_HEADERDATA, x) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers) != CURLE_OK;
	bad |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, job_method_name(m)) != CURLE_OK;
	if (x->body != NULL) {
		bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body) != CURLE_OK;
		bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)x->body_len) != CURLE_OK;
	} else if (m == JOB_GET)
		bad |= curl_easy_setopt(e, CURLOPT_HTTPGET, 1L) != CURLE_OK;
	else if (m == JOB_POST || m == JOB_PUT || m == JOB_PATCH) {
		bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, "") != CURLE_OK;
		bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)0) != CURLE_OK;
	}
	return bad ? -1 : 0;
}

static struct xfer *
xfer_new(struct disp *d, enum xfer_kind kind, const struct job *j)
{
	struct xfer *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return NULL;
	x->d = d;
	x->kind = kind;
	memcpy(x->id, j->id, sizeof(x->id));
	x->account = j->account;
	x->retry_after_ms = -1;
	buf_init(&x->resp, 4096, (size_t)d->conf->max_response_body);
	return x;
}

static int
xfer_add(struct disp *d, struct xfer *x)
{
	x->started_at = dqtime_now_ms();
	if (curl_multi_add_handle(d->multi, x->easy) != CURLM_OK)
		return -1;
	d->running++;
	return 0;
}

int
xfer_start_job(struct disp *d, struct dqueue *q, const struct job *j)
{
	struct account a;
	struct xfer *x;

	if ((x = xfer_new(d, XFER_JOB, j)) == NULL) {
		log_warnx("cannot start delivery of %s: out of memory", j->id);
		return -1;	/* its lease expires and it is tried again */
	}
	x->q = q;
	x->due_at = j->due_at;
	queues_xfer_started(d, q, j->account);	/* results_apply() ends it */
	x->attempt = j->attempts;
	if (j->payload != NULL && j->method != JOB_GET && j->method != JOB_DELETE) {
		if ((x->body = strdup(j->payload)) == NULL)
			goto fail;
		x->body_len = strlen(x->body);
	}
	if (accounts_get(d, j->account, &a) == -1 ||
	    xfer_headers(x, &a, j->headers, j->attempts, j->id) == -1 ||
	    xfer_easy(x, j->url, j->method, j->timeout_ms) == -1 ||
	    xfer_add(d, x) == -1)
		goto fail;
	return 0;
fail:
	log_warnx("cannot start delivery of %s", j->id);
	results_failed_start(d, x, "dq could not prepare the request");
	xfer_free(x);
	return -1;
}

int
xfer_start_callback(struct disp *d, const struct job *j)
{
	struct account a;
	struct xfer *x;
	char msg_id[ID_JOB_LEN + 4];
	struct jw w;

	if ((x = xfer_new(d, XFER_CALLBACK, j)) == NULL) {
		log_warnx("cannot start the callback of %s: out of memory", j->id);
		return -1;	/* held until it is due again */
	}
	queues_xfer_started(d, NULL, j->account);	/* results_apply() ends it */
	x->attempt = j->cb_attempts;
	snprintf(msg_id, sizeof(msg_id), "%s_cb", j->id);
	jw_init(&w);
	job_write_json(&w, j, 0, dqtime_now_ms());
	if ((x->body = jw_finish(&w, &x->body_len)) == NULL)
		goto fail;
	if (accounts_get(d, j->account, &a) == -1 ||
	    xfer_headers(x, &a, NULL, j->cb_attempts, msg_id) == -1 ||
	    xfer_easy(x, j->callback_url, JOB_POST, d->conf->delivery_timeout_ms) == -1 ||
	    xfer_add(d, x) == -1)
		goto fail;
	return 0;
fail:
	log_warnx("cannot start the callback of %s", j->id);
	results_failed_start(d, x, "dq could not prepare the callback");
	xfer_free(x);
	return -1;
}

static int
xfer_is_json(const char *text)
{
	json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);

	json_decref(v);
	return v != NULL;
}

/* Fill a delivery result from a finished transfer. */
static void
xfer_result(struct xfer *x, CURLcode code, struct delivery *dv, char **text)
{
	long status = 0;

	memset(dv, 0, sizeof(*dv));
	dv->started_at = x->started_at;
	dv->finished_at = dqtime_now_ms();
	dv->retry_after_ms = -1;
	*text = NULL;
	if (code == CURLE_OK || (code == CURLE_WRITE_ERROR && x->capped)) {
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
		dv->response_code = (int)status;
		if ((status == 429 || status == 503) && x->retry_after_ms > 0)
			dv->retry_after_ms = x->retry_after_ms;
		if ((status < 200 || status > 299) && x->no_retry != NULL) {
			snprintf(dv->error, sizeof(dv->error), "HTTP %ld; not retried: "
			    "the target answered %s: true", status, x->no_retry);
			dv->permanent = 1;
		}
		if (x->resp.len > 0 && (*text = utf8_text(x->resp.data, x->resp.len)) != NULL) {
			dv->body = *text;
			dv->body_is_json = !x->truncated &&
			    strstr(x->content_type, "json") != NULL &&
			    xfer_is_json(*text);
		}
		return;
	}
	if (x->refused[0] != '\0') {
		snprintf(dv->error, sizeof(dv->error), "%s", x->refused);
		dv->permanent = 1;
	} else if (code == CURLE_UNSUPPORTED_PROTOCOL) {
		snprintf(dv->error, sizeof(dv->error), "refused: only https targets "
		    "are allowed (require_https)");
		dv->permanent = 1;
	} else
		snprintf(dv->error, sizeof(dv->error), "%s", x->errbuf[0] ?
		    x->errbuf : curl_easy_strerror(code));
}

#define REAP_BATCH	256

struct reaped {
	struct xfer	*x[REAP_BATCH];
	struct delivery	 dv[REAP_BATCH];
	char		*text[REAP_BATCH];
	int		 n;
};

static void
reap_flush(struct disp *d, struct reaped *r)
{
	int i;

	if (r->n > 0)
		results_apply(d, r->x, r->dv, r->n);
	for (i = 0; i < r->n; i++) {
		free(r->text[i]);
		xfer_free(r->x[i]);
	}
	r->n = 0;
}

/* Collect finished transfers and write their outcomes in batches. */
void
xfer_reap(struct disp *d)
{
	static struct reaped r;
	struct xfer *x;
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(d->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		curl_multi_remove_handle(d->multi, m->easy_handle);
		d->running--;
		x->code = m->data.result;
		xfer_result(x, m->data.result, &r.dv[r.n], &r.text[r.n]);
		r.x[r.n++] = x;
		if (r.n == REAP_BATCH)
			reap_flush(d, &r);
	}
	reap_flush(d, &r);
}
