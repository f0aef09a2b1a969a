/*
 * Secret key files in data_dir (keyfile.h): made once with O_EXCL-style
 * link(2) into place, read back with every property checked (a regular
 * file of exactly KEYFILE_LEN bytes, not readable by group or others).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ids.h"
#include "keyfile.h"

/* 0, 1 when there is no such file, or -1 with err. */
static int
keyfile_read(const char *path, unsigned char key[KEYFILE_LEN], char *err,
    size_t errsz)
{
	unsigned char buf[KEYFILE_LEN + 1];
	struct stat sb;
	ssize_t n;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1)
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
	else if (!S_ISREG(sb.st_mode) || sb.st_size != KEYFILE_LEN)
		snprintf(err, errsz, "%s: not a key (%d bytes expected)", path,
		    KEYFILE_LEN);
	else if ((sb.st_mode & 077) != 0)
		snprintf(err, errsz, "%s: readable by others (mode %03o); it is a "
		    "secret: chmod 600 it", path, (unsigned)(sb.st_mode & 0777));
	else if ((n = read(fd, buf, sizeof(buf))) != KEYFILE_LEN)
		snprintf(err, errsz, "%s: %s", path, n < 0 ? strerror(errno) :
		    "short read");
	else {
		memcpy(key, buf, KEYFILE_LEN);
		rc = 0;
	}
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return rc;
}

/* Write a new key under a temporary name and link it to path. */
static int
keyfile_make(const char *dir, const char *path, char *err, size_t errsz)
{
	unsigned char key[KEYFILE_LEN];
	char tmp[4096];
	int fd = -1, n, rc = -1;

	n = snprintf(tmp, sizeof(tmp), "%s/.keyfile.XXXXXX", dir);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		snprintf(err, errsz, "%s: path too long", dir);
		return -1;
	}
	if (ids_random(key, sizeof(key)) == -1 || (fd = mkstemp(tmp)) == -1) {
		snprintf(err, errsz, "%s: %s", fd == -1 ? tmp : "getrandom",
		    strerror(errno));
		goto done;
	}
	errno = EIO;		/* what a short write leaves unsaid */
	if (fchmod(fd, 0600) == -1 || write(fd, key, sizeof(key)) != KEYFILE_LEN ||
	    fsync(fd) == -1 || (link(tmp, path) == -1 && errno != EEXIST)) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto done;
	}
	rc = 0;
done:
	if (fd != -1) {
		close(fd);
		unlink(tmp);
	}
	explicit_bzero(key, sizeof(key));
	return rc;
}

int
keyfile_load(const char *dir, const char *name, unsigned char key[KEYFILE_LEN],
    char *err, size_t errsz)
{
	char path[4096];
	int n, rc;

	n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		snprintf(err, errsz, "%s: path too long", dir);
		return -1;
	}
	if ((rc = keyfile_read(path, key, err, errsz)) != 1)
		return rc;
	if (keyfile_make(dir, path, err, errsz) == -1)
		return -1;
	if ((rc = keyfile_read(path, key, err, errsz)) == 1) {
		snprintf(err, errsz, "%s: removed while it was being made", path);
		rc = -1;
	}
	return rc;
}
