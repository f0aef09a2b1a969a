/*
 * Jobs in the store: create (with Idempotency-Key and dedupe_key checks in
 * the same transaction as the insert), read, edit, list and count.  Every
 * change goes through store_job_apply() for its indexes and counters.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dqtime.h"
#include "num.h"
#include "store_int.h"

#define EXP_DEDUPE	'D'
#define EXP_IDEM	'I'

/* --- create ---------------------------------------------------------------- */

struct create_arg {
	uint32_t		 account;
	struct store_create	*items;
	size_t			 n;
};

/* An expiry entry lets housekeeping find old dedupe and idempotency rows. */
static int
create_expiry(struct store *st, DB_TXN *txn, int64_t at, char kind,
    const unsigned char *k, size_t kl)
{
	unsigned char ek[KEY_MAX + 16];

	if (kl == 0 || kl > sizeof(ek) - 9)
		return STORE_RET(DQ_ERR_INVALID);
	num_be64_put(ek, (uint64_t)at);
	ek[8] = (unsigned char)kind;
	memcpy(ek + 9, k, kl);
	return store_put(st, txn, DBI_EXPIRY, ek, 9 + kl, "", 0);
}

/* Value of an idempotency or dedupe row: id | created [| body hash]. */
static int
create_row_put(struct store *st, DB_TXN *txn, int dbi, const unsigned char *k,
    size_t kl, const struct job *j, const unsigned char *hash)
{
	unsigned char v[ID_JOB_LEN + 8 + CRYPTO_SHA256_LEN];
	size_t vl = ID_JOB_LEN + 8;
	int ret;

	memcpy(v, j->id, ID_JOB_LEN);
	num_be64_put(v + ID_JOB_LEN, (uint64_t)j->created_at);
	if (hash != NULL) {
		memcpy(v + vl, hash, CRYPTO_SHA256_LEN);
		vl += CRYPTO_SHA256_LEN;
	}
	if ((ret = store_put(st, txn, dbi, k, kl, v, vl)) != 0)
		return ret;
	return create_expiry(st, txn, j->created_at + STORE_DEDUPE_WINDOW_MS,
	    dbi == DBI_IDEM ? EXP_IDEM : EXP_DEDUPE, k, kl);
}

/*
 * Look up a live row (created within the window).  On a hit *id is the job
 * it names; 1 hit, 0 miss, or a Berkeley DB error.
 */
static int
create_row_get(struct store *st, DB_TXN *txn, int dbi, const unsigned char *k,
    size_t kl, int64_t now, char id[ID_JOB_LEN + 1], unsigned char *hash)
{
	DBT d;
	int ret;

	ret = store_get(st, txn, dbi, k, kl, &d, DB_RMW);
	if (ret == DB_NOTFOUND)
		return 0;
	if (ret != 0)
		return ret;
	if (d.size < ID_JOB_LEN + 8)
		return STORE_RET(DQ_ERR_CORRUPT);
	if ((int64_t)num_be64_get((unsigned char *)d.data + ID_JOB_LEN) +
	    STORE_DEDUPE_WINDOW_MS <= now)
		return 0;
	memcpy(id, d.data, ID_JOB_LEN);
	id[ID_JOB_LEN] = '\0';
	if (hash != NULL && d.size >= ID_JOB_LEN + 8 + CRYPTO_SHA256_LEN)
		memcpy(hash, (unsigned char *)d.data + ID_JOB_LEN + 8, CRYPTO_SHA256_LEN);
	return 1;
}

/* Idempotency first: 1 when the item was answered from it. */
static int
create_check_idem(struct store *st, DB_TXN *txn, uint32_t account,
    struct store_create *it)
{
	unsigned char k[KEY_MAX], hash[CRYPTO_SHA256_LEN];
	char id[ID_JOB_LEN + 1];
	size_t kl;
	int ret;

