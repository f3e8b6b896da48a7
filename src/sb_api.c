/*
 * sb_api.c - the SonarQube / SonarCloud badge-token API: read a token
 * (api/project_badges/token, or badgeToken in api/navigation/component
 * where the server has no token API) and renew it without ever
 * repeating the renewal blindly.
 */
#include <string.h>

#include "sb_client.h"
#include "sb_json.h"

#define TARGET_CAP (SB_MAX_KEY_LEN * 3 + 256)

void sb_client_server_message(sb_client *c, char *out, size_t cap)
{
	char raw[SB_MAX_MESSAGE_LEN];

	out[0] = '\0';
	if (c->resp.body.len &&
	    sb_json_error_message(&c->port, (const char *)c->resp.body.data,
				  c->resp.body.len, raw,
				  sizeof(raw)) == SB_OK)
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

/*
 * Turn an unexpected status into an error. doing says what was being
 * done ("reading the badge token"), for the message.
 */
static sb_err status_error(sb_client *c, const char *doing,
			   const char *project)
{
	char msg[SB_MAX_MESSAGE_LEN], key[SB_MAX_KEY_LEN + 1];
	int st = c->resp.status;
	const char *sep;

	sb_client_server_message(c, msg, sizeof(msg));
	sb_printable(project, key, sizeof(key));
	sep = msg[0] ? ": " : "";
	if (st == 401)
		return sb_client_fail(c, SB_ERR_UNAUTHORIZED,
				      "authentication failed (HTTP 401) while "
				      "%s: the user token is missing, wrong or "
				      "expired%s%s",
				      doing, sep, msg);
	if (st == 403)
		return sb_client_fail(
			c, SB_ERR_FORBIDDEN,
			"insufficient privileges (HTTP 403) while %s of '%s'%s%s "
			"(reading needs Browse, renewing needs Administer on "
			"the project)",
			doing, key, sep, msg);
	if ((st == 400 || st == 404) && contains_ci(msg, "not found"))
		return sb_client_fail(c, SB_ERR_NOT_FOUND,
				      "project '%s' not found (HTTP %d: %s)",
				      key, st, msg);
	if (st == 429)
		return sb_client_fail(c, SB_ERR_RATE_LIMITED,
				      "rate limited (HTTP 429) while %s%s%s",
				      doing, sep, msg);
	if (st >= 500)
		return sb_client_fail(c, SB_ERR_SERVER,
				      "server error (HTTP %d) while %s%s%s", st,
				      doing, sep, msg);
	return sb_client_fail(c, SB_ERR_UNEXPECTED_STATUS,
			      "unexpected HTTP %d while %s of '%s'%s%s", st,
			      doing, key, sep, msg);
}

/* Badge tokens go into URLs and Markdown: accept only plain text. */
static int token_is_plain(const char *t)
{
	size_t n = 0;

	for (; t[n]; n++) {
		char ch = t[n];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ||
		      ch == '.'))
			return 0;
	}
	return n > 0 && n <= SB_MAX_TOKEN_LEN;
}

/* Read member key of the JSON body as a badge token. */
static sb_err body_token(sb_client *c, const char *key, char *out,
			 size_t cap, int *missing)
{
	char tok[SB_MAX_TOKEN_LEN + 1];
	sb_err err;

	err = sb_json_get_string(&c->port, (const char *)c->resp.body.data,
				 c->resp.body.len, key, tok, sizeof(tok),
				 missing);
	if (err == SB_ERR_BUFFER_TOO_SMALL)
		return sb_client_fail(c, SB_ERR_TOO_LARGE,
				      "the server's %s is longer than %d "
				      "characters",
				      key, SB_MAX_TOKEN_LEN);
	if (err == SB_ERR_TOO_LARGE &&
	    sb_json_validate((const char *)c->resp.body.data,
			     c->resp.body.len) != SB_OK)
		return sb_client_fail(c, err,
				      "the server's JSON answer is nested "
				      "deeper than %d levels",
				      (int)SB_MAX_JSON_DEPTH);
	if (err == SB_ERR_TOO_LARGE)
		return sb_client_fail(c, err,
				      "the server's JSON answer has more than "
				      "%d tokens",
				      SB_MAX_JSON_TOKENS);
	if (err != SB_OK) {
		if (missing && *missing)
			return SB_ERR_JSON; /* the caller decides */
		return sb_client_fail(c, err == SB_ERR_NOMEM ? err : SB_ERR_JSON,
				      "the server's answer is not the expected "
				      "JSON (no valid \"%s\" string)",
				      key);
	}
	if (!token_is_plain(tok)) {
		sb_wipe(tok, sizeof(tok));
		return sb_client_fail(c, SB_ERR_JSON,
				      "the server returned a %s with "
				      "unexpected characters",
				      key);
	}
	err = sb_copy(out, cap, tok, strlen(tok));
	sb_wipe(tok, sizeof(tok));
	if (err != SB_OK)
		return sb_client_fail(c, err, "token buffer too small");
	return SB_OK;
}

