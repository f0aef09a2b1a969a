/*
 * Unit tests for common/model/rec.c, the store's record codec: the bytes of
 * each field type (the on-disk format), random records of every field type
 * read back equal, and truncated records, lengths that run past the end and
 * random bytes read as errors without reading past the buffer.  Every
 * buffer read here is a heap block of exactly its size, so that a
 * sanitizer build catches a read one byte too far.  Then the 32 MiB cap.
 * The random records come from tap_rand(): DQ_TEST_SEED repeats a run.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rec.h"
#include "tap.h"

#define ROUNDS		2000
#define FIELDS_MAX	40
#define DATA_MAX	64

enum field_type { F_U8, F_U32, F_I64, F_STR, F_NULL, F_BYTES, F_NTYPES };

struct field {
	enum field_type	 type;
	uint64_t	 num;
	unsigned char	 data[DATA_MAX + 1];	/* string or bytes */
	size_t		 len;
};

/* A copy of n bytes in a heap block of exactly n bytes (caller frees). */
static unsigned char *
dup_exact(const void *p, size_t n)
{
	unsigned char *b = malloc(n);

	if (b == NULL && n > 0) {
		printf("Bail out! out of memory\n");
		exit(99);
	}
	if (n > 0)
		memcpy(b, p, n);
	return b;
}

static uint64_t
rand_num(void)
{
	static const uint64_t edge[] = {
		0, 1, 0x7f, 0x80, 0xff, 0xffffffffu, 0xfffffffeu, 0x80000000u,
		INT64_MAX, (uint64_t)INT64_MIN, UINT64_MAX,
	};

	return tap_rand_below(3) == 0 ?
	    edge[tap_rand_below(sizeof(edge) / sizeof(edge[0]))] : tap_rand();
}

static void
rand_field(struct field *f)
{
	size_t i;

	f->type = (enum field_type)tap_rand_below(F_NTYPES);
	f->num = rand_num();
	f->len = tap_rand_below(DATA_MAX + 1);
	for (i = 0; i < f->len; i++)
		f->data[i] = (unsigned char)(f->type == F_STR ?
		    1 + tap_rand_below(255) : tap_rand_below(256));
	f->data[f->len] = '\0';
	if (f->type == F_U8)
		f->num &= 0xff;
	else if (f->type == F_U32)
		f->num &= 0xffffffffu;
}

static size_t
rand_fields(struct field *f)
{
	size_t n = tap_rand_below(FIELDS_MAX + 1), i;

	for (i = 0; i < n; i++)
		rand_field(&f[i]);
	return n;
}

static void *
fields_write(const struct field *f, size_t n, size_t *lenp)
{
	struct rec_w w;
	size_t i;

	rec_w_init(&w);
	rec_u8(&w, 1);		/* a record never has nothing: a version first */
	for (i = 0; i < n; i++) {
		switch (f[i].type) {
		case F_U8:
			rec_u8(&w, (unsigned)f[i].num);
			break;
		case F_U32:
			rec_u32(&w, (uint32_t)f[i].num);
			break;
		case F_I64:
			rec_i64(&w, (int64_t)f[i].num);
			break;
		case F_STR:
			rec_str(&w, (const char *)f[i].data);
			break;
		case F_NULL:
			rec_str(&w, NULL);
			break;
		default:
			rec_bytes(&w, f[i].data, f[i].len);
		}
	}
	return rec_w_finish(&w, lenp);
}

/* A string the reader returned lies inside [buf, buf + len) with its NUL. */
static int
str_inside(const char *s, const unsigned char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	return p >= buf && p < buf + len && memchr(p, '\0', (size_t)(buf + len - p)) != NULL;
}

/*
 * Read the fields of f from buf: the number of fields that read back
 * equal before the first difference or error, and the reader's state in *r.
 */
