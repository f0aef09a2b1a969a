/*
 * The Berkeley DB environment: opening it the multi-process way (each
 * process its own handle, DB_REGISTER + DB_RECOVER + DB_FAILCHK), the
 * transaction runner with bounded deadlock retries, and small DBT helpers.
 * doc/INTERNALS.md says why each flag is set and what dq relies on.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "dqtime.h"
#include "log.h"
#include "mapfile.h"
#include "num.h"
#include "repl.h"
#include "store_int.h"

#define STORE_TRIES		12
#define STORE_THREADS		1024
#define STORE_PAGESIZE		8192	/* measured: 4-16k within 3%; 8k best */
#define STORE_OPEN_TIMEOUT_S	15
/*
 * The shared regions' sizes, fixed when the environment is created (an
 * open that finds it exists uses its sizes).  Each is far above what dq
 * uses, because running out is an error in the middle of a transaction:
 * - the log buffer holds the records written between two flushes; 4 MB
 *   is over a thousand creates, more than arrive between two;
 * - a transaction locks every page it touches: a 1,000-job batch or bulk
 *   action touches about 20,000, and every process may be in one at once;
 * - a locker is a transaction, a cursor or a database handle, per process
 *   (19 databases each) up to STORE_THREADS processes and threads;
 * - transactions: one per process at a time, a few for dqctl.
 */
#define STORE_LOG_BUFFER	(4 << 20)
#define STORE_MAX_LOCKS		200000
#define STORE_MAX_LOCK_OBJECTS	200000
#define STORE_MAX_LOCKERS	20000
#define STORE_MAX_TXNS		2000
/*
 * Berkeley DB fsyncs a log file when it moves on to the next, in whichever
 * process writes the record that crosses the end, and every commit of
 * every process waits meanwhile.  At 300 jobs a second dq writes about
 * 3 MB of log a second: with 10 MB files (the default) that was a stall of
 * tens of milliseconds every few seconds, longer while the disk was busy.
 * Bigger files make it rare; the housekeeper's frequent flushes keep what
 * that fsync has left to write small.  Files no longer needed are removed
 * after the housekeeper's checkpoints (thirty seconds apart), so data_dir
 * holds a few of them; in a group the housekeeper removes them, and keeps
 * those a member that is away still needs (store_repl_logs_trim).
 */
#define STORE_LOG_FILE_SIZE	(64 << 20)
/* Left by an open that hung; the next open recovers without trying failchk. */
#define STORE_WEDGED_FILE	"wedged"

/* One environment per process: where it is, and whether it is being opened. */
static char			store_home[4096];
static char			store_wedged_path[4096];
static volatile sig_atomic_t	store_opening;

const char *const store_files[DBI_COUNT] = {
	"meta.db", "accounts.db", "acctnames.db", "keys.db", "jobs.db",
	"jobidx.db", "counts.db", "due.db", "leases.db", "cbdue.db",
	"finished.db", "dedupe.db", "idem.db", "expiry.db", "attempts.db",
	"queues.db", "schedules.db", "scheddue.db", "jobids.db", "order.db",
	"topics.db", "stats.db"
};

const char *
dq_strerror(enum dq_err e)
{
	static const char *const msgs[] = {
		"ok", "out of memory", "store busy", "not found",
		"not allowed in this state", "idempotency key reused",
		"already exists", "invalid argument", "corrupt record",
		"internal error", "over the account's quota",
		"this member is not the master", "this replica is catching up",
		"not acknowledged by a majority"
	};

	return (unsigned)e < sizeof(msgs) / sizeof(msgs[0]) ? msgs[e] : "?";
}

/*
 * A new member's copy (replication's internal init) makes the master open
 * every file in data_dir as if it were a database; dq's own files there
 * (repl.map, wakeup.sock, ...) are not, and Berkeley DB says so each time.
 * Those complaints are not worth a warning; a database's own (a path in
 * .db) still is.
 */
static int
store_err_is_scan(const char *msg)
{
	if (strstr(msg, "BDB0178 ") != NULL)	/* "encrypted": dq encrypts nothing */
		return 1;
	return (strstr(msg, "BDB0210 ") != NULL || strstr(msg, "BDB0004 ") != NULL) &&
	    strstr(msg, ".db:") == NULL;
}

static void
store_errcall(const DB_ENV *env, const char *pfx, const char *msg)
{
	if (store_err_is_scan(msg))
		log_debug("store: %s", msg);
	else
		log_warnx("store: %s", msg);
}

static void
store_msgcall(const DB_ENV *env, const char *msg)
{
	log_info("store: %s", msg);
}

