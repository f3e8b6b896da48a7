/*
 * sb_badges.c - badge image URLs and Markdown snippets, written exactly as
 * the SonarQube web UI writes them (API reference section 7): query
 * parameters in the order branch, project, metric, token, each
 * form-encoded as URLSearchParams does; the link goes to
 * BASE/dashboard?id=KEY[&branch=B], or for SonarQube Cloud to
 * BASE/summary/new_code?id=KEY.
 */
#include <string.h>

#include "sb_util.h"
#include "sonarbadge/sonarbadge.h"

/*
 * Labels: the webapp's l10n strings (metric.KEY.name), the same on every
 * version but alert_status's, which changed in Community Build 26.8 (the
 * badge table, sb_badge_table.c, says which a server uses; this is the
 * label of the releases before).
 */
const sb_badge_metric sb_badge_metrics[] = {
	{"alert_status", "Quality Gate Status"},
	{"coverage", "Coverage"},
	{"duplicated_lines_density", "Duplicated Lines (%)"},
	{"ncloc", "Lines of Code"},
	{"security_hotspots", "Security Hotspots"},
	{"bugs", "Bugs"},
	{"code_smells", "Code Smells"},
	{"vulnerabilities", "Vulnerabilities"},
	{"sqale_rating", "Maintainability Rating"},
	{"reliability_rating", "Reliability Rating"},
	{"security_rating", "Security Rating"},
	{"sqale_index", "Technical Debt"},
	{"software_quality_reliability_issues", "Reliability Issues"},
	{"software_quality_maintainability_issues", "Maintainability Issues"},
	{"software_quality_security_issues", "Security Issues"},
	{"software_quality_maintainability_rating", "Maintainability Rating"},
	{"software_quality_reliability_rating", "Reliability Rating"},
	{"software_quality_security_rating", "Security Rating"},
	{"software_quality_maintainability_remediation_effort",
	 "Technical Debt"},
};

const size_t sb_badge_metric_count =
	sizeof(sb_badge_metrics) / sizeof(sb_badge_metrics[0]);

/* The Markdown label the UI gives the quality_gate badge. */
#define QUALITY_GATE_LABEL "Quality gate"

const char *sb_badge_metric_label(const char *metric)
{
	size_t i;

	if (!metric)
		return NULL;
	for (i = 0; i < sb_badge_metric_count; i++)
		if (strcmp(sb_badge_metrics[i].key, metric) == 0)
			return sb_badge_metrics[i].label;
	return NULL;
}

static sb_err append(char *out, size_t cap, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (n >= cap - *len)
		return SB_ERR_BUFFER_TOO_SMALL;
	memcpy(out + *len, s, n + 1);
	*len += n;
	return SB_OK;
}

static sb_err append_param(char *out, size_t cap, size_t *len, int *first,
			   const char *name, const char *value)
{
	sb_err err = append(out, cap, len, *first ? "?" : "&");

	*first = 0;
	if (err == SB_OK)
		err = append(out, cap, len, name);
	if (err == SB_OK)
		err = append(out, cap, len, "=");
	if (err == SB_OK)
		err = sb_form_encode(value, out, cap, len);
	return err;
}

/* The base URL without trailing slashes. */
static sb_err append_base(char *out, size_t cap, size_t *len,
			  const char *base)
{
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	if (n == 0)
		return SB_ERR_INVALID_ARG;
	if (n >= cap - *len)
		return SB_ERR_BUFFER_TOO_SMALL;
	memcpy(out + *len, base, n);
	*len += n;
	out[*len] = '\0';
	return SB_OK;
}

static int valid_spec(const sb_badge_spec *s, char *out, size_t cap)
{
	if (!out || cap == 0)
		return 0;
	out[0] = '\0';
	return s && s->base_url && s->project && *s->project;
}

sb_err sb_badge_image_url(const sb_badge_spec *s, char *out, size_t cap)
{
	size_t len = 0;
	int first = 1;
	int branch = s && s->branch && *s->branch;
	sb_err err;

	if (!valid_spec(s, out, cap))
		return SB_ERR_INVALID_ARG;
	err = append_base(out, cap, &len, s->base_url);
	if (err == SB_OK)
		err = append(out, cap, &len,
			     s->metric ? "/api/project_badges/measure"
				       : "/api/project_badges/quality_gate");
	if (err == SB_OK && branch)
		err = append_param(out, cap, &len, &first, "branch", s->branch);
	if (err == SB_OK)
		err = append_param(out, cap, &len, &first, "project",
				   s->project);
	if (err == SB_OK && s->metric)
		err = append_param(out, cap, &len, &first, "metric", s->metric);
	if (err == SB_OK && s->token)
		err = append_param(out, cap, &len, &first, "token", s->token);
	if (err != SB_OK)
		out[0] = '\0';
	return err;
}

sb_err sb_badge_link_url(const sb_badge_spec *s, char *out, size_t cap)
{
	size_t len = 0;
	int first = 1;
	sb_err err;

	if (!valid_spec(s, out, cap))
		return SB_ERR_INVALID_ARG;
	/* The UI links to its own origin: SonarQube Cloud's project page is
	 * summary/new_code (SonarSource/sonarqube-mcp-server README.md),
	 * a server's dashboard (helpers/urls.ts getProjectUrl). */
	err = append_base(out, cap, &len, s->base_url);
	if (err == SB_OK)
		err = append(out, cap, &len,
			     s->sonarcloud ? "/summary/new_code" : "/dashboard");
	if (err == SB_OK)
		err = append_param(out, cap, &len, &first, "id", s->project);
	if (err == SB_OK && s->branch && *s->branch)
		err = append_param(out, cap, &len, &first, "branch", s->branch);
	if (err != SB_OK)
		out[0] = '\0';
	return err;
}

sb_err sb_badge_markdown(const sb_badge_spec *s, char *out, size_t cap)
{
	size_t len = 0, n;
	const char *label;
	sb_err err;

	if (!valid_spec(s, out, cap))
		return SB_ERR_INVALID_ARG;
	if (s->label) {
		label = s->label;
	} else if (s->metric) {
		label = sb_badge_metric_label(s->metric);
		if (!label)
			return SB_ERR_INVALID_ARG;
	} else {
		label = QUALITY_GATE_LABEL;
	}
	err = append(out, cap, &len, "[![");
	if (err == SB_OK)
		err = append(out, cap, &len, label);
	if (err == SB_OK)
		err = append(out, cap, &len, "](");
	if (err == SB_OK) {
		err = sb_badge_image_url(s, out + len, cap - len);
		len += strlen(out + len);
	}
	if (err == SB_OK)
		err = append(out, cap, &len, ")](");
	if (err == SB_OK) {
		err = sb_badge_link_url(s, out + len, cap - len);
		len += strlen(out + len);
	}
	if (err == SB_OK)
		err = append(out, cap, &len, ")");
	n = err == SB_OK ? len : 0;
	out[n] = '\0';
	return err;
}
