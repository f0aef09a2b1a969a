/*
 * dqctl and replication: founding a group (dqctl init on its first member),
 * showing the group as this member's dq-repd publishes it, and removing a
 * member (dq-repd does it: only the process that runs the replication
 * manager may).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dqtime.h"
#include "keyfile.h"
#include "repl.h"
#include "ctl.h"

#define CTL_GROUP_NOTE		"group.create"	/* dq-repd reads it (repd/main.c) */
#define CTL_MEMBERSHIP		"__db.rep.system"	/* Berkeley DB: the group it is in */
#define CTL_REMOVE_WAIT_MS	30000

static int
ctl_group_path(const struct ctl *c, const char *name, char *path, size_t n)
{
	snprintf(path, n, "%s/%s", c->conf.data_dir, name);
	return access(path, F_OK) == 0;
}

/* The group's shared cursor key: this member's, put in the store. */
static int
ctl_group_cursor_key(struct ctl *c)
{
	unsigned char key[KEYFILE_LEN], have[KEYFILE_LEN];
	char err[512];
	size_t n = 0;
	enum dq_err e;

	if (store_secret_get(c->st, KEYFILE_CURSOR_SHARED, have, sizeof(have), &n) ==
	    DQ_OK && n == sizeof(have))
		return 0;
	if (keyfile_load(c->conf.data_dir, KEYFILE_CURSOR, key, err, sizeof(err)) == -1) {
		fprintf(stderr, "dqctl: %s\n", err);
		return -1;
	}
	e = store_secret_put(c->st, KEYFILE_CURSOR_SHARED, key, sizeof(key));
	explicit_bzero(key, sizeof(key));
	if (e != DQ_OK) {
		ctl_err("init", e);
		return -1;
	}
	return 0;
}

int
ctl_group_found(struct ctl *c)
{
	char path[4096];
	int fd;

	if (ctl_group_path(c, CTL_MEMBERSHIP, path, sizeof(path))) {
		fprintf(stderr, "dqctl: %s is already a member of a replication "
		    "group; nothing to do\n", c->conf.data_dir);
		return -1;
	}
	if (ctl_group_cursor_key(c) == -1)
		return -1;
	ctl_group_path(c, CTL_GROUP_NOTE, path, sizeof(path));
	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		fprintf(stderr, "dqctl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	close(fd);
	printf("this member founds a new group at %s: start dq-repd here, then "
	    "on the other members (empty data_dir: they copy this one)\n",
	    c->conf.repl_listen);
	return 0;
}

static void
ctl_lsn(uint64_t lsn, char *buf, size_t n)
{
	if (lsn == 0)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%" PRIu64 "/%" PRIu64, lsn >> 32, lsn & 0xffffffff);
}

static void
ctl_lag(int64_t ms, int64_t bytes, char *buf, size_t n)
{
	if (ms < 0)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.1f s, %lld B", (double)ms / 1000.0, (long long)bytes);
}

static void
ctl_member(const char *addr, const char *role, const char *state, uint64_t lsn,
    int64_t lag_ms, int64_t lag_bytes, const char *url)
{
	char pos[48], lag[64];

	ctl_lsn(lsn, pos, sizeof(pos));
	ctl_lag(lag_ms, lag_bytes, lag, sizeof(lag));
	printf("%-22s %-8s %-12s %-14s %-18s %s\n", addr, role, state, pos, lag,
	    url[0] ? url : "-");
}

int
cmd_group(struct ctl *c)
{
	struct repl_state s;
	const struct repl_member *m;
	int64_t now = dqtime_now_ms();
	int i;

	if (c->conf.repl_listen == NULL) {
		fprintf(stderr, "dqctl: replication_listen is not set: this dq is "
		    "not a member of a group\n");
		return 1;
	}
	if (repl_open(c->conf.data_dir) == -1 || repl_read(&s) == -1 ||
	    !repl_alive(now)) {
		fprintf(stderr, "dqctl: dq-repd is not running on this member\n");
		return 1;
	}
	printf("master: %s%s%s%s\n", s.master[0] ? s.master : "none (an election "
	    "is needed: a majority must be up and connected)",
	    s.master_url[0] ? " (" : "", s.master_url, s.master_url[0] ? ")" : "");
	printf("generation %u; elections %" PRIu64 " (won %" PRIu64 "), master "
	    "changes %" PRIu64 ", duplicate masters %" PRIu64 "\n", s.gen,
	    repl_counter(REPL_C_ELECTIONS), repl_counter(REPL_C_WON),
	    repl_counter(REPL_C_MASTER_CHANGES), repl_counter(REPL_C_DUPMASTER));
	printf("%-22s %-8s %-12s %-14s %-18s %s\n", "MEMBER", "ROLE", "STATE",
	    "LOG", "LAG", "URL");
	ctl_member(s.self, repl_role_name(s.role), s.syncing ? "this, syncing" :
	    "this member", s.lsn, s.lag_ms, s.lag_bytes, s.self_url);
	for (i = 0; i < s.nmembers; i++) {
		m = &s.members[i];
		ctl_member(m->addr, m->heard_ms > 0 && m->lag_ms >= 0 ?
		    repl_role_name(m->role) : "-", !m->connected ? "unreachable" :
		    m->syncing ? "syncing" : "connected", m->lsn, m->lag_ms,
		    m->lag_bytes, m->url);
	}
	return 0;
}

int
cmd_group_remove(struct ctl *c)
{
	char answer[600];
	int rc;

	if (c->argc != 1) {
		fprintf(stderr, "usage: dqctl group remove HOST:PORT\n");
		return 2;
	}
	rc = repl_request(c->conf.data_dir, "remove", c->argv[0], answer,
	    sizeof(answer), CTL_REMOVE_WAIT_MS);
	fprintf(rc == 0 ? stdout : stderr, "%s%s\n", rc == 0 ? "" : "dqctl: ", answer);
	return rc == 0 ? 0 : 1;
}
