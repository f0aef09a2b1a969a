/*
 * A growable byte buffer with a cap: the one type behind the JSON writer,
 * the record writer, a delivery's answer body and a request's body.  It
 * doubles as it grows, always keeps room for a NUL after the bytes (so
 * text can be handed out as a C string), and never grows past max: a
 * write that would is refused and sets err, which is sticky, as is running
 * out of memory.  Only its own functions write past data + len.
 */
#ifndef DQ_BUF_H
#define DQ_BUF_H

#include <stddef.h>

struct buf {
	char	*data;
	size_t	 len;		/* bytes written */
	size_t	 cap;		/* bytes allocated (len + 1 at least, once any) */
	size_t	 max;		/* len never exceeds this */
	size_t	 first;		/* the first allocation's size */
	int	 err;		/* sticky: out of memory, or past max */
};

void	 buf_init(struct buf *, size_t first, size_t max);
void	 buf_free(struct buf *);
/*
 * Room for n more bytes and a NUL after them, at data + len: the caller
 * writes there and then adds n to len (buf_add() does both).  NULL, and
 * err set, when it cannot be had.
 */
char	*buf_room(struct buf *, size_t n);
void	 buf_add(struct buf *, const void *, size_t);
/* The bytes with a NUL after them, now the caller's (NULL if err). */
char	*buf_take(struct buf *, size_t *lenp);

#endif
