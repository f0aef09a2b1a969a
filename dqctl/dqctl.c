/*
 * dqctl: the admin CLI on dq's store.  Accounts and keys are managed here,
 * never over the public API.  Commands are one table of {words, handler}.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "dqtime.h"
#include "keyfile.h"
#include "log.h"
#include "repl.h"
#include "shm.h"
#include "store.h"
#include "ctl.h"

int
ctl_err(const char *what, enum dq_err e)
{
	char master[REPL_URL_LEN];

	if (e == DQ_ERR_NOT_ACKED) {
		fprintf(stderr, "dqctl: %s: made on the master, but a majority of the "
		    "replication group did not confirm it in time: a failover now "
		    "could undo it (see that it is there later)\n", what);
		return 1;
	}
	if (e != DQ_ERR_NOT_MASTER) {
		fprintf(stderr, "dqctl: %s: %s\n", what, dq_strerror(e));
		return 1;
	}
	repl_master_name(master, sizeof(master));
	fprintf(stderr, "dqctl: %s: this member is not the master (or its dq-repd "
	    "is not running); run it on the master%s%s\n", what,
	    master[0] ? ", " : "", master);
	return 1;
}

/* An error about the account the command named. */
static int
ctl_account_err(const char *name, enum dq_err e)
{
	if (e != DQ_ERR_NOTFOUND)
		return ctl_err(name, e);
	fprintf(stderr, "dqctl: there is no account named %s\n", name);
	return 1;
}


/* The store (opened with STORE_CREATE) and the list cursors' key. */
static int
cmd_init(struct ctl *c)
{
	unsigned char key[KEYFILE_LEN];
	char err[512];

	if (keyfile_load(c->conf.data_dir, KEYFILE_CURSOR, key, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "dqctl: %s\n", err);
		return 1;
	}
	explicit_bzero(key, sizeof(key));
	if (c->conf.repl_listen != NULL && ctl_group_found(c) == -1)
		return 1;
	printf("initialised %s\n", c->conf.data_dir);
	return 0;
}

static int
cmd_account_add(struct ctl *c)
{
	char key[ID_KEY_LEN + 1], secret[ID_SECRET_LEN + 1];
	struct account a;
	enum dq_err e;
	int sign_with_key = 0;

	if (c->argc == 2 && strcmp(c->argv[1], "--sign-with-api-key") == 0)
		sign_with_key = 1;
	else if (c->argc != 1) {
		fprintf(stderr, "usage: dqctl account add NAME [--sign-with-api-key]\n");
		return 2;
	}
	e = store_account_add(c->st, c->argv[0], sign_with_key, key, secret, &a);
	if (e == DQ_ERR_INVALID) {
		fprintf(stderr, "dqctl: account names are 1-64 characters of "
		    "[A-Za-z0-9_.-]\n");
		return 1;
	}
	if (e == DQ_ERR_EXISTS) {
		fprintf(stderr, "dqctl: an account named %s already exists\n",
		    c->argv[0]);
		return 1;
	}
	if (e != DQ_OK && e != DQ_ERR_NOT_ACKED)
		return ctl_err("account add", e);
	/* made on the master even when not acknowledged: shown, and said */
	printf("account: %s\napi_key: %s\n", a.name, key);
	if (sign_with_key)
		printf("signing_secret: (the API key; --sign-with-api-key)\n");
	else
		printf("signing_secret: %s\n", secret);
	return e == DQ_OK ? 0 : ctl_err("account add", e);
}

static int
ctl_account_print(const struct account *a, void *arg)
{
	char when[DQ_TIME_LEN + 1];

	printf("%-6u %-24s %-8s %-12s %s\n", a->id, a->name,
	    a->disabled ? "disabled" : "enabled",
	    a->sign_with_api_key ? "api-key" : "secret",
	    dqtime_format(a->created_at, when, sizeof(when)));
	return 0;
}

static int
cmd_account_list(struct ctl *c)
{
	enum dq_err e;

	printf("%-6s %-24s %-8s %-12s %s\n", "ID", "NAME", "STATE", "SIGNING", "CREATED");
	if ((e = store_account_list(c->st, ctl_account_print, NULL)) != DQ_OK)
		return ctl_err("account list", e);
	return 0;
}

