/*
 * Everything derived from a job record, kept in the same transaction as the
 * record: listing entries and counters for each dim, the per-queue due index
 * (pending jobs), the per-queue order index (pending and active jobs, in the
 * order an ordered queue delivers them), leases (active), callbacks to make,
 * the finished index that retention walks (finished jobs with no callback
 * still to make), and the activity counts.  Only listings filtered by status
 * keep a counter; a total without a status filter is the sum of the six
 * (store_dim_total).  A running job is listed as pending, so that the
 * dispatcher's claim and retry move no listing entry (store_job_listed).
 * store_job_apply(old, new) is the only code that changes them: callers
 * edit a job and say what it was before.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "store_int.h"


/*
 * The status a job is listed under.  A running job stays listed as
 * pending: the claim that starts an attempt, and a retry that puts the job
 * back, then touch no listing entry, only the counters (which count by the
 * real status).  A listing of pending jobs leaves out the running ones it
 * meets (they are at most what the dispatcher runs at once); running jobs
 * are listed from the leases (store_job.c).
 */
int
store_job_listed(int status)
{
	return status == JOB_ACTIVE ? JOB_PENDING : status;
}

/* A job's key in the listing of this mask, under this status; its length
 * (0: it would not fit). */
static size_t
jobidx_key(unsigned char key[KEY_MAX], const struct job *j, int mask, int status)
{
	unsigned char dim[KEY_MAX];
	size_t dl;

	dl = key_dim(dim, sizeof(dim), j->account, mask, j->queue, j->schedule_id,
	    status);
	return key_idx(key, KEY_MAX, dim, dl, j->created_at, j->id, ID_JOB_LEN);
}

/* A job's listing entry and, for a listing by status, its counter. */
static int
jobidx_dim(struct store *st, DB_TXN *txn, const struct job *j, int mask,
    int entry, int add)
{
	unsigned char dim[KEY_MAX], key[KEY_MAX];
	size_t dl, kl;
	int ret;

	if (entry) {
		kl = jobidx_key(key, j, mask, store_job_listed((int)j->status));
		if ((ret = add ? store_put(st, txn, DBI_JOBIDX, key, kl, "", 0) :
		    store_del(st, txn, DBI_JOBIDX, key, kl)) != 0)
			return ret;
	}
	if (!(mask & DIM_STATUS))
		return 0;
	dl = key_dim(dim, sizeof(dim), j->account, mask, j->queue, j->schedule_id,
	    (int)j->status);
	return store_count_add(st, txn, dim, dl, add ? 1 : -1);
}

static int
jobidx_dims(struct store *st, DB_TXN *txn, const struct job *old,
    const struct job *nw)
{
	const struct job *j = nw ? nw : old;
	int mask, entry, ret;

	for (mask = 0; mask < 8; mask++) {
		if ((mask & DIM_SCHED) && j->schedule_id == NULL)
			continue;
		if (old && nw && (!(mask & DIM_STATUS) || old->status == nw->status))
			continue;
		entry = !old || !nw || store_job_listed((int)old->status) !=
		    store_job_listed((int)nw->status);
		if ((old && (ret = jobidx_dim(st, txn, old, mask, entry, 0)) != 0) ||
		    (nw && (ret = jobidx_dim(st, txn, nw, mask, entry, 1)) != 0))
			return ret;
	}
	return 0;
}

/* The due key of a pending job: qkey | due_at | id. */
static size_t
jobidx_due_key(unsigned char *k, size_t cap, const struct job *j)
{
	return key_qkey_time_id(k, cap, j->account, j->queue, j->due_at, j->id);
}

/*
 * One time-ordered index: an entry (t, id) when the job is in the state
 * "has" says, with data d.  An entry without data is rewritten only when its
 * time changes; one with data (a lease's owner) whenever it is called.
 */
