/*
 * The group as dq-repd sees it.  Every member sends every other one a short
 * status message ten times a second over the replication manager's message
 * channels: its role, generation, log position, how far behind it is, its
 * address and URL.  One sender thread per member, since opening a channel
 * may wait for a TCP connect to a member that is down.  From the master's
 * messages a replica knows how far behind it is: it keeps the master's log
 * positions with the time each was heard, and has caught up to a moment
 * once its own log reaches the position the master had then.  What this
 * member knows is published ten times a second in repl.map.
 */
#include "config.h"

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dqtime.h"
#include "log.h"
#include "num.h"
#include "repd.h"

#define GROUP_SEND_MS		100
#define GROUP_RETRY_MS		1000
#define GROUP_HEARD_MS		3000	/* a report older than this is stale */
#define GROUP_SAMPLES		64
#define GROUP_MSG_MAX		1024
#define GROUP_STOP_WAIT_MS	2000

_Static_assert(sizeof(((struct store_member *)0)->addr) == REPL_ADDR_LEN,
    "one address size");

struct report {
	char		addr[REPL_ADDR_LEN];
	char		url[REPL_URL_LEN];
	int		role;
	int		syncing;
	uint32_t	gen;
	uint64_t	lsn;
	int64_t		lag_ms, lag_bytes;
	int64_t		heard_ms;
};

struct sample {
	int64_t		t;		/* when heard (wall clock) */
	uint64_t	lsn;		/* the master's log position then */
};

struct sender {
	struct store	*st;
	int		 eid;
	pthread_t	 thread;
	atomic_int	 stop;
	atomic_int	 done;
	int		 seen;		/* still a member (group_senders) */
};

static pthread_mutex_t	group_mu = PTHREAD_MUTEX_INITIALIZER;
static struct report	group_reports[REPL_MEMBERS];
static int		group_nreports;
static struct sample	group_samples[GROUP_SAMPLES];
static int		group_nsamples;
static char		group_mine[GROUP_MSG_MAX];	/* the message we send */
static struct sender	*group_senders_[REPL_MEMBERS];
static int		group_nsenders;
static struct repl_state group_state;	/* main thread only */
static int64_t		group_caught_up_ms;	/* data as fresh as the master's then */
static int64_t		group_last_sample_ms;
static uint64_t		group_master_lsn;	/* the latest position it reported */
static uint64_t		group_log_max;
static uint64_t		group_elections;	/* rep_stat's count, last seen */
static int		group_elections_known;
static uint64_t		group_copies;		/* full copies received, last seen */
static int		group_copies_known;

int
group_init(const struct dq_conf *c)
{
	memset(&group_state, 0, sizeof(group_state));
	group_state.pid = (int32_t)getpid();
	group_state.lag_ms = -1;
	snprintf(group_state.self, sizeof(group_state.self), "%s", c->repl_listen);
	snprintf(group_state.self_url, sizeof(group_state.self_url), "%s",
	    c->repl_url ? c->repl_url : "");
	group_caught_up_ms = dqtime_now_ms();
	return 0;
}

/* Fields are space-separated; addr and url have none (conf.c checks). */
static int
group_parse(const char *text, struct report *r)
{
	char role[16], url[REPL_URL_LEN];
	unsigned long long lsn;
	long long lag, lagb, wall;
	int syncing, n;
	unsigned gen;

	memset(r, 0, sizeof(*r));
	n = sscanf(text, "dq1 %15s %u %llu %lld %lld %d %lld %261s %255s", role,
	    &gen, &lsn, &lag, &lagb, &syncing, &wall, r->addr, url);
	if (n != 9)
		return -1;
	r->role = strcmp(role, "master") == 0 ? REPL_MASTER :
	    strcmp(role, "replica") == 0 ? REPL_REPLICA : REPL_NONE;
	r->gen = gen;
	r->lsn = lsn;
	r->lag_ms = lag;
	r->lag_bytes = lagb;
	r->syncing = syncing != 0;
	snprintf(r->url, sizeof(r->url), "%s", strcmp(url, "-") == 0 ? "" : url);
	return 0;
}

void
group_heard(const void *msg, size_t len, void *arg)
{
	char text[GROUP_MSG_MAX];
	struct report r;
	int i;

	if (len == 0 || len >= sizeof(text))
		return;
	memcpy(text, msg, len);
	text[len] = '\0';
	if (group_parse(text, &r) == -1)
		return;
	r.heard_ms = dqtime_now_ms();
	pthread_mutex_lock(&group_mu);
	for (i = 0; i < group_nreports; i++)
		if (strcmp(group_reports[i].addr, r.addr) == 0)
			break;
	if (i < REPL_MEMBERS) {
		group_reports[i] = r;
		if (i == group_nreports)
			group_nreports++;
	}
	if (r.role == REPL_MASTER)
		group_master_lsn = r.lsn;
	if (r.role == REPL_MASTER && group_nsamples < GROUP_SAMPLES) {
		group_samples[group_nsamples].t = r.heard_ms;
		group_samples[group_nsamples++].lsn = r.lsn;
	}
	pthread_mutex_unlock(&group_mu);
}