/*
 * DB_REGISTER recovery is about to run, and pid still has the old
 * environment open.  A process killed inside Berkeley DB may have died
 * holding a mutex or a lock, and a process waiting on it never sees the
 * panic that tells it to leave: it would wait forever in the discarded
 * environment.  So it is killed, and its process manager starts it again.
 * Only a process that has this data_dir's regions mapped is killed, so a
 * stale registry slot whose pid was reused cannot hit a stranger.
 */
static void
store_kill_straggler(pid_t pid)
{
	if (pid <= 0 || pid == getpid() || !mapfile_maps_env(pid, store_home))
		return;
	log_warnx("store: recovering; killing process %ld, still in the old "
	    "environment", (long)pid);
	(void)kill(pid, SIGKILL);
}

/*
 * A panic means the environment must be recovered: leave, be restarted, and
 * the next open (DB_REGISTER finds this process's slot abandoned) recovers.
 * Except during an open: there the panic is how DB_REGISTER tells the
 * opener to go on and recover, and leaving would leave the environment
 * panicked for every later open too.
 */
static void
store_event(DB_ENV *env, u_int32_t event, void *info)
{
	if ((event == DB_EVENT_PANIC || event == DB_EVENT_REG_PANIC) && !store_opening) {
		log_warnx("store: environment panic; exiting for recovery");
		_exit(3);
	}
	if (event == DB_EVENT_REG_ALIVE && info != NULL)
		store_kill_straggler(*(pid_t *)info);
	store_repl_event(env, event, info);
}

/*
 * DB_REGISTER with DB_FAILCHK attaches to the environment before failchk
 * runs, and the attach waits forever on a mutex that a killed process held.
 * When an open makes no progress for this long, it leaves a note and exits;
 * the next open then goes straight to full recovery, which does not wait on
 * old mutexes.  Recovery reports its progress, which restarts the clock, so
 * a long recovery is never cut short.
 */
static void
store_open_progress(DB_ENV *env, int opcode, int percent)
{
	if (store_opening)
		alarm(STORE_OPEN_TIMEOUT_S);
}

static void
store_open_timeout(int sig)
{
	int fd;

	/* a replica's open waits, in steps, while its copy arrives (not stuck) */
	if (repl_syncing()) {
		alarm(STORE_OPEN_TIMEOUT_S);
		return;
	}
	fd = open(store_wedged_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd != -1)
		close(fd);
	_exit(3);
}

/*
 * Berkeley DB 5.3's failchk cannot clean up after a dead dq-repd: for the
 * databases its replication threads opened to apply the master's records,
 * __dbreg_failchk() looks in the calling process's own table of handles,
 * which are not there (a process without databases, the janitor, crashes
 * on a null pointer; another could close a handle of its own).  So in a
 * group failchk runs only while dq-repd lives (store_failchk_now), and
 * takes it for alive all the same (it may die meanwhile); a dq-repd that
 * died is cleaned up by full recovery, at the next open (its successor's,
 * which runs without failchk, or any process's opened before that).
 */
static int
store_failchk_now(const struct store *st)
{
	return !st->repl || repl_repd_lives();
}

/*
 * dq-repd (STORE_NO_FAILCHK) opens without failchk: cleaning up after a dead
 * process writes to the log, and a member restarted after a crash still
 * looks like the master it was until dq-repd has started replication, so
 * the write would start the replication manager's threads in dq-repd by
 * themselves, before it starts them again as their owner: two of its
 * threads then wait for each other.  A dead process found at its open is
 * cleaned up by full recovery instead.
 */
static int
store_env_open(struct store *st, const struct dq_conf *c, int flags)
{
	struct sigaction sa, old;
	int ret, wedged;

	snprintf(store_home, sizeof(store_home), "%s", c->data_dir);
	snprintf(store_wedged_path, sizeof(store_wedged_path), "%s/%s",
	    c->data_dir, STORE_WEDGED_FILE);
	wedged = access(store_wedged_path, F_OK) == 0;
	if (wedged)
		log_warnx("store: an earlier open hung; recovering the environment");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = store_open_timeout;
	sigaction(SIGALRM, &sa, &old);
	store_opening = 1;
	alarm(STORE_OPEN_TIMEOUT_S);
	ret = st->env->open(st->env, c->data_dir, DB_CREATE | DB_INIT_TXN |
	    DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL | DB_REGISTER |
	    DB_RECOVER | (wedged || (flags & STORE_NO_FAILCHK) ||
	    !store_failchk_now(st) ? 0 : DB_FAILCHK) |
	    store_repl_open_flags(st), 0600);
	alarm(0);
	store_opening = 0;
	sigaction(SIGALRM, &old, NULL);
	if (ret == 0 && wedged)
		(void)unlink(store_wedged_path);
	return ret;
}