static int
jobidx_timed(struct store *st, DB_TXN *txn, int dbi, int had, int64_t old_t,
    int has, int64_t new_t, const char *id, const void *d, size_t dl)
{
	unsigned char k[8 + ID_JOB_LEN];
	int ret;

	if (had && has && old_t == new_t && dl == 0)
		return 0;
	if (had && (ret = store_del(st, txn, dbi, k,
	    key_time_id(k, sizeof(k), old_t, id, ID_JOB_LEN))) != 0)
		return ret;
	if (has)
		return store_put(st, txn, dbi, k, key_time_id(k, sizeof(k), new_t,
		    id, ID_JOB_LEN), d, dl);
	return 0;
}

static int
jobidx_pending(const struct job *j)
{
	return j->status == JOB_PENDING;
}

/*
 * A per-queue index of keys without data: the job's entry, at key(j), while
 * in(j); written again only when its key changes.
 */
static int
jobidx_keyed(struct store *st, DB_TXN *txn, int dbi, int (*in)(const struct job *),
    size_t (*key)(unsigned char *, size_t, const struct job *),
    const struct job *old, const struct job *nw)
{
	unsigned char ok[KEY_MAX], nk[KEY_MAX];
	int had = old && in(old);
	int has = nw && in(nw);
	size_t ol = had ? key(ok, sizeof(ok), old) : 0;
	size_t nl = has ? key(nk, sizeof(nk), nw) : 0;
	int ret;

	if ((had && ol == 0) || (has && nl == 0))
		return STORE_RET(DQ_ERR_INVALID);
	if (had && has && ol == nl && memcmp(ok, nk, ol) == 0)
		return 0;
	if (had && (ret = store_del(st, txn, dbi, ok, ol)) != 0)
		return ret;
	if (has)
		return store_put(st, txn, dbi, nk, nl, "", 0);
	return 0;
}

/* The due index: pending jobs of a queue by due time. */
static int
jobidx_due(struct store *st, DB_TXN *txn, const struct job *old,
    const struct job *nw)
{
	return jobidx_keyed(st, txn, DBI_DUE, jobidx_pending, jobidx_due_key, old, nw);
}

static int
jobidx_lease(struct store *st, DB_TXN *txn, const struct job *old,
    const struct job *nw)
{
	unsigned char owner[12];
	int had = old && old->status == JOB_ACTIVE;
	int has = nw && nw->status == JOB_ACTIVE;

	if (has) {
		num_be32_put(owner, nw->lease_pid);
		num_be64_put(owner + 4, (uint64_t)nw->lease_owner);
	}
	if (had && has && old->lease_until == nw->lease_until &&
	    old->lease_owner == nw->lease_owner)
		return 0;
	return jobidx_timed(st, txn, DBI_LEASES, had, had ? old->lease_until : 0,
	    has, has ? nw->lease_until : 0, (nw ? nw : old)->id, owner, sizeof(owner));
}

int
store_job_in_order(const struct job *j)
{
	return j->status == JOB_PENDING || j->status == JOB_ACTIVE;
}

/*
 * The order index: a job's place in its queue while it waits or runs, by
 * order_at (when it last entered pending from elsewhere: created, approved,
 * retried by hand), then seq (creation order).  An attempt that fails and
 * is retried keeps its place, so in an ordered queue it holds the queue.
 */
static size_t
jobidx_order_key(unsigned char *k, size_t cap, const struct job *j)
{
	return key_order(k, cap, j->account, j->queue, j->order_at, j->seq, j->id);
}

static int
jobidx_order(struct store *st, DB_TXN *txn, const struct job *old,
    const struct job *nw)
{
	return jobidx_keyed(st, txn, DBI_ORDER, store_job_in_order, jobidx_order_key,
	    old, nw);
}

/* A job entering its queue's order takes its place now; one in it keeps it. */
static void
jobidx_order_stamp(const struct job *old, struct job *nw)
{
	if (!store_job_in_order(nw))
		nw->order_at = 0;
	else if (old == NULL || !store_job_in_order(old))
		nw->order_at = nw->due_at;
	else
		nw->order_at = old->order_at;
}

