/*
 * Accounts and their API keys.  The store keeps SHA-256 of each key and the
 * two HMAC key states an account signs with (crypto.h), never a key or a
 * signing secret in the clear.
 *
 * Account record, version 1: u8 version | u32 id | name | u8 disabled |
 * u8 sign_with_api_key | i64 created_at | key hash[32] | sig_key[64] |
 * wh_key[64].  Upgrade by bumping the version and decoding both.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "dqtime.h"
#include "num.h"
#include "rec.h"
#include "store_int.h"

#define ACCT_REC_VERSION	1

struct acct_rec {
	struct account	a;
	unsigned char	key_hash[CRYPTO_SHA256_LEN];
};

static void
acct_put_hk(struct rec_w *w, const struct hmac_key *hk)
{
	int i;

	for (i = 0; i < 8; i++)
		rec_u32(w, hk->inner[i]);
	for (i = 0; i < 8; i++)
		rec_u32(w, hk->outer[i]);
}

static void
acct_get_hk(struct rec_r *r, struct hmac_key *hk)
{
	int i;

	for (i = 0; i < 8; i++)
		hk->inner[i] = rec_get_u32(r);
	for (i = 0; i < 8; i++)
		hk->outer[i] = rec_get_u32(r);
}

static int
acct_write(struct store *st, DB_TXN *txn, const struct acct_rec *ar)
{
	unsigned char k[4];
	struct rec_w w;
	void *buf;
	size_t len;
	int ret;

	rec_w_init(&w);
	rec_u8(&w, ACCT_REC_VERSION);
	rec_u32(&w, ar->a.id);
	rec_str(&w, ar->a.name);
	rec_u8(&w, ar->a.disabled ? 1 : 0);
	rec_u8(&w, ar->a.sign_with_api_key ? 1 : 0);
	rec_i64(&w, ar->a.created_at);
	rec_bytes(&w, ar->key_hash, CRYPTO_SHA256_LEN);
	acct_put_hk(&w, &ar->a.sig_key);
	acct_put_hk(&w, &ar->a.wh_key);
	if ((buf = rec_w_finish(&w, &len)) == NULL)
		return STORE_RET(DQ_ERR_NOMEM);
	num_be32_put(k, ar->a.id);
	ret = store_put(st, txn, DBI_ACCOUNTS, k, 4, buf, len);
	free(buf);
	return ret;
}

static int
acct_decode(const DBT *d, struct acct_rec *ar)
{
	struct rec_r r;
	const char *name;
	const void *h;

	memset(ar, 0, sizeof(*ar));
	rec_r_init(&r, d->data, d->size);
	if (rec_get_u8(&r) != ACCT_REC_VERSION)
		return STORE_RET(DQ_ERR_CORRUPT);
	ar->a.id = rec_get_u32(&r);
	name = rec_get_str(&r);
	ar->a.disabled = rec_get_u8(&r);
	ar->a.sign_with_api_key = rec_get_u8(&r);
	ar->a.created_at = rec_get_i64(&r);
	if ((h = rec_get_bytes(&r, CRYPTO_SHA256_LEN)) != NULL)
		memcpy(ar->key_hash, h, CRYPTO_SHA256_LEN);
	acct_get_hk(&r, &ar->a.sig_key);
	acct_get_hk(&r, &ar->a.wh_key);
	if (rec_r_done(&r) == -1 || name == NULL || strlen(name) > ACCOUNT_NAME_MAX)
		return STORE_RET(DQ_ERR_CORRUPT);
	memcpy(ar->a.name, name, strlen(name) + 1);
	return 0;
}

static int
acct_read(struct store *st, DB_TXN *txn, uint32_t id, u_int32_t flags,
    struct acct_rec *ar)
{
	unsigned char k[4];
	DBT d;
	int ret;

	num_be32_put(k, id);
	if ((ret = store_get(st, txn, DBI_ACCOUNTS, k, 4, &d, flags)) != 0)
		return ret;
	return acct_decode(&d, ar);
}

static int
acct_id_by_name(struct store *st, DB_TXN *txn, const char *name, uint32_t *id)
{
	DBT d;
	int ret;

	if ((ret = store_get(st, txn, DBI_ACCTNAMES, name, strlen(name), &d, 0)) != 0)
		return ret;
	if (d.size != 4)
		return STORE_RET(DQ_ERR_CORRUPT);
	*id = num_be32_get(d.data);
	return 0;
}

/* The signing states follow from the secret, or the API key (API.md 5). */
static int
acct_signing(struct account *a, const char *api_key, const char *secret)
{
	unsigned char raw[64];
	int n;

	if (a->sign_with_api_key) {
		crypto_hmac_key(&a->sig_key, api_key, strlen(api_key));
		crypto_hmac_key(&a->wh_key, api_key, strlen(api_key));
		return 0;
	}
	crypto_hmac_key(&a->sig_key, secret, strlen(secret));
	n = crypto_base64_decode(secret + 6, strlen(secret + 6), raw, sizeof(raw));
	if (n < 0)
		return -1;
	crypto_hmac_key(&a->wh_key, raw, (size_t)n);
	return 0;
}

