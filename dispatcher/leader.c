/*
 * The dispatcher in a replicated group: it works only on the master.  Every
 * member runs one; each tick asks whether this member is the master now
 * (and its dq-repd is there to get commits acknowledged).  On a replica it
 * waits; when its member becomes master it takes over at once: it reads
 * the queues, schedules and callbacks again, and hands back for delivery
 * every job another member's dispatcher held (at-least-once: that
 * dispatcher can no longer record what it did).  A claim a majority did not
 * acknowledge is not delivered (this master may be cut off, and the claim
 * undone by the next one): its jobs are released at the next lease sweep.
 */
#include "config.h"

#include <string.h>

#include "log.h"
#include "repl.h"
#include "disp.h"

#define LEADER_IDLE_MS		100	/* how often a replica looks again */
#define LEADER_CLAIM_PAUSE_MS	2000	/* after an unacknowledged claim */

int
leader_tick(struct disp *d, int64_t now)
{
	int64_t since;
	uint32_t gen;

	if (!store_replicated(d->st))
		return 1;
	since = repl_master_since(&gen);
	if (!store_writable(d->st) || since == 0) {
		if (d->master_since != 0)
			log_info("this member is not the master any more: deliveries "
			    "stop here (%d in flight finish, but are not recorded)",
			    d->running);
		d->master_since = 0;
		return 0;
	}
	if (since != d->master_since) {
		log_info("this member is the master (generation %u): dispatching "
		    "from here", gen);
		d->master_since = since;
		d->takeover = 1;
		d->norphans = 0;
		d->next_heartbeat = d->next_leases = d->next_resync = 0;
		/* accounts changed on the old master (enabled, disabled, keys) */
		accounts_forget();
		queues_accounts_changed(d);
	}
	return 1;
}

int64_t
leader_idle_ms(void)
{
	return LEADER_IDLE_MS;
}

int
leader_may_claim(const struct disp *d, int64_t now)
{
	return now >= d->claims_paused_until;
}

void
leader_unconfirmed(struct disp *d, struct job *jobs, int n, int64_t now)
{
	int i;

	log_warnx("a claim of %d jobs was not acknowledged by a majority of the "
	    "group: not delivering them", n);
	for (i = 0; i < n; i++) {
		if (d->norphans < DISP_ORPHANS)
			memcpy(d->orphans[d->norphans++], jobs[i].id, ID_JOB_LEN + 1);
		job_free(&jobs[i]);
	}
	d->claims_paused_until = now + LEADER_CLAIM_PAUSE_MS;
	d->next_leases = now;
}

int
leader_orphan(const struct disp *d, const char *id)
{
	int i;

	for (i = 0; i < d->norphans; i++)
		if (strcmp(d->orphans[i], id) == 0)
			return 1;
	return 0;
}

void
leader_forget(struct disp *d, const char *id)
{
	int i;

	for (i = 0; i < d->norphans; i++) {
		if (strcmp(d->orphans[i], id) == 0) {
			memcpy(d->orphans[i], d->orphans[--d->norphans], ID_JOB_LEN + 1);
			return;
		}
	}
}

int
leader_foreign(const struct disp *d, int64_t started_at)
{
	if (d->master_since == 0)
		return 0;
	if (started_at < 0)
		return d->takeover;
	return started_at < d->master_since;
}

void
leader_swept(struct disp *d, int n, int max, int64_t now)
{
	if (!d->takeover)
		return;
	if (n < max)
		d->takeover = 0;
	else
		d->next_leases = now;	/* more to hand back */
}
