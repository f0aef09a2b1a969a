/*
 * Keeping the store healthy from the dispatcher's tick: returning abandoned
 * leases to pending (a dispatcher died mid-delivery: at-least-once),
 * removing expired dedupe and idempotency rows, removing finished jobs past
 * `retention`, pruning activity older than a week, and checkpointing (old
 * log files are then removed automatically, DB_LOG_AUTO_REMOVE).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "dqtime.h"
#include "log.h"
#include "disp.h"

#define HK_BATCH	256
#define HK_BUDGET_MS	50
#define CHECKPOINT_MS	60000
#define TRICKLE_CLEAN_PCT	20	/* of the cache kept clean, every second */
#define DISK_TROUBLE_BACKOFF_MS	30000
#define STATS_PRUNE_MS		600000	/* a sweep of old activity every 10 min */
#define STATS_PRUNE_US		2000	/* of the writer lock, each step */

struct stale {
	struct disp	*d;
	int64_t		 now;
	char		 msg[128];
	char		 queue[JOB_QUEUE_MAX + 1];	/* out */
	uint32_t	 account;			/* out */
};

/* Is a lease abandoned?  Ours never is; another live dispatcher's only
 * once it has expired; a dead one's at once. */
static int
lease_stale(int64_t lease_until, int64_t owner, uint32_t pid, void *arg)
{
	struct stale *s = arg;

	if (owner == s->d->lease.owner)
		return 0;
	if (pid == (uint32_t)getpid())
		return 1;		/* an earlier life of this very process */
	if (kill((pid_t)pid, 0) == -1 && errno == ESRCH)
		return 1;
	return lease_until <= s->now;
}

static enum dq_err
lease_reclaim(struct job *j, struct attempt *at, void *arg)
{
	struct stale *s = arg;

	if (j->status != JOB_ACTIVE ||
	    !lease_stale(j->lease_until, j->lease_owner, j->lease_pid, s))
		return DQ_ERR_STATE;
	deliver_interrupted(j, s->now, at, s->msg, sizeof(s->msg));
	snprintf(s->queue, sizeof(s->queue), "%s", j->queue);
	s->account = j->account;
	return DQ_OK;
}

void
housekeep_leases(struct disp *d, int64_t now)
{
	char ids[HK_BATCH][ID_JOB_LEN + 1];
	struct stale s;
	struct store_update u;
	int n, i;

	memset(&s, 0, sizeof(s));
	s.d = d;
	s.now = now;
	if (store_leases_stale(d->st, lease_stale, &s, ids, HK_BATCH, &n) != DQ_OK)
		return;
	for (i = 0; i < n; i++) {
		u.id = ids[i];
		u.fn = lease_reclaim;
		u.arg = &s;
		if (store_jobs_update(d->st, &u, 1) != DQ_OK || u.result != DQ_OK)
			continue;
		log_warnx("%s: its dispatcher stopped during a delivery; "
		    "it will be delivered again", ids[i]);
		queues_job_due(d, s.account, s.queue, now);
	}
}

/* Activity older than STORE_STATS_KEEP_MS, a sweep every STATS_PRUNE_MS,
 * in short steps, going on where the last stopped. */
static int
housekeep_stats(struct disp *d, int64_t now, int64_t until)
{
	struct store_stats_prune *p = &d->stats_prune;
	int total = 0;

	if (now < d->next_stats_prune && p->fl == 0)
		return 0;
	p->before = now - STORE_STATS_KEEP_MS;
	p->budget_us = STATS_PRUNE_US;
	do {
		if (store_stats_prune(d->st, p) != DQ_OK)
			return total;
		total += p->done;
	} while (p->more && dqtime_mono_ms() < until);
	if (!p->more)
		d->next_stats_prune = now + STATS_PRUNE_MS;
	return total;
}

void
housekeep_run(struct disp *d, int64_t now)
{
	int64_t until = dqtime_mono_ms() + HK_BUDGET_MS;
	int done, total = 0;

	do {
		if (store_expire_keys(d->st, now, HK_BATCH, &done) != DQ_OK)
			break;
		total += done;
	} while (done == HK_BATCH && dqtime_mono_ms() < until);
	do {
		if (store_retain(d->st, now - d->conf->retention_ms, HK_BATCH,
		    &done) != DQ_OK)
			break;
		total += done;
	} while (done == HK_BATCH && dqtime_mono_ms() < until);
	total += housekeep_stats(d, now, until);
	if (total > 0)
		log_debug("housekeeping removed %d expired entries", total);
}

/*
 * Keep a fifth of the cache clean (so requests rarely write pages out
 * themselves) and checkpoint every minute.  When the disk refuses writes
 * (full), every dirty page would fail in turn, for as long as that takes:
 * back off instead, and try again later.
 */
void
housekeep_pages(struct disp *d, int64_t now)
{
	enum dq_err e;

	if (now < d->disk_trouble_until)
		return;
	e = store_trickle(d->st, TRICKLE_CLEAN_PCT);
	if (e == DQ_OK && now >= d->next_checkpoint) {
		if ((e = store_checkpoint(d->st)) == DQ_OK)
			d->next_checkpoint = now + CHECKPOINT_MS;
	}
	if (e != DQ_OK) {
		log_warnx("cannot write cache pages to disk (full?); trying again "
		    "in %d s", DISK_TROUBLE_BACKOFF_MS / 1000);
		d->disk_trouble_until = now + DISK_TROUBLE_BACKOFF_MS;
	}
}
