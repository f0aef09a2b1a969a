/*
 * Signing and checking list cursors (cursor.h).  Nothing of a cursor is
 * parsed before its signature is found good, and every buffer it passes
 * through is filled with its size in hand.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "cursor.h"
#include "keyfile.h"

#define CURSOR_VERSION	1
#define CURSOR_DOMAIN	"dq cursor 1"	/* what else this key might sign, it is not this */
#define CURSOR_SIG_B64	43		/* base64url of 32 bytes */
#define CURSOR_SIG_BUF	45		/* room crypto_base64url needs for them */
/* the longest JSON whose cursor still fits CURSOR_TEXT_MAX */
#define CURSOR_JSON_MAX	((CURSOR_TEXT_MAX - 1 - CURSOR_SIG_B64) / 4 * 3)

static struct hmac_key	cursor_key;
static int		cursor_have_key;

int
cursor_open(const char *data_dir, char *err, size_t errsz)
{
	unsigned char key[KEYFILE_LEN];

	if (keyfile_load(data_dir, KEYFILE_CURSOR, key, err, errsz) == -1)
		return -1;
	crypto_hmac_key(&cursor_key, key, sizeof(key));
	explicit_bzero(key, sizeof(key));
	cursor_have_key = 1;
	return 0;
}

static void
cursor_sign(const char *json, size_t n, unsigned char mac[CRYPTO_SHA256_LEN])
{
	const void *parts[2] = { CURSOR_DOMAIN, json };
	size_t lens[2] = { sizeof(CURSOR_DOMAIN), n };	/* the domain's NUL too */

	crypto_hmac(&cursor_key, parts, lens, 2, mac);
}

char *
cursor_seal(const char *json, size_t n)
{
	unsigned char mac[CRYPTO_SHA256_LEN];
	size_t cap = (n + 2) / 3 * 4 + 1 + CURSOR_SIG_BUF;
	char *out;
	int b;

	if (!cursor_have_key || n > CURSOR_JSON_MAX || (out = malloc(cap)) == NULL)
		return NULL;
	cursor_sign(json, n, mac);
	if ((b = crypto_base64url(json, n, out, cap)) < 0 ||
	    crypto_base64url(mac, sizeof(mac), out + b + 1, cap - (size_t)b - 1) !=
	    CURSOR_SIG_B64) {
		free(out);
		return NULL;
	}
	out[b] = '.';
	return out;
}

char *
cursor_make(const struct cursor *c)
{
	char *json = NULL, *out = NULL;
	json_t *o;

	o = json_pack("{s:i, s:s, s:I, s:O, s:I, s:I, s:s}", "v", CURSOR_VERSION,
	    "k", c->kind, "a", c->account, "f", c->filters, "l", c->limit,
	    "c", c->created, "i", c->id);
	if (o != NULL && (json = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS)) != NULL)
		out = cursor_seal(json, strlen(json));
	json_decref(o);
	free(json);
	return out;
}

/* The signed JSON of text, NUL-terminated in json (size n); its length or -1. */
static int
cursor_verify(const char *text, char *json, size_t n)
{
	unsigned char mac[CRYPTO_SHA256_LEN], want[CRYPTO_SHA256_LEN];
	const char *dot;
	size_t tl;
	int jl;

	if (!cursor_have_key || (tl = strnlen(text, CURSOR_TEXT_MAX + 1)) >
	    CURSOR_TEXT_MAX || (dot = memchr(text, '.', tl)) == NULL ||
	    text + tl - dot - 1 != CURSOR_SIG_B64 ||
	    crypto_base64url_decode(dot + 1, CURSOR_SIG_B64, mac, sizeof(mac)) !=
	    (int)sizeof(mac) ||
	    (jl = crypto_base64url_decode(text, (size_t)(dot - text),
	    (unsigned char *)json, n - 1)) < 0)
		return -1;
	json[jl] = '\0';
	cursor_sign(json, (size_t)jl, want);
	return crypto_equal(mac, want, sizeof(mac)) ? jl : -1;
}

/* Copy s into out (size n); -1 when it does not fit. */
static int
cursor_copy(char *out, size_t n, const char *s)
{
	size_t len = strnlen(s, n);

	if (len >= n)
		return -1;
	memcpy(out, s, len + 1);
	return 0;
}

int
cursor_read(const char *text, struct cursor *out)
{
	char json[CURSOR_JSON_MAX + 1];
	const char *kind, *id;
	json_t *o = NULL, *f;
	json_int_t v;
	int jl, rc = -1;

	memset(out, 0, sizeof(*out));
	if ((jl = cursor_verify(text, json, sizeof(json))) < 0 ||
	    (o = json_loadb(json, (size_t)jl, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		goto done;
	/* exactly these fields ('!'), each of its type ('I': integers only) */
	if (json_unpack(o, "{s:I, s:s, s:I, s:o, s:I, s:I, s:s !}", "v", &v,
	    "k", &kind, "a", &out->account, "f", &f, "l", &out->limit,
	    "c", &out->created, "i", &id) != 0 || v != CURSOR_VERSION ||
	    !json_is_object(f) || cursor_copy(out->kind, sizeof(out->kind), kind) ||
	    cursor_copy(out->id, sizeof(out->id), id))
		goto done;
	out->filters = json_incref(f);
	rc = 0;
done:
	json_decref(o);
	return rc;
}
