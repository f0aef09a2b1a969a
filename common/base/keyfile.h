/*
 * The installation's own secret keys, one small file each in data_dir (the
 * list cursors' signing key is "cursor.key"): 32 random bytes, mode 0600,
 * made by whichever process needs the key first (dqctl init, or a dq-fcgi
 * worker on a data directory from before the key existed) and then only
 * read.  They are secrets: whoever reads one can forge what it signs.
 */
#ifndef DQ_KEYFILE_H
#define DQ_KEYFILE_H

#include <stddef.h>

#define KEYFILE_LEN	32
#define KEYFILE_CURSOR	"cursor.key"	/* signs list cursors (fcgi/cursor.c) */

/*
 * Read DIR/NAME into key, first making it from the OS's random source when
 * it does not exist.  Concurrent callers agree on one key: the new file is
 * written whole under a temporary name and linked into place, and a caller
 * that loses the race reads the winner's.  0, or -1 with why in err.
 */
int	keyfile_load(const char *dir, const char *name,
	    unsigned char key[KEYFILE_LEN], char *err, size_t errsz);

#endif
