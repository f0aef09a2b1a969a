/*
 * dq-dispatcher's state and the interfaces between its files: the loop
 * (main.c) calls disp_tick(), which claims work per queue (queues.c), starts
 * transfers (transfer.c) and returns abandoned leases (housekeep.c);
 * finished transfers are written back in batches (results.c).  Two child
 * processes (child.c) do what must not hold up deliveries: the store's
 * janitor (common/store/janitor.c) and the housekeeper (housekeeper.c).
 */
#ifndef DQ_DISP_H
#define DQ_DISP_H

#include <stdint.h>
#include <sys/types.h>

#include <curl/curl.h>

#include "conf.h"
#include "deliver.h"
#include "job.h"
#include "metrics.h"
#include "store.h"
#include "qset.h"

#define DISP_QUANTUM		32	/* jobs claimed from one queue per turn */
#define DISP_LEASE_MARGIN_MS	15000
#define DISP_ORPHANS		1024	/* claims held back (leader.c) */
#define DISP_MAX_IDLE_CONNECTIONS	32	/* curl's connection cache */
#define DISP_IDLE_EASY		256	/* easy handles kept for the next transfers */

enum { CHILD_JANITOR = 0, CHILD_HOUSEKEEPER, CHILD_COUNT };

struct disp_child {
	pid_t		 pid;		/* 0: none running */
	int64_t		 retry_at;	/* monotonic ms */
};

struct disp {
	struct dq_conf		*conf;
	struct store		*st;
	CURLM			*multi;
	int			 wake_fd;
	struct store_lease	 lease;
	struct deliver_policy	 policy;
	struct qset		*queues;
	CURL			*idle_easy[DISP_IDLE_EASY];	/* transfer.c */
	int			 nidle_easy;
	int			 acct_cap;	/* transfers in flight per account */
	int			 running;	/* transfers in flight */
	int			 stopping;
	int64_t			 cb_next_due;	/* 0: none known */
	int64_t			 sched_next_due;	/* schedule clock; 0: none */
	int64_t			 next_heartbeat;
	int64_t			 next_leases;
	int64_t			 next_resync;
	int64_t			 next_summary;
	struct met_totals	 last_totals;	/* at the last summary line */
	struct disp_child	 children[CHILD_COUNT];
	uint64_t		 accounts_epoch;	/* shm.h: accounts changed */
	/* replication (leader.c) */
	int64_t			 master_since;	/* when this member became master; 0: it is not */
	int			 takeover;	/* hand back other dispatchers' jobs */
	int64_t			 claims_paused_until;
	char			 orphans[DISP_ORPHANS][ID_JOB_LEN + 1];	/* claimed, not delivered */
	int			 norphans;
};

/* tick.c: do everything that is due; return ms until the next deadline. */
int64_t	disp_tick(struct disp *, int64_t now);
/* Log what the installation did since the last such line (every minute). */
void	disp_summary(struct disp *, int64_t now);
void	disp_note_callback(struct disp *, int64_t due);

/* queues.c: which queue's work starts next (see there) */
void		 queues_settings(struct dqueue *, const struct queue_info *);
/* A pending job of this queue is due at due (a wake-up, a retry, a firing). */
void		 queues_job_due(struct disp *, uint32_t account, const char *queue,
		    int64_t due);
/* The queue's settings changed: read them and its first due job again. */
void		 queues_reload(struct disp *, uint32_t account, const char *queue);
/* Claim and start work fairly (round-robin over accounts, then queues). */
void		 queues_dispatch(struct disp *, int64_t now);
/* The earliest time a queue could have work to start (0: none). */
int64_t		 queues_next_deadline(struct disp *, int64_t now);
/* Rebuild from the store what queues have pending work; forget idle ones. */
void		 queues_resync(struct disp *, int64_t now);
/* Accounts were enabled or disabled: look at the held ones again. */
void		 queues_accounts_changed(struct disp *);
/* A transfer of the account (from queue q; NULL: a callback) starts or
 * ends; due: when the job runs again (0: not pending). */
void		 queues_xfer_started(struct disp *, struct dqueue *, uint32_t account);
void		 queues_xfer_done(struct disp *, struct dqueue *, uint32_t account,
		    int64_t due);
/* How many more transfers the account may start now. */
int		 queues_acct_room(struct disp *, uint32_t account);

/* child.c: the helper processes, the store's janitor
 * (store_janitor_run()) and the housekeeper. */
void		 children_start(struct disp *);
void		 children_watch(struct disp *);	/* another for one that ended */
void		 children_stop(struct disp *);

/* housekeeper.c: retention, key expiry, log flush, trickle, checkpoint.
 * The body of a child of parent (see store_janitor_run()): never returns. */
void		 housekeeper_run(const struct dq_conf *, pid_t parent)
		    __attribute__((noreturn));

/* transfer.c */
int	xfer_start_job(struct disp *, struct dqueue *, const struct job *);
int	xfer_start_callback(struct disp *, const struct job *);
void	xfer_reap(struct disp *);
/* Close idle easy handles beyond keep (0: all). */
void	xfer_trim(struct disp *, int keep);

/* schedules.c */
int64_t	sched_clock(struct disp *, int64_t now);
void	sched_note(struct disp *, int64_t due);
void	sched_resync(struct disp *);
void	sched_tick(struct disp *, int64_t now);
int64_t	sched_deadline(struct disp *, int64_t now);

/* housekeep.c */
void	housekeep_leases(struct disp *, int64_t now);

/*
 * leader.c: in a replicated group, only the master's dispatcher works.
 * leader_tick: may this one work now (takes over when its member has just
 * become master)?  A claim the group did not acknowledge is held back
 * (leader_unconfirmed: the jobs are freed) and its jobs released by the
 * next lease sweep; leader_foreign: was a lease taken (started_at, -1:
 * not known yet) by another member's dispatcher before this takeover?
 */
int	leader_tick(struct disp *, int64_t now);
int64_t	leader_idle_ms(void);
int	leader_may_claim(const struct disp *, int64_t now);
void	leader_unconfirmed(struct disp *, struct job *, int n, int64_t now);
int	leader_orphan(const struct disp *, const char *id);
void	leader_forget(struct disp *, const char *id);
int	leader_foreign(const struct disp *, int64_t started_at);
void	leader_swept(struct disp *, int n, int max, int64_t now);

/* accounts.c: signing keys, cached briefly (a rotated key applies within seconds). */
int	accounts_get(struct disp *, uint32_t id, struct account *out);
void	accounts_forget(void);

#endif
