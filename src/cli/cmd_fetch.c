/*
 * cmd_fetch.c - `sonarbadge fetch [PROJECT] [--metric M | --quality-gate]
 * [--branch B] [-o FILE]`: read the badge token (when a user token was
 * given; without one the badge is asked for without a token, which a
 * public project answers), GET the badge image and write the SVG to
 * stdout or FILE. SonarQube's error SVG (HTTP 200, "Project has not been
 * found") is an error, not an image.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_target.h"

cli_parse_result parse_fetch(cli_options *o)
{
	if (o->quality_gate && o->nmetrics) {
		cli_error("--metric and --quality-gate exclude each other");
		return CLI_USAGE_ERROR;
	}
	if (o->nmetrics > 1) {
		cli_error("fetch writes one badge: give --metric once");
		return CLI_USAGE_ERROR;
	}
	if (o->nmetrics == 1 && strcmp(o->metrics[0], "quality_gate") == 0) {
		o->quality_gate = 1;
		o->nmetrics = 0;
	}
	return parse_project_cmd(o);
}

/* The badge's SVG in *svg (malloc'd, *len bytes), or an exit code after
 * a one-line error. */
static int fetch_svg(sb_client *c, cli_options *o, char **svg_out,
		     size_t *len_out)
{
	char tok[SB_MAX_TOKEN_LEN + 1], url[8192];
	const char *base = sb_client_base_url(c);
	sb_badge_spec spec;
	char *svg;
	size_t len, blen = strlen(base);
	sb_err err;
	int rc;

	tok[0] = '\0';
	if (o->have_user_token) {
		err = sb_token_get(c, o->project, tok, sizeof(tok));
		if (err != SB_OK)
			return cli_fail(c, err);
	}
	memset(&spec, 0, sizeof(spec));
	spec.base_url = base;
	spec.project = o->project;
	if (o->have_user_token) {
		rc = cli_badge_branch(c, o->project, o->branch, &spec.branch);
		if (rc) {
			memset(tok, 0, sizeof(tok));
			return rc;
		}
	} else {
		spec.branch = o->branch && *o->branch ? o->branch : NULL;
	}
	spec.metric = o->quality_gate ? NULL
		      : o->nmetrics   ? o->metrics[0]
				      : "alert_status";
	spec.token = tok[0] ? tok : NULL;
	spec.sonarcloud = sb_client_is_sonarcloud(c);
	err = sb_badge_image_url(&spec, url, sizeof(url));
	memset(tok, 0, sizeof(tok));
	if (err != SB_OK || strncmp(url, base, blen) != 0) {
		memset(url, 0, sizeof(url));
		cli_error("badge URL too long");
		return EXIT_USAGE;
	}
	svg = malloc(SB_MAX_BADGE_BYTES + 1);
	if (!svg) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	err = sb_badge_fetch(c, url + blen, svg, SB_MAX_BADGE_BYTES + 1, &len);
	memset(url, 0, sizeof(url));
	if (err != SB_OK) {
		free(svg);
		if (err == SB_ERR_NOT_FOUND && !o->have_user_token) {
			cli_error("%s (no user token was given, so the badge was "
				  "asked for without its token, which only a "
				  "public project answers: set SONAR_TOKEN or "
				  "--token-file)",
				  sb_client_message(c));
			return cli_exit_code(err);
		}
		return cli_fail(c, err);
	}
	*svg_out = svg;
	*len_out = len;
	return EXIT_OK;
}

int cmd_fetch(sb_client *c, cli_options *o)
{
	char *svg = NULL;
	size_t len = 0;
	int rc;
	cli_target t;
	int to_file = o->output && strcmp(o->output, "-") != 0;

	/* The output file is opened before anything is asked of the
	 * server: a name that cannot be written fails at once. A new file
	 * gets 0666 less the umask, as any tool makes. */
	if (to_file) {
		rc = cli_target_open(o->output, SB_MAX_BADGE_BYTES * 4, 1, &t);
		if (rc) {
			cli_target_close(&t);
			return rc;
		}
	}
	rc = fetch_svg(c, o, &svg, &len);
	if (rc == 0 && to_file)
		rc = cli_target_replace(&t, svg, len, 0666);
	else if (rc == 0)
		cli_out_bytes(svg, len);
	if (to_file)
		cli_target_close(&t);
	free(svg);
	return rc;
}
