/*
 * The dispatcher's tables of queues and accounts, and the structures that
 * say who goes next: a min-heap of queues waiting for a time (their next
 * due job, or their rate bucket), a ring per account of its queues that can
 * start work now, and the round of accounts that have such queues and room
 * for more transfers.  qset.c only keeps these in order; queues.c decides
 * what goes where.  Only queues with pending jobs or transfers in flight
 * are in the table (and those that just became idle, until the next
 * resync), so it does not grow with queues that have nothing to do, and a
 * tick touches only the queues that are due.
 */
#ifndef DQ_QSET_H
#define DQ_QSET_H

#include <stddef.h>
#include <stdint.h>

#include "job.h"

#define QSET_NOWHERE	((size_t)-1)

struct dacct {
	uint32_t	 id;
	int		 active;	/* transfers in flight: jobs and callbacks */
	int		 nqueues;	/* its queues in the table */
	int		 disabled;	/* its work is held (dqctl account disable) */
	int		 in_round;
	struct dqueue	*ring_head, *ring_tail;	/* its queues ready now */
	struct dacct	*round_next;
	struct dacct	*hnext;
};

struct dqueue {
	struct dacct	*acct;
	uint32_t	 account;
	char		 name[JOB_QUEUE_MAX + 1];
	int		 paused;
	int64_t		 concurrency;	/* 0: unlimited */
	double		 rate;		/* per second; 0: unlimited */
	int		 ordered;	/* one job at a time, in order (the store's) */
	int64_t		 next_due;	/* earliest known pending job; 0: none */
	int		 active;	/* transfers in flight from here */
	double		 tokens;	/* rate bucket */
	int64_t		 tokens_at;
	int		 loaded;	/* settings read from the store */
	int64_t		 idle_since;	/* nothing pending or in flight since; 0: busy */
	unsigned	 seen;		/* the resync that last found it */
	int64_t		 ready_at;	/* its key in the heap */
	size_t		 heap_i;	/* QSET_NOWHERE: not in the heap */
	int		 in_ring;
	struct dqueue	*ring_next;
	struct dqueue	*hnext;
};

struct qset;

struct qset	*qset_new(void);
void		 qset_free(struct qset *);

/* Queues by (account, name); add also makes the account's entry. */
struct dqueue	*qset_queue_find(struct qset *, uint32_t account, const char *name);
struct dqueue	*qset_queue_add(struct qset *, uint32_t account, const char *name);
/* Remove and free a queue that is in no heap and no ring. */
void		 qset_queue_remove(struct qset *, struct dqueue *);
typedef void (*qset_queue_fn)(struct dqueue *, void *arg);
/* Visit every queue; fn may remove the one it is given. */
void		 qset_each_queue(struct qset *, qset_queue_fn, void *arg);

struct dacct	*qset_acct_find(struct qset *, uint32_t id);
struct dacct	*qset_acct_get(struct qset *, uint32_t id);	/* made if new */
typedef void (*qset_acct_fn)(struct dacct *, void *arg);
/* Visit every account; those with no queues, nothing in flight and not in
 * the round are freed afterwards. */
void		 qset_each_acct(struct qset *, qset_acct_fn, void *arg);

/* The heap of queues waiting for their ready_at. */
int		 qset_heap_set(struct qset *, struct dqueue *, int64_t ready_at);
void		 qset_heap_del(struct qset *, struct dqueue *);
struct dqueue	*qset_heap_top(const struct qset *);

/* An account's ring of ready queues, and the round of accounts. */
void		 qset_ring_push(struct dacct *, struct dqueue *);
struct dqueue	*qset_ring_pop(struct dacct *);
void		 qset_round_push(struct qset *, struct dacct *);
struct dacct	*qset_round_pop(struct qset *);
int		 qset_round_empty(const struct qset *);
size_t		 qset_round_len(const struct qset *);	/* accounts in it */

#endif
