/*
 * Unit tests for the schedule record codec of common/model/schedule.c
 * (sched_encode, sched_decode): round trips of full, bare and extreme
 * schedules; every truncation, a byte too many, and garbled fields refused
 * without a crash or a read past the buffer; and the job a firing creates
 * (sched_job).  The next firing is tested with cron in test_cron.c.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "schedule.h"
#include "tap.h"

#define T0	1938038400000LL		/* 2031-06-01T00:00:00.000Z */

static void
sched_full(struct schedule *s)
{
	struct job *t = &s->tmpl;

	sched_init(s);
	memcpy(s->id, "sch_0123456789abcdef", ID_SCHED_LEN + 1);
	s->account = 0xfedcba98u;
	s->paused = 1;
	s->next_run_at = T0 + 60000;
	s->last_run_at = T0;
	memcpy(s->last_job_id, "job_AbCdEfGh01234567", ID_JOB_LEN + 1);
	s->created_at = T0 - 86400000;
	s->updated_at = T0 - 1;
	s->name = "nightly \xc3\xa9t\xc3\xa9";
	s->cron = "*/5 9-17 * JAN-MAR MON-FRI";
	s->timezone = "Europe/Berlin";
	t->method = JOB_DELETE;
	t->requires_approval = 1;
	t->max_attempts = 100;
	t->timeout_ms = 3600000;
	t->url = "https://example.com/nightly?x=1";
	t->payload = "{\"full\":true,\"n\":[1,2.5,null]}";
	t->headers = "{\"X-Run\":\"nightly\"}";
	t->callback_url = "https://cb.example.com/";
	t->queue = "reports";
}

/* The least a schedule has: cron, zone, url and queue. */
static void
sched_bare(struct schedule *s)
{
	sched_init(s);
	memcpy(s->id, "sch_AAAAAAAAAAAAAAAA", ID_SCHED_LEN + 1);
	s->account = 1;
	s->cron = "@daily";
	s->timezone = "UTC";
	s->tmpl.url = "http://example.com/";
	s->tmpl.queue = "default";
	s->tmpl.max_attempts = 3;
}

static void
sched_same(const struct schedule *a, const struct schedule *b, int line)
{
	const struct job *ta = &a->tmpl, *tb = &b->tmpl;
	const char *const sa[] = { a->name, a->cron, a->timezone, ta->url,
	    ta->payload, ta->headers, ta->callback_url, ta->queue };
	const char *const sb[] = { b->name, b->cron, b->timezone, tb->url,
	    tb->payload, tb->headers, tb->callback_url, tb->queue };

	if (strcmp(a->id, b->id) != 0 || a->account != b->account ||
	    a->paused != b->paused || a->next_run_at != b->next_run_at ||
	    a->last_run_at != b->last_run_at ||
	    strcmp(a->last_job_id, b->last_job_id) != 0 ||
	    a->created_at != b->created_at || a->updated_at != b->updated_at ||
	    ta->method != tb->method || ta->requires_approval != tb->requires_approval ||
	    ta->max_attempts != tb->max_attempts || ta->timeout_ms != tb->timeout_ms)
		tap_fail(__FILE__, line, "a fixed-size field differs after the round trip");
	tap_strings_copied(sa, sb, sizeof(sa) / sizeof(sa[0]), line);
}

/* Encode a, decode it from a buffer of exactly its size, compare. */
static void
roundtrip(const struct schedule *a, int line)
{
	struct schedule b;
	unsigned char *buf, *exact;
	size_t len = 0;

	if ((buf = sched_encode(a, &len)) == NULL) {
		tap_fail(__FILE__, line, "encode failed");
		return;
	}
	exact = malloc(len);
	if (exact != NULL) {
		memcpy(exact, buf, len);
		memset(&b, 0x5a, sizeof(b));
		if (sched_decode(exact, len, &b) != 0)
			tap_fail(__FILE__, line, "decode failed");
		else {
			/* the decoded schedule does not depend on the buffer */
			memset(exact, 0, len);
			sched_same(a, &b, line);
			sched_free(&b);
			if (b.mem != NULL)
				tap_fail(__FILE__, line, "sched_free kept the memory");
		}
	}
	free(exact);
	free(buf);
}

static void
test_roundtrip_full(void)
{
	struct schedule a;

	sched_full(&a);
	roundtrip(&a, __LINE__);
}

static void
test_roundtrip_bare(void)
{
	struct schedule a, b;
	void *buf;
	size_t len;

	sched_bare(&a);
	roundtrip(&a, __LINE__);
	/* empty strings stay empty, not NULL */
	a.name = "";
	a.tmpl.payload = "";
	roundtrip(&a, __LINE__);
	if ((buf = sched_encode(&a, &len)) != NULL && sched_decode(buf, len, &b) == 0) {
		CHECK(b.name != NULL && b.name[0] == '\0');
		CHECK(b.tmpl.headers == NULL && b.tmpl.callback_url == NULL);
		CHECK_STR(b.last_job_id, "");
		sched_free(&b);
	} else
		CHECK(!"bare schedule did not round trip");
	free(buf);
}

