/*
 * The janitor: a child process that looks after the store's locks and
 * never waits for one.  Berkeley DB ends a lock wait that is past its
 * timeout only when some process runs the lock detector, and releases the
 * locks of a process that died in the store only when some process runs
 * failchk.  Every writer may be waiting for the store's writer lock
 * (store.c), so the process that does both must hold no locks itself: the
 * janitor, ten times a second for timeouts and once a second for the dead.
 * dq-dispatcher (dispatcher/child.c, beside its housekeeper) and dq-fcgi's
 * master each keep one (two do no harm), so a writer that dies holding the
 * writer lock is cleared within a second or so whichever of them runs.  It
 * leaves when its parent does.
 */
#include "config.h"

#include <signal.h>
#include <unistd.h>

#include "child.h"
#include "dqtime.h"
#include "log.h"
#include "store.h"

#define JANITOR_EXPIRE_MS	100
#define JANITOR_FAILCHK_EVERY	10	/* expiry rounds per failchk */
#define JANITOR_WATCHDOG_S	60	/* a round this long is stuck: exit */

void
store_janitor_run(const struct dq_conf *c, pid_t parent)
{
	struct store *st;
	char err[512];
	unsigned n;

	/* SIGALRM kills: the janitor makes no transactions to give up */
	child_enter("dq-janitor", parent, SIG_DFL);
	if (store_open(&st, c, STORE_LAZY, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		_exit(1);
	}
	for (n = 0; child_running(); n++) {
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
