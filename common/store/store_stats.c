/*
 * Activity: per account and per queue, minute by minute, how many jobs were
 * created, delivered, how many attempts failed and how many jobs failed,
 * and how late attempts started (a histogram, for the 99th percentile).
 * What a job's change counts is gathered during its transaction
 * (store_stats_job) and written just before the commit, one record per
 * series and minute touched (store_stats_flush), so the counts are exactly
 * the committed changes.
 *
 * Bounded: minutes older than STORE_STATS_KEEP_MS are pruned; an account
 * has one series of its own and, in any one minute, at most
 * max_stats_queues_per_account queue series (the first queues active in
 * that minute): activity of further queues counts in the account's series
 * only.  However many queues an account uses, it keeps at most
 * (1 + max_stats_queues_per_account) records a minute for 7 days.
 *
 * Record, version 1: u8 version | u32 created | u32 delivered |
 * u32 failed_attempts | u32 failed_jobs | u32 queue series this minute
 * (the account's record; 0 in a queue's) | u8 n | n x (u8 bucket | u32 count).
 * Key: u32 account | u8 kind (0 the account, 1 a queue) | queue NUL |
 * u32 minute since the epoch.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dqtime.h"
#include "num.h"
#include "rec.h"
#include "store_int.h"

#define STATS_REC_VERSION	1
#define STATS_DELTAS		32
#define STATS_KEY_MAX		(4 + 1 + JOB_QUEUE_MAX + 1 + 4)
/* a sweep's cursor holds a key and the byte that steps past it */
_Static_assert(sizeof(((struct store_sweep *)0)->from) > STATS_KEY_MAX,
    "store_sweep.from too small for an activity key");

enum { ST_CREATED, ST_DELIVERED, ST_FAILED_ATTEMPTS, ST_FAILED_JOBS, ST_NCOUNT };

struct stats_delta {
	unsigned char	key[STATS_KEY_MAX];
	size_t		len;
	uint32_t	c[ST_NCOUNT];
	uint32_t	hist[STORE_STATS_BUCKETS];
};

/* What one record holds. */
struct stats_rec {
	uint32_t	c[ST_NCOUNT];
	uint32_t	nqueues;
	uint32_t	hist[STORE_STATS_BUCKETS];
};

/* --- lateness buckets: bucket b > 0 holds (2^((b-1)/4), 2^(b/4)] ms -------- */

int
store_stats_bucket(int64_t ms)
{
	int b;

	if (ms <= 1)
		return 0;
	b = (int)ceil(4.0 * log2((double)ms));
	return b < STORE_STATS_BUCKETS ? b : STORE_STATS_BUCKETS - 1;
}

/* The 99th percentile of a histogram, as its bucket's upper bound (ms);
 * -1 when it is empty. */
int64_t
store_stats_p99(const uint32_t hist[STORE_STATS_BUCKETS])
{
	uint64_t total = 0, seen = 0, rank;
	int b;

	for (b = 0; b < STORE_STATS_BUCKETS; b++)
		total += hist[b];
	if (total == 0)
		return -1;
	rank = total - total / 100;	/* the first bucket past 99 % */
	for (b = 0; b < STORE_STATS_BUCKETS; b++) {
		seen += hist[b];
		if (seen >= rank)
			break;
	}
	if (b >= STORE_STATS_BUCKETS)
		b = STORE_STATS_BUCKETS - 1;
	return b == 0 ? 1 : (int64_t)llround(exp2((double)b / 4.0));
}

/* --- keys and records -------------------------------------------------------- */

static size_t
stats_key(unsigned char *k, size_t cap, uint32_t account, const char *queue,
    uint32_t minute)
{
	size_t n = queue ? strnlen(queue, JOB_QUEUE_MAX + 1) : 0;

	if (n > JOB_QUEUE_MAX || cap < 4 + 1 + n + 1 + 4)
		return 0;
	num_be32_put(k, account);
	k[4] = queue ? 1 : 0;
	memcpy(k + 5, queue ? queue : "", n);
	k[5 + n] = '\0';
	num_be32_put(k + 6 + n, minute);
	return 10 + n;
}

