/*
 * Unit tests for the store (common/store/store*.c) against a real Berkeley DB
 * environment in each test's own temporary directory: accounts and keys
 * (kept only as hashes), job create with Idempotency-Key and dedupe_key,
 * batches, account isolation, listing and paging, counters, queues and
 * purge, retention, and meta values.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf.h"
#include "crypto.h"
#include "store_int.h"	/* to write an entry as dq 0.1.0 did */
#include "storetest.h"
#include "tap.h"

#define T0	1938038400000LL		/* 2031-06-01T00:00:00.000Z */
#define HOUR	3600000LL
#define NPAGE	250

static struct dq_conf	 conf;
static struct store	*st;
static char		 err[512];

/* Open a new store in this test's directory (sync as given). */
static int
store_up(int sync)
{
	if (storetest_conf(&conf, sync) == -1)
		return -1;
	return storetest_up(&conf, &st);
}

static void
store_down(void)
{
	storetest_down(&conf, &st);
}

/* Create one job; the create result, or -1 on a store error. */
static int
create1(uint32_t account, struct job *j, const unsigned char *hash,
    char existing_id[ID_JOB_LEN + 1])
{
	struct store_create it;
	enum dq_err e;

	memset(&it, 0, sizeof(it));
	it.job = j;
	it.idem_hash = hash;
	if ((e = store_jobs_create(st, account, &it, 1)) != DQ_OK) {
		tap_fail(__FILE__, __LINE__, "store_jobs_create: %s", dq_strerror(e));
		return -1;
	}
	if (existing_id != NULL)
		snprintf(existing_id, ID_JOB_LEN + 1, "%s",
		    it.result == STORE_DEDUPLICATED ? it.existing.id : "");
	job_free(&it.existing);
	return (int)it.result;
}

/* Create a plain job in queue at created; its id into id. */
static void
newjob(uint32_t account, const char *queue, int64_t created,
    char id[ID_JOB_LEN + 1])
{
	struct job j;

	storetest_job(&j, queue, created);
	if (create1(account, &j, NULL, NULL) != STORE_CREATED)
		tap_fail(__FILE__, __LINE__, "job not created");
	memcpy(id, j.id, ID_JOB_LEN + 1);
}

static enum dq_err
edit_status(struct job *j, void *arg)
{
	j->status = *(enum job_status *)arg;
	if (job_is_terminal(j->status))
		j->finished_at = j->updated_at + 1;
	return DQ_OK;
}

static enum dq_err
set_status(uint32_t account, const char *id, enum job_status s)
{
	return store_job_edit(st, account, id, edit_status, &s, NULL);
}

static enum dq_err
edit_refuse(struct job *j, void *arg)
{
	j->status = JOB_COMPLETED;	/* must not be written */
	j->url = "https://changed.example/";
	(*(int *)arg)++;
	return DQ_ERR_STATE;
}

static enum dq_err
edit_cancel(struct job *j, void *arg)
{
	return job_act_cancel(j, *(int64_t *)arg);
}

static int64_t
count_of(uint32_t account, const char *queue, enum job_status s)
{
	int64_t c[JOB_NSTATUS];

	if (store_jobs_count(st, account, queue, c) != DQ_OK)
		return -1;
	return c[s];
}

/* --- environment ---------------------------------------------------------------- */

static void
test_open(void)
{
	char key[ID_KEY_LEN + 1], secret[ID_SECRET_LEN + 1];
	struct account a;
	struct store *s2 = NULL;

	if (storetest_conf(&conf, CONF_SYNC_NONE) == -1)
		return;
	/* without STORE_CREATE a new directory is not a store */
	CHECK_INT(store_open(&s2, &conf, 0, err, sizeof(err)), -1);
	CHECK(s2 == NULL);
	CHECK(strstr(err, "dqctl init") != NULL);
	CHECK_INT(store_open(&st, &conf, STORE_CREATE, err, sizeof(err)), 0);
	if (st == NULL) {
		conf_free(&conf);
		return;
	}
	CHECK_INT(store_ping(st), DQ_OK);
	CHECK_INT(store_account_add(st, "keeper", 0, key, secret, &a), DQ_OK);
	store_close(st);
	/* reopened (as a worker would), it has what was committed */
	CHECK_INT(store_open(&st, &conf, 0, err, sizeof(err)), 0);
	if (st != NULL) {
		CHECK_INT(store_account_by_key(st, key, strlen(key), &a), DQ_OK);
		CHECK_STR(a.name, "keeper");
	}
	store_down();
}

/* --- accounts -------------------------------------------------------------------- */

/* Signing with key state hk equals HMAC keyed with key. */
static int
signs_like(const struct hmac_key *hk, const void *key, size_t kl)
{
	struct hmac_key want;
	unsigned char a[32], b[32];
	const void *parts[1] = { "payload" };
	size_t lens[1] = { 7 };

	crypto_hmac_key(&want, key, kl);
	crypto_hmac(hk, parts, lens, 1, a);
	crypto_hmac(&want, parts, lens, 1, b);
	return memcmp(a, b, 32) == 0;
}

static void
test_accounts(void)
{
	char k1[ID_KEY_LEN + 1], s1[ID_SECRET_LEN + 1];
	char k2[ID_KEY_LEN + 1], s2[ID_SECRET_LEN + 1], k3[ID_KEY_LEN + 1];
	char name65[66];
	unsigned char raw[64];
	struct account a, b, c;
	int n;

	if (store_up(CONF_SYNC_NONE) == -1)
		return;
	CHECK_INT(store_account_add(st, "acme", 0, k1, s1, &a), DQ_OK);
	CHECK_INT(a.id, 1);
	CHECK_STR(a.name, "acme");
	CHECK_INT(a.disabled, 0);
	CHECK_INT(a.sign_with_api_key, 0);
	CHECK(a.created_at > 0);
	CHECK(ids_valid(k1, "dq_", 32));
	CHECK(strncmp(s1, "whsec_", 6) == 0 && strlen(s1) == ID_SECRET_LEN);
	/* X-DispatchQ-Signature is keyed with the secret string as printed,
	 * Standard Webhooks with its decoded bytes */
	CHECK(signs_like(&a.sig_key, s1, strlen(s1)));
	n = crypto_base64_decode(s1 + 6, strlen(s1 + 6), raw, sizeof(raw));
	CHECK_INT(n, 32);
	CHECK(signs_like(&a.wh_key, raw, 32));
	CHECK(!signs_like(&a.sig_key, k1, strlen(k1)));

	CHECK_INT(store_account_add(st, "beta.team-2_", 1, k2, s2, &b), DQ_OK);
	CHECK_INT(b.id, 2);
	CHECK_INT(b.sign_with_api_key, 1);
	CHECK_STR(s2, "");		/* no secret: signs with its API key */
	CHECK(signs_like(&b.sig_key, k2, strlen(k2)));
	CHECK(signs_like(&b.wh_key, k2, strlen(k2)));
	CHECK(strcmp(k1, k2) != 0);

	/* names are unique and 1-64 characters of [A-Za-z0-9_.-] */
	CHECK_INT(store_account_add(st, "acme", 0, k3, s2, &c), DQ_ERR_EXISTS);
	CHECK_INT(store_account_add(st, "", 0, k3, s2, &c), DQ_ERR_INVALID);
	CHECK_INT(store_account_add(st, "a b", 0, k3, s2, &c), DQ_ERR_INVALID);
	CHECK_INT(store_account_add(st, "a/b", 0, k3, s2, &c), DQ_ERR_INVALID);
	memset(name65, 'n', sizeof(name65));
	name65[64] = '\0';
	CHECK_INT(store_account_add(st, name65, 0, k3, s2, &c), DQ_OK);
	name65[64] = 'n';
	name65[65] = '\0';
	CHECK_INT(store_account_add(st, name65, 0, k3, s2, &c), DQ_ERR_INVALID);

	/* by key */
	memset(&c, 0, sizeof(c));
	CHECK_INT(store_account_by_key(st, k1, strlen(k1), &c), DQ_OK);
	CHECK_INT(c.id, a.id);
	CHECK_STR(c.name, "acme");
	CHECK(memcmp(&c.sig_key, &a.sig_key, sizeof(c.sig_key)) == 0);
	CHECK(memcmp(&c.wh_key, &a.wh_key, sizeof(c.wh_key)) == 0);
	CHECK_INT(store_account_by_key(st, k2, strlen(k2), &c), DQ_OK);
	CHECK_INT(c.id, b.id);
	CHECK(memcmp(&c.sig_key, &b.sig_key, sizeof(c.sig_key)) == 0);
	/* wrong keys */
	k3[0] = '\0';
	snprintf(k3, sizeof(k3), "%s", k1);
	k3[10] = k3[10] == 'A' ? 'B' : 'A';
	CHECK_INT(store_account_by_key(st, k3, strlen(k3), &c), DQ_ERR_NOTFOUND);
	CHECK_INT(store_account_by_key(st, k1, strlen(k1) - 1, &c), DQ_ERR_NOTFOUND);
	CHECK_INT(store_account_by_key(st, "", 0, &c), DQ_ERR_NOTFOUND);
	CHECK_INT(store_account_by_key(st, "dq_", 3, &c), DQ_ERR_NOTFOUND);
	/* by name and id */
	CHECK_INT(store_account_by_name(st, "beta.team-2_", &c), DQ_OK);
	CHECK_INT(c.id, 2);
	CHECK_INT(store_account_by_name(st, "Acme", &c), DQ_ERR_NOTFOUND);
	CHECK_INT(store_account_get(st, 1, &c), DQ_OK);
	CHECK_STR(c.name, "acme");
	CHECK_INT(store_account_get(st, 99, &c), DQ_ERR_NOTFOUND);
	store_down();
}