	if (it->idem_hash == NULL || it->job->idempotency_key == NULL)
		return 0;
	kl = key_acct_str(k, sizeof(k), account, it->job->idempotency_key);
	memset(hash, 0, sizeof(hash));
	ret = create_row_get(st, txn, DBI_IDEM, k, kl, it->job->created_at, id, hash);
	if (ret != 1)
		return ret;
	if (memcmp(hash, it->idem_hash, CRYPTO_SHA256_LEN) != 0) {
		it->result = STORE_IDEM_REUSED;
		return 1;
	}
	ret = store_job_read(st, txn, id, 0, &it->existing);
	if (ret == DB_NOTFOUND)		/* removed by retention: create anew */
		return 0;
	if (ret != 0)
		return ret;
	it->result = STORE_DEDUPLICATED;
	return 1;
}

static int
create_check_dedupe(struct store *st, DB_TXN *txn, uint32_t account,
    struct store_create *it)
{
	unsigned char k[KEY_MAX];
	char id[ID_JOB_LEN + 1];
	size_t kl;
	int ret;

	if (it->job->dedupe_key == NULL)
		return 0;
	kl = key_acct_str(k, sizeof(k), account, it->job->dedupe_key);
	ret = create_row_get(st, txn, DBI_DEDUPE, k, kl, it->job->created_at, id, NULL);
	if (ret != 1)
		return ret;
	ret = store_job_read(st, txn, id, 0, &it->existing);
	if (ret == DB_NOTFOUND)
		return 0;
	if (ret != 0)
		return ret;
	if (it->existing.status == JOB_FAILED || it->existing.status == JOB_CANCELLED) {
		job_free(&it->existing);
		return 0;
	}
	it->result = STORE_DEDUPLICATED;
	return 1;
}

/* Past one of the account's limits the item is refused (1), nothing written;
 * else its queue has a record (0). */
static int
create_over_quota(struct store *st, DB_TXN *txn, uint32_t account,
    struct store_create *it)
{
	int ret;

	if ((ret = store_jobs_over_quota(st, txn, account)) == 1)
		it->quota = STORE_QUOTA_JOBS;
	else if (ret == 0 && (ret = store_queue_ensure(st, txn, account,
	    it->job->queue, 1)) == STORE_RET(DQ_ERR_QUOTA)) {
		it->quota = STORE_QUOTA_QUEUES;
		ret = 1;
	}
	if (ret == 1)
		it->result = STORE_OVER_QUOTA;
	return ret;
}

static int
create_insert(struct store *st, DB_TXN *txn, uint32_t account,
    struct store_create *it)
{
	struct job *j = it->job;
	unsigned char k[KEY_MAX];
	int ret;

	if ((ret = create_over_quota(st, txn, account, it)) != 0)
		return ret == 1 ? 0 : ret;
	j->account = account;
	if (j->id[0] == '\0' && ids_new_job(j->id) == -1)
		return STORE_RET(DQ_ERR_INTERNAL);
	if ((ret = store_job_insert(st, txn, j)) != 0 ||
	    (ret = store_job_apply(st, txn, NULL, j)) != 0)
		return ret;
	if (it->idem_hash != NULL && j->idempotency_key != NULL &&
	    (ret = create_row_put(st, txn, DBI_IDEM, k,
	    key_acct_str(k, sizeof(k), account, j->idempotency_key), j,
	    it->idem_hash)) != 0)
		return ret;
	if (j->dedupe_key != NULL &&
	    (ret = create_row_put(st, txn, DBI_DEDUPE, k,
	    key_acct_str(k, sizeof(k), account, j->dedupe_key), j, NULL)) != 0)
		return ret;
	it->result = STORE_CREATED;
	return 0;
}

