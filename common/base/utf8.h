#ifndef DQ_UTF8_H
#define DQ_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at p (of n bytes), or 0 for an invalid
 * one or a NUL. */
size_t	utf8_seq(const unsigned char *p, size_t n);
/* Whether s (NUL-terminated) is entirely valid UTF-8. */
int	utf8_valid(const char *s);
/* Text safe to keep and show: a copy of s (n bytes) with invalid UTF-8 and
 * NUL bytes replaced by U+FFFD (NULL on out of memory). */
char	*utf8_text(const char *s, size_t n);

#endif
