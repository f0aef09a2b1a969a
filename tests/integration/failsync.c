/*
 * A test helper, preloaded (LD_PRELOAD) into dq-fcgi by test_flush.py:
 * while the file named by $DQ_FAILSYNC exists, fdatasync() and fsync()
 * fail with EIO, as on a disk that has started to fail.  Otherwise they do
 * what libc does.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

int	fdatasync(int);
int	fsync(int);

static int
failsync_now(void)
{
	const char *p = getenv("DQ_FAILSYNC");

	return p != NULL && access(p, F_OK) == 0;
}

static int
failsync_call(const char *name, int fd)
{
	int (*real)(int);

	if (failsync_now()) {
		errno = EIO;
		return -1;
	}
	*(void **)&real = dlsym(RTLD_NEXT, name);
	return real != NULL ? real(fd) : -1;
}

int
fdatasync(int fd)
{
	return failsync_call("fdatasync", fd);
}

int
fsync(int fd)
{
	return failsync_call("fsync", fd);
}
