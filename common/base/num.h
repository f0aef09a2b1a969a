/*
 * Checked number parsing: every number that comes from a user, a config
 * file or the store goes through here (strtoll + range + end check).
 */
#ifndef DQ_NUM_H
#define DQ_NUM_H

#include <stdint.h>
#include <stddef.h>

/* Decimal integer in [min, max]; 0 on success, -1 otherwise. */
int	num_parse_ll(const char *, long long min, long long max, long long *out);
/*
 * A count as HTTP and FastCGI write one (Content-Length, Retry-After's
 * delta-seconds): one or more ASCII digits, nothing else.  0 with *out; 1
 * when the digits say more than max (*out = max: "at least that"); -1
 * when s is not 1*DIGIT.
 */
int	num_parse_count(const char *, long long max, long long *out);
/* Decimal number (as strtod) in [min, max], finite. */
int	num_parse_double(const char *, double min, double max, double *out);
/* Config duration "250ms", "30s", "5m", "1h", "30d" (bare number = seconds) -> ms. */
int	num_parse_duration_ms(const char *, int64_t *out_ms);
/* Config size "512", "64k", "1m", "1g" -> bytes. */
int	num_parse_size(const char *, int64_t *out);
/* API delay syntax ^(\d+)(s|m|h|d)$ -> ms; -1 on syntax error or overflow. */
int	num_parse_delay_ms(const char *, size_t len, int64_t *out_ms);
/* Format ms as the shortest exact delay-syntax string ("90s", "15m", "2h"). */
void	num_format_delay(int64_t ms, char *buf, size_t n);

/* FNV-1a (64-bit) of a string, seeded with a number: for in-memory tables
 * keyed by an account's queue. */
uint64_t	num_hash(uint32_t seed, const char *);

/* Big-endian fixed-width encoding for keys that must sort numerically. */
void		num_be64_put(unsigned char *, uint64_t);
uint64_t	num_be64_get(const unsigned char *);
void		num_be32_put(unsigned char *, uint32_t);
uint32_t	num_be32_get(const unsigned char *);

#endif
