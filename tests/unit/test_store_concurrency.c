/*
 * The store under concurrent writers: each round forks several processes
 * that open one store and create jobs into it at once, as dq-fcgi workers
 * do, and then checks it as `dqctl verify` does: db_verify on every file,
 * then every index against the records.
 *
 * Berkeley DB 5.3's B-tree can misplace a key when writers in several
 * processes split the same pages (see store_txn_once in common/store/store.c).
 * Before the store allowed one writer at a time, these defaults (large
 * records, one job per transaction, 8 processes) damaged about one store
 * in five (14 of 72 rounds); 12 rounds then find it about 9 times in 10.
 * `make stress` runs more rounds (STRESS_ROUNDS) and larger ones:
 *
 *     STRESS_ROUNDS=12 STRESS_PROCS=8 STRESS_JOBS=10000 STRESS_BATCH=1
 *     STRESS_PAYLOAD=1500 tests/unit/test_store_concurrency
 */
#include "config.h"

#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "dqtime.h"
#include "store.h"
#include "tap.h"

static struct dq_conf	 conf;
static char		 err[512];
static int		 procs, jobs, batch, payload_len;

static int
env_int(const char *name, int dflt, int min, int max)
{
	const char *v = getenv(name);
	int n = v ? atoi(v) : dflt;

	return n < min ? min : n > max ? max : n;
}

/*
 * One process's share of the jobs, by batches.  Exit status: the number of
 * batches refused as busy (at most 100), or 255 on any other error.
 */
static int
child_create(uint32_t account, int share)
{
	struct store_create *items = calloc(batch, sizeof(*items));
	struct job *js = calloc(batch, sizeof(*js));
	char *payload = malloc(payload_len + 16);
	struct store *st;
	int64_t now;
	int busy = 0, done, i;

	if (items == NULL || js == NULL || payload == NULL ||
	    store_open(&st, &conf, 0, err, sizeof(err)) == -1)
		return 255;
	snprintf(payload, payload_len + 16, "{\"pad\":\"%0*d\"}", payload_len, 0);
	for (done = 0; done < share; done += batch) {
		now = dqtime_now_ms();
		for (i = 0; i < batch; i++) {
			job_init(&js[i]);
			js[i].url = "http://127.0.0.1:9/sink";
			js[i].queue = "default";
			js[i].payload = payload;
			js[i].max_attempts = 3;
			js[i].timeout_ms = 30000;
			js[i].created_at = js[i].updated_at = js[i].due_at = now;
			js[i].status = JOB_PENDING;
			memset(&items[i], 0, sizeof(items[i]));
			items[i].job = &js[i];
		}
		switch (store_jobs_create(st, account, items, batch)) {
		case DQ_OK:
			break;
		case DQ_ERR_BUSY:
			busy++;
			break;
		default:
			return 255;
		}
	}
	store_close(st);
	return busy < 100 ? busy : 100;
}

static void
verify_report(const char *problem, void *arg)
{
	int *shown = arg;

	if ((*shown)++ < 5)
		printf("# %s\n", problem);
}

/* A new store in this round's directory, with one account: its id, or 0. */
static uint32_t
round_init(void)
{
	char key[ID_KEY_LEN + 1], secret[ID_SECRET_LEN + 1];
	struct store *st;
	struct account a;

	free(conf.data_dir);
	if ((conf.data_dir = strdup(tap_dir())) == NULL ||
	    store_open(&st, &conf, STORE_CREATE, err, sizeof(err)) == -1)
		return 0;
	if (store_account_add(st, "stress", 0, key, secret, &a) != DQ_OK)
		a.id = 0;
	store_close(st);
	return a.id;
}

/*
 * Batches refused as busy are reported, not failures: the API answers them
 * 503 and clients retry.  Every created job, and no other, must be in a
 * store that verifies clean (and so counts its records right).
 */
static void
test_concurrent_creates(void)
{
	struct store *st;
	uint32_t account;
	int64_t counts[JOB_NSTATUS], problems = 0, stored = 0, t0;
	int batches = (jobs / procs + batch - 1) / batch;
	int busy = 0, i, shown = 0, status;
	pid_t pid;

	if ((account = round_init()) == 0) {
		tap_fail(__FILE__, __LINE__, "store set-up: %s", err);
		return;
	}
	t0 = dqtime_mono_ms();
	for (i = 0; i < procs; i++) {
		if ((pid = fork()) == -1) {
			tap_fail(__FILE__, __LINE__, "fork failed");
			break;
		}
		if (pid == 0)
			_exit(child_create(account, jobs / procs));
	}
	while (wait(&status) != -1) {
		if (!WIFEXITED(status) || WEXITSTATUS(status) == 255)
			tap_fail(__FILE__, __LINE__, "a creating process failed");
		else
			busy += WEXITSTATUS(status);
	}
	printf("# %d processes created %d jobs in %lld ms; %d batches refused as busy\n",
	    procs, jobs, (long long)(dqtime_mono_ms() - t0), busy);
	CHECK(store_open(&st, &conf, 0, err, sizeof(err)) == 0);
	if (st == NULL)
		return;
	CHECK_INT(store_verify(st, tap_dir(), 1, verify_report, &shown, &problems), DQ_OK);
	CHECK_INT(problems, 0);
	CHECK_INT(store_jobs_count(st, account, NULL, counts), DQ_OK);
	for (i = 0; i < JOB_NSTATUS; i++)
		stored += counts[i];
	CHECK_INT(stored, (int64_t)(procs * batches - busy) * batch);
	store_close(st);
}

int
main(void)
{
	int i, rounds;

	rounds = env_int("STRESS_ROUNDS", 12, 1, 100000);
	procs = env_int("STRESS_PROCS", 8, 1, 64);
	batch = env_int("STRESS_BATCH", 1, 1, 100);
	jobs = env_int("STRESS_JOBS", 10000, procs * batch, 10000000);
	payload_len = env_int("STRESS_PAYLOAD", 1500, 0, 100000);
	unsetenv("RATE_LIMIT_PER_SECOND");
	unsetenv("WEBHOOK_TIMEOUT_MS");
	if (conf_load(&conf, NULL, err, sizeof(err)) == -1) {
		printf("Bail out! conf_load: %s\n", err);
		return 1;
	}
	conf.sync = CONF_SYNC_NONE;	/* the race is in memory, not on disk */
	for (i = 0; i < rounds; i++)
		TAP_RUN(test_concurrent_creates);
	conf_free(&conf);
	return tap_done();
}
