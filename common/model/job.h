/*
 * The job: its fields, statuses and the JSON object the API shows.
 *
 * String fields of a struct job are borrowed: they point into j->mem (what
 * the store decoded) or into memory the caller keeps alive while the job is
 * in use.  job_free() releases only j->mem.  Times are ms since the epoch,
 * 0 = not set.
 */
#ifndef DQ_JOB_H
#define DQ_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "dqerr.h"
#include "ids.h"

enum job_status {
	JOB_PENDING = 0,
	JOB_AWAITING_APPROVAL,
	JOB_ACTIVE,
	JOB_COMPLETED,
	JOB_FAILED,
	JOB_CANCELLED,
	JOB_NSTATUS
};

enum job_method {
	JOB_GET = 0, JOB_POST, JOB_PUT, JOB_PATCH, JOB_DELETE, JOB_NMETHOD
};

enum job_cb_status {
	JOB_CB_NONE = 0,	/* no callback, or the job is not terminal yet */
	JOB_CB_PENDING,
	JOB_CB_DELIVERED,
	JOB_CB_FAILED
};

#define JOB_QUEUE_MAX		64
#define JOB_TOPIC_MAX		64	/* a topic name: the rules of a queue name */
#define JOB_URL_MAX		2048
#define JOB_KEY_MAX		255	/* dedupe_key and Idempotency-Key */
#define JOB_CALLBACK_ATTEMPTS	5

struct job {
	char		 id[ID_JOB_LEN + 1];
	uint32_t	 account;
	enum job_status	 status;
	enum job_method	 method;
	int		 requires_approval;
	int		 attempts;		/* since creation or the last retry */
	int		 max_attempts;
	int		 attempt_seq;		/* attempts ever made: keys the history */
	int		 interrupts;		/* attempts in a row cut short by a crash */
	int64_t		 created_at;
	int64_t		 updated_at;
	int64_t		 delay_until;
	int64_t		 due_at;		/* when it may next run (API run_at) */
	int64_t		 started_at;
	int64_t		 finished_at;
	int64_t		 next_retry_at;
	int64_t		 approved_at;
	int64_t		 lease_until;		/* while active */
	int64_t		 lease_owner;		/* dispatcher instance holding the lease */
	uint32_t	 lease_pid;		/* and its process id */
	int64_t		 timeout_ms;
	int64_t		 duration_ms;		/* -1 = not set */
	int		 response_code;		/* 0 = not set */
	int		 response_is_json;
	enum job_cb_status cb_status;
	int		 cb_attempts;
	int64_t		 cb_due_at;
	int64_t		 order_at;		/* its place in its queue's order (store) */
	int64_t		 seq;			/* creation order in the store; 0: older */
	const char	*url;
	const char	*queue;
	const char	*payload;		/* compact JSON text or NULL */
	const char	*headers;		/* compact JSON object text or NULL */
	const char	*dedupe_key;
	const char	*idempotency_key;
	const char	*callback_url;
	const char	*schedule_id;
	const char	*approved_by;
	const char	*last_error;
	const char	*response_body;		/* JSON text if response_is_json */
	const char	*topic;			/* the topic it was fanned out from */
	void		*mem;			/* owned: decoded record */
};

const char	*job_status_name(enum job_status);
int		 job_status_parse(const char *, enum job_status *);
const char	*job_method_name(enum job_method);
int		 job_method_parse(const char *, enum job_method *);
const char	*job_cb_status_name(enum job_cb_status);
int		 job_is_terminal(enum job_status);

void	job_init(struct job *);
void	job_free(struct job *);

/* Record codec (the store's on-disk format); returns a new malloc'd buffer. */
void	*job_encode(const struct job *, size_t *lenp);
/* Decode; the job borrows from a private copy kept in j->mem.  0 or -1. */
int	 job_decode(const void *, size_t, struct job *);

/*
 * The API's job object, written as JSON text (the fast path: stored JSON
 * such as the payload is copied, not re-parsed).  now_ms computes
 * next_retry_in_seconds; deduplicated is the response's flag.
 */
struct jw;
void	job_write_json(struct jw *, const struct job *, int deduplicated, int64_t now_ms);
/* The same object as a jansson value (new reference), for tools and tests. */
typedef struct json_t json_t;	/* jansson's, so that this header needs none */
json_t	*job_to_json(const struct job *, int deduplicated, int64_t now_ms);

/*
 * The lifecycle actions of API.md 4.5, as edits of a job in memory.  Each
 * returns DQ_ERR_STATE when the job's status does not allow it.
 * approved_by is borrowed.
 */
enum dq_err	job_act_approve(struct job *, int64_t now, const char *approved_by);
enum dq_err	job_act_cancel(struct job *, int64_t now);
enum dq_err	job_act_retry(struct job *, int64_t now);

#endif
