/*
 * Setting up a helper child of a dq daemon (child.h): its signals, its
 * name, its death with the parent, and descriptors of its own.
 */
#include "config.h"

#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <signal.h>
#include <unistd.h>

#include "child.h"
#include "log.h"
#include "sig.h"

static volatile sig_atomic_t	child_stopping;
static pid_t			child_parent;

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

void
child_enter(const char *name, pid_t parent, void (*on_alarm)(int))
{
	int use_syslog;

	child_parent = parent;
	sig_relay_clear();	/* its siblings are the parent's to signal */
	sig_daemon(child_on_term, on_alarm);
#ifdef __linux__
	(void)prctl(PR_SET_NAME, name);
	/*
	 * A parent that dies unannounced leaves its own locks for the next
	 * failchk anyway; a child, perhaps waiting inside the store on one of
	 * them, would not see a SIGTERM: it goes at once.
	 */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
	if (getppid() != parent)
		_exit(0);
	/* syslog's socket is one of them: closed first, opened again after */
	use_syslog = log_close();
	child_close_fds();
	log_init(name, use_syslog);
}
