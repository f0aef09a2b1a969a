/*
 * Which queue's work starts next.  Every queue with work is in one place:
 * the heap (qset.h) while it waits for a time (its next due job, or its
 * rate bucket), its account's ring while it can start work now, or nowhere
 * while it cannot (paused, at its concurrency, nothing pending).  The tick
 * moves the queues whose time has come from the heap to their rings, then
 * serves the round of accounts: each in turn gets one queue's quantum, its
 * queues in turn, so one account or one busy queue cannot starve another.
 * An account has at most max_parallel_per_account transfers in flight (jobs
 * and callbacks); at that, or while it is disabled, it leaves the round
 * until a transfer ends or it is enabled.  An ordered queue's claims take
 * one job at a time, its head (the store decides which: store_claim), and
 * the end of its transfer asks the store what comes next.
 *
 * next_due may be early (a job was cancelled since) but is never late:
 * every path that makes a job pending lowers it (wake-up datagrams from
 * dq-fcgi, our own retries), and a periodic resync from the store repairs
 * anything missed.  Every change of it is published for dq-fcgi (wakeup.h),
 * and a queue's entry is cleared while its due index is being read.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "disp.h"
#include "dqtime.h"
#include "log.h"
#include "wakeup.h"

#define QUEUE_HOLD_MS	100	/* a queue that was due but gave nothing waits */

/* Burst: one tick's worth of a fast queue, a single job for a slow one. */
static double
queue_capacity(const struct dqueue *q)
{
	return q->rate * 0.05 > 1 ? q->rate * 0.05 : 1;
}

void
queues_settings(struct dqueue *q, const struct queue_info *qi)
{
	if (q->rate != qi->rate_per_second) {
		q->rate = qi->rate_per_second;
		q->tokens = queue_capacity(q);
		q->tokens_at = 0;
	}
	q->paused = qi->paused;
	q->concurrency = qi->concurrency;
	q->ordered = qi->ordered;
	q->loaded = 1;
}

static void
queue_refill(struct dqueue *q, int64_t now)
{
	double cap = queue_capacity(q);

	if (q->rate <= 0)
		return;
	if (q->tokens_at != 0 && now > q->tokens_at)
		q->tokens += (double)(now - q->tokens_at) * q->rate / 1000.0;
	if (q->tokens > cap)
		q->tokens = cap;
	q->tokens_at = now;
}

/* When the rate bucket allows a claim worth making (now if unlimited). */
static int64_t
queue_rate_ready(struct dqueue *q, int64_t now)
{
	double need;

	if (q->rate <= 0)
		return now;
	queue_refill(q, now);
	need = queue_capacity(q) < DISP_QUANTUM ? 1 : DISP_QUANTUM;
	if (q->tokens >= need)
		return now;
	return now + (int64_t)ceil((need - q->tokens) * 1000.0 / q->rate);
}

/* At its concurrency (an ordered queue's is one)? */
static int
queue_full(const struct dqueue *q)
{
	return (q->concurrency > 0 && q->active >= q->concurrency) ||
	    (q->ordered && q->active > 0);
}

/* Into the round, if it has ready queues and may start more. */
static void
acct_wake(struct disp *d, struct dacct *a)
{
	if (!a->in_round && !a->disabled && a->ring_head != NULL &&
	    a->active < d->acct_cap)
		qset_round_push(d->queues, a);
}

/* Put a queue where it belongs now (see the top of this file). */
static void
queue_place(struct disp *d, struct dqueue *q, int64_t now)
{
	int64_t t;

	if (q->paused || q->next_due == 0 || queue_full(q)) {
		qset_heap_del(d->queues, q);	/* a ring entry is dropped when served */
		if (q->next_due == 0 && q->active == 0 && q->idle_since == 0)
			q->idle_since = now;
		return;
	}
	q->idle_since = 0;
	t = queue_rate_ready(q, now);
	if (q->next_due > t)
		t = q->next_due;
	if (t > now) {
		if (qset_heap_set(d->queues, q, t) == -1)
			log_warnx("queue %s: out of memory; it waits for the resync",
			    q->name);
		return;
	}
	qset_heap_del(d->queues, q);
	qset_ring_push(q->acct, q);
	acct_wake(d, q->acct);
}

/* Read a queue's first due time from the store, and publish it. */
static void
queue_peek(struct disp *d, struct dqueue *q)
{
	int64_t next = 0;

	wakeup_publish(q->account, q->name, 0);
	if (store_queue_next_due(d->st, q->account, q->name, &next) == DQ_OK)
		q->next_due = next;
	wakeup_publish(q->account, q->name, q->next_due);
}

