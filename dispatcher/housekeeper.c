/*
 * The housekeeper: a child of the dispatcher (child.c) that keeps the store
 * tidy and its pages written, so that the dispatcher's loop never does.
 *
 * Five times a second it flushes the log.  The dispatcher and its children
 * commit without writing the log (STORE_LAZY; the dispatcher's claims
 * excepted, store.c): a fraction of a second of their bookkeeping can be
 * lost in a power cut or a recovery, which only means some work is
 * delivered again.  Frequent flushes also leave little for the fsync
 * that Berkeley DB makes when it switches log files, during which every
 * commit waits.  Every second it writes dirty cache pages out until a fifth
 * of the cache is clean (so that requests rarely have to write one to make
 * room) and removes finished jobs past `retention`.  Every ten seconds it
 * removes expired dedupe and Idempotency-Key rows, and every ten minutes
 * activity (GET /v1/stats) older than a week.  Every thirty seconds it
 * checkpoints (old log files are then removed, DB_LOG_AUTO_REMOVE; in a
 * group keep_logs removes them, and keeps those a member away needs).  A
 * checkpoint stalls writers twice over: while it writes a page that
 * everyone updates (a counter, the last leaf of jobs.db) it first flushes
 * the log, and its fsyncs keep the disk busy; half a minute's pages at a
 * time is a compromise between fewer stalls and shorter ones.
 *
 * Why a process of its own: writing pages out waits for the disk, for as
 * long as the disk takes, and removals are writes that queue behind the
 * store's writer lock like everyone's.  In the dispatcher's loop either
 * delayed every delivery due meanwhile (by 0.25-1 s at each checkpoint);
 * here they delay nothing but housekeeping.  A process rather than a thread
 * because each process has one store handle, opened without DB_THREAD
 * (doc/INTERNALS.md), and a process that dies in the store is cleaned
 * up by the janitor like any other.
 *
 * Removals are sweeps of short transactions (store_keep.c): each stops
 * after a few milliseconds, and the next starts after a pause, so a create
 * or a delivery result never waits long behind one.  A backlog (retention
 * shortened, or the housekeeper stopped a while) is worked off at thousands
 * of jobs a second, sweeping between the log flushes.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "child.h"
#include "dqtime.h"
#include "log.h"
#include "repl.h"
#include "sig.h"
#include "disp.h"

#define HK_FLUSH_MS		200	/* log flush */
#define HK_TICK_MS		1000	/* trickle, retention */
#define HK_KEYS_MS		10000
#define HK_ACTIVITY_MS		600000
#define HK_CHECKPOINT_MS	30000
#define HK_SWEEP_MAX		256	/* entries per transaction, */
#define HK_SWEEP_BUDGET_US	2000	/* and time inside it at most */
#define HK_SWEEP_PAUSE_MS	1	/* between two: the writers waiting go first */
#define HK_PASS_MS		HK_FLUSH_MS	/* sweeping before the other work again */
#define HK_TRICKLE_CLEAN_PCT	20
#define HK_DISK_BACKOFF_MS	30000
#define HK_WATCHDOG_S		300	/* a round this long is stuck: exit */
#define HK_STORE_WATCHDOG_S	120	/* one store transaction */

struct keeper {
	const struct dq_conf	*conf;
	struct store		*st;
	int64_t			 next_flush;	/* monotonic ms */
	int64_t			 next_tick;
	int64_t			 next_keys;
	int64_t			 next_activity;
	struct store_sweep	 activity;	/* where its sweep goes on */
	int64_t			 next_checkpoint;
	int64_t			 disk_trouble_until;	/* no page writing before */
	int			 retain_more;	/* retention stopped short */
};

typedef enum dq_err (*keep_sweep_fn)(struct store *, struct store_sweep *);

/*
 * Sweep until nothing is due or the pass has used its time; 1 if more is
 * left for the next pass.  sw: the sweep's cursor, when it keeps one
 * between passes (else a zeroed one).
 */
static int
keep_sweep(struct keeper *k, keep_sweep_fn fn, struct store_sweep *sw,
    int64_t before, const char *what)
{
	int64_t until = dqtime_mono_ms() + HK_PASS_MS;
	long total = 0;
	enum dq_err e;

	do {
		sw->before = before;
		sw->max = HK_SWEEP_MAX;
		sw->budget_us = HK_SWEEP_BUDGET_US;
		if ((e = fn(k->st, sw)) != DQ_OK) {
			log_warnx("%s: %s", what, dq_strerror(e));
			return 0;
		}
		total += sw->done;
		if (sw->more)
			dqtime_sleep_ms(HK_SWEEP_PAUSE_MS);
	} while (sw->more && dqtime_mono_ms() < until && child_running());
	if (total > 0)
		log_debug("%s: %ld removed", what, total);
	return sw->more;
}

/*
 * In a group, old log files go here, not in Berkeley DB (store.c): all but
 * those a member that is away may still ask for, within replication_log_keep.
 * On the master after each checkpoint, on a replica as often (it receives
 * the master's checkpoints).
 */
