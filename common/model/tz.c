/*
 * Time zones: a reader of TZif files (RFC 8536, versions 1 to 4) and an
 * evaluator of the POSIX TZ rule in their footer.  Debian ships "slim"
 * files that stop listing transitions once a rule takes over, so the footer
 * decides every instant from a few years ago on; it is not optional here.
 * Owns struct tz: the transition table, the local time types and the rule.
 * Leap-second ("right/") zones are refused: dq counts POSIX seconds.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dqtime.h"
#include "tz.h"

#define TZ_DIR_DEFAULT	"/usr/share/zoneinfo"
#define TZ_FILE_MAX	(256 * 1024)	/* real files are under 4 KB */
#define TZ_TRANS_MAX	8192
#define TZ_TYPES_MAX	256		/* the count is a byte in the index */
#define TZ_FOOTER_MAX	256
#define TZ_ALPHA	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
/* No real offset comes near this; tz_local_to_utc searches this far. */
#define TZ_OFF_MAX	(26 * 3600)
/* Rule instants are evaluated within this range; beyond it, clamped. */
#define TZ_SPAN_MAX	(INT64_C(8000) * 366 * 86400)

struct tz_type {
	int32_t	off;
	int	isdst;
};

/* One date of a POSIX TZ rule, and the local time of day it happens at. */
enum tz_rule_kind {
	TZ_RULE_JULIAN1,	/* Jn: day 1-365, February 29 never counted */
	TZ_RULE_JULIAN0,	/* n: day 0-365, February 29 counted */
	TZ_RULE_MWD		/* Mm.w.d: weekday d of week w (5 = last) */
};

struct tz_rule {
	enum tz_rule_kind kind;
	int		day;
	int		week;
	int		mon;
	int32_t		time;	/* seconds after local midnight, may be < 0 */
};

/* The footer: how the clocks go after the last listed transition. */
struct tz_posix {
	int32_t		std_off;
	int32_t		dst_off;
	int		has_dst;
	struct tz_rule	start;	/* in standard time */
	struct tz_rule	end;	/* in daylight time */
};

struct tz {
	size_t		 ntrans;
	int64_t		*trans;		/* ascending UTC seconds */
	unsigned char	*idx;		/* types[idx[i]] holds from trans[i] */
	size_t		 ntypes;
	struct tz_type	 types[TZ_TYPES_MAX];
	int		 has_posix;
	struct tz_posix	 posix;
};

