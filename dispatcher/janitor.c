/*
 * The dispatcher's janitor (common/store/janitor.c: the child that ends
 * expired lock waits and cleans up after processes that died in the store,
 * holding no locks itself).  The dispatcher starts it before opening the
 * store and, at the start of every tick, starts another if it has ended;
 * it leaves when the dispatcher does.
 */
#include "config.h"

#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "dqtime.h"
#include "log.h"
#include "disp.h"

#define JANITOR_RESTART_MS	1000	/* between attempts to start one */
#define JANITOR_STOP_STEP_MS	10
#define JANITOR_STOP_STEPS	150	/* a stop waits this long, then kills */

void
janitor_start(struct disp *d)
{
	pid_t parent = getpid(), pid;

	d->janitor_retry_at = dqtime_mono_ms() + JANITOR_RESTART_MS;
	if ((pid = fork()) == -1) {
		log_warn("janitor: fork");
		return;
	}
	if (pid == 0)
		store_janitor_run(d->conf, parent);
	d->janitor = pid;
}

void
janitor_watch(struct disp *d)
{
	pid_t r;
	int status;

	if (d->janitor > 0) {
		r = waitpid(d->janitor, &status, WNOHANG);
		if (r == 0 || (r == -1 && errno == EINTR))
			return;
		if (r == d->janitor)
			log_warnx("janitor %ld ended (%s %d); starting another",
			    (long)d->janitor,
			    WIFSIGNALED(status) ? "signal" : "status",
			    WIFSIGNALED(status) ? WTERMSIG(status) :
			    WEXITSTATUS(status));
		else
			log_warnx("janitor %ld is gone; starting another",
			    (long)d->janitor);
		d->janitor = 0;
	}
	if (dqtime_mono_ms() >= d->janitor_retry_at)
		janitor_start(d);
}

/* SIGTERM; SIGKILL if it has not left in time (stuck inside the store, it
 * would not see the first). */
void
janitor_stop(struct disp *d)
{
	int i;

	if (d->janitor <= 0)
		return;
	(void)kill(d->janitor, SIGTERM);
	for (i = 0; i < JANITOR_STOP_STEPS; i++) {
		if (waitpid(d->janitor, NULL, WNOHANG) != 0)
			break;
		dqtime_sleep_ms(JANITOR_STOP_STEP_MS);
	}
	if (i == JANITOR_STOP_STEPS) {
		(void)kill(d->janitor, SIGKILL);
		while (waitpid(d->janitor, NULL, 0) == -1 && errno == EINTR)
			;
	}
	d->janitor = 0;
}
