/*
 * Replication for the store: a group of members kept by Berkeley DB's
 * replication manager (repmgr), one of them master.  dq-repd runs the
 * manager on each member (store_repl_start: its threads, the listening
 * address, elections); every other dq process opens the same environment
 * with DB_INIT_REP | DB_THREAD and follows: it writes only while the
 * member is master (and dq-repd is there to make its commits count), it
 * joins the manager's connections by itself when it first writes, and it
 * learns in the committing thread of each commit a majority did not
 * acknowledge in time (DB_EVENT_REP_PERM_FAILED).  This file owns those
 * rules; store.c calls it where a transaction begins and commits.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dqtime.h"
#include "log.h"
#include "num.h"
#include "repl.h"
#include "store_int.h"

#define REPL_PROBES		5	/* probe commits after an unacknowledged one */
#define REPL_PROBE_PAUSE_MS	100
#define REPL_THREADS		3	/* the replication manager's message threads */
#define REPL_SYNC_LOG_MS	60000	/* how often "still waiting for a copy" is said */

volatile sig_atomic_t		store_perm_failed;
static pthread_t		repl_main_thread;
static atomic_int		repl_changed;
static store_repl_msg_fn	repl_msg_fn;
static void			*repl_msg_arg;

struct store_chan {
	DB_CHANNEL	*ch;
};

u_int32_t
store_repl_open_flags(const struct store *st)
{
	if (!st->repl)
		return 0;
	repl_main_thread = pthread_self();
	/* repmgr needs a free-threaded handle in every process that writes */
	return DB_INIT_REP | DB_THREAD;
}

int
store_replicated(const struct store *st)
{
	return st->repl;
}

/* The signals dq's processes handle; the replication manager's threads
 * must not take them from the thread that waits for them. */
static void
repl_quiet_set(sigset_t *set)
{
	sigfillset(set);
	sigdelset(set, SIGALRM);	/* the watchdogs end a stuck process from any thread */
	sigdelset(set, SIGSEGV);
	sigdelset(set, SIGBUS);
	sigdelset(set, SIGFPE);
	sigdelset(set, SIGILL);
	sigdelset(set, SIGABRT);
}

