/*
 * Validation errors: what was wrong with which field of a request.  The
 * first item decides the API error code; all items become its details.
 */
#ifndef DQ_VERR_H
#define DQ_VERR_H

enum verr_code {
	VERR_MISSING_FIELD = 0,
	VERR_VALIDATION,
	VERR_INVALID_DELAY,
	VERR_INVALID_CRON,
	VERR_INVALID_QUERY
};

#define VERR_MAX	16

struct verr_item {
	enum verr_code	code;
	char		field[72];
	char		message[200];
};

struct verr {
	int		 n;
	struct verr_item item[VERR_MAX];
};

void	verr_init(struct verr *);
/*
 * Make s valid UTF-8 in place, as a JSON string must be: when it is not
 * (bytes echoed from a request, or a character cut by truncation), its
 * non-ASCII bytes become '?'.  verr_add() does this to every item.
 */
void	verr_utf8_fix(char *s);
void	verr_add(struct verr *, enum verr_code, const char *field,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
const char *verr_code_name(enum verr_code);

#endif
