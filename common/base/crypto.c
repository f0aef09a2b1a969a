/*
 * Thin wrappers over libcrypto.  HMAC is computed from saved SHA-256
 * midstates (see crypto.h); that needs the low-level SHA256_CTX API, which
 * OpenSSL 3 marks deprecated but still ships.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "crypto.h"

void
crypto_sha256(const void *p, size_t n, unsigned char out[CRYPTO_SHA256_LEN])
{
	SHA256_CTX ctx;

	/* not SHA256(): in OpenSSL 3 it looks the digest up on every call */
	SHA256_Init(&ctx);
	SHA256_Update(&ctx, p, n);
	SHA256_Final(out, &ctx);
}

static void
crypto_midstate(const unsigned char block[64], uint32_t state[8])
{
	SHA256_CTX ctx;

	SHA256_Init(&ctx);
	SHA256_Update(&ctx, block, 64);
	memcpy(state, ctx.h, sizeof(ctx.h));
}

void
crypto_hmac_key(struct hmac_key *hk, const void *key, size_t keylen)
{
	unsigned char k[64], pad[64];
	size_t i;

	memset(k, 0, sizeof(k));
	if (keylen > sizeof(k))
		SHA256(key, keylen, k);
	else
		memcpy(k, key, keylen);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	crypto_midstate(pad, hk->inner);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	crypto_midstate(pad, hk->outer);
}

/* A context that has already hashed one 64-byte block with this state. */
static void
crypto_resume(SHA256_CTX *ctx, const uint32_t state[8])
{
	SHA256_Init(ctx);
	memcpy(ctx->h, state, sizeof(ctx->h));
	ctx->Nl = 512;
	ctx->Nh = 0;
}

void
crypto_hmac(const struct hmac_key *hk, const void *const *parts,
    const size_t *lens, size_t n, unsigned char out[CRYPTO_SHA256_LEN])
{
	SHA256_CTX ctx;
	unsigned char inner[CRYPTO_SHA256_LEN];
	size_t i;

	crypto_resume(&ctx, hk->inner);
	for (i = 0; i < n; i++)
		SHA256_Update(&ctx, parts[i], lens[i]);
	SHA256_Final(inner, &ctx);
	crypto_resume(&ctx, hk->outer);
	SHA256_Update(&ctx, inner, sizeof(inner));
	SHA256_Final(out, &ctx);
}

int
crypto_base64(const void *p, size_t n, char *out, size_t outsz)
{
	size_t need = 4 * ((n + 2) / 3) + 1;

	if (outsz < need)
		return -1;
	return EVP_EncodeBlock((unsigned char *)out, p, (int)n);
}

int
crypto_base64_decode(const char *s, size_t n, unsigned char *out, size_t outsz)
{
	int len;

	if (n % 4 != 0 || outsz < 3 * (n / 4))
		return -1;
	len = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
	if (len < 0)
		return -1;
	/* EVP_DecodeBlock counts padding as zero bytes; remove them. */
	if (n >= 1 && s[n - 1] == '=')
		len--;
	if (n >= 2 && s[n - 2] == '=')
		len--;
	return len;
}

void
crypto_hex(const unsigned char *p, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int
crypto_base64url(const void *p, size_t n, char *out, size_t outsz)
{
	int len = crypto_base64(p, n, out, outsz);
	int i;

	if (len < 0)
		return -1;
	while (len > 0 && out[len - 1] == '=')
		len--;
	out[len] = '\0';
	for (i = 0; i < len; i++)
		out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
	return len;
}

int
crypto_base64url_decode(const char *s, size_t n, unsigned char *out, size_t outsz)
{
	unsigned char *raw = NULL;
	char *b64;
	size_t i;
	int len = -1;

	/* decoded into raw first: out need only hold the bytes themselves */
	if (n % 4 == 1 || n > ((size_t)1 << 30) || (b64 = malloc(n + 4)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9'))
			b64[i] = s[i];
		else if (s[i] == '-' || s[i] == '_')
			b64[i] = s[i] == '-' ? '+' : '/';
		else
			goto done;
	}
	while (i % 4 != 0)
		b64[i++] = '=';
	if ((raw = malloc(3 * (i / 4) + 1)) == NULL)
		goto done;
	len = crypto_base64_decode(b64, i, raw, 3 * (i / 4) + 1);
	if (len > 0 && (size_t)len > outsz)
		len = -1;
	if (len > 0)
		memcpy(out, raw, (size_t)len);
done:
	free(raw);
	free(b64);
	return len;
}

int
crypto_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}
