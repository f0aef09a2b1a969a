/*
 * The capped growable buffer (buf.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
buf_init(struct buf *b, size_t first, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->first = first ? first : 256;
	b->max = max;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *
buf_room(struct buf *b, size_t n)
{
	size_t need, ncap;
	char *nd;

	if (b->err)
		return NULL;
	if (n > b->max || b->len > b->max - n) {
		b->err = 1;
		return NULL;
	}
	need = b->len + n + 1;
	if (need > b->cap) {
		ncap = b->cap ? b->cap : b->first;
		while (ncap < need)
			ncap *= 2;
		if ((nd = realloc(b->data, ncap)) == NULL) {
			b->err = 1;
			return NULL;
		}
		b->data = nd;
		b->cap = ncap;
	}
	return b->data + b->len;
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	char *to;

	if ((to = buf_room(b, n)) == NULL)
		return;
	memcpy(to, p, n);
	b->len += n;
}

char *
buf_take(struct buf *b, size_t *lenp)
{
	char *d;

	if (b->err || buf_room(b, 0) == NULL) {
		buf_free(b);
		return NULL;
	}
	b->data[b->len] = '\0';
	if (lenp != NULL)
		*lenp = b->len;
	d = b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return d;
}
