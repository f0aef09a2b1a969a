/*
 * Walks over a database in key order, as the store's readers do them: a
 * cursor set on the first key at or after a start key (store_range), and a
 * page of an account's records that are keyed u32 account | name, by name
 * (store_name_page: the queues, the topics).
 */
#include "config.h"

#include <string.h>

#include "num.h"
#include "store_int.h"

int
store_key_cmp(const void *a, size_t al, const void *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	return c ? c : (al > bl) - (al < bl);
}

int
store_range(struct store *st, DB_TXN *txn, int dbi, const void *start, size_t sl,
    unsigned char *kbuf, size_t cap, DBC **c, DBT *k, DBT *d, int keys_only)
{
	int ret;

	*c = NULL;
	if (sl > cap)
		return STORE_RET(DQ_ERR_INVALID);
	if ((ret = st->db[dbi]->cursor(st->db[dbi], txn, c, 0)) != 0)
		return ret;
	if (sl > 0)
		memcpy(kbuf, start, sl);
	store_dbt(k, kbuf, sl);
	k->ulen = (u_int32_t)cap;
	k->flags = DB_DBT_USERMEM;
	memset(d, 0, sizeof(*d));
	if (keys_only)
		d->flags = DB_DBT_PARTIAL;
	return 0;
}

int
store_name_page(struct store *st, DB_TXN *txn, int dbi, const struct store_name_walk *w,
    int *n, int *more)
{
	unsigned char kbuf[KEY_MAX];
	int64_t skip = w->offset;
	DBC *c = NULL;
	DBT k, d;
	int ret;

	*n = *more = 0;
	if ((ret = store_range(st, txn, dbi, w->start, w->sl, kbuf, sizeof(kbuf), &c, &k,
	    &d, 0)) != 0)
		return ret;
	for (ret = store_cursor_get(c, &k, &d, DB_SET_RANGE); ret == 0;
	    ret = store_cursor_get(c, &k, &d, DB_NEXT)) {
		if (k.size < 4 || num_be32_get(kbuf) != w->account)
			break;
		if (skip > 0) {
			skip--;
			continue;
		}
		if (*n == w->limit) {
			*more = 1;
			break;
		}
		if ((ret = w->fn(kbuf, k.size, &d, *n, w->arg)) != 0)
			break;
		(*n)++;
	}
	c->close(c);
	return ret == DB_NOTFOUND ? 0 : ret;
}