static int
stats_decode(const DBT *d, struct stats_rec *r)
{
	struct rec_r rr;
	unsigned i, n, b;

	memset(r, 0, sizeof(*r));
	rec_r_init(&rr, d->data, d->size);
	if (rec_get_u8(&rr) != STATS_REC_VERSION)
		return STORE_RET(DQ_ERR_CORRUPT);
	for (i = 0; i < ST_NCOUNT; i++)
		r->c[i] = rec_get_u32(&rr);
	r->nqueues = rec_get_u32(&rr);
	n = rec_get_u8(&rr);
	for (i = 0; i < n; i++) {
		b = rec_get_u8(&rr);
		if (b >= STORE_STATS_BUCKETS)
			return STORE_RET(DQ_ERR_CORRUPT);
		r->hist[b] = rec_get_u32(&rr);
	}
	return rec_r_done(&rr) == 0 ? 0 : STORE_RET(DQ_ERR_CORRUPT);
}

static int
stats_write(struct store *st, DB_TXN *txn, const unsigned char *k, size_t kl,
    const struct stats_rec *r)
{
	struct rec_w w;
	unsigned i, n = 0;
	void *buf;
	size_t len;
	int ret;

	for (i = 0; i < STORE_STATS_BUCKETS; i++)
		n += r->hist[i] != 0;
	rec_w_init(&w);
	rec_u8(&w, STATS_REC_VERSION);
	for (i = 0; i < ST_NCOUNT; i++)
		rec_u32(&w, r->c[i]);
	rec_u32(&w, r->nqueues);
	rec_u8(&w, n);
	for (i = 0; i < STORE_STATS_BUCKETS; i++) {
		if (r->hist[i] == 0)
			continue;
		rec_u8(&w, i);
		rec_u32(&w, r->hist[i]);
	}
	if ((buf = rec_w_finish(&w, &len)) == NULL)
		return STORE_RET(DQ_ERR_NOMEM);
	ret = store_put(st, txn, DBI_STATS, k, kl, buf, len);
	free(buf);
	return ret;
}

/* A record, or an empty one (*exists 0). */
static int
stats_read(struct store *st, DB_TXN *txn, const unsigned char *k, size_t kl,
    struct stats_rec *r, int *exists)
{
	DBT d;
	int ret;

	ret = store_get(st, txn, DBI_STATS, k, kl, &d, DB_RMW);
	*exists = ret == 0;
	if (ret == DB_NOTFOUND) {
		memset(r, 0, sizeof(*r));
		return 0;
	}
	return ret != 0 ? ret : stats_decode(&d, r);
}

static void
stats_add(struct stats_rec *r, const struct stats_delta *dl)
{
	int i;

	for (i = 0; i < ST_NCOUNT; i++)
		r->c[i] += dl->c[i];
	for (i = 0; i < STORE_STATS_BUCKETS; i++)
		r->hist[i] += dl->hist[i];
}

/* --- writing ----------------------------------------------------------------- */

/* A queue's delta goes to its own record only while the account's record
 * of that minute counts fewer queue series than the limit. */
static int
stats_write_queue(struct store *st, DB_TXN *txn, const struct stats_delta *dl)
{
	unsigned char ak[STATS_KEY_MAX];
	struct stats_rec r, acct;
	size_t al;
	int exists, aexists, ret;

	if ((ret = stats_read(st, txn, dl->key, dl->len, &r, &exists)) != 0)
		return ret;
	if (!exists) {
		al = stats_key(ak, sizeof(ak), num_be32_get(dl->key), NULL,
		    num_be32_get(dl->key + dl->len - 4));
		if ((ret = stats_read(st, txn, ak, al, &acct, &aexists)) != 0)
			return ret;
		if (acct.nqueues >= st->max_stats_queues)
			return 0;	/* counted in the account's series only */
		acct.nqueues++;
		if ((ret = stats_write(st, txn, ak, al, &acct)) != 0)
			return ret;
	}
	stats_add(&r, dl);
	return stats_write(st, txn, dl->key, dl->len, &r);
}

static int
stats_write_one(struct store *st, DB_TXN *txn, const struct stats_delta *dl)
{
	struct stats_rec r;
	int exists, ret;

	if (dl->key[4] == 1)
		return stats_write_queue(st, txn, dl);
	if ((ret = stats_read(st, txn, dl->key, dl->len, &r, &exists)) != 0)
		return ret;
	stats_add(&r, dl);
	return stats_write(st, txn, dl->key, dl->len, &r);
}

static int
stats_delta_cmp(const void *a, const void *b)
{
	const struct stats_delta *x = a, *y = b;

	return store_key_cmp(x->key, x->len, y->key, y->len);
}