static void
keep_logs(struct keeper *k)
{
	int removed, cut;

	if (!store_replicated(k->st) || store_repl_logs_trim(k->st,
	    repl_log_needed(dqtime_now_ms()), k->conf->repl_log_keep, &removed,
	    &cut) != DQ_OK)
		return;
	if (cut > 0)
		log_warnx("removed %d old log files past replication_log_keep that "
		    "a member away may still need: it is then sent a full copy of "
		    "the data when it comes back", cut);
	else if (removed > 0)
		log_debug("removed %d old log files", removed);
}

/* Write cache pages out, unless the disk just refused: when it is full,
 * every dirty page would fail in turn, for as long as that takes. */
static void
keep_pages(struct keeper *k, int64_t mono)
{
	enum dq_err e;

	if (mono < k->disk_trouble_until)
		return;
	e = store_trickle(k->st, HK_TRICKLE_CLEAN_PCT);
	if (e == DQ_OK && mono >= k->next_checkpoint) {
		if ((e = store_checkpoint(k->st)) == DQ_OK) {
			keep_logs(k);
			k->next_checkpoint = mono + HK_CHECKPOINT_MS;
		}
	}
	if (e != DQ_OK) {
		log_warnx("cannot write cache pages to disk (full?); trying again "
		    "in %d s", HK_DISK_BACKOFF_MS / 1000);
		k->disk_trouble_until = mono + HK_DISK_BACKOFF_MS;
	}
}

/*
 * A replica's housekeeper (or one whose member has no role yet) writes
 * nothing: the master's removals and checkpoints come by replication, and
 * the replica's log and pages are written as they say.  Nor does it flush
 * or write pages out: Berkeley DB counts such a call as inside the
 * environment, and when the member falls in with a new master (or becomes
 * it) the replication waits, in steps of a second, for every call inside
 * to end, while the transactions that begin meanwhile sleep five.  It only
 * removes old log files, every thirty seconds.
 */
static void
keep_replica(struct keeper *k, int64_t mono)
{
	k->retain_more = 0;
	if (mono < k->next_checkpoint)
		return;
	keep_logs(k);
	k->next_checkpoint = mono + HK_CHECKPOINT_MS;
}

/* One round: whatever is due.  1 if retention has more to do at once. */
static int
keep_round(struct keeper *k)
{
	int64_t mono = dqtime_mono_ms(), now = dqtime_now_ms();

	if (!store_writable(k->st)) {
		keep_replica(k, mono);
		return 0;
	}
	if (mono >= k->next_flush) {
		if (store_sync(k->st) != DQ_OK)
			log_warnx("cannot flush the store's log");
		k->next_flush = mono + HK_FLUSH_MS;
	}
	if (mono >= k->next_keys)	/* again at once if it stopped short */
		k->next_keys = keep_sweep(k, store_expire_keys,
		    &(struct store_sweep){ 0 }, now, "expired keys") ?
		    mono : mono + HK_KEYS_MS;
	if (mono >= k->next_activity)
		k->next_activity = keep_sweep(k, store_stats_prune, &k->activity,
		    now - STORE_STATS_KEEP_MS, "activity") ? mono : mono + HK_ACTIVITY_MS;
	if (mono < k->next_tick && !k->retain_more)
		return 0;
	if (mono >= k->next_tick) {
		keep_pages(k, mono);
		k->next_tick = mono + HK_TICK_MS;
	}
	k->retain_more = keep_sweep(k, store_retain, &(struct store_sweep){ 0 },
	    now - k->conf->retention_ms, "retention");
	return k->retain_more;
}

/* A transaction past HK_STORE_WATCHDOG_S gives up (store.h); a round past
 * HK_WATCHDOG_S, or a transaction that does not, ends the process. */
static void
keep_on_alarm(int sig)
{
	static const char msg[] = "dq-housekeeper: stuck; exiting\n";

	if (store_watchdog_fired())
		return;
	sig_die(msg, sizeof(msg) - 1, 3);
}

void
housekeeper_run(const struct dq_conf *c, pid_t parent)
{
	struct keeper k;
	char err[512];
	int64_t wait;

	child_enter("dq-housekeeper", parent, keep_on_alarm);
	memset(&k, 0, sizeof(k));
	k.conf = c;
	k.next_checkpoint = dqtime_mono_ms() + HK_CHECKPOINT_MS;
	if (store_open(&k.st, c, STORE_LAZY, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		_exit(1);
	}
	store_set_watchdog_ms(HK_STORE_WATCHDOG_S * 1000);
	while (child_running()) {
		alarm(HK_WATCHDOG_S);
		if (keep_round(&k))
			continue;
		alarm(0);
		if ((wait = k.next_flush - dqtime_mono_ms()) > 0)
			dqtime_sleep_ms(wait);
	}
	alarm(0);
	(void)store_sync(k.st);
	store_close(k.st);
	_exit(0);
}
