/*
 * The writer lock: one writing transaction at a time, in all processes
 * (why: the comment above store_txn_once() in store.c).  It is a
 * process-shared, robust pthread mutex in data_dir/writer.map, not a
 * Berkeley DB lock: handing a contended Berkeley DB lock from one process
 * to the next costs its lock table's mutex, a condition variable and the
 * deadlock detector, about five futex calls per create with four workers,
 * where this costs one wait and one wake.  A waiter holds nothing in the
 * store yet (it waits before its transaction begins), so the lock cannot
 * take part in a deadlock the detector would have to see.
 *
 * A holder that dies: the next locker is told (EOWNERDEAD), marks the
 * mutex consistent and goes on; the dead transaction's page locks are
 * released when failchk aborts it, as before.  A machine that restarts
 * leaves the mutex in the file looking held by a thread that no longer
 * exists, and no kernel will say it died: the file records the boot it
 * was set up in (/proc/sys/kernel/random/boot_id), and the first open in
 * another boot sets it up again, under an flock so that two openers do not
 * both do it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mapfile.h"
#include "store_int.h"

#define WRITER_FILE	"writer.map"
#define WRITER_MAGIC	"dq-wlk1"	/* with its NUL: 8 bytes */
#define WRITER_BOOT_LEN	40

struct store_writer {
	char		magic[8];		/* written last, once set up */
	char		boot[WRITER_BOOT_LEN];	/* the boot it was set up in */
	pthread_mutex_t	mutex;
};

/* This boot's id; "" when the kernel does not say (then set up once). */
static void
writer_boot_id(char out[WRITER_BOOT_LEN])
{
	ssize_t n = 0;
	int fd;

	memset(out, 0, WRITER_BOOT_LEN);
	if ((fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC)) != -1) {
		n = read(fd, out, WRITER_BOOT_LEN - 1);
		close(fd);
	}
	out[n > 0 ? n : 0] = '\0';
	out[strcspn(out, "\n")] = '\0';
}

static int
writer_setup(struct store_writer *w, const char *boot)
{
	pthread_mutexattr_t a;
	int ret;

	memset(w->magic, 0, sizeof(w->magic));	/* a setup cut short is redone */
	if ((ret = pthread_mutexattr_init(&a)) != 0)
		return ret;
	if ((ret = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED)) == 0 &&
	    (ret = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST)) == 0 &&
	    (ret = pthread_mutex_init(&w->mutex, &a)) == 0) {
		memcpy(w->boot, boot, WRITER_BOOT_LEN);
		memcpy(w->magic, WRITER_MAGIC, sizeof(w->magic));
	}
	pthread_mutexattr_destroy(&a);
	return ret;
}

int
store_writer_open(struct store *st, const char *dir, char *err, size_t errsz)
{
	char path[4096], boot[WRITER_BOOT_LEN];
	struct store_writer *w = MAP_FAILED;
	struct stat sb;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, WRITER_FILE);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1 ||
	    flock(fd, LOCK_EX) == -1 || fstat(fd, &sb) == -1 ||
	    ((size_t)sb.st_size < sizeof(*w) && ftruncate(fd, sizeof(*w)) == -1) ||
	    mapfile_reserve(fd, sizeof(*w)) == -1 ||
	    (w = mmap(NULL, sizeof(*w), PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	    0)) == MAP_FAILED) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);	/* nothing mapped: the flock goes with it */
		return -1;
	}
	writer_boot_id(boot);
	if (memcmp(w->magic, WRITER_MAGIC, sizeof(w->magic)) != 0 ||
	    strncmp(w->boot, boot, WRITER_BOOT_LEN) != 0) {
		if ((ret = writer_setup(w, boot)) != 0)
			snprintf(err, errsz, "%s: setting up the writer lock: %s", path,
			    strerror(ret));
	}
	/* explicitly: the mapping keeps the open file, and with it the flock */
	(void)flock(fd, LOCK_UN);
	close(fd);
	if (ret != 0) {
		munmap(w, sizeof(*w));
		return -1;
	}
	st->writer = w;
	return 0;
}

void
store_writer_close(struct store *st)
{
	if (st->writer == NULL)
		return;
	store_writer_unlock(st);
	munmap(st->writer, sizeof(*st->writer));
	st->writer = NULL;
}

/*
 * 0 when held; DB_LOCK_NOTGRANTED after STORE_LOCK_TIMEOUT_US, as a
 * Berkeley DB lock wait would say (store_txn() backs off and tries again).
 */
int
store_writer_lock(struct store *st)
{
	struct timespec until;
	int ret;

	if (st->writer_held)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += (STORE_LOCK_TIMEOUT_US % 1000000) * 1000L;
	until.tv_sec += STORE_LOCK_TIMEOUT_US / 1000000 + until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	ret = pthread_mutex_clocklock(&st->writer->mutex, CLOCK_MONOTONIC, &until);
	if (ret == EOWNERDEAD) {
		log_info("store: a process died holding the writer lock; "
		    "failchk undoes its transaction");
		ret = pthread_mutex_consistent(&st->writer->mutex);
	}
	if (ret == ETIMEDOUT)
		return DB_LOCK_NOTGRANTED;
	if (ret != 0) {
		log_warnx("store: the writer lock: %s", strerror(ret));
		return DB_LOCK_NOTGRANTED;
	}
	st->writer_held = 1;
	return 0;
}

void
store_writer_unlock(struct store *st)
{
	if (!st->writer_held)
		return;
	st->writer_held = 0;
	pthread_mutex_unlock(&st->writer->mutex);
}
