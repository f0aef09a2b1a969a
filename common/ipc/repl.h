/*
 * A member's replication state, shared by its processes through a small
 * mapped file in data_dir (repl.map).  dq-repd, the process that runs
 * Berkeley DB's replication manager, publishes it ten times a second: this
 * member's role, the master and its URL, how far behind this member is, and
 * the group as each member last reported itself.  dq-fcgi, dq-dispatcher
 * and dqctl read it; a reader copies it under a sequence number, so it never
 * sees half an update.  The counters beside it are atomic adds from any
 * process, and dqctl hands dq-repd one request at a time through it
 * (removing a member).
 */
#ifndef DQ_REPL_H
#define DQ_REPL_H

#include <stddef.h>
#include <stdint.h>

#define REPL_MEMBERS	16
#define REPL_ADDR_LEN	262	/* HOST:PORT and its NUL */
#define REPL_URL_LEN	256
/* dq-repd publishes every 100 ms; older than this, it is not running. */
#define REPL_ALIVE_MS	3000

enum repl_role { REPL_NONE = 0, REPL_REPLICA, REPL_MASTER };

struct repl_member {
	char	 addr[REPL_ADDR_LEN];
	char	 url[REPL_URL_LEN];	/* "" unknown */
	int	 role;			/* enum repl_role, as it last said */
	int	 connected;		/* this member's connection to it */
	int	 syncing;
	uint64_t lsn;			/* end of its log, file << 32 | offset */
	uint64_t last_lsn;		/* the last it reported, kept once it is
					   silent; 0: none since dq-repd started */
	int64_t	 lag_ms;		/* how old its data is; -1 unknown */
	int64_t	 lag_bytes;
	int64_t	 heard_ms;		/* when it last reported, 0 never */
};

struct repl_state {
	int64_t	 updated_ms;		/* dq-repd's last publication */
	int32_t	 pid;			/* dq-repd's */
	int32_t	 stopping;		/* dq-repd is leaving: writes stop here */
	int32_t	 role;			/* enum repl_role */
	int32_t	 syncing;		/* a replica not caught up since it started */
	uint32_t gen;			/* Berkeley DB's replication generation */
	int64_t	 master_since_ms;	/* when this member last became master */
	char	 self[REPL_ADDR_LEN];
	char	 self_url[REPL_URL_LEN];
	char	 master[REPL_ADDR_LEN];	/* "" none known */
	char	 master_url[REPL_URL_LEN];	/* "" unknown */
	uint64_t lsn;
	int64_t	 lag_ms;		/* -1 unknown */
	int64_t	 lag_bytes;
	int	 nmembers;		/* the others */
	struct repl_member members[REPL_MEMBERS];
};

enum repl_counter {
	REPL_C_ELECTIONS,	/* elections this member took part in */
	REPL_C_WON,		/* ... and won */
	REPL_C_MASTER_CHANGES,	/* a new master was announced */
	REPL_C_DUPMASTER,	/* two masters met (after a partition) */
	REPL_C_PERM_FAILED,	/* commits the others did not acknowledge in time */
	REPL_C_NOT_ACKED,	/* ... and that a probe could not confirm */
	REPL_C_FULL_COPIES,	/* copies of the whole data received (internal init) */
	REPL_NCOUNTERS
};

/* Map data_dir/repl.map; 0, or -1 (logged). */
int	repl_open(const char *data_dir);
/* A consistent copy of the state: 0, or -1 if never published (or not open). */
int	repl_read(struct repl_state *);
void	repl_publish(const struct repl_state *);
/* dq-repd is alive (a thread of its own says so, whatever its loop does). */
void	repl_beat(int64_t now_ms);
/*
 * Is dq-repd running and staying (published within REPL_ALIVE_MS, not
 * stopping)?  A master whose dq-repd is gone can have no commit
 * acknowledged, so writes stop there.
 */
int	repl_alive(int64_t now_ms);
/*
 * Does dq-repd say this member is the master (and is it alive)?  Writers
 * ask the environment too: after a crash a member still looks like the
 * master it was until its dq-repd has started replication again, and only
 * dq-repd's word, published after that, is to be trusted.
 */
int	repl_master(int64_t now_ms);
/*
 * Is pid the dq-repd that published last, and does that one's process
 * live?  (Berkeley DB's failchk must not clean up after it: store.c.)
 */
int	repl_is_repd(int pid);
int	repl_repd_lives(void);
/* Is this member catching up (initial sync)?  Async-signal-safe. */
int	repl_syncing(void);
/* When this member last became master (0: it is not, or not known). */
int64_t	repl_master_since(uint32_t *gen);
/*
 * The oldest log file another member may still ask this one for: the
 * lowest position any of them last reported (one that went away needs what
 * it had not got yet); UINT32_MAX when there is no other member, 0 when it
 * is not known (dq-repd is not running, or a member has not reported since
 * it started).
 */
uint32_t repl_log_needed(int64_t now_ms);
/* The master's URL, else its address, else "" (for the DQ-Master header). */
void	repl_master_name(char *buf, size_t n);
void	repl_count(enum repl_counter);
uint64_t repl_counter(enum repl_counter);
const char *repl_role_name(int role);

/*
 * dqctl asks dq-repd to do one thing (op, arg) and waits up to timeout_ms
 * for its answer: 0 done, -1 refused or failed, both with the answer's
 * text; -2 no answer (dq-repd is not running).
 */
int	repl_request(const char *data_dir, const char *op, const char *arg,
	    char *answer, size_t n, int timeout_ms);
/* dq-repd: the request waiting, if any (1), and its answer. */
int	repl_request_take(char *op, size_t opsz, char *arg, size_t argsz);
void	repl_request_done(int ok, const char *answer);

#endif