static void
repl_quiet_this_thread(void)
{
	sigset_t set;

	if (pthread_equal(pthread_self(), repl_main_thread))
		return;
	repl_quiet_set(&set);
	(void)pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/*
 * The first write of a process on the master starts a repmgr thread in it,
 * which inherits the signal mask of the thread that started it: block the
 * signals while it may happen, and it never sees them.
 */
void
store_repl_shield(struct store *st, sigset_t *old)
{
	sigset_t set;

	if (st->quiet_threads)
		return;
	repl_quiet_set(&set);
	(void)pthread_sigmask(SIG_BLOCK, &set, old);
}

void
store_repl_unshield(struct store *st, const sigset_t *old, int committed)
{
	if (st->quiet_threads)
		return;
	(void)pthread_sigmask(SIG_SETMASK, old, NULL);
	if (committed && store_role(st) == STORE_ROLE_MASTER)
		st->quiet_threads = 1;
}

enum store_role
store_role(struct store *st)
{
	DB_REP_STAT *sp;
	enum store_role r;

	if (!st->repl)
		return STORE_ROLE_MASTER;
	if (st->env->rep_stat(st->env, &sp, 0) != 0)
		return STORE_ROLE_NONE;
	r = sp->st_status == DB_REP_MASTER ? STORE_ROLE_MASTER :
	    sp->st_status == DB_REP_CLIENT ? STORE_ROLE_REPLICA : STORE_ROLE_NONE;
	free(sp);
	return r;
}

/*
 * Open the databases once this member's role is settled: a replica that
 * has caught up since it started (a new member gets its copy from the
 * master first, and a restarted one may have its files replaced), or the
 * master as dq-repd says (opening writes to the log; a member restarted
 * after a crash looks like the master it was until dq-repd has started).
 */
static enum dq_err
repl_open_dbs(struct store *st)
{
	static int64_t said;
	DB_REP_STAT *sp;
	char err[256];
	int ret, ready = 0;

	if (st->env->rep_stat(st->env, &sp, 0) == 0) {
		ready = sp->st_status == DB_REP_CLIENT ? sp->st_startup_complete != 0 :
		    sp->st_status == DB_REP_MASTER && repl_master(dqtime_now_ms());
		free(sp);
	}
	if (!ready)
		return DQ_ERR_SYNCING;
	err[0] = '\0';
	if ((ret = store_open_dbs(st, 0)) == 0 &&
	    (ret = store_schema(st, 0, err, sizeof(err))) == 0) {
		st->dbs_open = 1;
		/* a store made by an older dq: the master brings it up to date,
		 * the replicas receive that */
		if (store_role(st) != STORE_ROLE_MASTER ||
		    (ret = store_upgrade(st, err, sizeof(err))) == 0)
			return DQ_OK;
	}
	store_close_dbs(st);
	if (dqtime_mono_ms() - said > REPL_SYNC_LOG_MS || said == 0) {
		said = dqtime_mono_ms();
		log_info("store: no databases to serve yet (%s): waiting for this "
		    "member's copy from the master", err[0] ? err :
		    ret > 0 ? strerror(ret) : db_strerror(ret));
	}
	return DQ_ERR_SYNCING;
}

int
store_writable(struct store *st)
{
	/* a master whose dq-repd is gone can have nothing acknowledged */
	return !st->repl || (store_role(st) == STORE_ROLE_MASTER &&
	    repl_master(dqtime_now_ms()));
}

enum dq_err
store_repl_admit(struct store *st, int write)
{
	if (write && !st->create && !store_writable(st))
		return DQ_ERR_NOT_MASTER;
	return st->dbs_open ? DQ_OK : repl_open_dbs(st);
}

/* One small commit whose acknowledgement vouches for the ones before it. */
static int
repl_probe(struct store *st, u_int32_t commit_flags)
{
	unsigned char v[8];
	DB_TXN *txn = NULL;
	int ret;

	num_be64_put(v, (uint64_t)dqtime_now_ms());
	if ((ret = store_writer_lock(st)) != 0)
		return ret;
	if ((ret = st->env->txn_begin(st->env, NULL, &txn, 0)) != 0) {
		store_writer_unlock(st);
		return ret;
	}
	if ((ret = store_put(st, txn, DBI_META, "repl_probe", 10, v, 8)) != 0)
		txn->abort(txn);
	else {
		store_perm_failed = 0;
		ret = txn->commit(txn, commit_flags);
	}
	store_writer_unlock(st);
	return ret;
}

void
store_repl_flush(struct store *st)
{
	sigset_t shield;
	int ret;

	store_repl_shield(st, &shield);
	ret = repl_probe(st, DB_TXN_SYNC);
	store_repl_unshield(st, &shield, ret == 0);
	if (ret != 0)
		log_warnx("store: flushing the group's log: %s", db_strerror(ret));
	else if (store_perm_failed && store_repl_confirm(st, 0) != 0)
		log_warnx("store: writes made without a flush each may not be on a "
		    "majority of the group's disks");
}

/*
 * A commit raised DB_EVENT_REP_PERM_FAILED: a majority did not acknowledge
 * it in time.  It is committed here, and may or may not be on the others.
 * A member acknowledges the highest record it has, so when a later commit
 * is acknowledged this one is on that majority too.  A commit that failed
 * at once (this process's connections to the others are not up yet: its
 * first writes) is followed by a few small probe commits; one that waited
 * the whole timeout is not (the others are not answering, and a probe
 * would wait as long).
 */
int
store_repl_confirm(struct store *st, int64_t commit_ms)
{
	u_int32_t flags = st->sync == CONF_SYNC_FULL && !st->lazy ? DB_TXN_SYNC : 0;
	int64_t t0;
	int i, ret;

	repl_count(REPL_C_PERM_FAILED);
	for (i = 0; i < REPL_PROBES && commit_ms * 2 < st->ack_timeout_ms; i++) {
		dqtime_sleep_ms(REPL_PROBE_PAUSE_MS);
		t0 = dqtime_mono_ms();
		ret = repl_probe(st, flags);
		if (ret == 0 && !store_perm_failed)
			return 0;
		if (ret != 0 || (dqtime_mono_ms() - t0) * 2 >= st->ack_timeout_ms)
			break;
	}
	repl_count(REPL_C_NOT_ACKED);
	log_warnx("store: a commit was not acknowledged by a majority of the "
	    "group in time; it may not survive a failover");
	return STORE_RET(DQ_ERR_NOT_ACKED);
}

void
store_repl_event(DB_ENV *env, u_int32_t event, void *info)
{
	switch (event) {
	case DB_EVENT_REP_PERM_FAILED:
		store_perm_failed = 1;	/* in the committing thread */
		return;
	case DB_EVENT_REP_CONNECT_ESTD:
		repl_quiet_this_thread();
		store_repl_nodelay();
		return;
	case DB_EVENT_REP_ELECTED:
		repl_count(REPL_C_WON);
		break;
	case DB_EVENT_REP_NEWMASTER:
		repl_count(REPL_C_MASTER_CHANGES);
		break;
	case DB_EVENT_REP_DUPMASTER:
		repl_count(REPL_C_DUPMASTER);
		break;
	case DB_EVENT_REP_INIT_DONE:
		repl_count(REPL_C_FULL_COPIES);
		break;
	case DB_EVENT_REP_MASTER:
	case DB_EVENT_REP_CLIENT:
	case DB_EVENT_REP_STARTUPDONE:
	case DB_EVENT_REP_ELECTION_FAILED:
	case DB_EVENT_REP_MASTER_FAILURE:
	case DB_EVENT_REP_LOCAL_SITE_REMOVED:
	case DB_EVENT_REP_SITE_ADDED:
	case DB_EVENT_REP_SITE_REMOVED:
	case DB_EVENT_REP_JOIN_FAILURE:
		break;
	default:
		return;
	}
	/* no Berkeley DB call here: a repmgr thread may hold its own mutex */
	atomic_store(&repl_changed, 1);
}

void
store_repl_take_events(int *changed)
{
	*changed = atomic_exchange(&repl_changed, 0);
}

/*
 * repmgr 5.3 never sets TCP_NODELAY on its connections, and a commit whose
 * records go out in two segments then waits for the other side's delayed
 * ACK: 40 ms each.  Set it on every TCP socket of this process (dq's own
 * TCP sockets, FastCGI and curl's, want it too).  Only system calls: safe
 * in an event callback.
 */
void
store_repl_nodelay(void)
{
	struct sockaddr_storage ss;
	struct dirent *de;
	socklen_t len;
	long long fd;
	int type, one = 1;
	DIR *d;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (num_parse_ll(de->d_name, 0, 1 << 30, &fd) == -1 || fd == dirfd(d))
			continue;
		len = sizeof(type);
		if (getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
		    type != SOCK_STREAM)
			continue;
		len = sizeof(ss);
		if (getsockname((int)fd, (struct sockaddr *)&ss, &len) != 0 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			continue;
		(void)setsockopt((int)fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	closedir(d);
}

enum dq_err
store_repl_status(struct store *st, struct store_repl_status *out)
{
	DB_REP_STAT *sp;
	DB_SITE *site;
	const char *host;
	u_int port;
	u_int32_t lgmax = 0;
	int eid, ret;

	memset(out, 0, sizeof(*out));
	if ((ret = st->env->rep_stat(st->env, &sp, 0)) != 0)
		return DQ_ERR_INTERNAL;
	out->role = sp->st_status == DB_REP_MASTER ? STORE_ROLE_MASTER :
	    sp->st_status == DB_REP_CLIENT ? STORE_ROLE_REPLICA : STORE_ROLE_NONE;
	out->syncing = out->role == STORE_ROLE_REPLICA && !sp->st_startup_complete;
	out->gen = sp->st_gen;
	out->elections = sp->st_elections;
	out->lsn = (uint64_t)sp->st_next_lsn.file << 32 | sp->st_next_lsn.offset;
	eid = (int)sp->st_master;
	free(sp);
	(void)st->env->get_lg_max(st->env, &lgmax);
	out->log_file_max = lgmax;
	if (eid == DB_EID_INVALID || out->role == STORE_ROLE_NONE)
		return DQ_OK;
	if (out->role == STORE_ROLE_MASTER) {
		if (st->env->repmgr_local_site(st->env, &site) != 0)
			return DQ_OK;
	} else if (st->env->repmgr_site_by_eid(st->env, eid, &site) != 0)
		return DQ_OK;
	if (site->get_address(site, &host, &port) == 0)
		snprintf(out->master, sizeof(out->master), "%s:%u", host, port);
	site->close(site);
	return DQ_OK;
}

/* Set a timeout in ms (Berkeley DB counts microseconds, in 32 bits). */
static int
repl_timeout(DB_ENV *env, int which, int64_t ms)
{
	return env->rep_set_timeout(env, which, (u_int32_t)(ms * 1000));
}

static int
repl_site(DB_ENV *env, const char *addr, u_int32_t which, int on)
{
	char host[256];
	unsigned port;
	DB_SITE *site;
	int ret;

	if (conf_addr_split(addr, host, sizeof(host), &port) == -1)
		return EINVAL;
	if ((ret = env->repmgr_site(env, host, port, &site, 0)) != 0)
		return ret;
	if ((ret = site->set_config(site, which, on)) != 0) {
		site->close(site);
		return ret;
	}
	return site->close(site);
}

static void
repl_dispatch(DB_ENV *env, DB_CHANNEL *ch, DBT *req, u_int32_t n, u_int32_t flags)
{
	DBT none;

	if (n >= 1 && repl_msg_fn != NULL)
		repl_msg_fn(req[0].data, req[0].size, repl_msg_arg);
	if (flags & DB_REPMGR_NEED_RESPONSE) {
		memset(&none, 0, sizeof(none));
		(void)ch->send_msg(ch, &none, 1, 0);
	}
}

static int
repl_configure(DB_ENV *env, const struct dq_conf *c, int creator)
{
	static const u_int32_t policy[] = {
		DB_REPMGR_ACKS_QUORUM, DB_REPMGR_ACKS_ALL, DB_REPMGR_ACKS_ONE
	};
	int i, ret;

	if ((ret = repl_site(env, c->repl_listen, DB_LOCAL_SITE, 1)) != 0 ||
	    (creator && (ret = repl_site(env, c->repl_listen, DB_GROUP_CREATOR, 1)) != 0))
		return ret;
	for (i = 0; i < c->repl_peers.n; i++)
		if ((ret = repl_site(env, c->repl_peers.v[i], DB_BOOTSTRAP_HELPER, 1)) != 0)
			return ret;
	if ((ret = env->rep_set_priority(env, (u_int32_t)c->repl_priority)) != 0 ||
	    (ret = env->repmgr_set_ack_policy(env, (int)policy[c->repl_ack_policy])) != 0 ||
	    (ret = repl_timeout(env, DB_REP_ACK_TIMEOUT, c->repl_ack_timeout_ms)) != 0 ||
	    (ret = repl_timeout(env, DB_REP_CONNECTION_RETRY, c->repl_connect_retry_ms)) != 0 ||
	    (ret = repl_timeout(env, DB_REP_ELECTION_RETRY, c->repl_connect_retry_ms)) != 0 ||
	    (ret = repl_timeout(env, DB_REP_ELECTION_TIMEOUT, c->repl_election_timeout_ms)) != 0 ||
	    (ret = repl_timeout(env, DB_REP_HEARTBEAT_SEND, c->repl_heartbeat_ms)) != 0 ||
	    (ret = repl_timeout(env, DB_REP_HEARTBEAT_MONITOR,
	    c->repl_heartbeat_timeout_ms)) != 0 ||
	    (ret = repl_timeout(env, DB_REP_CHECKPOINT_DELAY, 0)) != 0)
		return ret;
	/*
	 * A master's checkpoint would otherwise sleep 30 s (so that slow
	 * replicas can flush their caches first), holding up the process that
	 * runs it: the dispatcher.  Replicas flush when they apply the
	 * checkpoint, whenever that is.
	 *
	 * In a group of two, a member that loses the other must not elect
	 * itself (it would count its own vote as a majority): the group stays
	 * read-only until both are back.  Lockouts wait rather than fail
	 * (DB_REP_CONF_NOWAIT makes 5.3 lose count of its handles during a
	 * new member's copy, and the copy then never ends).
	 */
	if ((ret = env->rep_set_config(env, DB_REPMGR_CONF_2SITE_STRICT, 1)) != 0 ||
	    (ret = env->rep_set_config(env, DB_REP_CONF_NOWAIT, 0)) != 0 ||
	    (ret = env->repmgr_msg_dispatch(env, repl_dispatch, 0)) != 0)
		return ret;
	return 0;
}

int
store_repl_start(struct store *st, const struct dq_conf *c, int creator,
    store_repl_msg_fn msg, void *arg, char *err, size_t errsz)
{
	sigset_t set, old;
	int ret;

	repl_msg_fn = msg;
	repl_msg_arg = arg;
	if ((ret = repl_configure(st->env, c, creator)) != 0) {
		snprintf(err, errsz, "configuring replication: %s", db_strerror(ret));
		return -1;
	}
	/* its threads inherit this mask: signals stay with the main thread */
	repl_quiet_set(&set);
	(void)pthread_sigmask(SIG_BLOCK, &set, &old);
	ret = st->env->repmgr_start(st->env, REPL_THREADS, DB_REP_ELECTION);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	st->quiet_threads = 1;
	if (ret == 0)
		return 0;
	if (ret == DB_REP_UNAVAIL)
		return 1;
	if (ret == DB_REP_IGNORE)
		snprintf(err, errsz, "another process runs the replication manager "
		    "on this data_dir");
	else
		snprintf(err, errsz, "starting replication: %s", db_strerror(ret));
	return -1;
}

int
store_repl_members(struct store *st, struct store_member *out, int max)
{
	DB_REPMGR_SITE *list;
	u_int i, count;
	int n = 0;

	if (st->env->repmgr_site_list(st->env, &count, &list) != 0)
		return -1;
	for (i = 0; i < count && n < max; i++, n++) {
		snprintf(out[n].addr, sizeof(out[n].addr), "%s:%u", list[i].host,
		    list[i].port);
		out[n].eid = list[i].eid;
		out[n].connected = list[i].status == DB_REPMGR_CONNECTED;
	}
	free(list);
	return n;
}

/* A log file's number, from its name (log.0000000042). */
static uint32_t
repl_log_number(const char *path)
{
	const char *dot = strrchr(path, '.');
	long long n;

	if (dot == NULL || num_parse_ll(dot + 1, 1, UINT32_MAX, &n) == -1)
		return 0;
	return (uint32_t)n;
}

/*
 * Why dq and not DB_LOG_AUTO_REMOVE: Berkeley DB keeps back only the files
 * the members connected to the master have not acknowledged, and removes
 * the others as soon as this member's recovery is done with them, so a
 * member restarted for a minute under load would come back to a master
 * without the records it lacks, and be sent the whole data again.
 */
enum dq_err
store_repl_logs_trim(struct store *st, uint32_t keep_from, int64_t keep_bytes,
    int *removed, int *cut)
{
	char **list = NULL;
	struct stat sb;
	int64_t kept = 0;
	int i, n, ret;

	*removed = *cut = 0;
	if ((ret = st->env->log_archive(st->env, &list, DB_ARCH_ABS)) != 0) {
		log_warnx("store: listing old log files: %s", db_strerror(ret));
		return DQ_ERR_INTERNAL;
	}
	if (list == NULL)
		return DQ_OK;
	for (n = 0; list[n] != NULL; n++)
		;
	for (i = n - 1; i >= 0; i--) {	/* sorted: the newest last */
		if (repl_log_number(list[i]) >= keep_from &&
		    stat(list[i], &sb) == 0 && kept + sb.st_size <= keep_bytes) {
			kept += sb.st_size;
			continue;
		}
		if (unlink(list[i]) == -1) {
			log_warnx("store: removing %s: %s", list[i], strerror(errno));
			continue;
		}
		(*removed)++;
		if (repl_log_number(list[i]) >= keep_from)
			(*cut)++;
	}
	free(list);
	return DQ_OK;
}

enum dq_err
store_repl_remove(struct store *st, const char *addr, char *err, size_t errsz)
{
	char host[256];
	unsigned port;
	DB_SITE *site;
	int ret;

	if (conf_addr_split(addr, host, sizeof(host), &port) == -1) {
		snprintf(err, errsz, "%s is not HOST:PORT", addr);
		return DQ_ERR_INVALID;
	}
	if ((ret = st->env->repmgr_site(st->env, host, port, &site, 0)) != 0 ||
	    (ret = site->remove(site)) != 0) {	/* remove() closes the handle */
		snprintf(err, errsz, "removing %s: %s", addr, db_strerror(ret));
		return ret == DB_REP_UNAVAIL ? DQ_ERR_BUSY : DQ_ERR_INTERNAL;
	}
	return DQ_OK;
}

struct store_chan *
store_chan_open(struct store *st, int eid)
{
	struct store_chan *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (st->env->repmgr_channel(st->env, eid, &c->ch, 0) != 0) {
		free(c);
		return NULL;
	}
	return c;
}

int
store_chan_send(struct store_chan *c, const void *msg, size_t len)
{
	DBT d;

	store_dbt(&d, msg, len);
	return c->ch->send_msg(c->ch, &d, 1, 0) == 0 ? 0 : -1;
}

void
store_chan_close(struct store_chan *c)
{
	if (c == NULL)
		return;
	(void)c->ch->close(c->ch, 0);
	free(c);
}
