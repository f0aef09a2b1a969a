/*
 * The scale benchmark's loader: puts COUNT jobs of one account straight into
 * a store through store_jobs_create(), in big transactions that do not sync,
 * so that a million jobs take seconds rather than the API's minutes.  Every
 * index and counter is kept as the API would keep it.  Of every 100 jobs
 * 90 are completed, 5 pending 30 days ahead, 3 failed and 2 cancelled, all
 * in queue "default"; finished jobs keep no attempts history.
 *
 * usage: bench-load -c CONF -a ACCOUNT -n COUNT -u URL
 * Bench-only code: run it while no other process has the store open.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "dqtime.h"
#include "log.h"
#include "store.h"

#define LOAD_BATCH	500
#define LOAD_DAY_MS	(24LL * 3600 * 1000)

/* A job like the API makes, in the status that i picks. */
static void
load_job(struct job *j, long i, int64_t now, const char *url, const char *payload)
{
	job_init(j);
	j->url = url;
	j->queue = "default";
	j->payload = payload;
	j->max_attempts = 3;
	j->timeout_ms = 30000;
	j->created_at = j->updated_at = j->due_at = now - LOAD_DAY_MS + i % LOAD_DAY_MS;
	switch (i % 100) {
	case 90: case 91: case 92: case 93: case 94:
		j->status = JOB_PENDING;
		j->delay_until = j->due_at = now + 30 * LOAD_DAY_MS;
		return;
	case 95: case 96: case 97:
		j->status = JOB_FAILED;
		j->attempts = j->attempt_seq = 3;
		j->response_code = 500;
		j->last_error = "HTTP 500";
		break;
	case 98: case 99:
		j->status = JOB_CANCELLED;
		break;
	default:
		j->status = JOB_COMPLETED;
		j->attempts = j->attempt_seq = 1;
		j->response_code = 200;
		j->response_body = "{\"ok\":true}";
		j->response_is_json = 1;
		j->duration_ms = 2;
		break;
	}
	if (j->attempts > 0)
		j->started_at = j->due_at;
	j->finished_at = j->updated_at = j->due_at + 2;
}

static int
load(struct store *st, uint32_t account, long count, const char *url)
{
	static struct job jobs[LOAD_BATCH];
	static struct store_create items[LOAD_BATCH];
	char payload[320];
	int64_t now = dqtime_now_ms();
	enum dq_err e;
	long i = 0, k, n;

	snprintf(payload, sizeof(payload), "{\"pad\":\"%0280d\"}", 0);
	while (i < count) {
		n = count - i < LOAD_BATCH ? count - i : LOAD_BATCH;
		for (k = 0; k < n; k++) {
			load_job(&jobs[k], i + k, now, url, payload);
			memset(&items[k], 0, sizeof(items[k]));
			items[k].job = &jobs[k];
		}
		if ((e = store_jobs_create(st, account, items, (size_t)n)) != DQ_OK) {
			fprintf(stderr, "bench-load: after %ld jobs: %s\n", i, dq_strerror(e));
			return 1;
		}
		i += n;
	}
	return store_checkpoint(st) == DQ_OK ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct dq_conf conf;
	struct store *st = NULL;
	struct account a;
	const char *path = NULL, *name = NULL, *url = NULL;
	char err[512], *end;
	long count = -1;
	int ch, rc;

	while ((ch = getopt(argc, argv, "a:c:n:u:")) != -1) {
		switch (ch) {
		case 'a': name = optarg; break;
		case 'c': path = optarg; break;
		case 'n': count = strtol(optarg, &end, 10); if (*end) count = -1; break;
		case 'u': url = optarg; break;
		default: count = -1; break;
		}
	}
	if (path == NULL || name == NULL || url == NULL || count < 1) {
		fprintf(stderr, "usage: bench-load -c CONF -a ACCOUNT -n COUNT -u URL\n");
		return 2;
	}
	log_init("bench-load", 0);
	if (conf_load(&conf, path, err, sizeof(err)) == -1) {
		fprintf(stderr, "bench-load: %s\n", err);
		return 1;
	}
	conf.sync = CONF_SYNC_NONE;
	if (store_open(&st, &conf, 0, err, sizeof(err)) == -1) {
		fprintf(stderr, "bench-load: %s\n", err);
		return 1;
	}
	if (store_account_by_name(st, name, &a) != DQ_OK) {
		fprintf(stderr, "bench-load: no account %s\n", name);
		rc = 1;
	} else
		rc = load(st, a.id, count, url);
	store_close(st);
	conf_free(&conf);
	return rc;
}
