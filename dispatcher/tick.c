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
#include "wakeup.h"
#include "disp.h"

#define HEARTBEAT_MS	1000
#define LEASES_MS	5000
#define RESYNC_MS	5000
#define SUMMARY_MS	60000
#define CALLBACK_BATCH	64

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
	struct dqueue *q;

	while (wakeup_recv(d->wake_fd, &w) == 1) {
		if (w.kind == WAKEUP_SCHEDULE) {
			sched_note(d, w.due_ms);
			continue;
		}
		if ((q = queues_get(d->queues, w.account, w.queue)) == NULL)
			continue;
		if (!q->loaded || w.kind == WAKEUP_QUEUE)
			queues_load(d, q);
		if (w.kind == WAKEUP_JOB)
			queues_note_due(q, w.due_ms);
	}
}

static void
tick_callbacks(struct disp *d, int64_t now)
{
	struct job jobs[CALLBACK_BATCH];
	int free_slots = (int)d->conf->max_parallel - d->running, n = 0, i;
	int64_t next = 0;

	if (d->cb_next_due == 0 || d->cb_next_due > now || free_slots <= 0)
		return;
	if (store_callbacks_claim(d->st, now, free_slots < CALLBACK_BATCH ?
	    free_slots : CALLBACK_BATCH, now + d->conf->delivery_timeout_ms +
	    DISP_LEASE_MARGIN_MS, jobs, &n, &next) != DQ_OK)
		return;
	d->cb_next_due = next;
	for (i = 0; i < n; i++) {
		xfer_start_callback(d, &jobs[i]);
		job_free(&jobs[i]);
	}
}

static void
tick_resync(struct disp *d, int64_t now)
{
	struct job none[1];
	int n = 0;
	int64_t next = 0;

	queues_resync(d);
	sched_resync(d);
	if (store_callbacks_claim(d->st, now, 0, 0, none, &n, &next) == DQ_OK)
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
	tick_wakeups(d);
	if (now >= d->next_heartbeat) {
		/* committed, not flushed: the housekeeper flushes the log */
		if (store_meta_put(d->st, "dispatcher_tick", now) != DQ_OK)
			log_warnx("cannot write the heartbeat");
		d->next_heartbeat = now + HEARTBEAT_MS;
	}
	if (now >= d->next_summary)
		disp_summary(d, now);
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
		tick_min(&next, queues_next_deadline(d->queues, now));
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
