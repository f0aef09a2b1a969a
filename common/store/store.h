/*
 * The store: dq's durable state in one transactional Berkeley DB environment
 * (data_dir).  This header is all that fcgi/, dispatcher/ and dqctl/ see;
 * <db.h> is included only by common/store/store*.c.
 *
 * Every public function is one transaction: it either happens completely or
 * not at all.  A deadlock or lock timeout is retried a bounded number of
 * times, then DQ_ERR_BUSY is returned (the API's 503 unavailable).  Out of
 * disk space is DQ_ERR_BUSY as well.  A panic (DB_RUNRECOVERY) ends the
 * process; its supervisor restarts it and the new open recovers.
 *
 * Each process opens its own store after fork() and keeps it open.
 */
#ifndef DQ_STORE_H
#define DQ_STORE_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "crypto.h"
#include "dqerr.h"
#include "job.h"
#include "schedule.h"

#define STORE_CREATE	0x1	/* dqctl init: create the environment */
#define STORE_LAZY	0x2	/* commits stay in the log buffer (claims
				   excepted): call store_sync() */
#define STORE_ENV_ONLY	0x4	/* the environment only, no database (janitors, dq-repd) */
#define STORE_NO_FAILCHK 0x8	/* open without failchk (dq-repd, see store.c) */

#define ACCOUNT_NAME_MAX	64

struct store;

int	store_open(struct store **, const struct dq_conf *, int flags,
	    char *err, size_t errsz);
void	store_close(struct store *);
/*
 * The transaction watchdog (store.c): a transaction attempt that takes
 * longer than ms gets SIGALRM.  The process's handler must first call
 * store_watchdog_fired(): when it answers 1 the handler just returns, and
 * the transaction ends by itself (aborted, DQ_ERR_BUSY) at its next step;
 * when it answers 0 (not in a transaction, or still stuck in the same one
 * a grace period later: blocked on a lock or mutex of a dead process) the
 * handler ends the process.  0 ms (the default): no watchdog.
 */
void	store_set_watchdog_ms(unsigned ms);
int	store_watchdog_fired(void);	/* async-signal-safe */
/*
 * Clean up after processes that died in the store: their transactions are
 * aborted and their locks released.  The janitor calls it every second.
 * If a dead process held one of the environment's internal mutexes,
 * nothing can be cleaned up in place: the environment is marked for
 * recovery and every process exits to be restarted.
 */
enum dq_err store_failchk(struct store *);
/* Expire lock waits past their timeout (Berkeley DB checks them only when
 * asked): a wait behind a dead process's lock then fails instead of hanging.
 * The janitor calls it ten times a second. */
enum dq_err store_expire_locks(struct store *);
/*
 * The body of a janitor child (janitor.c): ends expired lock waits and runs
 * failchk until its parent (pid parent) is gone or it gets SIGTERM; never
 * returns.  Call it right after fork().  dq-fcgi's master and the
 * dispatcher each keep one.
 */
void	store_janitor_run(const struct dq_conf *, pid_t parent)
	    __attribute__((noreturn));
/*
 * Flush the log to disk.  STORE_LAZY processes (the dispatcher and its
 * children) leave their commits in the shared log buffer, which the next
 * commit of another process or this flush writes out: the dispatcher's
 * housekeeper calls it five times a second, so their own bookkeeping may
 * be lost for at most that long in a power cut or a recovery, which only
 * means some work is delivered again.
 */
enum dq_err store_sync(struct store *);
/*
 * With sync full, did a commit since the last call stand although its log
 * flush failed (after retries)?  The change is in the store, but a power
 * cut before the next flush that works would lose it.  Clears the flag.
 * Only commits that are flushed at once can fail so: never a STORE_LAZY
 * process's (their flush is store_sync(), whose failure the caller sees).
 */
int	store_take_unflushed(struct store *);
/* Is the environment usable?  (healthz) */
enum dq_err store_ping(struct store *);

/* --- accounts ------------------------------------------------------------- */

