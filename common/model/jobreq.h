/*
 * A job create request (API.md 4.1): its JSON body checked field by field
 * and turned into a struct job ready for the store.  The schedule routes use
 * the same checks for their job template (JOBREQ_TEMPLATE), so a schedule can
 * never hold a job that create would refuse.
 */
#ifndef DQ_JOBREQ_H
#define DQ_JOBREQ_H

#include <jansson.h>

#include "job.h"
#include "verr.h"

enum jobreq_mode {
	JOBREQ_CREATE,		/* POST /v1/jobs */
	JOBREQ_TEMPLATE		/* a schedule's job: no delay, run_at, dedupe_key */
};

struct jobreq_ctx {
	int64_t		 now_ms;
	int64_t		 default_max_attempts;
	int64_t		 default_timeout_ms;
	int		 require_https;
	const char *const *extra_fields;	/* NULL-terminated: allowed, not read */
};

struct jobreq {
	struct job	 job;		/* strings borrow from the body and below */
	char		*payload;	/* owned compact JSON */
	char		*headers;	/* owned compact JSON */
	const char	*topic;		/* a topic instead of a url (create only) */
};

/* 0 if valid; -1 with e filled in otherwise.  body must outlive out. */
int	jobreq_parse(json_t *body, enum jobreq_mode, const struct jobreq_ctx *,
	    struct jobreq *out, struct verr *e);
void	jobreq_free(struct jobreq *);

/* Shared with other validators. */
int	jobreq_check_url(const char *field, const char *url, int require_https,
	    struct verr *e);
/* An object of request headers a job may carry (count, size, names); 0 or
 * -1 with e filled, naming field. */
int	jobreq_check_headers(const char *field, json_t *v, struct verr *e);
int	jobreq_queue_valid(const char *);
/* Compact JSON text of a value (new string, or NULL). */
char	*jobreq_compact(json_t *);

#endif