static size_t
fields_read(const unsigned char *buf, size_t len, const struct field *f,
    size_t n, struct rec_r *r, int line)
{
	const unsigned char *b;
	const char *s;
	size_t i;

	rec_r_init(r, buf, len);
	if (rec_get_u8(r) != 1)
		return 0;
	for (i = 0; i < n; i++) {
		switch (f[i].type) {
		case F_U8:
			if (rec_get_u8(r) != f[i].num)
				return i;
			break;
		case F_U32:
			if (rec_get_u32(r) != f[i].num)
				return i;
			break;
		case F_I64:
			if ((uint64_t)rec_get_i64(r) != f[i].num)
				return i;
			break;
		case F_STR:
			s = rec_get_str(r);
			if (s != NULL && !str_inside(s, buf, len)) {
				tap_fail(__FILE__, line, "a string outside the buffer");
				return i;
			}
			if (s == NULL || strcmp(s, (const char *)f[i].data) != 0)
				return i;
			break;
		case F_NULL:
			if (rec_get_str(r) != NULL || r->err)
				return i;
			break;
		default:
			b = rec_get_bytes(r, f[i].len);
			if (b == NULL || (b < buf || b + f[i].len > buf + len) ||
			    memcmp(b, f[i].data, f[i].len) != 0)
				return i;
		}
		if (r->err)
			return i;
	}
	return n;
}

/* The on-disk format: big-endian, strings length-prefixed and
 * NUL-terminated, NULL as length 0xffffffff.  Stored records depend on it. */
static void
test_layout(void)
{
	static const unsigned char want[] = {
		0x07,
		0x01, 0x02, 0x03, 0x04,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
		0x80, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 2, 'a', 'b', 0,
		0, 0, 0, 0, 0,
		0xff, 0xff, 0xff, 0xff,
		'x', 'y', 'z',
	};
	unsigned char *buf;
	struct rec_w w;
	size_t len = 0;

	rec_w_init(&w);
	rec_u8(&w, 7);
	rec_u32(&w, 0x01020304);
	rec_i64(&w, -2);
	rec_i64(&w, INT64_MIN);
	rec_str(&w, "ab");
	rec_str(&w, "");
	rec_str(&w, NULL);
	rec_bytes(&w, "xyz", 3);
	rec_bytes(&w, NULL, 0);
	buf = rec_w_finish(&w, &len);
	CHECK(buf != NULL);
	CHECK_INT(len, sizeof(want));
	CHECK(buf != NULL && len == sizeof(want) && memcmp(buf, want, len) == 0);
	free(buf);
}

static void
test_roundtrip_random(void)
{
	struct field f[FIELDS_MAX];
	unsigned char *buf, *exact;
	struct rec_r r;
	size_t n, len, got;
	int round;

	for (round = 0; round < ROUNDS && !tap_failed_now; round++) {
		n = rand_fields(f);
		if ((buf = fields_write(f, n, &len)) == NULL) {
			CHECK(!"a record of small fields failed to write");
			return;
		}
		exact = dup_exact(buf, len);
		free(buf);
		got = fields_read(exact, len, f, n, &r, __LINE__);
		if (got != n || rec_r_done(&r) != 0)
			tap_fail(__FILE__, __LINE__, "round %d: field %zu of %zu (type %d) "
			    "read back wrong", round, got, n,
			    got < n ? (int)f[got].type : -1);
		free(exact);
	}
}

/* Every prefix of a record is an error, and so is a byte too many. */
static void
test_truncated(void)
{
	struct field f[FIELDS_MAX];
	unsigned char *buf, *exact;
	struct rec_r r;
	size_t n, len, cut;
	int round;

	for (round = 0; round < ROUNDS / 10 && !tap_failed_now; round++) {
		n = rand_fields(f);
		if ((buf = fields_write(f, n, &len)) == NULL) {
			CHECK(!"write failed");
			return;
		}
		for (cut = 0; cut < len; cut++) {
			exact = dup_exact(buf, cut);
			fields_read(exact, cut, f, n, &r, __LINE__);
			if (!r.err || rec_r_done(&r) != -1)
				tap_fail(__FILE__, __LINE__, "round %d: %zu of %zu bytes "
				    "read as a record", round, cut, len);
			free(exact);
		}
		if ((exact = malloc(len + 1)) != NULL) {
			memcpy(exact, buf, len);
			exact[len] = 0;
			if (fields_read(exact, len + 1, f, n, &r, __LINE__) != n ||
			    r.err || rec_r_done(&r) != -1)
				tap_fail(__FILE__, __LINE__, "round %d: a byte too many "
				    "went unseen", round);
			free(exact);
		}
		free(buf);
	}
}

