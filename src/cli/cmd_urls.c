/*
 * cmd_urls.c - `sonarbadge urls [PROJECT] [--branch B] [--metric M]...
 * [--format markdown|url|json]`: the project's badges with its current
 * token, written as the server's UI writes them.
 */
#include <string.h>

#include "cli.h"
#include "sb_client.h"
#include "sb_util.h"

cli_parse_result parse_urls(cli_options *o)
{
	return parse_project_cmd(o);
}

static void json_field(const char *name, const char *value, int first)
{
	cli_out("%s\"%s\":", first ? "{" : ",", name);
	if (value)
		cli_out_json_string(value);
	else
		cli_out("null");
}

static int print_badge(const cli_options *o, const sb_badge_spec *spec)
{
	char image[4096], link[4096], md[8192];
	const char *label = spec->label	   ? spec->label
			    : spec->metric ? sb_badge_metric_label(spec->metric)
					   : "Quality gate";

	if (sb_badge_image_url(spec, image, sizeof(image)) != SB_OK ||
	    sb_badge_link_url(spec, link, sizeof(link)) != SB_OK ||
	    sb_badge_markdown(spec, md, sizeof(md)) != SB_OK) {
		cli_error("badge URL too long");
		return EXIT_USAGE;
	}
	switch (o->format) {
	case FORMAT_URL:
		cli_out("%s\n", image);
		break;
	case FORMAT_JSON:
		json_field("project", spec->project, 1);
		json_field("branch", spec->branch, 0);
		json_field("badge", spec->metric ? "measure" : "quality_gate", 0);
		json_field("metric", spec->metric, 0);
		json_field("label", label, 0);
		json_field("url", image, 0);
		json_field("link", link, 0);
		json_field("markdown", md, 0);
		cli_out("}\n");
		break;
	default:
		cli_out("%s\n", md);
		break;
	}
	sb_wipe(image, sizeof(image));
	sb_wipe(md, sizeof(md));
	return EXIT_OK;
}

/*
 * The branch parameter as the UI writes it: only for a branch that is
 * not the main one (getBranchLikeQuery). Returns 0 or an exit code.
 */
int cli_badge_branch(sb_client *c, const char *project, const char *branch,
		     const char **out)
{
	int is_main = 0;
	sb_err err;

	*out = NULL;
	if (!branch || !*branch)
		return 0;
	err = sb_branch_is_main(c, project, branch, &is_main);
	if (err != SB_OK)
		return cli_fail(c, err);
	*out = is_main ? NULL : branch;
	return 0;
}

/* Is metric among those the UI offers? */
static int offered(const sb_badge_offer *offer, const char *metric)
{
	size_t i;

	for (i = 0; i < offer->count; i++)
		if (strcmp(offer->metrics[i], metric) == 0)
			return 1;
	return 0;
}

/* The label this server's UI gives metric when it differs by version
 * (alert_status's), else NULL: the metric's own. */
static const char *offer_label(const sb_badge_offer *offer,
			       const char *metric)
{
	return metric && strcmp(metric, "alert_status") == 0
		       ? offer->alert_status_label
		       : NULL;
}

int cmd_urls(sb_client *c, cli_options *o)
{
	char tok[SB_MAX_TOKEN_LEN + 1];
	sb_badge_offer offer;
	sb_badge_spec spec;
	sb_err err;
	size_t i;
	int k, rc;

	err = sb_token_get(c, o->project, tok, sizeof(tok));
	if (err == SB_OK)
		err = sb_badge_offer_get(c, &offer);
	if (err != SB_OK)
		return cli_fail(c, err);
	memset(&spec, 0, sizeof(spec));
	spec.base_url = sb_client_base_url(c);
	spec.project = o->project;
	spec.token = tok;
	/* SonarQube Cloud's UI links to summary/new_code, also at another
	 * address (its version was read for the offer above). */
	spec.sonarcloud = sb_client_is_sonarcloud(c) || sb_client_on_cloud(c);
	rc = cli_badge_branch(c, o->project, o->branch, &spec.branch);
	for (i = 0; rc == EXIT_OK && o->nmetrics == 0 && i <= offer.count; i++) {
		/* The UI's measure badges in its order, then quality gate. */
		spec.metric = i < offer.count ? offer.metrics[i] : NULL;
		spec.label = offer_label(&offer, spec.metric);
		rc = print_badge(o, &spec);
	}
	for (k = 0; rc == EXIT_OK && k < o->nmetrics; k++) {
		spec.metric = strcmp(o->metrics[k], "quality_gate") ? o->metrics[k]
								    : NULL;
		if (spec.metric && !offered(&offer, spec.metric))
			cli_warn("the UI of this server (%s) does not offer a "
				 "%s badge: it may not render",
				 offer.source, spec.metric);
		spec.label = offer_label(&offer, spec.metric);
		rc = print_badge(o, &spec);
	}
	sb_wipe(tok, sizeof(tok));
	return rc;
}
