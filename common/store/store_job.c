/*
 * Jobs in the store: read, edit, list and count (creating is
 * store_create.c).  Every change goes through store_job_apply() for its
 * indexes and counters.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dqtime.h"
#include "num.h"
#include "store_int.h"

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
	char ids[STORE_FANOUT_MAX][ID_JOB_LEN + 1];
	struct job cur;
	size_t kl;
	int ret, live, n;

	if (j->dedupe_key == NULL || edit_dedupe_blocks(old->status) ||
	    !edit_dedupe_blocks(j->status) ||
	    j->created_at + STORE_DEDUPE_WINDOW_MS <= j->updated_at)
		return 0;
	kl = key_acct_str(k, sizeof(k), j->account, j->dedupe_key);
	ret = store_row_get(st, txn, DBI_DEDUPE, k, kl, j->updated_at, ids, &n, NULL);
	if (ret < 0)
		return ret;
	if (ret == 1 && strcmp(ids[0], j->id) == 0)
		return 0;
	if (ret == 1) {
		ret = store_job_read(st, txn, ids[0], 0, &cur);
		if (ret != 0 && ret != DB_NOTFOUND)
			return ret;
		live = ret == 0 && edit_dedupe_blocks(cur.status);
		if (ret == 0)
			job_free(&cur);
		if (live)
			return 0;
	}
	return store_row_put(st, txn, DBI_DEDUPE, k, kl, j, 1, NULL);
}

int
store_job_change(struct store *st, DB_TXN *txn, const struct job *old,
    struct job *j, struct job *copy)
{
	int ret;

	if ((ret = edit_dedupe_reclaim(st, txn, old, j)) != 0)
		return ret;
	return store_job_rewrite(st, txn, old, j, copy);
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
	if (a->out != NULL)
		job_free(a->out);
	ret = store_job_change(st, txn, &old, &j, a->out);
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

#define LIST_PROBE	16	/* ids read at a time past a full page */

struct list_arg {
	const struct store_list_query	*q;
	struct job			*jobs;
	int				*n, *more;
	int64_t				*total;
	int64_t				 skip;	/* matches still to pass over */
};

static int
list_skip(struct list_arg *a)
{
	if (a->skip <= 0)
		return 0;
	a->skip--;
	return 1;
}

/*
 * Read the jobs of one index page into the list.  A job that does not have
 * the status asked for is left out: running jobs are listed as pending
 * (store_job_listed), and the page was read with read-committed isolation,
 * so a job may have changed since (claimed, finished, removed by
 * retention).  a->skip passes over that many matches first (an offset in
 * a listing that holds jobs it leaves out).
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
		if ((a->q->status >= 0 && (int)j->status != a->q->status) ||
		    list_skip(a)) {
			job_free(j);
			job_init(j);
			continue;
		}
		(*a->n)++;
	}
	return 0;
}

/* --- running jobs, from the leases ------------------------------------------- */

struct listed {
	int64_t	created;
	char	id[ID_JOB_LEN + 1];
};

/* The order of a listing index: newest first, then by id. */
static int
listed_cmp(const void *a, const void *b)
{
	const struct listed *x = a, *y = b;

	if (x->created != y->created)
		return x->created > y->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int
list_matches(const struct store_list_query *q, const struct job *j)
{
	return j->account == q->account && (int)j->status == q->status &&
	    (q->queue == NULL || strcmp(j->queue, q->queue) == 0) &&
	    (q->schedule_id == NULL || (j->schedule_id != NULL &&
	    strcmp(j->schedule_id, q->schedule_id) == 0));
}

/* Every job holding a lease (all accounts'), ids only; *n of them. */
static int
list_leased(struct store *st, DB_TXN *txn, struct listed **out, size_t *n)
{
	unsigned char kbuf[KEY_MAX];
	struct listed *all = NULL, *p;
	size_t cap = 0;
	DBC *c = NULL;
	DBT k, d;
	int ret;

	*n = 0;
	if ((ret = store_range(st, txn, DBI_LEASES, NULL, 0, kbuf, sizeof(kbuf), &c,
	    &k, &d, 1)) != 0)
		return ret;
	for (ret = store_cursor_get(c, &k, &d, DB_FIRST); ret == 0;
	    ret = store_cursor_get(c, &k, &d, DB_NEXT)) {
		if (k.size != 8 + ID_JOB_LEN)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			if ((p = reallocarray(all, cap, sizeof(*all))) == NULL) {
				ret = STORE_RET(DQ_ERR_NOMEM);
				break;
			}
			all = p;
		}
		memcpy(all[*n].id, kbuf + 8, ID_JOB_LEN);
		all[(*n)++].id[ID_JOB_LEN] = '\0';
	}
	c->close(c);
	*out = all;
	return ret == DB_NOTFOUND ? 0 : ret;
}

