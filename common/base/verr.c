/*
 * Collecting validation errors.  Past VERR_MAX the rest are dropped; the
 * first ones are the ones a user fixes first anyway.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"
#include "verr.h"

void
verr_init(struct verr *e)
{
	e->n = 0;
}

void
verr_add(struct verr *e, enum verr_code code, const char *field,
    const char *fmt, ...)
{
	struct verr_item *it;
	va_list ap;

	if (e->n >= VERR_MAX)
		return;
	it = &e->item[e->n++];
	it->code = code;
	snprintf(it->field, sizeof(it->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(it->message, sizeof(it->message), fmt, ap);
	va_end(ap);
	verr_utf8_fix(it->field);
	verr_utf8_fix(it->message);
}

void
verr_utf8_fix(char *s)
{
	if (utf8_valid(s))
		return;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			*s = '?';
}

const char *
verr_code_name(enum verr_code c)
{
	static const char *const names[] = {
		"missing_field", "validation_error", "invalid_delay",
		"invalid_cron", "invalid_query"
	};

	return (unsigned)c < sizeof(names) / sizeof(names[0]) ? names[c] :
	    "validation_error";
}
