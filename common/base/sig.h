/*
 * Signal handling shared by dq's long-running processes.
 */
#ifndef DQ_SIG_H
#define DQ_SIG_H

#include <stddef.h>

/*
 * SIGTERM and SIGINT call on_stop, SIGALRM calls on_alarm (SIG_DFL: the
 * process ends), SIGPIPE and SIGHUP are ignored, and SIGCHLD has its
 * default (a parent that ignored it would leave children unwaitable).
 * Without SA_RESTART, so that a blocking call (accept, poll) returns and
 * the loop sees the stop.
 */
void	sig_daemon(void (*on_stop)(int), void (*on_alarm)(int));
/* From a signal handler: write n bytes of msg to stderr, then _exit(status). */
void	sig_die(const char *msg, size_t n, int status) __attribute__((noreturn));

#endif