static int
acct_name_valid(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 1 || n > ACCOUNT_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("_.-", s[i]) == NULL)
			return 0;
	return 1;
}

struct add_arg {
	struct acct_rec	 ar;
	const char	*api_key;
};

static int
add_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct add_arg *a = arg;
	unsigned char v[4];
	uint32_t id = 1;
	DBT d;
	int ret;

	ret = acct_id_by_name(st, txn, a->ar.a.name, &id);
	if (ret == 0)
		return STORE_RET(DQ_ERR_EXISTS);
	if (ret != DB_NOTFOUND)
		return ret;
	ret = store_get(st, txn, DBI_META, "next_account", 12, &d, DB_RMW);
	if (ret == 0 && d.size == 4)
		id = num_be32_get(d.data);
	else if (ret != DB_NOTFOUND && ret != 0)
		return ret;
	a->ar.a.id = id;
	num_be32_put(v, id + 1);
	if ((ret = store_put(st, txn, DBI_META, "next_account", 12, v, 4)) != 0)
		return ret;
	num_be32_put(v, id);
	if ((ret = store_put(st, txn, DBI_ACCTNAMES, a->ar.a.name,
	    strlen(a->ar.a.name), v, 4)) != 0 ||
	    (ret = store_put(st, txn, DBI_KEYS, a->ar.key_hash,
	    CRYPTO_SHA256_LEN, v, 4)) != 0)
		return ret;
	return acct_write(st, txn, &a->ar);
}

enum dq_err
store_account_add(struct store *st, const char *name, int sign_with_api_key,
    char api_key[ID_KEY_LEN + 1], char secret[ID_SECRET_LEN + 1],
    struct account *out)
{
	struct add_arg a;
	enum dq_err e;

	if (!acct_name_valid(name))
		return DQ_ERR_INVALID;
	memset(&a, 0, sizeof(a));
	memcpy(a.ar.a.name, name, strlen(name) + 1);
	a.ar.a.sign_with_api_key = sign_with_api_key;
	a.ar.a.created_at = dqtime_now_ms();
	if (ids_new_api_key(api_key) == -1 || ids_new_secret(secret) == -1)
		return DQ_ERR_INTERNAL;
	if (sign_with_api_key)
		secret[0] = '\0';
	if (acct_signing(&a.ar.a, api_key, secret) == -1)
		return DQ_ERR_INTERNAL;
	crypto_sha256(api_key, strlen(api_key), a.ar.key_hash);
	a.api_key = api_key;
	e = store_txn(st, 0, add_txn, &a);
	if (e == DQ_OK && out != NULL)
		*out = a.ar.a;
	return e;
}

struct find_arg {
	int		 by;		/* 0 id, 1 name, 2 key hash */
	uint32_t	 id;
	const char	*name;
	unsigned char	 hash[CRYPTO_SHA256_LEN];
	struct acct_rec	 ar;
};

static int
find_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct find_arg *a = arg;
	DBT d;
	int ret;

	if (a->by == 1 && (ret = acct_id_by_name(st, txn, a->name, &a->id)) != 0)
		return ret;
	if (a->by == 2) {
		if ((ret = store_get(st, txn, DBI_KEYS, a->hash, CRYPTO_SHA256_LEN,
		    &d, 0)) != 0)
			return ret;
		if (d.size != 4)
			return STORE_RET(DQ_ERR_CORRUPT);
		a->id = num_be32_get(d.data);
	}
	return acct_read(st, txn, a->id, 0, &a->ar);
}

static enum dq_err
acct_find(struct store *st, struct find_arg *a, struct account *out)
{
	enum dq_err e;

	if ((e = store_txn(st, STORE_TXN_READ, find_txn, a)) == DQ_OK)
		*out = a->ar.a;
	return e;
}

enum dq_err
store_account_by_hash(struct store *st, const unsigned char hash[CRYPTO_SHA256_LEN],
    struct account *out)
{
	struct find_arg a;
	enum dq_err e;

	memset(&a, 0, sizeof(a));
	a.by = 2;
	memcpy(a.hash, hash, CRYPTO_SHA256_LEN);
	if ((e = acct_find(st, &a, out)) == DQ_OK && out->disabled)
		return DQ_ERR_NOTFOUND;
	return e;
}

enum dq_err
store_account_by_key(struct store *st, const char *api_key, size_t len,
    struct account *out)
{
	unsigned char hash[CRYPTO_SHA256_LEN];

	crypto_sha256(api_key, len, hash);
	return store_account_by_hash(st, hash, out);
}

