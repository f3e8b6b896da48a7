/* cli_commands.c - the token, renew and urls commands. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int fail(sb_client *c, sb_err err)
{
	const char *m = sb_client_message(c);

	cli_error("%s", m && *m ? m : sb_strerror(err));
	return cli_exit_code(err);
}

int parse_project_only(cli_options *o)
{
	cli_iter it = {0, 0, NULL};
	const char *arg;
	char name[32];
	int kind;

	while ((kind = cli_next_arg(o, &it, &arg, name, sizeof(name))) != 0) {
		if (kind == 2)
			return cli_unknown_option(o->command, arg);
		cli_add_operand(o, arg);
	}
	if (o->nargs != 1) {
		cli_error("usage: sonarbadge %s PROJECT", o->command);
		return EXIT_USAGE;
	}
	return -1;
}

int cmd_token(sb_client *c, const cli_options *o)
{
	char tok[SB_MAX_TOKEN_LEN + 1];
	sb_err err;

	err = sb_token_get(c, o->args[0], tok, sizeof(tok));
	if (err != SB_OK)
		return fail(c, err);
	printf("%s\n", tok);
	memset(tok, 0, sizeof(tok));
	return EXIT_OK;
}

int cmd_renew(sb_client *c, const cli_options *o)
{
	char old_tok[SB_MAX_TOKEN_LEN + 1], new_tok[SB_MAX_TOKEN_LEN + 1];
	char s_old[32], s_new[32];
	sb_err err;

	err = sb_token_renew(c, o->args[0], old_tok, sizeof(old_tok), new_tok,
			     sizeof(new_tok));
	if (err != SB_OK)
		return fail(c, err);
	cli_shorten_token(old_tok, s_old, sizeof(s_old));
	cli_shorten_token(new_tok, s_new, sizeof(s_new));
	printf("%s\n", new_tok);
	fflush(stdout);
	fprintf(stderr, "sonarbadge: rotated the badge token of %s: %s -> %s\n",
		o->args[0], s_old, s_new);
	memset(old_tok, 0, sizeof(old_tok));
	memset(new_tok, 0, sizeof(new_tok));
	return EXIT_OK;
}

/* JSON string contents: URLs and labels are ASCII; escape the rest. */
static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static int print_badge(const cli_options *o, const sb_badge_spec *spec)
{
	char image[4096], link[4096], md[8192];
	const char *label = spec->metric ? sb_badge_metric_label(spec->metric)
					 : "Quality gate";

	if (sb_badge_image_url(spec, image, sizeof(image)) != SB_OK ||
	    sb_badge_link_url(spec, link, sizeof(link)) != SB_OK ||
	    sb_badge_markdown(spec, md, sizeof(md)) != SB_OK) {
		cli_error("badge URL too long");
		return EXIT_USAGE;
	}
	switch (o->format) {
	case FORMAT_URL:
		printf("%s\n", image);
		break;
	case FORMAT_JSON:
		printf("{\"project\":");
		json_string(spec->project);
		printf(",\"branch\":");
		if (spec->branch)
			json_string(spec->branch);
		else
			printf("null");
		printf(",\"badge\":\"%s\",\"metric\":",
		       spec->metric ? "measure" : "quality_gate");
		if (spec->metric)
			json_string(spec->metric);
		else
			printf("null");
		printf(",\"label\":");
		json_string(label);
		printf(",\"url\":");
		json_string(image);
		printf(",\"link\":");
		json_string(link);
		printf(",\"markdown\":");
		json_string(md);
		printf("}\n");
		break;
	default:
		printf("%s\n", md);
		break;
	}
	return EXIT_OK;
}

int parse_urls(cli_options *o)
{
	cli_iter it = {0, 0, NULL};
	const char *arg, *v;
	char name[32];
	size_t i;
	int kind;

	while ((kind = cli_next_arg(o, &it, &arg, name, sizeof(name))) != 0) {
		if (kind == 1) {
			cli_add_operand(o, arg);
			continue;
		}
		if (strcmp(arg, "--branch") != 0 && strcmp(arg, "--metric") != 0 &&
		    strcmp(arg, "--format") != 0)
			return cli_unknown_option("urls", arg);
		v = cli_option_value(o, &it, arg);
		if (!v)
			return EXIT_USAGE;
		if (strcmp(arg, "--branch") == 0) {
			o->branch = v;
		} else if (strcmp(arg, "--format") == 0) {
			if (strcmp(v, "markdown") == 0)
				o->format = FORMAT_MARKDOWN;
			else if (strcmp(v, "url") == 0)
				o->format = FORMAT_URL;
			else if (strcmp(v, "json") == 0)
				o->format = FORMAT_JSON;
			else {
				cli_error("--format takes markdown, url or json");
				return EXIT_USAGE;
			}
		} else {
			if (strcmp(v, "quality_gate") != 0 &&
			    !sb_badge_metric_label(v)) {
				char known[1024] = "quality_gate";
				size_t k = strlen(known);

				for (i = 0; i < sb_badge_metric_count &&
					    k < sizeof(known);
				     i++)
					k += (size_t)snprintf(
						known + k, sizeof(known) - k,
						", %s", sb_badge_metrics[i].key);
				cli_error("unknown metric '%.60s' (known: %s)", v,
					  known);
				return EXIT_USAGE;
			}
			if (o->nmetrics == MAX_METRICS) {
				cli_error("too many --metric options");
				return EXIT_USAGE;
			}
			o->metrics[o->nmetrics++] = v;
		}
	}
	if (o->nargs != 1) {
		cli_error("usage: sonarbadge urls PROJECT [--branch B] "
			  "[--metric M]... [--format markdown|url|json]");
		return EXIT_USAGE;
	}
	return -1;
}

int cmd_urls(sb_client *c, const cli_options *o)
{
	char tok[SB_MAX_TOKEN_LEN + 1];
	sb_badge_spec spec;
	sb_err err;
	size_t i;
	int k, rc = -1;

	err = sb_token_get(c, o->args[0], tok, sizeof(tok));
	if (err != SB_OK)
		return fail(c, err);
	memset(&spec, 0, sizeof(spec));
	spec.base_url = sb_client_base_url(c);
	spec.project = o->args[0];
	spec.branch = o->branch && *o->branch ? o->branch : NULL;
	spec.token = tok;
	spec.sonarcloud = sb_client_is_sonarcloud(c);
	if (o->nmetrics == 0) {
		for (i = 0; i < sb_badge_metric_count && rc < 0; i++) {
			spec.metric = sb_badge_metrics[i].key;
			if (print_badge(o, &spec) != EXIT_OK)
				rc = EXIT_USAGE;
		}
		spec.metric = NULL;
		if (rc < 0 && print_badge(o, &spec) != EXIT_OK)
			rc = EXIT_USAGE;
	} else {
		for (k = 0; k < o->nmetrics && rc < 0; k++) {
			spec.metric = strcmp(o->metrics[k], "quality_gate")
					      ? o->metrics[k]
					      : NULL;
			if (print_badge(o, &spec) != EXIT_OK)
				rc = EXIT_USAGE;
		}
	}
	memset(tok, 0, sizeof(tok));
	return rc < 0 ? EXIT_OK : rc;
}
