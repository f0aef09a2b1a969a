/*
 * The containers of qset.h: chained hash tables of queues and accounts
 * (they shrink again when queues leave), a binary min-heap of waiting
 * queues that knows each queue's place, and singly linked FIFO rings.
 * Nothing here allocates per tick; a table grows when it is more than full.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "qset.h"

#define QSET_MIN_BUCKETS	256

struct qset {
	struct dqueue	**qb;		/* queue buckets */
	size_t		  nqb, nq;
	struct dacct	**ab;		/* account buckets */
	size_t		  nab, na;
	struct dqueue	**heap;
	size_t		  nheap, heapcap;
	struct dacct	 *round_head, *round_tail;
	size_t		  nround;
};

struct qset *
qset_new(void)
{
	struct qset *qs = calloc(1, sizeof(*qs));

	if (qs == NULL)
		return NULL;
	qs->nqb = qs->nab = QSET_MIN_BUCKETS;
	if ((qs->qb = calloc(qs->nqb, sizeof(*qs->qb))) == NULL ||
	    (qs->ab = calloc(qs->nab, sizeof(*qs->ab))) == NULL) {
		qset_free(qs);
		return NULL;
	}
	return qs;
}

void
qset_free(struct qset *qs)
{
	struct dqueue *q, *qn;
	struct dacct *a, *an;
	size_t i;

	if (qs == NULL)
		return;
	for (i = 0; qs->qb != NULL && i < qs->nqb; i++)
		for (q = qs->qb[i]; q != NULL; q = qn) {
			qn = q->hnext;
			free(q);
		}
	for (i = 0; qs->ab != NULL && i < qs->nab; i++)
		for (a = qs->ab[i]; a != NULL; a = an) {
			an = a->hnext;
			free(a);
		}
	free(qs->qb);
	free(qs->ab);
	free(qs->heap);
	free(qs);
}

static size_t
qset_qhash(const struct qset *qs, uint32_t account, const char *name)
{
	return (size_t)num_hash(account, name) & (qs->nqb - 1);
}

static size_t
qset_ahash(const struct qset *qs, uint32_t id)
{
	return (size_t)((id * 2654435761u) & (qs->nab - 1));
}

/* Rehash the queues into n buckets (a power of two); on failure keep them. */
static void
qset_qrehash(struct qset *qs, size_t n)
{
	struct dqueue **nb, *q, *qn;
	size_t i, h;

	if ((nb = calloc(n, sizeof(*nb))) == NULL)
		return;
	for (i = 0; i < qs->nqb; i++)
		for (q = qs->qb[i]; q != NULL; q = qn) {
			qn = q->hnext;
			h = (size_t)num_hash(q->account, q->name) & (n - 1);
			q->hnext = nb[h];
			nb[h] = q;
		}
	free(qs->qb);
	qs->qb = nb;
	qs->nqb = n;
}

static void
qset_arehash(struct qset *qs, size_t n)
{
	struct dacct **nb, *a, *an;
	size_t i, h;

	if ((nb = calloc(n, sizeof(*nb))) == NULL)
		return;
	for (i = 0; i < qs->nab; i++)
		for (a = qs->ab[i]; a != NULL; a = an) {
			an = a->hnext;
			h = (size_t)((a->id * 2654435761u) & (n - 1));
			a->hnext = nb[h];
			nb[h] = a;
		}
	free(qs->ab);
	qs->ab = nb;
	qs->nab = n;
}

struct dqueue *
qset_queue_find(struct qset *qs, uint32_t account, const char *name)
{
	struct dqueue *q;

	for (q = qs->qb[qset_qhash(qs, account, name)]; q != NULL; q = q->hnext)
		if (q->account == account && strcmp(q->name, name) == 0)
			return q;
	return NULL;
}

struct dacct *
qset_acct_find(struct qset *qs, uint32_t id)
{
	struct dacct *a;

	for (a = qs->ab[qset_ahash(qs, id)]; a != NULL; a = a->hnext)
		if (a->id == id)
			return a;
	return NULL;
}

struct dacct *
qset_acct_get(struct qset *qs, uint32_t id)
{
	struct dacct *a;
	size_t h;

	if ((a = qset_acct_find(qs, id)) != NULL)
		return a;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->id = id;
	if (qs->na + 1 > qs->nab)
		qset_arehash(qs, qs->nab * 2);
	h = qset_ahash(qs, id);
	a->hnext = qs->ab[h];
	qs->ab[h] = a;
	qs->na++;
	return a;
}

