/*
 * Query-string parsing and paging.  A cursor (cursor.c) is opaque to
 * clients and signed; when it comes back, what it holds is checked again
 * exactly as the query string is: the same filter check, the same ranges.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "cursor.h"
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

/*
 * The cursor's position, page size and filters, each checked as the query
 * string's would be.  A cursor that is not one this installation made for
 * this account and list is a validation_error on it; a good cursor sent
 * with other filters is a bad query (invalid_query), as any query
 * parameter that does not fit.
 */
static int
page_apply_cursor(struct page *p, const struct query *q, const char *text,
    struct verr *e)
{
	struct cursor c;
	struct verr fe;

	if (cursor_read(text, &c) == -1) {
		verr_add(e, VERR_VALIDATION, "cursor", "is not a valid cursor");
		return -1;
	}
	verr_init(&fe);
	p->kind->check(c.filters, &fe);
	if (strcmp(c.kind, p->kind->name) != 0)
		verr_add(e, VERR_VALIDATION, "cursor", "was made for another list");
	else if (c.account != (json_int_t)p->account || fe.n > 0 ||
	    c.limit < PAGE_LIMIT_MIN || c.limit > PAGE_LIMIT_MAX ||
	    c.created < 0 || c.created > PAGE_TIME_MAX ||
	    !ids_valid(c.id, p->kind->id_prefix, ID_JOB_LEN - strlen(p->kind->id_prefix)))
		verr_add(e, VERR_VALIDATION, "cursor", "is not a valid cursor");
	else if (json_object_size(p->filters) > 0 && !json_equal(p->filters, c.filters))
		verr_add(e, VERR_INVALID_QUERY, "cursor",
		    "was made for different filters; repeat the same filters or none");
	if (e->n > 0) {
		json_decref(c.filters);
		return -1;
	}
	json_decref(p->filters);
	p->filters = c.filters;
	if (query_get(q, "limit") == NULL)
		p->limit = (int)c.limit;
	p->has_after = 1;
	p->after_created = c.created;
	memcpy(p->after_id, c.id, sizeof(p->after_id));
	return 0;
}

int
page_parse(const struct query *q, const struct page_kind *kind, uint32_t account,
    json_t *filters, struct page *p, struct verr *e)
{
	const char *cur = query_get(q, "cursor");
	long long limit, offset;

	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->account = account;
	p->filters = filters;
	kind->check(filters, e);
	if (e->n > 0 ||
	    page_number(q, "limit", PAGE_LIMIT_MIN, PAGE_LIMIT_MAX, 20, &limit, e) == -1 ||
	    page_number(q, "offset", 0, (long long)1 << 40, 0, &offset, e) == -1)
		return -1;
	p->limit = (int)limit;
	p->offset = offset;
	if (cur != NULL && page_apply_cursor(p, q, cur, e) == -1)
		return -1;
	return 0;
}

char *
page_cursor(const struct page *p, int64_t created, const char *id)
{
	struct cursor c;

	memset(&c, 0, sizeof(c));
	if (snprintf(c.kind, sizeof(c.kind), "%s", p->kind->name) >=
	    (int)sizeof(c.kind) || snprintf(c.id, sizeof(c.id), "%s", id) >=
	    (int)sizeof(c.id))
		return NULL;
	c.account = p->account;
	c.filters = p->filters;
	c.limit = p->limit;
	c.created = created;
	return cursor_make(&c);
}

void
page_free(struct page *p)
{
	json_decref(p->filters);
	p->filters = NULL;
}
