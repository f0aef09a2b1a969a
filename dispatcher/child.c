/*
 * The dispatcher's helper processes: the store's janitor
 * (common/store/janitor.c), which looks after the store's locks, and the
 * housekeeper (housekeeper.c), which keeps the store tidy and writes its
 * pages out.  Each is a child (common/base/child.h) that opens its own
 * store and runs its loop for as long as the dispatcher lives.  The
 * dispatcher starts them before it opens the store itself, starts another
 * at the next tick whenever one has ended, relays SIGUSR1 (reopen the log
 * file) to them, and stops them when it stops.
 */
#include "config.h"

#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "dqtime.h"
#include "log.h"
#include "sig.h"
#include "disp.h"

#define CHILD_RESTART_MS	1000	/* between attempts to start one */
#define CHILD_STOP_STEP_MS	10
#define CHILD_STOP_STEPS	500	/* a stop waits this long (a checkpoint may be
					   writing), then kills */

static const struct {
	const char	*name;
	void		(*run)(const struct dq_conf *, pid_t parent);
} child_kinds[CHILD_COUNT] = {
	{ "janitor", store_janitor_run },
	{ "housekeeper", housekeeper_run },
};

static void
child_start(struct disp *d, int kind)
{
	pid_t parent = getpid(), pid;

	d->children[kind].retry_at = dqtime_mono_ms() + CHILD_RESTART_MS;
	if ((pid = fork()) == -1) {
		log_warn("%s: fork", child_kinds[kind].name);
		return;
	}
	if (pid == 0)
		child_kinds[kind].run(d->conf, parent);	/* does not return */
	d->children[kind].pid = pid;
	sig_relay_usr1(kind, pid);
}

void
children_start(struct disp *d)
{
	int i;

	for (i = 0; i < CHILD_COUNT; i++)
		child_start(d, i);
}

static void
child_watch(struct disp *d, int kind)
{
	struct disp_child *ch = &d->children[kind];
	pid_t r;
	int status;

	if (ch->pid > 0) {
		r = waitpid(ch->pid, &status, WNOHANG);
		if (r == 0 || (r == -1 && errno == EINTR))
			return;
		if (r == ch->pid)
			log_warnx("%s %ld ended (%s %d); starting another",
			    child_kinds[kind].name, (long)ch->pid,
			    WIFSIGNALED(status) ? "signal" : "status",
			    WIFSIGNALED(status) ? WTERMSIG(status) :
			    WEXITSTATUS(status));
		else
			log_warnx("%s %ld is gone; starting another",
			    child_kinds[kind].name, (long)ch->pid);
		ch->pid = 0;
		sig_relay_usr1(kind, 0);
	}
	if (dqtime_mono_ms() >= ch->retry_at)
		child_start(d, kind);
}

void
children_watch(struct disp *d)
{
	int i;

	for (i = 0; i < CHILD_COUNT; i++)
		child_watch(d, i);
}

/* SIGTERM; SIGKILL if it has not left in time (stuck inside the store, it
 * would not see the first). */
static void
child_stop(struct disp *d, int kind)
{
	struct disp_child *ch = &d->children[kind];
	int i;

	if (ch->pid <= 0)
		return;
	sig_relay_usr1(kind, 0);
	(void)kill(ch->pid, SIGTERM);
	for (i = 0; i < CHILD_STOP_STEPS; i++) {
		if (waitpid(ch->pid, NULL, WNOHANG) != 0)
			break;
		dqtime_sleep_ms(CHILD_STOP_STEP_MS);
	}
	if (i == CHILD_STOP_STEPS) {
		(void)kill(ch->pid, SIGKILL);
		while (waitpid(ch->pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
	ch->pid = 0;
}

void
children_stop(struct disp *d)
{
	int i;

	for (i = CHILD_COUNT - 1; i >= 0; i--)
		child_stop(d, i);
}
