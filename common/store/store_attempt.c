/*
 * The attempts history: one record per delivery attempt, keyed by job id and
 * a sequence that never restarts (a retried job's attempt numbers start
 * again at 1, its history does not).  Kept as long as the job, but bounded:
 * the first STORE_ATTEMPTS_FIRST and the latest STORE_ATTEMPTS_LATEST
 * attempts are kept, and each one appended past that removes the oldest of
 * the latest, so a job retried for ever keeps a history of fixed size.
 *
 * Attempt record, version 1: u8 version | u32 n | i64 started_at |
 * i64 finished_at | i64 duration_ms | u32 response_code | u8 is_json |
 * response_body | error.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "rec.h"
#include "store_int.h"

#define ATTEMPT_REC_VERSION	1

int
store_attempt_put(struct store *st, DB_TXN *txn, const char *job_id, int seq,
    const struct attempt *at)
{
	unsigned char k[ID_JOB_LEN + 4];
	struct rec_w w;
	void *buf;
	size_t len;
	int ret;

	if (strnlen(job_id, ID_JOB_LEN + 1) != ID_JOB_LEN)
		return STORE_RET(DQ_ERR_INVALID);
	rec_w_init(&w);
	rec_u8(&w, ATTEMPT_REC_VERSION);
	rec_u32(&w, (uint32_t)at->n);
	rec_i64(&w, at->started_at);
	rec_i64(&w, at->finished_at);
	rec_i64(&w, at->duration_ms);
	rec_u32(&w, (uint32_t)at->response_code);
	rec_u8(&w, at->response_is_json ? 1 : 0);
	rec_str(&w, at->response_body);
	rec_str(&w, at->error);
	if ((buf = rec_w_finish(&w, &len)) == NULL)
		return STORE_RET(DQ_ERR_NOMEM);
	memcpy(k, job_id, ID_JOB_LEN);
	num_be32_put(k + ID_JOB_LEN, (uint32_t)seq);
	ret = store_put(st, txn, DBI_ATTEMPTS, k, sizeof(k), buf, len);
	free(buf);
	if (ret != 0 || seq <= STORE_ATTEMPTS_FIRST + STORE_ATTEMPTS_LATEST)
		return ret;
	num_be32_put(k + ID_JOB_LEN, (uint32_t)(seq - STORE_ATTEMPTS_LATEST));
	return store_del(st, txn, DBI_ATTEMPTS, k, sizeof(k));
}

static int
attempt_decode(const DBT *d, struct attempt *at)
{
	struct rec_r r;

	memset(at, 0, sizeof(*at));
	rec_r_init(&r, d->data, d->size);
	if (rec_get_u8(&r) != ATTEMPT_REC_VERSION)
		return STORE_RET(DQ_ERR_CORRUPT);
	at->n = (int)rec_get_u32(&r);
	at->started_at = rec_get_i64(&r);
	at->finished_at = rec_get_i64(&r);
	at->duration_ms = rec_get_i64(&r);
	at->response_code = (int)rec_get_u32(&r);
	at->response_is_json = rec_get_u8(&r);
	at->response_body = rec_get_str(&r);
	at->error = rec_get_str(&r);
	return rec_r_done(&r) == 0 ? 0 : STORE_RET(DQ_ERR_CORRUPT);
}

/* Visit (or delete, when fn is NULL) every attempt of a job. */
static int
attempts_walk(struct store *st, DB_TXN *txn, const char *job_id,
    store_attempt_fn fn, void *arg)
{
	unsigned char kbuf[64];
	struct attempt at;
	DBC *c = NULL;
	DBT k, d;
	int ret;

	if (strnlen(job_id, ID_JOB_LEN + 1) != ID_JOB_LEN)
		return STORE_RET(DQ_ERR_INVALID);
	if ((ret = st->db[DBI_ATTEMPTS]->cursor(st->db[DBI_ATTEMPTS], txn, &c,
	    0)) != 0)
		return ret;
	memcpy(kbuf, job_id, ID_JOB_LEN);
	store_dbt(&k, kbuf, ID_JOB_LEN);
	k.ulen = sizeof(kbuf);
	k.flags = DB_DBT_USERMEM;
	memset(&d, 0, sizeof(d));
	for (ret = store_cursor_get(c, &k, &d, DB_SET_RANGE); ret == 0;
	    ret = store_cursor_get(c, &k, &d, DB_NEXT)) {
		if (k.size != ID_JOB_LEN + 4 || memcmp(kbuf, job_id, ID_JOB_LEN) != 0)
			break;
		if (fn == NULL) {
			if ((ret = c->del(c, 0)) != 0)
				break;
			continue;
		}
		if ((ret = attempt_decode(&d, &at)) != 0 || fn(&at, arg) != 0)
			break;
	}
	c->close(c);
	return ret == DB_NOTFOUND ? 0 : ret;
}

int
store_attempts_delete(struct store *st, DB_TXN *txn, const char *job_id)
{
	return attempts_walk(st, txn, job_id, NULL, NULL);
}

struct alist_arg {
	uint32_t	 account;
	const char	*job_id;
	store_attempt_fn fn;
	void		*arg;
	int		*made;
};

static int
alist_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct alist_arg *a = arg;
	struct job j;
	int ret;

	if ((ret = store_job_read(st, txn, a->job_id, 0, &j)) != 0)
		return ret;
	ret = a->account == 0 || j.account == a->account ? 0 : DB_NOTFOUND;
	*a->made = j.attempt_seq;
	job_free(&j);
	if (ret != 0)
		return ret;
	a->fn(NULL, a->arg);
	return attempts_walk(st, txn, a->job_id, a->fn, a->arg);
}

/* fn(NULL) starts the list (again, when the transaction is retried). */
enum dq_err
store_attempts_list(struct store *st, uint32_t account, const char *job_id,
    store_attempt_fn fn, void *arg, int *made)
{
	struct alist_arg a = { account, job_id, fn, arg, made };

	return store_txn(st, STORE_TXN_READ, alist_txn, &a);
}
