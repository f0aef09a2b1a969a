/*
 * Time zones for dq's schedules, read from the system's TZif files
 * ($TZDIR or /usr/share/zoneinfo) without touching the process's own zone:
 * one dispatcher evaluates schedules in many zones, so nothing here calls
 * tzset() or localtime().  A struct tz is immutable once loaded and may be
 * shared freely; the caller owns it and frees it with tz_free().
 *
 * "Local seconds" below are the wall-clock reading of a zone counted as if it
 * were UTC: seconds since 1970-01-01T00:00 local.
 */
#ifndef DQ_TZ_H
#define DQ_TZ_H

#include <stddef.h>
#include <stdint.h>

#define TZ_NAME_MAX	128	/* longer than any IANA name */

struct tz;

/* Where a local wall-clock time falls. */
enum tz_local {
	TZ_LOCAL_ONCE = 0,	/* shown exactly once */
	TZ_LOCAL_TWICE,		/* in a fall-back overlap */
	TZ_LOCAL_GAP		/* skipped by a spring-forward gap */
};

/*
 * Load an IANA zone ("Europe/Berlin"); "UTC" is built in and needs no files.
 * Returns a new zone, or NULL with the reason in err.
 */
struct tz	*tz_load(const char *name, char *err, size_t errsz);
void		 tz_free(struct tz *);
/* UTC offset in seconds (east positive) at an instant; is_dst may be NULL. */
int		 tz_offset(const struct tz *, int64_t utc_s, int *is_dst);
/*
 * The UTC instant of a local wall-clock time.  TZ_LOCAL_TWICE gives the
 * earlier of the two instants, TZ_LOCAL_GAP the instant the gap ends (the
 * first one whose wall clock reads later than local_s).
 */
enum tz_local	 tz_local_to_utc(const struct tz *, int64_t local_s,
		    int64_t *utc_s);

#endif
