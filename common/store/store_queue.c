/*
 * Queue settings (paused, concurrency, rate) and the queue operations of
 * API.md 7.  A queue record exists once a job or a PUT names the queue;
 * until then GET answers the defaults.
 *
 * Queue record, version 2: u8 version | u8 paused | i64 concurrency |
 * i64 rate in millionths per second | i64 created_at | i64 updated_at |
 * u8 ordered.  Version 1 lacked ordered (read as 0); records are written
 * as version 2.
 *
 * Records are never removed, and an account has at most max_queues of
 * them: the counter under dim account | DIM_QUEUES counts them.  A store
 * made before that counter existed has none; the first new queue of the
 * account counts its records once and writes it.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "rec.h"
#include "store_int.h"

#define QUEUE_REC_VERSION	2
#define PURGE_BATCH		256

/* A name that fits queue_info's and the cache's buffers. */
static int
queue_name_fits(const char *name)
{
	return name != NULL && strnlen(name, JOB_QUEUE_MAX + 1) <= JOB_QUEUE_MAX;
}

static int
queue_write(struct store *st, DB_TXN *txn, const struct queue_info *q)
{
	unsigned char k[KEY_MAX];
	struct rec_w w;
	void *buf;
	size_t len;
	int ret;

	rec_w_init(&w);
	rec_u8(&w, QUEUE_REC_VERSION);
	rec_u8(&w, q->paused ? 1 : 0);
	rec_i64(&w, q->concurrency);
	rec_i64(&w, (int64_t)llround(q->rate_per_second * 1e6));
	rec_i64(&w, q->created_at);
	rec_i64(&w, q->updated_at);
	rec_u8(&w, q->ordered ? 1 : 0);
	if ((buf = rec_w_finish(&w, &len)) == NULL)
		return STORE_RET(DQ_ERR_NOMEM);
	ret = store_put(st, txn, DBI_QUEUES, k, key_qkey(k, sizeof(k), q->account,
	    q->name), buf, len);
	free(buf);
	return ret;
}

static int
queue_decode(const void *kd, size_t kl, const DBT *d, struct queue_info *q)
{
	const unsigned char *k = kd;
	struct rec_r r;
	unsigned version;

	memset(q, 0, sizeof(*q));
	if (kl < 6 || kl - 5 > JOB_QUEUE_MAX || k[kl - 1] != '\0')
		return STORE_RET(DQ_ERR_CORRUPT);
	q->account = num_be32_get(k);
	memcpy(q->name, k + 4, kl - 4);
	rec_r_init(&r, d->data, d->size);
	if ((version = rec_get_u8(&r)) < 1 || version > QUEUE_REC_VERSION)
		return STORE_RET(DQ_ERR_CORRUPT);
	q->paused = rec_get_u8(&r);
	q->concurrency = rec_get_i64(&r);
	q->rate_per_second = (double)rec_get_i64(&r) / 1e6;
	q->created_at = rec_get_i64(&r);
	q->updated_at = rec_get_i64(&r);
	if (version >= 2)
		q->ordered = rec_get_u8(&r);
	return rec_r_done(&r) == 0 ? 0 : STORE_RET(DQ_ERR_CORRUPT);
}

/* Read a queue, or fill in the defaults when it has no record (*exists 0). */
static int
queue_read(struct store *st, DB_TXN *txn, uint32_t account, const char *name,
    u_int32_t flags, struct queue_info *q, int *exists)
{
	unsigned char k[KEY_MAX];
	size_t kl = key_qkey(k, sizeof(k), account, name);
	DBT d;
	int ret;

	if (!queue_name_fits(name))
		return STORE_RET(DQ_ERR_INVALID);
	ret = store_get(st, txn, DBI_QUEUES, k, kl, &d, flags);
	if (exists != NULL)
		*exists = ret != DB_NOTFOUND;
	if (ret == DB_NOTFOUND) {
		memset(q, 0, sizeof(*q));
		q->account = account;
		memcpy(q->name, name, strlen(name) + 1);
		return 0;
	}
	return ret != 0 ? ret : queue_decode(k, kl, &d, q);
}

/* The account's queue records, counted by walking them (a store without
 * the counter). */
