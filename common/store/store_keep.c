/*
 * Housekeeping transactions: removing expired dedupe and idempotency rows,
 * removing finished jobs past retention (through the finished index, by
 * finish time), writing cache pages out and checkpointing.  (Pruning old
 * activity is a sweep too, store_stats.c's, which owns those records.)  The
 * dispatcher's housekeeper process runs them, never its delivery loop.
 *
 * A sweep is many short transactions rather than one long one: every write
 * holds the store's writer lock (store.c), so a sweep stops after a few
 * milliseconds, commits what it did, and the caller starts the next one
 * once the creates and deliveries waiting behind it have had their turn.
 */
#include "config.h"

#include <string.h>

#include "dqtime.h"
#include "log.h"
#include "num.h"
#include "store_int.h"

#define SWEEP_MAX	256

/* Has this transaction used its time?  Then what is left is for the next. */
static int
keep_spent(struct store_sweep *sw, int64_t t0)
{
	if (dqtime_mono_us() - t0 < sw->budget_us)
		return 0;
	sw->more = 1;
	return 1;
}

/* --- dedupe and idempotency rows ------------------------------------------------- */

static int
expire_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct store_sweep *sw = arg;
	unsigned char kbuf[KEY_MAX + 16];
	int64_t t0 = dqtime_mono_us();
	DBC *c = NULL;
	DBT k, d;
	int ret;

	sw->done = sw->more = 0;
	if ((ret = store_range(st, txn, DBI_EXPIRY, NULL, 0, kbuf, sizeof(kbuf), &c,
	    &k, &d, 1)) != 0)
		return ret;
	while ((ret = store_cursor_get(c, &k, &d, DB_NEXT)) == 0) {
		if (k.size < 9 || (int64_t)num_be64_get(kbuf) > sw->before)
			break;
		if (sw->done == sw->max || keep_spent(sw, t0)) {
			sw->more = 1;
			break;
		}
		if ((ret = store_row_expire(st, txn, kbuf, k.size, sw->before)) != 0 ||
		    (ret = c->del(c, 0)) != 0)
			break;
		sw->done++;
	}
	c->close(c);
	return ret == DB_NOTFOUND ? 0 : ret;
}

enum dq_err
store_expire_keys(struct store *st, struct store_sweep *sw)
{
	return store_txn(st, 0, expire_txn, sw);
}

/* --- retention ------------------------------------------------------------------ */

struct due_key {
	int64_t	 t;
	char	 id[ID_JOB_LEN + 1];
};

/* Up to max entries of the finished index with t < before, oldest first. */
static int
retain_scan(struct store *st, DB_TXN *txn, int64_t before, struct due_key *out,
    int max, int *n)
{
	unsigned char kbuf[KEY_MAX];
	DBC *c = NULL;
	DBT k, d;
	int ret;

	*n = 0;
	if ((ret = store_range(st, txn, DBI_FINISHED, NULL, 0, kbuf, sizeof(kbuf), &c,
	    &k, &d, 1)) != 0)
		return ret;
	while (*n < max && (ret = store_cursor_get(c, &k, &d, DB_NEXT)) == 0) {
		if (k.size != 8 + ID_JOB_LEN)
			continue;
		out[*n].t = (int64_t)num_be64_get(kbuf);
		if (out[*n].t >= before)
			break;
		memcpy(out[*n].id, kbuf + 8, ID_JOB_LEN);
		out[(*n)++].id[ID_JOB_LEN] = '\0';
	}
	c->close(c);
	return ret == DB_NOTFOUND ? 0 : ret;
}

/*
 * An entry retention must not follow: its job is gone (a damaged store:
 * dqctl verify says more), or still has a callback to make (an entry that
 * dq 0.1.0 wrote; the callback's end writes it again).  Only the entry goes.
 */
static int
retain_drop_entry(struct store *st, DB_TXN *txn, const struct due_key *e, int missing)
{
	unsigned char k[8 + ID_JOB_LEN];

	if (missing)
		log_warnx("store: retention found %s indexed but not stored; "
		    "entry removed (run dqctl verify)", e->id);
	return store_del(st, txn, DBI_FINISHED, k, key_time_id(k, sizeof(k), e->t,
	    e->id, ID_JOB_LEN));
}

static int
retain_one(struct store *st, DB_TXN *txn, const struct due_key *e)
{
	struct job j;
	int ret;

	if ((ret = store_job_read(st, txn, e->id, DB_RMW, &j)) == DB_NOTFOUND)
		return retain_drop_entry(st, txn, e, 1);
	if (ret != 0)
		return ret;
	if (!store_job_removable(&j) || j.finished_at != e->t)
		ret = retain_drop_entry(st, txn, e, 0);
	else
		ret = store_job_drop(st, txn, &j);
	job_free(&j);
	return ret;
}

static int
retain_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct store_sweep *sw = arg;
	struct due_key keys[SWEEP_MAX];
	int64_t t0 = dqtime_mono_us();
	int i, n, ret;

	sw->done = sw->more = 0;
	if ((ret = retain_scan(st, txn, sw->before, keys, sw->max, &n)) != 0)
		return ret;
	sw->more = n == sw->max;
	for (i = 0; i < n; i++) {
		if (i > 0 && keep_spent(sw, t0))
			break;
		if ((ret = retain_one(st, txn, &keys[i])) != 0)
			return ret;
		sw->done++;
	}
	return 0;
}

enum dq_err
store_retain(struct store *st, struct store_sweep *sw)
{
	if (sw->max > SWEEP_MAX)
		sw->max = SWEEP_MAX;
	return store_txn(st, 0, retain_txn, sw);
}

/* --- cache pages ----------------------------------------------------------------- */

enum dq_err
store_checkpoint(struct store *st)
{
	sigset_t shield;
	int ret;

	/* it writes a record: the replication manager may start here too */
	if (st->repl)
		store_repl_shield(st, &shield);
	ret = st->env->txn_checkpoint(st->env, 0, 0, 0);
	if (st->repl)
		store_repl_unshield(st, &shield, ret == 0);
	return ret == 0 ? DQ_OK : DQ_ERR_INTERNAL;
}

enum dq_err
store_trickle(struct store *st, int pct)
{
	int written = 0;

	return st->env->memp_trickle(st->env, pct, &written) == 0 ? DQ_OK :
	    DQ_ERR_INTERNAL;
}
