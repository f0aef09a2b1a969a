/*
 * Topics (API.md 9): an account's named lists of endpoints, which a create
 * naming the topic fans out to.  The store keeps each topic's endpoints as
 * the compact JSON the API checked (fcgi/h_topics.c); an account has at most
 * max_topics_per_account of them, counted under dim account | DIM_TOPICS.
 *
 * Topic record, version 1: u8 version | i64 created_at | i64 updated_at |
 * endpoints (JSON text).  Key: u32 account | name.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "rec.h"
#include "store_int.h"

#define TOPIC_REC_VERSION	1

void
store_topic_free(struct topic *t)
{
	free(t->endpoints);
	t->endpoints = NULL;
}

static size_t
topic_key(unsigned char *k, size_t cap, uint32_t account, const char *name)
{
	if (name == NULL || strnlen(name, JOB_TOPIC_MAX + 1) > JOB_TOPIC_MAX)
		return 0;
	return key_acct_str(k, cap, account, name);
}

static int
topic_decode(const unsigned char *k, size_t kl, const DBT *d, struct topic *t)
{
	const char *eps;
	struct rec_r r;

	memset(t, 0, sizeof(*t));
	if (kl < 5 || kl - 4 > JOB_TOPIC_MAX)
		return STORE_RET(DQ_ERR_CORRUPT);
	t->account = num_be32_get(k);
	memcpy(t->name, k + 4, kl - 4);
	t->name[kl - 4] = '\0';
	rec_r_init(&r, d->data, d->size);
	if (rec_get_u8(&r) != TOPIC_REC_VERSION)
		return STORE_RET(DQ_ERR_CORRUPT);
	t->created_at = rec_get_i64(&r);
	t->updated_at = rec_get_i64(&r);
	eps = rec_get_str(&r);
	if (rec_r_done(&r) != 0 || eps == NULL)
		return STORE_RET(DQ_ERR_CORRUPT);
	if ((t->endpoints = strdup(eps)) == NULL)
		return STORE_RET(DQ_ERR_NOMEM);
	return 0;
}

static int
topic_read(struct store *st, DB_TXN *txn, uint32_t account, const char *name,
    u_int32_t flags, struct topic *t)
{
	unsigned char k[KEY_MAX];
	size_t kl = topic_key(k, sizeof(k), account, name);
	DBT d;
	int ret;

	if ((ret = store_get(st, txn, DBI_TOPICS, k, kl, &d, flags)) != 0)
		return ret;
	return topic_decode(k, kl, &d, t);
}

static int
topic_count(struct store *st, DB_TXN *txn, uint32_t account, int64_t delta,
    int enforce)
{
	unsigned char dim[KEY_MAX];
	size_t dl = key_dim(dim, sizeof(dim), account, DIM_TOPICS, NULL, NULL, 0);
	int64_t n = 0;
	int ret;

	if (enforce) {
		if ((ret = store_count_get(st, txn, dim, dl, &n)) != 0)
			return ret;
		if (n >= st->max_topics)
			return STORE_RET(DQ_ERR_QUOTA);
	}
	return store_count_add(st, txn, dim, dl, delta);
}

struct topic_arg {
	uint32_t	 account;
	const char	*name;
	const char	*endpoints;
	int64_t		 now;
	struct topic	*out;
};

static int
put_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct topic_arg *a = arg;
	unsigned char k[KEY_MAX];
	struct topic old;
	struct rec_w w;
	int64_t created = a->now;
	void *buf;
	size_t len, kl = topic_key(k, sizeof(k), a->account, a->name);
	int ret;

	store_topic_free(a->out);
	ret = topic_read(st, txn, a->account, a->name, DB_RMW, &old);
	if (ret == 0) {
		created = old.created_at;
		store_topic_free(&old);
	} else if (ret != DB_NOTFOUND ||
	    (ret = topic_count(st, txn, a->account, 1, 1)) != 0)
		return ret;
	rec_w_init(&w);
	rec_u8(&w, TOPIC_REC_VERSION);
	rec_i64(&w, created);
	rec_i64(&w, a->now);
	rec_str(&w, a->endpoints);
	if ((buf = rec_w_finish(&w, &len)) == NULL)
		return STORE_RET(DQ_ERR_NOMEM);
	ret = store_put(st, txn, DBI_TOPICS, k, kl, buf, len);
	free(buf);
	if (ret != 0)
		return ret;
	memset(a->out, 0, sizeof(*a->out));
	a->out->account = a->account;
	memcpy(a->out->name, a->name, strlen(a->name) + 1);
	a->out->created_at = created;
	a->out->updated_at = a->now;
	return (a->out->endpoints = strdup(a->endpoints)) == NULL ?
	    STORE_RET(DQ_ERR_NOMEM) : 0;
}

enum dq_err
store_topic_put(struct store *st, uint32_t account, const char *name,
    const char *endpoints, int64_t now, struct topic *out)
{
	struct topic_arg a = { account, name, endpoints, now, out };

	memset(out, 0, sizeof(*out));
	if (name == NULL || strnlen(name, JOB_TOPIC_MAX + 1) > JOB_TOPIC_MAX)
		return DQ_ERR_INVALID;
	return store_txn(st, 0, put_txn, &a);
}

static int
get_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct topic_arg *a = arg;

	store_topic_free(a->out);
	return topic_read(st, txn, a->account, a->name, 0, a->out);
}

enum dq_err
store_topic_get(struct store *st, uint32_t account, const char *name,
    struct topic *out)
{
	struct topic_arg a = { account, name, NULL, 0, out };

	memset(out, 0, sizeof(*out));
	return store_txn(st, STORE_TXN_READ, get_txn, &a);
}

static int
del_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct topic_arg *a = arg;
	unsigned char k[KEY_MAX];
	size_t kl = topic_key(k, sizeof(k), a->account, a->name);
	DBT d;
	int ret;

	memset(&d, 0, sizeof(d));
	d.flags = DB_DBT_PARTIAL;
	if ((ret = store_get(st, txn, DBI_TOPICS, k, kl, &d, DB_RMW)) != 0 ||
	    (ret = store_del(st, txn, DBI_TOPICS, k, kl)) != 0)
		return ret;
	return topic_count(st, txn, a->account, -1, 0);
}

enum dq_err
store_topic_delete(struct store *st, uint32_t account, const char *name)
{
	struct topic_arg a = { account, name, NULL, 0, NULL };

	return store_txn(st, 0, del_txn, &a);
}

/* --- one page of an account's topics, by name ------------------------------------- */

