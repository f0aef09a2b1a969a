/*
 * Inside the store: the environment, its databases, the transaction runner
 * and key layouts.  Only common/store/store*.c include this (and so <db.h>).
 *
 * Databases (one file each in data_dir, btrees, big-endian numeric keys):
 *   meta       name -> value: schema version, id sequences, dispatcher tick
 *   accounts   u32 id -> account record
 *   acctnames  name -> u32 id
 *   keys       SHA-256(api key) -> u32 id
 *   jobs       created_at | job id -> job record (new jobs append)
 *   jobids     job id -> created_at       finds a record by id
 *   jobidx     dim | ~created | id -> ""      listing, newest first
 *   counts     dim -> i64                     totals of listings by status
 *   due        qkey | due_at | id -> ""       pending jobs, per queue
 *   leases     lease_until | id -> owner      active jobs
 *   cbdue      cb_due_at | id -> ""           callbacks to make
 *   finished   finished_at | id -> ""         jobs retention may remove
 *   dedupe     u32 account | key -> id | created
 *   idem       u32 account | key -> id | created | body hash
 *   expiry     expires | kind | u32 account | key -> ""
 *   attempts   job id | u32 seq -> attempt record
 *   queues     qkey -> queue settings record
 *   schedules  schedule id -> schedule record
 *   scheddue   next_run | schedule id -> ""
 *   order      qkey | order_at | seq | id -> ""   pending and active jobs,
 *                                                 in their queue's order
 *   topics     u32 account | name -> topic record
 *   stats      u32 account | kind | queue NUL | u32 minute -> activity
 * where qkey = u32 account | queue | NUL and a dim is a listing's filter
 * (see store_keys.c).  The last three came with dq 0.2: a store made
 * before gets them when a dq process first opens it (store_upgrade.c).
 */
#ifndef DQ_STORE_INT_H
#define DQ_STORE_INT_H

#include <signal.h>

#include <db.h>

#include "store.h"

#define STORE_SCHEMA_VERSION	1

enum store_dbi {
	DBI_META = 0, DBI_ACCOUNTS, DBI_ACCTNAMES, DBI_KEYS, DBI_JOBS,
	DBI_JOBIDX, DBI_COUNTS, DBI_DUE, DBI_LEASES, DBI_CBDUE, DBI_FINISHED,
	DBI_DEDUPE, DBI_IDEM, DBI_EXPIRY, DBI_ATTEMPTS, DBI_QUEUES,
	DBI_SCHEDULES, DBI_SCHEDDUE, DBI_JOBIDS, DBI_ORDER, DBI_TOPICS,
	DBI_STATS, DBI_COUNT
};
/* Databases from DBI_LATE on are made by any open that finds them missing. */
#define DBI_LATE	DBI_ORDER

/* The file of each database, in data_dir. */
extern const char *const store_files[DBI_COUNT];

/*
 * Counter changes are gathered during a transaction and written once each,
 * in key order, just before it commits: a batch of claims or results that
 * moves many jobs between the same statuses then writes each counter once,
 * and every transaction takes counter locks in the same order.
 */
#define STORE_DELTAS	64
#define STORE_DIM_MAX	128

struct store_delta {
	unsigned char	dim[STORE_DIM_MAX];
	size_t		len;
	int64_t		delta;
};

/* With DB_THREAD, a get needs memory of its own: one buffer per database. */
struct store_buf {
	void		*p;
	u_int32_t	 cap;
};

struct store {
	DB_ENV		*env;
	DB		*db[DBI_COUNT];
	int		 sync;		/* enum conf_sync */
	int		 lazy;		/* STORE_LAZY: commits left in the log buffer */
	struct store_writer *writer;	/* the writer lock (store_writer.c) */
	int		 writer_held;
	int		 repl;		/* replication configured (store_repl.c) */
	int		 create;	/* STORE_CREATE: dqctl init may write without a role */
	int		 dbs_open;	/* db[] is open (a new replica waits for its copy) */
	int		 quiet_threads;	/* Berkeley DB's threads here ignore our signals */
	int64_t		 ack_timeout_ms;
	struct store_buf getbuf[DBI_COUNT];	/* DB_THREAD: where store_get reads */
	int		 unflushed;	/* a commit stands whose flush failed */
	int		 txn_wrote_queue;	/* this transaction created a queue record */
	int64_t		 max_queues;	/* per account (dq.conf) */
	int64_t		 max_jobs;	/* per account; 0: no limit */
	int64_t		 max_schedules;	/* per account; 0: no limit */
	int64_t		 max_topics;	/* per account (dq.conf) */
	int64_t		 max_stats_queues;	/* queue series per account a minute */
	struct store_delta deltas[STORE_DELTAS];	/* this transaction's counters */
	int		 ndeltas;
	struct store_qseen *qseen;	/* queues known to exist (store_queue.c) */
	struct stats_delta *sdeltas;	/* this transaction's activity (store_stats.c) */
	int		 nsdeltas;
};

