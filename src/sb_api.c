/*
 * sb_api.c - the badge-token API: read a token (api/project_badges/token,
 * or badgeToken in api/navigation/component where the server has no
 * token API) and renew it without ever repeating the renewal blindly.
 */
#include <string.h>

#include "sb_client.h"
#include "sb_json.h"

#define TARGET_CAP (SB_MAX_KEY_LEN * 3 + 256)

#define FORBIDDEN_HINT \
	"reading needs Browse, renewing needs Administer on the project"

static sb_op read_op(const char *project)
{
	sb_op op = {"reading the badge token", NULL, NULL, FORBIDDEN_HINT, 0};

	op.project = project;
	return op;
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

/* Read member key of the JSON body as a badge token; *missing when the
 * member is not there (the caller decides what that means). */
static sb_err body_token(sb_client *c, const sb_reply *reply, const char *key,
			 char *out, size_t cap, int *missing)
{
	char tok[SB_MAX_TOKEN_LEN + 1];
	const sb_http_response *r = reply->http;
	sb_err err;

	*missing = 0;
	err = sb_json_get_string(&c->port, (const char *)r->body.data,
				 r->body.len, key, tok, sizeof(tok), missing);
	if (err == SB_ERR_BUFFER_TOO_SMALL)
		return sb_diag_fail(&c->diag, SB_ERR_TOO_LARGE,
				    "the server's %s is longer than %d "
				    "characters",
				    key, SB_MAX_TOKEN_LEN);
	if (err == SB_ERR_TOO_LARGE)
		return sb_client_json_too_large(c, (const char *)r->body.data,
						r->body.len);
	if (err != SB_OK) {
		if (*missing)
			return SB_ERR_JSON;
		return sb_diag_fail(&c->diag,
				    err == SB_ERR_NOMEM ? err : SB_ERR_JSON,
				    "the server's answer is not the expected "
				    "JSON (no valid \"%s\" string)",
				    key);
	}
	if (!token_is_plain(tok)) {
		sb_wipe(tok, sizeof(tok));
		return sb_diag_fail(&c->diag, SB_ERR_JSON,
				    "the server returned a %s with unexpected "
				    "characters",
				    key);
	}
	err = sb_copy(out, cap, tok, strlen(tok));
	sb_wipe(tok, sizeof(tok));
	if (err != SB_OK)
		return sb_diag_fail(&c->diag, err, "token buffer too small");
	return SB_OK;
}

/* PATH?PARAM=ENCODED(project)[&organization=ORG] into out. */
static sb_err build_target(sb_client *c, char *out, size_t cap,
			   const char *path, const char *param,
			   const char *project, int with_org)
{
	size_t len;

	sb_fmt(out, cap, "%s?%s=", path, param);
	len = strlen(out);
	if (sb_form_encode(project, out, cap, &len) != SB_OK)
		return sb_diag_fail(&c->diag, SB_ERR_INVALID_ARG,
				    "project key too long");
	if (with_org && sb_client_append_organization(c, out, cap, &len) != SB_OK)
		return sb_diag_fail(&c->diag, SB_ERR_INVALID_ARG,
				    "organization too long");
	return SB_OK;
}

/* A 404 from SonarQube's web-service engine ("Unknown url : /api/..."),
 * or one without any SonarQube error body. */
static int unknown_url(sb_client *c, const sb_reply *reply)
{
	char msg[SB_MAX_MESSAGE_LEN];

	sb_client_server_message(c, reply, msg, sizeof(msg));
	return msg[0] == '\0' || strstr(msg, "Unknown url") != NULL ||
	       strstr(msg, "unknown url") != NULL;
}

/* SonarQube Server before 9.2 has no badge tokens at all: say so, or
 * SB_OK for any other server. */
static sb_err before_badge_tokens(sb_client *c, const sb_server_version *v,
				  const char *name)
{
	if (v->flavour != SB_FLAVOUR_SERVER || sb_version_at_least(v, 9, 2))
		return SB_OK;
	return sb_diag_fail(&c->diag, SB_ERR_UNSUPPORTED,
			    "%s (%s) has no badge tokens; they came in "
			    "SonarQube 9.2",
			    name, v->text);
}

/*
 * Neither api/project_badges/token nor a badgeToken answered: say which
 * server this is (api/server/version), since that is what the user can
 * act on.
 */
static sb_err no_token_api(sb_client *c)
{
	sb_server_version v;
	char name[64];
	sb_err err = sb_client_version(c, &v);

	if (err != SB_OK)
		return err; /* "no SonarQube at URL", or the network's error */
	sb_version_describe(&v, name, sizeof(name));
	err = before_badge_tokens(c, &v, name);
	if (err != SB_OK)
		return err;
	return sb_diag_fail(&c->diag, SB_ERR_UNSUPPORTED,
			    "this server exposes no badge-token API (%s, "
			    "version %s: no api/project_badges/token, and "
			    "api/navigation/component has no badgeToken)",
			    name, v.text);
}

/* The navigation/component fallback (SonarQube Cloud). */
static sb_err token_from_navigation(sb_client *c, const char *project,
				    char *out, size_t cap)
{
	char target[TARGET_CAP];
	sb_request rq = {"GET", target, NULL, 0, 0};
	sb_op op = read_op(project);
	sb_reply reply;
	int missing = 0;
	sb_err err;

	err = build_target(c, target, sizeof(target),
			   "/api/navigation/component", "component", project,
			   1);
	if (err == SB_OK)
		err = sb_client_request(c, &rq, &reply);
	if (err != SB_OK)
		return err;
	if (reply.http->status == 404 && unknown_url(c, &reply))
		return no_token_api(c);
	if (reply.http->status != 200)
		return sb_client_status_fail(c, &reply, &op);
	err = body_token(c, &reply, "badgeToken", out, cap, &missing);
	if (err != SB_OK && missing)
		return no_token_api(c);
	return err;
}

static sb_err get_token(sb_client *c, const char *project, char *out,
			size_t cap)
{
	char target[TARGET_CAP];
	sb_request rq = {"GET", target, NULL, 0, 0};
	sb_op op = read_op(project);
	sb_reply reply;
	int missing = 0;
	sb_err err;

	err = build_target(c, target, sizeof(target),
			   "/api/project_badges/token", "project", project, 0);
	if (err == SB_OK)
		err = sb_client_request(c, &rq, &reply);
	if (err != SB_OK)
		return err;
	if (reply.http->status == 404) {
		sb_diag_trace(&c->diag, "* api/project_badges/token answered "
					"404; trying api/navigation/component");
		return token_from_navigation(c, project, out, cap);
	}
	if (reply.http->status != 200)
		return sb_client_status_fail(c, &reply, &op);
	err = body_token(c, &reply, "token", out, cap, &missing);
	if (err != SB_OK && missing)
		return sb_diag_fail(&c->diag, SB_ERR_JSON,
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
		return sb_diag_fail(&c->diag, SB_ERR_INVALID_ARG,
				    "empty project key");
	if (strlen(project) > SB_MAX_KEY_LEN)
		return sb_diag_fail(&c->diag, SB_ERR_INVALID_ARG,
				    "project key longer than %d characters",
				    SB_MAX_KEY_LEN);
	if (!out || cap == 0)
		return sb_diag_fail(&c->diag, SB_ERR_INVALID_ARG,
				    "no output buffer");
	out[0] = '\0';
	return SB_OK;
}

sb_err sb_token_get(sb_client *c, const char *project, char *out, size_t cap)
{
	sb_err err = check_args(c, project, out, cap);

	return err != SB_OK ? err : get_token(c, project, out, cap);
}

/*
 * renew_token answered 404: say what this server is and what the user can
 * do instead. For SonarQube Cloud nothing public documents a badge-token
 * renewal; SonarSource staff described its badge tokens as tokens of the
 * user who first generated the badge (community.sonarsource.com thread
 * 42516), and user tokens are revoked under My Account > Security
 * (docs.sonarsource.com/sonarqube-cloud/managing-your-account/
 * managing-tokens).
 */
static sb_err no_renew_api(sb_client *c)
{
	sb_server_version v;
	char name[64];
	sb_err err;

	if (sb_client_version(c, &v) != SB_OK)
		return sb_diag_fail(&c->diag, SB_ERR_UNSUPPORTED,
				    "this server has no "
				    "api/project_badges/renew_token; nothing "
				    "was changed");
	sb_version_describe(&v, name, sizeof(name));
	if (v.flavour == SB_FLAVOUR_CLOUD)
		return sb_diag_fail(&c->diag, SB_ERR_UNSUPPORTED,
				    "SonarQube Cloud (SonarCloud) has no "
				    "documented API to renew a badge token; "
				    "nothing was changed. SonarSource staff "
				    "describe it as a user token of whoever "
				    "first took the badge: revoking that under "
				    "My Account > Security and taking the badge "
				    "again should give a new one; otherwise ask "
				    "SonarSource support");
	err = before_badge_tokens(c, &v, name);
	if (err != SB_OK)
		return err;
	return sb_diag_fail(&c->diag, SB_ERR_UNSUPPORTED,
			    "%s (%s) has no api/project_badges/renew_token; "
			    "nothing was changed",
			    name, v.text);
}

/* POST renew_token once. *unknown when its outcome could not be seen. */
static sb_err post_renew(sb_client *c, const char *project, int *unknown)
{
	char body[TARGET_CAP];
	sb_request rq = {"POST", "/api/project_badges/renew_token", body, 0, 0};
	sb_op op = {"renewing the badge token", NULL, NULL, FORBIDDEN_HINT, 0};
	sb_reply reply;
	size_t len = 8;
	sb_err err;

	op.project = project;
	memcpy(body, "project=", 9);
	if (sb_form_encode(project, body, sizeof(body), &len) != SB_OK)
		return sb_diag_fail(&c->diag, SB_ERR_INVALID_ARG,
				    "project key too long");
	err = sb_client_request(c, &rq, &reply);
	*unknown = reply.outcome_unknown;
	if (err != SB_OK)
		return err;
	if (reply.http->status == 204 || reply.http->status == 200)
		return SB_OK;
	if (reply.http->status == 404 && unknown_url(c, &reply))
		return no_renew_api(c);
	return sb_client_status_fail(c, &reply, &op);
}

/*
 * POST the renewal; when its outcome is unknown, read the token to find
 * out, and only when it is unchanged post once more (on a new
 * connection). SB_OK when the renewal went through.
 */
static sb_err renew_once(sb_client *c, const char *project,
			 const char *old_tok)
{
	char now_tok[SB_MAX_TOKEN_LEN + 1];
	int posts, unknown = 0;
	sb_err err = SB_OK;

	for (posts = 0; posts < 2; posts++) {
		err = post_renew(c, project, &unknown);
		if (err == SB_OK || !unknown)
			goto done;
		sb_diag_trace(&c->diag,
			      "* renewal outcome unknown (%s); reading the "
			      "token to find out",
			      c->diag.message);
		/* Knowing matters more than the time already spent. */
		sb_client_extend(c);
		err = get_token(c, project, now_tok, sizeof(now_tok));
		if (err != SB_OK) {
			sb_diag_fail(&c->diag, err,
				     "renewal outcome unknown and the token "
				     "could not be read: %s",
				     c->diag.message);
			goto done;
		}
		if (strcmp(now_tok, old_tok) != 0)
			goto done; /* it happened: do not post again */
		/* It did not happen: post once more, on a new connection
		 * (the last one may have been closed under the request). */
		sb_conn_close(&c->conn);
	}
	err = sb_diag_fail(&c->diag, SB_ERR_NETWORK,
			   "renewal of '%s' did not go through: the "
			   "connection failed twice",
			   project);
done:
	sb_wipe(now_tok, sizeof(now_tok));
	return err;
}

/* POST, then read the new token and check that it changed. */
static sb_err renew_known(sb_client *c, const char *project,
			  const char *old_tok, char *new_out, size_t new_cap)
{
	char now_tok[SB_MAX_TOKEN_LEN + 1];
	sb_err err = renew_once(c, project, old_tok);

	if (err == SB_OK)
		err = get_token(c, project, now_tok, sizeof(now_tok));
	if (err == SB_OK && strcmp(now_tok, old_tok) == 0)
		err = sb_diag_fail(&c->diag, SB_ERR_TOKEN_UNCHANGED,
				   "the server accepted the renewal but the "
				   "badge token did not change");
	if (err == SB_OK &&
	    sb_copy(new_out, new_cap, now_tok, strlen(now_tok)) != SB_OK)
		err = sb_diag_fail(&c->diag, SB_ERR_BUFFER_TOO_SMALL,
				   "token buffer too small");
	if (err == SB_OK)
		sb_diag_clear(&c->diag);
	sb_wipe(now_tok, sizeof(now_tok));
	return err;
}

sb_err sb_token_renew(sb_client *c, const char *project, char *old_out,
		      size_t old_cap, char *new_out, size_t new_cap)
{
	char old_tok[SB_MAX_TOKEN_LEN + 1];
	sb_err err = check_args(c, project, new_out, new_cap);

	if (err != SB_OK)
		return err;
	err = get_token(c, project, old_tok, sizeof(old_tok));
	if (err == SB_OK && old_out &&
	    sb_copy(old_out, old_cap, old_tok, strlen(old_tok)) != SB_OK)
		err = sb_diag_fail(&c->diag, SB_ERR_BUFFER_TOO_SMALL,
				   "token buffer too small");
	if (err == SB_OK)
		err = renew_known(c, project, old_tok, new_out, new_cap);
	if (err != SB_OK && old_out && old_cap)
		old_out[0] = '\0';
	sb_wipe(old_tok, sizeof(old_tok));
	return err;
}

sb_err sb_token_renew_from(sb_client *c, const char *project,
			   const char *old_token, char *new_out, size_t new_cap)
{
	sb_err err = check_args(c, project, new_out, new_cap);

	if (err != SB_OK)
		return err;
	if (!old_token || !*old_token)
		return sb_diag_fail(&c->diag, SB_ERR_INVALID_ARG,
				    "no old token given");
	return renew_known(c, project, old_token, new_out, new_cap);
}
