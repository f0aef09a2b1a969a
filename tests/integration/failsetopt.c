/*
 * A test helper, preloaded (LD_PRELOAD) into dq-dispatcher by
 * test_hostile_peers.py: curl_easy_setopt() refuses the option named in
 * $DQ_FAIL_SETOPT, as a libcurl without it would, and passes every other
 * call on to the real libcurl.  Every option dq sets takes a long, a
 * pointer or a curl_off_t, which the x86-64 and arm64 calling conventions
 * pass alike, so one void * carries any of them.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#undef curl_easy_setopt

static const struct {
	const char	*name;
	CURLoption	 opt;
} failable[] = {
	{ "CURLOPT_PROTOCOLS_STR", CURLOPT_PROTOCOLS_STR },
	{ "CURLOPT_FOLLOWLOCATION", CURLOPT_FOLLOWLOCATION },
	{ "CURLOPT_PROXY", CURLOPT_PROXY },
	{ "CURLOPT_OPENSOCKETFUNCTION", CURLOPT_OPENSOCKETFUNCTION },
	{ "CURLOPT_TIMEOUT_MS", CURLOPT_TIMEOUT_MS },
	{ "CURLOPT_CONNECTTIMEOUT_MS", CURLOPT_CONNECTTIMEOUT_MS },
	{ "CURLOPT_POSTFIELDS", CURLOPT_POSTFIELDS },
};

CURLcode	curl_easy_setopt(CURL *, CURLoption, ...);

CURLcode
curl_easy_setopt(CURL *e, CURLoption opt, ...)
{
	static CURLcode (*real)(CURL *, CURLoption, ...);
	const char *fail = getenv("DQ_FAIL_SETOPT");
	va_list ap;
	void *arg;
	size_t i;

	va_start(ap, opt);
	arg = va_arg(ap, void *);
	va_end(ap);
	for (i = 0; fail != NULL && i < sizeof(failable) / sizeof(failable[0]); i++)
		if (failable[i].opt == opt && strcmp(failable[i].name, fail) == 0)
			return CURLE_UNKNOWN_OPTION;
	if (real == NULL && (real = (CURLcode (*)(CURL *, CURLoption, ...))
	    dlsym(RTLD_NEXT, "curl_easy_setopt")) == NULL)
		return CURLE_FAILED_INIT;
	return real(e, opt, arg);
}
