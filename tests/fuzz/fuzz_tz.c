/*
 * Fuzz target: the TZif reader and the POSIX TZ rule of its footer.  The
 * input is a zone file, written under a private TZDIR and loaded by name
 * as a schedule's time zone would be; a zone that loads is then asked for
 * offsets and wall-clock conversions and drives cron_next().
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cron.h"
#include "fuzz.h"
#include "tz.h"

static char	zone_path[512];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[300];

	snprintf(dir, sizeof(dir), "%s/zoneinfo", fuzz_dir());
	if (mkdir(dir, 0700) == -1 || setenv("TZDIR", dir, 1) == -1)
		abort();
	snprintf(zone_path, sizeof(zone_path), "%s/Fuzz", dir);
	return 0;
}

/* A reading of the wall clock maps back to an instant that shows it. */
static void
check_local(const struct tz *z, int64_t l)
{
	int64_t u;

	if (tz_local_to_utc(z, l, &u) == TZ_LOCAL_GAP)
		FUZZ_CHECK(u + tz_offset(z, u, NULL) > l);
	else
		FUZZ_CHECK(u + tz_offset(z, u, NULL) == l);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t at[] = {
		INT64_C(-4000000000), -1, 0, 1, INT64_C(1711846800),
		INT64_C(1729994400), INT64_C(1790000000), INT64_C(4102444800),
		INT64_C(253402300799)
	};
	struct cron c;
	struct tz *z;
	char err[256];
	size_t i;
	int dst;

	if (fuzz_write(zone_path, data, size) == -1)
		abort();
	if ((z = tz_load("Fuzz", err, sizeof(err))) == NULL)
		return 0;
	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		FUZZ_CHECK(tz_offset(z, at[i], &dst) > -26 * 3600 &&
		    tz_offset(z, at[i], NULL) < 26 * 3600 && (dst == 0 || dst == 1));
		check_local(z, at[i]);
	}
	if (cron_parse("30 2 * * *", &c, err, sizeof(err)) == 0)
		cron_next(&c, z, at[6] * 1000);
	tz_free(z);
	return 0;
}
