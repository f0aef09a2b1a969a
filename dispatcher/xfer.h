/*
 * One HTTP transfer in flight: a job delivery or a callback.  transfer.c
 * builds and runs it; results.c writes its outcome to the store.
 */
#ifndef DQ_XFER_H
#define DQ_XFER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "disp.h"

enum xfer_kind {
	XFER_JOB,
	XFER_CALLBACK
};

struct xfer {
	struct disp		*d;
	enum xfer_kind		 kind;
	CURL			*easy;
	char			 id[ID_JOB_LEN + 1];
	uint32_t		 account;
	struct dqueue		*q;		/* jobs: the queue it came from */
	int			 attempt;	/* X-DispatchQ-Attempt */
	struct curl_slist	*headers;
	char			*body;
	size_t			 body_len;
	struct buf		 resp;		/* captured answer, up to max_response_body */
	int			 truncated;
	int			 capped;	/* stopped reading at resp.max */
	char			 content_type[128];
	int64_t			 retry_after_ms;
	const char		*no_retry;	/* the answer's header that said so */
	int64_t			 started_at;
	int64_t			 due_at;	/* jobs: when it was due (lateness) */
	CURLcode		 code;		/* the transfer's result */
	char			 refused[256];	/* the SSRF guard's reason */
	char			 errbuf[CURL_ERROR_SIZE];
};

/* results.c: write finished transfers' outcomes, in one transaction. */
void	results_apply(struct disp *, struct xfer **, struct delivery *, int n);
/* A claimed job whose request could not even be built. */
void	results_failed_start(struct disp *, struct xfer *, const char *why);

#endif
