/*
 * cmd_fetch.c - `sonarbadge fetch PROJECT [--metric M | --quality-gate]
 * [--branch B] [-o FILE]`: read the badge token, GET the badge image and
 * write the SVG to stdout or FILE. SonarQube's error SVG (HTTP 200,
 * "Project has not been found") is an error, not an image.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] = "usage: sonarbadge fetch PROJECT [--metric M | "
			    "--quality-gate] [--branch B] [-o FILE]";

int parse_fetch(cli_options *o)
{
	cli_iter it = {0, 0, NULL};
	const char *arg, *v, *pk;
	char name[32];
	int kind, rc;

	while ((kind = cli_next_arg(o, &it, &arg, name, sizeof(name))) != 0) {
		if (kind == 1) {
			cli_add_operand(o, arg);
			continue;
		}
		if (strcmp(arg, "--quality-gate") == 0) {
			o->quality_gate = 1;
			continue;
		}
		if (strcmp(arg, "--metric") != 0 && strcmp(arg, "--branch") != 0 &&
		    strcmp(arg, "-o") != 0 && strcmp(arg, "--output") != 0)
			return cli_unknown_option(o->command, arg);
		v = cli_option_value(o, &it, arg);
		if (!v)
			return EXIT_USAGE;
		if (strcmp(arg, "--metric") == 0) {
			if (strcmp(v, "quality_gate") == 0) {
				o->quality_gate = 1;
			} else if (!sb_badge_metric_label(v)) {
				cli_error("unknown metric '%.60s' (see "
					  "sonarbadge --help; 'urls' lists "
					  "them)",
					  v);
				return EXIT_USAGE;
			} else {
				o->metrics[0] = v;
				o->nmetrics = 1;
			}
		} else if (strcmp(arg, "--branch") == 0) {
			o->branch = v;
		} else {
			o->output = v;
		}
	}
	if (o->quality_gate && o->nmetrics) {
		cli_error("--metric and --quality-gate exclude each other");
		return EXIT_USAGE;
	}
	rc = cli_props_apply(o, &pk);
	if (rc >= 0)
		return rc;
	if (o->nargs == 0 && pk)
		cli_add_operand(o, pk);
	if (o->nargs != 1) {
		cli_error("%s", usage);
		return EXIT_USAGE;
	}
	return -1;
}

int cmd_fetch(sb_client *c, const cli_options *o)
{
	char tok[SB_MAX_TOKEN_LEN + 1], url[8192];
	const char *base = sb_client_base_url(c);
	sb_badge_spec spec;
	char *svg;
	size_t len, blen = strlen(base);
	sb_err err;
	int rc = EXIT_OK;

	err = sb_token_get(c, o->args[0], tok, sizeof(tok));
	if (err != SB_OK)
		return cli_fail(c, err);
	memset(&spec, 0, sizeof(spec));
	spec.base_url = base;
	spec.project = o->args[0];
	spec.branch = o->branch && *o->branch ? o->branch : NULL;
	spec.metric = o->quality_gate ? NULL
		      : o->nmetrics   ? o->metrics[0]
				      : "alert_status";
	spec.token = tok;
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
		return cli_fail(c, err);
	}
	if (o->output && strcmp(o->output, "-") != 0) {
		rc = cli_file_replace(o->output, svg, len, 0644);
	} else if (fwrite(svg, 1, len, stdout) != len) {
		cli_error("cannot write to standard output");
		rc = EXIT_USAGE;
	}
	free(svg);
	return rc;
}