struct tz_head {
	int		version;	/* 1, 2, 3 or 4 */
	uint32_t	isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

/* A read cursor over the file image. */
struct tz_buf {
	const unsigned char	*p;
	size_t			 left;
};

static int64_t
tz_floordiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static const unsigned char *
tz_take(struct tz_buf *b, size_t n)
{
	const unsigned char *p = b->p;

	if (n > b->left)
		return NULL;
	b->p += n;
	b->left -= n;
	return p;
}

static uint64_t
tz_be(const unsigned char *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

static const char *
tz_head_read(struct tz_buf *b, struct tz_head *h)
{
	const unsigned char *p;

	if ((p = tz_take(b, 44)) == NULL || memcmp(p, "TZif", 4) != 0)
		return "not a TZif file";
	if (p[4] == 0)
		h->version = 1;
	else if (p[4] >= '2' && p[4] <= '4')
		h->version = p[4] - '0';
	else
		return "unsupported TZif version";
	h->isutcnt = (uint32_t)tz_be(p + 20, 4);
	h->isstdcnt = (uint32_t)tz_be(p + 24, 4);
	h->leapcnt = (uint32_t)tz_be(p + 28, 4);
	h->timecnt = (uint32_t)tz_be(p + 32, 4);
	h->typecnt = (uint32_t)tz_be(p + 36, 4);
	h->charcnt = (uint32_t)tz_be(p + 40, 4);
	if (h->typecnt == 0 || h->typecnt > TZ_TYPES_MAX || h->charcnt == 0 ||
	    (h->isutcnt != 0 && h->isutcnt != h->typecnt) ||
	    (h->isstdcnt != 0 && h->isstdcnt != h->typecnt))
		return "corrupt TZif header";
	return NULL;
}

/* Bytes in a data block whose times are tsize bytes wide. */
static uint64_t
tz_block_size(const struct tz_head *h, int tsize)
{
	return (uint64_t)h->timecnt * (tsize + 1) + (uint64_t)h->typecnt * 6 +
	    h->charcnt + (uint64_t)h->leapcnt * (tsize + 4) + h->isstdcnt +
	    h->isutcnt;
}

static const char *
tz_trans_read(struct tz_buf *b, const struct tz_head *h, int tsize,
    struct tz *z)
{
	const unsigned char *p;
	uint32_t i;

	if (h->timecnt > TZ_TRANS_MAX)
		return "too many transitions";
	z->trans = calloc(h->timecnt + 1, sizeof(*z->trans));
	z->idx = calloc(h->timecnt + 1, 1);
	if (z->trans == NULL || z->idx == NULL)
		return "out of memory";
	for (i = 0; i < h->timecnt; i++) {
		p = tz_take(b, tsize);
		z->trans[i] = tsize == 8 ? (int64_t)tz_be(p, 8) :
		    (int32_t)(uint32_t)tz_be(p, 4);
		if (i > 0 && z->trans[i] <= z->trans[i - 1])
			return "transitions out of order";
	}
	p = tz_take(b, h->timecnt);
	for (i = 0; i < h->timecnt; i++)
		if ((z->idx[i] = p[i]) >= h->typecnt)
			return "transition to an undefined type";
	z->ntrans = h->timecnt;
	return NULL;
}

static const char *
tz_types_read(struct tz_buf *b, const struct tz_head *h, struct tz *z)
{
	const unsigned char *p;
	uint32_t i;
	int32_t off;

	for (i = 0; i < h->typecnt; i++) {
		p = tz_take(b, 6);
		off = (int32_t)(uint32_t)tz_be(p, 4);
		if (off <= -TZ_OFF_MAX || off >= TZ_OFF_MAX || p[4] > 1 ||
		    p[5] >= h->charcnt)
			return "corrupt local time type";
		z->types[i].off = off;
		z->types[i].isdst = p[4];
	}
	z->ntypes = h->typecnt;
	return NULL;
}

/* The data block after a header; the caller checked that it is all there. */
static const char *
tz_data_read(struct tz_buf *b, const struct tz_head *h, int tsize,
    struct tz *z)
{
	const char *why;

	if (h->leapcnt != 0)
		return "leap-second zones are not supported";
	if ((why = tz_trans_read(b, h, tsize, z)) != NULL ||
	    (why = tz_types_read(b, h, z)) != NULL)
		return why;
	/* Designations and the standard/UT indicators do not matter here. */
	tz_take(b, (size_t)h->charcnt + h->isstdcnt + h->isutcnt);
	return NULL;
}

/* At most maxd decimal digits in [0, max]. */
static int
tz_posix_num(const char **sp, int maxd, int max, int *out)
{
	const char *s = *sp;
	int n = 0, v = 0;

	while (n < maxd && s[n] >= '0' && s[n] <= '9')
		v = v * 10 + (s[n++] - '0');
	if (n == 0 || v > max)
		return -1;
	*sp = s + n;
	*out = v;
	return 0;
}

/* A zone abbreviation: 3+ letters, or <...> of letters, digits and signs. */
static int
tz_posix_name(const char **sp)
{
	const char *s = *sp;
	size_t n;

	if (*s == '<') {
		n = strspn(++s, TZ_ALPHA "0123456789+-");
		if (n < 3 || s[n] != '>')
			return -1;
		*sp = s + n + 1;
		return 0;
	}
	if ((n = strspn(s, TZ_ALPHA)) < 3)
		return -1;
	*sp = s + n;
	return 0;
}

/* ":nn" in [0, 59], or nothing (0). */
static int
tz_posix_sexa(const char **sp, int *out)
{
	*out = 0;
	if (**sp != ':')
		return 0;
	(*sp)++;
	return tz_posix_num(sp, 2, 59, out);
}

/* [+-]h[:mm[:ss]] with up to maxh hours, in seconds. */
static int
tz_posix_hms(const char **sp, int maxh, int32_t *out)
{
	const char *s = *sp;
	int sign = 1, h, m, sec;

	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	if (tz_posix_num(&s, 3, maxh, &h) == -1 ||
	    tz_posix_sexa(&s, &m) == -1 || tz_posix_sexa(&s, &sec) == -1)
		return -1;
	*sp = s;
	*out = sign * (h * 3600 + m * 60 + sec);
	return 0;
}

static int
tz_posix_date(const char **sp, struct tz_rule *r)
{
	const char *s = *sp;

	r->week = r->mon = 0;
	if (*s == 'J') {
		s++;
		r->kind = TZ_RULE_JULIAN1;
		if (tz_posix_num(&s, 3, 365, &r->day) == -1 || r->day < 1)
			return -1;
	} else if (*s == 'M') {
		s++;
		r->kind = TZ_RULE_MWD;
		if (tz_posix_num(&s, 2, 12, &r->mon) == -1 || r->mon < 1 ||
		    *s++ != '.' || tz_posix_num(&s, 1, 5, &r->week) == -1 ||
		    r->week < 1 || *s++ != '.' ||
		    tz_posix_num(&s, 1, 6, &r->day) == -1)
			return -1;
	} else {
		r->kind = TZ_RULE_JULIAN0;
		if (tz_posix_num(&s, 3, 365, &r->day) == -1)
			return -1;
	}
	*sp = s;
	return 0;
}

/* ",date[/time]"; the time may reach 167 hours either way (RFC 8536 3.3.1). */
static int
tz_posix_rule(const char **sp, struct tz_rule *r)
{
	if (**sp != ',')
		return -1;
	(*sp)++;
	if (tz_posix_date(sp, r) == -1)
		return -1;
	r->time = 2 * 3600;
	if (**sp == '/') {
		(*sp)++;
		return tz_posix_hms(sp, 167, &r->time);
	}
	return 0;
}

/*
 * "std offset [dst [offset] ,start[/time],end[/time]]".  POSIX offsets count
 * west of Greenwich, hence the negations.  A DST zone without rules is left
 * to the implementation by POSIX; zic never writes one, so it is refused.
 */
static int
tz_posix_parse(const char *s, struct tz_posix *px)
{
	int32_t off;

	memset(px, 0, sizeof(*px));
	if (tz_posix_name(&s) == -1 || tz_posix_hms(&s, 24, &off) == -1)
		return -1;
	px->std_off = px->dst_off = -off;
	if (*s == '\0')
		return 0;
	if (tz_posix_name(&s) == -1)
		return -1;
	px->has_dst = 1;
	px->dst_off = px->std_off + 3600;
	if (*s != ',') {
		if (tz_posix_hms(&s, 24, &off) == -1)
			return -1;
		px->dst_off = -off;
	}
	if (tz_posix_rule(&s, &px->start) == -1 ||
	    tz_posix_rule(&s, &px->end) == -1 || *s != '\0')
		return -1;
	return 0;
}

static const char *
tz_footer_read(struct tz_buf *b, struct tz *z)
{
	char s[TZ_FOOTER_MAX];
	size_t n;

	if (b->left < 2 || b->p[0] != '\n')
		return "missing TZ footer";
	for (n = 1; n < b->left && b->p[n] != '\n'; n++)
		;
	if (n == b->left || n - 1 >= sizeof(s))
		return "corrupt TZ footer";
	memcpy(s, b->p + 1, n - 1);
	s[n - 1] = '\0';
	if (s[0] == '\0')
		return NULL;	/* the last transition's type holds forever */
	if (tz_posix_parse(s, &z->posix) == -1)
		return "unsupported TZ footer";
	z->has_posix = 1;
	return NULL;
}

/* Version 1 data only, or skip it for the 64-bit data and the footer. */
static const char *
tz_parse(struct tz *z, const unsigned char *img, size_t len)
{
	struct tz_buf b = { img, len };
	struct tz_head h;
	const char *why;

	if ((why = tz_head_read(&b, &h)) != NULL)
		return why;
	if (tz_block_size(&h, 4) > b.left)
		return "truncated TZif file";
	if (h.version == 1)
		return tz_data_read(&b, &h, 4, z);
	tz_take(&b, (size_t)tz_block_size(&h, 4));
	if ((why = tz_head_read(&b, &h)) != NULL)
		return why;
	if (tz_block_size(&h, 8) > b.left)
		return "truncated TZif file";
	if ((why = tz_data_read(&b, &h, 8, z)) != NULL)
		return why;
	return tz_footer_read(&b, z);
}

/*
 * A name becomes a path under the zone directory, so it may hold nothing
 * that climbs out of it.
 */
static int
tz_name_check(const char *name, char *err, size_t errsz)
{
	size_t len = strlen(name);

	if (len == 0 || len >= TZ_NAME_MAX) {
		snprintf(err, errsz, "time zone name must be 1-%d characters",
		    TZ_NAME_MAX - 1);
		return -1;
	}
	if (strstr(name, "..") != NULL || name[0] == '/') {
		snprintf(err, errsz,
		    "time zone name must not contain '..' or start with '/'");
		return -1;
	}
	if (strspn(name, TZ_ALPHA "0123456789_+-/") != len) {
		snprintf(err, errsz, "time zone name may only contain "
		    "letters, digits and _ + - /");
		return -1;
	}
	return 0;
}

/* The whole file into a new buffer; errno describes a failure. */
static unsigned char *
tz_file_read(const char *path, size_t *lenp)
{
	unsigned char *img = NULL;
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int fd, saved;

	/* Non-blocking, so that a FIFO planted in the tree cannot hang us. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode) || st.st_size > TZ_FILE_MAX) {
		/* A directory ("Europe") is simply not a zone. */
		errno = S_ISDIR(st.st_mode) ? ENOENT :
		    S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		goto fail;
	}
	if ((img = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	while (len < (size_t)st.st_size) {
		n = read(fd, img + len, (size_t)st.st_size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			errno = n == 0 ? EIO : errno;
			goto fail;
		}
		len += (size_t)n;
	}
	close(fd);
	*lenp = len;
	return img;
fail:
	saved = errno;
	free(img);
	close(fd);
	errno = saved;
	return NULL;
}

struct tz *
tz_load(const char *name, char *err, size_t errsz)
{
	const char *dir = getenv("TZDIR"), *why;
	unsigned char *img = NULL;
	char path[4096];
	struct tz *z = NULL;
	size_t len;

	if (tz_name_check(name, err, errsz) == -1)
		return NULL;
	if ((z = calloc(1, sizeof(*z))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	z->ntypes = 1;			/* types[0] is UTC */
	if (strcmp(name, "UTC") == 0)
		return z;
	if (dir == NULL || *dir == '\0')
		dir = TZ_DIR_DEFAULT;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path)) {
		snprintf(err, errsz, "time zone directory path too long");
		goto fail;
	}
	if ((img = tz_file_read(path, &len)) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			snprintf(err, errsz, "unknown time zone '%s'", name);
		else
			snprintf(err, errsz, "time zone '%s': %s", name,
			    strerror(errno));
		goto fail;
	}
	if ((why = tz_parse(z, img, len)) != NULL) {
		snprintf(err, errsz, "time zone '%s': %s", name, why);
		goto fail;
	}
	free(img);
	return z;
fail:
	free(img);
	tz_free(z);
	return NULL;
}

void
tz_free(struct tz *z)
{
	if (z == NULL)
		return;
	free(z->trans);
	free(z->idx);
	free(z);
}

/* The first local day of a rule's date in year y, as days since 1970. */
static int64_t
tz_rule_day(const struct tz_rule *r, int y)
{
	int64_t first;
	int wd, d;

	first = dqtime_days(y, r->kind == TZ_RULE_MWD ? r->mon : 1, 1);
	switch (r->kind) {
	case TZ_RULE_JULIAN1:
		return first + r->day - 1 +
		    (r->day >= 60 && dqtime_mdays(y, 2) == 29);
	case TZ_RULE_JULIAN0:
		return first + r->day;
	default:
		/* 1970-01-01 was a Thursday. */
		wd = (int)((first % 7 + 11) % 7);
		d = 1 + (r->day - wd + 7) % 7 + (r->week - 1) * 7;
		while (d > dqtime_mdays(y, r->mon))
			d -= 7;
		return first + d - 1;
	}
}

/*
 * The clocks at t are set by the latest rule transition at or before it.
 * Looking at the years around t's copes with southern zones (DST across
 * New Year) and with rule times past midnight; on a tie the start of DST
 * wins, which is how a zone on DST all year (",0/0,J365/25") is written.
 */
static int
tz_posix_offset(const struct tz_posix *px, int64_t t, int *is_dst)
{
	int64_t best = INT64_MIN, s, e;
	int y, m, d, yy, dst = 0;

	if (px->has_dst) {
		if (t > TZ_SPAN_MAX)
			t = TZ_SPAN_MAX;
		else if (t < -TZ_SPAN_MAX)
			t = -TZ_SPAN_MAX;
		dqtime_civil(tz_floordiv(t, 86400), &y, &m, &d);
		for (yy = y - 1; yy <= y + 1; yy++) {
			s = tz_rule_day(&px->start, yy) * 86400 +
			    px->start.time - px->std_off;
			e = tz_rule_day(&px->end, yy) * 86400 +
			    px->end.time - px->dst_off;
			if (e <= t && e > best) {
				best = e;
				dst = 0;
			}
			if (s <= t && s >= best) {
				best = s;
				dst = 1;
			}
		}
	}
	if (is_dst != NULL)
		*is_dst = dst;
	return dst ? px->dst_off : px->std_off;
}

/* Before the first transition, type 0 holds (RFC 8536 3.2). */
static const struct tz_type *
tz_type_at(const struct tz *z, int64_t t)
{
	size_t lo = 0, hi = z->ntrans, mid;

	if (z->ntrans == 0 || t < z->trans[0])
		return &z->types[0];
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (z->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return &z->types[z->idx[lo]];
}

int
tz_offset(const struct tz *z, int64_t t, int *is_dst)
{
	const struct tz_type *ty;

	if (z->has_posix && (z->ntrans == 0 || t >= z->trans[z->ntrans - 1]))
		return tz_posix_offset(&z->posix, t, is_dst);
	ty = tz_type_at(z, t);
	if (is_dst != NULL)
		*is_dst = ty->isdst;
	return ty->off;
}

/*
 * The first instant whose wall clock reads later than local_s: every
 * instant TZ_OFF_MAX before local_s reads earlier, every one after reads
 * later, and the wall clock only moves forward across a gap.
 */
static int64_t
tz_gap_end(const struct tz *z, int64_t l)
{
	int64_t lo = l - TZ_OFF_MAX, hi = l + TZ_OFF_MAX, mid;

	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (mid + tz_offset(z, mid, NULL) > l)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

/*
 * Every instant showing local_s lies within TZ_OFF_MAX of it, so the
 * offsets in force across that window are the only candidates (no zone has
 * changed offset twice within 52 hours since 1970); one that holds at its
 * own instant is a real reading of the clock.
 */
enum tz_local
tz_local_to_utc(const struct tz *z, int64_t l, int64_t *utc)
{
	int32_t offs[3];
	int64_t t, first = INT64_MAX;
	int i, j, n = 0;

	offs[0] = tz_offset(z, l - TZ_OFF_MAX, NULL);
	offs[1] = tz_offset(z, l, NULL);
	offs[2] = tz_offset(z, l + TZ_OFF_MAX, NULL);
	for (i = 0; i < 3; i++) {
		for (j = 0; j < i && offs[j] != offs[i]; j++)
			;
		if (j < i)
			continue;	/* seen this offset already */
		t = l - offs[i];
		if (tz_offset(z, t, NULL) != offs[i])
			continue;
		n++;
		if (t < first)
			first = t;
	}
	if (n == 0) {
		*utc = tz_gap_end(z, l);
		return TZ_LOCAL_GAP;
	}
	*utc = first;
	return n > 1 ? TZ_LOCAL_TWICE : TZ_LOCAL_ONCE;
}
