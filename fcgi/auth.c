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

enum dq_err
auth_account(struct store *st, const char *authorization, struct account *out)
{
	unsigned char hash[CRYPTO_SHA256_LEN];
	const char *key;
	int64_t now = dqtime_mono_ms();
	size_t len, slot;
	enum dq_err e;

	if ((key = auth_bearer(authorization, &len)) == NULL)
		return DQ_ERR_NOTFOUND;
	if (shm_epoch() != auth_epoch) {
		memset(auth_cache, 0, sizeof(auth_cache));
		auth_epoch = shm_epoch();
	}
	crypto_sha256(key, len, hash);
	slot = (size_t)hash[0] | (size_t)hash[1] << 8;
	slot %= AUTH_CACHE;
	if (auth_cache[slot].until > now &&
	    memcmp(auth_cache[slot].hash, hash, sizeof(hash)) == 0) {
		*out = auth_cache[slot].account;
		return DQ_OK;
	}
	if ((e = store_account_by_hash(st, hash, out)) != DQ_OK)
		return e;
	memcpy(auth_cache[slot].hash, hash, sizeof(hash));
	auth_cache[slot].account = *out;
	auth_cache[slot].until = now + AUTH_TTL_MS;
	return DQ_OK;
}
