/*
 * Unit tests for the store's operator features (API.md 9), each against a
 * real Berkeley DB environment in its own temporary directory: activity
 * series, their queue bound and their pruning, the lateness histogram,
 * bulk actions in slices (however small), deleting a job of a fan-out, an
 * ordered queue's claims, and the order index given to a store written
 * before it (reaching into the store's internals to make one); running
 * jobs listed as pending, found by status all the same, and an older
 * store's running jobs moved there.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "num.h"
#include "store_int.h"
#include "storetest.h"
#include "tap.h"

#define MIN	60000LL
#define DAY	(1440 * MIN)

static struct dq_conf	 conf;
static struct store	*st;
static char		 err[512];
static int64_t		 now;

static int
store_up(int64_t stats_queues)
{
	if (storetest_conf(&conf, CONF_SYNC_NONE) == -1)
		return -1;
	conf.max_stats_queues_per_account = stats_queues;
	if (storetest_up(&conf, &st) == -1)
		return -1;
	now = 1938038400000LL;	/* 2031-06-01T00:00:00.000Z, a whole minute */
	return 0;
}

static void
store_down(void)
{
	storetest_down(&conf, &st);
}

/* n jobs of queues[i % nq], all in one transaction. */
static void
create_n(uint32_t account, const char *const *queues, int nq, int n, int64_t created,
    struct job *jobs)
{
	struct store_create *it = calloc((size_t)n, sizeof(*it));
	int i;

	for (i = 0; it != NULL && i < n; i++) {
		storetest_job(&jobs[i], queues[i % nq], created);
		it[i].job = &jobs[i];
	}
	CHECK(it != NULL && store_jobs_create(st, account, it, (size_t)n) == DQ_OK);
	for (i = 0; it != NULL && i < n; i++)
		store_create_free(&it[i]);
	free(it);
}

static int64_t
created_in(uint32_t account, const char *queue, int64_t from, int points)
{
	struct store_stats_point p[60];
	int64_t sum = 0;
	int i;

	if (store_stats_series(st, account, queue, from, MIN, points, p) != DQ_OK)
		return -1;
	for (i = 0; i < points; i++)
		sum += p[i].created;
	return sum;
}

static void
test_stats_series_bound_and_prune(void)
{
	static const char *const qs[] = { "qa", "qb", "qc" };
	struct store_sweep pr;
	struct job jobs[30];
	uint32_t a;
	int rounds = 0;

	if (store_up(2) == -1)
		return;
	a = storetest_account(st, "acct");
	create_n(a, qs, 3, 9, now - 8 * DAY, jobs);
	create_n(a, qs, 3, 6, now + 5 * MIN, jobs);
	CHECK_INT(created_in(a, NULL, now - 8 * DAY, 1), 9);
	CHECK_INT(created_in(a, "qa", now - 8 * DAY, 1), 3);
	CHECK_INT(created_in(a, "qc", now - 8 * DAY, 1), 0);	/* past the bound */
	CHECK_INT(created_in(a, NULL, now, 10), 6);
	CHECK_INT(created_in(a, "qb", now, 10), 2);
	CHECK_INT(created_in(a, "qb", now + 6 * MIN, 10), 0);
	memset(&pr, 0, sizeof(pr));
	pr.before = now - STORE_STATS_KEEP_MS;
	pr.max = 256;
	pr.budget_us = 1000000;
	do
		CHECK(store_stats_prune(st, &pr) == DQ_OK);
	while (pr.more && ++rounds < 100);
	CHECK_INT(created_in(a, NULL, now - 8 * DAY, 1), 0);
	CHECK_INT(created_in(a, "qa", now - 8 * DAY, 1), 0);
	CHECK_INT(created_in(a, NULL, now, 10), 6);
	CHECK_INT(created_in(a, "qa", now, 10), 2);
	store_down();
}

static void
test_lateness_buckets(void)
{
	uint32_t h[STORE_STATS_BUCKETS];

	CHECK_INT(store_stats_bucket(0), 0);
	CHECK_INT(store_stats_bucket(1), 0);
	CHECK_INT(store_stats_bucket(2), 4);
	CHECK_INT(store_stats_bucket(1000), 40);	/* 2^(40/4) = 1024 */
	CHECK_INT(store_stats_bucket(INT64_MAX), STORE_STATS_BUCKETS - 1);
	memset(h, 0, sizeof(h));
	CHECK_INT(store_stats_p99(h), -1);
	h[0] = 990;
	h[40] = 10;
	CHECK_INT(store_stats_p99(h), 1);		/* 99 % are within 1 ms */
	h[40] = 11;
	CHECK_INT(store_stats_p99(h), 1024);
}