static int
create_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct create_arg *a = arg;
	struct store_create *it;
	size_t i;
	int ret;

	for (i = 0; i < a->n; i++) {		/* a retried txn starts clean */
		job_free(&a->items[i].existing);
		a->items[i].result = STORE_CREATED;
	}
	for (i = 0; i < a->n; i++) {
		it = &a->items[i];
		if ((ret = create_check_idem(st, txn, a->account, it)) < 0 ||
		    (ret == 0 && (ret = create_check_dedupe(st, txn, a->account, it)) < 0))
			return ret;
		if (ret == 1)
			continue;
		if ((ret = create_insert(st, txn, a->account, it)) != 0)
			return ret;
	}
	return 0;
}

enum dq_err
store_jobs_create(struct store *st, uint32_t account, struct store_create *items,
    size_t n)
{
	struct create_arg a = { account, items, n };
	size_t i;

	for (i = 0; i < n; i++)
		memset(&items[i].existing, 0, sizeof(items[i].existing));
	return store_txn(st, 0, create_txn, &a);
}

/* Stored jobs of the account, from its counters by status (no scan). */
int
store_jobs_over_quota(struct store *st, DB_TXN *txn, uint32_t account)
{
	unsigned char dim[KEY_MAX];
	int64_t n, total = 0;
	int s, ret;

	if (st->max_jobs <= 0)
		return 0;
	for (s = 0; s < JOB_NSTATUS; s++) {
		if ((ret = store_count_get(st, txn, dim, key_dim(dim, sizeof(dim), account,
		    DIM_STATUS, NULL, NULL, s), &n)) != 0)
			return ret;
		total += n;
	}
	return total >= st->max_jobs;
}

/* --- read and edit ------------------------------------------------------------ */

struct get_arg {
	uint32_t	 account;
	const char	*id;
	struct job	*out;
};

static int
get_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct get_arg *a = arg;
	int ret;

	job_free(a->out);
	if ((ret = store_job_read(st, txn, a->id, 0, a->out)) != 0)
		return ret;
	if (a->account != 0 && a->out->account != a->account) {
		job_free(a->out);
		return DB_NOTFOUND;
	}
	return 0;
}

enum dq_err
store_job_get(struct store *st, uint32_t account, const char *id, struct job *out)
{
	struct get_arg a = { account, id, out };

	job_init(out);
	return store_txn(st, STORE_TXN_READ, get_txn, &a);
}

struct edit_arg {
	uint32_t		 account;
	const char		*id;
	store_job_edit_fn	 fn;
	void			*fnarg;
	struct job		*out;
};

static int
edit_dedupe_blocks(enum job_status s)
{
	return s != JOB_FAILED && s != JOB_CANCELLED;
}

/*
 * A failed or cancelled job that comes back (retry) is again what its
 * dedupe_key finds (API.md 4.1), unless the key names another live job.
 */
static int
edit_dedupe_reclaim(struct store *st, DB_TXN *txn, const struct job *old,
    const struct job *j)
{
	unsigned char k[KEY_MAX];
	char id[ID_JOB_LEN + 1];
	struct job cur;
	size_t kl;
	int ret, live;

	if (j->dedupe_key == NULL || edit_dedupe_blocks(old->status) ||
	    !edit_dedupe_blocks(j->status) ||
	    j->created_at + STORE_DEDUPE_WINDOW_MS <= j->updated_at)
		return 0;
	kl = key_acct_str(k, sizeof(k), j->account, j->dedupe_key);
	ret = create_row_get(st, txn, DBI_DEDUPE, k, kl, j->updated_at, id, NULL);
	if (ret < 0)
		return ret;
	if (ret == 1 && strcmp(id, j->id) == 0)
		return 0;
	if (ret == 1) {
		ret = store_job_read(st, txn, id, 0, &cur);
		if (ret != 0 && ret != DB_NOTFOUND)
			return ret;
		live = ret == 0 && edit_dedupe_blocks(cur.status);
		if (ret == 0)
			job_free(&cur);
		if (live)
			return 0;
	}
	return create_row_put(st, txn, DBI_DEDUPE, k, kl, j, NULL);
}

