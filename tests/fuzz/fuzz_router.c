/*
 * Fuzz target: a whole API request through router_dispatch(), as dq-fcgi's
 * worker hands it over, against a real store opened once per process in a
 * private directory with two accounts.  The input reads like an HTTP
 * request:
 *
 *	METHOD /path?query
 *	Header: value
 *
 *	body
 *
 * "$KEY" and "$KEY2" stand for the two accounts' API keys, "$JOB" and
 * "$SCHED" for the last job and schedule this process created, so that
 * seeds reach past authentication and into the routes that take an id.
 * "$CURSOR" followed by text (up to a space or '&') stands for that text
 * signed as a list cursor's JSON with this store's key: well-formed,
 * correctly signed cursors whose contents are whatever the fuzzer makes
 * of them (queues of any length, schedule ids, offsets, page sizes).
 * Every answer must be a known status with a JSON body (the error envelope
 * carrying the request id for errors), and never 500.  FUZZ_TRACE=1 in the
 * environment prints each request's status, to see what a seed reaches.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "cursor.h"
#include "dqtime.h"
#include "fuzz.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "ratelimit.h"
#include "router.h"
#include "store.h"
#include "wakeup.h"

#define FR_LINE_MAX	4096

static struct dq_conf	 conf;
static struct store	*st;
static char		 key1[ID_KEY_LEN + 1], key2[ID_KEY_LEN + 1];
static char		 last_job[ID_JOB_LEN + 1] = "job_0000000000000000";
static char		 last_sched[ID_SCHED_LEN + 1] = "sch_0000000000000000";
static int		 trace;

static void
add_account(const char *name, char *key)
{
	char secret[ID_SECRET_LEN + 1];
	struct account a;

	if (store_account_add(st, name, 0, key, secret, &a) != DQ_OK)
		abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[512];

	trace = getenv("FUZZ_TRACE") != NULL;
	log_init("fuzz_router", 0);
	log_set_level(LOG_LVL_WARN);
	unsetenv("RATE_LIMIT_PER_SECOND");
	unsetenv("WEBHOOK_TIMEOUT_MS");
	if (conf_load(&conf, NULL, err, sizeof(err)) == -1)
		abort();
	free(conf.data_dir);
	free(conf.wakeup_socket);
	if ((conf.data_dir = strdup(fuzz_dir())) == NULL ||
	    (conf.wakeup_socket = strdup("/nonexistent/dq-fuzz-wakeup.sock")) == NULL)
		abort();
	conf.sync = CONF_SYNC_NONE;
	conf.cache_size = 8 << 20;
	conf.rate_limit = 0;
	if (store_open(&st, &conf, STORE_CREATE, err, sizeof(err)) == -1) {
		fprintf(stderr, "store_open: %s\n", err);
		abort();
	}
	add_account("fuzz", key1);
	add_account("other", key2);
	if (cursor_open(conf.data_dir, err, sizeof(err)) == -1) {
		fprintf(stderr, "cursor_open: %s\n", err);
		abort();
	}
	ratelimit_open(conf.data_dir);
	metrics_open(conf.data_dir);
	wakeup_sender_open(conf.wakeup_socket);
	return 0;
}

/* "$CURSOR" + text: the text (to a space or '&') signed as a cursor; the
 * number of input bytes used, the cursor in *out (free it). */
static size_t
subst_cursor(const char *in, char **out)
{
	size_t n = strcspn(in + 7, " &");

	*out = cursor_seal(in + 7, n);
	return 7 + n;
}

/* Copy in to out (size n) with the $ placeholders replaced. */
static void
subst(const char *in, char *out, size_t n)
{
	static const struct { const char *name; const char *value; } v[] = {
		{ "$KEY2", key2 }, { "$KEY", key1 }, { "$JOB", last_job },
		{ "$SCHED", last_sched },
	};
	size_t o = 0, i, len;
	char *cur;

	while (*in != '\0' && o + 1 < n) {
		if (strncmp(in, "$CURSOR", 7) == 0) {
			in += subst_cursor(in, &cur);
			len = cur != NULL ? strlen(cur) : 0;
			if (o + len + 1 <= n && len > 0) {
				memcpy(out + o, cur, len);
				o += len;
			}
			free(cur);
			continue;
		}
		for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
			if (strncmp(in, v[i].name, strlen(v[i].name)) == 0)
				break;
		if (i == sizeof(v) / sizeof(v[0])) {
			out[o++] = *in++;
			continue;
		}
		len = strlen(v[i].value);
		if (o + len + 1 > n)
			break;
		memcpy(out + o, v[i].value, len);
		o += len;
		in += strlen(v[i].name);
	}
	out[o] = '\0';
}

/* The next line of *p (NUL-terminated in place, CR dropped), or NULL at the end. */
static char *
next_line(char **p)
{
	char *line = *p, *nl;

	if (line == NULL)
		return NULL;
	if ((nl = strchr(line, '\n')) != NULL) {
		*nl = '\0';
		*p = nl + 1;
	} else
		*p = NULL;
	line[strcspn(line, "\r")] = '\0';
	return line;
}

