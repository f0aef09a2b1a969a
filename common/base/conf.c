/*
 * Configuration loading from the single key table below.  Values are
 * checked as they are read; environment overrides kept for DispatchQ users
 * (RATE_LIMIT_PER_SECOND, WEBHOOK_TIMEOUT_MS) are applied last.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "num.h"

enum conf_type {
	CT_STRING,	/* char *; "none" means unset (NULL) where allowed */
	CT_INT,		/* int64_t */
	CT_OCTAL,	/* int64_t */
	CT_SIZE,	/* int64_t bytes */
	CT_DURATION,	/* int64_t milliseconds */
	CT_BOOL,	/* int */
	CT_SYNC,	/* int, enum conf_sync */
	CT_LOGLEVEL,	/* int, enum log_level */
	CT_ACK,		/* int, enum conf_ack */
	CT_ADDR,	/* char *, HOST:PORT; "none" means unset */
	CT_ADDRS	/* struct conf_list of HOST:PORT; may be given again */
};

struct conf_key {
	const char	*name;
	enum conf_type	 type;
	size_t		 off;
	int64_t		 min, max;
	const char	*def;		/* default, in the file's own syntax */
};

#define F(m)	offsetof(struct dq_conf, m)
static const struct conf_key conf_keys[] = {
	{ "data_dir", CT_STRING, F(data_dir), 0, 0, "/var/lib/dq" },
	{ "listen", CT_STRING, F(listen), 0, 0, "unix:/run/dq/fcgi.sock" },
	{ "socket_mode", CT_OCTAL, F(socket_mode), 0, 0777, "0660" },
	{ "workers", CT_INT, F(workers), 1, 256, "8" },
	{ "sync", CT_SYNC, F(sync), 0, 0, "full" },
	{ "cache_size", CT_SIZE, F(cache_size), 1 << 20, (int64_t)1 << 34, "64m" },
	{ "max_body", CT_SIZE, F(max_body), 1024, 64 << 20, "1m" },
	{ "rate_limit_per_second", CT_INT, F(rate_limit), 0, 1000000, "100" },
	{ "rate_limit_unauthenticated", CT_INT, F(rate_limit_unauth), 0, 1000000, "20" },
	{ "default_max_attempts", CT_INT, F(default_max_attempts), 1, 100, "3" },
	{ "delivery_timeout", CT_DURATION, F(delivery_timeout_ms), 1000, 900000, "30s" },
	{ "retry_base", CT_DURATION, F(retry_base_ms), 1, 86400000, "10s" },
	{ "retry_cap", CT_DURATION, F(retry_cap_ms), 1, 7 * 86400000LL, "1h" },
	{ "max_parallel", CT_INT, F(max_parallel), 1, 10000, "256" },
	{ "max_parallel_per_account", CT_INT, F(max_parallel_per_account), 0, 10000, "0" },
	{ "max_response_body", CT_SIZE, F(max_response_body), 0, 16 << 20, "64k" },
	{ "max_queues_per_account", CT_INT, F(max_queues_per_account), 1, 1000000, "10000" },
	{ "max_jobs_per_account", CT_INT, F(max_jobs_per_account), 0, INT64_MAX, "0" },
	{ "max_schedules_per_account", CT_INT, F(max_schedules_per_account), 0, 100000000, "0" },
	{ "max_topics_per_account", CT_INT, F(max_topics_per_account), 1, 1000000, "1000" },
	{ "max_stats_queues_per_account", CT_INT, F(max_stats_queues_per_account), 0, 1000, "20" },
	{ "allow_private_targets", CT_BOOL, F(allow_private_targets), 0, 0, "no" },
	{ "require_https", CT_BOOL, F(require_https), 0, 0, "no" },
	{ "retention", CT_DURATION, F(retention_ms), 1000, 3650 * 86400000LL, "30d" },
	{ "wakeup_socket", CT_STRING, F(wakeup_socket), 0, 0, "none" },
	{ "metrics_token", CT_STRING, F(metrics_token), 0, 0, "none" },
	{ "metrics_per_account", CT_BOOL, F(metrics_per_account), 0, 0, "yes" },
	{ "log_level", CT_LOGLEVEL, F(log_level), 0, 0, "info" },
	{ "log_requests", CT_BOOL, F(log_requests), 0, 0, "no" },
	{ "test_clock_file", CT_STRING, F(test_clock_file), 0, 0, "none" },
	{ "replication_listen", CT_ADDR, F(repl_listen), 0, 0, "none" },
	{ "replication_peer", CT_ADDRS, F(repl_peers), 0, 0, "none" },
	{ "replication_url", CT_STRING, F(repl_url), 0, 0, "none" },
	{ "replication_priority", CT_INT, F(repl_priority), 0, 1000000, "100" },
	{ "replication_ack_policy", CT_ACK, F(repl_ack_policy), 0, 0, "quorum" },
	{ "replication_ack_timeout", CT_DURATION, F(repl_ack_timeout_ms), 10, 60000, "1s" },
	{ "replication_heartbeat", CT_DURATION, F(repl_heartbeat_ms), 100, 60000, "500ms" },
	{ "replication_heartbeat_timeout", CT_DURATION, F(repl_heartbeat_timeout_ms), 300,
	    300000, "2s" },
	{ "replication_election_timeout", CT_DURATION, F(repl_election_timeout_ms), 100,
	    300000, "2s" },
	{ "replication_connect_retry", CT_DURATION, F(repl_connect_retry_ms), 100, 300000,
	    "1s" },
	{ "replication_log_keep", CT_SIZE, F(repl_log_keep), 0, (int64_t)1 << 42, "1g" },
};
#undef F
#define CONF_NKEYS	(sizeof(conf_keys) / sizeof(conf_keys[0]))

