/*
 * Schedules in the store: the records, their listing entries and counter
 * (dim DIM_SCHEDULES of jobidx/counts), and the due index scheddue holding
 * (next_run_at, id) for every schedule that is not paused.  Firing creates
 * the job and advances the schedule in one transaction.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "store_int.h"

#define FIRE_MAX	64

static int
sched_read(struct store *st, DB_TXN *txn, const char *id, u_int32_t flags,
    struct schedule *out)
{
	DBT d;
	int ret;

	if (strlen(id) != ID_SCHED_LEN)
		return DB_NOTFOUND;
	if ((ret = store_get(st, txn, DBI_SCHEDULES, id, ID_SCHED_LEN, &d, flags)) != 0)
		return ret;
	return sched_decode(d.data, d.size, out) == 0 ? 0 : STORE_RET(DQ_ERR_CORRUPT);
}

/* Write a schedule edited from old (NULL: new; s NULL: deleted) with its
 * listing entry, counter and due entry; copy: a decoded copy if asked. */
static int
sched_write(struct store *st, DB_TXN *txn, const struct schedule *old,
    const struct schedule *s, struct schedule *copy)
{
	const struct schedule *any = s ? s : old;
	unsigned char dim[KEY_MAX], key[KEY_MAX];
	size_t dl, kl, len;
	void *buf = NULL;
	int ret;

	dl = key_dim(dim, sizeof(dim), any->account, DIM_SCHEDULES, NULL, NULL, 0);
	kl = key_idx(key, sizeof(key), dim, dl, any->created_at, any->id,
	    ID_SCHED_LEN);
	if (old == NULL && ((ret = store_put(st, txn, DBI_JOBIDX, key, kl, "", 0)) != 0 ||
	    (ret = store_count_add(st, txn, dim, dl, 1)) != 0))
		return ret;
	if (s == NULL && ((ret = store_del(st, txn, DBI_JOBIDX, key, kl)) != 0 ||
	    (ret = store_count_add(st, txn, dim, dl, -1)) != 0 ||
	    (ret = store_del(st, txn, DBI_SCHEDULES, old->id, ID_SCHED_LEN)) != 0))
		return ret;
	if (old != NULL && old->next_run_at != 0 && (ret = store_del(st, txn,
	    DBI_SCHEDDUE, key, key_time_id(key, sizeof(key), old->next_run_at,
	    old->id, ID_SCHED_LEN))) != 0)
		return ret;
	if (s == NULL)
		return 0;
	if (s->next_run_at != 0 && (ret = store_put(st, txn, DBI_SCHEDDUE, key,
	    key_time_id(key, sizeof(key), s->next_run_at, s->id, ID_SCHED_LEN),
	    "", 0)) != 0)
		return ret;
	if ((buf = sched_encode(s, &len)) == NULL)
		return STORE_RET(DQ_ERR_NOMEM);
	ret = store_put(st, txn, DBI_SCHEDULES, s->id, ID_SCHED_LEN, buf, len);
	if (ret == 0 && copy != NULL && sched_decode(buf, len, copy) == -1)
		ret = STORE_RET(DQ_ERR_NOMEM);
	free(buf);
	return ret;
}

struct sarg {
	uint32_t	 account;
	const char	*id;
	struct schedule	*s;
	store_sched_fn	 fn;
	void		*fnarg;
	struct schedule	*out;
};

/* A new schedule past max_schedules (when set) is refused. */
static int
create_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct sarg *a = arg;
	unsigned char dim[KEY_MAX];
	int64_t n;
	int ret;

	if (st->max_schedules > 0) {
		if ((ret = store_count_get(st, txn, dim, key_dim(dim, sizeof(dim), a->account,
		    DIM_SCHEDULES, NULL, NULL, 0), &n)) != 0)
			return ret;
		if (n >= st->max_schedules)
			return STORE_RET(DQ_ERR_QUOTA);
	}
	return sched_write(st, txn, NULL, a->s, NULL);
}

enum dq_err
store_schedule_create(struct store *st, uint32_t account, struct schedule *s)
{
	struct sarg a = { account, NULL, s, NULL, NULL, NULL };

	s->account = account;
	if (ids_new_sched(s->id) == -1)
		return DQ_ERR_INTERNAL;
	return store_txn(st, 0, create_txn, &a);
}

static int
get_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct sarg *a = arg;
	int ret;

	sched_free(a->out);
	if ((ret = sched_read(st, txn, a->id, 0, a->out)) != 0)
		return ret;
	if (a->out->account != a->account) {
		sched_free(a->out);
		return DB_NOTFOUND;
	}
	return 0;
}

