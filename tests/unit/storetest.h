/*
 * What the store's unit tests share: a configuration for a store in the
 * test's own directory (tap_dir()), opening it, and the accounts and jobs
 * they fill it with.
 */
#ifndef DQ_STORETEST_H
#define DQ_STORETEST_H

#include <stdint.h>

#include "conf.h"
#include "job.h"
#include "store.h"

/* The defaults (the environment's overrides left out), data_dir the test's
 * directory, a 4 MB cache and this sync; -1 (a TAP failure) if it cannot.
 * conf_free() it after. */
int		 storetest_conf(struct dq_conf *, int sync);
/* A new store with c; -1 (a TAP failure, c freed) if it cannot.  down:
 * close it and free c. */
int		 storetest_up(struct dq_conf *c, struct store **);
void		 storetest_down(struct dq_conf *c, struct store **);
/* A new account; its id, or 0 (a TAP failure). */
uint32_t	 storetest_account(struct store *, const char *name);
/* A job as jobreq would make it (the store gives it its id); borrows queue. */
void		 storetest_job(struct job *, const char *queue, int64_t created);

#endif
