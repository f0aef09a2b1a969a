/*
 * The peer benchmark's client: CONNS connections to a beanstalkd, each
 * sending `put` commands with distinct BYTES-byte bodies one after the other
 * for SECONDS, in one poll() loop.  Prints one line:
 *
 *   puts=N seconds=S rps=R p50_ms=X p99_ms=Y errors=E
 *
 * usage: beanstalk-put HOST PORT CONNS SECONDS BYTES
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BP_MAX_CONNS	1024
#define BP_MAX_BYTES	65536
#define BP_BUCKET_US	10		/* latency histogram: 10 us buckets */
#define BP_BUCKETS	200000		/* up to 2 s; slower puts count as 2 s */

struct bp_conn {
	int	fd;
	int64_t	sent_us;
	size_t	got;
	char	in[256];
};

static uint32_t	bp_hist[BP_BUCKETS];
static char	bp_msg[BP_MAX_BYTES + 64];

static int64_t
bp_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long
bp_arg(const char *s, long min, long max)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "beanstalk-put: bad number %s\n", s);
		exit(2);
	}
	return v;
}

/* One put with a distinct body: the counter, padded to bytes with 'x'. */
static int
bp_put(struct bp_conn *c, long bytes, unsigned long seq)
{
	int hl = snprintf(bp_msg, sizeof(bp_msg), "put 0 0 60 %ld\r\n", bytes);
	char *body = bp_msg + hl;
	int sl = snprintf(body, (size_t)bytes + 1, "%lu ", seq);
	size_t len = (size_t)hl + (size_t)bytes + 2;

	memset(body + sl, 'x', (size_t)(bytes - sl));
	memcpy(body + bytes, "\r\n", 2);
	c->sent_us = bp_now_us();
	c->got = 0;
	return write(c->fd, bp_msg, len) == (ssize_t)len ? 0 : -1;
}

static int
bp_connect(const char *host, long port)
{
	struct sockaddr_in sin;
	int fd, one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1 ||
	    (fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static double
bp_percentile(uint64_t total, double p)
{
	uint64_t want = (uint64_t)(total * p / 100.0), seen = 0;
	int i;

	for (i = 0; i < BP_BUCKETS; i++)
		if ((seen += bp_hist[i]) > want)
			break;
	return (i + 1) * BP_BUCKET_US / 1000.0;
}

/* A reply arrived on c: 0 when it was a whole INSERTED line, 1 partial, -1 error. */
static int
bp_read(struct bp_conn *c)
{
	ssize_t n = read(c->fd, c->in + c->got, sizeof(c->in) - 1 - c->got);

	if (n <= 0)
		return -1;
	c->got += (size_t)n;
	c->in[c->got] = '\0';
	if (strstr(c->in, "\r\n") == NULL)
		return c->got < sizeof(c->in) - 1 ? 1 : -1;
	return strncmp(c->in, "INSERTED ", 9) == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	static struct bp_conn conns[BP_MAX_CONNS];
	static struct pollfd pfd[BP_MAX_CONNS];
	unsigned long seq = 0;
	uint64_t puts = 0, errors = 0;
	int64_t start, end, now, us;
	long port, nconn, secs, bytes, i;
	int r;

	if (argc != 6) {
		fprintf(stderr, "usage: beanstalk-put HOST PORT CONNS SECONDS BYTES\n");
		return 2;
	}
	port = bp_arg(argv[2], 1, 65535);
	nconn = bp_arg(argv[3], 1, BP_MAX_CONNS);
	secs = bp_arg(argv[4], 1, 3600);
	bytes = bp_arg(argv[5], 24, BP_MAX_BYTES);
	for (i = 0; i < nconn; i++) {
		if ((conns[i].fd = bp_connect(argv[1], port)) == -1) {
			perror("beanstalk-put: connect");
			return 1;
		}
		pfd[i].fd = conns[i].fd;
		pfd[i].events = POLLIN;
	}
	start = bp_now_us();
	end = start + secs * 1000000;
	for (i = 0; i < nconn; i++)
		if (bp_put(&conns[i], bytes, seq++) == -1)
			return 1;
	while ((now = bp_now_us()) < end) {
		if (poll(pfd, (nfds_t)nconn, 100) == -1 && errno != EINTR)
			return 1;
		for (i = 0; i < nconn; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLERR | POLLHUP)))
				continue;
			if ((r = bp_read(&conns[i])) == 1)
				continue;
			now = bp_now_us();
			if (r == -1) {
				errors++;
				pfd[i].fd = -1;		/* this connection is done */
				continue;
			}
			puts++;
			us = now - conns[i].sent_us;
			bp_hist[us / BP_BUCKET_US < BP_BUCKETS ? us / BP_BUCKET_US :
			    BP_BUCKETS - 1]++;
			if (now < end && bp_put(&conns[i], bytes, seq++) == -1) {
				errors++;
				pfd[i].fd = -1;
			}
		}
	}
	printf("puts=%llu seconds=%.3f rps=%.0f p50_ms=%.2f p99_ms=%.2f errors=%llu\n",
	    (unsigned long long)puts, (now - start) / 1e6, puts * 1e6 / (now - start),
	    bp_percentile(puts, 50), bp_percentile(puts, 99),
	    (unsigned long long)errors);
	return 0;
}