static int
store_is_alive(DB_ENV *env, pid_t pid, db_threadid_t tid, u_int32_t flags)
{
	if (repl_is_repd(pid))
		return 1;
	return kill(pid, 0) == 0 || errno == EPERM;
}

static int
store_env_config(struct store *st, const struct dq_conf *c)
{
	DB_ENV *env = st->env;
	int ret;

	env->set_errcall(env, store_errcall);
	env->set_msgcall(env, store_msgcall);
	if ((ret = env->set_event_notify(env, store_event)) != 0 ||
	    (ret = env->set_feedback(env, store_open_progress)) != 0 ||
	    (ret = env->set_lk_detect(env, DB_LOCK_DEFAULT)) != 0 ||
	    (ret = env->set_timeout(env, STORE_LOCK_TIMEOUT_US, DB_SET_LOCK_TIMEOUT)) != 0 ||
	    (ret = env->set_flags(env, DB_TIME_NOTGRANTED, 1)) != 0 ||
	    (ret = env->set_thread_count(env, STORE_THREADS)) != 0 ||
	    (ret = env->set_isalive(env, store_is_alive)) != 0 ||
	    (ret = env->set_cachesize(env, (u_int32_t)(c->cache_size >> 30),
	    (u_int32_t)(c->cache_size & ((1 << 30) - 1)), 1)) != 0 ||
	    (ret = env->set_lg_bsize(env, STORE_LOG_BUFFER)) != 0 ||
	    (ret = env->set_lg_max(env, STORE_LOG_FILE_SIZE)) != 0 ||
	    (ret = env->set_lk_max_locks(env, STORE_MAX_LOCKS)) != 0 ||
	    (ret = env->set_lk_max_objects(env, STORE_MAX_LOCK_OBJECTS)) != 0 ||
	    (ret = env->set_lk_max_lockers(env, STORE_MAX_LOCKERS)) != 0 ||
	    (ret = env->set_tx_max(env, STORE_MAX_TXNS)) != 0 ||
	    (ret = env->log_set_config(env, DB_LOG_AUTO_REMOVE, !st->repl)) != 0)
		return ret;
	/*
	 * Commits never fsync by themselves: with sync full, store_txn()
	 * flushes the log after the commit instead, so that several processes
	 * committing at once share one fsync (group commit).
	 */
	if (c->sync == CONF_SYNC_NONE)
		ret = env->set_flags(env, DB_TXN_NOSYNC, 1);
	else
		ret = env->set_flags(env, DB_TXN_WRITE_NOSYNC, 1);
	return ret;
}

/*
 * Every database but the late ones must exist (dqctl init makes them); the
 * late ones, which came after the first release, are made by whichever
 * process finds them missing, so that a store made by an older dq opens
 * (in a group, by the master's: a replica receives them).
 */
int
store_open_dbs(struct store *st, int create)
{
	DB *db;
	int i, ret, make;

	for (i = 0; i < DBI_COUNT; i++) {
		make = create || i >= DBI_LATE;
		if ((ret = db_create(&db, st->env, 0)) != 0)
			return ret;
		st->db[i] = db;
		if (make && (ret = db->set_pagesize(db, STORE_PAGESIZE)) != 0)
			return ret;
		/*
		 * B-trees all: a hash table (tried) updates its metadata page on
		 * every insert, which serialises concurrent creates.
		 */
		if ((ret = db->open(db, NULL, store_files[i], NULL, DB_BTREE,
		    DB_AUTO_COMMIT | (make ? DB_CREATE : 0), 0600)) != 0)
			return ret;
	}
	return 0;
}

/*
 * Also what the handle remembers of them: after a replication rollback (the
 * handles are reopened then) a queue record it saw may be gone.
 */
void
store_close_dbs(struct store *st)
{
	int i;

	for (i = DBI_COUNT - 1; i >= 0; i--) {
		if (st->db[i] != NULL)
			st->db[i]->close(st->db[i], 0);
		st->db[i] = NULL;
	}
	st->dbs_open = 0;
	free(st->qseen);
	st->qseen = NULL;
}

/* The schema version lives in meta; create writes it, others check it. */
int
store_schema(struct store *st, int create, char *err, size_t errsz)
{
	unsigned char v[4];
	DBT d;
	int ret;

	memset(&d, 0, sizeof(d));
	ret = store_get(st, NULL, DBI_META, "schema", 6, &d, 0);
	if (ret == DB_NOTFOUND && create) {
		num_be32_put(v, STORE_SCHEMA_VERSION);
		return store_put(st, NULL, DBI_META, "schema", 6, v, 4);
	}
	if (ret == DB_NOTFOUND) {
		snprintf(err, errsz, "store not initialised: run dqctl init");
		return -1;
	}
	if (ret != 0)
		return ret;
	if (d.size != 4 || num_be32_get(d.data) != STORE_SCHEMA_VERSION) {
		snprintf(err, errsz, "store schema version %u, this dq needs %u",
		    d.size == 4 ? num_be32_get(d.data) : 0, STORE_SCHEMA_VERSION);
		return -1;
	}
	return 0;
}

