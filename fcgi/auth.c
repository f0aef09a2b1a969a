/*
 * API key authentication for /v1 (API.md 2).  A key's account is looked up
 * by the key's SHA-256 and remembered for a second, so a busy client does not
 * cost a store read per request.  dqctl bumps the accounts epoch (shm.h)
 * whenever an account or key changes, and the cache is emptied when it
 * moves: a disabled or rotated key stops working at once.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "auth.h"
#include "crypto.h"
#include "dqtime.h"
#include "shm.h"

#define AUTH_CACHE	256
#define AUTH_TTL_MS	1000
#define AUTH_KEY_MAX	256

static struct {
	unsigned char	hash[CRYPTO_SHA256_LEN];
	struct account	account;
	int64_t		until;		/* monotonic ms; 0: empty */
} auth_cache[AUTH_CACHE];
static uint64_t auth_epoch;

/* The key of "Bearer <key>", or NULL. */
static const char *
auth_bearer(const char *h, size_t *len)
{
	const char *key;
	size_t n;

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	for (key = h + 7; *key == ' '; key++)
		;
	n = strlen(key);
	while (n > 0 && key[n - 1] == ' ')
		n--;
	if (n == 0 || n > AUTH_KEY_MAX)
		return NULL;
	*len = n;
	return key;
}

/* The key's hash and cache slot; DQ_OK when the cache knows the key. */
static enum dq_err
auth_lookup(const char *authorization, unsigned char hash[CRYPTO_SHA256_LEN],
    size_t *slot, struct account *out)
{
	const char *key;
	size_t len;

	if ((key = auth_bearer(authorization, &len)) == NULL)
		return DQ_ERR_INVALID;
	if (shm_epoch() != auth_epoch) {
		memset(auth_cache, 0, sizeof(auth_cache));
		auth_epoch = shm_epoch();
	}
	crypto_sha256(key, len, hash);
	*slot = ((size_t)hash[0] | (size_t)hash[1] << 8) % AUTH_CACHE;
	if (auth_cache[*slot].until > dqtime_mono_ms() &&
	    memcmp(auth_cache[*slot].hash, hash, CRYPTO_SHA256_LEN) == 0) {
		*out = auth_cache[*slot].account;
		return DQ_OK;
	}
	return DQ_ERR_NOTFOUND;
}

enum dq_err
auth_account_cached(const char *authorization, struct account *out)
{
	unsigned char hash[CRYPTO_SHA256_LEN];
	size_t slot;

	return auth_lookup(authorization, hash, &slot, out) == DQ_OK ? DQ_OK :
	    DQ_ERR_NOTFOUND;
}

enum dq_err
auth_account(struct store *st, const char *authorization, struct account *out)
{
	unsigned char hash[CRYPTO_SHA256_LEN];
	int64_t now = dqtime_mono_ms();
	size_t slot;
	enum dq_err e;

	if ((e = auth_lookup(authorization, hash, &slot, out)) != DQ_ERR_NOTFOUND)
		return e == DQ_OK ? DQ_OK : DQ_ERR_NOTFOUND;
	if ((e = store_account_by_hash(st, hash, out)) != DQ_OK)
		return e;
	memcpy(auth_cache[slot].hash, hash, sizeof(hash));
	auth_cache[slot].account = *out;
	auth_cache[slot].until = now + AUTH_TTL_MS;
	return DQ_OK;
}
