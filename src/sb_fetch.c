/*
 * sb_fetch.c - GET a badge image (api/project_badges/measure,
 * quality_gate, ai_code_assurance) and tell a rendered badge from
 * SonarQube's error SVG, which comes with HTTP 200 ("Project has not
 * been found" for a wrong token, an unknown project or branch).
 */
#include <string.h>

#include "sb_client.h"
#include "sb_json.h"

#define BADGE_PREFIX "/api/project_badges/"

/* The messages SonarQube puts in its error SVG (templates/error.svg). */
static const char *const known_errors[] = {
	"Project has not been found", "Project is invalid",
	"Measure has not been found", "Quality gate has not been found",
	"Insufficient privileges",    "Metric has not been found",
	NULL,
};

static const char *find(const char *s, size_t len, const char *needle,
			size_t from)
{
	size_t n = strlen(needle), i;

	for (i = from; i + n <= len; i++)
		if (memcmp(s + i, needle, n) == 0)
			return s + i;
	return NULL;
}

/* Copy XML text (the five predefined entities decoded), printable. */
static void xml_text(const char *s, size_t n, char *out, size_t cap)
{
	static const struct {
		const char *ent;
		char ch;
	} ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'},
		    {"&quot;", '"'}, {"&apos;", '\''}};
	size_t i = 0, o = 0, k;

	if (!cap)
		return;
	while (i < n && o + 1 < cap) {
		char ch = s[i];
		size_t adv = 1;

		if (ch == '&')
			for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++) {
				size_t el = strlen(ents[k].ent);

				if (i + el <= n &&
				    memcmp(s + i, ents[k].ent, el) == 0) {
					ch = ents[k].ch;
					adv = el;
					break;
				}
			}
		out[o++] = ((unsigned char)ch < 0x20 || ch == 0x7f) ? '?' : ch;
		i += adv;
	}
	out[o] = '\0';
}

int sb_badge_svg_error(const char *svg, size_t len, char *msg, size_t cap)
{
	char first[256], cur[256];
	const char *p, *gt, *end;
	size_t at = 0;
	int texts = 0, distinct = 1, k;

	if (msg && cap)
		msg[0] = '\0';
	if (!svg || !find(svg, len, "<svg", 0))
		return 0;
	first[0] = '\0';
	while ((p = find(svg, len, "<text", at)) != NULL) {
		gt = find(svg, len, ">", (size_t)(p - svg));
		if (!gt)
			break;
		end = find(svg, len, "</text>", (size_t)(gt - svg));
		if (!end)
			break;
		xml_text(gt + 1, (size_t)(end - gt - 1), cur, sizeof(cur));
		if (texts == 0)
			memcpy(first, cur, sizeof(first));
		else if (strcmp(first, cur) != 0)
			distinct = 2;
		texts++;
		at = (size_t)(end - svg) + 7;
	}
	if (texts == 0)
		return 0;
	for (k = 0; known_errors[k]; k++)
		if (strcmp(first, known_errors[k]) == 0)
			break;
	if (!known_errors[k] && distinct != 1)
		return 0;
	if (msg && cap)
		sb_fmt(msg, cap, "%s", first);
	return 1;
}

/*
 * A hostile server could draw the request's token into its error badge:
 * mask it.
 */
static void redact_token(const char *target, char *text)
{
	const char *t = strstr(target, "token=");
	char tok[SB_MAX_TOKEN_LEN + 1], *hit, *from;
	size_t n = 0, r;

	while (t && t != target && t[-1] != '?' && t[-1] != '&')
		t = strstr(t + 1, "token=");
	if (!t)
		return;
	t += 6;
	while (t[n] && t[n] != '&' && n < SB_MAX_TOKEN_LEN)
		n++;
	if (n < 4)
		return;
	memcpy(tok, t, n);
	tok[n] = '\0';
	for (from = text; (hit = strstr(from, tok)) != NULL; from = hit + r) {
		/* Past the replacement: a token that looks like part of
		 * "[redacted]" must not be found again in it. */
		r = n < 10 ? n : 10;
		memcpy(hit, "[redacted]", r);
		memmove(hit + r, hit + n, strlen(hit + n) + 1);
	}
	sb_wipe(tok, sizeof(tok));
}

static int target_ok(const char *t)
{
	size_t n = strlen(BADGE_PREFIX);

	if (strncmp(t, BADGE_PREFIX, n) != 0)
		return 0;
	for (; *t; t++)
		if ((unsigned char)*t <= 0x20 || (unsigned char)*t >= 0x7f ||
		    *t == '#')
			return 0;
	return 1;
}

