/*
 * Token buckets in shared memory.  Each slot is {key, state}; state packs
 * the last refill time (low 32 bits of the monotonic clock in ms, which all
 * processes share) and the tokens in thousandths, so one 64-bit CAS updates
 * a bucket.  Slots are claimed by CAS on the key with linear probing.
 */
#include "config.h"

#include <stdatomic.h>

#include "dqtime.h"
#include "log.h"
#include "mapfile.h"
#include "ratelimit.h"
#include "shm.h"

#define RL_SLOTS	4096
#define RL_PROBE	64

struct rl_slot {
	_Atomic uint64_t	key;	/* account + 1; 0 = free */
	_Atomic uint64_t	state;	/* time_ms32 << 32 | millitokens; 0 = new */
};

static struct rl_slot *rl_table;

int
ratelimit_open(const char *data_dir)
{
	rl_table = shm_map(data_dir, "ratelimit.map", sizeof(struct rl_slot) * RL_SLOTS);
	return rl_table == NULL ? -1 : 0;
}

static struct rl_slot *
rl_slot_for(uint32_t account)
{
	uint64_t key = (uint64_t)account + 1, cur;
	size_t i, h = (account * 2654435761u) % RL_SLOTS;
	struct rl_slot *s;

	for (i = 0; i < RL_PROBE; i++) {
		s = &rl_table[(h + i) % RL_SLOTS];
		cur = atomic_load(&s->key);
		if (cur == key)
			return s;
		if (cur == 0) {
			if (atomic_compare_exchange_strong(&s->key, &cur, key) ||
			    cur == key)
				return s;
		}
	}
	return NULL;
}

void
ratelimit_take(uint32_t account, int64_t limit, struct rl_result *res)
{
	struct rl_slot *s;
	uint64_t old, nw, cap = (uint64_t)limit * 1000, tokens;
	uint32_t now = (uint32_t)dqtime_mono_ms(), last, elapsed;

	res->allowed = 1;
	res->remaining = limit;
	res->reset_s = 0;
	if (rl_table == NULL || (s = rl_slot_for(account)) == NULL)
		return;		/* no table: never refuse */
	old = atomic_load(&s->state);
	do {
		if (old == 0) {
			tokens = cap;
		} else {
			last = (uint32_t)(old >> 32);
			elapsed = now - last;
			tokens = (old & 0xffffffffu) + (uint64_t)elapsed * (uint64_t)limit;
			if (tokens > cap)
				tokens = cap;
		}
		res->allowed = tokens >= 1000;
		if (res->allowed)
			tokens -= 1000;
		nw = ((uint64_t)now << 32) | tokens;
		if (nw == 0)
			nw = 1;
	} while (!atomic_compare_exchange_weak(&s->state, &old, nw));
	res->remaining = (int64_t)(tokens / 1000);
	res->reset_s = (int64_t)((cap - tokens + (uint64_t)limit * 1000 - 1) /
	    ((uint64_t)limit * 1000));
}
