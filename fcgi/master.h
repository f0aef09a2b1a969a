/*
 * The pre-fork master of dq-fcgi: it opens the listening socket, forks the
 * workers and keeps them running.  It never opens the store.  SIGHUP reloads
 * the configuration and replaces the workers gracefully; SIGTERM stops them
 * after the requests in flight.
 */
#ifndef DQ_MASTER_H
#define DQ_MASTER_H

#include "conf.h"

int	master_listen(const struct dq_conf *);
int	master_run(int listen_fd, struct dq_conf *);

#endif