/* Every slice is one job when the budget is 0: the counts and the position
 * still add up as for one transaction. */
static void
test_bulk_in_slices(void)
{
	static const char *const q[] = { "bq" };
	struct store_bulk b;
	struct job *jobs = calloc(300, sizeof(*jobs));
	int64_t c[JOB_NSTATUS];
	uint32_t a;

	if (jobs == NULL || store_up(20) == -1) {
		free(jobs);
		return;
	}
	a = storetest_account(st, "acct");
	create_n(a, q, 1, 300, now, jobs);
	memset(&b, 0, sizeof(b));
	b.account = a;
	b.action = STORE_BULK_CANCEL;
	b.status = -1;
	b.queue = "bq";
	b.created_after = INT64_MIN;
	b.created_before = INT64_MAX;
	b.now = now + 1;
	b.max = 120;
	b.budget_us = 0;
	CHECK(store_jobs_bulk(st, &b) == DQ_OK);
	CHECK_INT(b.matched, 120);
	CHECK_INT(b.changed, 120);
	CHECK_INT(b.more, 1);
	CHECK_INT(b.nwoken, 1);
	CHECK(store_jobs_bulk(st, &b) == DQ_OK);	/* on from after_* */
	CHECK_INT(b.changed, 120);
	b.max = 1000;
	CHECK(store_jobs_bulk(st, &b) == DQ_OK);
	CHECK_INT(b.changed, 60);
	CHECK_INT(b.more, 0);
	CHECK(store_jobs_count(st, a, "bq", c) == DQ_OK);
	CHECK_INT(c[JOB_CANCELLED], 300);
	CHECK_INT(c[JOB_PENDING], 0);
	b.has_after = 0;
	b.action = STORE_BULK_DELETE;
	b.status = JOB_CANCELLED;
	CHECK(store_jobs_bulk(st, &b) == DQ_OK);
	CHECK_INT(b.changed, 300);
	CHECK(store_jobs_count(st, a, "bq", c) == DQ_OK);
	CHECK_INT(c[JOB_CANCELLED], 0);
	free(jobs);
	store_down();
}

static enum dq_err
cancel(struct job *j, void *arg)
{
	return job_act_cancel(j, *(int64_t *)arg);
}

/* A fan-out's dedupe_key names every job of it; each one deleted leaves it,
 * and once none is left a create with the key makes new jobs. */
static void
test_delete_from_a_fanout(void)
{
	struct store_create it;
	struct job jobs[3], again;
	uint32_t a;
	int i;

	if (store_up(20) == -1)
		return;
	a = storetest_account(st, "acct");
	for (i = 0; i < 3; i++) {
		storetest_job(&jobs[i], "fq", now);
		jobs[i].dedupe_key = "fan";
	}
	memset(&it, 0, sizeof(it));
	it.job = jobs;
	it.njobs = 3;
	it.fanout = 1;
	CHECK(store_jobs_create(st, a, &it, 1) == DQ_OK && it.result == STORE_CREATED);
	store_create_free(&it);
	CHECK(store_job_delete(st, a, jobs[0].id) == DQ_ERR_STATE);	/* pending */
	for (i = 0; i < 2; i++) {
		CHECK(store_job_edit(st, a, jobs[i].id, cancel, &now, NULL) == DQ_OK);
		CHECK(store_job_delete(st, a, jobs[i].id) == DQ_OK);
	}
	storetest_job(&again, "fq", now + 1);
	again.dedupe_key = "fan";
	memset(&it, 0, sizeof(it));
	it.job = &again;
	it.fanout = 1;
	CHECK(store_jobs_create(st, a, &it, 1) == DQ_OK);
	CHECK_INT(it.result, STORE_DEDUPLICATED);
	CHECK_STR(it.existing.id, jobs[2].id);
	CHECK_INT(it.nmore, 0);
	store_create_free(&it);
	CHECK(store_job_edit(st, a, jobs[2].id, cancel, &now, NULL) == DQ_OK);
	CHECK(store_job_delete(st, a, jobs[2].id) == DQ_OK);
	CHECK(store_job_get(st, a, jobs[2].id, &again) == DQ_ERR_NOTFOUND);
	storetest_job(&again, "fq", now + 2);
	again.dedupe_key = "fan";
	memset(&it, 0, sizeof(it));
	it.job = &again;
	CHECK(store_jobs_create(st, a, &it, 1) == DQ_OK);
	CHECK_INT(it.result, STORE_CREATED);
	store_create_free(&it);
	store_down();
}