/* In key order: an account's record of a minute before its queues'. */
int
store_stats_flush(struct store *st, DB_TXN *txn)
{
	int i, ret;

	if (st->nsdeltas == 0)
		return 0;
	qsort(st->sdeltas, (size_t)st->nsdeltas, sizeof(st->sdeltas[0]),
	    stats_delta_cmp);
	for (i = 0; i < st->nsdeltas; i++)
		if ((ret = stats_write_one(st, txn, &st->sdeltas[i])) != 0)
			return ret;
	st->nsdeltas = 0;
	return 0;
}

/* This transaction's delta of one series and minute; NULL: out of memory. */
static struct stats_delta *
stats_delta(struct store *st, DB_TXN *txn, uint32_t account, const char *queue,
    int64_t t, int *ret)
{
	unsigned char k[STATS_KEY_MAX];
	struct stats_delta *dl;
	size_t kl;
	int i;

	*ret = 0;
	if ((kl = stats_key(k, sizeof(k), account, queue,
	    (uint32_t)(t > 0 ? t / 60000 : 0))) == 0)
		return NULL;
	for (i = 0; i < st->nsdeltas; i++)
		if (st->sdeltas[i].len == kl && memcmp(st->sdeltas[i].key, k, kl) == 0)
			return &st->sdeltas[i];
	if (st->sdeltas == NULL &&
	    (st->sdeltas = calloc(STATS_DELTAS, sizeof(*st->sdeltas))) == NULL) {
		*ret = STORE_RET(DQ_ERR_NOMEM);
		return NULL;
	}
	if (st->nsdeltas == STATS_DELTAS && (*ret = store_stats_flush(st, txn)) != 0)
		return NULL;
	dl = &st->sdeltas[st->nsdeltas++];
	memset(dl, 0, sizeof(*dl));
	memcpy(dl->key, k, kl);
	dl->len = kl;
	return dl;
}

/* Count in the account's series and the queue's. */
static int
stats_count(struct store *st, DB_TXN *txn, const struct job *j, int64_t t,
    int what, int64_t lateness)
{
	struct stats_delta *dl;
	const char *series[2] = { NULL, j->queue };
	int i, ret;

	for (i = 0; i < 2; i++) {
		if ((dl = stats_delta(st, txn, j->account, series[i], t, &ret)) == NULL)
			return ret;
		dl->c[what]++;
		if (lateness >= 0)
			dl->hist[store_stats_bucket(lateness)]++;
	}
	return 0;
}

/*
 * What a change of a job counts: its creation (old NULL), an attempt that
 * finished (at: delivered when 2xx, else a failed attempt, and how late it
 * started), and its failure.  An attempt cut short by a crash counts nothing.
 */
int
store_stats_job(struct store *st, DB_TXN *txn, const struct job *old,
    const struct job *nw, const struct attempt *at)
{
	int ok, ret;

	if (old == NULL)
		return nw ? stats_count(st, txn, nw, nw->created_at, ST_CREATED, -1) : 0;
	if (nw == NULL)
		return 0;
	if (at != NULL && at->n > 0 && at->finished_at != 0) {
		ok = at->response_code >= 200 && at->response_code <= 299;
		if ((ret = stats_count(st, txn, nw, at->finished_at, ok ? ST_DELIVERED :
		    ST_FAILED_ATTEMPTS, at->started_at > old->due_at ?
		    at->started_at - old->due_at : 0)) != 0)
			return ret;
	}
	if (nw->status == JOB_FAILED && old->status != JOB_FAILED)
		return stats_count(st, txn, nw, nw->finished_at ? nw->finished_at :
		    nw->updated_at, ST_FAILED_JOBS, -1);
	return 0;
}

/* --- reading -------------------------------------------------------------------- */

struct series_arg {
	uint32_t			 account;
	const char			*queue;
	int64_t				 from, step;
	int				 n;
	struct store_stats_point	*out;
	uint32_t			(*hist)[STORE_STATS_BUCKETS];
};

static void
series_add(struct series_arg *a, const struct stats_rec *r, int64_t t)
{
	struct store_stats_point *p;
	int64_t i = (t - a->from) / a->step;
	int b;

	if (t < a->from || i >= a->n)
		return;
	p = &a->out[i];
	p->created += r->c[ST_CREATED];
	p->delivered += r->c[ST_DELIVERED];
	p->failed_attempts += r->c[ST_FAILED_ATTEMPTS];
	p->failed_jobs += r->c[ST_FAILED_JOBS];
	for (b = 0; b < STORE_STATS_BUCKETS; b++)
		a->hist[i][b] += r->hist[b];
}

