/*
 * Token buckets in shared memory.  Each slot is {key, state}; state packs
 * the last refill time (low 32 bits of the monotonic clock in ms, which all
 * processes share) and the tokens in thousandths, so one 64-bit CAS updates
 * a bucket.  Slots are claimed by CAS on the key with linear probing; a
 * slot whose bucket has been full for a while (its client went quiet) is
 * taken over, so the table does not fill up with clients long gone.  When
 * every slot in reach is busy the table is full: that is logged and
 * counted (dq_ratelimit_table_full_total), and the caller decides (an API
 * key is let through, an unknown client is not).
 */
#include "config.h"

#include <stdatomic.h>

#include "dqtime.h"
#include "log.h"
#include "mapfile.h"
#include "metrics.h"
#include "num.h"
#include "ratelimit.h"
#include "shm.h"

#define RL_SLOTS	4096
#define RL_PROBE	64
#define RL_IDLE_MS	5000	/* untouched this long: the bucket is full again */
#define RL_WARN_MS	10000	/* between two "table full" lines of a process */
#define RL_ADDR_BIT	(UINT64_C(1) << 63)	/* keys of client addresses */

struct rl_slot {
	_Atomic uint64_t	key;	/* account + 1, or address hash | RL_ADDR_BIT; 0 = free */
	_Atomic uint64_t	state;	/* time_ms32 << 32 | millitokens; 0 = new */
};

static struct rl_slot *rl_table;

int
ratelimit_open(const char *data_dir)
{
	rl_table = shm_map(data_dir, "ratelimit.map", sizeof(struct rl_slot) * RL_SLOTS);
	return rl_table == NULL ? -1 : 0;
}

/* A bucket nobody has touched for RL_IDLE_MS is full: anyone may take it. */
static int
rl_idle(struct rl_slot *s, uint32_t now)
{
	uint64_t st = atomic_load(&s->state);

	return st != 0 && now - (uint32_t)(st >> 32) >= RL_IDLE_MS;
}

static struct rl_slot *
rl_slot_for(uint64_t key, uint32_t now)
{
	uint64_t cur;
	size_t i, h = (size_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> 40) % RL_SLOTS;
	struct rl_slot *s;

	for (i = 0; i < RL_PROBE; i++) {
		s = &rl_table[(h + i) % RL_SLOTS];
		cur = atomic_load(&s->key);
		if (cur == key)
			return s;
		if (cur == 0 && (atomic_compare_exchange_strong(&s->key, &cur, key) ||
		    cur == key))
			return s;
	}
	for (i = 0; i < RL_PROBE; i++) {
		s = &rl_table[(h + i) % RL_SLOTS];
		cur = atomic_load(&s->key);
		if (rl_idle(s, now) && atomic_compare_exchange_strong(&s->key, &cur, key)) {
			atomic_store(&s->state, 0);
			return s;
		}
	}
	return NULL;
}

static void
rl_full(void)
{
	static int64_t warned;
	int64_t now = dqtime_mono_ms();

	metrics_alert(MET_A_RATELIMIT_FULL);
	if (warned == 0 || now - warned >= RL_WARN_MS) {
		log_warnx("rate limit table full: %d buckets busy around a new client",
		    RL_PROBE);
		warned = now;
	}
}

/* Refill the bucket, then take a token if consume is set and one is there. */
static int
rl_bucket(struct rl_slot *s, uint32_t now, int64_t limit, int consume,
    struct rl_result *res)
{
	uint64_t old, nw, cap = (uint64_t)limit * 1000, tokens;
	uint32_t elapsed;

	old = atomic_load(&s->state);
	do {
		if (old == 0)
			tokens = cap;
		else {
			elapsed = now - (uint32_t)(old >> 32);
			tokens = (old & 0xffffffffu) + (uint64_t)elapsed * (uint64_t)limit;
			if (tokens > cap)
				tokens = cap;
		}
		res->allowed = tokens >= 1000;
		if (res->allowed && consume)
			tokens -= 1000;
		nw = ((uint64_t)now << 32) | tokens;
		if (nw == 0)
			nw = 1;
	} while (!atomic_compare_exchange_weak(&s->state, &old, nw));
	res->remaining = (int64_t)(tokens / 1000);
	res->reset_s = (int64_t)((cap - tokens + (uint64_t)limit * 1000 - 1) /
	    ((uint64_t)limit * 1000));
	return res->allowed;
}

void
ratelimit_take(uint32_t account, int64_t limit, struct rl_result *res)
{
	uint32_t now = (uint32_t)dqtime_mono_ms();
	struct rl_slot *s;

	res->allowed = 1;
	res->remaining = limit;
	res->reset_s = 0;
	if (rl_table == NULL)
		return;		/* no table (logged at open): never refuse */
	if ((s = rl_slot_for((uint64_t)account + 1, now)) == NULL) {
		rl_full();
		return;		/* a known account is let through, but not silently */
	}
	rl_bucket(s, now, limit, 1, res);
}

int
ratelimit_addr(const char *addr, int64_t limit, int consume)
{
	uint32_t now = (uint32_t)dqtime_mono_ms();
	struct rl_result res;
	struct rl_slot *s;

	if (rl_table == NULL)
		return 1;
	if ((s = rl_slot_for(num_hash(0, addr ? addr : "") | RL_ADDR_BIT, now)) == NULL) {
		rl_full();
		return 0;	/* an unknown client is refused */
	}
	return rl_bucket(s, now, limit, consume, &res);
}
