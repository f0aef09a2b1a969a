/*
 * The dispatcher's transactions: claiming due jobs with a lease, applying
 * results (with the attempts history), finding abandoned leases and
 * claiming callbacks.  Housekeeping is store_keep.c's.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "log.h"
#include "store_int.h"

#define CLAIM_MAX	256

/*
 * Collect up to max (t, id) keys with t <= now from a time-ordered range
 * starting at prefix; *next is the time of the first key after them.
 */
int
store_scan_due(struct store *st, DB_TXN *txn, int dbi, const unsigned char *prefix,
    size_t pl, int64_t now, int max, char (*ids)[ID_JOB_LEN + 1], int *n,
    int64_t *next)
{
	unsigned char kbuf[KEY_MAX];
	int64_t t;
	DBC *c = NULL;
	DBT k, d;
	int ret;

	*n = 0;
	*next = 0;
	if (pl > sizeof(kbuf))
		return STORE_RET(DQ_ERR_INVALID);
	if ((ret = st->db[dbi]->cursor(st->db[dbi], txn, &c, 0)) != 0)
		return ret;
	if (pl > 0)
		memcpy(kbuf, prefix, pl);
	store_dbt(&k, kbuf, pl);
	k.ulen = sizeof(kbuf);
	k.flags = DB_DBT_USERMEM;
	memset(&d, 0, sizeof(d));
	d.flags = DB_DBT_PARTIAL;	/* keys only */
	for (ret = store_cursor_get(c, &k, &d, DB_SET_RANGE); ret == 0;
	    ret = store_cursor_get(c, &k, &d, DB_NEXT)) {
		if (k.size != pl + 8 + ID_JOB_LEN ||
		    (pl > 0 && memcmp(kbuf, prefix, pl) != 0))
			break;
		t = (int64_t)num_be64_get(kbuf + pl);
		if (t > now || *n == max) {
			*next = t;
			break;
		}
		memcpy(ids[*n], kbuf + pl + 8, ID_JOB_LEN);
		ids[(*n)++][ID_JOB_LEN] = '\0';
	}
	c->close(c);
	return ret == DB_NOTFOUND ? 0 : ret;
}

/*
 * Take jobs found in an index: each is read for update and offered to
 * take(); those it edits (returning 1) are written back and copied to out.
 */
typedef int (*disp_take_fn)(struct job *, const void *arg);

static int
disp_take(struct store *st, DB_TXN *txn, char (*ids)[ID_JOB_LEN + 1], int found,
    disp_take_fn take, const void *arg, struct job *out, int *n)
{
	static char unreadable[ID_JOB_LEN + 1];	/* last one logged */
	struct job j, old;
	int i, ret = 0;

	for (i = 0; i < found && ret == 0; i++) {
		ret = store_job_read(st, txn, ids[i], DB_RMW, &j);
		if (ret == DB_NOTFOUND) {
			/* an index names a job that cannot be read (a damaged
			 * store: dqctl verify); the rest must still flow */
			if (strcmp(unreadable, ids[i]) != 0)
				log_warnx("store: %s is indexed but cannot be "
				    "read; skipped (run dqctl verify)", ids[i]);
			memcpy(unreadable, ids[i], sizeof(unreadable));
			ret = 0;
			continue;
		}
		if (ret != 0)
			return ret;
		old = j;
		if (take(&j, arg) && (ret = store_job_rewrite(st, txn, &old, &j,
		    &out[*n])) == 0)
			(*n)++;
		job_free(&j);
	}
	return ret;
}

/* --- claiming jobs ------------------------------------------------------------ */

struct claim_arg {
	uint32_t		 account;
	const char		*queue;
	int64_t			 now;
	int			 max;
	int64_t			 concurrency;
	const struct store_lease *lease;
	struct job		*out;
	int			*n;
	int64_t			*next_due;
};

