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
#include "repl.h"
#include "router.h"

#define HEALTH_TICK_MAX_MS	5000

/*
 * A member of a replicated group also says its role, the master (URL, else
 * address), whether it is still getting its copy, and how old its data is
 * (null: not known), as its dq-repd last published them (none while it is
 * not running).  On a replica the dispatcher's heartbeat is the master's
 * dispatcher's, replicated.
 */
static json_t *
health_repl(struct req *q)
{
	struct repl_state s;
	char master[REPL_URL_LEN];
	int up = repl_alive(q->now);

	if (repl_read(&s) == -1 || !up) {
		s.lag_ms = -1;
		s.role = REPL_NONE;
	}
	repl_master_name(master, sizeof(master));
	return json_pack("{s:s, s:s?, s:b, s:o, s:b}",
	    "role", repl_role_name(s.role),
	    "master", master[0] ? master : NULL, "syncing", s.syncing != 0,
	    "lag_seconds", up && s.lag_ms >= 0 ? json_real((double)s.lag_ms / 1000.0) :
	    json_null(), "dq_repd", up);
}

void
h_healthz(struct req *q, struct resp *r)
{
	char when[DQ_TIME_LEN + 1];
	int64_t tick = 0;
	enum dq_err e;
	int store_ok, alive;
	json_t *body;

	e = store_ping(q->st);
	store_ok = e == DQ_OK;
	if (store_ok && store_meta_get(q->st, "dispatcher_tick", &tick) != DQ_OK)
		tick = 0;
	alive = tick > 0 && q->now - tick < HEALTH_TICK_MAX_MS;
	if (!store_ok || !alive)
		resp_header(r, "Retry-After", "5");
	body = json_pack("{s:s, s:s, s:{s:b, s:s?}}",
	    "status", store_ok && alive ? "ok" : "degraded",
	    "store", store_ok ? "ok" : e == DQ_ERR_SYNCING ? "syncing" : "unavailable",
	    "dispatcher", "alive", alive, "last_tick_at",
	    tick ? dqtime_format(tick, when, sizeof(when)) : NULL);
	if (body != NULL && store_replicated(q->st))
		json_object_set_new(body, "replication", health_repl(q));
	resp_json(r, store_ok && alive ? 200 : 503, body);
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

static void
metrics_repl_counter(FILE *fp, const char *name, const char *help,
    enum repl_counter c)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name,
	    name, (unsigned long long)repl_counter(c));
}

/* Replication: this member's role, lag and the group's elections. */
static void
metrics_repl(FILE *fp, struct req *q)
{
	static const char *const roles[] = { "none", "replica", "master" };
	struct repl_state s;
	char lag[32] = "NaN";	/* not known */
	int i, up = repl_alive(q->now), connected = 0;

	if (repl_read(&s) == -1 || !up) {
		s.lag_ms = -1;
		s.role = REPL_NONE;
	}
	if (up && s.lag_ms >= 0)
		snprintf(lag, sizeof(lag), "%.3f", (double)s.lag_ms / 1000.0);
	for (i = 0; i < s.nmembers; i++)
		connected += s.members[i].connected;
	fprintf(fp, "# HELP dq_repl_role This member's role in its replication group.\n"
	    "# TYPE dq_repl_role gauge\n");
	for (i = 0; i < 3; i++)
		fprintf(fp, "dq_repl_role{role=\"%s\"} %d\n", roles[i], s.role == i);
	fprintf(fp, "# HELP dq_repl_up Whether dq-repd runs on this member.\n"
	    "# TYPE dq_repl_up gauge\ndq_repl_up %d\n"
	    "# HELP dq_repl_generation The replication generation (one per master).\n"
	    "# TYPE dq_repl_generation gauge\ndq_repl_generation %u\n"
	    "# HELP dq_repl_lag_seconds How old this member's data is (0 on the master).\n"
	    "# TYPE dq_repl_lag_seconds gauge\ndq_repl_lag_seconds %s\n"
	    "# HELP dq_repl_lag_bytes How much log this member lacks.\n"
	    "# TYPE dq_repl_lag_bytes gauge\ndq_repl_lag_bytes %lld\n"
	    "# HELP dq_repl_syncing Whether this member is still getting its copy.\n"
	    "# TYPE dq_repl_syncing gauge\ndq_repl_syncing %d\n"
	    "# HELP dq_repl_members The other members, by this member's connection to them.\n"
	    "# TYPE dq_repl_members gauge\ndq_repl_members{state=\"connected\"} %d\n"
	    "dq_repl_members{state=\"unreachable\"} %d\n", up, s.gen,
	    lag, (long long)s.lag_bytes, s.syncing != 0,
	    connected, s.nmembers - connected);
	metrics_repl_counter(fp, "dq_repl_elections_total", "Elections this member "
	    "took part in.", REPL_C_ELECTIONS);
	metrics_repl_counter(fp, "dq_repl_elections_won_total", "Elections this member "
	    "won.", REPL_C_WON);
	metrics_repl_counter(fp, "dq_repl_master_changes_total", "New masters this "
	    "member was told of.", REPL_C_MASTER_CHANGES);
	metrics_repl_counter(fp, "dq_repl_duplicate_masters_total", "Times two masters "
	    "met (after a partition).", REPL_C_DUPMASTER);
	metrics_repl_counter(fp, "dq_repl_unacknowledged_commits_total", "Commits a "
	    "majority did not acknowledge in time.", REPL_C_PERM_FAILED);
	metrics_repl_counter(fp, "dq_repl_not_acknowledged_total", "Of those, the ones "
	    "no later commit confirmed (answered 504 not_acknowledged).",
	    REPL_C_NOT_ACKED);
	metrics_repl_counter(fp, "dq_repl_full_copies_total", "Copies of the whole "
	    "data this member received from the master (joining, or back after "
	    "the log it lacked was removed).", REPL_C_FULL_COPIES);
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
	if (store_replicated(q->st))
		metrics_repl(g.fp, q);
	fclose(g.fp);
	r->status = 200;
	r->text = text;
	r->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