static sb_err build_target(sb_client *c, char *out, size_t cap,
			   const char *path, const char *param,
			   const char *project, int with_org)
{
	size_t len;

	sb_fmt(out, cap, "%s?%s=", path, param);
	len = strlen(out);
	if (sb_form_encode(project, out, cap, &len) != SB_OK)
		return sb_client_fail(c, SB_ERR_INVALID_ARG,
				      "project key too long");
	if (with_org && c->organization) {
		if (len + 14 >= cap)
			return sb_client_fail(c, SB_ERR_INVALID_ARG,
					      "organization too long");
		memcpy(out + len, "&organization=", 15);
		len += 14;
		if (sb_form_encode(c->organization, out, cap, &len) != SB_OK)
			return sb_client_fail(c, SB_ERR_INVALID_ARG,
					      "organization too long");
	}
	return SB_OK;
}

static int unknown_url(sb_client *c)
{
	char msg[SB_MAX_MESSAGE_LEN];

	sb_client_server_message(c, msg, sizeof(msg));
	return msg[0] == '\0' || contains_ci(msg, "unknown url");
}

/* The navigation/component fallback (SonarCloud, SonarQube < 9.2). */
static sb_err token_from_navigation(sb_client *c, const char *project,
				    char *out, size_t cap)
{
	char target[TARGET_CAP];
	int missing = 0;
	sb_err err;

	err = build_target(c, target, sizeof(target),
			   "/api/navigation/component", "component", project,
			   1);
	if (err == SB_OK)
		err = sb_client_exchange(c, "GET", target, NULL, NULL);
	if (err != SB_OK)
		return err;
	if (c->resp.status == 404 && unknown_url(c))
		return sb_client_fail(c, SB_ERR_UNSUPPORTED,
				      "this server exposes no badge-token API "
				      "(no api/project_badges/token, no "
				      "api/navigation/component)");
	if (c->resp.status != 200)
		return status_error(c, "reading the badge token", project);
	err = body_token(c, "badgeToken", out, cap, &missing);
	if (err != SB_OK && missing)
		return sb_client_fail(c, SB_ERR_UNSUPPORTED,
				      "this server exposes no badge-token API "
				      "(api/project_badges/token is missing "
				      "and api/navigation/component has no "
				      "badgeToken)");
	return err;
}

static sb_err get_token(sb_client *c, const char *project, char *out,
			size_t cap)
{
	char target[TARGET_CAP];
	int missing = 0;
	sb_err err;

	err = build_target(c, target, sizeof(target),
			   "/api/project_badges/token", "project", project, 0);
	if (err == SB_OK)
		err = sb_client_exchange(c, "GET", target, NULL, NULL);
	if (err != SB_OK)
		return err;
	if (c->resp.status == 404) {
		sb_client_trace(c, "* api/project_badges/token answered 404; "
				   "trying api/navigation/component");
		return token_from_navigation(c, project, out, cap);
	}
	if (c->resp.status != 200)
		return status_error(c, "reading the badge token", project);
	err = body_token(c, "token", out, cap, &missing);
	if (err != SB_OK && missing)
		return sb_client_fail(c, SB_ERR_JSON,
				      "the server's answer has no \"token\" "
				      "member");
	return err;
}

static sb_err check_args(sb_client *c, const char *project, char *out,
			 size_t cap)
{
	if (!c)
		return SB_ERR_INVALID_ARG;
	sb_client_begin(c);
	if (!project || !*project)
		return sb_client_fail(c, SB_ERR_INVALID_ARG,
				      "empty project key");
	if (strlen(project) > SB_MAX_KEY_LEN)
		return sb_client_fail(c, SB_ERR_INVALID_ARG,
				      "project key longer than %d characters",
				      SB_MAX_KEY_LEN);
	if (!out || cap == 0)
		return sb_client_fail(c, SB_ERR_INVALID_ARG,
				      "no output buffer");
	out[0] = '\0';
	return SB_OK;
}

