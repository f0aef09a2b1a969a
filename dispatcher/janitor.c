/*
 * The janitor: a child of the dispatcher that looks after the store's locks
 * and never waits for one.  Berkeley DB ends a lock wait that is past its
 * timeout only when some process runs the lock detector, and releases the
 * locks of a process that died in the store only when some process runs
 * failchk.  Every writer, the dispatcher included, may be waiting for the
 * store's writer lock (common/store/store.c), so the process that does both must
 * hold no locks itself: the janitor, ten times a second for timeouts and
 * once a second for the dead.  The dispatcher starts it before opening the
 * store and, at the start of every tick, starts another if it has ended;
 * it leaves when the dispatcher does.
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

#define JANITOR_EXPIRE_MS	100
#define JANITOR_FAILCHK_EVERY	10	/* expiry rounds per failchk */
#define JANITOR_WATCHDOG_S	60	/* a round this long is stuck: exit */
#define JANITOR_RESTART_MS	1000	/* between attempts to start one */
#define JANITOR_STOP_STEP_MS	10
#define JANITOR_STOP_STEPS	150	/* a stop waits this long, then kills */

static volatile sig_atomic_t	janitor_stopping;

static void
janitor_on_term(int sig)
{
	janitor_stopping = 1;
}

/* The parent's descriptors (its store, sockets, lock file) are its own. */
static void
janitor_close_fds(void)
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
janitor_run(const struct dq_conf *c, pid_t parent)
{
	struct store *st;
	char err[512];
	unsigned n;
	int use_syslog;

	sig_daemon(janitor_on_term, SIG_DFL);
#ifdef __linux__
	(void)prctl(PR_SET_NAME, "dq-janitor");	/* ps -o comm, top */
	/*
	 * A dispatcher that dies unannounced leaves its own locks for the
	 * next one's failchk anyway; the janitor, perhaps waiting inside the
	 * store on one of them, would not see a SIGTERM: it goes at once.
	 */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
	if (getppid() != parent)
		_exit(0);
	/* syslog's socket is one of them: closed first, opened again after */
	use_syslog = log_close();
	janitor_close_fds();
	log_init("dq-janitor", use_syslog);
	if (store_open(&st, c, STORE_LAZY, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		_exit(1);
	}
	for (n = 0; !janitor_stopping && getppid() == parent; n++) {
		alarm(JANITOR_WATCHDOG_S);
		(void)store_expire_locks(st);
		if (n % JANITOR_FAILCHK_EVERY == 0)
			(void)store_failchk(st);
		alarm(0);
		dqtime_sleep_ms(JANITOR_EXPIRE_MS);
	}
	store_close(st);
	_exit(0);
}

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
		janitor_run(d->conf, parent);
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
