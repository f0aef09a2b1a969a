/*
 * dq-repd: the process that runs Berkeley DB's replication manager for one
 * member of a dq group (replication_listen in dq.conf).  It owns the
 * member's replication address, takes part in elections, and ships the
 * log; dq-fcgi, dq-dispatcher and dqctl open the same environment and
 * follow what it decides.  Ten times a second it publishes the member's
 * role, the master, the lag and the group (group.c); dqctl asks it to
 * remove a member.  SIGTERM: it says it is leaving first, so that this
 * member stops taking writes, then closes the environment (the others then
 * elect a new master if this one was it).  It must be restarted when it
 * exits (the shipped unit does): without it this member neither follows
 * the master nor, if it is the master, gets any write acknowledged.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "dqtime.h"
#include "log.h"
#include "sig.h"
#include "repd.h"

#define REPD_TICK_MS		100
#define REPD_SLOW_MS		1000	/* members, senders, TCP_NODELAY */
#define REPD_WATCHDOG_S		60
#define REPD_CREATOR_FILE	"group.create"	/* dqctl init: found the group */
#define REPD_MEMBERSHIP_FILE	"__db.rep.system"	/* Berkeley DB: the group it is in */

static volatile sig_atomic_t	stop_requested;
static atomic_int		beating = 1;

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: dq-repd [-nsV] [-c file]\n"
	    "  -c file  configuration (default %s, or $DQ_CONF)\n"
	    "  -n       check the configuration and exit\n"
	    "  -s       log to syslog instead of stderr\n"
	    "  -V       print the version and exit\n", CONF_DEFAULT_PATH);
}

static void
on_stop(int sig)
{
	stop_requested = 1;
}

static void
on_alarm(int sig)
{
	static const char msg[] = "dq-repd: the loop is stuck; exiting\n";

	sig_die(msg, sizeof(msg) - 1, 3);
}