struct fuzz_req {
	char	method[64];
	char	target[FR_LINE_MAX];
	char	auth[FR_LINE_MAX];
	char	ctype[FR_LINE_MAX];
	char	idem[FR_LINE_MAX];
	int	has_auth, has_ctype, has_idem;
};

static void
header(struct fuzz_req *f, const char *line)
{
	const char *v = strchr(line, ':');
	size_t n;

	if (v == NULL)
		return;
	n = (size_t)(v - line);
	for (v++; *v == ' '; v++)
		;
	if (n == 13 && strncasecmp(line, "Authorization", n) == 0) {
		subst(v, f->auth, sizeof(f->auth));
		f->has_auth = 1;
	} else if (n == 12 && strncasecmp(line, "Content-Type", n) == 0) {
		snprintf(f->ctype, sizeof(f->ctype), "%s", v);
		f->has_ctype = 1;
	} else if (n == 15 && strncasecmp(line, "Idempotency-Key", n) == 0) {
		snprintf(f->idem, sizeof(f->idem), "%s", v);
		f->has_idem = 1;
	}
}

/* Remember what a create made, for $JOB and $SCHED. */
static void
remember(const struct resp *r, json_t *body)
{
	const char *id = json_string_value(json_object_get(body, "id"));

	if (r->status != 201 || id == NULL)
		return;
	if (strncmp(id, "job_", 4) == 0 && strlen(id) == ID_JOB_LEN)
		memcpy(last_job, id, ID_JOB_LEN + 1);
	else if (strncmp(id, "sch_", 4) == 0 && strlen(id) == ID_SCHED_LEN)
		memcpy(last_sched, id, ID_SCHED_LEN + 1);
}

/*
 * A known status and a body: a JSON tree, or text that is valid JSON when
 * the streaming writer made it (only metrics is plain text).  Returns the
 * body as JSON (a new reference, NULL for plain text).
 */
static json_t *
check_resp(const struct req *q, const struct resp *r)
{
	static const int known[] = { 200, 201, 400, 401, 404, 405, 409, 413, 415,
	    422, 429, 503 };
	json_t *body, *err;
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (r->status == known[i])
			break;
	FUZZ_CHECK(i < sizeof(known) / sizeof(known[0]));
	FUZZ_CHECK(r->json != NULL || r->text != NULL);
	if (r->json != NULL)
		body = json_incref(r->json);
	else if (r->content_type != NULL &&
	    strncmp(r->content_type, "application/json", 16) == 0) {
		body = json_loads(r->text, JSON_REJECT_DUPLICATES, NULL);
		FUZZ_CHECK(body != NULL);
	} else {
		FUZZ_CHECK(r->status == 200);
		return NULL;
	}
	if (r->status >= 400 && r->status != 503) {
		err = json_object_get(body, "error");
		FUZZ_CHECK(json_is_string(json_object_get(err, "code")));
		FUZZ_CHECK(json_is_string(json_object_get(err, "message")));
		FUZZ_CHECK(strcmp(json_string_value(json_object_get(err,
		    "request_id")), q->request_id) == 0);
	}
	return body;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_req f;
	char *text = fuzz_str(data, size), *p = text, *line, *body, *sp;
	struct req q;
	struct resp r;
	json_t *json;

	if (text == NULL)
		return 0;
	memset(&f, 0, sizeof(f));
	if ((line = next_line(&p)) == NULL || (sp = strchr(line, ' ')) == NULL) {
		free(text);
		return 0;
	}
	*sp++ = '\0';
	snprintf(f.method, sizeof(f.method), "%s", line);
	subst(sp, f.target, sizeof(f.target));
	while ((line = next_line(&p)) != NULL && *line != '\0')
		header(&f, line);
	body = p;

	memset(&q, 0, sizeof(q));
	resp_init(&r);
	q.method = f.method;
	q.path = f.target;
	q.query = "";
	if ((sp = strchr(f.target, '?')) != NULL) {
		*sp = '\0';
		q.query = sp + 1;
	}
	q.content_type = f.has_ctype ? f.ctype : NULL;
	q.authorization = f.has_auth ? f.auth : NULL;
	q.idempotency_key = f.has_idem ? f.idem : NULL;
	q.remote_addr = "127.0.0.1";
	q.body = body;
	q.body_len = body != NULL ? strlen(body) : 0;
	q.content_length = body != NULL ? (int64_t)q.body_len : -1;
	snprintf(q.request_id, sizeof(q.request_id), "req_fuzz");
	q.route = -1;
	q.now = dqtime_now_ms();
	q.st = st;
	q.conf = &conf;

	router_dispatch(&q, &r);
	if (trace)
		fprintf(stderr, "%d %s %s\n", r.status, q.method, q.path);
	json = check_resp(&q, &r);
	remember(&r, json);
	json_decref(json);
	resp_free(&r);
	free(text);
	return 0;
}
