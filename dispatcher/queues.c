/*
 * The dispatcher's view of the queues: settings, the earliest known due
 * job, local in-flight counts and rate buckets.  Work is taken round-robin
 * over accounts and, within an account, over its queues, a quantum at a
 * time, so one busy queue cannot starve another.
 *
 * next_due may be early (a job was cancelled since) but is never late:
 * every path that makes a job pending lowers it (wake-up datagrams from
 * dq-fcgi, our own retries), and a periodic resync from the store repairs
 * anything missed.  Every change of it is published for dq-fcgi (wakeup.h),
 * and a queue's entry is cleared while its due index is being read.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "disp.h"
#include "log.h"
#include "num.h"
#include "wakeup.h"

struct acct {
	uint32_t	  id;
	struct dqueue	**q;
	int		  n, cap, rr;
};

struct queues {
	struct dqueue	**tab;		/* open addressing, power-of-two size */
	size_t		  tabsz, count;
	struct acct	 *accts;
	int		  nacct, acap, rr;
};

struct queues *
queues_new(void)
{
	struct queues *qs = calloc(1, sizeof(*qs));

	if (qs == NULL)
		return NULL;
	qs->tabsz = 256;
	if ((qs->tab = calloc(qs->tabsz, sizeof(*qs->tab))) == NULL) {
		free(qs);
		return NULL;
	}
	return qs;
}

void
queues_free(struct queues *qs)
{
	size_t i;
	int a;

	if (qs == NULL)
		return;
	for (i = 0; i < qs->tabsz; i++)
		free(qs->tab[i]);
	for (a = 0; a < qs->nacct; a++)
		free(qs->accts[a].q);
	free(qs->accts);
	free(qs->tab);
	free(qs);
}

static struct dqueue **
queues_slot(struct dqueue **tab, size_t tabsz, uint32_t account, const char *name)
{
	size_t i = num_hash(account, name) & (tabsz - 1);

	while (tab[i] != NULL && (tab[i]->account != account ||
	    strcmp(tab[i]->name, name) != 0))
		i = (i + 1) & (tabsz - 1);
	return &tab[i];
}

static int
queues_grow(struct queues *qs)
{
	struct dqueue **nt;
	size_t i, nsz = qs->tabsz * 2;

	if ((nt = calloc(nsz, sizeof(*nt))) == NULL)
		return -1;
	for (i = 0; i < qs->tabsz; i++)
		if (qs->tab[i] != NULL)
			*queues_slot(nt, nsz, qs->tab[i]->account, qs->tab[i]->name) =
			    qs->tab[i];
	free(qs->tab);
	qs->tab = nt;
	qs->tabsz = nsz;
	return 0;
}

static struct acct *
queues_acct(struct queues *qs, uint32_t id)
{
	struct acct *na;
	int i;

	for (i = 0; i < qs->nacct; i++)
		if (qs->accts[i].id == id)
			return &qs->accts[i];
	if (qs->nacct == qs->acap) {
		if ((na = realloc(qs->accts, sizeof(*na) * (size_t)(qs->acap ?
		    qs->acap * 2 : 16))) == NULL)
			return NULL;
		qs->accts = na;
		qs->acap = qs->acap ? qs->acap * 2 : 16;
	}
	memset(&qs->accts[qs->nacct], 0, sizeof(qs->accts[0]));
	qs->accts[qs->nacct].id = id;
	return &qs->accts[qs->nacct++];
}

static int
acct_add(struct acct *a, struct dqueue *q)
{
	struct dqueue **nq;

	if (a->n == a->cap) {
		if ((nq = realloc(a->q, sizeof(*nq) * (size_t)(a->cap ? a->cap * 2 :
		    8))) == NULL)
			return -1;
		a->q = nq;
		a->cap = a->cap ? a->cap * 2 : 8;
	}
	a->q[a->n++] = q;
	return 0;
}

/* The queue, created (with its settings loaded) the first time it is named. */
struct dqueue *
queues_get(struct queues *qs, uint32_t account, const char *name)
{
	struct dqueue **slot, *q;
	struct acct *a;

	slot = queues_slot(qs->tab, qs->tabsz, account, name);
	if (*slot != NULL)
		return *slot;
	if ((qs->count + 1) * 10 > qs->tabsz * 7) {
		if (queues_grow(qs) == -1)
			return NULL;
		slot = queues_slot(qs->tab, qs->tabsz, account, name);
	}
	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    (a = queues_acct(qs, account)) == NULL || acct_add(a, q) == -1) {
		free(q);
		return NULL;
	}
	q->account = account;
	memcpy(q->name, name, strlen(name) + 1);
	*slot = q;
	qs->count++;
	return q;
}

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

