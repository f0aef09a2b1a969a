/*
 * The shared replication state (repl.h).  The file holds one struct; its
 * first word is a layout version, and a process that finds another version
 * (or a new file) clears it before use.  Only dq-repd writes the state, so
 * a sequence number is enough: odd while it writes, and a reader that saw
 * it move copies again.  The fields every request looks at (is dq-repd
 * alive, the role) are also kept as atomics of their own.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "dqtime.h"
#include "log.h"
#include "repl.h"
#include "shm.h"

#define REPL_VERSION	0x64720002u
#define REPL_OP_LEN	16
#define REPL_ANSWER_LEN	512
#define REPL_READ_TRIES	1000

struct repl_shm {
	_Atomic uint64_t	version;
	_Atomic uint32_t	seq;
	_Atomic int64_t		updated_ms;
	_Atomic int32_t		pid;
	_Atomic int32_t		stopping;
	_Atomic int32_t		syncing;
	_Atomic int32_t		role;
	_Atomic uint32_t	gen;
	_Atomic int64_t		master_since_ms;
	struct repl_state	state;
	_Atomic uint64_t	counters[REPL_NCOUNTERS];
	/* one request from dqctl at a time (they take the file's lock) */
	_Atomic uint32_t	req_seq;
	_Atomic uint32_t	done_seq;
	_Atomic int32_t		req_ok;
	char			req_op[REPL_OP_LEN];
	char			req_arg[REPL_ADDR_LEN];
	char			answer[REPL_ANSWER_LEN];
};

static struct repl_shm *repl;

int
repl_open(const char *data_dir)
{
	if (repl != NULL)
		return 0;
	if ((repl = shm_map(data_dir, "repl.map", sizeof(*repl))) == NULL)
		return -1;
	if (atomic_load(&repl->version) != REPL_VERSION) {
		memset(repl, 0, sizeof(*repl));
		atomic_store(&repl->version, REPL_VERSION);
	}
	return 0;
}

int
repl_read(struct repl_state *out)
{
	uint32_t s1, s2;
	int i;

	memset(out, 0, sizeof(*out));
	if (repl == NULL || atomic_load(&repl->updated_ms) == 0)
		return -1;
	for (i = 0; i < REPL_READ_TRIES; i++) {
		s1 = atomic_load_explicit(&repl->seq, memory_order_acquire);
		if (s1 & 1)
			continue;
		memcpy(out, &repl->state, sizeof(*out));
		atomic_thread_fence(memory_order_acquire);
		s2 = atomic_load_explicit(&repl->seq, memory_order_relaxed);
		if (s1 == s2)
			return 0;
	}
	return -1;
}