static void
test_rotate_key(void)
{
	char k1[ID_KEY_LEN + 1], s1[ID_SECRET_LEN + 1], nk[ID_KEY_LEN + 1];
	char k2[ID_KEY_LEN + 1], s2[ID_SECRET_LEN + 1], nk2[ID_KEY_LEN + 1];
	struct account a, b, c;

	if (store_up(CONF_SYNC_NONE) == -1)
		return;
	CHECK_INT(store_account_add(st, "acme", 0, k1, s1, &a), DQ_OK);
	CHECK_INT(store_account_add(st, "other", 1, k2, s2, &b), DQ_OK);
	CHECK_INT(store_account_rotate_key(st, "acme", nk), DQ_OK);
	CHECK(ids_valid(nk, "dq_", 32));
	CHECK(strcmp(nk, k1) != 0);
	/* the old key stops working at once, the new one works */
	CHECK_INT(store_account_by_key(st, k1, strlen(k1), &c), DQ_ERR_NOTFOUND);
	CHECK_INT(store_account_by_key(st, nk, strlen(nk), &c), DQ_OK);
	CHECK_INT(c.id, a.id);
	/* the signing secret is not the key: it does not change */
	CHECK(memcmp(&c.sig_key, &a.sig_key, sizeof(c.sig_key)) == 0);
	CHECK(memcmp(&c.wh_key, &a.wh_key, sizeof(c.wh_key)) == 0);
	/* the other account is untouched */
	CHECK_INT(store_account_by_key(st, k2, strlen(k2), &c), DQ_OK);
	CHECK_INT(c.id, b.id);
	/* an account that signs with its key signs with the new one */
	CHECK_INT(store_account_rotate_key(st, "other", nk2), DQ_OK);
	CHECK_INT(store_account_by_key(st, k2, strlen(k2), &c), DQ_ERR_NOTFOUND);
	CHECK_INT(store_account_by_key(st, nk2, strlen(nk2), &c), DQ_OK);
	CHECK(signs_like(&c.sig_key, nk2, strlen(nk2)));
	CHECK(signs_like(&c.wh_key, nk2, strlen(nk2)));
	/* twice */
	CHECK_INT(store_account_rotate_key(st, "acme", k1), DQ_OK);
	CHECK_INT(store_account_by_key(st, nk, strlen(nk), &c), DQ_ERR_NOTFOUND);
	CHECK_INT(store_account_by_key(st, k1, strlen(k1), &c), DQ_OK);
	CHECK_INT(store_account_rotate_key(st, "nobody", nk), DQ_ERR_NOTFOUND);
	store_down();
}

static void
test_disable(void)
{
	char k1[ID_KEY_LEN + 1], s1[ID_SECRET_LEN + 1];
	char k2[ID_KEY_LEN + 1], s2[ID_SECRET_LEN + 1];
	struct account a, c;
	int keyless = -1;

	if (store_up(CONF_SYNC_NONE) == -1)
		return;
	CHECK_INT(store_account_add(st, "acme", 0, k1, s1, &a), DQ_OK);
	CHECK_INT(store_account_add(st, "other", 0, k2, s2, &a), DQ_OK);
	CHECK_INT(store_account_disable(st, "acme"), DQ_OK);
	CHECK_INT(store_account_by_key(st, k1, strlen(k1), &c), DQ_ERR_NOTFOUND);
	CHECK_INT(store_account_by_name(st, "acme", &c), DQ_OK);
	CHECK_INT(c.disabled, 1);
	CHECK_INT(store_account_by_key(st, k2, strlen(k2), &c), DQ_OK);
	CHECK_INT(c.disabled, 0);
	CHECK_INT(store_account_disable(st, "nobody"), DQ_ERR_NOTFOUND);
	/* the name stays taken */
	CHECK_INT(store_account_add(st, "acme", 0, k2, s2, &a), DQ_ERR_EXISTS);
	/* enabled again, the same key works */
	CHECK_INT(store_account_enable(st, "acme", &keyless), DQ_OK);
	CHECK_INT(keyless, 0);
	CHECK_INT(store_account_by_key(st, k1, strlen(k1), &c), DQ_OK);
	CHECK_INT(c.disabled, 0);
	CHECK_STR(c.name, "acme");
	CHECK_INT(store_account_enable(st, "nobody", &keyless), DQ_ERR_NOTFOUND);
	store_down();
}

struct list_seen {
	int		n, stop_after;
	uint32_t	ids[8];
	char		names[8][ACCOUNT_NAME_MAX + 1];
	int		disabled[8];
};

static int
list_cb(const struct account *a, void *arg)
{
	struct list_seen *s = arg;

	if (s->n < 8) {
		s->ids[s->n] = a->id;
		snprintf(s->names[s->n], sizeof(s->names[0]), "%s", a->name);
		s->disabled[s->n] = a->disabled;
	}
	s->n++;
	return s->stop_after && s->n >= s->stop_after;
}

static void
test_account_list(void)
{
	struct list_seen s;

	if (store_up(CONF_SYNC_NONE) == -1)
		return;
	memset(&s, 0, sizeof(s));
	CHECK_INT(store_account_list(st, list_cb, &s), DQ_OK);
	CHECK_INT(s.n, 0);
	storetest_account(st, "zeta");
	storetest_account(st, "alpha");
	storetest_account(st, "mid");
	CHECK_INT(store_account_disable(st, "alpha"), DQ_OK);
	memset(&s, 0, sizeof(s));
	CHECK_INT(store_account_list(st, list_cb, &s), DQ_OK);
	CHECK_INT(s.n, 3);
	CHECK_INT(s.ids[0], 1);
	CHECK_STR(s.names[0], "zeta");
	CHECK_INT(s.ids[1], 2);
	CHECK_STR(s.names[1], "alpha");
	CHECK_INT(s.disabled[1], 1);
	CHECK_INT(s.ids[2], 3);
	CHECK_STR(s.names[2], "mid");
	CHECK_INT(s.disabled[2], 0);
	/* a callback may stop the walk */
	memset(&s, 0, sizeof(s));
	s.stop_after = 2;
	CHECK_INT(store_account_list(st, list_cb, &s), DQ_OK);
	CHECK_INT(s.n, 2);
	store_down();
}

/* Does needle occur in any file under dir?  *files counts files read. */
static int
dir_contains(const char *dir, const void *needle, size_t nl, int *files)
{
	char path[4200];
	struct dirent *de;
	struct stat sb;
	unsigned char *buf;
	FILE *fp;
	DIR *d;
	int found = 0;
	size_t n;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while (!found && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &sb) == -1)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			found = dir_contains(path, needle, nl, files) == 1;
			continue;
		}
		if (!S_ISREG(sb.st_mode) || (fp = fopen(path, "rb")) == NULL)
			continue;
		if ((buf = malloc((size_t)sb.st_size + 1)) != NULL) {
			n = fread(buf, 1, (size_t)sb.st_size, fp);
			found = memmem(buf, n, needle, nl) != NULL;
			(*files)++;
			free(buf);
		}
		fclose(fp);
	}
	closedir(d);
	return found;
}

static void
not_on_disk(const char *what, const char *s, int line)
{
	int files = 0;

	if (dir_contains(tap_dir(), s, strlen(s), &files) != 0)
		tap_fail(__FILE__, line, "%s found on disk", what);
	if (files < 5)
		tap_fail(__FILE__, line, "only %d files scanned", files);
}

/* API keys and signing secrets are never written in the clear. */
static void
test_keys_hashed_only(void)
{
	char k1[ID_KEY_LEN + 1], s1[ID_SECRET_LEN + 1], k1b[ID_KEY_LEN + 1];
	char k2[ID_KEY_LEN + 1], s2[ID_SECRET_LEN + 1];
	unsigned char hash[CRYPTO_SHA256_LEN];
	struct account a;
	int files = 0;

	if (store_up(CONF_SYNC_FULL) == -1)
		return;
	CHECK_INT(store_account_add(st, "scan-marker-account", 0, k1, s1, &a), DQ_OK);
	CHECK_INT(store_account_add(st, "scan-marker-signer", 1, k2, s2, &a), DQ_OK);
	CHECK_INT(store_account_rotate_key(st, "scan-marker-account", k1b), DQ_OK);
	CHECK_INT(store_meta_put(st, "flush", 1), DQ_OK);
	store_down();		/* everything written out */
	/* the scan does see what the store wrote: names and the key's hash */
	CHECK_INT(dir_contains(tap_dir(), "scan-marker-account", 19, &files), 1);
	crypto_sha256(k1b, strlen(k1b), hash);
	CHECK_INT(dir_contains(tap_dir(), hash, sizeof(hash), &files), 1);
	/* but no key, in whole or after its prefix, and no secret */
	not_on_disk("the first API key", k1, __LINE__);
	not_on_disk("the first API key's body", k1 + 3, __LINE__);
	not_on_disk("the rotated API key", k1b, __LINE__);
	not_on_disk("the rotated API key's body", k1b + 3, __LINE__);
	not_on_disk("the signing account's API key", k2, __LINE__);
	not_on_disk("the signing account's API key's body", k2 + 3, __LINE__);
	not_on_disk("the signing secret", s1, __LINE__);
	not_on_disk("the signing secret's base64", s1 + 6, __LINE__);
}