struct account {
	uint32_t	id;
	char		name[ACCOUNT_NAME_MAX + 1];
	int		disabled;
	int		sign_with_api_key;
	int64_t		created_at;
	struct hmac_key	sig_key;	/* X-DispatchQ-Signature */
	struct hmac_key	wh_key;		/* Standard Webhooks signature */
};

/* Creates the account and its first key; the key and secret are printed
 * once by the caller and never stored in the clear. */
enum dq_err store_account_add(struct store *, const char *name, int sign_with_api_key,
	    char api_key[ID_KEY_LEN + 1], char secret[ID_SECRET_LEN + 1],
	    struct account *out);
/* The enabled account that owns this API key, or DQ_ERR_NOTFOUND. */
enum dq_err store_account_by_key(struct store *, const char *api_key, size_t len,
	    struct account *out);
enum dq_err store_account_by_hash(struct store *,
	    const unsigned char hash[CRYPTO_SHA256_LEN], struct account *out);
enum dq_err store_account_get(struct store *, uint32_t id, struct account *out);
enum dq_err store_account_by_name(struct store *, const char *name, struct account *out);
typedef int (*store_account_fn)(const struct account *, void *arg);
enum dq_err store_account_list(struct store *, store_account_fn, void *arg);
/* Replaces the account's key (the old one stops working at once). */
enum dq_err store_account_rotate_key(struct store *, const char *name,
	    char api_key[ID_KEY_LEN + 1]);
/*
 * A disabled account's key answers 401, its due jobs are not delivered and
 * its schedules do not fire; its stored jobs stay as they are.  Enabling it
 * resumes them: jobs that came due meanwhile go out, and each schedule fires
 * once for the window it missed.  *keyless: the account has no key (it was
 * disabled by an older dq, which deleted it): rotate-key gives it one.
 */
enum dq_err store_account_disable(struct store *, const char *name);
enum dq_err store_account_enable(struct store *, const char *name, int *keyless);

/* --- jobs ----------------------------------------------------------------- */

#define STORE_DEDUPE_WINDOW_MS	(24LL * 3600 * 1000)

enum store_create_result {
	STORE_CREATED = 0,	/* 201 */
	STORE_DEDUPLICATED,	/* 200: an existing job, in existing */
	STORE_IDEM_REUSED,	/* 422: the key was used with another body */
	STORE_OVER_QUOTA	/* 422: quota says which limit (dq.conf) */
};

/* The per-account limits of dq.conf (max_*_per_account). */
enum store_quota {
	STORE_QUOTA_JOBS,
	STORE_QUOTA_QUEUES,
	STORE_QUOTA_SCHEDULES,
	STORE_QUOTA_TOPICS
};

#define STORE_FANOUT_MAX	100	/* jobs of one topic's fan-out */

/*
 * One item of a create: a job, or a topic's fan-out (njobs jobs, the same
 * but for their url and headers), which its Idempotency-Key and dedupe_key
 * cover as a whole.
 */
struct store_create {
	struct job		*job;		/* in: the new job(s) (ids assigned here) */
	size_t			 njobs;		/* in: 0 or 1: one job */
	int			 fanout;	/* in: a duplicate answers all its jobs */
	const unsigned char	*idem_hash;	/* in: SHA-256 of canonical body, or NULL */
	enum store_create_result result;	/* out */
	enum store_quota	 quota;		/* out, with STORE_OVER_QUOTA */
	struct job		 existing;	/* out, when deduplicated: the (first) job */
	struct job		*more;		/* out, a deduplicated fan-out's others */
	size_t			 nmore;
};

/* Create the items of one account in one transaction, each checked against
 * Idempotency-Key then dedupe_key first, then against the account's job
 * and queue limits (jobs made by schedules are not refused, but count).
 * Results per item; store_create_free() each item after. */
enum dq_err store_jobs_create(struct store *, uint32_t account,
	    struct store_create *items, size_t n);
void	store_create_free(struct store_create *);
/* account 0: any account (dqctl). */
enum dq_err store_job_get(struct store *, uint32_t account, const char *id,
	    struct job *out);