/* An ordered queue gives its head only, and nothing while one is active. */
static void
test_ordered_claims(void)
{
	static const char *const q[] = { "oq" };
	struct store_lease lease = { 42, (uint32_t)getpid(), 1000 };
	struct queue_change ch;
	struct queue_info qi;
	struct job jobs[3], out[8];
	int64_t next;
	uint32_t a;
	int n;

	if (store_up(20) == -1)
		return;
	a = storetest_account(st, "acct");
	memset(&ch, 0, sizeof(ch));
	ch.set_ordered = ch.ordered = 1;
	CHECK(store_queue_set(st, a, "oq", &ch, now, &qi) == DQ_OK && qi.ordered);
	create_n(a, q, 1, 3, now, jobs);	/* one transaction: same created_at */
	CHECK(store_claim(st, a, "oq", now, 8, 0, &lease, out, &n, &next) == DQ_OK);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_STR(out[0].id, jobs[0].id);	/* creation order breaks the tie */
		job_free(&out[0]);
	}
	CHECK(store_claim(st, a, "oq", now, 8, 0, &lease, out, &n, &next) == DQ_OK);
	CHECK_INT(n, 0);			/* the first is active */
	CHECK_INT(next, 0);
	CHECK(store_queue_next_due(st, a, "oq", &next) == DQ_OK);
	CHECK_INT(next, 0);
	store_down();
}

/* Make the store look as an older dq left it: no order index, no mark that
 * it was built, waiting jobs without order_at or seq. */
static int
age_txn(struct store *s, DB_TXN *txn, void *arg)
{
	char (*ids)[ID_JOB_LEN + 1] = arg;
	unsigned char k[JOB_KEY_LEN];
	struct job j;
	DBC *c = NULL;
	DBT key, d;
	void *buf;
	size_t len;
	int i, ret;

	if ((ret = s->db[DBI_ORDER]->cursor(s->db[DBI_ORDER], txn, &c, 0)) != 0)
		return ret;
	memset(&key, 0, sizeof(key));
	memset(&d, 0, sizeof(d));
	while ((ret = c->get(c, &key, &d, DB_NEXT)) == 0)
		if ((ret = c->del(c, 0)) != 0)
			break;
	c->close(c);
	if (ret != DB_NOTFOUND || (ret = store_del(s, txn, DBI_META, "order_index",
	    11)) != 0)
		return ret != DB_NOTFOUND ? ret : 0;
	for (i = 0; ids[i][0] != '\0'; i++) {
		if ((ret = store_job_read(s, txn, ids[i], DB_RMW, &j)) != 0)
			return ret;
		j.order_at = j.seq = 0;
		buf = job_encode(&j, &len);
		ret = buf == NULL ? STORE_RET(DQ_ERR_NOMEM) : store_put(s, txn, DBI_JOBS, k,
		    key_job(k, sizeof(k), j.created_at, j.id), buf, len);
		free(buf);
		job_free(&j);
		if (ret != 0)
			return ret;
	}
	return 0;
}

/* Close the store and open it again, which upgrades it; -1 (a TAP
 * failure, conf freed) if it would not open. */
static int
reopen_upgraded(void)
{
	store_close(st);
	st = NULL;
	CHECK(store_open(&st, &conf, 0, err, sizeof(err)) == 0);
	if (st != NULL)
		return 0;
	conf_free(&conf);
	return -1;
}

static void
verify_report(const char *problem, void *arg)
{
	tap_fail(__FILE__, __LINE__, "verify: %s", problem);
}

