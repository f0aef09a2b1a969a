/*
 * Administration of the store for dqctl: verify (the files' structure, then
 * every index entry and counter against the records), hot backup, and
 * recovery.  Verification reads without a snapshot, so run it while dq is
 * stopped or quiet; a busy dq shows up as spurious differences.
 */
#include "config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "num.h"
#include "store_int.h"


struct dimcount {
	unsigned char	key[KEY_MAX];
	size_t		len;
	int64_t		n;
};

struct verify {
	struct store		*st;
	store_report_fn		 report;
	void			*arg;
	int64_t			 problems;
	struct dimcount		*dims;
	size_t			 ndims, cap;
};

static void
vfail(struct verify *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
vfail(struct verify *v, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	v->problems++;
	v->report(msg, v->arg);
}

static int
vexists(struct verify *v, int dbi, const void *k, size_t kl)
{
	DBT d;

	memset(&d, 0, sizeof(d));
	d.flags = DB_DBT_PARTIAL;
	return store_get(v->st, NULL, dbi, k, kl, &d, 0) == 0;
}

static void
vtimed(struct verify *v, int dbi, const char *what, int has, int64_t t,
    const struct job *j)
{
	unsigned char k[8 + ID_JOB_LEN];

	if (has && !vexists(v, dbi, k, key_time_id(k, sizeof(k), t, j->id, ID_JOB_LEN)))
		vfail(v, "%s: %s has no %s entry", store_files[dbi], j->id, what);
}

/* Every entry a job's state calls for exists. */
static void
verify_job(struct verify *v, const struct job *j)
{
	unsigned char dim[KEY_MAX], k[KEY_MAX];
	size_t dl, n;
	int mask;

	for (mask = 0; mask < 8; mask++) {
		if ((mask & DIM_SCHED) && j->schedule_id == NULL)
			continue;
		dl = key_dim(dim, sizeof(dim), j->account, mask, j->queue,
		    j->schedule_id, store_job_listed((int)j->status));
		if (!vexists(v, DBI_JOBIDX, k, key_idx(k, sizeof(k), dim, dl,
		    j->created_at, j->id, ID_JOB_LEN)))
			vfail(v, "jobidx.db: %s is missing from listing %d", j->id, mask);
	}
	if (j->status == JOB_PENDING) {
		n = key_qkey_time_id(k, sizeof(k), j->account, j->queue, j->due_at,
		    j->id);
		if (!vexists(v, DBI_DUE, k, n))
			vfail(v, "due.db: pending job %s is not in the due index", j->id);
	}
	if (store_job_in_order(j) && !vexists(v, DBI_ORDER, k, key_order(k, sizeof(k),
	    j->account, j->queue, j->order_at, j->seq, j->id)))
		vfail(v, "order.db: %s %s job is not in its queue's order", j->id,
		    job_status_name(j->status));
	vtimed(v, DBI_LEASES, "lease", j->status == JOB_ACTIVE, j->lease_until, j);
	vtimed(v, DBI_CBDUE, "callback", j->cb_status == JOB_CB_PENDING, j->cb_due_at, j);
	vtimed(v, DBI_FINISHED, "finished", store_job_removable(j), j->finished_at, j);
}

/* Visit every key/data pair of a database. */
static int
verify_walk(struct verify *v, int dbi, void (*fn)(struct verify *, const DBT *,
    const DBT *))
{
	DBC *c = NULL;
	DBT k, d;
	int ret;

	if ((ret = v->st->db[dbi]->cursor(v->st->db[dbi], NULL, &c, 0)) != 0)
		return ret;
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	while ((ret = c->get(c, &k, &d, DB_NEXT)) == 0)
		fn(v, &k, &d);
	c->close(c);
	return ret == DB_NOTFOUND ? 0 : ret;
}

static void
walk_jobs(struct verify *v, const DBT *k, const DBT *d)
{
	unsigned char key[JOB_KEY_LEN];
	struct job j, other;

	if (job_decode(d->data, d->size, &j) == -1) {
		vfail(v, "jobs.db: a record of %u bytes cannot be decoded", d->size);
		return;
	}
	if (k->size != JOB_KEY_LEN || memcmp(k->data, key,
	    key_job(key, sizeof(key), j.created_at, j.id)) != 0)
		vfail(v, "jobs.db: %s is stored under another key", j.id);
	else if (store_job_read(v->st, NULL, j.id, 0, &other) != 0)
		vfail(v, "jobids.db: %s cannot be found by its id", j.id);
	else
		job_free(&other);
	verify_job(v, &j);
	job_free(&j);
}

/* The job an index entry names, or report it; 0 if found. */
static int
verify_target(struct verify *v, const char *db, const unsigned char *id, struct job *j)
{
	char idbuf[ID_JOB_LEN + 1];

	memcpy(idbuf, id, ID_JOB_LEN);
	idbuf[ID_JOB_LEN] = '\0';
	if (store_job_read(v->st, NULL, idbuf, 0, j) == 0)
		return 0;
	vfail(v, "%s: an entry names %s, which does not exist", db, idbuf);
	return -1;
}

static void
dim_count(struct verify *v, const unsigned char *dim, size_t dl)
{
	struct dimcount *nd;

	if (v->ndims > 0 && v->dims[v->ndims - 1].len == dl &&
	    memcmp(v->dims[v->ndims - 1].key, dim, dl) == 0) {
		v->dims[v->ndims - 1].n++;
		return;
	}
	if (v->ndims == v->cap) {
		if ((nd = realloc(v->dims, sizeof(*nd) * (v->cap ? v->cap * 2 : 256))) == NULL)
			return;
		v->dims = nd;
		v->cap = v->cap ? v->cap * 2 : 256;
	}
	memcpy(v->dims[v->ndims].key, dim, dl);
	v->dims[v->ndims].len = dl;
	v->dims[v->ndims++].n = 1;
}

/* Every id entry leads to its record. */
static void
walk_jobids(struct verify *v, const DBT *k, const DBT *d)
{
	struct job j;

	if (k->size != ID_JOB_LEN || d->size != 8) {
		vfail(v, "jobids.db: a malformed entry");
		return;
	}
	if (verify_target(v, "jobids.db", k->data, &j) == 0)
		job_free(&j);
}

static void
walk_jobidx(struct verify *v, const DBT *k, const DBT *d)
{
	const unsigned char *p = k->data;
	unsigned char dim[KEY_MAX];
	size_t dl = k->size - 8 - ID_JOB_LEN;
	char sid[ID_SCHED_LEN + 1];
	struct job j;

	if (k->size < 5 + 8 + ID_JOB_LEN || k->size > KEY_MAX) {
		vfail(v, "jobidx.db: a key of %u bytes", k->size);
		return;
	}
	if (p[4] == DIM_SCHEDULES) {
		dim_count(v, p, dl);
		memcpy(sid, p + dl + 8, ID_SCHED_LEN);
		sid[ID_SCHED_LEN] = '\0';
		if (!vexists(v, DBI_SCHEDULES, sid, ID_SCHED_LEN))
			vfail(v, "jobidx.db: lists schedule %s, which does not exist", sid);
		return;
	}
	if (verify_target(v, "jobidx.db", p + dl + 8, &j) == -1) {
		if (p[4] & DIM_STATUS)
			dim_count(v, p, dl);
		return;
	}
	if (key_dim(dim, sizeof(dim), j.account, p[4], j.queue, j.schedule_id,
	    store_job_listed((int)j.status)) != dl ||
	    memcmp(dim, p, dl) != 0 ||
	    (int64_t)~num_be64_get(p + dl) != j.created_at) {
		vfail(v, "jobidx.db: a listing entry of %s does not match the job", j.id);
		if (p[4] & DIM_STATUS)
			dim_count(v, p, dl);
	} else if (p[4] & DIM_STATUS)	/* counters count by the real status */
		dim_count(v, dim, key_dim(dim, sizeof(dim), j.account, p[4], j.queue,
		    j.schedule_id, (int)j.status));
	job_free(&j);
}

/* Queue records are counted per account (a store older than that counter
 * has none until the account's next new queue: see verify_uncounted). */
static void
walk_queues(struct verify *v, const DBT *k, const DBT *d)
{
	unsigned char dim[KEY_MAX];

	if (k->size < 6) {
		vfail(v, "queues.db: a key of %u bytes", k->size);
		return;
	}
	dim_count(v, dim, key_dim(dim, sizeof(dim), num_be32_get(k->data), DIM_QUEUES, NULL,
	    NULL, 0));
}

static void
walk_due(struct verify *v, const DBT *k, const DBT *d)
{
	const unsigned char *p = k->data;
	unsigned char qk[KEY_MAX];
	size_t ql = k->size - 8 - ID_JOB_LEN;
	struct job j;

	if (k->size < 6 + 8 + ID_JOB_LEN ||
	    verify_target(v, "due.db", p + ql + 8, &j) == -1)
		return;
	if (j.status != JOB_PENDING || key_qkey(qk, sizeof(qk), j.account, j.queue) != ql ||
	    memcmp(qk, p, ql) != 0 || (int64_t)num_be64_get(p + ql) != j.due_at)
		vfail(v, "due.db: the entry of %s does not match the job (%s)", j.id,
		    job_status_name(j.status));
	job_free(&j);
}

static void
walk_order(struct verify *v, const DBT *k, const DBT *d)
{
	const unsigned char *p = k->data;
	unsigned char want[KEY_MAX];
	struct job j;

	if (k->size < 6 + 16 + ID_JOB_LEN ||
	    verify_target(v, "order.db", p + k->size - ID_JOB_LEN, &j) == -1)
		return;
	if (!store_job_in_order(&j) || key_order(want, sizeof(want), j.account,
	    j.queue, j.order_at, j.seq, j.id) != k->size ||
	    memcmp(want, p, k->size) != 0)
		vfail(v, "order.db: the entry of %s does not match the job (%s)", j.id,
		    job_status_name(j.status));
	job_free(&j);
}

/* Topics are counted per account. */
static void
walk_topics(struct verify *v, const DBT *k, const DBT *d)
{
	unsigned char dim[KEY_MAX];

	if (k->size < 5) {
		vfail(v, "topics.db: a key of %u bytes", k->size);
		return;
	}
	dim_count(v, dim, key_dim(dim, sizeof(dim), num_be32_get(k->data), DIM_TOPICS,
	    NULL, NULL, 0));
}

/* leases, cbdue and finished: (t, id) entries that must match a job field. */
static void
walk_timed(struct verify *v, const DBT *k, int dbi)
{
	const unsigned char *p = k->data;
	struct job j;
	int64_t t;
	int ok;

	if (k->size != 8 + ID_JOB_LEN ||
	    verify_target(v, store_files[dbi], p + 8, &j) == -1)
		return;
	t = (int64_t)num_be64_get(p);
	if (dbi == DBI_LEASES)
		ok = j.status == JOB_ACTIVE && j.lease_until == t;
	else if (dbi == DBI_CBDUE)
		ok = j.cb_status == JOB_CB_PENDING && j.cb_due_at == t;
	else	/* dq 0.1.0 also indexed jobs with a callback to make */
		ok = job_is_terminal(j.status) && j.finished_at == t;
	if (!ok)
		vfail(v, "%s: the entry of %s does not match the job (%s)",
		    store_files[dbi], j.id, job_status_name(j.status));
	job_free(&j);
}

static void
walk_leases(struct verify *v, const DBT *k, const DBT *d)
{
	walk_timed(v, k, DBI_LEASES);
}

static void
walk_cbdue(struct verify *v, const DBT *k, const DBT *d)
{
	walk_timed(v, k, DBI_CBDUE);
}

static void
walk_finished(struct verify *v, const DBT *k, const DBT *d)
{
	walk_timed(v, k, DBI_FINISHED);
}

static int
dim_cmp(const void *a, const void *b)
{
	const struct dimcount *x = a, *y = b;

	return store_key_cmp(x->key, x->len, y->key, y->len);
}

/* Sorted for walk_counts' search, each dim once (a listing of pending jobs
 * counts its running jobs under their own status, between its pending ones). */
static void
dims_sort(struct verify *v)
{
	size_t i, n = 0;

	if (v->ndims == 0)
		return;
	qsort(v->dims, v->ndims, sizeof(v->dims[0]), dim_cmp);
	for (i = 1; i < v->ndims; i++) {
		if (dim_cmp(&v->dims[n], &v->dims[i]) == 0)
			v->dims[n].n += v->dims[i].n;
		else
			v->dims[++n] = v->dims[i];
	}
	v->ndims = n + 1;
}

/* Each counter equals the number of listing entries under its dim. */
static void
walk_counts(struct verify *v, const DBT *k, const DBT *d)
{
	struct dimcount key, *found;
	int64_t n;

	if (d->size != 8 || k->size > KEY_MAX) {
		vfail(v, "counts.db: a malformed counter");
		return;
	}
	n = (int64_t)num_be64_get(d->data);
	memcpy(key.key, k->data, k->size);
	key.len = k->size;
	found = bsearch(&key, v->dims, v->ndims, sizeof(key), dim_cmp);
	if (n != (found ? found->n : 0))
		vfail(v, "counts.db: a counter says %lld, the listing has %lld",
		    (long long)n, (long long)(found ? found->n : 0));
	if (found)
		found->n = -1;		/* seen */
}

static void
verify_uncounted(struct verify *v)
{
	size_t i;

	for (i = 0; i < v->ndims; i++)
		if (v->dims[i].n > 0 && !(v->dims[i].len == 5 &&
		    v->dims[i].key[4] == DIM_QUEUES))
			vfail(v, "counts.db: %lld listed entries have no counter",
			    (long long)v->dims[i].n);
}

static void
verify_errcall(const DB_ENV *env, const char *pfx, const char *msg)
{
	fprintf(stderr, "verify: %s\n", msg);
}

static int
verify_structure(struct verify *v, const char *data_dir)
{
	char path[4096];
	DB *db;
	int i, ret;

	(void)v->st->env->txn_checkpoint(v->st->env, 0, 0, DB_FORCE);
	for (i = 0; i < DBI_COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", data_dir, store_files[i]);
		if ((ret = db_create(&db, NULL, 0)) != 0)
			return ret;
		db->set_errcall(db, verify_errcall);
		if ((ret = db->verify(db, path, NULL, NULL, 0)) != 0)
			vfail(v, "%s: structure check failed: %s", store_files[i],
			    db_strerror(ret));
	}
	return 0;
}

enum dq_err
store_verify(struct store *st, const char *data_dir, int structure,
    store_report_fn report, void *arg, int64_t *problems)
{
	struct verify v;
	int ret;

	memset(&v, 0, sizeof(v));
	v.st = st;
	v.report = report;
	v.arg = arg;
	if ((structure && (ret = verify_structure(&v, data_dir)) != 0) ||
	    (ret = verify_walk(&v, DBI_JOBS, walk_jobs)) != 0 ||
	    (ret = verify_walk(&v, DBI_JOBIDS, walk_jobids)) != 0 ||
	    (ret = verify_walk(&v, DBI_JOBIDX, walk_jobidx)) != 0 ||
	    (ret = verify_walk(&v, DBI_DUE, walk_due)) != 0 ||
	    (ret = verify_walk(&v, DBI_LEASES, walk_leases)) != 0 ||
	    (ret = verify_walk(&v, DBI_CBDUE, walk_cbdue)) != 0 ||
	    (ret = verify_walk(&v, DBI_FINISHED, walk_finished)) != 0 ||
	    (ret = verify_walk(&v, DBI_ORDER, walk_order)) != 0 ||
	    (ret = verify_walk(&v, DBI_QUEUES, walk_queues)) != 0 ||
	    (ret = verify_walk(&v, DBI_TOPICS, walk_topics)) != 0)
		goto done;
	dims_sort(&v);
	if ((ret = verify_walk(&v, DBI_COUNTS, walk_counts)) == 0)
		verify_uncounted(&v);
done:
	free(v.dims);
	*problems = v.problems;
	return ret == 0 ? DQ_OK : DQ_ERR_INTERNAL;
}

/*
 * Open an environment on dir only to run recovery there, then remove its
 * regions: the next open by a dq program recreates them with dq's settings
 * (the thread table failchk needs is sized only when regions are created).
 */
static int
admin_recover_dir(const char *dir, u_int32_t how, char *err, size_t errsz)
{
	DB_ENV *env;
	int ret;

	if ((ret = db_env_create(&env, 0)) != 0)
		goto fail;
	ret = env->open(env, dir, DB_CREATE | DB_INIT_LOCK | DB_INIT_LOG |
	    DB_INIT_MPOOL | DB_INIT_TXN | how, 0600);
	env->close(env, 0);
	if (ret != 0)
		goto fail;
	if ((ret = db_env_create(&env, 0)) != 0 ||
	    (ret = env->remove(env, dir, 0)) != 0)	/* remove() frees env */
		goto fail;
	return 0;
fail:
	snprintf(err, errsz, "%s: recovery failed: %s", dir, db_strerror(ret));
	return -1;
}

enum dq_err
store_backup(struct store *st, const char *dir, char *err, size_t errsz)
{
	int ret;

	if ((ret = st->env->backup(st->env, dir, DB_CREATE | DB_BACKUP_CLEAN)) != 0) {
		snprintf(err, errsz, "backup to %s: %s", dir, db_strerror(ret));
		return DQ_ERR_INTERNAL;
	}
	/* A hot copy is made consistent by catastrophic recovery over it. */
	return admin_recover_dir(dir, DB_RECOVER_FATAL, err, errsz) == 0 ?
	    DQ_OK : DQ_ERR_INTERNAL;
}

/*
 * Every process that has the environment open holds an fcntl lock in
 * DB_REGISTER's file (__db.register) for as long as it has; a lock there
 * is a live process in the store.  The kernel drops it when the process
 * dies, so a crashed one does not count.
 */
int
store_attached(const char *data_dir, pid_t *pid)
{
	char path[4096];
	struct flock fl;
	int fd, n;

	*pid = 0;
	n = snprintf(path, sizeof(path), "%s/__db.register", data_dir);
	if (n < 0 || (size_t)n >= sizeof(path) ||
	    (fd = open(path, O_RDWR | O_CLOEXEC)) == -1)
		return 0;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_GETLK, &fl) == -1)
		fl.l_type = F_UNLCK;
	close(fd);
	*pid = fl.l_type != F_UNLCK ? fl.l_pid : 0;
	return fl.l_type != F_UNLCK;
}

int
store_recover(const struct dq_conf *c, int catastrophic, char *err, size_t errsz)
{
	return admin_recover_dir(c->data_dir, catastrophic ? DB_RECOVER_FATAL :
	    DB_RECOVER, err, errsz);
}