static int
queue_walk_count(struct store *st, DB_TXN *txn, uint32_t account, int64_t *n)
{
	unsigned char start[4];
	DBC *c = NULL;
	DBT k, d;
	int ret;

	*n = 0;
	if ((ret = st->db[DBI_QUEUES]->cursor(st->db[DBI_QUEUES], txn, &c, 0)) != 0)
		return ret;
	num_be32_put(start, account);
	store_dbt(&k, start, 4);
	memset(&d, 0, sizeof(d));
	d.flags = DB_DBT_PARTIAL;
	for (ret = store_cursor_get(c, &k, &d, DB_SET_RANGE); ret == 0 &&
	    k.size >= 4 && num_be32_get(k.data) == account;
	    ret = store_cursor_get(c, &k, &d, DB_NEXT))
		(*n)++;
	c->close(c);
	return ret == DB_NOTFOUND ? 0 : ret;
}

/* Count a new queue record, refused past max_queues when enforce is set. */
static int
queue_count_new(struct store *st, DB_TXN *txn, uint32_t account, int enforce)
{
	unsigned char dim[KEY_MAX];
	size_t dl = key_dim(dim, sizeof(dim), account, DIM_QUEUES, NULL, NULL, 0);
	int64_t n = 0;
	DBT d;
	int ret;

	ret = store_get(st, txn, DBI_COUNTS, dim, dl, &d, 0);
	if (ret == DB_NOTFOUND && ((ret = queue_walk_count(st, txn, account, &n)) != 0 ||
	    (ret = store_count_write_now(st, txn, dim, dl, n)) != 0))
		return ret;
	if (ret != 0 || (ret = store_count_get(st, txn, dim, dl, &n)) != 0)
		return ret;
	if (enforce && n >= st->max_queues)
		return STORE_RET(DQ_ERR_QUOTA);
	return store_count_add(st, txn, dim, dl, 1);
}

/*
 * Queue records are never removed (but by a replication rollback, after
 * which store_close_dbs forgets them), so once one is seen to exist this
 * handle need not look again.  Only records that existed before the
 * current transaction are remembered: one it wrote itself may yet abort.
 * A table of QSEEN slots, hashed, a newer name replacing an older one;
 * made on first use and freed with the handle.  Without it (out of
 * memory) every create looks, which is only slower.
 */
#define QSEEN	1024
struct store_qseen {
	uint32_t	account;
	char		name[JOB_QUEUE_MAX + 1];
};

static struct store_qseen *
queue_seen_slot(struct store *st, uint32_t account, const char *queue)
{
	if (st->qseen == NULL && (st->qseen = calloc(QSEEN, sizeof(*st->qseen))) == NULL)
		return NULL;
	return &st->qseen[num_hash(account, queue) % QSEEN];
}

int
store_queue_ensure(struct store *st, DB_TXN *txn, uint32_t account,
    const char *queue, int enforce)
{
	unsigned char k[KEY_MAX];
	struct store_qseen *seen;
	struct queue_info q;
	DBT d;
	int ret;

	if (!queue_name_fits(queue))
		return STORE_RET(DQ_ERR_INVALID);
	seen = queue_seen_slot(st, account, queue);
	if (seen != NULL && seen->account == account && strcmp(seen->name, queue) == 0)
		return 0;
	ret = store_get(st, txn, DBI_QUEUES, k, key_qkey(k, sizeof(k), account,
	    queue), &d, 0);
	if (ret == 0 && !st->txn_wrote_queue && seen != NULL) {
		seen->account = account;
		memcpy(seen->name, queue, strlen(queue) + 1);
	}
	if (ret != DB_NOTFOUND)
		return ret;
	if ((ret = queue_read(st, txn, account, queue, 0, &q, NULL)) != 0 ||
	    (ret = queue_count_new(st, txn, account, enforce)) != 0)
		return ret;
	st->txn_wrote_queue = 1;
	return queue_write(st, txn, &q);
}

int
store_queue_is_ordered(struct store *st, DB_TXN *txn, uint32_t account,
    const char *queue, int *ordered)
{
	struct queue_info q;
	int ret;

	*ordered = 0;
	if ((ret = queue_read(st, txn, account, queue, 0, &q, NULL)) == 0)
		*ordered = q.ordered;
	return ret;
}