static enum dq_err
delay5(struct job *j, void *arg)
{
	j->due_at = j->delay_until = now + 5;
	return DQ_OK;
}

static void
test_upgrade_gives_the_order_index(void)
{
	static const char *const q[] = { "uq" };
	char ids[4][ID_JOB_LEN + 1];
	struct store_lease lease = { 7, (uint32_t)getpid(), 1000 };
	struct queue_change ch;
	struct queue_info qi;
	struct job jobs[3], out[4];
	int64_t problems = -1, next;
	uint32_t a;
	int i, n;

	if (store_up(20) == -1)
		return;
	a = storetest_account(st, "acct");
	memset(ids, 0, sizeof(ids));
	for (i = 0; i < 3; i++) {	/* due at now + 5, + 1, + 2: the second first */
		create_n(a, q, 1, 1, now + i, &jobs[i]);
		memcpy(ids[i], jobs[i].id, sizeof(ids[i]));
	}
	CHECK(store_job_edit(st, a, ids[0], delay5, NULL, NULL) == DQ_OK);
	CHECK(store_txn(st, 0, age_txn, ids) == DQ_OK);
	if (reopen_upgraded() == -1)
		return;
	CHECK(store_verify(st, conf.data_dir, 0, verify_report, NULL, &problems) == DQ_OK);
	CHECK_INT(problems, 0);
	memset(&ch, 0, sizeof(ch));
	ch.set_ordered = ch.ordered = 1;
	CHECK(store_queue_set(st, a, "uq", &ch, now, &qi) == DQ_OK);
	CHECK(store_claim(st, a, "uq", now + 10, 4, 0, &lease, out, &n, &next) == DQ_OK);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_STR(out[0].id, ids[1]);	/* an older store's jobs go by due_at */
		job_free(&out[0]);
	}
	store_down();
}

/* The ids of one page of a listing by status in queue rq, newest first. */
static int
list_page(uint32_t a, int status, int64_t offset, const char *after_id,
    int64_t after_created, char ids[][ID_JOB_LEN + 1], int *more, int64_t *total)
{
	struct store_list_query q;
	struct job out[10];
	int i, n = -1;

	memset(&q, 0, sizeof(q));
	q.account = a;
	q.status = status;
	q.queue = "rq";
	q.limit = 2;
	q.offset = offset;
	if (after_id != NULL) {
		q.has_after = 1;
		q.after_created = after_created;
		snprintf(q.after_id, sizeof(q.after_id), "%s", after_id);
	}
	if (store_jobs_list(st, &q, out, &n, more, total) != DQ_OK)
		return -1;
	for (i = 0; i < n; i++) {
		memcpy(ids[i], out[i].id, sizeof(ids[i]));
		job_free(&out[i]);
	}
	return n;
}

/* An older dq listed running jobs under "active": put them back there. */
static int
unlist_running_txn(struct store *s, DB_TXN *txn, void *arg)
{
	char (*ids)[ID_JOB_LEN + 1] = arg;
	unsigned char dim[KEY_MAX], key[KEY_MAX];
	struct job j;
	size_t dl;
	int i, mask, ret;

	for (i = 0; ids[i][0] != '\0'; i++) {
		if ((ret = store_job_read(s, txn, ids[i], 0, &j)) != 0)
			return ret;
		for (mask = DIM_STATUS; mask <= (DIM_STATUS | DIM_QUEUE) && ret == 0;
		    mask += DIM_QUEUE) {
			dl = key_dim(dim, sizeof(dim), j.account, mask, j.queue, NULL,
			    JOB_PENDING);
			if ((ret = store_del(s, txn, DBI_JOBIDX, key, key_idx(key,
			    sizeof(key), dim, dl, j.created_at, j.id, ID_JOB_LEN))) == 0) {
				dl = key_dim(dim, sizeof(dim), j.account, mask, j.queue,
				    NULL, JOB_ACTIVE);
				ret = store_put(s, txn, DBI_JOBIDX, key, key_idx(key,
				    sizeof(key), dim, dl, j.created_at, j.id, ID_JOB_LEN),
				    "", 0);
			}
		}
		job_free(&j);
		if (ret != 0)
			return ret;
	}
	return store_del(s, txn, DBI_META, "active_listed", 13);
}