struct dqueue *
qset_queue_add(struct qset *qs, uint32_t account, const char *name)
{
	struct dqueue *q;
	struct dacct *a;
	size_t h, n = strlen(name);

	if (n > JOB_QUEUE_MAX || (a = qset_acct_get(qs, account)) == NULL ||
	    (q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->acct = a;
	q->account = account;
	memcpy(q->name, name, n + 1);
	q->heap_i = QSET_NOWHERE;
	if (qs->nq + 1 > qs->nqb)
		qset_qrehash(qs, qs->nqb * 2);
	h = qset_qhash(qs, account, name);
	q->hnext = qs->qb[h];
	qs->qb[h] = q;
	qs->nq++;
	a->nqueues++;
	return q;
}

void
qset_queue_remove(struct qset *qs, struct dqueue *q)
{
	struct dqueue **p;

	for (p = &qs->qb[qset_qhash(qs, q->account, q->name)]; *p != NULL;
	    p = &(*p)->hnext) {
		if (*p == q) {
			*p = q->hnext;
			qs->nq--;
			q->acct->nqueues--;
			free(q);
			return;
		}
	}
}

void
qset_each_queue(struct qset *qs, qset_queue_fn fn, void *arg)
{
	struct dqueue *q, *qn;
	size_t i;

	for (i = 0; i < qs->nqb; i++)
		for (q = qs->qb[i]; q != NULL; q = qn) {
			qn = q->hnext;
			fn(q, arg);
		}
	if (qs->nqb > QSET_MIN_BUCKETS && qs->nq * 8 < qs->nqb)
		qset_qrehash(qs, qs->nqb / 4 > QSET_MIN_BUCKETS ? qs->nqb / 4 :
		    QSET_MIN_BUCKETS);
}

void
qset_each_acct(struct qset *qs, qset_acct_fn fn, void *arg)
{
	struct dacct **p, *a;
	size_t i;

	for (i = 0; i < qs->nab; i++) {
		for (p = &qs->ab[i]; (a = *p) != NULL; ) {
			fn(a, arg);
			if (a->nqueues == 0 && a->active == 0 && !a->in_round) {
				*p = a->hnext;
				qs->na--;
				free(a);
			} else
				p = &a->hnext;
		}
	}
	if (qs->nab > QSET_MIN_BUCKETS && qs->na * 8 < qs->nab)
		qset_arehash(qs, qs->nab / 4 > QSET_MIN_BUCKETS ? qs->nab / 4 :
		    QSET_MIN_BUCKETS);
}

/* --- the heap ------------------------------------------------------------------ */

static void
qset_heap_put(struct qset *qs, size_t i, struct dqueue *q)
{
	qs->heap[i] = q;
	q->heap_i = i;
}

static void
qset_heap_up(struct qset *qs, size_t i)
{
	struct dqueue *q = qs->heap[i];
	size_t parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (qs->heap[parent]->ready_at <= q->ready_at)
			break;
		qset_heap_put(qs, i, qs->heap[parent]);
		i = parent;
	}
	qset_heap_put(qs, i, q);
}

static void
qset_heap_down(struct qset *qs, size_t i)
{
	struct dqueue *q = qs->heap[i];
	size_t c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= qs->nheap)
			break;
		if (c + 1 < qs->nheap && qs->heap[c + 1]->ready_at < qs->heap[c]->ready_at)
			c++;
		if (q->ready_at <= qs->heap[c]->ready_at)
			break;
		qset_heap_put(qs, i, qs->heap[c]);
		i = c;
	}
	qset_heap_put(qs, i, q);
}

int
qset_heap_set(struct qset *qs, struct dqueue *q, int64_t ready_at)
{
	struct dqueue **nh;
	size_t ncap;

	if (q->heap_i == QSET_NOWHERE) {
		if (qs->nheap == qs->heapcap) {
			ncap = qs->heapcap ? qs->heapcap * 2 : 64;
			if ((nh = realloc(qs->heap, ncap * sizeof(*nh))) == NULL)
				return -1;
			qs->heap = nh;
			qs->heapcap = ncap;
		}
		q->ready_at = ready_at;
		qset_heap_put(qs, qs->nheap++, q);
		qset_heap_up(qs, q->heap_i);
		return 0;
	}
	if (ready_at < q->ready_at) {
		q->ready_at = ready_at;
		qset_heap_up(qs, q->heap_i);
	} else if (ready_at > q->ready_at) {
		q->ready_at = ready_at;
		qset_heap_down(qs, q->heap_i);
	}
	return 0;
}

void
qset_heap_del(struct qset *qs, struct dqueue *q)
{
	size_t i = q->heap_i;
	struct dqueue *last;

	if (i == QSET_NOWHERE)
		return;
	q->heap_i = QSET_NOWHERE;
	last = qs->heap[--qs->nheap];
	if (last == q)
		return;
	qset_heap_put(qs, i, last);
	if (i > 0 && qs->heap[(i - 1) / 2]->ready_at > last->ready_at)
		qset_heap_up(qs, i);
	else
		qset_heap_down(qs, i);
}

struct dqueue *
qset_heap_top(const struct qset *qs)
{
	return qs->nheap > 0 ? qs->heap[0] : NULL;
}

/* --- rings ---------------------------------------------------------------------- */

void
qset_ring_push(struct dacct *a, struct dqueue *q)
{
	if (q->in_ring)
		return;
	q->in_ring = 1;
	q->ring_next = NULL;
	if (a->ring_tail != NULL)
		a->ring_tail->ring_next = q;
	else
		a->ring_head = q;
	a->ring_tail = q;
}

struct dqueue *
qset_ring_pop(struct dacct *a)
{
	struct dqueue *q = a->ring_head;

	if (q == NULL)
		return NULL;
	if ((a->ring_head = q->ring_next) == NULL)
		a->ring_tail = NULL;
	q->in_ring = 0;
	q->ring_next = NULL;
	return q;
}

void
qset_round_push(struct qset *qs, struct dacct *a)
{
	if (a->in_round)
		return;
	a->in_round = 1;
	a->round_next = NULL;
	qs->nround++;
	if (qs->round_tail != NULL)
		qs->round_tail->round_next = a;
	else
		qs->round_head = a;
	qs->round_tail = a;
}

struct dacct *
qset_round_pop(struct qset *qs)
{
	struct dacct *a = qs->round_head;

	if (a == NULL)
		return NULL;
	if ((qs->round_head = a->round_next) == NULL)
		qs->round_tail = NULL;
	qs->nround--;
	a->in_round = 0;
	a->round_next = NULL;
	return a;
}

int
qset_round_empty(const struct qset *qs)
{
	return qs->round_head == NULL;
}

size_t
qset_round_len(const struct qset *qs)
{
	return qs->nround;
}