static const char *const conf_sync_names[] = { "full", "write", "none" };
static const char *const conf_ack_names[] = { "quorum", "all", "one" };

static int
conf_word(const char *v, const char *const *names, size_t n, int *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(v, names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	}
	return -1;
}

static int
conf_bool(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "on", "true", "1" };
	static const char *const no[] = { "no", "off", "false", "0" };
	int i;

	if (conf_word(v, yes, 4, &i) == 0)
		*out = 1;
	else if (conf_word(v, no, 4, &i) == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

static int
conf_number(const struct conf_key *k, const char *v, int64_t *out)
{
	long long ll;
	char *end;

	switch (k->type) {
	case CT_INT:
		if (num_parse_ll(v, k->min, k->max, &ll) == -1)
			return -1;
		*out = ll;
		return 0;
	case CT_OCTAL:
		errno = 0;
		ll = strtoll(v, &end, 8);
		if (*v == '\0' || *end != '\0' || errno || ll < k->min || ll > k->max)
			return -1;
		*out = ll;
		return 0;
	case CT_SIZE:
		return num_parse_size(v, out) == -1 || *out < k->min ||
		    *out > k->max ? -1 : 0;
	case CT_DURATION:
		return num_parse_duration_ms(v, out) == -1 || *out < k->min ||
		    *out > k->max ? -1 : 0;
	default:
		return -1;
	}
}

int
conf_addr_split(const char *addr, char *host, size_t hostsz, unsigned *port)
{
	const char *colon = strrchr(addr, ':'), *h = addr;
	size_t hl;
	long long p;

	if (colon == NULL || num_parse_ll(colon + 1, 1, 65535, &p) == -1)
		return -1;
	hl = (size_t)(colon - addr);
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	if (hl == 0 || hl >= hostsz || hl > 255 || memchr(h, ' ', hl) != NULL)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port = (unsigned)p;
	return 0;
}

/* A HOST:PORT value, copied; "none" clears it. */
static int
conf_addr(char **sp, const char *v)
{
	char host[256];
	unsigned port;

	free(*sp);
	*sp = NULL;
	if (strcmp(v, "none") == 0)
		return 0;
	if (conf_addr_split(v, host, sizeof(host), &port) == -1)
		return -1;
	return (*sp = strdup(v)) == NULL ? -2 : 0;
}

static void
conf_list_clear(struct conf_list *l)
{
	while (l->n > 0)
		free(l->v[--l->n]);
}

/* One more HOST:PORT in the list ("none" empties it). */
static int
conf_addrs(struct conf_list *l, const char *v, char *err, size_t errsz)
{
	char *one = NULL;
	int i, r;

	if (strcmp(v, "none") == 0) {
		conf_list_clear(l);
		return 0;
	}
	if ((r = conf_addr(&one, v)) != 0)
		return r;
	for (i = 0; i < l->n; i++) {
		if (strcmp(l->v[i], one) == 0) {
			snprintf(err, errsz, "%s is listed twice", one);
			free(one);
			return -3;
		}
	}
	if (l->n == CONF_LIST_MAX) {
		snprintf(err, errsz, "at most %d of these", CONF_LIST_MAX);
		free(one);
		return -3;
	}
	l->v[l->n++] = one;
	return 0;
}

/* Set one key from its text; on error write why into err. */
static int
conf_set(struct dq_conf *c, const struct conf_key *k, const char *v,
    char *err, size_t errsz)
{
	void *p = (char *)c + k->off;
	char **sp;
	int iv;

	switch (k->type) {
	case CT_STRING:
		sp = p;
		free(*sp);
		*sp = NULL;
		if (strcmp(v, "none") != 0 && (*sp = strdup(v)) == NULL) {
			snprintf(err, errsz, "out of memory");
			return -1;
		}
		return 0;
	case CT_BOOL:
		if (conf_bool(v, &iv) == -1)
			goto bad;
		*(int *)p = iv;
		return 0;
	case CT_SYNC:
		if (conf_word(v, conf_sync_names, 3, &iv) == -1)
			goto bad;
		*(int *)p = iv;
		return 0;
	case CT_LOGLEVEL:
		if (log_level_parse(v, (enum log_level *)&iv) == -1)
			goto bad;
		*(int *)p = iv;
		return 0;
	case CT_ACK:
		if (conf_word(v, conf_ack_names, 3, &iv) == -1)
			goto bad;
		*(int *)p = iv;
		return 0;
	case CT_ADDR:
	case CT_ADDRS:
		iv = k->type == CT_ADDR ? conf_addr(p, v) : conf_addrs(p, v, err, errsz);
		if (iv == -1)
			goto bad;
		if (iv == -2)
			snprintf(err, errsz, "out of memory");
		return iv == 0 ? 0 : -1;
	default:
		if (conf_number(k, v, p) == 0)
			return 0;
		goto bad;
	}
bad:
	snprintf(err, errsz, "bad value for %s: '%.64s'%s", k->name, v,
	    k->type == CT_BOOL ? " (want yes or no)" :
	    k->type == CT_SYNC ? " (want full, write or none)" :
	    k->type == CT_LOGLEVEL ? " (want error, warn, info or debug)" :
	    k->type == CT_ACK ? " (want quorum, all or one)" :
	    k->type == CT_ADDR || k->type == CT_ADDRS ? " (want HOST:PORT)" :
	    k->type == CT_DURATION ? " (want e.g. 250ms, 30s, 5m, 1h, 30d, in range)" :
	    k->type == CT_SIZE ? " (want e.g. 512, 64k, 1m, in range)" :
	    " (out of range)");
	return -1;
}

static const struct conf_key *
conf_find(const char *name)
{
	size_t i;

	for (i = 0; i < CONF_NKEYS; i++)
		if (strcmp(conf_keys[i].name, name) == 0)
			return &conf_keys[i];
	return NULL;
}

/* Split a line into key and value in place; 0 if blank, 1 if a pair, -1 bad. */
static int
conf_split(char *line, char **key, char **val)
{
	char *p, *end;

	if ((p = strchr(line, '#')) != NULL)
		*p = '\0';
	for (p = line; isspace((unsigned char)*p); p++)
		;
	if (*p == '\0')
		return 0;
	*key = p;
	while (*p != '\0' && !isspace((unsigned char)*p))
		p++;
	if (*p == '\0')
		return -1;
	*p++ = '\0';
	while (isspace((unsigned char)*p))
		p++;
	end = p + strlen(p);
	while (end > p && isspace((unsigned char)end[-1]))
		*--end = '\0';
	*val = p;
	return *p == '\0' ? -1 : 1;
}

static int
conf_file(struct dq_conf *c, const char *path, char *err, size_t errsz)
{
	char line[4096], why[256], seen[CONF_NKEYS];
	const struct conf_key *k;
	char *key, *val;
	FILE *fp;
	int lineno = 0, rc = -1, r;

	memset(seen, 0, sizeof(seen));
	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			snprintf(err, errsz, "%s:%d: line too long", path, lineno);
			goto done;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if ((r = conf_split(line, &key, &val)) == 0)
			continue;
		if (r == -1) {
			snprintf(err, errsz, "%s:%d: expected 'key value'", path, lineno);
			goto done;
		}
		if ((k = conf_find(key)) == NULL) {
			snprintf(err, errsz, "%s:%d: unknown key '%.64s'", path, lineno, key);
			goto done;
		}
		if (seen[k - conf_keys]++ && k->type != CT_ADDRS) {
			snprintf(err, errsz, "%s:%d: %s given twice", path, lineno, key);
			goto done;
		}
		if (conf_set(c, k, val, why, sizeof(why)) == -1) {
			snprintf(err, errsz, "%s:%d: %s", path, lineno, why);
			goto done;
		}
	}
	rc = 0;
done:
	fclose(fp);
	return rc;
}

