/*
 * The worker's accept loop and the FastCGI edges of a request: reading the
 * parameters and the body into a struct req, writing a struct resp back,
 * and, with log_requests, one access-log line per request.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "buf.h"
#include "cursor.h"
#include "dqtime.h"
#include "log.h"
#include "metrics.h"
#include "num.h"
#include "ratelimit.h"
#include "router.h"
#include "shm.h"
#include "sig.h"
#include "wakeup.h"
#include "worker.h"

/*
 * A store transaction that takes this long is abandoned: it gives up at its
 * next step and the request is answered 503 (store_watchdog_fired()).  One
 * still stuck a grace period later (or the store's opening) is blocked on a
 * Berkeley DB mutex or lock left by a process that was killed: the worker
 * exits, and its replacement's open of the environment cleans up after the
 * dead one.
 */
#define WORKER_WATCHDOG_S	10

static volatile sig_atomic_t worker_stop;

static void
worker_on_alarm(int sig)
{
	static const char msg[] = "dq-fcgi: stuck in the store; exiting so that "
	    "the environment is recovered\n";

	if (store_watchdog_fired())
		return;		/* the transaction gives up by itself */
	sig_die(msg, sizeof(msg) - 1, 3);
}

/* Finish the request in flight, but not forever (see the watchdog). */
static void
worker_on_term(int sig)
{
	worker_stop = 1;
	FCGX_ShutdownPending();
	alarm(WORKER_WATCHDOG_S);
}

static const char *
status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Status";
	}
}

/* X-Request-Id: the client's when it is 1-128 printable characters, no spaces. */
static void
worker_request_id(struct req *q, const char *given)
{
	size_t n, i;

	if (given != NULL && (n = strlen(given)) >= 1 && n <= REQ_ID_MAX) {
		for (i = 0; i < n; i++)
			if (given[i] <= 0x20 || given[i] >= 0x7f)
				break;
		if (i == n) {
			memcpy(q->request_id, given, n + 1);
			return;
		}
	}
	if (ids_new_req(q->request_id) == -1)
		snprintf(q->request_id, sizeof(q->request_id), "req_unknown");
}

/* The path part of REQUEST_URI, copied into buf. */
static const char *
worker_path(FCGX_ParamArray env, char *buf, size_t n)
{
	const char *uri = FCGX_GetParam("REQUEST_URI", env);
	size_t len;

	if (uri == NULL && (uri = FCGX_GetParam("DOCUMENT_URI", env)) == NULL &&
	    (uri = FCGX_GetParam("SCRIPT_NAME", env)) == NULL)
		uri = "/";
	len = strcspn(uri, "?");
	if (len >= n)
		len = n - 1;
	memcpy(buf, uri, len);
	buf[len] = '\0';
	return buf;
}

static void
worker_params(struct req *q, FCGX_ParamArray env, char *pathbuf, size_t pn)
{
	const char *cl;
	long long n;

	q->method = FCGX_GetParam("REQUEST_METHOD", env);
	if (q->method == NULL)
		q->method = "GET";
	q->path = worker_path(env, pathbuf, pn);
	if ((q->query = FCGX_GetParam("QUERY_STRING", env)) == NULL)
		q->query = "";
	q->content_type = FCGX_GetParam("CONTENT_TYPE", env);
	q->authorization = FCGX_GetParam("HTTP_AUTHORIZATION", env);
	q->idempotency_key = FCGX_GetParam("HTTP_IDEMPOTENCY_KEY", env);
	q->remote_addr = FCGX_GetParam("REMOTE_ADDR", env);
	/* 1*DIGIT (a number too large for int64_t is too large for max_body
	 * too); anything else is not a length a web server sends */
	q->content_length = -1;
	cl = FCGX_GetParam("CONTENT_LENGTH", env);
	if (cl != NULL && *cl != '\0' && num_parse_count(cl, INT64_MAX, &n) == -1)
		q->content_length = REQ_LENGTH_BAD;
	else if (cl != NULL && *cl != '\0')
		q->content_length = n;
	worker_request_id(q, FCGX_GetParam("HTTP_X_REQUEST_ID", env));
}

/*
 * Read the body: CONTENT_LENGTH bytes (already checked against max_body),
 * or, when a front end streams a body without one, up to the end of the
 * FastCGI stdin stream.  0, -1 (out of memory), or 1 (more than max_body).
 */
static int
worker_body(struct req *q, FCGX_Stream *in, int64_t max_body)
{
	size_t want, chunk;
	struct buf b;
	char *to;
	int n;

	if (q->content_length == 0)
		return 0;
	want = q->content_length > 0 ? (size_t)q->content_length : (size_t)max_body + 1;
	buf_init(&b, q->content_length > 0 ? want + 1 : 8192, want);
	while (b.len < want) {
		chunk = want - b.len > 65536 ? 65536 : want - b.len;
		if ((to = buf_room(&b, chunk)) == NULL) {
			buf_free(&b);
			return -1;
		}
		if ((n = FCGX_GetStr(to, (int)chunk, in)) <= 0)
			break;
		b.len += (size_t)n;
	}
	if ((q->body = buf_take(&b, &q->body_len)) == NULL)
		return -1;
	return q->body_len > (size_t)max_body ? 1 : 0;
}