static int
queue_counts(struct store *st, DB_TXN *txn, struct queue_info *q)
{
	unsigned char dim[KEY_MAX];
	int s, ret;

	for (s = 0; s < JOB_NSTATUS; s++) {
		if ((ret = store_count_get(st, txn, dim, key_dim(dim, sizeof(dim),
		    q->account, DIM_STATUS | DIM_QUEUE, q->name, NULL, s),
		    &q->counts[s])) != 0)
			return ret;
	}
	return 0;
}

struct qget_arg {
	uint32_t		 account;
	const char		*name;
	const struct queue_change *ch;
	int64_t			 now;
	struct queue_info	*out;
};

static int
qget_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct qget_arg *a = arg;
	int ret;

	if ((ret = queue_read(st, txn, a->account, a->name, 0, a->out, NULL)) != 0)
		return ret;
	return queue_counts(st, txn, a->out);
}

enum dq_err
store_queue_get(struct store *st, uint32_t account, const char *name,
    struct queue_info *out)
{
	struct qget_arg a = { account, name, NULL, 0, out };

	return store_txn(st, STORE_TXN_READ, qget_txn, &a);
}

static int
qset_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct qget_arg *a = arg;
	struct queue_info *q = a->out;
	int ret, exists;

	if ((ret = queue_read(st, txn, a->account, a->name, DB_RMW, q, &exists)) != 0 ||
	    (!exists && (ret = queue_count_new(st, txn, a->account, 1)) != 0))
		return ret;
	if (a->ch->set_paused)
		q->paused = a->ch->paused;
	if (a->ch->set_concurrency)
		q->concurrency = a->ch->concurrency;
	if (a->ch->set_rate)
		q->rate_per_second = a->ch->rate_per_second;
	if (a->ch->set_ordered)
		q->ordered = a->ch->ordered;
	if (q->created_at == 0)
		q->created_at = a->now;
	q->updated_at = a->now;
	if ((ret = queue_write(st, txn, q)) != 0)
		return ret;
	return queue_counts(st, txn, q);
}

enum dq_err
store_queue_set(struct store *st, uint32_t account, const char *name,
    const struct queue_change *ch, int64_t now, struct queue_info *out)
{
	struct qget_arg a = { account, name, ch, now, out };

	return store_txn(st, 0, qset_txn, &a);
}

struct qlist_arg {
	uint32_t	 account;
	int		 with_counts;
	store_queue_fn	 fn;
	void		*arg;
};

static int
qlist_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct qlist_arg *a = arg;
	unsigned char start[4];
	struct queue_info q;
	DBC *c = NULL;
	DBT k, d;
	int ret;

	if ((ret = st->db[DBI_QUEUES]->cursor(st->db[DBI_QUEUES], txn, &c, 0)) != 0)
		return ret;
	num_be32_put(start, a->account);
	store_dbt(&k, start, 4);
	memset(&d, 0, sizeof(d));
	for (ret = store_cursor_get(c, &k, &d, DB_SET_RANGE); ret == 0;
	    ret = store_cursor_get(c, &k, &d, DB_NEXT)) {
		if (a->account != 0 && (k.size < 4 ||
		    num_be32_get(k.data) != a->account))
			break;
		if ((ret = queue_decode(k.data, k.size, &d, &q)) != 0 ||
		    (a->with_counts && (ret = queue_counts(st, txn, &q)) != 0))
			break;
		if (a->fn(&q, a->arg) != 0)
			break;
	}
	c->close(c);
	return ret == DB_NOTFOUND ? 0 : ret;
}

enum dq_err
store_queue_list(struct store *st, uint32_t account, int with_counts,
    store_queue_fn fn, void *arg)
{
	struct qlist_arg a = { account, with_counts, fn, arg };

	return store_txn(st, STORE_TXN_READ, qlist_txn, &a);
}

/* --- one page of an account's queues, by name ------------------------------------- */

struct qpage_arg {
	const struct store_name_query	*q;
	struct queue_info		*out;
	int				*n, *more;
	int64_t				*total;
	struct store			*st;	/* of the walk */
	DB_TXN				*txn;
};

