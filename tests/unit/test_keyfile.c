/*
 * Unit tests for common/base/keyfile.c: a key file is made once (32 random
 * bytes, mode 0600, whatever the umask) and read back the same; processes
 * that start at once agree on one key and leave no temporary file; a file
 * of the wrong size, a symlink, a directory or a key readable by others is
 * refused with a message naming the file.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "keyfile.h"
#include "tap.h"

#define NPROC	8

static char	err[512];

static const char *
path_of(const char *name)
{
	static char p[4096];

	snprintf(p, sizeof(p), "%s/%s", tap_dir(), name);
	return p;
}

static int
entries(void)
{
	DIR *d = opendir(tap_dir());
	struct dirent *e;
	int n = 0;

	while (d != NULL && (e = readdir(d)) != NULL)
		n += e->d_name[0] != '.' || strncmp(e->d_name, ".keyfile", 8) == 0;
	if (d != NULL)
		closedir(d);
	return n;
}

static void
test_made_once(void)
{
	unsigned char a[KEYFILE_LEN], b[KEYFILE_LEN], zero[KEYFILE_LEN];
	struct stat sb;
	mode_t old = umask(0);

	CHECK_INT(keyfile_load(tap_dir(), "cursor.key", a, err, sizeof(err)), 0);
	umask(old);
	CHECK_INT(stat(path_of("cursor.key"), &sb), 0);
	CHECK_INT(sb.st_mode & 0777, 0600);
	CHECK_INT(sb.st_size, KEYFILE_LEN);
	memset(zero, 0, sizeof(zero));
	CHECK(memcmp(a, zero, KEYFILE_LEN) != 0);
	CHECK_INT(keyfile_load(tap_dir(), "cursor.key", b, err, sizeof(err)), 0);
	CHECK(memcmp(a, b, KEYFILE_LEN) == 0);
	CHECK_INT(entries(), 1);
	/* another name, another key */
	CHECK_INT(keyfile_load(tap_dir(), "other.key", b, err, sizeof(err)), 0);
	CHECK(memcmp(a, b, KEYFILE_LEN) != 0);
}

static void
test_concurrent(void)
{
	unsigned char mine[KEYFILE_LEN], theirs[KEYFILE_LEN];
	int fds[NPROC][2], i, st, same = 0;
	pid_t pid[NPROC];

	for (i = 0; i < NPROC; i++) {
		if (pipe(fds[i]) == -1 || (pid[i] = fork()) == -1) {
			CHECK(!"pipe/fork");
			return;
		}
		if (pid[i] == 0) {
			if (keyfile_load(tap_dir(), "cursor.key", mine, err,
			    sizeof(err)) == -1 || write(fds[i][1], mine,
			    KEYFILE_LEN) != KEYFILE_LEN)
				_exit(1);
			_exit(0);
		}
		close(fds[i][1]);
	}
	CHECK_INT(keyfile_load(tap_dir(), "cursor.key", mine, err, sizeof(err)), 0);
	for (i = 0; i < NPROC; i++) {
		if (read(fds[i][0], theirs, KEYFILE_LEN) == KEYFILE_LEN &&
		    memcmp(mine, theirs, KEYFILE_LEN) == 0)
			same++;
		close(fds[i][0]);
		waitpid(pid[i], &st, 0);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	CHECK_INT(same, NPROC);
	CHECK_INT(entries(), 1);	/* no temporary file left */
}

static void
refused(const char *why, const char *want)
{
	unsigned char k[KEYFILE_LEN];

	err[0] = '\0';
	if (keyfile_load(tap_dir(), "cursor.key", k, err, sizeof(err)) != -1)
		tap_fail(__FILE__, __LINE__, "%s: accepted", why);
	else if (strstr(err, "cursor.key") == NULL || strstr(err, want) == NULL)
		tap_fail(__FILE__, __LINE__, "%s: message %s", why, err);
}

static void
write_file(const char *data, size_t n, mode_t mode)
{
	FILE *fp;

	unlink(path_of("cursor.key"));
	if ((fp = fopen(path_of("cursor.key"), "w")) == NULL) {
		CHECK(!"fopen");
		return;
	}
	fwrite(data, 1, n, fp);
	fclose(fp);
	chmod(path_of("cursor.key"), mode);
}

static void
test_refused(void)
{
	char buf[KEYFILE_LEN + 1], real[4096];

	memset(buf, 'k', sizeof(buf));
	write_file(buf, KEYFILE_LEN - 1, 0600);
	refused("short", "not a key");
	write_file(buf, KEYFILE_LEN + 1, 0600);
	refused("long", "not a key");
	write_file(buf, 0, 0600);
	refused("empty", "not a key");
	write_file(buf, KEYFILE_LEN, 0640);
	refused("group-readable", "readable by others");
	write_file(buf, KEYFILE_LEN, 0604);
	refused("world-readable", "readable by others");
	write_file(buf, KEYFILE_LEN, 0600);
	snprintf(real, sizeof(real), "%s/real.key", tap_dir());
	CHECK_INT(rename(path_of("cursor.key"), real), 0);
	CHECK_INT(symlink(real, path_of("cursor.key")), 0);
	refused("symlink", "cursor.key");
	unlink(path_of("cursor.key"));
	unlink(real);
	CHECK_INT(mkdir(path_of("cursor.key"), 0700), 0);
	refused("directory", "cursor.key");
	rmdir(path_of("cursor.key"));
	/* a directory that does not exist: nothing can be made */
	{
		unsigned char k[KEYFILE_LEN];

		CHECK_INT(keyfile_load(path_of("nowhere"), "cursor.key", k, err,
		    sizeof(err)), -1);
	}
}

int
main(void)
{
	TAP_RUN(test_made_once);
	TAP_RUN(test_concurrent);
	TAP_RUN(test_refused);
	return tap_done();
}