static int
conf_env(struct dq_conf *c, char *err, size_t errsz)
{
	const char *v;
	long long ll;

	if ((v = getenv("RATE_LIMIT_PER_SECOND")) != NULL && *v != '\0') {
		if (num_parse_ll(v, 0, 1000000, &ll) == -1) {
			snprintf(err, errsz, "RATE_LIMIT_PER_SECOND: bad value '%.32s'", v);
			return -1;
		}
		c->rate_limit = ll;
	}
	if ((v = getenv("WEBHOOK_TIMEOUT_MS")) != NULL && *v != '\0') {
		if (num_parse_ll(v, 1000, 900000, &ll) == -1) {
			snprintf(err, errsz, "WEBHOOK_TIMEOUT_MS: bad value '%.32s' (1000-900000)", v);
			return -1;
		}
		c->delivery_timeout_ms = ll;
	}
	return 0;
}

/* Replication: peers need a listen address, and are other than it. */
static int
conf_repl_check(const struct dq_conf *c, char *err, size_t errsz)
{
	const char *f = c->path ? c->path : "config";
	int i;

	if (c->repl_listen == NULL && c->repl_peers.n > 0) {
		snprintf(err, errsz, "%s: replication_peer needs replication_listen", f);
		return -1;
	}
	for (i = 0; i < c->repl_peers.n; i++) {
		if (strcmp(c->repl_peers.v[i], c->repl_listen) == 0) {
			snprintf(err, errsz, "%s: replication_peer %s is this member's own "
			    "replication_listen", f, c->repl_listen);
			return -1;
		}
	}
	if (c->repl_url != NULL && (strlen(c->repl_url) > 255 ||
	    strcspn(c->repl_url, " \t\r\n") != strlen(c->repl_url))) {
		snprintf(err, errsz, "%s: replication_url must be one word of at most "
		    "255 characters", f);
		return -1;
	}
	return 0;
}

