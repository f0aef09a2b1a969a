/*
 * Signing a delivery (API.md 5): X-DispatchQ-Signature is
 * "sha256=" + hex HMAC-SHA256(secret, body); the Standard Webhooks
 * signature is "v1," + base64 HMAC-SHA256(key, id "." timestamp "." body).
 * The keys are the account's precomputed HMAC states (store.h).
 */
#ifndef DQ_SIGN_H
#define DQ_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define SIGN_HEX_LEN	(7 + 64)	/* "sha256=" + hex */
#define SIGN_WH_LEN	(3 + 44)	/* "v1," + base64 */

void	sign_dispatchq(const struct account *, const void *body, size_t len,
	    char out[SIGN_HEX_LEN + 1]);
void	sign_webhook(const struct account *, const char *msg_id, int64_t ts,
	    const void *body, size_t len, char out[SIGN_WH_LEN + 1]);

#endif