int
store_open(struct store **stp, const struct dq_conf *c, int flags,
    char *err, size_t errsz)
{
	struct store *st;
	int ret, create = (flags & STORE_CREATE) != 0;

	*stp = NULL;
	err[0] = '\0';
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	st->sync = c->sync;
	st->lazy = (flags & STORE_LAZY) != 0;
	st->repl = c->repl_listen != NULL;
	st->create = create;
	st->ack_timeout_ms = c->repl_ack_timeout_ms;
	st->max_queues = c->max_queues_per_account;
	st->max_jobs = c->max_jobs_per_account;
	st->max_schedules = c->max_schedules_per_account;
	st->max_topics = c->max_topics_per_account;
	st->max_stats_queues = c->max_stats_queues_per_account;
	if (create && mkdir(c->data_dir, 0750) == -1 && errno != EEXIST) {
		snprintf(err, errsz, "%s: %s", c->data_dir, strerror(errno));
		goto fail;
	}
	if (st->repl && repl_open(c->data_dir) == -1) {
		snprintf(err, errsz, "%s: cannot map repl.map", c->data_dir);
		goto fail;
	}
	if ((ret = db_env_create(&st->env, 0)) != 0 ||
	    (ret = store_env_config(st, c)) != 0 ||
	    (ret = store_env_open(st, c, flags)) != 0) {
		/* the regions were made with or without replication, and now
		 * the other way: stop dq, dqctl recover makes them again */
		snprintf(err, errsz, "%s: %s%s", c->data_dir, db_strerror(ret),
		    ret == EINVAL ? " (if replication_listen was just set or "
		    "removed: stop every dq process here and run dqctl recover "
		    "first)" : "");
		goto fail;
	}
	/* Best effort: reads still work without it, on a disk already full. */
	(void)mapfile_reserve_regions(c->data_dir);
	if (store_writer_open(st, c->data_dir, err, errsz) == -1)
		goto fail;
	/*
	 * In a group the databases open once this member's role is settled
	 * (store_repl.c: now, or at the first transaction that finds it so);
	 * a new member waits for its copy from the master.
	 */
	if ((flags & STORE_ENV_ONLY) || (st->repl && !create)) {
		if (!(flags & STORE_ENV_ONLY))
			(void)store_repl_admit(st, 0);
		*stp = st;
		return 0;
	}
	if ((ret = store_open_dbs(st, create)) != 0) {
		snprintf(err, errsz, "%s: %s%s", c->data_dir, db_strerror(ret),
		    ret == ENOENT ? " (run dqctl init)" : "");
		goto fail;
	}
	st->dbs_open = 1;
	if ((ret = store_schema(st, create, err, errsz)) != 0) {
		if (err[0] == '\0')
			snprintf(err, errsz, "%s: %s", c->data_dir, db_strerror(ret));
		goto fail;
	}
	if (store_upgrade(st, err, errsz) != 0)
		goto fail;
	*stp = st;
	return 0;
fail:
	store_close(st);
	return -1;
}

void
store_close(struct store *st)
{
	int i;

	if (st == NULL)
		return;
	store_close_dbs(st);
	if (st->env != NULL)
		st->env->close(st->env, 0);
	store_writer_close(st);
	for (i = 0; i < DBI_COUNT; i++)
		free(st->getbuf[i].p);
	free(st->sdeltas);
	free(st);
}

int
store_ret_err(int ret)
{
	return -1000 - ret;
}

static enum dq_err
store_map(int ret)
{
	if (ret <= -1000 && ret > -1000 - 64)
		return (enum dq_err)store_ret_err(ret);
	switch (ret) {
	case 0:
		return DQ_OK;
	case DB_NOTFOUND:
		return DQ_ERR_NOTFOUND;
	case ENOMEM:
		return DQ_ERR_NOMEM;
	case ENOSPC:
	case EDQUOT:
	case EIO:	/* no clean buffer: every eviction write failed (disk full) */
	case DB_LOCK_DEADLOCK:
	case DB_LOCK_NOTGRANTED:
	case DB_REP_HANDLE_DEAD:	/* reopened, retried, and dead again */
	case DB_REP_UNAVAIL:
	case DB_REP_LOCKOUT:
		return DQ_ERR_BUSY;
	default:
		log_warnx("store: unexpected error %d: %s", ret,
		    ret > 0 ? strerror(ret) : db_strerror(ret));
		return DQ_ERR_INTERNAL;
	}
}

