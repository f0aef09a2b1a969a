/*
 * dq.conf: "key value" lines, '#' comments.  Every key, its type, range and
 * default live in one table in conf.c; an unknown key or a bad value stops
 * the program with "file:line: message".
 */
#ifndef DQ_CONF_H
#define DQ_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum conf_sync {
	CONF_SYNC_FULL = 0,	/* fsync at commit: acknowledged work survives power loss */
	CONF_SYNC_WRITE,	/* write at commit: survives a process crash */
	CONF_SYNC_NONE		/* neither: survives nothing but a clean stop */
};

struct dq_conf {
	char	*path;			/* the file it came from, or NULL */
	char	*data_dir;
	char	*listen;
	int64_t	 socket_mode;
	int64_t	 workers;
	int	 sync;
	int64_t	 cache_size;
	int64_t	 max_body;
	int64_t	 rate_limit;
	int64_t	 rate_limit_unauth;	/* per client address, without a valid key */
	int64_t	 default_max_attempts;
	int64_t	 delivery_timeout_ms;
	int64_t	 retry_base_ms;
	int64_t	 retry_cap_ms;
	int64_t	 max_parallel;
	int64_t	 max_parallel_per_account;	/* 0: a quarter of max_parallel */
	int64_t	 max_response_body;
	int64_t	 max_queues_per_account;
	int64_t	 max_jobs_per_account;		/* 0: no limit */
	int64_t	 max_schedules_per_account;	/* 0: no limit */
	int64_t	 max_topics_per_account;
	int64_t	 max_stats_queues_per_account;	/* queues with their own activity series */
	int	 allow_private_targets;
	int	 require_https;
	int64_t	 retention_ms;
	char	*wakeup_socket;		/* default: DATA_DIR/wakeup.sock */
	char	*metrics_token;
	int	 metrics_per_account;	/* dq_jobs by account and queue */
	int	 log_level;
	int	 log_requests;		/* a line per API request, at info */
	char	*test_clock_file;	/* test only: ms added to the schedule clock */
};

#define CONF_DEFAULT_PATH	SYSCONFDIR "/dq/dq.conf"

/* Defaults, then the file (if path is not NULL), then the environment. */
int	conf_load(struct dq_conf *, const char *path, char *err, size_t errsz);
void	conf_free(struct dq_conf *);
/*
 * Program start: load the configuration named by -c (else $DQ_CONF, else
 * the default file if it exists), and for -n print "configuration OK";
 * otherwise apply its log level.  Returns 0 to go on, 1 to exit with status
 * 0 (-n), -1 to exit with status 1 (the error is printed).
 */
int	conf_start(struct dq_conf *, const char *prog, const char *path, int check);

#endif
