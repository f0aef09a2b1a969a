/*
 * Counters for /metrics, shared by every dq process on the machine through
 * a small mapped file in data_dir (data_dir/metrics.map): dq-fcgi workers
 * count requests, the dispatcher counts deliveries.  Updates are atomic adds,
 * so a process that dies holds nothing.  Counters survive restarts (they
 * are reset only when the file's layout version changes).
 */
#ifndef DQ_METRICS_H
#define DQ_METRICS_H

#include <stdint.h>
#include <stdio.h>

#define MET_ROUTES	40	/* route table slots (fcgi/router.c) */
#define MET_BUCKETS	12	/* histogram buckets, then +Inf */

enum met_status {	/* the statuses dq answers, as counter columns */
	MET_S200, MET_S201, MET_S400, MET_S401, MET_S404, MET_S405, MET_S409,
	MET_S413, MET_S415, MET_S422, MET_S429, MET_S500, MET_S503, MET_SOTHER,
	MET_NSTATUS
};

enum met_outcome {
	MET_OK = 0,		/* 2xx */
	MET_HTTP_ERROR,		/* any other status */
	MET_TIMEOUT,
	MET_CONNECT_ERROR,	/* DNS, refused, reset, TLS ... */
	MET_REFUSED,		/* the SSRF guard or require_https */
	MET_NOUTCOME
};

enum met_hist {
	MET_H_REQUEST = 0,	/* API request duration */
	MET_H_DELIVERY,		/* delivery duration */
	MET_H_LATENESS,		/* delivery start - due time */
	MET_NHIST
};

/* Things an operator should be told about (counters, *_total). */
enum met_alert {
	MET_A_RATELIMIT_FULL = 0,	/* dq_ratelimit_table_full_total */
	MET_A_UNFLUSHED,		/* dq_store_flush_failures_total */
	MET_NALERT
};

/* What the dispatcher's line a minute reports: totals since the file was
 * made, of which it logs the differences. */
struct met_totals {
	uint64_t	requests;
	uint64_t	server_errors;		/* answered 5xx */
	uint64_t	jobs_created;
	uint64_t	deliveries;
	uint64_t	delivery_failures;	/* every outcome but success */
	uint64_t	late_1s;		/* started over a second after due */
};

int	metrics_open(const char *data_dir);
void	metrics_alert(enum met_alert);
void	metrics_request(int route, int status, int64_t ms);	/* route -1: none */
void	metrics_delivery(enum met_outcome, int64_t duration_ms, int64_t lateness_ms);
/* Jobs created: through the API or by a schedule. */
void	metrics_jobs_created(unsigned n);
void	metrics_totals(struct met_totals *);
/* Prometheus text for the shared counters; route_name(i) names slot i. */
void	metrics_write(FILE *, const char *(*route_name)(int));

#endif