/* The account's queue count: its counter, or its records counted. */
static int
qpage_total(struct store *st, DB_TXN *txn, uint32_t account, int64_t *total)
{
	unsigned char dim[KEY_MAX];
	size_t dl = key_dim(dim, sizeof(dim), account, DIM_QUEUES, NULL, NULL, 0);
	DBT d;
	int ret;

	ret = store_get(st, txn, DBI_COUNTS, dim, dl, &d, 0);
	if (ret == DB_NOTFOUND)
		return queue_walk_count(st, txn, account, total);
	if (ret == 0)
		*total = d.size == 8 ? (int64_t)num_be64_get(d.data) : 0;
	return ret;
}

static int
qpage_take(const unsigned char *k, size_t kl, const DBT *d, int i, void *arg)
{
	struct qpage_arg *a = arg;
	struct store *st = a->st;
	int ret;

	if ((ret = queue_decode(k, kl, d, &a->out[i])) != 0)
		return ret;
	return queue_counts(st, a->txn, &a->out[i]);
}

static int
qpage_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct qpage_arg *a = arg;
	unsigned char start[KEY_MAX];
	struct store_name_walk w = { a->q->account, start, 4, a->q->offset,
	    a->q->limit, qpage_take, a };
	int ret;

	a->st = st;
	a->txn = txn;
	num_be32_put(start, a->q->account);
	if (a->q->after != NULL) {	/* just past the cursor's queue */
		if ((w.sl = key_qkey(start, sizeof(start), a->q->account,
		    a->q->after)) == 0)
			return STORE_RET(DQ_ERR_INVALID);
		start[w.sl - 1] = 1;
	}
	if ((ret = qpage_total(st, txn, a->q->account, a->total)) != 0)
		return ret;
	return store_name_page(st, txn, DBI_QUEUES, &w, a->n, a->more);
}

enum dq_err
store_queue_page(struct store *st, const struct store_name_query *q,
    struct queue_info *out, int *n, int *more, int64_t *total)
{
	struct qpage_arg a = { q, out, n, more, total, NULL, NULL };

	*n = 0;
	if (q->limit > STORE_LIST_MAX || q->offset < 0)
		return DQ_ERR_INVALID;
	return store_txn(st, STORE_TXN_READ, qpage_txn, &a);
}

struct purge_arg {
	uint32_t	 account;
	const char	*name;
	int64_t		 now;
	int64_t		 done;		/* jobs cancelled by this batch */
};

/* Cancel up to PURGE_BATCH jobs of one status; a batch is one txn. */
static int
purge_status(struct store *st, DB_TXN *txn, struct purge_arg *a, int status)
{
	unsigned char dim[KEY_MAX], kbuf[KEY_MAX];
	char ids[PURGE_BATCH][ID_JOB_LEN + 1];
	struct job j, old;
	size_t dl;
	int n = 0, i, ret;
	DBC *c = NULL;
	DBT k, d;

	if ((dl = key_dim(dim, sizeof(dim), a->account, DIM_STATUS | DIM_QUEUE,
	    a->name, NULL, store_job_listed(status))) == 0)
		return STORE_RET(DQ_ERR_INVALID);
	if ((ret = st->db[DBI_JOBIDX]->cursor(st->db[DBI_JOBIDX], txn, &c, 0)) != 0)
		return ret;
	memcpy(kbuf, dim, dl);
	store_dbt(&k, kbuf, dl);
	k.ulen = sizeof(kbuf);
	k.flags = DB_DBT_USERMEM;
	memset(&d, 0, sizeof(d));
	for (ret = store_cursor_get(c, &k, &d, DB_SET_RANGE);
	    ret == 0 && n < PURGE_BATCH; ret = store_cursor_get(c, &k, &d, DB_NEXT)) {
		if (k.size != dl + 8 + ID_JOB_LEN || memcmp(kbuf, dim, dl) != 0)
			break;
		memcpy(ids[n], kbuf + dl + 8, ID_JOB_LEN);
		ids[n][ID_JOB_LEN] = '\0';
		/* running jobs are listed as pending: passed over, not counted */
		if ((ret = store_job_read(st, txn, ids[n], 0, &j)) == DB_NOTFOUND)
			continue;
		if (ret != 0)
			break;
		n += (int)j.status == status;
		job_free(&j);
	}
	c->close(c);
	if (ret != 0 && ret != DB_NOTFOUND)
		return ret;
	for (i = 0; i < n; i++) {
		if ((ret = store_job_read(st, txn, ids[i], DB_RMW, &j)) != 0)
			return ret;
		old = j;
		if (job_act_cancel(&j, a->now) == DQ_OK) {
			if ((ret = store_job_rewrite(st, txn, &old, &j, NULL)) != 0) {
				job_free(&j);
				return ret;
			}
			a->done++;
		}
		job_free(&j);
	}
	return 0;
}