void
repl_publish(const struct repl_state *s)
{
	if (repl == NULL)
		return;
	atomic_fetch_add_explicit(&repl->seq, 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	memcpy(&repl->state, s, sizeof(*s));
	atomic_fetch_add_explicit(&repl->seq, 1, memory_order_release);
	atomic_store(&repl->pid, s->pid);
	atomic_store(&repl->stopping, s->stopping);
	atomic_store(&repl->syncing, s->syncing);
	atomic_store(&repl->role, s->role);
	atomic_store(&repl->gen, s->gen);
	atomic_store(&repl->master_since_ms, s->master_since_ms);
	atomic_store(&repl->updated_ms, s->updated_ms);
}

void
repl_beat(int64_t now_ms)
{
	if (repl != NULL)
		atomic_store(&repl->updated_ms, now_ms);
}

int
repl_alive(int64_t now_ms)
{
	int64_t t;

	if (repl == NULL || atomic_load(&repl->stopping))
		return 0;
	t = atomic_load(&repl->updated_ms);
	return t > 0 && now_ms - t < REPL_ALIVE_MS && t - now_ms < REPL_ALIVE_MS;
}

int
repl_master(int64_t now_ms)
{
	return repl_alive(now_ms) && atomic_load(&repl->role) == REPL_MASTER;
}

int
repl_is_repd(int pid)
{
	return repl != NULL && pid != 0 && atomic_load(&repl->pid) == pid;
}

int
repl_repd_lives(void)
{
	int32_t pid = repl != NULL ? atomic_load(&repl->pid) : 0;

	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

int
repl_syncing(void)
{
	return repl != NULL && atomic_load(&repl->syncing) != 0;
}

int64_t
repl_master_since(uint32_t *gen)
{
	if (repl == NULL)
		return 0;
	*gen = atomic_load(&repl->gen);
	return atomic_load(&repl->master_since_ms);
}

uint32_t
repl_log_needed(int64_t now_ms)
{
	struct repl_state s;
	uint32_t oldest = UINT32_MAX;
	int i;

	if (!repl_alive(now_ms) || repl_read(&s) == -1)
		return 0;
	for (i = 0; i < s.nmembers && i < REPL_MEMBERS; i++) {
		if (s.members[i].last_lsn == 0)
			return 0;
		if ((uint32_t)(s.members[i].last_lsn >> 32) < oldest)
			oldest = (uint32_t)(s.members[i].last_lsn >> 32);
	}
	return oldest;
}

void
repl_master_name(char *buf, size_t n)
{
	struct repl_state s;

	if (repl_read(&s) == -1 || s.master[0] == '\0')
		snprintf(buf, n, "%s", "");
	else
		snprintf(buf, n, "%s", s.master_url[0] ? s.master_url : s.master);
}

void
repl_count(enum repl_counter c)
{
	if (repl != NULL && (unsigned)c < REPL_NCOUNTERS)
		atomic_fetch_add(&repl->counters[c], 1);
}

uint64_t
repl_counter(enum repl_counter c)
{
	return repl != NULL && (unsigned)c < REPL_NCOUNTERS ?
	    atomic_load(&repl->counters[c]) : 0;
}

const char *
repl_role_name(int role)
{
	return role == REPL_MASTER ? "master" : role == REPL_REPLICA ? "replica" :
	    "none";
}

int
repl_request(const char *data_dir, const char *op, const char *arg,
    char *answer, size_t n, int timeout_ms)
{
	char path[4096];
	uint32_t seq;
	int fd, waited, rc = -2;

	snprintf(answer, n, "dq-repd is not running (it must run on this "
	    "member for this)");
	if (repl == NULL && repl_open(data_dir) == -1)
		return -2;
	snprintf(path, sizeof(path), "%s/repl.map", data_dir);
	if ((fd = open(path, O_RDWR | O_CLOEXEC)) == -1 || flock(fd, LOCK_EX) == -1) {
		if (fd != -1)
			close(fd);
		return -2;
	}
	if (!repl_alive(dqtime_now_ms()))
		goto done;
	snprintf(repl->req_op, sizeof(repl->req_op), "%s", op);
	snprintf(repl->req_arg, sizeof(repl->req_arg), "%s", arg);
	seq = atomic_load(&repl->done_seq) + 1;
	atomic_store_explicit(&repl->req_seq, seq, memory_order_release);
	for (waited = 0; waited < timeout_ms; waited += 20) {
		if (atomic_load_explicit(&repl->done_seq, memory_order_acquire) == seq) {
			snprintf(answer, n, "%s", repl->answer);
			rc = atomic_load(&repl->req_ok) ? 0 : -1;
			goto done;
		}
		dqtime_sleep_ms(20);
	}
	/* too late: whatever dq-repd answers is for nobody */
	atomic_store(&repl->req_seq, atomic_load(&repl->done_seq));
	snprintf(answer, n, "dq-repd did not answer within %d ms", timeout_ms);
done:
	close(fd);
	return rc;
}

int
repl_request_take(char *op, size_t opsz, char *arg, size_t argsz)
{
	if (repl == NULL || atomic_load_explicit(&repl->req_seq,
	    memory_order_acquire) == atomic_load(&repl->done_seq))
		return 0;
	snprintf(op, opsz, "%.*s", REPL_OP_LEN - 1, repl->req_op);
	snprintf(arg, argsz, "%.*s", REPL_ADDR_LEN - 1, repl->req_arg);
	return 1;
}

void
repl_request_done(int ok, const char *answer)
{
	if (repl == NULL)
		return;
	snprintf(repl->answer, sizeof(repl->answer), "%s", answer);
	atomic_store(&repl->req_ok, ok);
	atomic_store_explicit(&repl->done_seq, atomic_load(&repl->req_seq),
	    memory_order_release);
}