/*
 * Change one job in one transaction.  fn edits the job in place and returns
 * DQ_OK to write it or another code to leave it unchanged (DQ_ERR_STATE for
 * "not in that status").  Every index and counter follows from the old and
 * new versions.  out (optional) receives the job as written.
 */
typedef enum dq_err (*store_job_edit_fn)(struct job *, void *arg);
enum dq_err store_job_edit(struct store *, uint32_t account, const char *id,
	    store_job_edit_fn, void *arg, struct job *out);

/*
 * Delete a finished job (completed, failed or cancelled: DQ_ERR_STATE
 * otherwise) with its attempts, and take it out of its dedupe and
 * idempotency rows.  account 0: any account (dqctl).
 */
enum dq_err store_job_delete(struct store *, uint32_t account, const char *id);

/*
 * Bulk actions (store_bulk.c): the action on the account's jobs that match
 * a filter (status, queue, schedule_id, created_after < created_at <
 * created_before, or a list of ids with any of those), at most max of them,
 * newest first, from after (after_created, after_id).  Changed in slices of
 * at most budget_us of the writer lock each: see store_bulk.c for what that
 * means to other requests.  A job whose status does not allow the action is
 * skipped.  Out: the counts, more (more match after the last one, which is
 * in after_*), and the queues the dispatcher should look at (woken: the
 * earliest due time of the jobs that became pending there, 0 when jobs
 * were cancelled there; woken_over: there were more than STORE_BULK_QUEUES).
 */
#define STORE_BULK_MAX		1000
#define STORE_BULK_QUEUES	64

enum store_bulk_action {
	STORE_BULK_RETRY, STORE_BULK_CANCEL, STORE_BULK_APPROVE, STORE_BULK_DELETE
};

struct store_bulk_queue {
	char	queue[JOB_QUEUE_MAX + 1];
	int64_t	due;
};

struct store_bulk {
	uint32_t		 account;
	enum store_bulk_action	 action;
	int			 status;		/* -1: any */
	const char		*queue;			/* NULL: any */
	const char		*schedule_id;		/* NULL: any */
	int64_t			 created_after;		/* INT64_MIN: no bound */
	int64_t			 created_before;	/* INT64_MAX: no bound */
	const char		(*ids)[ID_JOB_LEN + 1];	/* NULL: by the index */
	int			 nids, ids_done;
	int			 has_after;
	int64_t			 after_created;
	char			 after_id[ID_JOB_LEN + 1];
	const char		*approved_by;
	int64_t			 now;
	int			 max;
	int			 budget_us;
	int			 matched, changed, skipped, more;	/* out */
	struct store_bulk_queue	 woken[STORE_BULK_QUEUES];	/* out */
	int			 nwoken, woken_over;
};
enum dq_err store_jobs_bulk(struct store *, struct store_bulk *);

#define STORE_LIST_MAX	100	/* largest page */

struct store_list_query {
	uint32_t	 account;
	int		 status;	/* -1: any */
	const char	*queue;		/* NULL: any */
	const char	*schedule_id;	/* NULL: any */
	int		 limit;
	int64_t		 offset;
	int		 has_after;	/* page after this (created, id) */
	int64_t		 after_created;
	char		 after_id[ID_JOB_LEN + 1];
};

/* Newest first.  jobs has room for q->limit; *more says whether there is
 * a next page; *total counts every match (from counters, no scan). */
enum dq_err store_jobs_list(struct store *, const struct store_list_query *q,
	    struct job *jobs, int *n, int *more, int64_t *total);

struct attempt {
	int		 n;		/* 1-based attempt number at the time */
	int64_t		 started_at;
	int64_t		 finished_at;
	int64_t		 duration_ms;
	int		 response_code;	/* 0: none */
	int		 response_is_json;
	const char	*response_body;
	const char	*error;
	void		*mem;
};
/*
 * The history keeps a job's first STORE_ATTEMPTS_FIRST attempts and its
 * latest STORE_ATTEMPTS_LATEST; fn sees those kept, in order, and *made
 * says how many were made in all (those between were dropped).
 */
