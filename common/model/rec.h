/*
 * Record encoding for the store: fixed-width big-endian integers and
 * length-prefixed, NUL-terminated strings, written in a fixed order after a
 * format version byte.  A reader reads strings in place (no copies), so a
 * decoded record lives as long as the buffer it was read from.
 */
#ifndef DQ_REC_H
#define DQ_REC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define REC_MAX		(32u << 20)	/* no record is larger than this */

struct rec_w {
	struct buf	 b;		/* err: out of memory or too large */
};

struct rec_r {
	const unsigned char	*p, *end;
	int			 err;	/* sticky: truncated or malformed */
};

void	rec_w_init(struct rec_w *);
void	rec_u8(struct rec_w *, unsigned);
void	rec_u32(struct rec_w *, uint32_t);
void	rec_i64(struct rec_w *, int64_t);
void	rec_str(struct rec_w *, const char *);		/* NULL is kept as NULL */
void	rec_bytes(struct rec_w *, const void *, size_t);
/* The finished buffer (caller frees) or NULL on error. */
void	*rec_w_finish(struct rec_w *, size_t *lenp);

void		 rec_r_init(struct rec_r *, const void *, size_t);
unsigned	 rec_get_u8(struct rec_r *);
uint32_t	 rec_get_u32(struct rec_r *);
int64_t		 rec_get_i64(struct rec_r *);
const char	*rec_get_str(struct rec_r *);
const void	*rec_get_bytes(struct rec_r *, size_t n);
int		 rec_r_done(const struct rec_r *);	/* 0 if all read and no error */

#endif