static int64_t
group_lsn_bytes(uint64_t a, uint64_t b)
{
	int64_t files = (int64_t)(a >> 32) - (int64_t)(b >> 32);

	return files * (int64_t)group_log_max + (int64_t)(a & 0xffffffff) -
	    (int64_t)(b & 0xffffffff);
}

/*
 * A replica's lag: 0 while it keeps reaching every position the master
 * reports; otherwise the time since the last moment it is known to have
 * had all the master had (growing while the master is silent).
 */
static void
group_lag(const struct store_repl_status *s, int64_t now)
{
	int i, kept = 0;
	uint64_t newest;

	pthread_mutex_lock(&group_mu);
	newest = group_master_lsn;
	for (i = 0; i < group_nsamples; i++) {
		if (group_samples[i].lsn <= s->lsn) {
			if (group_samples[i].t > group_caught_up_ms)
				group_caught_up_ms = group_samples[i].t;
			group_last_sample_ms = group_samples[i].t;
		} else
			group_samples[kept++] = group_samples[i];
	}
	group_nsamples = kept;
	pthread_mutex_unlock(&group_mu);
	if (s->role == STORE_ROLE_MASTER) {
		group_caught_up_ms = now;
		group_state.lag_ms = 0;
		group_state.lag_bytes = 0;
		return;
	}
	if (kept == 0 && now - group_last_sample_ms < GROUP_HEARD_MS / 3)
		group_state.lag_ms = 0;
	else
		group_state.lag_ms = now - group_caught_up_ms;
	group_state.lag_bytes = newest > s->lsn ? group_lsn_bytes(newest, s->lsn) : 0;
}

/* The members: the replication manager's list, with what each said. */
static void
group_members(struct store *st, int64_t now)
{
	struct store_member m[REPL_MEMBERS];
	struct repl_member *out;
	int i, j, n;

	if ((n = store_repl_members(st, m, REPL_MEMBERS)) < 0)
		return;
	pthread_mutex_lock(&group_mu);
	for (i = 0; i < n; i++) {
		out = &group_state.members[i];
		memset(out, 0, sizeof(*out));
		memcpy(out->addr, m[i].addr, sizeof(out->addr));
		out->connected = m[i].connected;
		out->lag_ms = -1;
		for (j = 0; j < group_nreports; j++) {
			if (strcmp(group_reports[j].addr, m[i].addr) != 0)
				continue;
			snprintf(out->url, sizeof(out->url), "%s", group_reports[j].url);
			out->heard_ms = group_reports[j].heard_ms;
			out->last_lsn = group_reports[j].lsn;
			if (now - out->heard_ms > GROUP_HEARD_MS)
				break;
			out->role = group_reports[j].role;
			out->syncing = group_reports[j].syncing;
			out->lsn = group_reports[j].lsn;
			out->lag_ms = group_reports[j].lag_ms;
			out->lag_bytes = group_reports[j].lag_bytes;
		}
	}
	pthread_mutex_unlock(&group_mu);
	group_state.nmembers = n;
}

/* The master's URL: its own when this member is master, else as it said. */
static void
group_master(const struct store_repl_status *s)
{
	int i;

	snprintf(group_state.master, sizeof(group_state.master), "%s", s->master);
	group_state.master_url[0] = '\0';
	if (s->role == STORE_ROLE_MASTER) {
		snprintf(group_state.master_url, sizeof(group_state.master_url), "%s",
		    group_state.self_url);
		return;
	}
	for (i = 0; i < group_state.nmembers; i++)
		if (strcmp(group_state.members[i].addr, s->master) == 0)
			snprintf(group_state.master_url, sizeof(group_state.master_url),
			    "%s", group_state.members[i].url);
}

static void
group_say(const struct store_repl_status *s, int64_t now)
{
	char text[GROUP_MSG_MAX];

	snprintf(text, sizeof(text), "dq1 %s %u %" PRIu64 " %lld %lld %d %lld %s %s",
	    repl_role_name(group_state.role), s->gen, s->lsn,
	    (long long)group_state.lag_ms, (long long)group_state.lag_bytes,
	    s->syncing, (long long)now, group_state.self,
	    group_state.self_url[0] ? group_state.self_url : "-");
	pthread_mutex_lock(&group_mu);
	memcpy(group_mine, text, sizeof(text));
	pthread_mutex_unlock(&group_mu);
}

