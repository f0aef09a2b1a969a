/*
 * The shared counters behind /metrics.  The file holds one struct; its
 * first word is a layout version, and a process that finds another version
 * (or a new file) clears it before use.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "metrics.h"
#include "shm.h"

#define MET_VERSION	0x64710003u

struct met_hist_data {
	_Atomic uint64_t	bucket[MET_BUCKETS + 1];
	_Atomic uint64_t	sum_ms;
};

struct met_shm {
	_Atomic uint64_t	version;
	_Atomic uint64_t	requests[MET_ROUTES + 1][MET_NSTATUS];
	_Atomic uint64_t	deliveries[MET_NOUTCOME];
	struct met_hist_data	hist[MET_NHIST];
	_Atomic uint64_t	alerts[MET_NALERT];
	_Atomic uint64_t	jobs_created;
};

/* Bucket upper bounds in milliseconds; the last bucket is +Inf. */
static const int64_t met_le_ms[MET_BUCKETS] = {
	1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10000, 30000
};
static const int met_codes[MET_NSTATUS] = {
	200, 201, 400, 401, 404, 405, 409, 413, 415, 422, 429, 500, 503, 0
};
static const char *const met_outcomes[MET_NOUTCOME] = {
	"success", "http_error", "timeout", "connect_error", "refused"
};
static const struct {
	const char *name, *help;
} met_alerts[MET_NALERT] = {
	{ "dq_ratelimit_table_full_total", "Requests that found the rate limit "
	    "table full (an API key let through, an address without one refused)" },
	{ "dq_store_flush_failures_total", "Commits acknowledged although the "
	    "log flush after them failed (sync full; DQ-Durability: not-flushed)" },
}, met_hists[MET_NHIST] = {
	{ "dq_http_request_duration_seconds", "API request duration" },
	{ "dq_delivery_duration_seconds", "Delivery attempt duration" },
	{ "dq_delivery_lateness_seconds", "Delivery start minus the time it was due" },
};

static struct met_shm *met;

int
metrics_open(const char *data_dir)
{
	if ((met = shm_map(data_dir, "metrics.map", sizeof(*met))) == NULL)
		return -1;
	if (atomic_load(&met->version) != MET_VERSION) {
		memset(met, 0, sizeof(*met));
		atomic_store(&met->version, MET_VERSION);
	}
	return 0;
}

void
metrics_alert(enum met_alert a)
{
	if (met != NULL && (unsigned)a < MET_NALERT)
		atomic_fetch_add(&met->alerts[a], 1);
}

static void
met_observe(enum met_hist h, int64_t ms)
{
	int i;

	if (ms < 0)
		ms = 0;
	for (i = 0; i < MET_BUCKETS && ms > met_le_ms[i]; i++)
		;
	atomic_fetch_add(&met->hist[h].bucket[i], 1);
	atomic_fetch_add(&met->hist[h].sum_ms, (uint64_t)ms);
}

void
metrics_request(int route, int status, int64_t ms)
{
	int s;

	if (met == NULL)
		return;
	for (s = 0; s < MET_SOTHER && met_codes[s] != status; s++)
		;
	if (route < 0 || route >= MET_ROUTES)
		route = MET_ROUTES;	/* no route: 404s and 401s before routing */
	atomic_fetch_add(&met->requests[route][s], 1);
	met_observe(MET_H_REQUEST, ms);
}

void
metrics_delivery(enum met_outcome o, int64_t duration_ms, int64_t lateness_ms)
{
	if (met == NULL || (unsigned)o >= MET_NOUTCOME)
		return;
	atomic_fetch_add(&met->deliveries[o], 1);
	met_observe(MET_H_DELIVERY, duration_ms);
	if (lateness_ms >= 0)
		met_observe(MET_H_LATENESS, lateness_ms);
}

void
metrics_jobs_created(unsigned n)
{
	if (met != NULL)
		atomic_fetch_add(&met->jobs_created, n);
}