/* The running and the pending jobs of rq, page by page, as a client sees them. */
static void
check_running_listed(uint32_t a, char (*ids)[ID_JOB_LEN + 1], int64_t t0)
{
	char got[2][ID_JOB_LEN + 1];
	int64_t total = -1;
	int more = -1;

	/* running: jobs 2, 1 then 0 (newest first) */
	CHECK_INT(list_page(a, JOB_ACTIVE, 0, NULL, 0, got, &more, &total), 2);
	CHECK_INT(total, 3);
	CHECK_INT(more, 1);
	CHECK_STR(got[0], ids[2]);
	CHECK_STR(got[1], ids[1]);
	CHECK_INT(list_page(a, JOB_ACTIVE, 0, ids[1], t0 + 1, got, &more, &total), 1);
	CHECK_INT(more, 0);
	CHECK_STR(got[0], ids[0]);
	CHECK_INT(list_page(a, JOB_ACTIVE, 2, NULL, 0, got, &more, &total), 1);
	CHECK_STR(got[0], ids[0]);
	/* pending: jobs 4 then 3, none of the running ones; the offset counts them */
	CHECK_INT(list_page(a, JOB_PENDING, 0, NULL, 0, got, &more, &total), 2);
	CHECK_INT(total, 2);
	CHECK_INT(more, 0);
	CHECK_STR(got[0], ids[4]);
	CHECK_STR(got[1], ids[3]);
	CHECK_INT(list_page(a, JOB_PENDING, 1, NULL, 0, got, &more, &total), 1);
	CHECK_STR(got[0], ids[3]);
}

static void
test_running_listed_as_pending(void)
{
	static const char *const q[] = { "rq" };
	char ids[6][ID_JOB_LEN + 1];
	struct store_lease lease = { 7, (uint32_t)getpid(), 1000 };
	struct job jobs[5], out[3];
	int64_t problems = -1, next, cancelled = -1;
	uint32_t a;
	int i, n = 0;

	if (store_up(20) == -1)
		return;
	a = storetest_account(st, "acct");
	memset(ids, 0, sizeof(ids));
	for (i = 0; i < 5; i++) {	/* created and due at now + i */
		create_n(a, q, 1, 1, now + i, &jobs[i]);
		memcpy(ids[i], jobs[i].id, sizeof(ids[i]));
	}
	CHECK(store_claim(st, a, "rq", now + 2, 3, 0, &lease, out, &n, &next) == DQ_OK);
	CHECK_INT(n, 3);
	for (i = 0; i < n; i++)
		job_free(&out[i]);
	check_running_listed(a, ids, now);
	CHECK(store_verify(st, conf.data_dir, 0, verify_report, NULL, &problems) == DQ_OK);
	CHECK_INT(problems, 0);

	/* a store where an older dq listed them under "active" is moved on open */
	ids[3][0] = '\0';
	CHECK(store_txn(st, 0, unlist_running_txn, ids) == DQ_OK);
	for (i = 3; i < 5; i++)
		memcpy(ids[i], jobs[i].id, sizeof(ids[i]));
	if (reopen_upgraded() == -1)
		return;
	check_running_listed(a, ids, now);
	CHECK(store_verify(st, conf.data_dir, 0, verify_report, NULL, &problems) == DQ_OK);
	CHECK_INT(problems, 0);

	/* a purge cancels the waiting jobs, not the running ones */
	CHECK(store_queue_purge(st, a, "rq", now + 10, &cancelled) == DQ_OK);
	CHECK_INT(cancelled, 2);
	CHECK_INT(list_page(a, JOB_ACTIVE, 0, NULL, 0, ids + 4, &n, &problems), 2);
	CHECK_INT(problems, 3);		/* the total */
	CHECK(store_verify(st, conf.data_dir, 0, verify_report, NULL, &problems) == DQ_OK);
	CHECK_INT(problems, 0);
	store_down();
}

int
main(void)
{
	TAP_RUN(test_stats_series_bound_and_prune);
	TAP_RUN(test_lateness_buckets);
	TAP_RUN(test_bulk_in_slices);
	TAP_RUN(test_delete_from_a_fanout);
	TAP_RUN(test_ordered_claims);
	TAP_RUN(test_upgrade_gives_the_order_index);
	TAP_RUN(test_running_listed_as_pending);
	return tap_done();
}