static int
repd_file(const char *dir, const char *name, char *path, size_t n)
{
	snprintf(path, n, "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* One dq-repd per data_dir: data_dir/repd.lock, held until exit. */
static int
repd_lock(const char *data_dir)
{
	char path[4096];
	int fd;

	if (mkdir(data_dir, 0750) == -1 && errno != EEXIST) {
		log_warn("%s", data_dir);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/repd.lock", data_dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		log_warn("%s", path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		log_warnx("another dq-repd is running on %s", data_dir);
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The first member founds the group (dqctl init left a note); once the
 * group exists (Berkeley DB keeps its membership in the environment) every
 * start is a rejoin, and a member without either joins through its peers.
 */
static int
repd_creator(const char *data_dir)
{
	char note[4096], gmdb[4096];

	if (!repd_file(data_dir, REPD_CREATOR_FILE, note, sizeof(note)))
		return 0;
	if (!repd_file(data_dir, REPD_MEMBERSHIP_FILE, gmdb, sizeof(gmdb)))
		return 1;
	(void)unlink(note);
	return 0;
}

/*
 * That this process is alive is what the member's other processes need to
 * know to write (a master without it has no commit acknowledged): a thread
 * of its own says so ten times a second, even while the loop waits on the
 * replication manager (removing a member, serving a new member's copy).
 * A loop stuck for long is the watchdog's.
 */
static void *
repd_beat(void *arg)
{
	while (atomic_load(&beating)) {
		repl_beat(dqtime_now_ms());
		dqtime_sleep_ms(REPD_TICK_MS);
	}
	return NULL;
}

/* Start the replication manager: joining needs the master and a majority. */
static int
repd_start(struct store *st, const struct dq_conf *c)
{
	char err[512];
	int creator = repd_creator(c->data_dir), r, said = 0;

	if (creator)
		log_info("founding the group at %s", c->repl_listen);
	while (!stop_requested) {
		if ((r = store_repl_start(st, c, creator, group_heard, NULL, err,
		    sizeof(err))) == 0)
			return 0;
		if (r == -1) {
			log_warnx("%s", err);
			return -1;
		}
		if (!said++)
			log_info("joining the group through %d peer(s): waiting for "
			    "the master and a majority", c->repl_peers.n);
		group_update(st, NULL, dqtime_now_ms(), 0);
		dqtime_sleep_ms(1000);
	}
	return -1;
}

static int
repd_beat_start(pthread_t *t)
{
	sigset_t all, old;
	int started;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if (!(started = pthread_create(t, NULL, repd_beat, NULL) == 0))
		log_warnx("cannot start the liveness thread");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return started;
}

static void
repd_request(struct store *st)
{
	char op[16], arg[REPL_ADDR_LEN], err[512], answer[600];
	enum dq_err e;

	if (!repl_request_take(op, sizeof(op), arg, sizeof(arg)))
		return;
	if (strcmp(op, "remove") != 0) {
		repl_request_done(0, "unknown request");
		return;
	}
	if ((e = store_repl_remove(st, arg, err, sizeof(err))) != DQ_OK) {
		log_warnx("%s", err);
		repl_request_done(0, err);
		return;
	}
	log_info("removed %s from the group", arg);
	snprintf(answer, sizeof(answer), "removed %s from the group", arg);
	repl_request_done(1, answer);
}

static void
repd_loop(struct store *st, const struct dq_conf *c)
{
	struct store_repl_status s;
	char note[4096];
	int64_t now, next_slow = 0;
	int changed;

	while (!stop_requested) {
		alarm(REPD_WATCHDOG_S);
		now = dqtime_now_ms();
		store_repl_take_events(&changed);
		if (store_repl_status(st, &s) == DQ_OK)
			group_update(st, &s, now, 0);
		if (dqtime_mono_ms() >= next_slow) {
			group_senders(st);
			store_repl_nodelay();	/* accepted connections raise no event */
			if (s.role == STORE_ROLE_MASTER &&
			    repd_file(c->data_dir, REPD_CREATOR_FILE, note, sizeof(note)))
				(void)unlink(note);
			next_slow = dqtime_mono_ms() + REPD_SLOW_MS;
		}
		repd_request(st);
		alarm(0);
		if (!changed)
			dqtime_sleep_ms(REPD_TICK_MS);
	}
}

int
main(int argc, char **argv)
{
	struct dq_conf c;
	struct store *st = NULL;
	pthread_t beat;
	int beat_started = 0;
	const char *path = NULL;
	char err[512];
	int rc, ch, check = 0, use_syslog = 0, lock;

	while ((ch = getopt(argc, argv, "c:hnsV")) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'n': check = 1; break;
		case 's': use_syslog = 1; break;
		case 'V': printf("dq-repd %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	log_init("dq-repd", use_syslog);
	if ((rc = conf_start(&c, "dq-repd", path, check)) != 0)
		return rc == 1 ? 0 : 1;
	if (c.repl_listen == NULL) {
		log_warnx("replication_listen is not set: this dq is not a member "
		    "of a group, and dq-repd has nothing to do");
		return 1;
	}
	if ((lock = repd_lock(c.data_dir)) == -1 || repl_open(c.data_dir) == -1)
		return 1;
	sig_daemon(on_stop, on_alarm);
	group_init(&c);
	group_update(NULL, NULL, dqtime_now_ms(), 0);
	/*
	 * No database handles here: opening one writes to the log, and a
	 * member restarted after a crash still looks like the master it was
	 * until the replication manager starts: the write would wait for
	 * acknowledgements that never come.
	 */
	if (store_open(&st, &c, STORE_ENV_ONLY | STORE_NO_FAILCHK, err,
	    sizeof(err)) == -1) {
		log_warnx("%s", err);
		return 1;
	}
	if (repd_start(st, &c) == 0) {
		log_info("replicating at %s (priority %lld)", c.repl_listen,
		    (long long)c.repl_priority);
		beat_started = repd_beat_start(&beat);
		repd_loop(st, &c);
	}
	atomic_store(&beating, 0);
	if (beat_started)
		pthread_join(beat, NULL);
	/* first say so: this member stops taking writes before it stops acking */
	group_update(st, NULL, dqtime_now_ms(), 1);
	if (group_stop() == 0)
		store_close(st);
	else
		log_warnx("a status sender is stuck; leaving without closing the "
		    "environment");
	log_info("stopped");
	conf_free(&c);
	close(lock);
	return stop_requested ? 0 : 1;
}
