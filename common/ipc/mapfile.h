/*
 * Files shared through mmap (Berkeley DB's regions, the metrics and rate
 * limit tables) must own their disk blocks before a page is first touched:
 * a store to a page of a sparse shared mapping on a full file system is
 * SIGBUS, not an error, and a process killed that way may hold a region
 * mutex that every other process then waits on forever.
 */
#ifndef DQ_MAPFILE_H
#define DQ_MAPFILE_H

#include <sys/types.h>

/* Allocate the blocks of fd's first len bytes without changing the data
 * or the size.  0, or -1 with errno (ENOSPC when the disk is full). */
int	mapfile_reserve(int fd, off_t len);
/* Whether process pid has dir's first Berkeley DB region (__db.001) mapped,
 * that is, has this environment open. */
int	mapfile_maps_env(pid_t pid, const char *dir);
/* mapfile_reserve() every Berkeley DB region file (__db.NNN) of dir that this
 * process has mapped, as far as it is mapped; -1 if one could not be
 * reserved (logged). */
int	mapfile_reserve_regions(const char *dir);

#endif