/* --- jobs: create and get ------------------------------------------------------- */

static void
test_job_create_get(void)
{
	struct job j, g;
	uint32_t a;

	if (store_up(CONF_SYNC_NONE) == -1 || (a = storetest_account(st, "acme")) == 0)
		goto done;
	storetest_job(&j, "emails", T0);
	j.method = JOB_PUT;
	j.payload = "{\"a\":1}";
	j.headers = "{\"X-A\":\"b\"}";
	j.dedupe_key = "d1";
	j.callback_url = "https://cb.example/";
	j.delay_until = j.due_at = T0 + 5000;
	j.timeout_ms = 5000;
	j.max_attempts = 9;
	CHECK_INT(create1(a, &j, NULL, NULL), STORE_CREATED);
	CHECK(ids_valid(j.id, "job_", 16));
	CHECK_INT(j.account, a);
	CHECK_INT(store_job_get(st, a, j.id, &g), DQ_OK);
	CHECK_STR(g.id, j.id);
	CHECK_INT(g.account, a);
	CHECK_INT(g.status, JOB_PENDING);
	CHECK_INT(g.method, JOB_PUT);
	CHECK_STR(g.url, "https://example.com/hook");
	CHECK_STR(g.queue, "emails");
	CHECK_STR(g.payload, "{\"a\":1}");
	CHECK_STR(g.headers, "{\"X-A\":\"b\"}");
	CHECK_STR(g.dedupe_key, "d1");
	CHECK_STR(g.callback_url, "https://cb.example/");
	CHECK(g.idempotency_key == NULL);
	CHECK_INT(g.created_at, T0);
	CHECK_INT(g.delay_until, T0 + 5000);
	CHECK_INT(g.due_at, T0 + 5000);
	CHECK_INT(g.timeout_ms, 5000);
	CHECK_INT(g.max_attempts, 9);
	job_free(&g);
	CHECK_INT(store_job_get(st, a, "job_AAAAAAAAAAAAAAAA", &g), DQ_ERR_NOTFOUND);
	CHECK_INT(store_job_get(st, a, "job_", &g), DQ_ERR_NOTFOUND);
	CHECK_INT(store_job_get(st, a, "", &g), DQ_ERR_NOTFOUND);
	CHECK_INT(count_of(a, NULL, JOB_PENDING), 1);
	CHECK_INT(count_of(a, "emails", JOB_PENDING), 1);
	CHECK_INT(count_of(a, "default", JOB_PENDING), 0);
done:
	store_down();
}

/* --- Idempotency-Key and dedupe_key ----------------------------------------------- */

static void
test_idempotency(void)
{
	unsigned char h1[CRYPTO_SHA256_LEN], h2[CRYPTO_SHA256_LEN];
	char first[ID_JOB_LEN + 1], ex[ID_JOB_LEN + 1];
	struct store_create it;
	struct job j;
	uint32_t a, b;

	if (store_up(CONF_SYNC_NONE) == -1 || (a = storetest_account(st, "acme")) == 0 ||
	    (b = storetest_account(st, "other")) == 0)
		goto done;
	crypto_sha256("body one", 8, h1);
	crypto_sha256("body two", 8, h2);
	storetest_job(&j, "default", T0);
	j.idempotency_key = "idem-1";
	CHECK_INT(create1(a, &j, h1, ex), STORE_CREATED);
	memcpy(first, j.id, sizeof(first));
	/* the same key and body: the first job, nothing new */
	storetest_job(&j, "default", T0 + 1000);
	j.idempotency_key = "idem-1";
	CHECK_INT(create1(a, &j, h1, ex), STORE_DEDUPLICATED);
	CHECK_STR(ex, first);
	CHECK_INT(count_of(a, NULL, JOB_PENDING), 1);
	/* the same key with another body */
	storetest_job(&j, "default", T0 + 2000);
	j.idempotency_key = "idem-1";
	CHECK_INT(create1(a, &j, h2, ex), STORE_IDEM_REUSED);
	CHECK_INT(count_of(a, NULL, JOB_PENDING), 1);
	/* any status counts */
	CHECK_INT(set_status(a, first, JOB_CANCELLED), DQ_OK);
	storetest_job(&j, "default", T0 + 3000);
	j.idempotency_key = "idem-1";
	memset(&it, 0, sizeof(it));
	it.job = &j;
	it.idem_hash = h1;
	CHECK_INT(store_jobs_create(st, a, &it, 1), DQ_OK);
	CHECK_INT(it.result, STORE_DEDUPLICATED);
	CHECK_STR(it.existing.id, first);
	CHECK_INT(it.existing.status, JOB_CANCELLED);
	job_free(&it.existing);
	/* keys are per account */
	storetest_job(&j, "default", T0 + 4000);
	j.idempotency_key = "idem-1";
	CHECK_INT(create1(b, &j, h1, ex), STORE_CREATED);
	/* another key is another request */
	storetest_job(&j, "default", T0 + 5000);
	j.idempotency_key = "idem-2";
	CHECK_INT(create1(a, &j, h1, ex), STORE_CREATED);
	/* the window is 24 hours from the first job */
	storetest_job(&j, "default", T0 + 24 * HOUR - 1);
	j.idempotency_key = "idem-1";
	CHECK_INT(create1(a, &j, h2, ex), STORE_IDEM_REUSED);
	storetest_job(&j, "default", T0 + 24 * HOUR);
	j.idempotency_key = "idem-1";
	CHECK_INT(create1(a, &j, h2, ex), STORE_CREATED);
	CHECK(strcmp(j.id, first) != 0);
	/* and the new job now answers for the key */
	memcpy(first, j.id, sizeof(first));
	storetest_job(&j, "default", T0 + 24 * HOUR + 10);
	j.idempotency_key = "idem-1";
	CHECK_INT(create1(a, &j, h2, ex), STORE_DEDUPLICATED);
	CHECK_STR(ex, first);
done:
	store_down();
}

static void
test_dedupe_key(void)
{
	char first[ID_JOB_LEN + 1], second[ID_JOB_LEN + 1], ex[ID_JOB_LEN + 1];
	static const enum job_status hits[] = { JOB_AWAITING_APPROVAL, JOB_ACTIVE,
	    JOB_COMPLETED };
	struct job j;
	uint32_t a, b;
	size_t i;

	if (store_up(CONF_SYNC_NONE) == -1 || (a = storetest_account(st, "acme")) == 0 ||
	    (b = storetest_account(st, "other")) == 0)
		goto done;
	storetest_job(&j, "default", T0);
	j.dedupe_key = "order-1";
	CHECK_INT(create1(a, &j, NULL, ex), STORE_CREATED);
	memcpy(first, j.id, sizeof(first));
	/* while pending */
	storetest_job(&j, "default", T0 + 1000);
	j.dedupe_key = "order-1";
	CHECK_INT(create1(a, &j, NULL, ex), STORE_DEDUPLICATED);
	CHECK_STR(ex, first);
	/* and in every status but failed and cancelled */
	for (i = 0; i < sizeof(hits) / sizeof(hits[0]); i++) {
		CHECK_INT(set_status(a, first, hits[i]), DQ_OK);
		storetest_job(&j, "default", T0 + 2000);
		j.dedupe_key = "order-1";
		CHECK_INT(create1(a, &j, NULL, ex), STORE_DEDUPLICATED);
		CHECK_STR(ex, first);
	}
	/* another account's same key is its own */
	storetest_job(&j, "default", T0 + 2000);
	j.dedupe_key = "order-1";
	CHECK_INT(create1(b, &j, NULL, ex), STORE_CREATED);
	CHECK(strcmp(j.id, first) != 0);
	CHECK_INT(count_of(a, NULL, JOB_COMPLETED) + count_of(a, NULL, JOB_PENDING), 1);
	/* failed: a new job, which then owns the key */
	CHECK_INT(set_status(a, first, JOB_FAILED), DQ_OK);
	storetest_job(&j, "default", T0 + 3000);
	j.dedupe_key = "order-1";
	CHECK_INT(create1(a, &j, NULL, ex), STORE_CREATED);
	CHECK(strcmp(j.id, first) != 0);
	memcpy(second, j.id, sizeof(second));
	storetest_job(&j, "default", T0 + 4000);
	j.dedupe_key = "order-1";
	CHECK_INT(create1(a, &j, NULL, ex), STORE_DEDUPLICATED);
	CHECK_STR(ex, second);
	/* cancelled: the same */
	CHECK_INT(set_status(a, second, JOB_CANCELLED), DQ_OK);
	storetest_job(&j, "default", T0 + 5000);
	j.dedupe_key = "order-1";
	CHECK_INT(create1(a, &j, NULL, ex), STORE_CREATED);
	CHECK(strcmp(j.id, first) != 0 && strcmp(j.id, second) != 0);
	memcpy(second, j.id, sizeof(second));
	CHECK_INT(count_of(a, NULL, JOB_PENDING), 1);
	CHECK_INT(count_of(a, NULL, JOB_FAILED), 1);
	CHECK_INT(count_of(a, NULL, JOB_CANCELLED), 1);
	/* 24 hours after the job that holds it, the key is free again */
	storetest_job(&j, "default", T0 + 5000 + 24 * HOUR - 1);
	j.dedupe_key = "order-1";
	CHECK_INT(create1(a, &j, NULL, ex), STORE_DEDUPLICATED);
	CHECK_STR(ex, second);
	storetest_job(&j, "default", T0 + 5000 + 24 * HOUR);
	j.dedupe_key = "order-1";
	CHECK_INT(create1(a, &j, NULL, ex), STORE_CREATED);
	/* different keys do not collide */
	storetest_job(&j, "default", T0 + 6000);
	j.dedupe_key = "order-2";
	CHECK_INT(create1(a, &j, NULL, ex), STORE_CREATED);
done:
	store_down();
}

