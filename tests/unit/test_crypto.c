/*
 * Unit tests for common/base/crypto.c: SHA-256 (FIPS 180 examples), HMAC-SHA256
 * from precomputed key states against RFC 4231 and against libcrypto's own
 * HMAC() for every key length around the block size and messages given in
 * parts, the Standard Webhooks example signature, base64 (RFC 4648) and hex.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto.h"
#include "tap.h"

static const char *
hex(const unsigned char *p, size_t n)
{
	static char buf[2 * 256 + 1];

	crypto_hex(p, n, buf);
	return buf;
}

static void
test_sha256(void)
{
	unsigned char out[CRYPTO_SHA256_LEN];
	char *million;

	crypto_sha256("", 0, out);
	CHECK_STR(hex(out, 32),
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	crypto_sha256("abc", 3, out);
	CHECK_STR(hex(out, 32),
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	crypto_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, out);
	CHECK_STR(hex(out, 32),
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	if ((million = malloc(1000000)) == NULL) {
		CHECK(!"out of memory");
		return;
	}
	memset(million, 'a', 1000000);
	crypto_sha256(million, 1000000, out);
	CHECK_STR(hex(out, 32),
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

static void
hmac1(const void *key, size_t kl, const void *msg, size_t ml,
    unsigned char out[CRYPTO_SHA256_LEN])
{
	struct hmac_key hk;
	const void *parts[1] = { msg };
	size_t lens[1] = { ml };

	crypto_hmac_key(&hk, key, kl);
	crypto_hmac(&hk, parts, lens, 1, out);
}

/* RFC 4231 section 4, the SHA-256 results of test cases 1-7. */
static void
test_hmac_rfc4231(void)
{
	unsigned char key[131], msg[50], out[CRYPTO_SHA256_LEN];
	size_t i;
	static const char tc7[] = "This is a test using a larger than block-size "
	    "key and a larger than block-size data. The key needs to be hashed "
	    "before being used by the HMAC algorithm.";

	memset(key, 0x0b, 20);
	hmac1(key, 20, "Hi There", 8, out);
	CHECK_STR(hex(out, 32),
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");

	hmac1("Jefe", 4, "what do ya want for nothing?", 28, out);
	CHECK_STR(hex(out, 32),
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

	memset(key, 0xaa, 20);
	memset(msg, 0xdd, 50);
	hmac1(key, 20, msg, 50, out);
	CHECK_STR(hex(out, 32),
	    "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");

	for (i = 0; i < 25; i++)
		key[i] = (unsigned char)(i + 1);
	memset(msg, 0xcd, 50);
	hmac1(key, 25, msg, 50, out);
	CHECK_STR(hex(out, 32),
	    "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");

	/* test case 5 is truncated to 128 bits */
	memset(key, 0x0c, 20);
	hmac1(key, 20, "Test With Truncation", 20, out);
	CHECK_STR(hex(out, 16), "a3b6167473100ee06e0c796c2955552b");

	/* 6 and 7: a 131-byte key, longer than the block, is hashed first */
	memset(key, 0xaa, 131);
	hmac1(key, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 54, out);
	CHECK_STR(hex(out, 32),
	    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	hmac1(key, 131, tc7, strlen(tc7), out);
	CHECK_STR(hex(out, 32),
	    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

/* The message of RFC 4231 case 7 in pieces, including empty ones. */
static void
test_hmac_parts(void)
{
	static const char tc7[] = "This is a test using a larger than block-size "
	    "key and a larger than block-size data. The key needs to be hashed "
	    "before being used by the HMAC algorithm.";
	unsigned char key[131], out[CRYPTO_SHA256_LEN], want[CRYPTO_SHA256_LEN];
	struct hmac_key hk;
	const void *parts[5];
	size_t lens[5], n = strlen(tc7);

	memset(key, 0xaa, sizeof(key));
	crypto_hmac_key(&hk, key, sizeof(key));
	parts[0] = tc7;
	lens[0] = 10;
	parts[1] = "";
	lens[1] = 0;
	parts[2] = tc7 + 10;
	lens[2] = 54;		/* crosses the first 64-byte block */
	parts[3] = tc7 + 64;
	lens[3] = 1;
	parts[4] = tc7 + 65;
	lens[4] = n - 65;
	crypto_hmac(&hk, parts, lens, 5, out);
	CHECK_STR(hex(out, 32),
	    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
	/* the same key state signs again the same way (it is not consumed) */
	crypto_hmac(&hk, parts, lens, 5, out);
	CHECK_STR(hex(out, 32),
	    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
	/* only n parts are read */
	parts[0] = "Hi There";
	lens[0] = 8;
	memset(key, 0x0b, 20);
	crypto_hmac_key(&hk, key, 20);
	crypto_hmac(&hk, parts, lens, 1, out);
	CHECK_STR(hex(out, 32),
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	/* no parts at all: HMAC of the empty message */
	crypto_hmac(&hk, parts, lens, 0, out);
	hmac1(key, 20, "", 0, want);
	CHECK(memcmp(out, want, 32) == 0);
}

/* Against libcrypto's HMAC() for keys of 0-200 bytes and messages in 3 parts. */
static void
test_hmac_vs_libcrypto(void)
{
	unsigned char key[200], msg[300], want[EVP_MAX_MD_SIZE], got[CRYPTO_SHA256_LEN];
	static const size_t mlens[] = { 0, 1, 55, 56, 63, 64, 65, 119, 128, 300 };
	struct hmac_key hk;
	const void *parts[3];
	size_t lens[3], kl, mi, a, b;
	unsigned int wl;

	for (kl = 0; kl < sizeof(key); kl++)
		key[kl] = (unsigned char)(kl * 7 + 3);
	for (mi = 0; mi < sizeof(msg); mi++)
		msg[mi] = (unsigned char)(mi * 13 + 1);
	for (kl = 0; kl <= sizeof(key); kl++) {
		crypto_hmac_key(&hk, key, kl);
		for (mi = 0; mi < sizeof(mlens) / sizeof(mlens[0]); mi++) {
			HMAC(EVP_sha256(), key, (int)kl, msg, mlens[mi], want, &wl);
			a = mlens[mi] / 3;
			b = mlens[mi] - a - mlens[mi] / 2;
			parts[0] = msg;
			lens[0] = a;
			parts[1] = msg + a;
			lens[1] = b;
			parts[2] = msg + a + b;
			lens[2] = mlens[mi] - a - b;
			crypto_hmac(&hk, parts, lens, 3, got);
			if (wl != 32 || memcmp(want, got, 32) != 0)
				tap_fail(__FILE__, __LINE__, "key length %zu, message "
				    "length %zu: HMAC differs from libcrypto's", kl,
				    mlens[mi]);
		}
	}
}

/* The example of the Standard Webhooks specification. */
static void
test_standard_webhooks_example(void)
{
	static const char secret[] = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
	static const char body[] = "{\"test\": 2432232314}";
	unsigned char raw[64], mac[CRYPTO_SHA256_LEN];
	char sig[64];
	struct hmac_key hk;
	const void *parts[5] = { "msg_p5jXN8AQM9LWM0D4loKWxJek", ".", "1614265330",
	    ".", body };
	size_t lens[5] = { 28, 1, 10, 1, sizeof(body) - 1 };
	int n;

	n = crypto_base64_decode(secret, strlen(secret), raw, sizeof(raw));
	CHECK_INT(n, 24);
	if (n < 0)
		return;
	crypto_hmac_key(&hk, raw, (size_t)n);
	crypto_hmac(&hk, parts, lens, 5, mac);
	CHECK_INT(crypto_base64(mac, sizeof(mac), sig, sizeof(sig)), 44);
	CHECK_STR(sig, "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

/* RFC 4648 section 10. */
static void
test_base64_vectors(void)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const enc[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==",
	    "Zm9vYmE=", "Zm9vYmFy" };
	unsigned char dec[16];
	char out[16];
	size_t i;
	int n;

	for (i = 0; i < 7; i++) {
		memset(out, 'x', sizeof(out));
		n = crypto_base64(plain[i], strlen(plain[i]), out, sizeof(out));
		CHECK_INT(n, strlen(enc[i]));
		CHECK_STR(out, enc[i]);
		memset(dec, 'x', sizeof(dec));
		n = crypto_base64_decode(enc[i], strlen(enc[i]), dec, sizeof(dec));
		CHECK_INT(n, strlen(plain[i]));
		if (n >= 0 && (size_t)n == strlen(plain[i]) &&
		    memcmp(dec, plain[i], (size_t)n) != 0)
			tap_fail(__FILE__, __LINE__, "decode of %s is wrong", enc[i]);
	}
	/* all 64 characters, both ends of the alphabet */
	n = crypto_base64("\xfb\xff\xbf\x00\x10\x83", 6, out, sizeof(out));
	CHECK_INT(n, 8);
	CHECK_STR(out, "+/+/ABCD");
}

static void
test_base64_roundtrip(void)
{
	unsigned char in[300], back[300];
	char enc[420];
	size_t len, i;
	int n, m;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(255 - i * 31);
	for (len = 0; len <= sizeof(in); len++) {
		n = crypto_base64(in, len, enc, sizeof(enc));
		if (n != (int)(4 * ((len + 2) / 3)) || strlen(enc) != (size_t)n) {
			tap_fail(__FILE__, __LINE__, "length %zu: encoded to %d", len, n);
			continue;
		}
		/* padding: none, "==" or "=" as len % 3 is 0, 1, 2 */
		if ((len % 3 == 1 && strcmp(enc + n - 2, "==") != 0) ||
		    (len % 3 == 2 && (enc[n - 1] != '=' || enc[n - 2] == '=')) ||
		    (len % 3 == 0 && n > 0 && enc[n - 1] == '='))
			tap_fail(__FILE__, __LINE__, "length %zu: padding of %s", len, enc);
		m = crypto_base64_decode(enc, (size_t)n, back, sizeof(back));
		if (m != (int)len || memcmp(in, back, len) != 0)
			tap_fail(__FILE__, __LINE__, "length %zu: decoded to %d bytes",
			    len, m);
	}
}

static void
test_base64_limits(void)
{
	unsigned char dec[8];
	char out[9];

	/* 6 bytes need 8 characters and a NUL */
	CHECK_INT(crypto_base64("abcdef", 6, out, 8), -1);
	CHECK_INT(crypto_base64("abcdef", 6, out, 9), 8);
	CHECK_INT(crypto_base64("a", 1, out, 4), -1);
	CHECK_INT(crypto_base64("a", 1, out, 5), 4);
	/* decoding: whole quanta only, the base64 alphabet only */
	CHECK_INT(crypto_base64_decode("Zm9", 3, dec, sizeof(dec)), -1);
	CHECK_INT(crypto_base64_decode("Zm9vY", 5, dec, sizeof(dec)), -1);
	CHECK_INT(crypto_base64_decode("Zm9$", 4, dec, sizeof(dec)), -1);
	CHECK_INT(crypto_base64_decode("Zm-_", 4, dec, sizeof(dec)), -1);
	/* and room for what it decodes */
	CHECK_INT(crypto_base64_decode("Zm9vYmFy", 8, dec, 5), -1);
	CHECK_INT(crypto_base64_decode("Zm9vYmFy", 8, dec, 6), 6);
	CHECK_INT(crypto_base64_decode("", 0, dec, sizeof(dec)), 0);
}

static void
test_hex(void)
{
	unsigned char b[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
	char out[13];

	memset(out, 'x', sizeof(out));
	crypto_hex(b, sizeof(b), out);
	CHECK_STR(out, "00017f80abff");
	crypto_hex(b, 0, out);
	CHECK_STR(out, "");
}

/* base64url (RFC 4648 5) without padding, as list cursors use it. */
static void
test_base64url(void)
{
	unsigned char in[64], back[64];
	char enc[100];
	size_t len, i;
	int n, m;

	CHECK_INT(crypto_base64url("\xfb\xff\xbf", 3, enc, sizeof(enc)), 4);
	CHECK_STR(enc, "-_-_");
	CHECK_INT(crypto_base64url("f", 1, enc, sizeof(enc)), 2);
	CHECK_STR(enc, "Zg");
	CHECK_INT(crypto_base64url("fo", 2, enc, sizeof(enc)), 3);
	CHECK_STR(enc, "Zm8");
	CHECK_INT(crypto_base64url("foo", 3, enc, 4), -1);
	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 37 + 250);
	for (len = 0; len <= sizeof(in); len++) {
		n = crypto_base64url(in, len, enc, sizeof(enc));
		m = n < 0 ? -1 : crypto_base64url_decode(enc, (size_t)n, back, len);
		if (n != (int)((4 * len + 2) / 3) || strpbrk(enc, "+/=") != NULL ||
		    m != (int)len || memcmp(in, back, len) != 0)
			tap_fail(__FILE__, __LINE__, "length %zu: %d %d %s", len, n, m, enc);
		/* exactly room for the bytes is enough; one less is not */
		if (len > 0 && crypto_base64url_decode(enc, (size_t)n, back, len - 1) != -1)
			tap_fail(__FILE__, __LINE__, "length %zu decoded into less", len);
	}
	/* not the alphabet, padding, or a length no encoding has */
	CHECK_INT(crypto_base64url_decode("Zm+v", 4, back, sizeof(back)), -1);
	CHECK_INT(crypto_base64url_decode("Zm/v", 4, back, sizeof(back)), -1);
	CHECK_INT(crypto_base64url_decode("Zm8=", 4, back, sizeof(back)), -1);
	CHECK_INT(crypto_base64url_decode("Zm8 ", 4, back, sizeof(back)), -1);
	CHECK_INT(crypto_base64url_decode("Zm9vY", 5, back, sizeof(back)), -1);
	CHECK_INT(crypto_base64url_decode("Zm\0v", 4, back, sizeof(back)), -1);
	CHECK_INT(crypto_base64url_decode("", 0, back, sizeof(back)), 0);
}

static void
test_equal(void)
{
	CHECK_INT(crypto_equal("abcdef", "abcdef", 6), 1);
	CHECK_INT(crypto_equal("abcdef", "abcdeg", 6), 0);
	CHECK_INT(crypto_equal("xbcdef", "abcdef", 6), 0);
	CHECK_INT(crypto_equal("a", "b", 0), 1);
}

int
main(void)
{
	TAP_RUN(test_sha256);
	TAP_RUN(test_hmac_rfc4231);
	TAP_RUN(test_hmac_parts);
	TAP_RUN(test_hmac_vs_libcrypto);
	TAP_RUN(test_standard_webhooks_example);
	TAP_RUN(test_base64_vectors);
	TAP_RUN(test_base64_roundtrip);
	TAP_RUN(test_base64_limits);
	TAP_RUN(test_hex);
	TAP_RUN(test_base64url);
	TAP_RUN(test_equal);
	return tap_done();
}
