/*
 * Who is calling: the account of an "Authorization: Bearer <key>" header.
 */
#ifndef DQ_AUTH_H
#define DQ_AUTH_H

#include "store.h"

/* DQ_OK, DQ_ERR_NOTFOUND (no, bad or unknown key), or a store error. */
enum dq_err	auth_account(struct store *, const char *authorization,
		    struct account *out);

#endif