struct tpage_arg {
	const struct store_name_query	*q;
	struct topic			*out;
	int				*n, *more;
	int64_t				*total;
};

static int
tpage_take(const unsigned char *k, size_t kl, const DBT *d, int i, void *arg)
{
	struct tpage_arg *a = arg;

	return topic_decode(k, kl, d, &a->out[i]);
}

static int
tpage_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct tpage_arg *a = arg;
	unsigned char start[KEY_MAX], dim[KEY_MAX];
	struct store_name_walk w = { a->q->account, start, 4, a->q->offset,
	    a->q->limit, tpage_take, a };
	int ret;

	while (*a->n > 0)
		store_topic_free(&a->out[--*a->n]);
	num_be32_put(start, a->q->account);
	if (a->q->after != NULL) {	/* just past the cursor's topic */
		if ((w.sl = topic_key(start, sizeof(start) - 1, a->q->account,
		    a->q->after)) == 0)
			return STORE_RET(DQ_ERR_INVALID);
		start[w.sl++] = 0;
	}
	if ((ret = store_count_get(st, txn, dim, key_dim(dim, sizeof(dim),
	    a->q->account, DIM_TOPICS, NULL, NULL, 0), a->total)) != 0)
		return ret;
	return store_name_page(st, txn, DBI_TOPICS, &w, a->n, a->more);
}

enum dq_err
store_topic_page(struct store *st, const struct store_name_query *q,
    struct topic *out, int *n, int *more, int64_t *total)
{
	struct tpage_arg a = { q, out, n, more, total };
	enum dq_err e;

	*n = 0;
	if (q->limit > STORE_LIST_MAX || q->offset < 0)
		return DQ_ERR_INVALID;
	if ((e = store_txn(st, STORE_TXN_READ, tpage_txn, &a)) != DQ_OK)
		while (*n > 0)
			store_topic_free(&out[--*n]);
	return e;
}