static int
edit_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct edit_arg *a = arg;
	struct job j, old;
	enum dq_err e;
	int ret;

	if ((ret = store_job_read(st, txn, a->id, DB_RMW, &j)) != 0)
		return ret;
	if (j.account != a->account) {
		ret = DB_NOTFOUND;
		goto done;
	}
	old = j;		/* shallow: both borrow j.mem, which fn leaves alone */
	if ((e = a->fn(&j, a->fnarg)) != DQ_OK) {
		ret = STORE_RET(e);
		goto done;
	}
	if ((ret = edit_dedupe_reclaim(st, txn, &old, &j)) != 0)
		goto done;
	if (a->out != NULL)
		job_free(a->out);
	ret = store_job_rewrite(st, txn, &old, &j, a->out);
done:
	job_free(&j);
	return ret;
}

enum dq_err
store_job_edit(struct store *st, uint32_t account, const char *id,
    store_job_edit_fn fn, void *fnarg, struct job *out)
{
	struct edit_arg a = { account, id, fn, fnarg, out };

	if (out != NULL)
		job_init(out);
	return store_txn(st, 0, edit_txn, &a);
}

/* --- list and count -------------------------------------------------------- */

/*
 * One page of a listing index: up to limit ids under dim, after (created,
 * id) or skipping offset entries, and (created, if not NULL) their
 * creation times.  *more says whether another follows.
 */
int
store_idx_page(struct store *st, DB_TXN *txn, const unsigned char *dim,
    size_t dl, const struct store_list_query *q, char (*ids)[ID_JOB_LEN + 1],
    int64_t *created, int *n, int *more)
{
	unsigned char start[KEY_MAX], kbuf[KEY_MAX];
	int64_t skip = q->offset;
	size_t sl;
	DBC *c = NULL;
	DBT k, d;
	int ret;

	*n = 0;
	*more = 0;
	if (dl == 0 || dl > sizeof(start))
		return STORE_RET(DQ_ERR_INVALID);
	if (q->has_after)
		sl = key_idx(start, sizeof(start), dim, dl, q->after_created,
		    q->after_id, ID_JOB_LEN);
	else {
		memcpy(start, dim, dl);
		sl = dl;
	}
	if (sl == 0)
		return STORE_RET(DQ_ERR_INVALID);
	if ((ret = st->db[DBI_JOBIDX]->cursor(st->db[DBI_JOBIDX], txn, &c, 0)) != 0)
		return ret;
	memcpy(kbuf, start, sl);
	store_dbt(&k, kbuf, sl);
	k.ulen = sizeof(kbuf);
	k.flags = DB_DBT_USERMEM;
	memset(&d, 0, sizeof(d));
	for (ret = store_cursor_get(c, &k, &d, DB_SET_RANGE); ret == 0;
	    ret = store_cursor_get(c, &k, &d, DB_NEXT)) {
		if (k.size != dl + 8 + ID_JOB_LEN || memcmp(kbuf, dim, dl) != 0)
			break;
		if (q->has_after && k.size == sl && memcmp(kbuf, start, sl) == 0)
			continue;	/* the cursor's own item was on the last page */
		if (skip > 0) {
			skip--;
			continue;
		}
		if (*n == q->limit) {
			*more = 1;
			break;
		}
		if (created != NULL)
			created[*n] = (int64_t)~num_be64_get(kbuf + dl);
		memcpy(ids[*n], kbuf + dl + 8, ID_JOB_LEN);
		ids[(*n)++][ID_JOB_LEN] = '\0';
	}
	c->close(c);
	return ret == DB_NOTFOUND ? 0 : ret;
}

struct list_arg {
	const struct store_list_query	*q;
	struct job			*jobs;
	int				*n, *more;
	int64_t				*total;
};