static int
series_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct series_arg *a = arg;
	unsigned char kbuf[STATS_KEY_MAX], start[STATS_KEY_MAX];
	struct stats_rec r;
	size_t sl, pl;
	int i, ret;
	DBC *c = NULL;
	DBT k, d;

	for (i = 0; i < a->n; i++) {
		memset(&a->out[i], 0, sizeof(a->out[i]));
		a->out[i].t = a->from + i * a->step;
		memset(a->hist[i], 0, sizeof(a->hist[i]));
	}
	if ((sl = stats_key(start, sizeof(start), a->account, a->queue,
	    (uint32_t)(a->from / 60000))) == 0)
		return STORE_RET(DQ_ERR_INVALID);
	pl = sl - 4;
	if ((ret = store_range(st, txn, DBI_STATS, start, sl, kbuf, sizeof(kbuf), &c,
	    &k, &d, 0)) != 0)
		return ret;
	for (ret = store_cursor_get(c, &k, &d, DB_SET_RANGE); ret == 0;
	    ret = store_cursor_get(c, &k, &d, DB_NEXT)) {
		if (k.size != sl || memcmp(kbuf, start, pl) != 0)
			break;
		if ((ret = stats_decode(&d, &r)) != 0)
			break;
		series_add(a, &r, (int64_t)num_be32_get(kbuf + pl) * 60000);
	}
	c->close(c);
	return ret == DB_NOTFOUND ? 0 : ret;
}

enum dq_err
store_stats_series(struct store *st, uint32_t account, const char *queue,
    int64_t from_ms, int64_t step_ms, int n, struct store_stats_point *out)
{
	struct series_arg a = { account, queue, from_ms, step_ms, n, out, NULL };
	enum dq_err e;
	int i;

	if (n <= 0 || n > STORE_STATS_POINTS_MAX || step_ms < 60000 || step_ms % 60000)
		return DQ_ERR_INVALID;
	if ((a.hist = calloc((size_t)n, sizeof(*a.hist))) == NULL)
		return DQ_ERR_NOMEM;
	e = store_txn(st, STORE_TXN_READ, series_txn, &a);
	for (i = 0; e == DQ_OK && i < n; i++)
		out[i].lateness_p99_ms = store_stats_p99(a.hist[i]);
	free(a.hist);
	return e;
}

/* --- pruning -------------------------------------------------------------------- */

/* Past the last minute of the series k belongs to: its prefix, minute max. */
static void
prune_skip(unsigned char *k, size_t kl)
{
	num_be32_put(k + kl - 4, UINT32_MAX);
}

static int
prune_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct store_sweep *p = arg;
	uint32_t before = (uint32_t)(p->before / 60000);
	unsigned char kbuf[STATS_KEY_MAX + 1];	/* room to step past a key */
	int64_t t0 = dqtime_mono_us();
	DBC *c = NULL;
	DBT k, d;
	int ret;

	p->done = p->more = 0;
	/* no stats key is longer than STATS_KEY_MAX: there is room for a 0 after */
	if ((ret = store_range(st, txn, DBI_STATS, p->from, p->fl, kbuf, STATS_KEY_MAX,
	    &c, &k, &d, 1)) != 0)
		return ret;
	for (ret = store_cursor_get(c, &k, &d, DB_SET_RANGE); ret == 0;
	    ret = store_cursor_get(c, &k, &d, DB_SET_RANGE)) {
		if (p->done == p->max || dqtime_mono_us() - t0 >= p->budget_us) {
			p->more = 1;
			break;
		}
		if (k.size < 10) {		/* not a stats key: step past it */
			kbuf[k.size++] = 0;
			continue;
		}
		if (num_be32_get(kbuf + k.size - 4) < before) {
			if ((ret = c->del(c, 0)) != 0)
				break;
			p->done++;
			continue;	/* SET_RANGE on the deleted key: the next */
		}
		prune_skip(kbuf, k.size);
		kbuf[k.size++] = 0;	/* just past this series' last possible key */
	}
	c->close(c);
	if (ret != 0 && ret != DB_NOTFOUND)
		return ret;
	if (ret == DB_NOTFOUND)
		p->fl = 0;		/* at the end: the next sweep starts over */
	else {
		memcpy(p->from, kbuf, k.size);
		p->fl = k.size;
	}
	return 0;
}

enum dq_err
store_stats_prune(struct store *st, struct store_sweep *p)
{
	return store_txn(st, 0, prune_txn, p);
}
