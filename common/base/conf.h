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

enum conf_ack {
	CONF_ACK_QUORUM = 0,	/* a majority of the electable members */
	CONF_ACK_ALL,		/* every member */
	CONF_ACK_ONE		/* any one other member */
};

/* A key that may be given several times (replication_peer). */
#define CONF_LIST_MAX	16
struct conf_list {
	char	*v[CONF_LIST_MAX];
	int	 n;
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
	/* replication (dq-repd): off unless replication_listen is set */
	char	*repl_listen;		/* HOST:PORT of this member */
	struct conf_list repl_peers;	/* HOST:PORT of the others */
	char	*repl_url;		/* this member's public URL, or NULL */
	int64_t	 repl_priority;
	int	 repl_ack_policy;	/* enum conf_ack */
	int64_t	 repl_ack_timeout_ms;
	int64_t	 repl_heartbeat_ms;
	int64_t	 repl_heartbeat_timeout_ms;
	int64_t	 repl_election_timeout_ms;
	int64_t	 repl_connect_retry_ms;
	int64_t	 repl_log_keep;		/* bytes of log kept for a member away */
};

#define CONF_ADDR_MAX	262	/* HOST:PORT, host at most 255 bytes */

/*
 * Split "HOST:PORT" (the last colon; an IPv6 host in brackets loses them)
 * into host and port.  0, or -1 when it is not one.
 */
int	conf_addr_split(const char *addr, char *host, size_t hostsz, unsigned *port);

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
