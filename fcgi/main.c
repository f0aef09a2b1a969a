/*
 * dq-fcgi: the FastCGI server for dq's HTTP API.  Started with a listening
 * socket on fd 0 (Apache mod_fcgid, spawn-fcgi) it just serves; otherwise it
 * opens `listen` from the configuration and runs the pre-fork master.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "master.h"
#include "worker.h"

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: dq-fcgi [-nsV] [-c file] [-l file]\n"
	    "  -c file  configuration (default %s, or $DQ_CONF)\n"
	    "  -l file  log to this file (SIGUSR1 reopens it) instead of stderr\n"
	    "  -n       check the configuration and exit\n"
	    "  -s       log to syslog instead of stderr\n"
	    "  -V       print the version and exit\n", CONF_DEFAULT_PATH);
}

/* Is fd 0 a listening socket handed to us by a process manager? */
static int
stdin_is_listener(void)
{
	int v = 0;
	socklen_t len = sizeof(v);

	return getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 && v;
}

int
main(int argc, char **argv)
{
	struct dq_conf c;
	const char *path = NULL, *logpath = NULL;
	int rc, ch, check = 0, use_syslog = 0, fd;

	while ((ch = getopt(argc, argv, "c:hl:nsV")) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'l': logpath = optarg; break;
		case 'n': check = 1; break;
		case 's': use_syslog = 1; break;
		case 'V': printf("dq-fcgi %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	log_init("dq-fcgi", use_syslog);
	if (logpath != NULL && !check && log_file(logpath) == -1) {
		fprintf(stderr, "dq-fcgi: %s: %s\n", logpath, strerror(errno));
		return 1;
	}
	if ((rc = conf_start(&c, "dq-fcgi", path, check)) != 0)
		return rc == 1 ? 0 : 1;
	if (stdin_is_listener())
		return worker_run(0, &c) == 0 ? 0 : 1;
	if ((fd = master_listen(&c)) == -1)
		return 1;
	return master_run(fd, &c);
}
