/*
 * Key layouts.  A "dim" names one listing of an account's jobs: which of
 * status, queue and schedule it is filtered by (the mask byte) and their
 * values.  Each job has an index entry under each dim it falls in, so every
 * filter combination lists without scanning; dims with a status also keep a
 * counter, so every total is read, not counted:
 *   u32 account | mask | [queue NUL] | [schedule id] | [status].
 *
 * Every builder writes into k, cap bytes, and returns the key's length, or
 * 0 when the key would not fit or a part of it is malformed (a queue name
 * longer than JOB_QUEUE_MAX, an id not of its fixed length): nothing is
 * ever written past cap.  store_get/put/del refuse a key of length 0 with
 * DQ_ERR_INVALID, so a caller that hands the result on fails cleanly.
 */
#include "config.h"

#include <string.h>
#include <sys/types.h>

#include "num.h"
#include "store_int.h"

/* id is a string of exactly idlen characters. */
static int
key_id_ok(const char *id, size_t idlen)
{
	return id != NULL && strnlen(id, idlen + 1) == idlen;
}

/* A queue name's length, or -1 when it is longer than any queue's. */
static ssize_t
key_queue_len(const char *queue)
{
	size_t n;

	if (queue == NULL || (n = strnlen(queue, JOB_QUEUE_MAX + 1)) > JOB_QUEUE_MAX)
		return -1;
	return (ssize_t)n;
}

size_t
key_qkey(unsigned char *k, size_t cap, uint32_t account, const char *queue)
{
	ssize_t n = key_queue_len(queue);

	if (n < 0 || (size_t)n + 4 + 1 > cap)
		return 0;
	num_be32_put(k, account);
	memcpy(k + 4, queue, (size_t)n + 1);
	return 4 + n + 1;
}

size_t
key_dim(unsigned char *k, size_t cap, uint32_t account, int mask,
    const char *queue, const char *schedule_id, int status)
{
	size_t o = 4 + 1, n = 0;
	ssize_t qn = (mask & DIM_QUEUE) ? key_queue_len(queue) : 0;

	if (qn < 0)
		return 0;
	n = (size_t)qn;
	if ((mask & DIM_SCHED) && !key_id_ok(schedule_id, ID_SCHED_LEN))
		return 0;
	if (o + ((mask & DIM_QUEUE) ? n + 1 : 0) +
	    ((mask & DIM_SCHED) ? ID_SCHED_LEN : 0) + ((mask & DIM_STATUS) ? 1 : 0) > cap)
		return 0;
	num_be32_put(k, account);
	k[4] = (unsigned char)mask;
	if (mask & DIM_QUEUE) {
		memcpy(k + o, queue, n + 1);
		o += n + 1;
	}
	if (mask & DIM_SCHED) {
		memcpy(k + o, schedule_id, ID_SCHED_LEN);
		o += ID_SCHED_LEN;
	}
	if (mask & DIM_STATUS)
		k[o++] = (unsigned char)status;
	return o;
}

size_t
key_idx(unsigned char *k, size_t cap, const unsigned char *dim, size_t dl,
    int64_t created, const char *id, size_t idlen)
{
	if (dl == 0 || dl > cap || cap - dl < 8 + idlen || !key_id_ok(id, idlen))
		return 0;
	memmove(k, dim, dl);
	num_be64_put(k + dl, ~(uint64_t)created);	/* newest first */
	memcpy(k + dl + 8, id, idlen);
	return dl + 8 + idlen;
}

size_t
key_time_id(unsigned char *k, size_t cap, int64_t t, const char *id, size_t idlen)
{
	if (cap < 8 || cap - 8 < idlen || !key_id_ok(id, idlen))
		return 0;
	num_be64_put(k, (uint64_t)t);
	memcpy(k + 8, id, idlen);
	return 8 + idlen;
}

size_t
key_acct_str(unsigned char *k, size_t cap, uint32_t account, const char *s)
{
	size_t n;

	if (s == NULL || cap < 4 || (n = strnlen(s, cap)) > cap - 4)
		return 0;
	num_be32_put(k, account);
	memcpy(k + 4, s, n);
	return 4 + n;
}

size_t
key_job(unsigned char *k, size_t cap, int64_t created, const char *id)
{
	return key_time_id(k, cap, created, id, ID_JOB_LEN);
}

size_t
key_qkey_time_id(unsigned char *k, size_t cap, uint32_t account,
    const char *queue, int64_t t, const char *id)
{
	size_t n, m;

	if ((n = key_qkey(k, cap, account, queue)) == 0 ||
	    (m = key_time_id(k + n, cap - n, t, id, ID_JOB_LEN)) == 0)
		return 0;
	return n + m;
}

size_t
key_order(unsigned char *k, size_t cap, uint32_t account, const char *queue,
    int64_t order_at, int64_t seq, const char *id)
{
	size_t n;

	if ((n = key_qkey(k, cap, account, queue)) == 0 || cap - n < 16 + ID_JOB_LEN ||
	    !key_id_ok(id, ID_JOB_LEN))
		return 0;
	num_be64_put(k + n, (uint64_t)order_at);
	num_be64_put(k + n + 8, (uint64_t)seq);
	memcpy(k + n + 16, id, ID_JOB_LEN);
	return n + 16 + ID_JOB_LEN;
}
