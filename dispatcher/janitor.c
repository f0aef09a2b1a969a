/*
 * The janitor: a child of the dispatcher that looks after the store's locks
 * and never waits for one.  Berkeley DB ends a lock wait that is past its
 * timeout only when some process runs the lock detector, and releases the
 * locks of a process that died in the store only when some process runs
 * failchk.  Every writer, the dispatcher included, may be waiting for the
 * store's writer lock (common/store.c), so the process that does both must
 * hold no locks itself: the janitor, ten times a second for timeouts and
 * once a second for the dead.  The dispatcher starts it before opening the
 * store and starts another if it dies; it leaves when the dispatcher does.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sig.h"
#include "disp.h"

#define JANITOR_EXPIRE_MS	100
#define JANITOR_FAILCHK_EVERY	10	/* expiry rounds per failchk */
#define JANITOR_WATCHDOG_S	60	/* a round this long is stuck: exit */
#define JANITOR_STOP_TICKS	150	/* of 10 ms: how long a stop waits */

static volatile sig_atomic_t	janitor_stopping;

static void
janitor_on_term(int sig)
{
	janitor_stopping = 1;
}

static void
janitor_run(const struct dq_conf *c, pid_t parent)
{
	struct timespec pause = { 0, JANITOR_EXPIRE_MS * 1000000L };
	struct store *st;
	char err[512];
	int n;

	sig_daemon(janitor_on_term, SIG_DFL);
	(void)prctl(PR_SET_NAME, "dq-janitor");	/* ps -o comm, top */
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	/* the parent's descriptors (its store, sockets, lock file) stay its own */
	(void)close_range(3, ~0U, 0);
	if (getppid() != parent)
		_exit(0);
	if (store_open(&st, c, STORE_LAZY, err, sizeof(err)) == -1) {
		log_warnx("janitor: %s", err);
		_exit(1);
	}
	for (n = 0; !janitor_stopping && getppid() == parent; n++) {
		alarm(JANITOR_WATCHDOG_S);
		(void)store_expire_locks(st);
		if (n % JANITOR_FAILCHK_EVERY == 0)
			(void)store_failchk(st);
		alarm(0);
		nanosleep(&pause, NULL);
	}
	store_close(st);
	_exit(0);
}

void
janitor_start(struct disp *d)
{
	pid_t parent = getpid(), pid;

	if ((pid = fork()) == -1) {
		log_warn("janitor: fork");
		return;
	}
	if (pid == 0)
		janitor_run(d->conf, parent);
	d->janitor = pid;
}

void
janitor_watch(struct disp *d)
{
	int status;

	if (d->janitor > 0 && waitpid(d->janitor, &status, WNOHANG) == d->janitor) {
		log_warnx("janitor %ld ended (%s %d); starting another",
		    (long)d->janitor, WIFSIGNALED(status) ? "signal" : "status",
		    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		d->janitor = 0;
	}
	if (d->janitor == 0)
		janitor_start(d);
}

/* SIGTERM, and SIGKILL if it has not left within a second or so (stuck
 * inside the store, it would not see the first). */
void
janitor_stop(struct disp *d)
{
	struct timespec tick = { 0, 10 * 1000000L };
	int i;

	if (d->janitor <= 0)
		return;
	(void)kill(d->janitor, SIGTERM);
	for (i = 0; i < JANITOR_STOP_TICKS; i++) {
		if (waitpid(d->janitor, NULL, WNOHANG) != 0)
			break;
		nanosleep(&tick, NULL);
	}
	if (i == JANITOR_STOP_TICKS) {
		(void)kill(d->janitor, SIGKILL);
		while (waitpid(d->janitor, NULL, 0) == -1 && errno == EINTR)
			;
	}
	d->janitor = 0;
}
