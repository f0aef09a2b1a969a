/*
 * What happens to a job after a delivery attempt (API.md 5): success is a
 * 2xx; anything else is retried with backoff min(2^n x retry_base, retry_cap)
 * (a longer Retry-After from a 429/503 is honoured, up to the cap) until
 * max_attempts, then the job has failed.  A refused target fails at once.
 * Terminal jobs with a callback_url get their callback scheduled.
 *
 * These are pure functions of (job, result, policy, now); the dispatcher
 * applies them inside the store transaction that records the attempt.
 */
#ifndef DQ_DELIVER_H
#define DQ_DELIVER_H

#include <stddef.h>
#include <stdint.h>

#include "job.h"
#include "store.h"

struct deliver_policy {
	int64_t	retry_base_ms;
	int64_t	retry_cap_ms;
};

struct delivery {
	int64_t		 started_at;
	int64_t		 finished_at;
	int		 response_code;		/* 0: no HTTP answer */
	const char	*body;			/* valid UTF-8 text, or NULL */
	int		 body_is_json;
	int64_t		 retry_after_ms;	/* -1: none given */
	int		 permanent;		/* refused target: no retries */
	char		 error[256];		/* "" on an HTTP answer */
};

/* The longest wait a Retry-After can ask for (the retry_cap caps it again). */
#define DELIVER_RETRY_AFTER_MAX_MS	(366LL * 86400 * 1000)

/*
 * A target's Retry-After (RFC 9110 10.2.3) as a wait in ms: delta-seconds,
 * or an HTTP-date that date() turns into Unix seconds (-1 when it cannot;
 * NULL: dates are not understood).  At most DELIVER_RETRY_AFTER_MAX_MS, 0
 * for a date already past; -1 when the value is neither.  Whatever the
 * target sends, nothing overflows.
 */
int64_t	deliver_retry_after_ms(const char *value, int64_t (*date)(const char *),
	    int64_t now_ms);
/* Backoff after failed attempt n (1-based), before Retry-After. */
int64_t	deliver_backoff(const struct deliver_policy *, int n);
/* Edit an active job for this attempt's outcome; fill the attempt record.
 * The job borrows d's strings (an HTTP failure's text is written to d->error). */
void	deliver_apply(struct job *, struct delivery *,
	    const struct deliver_policy *, int64_t now, struct attempt *);
/* Edit a job for its callback's outcome (callback_status only). */
void	deliver_callback_apply(struct job *, int ok,
	    const struct deliver_policy *, int64_t now);
/*
 * An interrupted attempt (its dispatcher died before an answer came): it is
 * recorded in the history but does not count against max_attempts, and the
 * job is delivered again at once (API.md 5, at-least-once), even when it
 * was the last attempt allowed.  Only after DELIVER_INTERRUPTS_MAX in a row
 * (a job that brings its dispatcher down each time) does one count.  The
 * job borrows msg, where the error text is written.
 */
#define DELIVER_INTERRUPTS_MAX	5
void	deliver_interrupted(struct job *, int64_t now, struct attempt *,
	    char *msg, size_t msgsz);

#endif
