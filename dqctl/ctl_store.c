/*
 * dqctl verify, backup and recover: looking after the data directory.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ctl.h"

static void
verify_print(const char *problem, void *arg)
{
	printf("problem: %s\n", problem);
}

int
cmd_verify(struct ctl *c)
{
	int64_t problems = 0;
	int online = c->argc == 1 && strcmp(c->argv[0], "--online") == 0;
	enum dq_err e;

	if (c->argc > 1 || (c->argc == 1 && !online)) {
		fprintf(stderr, "usage: dqctl verify [--online]\n");
		return 2;
	}
	e = store_verify(c->st, c->conf.data_dir, !online, verify_print, NULL, &problems);
	if (e != DQ_OK)
		return ctl_err("verify", e);
	if (problems > 0) {
		printf("%lld problems found\n", (long long)problems);
		return 1;
	}
	printf("%s: every database is consistent\n", c->conf.data_dir);
	return 0;
}

int
cmd_backup(struct ctl *c)
{
	char err[512];

	if (c->argc != 1) {
		fprintf(stderr, "usage: dqctl backup DIR\n");
		return 2;
	}
	if (store_backup(c->st, c->argv[0], err, sizeof(err)) != DQ_OK) {
		fprintf(stderr, "dqctl: %s\n", err);
		return 1;
	}
	printf("backed up to %s; to restore, point data_dir at a copy of it\n",
	    c->argv[0]);
	return 0;
}

/*
 * Recovery rebuilds the environment under any process still using it, which
 * corrupts a live store: refuse while one is attached, unless forced.
 */
int
cmd_recover(struct ctl *c)
{
	int fatal = 0, force = 0, i;
	char err[512];
	pid_t pid;

	for (i = 0; i < c->argc; i++) {
		if (strcmp(c->argv[i], "--catastrophic") == 0)
			fatal = 1;
		else if (strcmp(c->argv[i], "--force") == 0)
			force = 1;
		else {
			fprintf(stderr, "usage: dqctl recover [--catastrophic] [--force]\n");
			return 2;
		}
	}
	if (!force && store_attached(c->conf.data_dir, &pid)) {
		fprintf(stderr, "dqctl: process %ld has the store in %s open (is dq "
		    "running?): stop dq-fcgi and dq-dispatcher first; recovery under a "
		    "running process corrupts the store (--force to run it anyway)\n",
		    (long)pid, c->conf.data_dir);
		return 1;
	}
	if (store_recover(&c->conf, fatal, err, sizeof(err)) == -1) {
		fprintf(stderr, "dqctl: %s\n", err);
		return 1;
	}
	printf("recovered %s\n", c->conf.data_dir);
	return 0;
}
