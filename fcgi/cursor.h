/*
 * List cursors: what next_cursor holds, made and checked here.  A cursor is
 *
 *	base64url(JSON) "." base64url(HMAC-SHA256(key, "dq cursor 1" NUL JSON))
 *
 * where JSON is {"a": account, "c": created, "f": filters, "i": id,
 * "k": list, "l": limit, "v": 1} and the key is the installation's
 * DATA_DIR/cursor.key.  The signature proves that this dq made it; what it
 * says (which account, which list, its filters and position) is checked by
 * page_parse() all the same, as if it had come in the query string.
 */
#ifndef DQ_CURSOR_H
#define DQ_CURSOR_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ids.h"

#define CURSOR_TEXT_MAX	1024	/* dq's own are under 400 characters */
#define CURSOR_KIND_MAX	16

struct cursor {
	char		 kind[CURSOR_KIND_MAX];	/* the list: "jobs", "schedules" */
	json_int_t	 account;
	json_t		*filters;		/* owned by cursor_read's caller */
	json_int_t	 limit;
	json_int_t	 created;
	char		 id[ID_JOB_LEN + 1];	/* job or schedule id */
};

/* Load (or on first use make) the signing key; 0, or -1 with err. */
int	cursor_open(const char *data_dir, char *err, size_t errsz);
/* A new cursor string for c, or NULL (out of memory, or no key). */
char	*cursor_make(const struct cursor *c);
/* Sign n bytes of text as a cursor's JSON (cursor_make's last step, and
 * how the fuzzers make cursors with hostile contents); new string or NULL. */
char	*cursor_seal(const char *json, size_t n);
/*
 * Check text's signature and shape (exactly the fields above, each of its
 * JSON type, strings that fit): 0 with out filled (free out->filters), or
 * -1 when the cursor is not one this installation made.
 */
int	cursor_read(const char *text, struct cursor *out);

#endif
