/*
 * Key layouts.  A "dim" names one listing of an account's jobs: which of
 * status, queue and schedule it is filtered by (the mask byte) and their
 * values.  Each job has an index entry under each dim it falls in, so every
 * filter combination lists without scanning; dims with a status also keep a
 * counter, so every total is read, not counted:
 *   u32 account | mask | [queue NUL] | [schedule id] | [status].
 */
#include "config.h"

#include <string.h>

#include "num.h"
#include "store_int.h"

size_t
key_qkey(unsigned char *k, uint32_t account, const char *queue)
{
	size_t n = strlen(queue);

	num_be32_put(k, account);
	memcpy(k + 4, queue, n + 1);
	return 4 + n + 1;
}

size_t
key_dim(unsigned char *k, uint32_t account, int mask, const char *queue,
    const char *schedule_id, int status)
{
	size_t o = 4, n;

	num_be32_put(k, account);
	k[o++] = (unsigned char)mask;
	if (mask & DIM_QUEUE) {
		n = strlen(queue);
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
key_idx(unsigned char *k, const unsigned char *dim, size_t dl, int64_t created,
    const char *id, size_t idlen)
{
	memmove(k, dim, dl);
	num_be64_put(k + dl, ~(uint64_t)created);	/* newest first */
	memcpy(k + dl + 8, id, idlen);
	return dl + 8 + idlen;
}

size_t
key_time_id(unsigned char *k, int64_t t, const char *id, size_t idlen)
{
	num_be64_put(k, (uint64_t)t);
	memcpy(k + 8, id, idlen);
	return 8 + idlen;
}

size_t
key_acct_str(unsigned char *k, uint32_t account, const char *s)
{
	size_t n = strlen(s);

	num_be32_put(k, account);
	memcpy(k + 4, s, n);
	return 4 + n;
}

size_t
key_job(unsigned char *k, int64_t created, const char *id)
{
	return key_time_id(k, created, id, ID_JOB_LEN);
}