/* A string field of the given length prefix and bytes after it. */
static void
str_refused(uint32_t n, const void *bytes, size_t blen, const char *what, int line)
{
	unsigned char *buf = malloc(4 + blen);
	struct rec_r r;

	if (buf == NULL)
		return;
	buf[0] = (unsigned char)(n >> 24);
	buf[1] = (unsigned char)(n >> 16);
	buf[2] = (unsigned char)(n >> 8);
	buf[3] = (unsigned char)n;
	if (blen > 0)
		memcpy(buf + 4, bytes, blen);
	rec_r_init(&r, buf, 4 + blen);
	if (rec_get_str(&r) != NULL || !r.err || rec_r_done(&r) != -1)
		tap_fail(__FILE__, line, "%s: read as a string", what);
	/* and every read after the error fails without moving */
	if (rec_get_u8(&r) != 0 || rec_get_u32(&r) != 0 || rec_get_i64(&r) != 0 ||
	    rec_get_str(&r) != NULL || rec_get_bytes(&r, 0) != NULL)
		tap_fail(__FILE__, line, "%s: a read after the error succeeded", what);
	free(buf);
}

static void
test_bad_lengths(void)
{
	unsigned char *buf;
	struct rec_r r;

	str_refused(0xfffffffeu, "abc", 4, "length 2^32 - 2", __LINE__);
	str_refused(0x7fffffffu, "abc", 4, "length 2^31 - 1", __LINE__);
	str_refused(0x80000000u, "abc", 4, "length 2^31", __LINE__);
	str_refused(4, "abcd", 4, "no room for the NUL", __LINE__);
	str_refused(3, "abcd", 4, "no NUL where it ends", __LINE__);
	str_refused(3, "a\0c", 4, "a NUL inside", __LINE__);
	str_refused(0, "", 0, "no NUL at all", __LINE__);
	str_refused(1, "", 0, "nothing after the length", __LINE__);
	/* a length cut short */
	buf = dup_exact("\0\0\0", 3);
	rec_r_init(&r, buf, 3);
	CHECK(rec_get_str(&r) == NULL && r.err);
	free(buf);
	/* NULL is a value, not an error */
	buf = dup_exact("\xff\xff\xff\xff", 4);
	rec_r_init(&r, buf, 4);
	CHECK(rec_get_str(&r) == NULL && !r.err && rec_r_done(&r) == 0);
	free(buf);
	/* byte runs longer than what is left, up to SIZE_MAX */
	buf = dup_exact("abcdefgh", 8);
	rec_r_init(&r, buf, 8);
	CHECK(rec_get_bytes(&r, 8) == buf && rec_r_done(&r) == 0);
	rec_r_init(&r, buf, 8);
	CHECK(rec_get_bytes(&r, 9) == NULL && r.err);
	rec_r_init(&r, buf, 8);
	CHECK(rec_get_u32(&r) == 0x61626364u);
	CHECK(rec_get_bytes(&r, SIZE_MAX) == NULL && r.err);
	rec_r_init(&r, buf, 8);
	CHECK(rec_get_bytes(&r, SIZE_MAX - 3) == NULL && r.err);
	rec_r_init(&r, buf + 4, 4);
	CHECK(rec_get_i64(&r) == 0 && r.err);
	free(buf);
	/* nothing at all */
	buf = dup_exact("", 0);
	rec_r_init(&r, buf, 0);
	CHECK(rec_r_done(&r) == 0);
	CHECK(rec_get_u8(&r) == 0 && r.err && rec_r_done(&r) == -1);
	free(buf);
}

/* Random bytes read as random fields: errors or values, never a string
 * that is not inside the buffer, never a read past it. */
