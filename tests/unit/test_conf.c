/*
 * Unit tests for common/base/conf.c: the defaults of the README's key table, a
 * file that sets every key, "file:line: message" errors for unknown keys,
 * bad values and duplicates, and the DispatchQ environment overrides.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "tap.h"

static char	conf_err[512];

/* Write text to NAME in this test's directory; returns the path (static). */
static const char *
write_file(const char *name, const char *text)
{
	static char path[4200];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tap_dir(), name);
	if ((fp = fopen(path, "w")) == NULL) {
		tap_fail(__FILE__, __LINE__, "cannot write %s", path);
		return path;
	}
	fputs(text, fp);
	fclose(fp);
	return path;
}

static void
env_clear(void)
{
	unsetenv("RATE_LIMIT_PER_SECOND");
	unsetenv("WEBHOOK_TIMEOUT_MS");
}

/* Load text as a config file; the return value of conf_load. */
static int
load_text(struct dq_conf *c, const char *text)
{
	const char *path = write_file("dq.conf", text);

	conf_err[0] = '\0';
	return conf_load(c, path, conf_err, sizeof(conf_err));
}

/*
 * text must be refused with an error "PATH:LINE: " followed by something
 * containing want (and want2 when not NULL).
 */
static void
refused_at(const char *text, int line, const char *want, const char *want2,
    int srcline)
{
	struct dq_conf c;
	char prefix[4300];
	const char *msg;

	if (load_text(&c, text) == 0) {
		tap_fail(__FILE__, srcline, "accepted: %s", text);
		conf_free(&c);
		return;
	}
	snprintf(prefix, sizeof(prefix), "%s/dq.conf:%d: ", tap_dir(), line);
	if (strncmp(conf_err, prefix, strlen(prefix)) != 0) {
		tap_fail(__FILE__, srcline, "error \"%s\" does not start with \"%s\"",
		    conf_err, prefix);
		return;
	}
	msg = conf_err + strlen(prefix);
	if (strstr(msg, want) == NULL)
		tap_fail(__FILE__, srcline, "error \"%s\" lacks \"%s\"", conf_err, want);
	if (want2 != NULL && strstr(msg, want2) == NULL)
		tap_fail(__FILE__, srcline, "error \"%s\" lacks \"%s\"", conf_err, want2);
}
#define REFUSED_AT(text, line, want, want2) \
	refused_at(text, line, want, want2, __LINE__)

static void
test_defaults(void)
{
	struct dq_conf c;

	env_clear();
	CHECK_INT(conf_load(&c, NULL, conf_err, sizeof(conf_err)), 0);
	CHECK(c.path == NULL);
	CHECK_STR(c.data_dir, "/var/lib/dq");
	CHECK_STR(c.listen, "unix:/run/dq/fcgi.sock");
	CHECK_INT(c.socket_mode, 0660);
	CHECK_INT(c.workers, 8);
	CHECK_INT(c.sync, CONF_SYNC_FULL);
	CHECK_INT(c.cache_size, 64LL << 20);
	CHECK_INT(c.max_body, 1LL << 20);
	CHECK_INT(c.rate_limit, 100);
	CHECK_INT(c.default_max_attempts, 3);
	CHECK_INT(c.delivery_timeout_ms, 30000);
	CHECK_INT(c.retry_base_ms, 10000);
	CHECK_INT(c.retry_cap_ms, 3600000);
	CHECK_INT(c.max_parallel, 256);
	CHECK_INT(c.max_response_body, 65536);
	CHECK_INT(c.allow_private_targets, 0);
	CHECK_INT(c.require_https, 0);
	CHECK_INT(c.retention_ms, 30LL * 86400000);
	CHECK_STR(c.wakeup_socket, "/var/lib/dq/wakeup.sock");
	CHECK(c.metrics_token == NULL);
	CHECK_INT(c.metrics_per_account, 1);
	CHECK_INT(c.log_level, LOG_LVL_INFO);
	conf_free(&c);
	CHECK(c.data_dir == NULL && c.wakeup_socket == NULL);
}

/* An empty file (or only comments) changes nothing. */
static void
test_empty_file(void)
{
	struct dq_conf c;

	env_clear();
	CHECK_INT(load_text(&c, "# nothing here\n\n   \n\t# indented comment\n"), 0);
	CHECK(c.path != NULL && strstr(c.path, "dq.conf") != NULL);
	CHECK_STR(c.data_dir, "/var/lib/dq");
	CHECK_INT(c.workers, 8);
	CHECK_STR(c.wakeup_socket, "/var/lib/dq/wakeup.sock");
	conf_free(&c);
}

