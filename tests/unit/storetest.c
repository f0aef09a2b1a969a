/*
 * What the store's unit tests share (storetest.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "storetest.h"
#include "tap.h"

int
storetest_conf(struct dq_conf *c, int sync)
{
	char err[512];

	unsetenv("RATE_LIMIT_PER_SECOND");
	unsetenv("WEBHOOK_TIMEOUT_MS");
	if (conf_load(c, NULL, err, sizeof(err)) == -1) {
		tap_fail(__FILE__, __LINE__, "conf_load: %s", err);
		return -1;
	}
	free(c->data_dir);
	if ((c->data_dir = strdup(tap_dir())) == NULL) {
		tap_fail(__FILE__, __LINE__, "out of memory");
		conf_free(c);
		return -1;
	}
	c->sync = sync;
	c->cache_size = 4 << 20;
	return 0;
}

int
storetest_up(struct dq_conf *c, struct store **st)
{
	char err[512];

	*st = NULL;
	if (store_open(st, c, STORE_CREATE, err, sizeof(err)) == -1) {
		tap_fail(__FILE__, __LINE__, "store_open: %s", err);
		conf_free(c);
		return -1;
	}
	return 0;
}

void
storetest_down(struct dq_conf *c, struct store **st)
{
	store_close(*st);
	*st = NULL;
	conf_free(c);
}

uint32_t
storetest_account(struct store *st, const char *name)
{
	char key[ID_KEY_LEN + 1], secret[ID_SECRET_LEN + 1];
	struct account a;

	if (store_account_add(st, name, 0, key, secret, &a) != DQ_OK) {
		tap_fail(__FILE__, __LINE__, "account_add %s failed", name);
		return 0;
	}
	return a.id;
}

void
storetest_job(struct job *j, const char *queue, int64_t created)
{
	job_init(j);
	j->url = "https://example.com/hook";
	j->queue = queue;
	j->max_attempts = 3;
	j->timeout_ms = 30000;
	j->created_at = j->updated_at = j->due_at = created;
	j->status = JOB_PENDING;
}
