/*
 * Signal handling shared by dq's long-running processes.
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sig.h"

static volatile pid_t	sig_relay[SIG_RELAY_MAX];

void
sig_relay_usr1(int slot, pid_t pid)
{
	if (slot >= 0 && slot < SIG_RELAY_MAX)
		sig_relay[slot] = pid;
}

void
sig_relay_clear(void)
{
	int i;

	for (i = 0; i < SIG_RELAY_MAX; i++)
		sig_relay[i] = 0;
}

/* logrotate moved the file: open it again, and tell the children. */
static void
sig_on_usr1(int sig)
{
	int i;

	log_reopen();
	for (i = 0; i < SIG_RELAY_MAX; i++)
		if (sig_relay[i] > 0)
			(void)kill(sig_relay[i], SIGUSR1);
}

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
	sa.sa_handler = sig_on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
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
