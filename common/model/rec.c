/*
 * Record writer and reader.  Errors are sticky so encoders and decoders can
 * be straight-line code with one check at the end.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "rec.h"

#define REC_NULL	0xffffffffu

void
rec_w_init(struct rec_w *w)
{
	buf_init(&w->b, 512, REC_MAX);
}

/* n bytes at the end of the record, for the caller to fill. */
static unsigned char *
rec_room(struct rec_w *w, size_t n)
{
	char *p;

	if ((p = buf_room(&w->b, n)) == NULL)
		return NULL;
	w->b.len += n;
	return (unsigned char *)p;
}

void
rec_u8(struct rec_w *w, unsigned v)
{
	unsigned char *p;

	if ((p = rec_room(w, 1)) != NULL)
		*p = (unsigned char)v;
}

void
rec_u32(struct rec_w *w, uint32_t v)
{
	unsigned char *p;

	if ((p = rec_room(w, 4)) != NULL)
		num_be32_put(p, v);
}

void
rec_i64(struct rec_w *w, int64_t v)
{
	unsigned char *p;

	if ((p = rec_room(w, 8)) != NULL)
		num_be64_put(p, (uint64_t)v);
}

void
rec_bytes(struct rec_w *w, const void *b, size_t n)
{
	unsigned char *p;

	if ((p = rec_room(w, n)) != NULL && n > 0)
		memcpy(p, b, n);
}

void
rec_str(struct rec_w *w, const char *s)
{
	size_t n;

	if (s == NULL) {
		rec_u32(w, REC_NULL);
		return;
	}
	n = strlen(s);
	if (n >= REC_MAX) {
		w->b.err = 1;
		return;
	}
	rec_u32(w, (uint32_t)n);
	rec_bytes(w, s, n + 1);
}

void *
rec_w_finish(struct rec_w *w, size_t *lenp)
{
	return buf_take(&w->b, lenp);
}

void
rec_r_init(struct rec_r *r, const void *p, size_t n)
{
	r->p = p;
	r->end = r->p + n;
	r->err = 0;
}

static const unsigned char *
rec_take(struct rec_r *r, size_t n)
{
	const unsigned char *p = r->p;

	if (r->err || (size_t)(r->end - r->p) < n) {
		r->err = 1;
		return NULL;
	}
	r->p += n;
	return p;
}

unsigned
rec_get_u8(struct rec_r *r)
{
	const unsigned char *p = rec_take(r, 1);

	return p ? *p : 0;
}

uint32_t
rec_get_u32(struct rec_r *r)
{
	const unsigned char *p = rec_take(r, 4);

	return p ? num_be32_get(p) : 0;
}

int64_t
rec_get_i64(struct rec_r *r)
{
	const unsigned char *p = rec_take(r, 8);

	return p ? (int64_t)num_be64_get(p) : 0;
}

const char *
rec_get_str(struct rec_r *r)
{
	uint32_t n = rec_get_u32(r);
	const unsigned char *p;

	if (r->err || n == REC_NULL)
		return NULL;
	if ((p = rec_take(r, (size_t)n + 1)) == NULL || p[n] != '\0' ||
	    memchr(p, '\0', n) != NULL) {
		r->err = 1;
		return NULL;
	}
	return (const char *)p;
}

const void *
rec_get_bytes(struct rec_r *r, size_t n)
{
	return rec_take(r, n);
}

int
rec_r_done(const struct rec_r *r)
{
	return r->err || r->p != r->end ? -1 : 0;
}