static struct dqueue *
queue_get(struct disp *d, uint32_t account, const char *name)
{
	struct queue_info qi;
	struct dqueue *q;

	if ((q = qset_queue_find(d->queues, account, name)) != NULL)
		return q;
	if ((q = qset_queue_add(d->queues, account, name)) == NULL) {
		log_warnx("queue %s: out of memory; it waits for the resync", name);
		return NULL;
	}
	if (store_queue_get(d->st, account, name, &qi) == DQ_OK)
		queues_settings(q, &qi);
	return q;
}

static void
queue_due(struct disp *d, struct dqueue *q, int64_t due)
{
	if (due > 0 && (q->next_due == 0 || due < q->next_due)) {
		q->next_due = due;
		wakeup_publish(q->account, q->name, due);
	}
	queue_place(d, q, dqtime_now_ms());
}

void
queues_job_due(struct disp *d, uint32_t account, const char *name, int64_t due)
{
	struct dqueue *q;

	if ((q = queue_get(d, account, name)) != NULL)
		queue_due(d, q, due);
}

void
queues_reload(struct disp *d, uint32_t account, const char *name)
{
	struct queue_info qi;
	struct dqueue *q;

	if ((q = queue_get(d, account, name)) == NULL)
		return;
	if (store_queue_get(d->st, account, name, &qi) == DQ_OK)
		queues_settings(q, &qi);
	queue_peek(d, q);
	queue_place(d, q, dqtime_now_ms());
}

void
queues_xfer_started(struct disp *d, struct dqueue *q, uint32_t account)
{
	struct dacct *a = q != NULL ? q->acct : qset_acct_get(d->queues, account);

	if (a != NULL)
		a->active++;
	if (q != NULL)
		q->active++;
}

void
queues_xfer_done(struct disp *d, struct dqueue *q, uint32_t account, int64_t due)
{
	struct dacct *a = q != NULL ? q->acct : qset_acct_find(d->queues, account);

	if (a != NULL)
		a->active--;
	if (q != NULL) {
		q->active--;
		if (q->ordered) {	/* its next is the store's to say */
			queue_peek(d, q);
			queue_place(d, q, dqtime_now_ms());
		} else
			queue_due(d, q, due);
	}
	if (a != NULL)
		acct_wake(d, a);
}

int
queues_acct_room(struct disp *d, uint32_t account)
{
	struct dacct *a = qset_acct_find(d->queues, account);

	if (a == NULL)
		return d->acct_cap;
	return a->disabled ? 0 : d->acct_cap - a->active;
}

static int
queue_eligible(struct dqueue *q, int64_t now)
{
	if (q->paused || q->next_due == 0 || q->next_due > now || queue_full(q))
		return 0;
	queue_refill(q, now);
	return q->rate <= 0 || q->tokens >= 1;
}

/* Claim up to want jobs from q and start the transfers; how many started. */
static int
queue_claim(struct disp *d, struct dqueue *q, int64_t now, int want)
{
	struct job jobs[DISP_QUANTUM];
	int n = 0, i;
	int64_t next = 0;
	enum dq_err e;

	if (want > DISP_QUANTUM)
		want = DISP_QUANTUM;
	if (q->ordered)
		want = q->active > 0 ? 0 : 1;
	if (q->rate > 0 && want > (int)q->tokens)
		want = (int)q->tokens;
	if (q->concurrency > 0 && want > q->concurrency - q->active)
		want = (int)(q->concurrency - q->active);
	if (want <= 0 || !leader_may_claim(d, now))
		return 0;
	wakeup_publish(q->account, q->name, 0);
	e = store_claim(d->st, q->account, q->name, now, want, q->concurrency,
	    &d->lease, jobs, &n, &next);
	if (e == DQ_ERR_NOT_ACKED) {
		leader_unconfirmed(d, jobs, n, now);
		q->next_due = now + QUEUE_HOLD_MS;
		return 0;
	}
	if (e != DQ_OK) {
		log_warnx("claim from queue %s: %s", q->name, dq_strerror(e));
		q->next_due = now + QUEUE_HOLD_MS;
		return 0;
	}
	q->next_due = next;
	wakeup_publish(q->account, q->name, next);
	for (i = 0; i < n; i++) {
		xfer_start_job(d, q, &jobs[i]);
		job_free(&jobs[i]);
	}
	q->tokens -= n;
	return n;
}

/* Is the account disabled?  Its work is then held until it is enabled. */
static int
acct_held(struct disp *d, struct dacct *a)
{
	struct account acc;

	a->disabled = accounts_get(d, a->id, &acc) == 0 && acc.disabled;
	return a->disabled;
}

