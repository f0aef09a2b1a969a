/*
 * Dedupe and idempotency rows: what a dedupe_key or an Idempotency-Key of
 * an account names, for 24 hours.  A row names the jobs one create made:
 * one job, or every job of a topic's fan-out (which the keys cover as a
 * whole).  Rows are removed by housekeeping through their expiry entries,
 * and a job's own id leaves its rows when the job is deleted.
 *
 * Row value: id | i64 created | [32-byte body hash: idempotency rows] |
 * further ids (a fan-out's other jobs; rows written before fan-outs have
 * none).
 */
#include "config.h"

#include <string.h>

#include "num.h"
#include "store_int.h"

#define EXP_DEDUPE	'D'
#define EXP_IDEM	'I'

/* Is a row (its value, at least id | created) live at now? */
static int
row_live(const unsigned char *v, int64_t now)
{
	return (int64_t)num_be64_get(v + ID_JOB_LEN) + STORE_DEDUPE_WINDOW_MS > now;
}

/* Where a row's further ids start. */
static size_t
row_ids_at(int dbi)
{
	return ID_JOB_LEN + 8 + (dbi == DBI_IDEM ? CRYPTO_SHA256_LEN : 0);
}

/* An expiry entry lets housekeeping find old dedupe and idempotency rows. */
static int
row_expiry(struct store *st, DB_TXN *txn, int64_t at, char kind,
    const unsigned char *k, size_t kl)
{
	unsigned char ek[KEY_MAX + 16];

	if (kl == 0 || kl > sizeof(ek) - 9)
		return STORE_RET(DQ_ERR_INVALID);
	num_be64_put(ek, (uint64_t)at);
	ek[8] = (unsigned char)kind;
	memcpy(ek + 9, k, kl);
	return store_put(st, txn, DBI_EXPIRY, ek, 9 + kl, "", 0);
}

int
store_row_put(struct store *st, DB_TXN *txn, int dbi, const unsigned char *k,
    size_t kl, const struct job *jobs, size_t n, const unsigned char *hash)
{
	unsigned char v[ID_JOB_LEN + 8 + CRYPTO_SHA256_LEN + STORE_FANOUT_MAX * ID_JOB_LEN];
	size_t vl = ID_JOB_LEN + 8, i;
	int ret;

	if (n < 1 || n > STORE_FANOUT_MAX || (dbi == DBI_IDEM) != (hash != NULL))
		return STORE_RET(DQ_ERR_INVALID);
	memcpy(v, jobs[0].id, ID_JOB_LEN);
	num_be64_put(v + ID_JOB_LEN, (uint64_t)jobs[0].created_at);
	if (hash != NULL) {
		memcpy(v + vl, hash, CRYPTO_SHA256_LEN);
		vl += CRYPTO_SHA256_LEN;
	}
	for (i = 1; i < n; i++, vl += ID_JOB_LEN)
		memcpy(v + vl, jobs[i].id, ID_JOB_LEN);
	if ((ret = store_put(st, txn, dbi, k, kl, v, vl)) != 0)
		return ret;
	return row_expiry(st, txn, jobs[0].created_at + STORE_DEDUPE_WINDOW_MS,
	    dbi == DBI_IDEM ? EXP_IDEM : EXP_DEDUPE, k, kl);
}

