/*
 * sb_projects.c - list projects for bulk operations: api/projects/search,
 * pages of SB_PROJECTS_PAGE_SIZE until paging.total, on the client's
 * kept-alive connection; the organization for SonarCloud.
 */
#include <string.h>

#include "sb_client.h"
#include "sb_json.h"

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#define TARGET_CAP (SB_MAX_KEY_LEN * 3 + 512)

/* Index just past the subtree of token i. */
static int skip(const jsmntok_t *t, int count, int i)
{
	int n, k;

	if (i >= count)
		return count;
	n = t[i].size;
	if (t[i].type == JSMN_OBJECT) {
		i++;
		for (k = 0; k < n && i < count; k++)
			i = skip(t, count, skip(t, count, i));
		return i;
	}
	if (t[i].type == JSMN_ARRAY) {
		i++;
		for (k = 0; k < n && i < count; k++)
			i = skip(t, count, i);
		return i;
	}
	return i + 1;
}

static int key_is(const char *js, const jsmntok_t *t, const char *key)
{
	size_t n = strlen(key);

	return t->type == JSMN_STRING && (size_t)(t->end - t->start) == n &&
	       memcmp(js + t->start, key, n) == 0;
}

/* The value token of member key of the object at obj, or -1. */
static int member(const char *js, const jsmntok_t *t, int count, int obj,
		  const char *key)
{
	int i = obj + 1, k;

	if (t[obj].type != JSMN_OBJECT)
		return -1;
	for (k = 0; k < t[obj].size && i + 1 < count; k++) {
		if (key_is(js, &t[i], key))
			return i + 1;
		i = skip(t, count, i + 1);
	}
	return -1;
}