static void
test_every_key(void)
{
	struct dq_conf c;

	env_clear();
	CHECK_INT(load_text(&c,
	    "data_dir /srv/dq\n"
	    "listen 127.0.0.1:9000\n"
	    "socket_mode 0600\n"
	    "workers 12\n"
	    "sync none\n"
	    "cache_size 128m\n"
	    "max_body 2m\n"
	    "rate_limit_per_second 0\n"
	    "default_max_attempts 7\n"
	    "delivery_timeout 45s\n"
	    "retry_base 250ms\n"
	    "retry_cap 2h\n"
	    "max_parallel 32\n"
	    "max_response_body 8k\n"
	    "allow_private_targets yes\n"
	    "require_https on\n"
	    "retention 7d\n"
	    "wakeup_socket /run/dq/wake.sock\n"
	    "metrics_token s3cret\n"
	    "metrics_per_account no\n"
	    "log_level debug\n"), 0);
	CHECK_STR(conf_err, "");
	CHECK_STR(c.data_dir, "/srv/dq");
	CHECK_STR(c.listen, "127.0.0.1:9000");
	CHECK_INT(c.socket_mode, 0600);
	CHECK_INT(c.workers, 12);
	CHECK_INT(c.sync, CONF_SYNC_NONE);
	CHECK_INT(c.cache_size, 128LL << 20);
	CHECK_INT(c.max_body, 2LL << 20);
	CHECK_INT(c.rate_limit, 0);
	CHECK_INT(c.default_max_attempts, 7);
	CHECK_INT(c.delivery_timeout_ms, 45000);
	CHECK_INT(c.retry_base_ms, 250);
	CHECK_INT(c.retry_cap_ms, 2 * 3600000);
	CHECK_INT(c.max_parallel, 32);
	CHECK_INT(c.max_response_body, 8192);
	CHECK_INT(c.allow_private_targets, 1);
	CHECK_INT(c.require_https, 1);
	CHECK_INT(c.retention_ms, 7LL * 86400000);
	CHECK_STR(c.wakeup_socket, "/run/dq/wake.sock");
	CHECK_STR(c.metrics_token, "s3cret");
	CHECK_INT(c.metrics_per_account, 0);
	CHECK_INT(c.log_level, LOG_LVL_DEBUG);
	conf_free(&c);
}

static void
test_value_words(void)
{
	static const char *const yes[] = { "yes", "on", "true", "1" };
	static const char *const no[] = { "no", "off", "false", "0" };
	static const struct { const char *w; int v; } syncs[] = {
		{ "full", CONF_SYNC_FULL }, { "write", CONF_SYNC_WRITE },
		{ "none", CONF_SYNC_NONE }
	};
	static const struct { const char *w; int v; } levels[] = {
		{ "error", LOG_LVL_ERROR }, { "warn", LOG_LVL_WARN },
		{ "info", LOG_LVL_INFO }, { "debug", LOG_LVL_DEBUG }
	};
	struct dq_conf c;
	char text[128];
	size_t i;

	env_clear();
	for (i = 0; i < 4; i++) {
		snprintf(text, sizeof(text), "require_https %s\nallow_private_targets %s\n",
		    yes[i], no[i]);
		CHECK_INT(load_text(&c, text), 0);
		CHECK_INT(c.require_https, 1);
		CHECK_INT(c.allow_private_targets, 0);
		conf_free(&c);
		snprintf(text, sizeof(text), "require_https %s\nallow_private_targets %s\n",
		    no[i], yes[i]);
		CHECK_INT(load_text(&c, text), 0);
		CHECK_INT(c.require_https, 0);
		CHECK_INT(c.allow_private_targets, 1);
		conf_free(&c);
	}
	for (i = 0; i < 3; i++) {
		snprintf(text, sizeof(text), "sync %s\n", syncs[i].w);
		CHECK_INT(load_text(&c, text), 0);
		CHECK_INT(c.sync, syncs[i].v);
		conf_free(&c);
	}
	for (i = 0; i < 4; i++) {
		snprintf(text, sizeof(text), "log_level %s\n", levels[i].w);
		CHECK_INT(load_text(&c, text), 0);
		CHECK_INT(c.log_level, levels[i].v);
		conf_free(&c);
	}
}

