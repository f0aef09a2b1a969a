/*
 * Logging for every dq program: stderr in the foreground, syslog when asked.
 * log_warn() appends strerror(errno), log_warnx() does not; fatal() and
 * fatalx() log and exit(1).  A request id set with log_set_request() is
 * prefixed to every line until cleared, so a request's lines can be found.
 * Never pass API keys, signing secrets or Authorization values here;
 * user-supplied strings go through log_escape() first.
 */
#ifndef DQ_LOG_H
#define DQ_LOG_H

#include <stddef.h>
#include <stdarg.h>

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG
};

void	log_init(const char *progname, int use_syslog);
/*
 * Log to a file instead of stderr: it is opened for appending onto
 * descriptor 2, so that children and anything else written to stderr
 * follow it.  log_reopen() opens the same path again (after logrotate moved
 * the file; SIGUSR1 calls it) and is async-signal-safe.  0, or -1 (errno).
 */
int	log_file(const char *path);
void	log_reopen(void);
/* Close the syslog connection (before closing inherited descriptors);
 * returns use_syslog, for the log_init() after. */
int	log_close(void);
void	log_set_level(enum log_level);
int	log_level_parse(const char *, enum log_level *);
void	log_set_request(const char *request_id);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Copy src into dst (size n) with control and non-ASCII bytes escaped. */
const char *log_escape(const char *src, char *dst, size_t n);

#endif
