/*
 * Bulk actions (API.md 9): retry, cancel, approve or delete the jobs of a
 * filter, at most STORE_BULK_MAX of them a call.  The jobs are found
 * through the listing index of the filter's status, queue and schedule
 * (newest first; created_after and created_before bound the range), or
 * read one by one from a list of ids: never by a scan of all jobs.
 *
 * Every write holds the store's one writer lock, so a call does not change
 * its jobs in one long transaction, which would stop every create for as
 * long: it works in slices, each one transaction of at most budget_us of
 * the lock (and STORE_BULK_SLICE jobs), committed in order without waiting
 * for the disk; the last flushes the log once for all of them.  Each job
 * changes atomically with its indexes and counters.  A slice that fails
 * ends the call with its error; the slices before it stay done, and the
 * same call can be made again (the jobs it changed are then skipped, or no
 * longer match).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dqtime.h"
#include "num.h"
#include "store_int.h"

#define STORE_BULK_SLICE	256

struct bulk_key {
	int64_t	 created;
	char	 id[ID_JOB_LEN + 1];
};

/* What one slice did, added to the call's counts once it has committed. */
struct bulk_slice {
	struct store_bulk	*b;
	struct bulk_key		 keys[STORE_BULK_SLICE + 1];
	int			 nkeys;
	int			 matched, changed, skipped;
	int			 done;		/* keys (or ids) taken */
	int			 end;		/* nothing matches past them */
	struct store_bulk_queue	 woken[STORE_BULK_QUEUES];
	int			 nwoken, woken_over;
};

/* A queue the dispatcher should look at: a job became pending there, due
 * at due, or left it (due 0: its order may have moved on). */
static void
bulk_woke(struct bulk_slice *s, const char *queue, int64_t due)
{
	int i;

	for (i = 0; i < s->nwoken; i++) {
		if (strcmp(s->woken[i].queue, queue) != 0)
			continue;
		if (due < s->woken[i].due)
			s->woken[i].due = due;
		return;
	}
	if (s->nwoken == STORE_BULK_QUEUES) {
		s->woken_over = 1;
		return;
	}
	memcpy(s->woken[s->nwoken].queue, queue, strlen(queue) + 1);
	s->woken[s->nwoken++].due = due;
}

static enum dq_err
bulk_act(const struct store_bulk *b, struct job *j)
{
	switch (b->action) {
	case STORE_BULK_RETRY:
		return job_act_retry(j, b->now);
	case STORE_BULK_CANCEL:
		return job_act_cancel(j, b->now);
	case STORE_BULK_APPROVE:
		return job_act_approve(j, b->now, b->approved_by);
	default:
		return job_is_terminal(j->status) ? DQ_OK : DQ_ERR_STATE;
	}
}

/* The action on one job that matches: changed, or skipped (its status
 * does not allow it). */
static int
bulk_one(struct store *st, DB_TXN *txn, struct bulk_slice *s, struct job *j)
{
	const struct store_bulk *b = s->b;
	struct job old = *j;	/* shallow: both borrow j->mem */
	int ret;

	s->matched++;
	if (bulk_act(b, j) != DQ_OK) {
		s->skipped++;
		return 0;
	}
	if (b->action == STORE_BULK_DELETE)
		ret = store_job_purge(st, txn, &old);
	else
		ret = store_job_change(st, txn, &old, j, NULL);
	if (ret == 0) {
		s->changed++;
		if (b->action != STORE_BULK_DELETE)
			bulk_woke(s, j->queue, j->status == JOB_PENDING ? j->due_at : 0);
	}
	return ret;
}

/* Does a job read by id match the rest of the filter? */
static int
bulk_matches(const struct store_bulk *b, const struct job *j)
{
	return j->account == b->account &&
	    (b->status < 0 || (int)j->status == b->status) &&
	    (b->queue == NULL || strcmp(j->queue, b->queue) == 0) &&
	    (b->schedule_id == NULL || (j->schedule_id != NULL &&
	    strcmp(j->schedule_id, b->schedule_id) == 0)) &&
	    j->created_at > b->created_after && j->created_at < b->created_before;
}

/* --- by ids ----------------------------------------------------------------- */

static int
bulk_ids_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct bulk_slice *s = arg;
	const struct store_bulk *b = s->b;
	int64_t t0 = dqtime_mono_us();
	struct job j;
	int i, ret = 0;

	s->matched = s->changed = s->skipped = s->done = s->nwoken = 0;
	for (i = b->ids_done; i < b->nids && ret == 0; i++) {
		if (s->done > 0 && (s->done == STORE_BULK_SLICE ||
		    dqtime_mono_us() - t0 >= b->budget_us))
			break;
		s->done++;
		if ((ret = store_job_read(st, txn, b->ids[i], DB_RMW, &j)) == DB_NOTFOUND) {
			ret = 0;
			continue;
		}
		if (ret != 0)
			return ret;
		if (bulk_matches(b, &j))
			ret = bulk_one(st, txn, s, &j);
		job_free(&j);
	}
	s->end = i == b->nids;
	return ret;
}

/* --- through a listing index ---------------------------------------------------- */

/*
 * Up to want keys of the filter's listing after the call's position
 * (newest first, below created_before, above created_after); one more is
 * read only to know whether the range goes on.
 */
