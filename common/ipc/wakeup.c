/*
 * Wake-up datagrams over a unix socket, and the shared table that makes
 * most of them unnecessary (wakeup.h).  Wire format: u8 kind | u32 account
 * | i64 due_ms | queue (no NUL), at most 78 bytes.  A table entry is one
 * 64-bit word, read and written atomically: a 22-bit tag of the queue and
 * the due time in 42 bits of milliseconds.  A tag collision can at worst
 * delay a job to the next rescan, never lose it.
 */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "num.h"
#include "shm.h"
#include "wakeup.h"

#define WAKEUP_MAX	(1 + 4 + 8 + JOB_QUEUE_MAX)

#define WK_SLOTS	4096
#define WK_DUE_BITS	42
#define WK_DUE_MASK	((UINT64_C(1) << WK_DUE_BITS) - 1)

static int			 wk_fd = -1;
static struct sockaddr_un	 wk_addr;
static _Atomic uint64_t		*wk_map;

int
wakeup_map_open(const char *data_dir)
{
	wk_map = shm_map(data_dir, "wakeup.map", sizeof(*wk_map) * WK_SLOTS);
	return wk_map == NULL ? -1 : 0;
}

static _Atomic uint64_t *
wakeup_slot(uint32_t account, const char *queue, uint64_t *tag)
{
	uint64_t h = num_hash(account, queue);

	*tag = (h >> WK_DUE_BITS) | 1;		/* never 0: 0 means empty */
	return &wk_map[h % WK_SLOTS];
}

/* Does the dispatcher already plan to look at this queue by due_ms? */
static int
wakeup_known(uint32_t account, const char *queue, int64_t due_ms)
{
	uint64_t tag, v;
	_Atomic uint64_t *slot;

	if (wk_map == NULL || due_ms <= 0)
		return 0;
	slot = wakeup_slot(account, queue, &tag);
	v = atomic_load(slot);
	return v != 0 && (v >> WK_DUE_BITS) == tag &&
	    (int64_t)(v & WK_DUE_MASK) <= due_ms;
}

void
wakeup_publish(uint32_t account, const char *queue, int64_t due_ms)
{
	uint64_t tag;
	_Atomic uint64_t *slot;

	if (wk_map == NULL)
		return;
	slot = wakeup_slot(account, queue, &tag);
	if (due_ms <= 0 || (uint64_t)due_ms > WK_DUE_MASK)
		atomic_store(slot, 0);
	else
		atomic_store(slot, tag << WK_DUE_BITS | (uint64_t)due_ms);
}

void
wakeup_publish_reset(void)
{
	size_t i;

	for (i = 0; wk_map != NULL && i < WK_SLOTS; i++)
		atomic_store(&wk_map[i], 0);
}

static int
wakeup_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -1;
	memcpy(sun->sun_path, path, strlen(path) + 1);
	return 0;
}

void
wakeup_sender_open(const char *path)
{
	if (wakeup_addr(path, &wk_addr) == -1) {
		log_warnx("wakeup_socket path too long: %s", path);
		return;
	}
	wk_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (wk_fd == -1)
		log_warn("wakeup socket");
}

void
wakeup_send(enum wakeup_kind kind, uint32_t account, const char *queue,
    int64_t due_ms)
{
	unsigned char m[WAKEUP_MAX];
	size_t qn = queue ? strlen(queue) : 0;

	if (wk_fd == -1 || qn > JOB_QUEUE_MAX)
		return;
	if (kind == WAKEUP_JOB && wakeup_known(account, queue, due_ms))
		return;
	m[0] = (unsigned char)kind;
	num_be32_put(m + 1, account);
	num_be64_put(m + 5, (uint64_t)due_ms);
	if (qn > 0)
		memcpy(m + 13, queue, qn);
	/* ENOENT/ECONNREFUSED: no dispatcher; EAGAIN: it is behind.  Either
	 * way it rescans the store when it catches up. */
	(void)sendto(wk_fd, m, 13 + qn, MSG_DONTWAIT,
	    (struct sockaddr *)&wk_addr, sizeof(wk_addr));
}

int
wakeup_bind(const char *path)
{
	struct sockaddr_un sun;
	int fd, rcvbuf = 4 << 20;

	if (wakeup_addr(path, &sun) == -1) {
		log_warnx("wakeup_socket path too long: %s", path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1) {
		log_warn("wakeup socket");
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	(void)unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_warn("bind %s", path);
		close(fd);
		return -1;
	}
	(void)chmod(path, 0660);
	return fd;
}

int
wakeup_recv(int fd, struct wakeup_msg *w)
{
	unsigned char m[WAKEUP_MAX + 1];
	ssize_t n;

	for (;;) {
		n = recv(fd, m, sizeof(m), 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		if (n < 13 || n > WAKEUP_MAX)
			continue;	/* not ours: ignore */
		memset(w, 0, sizeof(*w));
		w->kind = (enum wakeup_kind)m[0];
		w->account = num_be32_get(m + 1);
		w->due_ms = (int64_t)num_be64_get(m + 5);
		memcpy(w->queue, m + 13, (size_t)n - 13);
		return 1;
	}
}