#define STORE_ATTEMPTS_FIRST	10
#define STORE_ATTEMPTS_LATEST	90
typedef int (*store_attempt_fn)(const struct attempt *, void *arg);
enum dq_err store_attempts_list(struct store *, uint32_t account, const char *job_id,
	    store_attempt_fn, void *arg, int *made);

/* Jobs counted by status, for one queue (queue != NULL) or all of them. */
enum dq_err store_jobs_count(struct store *, uint32_t account, const char *queue,
	    int64_t counts[JOB_NSTATUS]);


/* --- queues --------------------------------------------------------------- */

struct queue_info {
	char		name[JOB_QUEUE_MAX + 1];
	uint32_t	account;
	int		paused;
	int64_t		concurrency;		/* 0: unlimited */
	double		rate_per_second;	/* 0: unlimited */
	int		ordered;		/* one job at a time, in order */
	int64_t		created_at;		/* 0: never stored (defaults) */
	int64_t		updated_at;
	int64_t		counts[JOB_NSTATUS];
};

struct queue_change {
	int	set_paused, paused;
	int	set_concurrency;
	int64_t	concurrency;			/* 0: unlimited */
	int	set_rate;
	double	rate_per_second;		/* 0: unlimited */
	int	set_ordered, ordered;
};

/* A queue's settings and counts; any valid name has one (defaults). */
enum dq_err store_queue_get(struct store *, uint32_t account, const char *name,
	    struct queue_info *out);
enum dq_err store_queue_set(struct store *, uint32_t account, const char *name,
	    const struct queue_change *, int64_t now, struct queue_info *out);
/* Queues of one account (account != 0) or of all accounts (0), by name. */
typedef int (*store_queue_fn)(const struct queue_info *, void *arg);
enum dq_err store_queue_list(struct store *, uint32_t account, int with_counts,
	    store_queue_fn, void *arg);
/*
 * One page of an account's queues (or topics) by name: after the named one
 * (or from the first), skipping offset; *total: how many the account has.
 */
struct store_name_query {
	uint32_t	 account;
	const char	*after;		/* NULL: from the first */
	int64_t		 offset;
	int		 limit;		/* at most STORE_LIST_MAX */
};
enum dq_err store_queue_page(struct store *, const struct store_name_query *,
	    struct queue_info *out, int *n, int *more, int64_t *total);
/* Cancel every pending and awaiting_approval job of the queue. */
enum dq_err store_queue_purge(struct store *, uint32_t account, const char *name,
	    int64_t now, int64_t *cancelled);

/* --- topics (store_topic.c) ------------------------------------------------- */

struct topic {
	char		 name[JOB_TOPIC_MAX + 1];
	uint32_t	 account;
	int64_t		 created_at, updated_at;
	char		*endpoints;	/* owned: JSON array of {"url", "headers"} */
};
void	store_topic_free(struct topic *);
/* Create or replace a topic; DQ_ERR_QUOTA for a new one past
 * max_topics_per_account. */
enum dq_err store_topic_put(struct store *, uint32_t account, const char *name,
	    const char *endpoints, int64_t now, struct topic *out);
enum dq_err store_topic_get(struct store *, uint32_t account, const char *name,
	    struct topic *out);
enum dq_err store_topic_delete(struct store *, uint32_t account, const char *name);
/* One page of an account's topics by name, as store_queue_page(). */
enum dq_err store_topic_page(struct store *, const struct store_name_query *,
	    struct topic *out, int *n, int *more, int64_t *total);

/* --- activity (store_stats.c) ---------------------------------------------- */

#define STORE_STATS_KEEP_MS	(7LL * 86400 * 1000)	/* minutes kept */
#define STORE_STATS_BUCKETS	97	/* lateness histogram: 1 ms to 2^24 ms */
#define STORE_STATS_POINTS_MAX	1440

struct store_stats_point {
	int64_t	t;			/* the start of its step */
	int64_t	created, delivered, failed_attempts, failed_jobs;
	int64_t	lateness_p99_ms;	/* -1: no attempt started */
};
/* n points of step_ms (whole minutes) from from_ms, of the account's series
 * (queue NULL) or one of its queues'. */
