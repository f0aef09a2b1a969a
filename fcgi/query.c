/*
 * Query-string parsing and cursors.  A cursor is base64url of a small JSON
 * object {"f": filters, "c": created, "i": id}: opaque to clients, checked
 * like any input when it comes back.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "num.h"
#include "query.h"

static int
query_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decode in place: %XX and '+'; -1 on a bad escape or a NUL. */
static int
query_unescape(char *s)
{
	char *o = s;
	int hi, lo;

	for (; *s; s++) {
		if (*s == '+')
			*o++ = ' ';
		else if (*s == '%') {
			if ((hi = query_hex((unsigned char)s[1])) < 0 ||
			    (lo = query_hex((unsigned char)s[2])) < 0 || (hi | lo) == 0)
				return -1;
			*o++ = (char)(hi * 16 + lo);
			s += 2;
		} else
			*o++ = *s;
	}
	*o = '\0';
	return 0;
}

static int
query_allowed(const char *name, const char *const *allowed)
{
	for (; *allowed != NULL; allowed++)
		if (strcmp(name, *allowed) == 0)
			return 1;
	return 0;
}

int
query_parse(struct query *q, const char *qs, const char *const *allowed,
    struct verr *e)
{
	char *p, *next, *eq;
	size_t n = strlen(qs);

	q->n = 0;
	if (n > QUERY_LEN_MAX) {
		verr_add(e, VERR_INVALID_QUERY, "", "query string is too long");
		return -1;
	}
	memcpy(q->buf, qs, n + 1);
	for (p = q->buf; p != NULL && *p != '\0'; p = next) {
		if ((next = strchr(p, '&')) != NULL)
			*next++ = '\0';
		if (*p == '\0')
			continue;
		if ((eq = strchr(p, '=')) != NULL)
			*eq++ = '\0';
		if (query_unescape(p) == -1 || (eq && query_unescape(eq) == -1)) {
			verr_add(e, VERR_INVALID_QUERY, "", "malformed query string");
			return -1;
		}
		if (!query_allowed(p, allowed)) {
			verr_add(e, VERR_INVALID_QUERY, p, "is not a known parameter");
			return -1;
		}
		if (query_get(q, p) != NULL) {
			verr_add(e, VERR_INVALID_QUERY, p, "is given more than once");
			return -1;
		}
		if (q->n == QUERY_MAX) {
			verr_add(e, VERR_INVALID_QUERY, "", "too many parameters");
			return -1;
		}
		q->name[q->n] = p;
		q->value[q->n++] = eq ? eq : p + strlen(p);
	}
	return 0;
}

const char *
query_get(const struct query *q, const char *name)
{
	int i;

	for (i = 0; i < q->n; i++)
		if (strcmp(q->name[i], name) == 0)
			return q->value[i];
	return NULL;
}

/* base64url without padding, from and to standard base64. */
static void
b64_to_url(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '=')
			break;
		*o++ = *s == '+' ? '-' : *s == '/' ? '_' : *s;
	}
	*o = '\0';
}

char *
page_cursor(const json_t *filters, int64_t created, const char *id)
{
	json_t *o;
	char *text, *out = NULL;
	size_t n;

	o = json_pack("{s:O, s:I, s:s}", "f", filters, "c", (json_int_t)created,
	    "i", id);
	if (o == NULL)
		return NULL;
	text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (text == NULL)
		return NULL;
	n = strlen(text);
	if ((out = malloc(4 * ((n + 2) / 3) + 1)) != NULL) {
		crypto_base64(text, n, out, 4 * ((n + 2) / 3) + 1);
		b64_to_url(out);
	}
	free(text);
	return out;
}

static json_t *
page_cursor_decode(const char *cur)
{
	char b64[1024];
	unsigned char raw[768];
	size_t n = strlen(cur), i;
	int len;

	if (n == 0 || n + 3 >= sizeof(b64))
		return NULL;
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)cur[i]) && cur[i] != '-' && cur[i] != '_')
			return NULL;
		b64[i] = cur[i] == '-' ? '+' : cur[i] == '_' ? '/' : cur[i];
	}
	while (i % 4 != 0)
		b64[i++] = '=';
	b64[i] = '\0';
	if ((len = crypto_base64_decode(b64, i, raw, sizeof(raw) - 1)) < 0)
		return NULL;
	return json_loadb((const char *)raw, (size_t)len, 0, NULL);
}

static int
page_number(const struct query *q, const char *name, long long min,
    long long max, long long def, long long *out, struct verr *e)
{
	const char *v = query_get(q, name);

	*out = def;
	if (v == NULL)
		return 0;
	if (num_parse_ll(v, min, max, out) == -1) {
		verr_add(e, VERR_INVALID_QUERY, name, "must be an integer from %lld to %lld",
		    min, max);
		return -1;
	}
	return 0;
}

static int
page_apply_cursor(struct page *p, const char *cur, json_t *filters, struct verr *e)
{
	json_t *c, *f;
	const char *id;
	json_int_t created;

	if ((c = page_cursor_decode(cur)) == NULL ||
	    json_unpack(c, "{s:o, s:I, s:s}", "f", &f, "c", &created, "i", &id) != 0 ||
	    !json_is_object(f) || strlen(id) != ID_JOB_LEN) {
		json_decref(c);
		verr_add(e, VERR_INVALID_QUERY, "cursor", "is not a valid cursor");
		return -1;
	}
	if (json_object_size(filters) > 0 && !json_equal(filters, f)) {
		json_decref(c);
		verr_add(e, VERR_INVALID_QUERY, "cursor",
		    "was made for different filters; repeat the same filters or none");
		return -1;
	}
	json_decref(p->filters);
	p->filters = json_incref(f);
	p->has_after = 1;
	p->after_created = created;
	memcpy(p->after_id, id, strlen(id) + 1);
	json_decref(c);
	return 0;
}

int
page_parse(const struct query *q, json_t *filters, struct page *p, struct verr *e)
{
	const char *cur = query_get(q, "cursor");
	long long limit, offset;

	memset(p, 0, sizeof(*p));
	p->filters = filters;
	if (page_number(q, "limit", 1, 100, 20, &limit, e) == -1 ||
	    page_number(q, "offset", 0, (long long)1 << 40, 0, &offset, e) == -1)
		return -1;
	p->limit = (int)limit;
	p->offset = offset;
	if (cur != NULL && page_apply_cursor(p, cur, filters, e) == -1)
		return -1;
	return 0;
}

void
page_free(struct page *p)
{
	json_decref(p->filters);
	p->filters = NULL;
}