int
store_job_apply(struct store *st, DB_TXN *txn, const struct job *old,
    const struct job *nw)
{
	const struct job *j = nw ? nw : old;
	int ret;

	if (old == NULL && (ret = store_queue_ensure(st, txn, nw->account,
	    nw->queue, 0)) != 0)
		return ret;
	if ((ret = jobidx_dims(st, txn, old, nw)) != 0 ||
	    (ret = jobidx_due(st, txn, old, nw)) != 0 ||
	    (ret = jobidx_order(st, txn, old, nw)) != 0 ||
	    (ret = jobidx_lease(st, txn, old, nw)) != 0 ||
	    (old == NULL && (ret = store_stats_job(st, txn, NULL, nw, NULL)) != 0))
		return ret;
	ret = jobidx_timed(st, txn, DBI_CBDUE,
	    old && old->cb_status == JOB_CB_PENDING, old ? old->cb_due_at : 0,
	    nw && nw->cb_status == JOB_CB_PENDING, nw ? nw->cb_due_at : 0,
	    j->id, "", 0);
	if (ret != 0)
		return ret;
	return jobidx_timed(st, txn, DBI_FINISHED,
	    old && store_job_removable(old), old ? old->finished_at : 0,
	    nw && store_job_removable(nw), nw ? nw->finished_at : 0,
	    j->id, "", 0);
}

int
store_job_removable(const struct job *j)
{
	return job_is_terminal(j->status) && j->cb_status != JOB_CB_PENDING;
}

/*
 * Job records are keyed by creation time, then id: new jobs go to the end
 * of the B-tree, which stays in the cache however many jobs are stored.
 * The small jobids table finds a record from an id alone.
 */
int
store_job_read(struct store *st, DB_TXN *txn, const char *id, u_int32_t flags,
    struct job *out)
{
	unsigned char k[JOB_KEY_LEN];
	DBT d;
	int ret;

	if (strlen(id) != ID_JOB_LEN)
		return DB_NOTFOUND;
	if ((ret = store_get(st, txn, DBI_JOBIDS, id, ID_JOB_LEN, &d, 0)) != 0)
		return ret;
	if (d.size != 8)
		return STORE_RET(DQ_ERR_CORRUPT);
	if (key_job(k, sizeof(k), (int64_t)num_be64_get(d.data), id) == 0)
		return STORE_RET(DQ_ERR_INVALID);
	if ((ret = store_get(st, txn, DBI_JOBS, k, sizeof(k), &d, flags)) != 0)
		return ret;
	if (job_decode(d.data, d.size, out) == -1)
		return STORE_RET(DQ_ERR_CORRUPT);
	return 0;
}

static int
store_job_put(struct store *st, DB_TXN *txn, const struct job *j, void **bufp,
    size_t *lenp)
{
	unsigned char k[JOB_KEY_LEN];

	if ((*bufp = job_encode(j, lenp)) == NULL)
		return STORE_RET(DQ_ERR_NOMEM);
	return store_put(st, txn, DBI_JOBS, k, key_job(k, sizeof(k), j->created_at,
	    j->id), *bufp, *lenp);
}

int
store_job_rewrite(struct store *st, DB_TXN *txn, const struct job *old,
    struct job *j, struct job *copy)
{
	void *buf = NULL;
	size_t len;
	int ret;

	jobidx_order_stamp(old, j);
	if ((ret = store_job_put(st, txn, j, &buf, &len)) == 0 &&
	    (ret = store_job_apply(st, txn, old, j)) == 0 && copy != NULL &&
	    job_decode(buf, len, copy) == -1)
		ret = STORE_RET(DQ_ERR_NOMEM);
	free(buf);
	return ret;
}

/* The next job's creation number, from meta (every write holds the writer
 * lock, so numbers follow the order of commits). */
