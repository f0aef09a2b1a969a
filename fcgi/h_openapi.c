/*
 * GET /v1/openapi.json, which needs no API key: the API's OpenAPI 3.1
 * description.  openapi.yaml is compiled in at build time (as
 * fcgi/openapi_json.c, made by fcgi/openapi_embed.py), so a server always
 * describes the API it runs.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "handlers.h"

extern const char openapi_json[];	/* NUL-terminated */
extern const size_t openapi_json_len;

void
h_openapi(struct req *q, struct resp *r)
{
	char *text;

	if ((text = malloc(openapi_json_len + 1)) == NULL) {
		resp_dq_err(r, q, DQ_ERR_NOMEM, NULL);
		return;
	}
	memcpy(text, openapi_json, openapi_json_len + 1);
	resp_json(r, 200, NULL);
	free(r->text);
	r->text = text;
	r->content_type = "application/json; charset=utf-8";
}
