/*
 * Bringing a store made by an older dq up to date when a process opens it.
 * Each step walks one or two of the indexes of live jobs, a few hundred
 * jobs a transaction, fixes each job, then notes in meta that it is done.
 * Processes that open the store meanwhile may do the same work again: it
 * is the same whichever does it.
 * - the order index (order.db): every waiting or running job must have
 *   its entry there (the due index and the leases name them);
 * - running jobs listed as pending (store_job_listed): a running job's
 *   listing entries under "active" move to "pending" (the leases name
 *   them).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "num.h"
#include "store_int.h"

#define UPGRADE_BATCH	500

struct upgrade_step {
	const char	*mark;		/* in meta, once done */
	const char	*what;		/* for an error message */
	int		 dbis[2];	/* the indexes walked (-1: none) */
	int		(*fix)(struct store *, DB_TXN *, struct job *);
};

static const struct upgrade_step upgrade_steps[] = {
	{ "order_index", "order index", { DBI_DUE, DBI_LEASES }, store_job_order_fix },
	{ "active_listed", "listing of running jobs", { DBI_LEASES, -1 },
	    store_job_list_running },
};

struct upgrade_arg {
	const struct upgrade_step *step;
	int		 dbi;		/* one of step->dbis */
	unsigned char	 from[KEY_MAX];	/* where this batch starts */
	size_t		 fl;
	unsigned char	 next[KEY_MAX];	/* and the next, once this one committed */
	size_t		 nl;
	int		 done;
};

/* The job id at the end of an index key. */
static void
upgrade_id(const DBT *k, char id[ID_JOB_LEN + 1])
{
	memcpy(id, (const unsigned char *)k->data + k->size - ID_JOB_LEN, ID_JOB_LEN);
	id[ID_JOB_LEN] = '\0';
}

static int
upgrade_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct upgrade_arg *a = arg;
	char ids[UPGRADE_BATCH][ID_JOB_LEN + 1];
	unsigned char kbuf[KEY_MAX];
	struct job j;
	int n = 0, i, ret;
	DBC *c = NULL;
	DBT k, d;

	if ((ret = store_range(st, txn, a->dbi, a->from, a->fl, kbuf, sizeof(kbuf), &c,
	    &k, &d, 1)) != 0)
		return ret;
	for (ret = store_cursor_get(c, &k, &d, DB_SET_RANGE); ret == 0 &&
	    n < UPGRADE_BATCH; ret = store_cursor_get(c, &k, &d, DB_NEXT)) {
		if (k.size < ID_JOB_LEN || k.size >= sizeof(kbuf))
			continue;
		upgrade_id(&k, ids[n++]);
		memcpy(a->next, kbuf, k.size);	/* the next batch starts past it */
		a->next[k.size] = 0;
		a->nl = k.size + 1;
	}
	c->close(c);
	if (ret != 0 && ret != DB_NOTFOUND)
		return ret;
	a->done = n < UPGRADE_BATCH;
	for (i = 0; i < n; i++) {
		if ((ret = store_job_read(st, txn, ids[i], DB_RMW, &j)) == DB_NOTFOUND)
			continue;
		if (ret == 0) {
			ret = a->step->fix(st, txn, &j);
			job_free(&j);
		}
		if (ret != 0)
			return ret;
	}
	return 0;
}

static int
upgrade_marked(struct store *st, const char *mark)
{
	DBT d;

	return store_get(st, NULL, DBI_META, mark, strlen(mark), &d, 0) == 0;
}

static int
upgrade_mark_txn(struct store *st, DB_TXN *txn, void *arg)
{
	const struct upgrade_arg *a = arg;
	unsigned char one[8];

	num_be64_put(one, 1);
	return store_put(st, txn, DBI_META, a->step->mark, strlen(a->step->mark),
	    one, 8);
}

static enum dq_err
upgrade_step(struct store *st, const struct upgrade_step *step)
{
	struct upgrade_arg a;
	enum dq_err e = DQ_OK;
	size_t i;

	if (upgrade_marked(st, step->mark))
		return DQ_OK;
	for (i = 0; i < 2 && step->dbis[i] >= 0 && e == DQ_OK; i++) {
		memset(&a, 0, sizeof(a));
		a.step = step;
		a.dbi = step->dbis[i];
		do {
			if ((e = store_txn(st, 0, upgrade_txn, &a)) != DQ_OK)
				break;
			memcpy(a.from, a.next, a.nl);
			a.fl = a.nl;
		} while (!a.done);
	}
	if (e == DQ_OK) {
		a.step = step;
		e = store_txn(st, 0, upgrade_mark_txn, &a);
	}
	return e;
}

int
store_upgrade(struct store *st, char *err, size_t errsz)
{
	enum dq_err e;
	size_t i;

	for (i = 0; i < sizeof(upgrade_steps) / sizeof(upgrade_steps[0]); i++)
		if ((e = upgrade_step(st, &upgrade_steps[i])) != DQ_OK) {
			snprintf(err, errsz, "updating the store's %s: %s",
			    upgrade_steps[i].what, dq_strerror(e));
			return -1;
		}
	return 0;
}
