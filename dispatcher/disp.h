/*
 * dq-dispatcher's state and the interfaces between its files: the loop
 * (main.c) calls disp_tick(), which claims work per queue (queues.c), starts
 * transfers (transfer.c) and returns abandoned leases (housekeep.c);
 * finished transfers are written back in batches (results.c).  Two child
 * processes (child.c) do what must not hold up deliveries: the janitor
 * (janitor.c) and the housekeeper (housekeeper.c).
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

#define DISP_QUANTUM		32	/* jobs claimed from one queue per turn */
#define DISP_LEASE_MARGIN_MS	15000
#define DISP_MAX_IDLE_CONNECTIONS	32	/* curl's connection cache */

struct dqueue {
	uint32_t	 account;
	char		 name[JOB_QUEUE_MAX + 1];
	int		 paused;
	int64_t		 concurrency;	/* 0: unlimited */
	double		 rate;		/* per second; 0: unlimited */
	int64_t		 next_due;	/* earliest known pending job; 0: none */
	int		 active;	/* transfers in flight from here */
	double		 tokens;	/* rate bucket */
	int64_t		 tokens_at;
	int		 loaded;	/* settings read from the store */
};

struct queues;

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
	struct queues		*queues;
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
};

/* tick.c: do everything that is due; return ms until the next deadline. */
int64_t	disp_tick(struct disp *, int64_t now);
/* Log what the installation did since the last such line (every minute). */
void	disp_summary(struct disp *, int64_t now);
void	disp_note_callback(struct disp *, int64_t due);

/* queues.c */
struct queues	*queues_new(void);
void		 queues_free(struct queues *);
struct dqueue	*queues_get(struct queues *, uint32_t account, const char *name);
void		 queues_settings(struct dqueue *, const struct queue_info *);
/* Read one queue's settings and first due job from the store. */
void		 queues_load(struct disp *, struct dqueue *);
void		 queues_note_due(struct dqueue *, int64_t due);
/* Claim and start work fairly (round-robin over accounts, then queues). */
void		 queues_dispatch(struct disp *, int64_t now);
/* The earliest time a queue could have work to start (0: none). */
int64_t		 queues_next_deadline(struct queues *, int64_t now);
/* Reload every queue's settings and first due time from the store. */
void		 queues_resync(struct disp *);

/* child.c: the helper processes. */
void		 children_start(struct disp *);
void		 children_watch(struct disp *);	/* another for one that ended */
void		 children_stop(struct disp *);
/* In a child: go on?  (No SIGTERM came, and the dispatcher lives.) */
int		 child_running(void);

/* janitor.c: ends expired lock waits and runs failchk. */
void		 janitor_run(const struct dq_conf *);
/* housekeeper.c: retention, key expiry, log flush, trickle, checkpoint. */
void		 housekeeper_run(const struct dq_conf *);

/* transfer.c */
int	xfer_start_job(struct disp *, struct dqueue *, const struct job *);
int	xfer_start_callback(struct disp *, const struct job *);
void	xfer_reap(struct disp *);

/* schedules.c */
int64_t	sched_clock(struct disp *, int64_t now);
void	sched_note(struct disp *, int64_t due);
void	sched_resync(struct disp *);
void	sched_tick(struct disp *, int64_t now);
int64_t	sched_deadline(struct disp *, int64_t now);

/* housekeep.c */
void	housekeep_leases(struct disp *, int64_t now);

/* accounts.c: signing keys, cached briefly (a rotated key applies within seconds). */
int	accounts_get(struct disp *, uint32_t id, struct account *out);

#endif