static int
cmd_account_rotate(struct ctl *c)
{
	char key[ID_KEY_LEN + 1];
	enum dq_err e;

	if (c->argc != 1) {
		fprintf(stderr, "usage: dqctl account rotate-key NAME\n");
		return 2;
	}
	e = store_account_rotate_key(c->st, c->argv[0], key);
	if (e != DQ_OK && e != DQ_ERR_NOT_ACKED)
		return ctl_account_err(c->argv[0], e);
	printf("api_key: %s\n", key);
	return e == DQ_OK ? 0 : ctl_err("rotate-key", e);
}

static int
cmd_account_disable(struct ctl *c)
{
	enum dq_err e;

	if (c->argc != 1) {
		fprintf(stderr, "usage: dqctl account disable NAME\n");
		return 2;
	}
	if ((e = store_account_disable(c->st, c->argv[0])) != DQ_OK)
		return ctl_account_err(c->argv[0], e);
	printf("disabled %s\n", c->argv[0]);
	return 0;
}

static int
cmd_account_enable(struct ctl *c)
{
	enum dq_err e;
	int keyless = 0;

	if (c->argc != 1) {
		fprintf(stderr, "usage: dqctl account enable NAME\n");
		return 2;
	}
	if ((e = store_account_enable(c->st, c->argv[0], &keyless)) != DQ_OK)
		return ctl_err(c->argv[0], e);
	printf("enabled %s\n", c->argv[0]);
	if (keyless)
		fprintf(stderr, "dqctl: %s has no API key (an older dq deleted it on "
		    "disable); run dqctl account rotate-key %s\n", c->argv[0],
		    c->argv[0]);
	return 0;
}

/* How a command uses the store. */
#define CTL_OPEN	0	/* open it as it is */
#define CTL_CREATE	1	/* create it (init) */
#define CTL_CLOSED	2	/* must not open it (recover) */

static const struct {
	const char	*w1, *w2;
	ctl_fn		 fn;
	int		 store;
	const char	*args;		/* the synopsis after the command words */
	const char	*help;
} cmds[] = {
	{ "init", NULL, cmd_init, CTL_CREATE, "",
	    "create the store in data_dir" },
	{ "account", "add", cmd_account_add, CTL_OPEN, "NAME [--sign-with-api-key]",
	    "a new account; prints its key and secret once" },
	{ "account", "list", cmd_account_list, CTL_OPEN, "",
	    "id, name, state, signing, creation time" },
	{ "account", "rotate-key", cmd_account_rotate, CTL_OPEN, "NAME",
	    "a new API key; the old one stops at once" },
	{ "account", "disable", cmd_account_disable, CTL_OPEN, "NAME",
	    "refuse its key, hold its jobs and schedules" },
	{ "account", "enable", cmd_account_enable, CTL_OPEN, "NAME",
	    "its key works again, its work goes on" },
	{ "stats", NULL, cmd_stats, CTL_OPEN, "",
	    "jobs by queue and status, oldest due, heartbeat" },
	{ "jobs", "list", cmd_jobs_list, CTL_OPEN,
	    "[--account NAME] [--status S] [--queue Q] [--limit N]",
	    "the newest jobs first (20, at most 100)" },
	{ "jobs", "show", cmd_jobs_show, CTL_OPEN, "JOB_ID",
	    "a job and its attempts, with their answers" },
	{ "jobs", "bulk", cmd_jobs_bulk, CTL_OPEN,
	    "ACTION [--account NAME] FILTER ...",
	    "retry, cancel, approve or delete by filter" },
	{ "jobs", "delete", cmd_jobs_delete, CTL_OPEN, "JOB_ID ...",
	    "delete finished jobs with their attempts" },
	{ "topics", "list", cmd_topics_list, CTL_OPEN, "[--account NAME]",
	    "topics and their endpoint counts" },
	{ "topics", "show", cmd_topics_show, CTL_OPEN, "ACCOUNT TOPIC",
	    "a topic's endpoints" },
	{ "topics", "set", cmd_topics_set, CTL_OPEN, "ACCOUNT TOPIC URL ...",
	    "create or replace a topic" },
	{ "topics", "delete", cmd_topics_delete, CTL_OPEN, "ACCOUNT TOPIC",
	    "delete a topic" },
	{ "verify", NULL, cmd_verify, CTL_OPEN, "[--online]",
	    "check the store; stop dq first, or --online" },
	{ "backup", NULL, cmd_backup, CTL_OPEN, "DIR",
	    "a hot backup into DIR (dq may run)" },
	{ "recover", NULL, cmd_recover, CTL_CLOSED, "[--catastrophic] [--force]",
	    "Berkeley DB recovery (refused while dq runs)" },
	{ "group", "remove", cmd_group_remove, CTL_CLOSED, "HOST:PORT",
	    "take a member out of the replication group" },
	{ "group", NULL, cmd_group, CTL_CLOSED, "",
	    "the replication group: members, roles, lag" },
};
#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))
#define USAGE_COL	30	/* where the help text of a command starts */

