/*
 * The per-API-key rate limit, a token bucket (capacity one second's worth)
 * shared by every dq-fcgi process on the machine through a small mapped file
 * in data_dir, and the same per client address for requests without a valid
 * key.  Buckets are updated with compare-and-swap, so a worker that dies
 * mid-request leaves nothing locked.
 */
#ifndef DQ_RATELIMIT_H
#define DQ_RATELIMIT_H

#include <stdint.h>

struct rl_result {
	int	allowed;
	int64_t	remaining;	/* whole requests left now */
	int64_t	reset_s;	/* seconds until the bucket is full again */
};

/* Map the shared table (data_dir/ratelimit.map); 0 or -1 (logged). */
int	ratelimit_open(const char *data_dir);
/* Take one token from this account's bucket (limit per second); a full
 * table lets it through (logged and counted). */
void	ratelimit_take(uint32_t account, int64_t limit, struct rl_result *);
/*
 * The bucket of a client address (REMOTE_ADDR) for requests without a
 * valid key: 1 if it has a token, taken when consume is set.  A full table
 * refuses (0; logged and counted).
 */
int	ratelimit_addr(const char *addr, int64_t limit, int consume);

#endif
