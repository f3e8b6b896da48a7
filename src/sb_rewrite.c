/*
 * sb_rewrite.c - badge-URL finder and token rewriter (see sb_rewrite.h).
 */
#include "sb_rewrite.h"

#include <string.h>

#include "sb_util.h"

#define BADGE_PATH "/api/project_badges/"

static const char *const kind_names[] = {"measure", "quality_gate",
					 "ai_code_assurance"};

const char *sb_badge_kind_name(sb_badge_kind kind)
{
	return (unsigned)kind < 3 ? kind_names[kind] : "?";
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* A character of a query value (not a separator, not a delimiter). */
static int is_value_char(char c)
{
	return is_alnum(c) || (c && strchr("-._~%+:/@!$,*", c) != NULL);
}

static int is_token_char(char c)
{
	return is_alnum(c) || c == '_' || c == '-';
}

/*
 * Does text[i..] hold only sentence punctuation before the URL's end (a
 * character that cannot be in a URL, or the end of the text)? GitHub's
 * autolinker (cmark-gfm's autolink extension) drops trailing ? ! . , :
 * * _ ~ from a URL in the same way.
 */
static int trailing_punctuation(const char *text, size_t len, size_t i)
{
	size_t k = i;

	while (k < len && text[k] && strchr("?!.,:*~", text[k]))
		k++;
	return k > i && (k == len || (!is_value_char(text[k]) &&
				      text[k] != '&' && text[k] != '='));
}

/* Length of base without trailing slashes; *auth_end the end of host. */
static size_t base_parts(const char *base, size_t *auth_end)
{
	size_t n = strlen(base);
	const char *sep = strstr(base, "://");
	const char *slash;

	while (n > 0 && base[n - 1] == '/')
		n--;
	*auth_end = n;
	if (sep) {
		slash = strchr(sep + 3, '/');
		if (slash && (size_t)(slash - base) < n)
			*auth_end = (size_t)(slash - base);
	}
	return n;
}

/* Does text at i start with the base? */
static int base_at(const char *text, size_t len, size_t i, const char *base,
		   size_t blen, size_t auth_end)
{
	size_t k;

	if (i + blen > len)
		return 0;
	for (k = 0; k < auth_end; k++)
		if (lower(text[i + k]) != lower(base[k]))
			return 0;
	return memcmp(text + i + auth_end, base + auth_end, blen - auth_end) ==
	       0;
}

/* Length of a separator at text[i]: "&amp;" 5, "&" 1, else 0. */
static size_t separator(const char *text, size_t len, size_t i)
{
	if (i >= len || text[i] != '&')
		return 0;
	if (i + 5 <= len && memcmp(text + i, "&amp;", 5) == 0)
		return 5;
	return 1;
}

/* A separator at i followed by another parameter? */
static int continues(const char *text, size_t len, size_t i)
{
	size_t sep = separator(text, len, i);

	return sep && i + sep < len &&
	       (is_value_char(text[i + sep]) || text[i + sep] == '=');
}

/* The end of a value [v, i) once sentence punctuation at its end is left
 * out, when the URL ends there (see trailing_punctuation). */
static size_t without_trailing_punctuation(const char *text, size_t len,
					   size_t v, size_t i)
{
	size_t e = i;

	while (e > v && strchr("?!.,:*~", text[e - 1]))
		e--;
	return e < i && !continues(text, len, i) ? e : i;
}

/* Parse the query at text[q...]; fills ref, returns 0 when it is a badge
 * URL (has a project). */
static int parse_query(const char *text, size_t len, size_t q,
		       sb_badge_ref *ref)
{
	size_t i = q, name, name_len, v, vlen, sep;
	int have_project = 0, bad_project = 0;

	ref->has_token = 0;
	ref->branch[0] = ref->metric[0] = ref->project[0] = '\0';
	for (;;) {
		/* A name is any run of URL characters ("circle-token",
		 * "cache-bust"): only "=" or a delimiter ends it. */
		name = i;
		while (i < len && is_value_char(text[i]))
			i++;
		name_len = i - name;
		if (i < len && text[i] == '=' && name_len > 0) {
			i++;
			v = i;
			if (name_len == 5 && memcmp(text + name, "token", 5) == 0) {
				while (i < len &&
				       (is_token_char(text[i]) ||
					(text[i] == '.' && i + 1 < len &&
					 is_token_char(text[i + 1]))))
					i++;
				/* Sentence punctuation after the URL ends it,
				 * as GitHub's autolinker has it; anything else
				 * in the value: not a token of ours. */
				if (i < len && is_value_char(text[i]) &&
				    !trailing_punctuation(text, len, i)) {
					while (i < len && is_value_char(text[i]))
						i++;
				} else {
					ref->has_token = 1;
					ref->token_start = v;
					ref->token_len = i - v;
					if (i < len && is_value_char(text[i])) {
						/* The URL stops here. */
						ref->end = i;
						return have_project &&
								       !bad_project
							       ? 0
							       : -1;
					}
				}
			} else {
				while (i < len && is_value_char(text[i]))
					i++;
				i = without_trailing_punctuation(text, len, v, i);
			}
			vlen = i - v;
			if (name_len == 7 &&
			    memcmp(text + name, "project", 7) == 0) {
				have_project = 1;
				if (vlen == 0 ||
				    sb_form_decode(text + v, vlen, ref->project,
						sizeof(ref->project)) != 0)
					bad_project = 1;
			} else if (name_len == 6 &&
				   memcmp(text + name, "branch", 6) == 0) {
				if (sb_form_decode(text + v, vlen, ref->branch,
						sizeof(ref->branch)) != 0)
					ref->branch[0] = '\0';
			} else if (name_len == 6 &&
				   memcmp(text + name, "metric", 6) == 0) {
				if (sb_form_decode(text + v, vlen, ref->metric,
						sizeof(ref->metric)) != 0)
					ref->metric[0] = '\0';
			}
		} else {
			while (i < len && is_value_char(text[i]))
				i++;
		}
		sep = separator(text, len, i);
		/* A separator must be followed by another parameter. */
		if (continues(text, len, i)) {
			i += sep;
			continue;
		}
		break;
	}
	ref->end = i;
	return have_project && !bad_project ? 0 : -1;
}

int sb_badge_find(const char *text, size_t len, const char *base,
		  size_t *pos, sb_badge_ref *ref)
{
	size_t auth_end, blen, i, p, k, n;
	char first;

	if (!text || !base || !*base || !pos || !ref)
		return 0;
	blen = base_parts(base, &auth_end);
	if (blen == 0)
		return 0;
	first = lower(base[0]);
	for (i = *pos; i + blen < len; i++) {
		if (lower(text[i]) != first ||
		    !base_at(text, len, i, base, blen, auth_end))
			continue;
		p = i + blen;
		n = strlen(BADGE_PATH);
		if (p + n > len || memcmp(text + p, BADGE_PATH, n) != 0)
			continue;
		for (k = 0; k < 3; k++) {
			size_t kl = strlen(kind_names[k]);

			if (p + n + kl < len &&
			    memcmp(text + p + n, kind_names[k], kl) == 0 &&
			    text[p + n + kl] == '?')
				break;
		}
		if (k == 3)
			continue;
		ref->start = i;
		ref->path = p;
		ref->kind = (sb_badge_kind)k;
		if (parse_query(text, len, p + n + strlen(kind_names[k]) + 1,
				ref) != 0)
			continue;
		*pos = ref->end;
		return 1;
	}
	*pos = len;
	return 0;
}

sb_err sb_badge_ref_target(const char *text, const sb_badge_ref *ref,
			   char *out, size_t cap)
{
	size_t i = ref->path, o = 0, sep;

	while (i < ref->end) {
		sep = separator(text, ref->end, i);
		if (o + 1 >= cap)
			return SB_ERR_BUFFER_TOO_SMALL;
		if (sep) {
			out[o++] = '&';
			i += sep;
		} else {
			out[o++] = text[i++];
		}
	}
	if (o >= cap)
		return SB_ERR_BUFFER_TOO_SMALL;
	out[o] = '\0';
	return SB_OK;
}

/* "&amp;" when the URL writes its separators the HTML way, else "&". */
static const char *separator_of(const char *text, const sb_badge_ref *ref)
{
	size_t i;

	for (i = ref->path; i + 5 <= ref->end; i++)
		if (memcmp(text + i, "&amp;", 5) == 0)
			return "&amp;";
	return "&";
}

size_t sb_badge_rewrite_ex(const char *text, size_t len, const char *base,
			   const char *project, const char *token,
			   int add_token, char *out, size_t cap,
			   sb_rewrite_counts *counts)
{
	sb_badge_ref ref;
	size_t pos, copied, olen, tlen = strlen(token);
	int pass;

	memset(counts, 0, sizeof(*counts));
	/* Pass 0 measures and counts; pass 1 writes when it all fits. */
	for (pass = 0; pass < 2; pass++) {
		pos = copied = olen = 0;
		while (sb_badge_find(text, len, base, &pos, &ref)) {
			if (strcmp(ref.project, project) != 0)
				continue;
			if (!ref.has_token) {
				const char *sep;

				if (pass == 0)
					counts->tokenless++;
				if (!add_token)
					continue;
				sep = separator_of(text, &ref);
				if (pass == 1) {
					memcpy(out + olen, text + copied,
					       ref.end - copied);
					olen += ref.end - copied;
					memcpy(out + olen, sep, strlen(sep));
					memcpy(out + olen + strlen(sep), "token=", 6);
					memcpy(out + olen + strlen(sep) + 6, token,
					       tlen);
				} else {
					olen += ref.end - copied;
				}
				olen += strlen(sep) + 6 + tlen;
				copied = ref.end;
				continue;
			}
			if (pass == 0)
				counts->found++;
			if (ref.token_len == tlen &&
			    memcmp(text + ref.token_start, token, tlen) == 0)
				continue;
			if (pass == 0)
				counts->stale++;
			if (pass == 1) {
				memcpy(out + olen, text + copied,
				       ref.token_start - copied);
				memcpy(out + olen + (ref.token_start - copied),
				       token, tlen);
			}
			olen += ref.token_start - copied + tlen;
			copied = ref.token_start + ref.token_len;
		}
		if (pass == 1)
			memcpy(out + olen, text + copied, len - copied);
		olen += len - copied;
		if (pass == 0 && !(out && olen < cap))
			return olen;
	}
	out[olen] = '\0';
	return olen;
}

size_t sb_badge_rewrite(const char *text, size_t len, const char *base,
			const char *project, const char *token, char *out,
			size_t cap, unsigned *found, unsigned *stale)
{
	sb_rewrite_counts counts;
	size_t n = sb_badge_rewrite_ex(text, len, base, project, token, 0, out,
				       cap, &counts);

	if (found)
		*found = counts.found;
	if (stale)
		*stale = counts.stale;
	return n;
}
