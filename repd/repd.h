/*
 * dq-repd: runs Berkeley DB's replication manager for one member of a dq
 * group.  main.c owns the process (configuration, the lock, the loop,
 * stopping); group.c keeps what the other members say of themselves in
 * status messages, works out how far behind this member is, and publishes
 * it all for the member's other processes (common/ipc/repl.h).
 */
#ifndef DQ_REPD_H
#define DQ_REPD_H

#include <stdint.h>

#include "conf.h"
#include "repl.h"
#include "store.h"

/* group.c */
int	group_init(const struct dq_conf *);
/* A status message another member sent (a replication thread calls it). */
void	group_heard(const void *msg, size_t len, void *arg);
/* Once a loop turn: this member's status in, the shared state out. */
void	group_update(struct store *, const struct store_repl_status *, int64_t now,
	    int stopping);
/* Start or stop a sender per member as the group changes (once a second). */
void	group_senders(struct store *);
/* Stop every sender; 0 when all have, -1 if one is stuck in a connect. */
int	group_stop(void);

#endif