enum dq_err
store_schedule_get(struct store *st, uint32_t account, const char *id,
    struct schedule *out)
{
	struct sarg a = { account, id, NULL, NULL, NULL, out };

	sched_init(out);
	return store_txn(st, STORE_TXN_READ, get_txn, &a);
}

/* Edit (fn set) or delete (fn NULL) one schedule of the account. */
static int
change_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct sarg *a = arg;
	struct schedule s, old;
	enum dq_err e;
	int ret;

	if ((ret = sched_read(st, txn, a->id, DB_RMW, &s)) != 0)
		return ret;
	if (s.account != a->account) {
		sched_free(&s);
		return DB_NOTFOUND;
	}
	old = s;		/* shallow: both borrow s.mem, which fn leaves alone */
	if (a->fn == NULL)
		ret = sched_write(st, txn, &old, NULL, NULL);
	else if ((e = a->fn(&s, a->fnarg)) != DQ_OK)
		ret = STORE_RET(e);
	else {
		if (a->out != NULL)
			sched_free(a->out);
		ret = sched_write(st, txn, &old, &s, a->out);
	}
	sched_free(&s);
	return ret;
}

enum dq_err
store_schedule_edit(struct store *st, uint32_t account, const char *id,
    store_sched_fn fn, void *arg, struct schedule *out)
{
	struct sarg a = { account, id, NULL, fn, arg, out };

	if (out != NULL)
		sched_init(out);
	return store_txn(st, 0, change_txn, &a);
}

enum dq_err
store_schedule_delete(struct store *st, uint32_t account, const char *id)
{
	struct sarg a = { account, id, NULL, NULL, NULL, NULL };

	return store_txn(st, 0, change_txn, &a);
}

struct list_arg {
	const struct store_list_query	*q;
	struct schedule			*out;
	int				*n, *more;
	int64_t				*total;
};

static int
list_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct list_arg *a = arg;
	char ids[STORE_LIST_MAX][ID_JOB_LEN + 1];
	unsigned char dim[KEY_MAX];
	size_t dl;
	int i, found, ret;

	for (i = 0; i < *a->n; i++)
		sched_free(&a->out[i]);
	*a->n = 0;
	dl = key_dim(dim, sizeof(dim), a->q->account, DIM_SCHEDULES, NULL, NULL, 0);
	if ((ret = store_count_get(st, txn, dim, dl, a->total)) != 0 ||
	    (ret = store_idx_page(st, txn, dim, dl, a->q, ids, NULL, &found, a->more)) != 0)
		return ret;
	for (i = 0; i < found; i++) {
		if ((ret = sched_read(st, txn, ids[i], 0, &a->out[i])) != 0)
			return ret;
		(*a->n)++;
	}
	return 0;
}

enum dq_err
store_schedules_list(struct store *st, const struct store_list_query *q,
    struct schedule *out, int *n, int *more, int64_t *total)
{
	struct list_arg a = { q, out, n, more, total };
	enum dq_err e;

	*n = 0;
	if (q->limit > STORE_LIST_MAX)
		return DQ_ERR_INVALID;
	if ((e = store_txn(st, STORE_TXN_READ, list_txn, &a)) != DQ_OK) {
		while (*n > 0)
			sched_free(&out[--*n]);
	}
	return e;
}

/* --- firing ---------------------------------------------------------------------- */

struct fire_arg {
	int64_t			 sched_now, now;
	int			 max;
	struct store_fired	*out;
	int			*n;
	int64_t			*next_due;
};

/*
 * A schedule of a disabled account does not fire: its due entry is dropped
 * (its next_run_at stays as it was), so the firing loop does not meet it
 * again; enabling the account puts it back (store_schedules_reindex), and
 * then it fires once for the window it missed.  1: held; 0: go on.
 */
static int
sched_held(struct store *st, DB_TXN *txn, const struct schedule *s)
{
	unsigned char key[KEY_MAX];
	int disabled, ret;

	if ((ret = store_account_is_disabled(st, txn, s->account, &disabled)) != 0)
		return ret;
	if (!disabled)
		return 0;
	if ((ret = store_del(st, txn, DBI_SCHEDDUE, key, key_time_id(key, sizeof(key),
	    s->next_run_at, s->id, ID_SCHED_LEN))) != 0)
		return ret;
	return 1;
}