/* Idempotency is checked before dedupe_key. */
static void
test_idempotency_first(void)
{
	unsigned char h1[CRYPTO_SHA256_LEN], h2[CRYPTO_SHA256_LEN];
	char x[ID_JOB_LEN + 1], y[ID_JOB_LEN + 1], ex[ID_JOB_LEN + 1];
	struct job j;
	uint32_t a;

	if (store_up(CONF_SYNC_NONE) == -1 || (a = storetest_account(st, "acme")) == 0)
		goto done;
	crypto_sha256("1", 1, h1);
	crypto_sha256("2", 1, h2);
	storetest_job(&j, "default", T0);
	j.idempotency_key = "i";
	CHECK_INT(create1(a, &j, h1, ex), STORE_CREATED);
	memcpy(x, j.id, sizeof(x));
	storetest_job(&j, "default", T0 + 1);
	j.dedupe_key = "d";
	CHECK_INT(create1(a, &j, NULL, ex), STORE_CREATED);
	memcpy(y, j.id, sizeof(y));
	/* idempotency key of x, dedupe_key of y: x answers */
	storetest_job(&j, "default", T0 + 2);
	j.idempotency_key = "i";
	j.dedupe_key = "d";
	CHECK_INT(create1(a, &j, h1, ex), STORE_DEDUPLICATED);
	CHECK_STR(ex, x);
	/* idempotency key reused with another body: 422 even though dedupe hits */
	storetest_job(&j, "default", T0 + 3);
	j.idempotency_key = "i";
	j.dedupe_key = "d";
	CHECK_INT(create1(a, &j, h2, ex), STORE_IDEM_REUSED);
	/* a new idempotency key falls through to dedupe_key */
	storetest_job(&j, "default", T0 + 4);
	j.idempotency_key = "fresh";
	j.dedupe_key = "d";
	CHECK_INT(create1(a, &j, h1, ex), STORE_DEDUPLICATED);
	CHECK_STR(ex, y);
done:
	store_down();
}

static void
test_batch(void)
{
	struct store_create it[6];
	struct job j[6];
	struct job g;
	uint32_t a;
	int i;

	if (store_up(CONF_SYNC_NONE) == -1 || (a = storetest_account(st, "acme")) == 0)
		goto done;
	for (i = 0; i < 6; i++) {
		storetest_job(&j[i], i % 2 ? "odd" : "even", T0 + i);
		memset(&it[i], 0, sizeof(it[i]));
		it[i].job = &j[i];
	}
	j[0].dedupe_key = "x";
	j[2].dedupe_key = "x";		/* the same key later in the batch */
	j[3].dedupe_key = "y";
	j[4].dedupe_key = "y";
	j[5].dedupe_key = "x";
	CHECK_INT(store_jobs_create(st, a, it, 6), DQ_OK);
	CHECK_INT(it[0].result, STORE_CREATED);
	CHECK_INT(it[1].result, STORE_CREATED);
	CHECK_INT(it[2].result, STORE_DEDUPLICATED);
	CHECK_STR(it[2].existing.id, j[0].id);
	CHECK_INT(it[3].result, STORE_CREATED);
	CHECK_INT(it[4].result, STORE_DEDUPLICATED);
	CHECK_STR(it[4].existing.id, j[3].id);
	CHECK_INT(it[5].result, STORE_DEDUPLICATED);
	CHECK_STR(it[5].existing.id, j[0].id);
	CHECK(strcmp(j[0].id, j[1].id) != 0 && strcmp(j[0].id, j[3].id) != 0 &&
	    strcmp(j[1].id, j[3].id) != 0);
	for (i = 0; i < 6; i++)
		job_free(&it[i].existing);
	CHECK_INT(count_of(a, NULL, JOB_PENDING), 3);
	CHECK_INT(count_of(a, "even", JOB_PENDING), 1);
	CHECK_INT(count_of(a, "odd", JOB_PENDING), 2);
	CHECK_INT(store_job_get(st, a, j[1].id, &g), DQ_OK);
	CHECK_STR(g.queue, "odd");
	job_free(&g);
done:
	store_down();
}

/* --- accounts do not see each other's jobs --------------------------------------- */

static void
test_isolation(void)
{
	struct store_list_query q;
	struct job g, jobs[5];
	char id[ID_JOB_LEN + 1];
	int calls = 0, n, more;
	int64_t total;
	uint32_t a, b;

	if (store_up(CONF_SYNC_NONE) == -1 || (a = storetest_account(st, "acme")) == 0 ||
	    (b = storetest_account(st, "other")) == 0)
		goto done;
	newjob(a, "secret-queue", T0, id);
	CHECK_INT(store_job_get(st, b, id, &g), DQ_ERR_NOTFOUND);
	CHECK(g.mem == NULL);
	CHECK_INT(store_job_edit(st, b, id, edit_refuse, &calls, NULL), DQ_ERR_NOTFOUND);
	CHECK_INT(calls, 0);
	CHECK_INT(set_status(b, id, JOB_CANCELLED), DQ_ERR_NOTFOUND);
	CHECK_INT(store_job_get(st, a, id, &g), DQ_OK);
	CHECK_INT(g.status, JOB_PENDING);
	job_free(&g);
	memset(&q, 0, sizeof(q));
	q.account = b;
	q.status = -1;
	q.limit = 5;
	CHECK_INT(store_jobs_list(st, &q, jobs, &n, &more, &total), DQ_OK);
	CHECK_INT(n, 0);
	CHECK_INT(total, 0);
	q.queue = "secret-queue";
	CHECK_INT(store_jobs_list(st, &q, jobs, &n, &more, &total), DQ_OK);
	CHECK_INT(n, 0);
	CHECK_INT(total, 0);
	CHECK_INT(count_of(b, NULL, JOB_PENDING), 0);
	CHECK_INT(count_of(b, "secret-queue", JOB_PENDING), 0);
	q.account = a;
	CHECK_INT(store_jobs_list(st, &q, jobs, &n, &more, &total), DQ_OK);
	CHECK_INT(n, 1);
	CHECK_INT(total, 1);
	while (n > 0)
		job_free(&jobs[--n]);
done:
	store_down();
}

static void
test_edit(void)
{
	struct job g, out;
	char id[ID_JOB_LEN + 1];
	int calls = 0;
	int64_t now = T0 + 777;
	uint32_t a;

	if (store_up(CONF_SYNC_NONE) == -1 || (a = storetest_account(st, "acme")) == 0)
		goto done;
	newjob(a, "default", T0, id);
	/* a refusing edit writes nothing */
	CHECK_INT(store_job_edit(st, a, id, edit_refuse, &calls, NULL), DQ_ERR_STATE);
	CHECK_INT(calls, 1);
	CHECK_INT(store_job_get(st, a, id, &g), DQ_OK);
	CHECK_INT(g.status, JOB_PENDING);
	CHECK_STR(g.url, "https://example.com/hook");
	job_free(&g);
	CHECK_INT(count_of(a, NULL, JOB_COMPLETED), 0);
	/* an action through edit, and what was written comes back */
	CHECK_INT(store_job_edit(st, a, id, edit_cancel, &now, &out), DQ_OK);
	CHECK_INT(out.status, JOB_CANCELLED);
	CHECK_INT(out.finished_at, T0 + 777);
	CHECK_STR(out.id, id);
	job_free(&out);
	CHECK_INT(store_job_get(st, a, id, &g), DQ_OK);
	CHECK_INT(g.status, JOB_CANCELLED);
	CHECK_INT(g.finished_at, T0 + 777);
	job_free(&g);
	CHECK_INT(count_of(a, NULL, JOB_PENDING), 0);
	CHECK_INT(count_of(a, NULL, JOB_CANCELLED), 1);
	/* cancelling twice is a state error */
	CHECK_INT(store_job_edit(st, a, id, edit_cancel, &now, NULL), DQ_ERR_STATE);
	CHECK_INT(store_job_edit(st, a, "job_BBBBBBBBBBBBBBBB", edit_cancel, &now,
	    NULL), DQ_ERR_NOTFOUND);
done:
	store_down();
}

