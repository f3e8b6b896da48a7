/*
 * sb_projects.c - list projects for bulk operations: api/projects/search,
 * pages of SB_PROJECTS_PAGE_SIZE until paging.total, on the client's
 * kept-alive connection; the organization for SonarCloud.
 */
#include <string.h>

#include "sb_client.h"
#include "sb_json.h"

#define TARGET_CAP (SB_MAX_KEY_LEN * 3 + 512)

static sb_err search_status(sb_client *c)
{
	char msg[SB_MAX_MESSAGE_LEN];
	int st = c->resp.status;
	const char *sep;

	sb_client_server_message(c, msg, sizeof(msg));
	sep = msg[0] ? ": " : "";
	if (st == 401)
		return sb_client_fail(c, SB_ERR_UNAUTHORIZED,
				      "authentication failed (HTTP 401) while "
				      "listing projects: the user token is "
				      "missing, wrong or expired%s%s",
				      sep, msg);
	if (st == 403)
		return sb_client_fail(c, SB_ERR_FORBIDDEN,
				      "insufficient privileges (HTTP 403) while "
				      "listing projects%s%s: api/projects/search "
				      "needs the 'Administer System' permission "
				      "(name the projects, or use --from FILE, "
				      "instead)",
				      sep, msg);
	if (st == 404)
		return sb_client_fail(c, SB_ERR_UNSUPPORTED,
				      "this server has no api/projects/search "
				      "(HTTP 404%s%s)",
				      sep, msg);
	if (st == 429)
		return sb_client_fail(c, SB_ERR_RATE_LIMITED,
				      "rate limited (HTTP 429) while listing "
				      "projects%s%s",
				      sep, msg);
	if (st >= 500)
		return sb_client_fail(c, SB_ERR_SERVER,
				      "server error (HTTP %d) while listing "
				      "projects%s%s",
				      st, sep, msg);
	return sb_client_fail(c, SB_ERR_UNEXPECTED_STATUS,
			      "unexpected HTTP %d while listing projects%s%s",
			      st, sep, msg);
}

static sb_err bad_json(sb_client *c, const char *what)
{
	return sb_client_fail(c, SB_ERR_JSON,
			      "the server's api/projects/search answer is not "
			      "the expected JSON (%s)",
			      what);
}

/* paging.total is at most this (12 digits). */
#define MAX_TOTAL 999999999999u

/*
 * Parse one page with the strict JSON reader: call fn for each component
 * key. *seen gets the number of components, *total paging.total; *stop
 * when fn asked to stop. A member named twice is refused (never one of
 * the two values picked).
 */