void
queues_load(struct disp *d, struct dqueue *q)
{
	struct queue_info qi;

	if (store_queue_get(d->st, q->account, q->name, &qi) == DQ_OK) {
		queues_settings(q, &qi);
		q->loaded = 1;
	}
	queue_peek(d, q);
}

void
queues_note_due(struct dqueue *q, int64_t due)
{
	if (due > 0 && (q->next_due == 0 || due < q->next_due)) {
		q->next_due = due;
		wakeup_publish(q->account, q->name, due);
	}
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

static int
queue_eligible(struct dqueue *q, int64_t now)
{
	if (q->paused || q->next_due == 0 || q->next_due > now)
		return 0;
	if (q->concurrency > 0 && q->active >= q->concurrency)
		return 0;
	queue_refill(q, now);
	return q->rate <= 0 || q->tokens >= 1;
}

/* Claim up to a quantum from q and start the transfers; how many started. */
static int
queue_claim(struct disp *d, struct dqueue *q, int64_t now, int free_slots)
{
	struct job jobs[DISP_QUANTUM];
	int want = DISP_QUANTUM, n = 0, i;
	int64_t next = 0;
	enum dq_err e;

	if (want > free_slots)
		want = free_slots;
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
		q->next_due = now + 100;
		return 0;
	}
	if (e != DQ_OK) {
		log_warnx("claim from queue %s: %s", q->name, dq_strerror(e));
		q->next_due = now + 100;
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

/* The next queue of this account that can take work now, round-robin. */
static struct dqueue *
acct_next(struct acct *a, int64_t now)
{
	struct dqueue *q;
	int i;

	for (i = 0; i < a->n; i++) {
		q = a->q[(a->rr + i) % a->n];
		if (queue_eligible(q, now)) {
			a->rr = (a->rr + i + 1) % a->n;
			return q;
		}
	}
	return NULL;
}

void
queues_dispatch(struct disp *d, int64_t now)
{
	struct queues *qs = d->queues;
	struct acct *a;
	struct dqueue *q;
	int i, progress, free_slots;

	do {
		progress = 0;
		for (i = 0; i < qs->nacct; i++) {
			free_slots = (int)d->conf->max_parallel - d->running;
			if (free_slots <= 0)
				return;
			/* The next turn starts after the account served now. */
			a = &qs->accts[qs->rr];
			qs->rr = (qs->rr + 1) % qs->nacct;
			if ((q = acct_next(a, now)) != NULL)
				progress += queue_claim(d, q, now, free_slots);
		}
	} while (progress > 0);
}

int64_t
queues_next_deadline(struct queues *qs, int64_t now)
{
	struct dqueue *q;
	double need;
	int64_t best = 0, t, ready;
	size_t i;

	for (i = 0; i < qs->tabsz; i++) {
		if ((q = qs->tab[i]) == NULL || q->paused || q->next_due == 0)
			continue;
		if (q->concurrency > 0 && q->active >= q->concurrency)
			continue;	/* a finishing transfer wakes the loop */
		t = q->next_due;
		if (q->rate > 0) {
			queue_refill(q, now);
			need = queue_capacity(q) < DISP_QUANTUM ? 1 : DISP_QUANTUM;
			if (q->tokens < need) {
				ready = now + (int64_t)ceil((need - q->tokens) *
				    1000.0 / q->rate);
				if (ready > t)
					t = ready;
			}
		}
		if (best == 0 || t < best)
			best = t;
	}
	return best;
}

struct resync {
	struct queue_info	*qi;
	size_t			 n, cap;
};

static int
resync_collect(const struct queue_info *qi, void *arg)
{
	struct resync *r = arg;
	struct queue_info *nq;

	if (r->n == r->cap) {
		if ((nq = realloc(r->qi, sizeof(*nq) * (r->cap ? r->cap * 2 : 64))) == NULL)
			return -1;
		r->qi = nq;
		r->cap = r->cap ? r->cap * 2 : 64;
	}
	r->qi[r->n++] = *qi;
	return 0;
}

/* List first, then look at each queue: no transaction inside another. */
void
queues_resync(struct disp *d)
{
	struct resync r = { NULL, 0, 0 };
	struct dqueue *q;
	enum dq_err e;
	size_t i;

	if ((e = store_queue_list(d->st, 0, 0, resync_collect, &r)) != DQ_OK)
		log_warnx("queue resync: %s", dq_strerror(e));
	for (i = 0; i < r.n; i++) {
		if ((q = queues_get(d->queues, r.qi[i].account, r.qi[i].name)) == NULL)
			continue;
		queues_settings(q, &r.qi[i]);
		q->loaded = 1;
		queue_peek(d, q);
	}
	free(r.qi);
}
