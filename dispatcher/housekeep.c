/*
 * Returning abandoned leases to pending from the dispatcher's tick (a
 * dispatcher died mid-delivery: at-least-once); the queue is told at once.
 * The rest of housekeeping is the housekeeper process's (housekeeper.c).
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