enum dq_err store_stats_series(struct store *, uint32_t account, const char *queue,
	    int64_t from_ms, int64_t step_ms, int n, struct store_stats_point *out);
/* Pruning minutes past STORE_STATS_KEEP_MS is a housekeeping sweep
 * (store_stats_prune, below). */
/* The lateness histogram's bucket of ms, and a histogram's 99th percentile
 * (the bucket's upper bound, ms; -1 when empty). */
int	store_stats_bucket(int64_t ms);
int64_t	store_stats_p99(const uint32_t hist[STORE_STATS_BUCKETS]);

/* --- meta ----------------------------------------------------------------- */

/* Small named integers: the dispatcher's heartbeat ("dispatcher_tick"). */
enum dq_err store_meta_get(struct store *, const char *name, int64_t *out);
enum dq_err store_meta_put(struct store *, const char *name, int64_t v);
/*
 * Small named secrets every member of a replicated group must share (the
 * list cursors' key: a cursor one member made is read by another).
 */
enum dq_err store_secret_get(struct store *, const char *name, unsigned char *buf,
	    size_t cap, size_t *len);
enum dq_err store_secret_put(struct store *, const char *name,
	    const unsigned char *v, size_t len);

/* --- the dispatcher's side ------------------------------------------------- */

struct store_lease {
	int64_t		owner;		/* random id of this dispatcher instance */
	uint32_t	pid;
	int64_t		margin_ms;	/* lease = now + job timeout + margin */
};

/*
 * Claim up to max due jobs of one queue (due_at <= now): each becomes
 * active with attempts + 1 and a lease, in one transaction.  With
 * concurrency > 0 no more are claimed than leave the queue's active count
 * (over all dispatchers) at most that.  out has room for max jobs; *next_due
 * is the due time of the first job left in the queue (0: none).
 */
enum dq_err store_claim(struct store *, uint32_t account, const char *queue,
	    int64_t now, int max, int64_t concurrency, const struct store_lease *,
	    struct job *out, int *n, int64_t *next_due);
/*
 * Every queue that has pending jobs, with its settings and the due time of
 * its first one, whatever the other queues hold (the cost is a seek per such
 * queue), a batch per read transaction.  fn may see a queue twice if a
 * transaction is retried.
 */
typedef void (*store_due_queue_fn)(const struct queue_info *, int64_t first_due,
	    void *arg);
enum dq_err store_due_queues(struct store *, store_due_queue_fn, void *arg);
/* The due time of the queue's first pending job (0: none). */
enum dq_err store_queue_next_due(struct store *, uint32_t account, const char *queue,
	    int64_t *next_due);

/*
 * Update several jobs in one transaction.  Each fn edits its job and may
 * fill an attempt record (at->n > 0) to append to the history; returning
 * anything but DQ_OK leaves that job alone (result says why).
 */
typedef enum dq_err (*store_update_fn)(struct job *, struct attempt *at, void *arg);
struct store_update {
	const char	*id;
	store_update_fn	 fn;
	void		*arg;
	enum dq_err	 result;	/* out */
};
enum dq_err store_jobs_update(struct store *, struct store_update *, size_t n);

/* Active jobs whose lease stale() says is abandoned; ids has room for max. */
typedef int (*store_stale_fn)(int64_t lease_until, int64_t owner, uint32_t pid,
	    const char *id, void *arg);
enum dq_err store_leases_stale(struct store *, store_stale_fn, void *arg,
	    char (*ids)[ID_JOB_LEN + 1], int max, int *n);

/*
 * Claim up to max due callbacks: cb_attempts + 1, held until hold_until.
 * may (optional) is asked before each one is taken, with its account:
 * those it refuses stay due and are counted in *passed (a few times max
 * are looked at, so that others can be found behind them).
 */
typedef int (*store_cb_may_fn)(uint32_t account, void *arg);
enum dq_err store_callbacks_claim(struct store *, int64_t now, int max,
	    int64_t hold_until, store_cb_may_fn may, void *may_arg,
	    struct job *out, int *n, int64_t *next_due, int *passed);