/* Bounds of the ranged keys are inclusive. */
static void
test_range_edges(void)
{
	struct dq_conf c;

	env_clear();
	CHECK_INT(load_text(&c, "workers 1\ndefault_max_attempts 1\n"
	    "delivery_timeout 1s\nmax_parallel 1\nsocket_mode 0\n"
	    "rate_limit_per_second 1000000\nretry_base 1ms\nretry_cap 1ms\n"
	    "max_response_body 0\nretention 1m\ncache_size 1m\nmax_body 1k\n"), 0);
	CHECK_INT(c.workers, 1);
	CHECK_INT(c.default_max_attempts, 1);
	CHECK_INT(c.delivery_timeout_ms, 1000);
	CHECK_INT(c.max_parallel, 1);
	CHECK_INT(c.socket_mode, 0);
	CHECK_INT(c.rate_limit, 1000000);
	CHECK_INT(c.retry_base_ms, 1);
	CHECK_INT(c.retry_cap_ms, 1);
	CHECK_INT(c.max_response_body, 0);
	CHECK_INT(c.retention_ms, 60000);
	CHECK_INT(c.cache_size, 1LL << 20);
	CHECK_INT(c.max_body, 1024);
	conf_free(&c);
	CHECK_INT(load_text(&c, "workers 256\ndefault_max_attempts 100\n"
	    "delivery_timeout 15m\nmax_parallel 10000\nsocket_mode 0777\n"
	    "max_body 64m\nmax_response_body 16m\nretry_cap 7d\nretry_base 1d\n"), 0);
	CHECK_INT(c.workers, 256);
	CHECK_INT(c.default_max_attempts, 100);
	CHECK_INT(c.delivery_timeout_ms, 900000);
	CHECK_INT(c.max_parallel, 10000);
	CHECK_INT(c.socket_mode, 0777);
	CHECK_INT(c.max_body, 64LL << 20);
	CHECK_INT(c.max_response_body, 16LL << 20);
	CHECK_INT(c.retry_cap_ms, 7LL * 86400000);
	CHECK_INT(c.retry_base_ms, 86400000);
	conf_free(&c);
}

static void
test_unknown_key(void)
{
	struct dq_conf c;
	char want[4300];

	env_clear();
	CHECK_INT(load_text(&c, "# a comment\n\nworkers 2\nx 1\n"), -1);
	snprintf(want, sizeof(want), "%s/dq.conf:4: unknown key 'x'", tap_dir());
	CHECK_STR(conf_err, want);
	/* keys are case-sensitive and exact */
	REFUSED_AT("Workers 4\n", 1, "unknown key 'Workers'", NULL);
	REFUSED_AT("\n\nworker 4\n", 3, "unknown key 'worker'", NULL);
	REFUSED_AT("rate_limit 4\n", 1, "unknown key 'rate_limit'", NULL);
}

static void
test_bad_values(void)
{
	env_clear();
	/* booleans */
	REFUSED_AT("require_https maybe\n", 1, "require_https", "'maybe'");
	REFUSED_AT("# c\nallow_private_targets YES\n", 2, "allow_private_targets", "'YES'");
	REFUSED_AT("require_https 2\n", 1, "require_https", "'2'");
	/* sync */
	REFUSED_AT("workers 2\nsync always\n", 2, "sync", "'always'");
	REFUSED_AT("sync Full\n", 1, "sync", "'Full'");
	/* log level */
	REFUSED_AT("log_level verbose\n", 1, "log_level", "'verbose'");
	/* durations: syntax and range */
	REFUSED_AT("delivery_timeout 5x\n", 1, "delivery_timeout", "'5x'");
	REFUSED_AT("delivery_timeout 999ms\n", 1, "delivery_timeout", "'999ms'");
	REFUSED_AT("delivery_timeout 16m\n", 1, "delivery_timeout", "'16m'");
	REFUSED_AT("retry_base 0s\n", 1, "retry_base", "'0s'");
	REFUSED_AT("retry_cap 8d\n", 1, "retry_cap", "'8d'");
	REFUSED_AT("retention 999ms\n", 1, "retention", "'999ms'");
	REFUSED_AT("retention -1d\n", 1, "retention", "'-1d'");
	/* sizes: syntax and range */
	REFUSED_AT("cache_size lots\n", 1, "cache_size", "'lots'");
	REFUSED_AT("cache_size 512k\n", 1, "cache_size", "'512k'");
	REFUSED_AT("max_body 1023\n", 1, "max_body", "'1023'");
	REFUSED_AT("max_body 65m\n", 1, "max_body", "'65m'");
	REFUSED_AT("max_response_body 17m\n", 1, "max_response_body", "'17m'");
	REFUSED_AT("max_response_body 1t\n", 1, "max_response_body", "'1t'");
	/* integers out of range or not integers */
	REFUSED_AT("workers 0\n", 1, "workers", "'0'");
	REFUSED_AT("workers 257\n", 1, "workers", "'257'");
	REFUSED_AT("workers four\n", 1, "workers", "'four'");
	REFUSED_AT("workers 4.5\n", 1, "workers", "'4.5'");
	REFUSED_AT("default_max_attempts 0\n", 1, "default_max_attempts", NULL);
	REFUSED_AT("default_max_attempts 101\n", 1, "default_max_attempts", NULL);
	REFUSED_AT("max_parallel 10001\n", 1, "max_parallel", NULL);
	REFUSED_AT("rate_limit_per_second -1\n", 1, "rate_limit_per_second", NULL);
	REFUSED_AT("rate_limit_per_second 1000001\n", 1, "rate_limit_per_second", NULL);
	/* socket_mode is octal: digits 8 and 9 are not, and 0777 is the top */
	REFUSED_AT("socket_mode 0690\n", 1, "socket_mode", "'0690'");
	REFUSED_AT("socket_mode 1000\n", 1, "socket_mode", "'1000'");
	REFUSED_AT("socket_mode 0x1ff\n", 1, "socket_mode", NULL);
	REFUSED_AT("socket_mode -1\n", 1, "socket_mode", NULL);
	REFUSED_AT("socket_mode rw\n", 1, "socket_mode", NULL);
}

