/*
 * The two delivery signatures, over the exact body bytes sent.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "sign.h"

void
sign_dispatchq(const struct account *a, const void *body, size_t len,
    char out[SIGN_HEX_LEN + 1])
{
	unsigned char mac[CRYPTO_SHA256_LEN];
	const void *parts[1] = { body ? body : "" };
	size_t lens[1] = { body ? len : 0 };

	crypto_hmac(&a->sig_key, parts, lens, 1, mac);
	memcpy(out, "sha256=", 7);
	crypto_hex(mac, sizeof(mac), out + 7);
}

void
sign_webhook(const struct account *a, const char *msg_id, int64_t ts,
    const void *body, size_t len, char out[SIGN_WH_LEN + 1])
{
	unsigned char mac[CRYPTO_SHA256_LEN];
	char tsbuf[24];
	const void *parts[5];
	size_t lens[5];

	snprintf(tsbuf, sizeof(tsbuf), "%lld", (long long)ts);
	parts[0] = msg_id;
	lens[0] = strlen(msg_id);
	parts[1] = ".";
	lens[1] = 1;
	parts[2] = tsbuf;
	lens[2] = strlen(tsbuf);
	parts[3] = ".";
	lens[3] = 1;
	parts[4] = body ? body : "";
	lens[4] = body ? len : 0;
	crypto_hmac(&a->wh_key, parts, lens, 5, mac);
	memcpy(out, "v1,", 3);
	crypto_base64(mac, sizeof(mac), out + 3, SIGN_WH_LEN + 1 - 3);
}