/* The value of query parameter name in target, form-decoded (as it
 * stands when it does not decode) and made printable; "" when absent. */
static void query_value(const char *target, const char *name, char *out,
			size_t cap)
{
	const char *q = strchr(target, '?');
	size_t n = strlen(name);

	out[0] = '\0';
	while (q && *q) {
		q++;
		if (strncmp(q, name, n) == 0 && q[n] == '=') {
			char raw[SB_MAX_KEY_LEN + 1];
			size_t len = strcspn(q + n + 1, "&");

			if (sb_form_decode(q + n + 1, len, raw, sizeof(raw)) != 0)
				sb_fmt(raw, sizeof(raw), "%.*s", (int)len,
				       q + n + 1);
			sb_printable(raw, out, cap);
			return;
		}
		q = strchr(q, '&');
	}
}

/* The API a badge path names, for messages ("api/project_badges/measure"). */
static void badge_api(const char *target, char *out, size_t cap)
{
	size_t n = strcspn(target + 1, "?");

	sb_fmt(out, cap, "%.*s", (int)(n < 64 ? n : 64), target + 1);
}

sb_err sb_badge_fetch(sb_client *c, const char *target, char *out,
		      size_t cap, size_t *len)
{
	char text[256], api[80];
	sb_request rq = {"GET", target, NULL, 1, 0};
	sb_op op = {"fetching the badge", NULL, NULL, NULL, 1};
	sb_reply reply;
	const char *body;
	size_t blen;
	sb_err err;

	if (!c)
		return SB_ERR_INVALID_ARG;
	sb_client_begin(c);
	if (len)
		*len = 0;
	if (!target || !target_ok(target))
		return sb_diag_fail(&c->diag, SB_ERR_INVALID_ARG,
				    "not a badge URL path (it must start "
				    "with " BADGE_PREFIX
				    " and hold no spaces or control "
				    "characters)");
	badge_api(target, api, sizeof(api));
	op.api = api;
	/* From 10.8 a measure with no value for the metric is an uncaught
	 * IllegalStateException: HTTP 500 every time (MeasureAction
	 * getNonNullValue; 9.9-10.7 for a row whose value is null). Retrying
	 * it cannot help. */
	rq.final_500 = strcmp(api, "api/project_badges/measure") == 0;
	/* Badge images never read credentials (SonarQube's
	 * UserSessionInitializer skips their URLs): the user token stays
	 * home, the badge URL carries its own. */
	err = sb_client_request(c, &rq, &reply);
	if (err != SB_OK)
		return err;
	body = (const char *)reply.http->body.data;
	blen = reply.http->body.len;
	if (reply.http->status == 500 && rq.final_500) {
		char metric[80], project[SB_MAX_KEY_LEN + 1];

		query_value(target, "metric", metric, sizeof(metric));
		query_value(target, "project", project, sizeof(project));
		return sb_diag_fail(&c->diag, SB_ERR_UNEXPECTED_STATUS,
				    "the badge does not render: no value for "
				    "metric %s on %s (the server answers HTTP "
				    "500 for a measure it has no value for)",
				    metric, project);
	}
	if (reply.http->status != 200)
		return sb_client_status_fail(c, &reply, &op);
	if (blen > SB_MAX_BADGE_BYTES)
		return sb_diag_fail(&c->diag, SB_ERR_TOO_LARGE,
				    "the badge image is larger than %u bytes",
				    (unsigned)SB_MAX_BADGE_BYTES);
	if (!body || !find(body, blen, "<svg", 0))
		return sb_diag_fail(&c->diag, SB_ERR_UNEXPECTED_STATUS,
				    "the server's answer is not an SVG image");
	if (sb_badge_svg_error(body, blen, text, sizeof(text))) {
		redact_token(target, text);
		return sb_diag_fail(&c->diag,
				    strcmp(text, "Project has not been found") == 0
					    ? SB_ERR_NOT_FOUND
					    : SB_ERR_UNEXPECTED_STATUS,
				    "the badge does not render: the server drew "
				    "the error badge \"%s\"",
				    text);
	}
	if (out) {
		if (blen >= cap)
			return sb_diag_fail(&c->diag, SB_ERR_BUFFER_TOO_SMALL,
					    "badge buffer too small");
		memcpy(out, body, blen);
		out[blen] = '\0';
	}
	if (len)
		*len = blen;
	sb_diag_clear(&c->diag);
	return SB_OK;
}