static int
claim_activate(struct job *j, const void *arg)
{
	const struct claim_arg *a = arg;

	if (j->status != JOB_PENDING)
		return 0;
	j->status = JOB_ACTIVE;
	j->attempts++;
	j->attempt_seq++;
	j->started_at = a->now;
	j->next_retry_at = 0;
	j->lease_until = a->now + j->timeout_ms + a->lease->margin_ms;
	j->lease_owner = a->lease->owner;
	j->lease_pid = a->lease->pid;
	j->updated_at = a->now;
	return 1;
}

static int
claim_active(struct store *st, DB_TXN *txn, uint32_t account, const char *queue,
    int64_t *active)
{
	unsigned char dim[KEY_MAX];

	return store_count_get(st, txn, dim, key_dim(dim, sizeof(dim), account,
	    DIM_STATUS | DIM_QUEUE, queue, NULL, JOB_ACTIVE), active);
}

/*
 * An ordered queue's next job: the first of its order index, when no job
 * of the queue is active.  *found 0: nothing to run now or later (empty,
 * or one is running: its end looks again); else the head's id and its due
 * time (later than now while it waits for a retry: it holds the queue).
 */
static int
order_head(struct store *st, DB_TXN *txn, uint32_t account, const char *queue,
    char id[ID_JOB_LEN + 1], int64_t *due, int *found)
{
	unsigned char qk[KEY_MAX], kbuf[KEY_MAX];
	int64_t active;
	size_t ql;
	struct job j;
	DBC *c = NULL;
	DBT k, d;
	int ret;

	*found = 0;
	*due = 0;
	if ((ret = claim_active(st, txn, account, queue, &active)) != 0 || active > 0)
		return ret;
	if ((ql = key_qkey(qk, sizeof(qk), account, queue)) == 0)
		return STORE_RET(DQ_ERR_INVALID);
	if ((ret = store_range(st, txn, DBI_ORDER, qk, ql, kbuf, sizeof(kbuf), &c, &k,
	    &d, 1)) != 0)
		return ret;
	ret = store_cursor_get(c, &k, &d, DB_SET_RANGE);
	c->close(c);
	if (ret == DB_NOTFOUND || (ret == 0 && (k.size != ql + 16 + ID_JOB_LEN ||
	    memcmp(kbuf, qk, ql) != 0)))
		return 0;
	if (ret != 0)
		return ret;
	memcpy(id, kbuf + ql + 16, ID_JOB_LEN);
	id[ID_JOB_LEN] = '\0';
	if ((ret = store_job_read(st, txn, id, 0, &j)) != 0)
		return ret == DB_NOTFOUND ? 0 : ret;
	if (j.status == JOB_PENDING) {
		*found = 1;
		*due = j.due_at;
	}
	job_free(&j);
	return 0;
}

/* One at a time, in order: the head, once it is due. */
static int
claim_ordered(struct store *st, DB_TXN *txn, struct claim_arg *a)
{
	char ids[1][ID_JOB_LEN + 1];
	int64_t due;
	int found, ret;

	if ((ret = order_head(st, txn, a->account, a->queue, ids[0], &due,
	    &found)) != 0 || !found)
		return ret;
	if (due > a->now || a->max < 1) {
		*a->next_due = due;
		return 0;
	}
	return disp_take(st, txn, ids, 1, claim_activate, a, a->out, a->n);
}

static int
claim_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct claim_arg *a = arg;
	char ids[CLAIM_MAX][ID_JOB_LEN + 1];
	unsigned char qk[KEY_MAX];
	int64_t active;
	int i, found, max = a->max, ret, ordered;
	size_t ql;

	for (i = 0; i < *a->n; i++)
		job_free(&a->out[i]);
	*a->n = 0;
	*a->next_due = 0;
	if ((ret = store_queue_is_ordered(st, txn, a->account, a->queue,
	    &ordered)) != 0)
		return ret;
	if (ordered)
		return claim_ordered(st, txn, a);
	if (a->concurrency > 0) {
		if ((ret = claim_active(st, txn, a->account, a->queue, &active)) != 0)
			return ret;
		if (active + max > a->concurrency)
			max = active >= a->concurrency ? 0 : (int)(a->concurrency - active);
	}
	if ((ql = key_qkey(qk, sizeof(qk), a->account, a->queue)) == 0)
		return STORE_RET(DQ_ERR_INVALID);
	if ((ret = store_scan_due(st, txn, DBI_DUE, qk, ql, a->now, max, ids, &found,
	    a->next_due)) != 0)
		return ret;
	return disp_take(st, txn, ids, found, claim_activate, a, a->out, a->n);
}

