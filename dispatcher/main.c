/*
 * dq-dispatcher: finds due jobs and makes their HTTP requests, on one curl
 * multi handle in one event loop.  The loop sleeps in curl_multi_poll()
 * until the tick's next deadline, a transfer's socket, or a wake-up
 * datagram from dq-fcgi.  SIGTERM stops claiming, lets transfers in flight
 * finish (bounded), and exits.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "conf.h"
#include "dqtime.h"
#include "ids.h"
#include "log.h"
#include "metrics.h"
#include "shm.h"
#include "sig.h"
#include "wakeup.h"
#include "disp.h"

#define STOP_GRACE_MAX_MS	30000
/* A loop turn this long is stuck (a mutex of a killed process): exit, and
 * let the restart recover the environment (see fcgi/worker.c). */
#define LOOP_WATCHDOG_S		300
#define STORE_WATCHDOG_S	120	/* one store transaction; a full disk makes them slow */

static volatile sig_atomic_t	 stop_requested;
static CURLM			*main_multi;

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: dq-dispatcher [-mnqsV] [-c file] [-l file]\n"
	    "  -c file  configuration (default %s, or $DQ_CONF)\n"
	    "  -l file  log to this file (SIGUSR1 reopens it) instead of stderr\n"
	    "  -m       allow more than one dispatcher on this data_dir\n"
	    "  -n       check the configuration and exit\n"
	    "  -q       exit quietly (status 0) if a dispatcher already runs (cron)\n"
	    "  -s       log to syslog instead of stderr\n"
	    "  -V       print the version and exit\n", CONF_DEFAULT_PATH);
}

static void
on_alarm(int sig)
{
	static const char msg[] = "dq-dispatcher: the loop is stuck; exiting so "
	    "that the environment is recovered\n";

	if (store_watchdog_fired())
		return;		/* the transaction gives up by itself */
	sig_die(msg, sizeof(msg) - 1, 3);
}

static void
on_stop(int sig)
{
	stop_requested = 1;
	if (main_multi != NULL)
		curl_multi_wakeup(main_multi);
}

/* One dispatcher per data_dir unless -m: data_dir/dispatcher.lock, which
 * then holds its pid (for logrotate's SIGUSR1). */
static int
main_lock(const char *data_dir, int quiet)
{
	char path[4096], pid[24];
	int fd, n;

	snprintf(path, sizeof(path), "%s/dispatcher.lock", data_dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		log_warn("%s", path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK && quiet)
			exit(0);
		log_warnx("another dq-dispatcher is running on %s", data_dir);
		return -1;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || write(fd, pid, (size_t)n) != n)
		log_warn("%s", path);
	return fd;		/* held until exit */
}