/* --- listing --------------------------------------------------------------------- */

/* List one page into ids (static ids of up to 100); n, or -1. */
static int
list_page(const struct store_list_query *q, char ids[][ID_JOB_LEN + 1],
    int64_t *created, int *more, int64_t *total)
{
	static struct job jobs[100];
	int n = 0, i;

	if (store_jobs_list(st, q, jobs, &n, more, total) != DQ_OK) {
		tap_fail(__FILE__, __LINE__, "store_jobs_list failed");
		return -1;
	}
	for (i = 0; i < n; i++) {
		memcpy(ids[i], jobs[i].id, ID_JOB_LEN + 1);
		if (created != NULL)
			created[i] = jobs[i].created_at;
		if (jobs[i].account != q->account ||
		    (q->status >= 0 && (int)jobs[i].status != q->status) ||
		    (q->queue != NULL && strcmp(jobs[i].queue, q->queue) != 0))
			tap_fail(__FILE__, __LINE__, "job %s does not match the filter",
			    jobs[i].id);
		job_free(&jobs[i]);
	}
	return n;
}

static void
test_list_order(void)
{
	static const int order[] = { 7, 2, 9, 0, 4, 11, 1, 8, 3, 10, 6, 5 };
	char ids[100][ID_JOB_LEN + 1], all[100][ID_JOB_LEN + 1];
	int64_t created[100], total;
	struct store_list_query q;
	char id[ID_JOB_LEN + 1];
	int i, n, more, off, got = 0;
	uint32_t a;

	if (store_up(CONF_SYNC_NONE) == -1 || (a = storetest_account(st, "acme")) == 0)
		goto done;
	/* created out of order; 12 distinct times */
	for (i = 0; i < 12; i++)
		newjob(a, "default", T0 + order[i] * 1000, id);
	memset(&q, 0, sizeof(q));
	q.account = a;
	q.status = -1;
	q.limit = 100;
	n = list_page(&q, all, created, &more, &total);
	CHECK_INT(n, 12);
	CHECK_INT(more, 0);
	CHECK_INT(total, 12);
	for (i = 0; i < n; i++)
		if (created[i] != T0 + (11 - i) * 1000)
			tap_fail(__FILE__, __LINE__, "position %d: created %lld", i,
			    (long long)(created[i] - T0));
	/* limit and offset walk the same order */
	q.limit = 5;
	for (off = 0; off < 15; off += 5) {
		q.offset = off;
		n = list_page(&q, ids, NULL, &more, &total);
		CHECK_INT(total, 12);
		CHECK_INT(n, off < 10 ? 5 : 2);
		CHECK_INT(more, off < 10 ? 1 : 0);
		for (i = 0; i < n; i++, got++)
			if (strcmp(ids[i], all[off + i]) != 0)
				tap_fail(__FILE__, __LINE__, "offset %d item %d differs", off, i);
	}
	CHECK_INT(got, 12);
	/* exactly a limit's worth left: no next page */
	q.offset = 7;
	CHECK_INT(list_page(&q, ids, NULL, &more, &total), 5);
	CHECK_INT(more, 0);
	q.offset = 12;
	CHECK_INT(list_page(&q, ids, NULL, &more, &total), 0);
	CHECK_INT(more, 0);
	CHECK_INT(total, 12);
	q.offset = 1000;
	CHECK_INT(list_page(&q, ids, NULL, &more, &total), 0);
	q.offset = 0;
	q.limit = 1;
	CHECK_INT(list_page(&q, ids, NULL, &more, &total), 1);
	CHECK_STR(ids[0], all[0]);
	CHECK_INT(more, 1);
done:
	store_down();
}