static int
purge_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct purge_arg *a = arg;
	int ret;

	a->done = 0;
	if ((ret = purge_status(st, txn, a, JOB_PENDING)) != 0)
		return ret;
	if (a->done < PURGE_BATCH / 2)
		return purge_status(st, txn, a, JOB_AWAITING_APPROVAL);
	return 0;
}

enum dq_err
store_queue_purge(struct store *st, uint32_t account, const char *name,
    int64_t now, int64_t *cancelled)
{
	struct purge_arg a = { account, name, now, 0 };
	enum dq_err e;

	*cancelled = 0;
	do {
		if ((e = store_txn(st, 0, purge_txn, &a)) != DQ_OK)
			return e;
		*cancelled += a.done;
	} while (a.done > 0);
	return DQ_OK;
}

/* --- queues with pending jobs (the dispatcher's resync) --------------------------- */

#define DUEQ_BATCH	256

struct dueq_arg {
	store_due_queue_fn	 fn;
	void			*arg;
	unsigned char		 from[KEY_MAX];	/* where the next batch starts */
	size_t			 fl;
	int			 done;
};

/*
 * One batch: from the due index, each queue's first entry (its earliest
 * pending job), then a jump past the rest of that queue's entries: the qkey
 * ends in NUL, and no queue name has a byte below '-', so qkey with its NUL
 * raised to 1 sorts after every entry of this queue and before the next
 * queue.  The cost is one seek per queue, whatever its backlog.
 */
static int
dueq_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct dueq_arg *a = arg;
	unsigned char kbuf[KEY_MAX], next[KEY_MAX];
	struct queue_info q;
	size_t ql, nl = a->fl;
	int n, ret;
	DBC *c = NULL;
	DBT k, d;

	memcpy(next, a->from, a->fl);
	if ((ret = st->db[DBI_DUE]->cursor(st->db[DBI_DUE], txn, &c, 0)) != 0)
		return ret;
	memset(&d, 0, sizeof(d));
	d.flags = DB_DBT_PARTIAL;	/* keys only */
	for (n = 0; n < DUEQ_BATCH; n++) {
		memcpy(kbuf, next, nl);
		store_dbt(&k, kbuf, nl);
		k.ulen = sizeof(kbuf);
		k.flags = DB_DBT_USERMEM;
		if ((ret = store_cursor_get(c, &k, &d, DB_SET_RANGE)) != 0)
			break;
		ql = k.size > 5 ? strnlen((char *)kbuf + 4, k.size - 4) + 5 : 0;
		if (ql == 0 || ql - 5 > JOB_QUEUE_MAX || k.size != ql + 8 + ID_JOB_LEN) {
			ret = STORE_RET(DQ_ERR_CORRUPT);
			break;
		}
		if ((ret = queue_read(st, txn, num_be32_get(kbuf), (char *)kbuf + 4, 0,
		    &q, NULL)) != 0)
			break;
		a->fn(&q, (int64_t)num_be64_get(kbuf + ql), a->arg);
		memcpy(next, kbuf, ql);
		next[ql - 1] = 1;
		nl = ql;
	}
	c->close(c);
	if (ret == DB_NOTFOUND)
		a->done = 1;
	else if (ret != 0)
		return ret;
	memcpy(a->from, next, nl);
	a->fl = nl;
	return 0;
}

enum dq_err
store_due_queues(struct store *st, store_due_queue_fn fn, void *arg)
{
	struct dueq_arg a;
	enum dq_err e;

	memset(&a, 0, sizeof(a));
	a.fn = fn;
	a.arg = arg;
	do {
		if ((e = store_txn(st, STORE_TXN_READ, dueq_txn, &a)) != DQ_OK)
			return e;
	} while (!a.done);
	return DQ_OK;
}
