/*
 * Time for dq: every instant is int64 milliseconds since the Unix epoch
 * (0 means "not set"), printed as RFC 3339 UTC with milliseconds.
 */
#ifndef DQ_TIME_H
#define DQ_TIME_H

#include <stddef.h>
#include <stdint.h>

#define DQ_TIME_LEN	24	/* "2026-11-07T05:31:56.120Z" */

int64_t	dqtime_now_ms(void);		/* wall clock */
int64_t	dqtime_mono_ms(void);		/* monotonic, for intervals */
int64_t	dqtime_mono_us(void);
void	dqtime_sleep_ms(int64_t ms);		/* a signal may end it early */
/* Format ms as RFC 3339 UTC with milliseconds; buf needs DQ_TIME_LEN + 1. */
char	*dqtime_format(int64_t ms, char *buf, size_t n);
/* Parse RFC 3339 (Z or +hh:mm offset, optional fraction); 0 or -1. */
int	dqtime_parse(const char *, int64_t *out_ms);

/* Proleptic Gregorian calendar arithmetic; days count from 1970-01-01. */
int64_t	dqtime_days(int y, int m, int d);
void	dqtime_civil(int64_t days, int *y, int *m, int *d);
int	dqtime_mdays(int y, int m);		/* days in month m (1-12) */

#endif