static int
conf_derive(struct dq_conf *c, char *err, size_t errsz)
{
	size_t n;

	if (c->data_dir == NULL || c->data_dir[0] != '/') {
		snprintf(err, errsz, "%s: data_dir must be an absolute path",
		    c->path ? c->path : "config");
		return -1;
	}
	if (c->wakeup_socket == NULL) {
		n = strlen(c->data_dir) + sizeof("/wakeup.sock");
		if ((c->wakeup_socket = malloc(n)) == NULL) {
			snprintf(err, errsz, "out of memory");
			return -1;
		}
		snprintf(c->wakeup_socket, n, "%s/wakeup.sock", c->data_dir);
	}
	if (conf_repl_check(c, err, errsz) == -1)
		return -1;
	if (c->retry_base_ms > c->retry_cap_ms) {
		snprintf(err, errsz, "%s: retry_base is larger than retry_cap",
		    c->path ? c->path : "config");
		return -1;
	}
	return 0;
}

int
conf_load(struct dq_conf *c, const char *path, char *err, size_t errsz)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < CONF_NKEYS; i++)
		if (conf_set(c, &conf_keys[i], conf_keys[i].def, err, errsz) == -1)
			goto fail;
	if (path != NULL) {
		if ((c->path = strdup(path)) == NULL ||
		    conf_file(c, path, err, errsz) == -1)
			goto fail;
	}
	if (conf_env(c, err, errsz) == -1 || conf_derive(c, err, errsz) == -1)
		goto fail;
	return 0;
fail:
	conf_free(c);
	return -1;
}

void
conf_free(struct dq_conf *c)
{
	size_t i;

	for (i = 0; i < CONF_NKEYS; i++) {
		if (conf_keys[i].type == CT_ADDRS)
			conf_list_clear((struct conf_list *)((char *)c + conf_keys[i].off));
		if (conf_keys[i].type == CT_STRING || conf_keys[i].type == CT_ADDR) {
			free(*(char **)((char *)c + conf_keys[i].off));
			*(char **)((char *)c + conf_keys[i].off) = NULL;
		}
	}
	free(c->path);
	c->path = NULL;
}

/* The file to read: -c, else $DQ_CONF, else the default if it exists, else NULL. */
static const char *
conf_pick(const char *given)
{
	const char *env = getenv("DQ_CONF");

	if (given != NULL)
		return given;
	if (env != NULL && *env != '\0')
		return env;
	return access(CONF_DEFAULT_PATH, R_OK) == 0 ? CONF_DEFAULT_PATH : NULL;
}

int
conf_start(struct dq_conf *c, const char *prog, const char *path, int check)
{
	char err[512];

	if (conf_load(c, conf_pick(path), err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return -1;
	}
	if (check) {
		printf("configuration OK\n");
		conf_free(c);
		return 1;
	}
	log_set_level((enum log_level)c->log_level);
	return 0;
}
