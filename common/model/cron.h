/*
 * Cron expressions for schedules: parsing the five-field syntax (and the
 * @-macros) into bitmasks, and finding the next firing in a time zone.
 * A struct cron is a plain value: copy it, store it, no freeing.
 */
#ifndef DQ_CRON_H
#define DQ_CRON_H

#include <stddef.h>
#include <stdint.h>

struct tz;

#define CRON_DOM_STAR	0x01	/* day-of-month field began with '*' */
#define CRON_DOW_STAR	0x02	/* day-of-week field began with '*' */

struct cron {
	uint64_t	minute;		/* bits 0-59 */
	uint32_t	hour;		/* bits 0-23 */
	uint32_t	dom;		/* bits 1-31 */
	uint16_t	month;		/* bits 1-12 */
	uint8_t		dow;		/* bits 0-6, Sunday = 0 */
	uint8_t		flags;		/* CRON_DOM_STAR, CRON_DOW_STAR */
};

/*
 * Parse expr into out; 0, or -1 with a message naming the field in err
 * ("minute: 61 is out of range 0-59").  Expressions that can never fire
 * ("0 0 30 2 *") are errors.
 */
int	cron_parse(const char *expr, struct cron *out, char *err, size_t errsz);
/*
 * The first firing strictly after after_ms, in UTC milliseconds on a whole
 * minute, with the fields read as wall-clock time in zone z.  A time skipped
 * by a DST gap fires when the gap ends; a time shown twice fires the first
 * time.  -1 when nothing fires within about five years.
 */
int64_t	cron_next(const struct cron *, const struct tz *z, int64_t after_ms);

#endif
