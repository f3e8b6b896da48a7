/*
 * sb_projects.c - list projects and applications for bulk operations:
 * api/projects/search, one page of SB_PROJECTS_PAGE_SIZE at a time, on
 * the client's kept-alive connection; the organization for SonarQube
 * Cloud. Pages are read with the strict JSON reader (sb_json.h).
 */
#include <string.h>

#include "sb_client.h"
#include "sb_json.h"

#define TARGET_CAP (SB_MAX_KEY_LEN * 3 + 512)

static sb_err bad_json(sb_client *c, const char *what)
{
	return sb_diag_fail(&c->diag, SB_ERR_JSON,
			    "the server's api/projects/search answer is not "
			    "the expected JSON (%s)",
			    what);
}

/* paging.total is at most this (12 digits). */
#define MAX_TOTAL 999999999999u

/* A component's key and qualifier ("" when it has none). */
static sb_err component(sb_client *c, const sb_json_doc *d, int comp,
			char *key, size_t key_cap, char *qual, size_t qual_cap)
{
	int kv = sb_json_member(d, comp, "key");
	int qv = sb_json_member(d, comp, "qualifier");

	if (kv == SB_JSON_AMBIGUOUS || qv == SB_JSON_AMBIGUOUS)
		return bad_json(c, "a component with two keys or qualifiers");
	if (sb_json_kind_of(d, kv) != SB_JSON_STRING)
		return bad_json(c, "a component without a key");
	if (sb_json_string(d, kv, key, key_cap) != SB_OK || !key[0])
		return bad_json(c, "a component key is invalid or longer than "
				   "SB_MAX_KEY_LEN");
	qual[0] = '\0';
	/* "qualifier": TRK for a project, APP for an application. */
	if (qv >= 0 && (sb_json_kind_of(d, qv) != SB_JSON_STRING ||
			sb_json_string(d, qv, qual, qual_cap) != SB_OK))
		return bad_json(c, "a component qualifier is invalid");
	return SB_OK;
}

/*
 * Parse one page: call fn for each component. *seen gets the number of
 * components, *total paging.total; *stop when fn asked to stop. A member
 * named twice is refused (never one of the two values picked).
 */
static sb_err parse_page(sb_client *c, const sb_http_response *r,
			 sb_project_item_fn fn, void *user, size_t *seen,
			 uint64_t *total, int *stop)
{
	const char *js = (const char *)r->body.data;
	size_t len = r->body.len;
	char key[SB_MAX_KEY_LEN + 1], qualifier[8];
	sb_project_item item;
	sb_json_doc d;
	sb_json_iter it;
	int paging, tot, comps, comp;
	sb_err err;

	*seen = 0;
	if (!js || len == 0)
		return bad_json(c, "empty body");
	err = sb_json_parse(&c->port, js, len, &d);
	if (err == SB_ERR_TOO_LARGE)
		return sb_client_json_too_large(c, js, len);
	if (err == SB_ERR_NOMEM)
		return sb_diag_fail(&c->diag, err, "out of memory");
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
		err = component(c, &d, comp, key, sizeof(key), qualifier,
				sizeof(qualifier));
		if (err != SB_OK)
			goto out;
		(*seen)++;
		item.key = key;
		item.qualifier = qualifier;
		if (fn(user, &item) != 0)
			*stop = 1;
	}
out:
	sb_json_free(&d);
	return err;
}

sb_err sb_projects_page(sb_client *c, const char *query, int applications,
			unsigned page, sb_project_item_fn fn, void *user,
			int *more)
{
	static const sb_op op = {
		"listing projects", NULL, "api/projects/search",
		"api/projects/search needs the 'Administer System' permission: "
		"name the projects, or use --from FILE, instead",
		0};
	char target[TARGET_CAP];
	sb_request rq = {"GET", target, NULL, 0, 0};
	sb_reply reply;
	uint64_t total = 0;
	size_t len, seen = 0;
	int stop = 0;
	sb_err err;

	if (more)
		*more = 0;
	if (!c)
		return SB_ERR_INVALID_ARG;
	sb_client_begin(c);
	if (!fn || page == 0)
		return sb_diag_fail(&c->diag, SB_ERR_INVALID_ARG,
				    "no callback, or page 0");
	if (page > SB_MAX_PROJECT_PAGES)
		return sb_diag_fail(&c->diag, SB_ERR_TOO_LARGE,
				    "more than %u pages of projects",
				    (unsigned)SB_MAX_PROJECT_PAGES);
	if (query && strlen(query) > SB_MAX_KEY_LEN)
		return sb_diag_fail(&c->diag, SB_ERR_INVALID_ARG,
				    "query too long");
	/* qualifiers: TRK projects, APP applications (api/projects/search
	 * accepts both on every edition; SearchAction). */
	sb_fmt(target, sizeof(target),
	       "/api/projects/search?p=%u&ps=%u&qualifiers=%s", page,
	       (unsigned)SB_PROJECTS_PAGE_SIZE,
	       applications ? "TRK%2CAPP" : "TRK");
	len = strlen(target);
	if (query && *query) {
		sb_fmt(target + len, sizeof(target) - len, "&q=");
		len += 3;
		if (sb_form_encode(query, target, sizeof(target), &len) != SB_OK)
			return sb_diag_fail(&c->diag, SB_ERR_INVALID_ARG,
					    "query too long");
	}
	if (sb_client_append_organization(c, target, sizeof(target), &len) !=
	    SB_OK)
		return sb_diag_fail(&c->diag, SB_ERR_INVALID_ARG,
				    "organization too long");
	err = sb_client_request(c, &rq, &reply);
	if (err != SB_OK)
		return err;
	if (reply.http->status == 400 && !c->organization &&
	    sb_client_on_cloud(c))
		return sb_diag_fail(&c->diag, SB_ERR_CONFIG,
				    "SonarQube Cloud lists projects only within "
				    "an organization: give --organization ORG "
				    "(or SONAR_ORGANIZATION)");
	if (reply.http->status != 200)
		return sb_client_status_fail(c, &reply, &op);
	err = parse_page(c, reply.http, fn, user, &seen, &total, &stop);
	if (err != SB_OK)
		return err;
	if (more)
		*more = !stop && seen == SB_PROJECTS_PAGE_SIZE &&
			(uint64_t)page * SB_PROJECTS_PAGE_SIZE < total;
	sb_diag_clear(&c->diag);
	return SB_OK;
}

struct keys_only {
	sb_project_fn fn;
	void *user;
};

static int key_of(void *user, const sb_project_item *item)
{
	const struct keys_only *k = user;

	return k->fn(k->user, item->key);
}

sb_err sb_projects_list(sb_client *c, const char *query, sb_project_fn fn,
			void *user)
{
	struct keys_only k;
	unsigned page;
	int more = 1;
	sb_err err = SB_OK;

	if (!c)
		return SB_ERR_INVALID_ARG;
	if (!fn) {
		sb_client_begin(c);
		return sb_diag_fail(&c->diag, SB_ERR_INVALID_ARG, "no callback");
	}
	k.fn = fn;
	k.user = user;
	for (page = 1; more && err == SB_OK; page++)
		err = sb_projects_page(c, query, 0, page, key_of, &k, &more);
	return err;
}
