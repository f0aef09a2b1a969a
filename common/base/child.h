/*
 * A helper process of a dq daemon, from the helper's side: a child that
 * runs one loop for as long as its parent lives (the store's janitor, the
 * dispatcher's housekeeper).  The parent forks, keeps the pid and stops it
 * with SIGTERM (dispatcher/child.c, fcgi/master.c).
 */
#ifndef DQ_CHILD_H
#define DQ_CHILD_H

#include <sys/types.h>

/*
 * Become the helper called name (ps -o comm), right after fork() from
 * parent: SIGTERM asks it to stop (child_running() turns 0), SIGALRM calls
 * on_alarm (SIG_DFL: the child ends), SIGUSR1 reopens the log file; it is
 * killed (SIGKILL) when the parent dies, and the parent's descriptors are
 * closed (syslog's opened again).  Returns only in a child whose parent
 * still lives.
 */
void	child_enter(const char *name, pid_t parent, void (*on_alarm)(int));
/* Go on?  (No SIGTERM came, and the parent lives.) */
int	child_running(void);

#endif
