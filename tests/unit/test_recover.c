/*
 * Unit tests for the store's recovery after a process dies inside it
 * (common/store/store.c): the next open recovers an environment that a dead
 * process left panicked, honours the note an open that hung leaves behind,
 * and kills a process still waiting in the environment it replaces.  Every
 * open happens in a child process (one environment per process, as
 * DB_REGISTER wants); the test process itself never opens the store.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "store_int.h"
#include "storetest.h"
#include "tap.h"

static struct dq_conf	 conf;
static char		 err[512];

static int
conf_here(void)
{
	return storetest_conf(&conf, CONF_SYNC_WRITE);
}

/* Run fn in a child; its wait status. */
static int
in_child(int (*fn)(void))
{
	pid_t pid;
	int status;

	fflush(stdout);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0)
		_exit(fn());
	if (waitpid(pid, &status, 0) == -1)
		return -1;
	return status;
}

static int
exited(int status, int code)
{
	return WIFEXITED(status) && WEXITSTATUS(status) == code;
}

static struct store *
open_store(int flags)
{
	struct store *st = NULL;

	if (store_open(&st, &conf, flags, err, sizeof(err)) == -1) {
		fprintf(stderr, "store_open: %s\n", err);
		return NULL;
	}
	return st;
}

/* Create the store with the account "survivor"; NULL on failure. */
static struct store *
create_with_survivor(void)
{
	char key[ID_KEY_LEN + 1], secret[ID_SECRET_LEN + 1];
	struct account a;
	struct store *st;

	if ((st = open_store(STORE_CREATE)) == NULL ||
	    store_account_add(st, "survivor", 0, key, secret, &a) != DQ_OK)
		return NULL;
	return st;
}

/* Create the store with one account, and die without closing it. */
static int
child_create_and_die(void)
{
	if (create_with_survivor() == NULL)
		return 10;
	_exit(0);
}

/* Open the store and die without closing it. */
static int
child_open_and_die(void)
{
	if (open_store(0) == NULL)
		return 12;
	_exit(0);
}

/* Also panic the environment on the way out, as a failed failchk does. */
static int
child_create_panic_and_die(void)
{
	struct store *st;

	if ((st = create_with_survivor()) == NULL)
		return 10;
	st->env->set_flags(st->env, DB_PANIC_ENVIRONMENT, 1);
	return 11;		/* not reached: the panic makes the process leave */
}

/* Open the store and find the account: 0 when it all works. */
static int
child_open_and_read(void)
{
	struct account a;
	struct store *st;
	uint32_t id;

	if ((st = open_store(0)) == NULL)
		return 20;
	if (store_account_by_name(st, "survivor", &a) != DQ_OK)
		return 21;
	id = a.id;
	store_close(st);
	return id != 0 ? 0 : 22;
}

/* Open the store and wait to be killed. */
static int
child_open_and_wait(void)
{
	if (open_store(0) == NULL)
		return 30;
	for (;;)
		pause();
}

static void
test_dead_process(void)
{
	int status;

	if (conf_here() == -1)
		return;
	CHECK(exited(in_child(child_create_and_die), 0));
	status = in_child(child_open_and_read);
	CHECK(exited(status, 0));
	conf_free(&conf);
}

/* A panicked environment used to make every later open exit as well. */
static void
test_panicked_environment(void)
{
	int status;

	if (conf_here() == -1)
		return;
	CHECK(exited(in_child(child_create_panic_and_die), 3));
	status = in_child(child_open_and_read);
	if (!exited(status, 0))
		tap_fail(__FILE__, __LINE__, "open after a panic: status %#x", status);
	CHECK(exited(in_child(child_open_and_read), 0));
	conf_free(&conf);
}

static int
touch_wedged(void)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/wedged", conf.data_dir);
	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	fclose(fp);
	return 0;
}

static int
wedged_exists(void)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/wedged", conf.data_dir);
	return access(path, F_OK) == 0;
}

/*
 * After an open that hung (the note), the next open recovers in full; a
 * process still in the old environment is killed, since it might be
 * waiting there forever on a mutex of the dead one.
 */
static void
test_wedged_open_recovers_and_kills_stragglers(void)
{
	pid_t waiter;
	int status;

	if (conf_here() == -1)
		return;
	CHECK(exited(in_child(child_create_and_die), 0));
	CHECK(exited(in_child(child_open_and_read), 0));	/* failchk cleaned up */
	fflush(stdout);
	if ((waiter = fork()) == 0)
		_exit(child_open_and_wait());
	sleep(1);		/* it has the environment open */
	CHECK(waitpid(waiter, &status, WNOHANG) == 0);
	CHECK(exited(in_child(child_open_and_die), 0));	/* a dead slot */
	CHECK(touch_wedged() == 0);
	status = in_child(child_open_and_read);
	CHECK(exited(status, 0));
	CHECK(!wedged_exists());
	CHECK(waitpid(waiter, &status, 0) == waiter);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CHECK(exited(in_child(child_open_and_read), 0));
	conf_free(&conf);
}

int
main(void)
{
	log_set_level(LOG_LVL_WARN);	/* failchk reports each lock it frees */
	TAP_RUN(test_dead_process);
	TAP_RUN(test_panicked_environment);
	TAP_RUN(test_wedged_open_recovers_and_kills_stragglers);
	return tap_done();
}