/* Replication inside the store (store_repl.c). */
extern volatile sig_atomic_t	store_perm_failed;	/* the last commit was not acknowledged */
/* Environment open flags replication adds (0 without it). */
u_int32_t store_repl_open_flags(const struct store *);
/* The replication events every process handles (from store_event). */
void	store_repl_event(DB_ENV *, u_int32_t event, void *info);
/* May this transaction run here now?  DQ_OK, or why not. */
enum dq_err store_repl_admit(struct store *, int write);
/* After a write's commit raised DB_EVENT_REP_PERM_FAILED: 0 if a probe
 * shows it durable after all, else STORE_RET(DQ_ERR_NOT_ACKED). */
int	store_repl_confirm(struct store *, int64_t commit_ms);
/* store_flush() in a group: a synchronous probe commit (logged if the
 * group did not acknowledge it). */
void	store_repl_flush(struct store *);
/* Block our signals in the threads Berkeley DB starts during fn's writes. */
void	store_repl_shield(struct store *, sigset_t *old);
void	store_repl_unshield(struct store *, const sigset_t *old, int committed);
/* Open the databases if this member has them (store.c). */
int	store_open_dbs(struct store *, int create);
/* Check (or, creating, write) the schema version; -1 with err set. */
int	store_schema(struct store *, int create, char *err, size_t errsz);
void	store_close_dbs(struct store *);

/*
 * Set when the watchdog fired during this transaction: every walk over a
 * database gives up then, so that the transaction ends cleanly instead of
 * the process being killed inside Berkeley DB.  Walks step with
 * store_cursor_get(), c->get() but for that: STORE_RET(DQ_ERR_BUSY) once
 * the watchdog has fired.
 */
extern volatile sig_atomic_t	store_overdue;
int	store_cursor_get(DBC *, DBT *key, DBT *data, u_int32_t flags);

/*
 * Run fn inside a transaction, retrying deadlocks; STORE_TXN_READ for reads.
 * STORE_TXN_WRITTEN: in a STORE_LAZY process, write the commit to the log
 * file at once (not flushed), as other processes' commits are, instead of
 * leaving it in the shared log buffer (store.c, store_commit_flags).
 * STORE_TXN_NOFLUSH: a write whose commit is not flushed to disk (with sync
 * full) until the caller's store_flush(), as one flush for several.
 */
#define STORE_TXN_READ		0x1
#define STORE_TXN_WRITTEN	0x2
#define STORE_TXN_NOFLUSH	0x4
void	store_flush(struct store *);
typedef int (*store_txn_fn)(struct store *, DB_TXN *, void *arg);
enum dq_err store_txn(struct store *, int flags, store_txn_fn, void *arg);

/* fn return values other than 0 and Berkeley DB's own codes. */
#define STORE_RET(e)	(-1000 - (int)(e))	/* carry a dq_err out of fn */
int	store_ret_err(int ret);			/* the dq_err of a STORE_RET */

/*
 * Walks (store_walk.c).  store_range: a cursor on dbi for a walk from start
 * (sl bytes), its key read into kbuf (cap bytes) and its data into d (or
 * only the keys); the caller steps with store_cursor_get(DB_SET_RANGE,
 * then DB_NEXT) and closes it.  store_name_page: one page of an account's
 * records keyed u32 account | name, from start on, skipping offset: fn
 * takes the i-th of at most limit; *more when another follows.
 */
/* Two keys in the databases' order (bytes, then the shorter first). */
int	store_key_cmp(const void *a, size_t al, const void *b, size_t bl);
int	store_range(struct store *, DB_TXN *, int dbi, const void *start, size_t sl,
	    unsigned char *kbuf, size_t cap, DBC **c, DBT *k, DBT *d, int keys_only);
struct store_name_walk {
	uint32_t		 account;
	const unsigned char	*start;
	size_t			 sl;
	int64_t			 offset;
	int			 limit;
	int			(*fn)(const unsigned char *k, size_t kl, const DBT *d,
				    int i, void *arg);
	void			*arg;
};
int	store_name_page(struct store *, DB_TXN *, int dbi, const struct store_name_walk *,
	    int *n, int *more);