/*
 * Pauses between retries of a deadlocked txn: doubling from 250 us to at
 * most 100 ms, each a random half to whole of that: the retries of one txn
 * wait a quarter to a third of a second in all, long enough for a lock
 * holder the scheduler has set aside on a busy machine, short against a
 * client's patience.
 */
static void
store_backoff(int attempt)
{
	struct timespec ts;
	unsigned char r;
	long us = 250L << (attempt < 9 ? attempt : 9);

	if (us > 100000)
		us = 100000;
	if (ids_random(&r, 1) == -1)
		r = 0;
	us = us / 2 + us / 2 * r / 255;
	ts.tv_sec = 0;
	ts.tv_nsec = us * 1000;
	nanosleep(&ts, NULL);
}

/*
 * With sync full, a commit is flushed before it is acknowledged.  The commit
 * itself has happened when the flush runs: a flush that fails must not be
 * reported as a failed transaction (a client would retry and make the job
 * twice).  It is tried again a few times; if the disk still refuses, the
 * commit stands, unflushed until the next flush that works, and
 * st->unflushed tells the caller (dq-fcgi says so in its answer and counts
 * it, store_take_unflushed()).
 */
#define STORE_FLUSH_TRIES	4

static void
store_flush_committed(struct store *st)
{
	int ret, i;

	for (i = 0; i < STORE_FLUSH_TRIES; i++) {
		if ((ret = st->env->log_flush(st->env, NULL)) == 0)
			return;
		dqtime_sleep_ms(10 << (2 * i));		/* 10, 40, 160 ms */
	}
	log_warnx("store: a commit could not be flushed to disk (%s); it stands, "
	    "but a power cut before the next flush that works would lose it",
	    ret > 0 ? strerror(ret) : db_strerror(ret));
	st->unflushed = 1;
}

/*
 * In a group, one synchronous commit: it carries Berkeley DB's "flush"
 * mark, so each member that acknowledges it has everything before it on
 * disk too (store_repl_flush).
 */
void
store_flush(struct store *st)
{
	if (st->sync != CONF_SYNC_FULL || st->lazy)
		return;
	if (st->repl)
		store_repl_flush(st);
	else
		store_flush_committed(st);
}

int
store_take_unflushed(struct store *st)
{
	int was = st->unflushed;

	st->unflushed = 0;
	return was;
}

/*
 * The transaction watchdog.  When it fires, the process's SIGALRM handler
 * asks store_watchdog_fired() first: inside a transaction the answer is to
 * let it end cleanly, not to exit.  A process that exits in the middle of a
 * Berkeley DB call may hold one of the environment's mutexes, and then only
 * a full recovery helps, which stops every process using the store.  So
 * the first firing sets store_overdue; every loop over a database checks it
 * and gives up (the transaction is aborted, the caller gets DQ_ERR_BUSY:
 * 503 with Retry-After), and the retries stop.  Only a process that is
 * still inside the same transaction a grace period later, so blocked and
 * not looping (on a lock or mutex of a process that died), is left to its
 * handler to end.
 */
static unsigned				store_watchdog_ms;
static volatile sig_atomic_t		store_in_txn;
volatile sig_atomic_t			store_overdue;

void
store_set_watchdog_ms(unsigned ms)
{
	store_watchdog_ms = ms;
}

int
store_watchdog_fired(void)
{
	unsigned grace = store_watchdog_ms / 1000;

	if (!store_in_txn || store_overdue)
		return 0;
	store_overdue = 1;
	alarm(grace > 0 ? grace : 1);	/* alarm(), unlike setitimer, is async-signal-safe */
	return 1;
}

int
store_cursor_get(DBC *c, DBT *key, DBT *data, u_int32_t flags)
{
	if (store_overdue)
		return STORE_RET(DQ_ERR_BUSY);
	return c->get(c, key, data, flags);
}

/* Arm the watchdog for one attempt; *outer: the alarm it replaces. */
static void
store_watchdog_arm(struct itimerval *outer)
{
	struct itimerval it;

	memset(&it, 0, sizeof(it));
	memset(outer, 0, sizeof(*outer));
	store_overdue = 0;
	store_in_txn = 1;
	if (store_watchdog_ms == 0)
		return;
	it.it_value.tv_sec = store_watchdog_ms / 1000;
	it.it_value.tv_usec = (store_watchdog_ms % 1000) * 1000;
	(void)setitimer(ITIMER_REAL, &it, outer);
}

