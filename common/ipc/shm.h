/*
 * Small files in data_dir mapped into every dq process that opens them:
 * the state that processes share without the store (rate-limit buckets,
 * metrics, the accounts epoch).  Only atomics are used inside them, so a
 * process that dies mid-update leaves nothing locked.
 */
#ifndef DQ_SHM_H
#define DQ_SHM_H

#include <stddef.h>
#include <stdint.h>

/* Map data_dir/name, sized to size bytes (zero-filled when new); NULL on error. */
void	*shm_map(const char *data_dir, const char *name, size_t size);

/*
 * The accounts epoch: dqctl bumps it after changing an account or a key,
 * and dq-fcgi drops what it cached about accounts when it moves.
 */
int		shm_epoch_open(const char *data_dir);
uint64_t	shm_epoch(void);		/* 0 when not open */
void		shm_epoch_bump(void);

#endif
