/*
 * sb_status.c - the status map. SonarQube's web services answer an
 * unknown project or application with 400 "Project or Application not
 * found" (TokenAction, TokenRenewAction), a missing permission with 403
 * "Insufficient privileges", bad or missing credentials with an empty
 * 401 (UserSessionInitializer), an unknown action with 404 "Unknown url"
 * (WebServiceEngine), and errors as {"errors":[{"msg":"..."}]}.
 */
#include "sb_status.h"

#include <string.h>

#include "sb_json.h"

void sb_status_server_message(const sb_port *port, const sb_http_response *r,
			      char *out, size_t cap)
{
	char raw[SB_MAX_MESSAGE_LEN];

	out[0] = '\0';
	if (r->body.len &&
	    sb_json_error_message(port, (const char *)r->body.data, r->body.len,
				  raw, sizeof(raw)) == SB_OK)
		sb_printable(raw, out, cap);
}

static int contains_ci(const char *s, const char *needle)
{
	size_t n = strlen(needle);

	for (; *s; s++)
		if (sb_ascii_ncaseeq(s, needle, n))
			return 1;
	return 0;
}

typedef enum {
	RULE_CLIENT_CERT,   /* nginx: the TLS port wants a client certificate */
	RULE_BAD_CLIENT_CERT,
	RULE_PLAIN_TO_TLS,  /* nginx: plain HTTP sent to its TLS port */
	RULE_UNAUTHORIZED,
	RULE_FORBIDDEN,
	RULE_NOT_FOUND, /* the server said "... not found" of the project */
	RULE_NO_API,
	RULE_RATE_LIMITED,
	RULE_SERVER,
	RULE_OTHER
} rule;

/* Does the raw body hold this text (an HTML page from a proxy)? */
static int body_says(const sb_http_response *r, const char *text)
{
	size_t n = strlen(text), i;

	for (i = 0; r->body.data && i + n <= r->body.len; i++)
		if (memcmp(r->body.data + i, text, n) == 0)
			return 1;
	return 0;
}

/* The map, first match wins. The 400 pages are nginx's
 * (ngx_http_special_response.c) in front of a SonarQube. */
static rule classify(const sb_http_response *r, const char *msg,
		     const sb_op *op)
{
	int st = r->status;

	if (st == 400 && body_says(r, "No required SSL certificate was sent"))
		return RULE_CLIENT_CERT;
	if (st == 400 && body_says(r, "The SSL certificate error"))
		return RULE_BAD_CLIENT_CERT;
	if (st == 400 &&
	    body_says(r, "The plain HTTP request was sent to HTTPS port"))
		return RULE_PLAIN_TO_TLS;
	if (st == 401)
		return RULE_UNAUTHORIZED;
	if (st == 403)
		return RULE_FORBIDDEN;
	if ((st == 400 || st == 404) && op->project && contains_ci(msg, "not found"))
		return RULE_NOT_FOUND;
	if (st == 404 && op->api)
		return RULE_NO_API;
	if (st == 429)
		return RULE_RATE_LIMITED;
	if (st >= 500 && st <= 599)
		return RULE_SERVER;
	return RULE_OTHER;
}

sb_err sb_status_fail(sb_diag *d, const sb_port *port,
		      const sb_http_response *r, const sb_op *op)
{
	char msg[SB_MAX_MESSAGE_LEN], key[SB_MAX_KEY_LEN + 16];
	char printable[SB_MAX_KEY_LEN + 1];
	const char *sep;
	int st = r->status;

	sb_status_server_message(port, r, msg, sizeof(msg));
	sep = msg[0] ? ": " : "";
	key[0] = printable[0] = '\0';
	if (op->project) {
		sb_printable(op->project, printable, sizeof(printable));
		sb_fmt(key, sizeof(key), " of '%s'", printable);
	}
	switch (classify(r, msg, op)) {
	case RULE_CLIENT_CERT:
		return sb_diag_fail(d, SB_ERR_TLS,
				    "the server requires a client certificate "
				    "(--cert/--key): HTTP 400 No required SSL "
				    "certificate was sent");
	case RULE_BAD_CLIENT_CERT:
		return sb_diag_fail(d, SB_ERR_TLS,
				    "the server refused the client certificate "
				    "(check --cert and --key): HTTP 400 The SSL "
				    "certificate error");
	case RULE_PLAIN_TO_TLS:
		return sb_diag_fail(d, SB_ERR_CONFIG,
				    "plain HTTP was sent to an HTTPS port: the "
				    "URL must start with https://");
	case RULE_UNAUTHORIZED:
		if (op->anonymous)
			return sb_diag_fail(d, SB_ERR_UNAUTHORIZED,
					    "refused (HTTP 401) while %s%s%s",
					    op->doing, sep, msg);
		return sb_diag_fail(d, SB_ERR_UNAUTHORIZED,
				    "authentication failed (HTTP 401) while %s: "
				    "the user token is missing, wrong or "
				    "expired%s%s",
				    op->doing, sep, msg);
	case RULE_FORBIDDEN:
		return sb_diag_fail(d, SB_ERR_FORBIDDEN,
				    "insufficient privileges (HTTP 403) while "
				    "%s%s%s%s%s%s%s",
				    op->doing, key, sep, msg,
				    op->forbidden ? " (" : "",
				    op->forbidden ? op->forbidden : "",
				    op->forbidden ? ")" : "");
	case RULE_NOT_FOUND:
		return sb_diag_fail(d, SB_ERR_NOT_FOUND,
				    "project '%s' not found (HTTP %d: %s)",
				    printable, st, msg);
	case RULE_NO_API:
		return sb_diag_fail(d, SB_ERR_UNSUPPORTED,
				    "this server has no %s (HTTP 404%s%s)",
				    op->api, sep, msg);
	case RULE_RATE_LIMITED:
		return sb_diag_fail(d, SB_ERR_RATE_LIMITED,
				    "rate limited (HTTP 429) while %s%s%s",
				    op->doing, sep, msg);
	case RULE_SERVER:
		return sb_diag_fail(d, SB_ERR_SERVER,
				    "server error (HTTP %d) while %s%s%s", st,
				    op->doing, sep, msg);
	default:
		return sb_diag_fail(d, SB_ERR_UNEXPECTED_STATUS,
				    "unexpected HTTP %d while %s%s%s%s", st,
				    op->doing, key, sep, msg);
	}
}
