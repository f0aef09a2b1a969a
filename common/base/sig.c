/*
 * Signal handling shared by dq's long-running processes.
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "sig.h"

void
sig_daemon(void (*on_stop)(int), void (*on_alarm)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
}

void
sig_die(const char *msg, size_t n, int status)
{
	/* async-signal-safe; nothing is left to do if stderr is gone */
	if (write(STDERR_FILENO, msg, n) < 0)
		_exit(status);
	_exit(status);
}