static int
fire_one(struct store *st, DB_TXN *txn, struct fire_arg *a, const char *id)
{
	struct schedule s, old;
	struct job j;
	int ret;

	if ((ret = sched_read(st, txn, id, DB_RMW, &s)) != 0)
		return ret == DB_NOTFOUND ? 0 : ret;
	if (s.paused || s.next_run_at == 0 || s.next_run_at > a->sched_now) {
		sched_free(&s);
		return 0;
	}
	if ((ret = sched_held(st, txn, &s)) != 0) {
		sched_free(&s);
		return ret < 0 ? ret : 0;
	}
	old = s;
	sched_job(&s, a->now, &j);
	if (ids_new_job(j.id) == -1) {
		sched_free(&s);
		return STORE_RET(DQ_ERR_INTERNAL);
	}
	if ((ret = store_job_insert(st, txn, &j)) == 0 &&
	    (ret = store_job_apply(st, txn, NULL, &j)) == 0) {
		s.last_run_at = s.next_run_at;
		memcpy(s.last_job_id, j.id, sizeof(s.last_job_id));
		s.next_run_at = sched_next(&s, a->sched_now);
		if (s.next_run_at < 0)
			s.next_run_at = 0;	/* never again: stays, fires no more */
		s.updated_at = a->now;
		ret = sched_write(st, txn, &old, &s, NULL);
	}
	if (ret == 0) {
		a->out[*a->n].account = j.account;
		snprintf(a->out[*a->n].queue, sizeof(a->out[0].queue), "%s", j.queue);
		a->out[*a->n].status = j.status;
		a->out[(*a->n)++].due = j.due_at;
	}
	sched_free(&s);
	return ret;
}

static int
fire_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct fire_arg *a = arg;
	char ids[FIRE_MAX][ID_JOB_LEN + 1];
	int i, found, ret;

	*a->n = 0;
	if ((ret = store_scan_due(st, txn, DBI_SCHEDDUE, NULL, 0, a->sched_now,
	    a->max, ids, &found, a->next_due)) != 0)
		return ret;
	for (i = 0; i < found; i++)
		if ((ret = fire_one(st, txn, a, ids[i])) != 0)
			return ret;
	/* The firings moved their schedules: look again for the earliest. */
	return store_scan_due(st, txn, DBI_SCHEDDUE, NULL, 0, -1, 0, ids, &found,
	    a->next_due);
}

enum dq_err
store_schedules_fire(struct store *st, int64_t sched_now, int64_t now, int max,
    struct store_fired *out, int *n, int64_t *next_due)
{
	struct fire_arg a = { sched_now, now, max > FIRE_MAX ? FIRE_MAX : max, out,
	    n, next_due };

	return store_txn(st, 0, fire_txn, &a);
}

/* --- enabling an account again ------------------------------------------------ */

#define REINDEX_BATCH	STORE_LIST_MAX

struct reindex_arg {
	struct store_list_query	 q;
	int			 more;
	int64_t			 last_created;	/* the batch's last schedule */
	char			 last_id[ID_SCHED_LEN + 1];
};

static int
reindex_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct reindex_arg *a = arg;
	char ids[REINDEX_BATCH][ID_JOB_LEN + 1];
	unsigned char dim[KEY_MAX], key[KEY_MAX];
	struct schedule s;
	size_t dl;
	int i, found, ret;

	dl = key_dim(dim, sizeof(dim), a->q.account, DIM_SCHEDULES, NULL, NULL, 0);
	if ((ret = store_idx_page(st, txn, dim, dl, &a->q, ids, NULL, &found,
	    &a->more)) != 0)
		return ret;
	for (i = 0; i < found && ret == 0; i++) {
		if ((ret = sched_read(st, txn, ids[i], 0, &s)) != 0)
			return ret == DB_NOTFOUND ? 0 : ret;
		if (!s.paused && s.next_run_at != 0)
			ret = store_put(st, txn, DBI_SCHEDDUE, key, key_time_id(key, sizeof(key),
			    s.next_run_at, s.id, ID_SCHED_LEN), "", 0);
		a->last_created = s.created_at;
		memcpy(a->last_id, s.id, ID_SCHED_LEN + 1);
		sched_free(&s);
	}
	return ret;
}

enum dq_err
store_schedules_reindex(struct store *st, uint32_t account)
{
	struct reindex_arg a;
	enum dq_err e;

	memset(&a, 0, sizeof(a));
	a.q.account = account;
	a.q.limit = REINDEX_BATCH;
	do {
		if ((e = store_txn(st, 0, reindex_txn, &a)) != DQ_OK)
			return e;
		/* the next batch starts after this one, once it is committed */
		a.q.has_after = 1;
		a.q.after_created = a.last_created;
		memcpy(a.q.after_id, a.last_id, sizeof(a.last_id));
	} while (a.more);
	return DQ_OK;
}