static void
test_octal_mode(void)
{
	struct dq_conf c;

	env_clear();
	CHECK_INT(load_text(&c, "socket_mode 660\n"), 0);	/* octal even without 0 */
	CHECK_INT(c.socket_mode, 0660);
	conf_free(&c);
	CHECK_INT(load_text(&c, "socket_mode 0640\n"), 0);
	CHECK_INT(c.socket_mode, 0640);
	conf_free(&c);
}

static void
test_duplicate_and_syntax(void)
{
	env_clear();
	REFUSED_AT("workers 2\n# again\nworkers 3\n", 3, "workers", "twice");
	REFUSED_AT("metrics_token a\nmetrics_token a\n", 2, "metrics_token", "twice");
	/* a key without a value */
	REFUSED_AT("workers 2\nlisten\n", 2, "expected 'key value'", NULL);
	REFUSED_AT("listen    # only a comment after it\n", 1, "key value", NULL);
}

static void
test_comments_and_blanks(void)
{
	struct dq_conf c;

	env_clear();
	CHECK_INT(load_text(&c,
	    "# dq.conf\n"
	    "\n"
	    "   \t\n"
	    "  workers   6   # six of them\n"
	    "\tlisten\tunix:/tmp/x.sock\t\n"
	    "metrics_token tok\r\n"
	    "#workers 9\n"
	    "log_level warn# no space before the comment\n"), 0);
	CHECK_INT(c.workers, 6);
	CHECK_STR(c.listen, "unix:/tmp/x.sock");
	CHECK_STR(c.metrics_token, "tok");
	CHECK_INT(c.log_level, LOG_LVL_WARN);
	conf_free(&c);
	/* line numbers count comment and blank lines */
	REFUSED_AT("# one\n\n# three\n\nworkers 0\n", 5, "workers", NULL);
}

static void
test_wakeup_default(void)
{
	struct dq_conf c;

	env_clear();
	CHECK_INT(load_text(&c, "data_dir /srv/queue\n"), 0);
	CHECK_STR(c.wakeup_socket, "/srv/queue/wakeup.sock");
	conf_free(&c);
	/* "none" means the default as well */
	CHECK_INT(load_text(&c, "wakeup_socket none\ndata_dir /d\n"), 0);
	CHECK_STR(c.wakeup_socket, "/d/wakeup.sock");
	conf_free(&c);
	CHECK_INT(load_text(&c, "wakeup_socket /elsewhere/w.sock\ndata_dir /d\n"), 0);
	CHECK_STR(c.wakeup_socket, "/elsewhere/w.sock");
	conf_free(&c);
	/* metrics_token none is unset */
	CHECK_INT(load_text(&c, "metrics_token none\n"), 0);
	CHECK(c.metrics_token == NULL);
	conf_free(&c);
}