static int
bulk_scan(struct store *st, DB_TXN *txn, struct bulk_slice *s, int want)
{
	const struct store_bulk *b = s->b;
	unsigned char dim[KEY_MAX], start[KEY_MAX], kbuf[KEY_MAX];
	int mask = (b->status >= 0 ? DIM_STATUS : 0) | (b->queue ? DIM_QUEUE : 0) |
	    (b->schedule_id ? DIM_SCHED : 0);
	size_t dl = key_dim(dim, sizeof(dim), b->account, mask, b->queue,
	    b->schedule_id, store_job_listed(b->status)), sl;
	int64_t created;
	DBC *c = NULL;
	DBT k, d;
	int ret;

	s->nkeys = 0;
	s->end = 0;
	if (dl == 0)
		return STORE_RET(DQ_ERR_INVALID);
	memcpy(start, dim, dl);
	sl = dl + 8;
	if (b->has_after)
		sl = key_idx(start, sizeof(start), dim, dl, b->after_created, b->after_id,
		    ID_JOB_LEN);
	else	/* the newest created before created_before (exclusive) */
		num_be64_put(start + dl, ~(uint64_t)(b->created_before - 1));
	if (sl == 0)
		return STORE_RET(DQ_ERR_INVALID);
	if ((ret = store_range(st, txn, DBI_JOBIDX, start, sl, kbuf, sizeof(kbuf), &c,
	    &k, &d, 1)) != 0)
		return ret;
	for (ret = store_cursor_get(c, &k, &d, DB_SET_RANGE); ret == 0;
	    ret = store_cursor_get(c, &k, &d, DB_NEXT)) {
		if (k.size != dl + 8 + ID_JOB_LEN || memcmp(kbuf, dim, dl) != 0)
			break;
		created = (int64_t)~num_be64_get(kbuf + dl);
		if (b->has_after && created == b->after_created &&
		    memcmp(kbuf + dl + 8, b->after_id, ID_JOB_LEN) == 0)
			continue;	/* where the last call stopped */
		if (created <= b->created_after)
			break;
		if (s->nkeys == want + 1)
			break;
		s->keys[s->nkeys].created = created;
		memcpy(s->keys[s->nkeys].id, kbuf + dl + 8, ID_JOB_LEN);
		s->keys[s->nkeys++].id[ID_JOB_LEN] = '\0';
	}
	c->close(c);
	if (ret != 0 && ret != DB_NOTFOUND)
		return ret;
	if (s->nkeys <= want)
		s->end = 1;		/* nothing further matched when it was read */
	else
		s->nkeys = want;	/* the extra one only said there is more */
	return 0;
}

static int
bulk_index_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct bulk_slice *s = arg;
	const struct store_bulk *b = s->b;
	int want = b->max - b->matched;
	int64_t t0 = dqtime_mono_us();
	struct job j;
	int i, ret;

	s->matched = s->changed = s->skipped = s->done = s->nwoken = 0;
	if ((ret = bulk_scan(st, txn, s, want < STORE_BULK_SLICE ? want :
	    STORE_BULK_SLICE)) != 0)
		return ret;
	for (i = 0; i < s->nkeys; i++) {
		if (i > 0 && dqtime_mono_us() - t0 >= b->budget_us) {
			s->end = 0;
			break;
		}
		s->done++;
		if ((ret = store_job_read(st, txn, s->keys[i].id, DB_RMW, &j)) ==
		    DB_NOTFOUND)
			continue;	/* indexed but gone: dqctl verify says more */
		if (ret != 0)
			return ret;
		/* running jobs are listed as pending (store_job_listed) */
		ret = b->status < 0 || (int)j.status == b->status ?
		    bulk_one(st, txn, s, &j) : 0;
		job_free(&j);
		if (ret != 0)
			return ret;
	}
	return 0;
}

/* --- the call ---------------------------------------------------------------------- */

static void
bulk_commit_slice(struct store_bulk *b, const struct bulk_slice *s)
{
	const struct bulk_key *last;
	int i, w;

	b->matched += s->matched;
	b->changed += s->changed;
	b->skipped += s->skipped;
	if (b->ids != NULL)
		b->ids_done += s->done;
	else if (s->done > 0) {
		last = &s->keys[s->done - 1];
		b->has_after = 1;
		b->after_created = last->created;
		memcpy(b->after_id, last->id, sizeof(b->after_id));
	}
	b->woken_over |= s->woken_over;
	for (i = 0; i < s->nwoken; i++) {
		for (w = 0; w < b->nwoken; w++)
			if (strcmp(b->woken[w].queue, s->woken[i].queue) == 0)
				break;
		if (w == b->nwoken && b->nwoken == STORE_BULK_QUEUES) {
			b->woken_over = 1;
			continue;
		}
		if (w == b->nwoken)
			b->woken[b->nwoken++] = s->woken[i];
		else if (s->woken[i].due < b->woken[w].due)
			b->woken[w].due = s->woken[i].due;
	}
}

enum dq_err
store_jobs_bulk(struct store *st, struct store_bulk *b)
{
	struct bulk_slice *s;
	enum dq_err e = DQ_OK;
	int slices = 0;

	b->matched = b->changed = b->skipped = b->nwoken = b->woken_over = 0;
	b->more = 0;
	if (b->max <= 0 || b->max > STORE_BULK_MAX || b->account == 0 ||
	    (b->ids != NULL && b->nids > STORE_BULK_MAX))
		return DQ_ERR_INVALID;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return DQ_ERR_NOMEM;
	s->b = b;
	for (;;) {
		e = store_txn(st, STORE_TXN_NOFLUSH, b->ids != NULL ? bulk_ids_txn :
		    bulk_index_txn, s);
		if (e != DQ_OK)
			break;
		slices++;
		bulk_commit_slice(b, s);
		if (s->end || b->matched >= b->max)
			break;
	}
	b->more = e == DQ_OK && !s->end;
	free(s);
	if (slices > 0)
		store_flush(st);
	return e;
}
