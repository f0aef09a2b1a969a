/*
 * Who is calling: the account of an "Authorization: Bearer <key>" header.
 */
#ifndef DQ_AUTH_H
#define DQ_AUTH_H

#include "store.h"

/* DQ_OK, DQ_ERR_NOTFOUND (no, bad or unknown key), or a store error. */
enum dq_err	auth_account(struct store *, const char *authorization,
		    struct account *out);
/* The same from this worker's cache only (no store read): DQ_OK or
 * DQ_ERR_NOTFOUND. */
enum dq_err	auth_account_cached(const char *authorization, struct account *out);

#endif