static void
test_garbage(void)
{
	unsigned char junk[200], *buf;
	const unsigned char *b;
	const char *s;
	struct rec_r r;
	size_t len, i, k, n;
	int round;

	for (round = 0; round < ROUNDS * 5 && !tap_failed_now; round++) {
		len = tap_rand_below(sizeof(junk) + 1);
		for (i = 0; i < len; i++) {
			/* small lengths now and then, so that strings are found */
			junk[i] = (unsigned char)(tap_rand_below(3) == 0 ?
			    tap_rand_below(4) : tap_rand_below(256));
		}
		buf = dup_exact(junk, len);
		rec_r_init(&r, buf, len);
		for (k = 0; k < 30; k++) {
			switch (tap_rand_below(5)) {
			case 0:
				rec_get_u8(&r);
				break;
			case 1:
				rec_get_u32(&r);
				break;
			case 2:
				rec_get_i64(&r);
				break;
			case 3:
				if ((s = rec_get_str(&r)) != NULL && !str_inside(s, buf, len))
					tap_fail(__FILE__, __LINE__, "round %d: a string "
					    "outside the buffer", round);
				break;
			default:
				n = tap_rand_below(16);
				if ((b = rec_get_bytes(&r, n)) != NULL &&
				    (b < buf || b + n > buf + len))
					tap_fail(__FILE__, __LINE__, "round %d: bytes "
					    "outside the buffer", round);
			}
			if (r.p < buf || r.p > r.end || r.end != buf + len)
				tap_fail(__FILE__, __LINE__, "round %d: the reader left "
				    "the buffer", round);
		}
		free(buf);
	}
}

/* Fill a writer with n bytes (in pieces). */
static void
fill(struct rec_w *w, size_t n)
{
	static unsigned char chunk[1 << 20];
	size_t k;

	for (; n > 0; n -= k) {
		k = n < sizeof(chunk) ? n : sizeof(chunk);
		rec_bytes(w, chunk, k);
	}
}

/*
 * A record may be REC_MAX bytes; a write that would go past it is an error
 * that sticks (later writes that would fit do not hide it), and the
 * finished writer hands back nothing (and keeps nothing).
 */
static void
test_cap(void)
{
	struct rec_w w;
	size_t len = 0;
	char *big;
	void *buf;

	rec_w_init(&w);
	fill(&w, REC_MAX);
	buf = rec_w_finish(&w, &len);
	CHECK(buf != NULL && len == REC_MAX);
	free(buf);

	rec_w_init(&w);
	fill(&w, REC_MAX - 10);
	fill(&w, 11);				/* one byte past the cap */
	rec_u8(&w, 1);				/* would fit: ignored */
	rec_str(&w, "x");
	len = 777;
	CHECK(rec_w_finish(&w, &len) == NULL);
	CHECK_INT(len, 777);

	/* sizes no record could have: refused before any copy */
	rec_w_init(&w);
	rec_u8(&w, 1);
	rec_bytes(&w, "", SIZE_MAX);
	CHECK(rec_w_finish(&w, &len) == NULL);
	rec_w_init(&w);
	rec_bytes(&w, "", (size_t)REC_MAX + 1);
	CHECK(rec_w_finish(&w, &len) == NULL);

	/* a string as long as the cap, with its length and NUL, is too long;
	 * 5 bytes shorter it fits */
	if ((big = malloc(REC_MAX + 1)) == NULL) {
		CHECK(!"out of memory");
		return;
	}
	memset(big, 's', REC_MAX);
	big[REC_MAX] = '\0';
	rec_w_init(&w);
	rec_str(&w, big);
	CHECK(rec_w_finish(&w, &len) == NULL);
	big[REC_MAX - 5] = '\0';
	rec_w_init(&w);
	rec_str(&w, big);
	buf = rec_w_finish(&w, &len);
	CHECK(buf != NULL && len == REC_MAX);
	free(buf);
	big[REC_MAX - 4] = '\0';
	big[REC_MAX - 5] = 's';
	rec_w_init(&w);
	rec_str(&w, big);
	CHECK(rec_w_finish(&w, &len) == NULL);
	free(big);
}

int
main(void)
{
	TAP_RUN(test_layout);
	TAP_RUN(test_roundtrip_random);
	TAP_RUN(test_truncated);
	TAP_RUN(test_bad_lengths);
	TAP_RUN(test_garbage);
	TAP_RUN(test_cap);
	return tap_done();
}