enum dq_err
store_claim(struct store *st, uint32_t account, const char *queue, int64_t now,
    int max, int64_t concurrency, const struct store_lease *lease,
    struct job *out, int *n, int64_t *next_due)
{
	struct claim_arg a = { account, queue, now, max > CLAIM_MAX ? CLAIM_MAX : max,
	    concurrency, lease, out, n, next_due };
	enum dq_err e;

	*n = 0;
	if ((e = store_txn(st, STORE_TXN_WRITTEN, claim_txn, &a)) != DQ_OK) {
		while (*n > 0)
			job_free(&out[--*n]);
	}
	return e;
}

/* --- when the next one is due ------------------------------------------------ */

/* dbi: a due index; a queue's (DBI_DUE) needs the account and queue. */
struct peek_arg {
	int		 dbi;
	uint32_t	 account;
	const char	*queue;
	int64_t		*next_due;
};

static int
peek_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct peek_arg *a = arg;
	unsigned char qk[KEY_MAX];
	char ids[1][ID_JOB_LEN + 1];
	size_t ql = 0;
	int n, ordered, ret;

	*a->next_due = 0;
	if (a->dbi == DBI_DUE) {
		if ((ret = store_queue_is_ordered(st, txn, a->account, a->queue,
		    &ordered)) != 0)
			return ret;
		if (ordered)
			return order_head(st, txn, a->account, a->queue, ids[0],
			    a->next_due, &n);
		if ((ql = key_qkey(qk, sizeof(qk), a->account, a->queue)) == 0)
			return STORE_RET(DQ_ERR_INVALID);
	}
	return store_scan_due(st, txn, a->dbi, qk, ql, -1, 0, ids, &n, a->next_due);
}

/* When the first entry of a due index is due (0: none), read-only. */
static enum dq_err
store_due_peek(struct store *st, struct peek_arg *a)
{
	return store_txn(st, STORE_TXN_READ, peek_txn, a);
}

enum dq_err
store_queue_next_due(struct store *st, uint32_t account, const char *queue,
    int64_t *next_due)
{
	struct peek_arg a = { DBI_DUE, account, queue, next_due };

	return store_due_peek(st, &a);
}

enum dq_err
store_callbacks_next_due(struct store *st, int64_t *next_due)
{
	struct peek_arg a = { DBI_CBDUE, 0, NULL, next_due };

	return store_due_peek(st, &a);
}

enum dq_err
store_schedules_next_due(struct store *st, int64_t *next_due)
{
	struct peek_arg a = { DBI_SCHEDDUE, 0, NULL, next_due };

	return store_due_peek(st, &a);
}

/* --- updating jobs ------------------------------------------------------------ */

struct update_arg {
	struct store_update	*items;
	size_t			 n;
};

static int
update_one(struct store *st, DB_TXN *txn, struct store_update *u)
{
	struct attempt at;
	struct job j, old;
	int ret;

	if ((ret = store_job_read(st, txn, u->id, DB_RMW, &j)) == DB_NOTFOUND) {
		u->result = DQ_ERR_NOTFOUND;
		return 0;
	}
	if (ret != 0)
		return ret;
	old = j;
	memset(&at, 0, sizeof(at));
	u->result = u->fn(&j, &at, u->arg);
	if (u->result == DQ_OK) {
		ret = store_job_rewrite(st, txn, &old, &j, NULL);
		if (ret == 0 && at.n > 0)
			ret = store_attempt_put(st, txn, j.id, j.attempt_seq, &at);
		if (ret == 0)
			ret = store_stats_job(st, txn, &old, &j, &at);
	}
	job_free(&j);
	return ret;
}

