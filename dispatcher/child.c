/*
 * The dispatcher's helper processes: the janitor (janitor.c), which looks
 * after the store's locks, and the housekeeper (housekeeper.c), which keeps
 * the store tidy and writes its pages out.  Each is a child that opens its
 * own store and runs its loop for as long as the dispatcher lives.  The
 * dispatcher starts them before it opens the store itself, starts another
 * at the next tick whenever one has ended, relays SIGUSR1 (reopen the log
 * file) to them, and stops them when it stops.
 */
#include "config.h"

#ifdef __linux__
#include <sys/prctl.h>
#endif
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

static volatile sig_atomic_t	child_stopping;
static pid_t			child_parent;

static const struct {
	const char	*name;
	void		(*run)(const struct dq_conf *);
} child_kinds[CHILD_COUNT] = {
	{ "dq-janitor", janitor_run },
	{ "dq-housekeeper", housekeeper_run },
};

static void
child_on_term(int sig)
{
	child_stopping = 1;
}

int
child_running(void)
{
	return !child_stopping && getppid() == child_parent;
}

/* The parent's descriptors (its store, sockets, lock file) are its own. */
static void
child_close_fds(void)
{
	long fd, max = sysconf(_SC_OPEN_MAX);

#ifdef HAVE_CLOSE_RANGE
	if (close_range(3, ~0U, 0) == 0)
		return;
#endif
	if (max <= 0 || max > 65536)
		max = 65536;
	for (fd = 3; fd < max; fd++)
		(void)close((int)fd);
}

static void
child_enter(int kind, const struct dq_conf *c, pid_t parent)
{
	int use_syslog;

	child_parent = parent;
	sig_relay_clear();	/* its siblings are the dispatcher's to signal */
	/* SIGALRM kills: a child's watchdog needs no handler */
	sig_daemon(child_on_term, SIG_DFL);
#ifdef __linux__
	(void)prctl(PR_SET_NAME, child_kinds[kind].name);	/* ps -o comm */
	/*
	 * A dispatcher that dies unannounced leaves its own locks for the
	 * next one's failchk anyway; a child, perhaps waiting inside the store
	 * on one of them, would not see a SIGTERM: it goes at once.
	 */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
	if (getppid() != parent)
		_exit(0);
	/* syslog's socket is one of them: closed first, opened again after */
	use_syslog = log_close();
	child_close_fds();
	log_init(child_kinds[kind].name, use_syslog);
	child_kinds[kind].run(c);
	_exit(0);
}

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
		child_enter(kind, d->conf, parent);
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
			    child_kinds[kind].name + 3, (long)ch->pid,
			    WIFSIGNALED(status) ? "signal" : "status",
			    WIFSIGNALED(status) ? WTERMSIG(status) :
			    WEXITSTATUS(status));
		else
			log_warnx("%s %ld is gone; starting another",
			    child_kinds[kind].name + 3, (long)ch->pid);
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
