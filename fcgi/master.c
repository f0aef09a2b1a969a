/*
 * Pre-fork process management, after kfcgi: the master only forks, reaps
 * and relays signals.  Workers of an older generation (before a SIGHUP) are
 * told to finish and are not replaced.  Besides the workers it keeps the
 * store's janitor (common/store/janitor.c) running, so that a process that
 * dies holding store locks is cleaned up after within a second even when
 * no dispatcher runs.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dqtime.h"
#include "log.h"
#include "master.h"
#include "store.h"
#include "worker.h"

#define MASTER_SLOTS		512
#define MASTER_STOP_GRACE_MS	30000
#define MASTER_BACKOFF_MAX_MS	10000

struct slot {
	pid_t	pid;
	int	gen;
	int64_t	started;
	int64_t	backoff;
	int64_t	respawn_at;	/* 0: not waiting */
};

static struct slot	slots[MASTER_SLOTS];
static int		cur_gen;
static pid_t		janitor_pid;
static int64_t		janitor_at;	/* when to start one (0: at once) */
static sigset_t		master_sigs, master_oldmask;

static int
listen_unix(const char *path, int mode)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("listen: path too long: %s", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1) {
		log_warn("socket");
		return -1;
	}
	(void)unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, (mode_t)mode) == -1 || listen(fd, 1024) == -1) {
		log_warn("listen on %s", path);
		close(fd);
		return -1;
	}
	return fd;
}