static void
worker_write(FCGX_Request *fr, const struct req *q, const struct resp *r)
{
	char *body = NULL, head[512];
	const char *ctype = "application/json; charset=utf-8";
	size_t blen = 0;
	int hn;

	if (r->json != NULL) {
		body = json_dumps(r->json, JSON_COMPACT | JSON_ENCODE_ANY);
		blen = body ? strlen(body) : 0;
	} else if (r->text != NULL) {
		body = r->text;
		blen = strlen(body);
		ctype = r->content_type;
	}
	/* libfcgi's own printf lacks %zu and friends: format here. */
	hn = snprintf(head, sizeof(head), "Status: %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nX-Request-Id: %s\r\n", r->status,
	    status_text(r->status), ctype, blen, q->request_id);
	FCGX_PutStr(head, hn < (int)sizeof(head) ? hn : (int)sizeof(head) - 1, fr->out);
	if (r->hlen > 0)
		FCGX_PutStr(r->headers, (int)r->hlen, fr->out);
	FCGX_PutStr("\r\n", 2, fr->out);
	if (blen > 0)
		FCGX_PutStr(body, (int)blen, fr->out);
	if (body != r->text)
		free(body);
}

static void
worker_handle(FCGX_Request *fr, struct store *st, const struct dq_conf *c)
{
	char pathbuf[2048], esc[256];
	struct req q;
	struct resp r;
	int64_t t0 = dqtime_mono_ms();
	int rc = 0;

	memset(&q, 0, sizeof(q));
	resp_init(&r);
	(void)store_take_unflushed(st);
	q.st = st;
	q.conf = c;
	q.now = dqtime_now_ms();
	q.route = -1;
	worker_params(&q, fr->envp, pathbuf, sizeof(pathbuf));
	log_set_request(q.request_id);
	if (q.content_length == REQ_LENGTH_BAD)
		resp_error(&r, &q, 400, "invalid_request", NULL,
		    "the request's Content-Length is not a number");
	else if (q.content_length > c->max_body ||
	    (rc = worker_body(&q, fr->in, c->max_body)) == 1)
		resp_error(&r, &q, 413, "payload_too_large", NULL,
		    "request body is larger than %lld bytes", (long long)c->max_body);
	else if (rc == -1)
		resp_dq_err(&r, &q, DQ_ERR_NOMEM, NULL);
	else
		router_dispatch(&q, &r);
	if (store_take_unflushed(st)) {
		/* stored, but not yet on disk: not a failure (README, sync) */
		resp_header(&r, "DQ-Durability", "not-flushed");
		metrics_alert(MET_A_UNFLUSHED);
	}
	worker_write(fr, &q, &r);
	metrics_request(q.route, r.status, dqtime_mono_ms() - t0);
	if (c->log_requests)
		log_info("%s %s %d%s%s %lldms", q.method, log_escape(q.path, esc,
		    sizeof(esc)), r.status, r.error_code ? " " : "",
		    r.error_code ? r.error_code : "", (long long)(dqtime_mono_ms() - t0));
	log_set_request(NULL);
	free(q.body);
	resp_free(&r);
}

/*
 * End the request.  libfcgi closes a connection gently: it shuts down its
 * side, then waits for the front end to close and reads whatever is left,
 * so that unread request data cannot make the kernel reset the connection
 * and lose the answer with it.  That costs three system calls and often a
 * sleep per request.  When the request has been read to its end (the
 * empty stdin record nginx and Apache send after the body), nothing is
 * left to arrive: the connection is closed at once, as for a detached
 * request.  A request whose body was not read through (413) still gets
 * the gentle close.
 */
static void
worker_finish(FCGX_Request *fr)
{
	if (FCGX_GetChar(fr->in) == EOF)
		FCGX_Detach(fr);
	FCGX_Finish_r(fr);
}

int
worker_run(int listen_fd, const struct dq_conf *c)
{
	FCGX_Request fr;
	struct store *st = NULL;
	char err[512];

	sig_daemon(worker_on_term, worker_on_alarm);	/* accept() must return */
	if (store_open(&st, c, 0, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	if (store_replicated(st))
		cursor_open_group(st);
	else if (cursor_open(c->data_dir, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		store_close(st);
		return -1;
	}
	store_set_watchdog_ms(WORKER_WATCHDOG_S * 1000);
	ratelimit_open(c->data_dir);
	wakeup_sender_open(c->wakeup_socket);
	wakeup_map_open(c->data_dir);
	metrics_open(c->data_dir);
	shm_epoch_open(c->data_dir);
	if (FCGX_Init() != 0 ||
	    FCGX_InitRequest(&fr, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		log_warnx("FastCGI initialisation failed");
		store_close(st);
		return -1;
	}
	while (!worker_stop) {
		if (FCGX_Accept_r(&fr) < 0) {
			if (worker_stop || errno == EINTR)
				continue;
			log_warn("accept");
			break;
		}
		worker_handle(&fr, st, c);
		worker_finish(&fr);
	}
	FCGX_Free(&fr, 1);
	store_close(st);
	return 0;
}