int
store_row_get(struct store *st, DB_TXN *txn, int dbi, const unsigned char *k,
    size_t kl, int64_t now, char (*ids)[ID_JOB_LEN + 1], int *n,
    unsigned char *hash)
{
	const unsigned char *p;
	size_t at = row_ids_at(dbi), extra;
	DBT d;
	int ret;

	*n = 0;
	ret = store_get(st, txn, dbi, k, kl, &d, DB_RMW);
	if (ret == DB_NOTFOUND)
		return 0;
	if (ret != 0)
		return ret;
	p = d.data;
	if (d.size < ID_JOB_LEN + 8 || (d.size > at && (d.size - at) % ID_JOB_LEN))
		return STORE_RET(DQ_ERR_CORRUPT);
	if (!row_live(p, now))
		return 0;
	if (hash != NULL && d.size >= ID_JOB_LEN + 8 + CRYPTO_SHA256_LEN)
		memcpy(hash, p + ID_JOB_LEN + 8, CRYPTO_SHA256_LEN);
	extra = d.size > at ? (d.size - at) / ID_JOB_LEN : 0;
	if (extra + 1 > STORE_FANOUT_MAX)
		return STORE_RET(DQ_ERR_CORRUPT);
	memcpy(ids[0], p, ID_JOB_LEN);
	ids[0][ID_JOB_LEN] = '\0';
	for (*n = 1; (size_t)*n <= extra; (*n)++) {
		memcpy(ids[*n], p + at + (size_t)(*n - 1) * ID_JOB_LEN, ID_JOB_LEN);
		ids[*n][ID_JOB_LEN] = '\0';
	}
	return 1;
}

int
store_row_expire(struct store *st, DB_TXN *txn, const unsigned char *ek,
    size_t el, int64_t now)
{
	int dbi = ek[8] == EXP_IDEM ? DBI_IDEM : DBI_DEDUPE;
	DBT d;
	int ret;

	if (el <= 9)
		return 0;
	ret = store_get(st, txn, dbi, ek + 9, el - 9, &d, DB_RMW);
	if (ret == DB_NOTFOUND)
		return 0;
	if (ret != 0)
		return ret;
	if (d.size >= ID_JOB_LEN + 8 && row_live(d.data, now))
		return 0;
	return store_del(st, txn, dbi, ek + 9, el - 9);
}

/* Take id out of the row at k: the row goes when it named only id. */
static int
row_forget(struct store *st, DB_TXN *txn, int dbi, const unsigned char *k,
    size_t kl, const char *id)
{
	unsigned char v[ID_JOB_LEN + 8 + CRYPTO_SHA256_LEN + STORE_FANOUT_MAX * ID_JOB_LEN];
	size_t at = row_ids_at(dbi), vl, i;
	DBT d;
	int ret;

	if (kl == 0)
		return 0;
	ret = store_get(st, txn, dbi, k, kl, &d, DB_RMW);
	if (ret == DB_NOTFOUND)
		return 0;
	if (ret != 0)
		return ret;
	if (d.size < ID_JOB_LEN + 8 || d.size > sizeof(v))
		return STORE_RET(DQ_ERR_CORRUPT);
	memcpy(v, d.data, d.size);
	vl = d.size;
	if (memcmp(v, id, ID_JOB_LEN) == 0) {
		if (vl <= at)
			return store_del(st, txn, dbi, k, kl);
		memcpy(v, v + at, ID_JOB_LEN);		/* the next one comes first */
		i = at;
	} else {
		for (i = at; i + ID_JOB_LEN <= vl; i += ID_JOB_LEN)
			if (memcmp(v + i, id, ID_JOB_LEN) == 0)
				break;
		if (i + ID_JOB_LEN > vl)
			return 0;
	}
	memmove(v + i, v + i + ID_JOB_LEN, vl - i - ID_JOB_LEN);
	return store_put(st, txn, dbi, k, kl, v, vl - ID_JOB_LEN);
}

int
store_rows_forget(struct store *st, DB_TXN *txn, const struct job *j)
{
	unsigned char k[KEY_MAX];
	int ret = 0;

	if (j->dedupe_key != NULL)
		ret = row_forget(st, txn, DBI_DEDUPE, k, key_acct_str(k, sizeof(k),
		    j->account, j->dedupe_key), j->id);
	if (ret == 0 && j->idempotency_key != NULL)
		ret = row_forget(st, txn, DBI_IDEM, k, key_acct_str(k, sizeof(k),
		    j->account, j->idempotency_key), j->id);
	return ret;
}
