/*
 * Token buckets in shared memory.  Each slot is {key, state}; state packs
 * the last refill time (low 32 bits of the monotonic clock in ms, which all
 * processes share) and the tokens in thousandths, so one 64-bit CAS updates
 * a bucket.  Slots are claimed by CAS on the key with linear probing.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dqtime.h"
#include "log.h"
#include "mapfile.h"
#include "ratelimit.h"

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
	char path[4096];
	size_t size = sizeof(struct rl_slot) * RL_SLOTS;
	struct stat sb;
	void *p;
	int fd;

	snprintf(path, sizeof(path), "%s/ratelimit.map", data_dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		log_warn("%s", path);
		return -1;
	}
	if (fstat(fd, &sb) == -1 || ((size_t)sb.st_size < size &&
	    ftruncate(fd, (off_t)size) == -1) ||
	    mapfile_reserve(fd, (off_t)size) == -1) {
		log_warn("%s", path);
		close(fd);
		return -1;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		log_warn("mmap %s", path);
		return -1;
	}
	rl_table = p;
	return 0;
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