/* The attempt is over: an outer alarm (the dispatcher's loop) comes back. */
static void
store_watchdog_disarm(const struct itimerval *outer)
{
	store_in_txn = 0;
	if (store_watchdog_ms != 0)
		(void)setitimer(ITIMER_REAL, outer, NULL);
}

/*
 * How a commit reaches the log.  As the environment says (store_env_config)
 * unless the process is STORE_LAZY (the dispatcher and its children): their
 * commits stay in the log buffer, shared by every process, until the next
 * commit that writes it or the housekeeper's flush, so that the
 * dispatcher's loop does not write the log under its locks.  A process
 * that dies leaves them there for the others to write, but a recovery (a
 * process died inside the store's mutexes) starts a new buffer: what was
 * still in the old one is lost, as in a power cut, which only means some
 * work is done again.  Not so for a claim (STORE_TXN_WRITTEN): a delivery
 * leaves the machine after it, and its attempt must be found after any
 * crash but the machine's (an attempt cut short comes back interrupted, in
 * the job's history), so it is written at once.
 *
 * In a group, the master sends each commit to the others as it makes it,
 * whatever reaches its own log file, and waits for their acknowledgement
 * (replication_ack_policy) all the same: a lazy commit is in the memory of
 * a majority when it returns, and the housekeeper's flush matters only to
 * this member's own disk.  A request's write with sync full commits
 * synchronously there: the record then travels with Berkeley DB's "flush"
 * mark, and each member that acknowledges it has it on disk first, so a
 * 201 means the change is on the disks of a majority.  (Alone, a request's
 * write with sync full is flushed after the commit instead, store_txn, so
 * that concurrent commits share an fsync.)
 */
static u_int32_t
store_commit_flags(const struct store *st, int flags)
{
	if (st->lazy)
		return flags & STORE_TXN_WRITTEN ? 0 : DB_TXN_NOSYNC;
	return st->repl && st->sync == CONF_SYNC_FULL &&
	    !(flags & (STORE_TXN_READ | STORE_TXN_NOFLUSH)) ? DB_TXN_SYNC : 0;
}

/*
 * One attempt at the transaction; *commit_ms: how long its commit took.
 *
 * One writing transaction at a time, in all processes: a write txn takes
 * the writer lock (store_writer.c) before it begins and holds it to its
 * commit or abort.  Berkeley DB 5.3's B-tree is not safe with concurrent
 * writers here.  When an insert finds its leaf full but another txn has
 * split it already, the insert resumes its search at the leaf's parent; if
 * it must then wait for a lock, it starts over from that parent, and a
 * writer that split the parent meanwhile has moved the key's range away:
 * the key goes to the parent's last leaf, above the next separator
 * (db_verify: "last item on page sorted greater than parent entry"), where
 * no search finds it again.  Appends from several processes at the end of
 * the time-ordered jobs.db made it happen about once in twenty runs of
 * 50,000 concurrent creates (tests/unit/test_store_concurrency reproduces
 * it).  With one writer, no page can change between a split and the search
 * after it.  Readers (STORE_TXN_READ) do not take it; commits flush the log
 * after releasing it, so writers still share fsyncs.
 */
static int
store_txn_once(struct store *st, int flags, store_txn_fn fn, void *arg,
    int64_t *commit_ms)
{
	DB_TXN *txn = NULL;
	sigset_t shield;
	int64_t t0;
	int ret, write = !(flags & STORE_TXN_READ);

	if (write && st->repl)
		store_repl_shield(st, &shield);
	if ((ret = write ? store_writer_lock(st) : 0) == 0)
		ret = st->env->txn_begin(st->env, NULL, &txn,
		    write ? 0 : DB_READ_COMMITTED);
	if (ret == 0) {
		st->txn_wrote_queue = 0;
		st->ndeltas = 0;
		st->nsdeltas = 0;
		if ((ret = fn(st, txn, arg)) == 0 &&
		    (ret = store_stats_flush(st, txn)) == 0)
			ret = store_count_flush(st, txn);
		if (ret == 0) {
			store_perm_failed = 0;
			t0 = dqtime_mono_ms();
			ret = txn->commit(txn, store_commit_flags(st, flags));
			*commit_ms = dqtime_mono_ms() - t0;
			txn = NULL;
		}
	}
	if (txn != NULL)
		txn->abort(txn);
	store_writer_unlock(st);
	if (write && st->repl)
		store_repl_unshield(st, &shield, ret == 0);
	/* a write that began as master and found the member demoted */
	if (st->repl && ret == EACCES)
		ret = STORE_RET(DQ_ERR_NOT_MASTER);
	return ret;
}

