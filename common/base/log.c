/*
 * Logging, after OpenBSD's log.c: one place decides where lines go and how
 * they look.  Lines are "[req_id] message" when a request is being served.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "dqtime.h"
#include "log.h"

static const char	*log_prog = "dq";
static int		 log_syslog;
static enum log_level	 log_lvl = LOG_LVL_INFO;
static char		 log_req[132];
static char		 log_path[4096];	/* log_file()'s, or "" */

static const char *const log_names[] = { "error", "warn", "info", "debug" };

void
log_init(const char *progname, int use_syslog)
{
	log_prog = progname;
	log_syslog = use_syslog;
	if (use_syslog)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/* Open path for appending onto stderr: 0, or -1 with errno. */
static int
log_open_stderr(const char *path)
{
	int fd, saved;

	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640)) == -1)
		return -1;
	if (fd != STDERR_FILENO && dup2(fd, STDERR_FILENO) == -1) {
		saved = errno;
		(void)close(fd);
		errno = saved;
		return -1;
	}
	if (fd != STDERR_FILENO)
		(void)close(fd);
	return 0;
}

int
log_file(const char *path)
{
	if (strlen(path) >= sizeof(log_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (log_open_stderr(path) == -1)
		return -1;
	memcpy(log_path, path, strlen(path) + 1);
	return 0;
}

/* In a signal handler: only open, dup2 and close, which are safe there. */
void
log_reopen(void)
{
	int saved = errno;

	if (log_path[0] != '\0')
		(void)log_open_stderr(log_path);
	errno = saved;
}

int
log_close(void)
{
	if (log_syslog)
		closelog();
	return log_syslog;
}

void
log_set_level(enum log_level lvl)
{
	log_lvl = lvl;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	size_t i;

	for (i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++) {
		if (strcmp(s, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

void
log_set_request(const char *request_id)
{
	if (request_id == NULL)
		log_req[0] = '\0';
	else
		log_escape(request_id, log_req, sizeof(log_req));
}

static void	log_vemit(enum log_level, const char *, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));
static void	log_errno(enum log_level, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));

static void
log_vemit(enum log_level lvl, const char *suffix, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char msg[2048], when[DQ_TIME_LEN + 1];
	int n;

	if (lvl > log_lvl)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		return;
	if (log_syslog) {
		syslog(prio[lvl], "%s%s%s%s%s", log_req[0] ? "[" : "", log_req,
		    log_req[0] ? "] " : "", msg, suffix ? suffix : "");
		return;
	}
	/* a file has no journal to stamp its lines */
	if (log_path[0] != '\0')
		fprintf(stderr, "%s ", dqtime_format(dqtime_now_ms(), when, sizeof(when)));
	fprintf(stderr, "%s[%ld]: %s: %s%s%s%s%s\n", log_prog, (long)getpid(),
	    log_names[lvl], log_req[0] ? "[" : "", log_req,
	    log_req[0] ? "] " : "", msg, suffix ? suffix : "");
}

static void
log_errno(enum log_level lvl, const char *fmt, va_list ap)
{
	char suffix[256];
	int saved = errno;

	snprintf(suffix, sizeof(suffix), ": %s", strerror(saved));
	log_vemit(lvl, suffix, fmt, ap);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_errno(LOG_LVL_WARN, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_WARN, NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_INFO, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_errno(LOG_LVL_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_ERROR, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

const char *
log_escape(const char *src, char *dst, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	const unsigned char *p;

	if (n == 0)
		return dst;
	for (p = (const unsigned char *)src; *p != '\0'; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '\\') {
			if (o + 1 >= n)
				break;
			dst[o++] = (char)*p;
		} else {
			if (o + 4 >= n)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[*p >> 4];
			dst[o++] = hex[*p & 15];
		}
	}
	dst[o] = '\0';
	return dst;
}
