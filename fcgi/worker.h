/*
 * A dq-fcgi worker: accepts FastCGI requests on a listening socket, one at a
 * time, until told to stop.  It opens its own store after fork().
 */
#ifndef DQ_WORKER_H
#define DQ_WORKER_H

#include "conf.h"

/* Serve until SIGTERM (finish the request in flight) or a fatal error. */
int	worker_run(int listen_fd, const struct dq_conf *);

#endif