static int
cmp_id(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/*
 * 250 jobs, many sharing a creation time, in two queues: paging with the
 * (created, id) of the last item visits each exactly once, newest first.
 */
static void
test_paging(void)
{
	static char made[NPAGE][ID_JOB_LEN + 1], seen[NPAGE + 100][ID_JOB_LEN + 1];
	char ids[100][ID_JOB_LEN + 1];
	int64_t created[100], total, last = INT64_MAX;
	struct store_list_query q;
	int i, n, more, pages = 0, nseen = 0, inq = 0, dups = 0;
	uint32_t a, b;

	if (store_up(CONF_SYNC_NONE) == -1 || (a = storetest_account(st, "acme")) == 0 ||
	    (b = storetest_account(st, "other")) == 0)
		goto done;
	for (i = 0; i < NPAGE; i++) {
		newjob(a, i % 3 ? "q1" : "q2", T0 + (i / 7) * 1000, made[i]);
		if (i % 3 == 0)
			inq++;
	}
	newjob(b, "q1", T0 + 500, ids[0]);	/* not ours */
	memset(&q, 0, sizeof(q));
	q.account = a;
	q.status = -1;
	q.limit = 100;
	do {
		n = list_page(&q, ids, created, &more, &total);
		if (n < 0)
			break;
		CHECK_INT(total, NPAGE);
		for (i = 0; i < n && nseen < NPAGE + 100; i++) {
			if (created[i] > last)
				tap_fail(__FILE__, __LINE__, "not newest first");
			last = created[i];
			memcpy(seen[nseen++], ids[i], ID_JOB_LEN + 1);
		}
		if (n > 0) {
			q.has_after = 1;
			q.after_created = created[n - 1];
			memcpy(q.after_id, ids[n - 1], ID_JOB_LEN + 1);
		}
		pages++;
	} while (more && pages < 10);
	CHECK_INT(pages, 3);
	CHECK_INT(nseen, NPAGE);
	qsort(seen, (size_t)nseen, sizeof(seen[0]), cmp_id);
	qsort(made, NPAGE, sizeof(made[0]), cmp_id);
	for (i = 1; i < nseen; i++)
		if (strcmp(seen[i - 1], seen[i]) == 0)
			dups++;
	CHECK_INT(dups, 0);
	for (i = 0; i < nseen && i < NPAGE; i++)
		if (strcmp(seen[i], made[i]) != 0) {
			tap_fail(__FILE__, __LINE__, "job %s never listed", made[i]);
			break;
		}
	/* the same with a queue filter and pages of 7 (ties across pages) */
	memset(&q, 0, sizeof(q));
	q.account = a;
	q.status = -1;
	q.queue = "q2";
	q.limit = 7;
	nseen = 0;
	pages = 0;
	do {
		n = list_page(&q, ids, created, &more, &total);
		if (n < 0)
			break;
		CHECK_INT(total, inq);
		for (i = 0; i < n && nseen < NPAGE; i++)
			memcpy(seen[nseen++], ids[i], ID_JOB_LEN + 1);
		if (n > 0) {
			q.has_after = 1;
			q.after_created = created[n - 1];
			memcpy(q.after_id, ids[n - 1], ID_JOB_LEN + 1);
		}
		pages++;
	} while (more && pages < 100);
	CHECK_INT(nseen, inq);
	CHECK_INT(pages, (inq + 6) / 7);
	qsort(seen, (size_t)nseen, sizeof(seen[0]), cmp_id);
	for (i = 1, dups = 0; i < nseen; i++)
		if (strcmp(seen[i - 1], seen[i]) == 0)
			dups++;
	CHECK_INT(dups, 0);
done:
	store_down();
}

static void
test_filters_and_counts(void)
{
	static const struct { const char *q; enum job_status s; } plan[] = {
		{ "a", JOB_PENDING }, { "a", JOB_PENDING }, { "a", JOB_ACTIVE },
		{ "a", JOB_COMPLETED }, { "a", JOB_FAILED }, { "a", JOB_CANCELLED },
		{ "a", JOB_AWAITING_APPROVAL }, { "b", JOB_PENDING },
		{ "b", JOB_FAILED }, { "b", JOB_FAILED }, { "b", JOB_COMPLETED },
	};
	const size_t np = sizeof(plan) / sizeof(plan[0]);
	char ids[100][ID_JOB_LEN + 1], made[16][ID_JOB_LEN + 1];
	int64_t want[3][JOB_NSTATUS], c[JOB_NSTATUS], total;
	struct store_list_query q;
	int n, more, s, w;
	size_t i;
	uint32_t a;

	if (store_up(CONF_SYNC_NONE) == -1 || (a = storetest_account(st, "acme")) == 0)
		goto done;
	memset(want, 0, sizeof(want));
	for (i = 0; i < np; i++) {
		newjob(a, plan[i].q, T0 + (int64_t)i, made[i]);
		if (plan[i].s != JOB_PENDING)
			CHECK_INT(set_status(a, made[i], plan[i].s), DQ_OK);
		want[0][plan[i].s]++;
		want[plan[i].q[0] == 'a' ? 1 : 2][plan[i].s]++;
	}
	CHECK_INT(store_jobs_count(st, a, NULL, c), DQ_OK);
	for (s = 0; s < JOB_NSTATUS; s++)
		CHECK_INT(c[s], want[0][s]);
	CHECK_INT(store_jobs_count(st, a, "a", c), DQ_OK);
	for (s = 0; s < JOB_NSTATUS; s++)
		CHECK_INT(c[s], want[1][s]);
	CHECK_INT(store_jobs_count(st, a, "b", c), DQ_OK);
	for (s = 0; s < JOB_NSTATUS; s++)
		CHECK_INT(c[s], want[2][s]);
	CHECK_INT(store_jobs_count(st, a, "none-such", c), DQ_OK);
	for (s = 0; s < JOB_NSTATUS; s++)
		CHECK_INT(c[s], 0);
	/* listing by status, by queue, by both: the total is what is listed */
	for (w = 0; w < 3; w++) {
		for (s = -1; s < JOB_NSTATUS; s++) {
			memset(&q, 0, sizeof(q));
			q.account = a;
			q.status = s;
			q.queue = w == 0 ? NULL : w == 1 ? "a" : "b";
			q.limit = 100;
			n = list_page(&q, ids, NULL, &more, &total);
			if (s >= 0)
				CHECK_INT(n, want[w][s]);
			else
				CHECK_INT(n, w == 0 ? (int)np : w == 1 ? 7 : 4);
			CHECK_INT(total, n);
		}
	}
	/* a status change moves the job between listings and counters */
	CHECK_INT(set_status(a, made[0], JOB_COMPLETED), DQ_OK);
	memset(&q, 0, sizeof(q));
	q.account = a;
	q.status = JOB_COMPLETED;
	q.queue = "a";
	q.limit = 100;
	n = list_page(&q, ids, NULL, &more, &total);
	CHECK_INT(n, 2);
	CHECK_INT(total, 2);
	q.status = JOB_PENDING;
	n = list_page(&q, ids, NULL, &more, &total);
	CHECK_INT(n, 1);
	CHECK_INT(total, 1);
	CHECK_STR(ids[0], made[1]);
	q.status = -1;
	n = list_page(&q, ids, NULL, &more, &total);
	CHECK_INT(total, 7);
	CHECK_INT(count_of(a, NULL, JOB_PENDING), want[0][JOB_PENDING] - 1);
	CHECK_INT(count_of(a, NULL, JOB_COMPLETED), want[0][JOB_COMPLETED] + 1);
	CHECK_INT(count_of(a, "a", JOB_COMPLETED), want[1][JOB_COMPLETED] + 1);
	/* an edit that keeps the status leaves the counters alone */
	CHECK_INT(set_status(a, made[0], JOB_COMPLETED), DQ_OK);
	CHECK_INT(count_of(a, "a", JOB_COMPLETED), want[1][JOB_COMPLETED] + 1);
done:
	store_down();
}

static void
test_schedule_filter(void)
{
	char ids[100][ID_JOB_LEN + 1];
	struct store_list_query q;
	struct job j;
	int64_t total;
	int n, more, i;
	uint32_t a;

	if (store_up(CONF_SYNC_NONE) == -1 || (a = storetest_account(st, "acme")) == 0)
		goto done;
	for (i = 0; i < 5; i++) {
		storetest_job(&j, "default", T0 + i);
		j.schedule_id = i < 3 ? "sch_AAAAAAAAAAAAAAAA" : "sch_BBBBBBBBBBBBBBBB";
		CHECK_INT(create1(a, &j, NULL, NULL), STORE_CREATED);
	}
	memset(&q, 0, sizeof(q));
	q.account = a;
	q.status = -1;
	q.schedule_id = "sch_AAAAAAAAAAAAAAAA";
	q.limit = 100;
	n = list_page(&q, ids, NULL, &more, &total);
	CHECK_INT(n, 3);
	CHECK_INT(total, 3);
	q.status = JOB_PENDING;
	q.schedule_id = "sch_BBBBBBBBBBBBBBBB";
	n = list_page(&q, ids, NULL, &more, &total);
	CHECK_INT(n, 2);
	CHECK_INT(total, 2);
done:
	store_down();
}

/* --- queues ------------------------------------------------------------------------- */

struct qseen {
	int	n;
	char	names[16][JOB_QUEUE_MAX + 1];
	uint32_t accounts[16];
	int64_t	pending[16];
};

static int
qlist_cb(const struct queue_info *qi, void *arg)
{
	struct qseen *s = arg;

	if (s->n < 16) {
		snprintf(s->names[s->n], sizeof(s->names[0]), "%s", qi->name);
		s->accounts[s->n] = qi->account;
		s->pending[s->n] = qi->counts[JOB_PENDING];
	}
	s->n++;
	return 0;
}

static void
test_queues(void)
{
	struct queue_change ch;
	struct queue_info qi;
	struct qseen s;
	char id[ID_JOB_LEN + 1];
	int i;
	uint32_t a, b;

	if (store_up(CONF_SYNC_NONE) == -1 || (a = storetest_account(st, "acme")) == 0 ||
	    (b = storetest_account(st, "other")) == 0)
		goto done;
	/* any valid name has a queue, with the defaults */
	memset(&qi, 0x5a, sizeof(qi));
	CHECK_INT(store_queue_get(st, a, "fresh", &qi), DQ_OK);
	CHECK_STR(qi.name, "fresh");
	CHECK_INT(qi.account, a);
	CHECK_INT(qi.paused, 0);
	CHECK_INT(qi.concurrency, 0);
	CHECK(qi.rate_per_second == 0);
	CHECK_INT(qi.created_at, 0);
	for (i = 0; i < JOB_NSTATUS; i++)
		CHECK_INT(qi.counts[i], 0);
	/* set */
	memset(&ch, 0, sizeof(ch));
	ch.set_paused = 1;
	ch.paused = 1;
	ch.set_concurrency = 1;
	ch.concurrency = 5;
	ch.set_rate = 1;
	ch.rate_per_second = 2.5;
	CHECK_INT(store_queue_set(st, a, "fresh", &ch, T0, &qi), DQ_OK);
	CHECK_INT(qi.paused, 1);
	CHECK_INT(qi.concurrency, 5);
	CHECK(qi.rate_per_second == 2.5);
	CHECK_INT(qi.created_at, T0);
	CHECK_INT(qi.updated_at, T0);
	CHECK_INT(store_queue_get(st, a, "fresh", &qi), DQ_OK);
	CHECK_INT(qi.paused, 1);
	CHECK_INT(qi.concurrency, 5);
	CHECK(qi.rate_per_second == 2.5);
	/* a change of one setting keeps the others */
	memset(&ch, 0, sizeof(ch));
	ch.set_rate = 1;
	ch.rate_per_second = 0.01;
	CHECK_INT(store_queue_set(st, a, "fresh", &ch, T0 + 5, &qi), DQ_OK);
	CHECK_INT(qi.paused, 1);
	CHECK_INT(qi.concurrency, 5);
	CHECK(qi.rate_per_second > 0.00999 && qi.rate_per_second < 0.01001);
	CHECK_INT(qi.created_at, T0);
	CHECK_INT(qi.updated_at, T0 + 5);
	memset(&ch, 0, sizeof(ch));
	ch.set_paused = 1;
	ch.paused = 0;
	ch.set_concurrency = 1;
	ch.concurrency = 0;
	CHECK_INT(store_queue_set(st, a, "fresh", &ch, T0 + 6, &qi), DQ_OK);
	CHECK_INT(qi.paused, 0);
	CHECK_INT(qi.concurrency, 0);
	/* the other account's queue of the same name is its own */
	CHECK_INT(store_queue_get(st, b, "fresh", &qi), DQ_OK);
	CHECK_INT(qi.created_at, 0);
	CHECK(qi.rate_per_second == 0);
	/* queues with jobs are listed too, with counts */
	newjob(a, "jobs-here", T0, id);
	newjob(a, "jobs-here", T0, id);
	newjob(a, "Alpha", T0, id);
	newjob(b, "b-only", T0, id);
	CHECK_INT(store_queue_get(st, a, "jobs-here", &qi), DQ_OK);
	CHECK_INT(qi.counts[JOB_PENDING], 2);
	memset(&s, 0, sizeof(s));
	CHECK_INT(store_queue_list(st, a, 1, qlist_cb, &s), DQ_OK);
	CHECK_INT(s.n, 3);
	CHECK_STR(s.names[0], "Alpha");
	CHECK_STR(s.names[1], "fresh");
	CHECK_STR(s.names[2], "jobs-here");
	CHECK_INT(s.pending[2], 2);
	CHECK_INT(s.pending[0], 1);
	for (i = 0; i < s.n && i < 16; i++)
		CHECK_INT(s.accounts[i], a);
	memset(&s, 0, sizeof(s));
	CHECK_INT(store_queue_list(st, b, 1, qlist_cb, &s), DQ_OK);
	CHECK_INT(s.n, 1);
	CHECK_STR(s.names[0], "b-only");
	/* every account's (the dispatcher's view) */
	memset(&s, 0, sizeof(s));
	CHECK_INT(store_queue_list(st, 0, 0, qlist_cb, &s), DQ_OK);
	CHECK_INT(s.n, 4);
done:
	store_down();
}

static void
test_purge(void)
{
	static const enum job_status plan[] = {
		JOB_PENDING, JOB_PENDING, JOB_PENDING, JOB_AWAITING_APPROVAL,
		JOB_AWAITING_APPROVAL, JOB_ACTIVE, JOB_COMPLETED, JOB_FAILED,
		JOB_CANCELLED,
	};
	char ids[16][ID_JOB_LEN + 1], id[ID_JOB_LEN + 1];
	struct queue_info qi;
	struct job g;
	int64_t n = -1;
	size_t i;
	uint32_t a, b;

	if (store_up(CONF_SYNC_NONE) == -1 || (a = storetest_account(st, "acme")) == 0 ||
	    (b = storetest_account(st, "other")) == 0)
		goto done;
	for (i = 0; i < sizeof(plan) / sizeof(plan[0]); i++) {
		newjob(a, "p", T0 + (int64_t)i, ids[i]);
		if (plan[i] != JOB_PENDING)
			CHECK_INT(set_status(a, ids[i], plan[i]), DQ_OK);
	}
	newjob(a, "other-queue", T0, id);
	newjob(b, "p", T0, id);
	CHECK_INT(store_queue_purge(st, a, "p", T0 + 60000, &n), DQ_OK);
	CHECK_INT(n, 5);
	CHECK_INT(store_queue_get(st, a, "p", &qi), DQ_OK);
	CHECK_INT(qi.counts[JOB_PENDING], 0);
	CHECK_INT(qi.counts[JOB_AWAITING_APPROVAL], 0);
	CHECK_INT(qi.counts[JOB_ACTIVE], 1);
	CHECK_INT(qi.counts[JOB_COMPLETED], 1);
	CHECK_INT(qi.counts[JOB_FAILED], 1);
	CHECK_INT(qi.counts[JOB_CANCELLED], 6);
	for (i = 0; i < 5; i++) {
		CHECK_INT(store_job_get(st, a, ids[i], &g), DQ_OK);
		CHECK_INT(g.status, JOB_CANCELLED);
		CHECK_INT(g.finished_at, T0 + 60000);
		job_free(&g);
	}
	CHECK_INT(store_job_get(st, a, ids[5], &g), DQ_OK);
	CHECK_INT(g.status, JOB_ACTIVE);
	job_free(&g);
	/* other queues and accounts keep their jobs */
	CHECK_INT(count_of(a, "other-queue", JOB_PENDING), 1);
	CHECK_INT(count_of(b, "p", JOB_PENDING), 1);
	CHECK_INT(count_of(a, NULL, JOB_CANCELLED), 6);
	/* nothing left to purge */
	CHECK_INT(store_queue_purge(st, a, "p", T0 + 70000, &n), DQ_OK);
	CHECK_INT(n, 0);
	CHECK_INT(store_queue_purge(st, a, "never-used", T0, &n), DQ_OK);
	CHECK_INT(n, 0);
done:
	store_down();
}

/* More jobs than one purge transaction takes. */
static void
test_purge_many(void)
{
	char id[ID_JOB_LEN + 1];
	struct queue_info qi;
	int64_t n = -1;
	int i;
	uint32_t a;

	if (store_up(CONF_SYNC_NONE) == -1 || (a = storetest_account(st, "acme")) == 0)
		goto done;
	for (i = 0; i < 600; i++) {
		newjob(a, "big", T0 + i, id);
		if (i % 20 == 0)
			CHECK_INT(set_status(a, id, JOB_AWAITING_APPROVAL), DQ_OK);
		if (i % 50 == 1)
			CHECK_INT(set_status(a, id, JOB_COMPLETED), DQ_OK);
	}
	CHECK_INT(store_queue_purge(st, a, "big", T0 + HOUR, &n), DQ_OK);
	CHECK_INT(n, 600 - 12);
	CHECK_INT(store_queue_get(st, a, "big", &qi), DQ_OK);
	CHECK_INT(qi.counts[JOB_PENDING], 0);
	CHECK_INT(qi.counts[JOB_AWAITING_APPROVAL], 0);
	CHECK_INT(qi.counts[JOB_CANCELLED], 588);
	CHECK_INT(qi.counts[JOB_COMPLETED], 12);
done:
	store_down();
}

/* --- housekeeping ------------------------------------------------------------------------ */

/* One sweep of retention: what it removed, or -1. */
static int
retain(int64_t before, int max, int budget_us, int *more)
{
	struct store_sweep sw;

	memset(&sw, 0, sizeof(sw));
	sw.before = before;
	sw.max = max;
	sw.budget_us = budget_us;
	if (store_retain(st, &sw) != DQ_OK)
		return -1;
	if (more != NULL)
		*more = sw.more;
	return sw.done;
}

/* Finished jobs go once they are old enough, with their attempts; others stay. */
static void
test_retain(void)
{
	char ids[3][ID_JOB_LEN + 1];
	struct job g;
	int more = -1, i;
	uint32_t a;

	if (store_up(CONF_SYNC_NONE) == -1 || (a = storetest_account(st, "acme")) == 0)
		goto done;
	for (i = 0; i < 3; i++)
		newjob(a, "q", T0 + i, ids[i]);
	CHECK_INT(set_status(a, ids[0], JOB_COMPLETED), DQ_OK);	/* finished T0 + 1 */
	CHECK_INT(set_status(a, ids[1], JOB_FAILED), DQ_OK);	/* finished T0 + 2 */
	CHECK_INT(retain(T0 + 2, 10, 100000, &more), 1);	/* before T0 + 2 */
	CHECK_INT(more, 0);
	CHECK_INT(store_job_get(st, a, ids[0], &g), DQ_ERR_NOTFOUND);
	CHECK_INT(store_job_get(st, a, ids[1], &g), DQ_OK);
	job_free(&g);
	CHECK_INT(retain(T0 + HOUR, 10, 100000, &more), 1);
	CHECK_INT(store_job_get(st, a, ids[1], &g), DQ_ERR_NOTFOUND);
	CHECK_INT(store_job_get(st, a, ids[2], &g), DQ_OK);
	job_free(&g);
	CHECK_INT(retain(T0 + HOUR, 10, 100000, &more), 0);
	CHECK_INT(count_of(a, NULL, JOB_COMPLETED), 0);
	CHECK_INT(count_of(a, NULL, JOB_FAILED), 0);
	CHECK_INT(count_of(a, NULL, JOB_PENDING), 1);
done:
	store_down();
}

/* A sweep stops at max entries, or when its time is spent (here at once:
 * one job per transaction), and says that more is due. */
static void
test_retain_bounded(void)
{
	char id[ID_JOB_LEN + 1];
	int more = -1, i;
	uint32_t a;

	if (store_up(CONF_SYNC_NONE) == -1 || (a = storetest_account(st, "acme")) == 0)
		goto done;
	for (i = 0; i < 10; i++) {
		newjob(a, "q", T0 + i, id);
		CHECK_INT(set_status(a, id, JOB_COMPLETED), DQ_OK);
	}
	CHECK_INT(retain(T0 + HOUR, 4, 100000, &more), 4);
	CHECK_INT(more, 1);
	CHECK_INT(retain(T0 + HOUR, 100, 0, &more), 1);
	CHECK_INT(more, 1);
	CHECK_INT(retain(T0 + HOUR, 100, 100000, &more), 5);
	CHECK_INT(more, 0);
	CHECK_INT(count_of(a, NULL, JOB_COMPLETED), 0);
done:
	store_down();
}

static enum dq_err
edit_callback(struct job *j, void *arg)
{
	j->cb_status = *(enum job_cb_status *)arg;
	if (j->cb_status == JOB_CB_PENDING) {
		j->status = JOB_COMPLETED;
		j->finished_at = j->updated_at + 1;
		j->cb_due_at = j->finished_at;
	}
	return DQ_OK;
}

static enum dq_err
set_callback(uint32_t account, const char *id, enum job_cb_status cs)
{
	return store_job_edit(st, account, id, edit_callback, &cs, NULL);
}

/* dq 0.1.0 indexed a finished job whose callback was still to make. */
static int
index_old_style(struct store *s, DB_TXN *txn, void *arg)
{
	const struct job *j = arg;
	unsigned char k[8 + ID_JOB_LEN];

	return store_put(s, txn, DBI_FINISHED, k, key_time_id(k, sizeof(k),
	    j->finished_at, j->id, ID_JOB_LEN), "", 0);
}

/* A job stays while its callback is to be made, whatever wrote its entry;
 * once the callback is done, retention removes it. */
static void
test_retain_callback(void)
{
	char id[2][ID_JOB_LEN + 1];
	struct job j, g;
	int i;
	uint32_t a;

	if (store_up(CONF_SYNC_NONE) == -1 || (a = storetest_account(st, "acme")) == 0)
		goto done;
	for (i = 0; i < 2; i++) {
		storetest_job(&j, "q", T0 + i);
		j.callback_url = "https://cb.example/";
		CHECK_INT(create1(a, &j, NULL, NULL), STORE_CREATED);
		memcpy(id[i], j.id, sizeof(id[i]));
		CHECK_INT(set_callback(a, id[i], JOB_CB_PENDING), DQ_OK);
	}
	CHECK_INT(store_job_get(st, a, id[1], &g), DQ_OK);
	CHECK_INT(store_txn(st, 0, index_old_style, &g), DQ_OK);
	job_free(&g);
	CHECK_INT(retain(T0 + HOUR, 10, 100000, NULL), 1);	/* the old entry */
	for (i = 0; i < 2; i++) {
		CHECK_INT(store_job_get(st, a, id[i], &g), DQ_OK);
		job_free(&g);
	}
	CHECK_INT(retain(T0 + HOUR, 10, 100000, NULL), 0);
	CHECK_INT(set_callback(a, id[0], JOB_CB_DELIVERED), DQ_OK);
	CHECK_INT(set_callback(a, id[1], JOB_CB_FAILED), DQ_OK);
	CHECK_INT(retain(T0 + HOUR, 10, 100000, NULL), 2);
	for (i = 0; i < 2; i++)
		CHECK_INT(store_job_get(st, a, id[i], &g), DQ_ERR_NOTFOUND);
done:
	store_down();
}

/* --- meta ------------------------------------------------------------------------------- */

static void
test_meta(void)
{
	int64_t v = 7;

	if (store_up(CONF_SYNC_NONE) == -1)
		return;
	CHECK_INT(store_meta_get(st, "dispatcher_tick", &v), DQ_ERR_NOTFOUND);
	CHECK_INT(store_meta_put(st, "dispatcher_tick", T0), DQ_OK);
	CHECK_INT(store_meta_get(st, "dispatcher_tick", &v), DQ_OK);
	CHECK_INT(v, T0);
	CHECK_INT(store_meta_put(st, "dispatcher_tick", -5), DQ_OK);
	CHECK_INT(store_meta_get(st, "dispatcher_tick", &v), DQ_OK);
	CHECK_INT(v, -5);
	CHECK_INT(store_meta_put(st, "other", 1), DQ_OK);
	CHECK_INT(store_meta_get(st, "dispatcher_tick", &v), DQ_OK);
	CHECK_INT(v, -5);
	CHECK_INT(store_meta_get(st, "other", &v), DQ_OK);
	CHECK_INT(v, 1);
	/* the schema version kept under "schema" is not an i64 value */
	CHECK(store_meta_get(st, "schema", &v) != DQ_OK);
	store_down();
}

/* As dq-fcgi's worker: the store says whether to end the process. */
static void
watchdog_on_alarm(int sig)
{
	if (!store_watchdog_fired())
		_exit(3);
}

/*
 * A transaction that runs past the watchdog (here a listing that walks
 * 20,000 index entries, with a 1 ms watchdog) is abandoned cleanly: the
 * caller gets DQ_ERR_BUSY and the process goes on.  Before, the watchdog
 * ended the process inside Berkeley DB, where it could hold a mutex that
 * only a recovery of the whole environment (stopping every dq process)
 * would release.
 */
static void
test_watchdog_ends_a_long_transaction(void)
{
	struct store_create it[100];
	struct job jobs[100], one[1];
	struct store_list_query q;
	struct sigaction sa;
	int64_t total;
	int i, b, n, more, status = -1;
	uint32_t a;
	pid_t pid;

	if (store_up(CONF_SYNC_NONE) == -1 || (a = storetest_account(st, "acme")) == 0)
		return;
	for (b = 0; b < 200; b++) {
		memset(it, 0, sizeof(it));
		for (i = 0; i < 100; i++) {
			storetest_job(&jobs[i], "q", T0 + b * 100 + i);
			it[i].job = &jobs[i];
		}
		CHECK_INT(store_jobs_create(st, a, it, 100), DQ_OK);
	}
	memset(&q, 0, sizeof(q));
	q.account = a;
	q.status = -1;
	q.limit = 1;
	q.offset = 19999;
	if ((pid = fork()) == 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = watchdog_on_alarm;
		sigaction(SIGALRM, &sa, NULL);
		store_set_watchdog_ms(1);
		if (store_jobs_list(st, &q, one, &n, &more, &total) != DQ_ERR_BUSY)
			_exit(1);
		store_set_watchdog_ms(0);	/* the same walk, given the time */
		if (store_jobs_list(st, &q, one, &n, &more, &total) != DQ_OK || n != 1)
			_exit(2);
		job_free(&one[0]);
		_exit(0);
	}
	CHECK(pid > 0);
	while (pid > 0 && waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), 0);	/* 3: ended by the watchdog */
	CHECK_INT(store_jobs_list(st, &q, one, &n, &more, &total), DQ_OK);
	CHECK_INT(total, 20000);
	if (n == 1)
		job_free(&one[0]);
	store_down();
}