/* Numbers at the edges of their fields, every method. */
static void
test_roundtrip_edges(void)
{
	struct schedule a;
	int m;

	for (m = 0; m < JOB_NMETHOD; m++) {
		sched_full(&a);
		a.tmpl.method = (enum job_method)m;
		a.tmpl.requires_approval = m % 2;
		a.paused = m % 2;
		a.account = m ? UINT32_MAX : 0;
		a.next_run_at = m ? INT64_MAX : INT64_MIN;
		a.last_run_at = m ? INT64_MIN : INT64_MAX;
		a.created_at = -1;
		a.updated_at = 0;
		a.tmpl.timeout_ms = m ? INT64_MAX : 0;
		a.tmpl.max_attempts = m ? INT32_MAX : 0;
		roundtrip(&a, __LINE__);
	}
}

static void
decode_refused(const void *buf, size_t len, const char *what, int line)
{
	unsigned char *exact = malloc(len);
	struct schedule b;

	if (exact == NULL && len > 0)
		return;
	if (len > 0)
		memcpy(exact, buf, len);
	memset(&b, 0x5a, sizeof(b));
	if (sched_decode(exact, len, &b) != -1) {
		tap_fail(__FILE__, line, "%s: decoded", what);
		sched_free(&b);
	} else if (b.mem != NULL || b.cron != NULL || b.tmpl.url != NULL)
		tap_fail(__FILE__, line, "%s: refused but the schedule was not reset",
		    what);
	free(exact);
}

static void
test_truncated_and_padded(void)
{
	struct schedule a;
	void *buf;
	size_t len;
	int full;

	for (full = 0; full < 2; full++) {
		if (full)
			sched_full(&a);
		else
			sched_bare(&a);
		if ((buf = sched_encode(&a, &len)) == NULL) {
			CHECK(!"encode failed");
			return;
		}
		tap_record_damaged(buf, len, decode_refused, __LINE__);
		free(buf);
	}
}

/* Where a string field of the record ends, after one starting at off. */
static size_t
str_end(const unsigned char *buf, size_t off)
{
	uint32_t n = (uint32_t)buf[off] << 24 | (uint32_t)buf[off + 1] << 16 |
	    (uint32_t)buf[off + 2] << 8 | buf[off + 3];

	return n == 0xffffffffu ? off + 4 : off + 4 + n + 1;
}

/* Record offsets of version 1 (schedule.c). */
#define OFF_LAST_JOB	42	/* u8 version, id[20], u32, u8, i64, i64 */

static void
test_garbled(void)
{
	unsigned char *buf, save;
	struct schedule a, b;
	size_t len, off, i;

	sched_full(&a);
	if ((buf = sched_encode(&a, &len)) == NULL) {
		CHECK(!"encode failed");
		return;
	}
	/* the method and max_attempts follow last_job_id, two times and
	 * three strings; check this test finds them */
	off = str_end(buf, OFF_LAST_JOB) + 16;
	off = str_end(buf, str_end(buf, str_end(buf, off)));
	CHECK_INT(buf[0], 1);
	CHECK(memcmp(buf + OFF_LAST_JOB + 4, a.last_job_id, ID_JOB_LEN + 1) == 0);
	CHECK_INT(buf[off], JOB_DELETE);
	CHECK_INT(buf[off + 1], 1);
	CHECK_INT(buf[off + 5], 100);
	for (i = 0; i < 256; i++) {
		if (i == 1)
			continue;
		buf[0] = (unsigned char)i;
		decode_refused(buf, len, "an unknown version", __LINE__);
	}
	buf[0] = 1;
	buf[off] = JOB_NMETHOD;
	decode_refused(buf, len, "method out of range", __LINE__);
	buf[off] = 0xff;
	decode_refused(buf, len, "method 255", __LINE__);
	buf[off] = JOB_DELETE;
	/* a count above INT_MAX would be negative in an int (and the jobs it
	 * makes could not be stored) */
	save = buf[off + 2];
	buf[off + 2] = 0x80;
	decode_refused(buf, len, "max_attempts over INT_MAX", __LINE__);
	buf[off + 2] = 0xff;
	decode_refused(buf, len, "max_attempts 2^32 - 1", __LINE__);
	buf[off + 2] = save;
	/* a string length that runs past the end */
	buf[OFF_LAST_JOB] = 0x7f;
	decode_refused(buf, len, "a length past the end", __LINE__);
	buf[OFF_LAST_JOB] = 0;
	/* a string without its NUL */
	buf[OFF_LAST_JOB + 4 + ID_JOB_LEN] = 'x';
	decode_refused(buf, len, "a string without its NUL", __LINE__);
	buf[OFF_LAST_JOB + 4 + ID_JOB_LEN] = '\0';
	/* put back together, it decodes again */
	if (sched_decode(buf, len, &b) == 0)
		sched_free(&b);
	else
		CHECK(!"the mended record does not decode");
	decode_refused(buf, 0, "empty", __LINE__);
	free(buf);
}

