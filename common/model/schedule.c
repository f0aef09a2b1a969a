/*
 * Schedules: the record codec and the next firing (the API object and
 * request validation are in schedreq.c).  Time zones are loaded once per process and kept (a zone
 * file changes only with a tzdata upgrade, which a restart picks up).
 *
 * Schedule record, version 1: u8 version | id[20] | u32 account | u8 paused
 * | i64 next_run_at | i64 last_run_at | last_job_id | i64 created_at |
 * i64 updated_at | name | cron | timezone | u8 method | u8 requires_approval
 * | u32 max_attempts | i64 timeout_ms | url | payload | headers |
 * callback_url | queue.  Upgrade as for job records (job.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cron.h"
#include "dqtime.h"
#include "num.h"
#include "rec.h"
#include "schedule.h"
#include "tz.h"

#define SCHED_REC_VERSION	1

/*
 * The zones this process has loaded, kept for its lifetime: only names
 * tz_load() accepted get here, so the table is bounded by the zone files on
 * the system (a few hundred) and grows as schedules name new ones.
 */
static struct zone_entry {
	char		*name;
	struct tz	*tz;
} *zones;
static size_t nzones, zones_cap;

static int
zones_add(const char *name, struct tz *z)
{
	struct zone_entry *grown;
	size_t cap;
	char *copy;

	if (nzones == zones_cap) {
		cap = zones_cap ? zones_cap * 2 : 16;
		if ((grown = realloc(zones, cap * sizeof(*zones))) == NULL)
			return -1;
		zones = grown;
		zones_cap = cap;
	}
	if ((copy = strdup(name)) == NULL)
		return -1;
	zones[nzones].name = copy;
	zones[nzones].tz = z;
	nzones++;
	return 0;
}

const struct tz *
sched_zone(const char *name, char *err, size_t errsz)
{
	struct tz *z;
	size_t i;

	for (i = 0; i < nzones; i++)
		if (strcmp(zones[i].name, name) == 0)
			return zones[i].tz;
	if ((z = tz_load(name, err, errsz)) == NULL)
		return NULL;
	if (zones_add(name, z) == -1) {
		tz_free(z);
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	return z;
}

void
sched_init(struct schedule *s)
{
	memset(s, 0, sizeof(*s));
	job_init(&s->tmpl);
}

void
sched_free(struct schedule *s)
{
	free(s->mem);
	s->mem = NULL;
}

void *
sched_encode(const struct schedule *s, size_t *lenp)
{
	const struct job *t = &s->tmpl;
	struct rec_w w;

	rec_w_init(&w);
	rec_u8(&w, SCHED_REC_VERSION);
	rec_bytes(&w, s->id, ID_SCHED_LEN);
	rec_u32(&w, s->account);
	rec_u8(&w, s->paused ? 1 : 0);
	rec_i64(&w, s->next_run_at);
	rec_i64(&w, s->last_run_at);
	rec_str(&w, s->last_job_id[0] ? s->last_job_id : NULL);
	rec_i64(&w, s->created_at);
	rec_i64(&w, s->updated_at);
	rec_str(&w, s->name);
	rec_str(&w, s->cron);
	rec_str(&w, s->timezone);
	rec_u8(&w, t->method);
	rec_u8(&w, t->requires_approval ? 1 : 0);
	rec_u32(&w, (uint32_t)t->max_attempts);
	rec_i64(&w, t->timeout_ms);
	rec_str(&w, t->url);
	rec_str(&w, t->payload);
	rec_str(&w, t->headers);
	rec_str(&w, t->callback_url);
	rec_str(&w, t->queue);
	return rec_w_finish(&w, lenp);
}

int
sched_decode(const void *buf, size_t len, struct schedule *s)
{
	struct job *t = &s->tmpl;
	const char *last;
	const void *id;
	struct rec_r r;
	void *mem;

	sched_init(s);
	if ((mem = malloc(len ? len : 1)) == NULL)
		return -1;
	memcpy(mem, buf, len);
	rec_r_init(&r, mem, len);
	if (rec_get_u8(&r) != SCHED_REC_VERSION)
		goto bad;
	if ((id = rec_get_bytes(&r, ID_SCHED_LEN)) != NULL)
		memcpy(s->id, id, ID_SCHED_LEN);
	s->account = rec_get_u32(&r);
	s->paused = rec_get_u8(&r);
	s->next_run_at = rec_get_i64(&r);
	s->last_run_at = rec_get_i64(&r);
	if ((last = rec_get_str(&r)) != NULL && strlen(last) == ID_JOB_LEN)
		memcpy(s->last_job_id, last, ID_JOB_LEN + 1);
	s->created_at = rec_get_i64(&r);
	s->updated_at = rec_get_i64(&r);
	s->name = rec_get_str(&r);
	s->cron = rec_get_str(&r);
	s->timezone = rec_get_str(&r);
	t->method = (enum job_method)rec_get_u8(&r);
	t->requires_approval = rec_get_u8(&r);
	t->max_attempts = (int)rec_get_u32(&r);
	t->timeout_ms = rec_get_i64(&r);
	t->url = rec_get_str(&r);
	t->payload = rec_get_str(&r);
	t->headers = rec_get_str(&r);
	t->callback_url = rec_get_str(&r);
	t->queue = rec_get_str(&r);
	if (rec_r_done(&r) == -1 || s->cron == NULL || s->timezone == NULL ||
	    t->url == NULL || t->queue == NULL || t->method >= JOB_NMETHOD ||
	    t->max_attempts < 0 ||
	    strnlen(t->queue, JOB_QUEUE_MAX + 1) > JOB_QUEUE_MAX)
		goto bad;
	s->mem = mem;
	return 0;
bad:
	free(mem);
	sched_init(s);
	return -1;
}

int64_t
sched_next(const struct schedule *s, int64_t after_ms)
{
	const struct tz *z;
	struct cron c;
	char err[128];

	if (cron_parse(s->cron, &c, err, sizeof(err)) == -1 ||
	    (z = sched_zone(s->timezone, err, sizeof(err))) == NULL)
		return -1;
	return cron_next(&c, z, after_ms);
}

void
sched_job(const struct schedule *s, int64_t now, struct job *out)
{
	const struct job *t = &s->tmpl;

	job_init(out);
	out->account = s->account;
	out->method = t->method;
	out->requires_approval = t->requires_approval;
	out->max_attempts = t->max_attempts;
	out->timeout_ms = t->timeout_ms;
	out->url = t->url;
	out->payload = t->payload;
	out->headers = t->headers;
	out->callback_url = t->callback_url;
	out->queue = t->queue;
	out->schedule_id = s->id;
	out->status = t->requires_approval ? JOB_AWAITING_APPROVAL : JOB_PENDING;
	out->created_at = out->updated_at = out->due_at = now;
}
