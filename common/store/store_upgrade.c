/*
 * Bringing a store made by an older dq up to date when a process opens it.
 * dq 0.2 added the order index (order.db): every waiting or running job
 * must have its entry there, so the first process to open an older store
 * walks the due index and the leases and gives each job its place, a few
 * hundred a transaction, then notes in meta that it is done.  Processes
 * that open the store meanwhile may do the same work again: it is the same
 * whichever does it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "num.h"
#include "store_int.h"

#define UPGRADE_BATCH	500
#define UPGRADE_MARK	"order_index"

struct upgrade_arg {
	int		 dbi;		/* due or leases */
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
			ret = store_job_order_fix(st, txn, &j);
			job_free(&j);
		}
		if (ret != 0)
			return ret;
	}
	return 0;
}

static int
upgrade_marked(struct store *st)
{
	DBT d;

	return store_get(st, NULL, DBI_META, UPGRADE_MARK, strlen(UPGRADE_MARK),
	    &d, 0) == 0;
}

static int
upgrade_mark_txn(struct store *st, DB_TXN *txn, void *arg)
{
	unsigned char one[8];

	num_be64_put(one, 1);
	return store_put(st, txn, DBI_META, UPGRADE_MARK, strlen(UPGRADE_MARK),
	    one, 8);
}

int
store_upgrade(struct store *st, char *err, size_t errsz)
{
	static const int dbis[] = { DBI_DUE, DBI_LEASES };
	struct upgrade_arg a;
	enum dq_err e = DQ_OK;
	size_t i;

	if (upgrade_marked(st))
		return 0;
	for (i = 0; i < sizeof(dbis) / sizeof(dbis[0]) && e == DQ_OK; i++) {
		memset(&a, 0, sizeof(a));
		a.dbi = dbis[i];
		do {
			if ((e = store_txn(st, 0, upgrade_txn, &a)) != DQ_OK)
				break;
			memcpy(a.from, a.next, a.nl);
			a.fl = a.nl;
		} while (!a.done);
	}
	if (e == DQ_OK)
		e = store_txn(st, 0, upgrade_mark_txn, NULL);
	if (e != DQ_OK)
		snprintf(err, errsz, "updating the store's order index: %s",
		    dq_strerror(e));
	return e == DQ_OK ? 0 : -1;
}
