/*
 * Schedules in the API: the JSON object and request validation (API.md 6).
 */
#ifndef DQ_SCHEDREQ_H
#define DQ_SCHEDREQ_H

#include <jansson.h>

#include "jobreq.h"
#include "schedule.h"
#include "verr.h"

json_t	*sched_to_json(const struct schedule *);

/*
 * A create or replace body: cron, timezone, name, paused and the job
 * template (checked exactly as a job create).  The schedule borrows from
 * body and from r (jobreq_free(r) after use).
 */
int	sched_parse(json_t *body, const struct jobreq_ctx *, struct schedule *,
	    struct jobreq *r, struct verr *e);

#endif
