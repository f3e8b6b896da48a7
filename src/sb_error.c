/* sb_error.c - names and short descriptions of sb_err values. */
#include "sonarbadge/sonarbadge.h"

struct err_entry {
	sb_err err;
	const char *name;
	const char *text;
};

static const struct err_entry err_table[] = {
	{SB_OK, "SB_OK", "success"},
	{SB_ERR_INVALID_ARG, "SB_ERR_INVALID_ARG", "invalid argument"},
	{SB_ERR_CONFIG, "SB_ERR_CONFIG", "configuration error"},
	{SB_ERR_NOMEM, "SB_ERR_NOMEM", "out of memory"},
	{SB_ERR_DNS, "SB_ERR_DNS", "could not resolve host"},
	{SB_ERR_CONNECT, "SB_ERR_CONNECT", "could not connect"},
	{SB_ERR_NETWORK, "SB_ERR_NETWORK", "network error"},
	{SB_ERR_TIMEOUT, "SB_ERR_TIMEOUT", "timed out"},
	{SB_ERR_TLS, "SB_ERR_TLS", "TLS error"},
	{SB_ERR_TLS_VERIFY, "SB_ERR_TLS_VERIFY",
	 "server certificate verification failed"},
	{SB_ERR_HTTP_PROTOCOL, "SB_ERR_HTTP_PROTOCOL",
	 "malformed HTTP response"},
	{SB_ERR_TOO_LARGE, "SB_ERR_TOO_LARGE", "response exceeds a limit"},
	{SB_ERR_JSON, "SB_ERR_JSON", "malformed or unexpected JSON"},
	{SB_ERR_UNAUTHORIZED, "SB_ERR_UNAUTHORIZED",
	 "authentication failed"},
	{SB_ERR_FORBIDDEN, "SB_ERR_FORBIDDEN", "insufficient privileges"},
	{SB_ERR_NOT_FOUND, "SB_ERR_NOT_FOUND", "project not found"},
	{SB_ERR_SERVER, "SB_ERR_SERVER", "server error"},
	{SB_ERR_RATE_LIMITED, "SB_ERR_RATE_LIMITED", "rate limited"},
	{SB_ERR_UNEXPECTED_STATUS, "SB_ERR_UNEXPECTED_STATUS",
	 "unexpected HTTP status"},
	{SB_ERR_UNSUPPORTED, "SB_ERR_UNSUPPORTED",
	 "the server does not support this API"},
	{SB_ERR_TOKEN_UNCHANGED, "SB_ERR_TOKEN_UNCHANGED",
	 "the token did not change"},
	{SB_ERR_ENTROPY, "SB_ERR_ENTROPY", "entropy source failed"},
	{SB_ERR_BUFFER_TOO_SMALL, "SB_ERR_BUFFER_TOO_SMALL",
	 "output buffer too small"},
	{SB_ERR_PROXY, "SB_ERR_PROXY", "the proxy refused the connection"},
};

static const struct err_entry *find(sb_err err)
{
	size_t i;

	for (i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++)
		if (err_table[i].err == err)
			return &err_table[i];
	return NULL;
}

const char *sb_strerror(sb_err err)
{
	const struct err_entry *e = find(err);

	return e ? e->text : "unknown error";
}

const char *sb_err_name(sb_err err)
{
	const struct err_entry *e = find(err);

	return e ? e->name : "SB_ERR_UNKNOWN";
}