/* A record without any of the strings a schedule needs is refused. */
static void
test_required(void)
{
	struct schedule a;
	void *buf;
	size_t len;
	int i;

	for (i = 0; i < 5; i++) {
		sched_bare(&a);
		if (i == 0)
			a.cron = NULL;
		else if (i == 1)
			a.timezone = NULL;
		else if (i == 2)
			a.tmpl.url = NULL;
		else if (i == 3)
			a.tmpl.queue = NULL;
		else		/* a queue longer than any the API takes */
			a.tmpl.queue = "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq";
		if ((buf = sched_encode(&a, &len)) == NULL) {
			CHECK(!"encode failed");
			continue;
		}
		decode_refused(buf, len, "a required string missing", __LINE__);
		free(buf);
	}
	sched_bare(&a);
	a.tmpl.queue = "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq";
	CHECK_INT(strlen(a.tmpl.queue), JOB_QUEUE_MAX);
	roundtrip(&a, __LINE__);
}

/* A last_job_id not of a job id's length never overflows its field. */
static void
test_last_job_odd(void)
{
	static const char *const odd[] = { "", "job_", "job_AbCdEfGh012345678", NULL };
	unsigned char *buf, *rec;
	size_t len, end, n, i, rlen;
	struct schedule a, b;
	char big[700];

	memset(big, 'j', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sched_full(&a);
	if ((buf = sched_encode(&a, &len)) == NULL) {
		CHECK(!"encode failed");
		return;
	}
	end = str_end(buf, OFF_LAST_JOB);
	for (i = 0; i <= sizeof(odd) / sizeof(odd[0]); i++) {
		const char *s = i < sizeof(odd) / sizeof(odd[0]) ? odd[i] : big;

		n = s ? strlen(s) : 0;
		rlen = OFF_LAST_JOB + 4 + (s ? n + 1 : 0) + (len - end);
		if ((rec = malloc(rlen)) == NULL)
			break;
		memcpy(rec, buf, OFF_LAST_JOB);
		rec[OFF_LAST_JOB] = s ? (unsigned char)(n >> 24) : 0xff;
		rec[OFF_LAST_JOB + 1] = s ? (unsigned char)(n >> 16) : 0xff;
		rec[OFF_LAST_JOB + 2] = s ? (unsigned char)(n >> 8) : 0xff;
		rec[OFF_LAST_JOB + 3] = s ? (unsigned char)n : 0xff;
		if (s)
			memcpy(rec + OFF_LAST_JOB + 4, s, n + 1);
		memcpy(rec + rlen - (len - end), buf + end, len - end);
		memset(&b, 0x5a, sizeof(b));
		if (sched_decode(rec, rlen, &b) == 0) {
			CHECK_STR(b.last_job_id, "");	/* none, rather than a wrong one */
			CHECK_STR(b.cron, a.cron);
			sched_free(&b);
		}
		free(rec);
	}
	free(buf);
}

/* The job a firing creates: the template, the schedule's id, now. */
static void
test_sched_job(void)
{
	struct schedule s;
	struct job j;

	sched_full(&s);
	sched_job(&s, T0 + 5, &j);
	CHECK_INT(j.status, JOB_AWAITING_APPROVAL);
	CHECK_INT(j.account, s.account);
	CHECK_INT(j.method, JOB_DELETE);
	CHECK_INT(j.requires_approval, 1);
	CHECK_INT(j.max_attempts, 100);
	CHECK_INT(j.timeout_ms, 3600000);
	CHECK(j.url == s.tmpl.url && j.payload == s.tmpl.payload &&
	    j.headers == s.tmpl.headers && j.callback_url == s.tmpl.callback_url &&
	    j.queue == s.tmpl.queue);
	CHECK_STR(j.schedule_id, "sch_0123456789abcdef");
	CHECK_INT(j.created_at, T0 + 5);
	CHECK_INT(j.updated_at, T0 + 5);
	CHECK_INT(j.due_at, T0 + 5);
	CHECK_INT(j.attempts, 0);
	CHECK_INT(j.duration_ms, -1);
	CHECK(j.id[0] == '\0' && j.mem == NULL && j.dedupe_key == NULL);
	s.tmpl.requires_approval = 0;
	sched_job(&s, T0, &j);
	CHECK_INT(j.status, JOB_PENDING);
}

int
main(void)
{
	TAP_RUN(test_roundtrip_full);
	TAP_RUN(test_roundtrip_bare);
	TAP_RUN(test_roundtrip_edges);
	TAP_RUN(test_truncated_and_padded);
	TAP_RUN(test_garbled);
	TAP_RUN(test_required);
	TAP_RUN(test_last_job_odd);
	TAP_RUN(test_sched_job);
	return tap_done();
}
