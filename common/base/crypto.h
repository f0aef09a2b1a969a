/*
 * SHA-256, HMAC-SHA256 and base64 through OpenSSL's libcrypto: dq never
 * implements cryptography itself.
 *
 * An hmac_key holds HMAC's two precomputed hash states (the key XOR ipad and
 * XOR opad blocks, each run through SHA-256's compression once).  They sign
 * exactly as the key would, but do not reveal it; that is how an account that
 * signs with its API key keeps only hashes of that key in the store.
 */
#ifndef DQ_CRYPTO_H
#define DQ_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_SHA256_LEN	32

struct hmac_key {
	uint32_t	inner[8];
	uint32_t	outer[8];
};

void	crypto_sha256(const void *, size_t, unsigned char out[CRYPTO_SHA256_LEN]);
void	crypto_hmac_key(struct hmac_key *, const void *key, size_t keylen);
/* HMAC over the concatenation of up to n parts (NULL-terminated lists are easy to get wrong). */
void	crypto_hmac(const struct hmac_key *, const void *const *parts,
	    const size_t *lens, size_t n, unsigned char out[CRYPTO_SHA256_LEN]);
/* Standard base64 with padding; returns length written or -1 if out too small. */
int	crypto_base64(const void *, size_t, char *out, size_t outsz);
/* Decode standard base64; returns bytes written or -1. */
int	crypto_base64_decode(const char *, size_t, unsigned char *out, size_t outsz);
void	crypto_hex(const unsigned char *, size_t, char *out);	/* out: 2n+1 */
/* base64url without padding (RFC 4648 section 5), NUL-terminated; returns
 * the length written or -1 if out is too small. */
int	crypto_base64url(const void *, size_t, char *out, size_t outsz);
/* Decode unpadded base64url; bytes written, or -1 on a character outside
 * the alphabet, an impossible length or out too small. */
int	crypto_base64url_decode(const char *, size_t, unsigned char *out, size_t outsz);
/* 1 when the n bytes at a and b are equal, in time that depends on n only. */
int	crypto_equal(const void *a, const void *b, size_t n);

#endif
