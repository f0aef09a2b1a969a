/*
 * Fuzz target: the config file parser.  The input is written to a dq.conf
 * in a private directory and loaded with conf_load(); a file it accepts
 * gives a configuration that keeps conf.c's own rules, and a file it
 * refuses is named at the start of the message ("file:line: ...").
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "fuzz.h"

static char	conf_path[300];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	snprintf(conf_path, sizeof(conf_path), "%s/dq.conf", fuzz_dir());
	unsetenv("RATE_LIMIT_PER_SECOND");
	unsetenv("WEBHOOK_TIMEOUT_MS");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dq_conf c;
	char err[512] = "";

	if (fuzz_write(conf_path, data, size) == -1)
		abort();
	if (conf_load(&c, conf_path, err, sizeof(err)) == -1) {
		FUZZ_CHECK(strncmp(err, conf_path, strlen(conf_path)) == 0 ||
		    strcmp(err, "out of memory") == 0);
		return 0;
	}
	FUZZ_CHECK(c.data_dir != NULL && c.data_dir[0] == '/');
	FUZZ_CHECK(c.wakeup_socket != NULL);
	FUZZ_CHECK(c.retry_base_ms <= c.retry_cap_ms);
	FUZZ_CHECK(c.workers >= 1 && c.workers <= 256);
	FUZZ_CHECK(c.socket_mode >= 0 && c.socket_mode <= 0777);
	FUZZ_CHECK(c.max_body >= 1024 && c.cache_size >= 1 << 20);
	conf_free(&c);
	return 0;
}
