/*
 * Creating jobs: each item of a create is one job, or a topic's fan-out
 * (one job per endpoint), checked against its Idempotency-Key, then its
 * dedupe_key, then the account's limits, and inserted, all in the one
 * transaction of the whole create.  The keys cover a fan-out as a whole:
 * their row names all of its jobs (store_rows.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "store_int.h"

struct create_arg {
	uint32_t		 account;
	struct store_create	*items;
	size_t			 n;
};

static size_t
create_njobs(const struct store_create *it)
{
	return it->njobs > 0 ? it->njobs : 1;
}

static int
create_dedupe_blocks(enum job_status s)
{
	return s != JOB_FAILED && s != JOB_CANCELLED;
}

/*
 * The jobs a row names that still exist, into it->existing (the first) and
 * it->more (the others of a fan-out, when the item is one).  live: only
 * when one of them blocks a dedupe_key.  1 when there are any (a match).
 */
static int
create_load(struct store *st, DB_TXN *txn, struct store_create *it,
    char (*ids)[ID_JOB_LEN + 1], int n, int live)
{
	struct job *js;
	int i, got = 0, blocks = 0, ret = 0;

	if ((js = calloc((size_t)n, sizeof(*js))) == NULL)
		return STORE_RET(DQ_ERR_NOMEM);
	for (i = 0; i < n && ret == 0 && (got == 0 || it->fanout); i++) {
		if ((ret = store_job_read(st, txn, ids[i], 0, &js[got])) == DB_NOTFOUND) {
			ret = 0;	/* removed (deleted, retention) */
			continue;
		}
		if (ret == 0)
			blocks |= create_dedupe_blocks(js[got++].status);
	}
	if (ret != 0 || got == 0 || (live && !blocks)) {
		while (got > 0)
			job_free(&js[--got]);
		free(js);
		return ret;
	}
	it->existing = js[0];
	if (got == 1) {		/* one job: nothing more to keep */
		free(js);
		js = NULL;
	} else
		memmove(js, js + 1, (size_t)(got - 1) * sizeof(*js));
	it->more = js;
	it->nmore = (size_t)got - 1;
	it->result = STORE_DEDUPLICATED;
	return 1;
}

/* Idempotency first: 1 when the item was answered from it. */
static int
create_check_idem(struct store *st, DB_TXN *txn, uint32_t account,
    struct store_create *it)
{
	unsigned char k[KEY_MAX], hash[CRYPTO_SHA256_LEN];
	char ids[STORE_FANOUT_MAX][ID_JOB_LEN + 1];
	size_t kl;
	int n, ret;

	if (it->idem_hash == NULL || it->job->idempotency_key == NULL)
		return 0;
	kl = key_acct_str(k, sizeof(k), account, it->job->idempotency_key);
	memset(hash, 0, sizeof(hash));
	ret = store_row_get(st, txn, DBI_IDEM, k, kl, it->job->created_at, ids, &n,
	    hash);
	if (ret != 1)
		return ret;
	if (memcmp(hash, it->idem_hash, CRYPTO_SHA256_LEN) != 0) {
		it->result = STORE_IDEM_REUSED;
		return 1;
	}
	return create_load(st, txn, it, ids, n, 0);
}

static int
create_check_dedupe(struct store *st, DB_TXN *txn, uint32_t account,
    struct store_create *it)
{
	unsigned char k[KEY_MAX];
	char ids[STORE_FANOUT_MAX][ID_JOB_LEN + 1];
	size_t kl;
	int n, ret;

	if (it->job->dedupe_key == NULL)
		return 0;
	kl = key_acct_str(k, sizeof(k), account, it->job->dedupe_key);
	ret = store_row_get(st, txn, DBI_DEDUPE, k, kl, it->job->created_at, ids, &n,
	    NULL);
	if (ret != 1)
		return ret;
	return create_load(st, txn, it, ids, n, 1);
}

/* Past one of the account's limits the item is refused (1), nothing written;
 * else its queue has a record (0). */
static int
create_over_quota(struct store *st, DB_TXN *txn, uint32_t account,
    struct store_create *it)
{
	int ret;

	if ((ret = store_jobs_over_quota(st, txn, account,
	    (int64_t)create_njobs(it))) == 1)
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
	size_t i, n = create_njobs(it);
	struct job *j;
	unsigned char k[KEY_MAX];
	int ret;

	if ((ret = create_over_quota(st, txn, account, it)) != 0)
		return ret == 1 ? 0 : ret;
	for (i = 0; i < n; i++) {
		j = &it->job[i];
		j->account = account;
		if (j->id[0] == '\0' && ids_new_job(j->id) == -1)
			return STORE_RET(DQ_ERR_INTERNAL);
		if ((ret = store_job_insert(st, txn, j)) != 0 ||
		    (ret = store_job_apply(st, txn, NULL, j)) != 0)
			return ret;
	}
	j = it->job;
	if (it->idem_hash != NULL && j->idempotency_key != NULL &&
	    (ret = store_row_put(st, txn, DBI_IDEM, k, key_acct_str(k, sizeof(k),
	    account, j->idempotency_key), it->job, n, it->idem_hash)) != 0)
		return ret;
	if (j->dedupe_key != NULL &&
	    (ret = store_row_put(st, txn, DBI_DEDUPE, k, key_acct_str(k, sizeof(k),
	    account, j->dedupe_key), it->job, n, NULL)) != 0)
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
		store_create_free(&a->items[i]);
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

	for (i = 0; i < n; i++) {
		if (create_njobs(&items[i]) > STORE_FANOUT_MAX)
			return DQ_ERR_INVALID;
		memset(&items[i].existing, 0, sizeof(items[i].existing));
		items[i].more = NULL;
		items[i].nmore = 0;
	}
	return store_txn(st, 0, create_txn, &a);
}

void
store_create_free(struct store_create *it)
{
	size_t i;

	job_free(&it->existing);
	for (i = 0; i < it->nmore; i++)
		job_free(&it->more[i]);
	free(it->more);
	it->more = NULL;
	it->nmore = 0;
}

/* Stored jobs of the account, from its counters by status (no scan). */
int
store_jobs_over_quota(struct store *st, DB_TXN *txn, uint32_t account, int64_t more)
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
	return total + more > st->max_jobs;
}
