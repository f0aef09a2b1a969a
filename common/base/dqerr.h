/*
 * The one error enum of dq's common library.  fcgi/ maps each to an HTTP
 * status and error code in one table; the dispatcher and dqctl log them.
 * Detail travels in a caller-supplied buffer, never in a global.
 */
#ifndef DQ_DQERR_H
#define DQ_DQERR_H

enum dq_err {
	DQ_OK = 0,
	DQ_ERR_NOMEM,		/* out of memory */
	DQ_ERR_BUSY,		/* store busy after bounded retries, or out of space */
	DQ_ERR_NOTFOUND,	/* no such object (or another account's) */
	DQ_ERR_STATE,		/* the action is not allowed in the object's state */
	DQ_ERR_IDEM_REUSED,	/* Idempotency-Key reused with another body */
	DQ_ERR_EXISTS,		/* a unique name is taken */
	DQ_ERR_INVALID,		/* bad argument from the caller */
	DQ_ERR_CORRUPT,		/* a record that cannot be decoded */
	DQ_ERR_INTERNAL,	/* anything else: a bug or an I/O error */
	DQ_ERR_QUOTA		/* over one of the account's limits (dq.conf) */
};

const char *dq_strerror(enum dq_err);

#endif