/* A non-negative integer primitive, at most 10^12. */
static int read_count(const char *js, const jsmntok_t *t, uint64_t *out)
{
	uint64_t v = 0;
	int i;

	if (t->type != JSMN_PRIMITIVE || t->end <= t->start ||
	    t->end - t->start > 12)
		return -1;
	for (i = t->start; i < t->end; i++) {
		if (js[i] < '0' || js[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(js[i] - '0');
	}
	*out = v;
	return 0;
}

static sb_err bad_json(sb_client *c, const char *what)
{
	return sb_diag_fail(&c->diag, SB_ERR_JSON,
			      "the server's api/projects/search answer is not "
			      "the expected JSON (%s)",
			      what);
}

/*
 * Parse one page: call fn for each component key. *seen gets the number
 * of components, *total paging.total; *stop when fn asked to stop.
 */
static sb_err parse_page(sb_client *c, const sb_http_response *r,
			 sb_project_fn fn, void *user, size_t *seen,
			 uint64_t *total, int *stop)
{
	const char *js = (const char *)r->body.data;
	size_t len = r->body.len;
	char key[SB_MAX_KEY_LEN + 1];
	jsmn_parser p;
	jsmntok_t *t;
	int n, count, paging, tot, comps, i, k, kv;
	sb_err err = SB_OK;

	*seen = 0;
	if (!js || len == 0)
		return bad_json(c, "empty body");
	jsmn_init(&p);
	n = jsmn_parse(&p, js, len, NULL, 0);
	if (n < 1)
		return bad_json(c, "syntax error");
	if (n > SB_MAX_JSON_TOKENS)
		return sb_diag_fail(&c->diag, SB_ERR_TOO_LARGE,
				      "the server's JSON answer has more than "
				      "%d tokens",
				      SB_MAX_JSON_TOKENS);
	t = c->port.alloc(c->port.ctx, sizeof(jsmntok_t) * (size_t)n);
	if (!t)
		return sb_diag_fail(&c->diag, SB_ERR_NOMEM, "out of memory");
	jsmn_init(&p);
	count = jsmn_parse(&p, js, len, t, (unsigned)n);
	if (count != n || t[0].type != JSMN_OBJECT ||
	    skip(t, count, 0) != count) {
		err = bad_json(c, "syntax error");
		goto out;
	}
	paging = member(js, t, count, 0, "paging");
	tot = paging >= 0 ? member(js, t, count, paging, "total") : -1;
	comps = member(js, t, count, 0, "components");
	if (tot < 0 || read_count(js, &t[tot], total) != 0) {
		err = bad_json(c, "no paging.total");
		goto out;
	}
	if (comps < 0 || t[comps].type != JSMN_ARRAY) {
		err = bad_json(c, "no components array");
		goto out;
	}
	i = comps + 1;
	for (k = 0; k < t[comps].size && !*stop; k++) {
		kv = member(js, t, count, i, "key");
		if (kv < 0 || t[kv].type != JSMN_STRING) {
			err = bad_json(c, "a component without a key");
			goto out;
		}
		err = sb_json_unescape(js + t[kv].start,
				       (size_t)(t[kv].end - t[kv].start), key,
				       sizeof(key), NULL);
		if (err != SB_OK || !key[0]) {
			err = bad_json(c, "a component key is invalid or "
					  "longer than SB_MAX_KEY_LEN");
			goto out;
		}
		(*seen)++;
		if (fn(user, key) != 0)
			*stop = 1;
		i = skip(t, count, i);
	}
out:
	c->port.free(c->port.ctx, t);
	return err;
}

sb_err sb_projects_list(sb_client *c, const char *query, sb_project_fn fn,
			void *user)
{
	static const sb_op op = {
		"listing projects", NULL, "api/projects/search",
		"api/projects/search needs the 'Administer System' permission: "
		"name the projects, or use --from FILE, instead",
		0};
	char target[TARGET_CAP];
	sb_request rq = {"GET", target, NULL, 0};
	sb_reply reply;
	uint64_t total = 0, listed = 0;
	unsigned page;
	size_t len, seen;
	int stop = 0;
	sb_err err;

	if (!c)
		return SB_ERR_INVALID_ARG;
	sb_client_begin(c);
	if (!fn)
		return sb_diag_fail(&c->diag, SB_ERR_INVALID_ARG, "no callback");
	if (query && strlen(query) > SB_MAX_KEY_LEN)
		return sb_diag_fail(&c->diag, SB_ERR_INVALID_ARG,
				    "query too long");
	for (page = 1; page <= SB_MAX_PROJECT_PAGES; page++) {
		/* Each page gets the maximum time. */
		sb_client_extend(c);
		sb_fmt(target, sizeof(target),
		       "/api/projects/search?p=%u&ps=%u&qualifiers=TRK", page,
		       (unsigned)SB_PROJECTS_PAGE_SIZE);
		len = strlen(target);
		if (query && *query) {
			sb_fmt(target + len, sizeof(target) - len, "&q=");
			len += 3;
			if (sb_form_encode(query, target, sizeof(target),
					   &len) != SB_OK)
				return sb_diag_fail(&c->diag, SB_ERR_INVALID_ARG,
						    "query too long");
		}
		if (sb_client_append_organization(c, target, sizeof(target),
						  &len) != SB_OK)
			return sb_diag_fail(&c->diag, SB_ERR_INVALID_ARG,
					    "organization too long");
		err = sb_client_request(c, &rq, &reply);
		if (err != SB_OK)
			return err;
		if (reply.http->status != 200)
			return sb_client_status_fail(c, &reply, &op);
		err = parse_page(c, reply.http, fn, user, &seen, &total, &stop);
		if (err != SB_OK)
			return err;
		listed += seen;
		if (stop || listed >= total || seen == 0 ||
		    seen < SB_PROJECTS_PAGE_SIZE)
			break;
	}
	if (page > SB_MAX_PROJECT_PAGES)
		return sb_diag_fail(&c->diag, SB_ERR_TOO_LARGE,
				    "more than %u pages of projects",
				    (unsigned)SB_MAX_PROJECT_PAGES);
	sb_diag_clear(&c->diag);
	return SB_OK;
}
