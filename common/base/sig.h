/*
 * Signal handling shared by dq's long-running processes.
 */
#ifndef DQ_SIG_H
#define DQ_SIG_H

#include <stddef.h>
#include <sys/types.h>

/*
 * SIGTERM and SIGINT call on_stop, SIGALRM calls on_alarm (SIG_DFL: the
 * process ends), SIGUSR1 reopens the log file (log_file(); then passes the
 * signal on, see sig_relay_usr1), SIGPIPE and SIGHUP are ignored, and
 * SIGCHLD has its default (a parent that ignored it would leave children
 * unwaitable).  Without SA_RESTART, so that a blocking call (accept, poll)
 * returns and the loop sees the stop.
 */
void	sig_daemon(void (*on_stop)(int), void (*on_alarm)(int));
/* From a signal handler: write n bytes of msg to stderr, then _exit(status). */
void	sig_die(const char *msg, size_t n, int status) __attribute__((noreturn));

/* A process's children that reopen their log file when it does: slot i
 * (0 to SIG_RELAY_MAX - 1) is pid, or nobody (0).  A child clears them all
 * (sig_relay_clear) before it installs its own handlers. */
#define SIG_RELAY_MAX	4
void	sig_relay_usr1(int slot, pid_t pid);
void	sig_relay_clear(void);

#endif