enum dq_err
store_txn(struct store *st, int flags, store_txn_fn fn, void *arg)
{
	struct itimerval outer;
	int64_t commit_ms = 0;
	int ret, tries, overdue = 0, write = !(flags & STORE_TXN_READ);
	enum dq_err e;

	if (st->repl && (e = store_repl_admit(st, write)) != DQ_OK)
		return e;
	for (tries = 0; tries < STORE_TRIES && !overdue; tries++) {
		store_watchdog_arm(&outer);
		ret = store_txn_once(st, flags, fn, arg, &commit_ms);
		overdue = store_overdue;
		store_watchdog_disarm(&outer);
		if (overdue) {
			log_warnx("store: a transaction ran past the watchdog (%u ms); "
			    "abandoned", store_watchdog_ms);
			if (ret != 0)
				ret = STORE_RET(DQ_ERR_BUSY);
		}
		if (ret == DB_RUNRECOVERY) {
			log_warnx("store: %s; exiting for recovery", db_strerror(ret));
			exit(3);
		}
		/* a rollback or a new copy on this member: handles must be reopened */
		if (ret == DB_REP_HANDLE_DEAD) {
			log_info("store: the databases changed under this process "
			    "(replication); reopening them");
			store_close_dbs(st);
			if ((e = store_repl_admit(st, write)) != DQ_OK)
				return e;
			continue;
		}
		if (ret != DB_LOCK_DEADLOCK && ret != DB_LOCK_NOTGRANTED)
			break;
		store_backoff(tries);
	}
	if (ret == DB_LOCK_DEADLOCK || ret == DB_LOCK_NOTGRANTED)
		log_warnx("store: gave up after %d tries: %s", STORE_TRIES,
		    db_strerror(ret));
	if (ret == 0 && write && st->repl && store_perm_failed)
		ret = store_repl_confirm(st, commit_ms);
	if (ret == 0 && !st->repl && !(flags & (STORE_TXN_READ | STORE_TXN_NOFLUSH)))
		store_flush(st);
	if (ret != 0 && ret > -1000)
		log_debug("store: %s", ret > 0 ? strerror(ret) : db_strerror(ret));
	if (ret == ENOSPC || ret == EDQUOT)
		log_warnx("store: out of disk space");
	else if (ret == EIO)
		log_warnx("store: I/O error (is the disk full?)");
	return store_map(ret);
}

enum dq_err
store_failchk(struct store *st)
{
	int ret;

	if (!store_failchk_now(st))
		return DQ_OK;
	ret = st->env->failchk(st->env, 0);

	if (ret == DB_RUNRECOVERY) {
		log_warnx("store: a process died inside the store; exiting for recovery");
		exit(3);
	}
	return store_map(ret);
}

enum dq_err
store_expire_locks(struct store *st)
{
	int rejected = 0;

	return store_map(st->env->lock_detect(st->env, 0, DB_LOCK_EXPIRE, &rejected));
}

enum dq_err
store_sync(struct store *st)
{
	if (st->sync == CONF_SYNC_NONE)
		return DQ_OK;
	return store_map(st->env->log_flush(st->env, NULL));
}

enum dq_err
store_ping(struct store *st)
{
	DBT d;
	int ret;
	enum dq_err e;

	if (st->repl && (e = store_repl_admit(st, 0)) != DQ_OK)
		return e;
	memset(&d, 0, sizeof(d));
	ret = store_get(st, NULL, DBI_META, "schema", 6, &d, 0);
	/* a rollback or a new copy here: open them again, as store_txn does
	 * (a process that serves only /healthz would say unavailable for ever) */
	if (ret == DB_REP_HANDLE_DEAD) {
		store_close_dbs(st);
		if ((e = store_repl_admit(st, 0)) != DQ_OK)
			return e;
		ret = store_get(st, NULL, DBI_META, "schema", 6, &d, 0);
	}
	return store_map(ret);
}

void
store_dbt(DBT *d, const void *p, size_t n)
{
	memset(d, 0, sizeof(*d));
	d->data = (void *)(uintptr_t)p;
	d->size = (u_int32_t)n;
}

/*
 * With DB_THREAD (replication), Berkeley DB will not return a record in
 * the handle's own memory: each database gets a buffer of the store's,
 * which holds what was read until the next read of that database, as the
 * handle's memory did.
 */