static int
jobidx_next_seq(struct store *st, DB_TXN *txn, int64_t *seq)
{
	unsigned char v[8];
	DBT d;
	int ret;

	*seq = 0;
	ret = store_get(st, txn, DBI_META, "job_seq", 7, &d, DB_RMW);
	if (ret == 0 && d.size == 8)
		*seq = (int64_t)num_be64_get(d.data);
	else if (ret != DB_NOTFOUND && ret != 0)
		return ret;
	num_be64_put(v, (uint64_t)++*seq);
	return store_put(st, txn, DBI_META, "job_seq", 7, v, 8);
}

/*
 * A running job listed under "active" by an older dq: its listing entries
 * move to where this one lists it (store_job_listed); its counters stay.
 */
int
store_job_list_running(struct store *st, DB_TXN *txn, struct job *j)
{
	unsigned char key[KEY_MAX];
	int mask, ret;

	if (j->status != JOB_ACTIVE)
		return 0;
	for (mask = 0; mask < 8; mask++) {
		if (!(mask & DIM_STATUS) || ((mask & DIM_SCHED) && j->schedule_id == NULL))
			continue;
		if ((ret = store_del(st, txn, DBI_JOBIDX, key,
		    jobidx_key(key, j, mask, JOB_ACTIVE))) != 0 ||
		    (ret = store_put(st, txn, DBI_JOBIDX, key,
		    jobidx_key(key, j, mask, store_job_listed(JOB_ACTIVE)), "", 0)) != 0)
			return ret;
	}
	return 0;
}

/* A waiting or running job written before the order index: it takes its
 * place now, by its due time (store_upgrade.c). */
int
store_job_order_fix(struct store *st, DB_TXN *txn, struct job *j)
{
	void *buf = NULL;
	size_t len;
	int ret;

	if (!store_job_in_order(j) || j->order_at != 0)
		return 0;
	j->order_at = j->due_at;
	if ((ret = store_job_put(st, txn, j, &buf, &len)) == 0)
		ret = jobidx_order(st, txn, NULL, j);
	free(buf);
	return ret;
}

int
store_job_insert(struct store *st, DB_TXN *txn, struct job *j)
{
	unsigned char created[8];
	void *buf = NULL;
	size_t len;
	int ret;

	if ((ret = jobidx_next_seq(st, txn, &j->seq)) != 0)
		return ret;
	jobidx_order_stamp(NULL, j);
	num_be64_put(created, (uint64_t)j->created_at);
	if ((ret = store_job_put(st, txn, j, &buf, &len)) == 0)
		ret = store_put(st, txn, DBI_JOBIDS, j->id, ID_JOB_LEN, created, 8);
	free(buf);
	return ret;
}

int
store_job_remove(struct store *st, DB_TXN *txn, const struct job *j)
{
	unsigned char k[JOB_KEY_LEN];
	int ret;

	if ((ret = store_del(st, txn, DBI_JOBS, k, key_job(k, sizeof(k),
	    j->created_at, j->id))) != 0)
		return ret;
	return store_del(st, txn, DBI_JOBIDS, j->id, ID_JOB_LEN);
}

/* The number of jobs in a listing, from its counters. */
int
store_dim_total(struct store *st, DB_TXN *txn, uint32_t account, int mask,
    const char *queue, const char *schedule_id, int status, int64_t *total)
{
	unsigned char dim[KEY_MAX];
	int64_t n;
	int s, ret;

	if (mask & DIM_STATUS)
		return store_count_get(st, txn, dim, key_dim(dim, sizeof(dim),
		    account, mask, queue, schedule_id, status), total);
	*total = 0;
	for (s = 0; s < JOB_NSTATUS; s++) {
		if ((ret = store_count_get(st, txn, dim, key_dim(dim, sizeof(dim),
		    account, mask | DIM_STATUS, queue, schedule_id, s), &n)) != 0)
			return ret;
		*total += n;
	}
	return 0;
}
