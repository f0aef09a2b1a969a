/*
 * Reserving the blocks of memory-mapped files; see mapfile.h for why.
 * fallocate() with FALLOC_FL_KEEP_SIZE allocates without writing, so it is
 * safe on a file other processes have mapped and are writing; where it does
 * not exist the file is left as it is (posix_fallocate()'s fallback writes
 * zeroes, which could overwrite what another process just stored).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mapfile.h"

int
mapfile_reserve(int fd, off_t len)
{
#ifdef FALLOC_FL_KEEP_SIZE
	if (len > 0 && fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, len) == -1 &&
	    errno != EOPNOTSUPP && errno != ENOSYS)
		return -1;
#endif
	return 0;
}

static int
mapfile_is_region(const char *name)
{
	size_t i;

	if (strncmp(name, "__db.", 5) != 0 || name[5] == '\0')
		return 0;
	for (i = 5; name[i] != '\0'; i++)
		if (name[i] < '0' || name[i] > '9')
			return 0;
	return 1;
}

/* The extent of each region mapping is what the region may grow to: Berkeley
 * DB maps a region at its maximum size and extends the file as it grows. */
int
mapfile_reserve_regions(const char *dir)
{
	char real[PATH_MAX], line[PATH_MAX + 256], *path, *slash;
	unsigned long long start, end, off;
	size_t rl;
	FILE *maps;
	int fd, ret = 0;

	if (realpath(dir, real) == NULL || (maps = fopen("/proc/self/maps", "re")) == NULL)
		return 0;	/* nothing to go by: leave the files as they are */
	rl = strlen(real);
	while (fgets(line, sizeof(line), maps) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		/* the kernel's own file, but checked like any: no wrapping sums */
		if (sscanf(line, "%llx-%llx %*s %llx", &start, &end, &off) != 3 ||
		    end < start || off > (unsigned long long)INT64_MAX - (end - start) ||
		    (path = strchr(line, '/')) == NULL ||
		    (slash = strrchr(path, '/')) == NULL ||
		    (size_t)(slash - path) != rl || strncmp(path, real, rl) != 0 ||
		    !mapfile_is_region(slash + 1))
			continue;
		if ((fd = open(path, O_RDWR | O_CLOEXEC)) == -1)
			continue;	/* removed by a recovery meanwhile */
		if (mapfile_reserve(fd, (off_t)(off + end - start)) == -1) {
			log_warn("cannot reserve the blocks of %s", path);
			ret = -1;
		}
		close(fd);
	}
	fclose(maps);
	return ret;
}

int
mapfile_maps_env(pid_t pid, const char *dir)
{
	char real[PATH_MAX], want[PATH_MAX + 16], line[PATH_MAX + 256];
	size_t wl;
	FILE *maps;
	int found = 0;

	if (realpath(dir, real) == NULL)
		return 0;
	snprintf(want, sizeof(want), "%s/__db.001", real);
	wl = strlen(want);
	snprintf(line, sizeof(line), "/proc/%ld/maps", (long)pid);
	if ((maps = fopen(line, "re")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), maps) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		found = strlen(line) >= wl && strcmp(line + strlen(line) - wl, want) == 0;
	}
	fclose(maps);
	return found;
}
