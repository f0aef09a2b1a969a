/*
 * Deleting a job: it goes with everything it left in the store, in one
 * transaction: its record, its index entries and counts, its attempts, and
 * its place in the rows of its dedupe_key and Idempotency-Key (a later
 * create with those keys makes a new job).  Only a finished job can be
 * deleted: a waiting or running one is cancelled first.  Retention
 * (store_keep.c) removes a job the same way but for those rows, which
 * expire on their own.
 */
#include "config.h"

#include "store_int.h"

int
store_job_drop(struct store *st, DB_TXN *txn, const struct job *j)
{
	int ret;

	if ((ret = store_job_apply(st, txn, j, NULL)) != 0 ||
	    (ret = store_attempts_delete(st, txn, j->id)) != 0)
		return ret;
	return store_job_remove(st, txn, j);
}

int
store_job_purge(struct store *st, DB_TXN *txn, const struct job *j)
{
	int ret;

	if ((ret = store_rows_forget(st, txn, j)) != 0)
		return ret;
	return store_job_drop(st, txn, j);
}

struct del_arg {
	uint32_t	 account;
	const char	*id;
};

static int
del_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct del_arg *a = arg;
	struct job j;
	int ret;

	if ((ret = store_job_read(st, txn, a->id, DB_RMW, &j)) != 0)
		return ret;
	if (a->account != 0 && j.account != a->account)
		ret = DB_NOTFOUND;
	else if (!job_is_terminal(j.status))
		ret = STORE_RET(DQ_ERR_STATE);
	else
		ret = store_job_purge(st, txn, &j);
	job_free(&j);
	return ret;
}

enum dq_err
store_job_delete(struct store *st, uint32_t account, const char *id)
{
	struct del_arg a = { account, id };

	return store_txn(st, 0, del_txn, &a);
}
