/*
 * GET /healthz and GET /metrics, which need no API key.  /healthz: is the
 * store usable, and is a dispatcher ticking?  The dispatcher writes its
 * heartbeat every second; one older than HEALTH_TICK_MAX_MS means it is not
 * running (or is stuck).  /metrics: Prometheus text, for loopback clients or
 * with metrics_token.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "crypto.h"
#include "dqtime.h"
#include "handlers.h"
#include "metrics.h"
#include "router.h"

#define HEALTH_TICK_MAX_MS	5000

void
h_healthz(struct req *q, struct resp *r)
{
	char when[DQ_TIME_LEN + 1];
	int64_t tick = 0;
	int store_ok, alive;

	store_ok = store_ping(q->st) == DQ_OK;
	if (store_ok && store_meta_get(q->st, "dispatcher_tick", &tick) != DQ_OK)
		tick = 0;
	alive = tick > 0 && q->now - tick < HEALTH_TICK_MAX_MS;
	if (!store_ok || !alive)
		resp_header(r, "Retry-After", "5");
	resp_json(r, store_ok && alive ? 200 : 503,
	    json_pack("{s:s, s:s, s:{s:b, s:s?}}",
	    "status", store_ok && alive ? "ok" : "degraded",
	    "store", store_ok ? "ok" : "unavailable",
	    "dispatcher", "alive", alive, "last_tick_at",
	    tick ? dqtime_format(tick, when, sizeof(when)) : NULL));
}

/*
 * Loopback clients may read metrics; others need metrics_token.  The token
 * is compared as SHA-256 digests, in constant time: how long the compare
 * takes says nothing of the token, not even its length.
 */
static int
metrics_allowed(const struct req *q)
{
	const char *a = q->remote_addr, *tok = q->conf->metrics_token;
	const char *h = q->authorization;
	unsigned char want[CRYPTO_SHA256_LEN], got[CRYPTO_SHA256_LEN];

	if (a != NULL && (strncmp(a, "127.", 4) == 0 || strcmp(a, "::1") == 0 ||
	    strncmp(a, "::ffff:127.", 11) == 0))
		return 1;
	if (tok == NULL || h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return 0;
	crypto_sha256(tok, strlen(tok), want);
	crypto_sha256(h + 7, strlen(h + 7), got);
	return crypto_equal(want, got, sizeof(want));
}

struct gauge_arg {
	FILE		*fp;
	struct store	*st;
	int		 per_account;	/* metrics_per_account */
	int64_t		 total[JOB_NSTATUS];	/* otherwise: summed here */
};

static int
metrics_queue(const struct queue_info *qi, void *arg)
{
	struct gauge_arg *g = arg;
	struct account a;
	int s;

	if (!g->per_account) {
		for (s = 0; s < JOB_NSTATUS; s++)
			g->total[s] += qi->counts[s];
		return 0;
	}
	if (store_account_get(g->st, qi->account, &a) != DQ_OK)
		snprintf(a.name, sizeof(a.name), "%u", qi->account);
	for (s = 0; s < JOB_NSTATUS; s++)
		fprintf(g->fp, "dq_jobs{account=\"%s\",queue=\"%s\",status=\"%s\"} %lld\n",
		    a.name, qi->name, job_status_name((enum job_status)s),
		    (long long)qi->counts[s]);
	return 0;
}

void
h_metrics(struct req *q, struct resp *r)
{
	struct gauge_arg g;
	char *text = NULL;
	size_t len = 0;
	int64_t tick = 0;
	FILE *fp;
	int s;

	if (!metrics_allowed(q)) {
		resp_header(r, "WWW-Authenticate", "Bearer");
		resp_error(r, q, 401, "unauthorized", NULL,
		    "metrics are served to loopback clients or with metrics_token");
		return;
	}
	if ((fp = open_memstream(&text, &len)) == NULL) {
		resp_dq_err(r, q, DQ_ERR_NOMEM, NULL);
		return;
	}
	memset(&g, 0, sizeof(g));
	g.fp = fp;
	g.st = q->st;
	g.per_account = q->conf->metrics_per_account;
	metrics_write(g.fp, router_route_name);
	fprintf(g.fp, "# HELP dq_jobs Jobs by %sstatus.\n# TYPE dq_jobs gauge\n",
	    g.per_account ? "account, queue and " : "");
	store_queue_list(q->st, 0, 1, metrics_queue, &g);
	for (s = 0; !g.per_account && s < JOB_NSTATUS; s++)
		fprintf(g.fp, "dq_jobs{status=\"%s\"} %lld\n",
		    job_status_name((enum job_status)s), (long long)g.total[s]);
	(void)store_meta_get(q->st, "dispatcher_tick", &tick);
	fprintf(g.fp, "# HELP dq_dispatcher_last_tick_seconds The dispatcher's last "
	    "heartbeat (Unix time).\n# TYPE dq_dispatcher_last_tick_seconds gauge\n"
	    "dq_dispatcher_last_tick_seconds %.3f\n", (double)tick / 1000.0);
	fclose(g.fp);
	r->status = 200;
	r->text = text;
	r->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