sb_err sb_token_get(sb_client *c, const char *project, char *out, size_t cap)
{
	sb_err err = check_args(c, project, out, cap);

	return err != SB_OK ? err : get_token(c, project, out, cap);
}

/* POST renew_token once. *unknown when its outcome could not be seen. */
static sb_err post_renew(sb_client *c, const char *project, int *unknown)
{
	char body[TARGET_CAP];
	size_t len = 8;
	sb_err err;

	memcpy(body, "project=", 9);
	if (sb_form_encode(project, body, sizeof(body), &len) != SB_OK)
		return sb_client_fail(c, SB_ERR_INVALID_ARG,
				      "project key too long");
	err = sb_client_exchange(c, "POST", "/api/project_badges/renew_token",
				 body, unknown);
	if (err != SB_OK)
		return err;
	if (c->resp.status == 204 || c->resp.status == 200)
		return SB_OK;
	if (c->resp.status == 404 && unknown_url(c))
		return sb_client_fail(c, SB_ERR_UNSUPPORTED,
				      "this server has no "
				      "api/project_badges/renew_token "
				      "(SonarCloud, or SonarQube before 9.2); "
				      "nothing was changed");
	return status_error(c, "renewing the badge token", project);
}

sb_err sb_token_renew(sb_client *c, const char *project, char *old_out,
		      size_t old_cap, char *new_out, size_t new_cap)
{
	char old_tok[SB_MAX_TOKEN_LEN + 1], now_tok[SB_MAX_TOKEN_LEN + 1];
	sb_err err = check_args(c, project, new_out, new_cap);
	int posts, unknown = 0, renewed = 0;

	if (err != SB_OK)
		return err;
	err = get_token(c, project, old_tok, sizeof(old_tok));
	if (err != SB_OK)
		return err;
	for (posts = 0; posts < 2 && !renewed; posts++) {
		err = post_renew(c, project, &unknown);
		if (err == SB_OK) {
			renewed = 1;
			break;
		}
		if (!unknown)
			goto out;
		/*
		 * The request may or may not have been applied. Read the
		 * token (with a fresh time budget: knowing matters more)
		 * and only then decide.
		 */
		sb_client_trace(c, "* renewal outcome unknown (%s); reading "
				   "the token to find out",
				c->message);
		sb_client_begin(c);
		err = get_token(c, project, now_tok, sizeof(now_tok));
		if (err != SB_OK) {
			sb_client_fail(c, err,
				       "renewal outcome unknown and the token "
				       "could not be read: %s",
				       c->message);
			goto out;
		}
		if (strcmp(now_tok, old_tok) != 0) {
			renewed = 1; /* it happened: do not post again */
			break;
		}
		/* It did not happen: post once more, on a new connection
		 * (the last one may have been closed under the request). */
		sb_client_disconnect(c);
	}
	if (!renewed) {
		err = sb_client_fail(c, SB_ERR_NETWORK,
				     "renewal of '%s' did not go through: the "
				     "connection failed twice",
				     project);
		goto out;
	}
	err = get_token(c, project, now_tok, sizeof(now_tok));
	if (err != SB_OK)
		goto out;
	if (strcmp(now_tok, old_tok) == 0) {
		err = sb_client_fail(c, SB_ERR_TOKEN_UNCHANGED,
				     "the server accepted the renewal but the "
				     "badge token did not change");
		goto out;
	}
	if (old_out && sb_copy(old_out, old_cap, old_tok, strlen(old_tok)) !=
			       SB_OK) {
		err = sb_client_fail(c, SB_ERR_BUFFER_TOO_SMALL,
				     "token buffer too small");
		goto out;
	}
	if (sb_copy(new_out, new_cap, now_tok, strlen(now_tok)) != SB_OK)
		err = sb_client_fail(c, SB_ERR_BUFFER_TOO_SMALL,
				     "token buffer too small");
	else
		c->message[0] = '\0';
out:
	sb_wipe(old_tok, sizeof(old_tok));
	sb_wipe(now_tok, sizeof(now_tok));
	return err;
}
