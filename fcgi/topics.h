/*
 * A create that names a topic (fcgi/h_topics.c): its fan-out, one job per
 * endpoint, made from the create's own fields; POST /v1/jobs and the batch
 * route create them as one item and answer {"topic", "jobs"}.
 */
#ifndef DQ_TOPICS_H
#define DQ_TOPICS_H

#include "http.h"
#include "jobreq.h"

struct fanout {
	char		 topic[JOB_TOPIC_MAX + 1];
	struct job	*jobs;		/* n jobs; strings borrow from jr and below */
	size_t		 n;
	char		**headers;	/* owned: a job's headers, when merged */
	json_t		*endpoints;	/* owned: the topic's, as read */
};

/*
 * The jobs of jr (a create naming a topic): 0, or -1 with *err set
 * (DQ_ERR_NOTFOUND: no such topic; DQ_ERR_INVALID: e says why, a job's
 * headers with its endpoint's are too many; other: the store's).
 */
int	fanout_make(const struct req *, const struct jobreq *jr, struct fanout *,
	    struct verr *e, enum dq_err *err);
void	fanout_free(struct fanout *);
struct jw;
/* The answer's {"topic": …, "jobs": […]} for a created or deduplicated
 * item; fanout_jobs_write: only the jobs, the array's elements. */
void	fanout_write(struct jw *, const struct req *, const char *topic,
	    const struct store_create *);
void	fanout_jobs_write(struct jw *, const struct req *, const struct store_create *);

#endif
