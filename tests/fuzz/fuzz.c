/*
 * The helpers of fuzz.h.
 */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

static char	fuzz_tmp[256];

char *
fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s != NULL) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

static int
fuzz_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
fuzz_cleanup(void)
{
	nftw(fuzz_tmp, fuzz_rm, 16, FTW_DEPTH | FTW_PHYS);
}

const char *
fuzz_dir(void)
{
	const char *t = getenv("TMPDIR");

	if (fuzz_tmp[0] != '\0')
		return fuzz_tmp;
	snprintf(fuzz_tmp, sizeof(fuzz_tmp), "%s/dq-fuzz-XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	if (mkdtemp(fuzz_tmp) == NULL) {
		perror(fuzz_tmp);
		abort();
	}
	atexit(fuzz_cleanup);
	return fuzz_tmp;
}

int
fuzz_write(const char *path, const void *data, size_t size)
{
	FILE *fp = fopen(path, "w");
	int rc = -1;

	if (fp == NULL)
		return -1;
	if (fwrite(data, 1, size, fp) == size)
		rc = 0;
	if (fclose(fp) != 0)
		rc = -1;
	return rc;
}