static void
test_data_dir_absolute(void)
{
	struct dq_conf c;

	env_clear();
	CHECK_INT(load_text(&c, "data_dir var/lib/dq\n"), -1);
	CHECK(strstr(conf_err, "data_dir") != NULL);
	CHECK(strstr(conf_err, "absolute") != NULL);
	CHECK_INT(load_text(&c, "data_dir none\n"), -1);
	CHECK(strstr(conf_err, "data_dir") != NULL);
}

static void
test_missing_file(void)
{
	struct dq_conf c;
	char path[4200];

	env_clear();
	snprintf(path, sizeof(path), "%s/nope.conf", tap_dir());
	CHECK_INT(conf_load(&c, path, conf_err, sizeof(conf_err)), -1);
	CHECK(strncmp(conf_err, path, strlen(path)) == 0);
	CHECK(strstr(conf_err, "No such file") != NULL);
}

static void
test_env_overrides(void)
{
	struct dq_conf c;

	env_clear();
	setenv("RATE_LIMIT_PER_SECOND", "7", 1);
	setenv("WEBHOOK_TIMEOUT_MS", "2500", 1);
	CHECK_INT(conf_load(&c, NULL, conf_err, sizeof(conf_err)), 0);
	CHECK_INT(c.rate_limit, 7);
	CHECK_INT(c.delivery_timeout_ms, 2500);
	conf_free(&c);
	/* the environment wins over the file */
	CHECK_INT(load_text(&c, "rate_limit_per_second 50\ndelivery_timeout 10s\n"), 0);
	CHECK_INT(c.rate_limit, 7);
	CHECK_INT(c.delivery_timeout_ms, 2500);
	conf_free(&c);
	/* range edges */
	setenv("RATE_LIMIT_PER_SECOND", "0", 1);
	setenv("WEBHOOK_TIMEOUT_MS", "900000", 1);
	CHECK_INT(conf_load(&c, NULL, conf_err, sizeof(conf_err)), 0);
	CHECK_INT(c.rate_limit, 0);
	CHECK_INT(c.delivery_timeout_ms, 900000);
	conf_free(&c);
	setenv("WEBHOOK_TIMEOUT_MS", "1000", 1);
	CHECK_INT(conf_load(&c, NULL, conf_err, sizeof(conf_err)), 0);
	CHECK_INT(c.delivery_timeout_ms, 1000);
	conf_free(&c);
	/* empty values are ignored */
	setenv("RATE_LIMIT_PER_SECOND", "", 1);
	setenv("WEBHOOK_TIMEOUT_MS", "", 1);
	CHECK_INT(load_text(&c, "rate_limit_per_second 50\n"), 0);
	CHECK_INT(c.rate_limit, 50);
	CHECK_INT(c.delivery_timeout_ms, 30000);
	conf_free(&c);
	env_clear();
}

static void
env_refused(const char *name, const char *value, int srcline)
{
	struct dq_conf c;

	env_clear();
	setenv(name, value, 1);
	conf_err[0] = '\0';
	if (conf_load(&c, NULL, conf_err, sizeof(conf_err)) == 0) {
		tap_fail(__FILE__, srcline, "%s=%s accepted", name, value);
		conf_free(&c);
	} else if (strstr(conf_err, name) == NULL || strstr(conf_err, value) == NULL)
		tap_fail(__FILE__, srcline, "error \"%s\" names neither %s nor '%s'",
		    conf_err, name, value);
	env_clear();
}
#define ENV_REFUSED(n, v)	env_refused(n, v, __LINE__)

static void
test_env_bad(void)
{
	ENV_REFUSED("RATE_LIMIT_PER_SECOND", "abc");
	ENV_REFUSED("RATE_LIMIT_PER_SECOND", "-1");
	ENV_REFUSED("RATE_LIMIT_PER_SECOND", "1000001");
	ENV_REFUSED("RATE_LIMIT_PER_SECOND", "10/s");
	ENV_REFUSED("RATE_LIMIT_PER_SECOND", " 5");
	ENV_REFUSED("WEBHOOK_TIMEOUT_MS", "999");
	ENV_REFUSED("WEBHOOK_TIMEOUT_MS", "900001");
	ENV_REFUSED("WEBHOOK_TIMEOUT_MS", "30s");
	ENV_REFUSED("WEBHOOK_TIMEOUT_MS", "1e4");
}