static sb_err parse_page(sb_client *c, sb_project_fn fn, void *user,
			 size_t *seen, uint64_t *total, int *stop)
{
	const char *js = (const char *)c->resp.body.data;
	size_t len = c->resp.body.len;
	char key[SB_MAX_KEY_LEN + 1];
	sb_json_doc d;
	sb_json_iter it;
	int paging, tot, comps, comp;
	sb_err err;

	*seen = 0;
	if (!js || len == 0)
		return bad_json(c, "empty body");
	err = sb_json_parse(&c->port, js, len, &d);
	if (err == SB_ERR_TOO_LARGE && sb_json_validate(js, len) != SB_OK)
		return sb_client_fail(c, err,
				      "the server's JSON answer is nested "
				      "deeper than %d levels",
				      (int)SB_MAX_JSON_DEPTH);
	if (err == SB_ERR_TOO_LARGE)
		return sb_client_fail(c, err,
				      "the server's JSON answer has more than "
				      "%d tokens",
				      SB_MAX_JSON_TOKENS);
	if (err == SB_ERR_NOMEM)
		return sb_client_fail(c, err, "out of memory");
	if (err != SB_OK || sb_json_kind_of(&d, 0) != SB_JSON_OBJECT) {
		sb_json_free(&d);
		return bad_json(c, "syntax error");
	}
	paging = sb_json_member(&d, 0, "paging");
	tot = sb_json_member(&d, paging, "total");
	comps = sb_json_member(&d, 0, "components");
	if (paging == SB_JSON_AMBIGUOUS || tot == SB_JSON_AMBIGUOUS ||
	    comps == SB_JSON_AMBIGUOUS) {
		err = bad_json(c, "paging, total or components named twice");
		goto out;
	}
	if (sb_json_uint(&d, tot, MAX_TOTAL, total) != SB_OK) {
		err = bad_json(c, "no paging.total");
		goto out;
	}
	if (sb_json_kind_of(&d, comps) != SB_JSON_ARRAY) {
		err = bad_json(c, "no components array");
		goto out;
	}
	sb_json_iter_init(&d, comps, &it);
	while (!*stop && (comp = sb_json_iter_next(&d, &it, NULL)) >= 0) {
		int kv = sb_json_member(&d, comp, "key");

		if (kv == SB_JSON_AMBIGUOUS) {
			err = bad_json(c, "a component with two keys");
			goto out;
		}
		if (sb_json_kind_of(&d, kv) != SB_JSON_STRING) {
			err = bad_json(c, "a component without a key");
			goto out;
		}
		if (sb_json_string(&d, kv, key, sizeof(key)) != SB_OK ||
		    !key[0]) {
			err = bad_json(c, "a component key is invalid or "
					  "longer than SB_MAX_KEY_LEN");
			goto out;
		}
		(*seen)++;
		if (fn(user, key) != 0)
			*stop = 1;
	}
out:
	sb_json_free(&d);
	return err;
}

sb_err sb_projects_list(sb_client *c, const char *query, sb_project_fn fn,
			void *user)
{
	char target[TARGET_CAP];
	uint64_t total = 0, listed = 0;
	unsigned page;
	size_t len, seen;
	int stop = 0;
	sb_err err;

	if (!c)
		return SB_ERR_INVALID_ARG;
	if (!fn)
		return sb_client_fail(c, SB_ERR_INVALID_ARG, "no callback");
	if (query && strlen(query) > SB_MAX_KEY_LEN)
		return sb_client_fail(c, SB_ERR_INVALID_ARG,
				      "query too long");
	for (page = 1; page <= SB_MAX_PROJECT_PAGES; page++) {
		sb_client_begin(c);
		sb_fmt(target, sizeof(target),
		       "/api/projects/search?p=%u&ps=%u&qualifiers=TRK", page,
		       (unsigned)SB_PROJECTS_PAGE_SIZE);
		len = strlen(target);
		if (query && *query) {
			sb_fmt(target + len, sizeof(target) - len, "&q=");
			len += 3;
			if (sb_form_encode(query, target, sizeof(target),
					   &len) != SB_OK)
				return sb_client_fail(c, SB_ERR_INVALID_ARG,
						      "query too long");
		}
		if (c->organization) {
			if (len + 15 >= sizeof(target))
				return sb_client_fail(c, SB_ERR_INVALID_ARG,
						      "organization too long");
			memcpy(target + len, "&organization=", 15);
			len += 14;
			if (sb_form_encode(c->organization, target,
					   sizeof(target), &len) != SB_OK)
				return sb_client_fail(c, SB_ERR_INVALID_ARG,
						      "organization too long");
		}
		err = sb_client_exchange(c, "GET", target, NULL, NULL);
		if (err != SB_OK)
			return err;
		if (c->resp.status != 200)
			return search_status(c);
		err = parse_page(c, fn, user, &seen, &total, &stop);
		if (err != SB_OK)
			return err;
		listed += seen;
		if (stop || listed >= total || seen == 0 ||
		    seen < SB_PROJECTS_PAGE_SIZE)
			break;
	}
	if (page > SB_MAX_PROJECT_PAGES)
		return sb_client_fail(c, SB_ERR_TOO_LARGE,
				      "more than %u pages of projects",
				      (unsigned)SB_MAX_PROJECT_PAGES);
	c->message[0] = '\0';
	return SB_OK;
}