static int
main_setup(struct disp *d, struct dq_conf *c)
{
	char err[512];

	memset(d, 0, sizeof(*d));
	d->conf = c;
	d->wake_fd = -1;
	d->policy.retry_base_ms = c->retry_base_ms;
	d->policy.retry_cap_ms = c->retry_cap_ms;
	d->lease.pid = (uint32_t)getpid();
	d->lease.margin_ms = DISP_LEASE_MARGIN_MS;
	if (ids_random(&d->lease.owner, sizeof(d->lease.owner)) == -1)
		d->lease.owner = (int64_t)getpid() << 32 | (dqtime_now_ms() & 0xffffffff);
	children_start(d);		/* before this process opens the store */
	if (store_open(&d->st, c, STORE_LAZY, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	d->acct_cap = (int)(c->max_parallel_per_account > 0 ?
	    c->max_parallel_per_account : c->max_parallel / 4);
	if (d->acct_cap > c->max_parallel)
		d->acct_cap = (int)c->max_parallel;
	if (d->acct_cap < 1)
		d->acct_cap = 1;
	if ((d->queues = qset_new()) == NULL ||
	    (d->multi = main_multi = curl_multi_init()) == NULL) {
		log_warnx("out of memory");
		return -1;
	}
	/* Idle connections kept for reuse: each costs memory and a descriptor
	 * (about 25 kB here), and more than this many idle at once are rarely
	 * all wanted again soon; those past it are closed. */
	curl_multi_setopt(d->multi, CURLMOPT_MAXCONNECTS, (long)(c->max_parallel <
	    DISP_MAX_IDLE_CONNECTIONS ? c->max_parallel : DISP_MAX_IDLE_CONNECTIONS));
	metrics_open(c->data_dir);
	shm_epoch_open(c->data_dir);
	/* What an earlier dispatcher published is not known to this one. */
	if (wakeup_map_open(c->data_dir) == 0)
		wakeup_publish_reset();
	if ((d->wake_fd = wakeup_bind(c->wakeup_socket)) == -1)
		log_warnx("no wake-up socket: new jobs are found by rescans only");
	return 0;
}

static void
main_loop(struct disp *d)
{
	struct curl_waitfd wfd;
	int64_t timeout, stop_at = 0;
	int still;

	for (;;) {
		if (stop_requested && !d->stopping) {
			d->stopping = 1;
			stop_at = dqtime_mono_ms() + (d->conf->delivery_timeout_ms <
			    STOP_GRACE_MAX_MS ? d->conf->delivery_timeout_ms :
			    STOP_GRACE_MAX_MS);
			log_info("stopping: %d transfers in flight", d->running);
		}
		if (d->stopping && (d->running == 0 || dqtime_mono_ms() >= stop_at))
			break;
		alarm(LOOP_WATCHDOG_S);
		timeout = disp_tick(d, dqtime_now_ms());
		if (d->stopping && timeout > 100)
			timeout = 100;
		wfd.fd = d->wake_fd;
		wfd.events = CURL_WAIT_POLLIN;
		wfd.revents = 0;
		curl_multi_poll(d->multi, &wfd, d->wake_fd == -1 ? 0 : 1,
		    (int)(timeout > 60000 ? 60000 : timeout), NULL);
		curl_multi_perform(d->multi, &still);
		xfer_reap(d);
		alarm(0);
	}
	if (d->running > 0)
		log_warnx("%d transfers still in flight at exit; they will be "
		    "delivered again", d->running);
	store_sync(d->st);
	disp_summary(d, dqtime_now_ms());
}

int
main(int argc, char **argv)
{
	struct dq_conf c;
	struct disp d;
	const char *path = NULL, *logpath = NULL;
	int rc, ch, check = 0, multi = 0, quiet = 0, use_syslog = 0;

	while ((ch = getopt(argc, argv, "c:hl:mnqsV")) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'l': logpath = optarg; break;
		case 'm': multi = 1; break;
		case 'n': check = 1; break;
		case 'q': quiet = 1; break;
		case 's': use_syslog = 1; break;
		case 'V': printf("dq-dispatcher %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	log_init("dq-dispatcher", use_syslog);
	if (logpath != NULL && !check && log_file(logpath) == -1) {
		fprintf(stderr, "dq-dispatcher: %s: %s\n", logpath, strerror(errno));
		return 1;
	}
	if ((rc = conf_start(&c, "dq-dispatcher", path, check)) != 0)
		return rc == 1 ? 0 : 1;
	if (!multi && main_lock(c.data_dir, quiet) == -1)
		return 1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	sig_daemon(on_stop, on_alarm);
	if (main_setup(&d, &c) == -1)
		return 1;
	store_set_watchdog_ms(STORE_WATCHDOG_S * 1000);
	log_info("dispatching from %s (max_parallel %lld, %d per account)",
	    c.data_dir, (long long)c.max_parallel, d.acct_cap);
	main_loop(&d);
	children_stop(&d);
	xfer_trim(&d, 0);
	curl_multi_cleanup(d.multi);
	qset_free(d.queues);
	store_close(d.st);
	curl_global_cleanup();
	conf_free(&c);
	log_info("stopped");
	return 0;
}