static void
test_retry_base_cap(void)
{
	struct dq_conf c;

	env_clear();
	CHECK_INT(load_text(&c, "retry_base 2h\n"), -1);	/* cap stays 1h */
	CHECK(strstr(conf_err, "retry_base") != NULL);
	CHECK(strstr(conf_err, "retry_cap") != NULL);
	CHECK(strstr(conf_err, "dq.conf") != NULL);
	CHECK_INT(load_text(&c, "retry_base 1m\nretry_cap 30s\n"), -1);
	CHECK(strstr(conf_err, "retry_base") != NULL);
	CHECK_INT(load_text(&c, "retry_base 1m\nretry_cap 1m\n"), 0);	/* equal is fine */
	CHECK_INT(c.retry_base_ms, 60000);
	CHECK_INT(c.retry_cap_ms, 60000);
	conf_free(&c);
}

static void
test_long_line(void)
{
	char text[6000];

	env_clear();
	memset(text, 'a', sizeof(text));
	memcpy(text, "workers 2\nlisten ", 17);
	text[sizeof(text) - 2] = '\n';
	text[sizeof(text) - 1] = '\0';
	REFUSED_AT(text, 2, "too long", NULL);
}

/* Replication: off by default; peers repeat; the whole group is checked. */
static void
test_replication(void)
{
	struct dq_conf c;

	env_clear();
	CHECK_INT(conf_load(&c, NULL, conf_err, sizeof(conf_err)), 0);
	CHECK(c.repl_listen == NULL && c.repl_peers.n == 0 && c.repl_url == NULL);
	CHECK_INT(c.repl_priority, 100);
	CHECK_INT(c.repl_ack_policy, CONF_ACK_QUORUM);
	CHECK_INT(c.repl_ack_timeout_ms, 1000);
	CHECK_INT(c.repl_heartbeat_ms, 500);
	CHECK_INT(c.repl_heartbeat_timeout_ms, 2000);
	conf_free(&c);
	CHECK_INT(load_text(&c, "replication_listen 10.0.0.1:7401\n"
	    "replication_peer 10.0.0.2:7401\nreplication_peer [::1]:7401\n"
	    "replication_url https://dq1.example.com\nreplication_ack_policy all\n"
	    "replication_priority 0\n"), 0);
	CHECK_STR(c.repl_listen, "10.0.0.1:7401");
	CHECK_INT(c.repl_peers.n, 2);
	CHECK_STR(c.repl_peers.v[1], "[::1]:7401");
	CHECK_STR(c.repl_url, "https://dq1.example.com");
	CHECK_INT(c.repl_ack_policy, CONF_ACK_ALL);
	CHECK_INT(c.repl_priority, 0);
	conf_free(&c);
	CHECK(c.repl_peers.n == 0 && c.repl_listen == NULL);
	REFUSED_AT("replication_listen 10.0.0.1\n", 1, "replication_listen", "HOST:PORT");
	REFUSED_AT("replication_listen :7401\n", 1, "HOST:PORT", NULL);
	REFUSED_AT("replication_peer 10.0.0.2:99999\n", 1, "HOST:PORT", NULL);
	REFUSED_AT("replication_peer a:1\nreplication_peer a:1\n", 2, "listed twice", NULL);
	REFUSED_AT("replication_ack_policy most\n", 1, "quorum, all or one", NULL);
	CHECK_INT(load_text(&c, "replication_peer 10.0.0.2:7401\n"), -1);
	CHECK(strstr(conf_err, "needs replication_listen") != NULL);
	CHECK_INT(load_text(&c, "replication_listen a:1\nreplication_peer a:1\n"), -1);
	CHECK(strstr(conf_err, "own replication_listen") != NULL);
}

int
main(void)
{
	TAP_RUN(test_defaults);
	TAP_RUN(test_empty_file);
	TAP_RUN(test_every_key);
	TAP_RUN(test_value_words);
	TAP_RUN(test_range_edges);
	TAP_RUN(test_unknown_key);
	TAP_RUN(test_bad_values);
	TAP_RUN(test_octal_mode);
	TAP_RUN(test_duplicate_and_syntax);
	TAP_RUN(test_comments_and_blanks);
	TAP_RUN(test_wakeup_default);
	TAP_RUN(test_data_dir_absolute);
	TAP_RUN(test_missing_file);
	TAP_RUN(test_env_overrides);
	TAP_RUN(test_env_bad);
	TAP_RUN(test_retry_base_cap);
	TAP_RUN(test_long_line);
	TAP_RUN(test_replication);
	return tap_done();
}
