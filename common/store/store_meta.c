/*
 * Named integers in the meta database: schema version and id sequences are
 * kept by their owners; this is the public face for the rest, such as the
 * dispatcher's heartbeat that /healthz reads.
 */
#include "config.h"

#include <string.h>

#include "num.h"
#include "store_int.h"

struct meta_arg {
	const char	*name;
	int64_t		 v;
};

static int
meta_get_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct meta_arg *a = arg;
	DBT d;
	int ret;

	if ((ret = store_get(st, txn, DBI_META, a->name, strlen(a->name), &d, 0)) != 0)
		return ret;
	if (d.size != 8)
		return STORE_RET(DQ_ERR_CORRUPT);
	a->v = (int64_t)num_be64_get(d.data);
	return 0;
}

static int
meta_put_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct meta_arg *a = arg;
	unsigned char v[8];

	num_be64_put(v, (uint64_t)a->v);
	return store_put(st, txn, DBI_META, a->name, strlen(a->name), v, 8);
}

enum dq_err
store_meta_get(struct store *st, const char *name, int64_t *out)
{
	struct meta_arg a = { name, 0 };
	enum dq_err e;

	e = store_txn(st, STORE_TXN_READ, meta_get_txn, &a);
	*out = a.v;
	return e;
}

enum dq_err
store_meta_put(struct store *st, const char *name, int64_t v)
{
	struct meta_arg a = { name, v };

	return store_txn(st, 0, meta_put_txn, &a);
}

struct secret_arg {
	const char	*name;
	unsigned char	*buf;
	size_t		 cap, len;
	const unsigned char *in;
};

static int
secret_get_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct secret_arg *a = arg;
	DBT d;
	int ret;

	if ((ret = store_get(st, txn, DBI_META, a->name, strlen(a->name), &d, 0)) != 0)
		return ret;
	if (d.size > a->cap)
		return STORE_RET(DQ_ERR_CORRUPT);
	memcpy(a->buf, d.data, d.size);
	a->len = d.size;
	return 0;
}

static int
secret_put_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct secret_arg *a = arg;

	return store_put(st, txn, DBI_META, a->name, strlen(a->name), a->in, a->len);
}

enum dq_err
store_secret_get(struct store *st, const char *name, unsigned char *buf,
    size_t cap, size_t *len)
{
	struct secret_arg a = { name, buf, cap, 0, NULL };
	enum dq_err e;

	e = store_txn(st, STORE_TXN_READ, secret_get_txn, &a);
	*len = a.len;
	return e;
}

enum dq_err
store_secret_put(struct store *st, const char *name, const unsigned char *v,
    size_t len)
{
	struct secret_arg a = { name, NULL, 0, len, v };

	return store_txn(st, 0, secret_put_txn, &a);
}