enum dq_err
store_account_get(struct store *st, uint32_t id, struct account *out)
{
	struct find_arg a;

	memset(&a, 0, sizeof(a));
	a.id = id;
	return acct_find(st, &a, out);
}

enum dq_err
store_account_by_name(struct store *st, const char *name, struct account *out)
{
	struct find_arg a;

	memset(&a, 0, sizeof(a));
	a.by = 1;
	a.name = name;
	return acct_find(st, &a, out);
}

struct list_arg {
	store_account_fn fn;
	void		*arg;
	int		 stopped;
};

static int
list_txn(struct store *st, DB_TXN *txn, void *arg)
{
	struct list_arg *a = arg;
	struct acct_rec ar;
	DBC *c = NULL;
	DBT k, d;
	int ret;

	if ((ret = st->db[DBI_ACCOUNTS]->cursor(st->db[DBI_ACCOUNTS], txn, &c, 0)) != 0)
		return ret;
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	while ((ret = store_cursor_get(c, &k, &d, DB_NEXT)) == 0) {
		if ((ret = acct_decode(&d, &ar)) != 0)
			break;
		if (a->fn(&ar.a, a->arg) != 0)
			break;
	}
	c->close(c);
	return ret == DB_NOTFOUND ? 0 : ret;
}

enum dq_err
store_account_list(struct store *st, store_account_fn fn, void *arg)
{
	struct list_arg a = { fn, arg, 0 };

	return store_txn(st, STORE_TXN_READ, list_txn, &a);
}

enum acct_change {
	ACCT_ROTATE,		/* a new key: the old one stops working at once */
	ACCT_DISABLE,		/* its key answers 401, its work is held */
	ACCT_ENABLE		/* and back */
};

struct change_arg {
	const char		*name;
	enum acct_change	 what;
	const char		*new_key;	/* rotate */
	struct account		*out;		/* the account as written */
	int			 keyless;	/* out: it has no key (an old disable) */
};

/*
 * A disabled account keeps its key's entry: the key lookup refuses a
 * disabled account, and enabling it makes the same key work again.  (An
 * older dq deleted the key on disable: such an account needs a rotate-key
 * after enable, which keyless reports.)
 */
static int
change_txn(struct store *st, DB_TXN *txn, void *arg)
{
	static const unsigned char nokey[CRYPTO_SHA256_LEN];
	struct change_arg *a = arg;
	struct acct_rec ar;
	unsigned char v[4];
	uint32_t id;
	int ret;

	if ((ret = acct_id_by_name(st, txn, a->name, &id)) != 0 ||
	    (ret = acct_read(st, txn, id, DB_RMW, &ar)) != 0)
		return ret;
	if (a->what != ACCT_ROTATE) {
		ar.a.disabled = a->what == ACCT_DISABLE;
		a->keyless = memcmp(ar.key_hash, nokey, sizeof(nokey)) == 0;
		*a->out = ar.a;
		return acct_write(st, txn, &ar);
	}
	if ((ret = store_del(st, txn, DBI_KEYS, ar.key_hash, CRYPTO_SHA256_LEN)) != 0)
		return ret;
	crypto_sha256(a->new_key, strlen(a->new_key), ar.key_hash);
	if (ar.a.sign_with_api_key)
		acct_signing(&ar.a, a->new_key, NULL);
	num_be32_put(v, id);
	if ((ret = store_put(st, txn, DBI_KEYS, ar.key_hash, CRYPTO_SHA256_LEN,
	    v, 4)) != 0)
		return ret;
	*a->out = ar.a;
	return acct_write(st, txn, &ar);
}

enum dq_err
store_account_rotate_key(struct store *st, const char *name,
    char api_key[ID_KEY_LEN + 1])
{
	struct account out;
	struct change_arg a = { name, ACCT_ROTATE, api_key, &out, 0 };

	if (ids_new_api_key(api_key) == -1)
		return DQ_ERR_INTERNAL;
	return store_txn(st, 0, change_txn, &a);
}

enum dq_err
store_account_disable(struct store *st, const char *name)
{
	struct account out;
	struct change_arg a = { name, ACCT_DISABLE, NULL, &out, 0 };

	return store_txn(st, 0, change_txn, &a);
}

enum dq_err
store_account_enable(struct store *st, const char *name, int *keyless)
{
	struct account out;
	struct change_arg a = { name, ACCT_ENABLE, NULL, &out, 0 };
	enum dq_err e;

	if ((e = store_txn(st, 0, change_txn, &a)) != DQ_OK)
		return e;
	*keyless = a.keyless;
	return store_schedules_reindex(st, out.id);
}

int
store_account_is_disabled(struct store *st, DB_TXN *txn, uint32_t id, int *disabled)
{
	struct acct_rec ar;
	int ret;

	*disabled = 0;
	if ((ret = acct_read(st, txn, id, 0, &ar)) == DB_NOTFOUND)
		return 0;
	if (ret == 0)
		*disabled = ar.a.disabled;
	return ret;
}
