/*
 * A streaming JSON writer into a growable buffer, for dq's hot paths (the
 * job object in every response, callbacks, stored payloads).  Commas are
 * placed by looking at the last byte written, so callers only say what
 * comes next.  Strings must be valid UTF-8 (everything dq stores is).
 * Errors (out of memory, over the cap) are sticky and reported at the end.
 */
#ifndef DQ_JSONW_H
#define DQ_JSONW_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"

#define JW_MAX	(64u << 20)	/* no document dq writes is larger */

struct jw {
	struct buf	b;
};

void	jw_init(struct jw *);
void	jw_free(struct jw *);
/* The NUL-terminated text (caller frees), or NULL on error. */
char	*jw_finish(struct jw *, size_t *lenp);

void	jw_raw(struct jw *, const char *, size_t);	/* bytes as they are */
void	jw_open(struct jw *, char c);		/* '{' or '[' (with a comma if needed) */
void	jw_close(struct jw *, char c);		/* '}' or ']' */
void	jw_key(struct jw *, const char *key);	/* ,"key": (plain ASCII keys) */
void	jw_str(struct jw *, const char *);	/* NULL writes null */
void	jw_int(struct jw *, long long);
void	jw_bool(struct jw *, int);
void	jw_null(struct jw *);
void	jw_time(struct jw *, int64_t ms);	/* RFC 3339, 0 writes null */
void	jw_json(struct jw *, const char *);	/* stored JSON text; NULL writes null */
void	jw_value(struct jw *, json_t *);	/* a jansson value, compact */

#endif