static int
store_get_threaded(struct store *st, DB_TXN *txn, int dbi, DBT *key, DBT *data,
    u_int32_t flags)
{
	struct store_buf *b = &st->getbuf[dbi];
	void *p;
	int ret;

	for (;;) {
		data->flags = DB_DBT_USERMEM;
		data->data = b->p;
		data->ulen = b->cap;
		ret = st->db[dbi]->get(st->db[dbi], txn, key, data, flags);
		if (ret != DB_BUFFER_SMALL)
			return ret;
		if ((p = realloc(b->p, data->size)) == NULL)
			return ENOMEM;
		b->p = p;
		b->cap = data->size;
	}
}

int
store_get(struct store *st, DB_TXN *txn, int dbi, const void *k, size_t kl,
    DBT *data, u_int32_t flags)
{
	DBT key;

	memset(data, 0, sizeof(*data));
	if (kl == 0)		/* a key builder found it would not fit */
		return STORE_RET(DQ_ERR_INVALID);
	store_dbt(&key, k, kl);
	if (st->repl)
		return store_get_threaded(st, txn, dbi, &key, data, flags);
	return st->db[dbi]->get(st->db[dbi], txn, &key, data, flags);
}

int
store_put(struct store *st, DB_TXN *txn, int dbi, const void *k, size_t kl,
    const void *d, size_t dl)
{
	DBT key, data;

	if (kl == 0)
		return STORE_RET(DQ_ERR_INVALID);
	store_dbt(&key, k, kl);
	store_dbt(&data, d, dl);
	return st->db[dbi]->put(st->db[dbi], txn, &key, &data, 0);
}

int
store_del(struct store *st, DB_TXN *txn, int dbi, const void *k, size_t kl)
{
	DBT key;
	int ret;

	if (kl == 0)
		return STORE_RET(DQ_ERR_INVALID);
	store_dbt(&key, k, kl);
	ret = st->db[dbi]->del(st->db[dbi], txn, &key, 0);
	return ret == DB_NOTFOUND ? 0 : ret;
}

static struct store_delta *
store_delta_find(struct store *st, const void *dim, size_t dl)
{
	int i;

	for (i = 0; i < st->ndeltas; i++)
		if (st->deltas[i].len == dl && memcmp(st->deltas[i].dim, dim, dl) == 0)
			return &st->deltas[i];
	return NULL;
}

int
store_count_get(struct store *st, DB_TXN *txn, const void *dim, size_t dl,
    int64_t *out)
{
	struct store_delta *pend = store_delta_find(st, dim, dl);
	DBT d;
	int ret;

	*out = pend ? pend->delta : 0;
	ret = store_get(st, txn, DBI_COUNTS, dim, dl, &d, 0);
	if (ret == DB_NOTFOUND)
		return 0;
	if (ret == 0 && d.size == 8)
		*out += (int64_t)num_be64_get(d.data);
	return ret;
}

/* Write one counter now: read, add, write. */
int
store_count_write_now(struct store *st, DB_TXN *txn, const void *dim, size_t dl,
    int64_t delta)
{
	unsigned char v[8];
	int64_t cur = 0;
	DBT d;
	int ret;

	ret = store_get(st, txn, DBI_COUNTS, dim, dl, &d, DB_RMW);
	if (ret == 0 && d.size == 8)
		cur = (int64_t)num_be64_get(d.data);
	else if (ret != DB_NOTFOUND && ret != 0)
		return ret;
	num_be64_put(v, (uint64_t)(cur + delta));
	return store_put(st, txn, DBI_COUNTS, dim, dl, v, 8);
}

int
store_count_add(struct store *st, DB_TXN *txn, const void *dim, size_t dl,
    int64_t delta)
{
	struct store_delta *pend = store_delta_find(st, dim, dl);

	if (dl == 0)
		return STORE_RET(DQ_ERR_INVALID);
	if (pend == NULL) {
		if (st->ndeltas == STORE_DELTAS || dl > STORE_DIM_MAX)
			return store_count_write_now(st, txn, dim, dl, delta);
		pend = &st->deltas[st->ndeltas++];
		memcpy(pend->dim, dim, dl);
		pend->len = dl;
		pend->delta = 0;
	}
	pend->delta += delta;
	return 0;
}

static int
store_delta_cmp(const void *a, const void *b)
{
	const struct store_delta *x = a, *y = b;

	return store_key_cmp(x->dim, x->len, y->dim, y->len);
}

int
store_count_flush(struct store *st, DB_TXN *txn)
{
	int i, ret;

	qsort(st->deltas, (size_t)st->ndeltas, sizeof(st->deltas[0]), store_delta_cmp);
	for (i = 0; i < st->ndeltas; i++) {
		if (st->deltas[i].delta != 0 && (ret = store_count_write_now(st, txn,
		    st->deltas[i].dim, st->deltas[i].len, st->deltas[i].delta)) != 0)
			return ret;
	}
	st->ndeltas = 0;
	return 0;
}