/*
 * Names and ids too long for a key, or too short for their fixed width, as
 * a forged list cursor once brought them: every entry point refuses them
 * (DQ_ERR_INVALID) and nothing is written past a key buffer (the sanitizer
 * build would report it; before the builders took their buffer's size, a
 * 700-byte queue overflowed a 512-byte stack buffer here).
 */
static void
test_oversized_keys(void)
{
	char big[2048], id[ID_JOB_LEN + 1];
	struct store_list_query q;
	struct queue_change ch;
	struct queue_info qi;
	struct job jobs[STORE_LIST_MAX], j;
	int64_t total, counts[JOB_NSTATUS], next, cancelled;
	int n, more;
	uint32_t a;
	size_t lens[] = { 65, 500, 509, 512, 700, sizeof(big) - 1 };
	size_t i;

	if (store_up(CONF_SYNC_NONE) == -1 || (a = storetest_account(st, "acme")) == 0)
		goto done;
	newjob(a, "ok", T0, id);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(big, 'A', lens[i]);
		big[lens[i]] = '\0';
		memset(&q, 0, sizeof(q));
		q.account = a;
		q.status = -1;
		q.queue = big;
		q.limit = 20;
		CHECK_INT(store_jobs_list(st, &q, jobs, &n, &more, &total), DQ_ERR_INVALID);
		q.has_after = 1;
		memcpy(q.after_id, id, sizeof(q.after_id));
		CHECK_INT(store_jobs_list(st, &q, jobs, &n, &more, &total), DQ_ERR_INVALID);
		q.queue = NULL;
		q.schedule_id = big;	/* not 20 characters */
		CHECK_INT(store_jobs_list(st, &q, jobs, &n, &more, &total), DQ_ERR_INVALID);
		CHECK_INT(store_jobs_count(st, a, big, counts), DQ_ERR_INVALID);
		CHECK_INT(store_queue_get(st, a, big, &qi), DQ_ERR_INVALID);
		memset(&ch, 0, sizeof(ch));
		ch.set_paused = 1;
		CHECK_INT(store_queue_set(st, a, big, &ch, T0, &qi), DQ_ERR_INVALID);
		CHECK_INT(store_queue_purge(st, a, big, T0, &cancelled), DQ_ERR_INVALID);
		CHECK_INT(store_queue_next_due(st, a, big, &next), DQ_ERR_INVALID);
		storetest_job(&j, big, T0);
		CHECK(store_jobs_create(st, a, &(struct store_create){ .job = &j }, 1) !=
		    DQ_OK);
	}
	/* a short schedule id is refused, not read past its end */
	memset(&q, 0, sizeof(q));
	q.account = a;
	q.status = -1;
	q.schedule_id = "sch_";
	q.limit = 20;
	CHECK_INT(store_jobs_list(st, &q, jobs, &n, &more, &total), DQ_ERR_INVALID);
	/* and the store still works */
	q.schedule_id = NULL;
	CHECK_INT(store_jobs_list(st, &q, jobs, &n, &more, &total), DQ_OK);
	CHECK_INT(n, 1);
	for (i = 0; i < (size_t)n; i++)
		job_free(&jobs[i]);
done:
	store_down();
}

int
main(void)
{
	TAP_RUN(test_open);
	TAP_RUN(test_accounts);
	TAP_RUN(test_rotate_key);
	TAP_RUN(test_disable);
	TAP_RUN(test_account_list);
	TAP_RUN(test_keys_hashed_only);
	TAP_RUN(test_job_create_get);
	TAP_RUN(test_idempotency);
	TAP_RUN(test_dedupe_key);
	TAP_RUN(test_idempotency_first);
	TAP_RUN(test_batch);
	TAP_RUN(test_isolation);
	TAP_RUN(test_edit);
	TAP_RUN(test_list_order);
	TAP_RUN(test_paging);
	TAP_RUN(test_filters_and_counts);
	TAP_RUN(test_schedule_filter);
	TAP_RUN(test_queues);
	TAP_RUN(test_purge);
	TAP_RUN(test_purge_many);
	TAP_RUN(test_retain);
	TAP_RUN(test_retain_bounded);
	TAP_RUN(test_retain_callback);
	TAP_RUN(test_meta);
	TAP_RUN(test_watchdog_ends_a_long_transaction);
	TAP_RUN(test_oversized_keys);
	return tap_done();
}