/* When the next callback is due, and the next schedule fires (0: none). */
enum dq_err store_callbacks_next_due(struct store *, int64_t *next_due);
enum dq_err store_schedules_next_due(struct store *, int64_t *next_due);

/*
 * Housekeeping sweeps, each one short transaction: it removes at most max
 * entries, oldest first, and stops once budget_us have passed inside it
 * (the store's writer lock is held meanwhile).  more says that it stopped
 * before everything due was gone: call again.
 */
struct store_sweep {
	int64_t		before;		/* in: what expired, or finished, before this */
	int		max;		/* in */
	int		budget_us;	/* in */
	int		done;		/* out: entries removed */
	int		more;		/* out */
	/* in/out: where a sweep in key order goes on (activity); the caller
	 * keeps it between calls, fl 0 at first */
	unsigned char	from[80];
	size_t		fl;
};
/* Dedupe and Idempotency-Key rows past their 24 hours. */
enum dq_err store_expire_keys(struct store *, struct store_sweep *);
/* Finished jobs (completed, failed, cancelled) with no callback still to
 * make, with their attempts. */
enum dq_err store_retain(struct store *, struct store_sweep *);
/* Activity minutes before `before` (store_stats.c).  An account's series
 * are not kept in time order: the sweep walks them all, in key order, from
 * where the last call stopped. */
enum dq_err store_stats_prune(struct store *, struct store_sweep *);
enum dq_err store_checkpoint(struct store *);
/* Write dirty cache pages in the background until pct percent are clean,
 * so that requests rarely have to write one out to make room. */
enum dq_err store_trickle(struct store *, int pct);

/* --- schedules -------------------------------------------------------------- */

/* Store a new schedule (its id is assigned here). */
enum dq_err store_schedule_create(struct store *, uint32_t account, struct schedule *);
enum dq_err store_schedule_get(struct store *, uint32_t account, const char *id,
	    struct schedule *out);
/* Change a schedule in one transaction; fn edits it in place (replace,
 * pause, resume).  out (optional) receives it as written. */
typedef enum dq_err (*store_sched_fn)(struct schedule *, void *arg);
enum dq_err store_schedule_edit(struct store *, uint32_t account, const char *id,
	    store_sched_fn, void *arg, struct schedule *out);
enum dq_err store_schedule_delete(struct store *, uint32_t account, const char *id);
/* Put every active schedule of the account back in the due index (its
 * entries are dropped while the account is disabled). */
enum dq_err store_schedules_reindex(struct store *, uint32_t account);
/* Newest first, paged like jobs (only account, limit, offset, after). */
enum dq_err store_schedules_list(struct store *, const struct store_list_query *,
	    struct schedule *out, int *n, int *more, int64_t *total);

/*
 * Fire due schedules (next_run_at <= sched_now): each firing creates one job
 * and advances its schedule in the same transaction, so a firing can never
 * happen twice or be lost.  Firings missed while no dispatcher ran become
 * one job; the next run is computed from sched_now.  Jobs are stamped with
 * now.  out has room for max; *next_due: the next schedule's run (0: none).
 */
struct store_fired {
	uint32_t	account;
	char		queue[JOB_QUEUE_MAX + 1];
	enum job_status	status;
	int64_t		due;
};
enum dq_err store_schedules_fire(struct store *, int64_t sched_now, int64_t now,
	    int max, struct store_fired *out, int *n, int64_t *next_due);

/* --- replication (store_repl.c) -------------------------------------------------- */

/*
 * With replication_listen set, the store is one member of a group kept by
 * Berkeley DB's replication manager, which dq-repd runs; every other process
 * opens the same environment and follows it.  Writes happen on the master
 * only: elsewhere a write transaction is refused before it starts
 * (DQ_ERR_NOT_MASTER), a replica that has not yet received its copy of the
 * databases answers DQ_ERR_SYNCING, and a commit the others did not
 * acknowledge in time is DQ_ERR_NOT_ACKED.
 */
