/*
 * The per-API-key rate limit, a token bucket (capacity one second's worth)
 * shared by every dq-fcgi process on the machine through a small mapped file
 * in data_dir.  Buckets are updated with compare-and-swap, so a worker that
 * dies mid-request leaves nothing locked.
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
/* Take one token from this account's bucket (limit per second). */
void	ratelimit_take(uint32_t account, int64_t limit, struct rl_result *);

#endif
