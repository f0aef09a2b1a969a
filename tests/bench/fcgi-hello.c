/*
 * The FastCGI baseline of tests/bench: the least a libfcgi responder can do
 * per request (read the parameters and the body, answer a small JSON
 * document) with dq-fcgi's process model, N pre-forked workers accepting on
 * one unix socket.  What dq-fcgi costs beyond this is dq's own.
 *
 * usage: fcgi-hello SOCKET_PATH WORKERS
 * SIGTERM or SIGINT stops the workers and removes the socket.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgiapp.h>

#define HELLO_MAX_WORKERS	64

static const char hello_answer[] =
    "Status: 200 OK\r\n"
    "Content-Type: application/json\r\n"
    "\r\n"
    "{\"ok\":true}\n";

static int
hello_serve(int fd)
{
	FCGX_Request fr;
	char buf[4096];

	if (FCGX_Init() != 0 || FCGX_InitRequest(&fr, fd, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&fr) >= 0) {
		while (FCGX_GetStr(buf, sizeof(buf), fr.in) > 0)
			;
		FCGX_PutStr(hello_answer, (int)sizeof(hello_answer) - 1, fr.out);
		FCGX_Finish_r(&fr);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	pid_t pids[HELLO_MAX_WORKERS];
	sigset_t stop;
	char *end;
	long n;
	int fd, i, sig;

	if (argc != 3 || (n = strtol(argv[2], &end, 10)) < 1 ||
	    n > HELLO_MAX_WORKERS || *end != '\0') {
		fprintf(stderr, "usage: fcgi-hello SOCKET_PATH WORKERS (1-%d)\n",
		    HELLO_MAX_WORKERS);
		return 2;
	}
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	unlink(argv[1]);
	if ((fd = FCGX_OpenSocket(argv[1], 1024)) < 0 || chmod(argv[1], 0666) == -1) {
		perror(argv[1]);
		return 1;
	}
	for (i = 0; i < n; i++) {
		if ((pids[i] = fork()) == -1) {
			perror("fork");
			n = i;
			break;
		}
		if (pids[i] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			sigprocmask(SIG_UNBLOCK, &stop, NULL);
			_exit(hello_serve(fd));
		}
	}
	sigwait(&stop, &sig);
	for (i = 0; i < n; i++)
		kill(pids[i], SIGTERM);
	for (i = 0; i < n; i++)
		waitpid(pids[i], NULL, 0);
	unlink(argv[1]);
	return 0;
}
