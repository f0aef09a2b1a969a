/*
 * Accounts for signing and for holding a disabled account's work, cached
 * for a few seconds: signing needs the account's HMAC keys for every
 * transfer, and a key rotation must take effect soon but not necessarily at
 * once.  dqctl's accounts epoch (shm.h) empties the cache at once.
 */
#include "config.h"

#include <string.h>

#include "disp.h"
#include "dqtime.h"
#include "log.h"

#define ACCOUNTS_CACHED	64
#define ACCOUNTS_TTL_MS	5000

static struct {
	struct account	a;
	int64_t		at;	/* monotonic ms when read; 0: free */
} cache[ACCOUNTS_CACHED];

void
accounts_forget(void)
{
	memset(cache, 0, sizeof(cache));
}

int
accounts_get(struct disp *d, uint32_t id, struct account *out)
{
	int64_t now = dqtime_mono_ms();
	int i, oldest = 0;
	enum dq_err e;

	for (i = 0; i < ACCOUNTS_CACHED; i++) {
		if (cache[i].at != 0 && cache[i].a.id == id &&
		    now - cache[i].at < ACCOUNTS_TTL_MS) {
			*out = cache[i].a;
			return 0;
		}
		if (cache[i].at < cache[oldest].at)
			oldest = i;
	}
	if ((e = store_account_get(d->st, id, out)) != DQ_OK) {
		log_warnx("account %u: %s", id, dq_strerror(e));
		return -1;
	}
	cache[oldest].a = *out;
	cache[oldest].at = now;
	return 0;
}
