/*
 * disp_tick(now): everything the dispatcher does, in one place, after
 * beanstalkd's prottick.  It reads the wake-ups, writes the heartbeat, the
 * line a minute and abandoned leases back, claims and starts as much due
 * work as max_parallel allows, and answers how long the loop may sleep
 * before something else is due.  Nothing here waits for the disk: that is
 * the housekeeper's (housekeeper.c).
 */
#include "config.h"

#include "dqtime.h"
#include "log.h"
#include "metrics.h"
#include "shm.h"
#include "wakeup.h"
#include "disp.h"

#define HEARTBEAT_MS	1000
#define LEASES_MS	5000
#define RESYNC_MS	5000
#define SUMMARY_MS	60000
#define CALLBACK_BATCH	64
#define CALLBACK_HOLD_MS	250	/* passed-over callbacks are looked at again */

void
disp_note_callback(struct disp *d, int64_t due)
{
	if (due > 0 && (d->cb_next_due == 0 || due < d->cb_next_due))
		d->cb_next_due = due;
}

static void
tick_wakeups(struct disp *d)
{
	struct wakeup_msg w;

	while (wakeup_recv(d->wake_fd, &w) == 1) {
		if (w.kind == WAKEUP_SCHEDULE)
			sched_note(d, w.due_ms);
		else if (w.kind == WAKEUP_QUEUE)
			queues_reload(d, w.account, w.queue);
		else if (w.kind == WAKEUP_JOB)
			queues_job_due(d, w.account, w.queue, w.due_ms);
	}
}

/* Callbacks count against their account's transfers in flight too, and a
 * disabled account's are held like its jobs. */
struct cb_room {
	struct disp	*d;
	uint32_t	 account[CALLBACK_BATCH];
	int		 taken[CALLBACK_BATCH];
	int		 n;
};

static int
tick_cb_may(uint32_t account, void *arg)
{
	struct cb_room *r = arg;
	struct account acc;
	int i;

	for (i = 0; i < r->n && r->account[i] != account; i++)
		;
	if (i == r->n) {
		if (r->n == CALLBACK_BATCH ||
		    (accounts_get(r->d, account, &acc) == 0 && acc.disabled))
			return 0;
		r->account[r->n] = account;
		r->taken[r->n++] = 0;
	}
	if (queues_acct_room(r->d, account) - r->taken[i] <= 0)
		return 0;
	r->taken[i]++;
	return 1;
}

static void
tick_callbacks(struct disp *d, int64_t now)
{
	struct job jobs[CALLBACK_BATCH];
	struct cb_room room;
	int free_slots = (int)d->conf->max_parallel - d->running, n = 0, i, passed = 0;
	int64_t next = 0;
	enum dq_err e;

	if (d->cb_next_due == 0 || d->cb_next_due > now || free_slots <= 0 ||
	    !leader_may_claim(d, now))
		return;
	room.d = d;
	room.n = 0;
	e = store_callbacks_claim(d->st, now, free_slots < CALLBACK_BATCH ?
	    free_slots : CALLBACK_BATCH, now + d->conf->delivery_timeout_ms +
	    DISP_LEASE_MARGIN_MS, tick_cb_may, &room, jobs, &n, &next, &passed);
	if (e == DQ_ERR_NOT_ACKED) {
		/* held until then: they come due again after the hold */
		for (i = 0; i < n; i++)
			job_free(&jobs[i]);
		d->claims_paused_until = now + 1000;
	}
	if (e != DQ_OK)
		return;
	/* those passed over (their account is full or held) are due still */
	d->cb_next_due = passed > 0 && (next == 0 || next > now + CALLBACK_HOLD_MS) ?
	    now + CALLBACK_HOLD_MS : next;
	for (i = 0; i < n; i++) {
		xfer_start_callback(d, &jobs[i]);
		job_free(&jobs[i]);
	}
}

static void
tick_resync(struct disp *d, int64_t now)
{
	int64_t next;

	queues_resync(d, now);
	sched_resync(d);
	if (store_callbacks_next_due(d->st, &next) == DQ_OK)
		d->cb_next_due = next;
}

/*
 * The line a minute that says what the whole installation did (the
 * counters are shared by every dq process): enough for an operator to see
 * that work flows, without a line per request or per delivery.
 */
void
disp_summary(struct disp *d, int64_t now)
{
	struct met_totals t, *o = &d->last_totals;

	metrics_totals(&t);
	if (d->next_summary != 0)
		log_info("last %llds: %llu requests (%llu answered 5xx), %llu jobs "
		    "created, %llu deliveries (%llu failed, %llu started over 1s late)",
		    (long long)((now - (d->next_summary - SUMMARY_MS) + 500) / 1000),
		    (unsigned long long)(t.requests - o->requests),
		    (unsigned long long)(t.server_errors - o->server_errors),
		    (unsigned long long)(t.jobs_created - o->jobs_created),
		    (unsigned long long)(t.deliveries - o->deliveries),
		    (unsigned long long)(t.delivery_failures - o->delivery_failures),
		    (unsigned long long)(t.late_1s - o->late_1s));
	*o = t;
	d->next_summary = now + SUMMARY_MS;
	xfer_trim(d, DISP_MAX_IDLE_CONNECTIONS);	/* a burst's handles */
}

static void
tick_min(int64_t *best, int64_t t)
{
	if (t > 0 && (*best == 0 || t < *best))
		*best = t;
}

int64_t
disp_tick(struct disp *d, int64_t now)
{
	int64_t next = 0, wait;

	children_watch(d);	/* first: every store call below may wait */
	if (now >= d->next_summary)	/* a replica's too: it serves reads */
		disp_summary(d, now);
	if (!leader_tick(d, now)) {
		tick_wakeups(d);
		return leader_idle_ms();	/* a replica: nothing to do but wait */
	}
	if (shm_epoch() != d->accounts_epoch) {	/* dqctl changed an account */
		d->accounts_epoch = shm_epoch();
		accounts_forget();
		queues_accounts_changed(d);
	}
	tick_wakeups(d);
	if (now >= d->next_heartbeat) {
		/* committed, not flushed: the housekeeper flushes the log */
		if (store_meta_put(d->st, "dispatcher_tick", now) != DQ_OK)
			log_warnx("cannot write the heartbeat");
		d->next_heartbeat = now + HEARTBEAT_MS;
	}
	if (now >= d->next_leases) {
		housekeep_leases(d, now);
		d->next_leases = now + LEASES_MS;
	}
	if (now >= d->next_resync) {
		tick_resync(d, now);
		d->next_resync = now + RESYNC_MS;
	}
	if (!d->stopping) {
		sched_tick(d, now);
		queues_dispatch(d, now);
		tick_callbacks(d, now);
		tick_min(&next, queues_next_deadline(d, now));
		tick_min(&next, d->cb_next_due);
		tick_min(&next, sched_deadline(d, now));
	}
	tick_min(&next, d->next_heartbeat);
	tick_min(&next, d->next_leases);
	tick_min(&next, d->next_resync);
	tick_min(&next, d->next_summary);
	wait = next - dqtime_now_ms();
	return wait < 0 ? 0 : wait;
}