static int
listen_tcp(const char *hostport)
{
	struct addrinfo hints, *res = NULL;
	char host[256];
	const char *colon = strrchr(hostport, ':');
	int fd = -1, one = 1;
	size_t hl;

	if (colon == NULL || (hl = (size_t)(colon - hostport)) >= sizeof(host)) {
		log_warnx("listen: want unix:PATH or HOST:PORT, got %s", hostport);
		return -1;
	}
	memcpy(host, hostport, hl);
	host[hl] = '\0';
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if (getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &res) != 0) {
		log_warnx("listen: cannot resolve %s", hostport);
		return -1;
	}
	if ((fd = socket(res->ai_family, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) == -1 || listen(fd, 1024) == -1) {
		log_warn("listen on %s", hostport);
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

int
master_listen(const struct dq_conf *c)
{
	/* "listen none" suits a process manager that passes the socket on fd 0. */
	if (c->listen == NULL) {
		log_warnx("listen is none: want unix:PATH or HOST:PORT");
		return -1;
	}
	if (strncmp(c->listen, "unix:", 5) == 0)
		return listen_unix(c->listen + 5, (int)c->socket_mode);
	return listen_tcp(c->listen);
}

static void
master_spawn(struct slot *s, int fd, const struct dq_conf *c)
{
	pid_t pid = fork();

	if (pid == -1) {
		log_warn("fork");
		s->respawn_at = dqtime_mono_ms() + 1000;
		return;
	}
	if (pid == 0) {
#ifdef __linux__
		/* A worker outlives its master only to finish its request. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
		/* a SIGUSR1 for it before its handler is set must not kill it */
		signal(SIGUSR1, SIG_IGN);
		sigprocmask(SIG_SETMASK, &master_oldmask, NULL);
		_exit(worker_run(fd, c) == 0 ? 0 : 1);
	}
	s->pid = pid;
	s->gen = cur_gen;
	s->started = dqtime_mono_ms();
	s->respawn_at = 0;
}

#define MASTER_JANITOR_RETRY_MS	1000

static void
master_janitor(const struct dq_conf *c)
{
	pid_t parent = getpid(), pid;

	if (janitor_pid != 0 || dqtime_mono_ms() < janitor_at)
		return;
	janitor_at = dqtime_mono_ms() + MASTER_JANITOR_RETRY_MS;
	if ((pid = fork()) == -1) {
		log_warn("janitor: fork");
		return;
	}
	if (pid == 0) {
		signal(SIGUSR1, SIG_IGN);	/* as a worker's, until it is set */
		sigprocmask(SIG_SETMASK, &master_oldmask, NULL);
		store_janitor_run(c, parent);
	}
	janitor_pid = pid;
}

/* Fill the first `workers` slots of the current generation. */
static void
master_fill(int fd, const struct dq_conf *c)
{
	int64_t now = dqtime_mono_ms();
	int i;

	for (i = 0; i < c->workers && i < MASTER_SLOTS; i++) {
		if (slots[i].pid == 0 && slots[i].respawn_at <= now)
			master_spawn(&slots[i], fd, c);
	}
}

/* Workers of an old generation move out of the first slots. */
static void
master_retire(void)
{
	int i, j;

	for (i = 0; i < MASTER_SLOTS / 2; i++) {
		if (slots[i].pid == 0)
			continue;
		kill(slots[i].pid, SIGTERM);
		for (j = MASTER_SLOTS / 2; j < MASTER_SLOTS; j++) {
			if (slots[j].pid == 0) {
				slots[j] = slots[i];
				break;
			}
		}
		memset(&slots[i], 0, sizeof(slots[i]));
	}
}

static void
master_reap(int stopping)
{
	int64_t now = dqtime_mono_ms();
	struct slot *s;
	pid_t pid;
	int status, i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == janitor_pid) {
			if (!stopping)
				log_warnx("janitor %ld ended (%s %d); starting another",
				    (long)pid, WIFSIGNALED(status) ? "signal" : "status",
				    WIFSIGNALED(status) ? WTERMSIG(status) :
				    WEXITSTATUS(status));
			janitor_pid = 0;
			continue;
		}
		for (i = 0; i < MASTER_SLOTS && slots[i].pid != pid; i++)
			;
		if (i == MASTER_SLOTS)
			continue;
		s = &slots[i];
		s->pid = 0;
		if (stopping || s->gen != cur_gen || i >= MASTER_SLOTS / 2)
			continue;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			log_warnx("worker %ld %s %d; restarting", (long)pid,
			    WIFSIGNALED(status) ? "killed by signal" : "exited with",
			    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		/*
		 * A killed worker is replaced at once: the replacement's open
		 * of the store is what releases the dead one's locks.  One that
		 * fails young by itself (bad configuration, no store) is
		 * restarted ever more slowly.
		 */
		if (WIFSIGNALED(status) && now - s->started >= 100)
			s->backoff = 0;
		else
			s->backoff = now - s->started < 2000 ?
			    (s->backoff ? s->backoff * 2 : 100) : 0;
		if (s->backoff > MASTER_BACKOFF_MAX_MS)
			s->backoff = MASTER_BACKOFF_MAX_MS;
		s->respawn_at = now + s->backoff;
	}
}

static int
master_alive(void)
{
	int i, n = janitor_pid != 0;

	for (i = 0; i < MASTER_SLOTS; i++)
		n += slots[i].pid != 0;
	return n;
}

static void
master_stop(void)
{
	int64_t deadline = dqtime_mono_ms() + MASTER_STOP_GRACE_MS;
	struct timespec ts = { 0, 100 * 1000000 };
	int i;

	for (i = 0; i < MASTER_SLOTS; i++)
		if (slots[i].pid != 0)
			kill(slots[i].pid, SIGTERM);
	if (janitor_pid != 0)
		kill(janitor_pid, SIGTERM);
	while (master_alive() > 0 && dqtime_mono_ms() < deadline) {
		sigtimedwait(&master_sigs, NULL, &ts);
		master_reap(1);
	}
	for (i = 0; i < MASTER_SLOTS; i++)
		if (slots[i].pid != 0)
			kill(slots[i].pid, SIGKILL);
	if (janitor_pid != 0)
		kill(janitor_pid, SIGKILL);
	while (master_alive() > 0 && waitpid(-1, NULL, 0) > 0)
		master_reap(1);
}

static void
master_reload(struct dq_conf *c)
{
	struct dq_conf nc;
	char err[512];

	if (conf_load(&nc, c->path, err, sizeof(err)) == -1) {
		log_warnx("reload: %s; keeping the running configuration", err);
		return;
	}
	if (strcmp(nc.listen, c->listen) != 0)
		log_warnx("reload: listen changed; restart dq-fcgi to apply it");
	conf_free(c);
	*c = nc;
	log_set_level((enum log_level)c->log_level);
	master_retire();
	cur_gen++;
	log_info("reloaded %s; replacing workers", c->path ? c->path : "defaults");
}

/* logrotate moved the log file: open it again, and so do the workers and
 * the janitor. */
static void
master_reopen_logs(void)
{
	int i;

	log_reopen();
	for (i = 0; i < MASTER_SLOTS; i++)
		if (slots[i].pid != 0)
			(void)kill(slots[i].pid, SIGUSR1);
	if (janitor_pid != 0)
		(void)kill(janitor_pid, SIGUSR1);
}

static int64_t
master_next_wait(const struct dq_conf *c)
{
	int64_t now = dqtime_mono_ms(), wait = 1000;
	int i;

	for (i = 0; i < c->workers && i < MASTER_SLOTS; i++)
		if (slots[i].pid == 0 && slots[i].respawn_at - now < wait)
			wait = slots[i].respawn_at - now;
	if (janitor_pid == 0 && janitor_at - now < wait)
		wait = janitor_at - now;
	return wait < 0 ? 0 : wait;
}

int
master_run(int fd, struct dq_conf *c)
{
	struct timespec ts;
	int64_t wait;
	int sig;

	sigemptyset(&master_sigs);
	sigaddset(&master_sigs, SIGCHLD);
	sigaddset(&master_sigs, SIGTERM);
	sigaddset(&master_sigs, SIGINT);
	sigaddset(&master_sigs, SIGHUP);
	sigaddset(&master_sigs, SIGUSR1);
	sigprocmask(SIG_BLOCK, &master_sigs, &master_oldmask);
	log_info("listening on %s with %lld workers", c->listen, (long long)c->workers);
	for (;;) {
		master_janitor(c);
		master_fill(fd, c);
		wait = master_next_wait(c);
		ts.tv_sec = wait / 1000;
		ts.tv_nsec = (wait % 1000) * 1000000;
		sig = sigtimedwait(&master_sigs, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig == SIGHUP)
			master_reload(c);
		if (sig == SIGUSR1)
			master_reopen_logs();
		master_reap(0);
	}
	log_info("stopping: finishing requests in flight");
	master_stop();
	if (strncmp(c->listen, "unix:", 5) == 0)
		(void)unlink(c->listen + 5);
	return 0;
}