/* DBT helpers. */
void	store_dbt(DBT *, const void *, size_t);
int	store_get(struct store *, DB_TXN *, int dbi, const void *k, size_t kl,
	    DBT *data, u_int32_t flags);
/* The lock every write txn holds from before it begins to its end
 * (store_txn() takes it; store_writer.c).  lock: 0, or DB_LOCK_NOTGRANTED
 * after STORE_LOCK_TIMEOUT_US. */
#define STORE_LOCK_TIMEOUT_US	500000
int	store_writer_open(struct store *, const char *dir, char *err, size_t errsz);
void	store_writer_close(struct store *);
int	store_writer_lock(struct store *);
void	store_writer_unlock(struct store *);
int	store_put(struct store *, DB_TXN *, int dbi, const void *k, size_t kl,
	    const void *d, size_t dl);
int	store_del(struct store *, DB_TXN *, int dbi, const void *k, size_t kl);

/* Counters (add is applied at commit; get sees this transaction's adds). */
int	store_count_add(struct store *, DB_TXN *, const void *dim, size_t dl, int64_t delta);
int	store_count_flush(struct store *, DB_TXN *);
/* Write a counter at once, not at commit (tests that need its lock now). */
int	store_count_write_now(struct store *, DB_TXN *, const void *dim, size_t dl,
	    int64_t delta);
int	store_count_get(struct store *, DB_TXN *, const void *dim, size_t dl, int64_t *out);

/* Keys (store_keys.c): each builder takes its buffer's size and returns
 * the key's length, or 0 when it does not fit (nothing is written past cap);
 * store_get/put/del refuse a 0-length key with DQ_ERR_INVALID. */
#define KEY_MAX		512
#define DIM_STATUS	0x01
#define DIM_QUEUE	0x02
#define DIM_SCHED	0x04
#define DIM_SCHEDULES	0x10	/* listing of schedules, per account */
#define DIM_QUEUES	0x20	/* a counter only: the account's queue records */
#define DIM_TOPICS	0x40	/* a counter only: the account's topics */

size_t	key_qkey(unsigned char *, size_t cap, uint32_t account, const char *queue);
size_t	key_dim(unsigned char *, size_t cap, uint32_t account, int mask,
	    const char *queue, const char *schedule_id, int status);
size_t	key_idx(unsigned char *, size_t cap, const unsigned char *dim, size_t dl,
	    int64_t created, const char *id, size_t idlen);
size_t	key_time_id(unsigned char *, size_t cap, int64_t t, const char *id,
	    size_t idlen);
size_t	key_acct_str(unsigned char *, size_t cap, uint32_t account, const char *s);
/* qkey | t | job id: the due index's key. */
size_t	key_qkey_time_id(unsigned char *, size_t cap, uint32_t account,
	    const char *queue, int64_t t, const char *id);
/* qkey | order_at | seq | job id: the order index's key. */
size_t	key_order(unsigned char *, size_t cap, uint32_t account, const char *queue,
	    int64_t order_at, int64_t seq, const char *id);

/* One page of ids from a listing index (store_job.c). */
int	store_idx_page(struct store *, DB_TXN *, const unsigned char *dim,
	    size_t dl, const struct store_list_query *, char (*ids)[ID_JOB_LEN + 1],
	    int64_t *created, int *n, int *more);
/* Up to max (t, id) keys with t <= now under prefix; *next: the first after. */
int	store_scan_due(struct store *, DB_TXN *, int dbi, const unsigned char *prefix,
	    size_t pl, int64_t now, int max, char (*ids)[ID_JOB_LEN + 1], int *n,
	    int64_t *next);

/*
 * Whether retention may remove a job: it is finished (completed, failed or
 * cancelled) and has no callback still to make.  The finished index holds
 * exactly these.  dq 0.1.0 indexed every finished job, so a store it wrote
 * may also hold entries of jobs whose callback is pending: retention drops
 * such an entry when it meets it, and the callback's end writes it again.
 */
int	store_job_removable(const struct job *);

/*
 * Make sure a queue record exists (a job names the queue).  A new one is
 * counted; with enforce, past max_queues it is refused: STORE_RET of
 * DQ_ERR_QUOTA.
 */
int	store_queue_ensure(struct store *, DB_TXN *, uint32_t account,
	    const char *queue, int enforce);
/* Would n more jobs put the account over its job quota?  1 yes, 0 no, or
 * an error. */
int	store_jobs_over_quota(struct store *, DB_TXN *, uint32_t account, int64_t n);

/* Is the account disabled?  (A missing account is not.) */
int	store_account_is_disabled(struct store *, DB_TXN *, uint32_t id, int *disabled);