enum store_role { STORE_ROLE_NONE = 0, STORE_ROLE_REPLICA, STORE_ROLE_MASTER };

int	store_replicated(const struct store *);
/* This member's role now, from the environment (cheap: every request).
 * Without replication, always master. */
enum store_role store_role(struct store *);
/* May this process write now?  Without replication, yes; in a group, when
 * this member is the master and its dq-repd is there and says so. */
int	store_writable(struct store *);

struct store_repl_status {
	enum store_role	role;
	int		syncing;	/* a replica not caught up since it started */
	uint32_t	gen;		/* replication generation: one per master */
	uint64_t	elections;	/* held since the environment was made */
	char		master[CONF_ADDR_MAX];	/* HOST:PORT, "" when none is known */
	uint64_t	lsn;		/* end of the log: file << 32 | offset */
	uint64_t	log_file_max;	/* bytes in a log file (LSN arithmetic) */
};
enum dq_err store_repl_status(struct store *, struct store_repl_status *);

/*
 * dq-repd only.  Configure this member (replication_* keys; creator: found
 * a new group) and start the replication manager: 0 started, 1 not yet
 * (joining needs the master and a majority: try again in a second), -1
 * failed (err says why).  msg receives the status messages other members
 * send (store_chan_send), in a replication thread.
 */
typedef void (*store_repl_msg_fn)(const void *msg, size_t len, void *arg);
int	store_repl_start(struct store *, const struct dq_conf *, int creator,
	    store_repl_msg_fn msg, void *arg, char *err, size_t errsz);
struct store_member {
	char	addr[CONF_ADDR_MAX];
	int	eid;
	int	connected;
};
/* The other members as the replication manager knows them; n or -1. */
int	store_repl_members(struct store *, struct store_member *, int max);
/*
 * Remove old log files, in a group (where Berkeley DB removes none by
 * itself, store.c).  Of the files this member's recovery no longer needs,
 * those from number keep_from on (repl_log_needed: a member away may still
 * ask for them) stay, at most keep_bytes of them, the newest; *cut counts
 * the files removed although a member needed them (it will be sent a full
 * copy of the data instead).  The housekeeper calls it after a checkpoint.
 */
enum dq_err store_repl_logs_trim(struct store *, uint32_t keep_from,
	    int64_t keep_bytes, int *removed, int *cut);
/* Remove a member from the group (it may be down). */
enum dq_err store_repl_remove(struct store *, const char *addr, char *err, size_t errsz);
/* Replication events this process saw since the last call (counted in
 * repl.h's counters as they come); *changed: the role may have changed. */
void	store_repl_take_events(int *changed);
/* TCP_NODELAY on every TCP socket of this process (the replication
 * manager's own connections are left to Nagle, which costs 40 ms a commit). */
void	store_repl_nodelay(void);
/* A message channel to one member (its eid), for status messages. */
struct store_chan;
struct store_chan *store_chan_open(struct store *, int eid);
int	store_chan_send(struct store_chan *, const void *msg, size_t len);
void	store_chan_close(struct store_chan *);

/* --- administration (dqctl) ---------------------------------------------------- */

/*
 * Check every database: each file's structure (as db_verify does; dq must
 * be stopped for this part), and that every index entry and counter agrees
 * with the records.  Each problem found is passed to report; the count is
 * returned in *problems.
 */
typedef void (*store_report_fn)(const char *problem, void *arg);
enum dq_err store_verify(struct store *, const char *data_dir, int structure,
	    store_report_fn, void *arg, int64_t *problems);
/* A hot backup into dir, recovered there so that dir is a usable data_dir. */
enum dq_err store_backup(struct store *, const char *dir, char *err, size_t errsz);
/* Is a live process attached to data_dir's environment?  *pid: one of them. */
int	store_attached(const char *data_dir, pid_t *pid);
/* Run recovery on a data_dir no process is using (catastrophic: from all logs). */
int	store_recover(const struct dq_conf *, int catastrophic, char *err, size_t errsz);

#endif
