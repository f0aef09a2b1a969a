/*
 * Mapping the shared files, and the accounts epoch.
 */
#include "config.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mapfile.h"
#include "shm.h"

void *
shm_map(const char *data_dir, const char *name, size_t size)
{
	char path[4096];
	struct stat sb;
	void *p;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", data_dir, name);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		log_warn("%s", path);
		return NULL;
	}
	/* mapfile.h: own the blocks now, or a full disk is SIGBUS later */
	if (fstat(fd, &sb) == -1 || ((size_t)sb.st_size < size &&
	    ftruncate(fd, (off_t)size) == -1) ||
	    mapfile_reserve(fd, (off_t)size) == -1) {
		log_warn("%s", path);
		close(fd);
		return NULL;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		log_warn("mmap %s", path);
		return NULL;
	}
	return p;
}

static _Atomic uint64_t *shm_epoch_p;

int
shm_epoch_open(const char *data_dir)
{
	shm_epoch_p = shm_map(data_dir, "accounts.map", sizeof(*shm_epoch_p));
	return shm_epoch_p == NULL ? -1 : 0;
}

uint64_t
shm_epoch(void)
{
	return shm_epoch_p != NULL ? atomic_load(shm_epoch_p) : 0;
}

void
shm_epoch_bump(void)
{
	if (shm_epoch_p != NULL)
		atomic_fetch_add(shm_epoch_p, 1);
}
