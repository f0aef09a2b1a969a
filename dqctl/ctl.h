/*
 * dqctl's commands share this: the loaded configuration, the open store and
 * the command's own arguments.  Each command returns the exit status.
 */
#ifndef DQ_CTL_H
#define DQ_CTL_H

#include "conf.h"
#include "store.h"

struct ctl {
	struct dq_conf	 conf;
	struct store	*st;		/* NULL for commands that must not open it */
	int		 argc;
	char		**argv;
};

typedef int (*ctl_fn)(struct ctl *);

int	ctl_err(const char *what, enum dq_err);

/* ctl_jobs.c */
int	cmd_stats(struct ctl *);
int	cmd_jobs_list(struct ctl *);
int	cmd_jobs_show(struct ctl *);

/* ctl_group.c */
int	ctl_group_found(struct ctl *);	/* init, with replication */
int	cmd_group(struct ctl *);
int	cmd_group_remove(struct ctl *);

/* ctl_ops.c */
int	cmd_jobs_bulk(struct ctl *);
int	cmd_jobs_delete(struct ctl *);
int	cmd_topics_list(struct ctl *);
int	cmd_topics_show(struct ctl *);
int	cmd_topics_set(struct ctl *);
int	cmd_topics_delete(struct ctl *);

/* ctl_store.c */
int	cmd_verify(struct ctl *);
int	cmd_backup(struct ctl *);
int	cmd_recover(struct ctl *);

#endif