/* Job index maintenance: everything derived from a job (store_jobidx.c). */
int	store_job_apply(struct store *, DB_TXN *, const struct job *old,
	    const struct job *new_);
int	store_job_read(struct store *, DB_TXN *, const char *id, u_int32_t flags,
	    struct job *out);
/* Store a new job's record (and its id's entry); gives it its seq and
 * order_at. */
int	store_job_insert(struct store *, DB_TXN *, struct job *);
/* Remove a job's record (and its id's entry); its indexes are apply()'s. */
int	store_job_remove(struct store *, DB_TXN *, const struct job *);
/* The record key of a job: created_at | id. */
#define JOB_KEY_LEN	(8 + ID_JOB_LEN)
size_t	key_job(unsigned char *, size_t cap, int64_t created, const char *id);
/* Write a job edited from old, with its indexes; copy: a decoded copy (or
 * NULL).  j's order_at follows from old (store_jobidx.c). */
int	store_job_rewrite(struct store *, DB_TXN *, const struct job *old,
	    struct job *j, struct job *copy);
/* Is a job in its queue's order index (pending or active)?  fix: give
 * one written before that index its place (store_upgrade.c). */
int	store_job_in_order(const struct job *);
int	store_job_order_fix(struct store *, DB_TXN *, struct job *);
/* The status a job is listed under in jobidx.db (a running job: pending);
 * list_running: move a running job's entries there (store_upgrade.c). */
int	store_job_listed(int status);
int	store_job_list_running(struct store *, DB_TXN *, struct job *);
/* Remove a job with its record, indexes, counters and attempts (drop:
 * retention, whose keys' rows expire on their own); purge: and take it out
 * of its dedupe and idempotency rows as well (delete) (store_jobdel.c). */
int	store_job_drop(struct store *, DB_TXN *, const struct job *);
int	store_job_purge(struct store *, DB_TXN *, const struct job *);
/* The attempts history (store_attempt.c). */
int	store_attempt_put(struct store *, DB_TXN *, const char *job_id, int seq,
	    const struct attempt *);
int	store_attempts_delete(struct store *, DB_TXN *, const char *job_id);
/*
 * Dedupe and idempotency rows (store_rows.c).  get: 1 when the row at k is
 * live at now, with the ids of the jobs it names (ids has room for
 * STORE_FANOUT_MAX) and an idempotency row's body hash; 0 when there is
 * none.  put: a row naming jobs[0..n-1], with its expiry entry (hash: for
 * an idempotency row).  forget: a job leaves the rows of its keys.
 */
int	store_row_get(struct store *, DB_TXN *, int dbi, const unsigned char *k,
	    size_t kl, int64_t now, char (*ids)[ID_JOB_LEN + 1], int *n,
	    unsigned char *hash);
int	store_row_put(struct store *, DB_TXN *, int dbi, const unsigned char *k,
	    size_t kl, const struct job *jobs, size_t n, const unsigned char *hash);
int	store_rows_forget(struct store *, DB_TXN *, const struct job *);
/* The row an expiry entry points to (ek: the entry's key, expires | kind |
 * row key), removed if it has expired at now: it may have been written
 * again since the entry was. */
int	store_row_expire(struct store *, DB_TXN *, const unsigned char *ek,
	    size_t el, int64_t now);
/* Write a job edited from old as store_job_edit() does (a retried job takes
 * its dedupe_key back), with its indexes (store_job.c). */
int	store_job_change(struct store *, DB_TXN *, const struct job *old,
	    struct job *j, struct job *copy);

/* A job's queue record says whether the queue is ordered (store_queue.c). */
int	store_queue_is_ordered(struct store *, DB_TXN *, uint32_t account,
	    const char *queue, int *ordered);

/* Activity (store_stats.c): what a job's change counts, gathered during the
 * transaction and written before it commits. */
int	store_stats_job(struct store *, DB_TXN *, const struct job *old,
	    const struct job *nw, const struct attempt *at);
int	store_stats_flush(struct store *, DB_TXN *);
/* Bring a store made by an older dq up to date (store_upgrade.c). */
int	store_upgrade(struct store *, char *err, size_t errsz);
int	store_dim_total(struct store *, DB_TXN *, uint32_t account, int mask,
	    const char *queue, const char *schedule_id, int status, int64_t *total);

/* A job's attempt history (store_attempt.c). */
int	store_attempt_put(struct store *, DB_TXN *, const char *job_id, int seq,
	    const struct attempt *);
int	store_attempts_delete(struct store *, DB_TXN *, const char *job_id);

#endif
