/*
 * Random identifiers.  Base62 characters are drawn by rejection sampling so
 * every character is uniform.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "crypto.h"
#include "ids.h"

static const char ids_b62[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

static int
ids_getrandom(void *buf, size_t n)
{
	unsigned char *p = buf;
	ssize_t r;

	while (n > 0) {
		r = getrandom(p, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/*
 * Bytes from the OS CSPRNG, read a block at a time: two ids per request
 * would otherwise be two system calls.  Each byte is handed out once; a
 * forked child (a new pid) starts from a fresh block, never its parent's.
 */
#define IDS_POOL	4096

int
ids_random(void *buf, size_t n)
{
	static unsigned char pool[IDS_POOL];
	static size_t left;
	static pid_t owner;
	unsigned char *p = buf;
	size_t take;

	if (n > IDS_POOL / 4)
		return ids_getrandom(buf, n);
	if (owner != getpid()) {
		owner = getpid();
		left = 0;
	}
	while (n > 0) {
		if (left == 0) {
			if (ids_getrandom(pool, sizeof(pool)) == -1)
				return -1;
			left = sizeof(pool);
		}
		take = n < left ? n : left;
		memcpy(p, pool + sizeof(pool) - left, take);
		explicit_bzero(pool + sizeof(pool) - left, take);
		left -= take;
		p += take;
		n -= take;
	}
	return 0;
}

int
ids_new(const char *prefix, size_t nchars, char *out, size_t outsz)
{
	unsigned char rnd[64];
	size_t plen = strlen(prefix), o = 0, i;

	if (plen + nchars + 1 > outsz)
		return -1;
	memcpy(out, prefix, plen);
	while (o < nchars) {
		if (ids_random(rnd, sizeof(rnd)) == -1)
			return -1;
		for (i = 0; i < sizeof(rnd) && o < nchars; i++)
			if (rnd[i] < 248)	/* 248 = 4 * 62: no bias */
				out[plen + o++] = ids_b62[rnd[i] % 62];
	}
	out[plen + nchars] = '\0';
	return 0;
}

int
ids_new_job(char out[ID_JOB_LEN + 1])
{
	return ids_new("job_", 16, out, ID_JOB_LEN + 1);
}

int
ids_new_sched(char out[ID_SCHED_LEN + 1])
{
	return ids_new("sch_", 16, out, ID_SCHED_LEN + 1);
}

int
ids_new_req(char out[ID_REQ_LEN + 1])
{
	return ids_new("req_", 20, out, ID_REQ_LEN + 1);
}

int
ids_new_api_key(char out[ID_KEY_LEN + 1])
{
	return ids_new("dq_", 32, out, ID_KEY_LEN + 1);
}

int
ids_new_secret(char out[ID_SECRET_LEN + 1])
{
	unsigned char raw[32];

	if (ids_random(raw, sizeof(raw)) == -1)
		return -1;
	memcpy(out, "whsec_", 6);
	return crypto_base64(raw, sizeof(raw), out + 6, ID_SECRET_LEN + 1 - 6) <
	    0 ? -1 : 0;
}

int
ids_valid(const char *s, const char *prefix, size_t nchars)
{
	size_t plen = strlen(prefix), i;

	if (strncmp(s, prefix, plen) != 0 || strlen(s) != plen + nchars)
		return 0;
	for (i = plen; i < plen + nchars; i++)
		if (strchr(ids_b62, s[i]) == NULL || s[i] == '\0')
			return 0;
	return 1;
}