static int
update_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct update_arg *a = arg;
	size_t i;
	int ret;

	for (i = 0; i < a->n; i++)
		if ((ret = update_one(st, txn, &a->items[i])) != 0)
			return ret;
	return 0;
}

enum dq_err
store_jobs_update(struct store *st, struct store_update *items, size_t n)
{
	struct update_arg a = { items, n };

	return store_txn(st, 0, update_txn, &a);
}

/* --- leases ---------------------------------------------------------------------- */

struct stale_arg {
	store_stale_fn	 fn;
	void		*arg;
	char		(*ids)[ID_JOB_LEN + 1];
	int		 max;
	int		*n;
};

static int
stale_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct stale_arg *a = arg;
	const unsigned char *kp, *dp;
	DBC *c = NULL;
	DBT k, d;
	int ret;

	*a->n = 0;
	if ((ret = st->db[DBI_LEASES]->cursor(st->db[DBI_LEASES], txn, &c, 0)) != 0)
		return ret;
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	while (*a->n < a->max &&
	    (ret = store_cursor_get(c, &k, &d, DB_NEXT)) == 0) {
		kp = k.data;
		dp = d.data;
		if (k.size != 8 + ID_JOB_LEN || d.size != 12)
			continue;
		memcpy(a->ids[*a->n], kp + 8, ID_JOB_LEN);
		a->ids[*a->n][ID_JOB_LEN] = '\0';
		if (a->fn((int64_t)num_be64_get(kp), (int64_t)num_be64_get(dp + 4),
		    num_be32_get(dp), a->ids[*a->n], a->arg))
			(*a->n)++;
	}
	c->close(c);
	return ret == DB_NOTFOUND ? 0 : ret;
}

enum dq_err
store_leases_stale(struct store *st, store_stale_fn fn, void *arg,
    char (*ids)[ID_JOB_LEN + 1], int max, int *n)
{
	struct stale_arg a = { fn, arg, ids, max, n };

	return store_txn(st, STORE_TXN_READ, stale_txn, &a);
}

/* --- callbacks ------------------------------------------------------------------- */

struct cb_arg {
	int64_t		 now, hold_until;
	int		 max;
	store_cb_may_fn	 may;
	void		*may_arg;
	struct job	*out;
	int		*n;
	int64_t		*next_due;
	int		*passed;
};

/* A callback is held until hold_until while it is being made. */
static int
cb_hold(struct job *j, const void *arg)
{
	const struct cb_arg *a = arg;

	if (j->cb_status != JOB_CB_PENDING || *a->n >= a->max)
		return 0;
	if (a->may != NULL && !a->may(j->account, a->may_arg)) {
		(*a->passed)++;
		return 0;
	}
	j->cb_attempts++;
	j->cb_due_at = a->hold_until;
	return 1;
}

static int
cb_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct cb_arg *a = arg;
	char ids[CLAIM_MAX][ID_JOB_LEN + 1];
	int i, found, ret;

	int scan = a->may != NULL ? a->max * 4 : a->max;

	for (i = 0; i < *a->n; i++)
		job_free(&a->out[i]);
	*a->n = 0;
	*a->passed = 0;
	if ((ret = store_scan_due(st, txn, DBI_CBDUE, NULL, 0, a->now,
	    scan < CLAIM_MAX ? scan : CLAIM_MAX, ids, &found, a->next_due)) != 0)
		return ret;
	return disp_take(st, txn, ids, found, cb_hold, a, a->out, a->n);
}

enum dq_err
store_callbacks_claim(struct store *st, int64_t now, int max, int64_t hold_until,
    store_cb_may_fn may, void *may_arg, struct job *out, int *n,
    int64_t *next_due, int *passed)
{
	struct cb_arg a = { now, hold_until, max > CLAIM_MAX ? CLAIM_MAX : max,
	    may, may_arg, out, n, next_due, passed };
	enum dq_err e;

	*n = 0;
	if ((e = store_txn(st, STORE_TXN_WRITTEN, cb_txn, &a)) != DQ_OK) {
		while (*n > 0)
			job_free(&out[--*n]);
	}
	return e;
}
