/*
 * Every route's handler, one file per resource.  A handler reads a struct
 * req (already authenticated, body checked against the route's rules) and
 * fills a struct resp.
 */
#ifndef DQ_HANDLERS_H
#define DQ_HANDLERS_H

#include "http.h"

/* h_health.c */
void	h_healthz(struct req *, struct resp *);
void	h_metrics(struct req *, struct resp *);

/* h_openapi.c */
void	h_openapi(struct req *, struct resp *);

/* h_jobs.c */
void	h_job_create(struct req *, struct resp *);
void	h_job_batch(struct req *, struct resp *);
void	h_job_get(struct req *, struct resp *);
void	h_job_list(struct req *, struct resp *);
void	h_job_attempts(struct req *, struct resp *);

/* h_jobact.c */
void	h_job_approve(struct req *, struct resp *);
void	h_job_cancel(struct req *, struct resp *);
void	h_job_retry(struct req *, struct resp *);
void	h_job_delete(struct req *, struct resp *);

/* h_bulk.c */
void	h_job_bulk(struct req *, struct resp *);

/* h_topics.c */
void	h_topic_list(struct req *, struct resp *);
void	h_topic_get(struct req *, struct resp *);
void	h_topic_put(struct req *, struct resp *);
void	h_topic_delete(struct req *, struct resp *);

/* h_stats.c */
void	h_stats(struct req *, struct resp *);

/* h_schedules.c */
void	h_sched_create(struct req *, struct resp *);
void	h_sched_list(struct req *, struct resp *);
void	h_sched_get(struct req *, struct resp *);
void	h_sched_put(struct req *, struct resp *);
void	h_sched_delete(struct req *, struct resp *);
void	h_sched_pause(struct req *, struct resp *);
void	h_sched_resume(struct req *, struct resp *);

/* h_queues.c */
void	h_queue_list(struct req *, struct resp *);
void	h_queue_get(struct req *, struct resp *);
void	h_queue_put(struct req *, struct resp *);
void	h_queue_pause(struct req *, struct resp *);
void	h_queue_resume(struct req *, struct resp *);
void	h_queue_purge(struct req *, struct resp *);

#endif