static void
usage(FILE *fp)
{
	char synopsis[96];
	size_t i;

	fprintf(fp, "usage: dqctl [-hnV] [-c file] command [argument ...]\n"
	    "  -c file  configuration (default %s, or $DQ_CONF)\n"
	    "  -n       check the configuration and exit\n"
	    "  -V       print the version and exit\n"
	    "commands:\n", CONF_DEFAULT_PATH);
	for (i = 0; i < NCMDS; i++) {
		snprintf(synopsis, sizeof(synopsis), "%s%s%s%s%s", cmds[i].w1,
		    cmds[i].w2 ? " " : "", cmds[i].w2 ? cmds[i].w2 : "",
		    cmds[i].args[0] ? " " : "", cmds[i].args);
		if (strlen(synopsis) < USAGE_COL - 3)
			fprintf(fp, "  %-*s %s\n", USAGE_COL - 3, synopsis, cmds[i].help);
		else
			fprintf(fp, "  %s\n  %-*s %s\n", synopsis, USAGE_COL - 3, "",
			    cmds[i].help);
	}
}

int
main(int argc, char **argv)
{
	struct ctl c;
	const char *path = NULL;
	char err[512];
	size_t i;
	int ch, rc, words, check = 0;

	while ((ch = getopt(argc, argv, "+c:hnV")) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'n': check = 1; break;
		case 'V': printf("dqctl %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (check && argc > 0) {	/* -n is not a dry run of a command */
		usage(stderr);
		return 2;
	}
	log_init("dqctl", 0);
	memset(&c, 0, sizeof(c));
	if ((rc = conf_start(&c.conf, "dqctl", path, check)) != 0)
		return rc == 1 ? 0 : 1;
	log_set_level(LOG_LVL_WARN);	/* a CLI says only what went wrong */
	for (i = 0; i < NCMDS; i++) {
		words = cmds[i].w2 ? 2 : 1;
		if (argc >= words && strcmp(argv[0], cmds[i].w1) == 0 &&
		    (cmds[i].w2 == NULL || strcmp(argv[1], cmds[i].w2) == 0))
			break;
	}
	if (i == NCMDS) {
		usage(stderr);
		conf_free(&c.conf);
		return 2;
	}
	if (cmds[i].store != CTL_CLOSED && store_open(&c.st, &c.conf,
	    cmds[i].store == CTL_CREATE ? STORE_CREATE : 0, err, sizeof(err)) == -1) {
		fprintf(stderr, "dqctl: %s\n", err);
		conf_free(&c.conf);
		return 1;
	}
	c.argc = argc - words;
	c.argv = argv + words;
	rc = cmds[i].fn(&c);
	/* dq-fcgi forgets what it cached about accounts when this moves */
	if (rc == 0 && strcmp(cmds[i].w1, "account") == 0 &&
	    shm_epoch_open(c.conf.data_dir) == 0)
		shm_epoch_bump();
	store_close(c.st);
	conf_free(&c.conf);
	return rc;
}