void
metrics_totals(struct met_totals *t)
{
	int r, s, i;

	memset(t, 0, sizeof(*t));
	if (met == NULL)
		return;
	for (r = 0; r <= MET_ROUTES; r++) {
		for (s = 0; s < MET_NSTATUS; s++) {
			t->requests += atomic_load(&met->requests[r][s]);
			if (met_codes[s] >= 500)
				t->server_errors += atomic_load(&met->requests[r][s]);
		}
	}
	t->jobs_created = atomic_load(&met->jobs_created);
	for (s = 0; s < MET_NOUTCOME; s++)
		t->deliveries += atomic_load(&met->deliveries[s]);
	t->delivery_failures = t->deliveries - atomic_load(&met->deliveries[MET_OK]);
	for (i = 0; i <= MET_BUCKETS; i++)
		if (i == MET_BUCKETS || met_le_ms[i] > 1000)
			t->late_1s += atomic_load(&met->hist[MET_H_LATENESS].bucket[i]);
}

static void
met_write_hist(FILE *fp, enum met_hist h)
{
	uint64_t cum = 0;
	int i;

	fprintf(fp, "# HELP %s %s.\n# TYPE %s histogram\n", met_hists[h].name,
	    met_hists[h].help, met_hists[h].name);
	for (i = 0; i <= MET_BUCKETS; i++) {
		cum += atomic_load(&met->hist[h].bucket[i]);
		if (i < MET_BUCKETS)
			fprintf(fp, "%s_bucket{le=\"%g\"} %llu\n", met_hists[h].name,
			    (double)met_le_ms[i] / 1000.0, (unsigned long long)cum);
		else
			fprintf(fp, "%s_bucket{le=\"+Inf\"} %llu\n", met_hists[h].name,
			    (unsigned long long)cum);
	}
	fprintf(fp, "%s_sum %.3f\n%s_count %llu\n", met_hists[h].name,
	    (double)atomic_load(&met->hist[h].sum_ms) / 1000.0, met_hists[h].name,
	    (unsigned long long)cum);
}

void
metrics_write(FILE *fp, const char *(*route_name)(int))
{
	uint64_t n;
	int r, s;

	if (met == NULL)
		return;
	fprintf(fp, "# HELP dq_http_requests_total API requests by route and status.\n"
	    "# TYPE dq_http_requests_total counter\n");
	for (r = 0; r <= MET_ROUTES; r++) {
		for (s = 0; s < MET_NSTATUS; s++) {
			if ((n = atomic_load(&met->requests[r][s])) == 0)
				continue;
			fprintf(fp, "dq_http_requests_total{route=\"%s\",status=\"",
			    r < MET_ROUTES ? route_name(r) : "none");
			if (met_codes[s] != 0)
				fprintf(fp, "%d", met_codes[s]);
			else
				fprintf(fp, "other");
			fprintf(fp, "\"} %llu\n", (unsigned long long)n);
		}
	}
	met_write_hist(fp, MET_H_REQUEST);
	fprintf(fp, "# HELP dq_jobs_created_total Jobs created, by the API or a "
	    "schedule.\n# TYPE dq_jobs_created_total counter\n"
	    "dq_jobs_created_total %llu\n",
	    (unsigned long long)atomic_load(&met->jobs_created));
	fprintf(fp, "# HELP dq_deliveries_total Delivery attempts by outcome.\n"
	    "# TYPE dq_deliveries_total counter\n");
	for (s = 0; s < MET_NOUTCOME; s++)
		fprintf(fp, "dq_deliveries_total{outcome=\"%s\"} %llu\n", met_outcomes[s],
		    (unsigned long long)atomic_load(&met->deliveries[s]));
	met_write_hist(fp, MET_H_DELIVERY);
	met_write_hist(fp, MET_H_LATENESS);
	for (s = 0; s < MET_NALERT; s++)
		fprintf(fp, "# HELP %s %s.\n# TYPE %s counter\n%s %llu\n",
		    met_alerts[s].name, met_alerts[s].help, met_alerts[s].name,
		    met_alerts[s].name, (unsigned long long)atomic_load(&met->alerts[s]));
}
