/*
 * The janitor: a child process that looks after the store's locks and
 * never waits for one.  Berkeley DB ends a lock wait that is past its
 * timeout only when some process runs the lock detector, and releases the
 * locks of a process that died in the store only when some process runs
 * failchk.  Every writer may be waiting for the store's writer lock
 * (store.c), so the process that does both must hold no locks itself: the
 * janitor, ten times a second for timeouts and once a second for the dead.
 * dq-dispatcher and dq-fcgi's master each keep one (two do no harm), so a
 * writer that dies holding the writer lock is cleared within a second or
 * so whichever of them runs.  It leaves when its parent does.
 */
#include "config.h"

#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <signal.h>
#include <unistd.h>

#include "dqtime.h"
#include "log.h"
#include "sig.h"
#include "store.h"

#define JANITOR_EXPIRE_MS	100
#define JANITOR_FAILCHK_EVERY	10	/* expiry rounds per failchk */
#define JANITOR_WATCHDOG_S	60	/* a round this long is stuck: exit */

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

void
store_janitor_run(const struct dq_conf *c, pid_t parent)
{
	struct store *st;
	char err[512];
	unsigned n;
	int use_syslog;

	sig_daemon(janitor_on_term, SIG_DFL);
#ifdef __linux__
	(void)prctl(PR_SET_NAME, "dq-janitor");	/* ps -o comm, top */
	/*
	 * A parent that dies unannounced leaves its own locks for the next
	 * failchk anyway; the janitor, perhaps waiting inside the store on one
	 * of them, would not see a SIGTERM: it goes at once.
	 */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
	if (getppid() != parent)
		_exit(0);
	/* syslog's socket is one of them: closed first, opened again after */
	use_syslog = log_close();
	janitor_close_fds();
	log_init("dq-janitor", use_syslog);
	if (store_open(&st, c, STORE_LAZY | STORE_ENV_ONLY, err, sizeof(err)) == -1) {
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