static void
group_role_change(const struct store_repl_status *s, int64_t now)
{
	int role = s->role == STORE_ROLE_MASTER ? REPL_MASTER :
	    s->role == STORE_ROLE_REPLICA ? REPL_REPLICA : REPL_NONE;

	if (role == group_state.role && s->gen == group_state.gen)
		return;
	if (role == REPL_MASTER)
		log_info("this member is the master now (generation %u)", s->gen);
	else if (role == REPL_REPLICA && s->master[0])
		log_info("this member is a replica of %s (generation %u)", s->master,
		    s->gen);
	else if (role == REPL_REPLICA)
		log_info("this member is a replica; no master is known (election)");
	group_state.master_since_ms = role == REPL_MASTER ? now : 0;
	group_state.role = role;
	group_state.gen = s->gen;
}

/* A full copy (internal init) is worth a line: it is slow on a big store. */
static void
group_copies_seen(void)
{
	uint64_t n = repl_counter(REPL_C_FULL_COPIES);

	if (group_copies_known && n > group_copies)
		log_info("this member received a full copy of the data from the "
		    "master (it was new, or the log it lacked was gone)");
	group_copies = n;
	group_copies_known = 1;
}

void
group_update(struct store *st, const struct store_repl_status *s, int64_t now,
    int stopping)
{
	group_copies_seen();
	if (s != NULL) {
		group_log_max = s->log_file_max;
		group_role_change(s, now);
		group_state.syncing = s->syncing;
		group_state.lsn = s->lsn;
		if (group_elections_known && s->elections > group_elections)
			while (group_elections++ < s->elections)
				repl_count(REPL_C_ELECTIONS);
		group_elections = s->elections;
		group_elections_known = 1;
		group_members(st, now);
		group_lag(s, now);
		group_master(s);
		group_say(s, now);
	}
	group_state.stopping = stopping;
	if (stopping)
		group_state.role = REPL_NONE;
	group_state.updated_ms = now;
	repl_publish(&group_state);
}

static void *
group_send_loop(void *arg)
{
	struct sender *snd = arg;
	struct store_chan *ch = NULL;
	char text[GROUP_MSG_MAX];

	while (!atomic_load(&snd->stop)) {
		if (ch == NULL && (ch = store_chan_open(snd->st, snd->eid)) == NULL) {
			dqtime_sleep_ms(GROUP_RETRY_MS);
			continue;
		}
		pthread_mutex_lock(&group_mu);
		memcpy(text, group_mine, sizeof(text));
		pthread_mutex_unlock(&group_mu);
		if (text[0] != '\0' && store_chan_send(ch, text, strlen(text)) == -1) {
			store_chan_close(ch);
			ch = NULL;
			dqtime_sleep_ms(GROUP_RETRY_MS);
			continue;
		}
		dqtime_sleep_ms(GROUP_SEND_MS);
	}
	store_chan_close(ch);
	atomic_store(&snd->done, 1);
	return NULL;
}

static void
group_sender_start(struct store *st, int eid)
{
	struct sender *snd;
	sigset_t all, old;

	if (group_nsenders == REPL_MEMBERS || (snd = calloc(1, sizeof(*snd))) == NULL)
		return;
	snd->st = st;
	snd->eid = eid;
	snd->seen = 1;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if (pthread_create(&snd->thread, NULL, group_send_loop, snd) != 0) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		free(snd);
		return;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	group_senders_[group_nsenders++] = snd;
}

void
group_senders(struct store *st)
{
	struct store_member m[REPL_MEMBERS];
	int i, j, n;

	if ((n = store_repl_members(st, m, REPL_MEMBERS)) < 0)
		return;
	for (j = 0; j < group_nsenders; j++)
		group_senders_[j]->seen = 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < group_nsenders; j++)
			if (group_senders_[j]->eid == m[i].eid)
				break;
		if (j < group_nsenders)
			group_senders_[j]->seen = 1;
		else
			group_sender_start(st, m[i].eid);
	}
	/* a member that left: its sender stops, and goes once it has */
	for (j = 0; j < group_nsenders; j++) {
		if (!group_senders_[j]->seen)
			atomic_store(&group_senders_[j]->stop, 1);
		if (atomic_load(&group_senders_[j]->done)) {
			pthread_join(group_senders_[j]->thread, NULL);
			free(group_senders_[j]);
			group_senders_[j--] = group_senders_[--group_nsenders];
		}
	}
}

int
group_stop(void)
{
	int64_t until = dqtime_mono_ms() + GROUP_STOP_WAIT_MS;
	int j, left;

	for (j = 0; j < group_nsenders; j++)
		atomic_store(&group_senders_[j]->stop, 1);
	do {
		for (left = j = 0; j < group_nsenders; j++)
			left += !atomic_load(&group_senders_[j]->done);
		if (left == 0)
			break;
		dqtime_sleep_ms(20);
	} while (dqtime_mono_ms() < until);
	if (left > 0)
		return -1;
	for (j = 0; j < group_nsenders; j++) {
		pthread_join(group_senders_[j]->thread, NULL);
		free(group_senders_[j]);
	}
	group_nsenders = 0;
	return 0;
}
