/*
 * Unit tests for the store's writer lock (common/store/store_writer.c): a
 * wait for a live holder gives up after half a second as a Berkeley DB lock
 * wait would, a holder killed with SIGKILL does not hold up the next
 * writer, and a lock file from another boot is set up again.  Each open is
 * in a child process, one environment per process, as in test_recover.
 */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf.h"
#include "dqtime.h"
#include "store_int.h"
#include "storetest.h"
#include "tap.h"

static struct dq_conf	 conf;
static char		 err[512];

static struct store *
open_store(void)
{
	struct store *st = NULL;

	if (store_open(&st, &conf, STORE_CREATE, err, sizeof(err)) == -1)
		fprintf(stderr, "# open: %s\n", err);
	return st;
}

/* A child that takes the writer lock, says so on fd, and waits. */
static pid_t
holder(void)
{
	struct store *st;
	int p[2];
	char c = 0;
	pid_t pid;

	if (pipe(p) == -1)
		return -1;
	fflush(stdout);
	if ((pid = fork()) == 0) {
		close(p[0]);
		if ((st = open_store()) == NULL || store_writer_lock(st) != 0 ||
		    write(p[1], "h", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (pid == -1 || read(p[0], &c, 1) != 1 || c != 'h')
		pid = -1;
	close(p[0]);
	return pid;
}

/* In a child: the lock's answer (0, or DB_LOCK_NOTGRANTED as 2) and, in
 * tenths of a second, how long it took (exit status = answer * 100 + t);
 * then, once held, a write through store_txn() works. */
static int
try_lock(void)
{
	char key[ID_KEY_LEN + 1], secret[ID_SECRET_LEN + 1];
	struct store *st;
	struct account a;
	int64_t t0;
	int ret, tenths;

	fflush(stdout);
	if (fork() != 0) {
		int status;

		if (wait(&status) == -1 || !WIFEXITED(status))
			return -1;
		return WEXITSTATUS(status);
	}
	if ((st = open_store()) == NULL)
		_exit(255);
	t0 = dqtime_mono_ms();
	ret = store_writer_lock(st);
	tenths = (int)((dqtime_mono_ms() - t0) / 100);
	if (tenths > 99)
		tenths = 99;
	if (ret == 0) {
		store_writer_unlock(st);
		if (store_account_add(st, "writer-ok", 0, key, secret, &a) != DQ_OK)
			_exit(254);
	}
	_exit((ret == 0 ? 0 : ret == DB_LOCK_NOTGRANTED ? 2 : 3) * 100 + tenths);
}

static void
test_wait_gives_up_then_dead_holder_frees(void)
{
	pid_t h;
	int r;

	if (storetest_conf(&conf, CONF_SYNC_WRITE) == -1)
		return;
	CHECK((h = holder()) > 0);
	if (h <= 0)
		return;
	r = try_lock();
	CHECK_INT(r / 100, 2);			/* not granted ... */
	CHECK(r % 100 >= 4 && r % 100 <= 20);	/* ... after about 0.5 s */
	kill(h, SIGKILL);
	waitpid(h, NULL, 0);
	r = try_lock();
	CHECK_INT(r / 100, 0);			/* the dead holder's lock is taken */
	CHECK(r % 100 <= 2);			/* at once */
	conf_free(&conf);
}

static void
test_another_boot_sets_it_up_again(void)
{
	char path[4096], boot[40];
	pid_t h;
	int fd, r;

	if (storetest_conf(&conf, CONF_SYNC_WRITE) == -1)
		return;
	CHECK((h = holder()) > 0);	/* as if held when the machine stopped */
	if (h <= 0)
		return;
	snprintf(path, sizeof(path), "%s/writer.map", conf.data_dir);
	memset(boot, 0, sizeof(boot));
	snprintf(boot, sizeof(boot), "a boot before this one");
	CHECK((fd = open(path, O_WRONLY)) != -1);
	CHECK(pwrite(fd, boot, sizeof(boot), 8) == (ssize_t)sizeof(boot));
	close(fd);
	r = try_lock();
	CHECK_INT(r / 100, 0);
	CHECK(r % 100 <= 2);
	kill(h, SIGKILL);
	waitpid(h, NULL, 0);
	conf_free(&conf);
}

int
main(void)
{
	TAP_RUN(test_wait_gives_up_then_dead_holder_frees);
	TAP_RUN(test_another_boot_sets_it_up_again);
	return tap_done();
}