/*
 * Read the jobs of one index page into the list.  The page was read with
 * read-committed isolation, so a job may have changed since (claimed,
 * finished, removed by retention): one that no longer matches the status
 * asked for, or is gone, is left out.
 */
static int
list_take(struct store *st, DB_TXN *txn, struct list_arg *a,
    char (*ids)[ID_JOB_LEN + 1], int found)
{
	struct job *j;
	int i, ret;

	for (i = 0; i < found && *a->n < a->q->limit; i++) {
		j = &a->jobs[*a->n];
		if ((ret = store_job_read(st, txn, ids[i], 0, j)) == DB_NOTFOUND)
			continue;
		if (ret != 0)
			return ret;
		if (a->q->status >= 0 && (int)j->status != a->q->status) {
			job_free(j);
			job_init(j);
			continue;
		}
		(*a->n)++;
	}
	return 0;
}

static int
list_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct list_arg *a = arg;
	const struct store_list_query *q = a->q;
	struct store_list_query page = *q;
	char ids[STORE_LIST_MAX][ID_JOB_LEN + 1];
	int64_t created[STORE_LIST_MAX];
	unsigned char dim[KEY_MAX];
	size_t dl;
	int ret, mask, i, found;

	for (i = 0; i < *a->n; i++)
		job_free(&a->jobs[i]);
	*a->n = 0;
	mask = (q->status >= 0 ? DIM_STATUS : 0) | (q->queue ? DIM_QUEUE : 0) |
	    (q->schedule_id ? DIM_SCHED : 0);
	dl = key_dim(dim, sizeof(dim), q->account, mask, q->queue, q->schedule_id,
	    q->status);
	if ((ret = store_dim_total(st, txn, q->account, mask, q->queue,
	    q->schedule_id, q->status, a->total)) != 0)
		return ret;
	/* Pages until the list is full: those left out make room. */
	do {
		page.limit = q->limit - *a->n;
		if ((ret = store_idx_page(st, txn, dim, dl, &page, ids, created,
		    &found, a->more)) != 0 || (ret = list_take(st, txn, a, ids, found)) != 0)
			return ret;
		if (found > 0) {
			page.has_after = 1;
			page.after_created = created[found - 1];
			memcpy(page.after_id, ids[found - 1], sizeof(page.after_id));
			page.offset = 0;
		}
	} while (*a->more && *a->n < q->limit);
	return 0;
}

enum dq_err
store_jobs_list(struct store *st, const struct store_list_query *q,
    struct job *jobs, int *n, int *more, int64_t *total)
{
	struct list_arg a = { q, jobs, n, more, total };
	enum dq_err e;
	int i;

	*n = 0;
	if (q->limit > STORE_LIST_MAX)
		return DQ_ERR_INVALID;
	for (i = 0; i < q->limit; i++)
		job_init(&jobs[i]);
	e = store_txn(st, STORE_TXN_READ, list_txn, &a);
	if (e != DQ_OK) {
		for (i = 0; i < *n; i++)
			job_free(&jobs[i]);
		*n = 0;
	}
	return e;
}

struct count_arg {
	uint32_t	 account;
	const char	*queue;
	int64_t		*counts;
};

static int
count_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct count_arg *a = arg;
	unsigned char dim[KEY_MAX];
	size_t dl;
	int s, ret;

	for (s = 0; s < JOB_NSTATUS; s++) {
		dl = key_dim(dim, sizeof(dim), a->account,
		    DIM_STATUS | (a->queue ? DIM_QUEUE : 0),
		    a->queue, NULL, s);
		if ((ret = store_count_get(st, txn, dim, dl, &a->counts[s])) != 0)
			return ret;
	}
	return 0;
}

enum dq_err
store_jobs_count(struct store *st, uint32_t account, const char *queue,
    int64_t counts[JOB_NSTATUS])
{
	struct count_arg a = { account, queue, counts };

	return store_txn(st, STORE_TXN_READ, count_txn, &a);
}
