/*
 * Schedules (API.md 6): a cron expression in a time zone and the job to
 * create at each firing.  The template is a struct job holding only the
 * template fields; strings borrow from s->mem or from the request body.
 */
#ifndef DQ_SCHEDULE_H
#define DQ_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include "job.h"
#include "tz.h"

#define SCHED_NAME_MAX	255
#define SCHED_CRON_MAX	255

struct schedule {
	char		 id[ID_SCHED_LEN + 1];
	uint32_t	 account;
	int		 paused;
	int64_t		 next_run_at;	/* 0 while paused */
	int64_t		 last_run_at;
	char		 last_job_id[ID_JOB_LEN + 1];
	int64_t		 created_at;
	int64_t		 updated_at;
	const char	*name;
	const char	*cron;
	const char	*timezone;
	struct job	 tmpl;		/* url, method, payload, headers, ... */
	void		*mem;		/* owned: decoded record */
};

void	 sched_init(struct schedule *);
void	 sched_free(struct schedule *);
void	*sched_encode(const struct schedule *, size_t *lenp);
int	 sched_decode(const void *, size_t, struct schedule *);
/* A zone by name, loaded once per process; NULL (err filled) if unknown. */
const struct tz	*sched_zone(const char *name, char *err, size_t errsz);
/* The first firing strictly after after_ms, or -1 (invalid or never). */
int64_t	sched_next(const struct schedule *, int64_t after_ms);
/* The job a firing creates, borrowing the template's strings. */
void	sched_job(const struct schedule *, int64_t now, struct job *out);

#endif