/* One turn of one account: a quantum from its next ready queue. */
static void
acct_turn(struct disp *d, struct dacct *a, int64_t now, int free_slots)
{
	struct dqueue *q;
	int room = d->acct_cap - a->active, n;

	if (room <= 0 || acct_held(d, a) || (q = qset_ring_pop(a)) == NULL)
		return;
	if (!queue_eligible(q, now)) {
		queue_place(d, q, now);
		acct_wake(d, a);
		return;
	}
	n = queue_claim(d, q, now, room < free_slots ? room : free_slots);
	if (n == 0 && q->next_due != 0 && q->next_due <= now) {
		/* due, yet nothing to take (other dispatchers hold its
		 * concurrency): look again shortly, not in this tick */
		if (qset_heap_set(d->queues, q, now + QUEUE_HOLD_MS) == -1)
			log_warnx("queue %s: out of memory", q->name);
	} else
		queue_place(d, q, now);
	acct_wake(d, a);
}

/*
 * Serve the round.  A turn takes at most an even share of the free slots
 * among the accounts waiting (at least one), so that when slots are scarce
 * they go to the accounts in turn, not a cap's worth to whoever is first.
 */
void
queues_dispatch(struct disp *d, int64_t now)
{
	struct dqueue *q;
	struct dacct *a;
	int free_slots, share;

	while ((q = qset_heap_top(d->queues)) != NULL && q->ready_at <= now) {
		qset_heap_del(d->queues, q);
		queue_place(d, q, now);
	}
	while ((free_slots = (int)d->conf->max_parallel - d->running) > 0 &&
	    !qset_round_empty(d->queues)) {
		share = free_slots / (int)qset_round_len(d->queues);
		a = qset_round_pop(d->queues);
		acct_turn(d, a, now, share > 0 ? share : 1);
	}
}

int64_t
queues_next_deadline(struct disp *d, int64_t now)
{
	struct dqueue *q;

	if (!qset_round_empty(d->queues) && d->running < d->conf->max_parallel)
		return now;
	q = qset_heap_top(d->queues);
	return q != NULL ? q->ready_at : 0;
}

/* --- resync ------------------------------------------------------------------- */

#define QUEUE_IDLE_KEEP_MS	10000	/* an idle queue is forgotten after */

struct resync {
	struct disp	*d;
	unsigned	 gen;
	int64_t		 now;
};

static void
resync_found(const struct queue_info *qi, int64_t first_due, void *arg)
{
	struct resync *r = arg;
	struct dqueue *q;

	if ((q = qset_queue_find(r->d->queues, qi->account, qi->name)) == NULL &&
	    (q = qset_queue_add(r->d->queues, qi->account, qi->name)) == NULL)
		return;
	queues_settings(q, qi);
	q->seen = r->gen;
	q->next_due = first_due;
	wakeup_publish(q->account, q->name, first_due);
	queue_place(r->d, q, r->now);
}

/* A queue the scan did not find has nothing pending; idle long, it goes. */
static void
resync_unseen(struct dqueue *q, void *arg)
{
	struct resync *r = arg;

	if (q->seen == r->gen)
		return;
	q->next_due = 0;
	queue_place(r->d, q, r->now);
	if (q->idle_since != 0 && q->idle_since + QUEUE_IDLE_KEEP_MS <= r->now &&
	    !q->in_ring && q->heap_i == QSET_NOWHERE)
		qset_queue_remove(r->d->queues, q);
}

/* A disabled account is asked again; enabled, its work goes on. */
static void
resync_acct(struct dacct *a, void *arg)
{
	struct resync *r = arg;

	if (a->disabled && !acct_held(r->d, a))
		acct_wake(r->d, a);
}

/*
 * Rebuild what is known from the store: every queue with pending jobs, its
 * settings and first due time, at a seek per such queue.  The wake-up table
 * is cleared first, so a job committed while the scan runs is announced by
 * its datagram (wakeup.h).
 */
void
queues_resync(struct disp *d, int64_t now)
{
	static unsigned gen;
	struct resync r = { d, ++gen, now };
	enum dq_err e;

	wakeup_publish_reset();
	if ((e = store_due_queues(d->st, resync_found, &r)) != DQ_OK) {
		log_warnx("queue resync: %s", dq_strerror(e));
		return;
	}
	qset_each_queue(d->queues, resync_unseen, &r);
	qset_each_acct(d->queues, resync_acct, &r);
}

/* Accounts were enabled or disabled (dqctl): look at the held ones again. */
void
queues_accounts_changed(struct disp *d)
{
	struct resync r = { d, 0, dqtime_now_ms() };

	qset_each_acct(d->queues, resync_acct, &r);
}
