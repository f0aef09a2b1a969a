/*
 * The janitor: a child of the dispatcher (child.c) that looks after the
 * store's locks and never waits for one.  Berkeley DB ends a lock wait that
 * is past its timeout only when some process runs the lock detector, and
 * releases the locks of a process that died in the store only when some
 * process runs failchk.  Every writer, the dispatcher and the housekeeper
 * included, may be waiting for the store's writer lock
 * (common/store/store.c), so the process that does both must hold no locks
 * itself: the janitor, ten times a second for timeouts and once a second
 * for the dead.
 */
#include "config.h"

#include <unistd.h>

#include "dqtime.h"
#include "log.h"
#include "disp.h"

#define JANITOR_EXPIRE_MS	100
#define JANITOR_FAILCHK_EVERY	10	/* expiry rounds per failchk */
#define JANITOR_WATCHDOG_S	60	/* a round this long is stuck: exit */

void
janitor_run(const struct dq_conf *c)
{
	struct store *st;
	char err[512];
	unsigned n;

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
}