/*
 * Running jobs are not in the listing index under their own status: they
 * are read from the leases (every running job holds one; there are at
 * most what the dispatcher runs at once, and the leases it lost), kept if
 * they match, and put in the index's order for the cursor and offset.
 */
static int
list_running(struct store *st, DB_TXN *txn, struct list_arg *a)
{
	const struct store_list_query *q = a->q;
	struct listed *all = NULL, at;
	size_t n, m = 0, i;
	struct job j;
	int ret;

	*a->more = 0;
	if ((ret = list_leased(st, txn, &all, &n)) != 0)
		goto done;
	for (i = 0; i < n; i++) {
		if ((ret = store_job_read(st, txn, all[i].id, 0, &j)) == DB_NOTFOUND)
			continue;
		if (ret != 0)
			goto done;
		if (list_matches(q, &j)) {
			all[m] = all[i];
			all[m++].created = j.created_at;
		}
		job_free(&j);
	}
	if (m > 1)		/* all is NULL when nothing runs */
		qsort(all, m, sizeof(*all), listed_cmp);
	at.created = q->after_created;
	memcpy(at.id, q->after_id, sizeof(at.id));
	for (i = 0, ret = 0; i < m && ret == 0; i++) {
		if ((q->has_after && listed_cmp(&all[i], &at) <= 0) || list_skip(a))
			continue;
		if (*a->n == q->limit) {
			*a->more = 1;
			break;
		}
		ret = store_job_read(st, txn, all[i].id, 0, &a->jobs[*a->n]);
		if (ret == 0 && !list_matches(q, &a->jobs[*a->n])) {
			job_free(&a->jobs[*a->n]);	/* finished since: read-committed */
			job_init(&a->jobs[*a->n]);
		} else if (ret == 0)
			(*a->n)++;
		else if (ret == DB_NOTFOUND)
			ret = 0;
	}
done:
	free(all);
	return ret;
}

/*
 * Whether a pending job follows a full page of them: the entries after it
 * may all be running jobs (listed as pending), at most what runs at once.
 */
static int
list_more_pending(struct store *st, DB_TXN *txn, const unsigned char *dim,
    size_t dl, struct list_arg *a)
{
	struct store_list_query page = *a->q;
	const struct job *last = &a->jobs[*a->n - 1];
	char ids[LIST_PROBE][ID_JOB_LEN + 1];
	int64_t created[LIST_PROBE];
	int found, more = 1, i, ret;
	struct job j;

	page.limit = LIST_PROBE;
	page.offset = 0;
	page.has_after = 1;
	page.after_created = last->created_at;
	memcpy(page.after_id, last->id, sizeof(page.after_id));
	while (more) {
		if ((ret = store_idx_page(st, txn, dim, dl, &page, ids, created,
		    &found, &more)) != 0)
			return ret;
		for (i = 0; i < found; i++) {
			if ((ret = store_job_read(st, txn, ids[i], 0, &j)) == DB_NOTFOUND)
				continue;
			if (ret != 0)
				return ret;
			ret = j.status == JOB_PENDING;
			job_free(&j);
			if (ret) {
				*a->more = 1;
				return 0;
			}
		}
		if (found > 0) {
			page.after_created = created[found - 1];
			memcpy(page.after_id, ids[found - 1], sizeof(page.after_id));
		}
	}
	*a->more = 0;
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
	    store_job_listed(q->status));
	if ((ret = store_dim_total(st, txn, q->account, mask, q->queue,
	    q->schedule_id, q->status, a->total)) != 0)
		return ret;
	a->skip = 0;
	if (q->status == JOB_ACTIVE) {
		a->skip = q->offset;
		return list_running(st, txn, a);
	}
	if (q->status == JOB_PENDING) {	/* running jobs are listed there too */
		a->skip = q->offset;
		page.offset = 0;
	}
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
	if (q->status == JOB_PENDING && *a->more && *a->n > 0)
		return list_more_pending(st, txn, dim, dl, a);
	return 0;
}

enum dq_err
store_jobs_list(struct store *st, const struct store_list_query *q,
    struct job *jobs, int *n, int *more, int64_t *total)
{
	struct list_arg a = { q, jobs, n, more, total, 0 };
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
