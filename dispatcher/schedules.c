/*
 * Firing schedules from the tick.  The schedule clock is the wall clock,
 * except in tests: with test_clock_file set, the number of milliseconds in
 * that file is added to it, so a test can move the schedules' time forward
 * by minutes without waiting for them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "metrics.h"
#include "disp.h"

#define FIRE_BATCH	64

int64_t
sched_clock(struct disp *d, int64_t now)
{
	long long off = 0;
	FILE *fp;

	if (d->conf->test_clock_file == NULL ||
	    (fp = fopen(d->conf->test_clock_file, "r")) == NULL)
		return now;
	if (fscanf(fp, "%lld", &off) != 1)
		off = 0;
	fclose(fp);
	return now + off;
}

void
sched_note(struct disp *d, int64_t due)
{
	if (due > 0 && (d->sched_next_due == 0 || due < d->sched_next_due))
		d->sched_next_due = due;
}

/* Re-read the earliest schedule (a firing of none is a peek). */
void
sched_resync(struct disp *d)
{
	struct store_fired none[1];
	int64_t next = 0;
	int n = 0;

	if (store_schedules_fire(d->st, 0, 0, 0, none, &n, &next) == DQ_OK)
		d->sched_next_due = next;
}

static void
sched_fired(struct disp *d, const struct store_fired *f)
{
	if (f->status == JOB_PENDING)
		queues_job_due(d, f->account, f->queue, f->due);
}

void
sched_tick(struct disp *d, int64_t now)
{
	struct store_fired fired[FIRE_BATCH];
	int64_t sched_now = sched_clock(d, now), next = 0;
	enum dq_err e;
	int n, i;

	while (d->sched_next_due != 0 && d->sched_next_due <= sched_now) {
		n = 0;
		e = store_schedules_fire(d->st, sched_now, now, FIRE_BATCH, fired, &n,
		    &next);
		if (e != DQ_OK) {
			log_warnx("firing schedules: %s", dq_strerror(e));
			d->sched_next_due = sched_now + 1000;
			return;
		}
		for (i = 0; i < n; i++)
			sched_fired(d, &fired[i]);
		metrics_jobs_created((unsigned)n);
		if (n > 0)
			log_debug("fired %d schedules", n);
		d->sched_next_due = next;
		if (n == 0)
			break;
	}
}

/* When, on the wall clock, the next schedule is due (0: none). */
int64_t
sched_deadline(struct disp *d, int64_t now)
{
	if (d->sched_next_due == 0)
		return 0;
	return d->sched_next_due - (sched_clock(d, now) - now);
}
